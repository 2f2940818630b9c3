import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createKnex, migrateToLatest } from '../db/knex';
import { providePostgres } from '../scripts/provision/postgres';
import { resolveTemporalCli } from '../scripts/provision/temporalCli';
import { startTemporalDevServer } from '../scripts/provision/temporalDevServer';
import { getFreePort } from '../scripts/provision/waitFor';
import { PROJECT_DIR, TEST_ENV_FILE, TEST_RUN_ID } from './testEnvFile';

const TEST_DIR = path.dirname(TEST_ENV_FILE);
const DB_NAME = TEST_RUN_ID ? `patt_test_${TEST_RUN_ID}` : 'patt_test';

/**
 * The suite's real servers, started once: PostgreSQL (TEST_DATABASE_URL, else the local server on
 * 5432, else an embedded one) with a database of its own, and a Temporal dev server (in memory, no
 * UI) on a free port so it never meets the one `npm start` runs, nor another suite's. The workflow code is bundled once.
 */
export default async function globalSetup(): Promise<void> {
  const logger = pino({ level: process.env.TEST_SETUP_LOG ?? 'warn' });
  fs.mkdirSync(TEST_DIR, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  (globalThis as { __pattStops?: typeof stops }).__pattStops = stops;

  const pg = await providePostgresForTests(logger);
  stops.push(() => pg.stop());
  const serverUrl = pg.url;
  const admin = createKnex(serverUrl, { max: 1 });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await admin.destroy();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${DB_NAME}`;
  const knex = createKnex(u.toString(), { max: 1 });
  try {
    await migrateToLatest(knex);
  } finally {
    await knex.destroy();
  }

  let temporalAddress = process.env.TEST_TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const cli = await resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, projectDir: PROJECT_DIR, logger });
    const server = await startTemporalDevServer({
      cliPath: cli.path,
      // A free port of its own: a fixed one could be "reused" from another suite that then stops it.
      port: process.env.TEST_TEMPORAL_PORT ? Number(process.env.TEST_TEMPORAL_PORT) : await getFreePort(),
      headless: true,
      logFile: path.join(TEST_DIR, 'temporal.log'),
      readyTimeoutMs: 90_000,
      logger,
    });
    stops.push(() => server.stop());
    temporalAddress = server.address;
  }

  const bundlePath = path.join(TEST_DIR, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(PROJECT_DIR, 'workflows', 'index.ts'), logger: quiet });
  fs.writeFileSync(bundlePath, code);

  fs.writeFileSync(
    TEST_ENV_FILE,
    JSON.stringify({ DATABASE_URL: u.toString(), TEMPORAL_ADDRESS: temporalAddress, PATT_TEST_WORKFLOW_BUNDLE: bundlePath }),
  );
}

async function providePostgresForTests(logger: pino.Logger) {
  const candidates = [process.env.TEST_DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/postgres'].filter(Boolean) as string[];
  for (const databaseUrl of candidates) {
    try {
      return await providePostgres({ databaseUrl, dataDir: '', port: 0, logger });
    } catch (err) {
      if (databaseUrl === process.env.TEST_DATABASE_URL) throw err;
    }
  }
  // No server here: a real PostgreSQL from npm, kept apart from the one `npm start` uses.
  return providePostgres({ dataDir: path.join(PROJECT_DIR, '.data', 'test-postgres'), port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54339), logger });
}

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`${message}\n`),
};
