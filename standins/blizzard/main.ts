import { DEMO_BLIZZARD_CREDENTIALS, loadConfig, runMain } from '../../config';
import { createLogger } from '../../config/logger';
import { generateDemoGuild } from './demoGuild';
import { startBlizzardStandin } from './server';

/** Runs the Blizzard stand-in on its own: `node dist/standins/blizzard/main.js`. */
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, 'blizzard-standin');
  const guild = generateDemoGuild({ size: config.standins.demoGuildSize });
  guild.slug = config.guild.nameSlug;
  const standin = await startBlizzardStandin({
    guild,
    ...DEMO_BLIZZARD_CREDENTIALS,
    port: config.standins.blizzardPort,
    logger,
  });
  logger.info(
    { url: standin.url, tokenUrl: `${standin.url}/token`, characters: guild.characters.length },
    `Blizzard stand-in listening on ${standin.url} (set BLIZZARD_API_URL and BLIZZARD_OAUTH_URL to it)`,
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    logger.info('Stopping the Blizzard stand-in');
    standin.close().catch((err: unknown) => {
      logger.error({ err }, 'Blizzard stand-in did not close cleanly');
      process.exitCode = 1;
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});
