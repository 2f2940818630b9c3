import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { dropDatabase, ensureDatabase, providePostgres, withDatabase, type ProvidedPostgres } from './postgres';
import { getFreePort, isPortOpen, isProcessAlive, sleep } from './waitFor';

const logger = pino({ level: 'silent' });
const LOCAL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const asRoot = process.getuid?.() === 0;
const temps: string[] = [];
const toStop: ProvidedPostgres[] = [];
const clusterDirs: string[] = [];
const children: ChildProcess[] = [];

function tempDir(prefix: string, mode?: number): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `patt-${prefix}-`));
  if (mode !== undefined) fs.chmodSync(d, mode);
  temps.push(d);
  return d;
}

async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Stops an orphaned postmaster (not ours to stop() through the API) and waits until it is gone. */
async function killPostmaster(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (isProcessAlive(pid)) process.kill(pid, 'SIGINT'); // fast shutdown
  for (let i = 0; i < 200 && fs.existsSync(pidFile); i++) await sleep(100);
}

afterAll(async () => {
  for (const p of toStop) await p.stop().catch(() => undefined);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of clusterDirs) {
    await killPostmaster(d);
    fs.rmSync(d, { recursive: true, force: true });
    // A relocated cluster's per-project folder (/var/tmp/patt-guild-sync/<hash>) goes too.
    if (d.startsWith('/var/tmp/patt-guild-sync/')) fs.rmSync(path.dirname(d), { recursive: true, force: true });
  }
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
}, 60_000);

describe('providePostgres with DATABASE_URL', () => {
  it('uses a working URL as is', async () => {
    const p = await providePostgres({ databaseUrl: LOCAL, dataDir: '/nonexistent/never-used', port: 1, logger });
    expect(p).toMatchObject({ url: LOCAL, embedded: false });
    await p.stop();
    expect((await query(LOCAL, 'select 1 as one'))[0]).toEqual({ one: 1 });
  });

  it('names DATABASE_URL, the error code and what to do, without the password', async () => {
    const bad = 'postgres://postgres:sekrit@127.0.0.1:1/postgres';
    const err = await providePostgres({ databaseUrl: bad, dataDir: '/nonexistent', port: 1, logger }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^DATABASE_URL postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/postgres does not work: ECONNREFUSED/);
    expect(msg).toMatch(/Nothing listens at that host and port/);
    expect(msg).toMatch(/unset DATABASE_URL/);
    expect(msg).not.toContain('sekrit');
  });

  it('says when the database does not exist', async () => {
    const err = await providePostgres({ databaseUrl: withDatabase(LOCAL, 'patt_no_such_db_x'), dataDir: '/nonexistent', port: 1, logger }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/3D000 .*does not exist/);
  });
});

describe('providePostgres embedded', () => {
  it('initialises and starts a real PostgreSQL in a fresh data dir, stop() stops it, and a restart skips initdb', async () => {
    const base = tempDir('pg', 0o755); // open to the postgres user: no relocation needed
    const dataDir = path.join(base, '.data', 'postgres');
    const port = await getFreePort();
    let t = Date.now();
    const p = await providePostgres({ dataDir, port, logger });
    process.stdout.write(`embedded init+start: ${Date.now() - t} ms\n`);
    toStop.push(p);
    clusterDirs.push(p.clusterDir!);
    expect(p).toMatchObject({ url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, embedded: true, reused: false, clusterDir: dataDir });
    expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    const [row] = await query<{ one: number; v: string }>(p.url, "select 1 as one, current_setting('server_version_num') as v");
    expect(row).toEqual({ one: 1, v: expect.stringMatching(/^18/) });
    expect(fs.readFileSync(p.logFile!, 'utf8')).toContain('ready to accept connections');

    await p.stop();
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);

    const pgVersionMtime = fs.statSync(path.join(dataDir, 'PG_VERSION')).mtimeMs;
    t = Date.now();
    const again = await providePostgres({ dataDir, port, logger });
    process.stdout.write(`embedded restart: ${Date.now() - t} ms\n`);
    toStop.push(again);
    expect(fs.statSync(path.join(dataDir, 'PG_VERSION')).mtimeMs).toBe(pgVersionMtime);
    expect((await query(again.url, 'select 2 as two'))[0]).toEqual({ two: 2 });
    await again.stop();
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
  });

  it('lets concurrent callers on one data dir share one server', async () => {
    const base = tempDir('pgrace', 0o755);
    const dataDir = path.join(base, 'postgres');
    const port = await getFreePort();
    const both = await Promise.all([providePostgres({ dataDir, port, logger }), providePostgres({ dataDir, port, logger })]);
    toStop.push(...both);
    clusterDirs.push(dataDir);
    expect(both.map((p) => p.reused).sort()).toEqual([false, true]);
    for (const p of both) expect((await query(p.url, 'select 1 as one'))[0]).toEqual({ one: 1 });
    expect(fs.existsSync(`${dataDir}.lock`)).toBe(false);
    await both.find((p) => !p.reused)!.stop();
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
  });

  it('moves aside a data dir left half-made by an interrupted initdb, then initialises afresh', async () => {
    const base = tempDir('pghalf', 0o755);
    const dataDir = path.join(base, 'postgres');
    fs.mkdirSync(path.join(dataDir, 'base'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'postgresql.conf'), '# partial\n');
    const p = await providePostgres({ dataDir, port: await getFreePort(), logger });
    toStop.push(p);
    clusterDirs.push(dataDir);
    expect((await query(p.url, 'select 1 as one'))[0]).toEqual({ one: 1 });
    expect(fs.readdirSync(base).filter((n) => n.startsWith('postgres.incomplete-'))).toHaveLength(1);
    await p.stop();
  });

  it('refuses a port that another program holds', async () => {
    const base = tempDir('pgbusy', 0o755);
    const err = await providePostgres({ dataDir: path.join(base, 'pg'), port: 5432, logger }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/cannot use port 5432: another program listens there/);
  });

  it('reuses a server left running by a SIGKILLed process, then clears a stale postmaster.pid', async () => {
    // mkdtemp makes a 0700 dir: as root the postgres user cannot enter it, so the cluster is relocated.
    const base = tempDir('pgkill');
    const dataDir = path.join(base, 'postgres');
    const port = await getFreePort();

    // A separate node process starts the cluster, then dies by SIGKILL: postgres outlives it.
    const runner = path.join(base, 'runner.js');
    fs.writeFileSync(
      runner,
      `const { addHook } = require('pirates');
       const swc = require('@swc/core');
       addHook((code, filename) => swc.transformSync(code, { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }).code, { exts: ['.ts'] });
       const { providePostgres } = require(${JSON.stringify(path.join(__dirname, 'postgres.ts'))});
       providePostgres({ dataDir: process.argv[2], port: Number(process.argv[3]), logger: require('pino')({ level: 'silent' }) })
         .then((p) => { process.stdout.write(JSON.stringify(p) + '\\n'); setInterval(() => {}, 1000); },
               (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`,
    );
    const child = spawn(process.execPath, [runner, dataDir, String(port)], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, NODE_PATH: path.resolve(__dirname, '..', '..', 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let errOut = '';
    child.stderr!.on('data', (c: Buffer) => (errOut += c.toString()));
    const started = await new Promise<{ url: string; clusterDir: string }>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
      child.once('exit', (code) => reject(new Error(`runner exited with ${code}: ${errOut}`)));
    });
    clusterDirs.push(started.clusterDir);
    if (asRoot) {
      expect(started.clusterDir.startsWith('/var/tmp/patt-guild-sync/')).toBe(true);
      expect(started.clusterDir.endsWith('/postgres')).toBe(true);
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(isProcessAlive(child.pid!)).toBe(false);

    // Reuse path: postmaster.pid names a live postgres that answers on our port.
    const reused = await providePostgres({ dataDir, port, logger });
    expect(reused).toMatchObject({ url: started.url, embedded: true, reused: true, clusterDir: started.clusterDir });
    expect((await query(reused.url, 'select 1 as one'))[0]).toEqual({ one: 1 });
    await reused.stop(); // not ours: must leave it running
    expect((await query(reused.url, 'select 1 as one'))[0]).toEqual({ one: 1 });

    // Stale path: the server is gone but its postmaster.pid names a process that is not postgres.
    const pidFile = path.join(started.clusterDir, 'postmaster.pid');
    const saved = fs.readFileSync(pidFile, 'utf8').split('\n');
    await killPostmaster(started.clusterDir);
    expect(fs.existsSync(pidFile)).toBe(false);
    // Run as the postgres user when we are root: postgres itself would then take the pid as a live
    // postmaster and refuse to start, so only our clean-up lets it start.
    const ids = asRoot ? { uid: Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout), gid: Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout) } : {};
    const sleeper = spawn('sleep', ['60'], ids);
    children.push(sleeper);
    fs.writeFileSync(pidFile, [String(sleeper.pid), ...saved.slice(1)].join('\n'));
    const fresh = await providePostgres({ dataDir, port, logger });
    toStop.push(fresh);
    expect(fresh).toMatchObject({ embedded: true, reused: false });
    expect((await query(fresh.url, 'select 1 as one'))[0]).toEqual({ one: 1 });
    await fresh.stop();
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);

    // And a dead pid in postmaster.pid, as left when postgres itself was SIGKILLed.
    const dead = spawnSync('true').pid!;
    fs.writeFileSync(pidFile, [String(dead), ...saved.slice(1)].join('\n'));
    const third = await providePostgres({ dataDir, port, logger });
    toStop.push(third);
    expect(third.reused).toBe(false);
    expect((await query(third.url, 'select 1 as one'))[0]).toEqual({ one: 1 });
    await third.stop();
  });
});

describe('ensureDatabase / dropDatabase', () => {
  const name = `patt_prov_test_${crypto.randomBytes(4).toString('hex')}`;
  afterAll(() => dropDatabase(LOCAL, name).catch(() => undefined));

  const exists = async (db: string) =>
    (await query<{ n: number }>(LOCAL, `select count(*)::int as n from pg_database where datname = '${db}'`))[0]!.n === 1;

  it('creates a missing database and returns its URL; a second call is a no-op; drop removes it', async () => {
    const url = await ensureDatabase(LOCAL, name);
    expect(url).toBe(withDatabase(LOCAL, name));
    expect(new URL(url).pathname).toBe(`/${name}`);
    expect((await query<{ db: string }>(url, 'select current_database() as db'))[0]!.db).toBe(name);
    expect(await ensureDatabase(LOCAL, name)).toBe(url);
    expect(await exists(name)).toBe(true);
    await dropDatabase(LOCAL, name);
    expect(await exists(name)).toBe(false);
    await dropDatabase(LOCAL, name); // already gone: fine
  });

  it('survives concurrent creators of the same database', async () => {
    const racy = `${name}_race`;
    try {
      const urls = await Promise.all([1, 2, 3, 4].map(() => ensureDatabase(LOCAL, racy)));
      expect(new Set(urls).size).toBe(1);
      expect(await exists(racy)).toBe(true);
    } finally {
      await dropDatabase(LOCAL, racy);
    }
  });

  it('rejects a name that is not a plain identifier', async () => {
    await expect(ensureDatabase(LOCAL, 'x"; drop table y; --')).rejects.toThrow(/Invalid database name/);
  });
});
