import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../api/app';
import { startCompanion } from '../companion/companion';
import { loadConfig } from '../config';
import { createKnex, migrateToLatest } from '../db/knex';
import { createApiKey } from '../db/operations/apiKeys/createApiKey';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { providePostgres, dropDatabase, ensureDatabase } from '../scripts/provision/postgres';
import { resolveTemporalCli } from '../scripts/provision/temporalCli';
import { startTemporalDevServer } from '../scripts/provision/temporalDevServer';
import { getFreePort } from '../scripts/provision/waitFor';
import { createAddonImportControl } from '../temporal/addonImportControl';
import type { DiscordSyncControl } from '../temporal/discordSyncControl';
import type { RosterSyncControl } from '../temporal/rosterSyncControl';
import { generatedExport, savedVariablesText } from './savedVariablesFile';

/**
 * File change → upload acknowledged: the game rewrites PATTSync.lua, the companion (default
 * settings: it waits 750 ms for the write to settle) reads, validates, queues and uploads it, and
 * the API answers 202 after storing it and starting its import on Temporal.
 */
export async function addonUploadLatency(args: { members: number; uploads: number }): Promise<Record<string, string>> {
  const logger = pino({ level: 'warn' });
  const project = path.resolve(__dirname, '..', '..');
  const pg = await providePostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(project, '.data', 'bench-postgres'), port: 54349, logger });
  const cli = await resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, projectDir: project, logger });
  const temporal = await startTemporalDevServer({ cliPath: cli.path, port: await getFreePort(), headless: true, logFile: path.join(project, '.data', 'logs', 'bench-temporal.log'), logger });
  const connection = await Connection.connect({ address: temporal.address });
  const dbName = 'patt_bench_addon';
  await dropDatabase(pg.url, dbName);
  const knex = createKnex(await ensureDatabase(pg.url, dbName), { max: 4 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patt-bench-addon-'));
  const server = http.createServer();
  try {
    await migrateToLatest(knex);
    const guild = { region: 'us', realmSlug: 'senjin', nameSlug: 'bench-addon', key: 'us/senjin/bench-addon' };
    const guildId = await ensureGuild(knex, guild);
    const unused = async () => {
      throw new Error('not used by this benchmark');
    };
    const app = createApp({
      knex,
      config: loadConfig({ ...process.env, LOG_LEVEL: 'warn' }),
      logger,
      rosterSync: { trigger: unused, running: unused, schedule: unused } as RosterSyncControl,
      discordSync: { trigger: unused, schedule: unused } as DiscordSyncControl,
      // No worker: the import waits in Temporal; the acknowledgement is what is measured.
      addonImport: createAddonImportControl(new Client({ connection }), { guild }),
      audit: { trigger: unused },
      guildId,
    });
    server.on('request', app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { key } = await createApiKey(knex, { guildId, name: 'bench', scopes: ['addon:upload'] });
    const file = path.join(dir, 'WTF', 'Account', 'BENCH', 'SavedVariables', 'PATTSync.lua');
    fs.mkdirSync(path.dirname(file), { recursive: true });

    let acknowledged: (() => void) | null = null;
    const companion = await startCompanion(
      {
        apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        apiKey: key,
        savedVariablesFile: file,
        companionDir: path.join(dir, 'companion'),
        logLevel: 'silent',
        uploadTimeoutMs: 60_000,
        retry: { minDelayMs: 1_000, maxDelayMs: 300_000 },
        watch: { settleMs: 750, rescanMs: 30_000 },
      },
      { console: { log: (line) => line.startsWith('Uploaded') && acknowledged?.(), error: () => undefined } },
    );
    const latencies: number[] = [];
    try {
      for (let i = 0; i < args.uploads; i += 1) {
        const text = savedVariablesText(generatedExport(args.members, 1_764_000_000 + i * 60));
        const done = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`upload ${i} not acknowledged within 30 s`)), 30_000);
          acknowledged = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        // The game writes the whole file anew, then it is there: write elsewhere and rename into place.
        const started = performance.now();
        fs.writeFileSync(`${file}.tmp`, text);
        fs.renameSync(`${file}.tmp`, file);
        await done;
        latencies.push(performance.now() - started);
      }
    } finally {
      await companion.stop();
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return {
      upload_members: String(args.members),
      uploads: String(args.uploads),
      change_to_ack_p50_ms: at(0.5).toFixed(0),
      change_to_ack_p95_ms: at(0.95).toFixed(0),
      change_to_ack_max_ms: sorted.at(-1)!.toFixed(0),
      companion_settle_ms: '750',
    };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await knex.destroy();
    await connection.close();
    await temporal.stop();
    await dropDatabase(pg.url, dbName).catch(() => undefined);
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
