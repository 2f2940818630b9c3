import pg from 'pg';
import { redactUrl, type Logger } from '../../config/logger';
import { superviseService, type Probe, type RunningService, type Supervised, type BackoffOptions } from '../supervise';
import { embeddedUrl, providePostgres, type ProvidedPostgres } from './postgres';
import { probeTemporal, startTemporalDevServer, type StartTemporalDevServerOptions, type TemporalDevServer } from './temporalDevServer';
import { errorText, sleep } from './waitFor';

/**
 * The servers `npm start` provides, supervised: the embedded PostgreSQL and the Temporal dev server
 * are started again (same port, same data dir / SQLite file) when they die or stop answering. A
 * server the user gave (DATABASE_URL, a remote TEMPORAL_ADDRESS) is theirs: it is only watched,
 * and its going down and coming back are logged.
 */

export interface ProbeTiming {
  /** How often the health check runs (default 5 s). */
  everyMs?: number;
  /** Failed checks in a row before a restart (default 3: a server busy for a few seconds is not dead). */
  failuresBeforeRestart?: number;
}

const DEFAULT_PROBE_EVERY_MS = 5_000;
const DEFAULT_FAILURES_BEFORE_RESTART = 3;

/** null when PostgreSQL at url accepts a connection and answers `select 1` within timeoutMs, else why not. */
export async function checkPostgres(url: string, timeoutMs = 3_000): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined); // a late socket error must not crash the launcher
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return errorText(err).split('\n')[0]!;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface SupervisedPostgres extends Supervised {
  /** Server URL (database `postgres`), known before the first start. */
  url: string;
  /** The instance running now (tests kill its pid), or null between a death and its restart. */
  current(): ProvidedPostgres | null;
}

export function superviseEmbeddedPostgres(opts: { dataDir: string; port: number; logger: Logger; probe?: ProbeTiming; backoff?: BackoffOptions }): SupervisedPostgres {
  let current: ProvidedPostgres | null = null;
  const url = embeddedUrl(opts.port);
  let serverUrl = url;
  const supervised = superviseService({
    name: 'PostgreSQL',
    logger: opts.logger,
    backoff: opts.backoff,
    probe: probe(() => checkPostgres(serverUrl), opts.probe),
    // providePostgres clears the stale postmaster.pid a killed server leaves, and reuses a server
    // of this cluster that still answers.
    start: async (): Promise<RunningService> => {
      const provided = await providePostgres({ dataDir: opts.dataDir, port: opts.port, logger: opts.logger });
      serverUrl = provided.url;
      current = provided;
      return {
        pid: provided.pid ?? null,
        exited: provided.exited?.finally(() => (current = null)) ?? null,
        stop: async () => {
          await provided.stop();
          current = null;
        },
      };
    },
  });
  return { ...supervised, url, current: () => current };
}

export interface SupervisedTemporal extends Supervised {
  address: string;
  current(): TemporalDevServer | null;
}

export function superviseTemporalDevServer(
  opts: Omit<StartTemporalDevServerOptions, 'detached'> & { probe?: ProbeTiming; backoff?: BackoffOptions; detached?: boolean },
): SupervisedTemporal {
  const ip = opts.ip ?? '127.0.0.1';
  const address = `${ip === '0.0.0.0' ? '127.0.0.1' : ip}:${opts.port}`;
  let current: TemporalDevServer | null = null;
  const supervised = superviseService({
    name: 'Temporal dev server',
    logger: opts.logger,
    backoff: opts.backoff,
    probe: probe(async () => {
      const r = await probeTemporal(address, opts.namespace ?? 'default', 3_000);
      return r.ok ? null : r.why;
    }, opts.probe),
    start: async (): Promise<RunningService> => {
      // The same SQLite file: schedules, workflows and their histories come back with it.
      const server = await startTemporalDevServer({ ...opts, detached: opts.detached ?? true });
      current = server;
      return {
        pid: server.pid || null,
        exited: server.exited?.finally(() => (current = null)) ?? null,
        stop: async () => {
          await server.stop();
          current = null;
        },
      };
    },
  });
  return { ...supervised, address, current: () => current };
}

function probe(check: () => Promise<string | null>, timing: ProbeTiming = {}): Probe {
  return {
    check,
    everyMs: timing.everyMs ?? DEFAULT_PROBE_EVERY_MS,
    failuresBeforeRestart: timing.failuresBeforeRestart ?? DEFAULT_FAILURES_BEFORE_RESTART,
  };
}

/**
 * A server that is not ours to restart: checked every `everyMs`, and its going down (with what to
 * do) and coming back are logged once each. Returns a stop function.
 */
export function watchExternal(opts: { name: string; where: string; check: () => Promise<string | null>; advice: string; logger: Logger; everyMs?: number }): () => Promise<void> {
  let stopped = false;
  let down = false;
  const log = opts.logger.child({ service: opts.name });
  const loop = (async () => {
    while (!stopped) {
      await sleepUnless(opts.everyMs ?? DEFAULT_PROBE_EVERY_MS, () => stopped);
      if (stopped) return;
      const why = await opts.check().catch((err: unknown) => errorText(err));
      if (stopped) return;
      if (why && !down) log.error({ why, where: opts.where }, `${opts.name} at ${opts.where} is not answering (${why}); ${opts.advice}`);
      if (!why && down) log.info({ where: opts.where }, `${opts.name} at ${opts.where} answers again`);
      down = why !== null;
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

async function sleepUnless(ms: number, stop: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (!stop() && Date.now() < until) await sleep(Math.min(200, until - Date.now()));
}

export const describePostgresUrl = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}`;
  } catch {
    return redactUrl(url);
  }
};
