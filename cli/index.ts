import { Command, CommanderError } from 'commander';
import type { Client } from '@temporalio/client';
import { ConfigError, loadConfig, runMain, type Config } from '../config';
import { createKnex } from '../db/knex';
import { APP_DATABASE, embeddedUrl } from '../scripts/provision/postgres';
import { importSheetCommand, identityRunCommand, type TemporalCliDeps } from './identity';
import { firstReportCommand, releaseFirstReportCommand } from './audit';
import { connectTemporal } from '../temporal/connect';
import { createAuditControl } from '../temporal/auditControl';
import { createIdentityControl } from '../temporal/identityControl';
import { createSheetImportControl } from '../temporal/sheetImportControl';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { API_KEY_SCOPES } from '../db/operations/apiKeys/createApiKey';
import {
  CliUsageError,
  createApiKeyCommand,
  listApiKeysCommand,
  revokeApiKeyCommand,
  type ApiKeyCliDeps,
} from './apiKeys';

/** Connects to Temporal for one command and always closes it; a server that does not answer is one clear line. */
async function withTemporal<T>(config: Config, run: (client: Client) => Promise<T>): Promise<T> {
  let client: Client;
  try {
    client = await connectTemporal(config);
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  try {
    return await run(client);
  } finally {
    await client.connection.close();
  }
}

/** The database and Temporal for one command: the identity step and sheet imports run on Temporal. */
function withTemporalGuild(run: (deps: TemporalCliDeps) => Promise<string>): Promise<void> {
  return withGuild((deps, config) =>
    withTemporal(config, (client) => run({ ...deps, identity: createIdentityControl(client, config), sheetImport: createSheetImportControl(client, config) })),
  );
}

/** Opens the database for one command, for the configured guild, and always closes it. */
async function withGuild(run: (deps: ApiKeyCliDeps, config: Config) => Promise<string>): Promise<void> {
  const config = loadConfig();
  // Without DATABASE_URL, the embedded PostgreSQL that `npm start` runs (it must be running).
  const url = config.database.url ?? `${embeddedUrl(config.database.embeddedPort).replace(/\/postgres$/, '')}/${APP_DATABASE}`;
  const knex = createKnex(url, { max: 2 });
  try {
    await knex.raw('select 1');
  } catch (err) {
    await knex.destroy();
    throw new ConfigError(
      config.database.url
        ? `Cannot reach the database at DATABASE_URL (${(err as Error).message}): check it.`
        : `DATABASE_URL is not set and the embedded PostgreSQL of \`npm start\` is not answering on port ${config.database.embeddedPort}: start it with \`npm start\`, or set DATABASE_URL.`,
    );
  }
  try {
    const guildId = await ensureGuild(knex, {
      region: config.blizzard.region,
      realmSlug: config.guild.realmSlug,
      nameSlug: config.guild.nameSlug,
    });
    process.stdout.write(`${await run({ knex, guildId, guildKey: config.guild.key }, config)}\n`);
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

  const identity = program.command('identity').description('Persons, links and the officers\' sheet');

  identity
    .command('import-sheet')
    .description("Import the officers' Google Sheet (exported as CSV): persons and confirmed links with source \"sheet\"")
    .requiredOption('--discord-ids <file>', 'the DiscordIDs tab as CSV (Discord name, Discord ID)')
    .requiredOption('--characters <file>', 'the Characters sheet as CSV (Discord name, character, class, spec, role, main/alt)')
    .option('--dry-run', 'report what would change and every unusable row; change nothing', false)
    .option('--by <officer>', 'who is importing, kept with every link', 'sheet import')
    .action((opts: { discordIds: string; characters: string; dryRun: boolean; by: string }) => withTemporalGuild((deps) => importSheetCommand(deps, opts)));

  identity
    .command('run')
    .description('Run the identity step now on Temporal (every sync ends with it), then the audit; print what it changed')
    .action(() => withTemporalGuild((deps) => identityRunCommand(deps)));

  const audit = program.command('audit').description("The audit's first report");

  audit
    .command('status')
    .description("Say whether the guild's first audit report is held, and for what")
    .action(() => withGuild((deps, config) => firstReportCommand({ ...deps, firstReportWaitsFor: config.audit.firstReportWaitsFor, audit: null })));

  audit
    .command('release')
    .description("Release the guild's first audit report before the guild is seeded (AUDIT_FIRST_REPORT_WAITS_FOR), and audit now")
    .option('--by <officer>', 'who releases it, kept with the release', 'officer (CLI)')
    .action((opts: { by: string }) =>
      withGuild(async (deps, config) => {
        const release = (control: ReturnType<typeof createAuditControl> | null) =>
          releaseFirstReportCommand({ ...deps, firstReportWaitsFor: config.audit.firstReportWaitsFor, audit: control }, opts);
        try {
          return await withTemporal(config, (client) => release(createAuditControl(client, config)));
        } catch (err) {
          // Temporal is away: the release is still recorded; the next sync's audit posts the report.
          if (err instanceof CliUsageError) return release(null);
          throw err;
        }
      }),
    );

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
