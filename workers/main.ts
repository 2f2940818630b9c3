import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig, runMain, ConfigError } from '../config';
import { createLogger } from '../config/logger';
import { createKnex } from '../db/knex';
import { BlizzardClient } from '../integrations/blizzard';
import { DiscordClient } from '../integrations/discord';
import { Client } from '@temporalio/client';
import { ensureDiscordReconcileSchedule, ensureRosterSchedule } from '../temporal/schedules';
import { createWorkers, runWorkers } from './createWorkers';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, 'worker');
  // SDK logs go through the same pino logger as ours.
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      // The Blizzard queue's worker runs activities only, by design; the SDK warns about that.
      if (entry.message.startsWith('No workflows registered')) return;
      logger[entry.level === 'ERROR' ? 'error' : 'warn'](entry.meta ?? {}, entry.message);
    }),
  });
  if (!config.database.url) throw new ConfigError('DATABASE_URL is not set: start everything with `npm start`, or set DATABASE_URL.');
  const knex = createKnex(config.database.url);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const blizzard = new BlizzardClient({ ...config.blizzard, logger: logger.child({ service: 'blizzard' }) });
  const discord = new DiscordClient({ ...config.discord, logger: logger.child({ service: 'discord' }) });

  const bundlePath = path.resolve(__dirname, '..', 'workflow-bundle.js');
  const workers = await createWorkers({
    connection,
    namespace: config.temporal.namespace,
    knex,
    blizzard,
    discord,
    logger,
    audit: {
      channelId: config.discord.auditChannelId ?? null,
      debounceSeconds: config.audit.debounceSeconds,
      settings: config.audit.settings,
      firstReportWaitsFor: config.audit.firstReportWaitsFor,
    },
    workflows: fs.existsSync(bundlePath)
      ? { workflowBundle: { codePath: bundlePath } }
      : { workflowsPath: require.resolve('../workflows') },
  });

  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  for (const schedule of [await ensureRosterSchedule(temporal, config), await ensureDiscordReconcileSchedule(temporal, config)]) {
    logger.info(
      { scheduleId: schedule.scheduleId, paused: schedule.paused, nextRunAt: schedule.nextRunAt, guild: config.guild.key },
      schedule.paused ? `${schedule.scheduleId} is paused (someone paused it in the Temporal UI)` : `${schedule.scheduleId} ready`,
    );
  }
  logger.info({ address: config.temporal.address }, 'worker polling');
  try {
    await runWorkers(workers);
  } finally {
    await connection.close();
    await knex.destroy();
  }
});
