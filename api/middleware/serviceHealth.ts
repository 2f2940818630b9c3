import type { Middleware } from 'koa';
import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import type { ApiDeps, ApiState } from '../app';
import { AppError, toAppError } from '../errors';
import { TimeoutError, withTimeout } from '../withTimeout';

/**
 * The API's two dependencies, PostgreSQL and Temporal: whether they answer (a cheap probe, cached
 * for a moment so a burst of requests costs one check), and what to tell a client when a request
 * failed because one of them is down: 503 SERVICE_UNAVAILABLE naming it, never a 500.
 */

export type Dependency = 'postgres' | 'temporal';
export const DEPENDENCIES: readonly Dependency[] = ['postgres', 'temporal'];

export interface DependencyState {
  up: boolean;
  /** Why it is down (one line), when it is. */
  why?: string;
  checkedAt: Date;
}
export type HealthReport = Record<Dependency, DependencyState>;

/** A probe's answer is reused this long; /api/health asks for fresher ones. */
const CACHE_MS = 2_000;
const PROBE_TIMEOUT_MS = 2_000;
/** Seconds a client should wait before trying again (npm start restarts a dead server in ~1–5 s). */
const RETRY_AFTER_SECONDS = 5;

type HealthDeps = Pick<ApiDeps, 'knex' | 'rosterSync' | 'config' | 'logger'>;

export interface ServiceHealth {
  /** Both dependencies, probed unless the last probe is younger than maxAgeMs. */
  check(maxAgeMs?: number): Promise<HealthReport>;
  /** Where the dependency is and what to do about it, for messages. */
  describe(dep: Dependency, why?: string): string;
  /** The dependencies a failed request's error points at ([] when none: a bug, or a refusal). */
  downFor(err: unknown): Promise<Dependency[]>;
  /** 503 SERVICE_UNAVAILABLE naming what is down, with what to do. */
  unavailable(down: Dependency[], cause?: unknown): AppError;
}

const byDeps = new WeakMap<object, ServiceHealth>();

/** One ServiceHealth per app (keyed by its deps object), shared by the middleware and /api/health. */
export function serviceHealthFor(deps: HealthDeps): ServiceHealth {
  let health = byDeps.get(deps);
  if (!health) {
    health = createServiceHealth(deps);
    byDeps.set(deps, health);
  }
  return health;
}

export function createServiceHealth(deps: HealthDeps, opts: { cacheMs?: number; probeTimeoutMs?: number } = {}): ServiceHealth {
  const cacheMs = opts.cacheMs ?? CACHE_MS;
  const timeoutMs = opts.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  const last: Partial<HealthReport> = {};
  const inFlight: Partial<Record<Dependency, Promise<DependencyState>>> = {};
  const probes: Record<Dependency, () => Promise<unknown>> = {
    postgres: () => deps.knex.raw('select 1'),
    // A cheap describe; null (no schedule yet) still means Temporal answered.
    temporal: () => deps.rosterSync.schedule(),
  };

  const probe = (dep: Dependency): Promise<DependencyState> => {
    inFlight[dep] ??= withTimeout(probes[dep](), timeoutMs, dep === 'postgres' ? 'PostgreSQL' : 'Temporal')
      .then((): DependencyState => ({ up: true, checkedAt: new Date() }))
      .catch((err: unknown): DependencyState => ({ up: false, why: oneLine(err), checkedAt: new Date() }))
      .then((state) => {
        const was = last[dep];
        if (was && was.up !== state.up) {
          if (state.up) deps.logger.info({ dependency: dep }, `${name(dep)} answers again`);
          else deps.logger.warn({ dependency: dep, why: state.why }, `${name(dep)} is down: ${state.why}`);
        }
        last[dep] = state;
        return state;
      })
      .finally(() => delete inFlight[dep]);
    return inFlight[dep]!;
  };

  const check = async (maxAgeMs = cacheMs): Promise<HealthReport> => {
    const fresh = (dep: Dependency) => {
      const s = last[dep];
      return s && Date.now() - s.checkedAt.getTime() <= maxAgeMs ? Promise.resolve(s) : probe(dep);
    };
    const [postgres, temporal] = await Promise.all([fresh('postgres'), fresh('temporal')]);
    return { postgres, temporal };
  };

  const describe = (dep: Dependency, why?: string): string => {
    const cause = why ? `: ${why}` : '';
    if (dep === 'postgres') {
      const where = postgresAddress(deps.knex);
      const ours = where !== null && isLoopback(where.host) && where.port === deps.config.database.embeddedPort;
      const at = where ? ` at ${where.host}:${where.port}` : '';
      return ours
        ? `PostgreSQL is not answering${at}${cause} (npm start restarts it; try again in a few seconds)`
        : `PostgreSQL is not answering${at}${cause} (the DATABASE_URL server, which npm start does not restart: start it, or fix DATABASE_URL)`;
    }
    const address = deps.config.temporal.address;
    const ours = isLoopback(address.split(':')[0] ?? '');
    return ours
      ? `Temporal is not answering at ${address}${cause} (npm start restarts its dev server; try again in a few seconds)`
      : `Temporal is not answering at ${address}${cause} (the TEMPORAL_ADDRESS server, which npm start does not run: check that it is up)`;
  };

  const downFor = async (err: unknown): Promise<Dependency[]> => {
    const known = toAppError(err);
    if (known && known.status < 500 && known.code !== 'TEMPORAL_UNAVAILABLE') return []; // the client's mistake
    const direct = dependencyOf(err);
    if (direct) {
      // The error says it outright (the server may even be back already: the request still failed
      // on it, so "try again" is the right answer). Mark it, so /api/health shows it at once.
      last[direct] = { up: false, why: oneLine(err), checkedAt: new Date() };
      const other = DEPENDENCIES.filter((d) => d !== direct && last[d] && !last[d]!.up);
      return [direct, ...other];
    }
    if (known) return [];
    // An unexpected error (a pool timeout, a wrapped error we do not know): down only if a probe says so.
    const report = await check();
    return DEPENDENCIES.filter((d) => !report[d].up);
  };

  const unavailable = (down: Dependency[], cause?: unknown): AppError => {
    const whys = down.map((d) => describe(d, last[d]?.why));
    return new AppError(
      503,
      'SERVICE_UNAVAILABLE',
      `${whys.join('; ')}. GET /api/health shows when ${down.length > 1 ? 'they are' : 'it is'} back.`,
      { down },
      { cause, expose: true, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
    );
  };

  return { check, describe, downFor, unavailable };
}

/**
 * Just inside the error handler: a request that failed because PostgreSQL or Temporal is down
 * answers 503 SERVICE_UNAVAILABLE naming it (details.down), whichever route it was. The older
 * TEMPORAL_UNAVAILABLE answers keep their code and gain details.down.
 */
export function serviceHealth(deps: HealthDeps): Middleware<ApiState> {
  const health = serviceHealthFor(deps);
  return async function serviceHealth(ctx, next) {
    try {
      await next();
    } catch (err) {
      const down = await health.downFor(err);
      if (down.length === 0) throw err;
      deps.logger.warn({ requestId: ctx.state.requestId, down, err: oneLine(err) }, `request failed: ${down.join(' and ')} down`);
      if (err instanceof AppError && err.code === 'TEMPORAL_UNAVAILABLE' && down.length === 1) {
        throw new AppError(503, err.code, err.message, err.details ?? { down }, { cause: err, expose: true, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS), ...err.headers } });
      }
      throw health.unavailable(down, err);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// what an error says about the dependencies

/** SQLSTATEs of a server going away: 08xxx connection exceptions, 57P01–57P03 shutdown/starting up. */
const PG_DOWN_STATES = /^(08\d{3}|57P0[123])$/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const PG_DOWN_MESSAGES = /Connection terminated|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|Client has encountered a connection error|timeout expired|Connection ended unexpectedly/i;
/** gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): the server is gone or silent. */
const GRPC_DOWN = new Set([14, 4]);

/** Which dependency an error comes from being down, when it says so itself; null otherwise. */
export function dependencyOf(err: unknown): Dependency | null {
  for (const e of causes(err)) {
    if (e instanceof AppError) {
      if (e.code === 'TEMPORAL_UNAVAILABLE') return 'temporal';
      continue;
    }
    if (e instanceof ServiceError || (isGrpcServiceError(e) && GRPC_DOWN.has(e.code))) return 'temporal';
    if (e instanceof TimeoutError && /temporal/i.test(e.message)) return 'temporal';
    if (!(e instanceof Error)) continue;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && PG_DOWN_STATES.test(code)) return 'postgres';
    // The API's only plain TCP peer is PostgreSQL (Temporal errors come as gRPC ones, above).
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'postgres';
    if (PG_DOWN_MESSAGES.test(e.message)) return 'postgres';
  }
  return null;
}

/** The error and what it wraps: cause, objection's nativeError, an AggregateError's errors. */
function causes(err: unknown, depth = 0): unknown[] {
  if (depth > 5 || err === null || err === undefined) return [];
  const out: unknown[] = [err];
  if (typeof err !== 'object') return out;
  const e = err as { cause?: unknown; nativeError?: unknown; errors?: unknown };
  if (e.cause !== undefined) out.push(...causes(e.cause, depth + 1));
  if (e.nativeError !== undefined) out.push(...causes(e.nativeError, depth + 1));
  if (err instanceof AggregateError) for (const inner of err.errors) out.push(...causes(inner, depth + 1));
  return out;
}

function postgresAddress(knex: HealthDeps['knex']): { host: string; port: number } | null {
  const conn = (knex.client as { config?: { connection?: unknown } }).config?.connection;
  try {
    if (typeof conn === 'string') {
      const u = new URL(conn);
      return { host: u.hostname, port: Number(u.port || 5432) };
    }
    if (conn && typeof conn === 'object') {
      const c = conn as { host?: string; port?: number | string; connectionString?: string };
      if (c.connectionString) {
        const u = new URL(c.connectionString);
        return { host: u.hostname, port: Number(u.port || 5432) };
      }
      return { host: c.host ?? 'localhost', port: Number(c.port ?? 5432) };
    }
  } catch {
    // an unparseable URL: the message then names no address
  }
  return null;
}

const isLoopback = (host: string) => ['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0'].includes(host);
const name = (dep: Dependency) => (dep === 'postgres' ? 'PostgreSQL' : 'Temporal');

function oneLine(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const message = err.message || (err instanceof AggregateError ? err.errors.map(oneLine).join('; ') : err.name);
    const text = typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
    return text.split('\n')[0]!.slice(0, 300);
  }
  return String(err).slice(0, 300);
}
