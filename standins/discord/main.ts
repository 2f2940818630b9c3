import { runMain, type Config } from '../../config';
import { createLogger } from '../../config/logger';
import { generateDemoGuild } from '../blizzard/demoGuild';
import { generateDemoDiscordServer, type DemoPlayer } from './demoServer';
import { startDiscordStandin } from './server';

/**
 * Runs the Discord stand-in on its own: `node dist/standins/discord/main.js`. Its members are the
 * players of the Blizzard demo guild (same default size and seed), so the two stand-ins describe
 * one guild. Settings come straight from the environment until the config knows them.
 */

/** The bot token the stand-in accepts when none is given; never valid on Discord. */
const DEMO_BOT_TOKEN = 'patt-demo-bot-token';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number (got "${raw}")`);
  return n;
}

runMain(async () => {
  const env = process.env.NODE_ENV === 'production' || process.env.NODE_ENV === 'test' ? process.env.NODE_ENV : 'development';
  const levels: Config['logLevel'][] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  const logLevel = levels.find((l) => l === process.env.LOG_LEVEL) ?? 'info';
  const logger = createLogger({ env, logLevel }, 'discord-standin');

  const guild = generateDemoGuild({ size: envInt('DEMO_GUILD_SIZE', 150) });
  const players: DemoPlayer[] = guild.characters
    .filter((c) => c.isMain && c.inGuild)
    .map((c) => ({ name: c.player, mainCharacter: c.name, rank: c.rank }));
  const server = generateDemoDiscordServer({ size: envInt('DEMO_DISCORD_SIZE', 160), players, guildId: process.env.DISCORD_GUILD_ID || undefined });
  const standin = await startDiscordStandin({
    server,
    botToken: process.env.STANDIN_DISCORD_BOT_TOKEN || DEMO_BOT_TOKEN,
    port: envInt('STANDIN_DISCORD_PORT', 3102),
    logger,
  });
  logger.info(
    { apiUrl: standin.apiUrl, gatewayUrl: standin.gatewayUrl, guildId: server.guildId, auditChannelId: server.auditChannelId, members: server.members.size },
    `Discord stand-in listening on ${standin.url} (set DISCORD_API_URL=${standin.apiUrl}, DISCORD_GUILD_ID=${server.guildId}, PATT_AUDIT_CHANNEL_ID=${server.auditChannelId})`,
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    logger.info('Stopping the Discord stand-in');
    standin.close().catch((err: unknown) => {
      logger.error({ err }, 'Discord stand-in did not close cleanly');
      process.exitCode = 1;
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});
