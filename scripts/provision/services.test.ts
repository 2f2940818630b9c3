import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { Connection, Client } from '@temporalio/client';
import { PROJECT_DIR } from '../../test/testEnvFile';
import { superviseEmbeddedPostgres, superviseTemporalDevServer } from './services';
import { resolveTemporalCli } from './temporalCli';
import { getFreePort, isPortOpen, isProcessAlive, sleep } from './waitFor';

/**
 * The supervision npm start runs, on real servers in temp dirs and free ports (never the user's):
 * each is SIGKILLed and must come back by itself, same port, same data.
 */

function capturingLogger() {
  const raw: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (raw.push(chunk.toString('utf8')), done()) });
  return {
    logger: pino({ level: 'info' }, stream),
    lines: () => raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function until<T>(what: string, get: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `patt-${label}-`));
  fs.chmodSync(dir, 0o755); // as root, PostgreSQL runs as the postgres user, which must enter it
  return dir;
}

describe('supervised embedded PostgreSQL', () => {
  jest.setTimeout(180_000);
  let dir: string;
  let supervised: ReturnType<typeof superviseEmbeddedPostgres> | undefined;
  afterAll(async () => {
    await supervised?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is started again after a SIGKILL (stale postmaster.pid cleared), on the same port with its data', async () => {
    dir = tempDir('pg');
    const port = await getFreePort();
    const { logger, lines } = capturingLogger();
    supervised = superviseEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port, logger, backoff: { initialMs: 200 } });
    await supervised.ready;
    const query = async (sql: string) => {
      const client = new pg.Client({ connectionString: supervised!.url, connectionTimeoutMillis: 3_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.query(sql)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    await query('create table kept (n int); insert into kept values (42)');
    const first = supervised.current()!;
    expect(first.pid).toBeGreaterThan(0);

    process.kill(first.pid!, 'SIGKILL');
    await until('the postmaster to die', () => !isProcessAlive(first.pid!));
    expect(fs.existsSync(path.join(first.clusterDir!, 'postmaster.pid'))).toBe(true); // what a SIGKILL leaves

    const second = await until('a new postmaster', () => {
      const c = supervised!.current();
      return c && c.pid !== first.pid ? c : undefined;
    });
    const rows = await until('queries to work again', () => query('select n from kept').catch(() => undefined));
    expect(rows).toEqual([{ n: 42 }]);
    expect(second.url).toBe(first.url);

    const died = lines().find((l) => String(l.msg).startsWith('PostgreSQL died'));
    expect(died).toMatchObject({ service: 'PostgreSQL', signal: 'SIGKILL', attempt: 1, nextTryInMs: 200 });
    expect(lines().some((l) => l.msg === 'Removing a stale postmaster.pid (its server is gone)')).toBe(true);
    expect(lines().some((l) => String(l.msg).startsWith('PostgreSQL restarted'))).toBe(true);

    await supervised.stop();
    expect(isProcessAlive(second.pid!)).toBe(false);
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
  });
});

describe('supervised Temporal dev server', () => {
  jest.setTimeout(180_000);
  let dir: string;
  let supervised: ReturnType<typeof superviseTemporalDevServer> | undefined;
  afterAll(async () => {
    await supervised?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is started again after a SIGKILL, with its workflows (the SQLite file), on the same port', async () => {
    dir = tempDir('temporal');
    const port = await getFreePort();
    const { logger, lines } = capturingLogger();
    const cli = await resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, projectDir: PROJECT_DIR, logger });
    supervised = superviseTemporalDevServer({
      cliPath: cli.path,
      port,
      headless: true,
      dbFile: path.join(dir, 'temporal.sqlite'),
      logFile: path.join(dir, 'temporal.log'),
      readyTimeoutMs: 90_000,
      logger,
      backoff: { initialMs: 200 },
    });
    await supervised.ready;
    const workflowId = `kept-${port}`;
    const connect = async () => {
      const connection = await Connection.connect({ address: supervised!.address, connectTimeout: 3_000 });
      return { client: new Client({ connection }), connection };
    };
    {
      // No worker polls this queue: the workflow stays open, which is what must survive.
      const { client, connection } = await connect();
      await client.workflow.start('nobodyRunsThis', { workflowId, taskQueue: `nobody-${port}`, args: [] });
      await connection.close();
    }
    const first = supervised.current()!;
    process.kill(first.pid, 'SIGKILL');

    const second = await until('a new dev server', () => {
      const c = supervised!.current();
      return c && c.pid !== first.pid ? c : undefined;
    }, 90_000);
    expect(second.address).toBe(first.address);
    const { client, connection } = await connect();
    try {
      const described = await client.workflow.getHandle(workflowId).describe();
      expect(described.status.name).toBe('RUNNING');
    } finally {
      await connection.close();
    }
    expect(lines().find((l) => String(l.msg).startsWith('Temporal dev server died'))).toMatchObject({ signal: 'SIGKILL', attempt: 1 });

    await supervised.stop();
    expect(isProcessAlive(second.pid)).toBe(false);
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
  });
});
