import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { getFreePort, isPortOpen, isProcessAlive, sleep } from '../scripts/provision/waitFor';
import { PROJECT_DIR } from './testEnvFile';

/**
 * The drill, on the real launcher (dist/scripts/start.js, as `npm start` runs it) with the stand-ins,
 * a temp .data and free ports: PostgreSQL and then the Temporal dev server are SIGKILLed during the
 * first roster sync; both come back without a human and the sync finishes with exact counts. Then
 * SIGTERM to the launcher stops every child in order, frees every port and exits 0, saying so.
 */

const START = path.join(PROJECT_DIR, 'dist', 'scripts', 'start.js');
const MEMBERS = 400;

type LogLine = Record<string, unknown> & { msg?: string; level?: number };

describe('npm start heals itself and stops on SIGTERM', () => {
  jest.setTimeout(240_000);
  let dir: string;
  let launcher: ChildProcess | undefined;
  const output: string[] = [];
  const logs = (): LogLine[] =>
    output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          return {};
        }
      })
      .filter((l) => l.name === 'start');
  const waitForLog = async (what: RegExp, ms = 120_000, after = 0): Promise<LogLine> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = logs().slice(after).find((l) => what.test(String(l.msg)));
      if (hit) return hit;
      if (launcher?.exitCode !== null) throw new Error(`the launcher exited (${launcher?.exitCode}) before logging ${what}:\n${output.join('').slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`no log line ${what} within ${ms} ms:\n${output.join('').slice(-3000)}`);
      await sleep(200);
    }
  };

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      launcher.kill('SIGKILL');
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('PostgreSQL and Temporal killed mid-sync come back, the sync finishes with exact counts; SIGTERM stops everything, exit 0', async () => {
    if (!fs.existsSync(START)) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does it)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patt-launcher-'));
    fs.chmodSync(dir, 0o755); // as root, PostgreSQL runs as the postgres user, which must enter it
    const ports = {
      EMBEDDED_PG_PORT: await getFreePort(),
      TEMPORAL_PORT: await getFreePort(),
      TEMPORAL_UI_PORT: await getFreePort(),
      API_PORT: await getFreePort(),
      STANDIN_BLIZZARD_PORT: await getFreePort(),
      STANDIN_DISCORD_PORT: await getFreePort(),
    };
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
      NODE_ENV: 'production', // JSON log lines, which this test reads
      LOG_LEVEL: 'info',
      PATT_DATA_DIR: dir,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.TEMPORAL_PORT}`,
      DEMO_GUILD_SIZE: String(MEMBERS),
      // Slow enough that both kills land while the sync runs (400 members at 40/s: about 10 s).
      BLIZZARD_RATE_PER_SECOND: '40',
      PROFILE_BATCH_SIZE: '25',
    };
    launcher = spawn(process.execPath, [START], { cwd: PROJECT_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    launcher.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    launcher.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => launcher!.once('exit', (code, signal) => resolve({ code, signal })));

    // npm start logs what it starts.
    const temporalStarted = await waitForLog(/^Temporal dev server started \(pid \d+\)/);
    await waitForLog(/^first roster sync started/);
    const query = async <T extends pg.QueryResultRow>(sql: string): Promise<T[]> => {
      const c = new pg.Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${ports.EMBEDDED_PG_PORT}/patt_guild_sync`, connectionTimeoutMillis: 3_000 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        return (await c.query<T>(sql)).rows;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    const runRow = async () => (await query<{ status: string; counts: Record<string, unknown> }>("select status, counts from sync_runs where kind = 'blizzard_roster' order by id desc limit 1"))[0];
    for (let i = 0; i < 100 && !(await runRow()); i++) await sleep(100);
    expect((await runRow())?.status).toBe('running');

    // 1. PostgreSQL, mid-sync.
    const pgPid = Number(fs.readFileSync(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    let mark = logs().length;
    process.kill(pgPid, 'SIGKILL');
    const pgDied = await waitForLog(/^PostgreSQL died/, 30_000, mark);
    expect(pgDied).toMatchObject({ service: 'PostgreSQL', signal: 'SIGKILL', attempt: 1 });
    await waitForLog(/^PostgreSQL restarted/, 60_000, mark);

    // 2. Temporal, while the same sync still runs.
    let row = await runRow();
    expect(row?.status).toBe('running');
    mark = logs().length;
    process.kill(Number(temporalStarted.pid), 'SIGKILL');
    expect(await waitForLog(/^Temporal dev server died/, 30_000, mark)).toMatchObject({ signal: 'SIGKILL', attempt: 1 });
    await waitForLog(/^Temporal dev server restarted/, 90_000, mark);

    // 3. The sync finishes by itself, with exact counts.
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline && (row = await runRow().catch(() => row))?.status === 'running') await sleep(500);
    expect(row?.status).toBe('succeeded');
    expect(row?.counts).toMatchObject({ fetched: MEMBERS, new: MEMBERS, changed: 0, unchanged: 0, gone: 0, events: { join: MEMBERS, leave: 0 } });
    expect(await query("select count(*)::int as n from wow_characters where in_guild")).toEqual([{ n: MEMBERS }]);
    expect(await query("select count(*)::int as n from roster_events where kind = 'join'")).toEqual([{ n: MEMBERS }]);

    // 4. SIGTERM: everything stops, in order, ports freed, exit 0, and the log says it was a stop.
    mark = logs().length;
    launcher.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 90_000)))]);
    clearTimeout(timer);
    // A failed stop says why: the launcher's last words.
    if (exit?.code !== 0) process.stderr.write(`the launcher did not stop cleanly; its last output:\n${output.join('').slice(-6000)}\n`);
    expect(exit).toEqual({ code: 0, signal: null });
    const after = logs().slice(mark);
    expect(after.map((l) => l.msg)).toContain('stopped on SIGTERM');
    expect(after.filter((l) => (l.level ?? 0) >= 50).map((l) => l.msg)).toEqual([]); // no crash, no restart
    for (const [name, port] of Object.entries(ports)) expect({ name, open: await isPortOpen('127.0.0.1', port) }).toEqual({ name, open: false });
    expect(isProcessAlive(pgPid)).toBe(false);
  });
});
