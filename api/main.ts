import type { Server } from 'node:http';
import { once } from 'node:events';
import { ConfigError, loadConfig, runMain } from '../config';
import { createLogger } from '../config/logger';
import { createKnex } from '../db/knex';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { connectTemporal } from '../temporal/connect';
import { createAddonImportControl } from '../temporal/addonImportControl';
import { createAuditControl } from '../temporal/auditControl';
import { createIdentityControl } from '../temporal/identityControl';
import { createSheetImportControl } from '../temporal/sheetImportControl';
import { createDiscordSyncControl } from '../temporal/discordSyncControl';
import { createRosterSyncControl } from '../temporal/rosterSyncControl';
import { createApp } from './app';

/** How long open requests get to finish on SIGINT/SIGTERM before their sockets are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The API process. The schema is migrated by the start script before this runs, so several API
 * processes never race to migrate.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, 'api');
  if (!config.database.url) {
    throw new ConfigError('DATABASE_URL is not set: start everything with `npm start`, or set DATABASE_URL');
  }
  const knex = createKnex(config.database.url);
  const guildId = await ensureGuild(knex, {
    region: config.blizzard.region,
    realmSlug: config.guild.realmSlug,
    nameSlug: config.guild.nameSlug,
  });
  const temporal = await connectTemporal(config);
  const rosterSync = createRosterSyncControl(temporal, config);

  const discordSync = createDiscordSyncControl(temporal, config);
  const addonImport = createAddonImportControl(temporal, config);
  const audit = createAuditControl(temporal, config);
  const identity = createIdentityControl(temporal, config);
  const sheetImport = createSheetImportControl(temporal, config);
  const app = createApp({ knex, config, logger, rosterSync, discordSync, addonImport, audit, identity, sheetImport, guildId });
  const server: Server = app.listen(config.api.port, config.api.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    await Promise.allSettled([knex.destroy(), temporal.connection.close()]);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new ConfigError(
        `Cannot listen on ${config.api.host}:${config.api.port} (${code}): another process holds the port, or it needs privileges. ` +
          'Stop that process, or choose another port with API_PORT (and API_HOST).',
      );
    }
    throw err;
  }
  logger.info(
    { url: config.api.publicUrl, guild: config.guild.key, guildId, demo: config.demo },
    `API listening on ${config.api.publicUrl}/api (docs: ${config.api.publicUrl}/api/docs)`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'API stopping: finishing open requests');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Idle keep-alive sockets would hold close() open; busy ones get the grace period.
    server.closeIdleConnections();
    const cutoff = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    cutoff.unref();
    closed
      .then(() => Promise.allSettled([knex.destroy(), temporal.connection.close()]))
      .then(() => {
        clearTimeout(cutoff);
        logger.info('API stopped');
        // A Temporal call without a deadline (a progress query no worker answers) can keep the
        // process alive after everything is closed; this unref'd timer fires only in that case.
        setTimeout(() => {
          logger.warn('API still busy 5 s after closing (a pending Temporal call?); exiting');
          process.exit();
        }, 5_000).unref();
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'API shutdown failed');
        process.exitCode = 1;
      });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

runMain(main);
