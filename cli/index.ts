import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, runMain } from '../config';
import { createKnex } from '../db/knex';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { API_KEY_SCOPES } from '../db/operations/apiKeys/createApiKey';
import {
  CliUsageError,
  createApiKeyCommand,
  listApiKeysCommand,
  revokeApiKeyCommand,
  type ApiKeyCliDeps,
} from './apiKeys';

/** Opens the database for one command, for the configured guild, and always closes it. */
async function withGuild(run: (deps: ApiKeyCliDeps) => Promise<string>): Promise<void> {
  const config = loadConfig();
  if (!config.database.url) {
    throw new ConfigError('DATABASE_URL is not set: start everything with `npm start`, or set DATABASE_URL');
  }
  const knex = createKnex(config.database.url, { max: 2 });
  try {
    const guildId = await ensureGuild(knex, {
      region: config.blizzard.region,
      realmSlug: config.guild.realmSlug,
      nameSlug: config.guild.nameSlug,
    });
    process.stdout.write(`${await run({ knex, guildId, guildKey: config.guild.key })}\n`);
  } finally {
    await knex.destroy();
  }
}

export function buildProgram(): Command {
  const program = new Command('patt')
    .description('PATT Guild Sync administration')
    // Errors come back as exceptions, so the process ends by exit code, never process.exit().
    .exitOverride();

  const apiKey = program.command('api-key').description('Mint, list and revoke API keys (only a hash of each is stored)');

  apiKey
    .command('create')
    .description('Mint a key and print it once')
    .requiredOption('--name <name>', 'who or what holds it, e.g. "Rocket companion app"')
    .requiredOption('--scopes <list>', `comma-separated, from: ${API_KEY_SCOPES.join(', ')}`)
    .action((opts: { name: string; scopes: string }) => withGuild((deps) => createApiKeyCommand(deps, opts)));

  apiKey
    .command('list')
    .description('List keys: prefix, name, scopes, last used, revoked (never the key)')
    .action(() => withGuild((deps) => listApiKeysCommand(deps)));

  apiKey
    .command('revoke <prefix>')
    .description('Revoke the key with this prefix (patt_xxxxxxxx, as "list" shows)')
    .action((prefix: string) => withGuild((deps) => revokeApiKeyCommand(deps, prefix)));

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof CliUsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

if (require.main === module) runMain(main);
