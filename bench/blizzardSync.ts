import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createKnex } from '../db/knex';
import { migrateToLatest } from '../db/knex';
import { providePostgres, dropDatabase, ensureDatabase } from '../scripts/provision/postgres';
import { resolveTemporalCli } from '../scripts/provision/temporalCli';
import { startTemporalDevServer } from '../scripts/provision/temporalDevServer';
import { getFreePort } from '../scripts/provision/waitFor';
import { TASK_QUEUES, type RosterSyncInput, type RosterSyncResult } from '../workflows/shared';
import type { StandinStats } from '../standins/blizzard';
import { peakRssMiB, startProcess, stopProcess } from './processes';

const DIST = path.resolve(__dirname, '..');
const PROJECT = path.resolve(DIST, '..');
const RATE = 100;

/**
 * Full roster syncs of N members against the Blizzard stand-in at Blizzard's own limits, with the
 * real worker process (workers/main.js), a real Temporal dev server and PostgreSQL. The stand-in
 * runs in its own process so it does not share an event loop with the worker.
 */
export async function blizzardSyncBenchmark(args: string[]): Promise<void> {
  const sizes = (args[0] ?? '1000,5000').split(',').map(Number);
  const logger = pino({ level: 'warn' });
  const pg = await providePostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(PROJECT, '.data', 'bench-postgres'), port: 54349, logger });
  const cli = await resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, projectDir: PROJECT, logger });
  const temporal = await startTemporalDevServer({ cliPath: cli.path, port: await getFreePort(), headless: true, logFile: path.join(PROJECT, '.data', 'logs', 'bench-temporal.log'), logger });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  try {
    for (const size of sizes) await benchOneSize(size, { serverUrl: pg.url, temporalAddress: temporal.address, client });
  } finally {
    await connection.close();
    await temporal.stop();
    await pg.stop();
  }
}

async function benchOneSize(size: number, ctx: { serverUrl: string; temporalAddress: string; client: Client }): Promise<void> {
  const dbName = `patt_bench_${size}`;
  await dropDatabase(ctx.serverUrl, dbName);
  const databaseUrl = await ensureDatabase(ctx.serverUrl, dbName);
  const knex = createKnex(databaseUrl, { max: 1 });
  await migrateToLatest(knex);
  await knex.destroy();

  const standinPort = await getFreePort();
  const standinUrl = `http://127.0.0.1:${standinPort}`;
  const common = { NODE_ENV: 'production', LOG_LEVEL: 'warn', PATT_GUILD_NAME_SLUG: `bench-${size}` };
  const standin = await startProcess(path.join(DIST, 'standins', 'blizzard', 'main.js'), { ...common, STANDIN_BLIZZARD_PORT: String(standinPort), DEMO_GUILD_SIZE: String(size), LOG_LEVEL: 'info' }, /listening/);
  const worker = await startProcess(
    path.join(DIST, 'workers', 'main.js'),
    { ...common, LOG_LEVEL: 'info', DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: ctx.temporalAddress, BLIZZARD_API_URL: standinUrl, BLIZZARD_OAUTH_URL: standinUrl },
    /worker polling/,
  );
  const stats = async (): Promise<StandinStats> => (await fetch(`${standinUrl}/_standin/stats`)).json() as Promise<StandinStats>;
  const input: RosterSyncInput = { guild: { region: 'us', realmSlug: 'senjin', nameSlug: `bench-${size}` }, profileBatchSize: 100 };
  const run = async (label: string) => {
    await fetch(`${standinUrl}/_standin/stats/reset`, { method: 'POST' });
    const started = performance.now();
    const handle = await ctx.client.workflow.start('guildRosterSync', { workflowId: `bench-${size}-${label}-${Date.now()}`, taskQueue: TASK_QUEUES.main, args: [input] });
    const result = (await handle.result()) as RosterSyncResult;
    const wallMs = performance.now() - started;
    const history = await handle.fetchHistory();
    return { result, wallMs, stats: await stats(), historyEvents: history.events?.length ?? 0 };
  };

  try {
    const first = await run('first');
    const ideal = size / RATE;
    const late429 = first.stats.status429 > 0 && (first.stats.last429At ?? 0) > 1000;
    print(size, {
      first_run_wall_s: (first.wallMs / 1000).toFixed(2),
      first_run_ideal_s: ideal.toFixed(2),
      first_run_ratio: (first.wallMs / 1000 / ideal).toFixed(3),
      first_run_requests: first.stats.requests,
      first_run_429: first.stats.status429,
      first_run_429_after_first_second: late429 ? 'yes' : 'no',
      first_run_new: first.result.counts?.new,
      history_events_per_run: first.historyEvents,
    });
    const second = await run('second');
    print(size, {
      second_run_wall_s: (second.wallMs / 1000).toFixed(2),
      second_run_full_profile_fetches: second.stats.fullProfiles,
      second_run_full_fetch_share: `${((second.stats.fullProfiles / size) * 100).toFixed(2)}%`,
      second_run_not_modified: second.stats.notModified,
      second_run_unchanged: second.result.counts?.unchanged,
      second_run_429: second.stats.status429,
      history_events_second_run: second.historyEvents,
      worker_peak_rss_mib: peakRssMiB(worker.pid!) ?? 'unknown',
    });
  } finally {
    await stopProcess(worker);
    await stopProcess(standin);
    await dropDatabase(ctx.serverUrl, dbName);
  }
}

function print(size: number, figures: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`members=${size} ${k}=${v}\n`);
}
