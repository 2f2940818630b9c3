import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Backoff, StoppedError, superviseService, stopProcess, type ExitInfo, type RunningService } from './supervise';
import { isProcessAlive, sleep } from './provision/waitFor';

/** A pino logger whose JSON lines the test can read. */
function capturingLogger() {
  const raw: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (raw.push(chunk.toString('utf8')), done()) });
  return {
    logger: pino({ level: 'debug' }, stream),
    lines: () => raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A process that runs until killed, as a supervised service. */
function sleeper(pids: number[]): () => Promise<RunningService> {
  return async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true });
    const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    pids.push(child.pid!);
    return { pid: child.pid!, exited, stop: () => stopProcess(child, exited, { group: true, timeoutMs: 2_000 }) };
  };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('Backoff', () => {
  it('doubles from 1 s to 30 s, and starts over after a run that lasted a minute', () => {
    const b = new Backoff();
    expect([1, 2, 3, 4, 5, 6, 7].map(() => b.next(100).delayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(b.next(60_000)).toEqual({ attempt: 1, delayMs: 1000 });
    expect(b.next(10)).toEqual({ attempt: 2, delayMs: 2000 });
  });
});

describe('superviseService', () => {
  it('restarts a killed process, logging what died, how, the attempt and the next try; stop() ends it for good', async () => {
    const { logger, lines } = capturingLogger();
    const pids: number[] = [];
    const s = superviseService({ name: 'sleeper', logger, start: sleeper(pids), backoff: { initialMs: 100 }, exitGraceMs: 50 });
    await s.ready;
    expect(s.state()).toBe('up');
    process.kill(pids[0]!, 'SIGKILL');
    await until('the restart', () => pids.length === 2 && s.state() === 'up');
    const died = lines().find((l) => String(l.msg).startsWith('sleeper died'));
    expect(died).toMatchObject({ level: 50, service: 'sleeper', signal: 'SIGKILL', code: null, attempt: 1, nextTryInMs: 100 });
    expect(died?.msg).toBe('sleeper died (signal SIGKILL); restarting in 0.1 s (attempt 1)');
    expect(lines().some((l) => l.msg === `sleeper restarted (pid ${pids[1]}) after 1 attempt`)).toBe(true);

    await s.stop();
    expect(s.state()).toBe('stopped');
    expect(isProcessAlive(pids[1]!)).toBe(false);
    await sleep(300);
    expect(pids).toHaveLength(2); // no restart after stop
  });

  it('restarts a process whose health check fails several times in a row', async () => {
    const { logger, lines } = capturingLogger();
    const pids: number[] = [];
    let healthy = true;
    const s = superviseService({
      name: 'hung',
      logger,
      start: sleeper(pids),
      probe: { check: async () => (healthy ? null : 'does not answer'), everyMs: 50, failuresBeforeRestart: 3 },
      backoff: { initialMs: 100 },
    });
    await s.ready;
    healthy = false;
    await until('the restart', () => pids.length === 2);
    healthy = true;
    expect(isProcessAlive(pids[0]!)).toBe(false);
    expect(lines().filter((l) => String(l.msg).startsWith('hung did not answer its health check')).length).toBeGreaterThanOrEqual(3);
    expect(lines().some((l) => String(l.msg).startsWith('hung stopped answering (does not answer); restarting in 0.1 s (attempt 1)'))).toBe(true);
    await s.stop();
  });

  it('keeps trying with growing pauses when a restart fails, and says so', async () => {
    const { logger, lines } = capturingLogger();
    const pids: number[] = [];
    const start = sleeper(pids);
    let failNext = 0;
    const s = superviseService({
      name: 'flaky',
      logger,
      backoff: { initialMs: 50 },
      exitGraceMs: 10,
      start: async () => {
        if (failNext-- > 0) throw new Error('port busy');
        return start();
      },
    });
    await s.ready;
    failNext = 2;
    process.kill(pids[0]!, 'SIGKILL');
    await until('the restart', () => pids.length === 2 && s.state() === 'up');
    const tries = lines().filter((l) => String(l.msg).startsWith('flaky could not be restarted'));
    expect(tries.map((l) => [l.attempt, l.nextTryInMs])).toEqual([
      [2, 100],
      [3, 200],
    ]);
    await s.stop();
  });

  it('rejects ready when the first start fails (npm start then stops), and when stopped before it was up', async () => {
    const { logger } = capturingLogger();
    const failed = superviseService({ name: 'broken', logger, start: async () => Promise.reject(new Error('no binary')) });
    await expect(failed.ready).rejects.toThrow('no binary');
    await failed.stop();

    const pids: number[] = [];
    const start = sleeper(pids);
    const slow = superviseService({ name: 'slow', logger, start: async () => (await sleep(200), start()) });
    await slow.stop(); // during the start: the instance it brings up is stopped at once
    await expect(slow.ready).rejects.toBeInstanceOf(StoppedError);
    expect(isProcessAlive(pids[0]!)).toBe(false);
  });
});
