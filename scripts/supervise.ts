import { spawn } from 'node:child_process';
import type { Logger } from '../config/logger';
import { errorText } from './provision/waitFor';

/**
 * What `npm start` runs, kept running: the node children (worker, API, gateway listener, companion),
 * the embedded PostgreSQL and the Temporal dev server share one loop (superviseService) and one
 * back-off (Backoff). A death (process exit, or a health probe failing several times in a row) is
 * logged with what died and how, and the service is started again after a growing pause.
 */

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running instance of a service, as its start() hands it over. */
export interface RunningService {
  /** Its process id, for the logs; null when it is not our process (a reused server). */
  pid: number | null;
  /** Settles when the process exits; null when we cannot watch it (a reused server: the probe must). */
  exited: Promise<ExitInfo> | null;
  /** Stops it gracefully, killing it after a timeout; resolves once it is gone. */
  stop(): Promise<void>;
}

export interface Probe {
  /** null when healthy, else why not (one line). */
  check(): Promise<string | null>;
  everyMs: number;
  /** Consecutive failed checks before the service is declared dead and restarted. */
  failuresBeforeRestart: number;
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** A run longer than this counts as healthy: the next failure starts the pauses over. */
  stableMs?: number;
}

/** Pauses before restarts: 1 s, 2 s, 4 s … up to 30 s; a run that stayed up a minute resets them. */
export class Backoff {
  private failures = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly stableMs: number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 1_000;
    this.maxMs = opts.maxMs ?? 30_000;
    this.stableMs = opts.stableMs ?? 60_000;
  }

  /** The attempt number and pause for the next restart, given how long the last run lasted. */
  next(ranForMs = 0): { attempt: number; delayMs: number } {
    this.failures = ranForMs >= this.stableMs ? 1 : this.failures + 1;
    return { attempt: this.failures, delayMs: Math.min(this.maxMs, this.initialMs * 2 ** (this.failures - 1)) };
  }
}

export type ServiceState = 'starting' | 'up' | 'restarting' | 'stopping' | 'stopped';

export interface Supervised {
  name: string;
  /** Settles when the first start is done; rejects when it failed (npm start then stops). */
  ready: Promise<void>;
  state(): ServiceState;
  /** Stops it and its restarts; waits for a start in flight to finish first, then stops that instance. */
  stop(): Promise<void>;
  /**
   * No more restarts, without stopping it yet: npm start is stopping, and stops it in its turn. An
   * exit from now on (Ctrl-C reaches the embedded PostgreSQL directly) is a stop, not a death.
   */
  quiesce(): void;
}

export interface ServiceSpec {
  name: string;
  logger: Logger;
  start(): Promise<RunningService>;
  probe?: Probe;
  backoff?: BackoffOptions;
  /**
   * How long an exit waits before it counts as a death: Ctrl-C in a terminal reaches the children
   * in our process group as fast as it reaches us, and that exit is a stop, not a crash.
   */
  exitGraceMs?: number;
}

/** Runs a service and restarts it whenever it dies, until stop(). */
export function superviseService(spec: ServiceSpec): Supervised {
  const log = spec.logger.child({ service: spec.name });
  const backoff = new Backoff(spec.backoff);
  let state: ServiceState = 'starting';
  let stopping = false;
  let wake: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => {
    wake = resolve;
  });
  let resolveReady!: () => void;
  let rejectReady!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined); // the caller may only await it later

  const pause = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), stopRequested]);
    clearTimeout(timer);
  };

  /** Resolves with why the probe gave up on the service, or never (cancelled by `done`). */
  const watchHealth = (probe: Probe, done: { value: boolean }) =>
    new Promise<string>((resolve) => {
      let failures = 0;
      void (async () => {
        while (!done.value) {
          await pause(probe.everyMs);
          if (done.value || stopping) return;
          const why = await probe.check().catch((err: unknown) => errorText(err));
          if (done.value || stopping) return;
          if (why === null) {
            if (failures > 0) log.info(`${spec.name} answers again`);
            failures = 0;
            continue;
          }
          failures++;
          log.warn({ why, failures, of: probe.failuresBeforeRestart }, `${spec.name} did not answer its health check (${failures}/${probe.failuresBeforeRestart}): ${why}`);
          if (failures >= probe.failuresBeforeRestart) return resolve(why);
        }
      })();
    });

  const loop = async () => {
    let first = true;
    let attempt = 0;
    while (!stopping) {
      let running: RunningService;
      try {
        running = await spec.start();
      } catch (err) {
        if (first) {
          state = 'stopped';
          rejectReady(err);
          return;
        }
        if (stopping) break;
        const next = backoff.next();
        attempt = next.attempt;
        log.error({ err: errorText(err), attempt, nextTryInMs: next.delayMs }, `${spec.name} could not be restarted (attempt ${attempt}): ${errorText(err)}; next try in ${seconds(next.delayMs)}`);
        state = 'restarting';
        await pause(next.delayMs);
        continue;
      }
      if (stopping) {
        await running.stop().catch((err: unknown) => log.warn({ err: errorText(err) }, `${spec.name} did not stop cleanly`));
        break;
      }
      const startedAt = Date.now();
      state = 'up';
      if (first) {
        first = false;
        log.info({ pid: running.pid }, `${spec.name} started${running.pid ? ` (pid ${running.pid})` : ''}`);
        resolveReady();
      } else {
        log.info({ pid: running.pid, attempt }, `${spec.name} restarted${running.pid ? ` (pid ${running.pid})` : ''} after ${attempt} attempt${attempt === 1 ? '' : 's'}`);
      }

      const done = { value: false };
      const outcome = await Promise.race([
        running.exited?.then((exit) => ({ kind: 'exit' as const, exit })) ?? new Promise<never>(() => undefined),
        spec.probe ? watchHealth(spec.probe, done).then((why) => ({ kind: 'unhealthy' as const, why })) : new Promise<never>(() => undefined),
        stopRequested.then(() => ({ kind: 'stop' as const })),
      ]);
      done.value = true;

      if (outcome.kind === 'stop') {
        state = 'stopping';
        await running.stop().catch((err: unknown) => log.warn({ err: errorText(err) }, `${spec.name} did not stop cleanly`));
        break;
      }
      let what: string;
      let fields: Record<string, unknown>;
      if (outcome.kind === 'unhealthy') {
        what = `stopped answering (${outcome.why})`;
        fields = { why: outcome.why };
        log.error(fields, `${spec.name} ${what}; stopping it to start it again`);
        await running.stop().catch((err: unknown) => log.warn({ err: errorText(err) }, `${spec.name} did not stop cleanly`));
      } else {
        await pause(spec.exitGraceMs ?? 300);
        if (stopping) {
          log.info({ code: outcome.exit.code, signal: outcome.exit.signal }, `${spec.name} exited (${describeExit(outcome.exit)}) while stopping`);
          break;
        }
        what = `died (${describeExit(outcome.exit)})`;
        fields = { code: outcome.exit.code, signal: outcome.exit.signal, pid: running.pid };
      }
      const next = backoff.next(Date.now() - startedAt);
      attempt = next.attempt;
      state = 'restarting';
      log.error({ ...fields, attempt, nextTryInMs: next.delayMs }, `${spec.name} ${what}; restarting in ${seconds(next.delayMs)} (attempt ${attempt})`);
      await pause(next.delayMs);
    }
    state = 'stopped';
    // Stopped before the first start finished: whoever awaits ready learns it will not come.
    rejectReady(new StoppedError(spec.name));
  };
  const finished = loop().catch((err: unknown) => {
    state = 'stopped';
    log.error({ err: errorText(err) }, `${spec.name}: supervisor failed`);
    rejectReady(err);
  });

  return {
    name: spec.name,
    ready,
    state: () => state,
    async stop() {
      stopping = true;
      wake();
      await finished;
    },
    quiesce() {
      stopping = true;
    },
  };
}

/** ready rejects with this when stop() came before the first start finished. */
export class StoppedError extends Error {
  override name = 'StoppedError';
  constructor(service: string) {
    super(`${service} was stopped before it was up`);
  }
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 && ms % 1000 ? 1 : 0)} s`;

/** Stops a process we spawned: SIGTERM (to its group when detached), then SIGKILL after `timeoutMs`. */
export async function stopProcess(
  child: { pid?: number; exitCode: number | null; signalCode: NodeJS.Signals | null; kill(signal: NodeJS.Signals): boolean },
  exited: Promise<unknown>,
  opts: { group: boolean; timeoutMs: number },
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const send = (signal: NodeJS.Signals) => {
    try {
      if (opts.group && child.pid) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  send('SIGTERM');
  const timer = setTimeout(() => send('SIGKILL'), opts.timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * A Node entry point as a supervised child. It runs in a process group of its own, so Ctrl-C reaches
 * only `npm start`, which stops the children in order; its output goes straight to this terminal.
 */
export function supervise(opts: { name: string; script: string; env: NodeJS.ProcessEnv; logger: Logger; stopTimeoutMs?: number; backoff?: BackoffOptions }): Supervised {
  return superviseService({
    name: opts.name,
    logger: opts.logger,
    backoff: opts.backoff,
    start: async () => {
      const child = spawn(process.execPath, ['--enable-source-maps', opts.script], { env: opts.env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
      const exited = new Promise<ExitInfo>((resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }));
        child.once('error', () => resolve({ code: null, signal: null }));
      });
      return {
        pid: child.pid ?? null,
        exited,
        stop: () => stopProcess(child, exited, { group: true, timeoutMs: opts.stopTimeoutMs ?? 10_000 }),
      };
    },
  });
}
