import { Client, Connection } from '@temporalio/client';
import { ConfigError, loadConfig, runMain } from '../config';
import { createLogger } from '../config/logger';
import { createKnex } from '../db/knex';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { GatewayListener } from './listener';

/** The Discord gateway listener process (`node dist/gateway/main.js`; npm start runs it). */
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, 'gateway');
  if (!config.database.url) throw new ConfigError('DATABASE_URL is not set: start everything with `npm start`, or set DATABASE_URL.');
  const knex = createKnex(config.database.url, { max: 2 });
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const guildId = await ensureGuild(knex, { region: config.blizzard.region, realmSlug: config.guild.realmSlug, nameSlug: config.guild.nameSlug });

  const listener = new GatewayListener({ config, guildId, knex, temporal, logger });
  logger.info(
    { server: config.discord.guildId, api: config.discord.apiUrl, demo: config.discord.demo },
    config.discord.demo ? 'Connecting to the DEMO Discord stand-in' : 'Connecting to Discord',
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ pendingEvents: listener.pendingEvents }, 'Stopping the gateway listener');
    await listener.stop();
    await connection.close();
    await knex.destroy();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await listener.start();
});
