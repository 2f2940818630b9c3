import { z } from 'zod';
import type { Logger } from '../config/logger';
import type { QueuedExport, UploadQueue } from './queue';

/**
 * Sends the queue to the API, oldest first, one at a time: export n+1 is never sent before export n
 * was accepted or rejected, so the server sees the roster's history in the order it happened.
 *
 *   202          accepted (also for a repeat: the API recognises the content hash) → removed from the queue,
 *                unless the receipt says the upload failed or was rejected (then as 4xx below)
 *   400, 413, 422 the API refuses this export → moved to rejected/, never retried, said loudly
 *   401, 403     the key is wrong or lacks addon:upload → stop until restarted with a better key; queue kept
 *   404, 405     PATT_API_URL points somewhere else → stop until restarted; queue kept
 *   network errors, timeouts, 502/503/504 → the API is down: its health (GET /api/health) is checked
 *                every 2–5 s (with jitter) and the upload is sent again the moment it answers
 *   anything else (500, 429, or the same failure again while the health says up) → retry with
 *                exponential back-off and jitter (and Retry-After)
 *
 * The back-off is computed here and slept in an interruptible, wall-clock-checked wait: a new
 * export or stop() cuts it short, and a PC waking from sleep retries soon. (exponential-backoff and
 * p-retry were considered: the first sleeps in a timer nothing can cut short, so a stop would hang
 * for up to the 5-minute ceiling; the second is ESM-only, which this CommonJS build and jest do not load.)
 */

export const UPLOAD_PATH = '/api/guild-sync/addon-upload';
export const HEALTH_PATH = '/api/health';

export interface UploaderOptions {
  apiUrl: string;
  apiKey: string;
  timeoutMs: number;
  retry: { minDelayMs: number; maxDelayMs: number };
  /** Health checks while the API is down: a random wait in this window between two (default 2–5 s). */
  probe?: { minDelayMs: number; maxDelayMs: number };
  logger?: Logger;
  onEvent?: (event: UploaderEvent) => void;
  /** For tests of the jitter; Math.random otherwise. */
  random?: () => number;
}

export type UploaderEvent =
  | { kind: 'uploaded'; item: QueuedExport; uploadId?: string; duplicate: boolean; status?: string }
  | { kind: 'rejected'; item: QueuedExport; status: number; code?: string; message: string; movedTo: string; at?: { line: number; column: number } }
  | { kind: 'retrying'; item: QueuedExport; problem: string; waiting: number; delayMs: number; failures: number }
  | { kind: 'down'; item: QueuedExport; problem: string; health: string; waiting: number; probe: { minDelayMs: number; maxDelayMs: number } }
  | { kind: 'up'; afterProbes: number }
  | { kind: 'blocked'; item: QueuedExport; status: number; setting: 'PATT_API_KEY' | 'PATT_API_URL'; message: string; waiting: number }
  | { kind: 'recovered'; afterFailures: number };

export type UploaderState = 'idle' | 'uploading' | 'waiting' | 'probing' | 'blocked' | 'stopped';

export interface UploaderStats {
  state: UploaderState;
  uploaded: number;
  duplicates: number;
  rejected: number;
  failedAttempts: number;
  /** Health checks made while the API was down. */
  probes: number;
  /** Consecutive failures of the current head of the queue (drives the back-off). */
  failures: number;
  lastProblem?: string;
  /** Why uploads stopped, when state is 'blocked'. */
  blockedBy?: string;
  nextAttemptAt?: string;
}

type Outcome =
  | { kind: 'accepted'; uploadId?: string; duplicate: boolean; status?: string }
  | { kind: 'refused'; status: number; code?: string; message: string; at?: { line: number; column: number } }
  | { kind: 'blocked'; status: number; setting: 'PATT_API_KEY' | 'PATT_API_URL'; message: string }
  /** `down`: unreachable, or 502/503/504: the health is checked before waiting any longer. */
  | { kind: 'retry'; problem: string; down: boolean; retryAfterMs?: number };

/** The API's answer to an upload; lenient, since the lead may add fields. */
const receiptSchema = z.object({
  uploadId: z.union([z.string(), z.number()]).optional(),
  contentHash: z.string().optional(),
  status: z.string().optional(),
  duplicate: z.boolean().optional(),
  members: z.number().optional(),
});
const errorBodySchema = z.object({
  error: z.object({
    code: z.string().optional(),
    message: z.string().optional(),
    requestId: z.string().optional(),
    details: z.object({ line: z.number(), column: z.number() }).partial().passthrough().optional().catch(undefined),
  }),
});
/** Receipt statuses that mean the API has the file but will never import it. */
const NOT_DELIVERED = new Set(['failed', 'rejected']);
const DEFAULT_PROBE = { minDelayMs: 2_000, maxDelayMs: 5_000 };

/** A wait longer than this is slept in pieces, checking the wall clock, so a PC waking from sleep retries soon. */
const WAKE_CHECK_MS = 5_000;

export class Uploader {
  private readonly url: string;
  private readonly healthUrl: string;
  private readonly probeWindow: { minDelayMs: number; maxDelayMs: number };
  private readonly log?: Logger;
  private readonly random: () => number;
  private running?: Promise<void>;
  private stopped = false;
  private blockedBy?: string;
  private failures = 0;
  private nextAttemptAt?: number;
  private wakeUp?: () => void;
  private state: UploaderState = 'idle';
  private idleWaiters: (() => void)[] = [];
  private readonly counters = { uploaded: 0, duplicates: 0, rejected: 0, failedAttempts: 0, probes: 0 };
  private lastProblem?: string;

  constructor(
    private readonly queue: UploadQueue,
    private readonly opts: UploaderOptions,
  ) {
    this.url = `${opts.apiUrl.replace(/\/+$/, '')}${UPLOAD_PATH}`;
    this.healthUrl = `${opts.apiUrl.replace(/\/+$/, '')}${HEALTH_PATH}`;
    this.probeWindow = opts.probe ?? DEFAULT_PROBE;
    this.log = opts.logger?.child({ component: 'companion-uploader' });
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.loop().catch((err: unknown) => {
      // A failure of the disk (full, removed) is not the API's: say so and stop, the queue stays as it is.
      this.state = 'stopped';
      this.log?.error({ err }, 'Uploader stopped on an unexpected error');
      this.lastProblem = `stopped: ${(err as Error).message}`;
      this.releaseIdleWaiters();
      throw err;
    });
    this.running.catch(() => undefined);
  }

  /** Something new is queued (or the network may be back): try the head of the queue now. */
  wake(): void {
    this.nextAttemptAt = undefined;
    this.wakeUp?.();
  }

  /** Retry now, skipping the back-off wait, and resolve once the queue is empty. */
  flush(): Promise<void> {
    this.wake();
    return this.idle();
  }

  /** Resolves when the queue is empty and nothing is being sent (never while blocked or waiting). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Ends the loop: an upload in flight is allowed to finish (its item stays queued if it does not). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    try {
      await this.running;
    } catch {
      // Already logged by start().
    }
    this.state = 'stopped';
  }

  stats(): UploaderStats {
    return {
      state: this.state,
      ...this.counters,
      failures: this.failures,
      ...(this.lastProblem !== undefined ? { lastProblem: this.lastProblem } : {}),
      ...(this.blockedBy !== undefined ? { blockedBy: this.blockedBy } : {}),
      ...(this.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(this.nextAttemptAt).toISOString() } : {}),
    };
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const item = this.queue.peek();
      if (!item || this.blockedBy) {
        this.state = this.blockedBy ? 'blocked' : 'idle';
        if (!item) this.releaseIdleWaiters();
        await this.sleep(undefined);
        continue;
      }
      this.state = 'uploading';
      const outcome = await this.send(item);
      await this.handle(item, outcome);
    }
  }

  private async handle(item: QueuedExport, outcome: Outcome): Promise<void> {
    switch (outcome.kind) {
      case 'accepted': {
        await this.queue.complete(item, { uploadId: outcome.uploadId });
        if (this.failures > 0) this.emit({ kind: 'recovered', afterFailures: this.failures });
        this.failures = 0;
        this.lastProblem = undefined;
        if (outcome.duplicate) this.counters.duplicates += 1;
        else this.counters.uploaded += 1;
        this.emit({ kind: 'uploaded', item, uploadId: outcome.uploadId, duplicate: outcome.duplicate, status: outcome.status });
        return;
      }
      case 'refused': {
        const movedTo = await this.queue.reject(item, { status: outcome.status, code: outcome.code, message: outcome.message });
        if (this.failures > 0) this.emit({ kind: 'recovered', afterFailures: this.failures });
        this.failures = 0;
        this.counters.rejected += 1;
        this.log?.error({ seq: item.seq, status: outcome.status, code: outcome.code, at: outcome.at, problem: outcome.message }, 'The API refused the export: not delivered, not retried');
        this.emit({ kind: 'rejected', item, status: outcome.status, code: outcome.code, message: outcome.message, movedTo, ...(outcome.at ? { at: outcome.at } : {}) });
        return;
      }
      case 'blocked': {
        this.blockedBy = `${outcome.setting}: HTTP ${outcome.status} ${outcome.message}`;
        this.lastProblem = this.blockedBy;
        await this.queue.noteAttempt(item, `HTTP ${outcome.status}: ${outcome.message}`);
        this.emit({ kind: 'blocked', item, status: outcome.status, setting: outcome.setting, message: outcome.message, waiting: this.queue.size() });
        return;
      }
      case 'retry': {
        this.counters.failedAttempts += 1;
        this.lastProblem = outcome.problem;
        await this.queue.noteAttempt(item, outcome.problem);
        // Down rather than failing: wait for its health, not for a back-off that may have grown long.
        if (outcome.down && (await this.waitWhileDown(item, outcome.problem))) return;
        this.failures += 1;
        const delayMs = Math.max(this.backoff(this.failures), outcome.retryAfterMs ?? 0);
        this.emit({ kind: 'retrying', item, problem: outcome.problem, waiting: this.queue.size(), delayMs, failures: this.failures });
        this.state = 'waiting';
        await this.sleep(delayMs);
        return;
      }
    }
  }

  /**
   * Checks the API's health; while it is down, again every 2–5 s (random, so companions that lost
   * the same API do not come back in step). False when the first check finds it up: the upload
   * failed on its own, and the back-off applies. True once it is back (or a wake() or stop() cut the
   * wait short): send again at once, with the back-off started afresh.
   */
  private async waitWhileDown(item: QueuedExport, problem: string): Promise<boolean> {
    // Checking its health already, from the first check on (the state says so while it runs).
    this.state = 'probing';
    let health = await this.probe();
    if (health.up) return false;
    this.emit({ kind: 'down', item, problem, health: health.problem, waiting: this.queue.size(), probe: this.probeWindow });
    let probes = 1;
    while (!this.stopped) {
      const woken = await this.sleep(this.probeDelay());
      if (woken || this.stopped) break;
      health = await this.probe();
      probes += 1;
      if (health.up) {
        this.emit({ kind: 'up', afterProbes: probes });
        break;
      }
      this.log?.debug({ probes, problem: health.problem }, 'API still down');
    }
    this.failures = 0;
    return true;
  }

  /** Up unless unreachable or answering 502/503/504 (503: the API runs, but its database or Temporal does not). */
  private async probe(): Promise<{ up: true } | { up: false; problem: string }> {
    this.counters.probes += 1;
    try {
      const res = await fetch(this.healthUrl, { signal: AbortSignal.timeout(Math.min(this.opts.timeoutMs, 10_000)) });
      const text = await res.text();
      if (res.status !== 502 && res.status !== 503 && res.status !== 504) return { up: true };
      const body = tryJson(text) as { database?: unknown; temporal?: unknown } | undefined;
      const down = ['database', 'temporal'].filter((k) => body?.[k as 'database' | 'temporal'] === 'down');
      return { up: false, problem: `HTTP ${res.status}${down.length ? `: its ${down.join(' and ')} ${down.length > 1 ? 'are' : 'is'} down` : ''}` };
    } catch (err) {
      return { up: false, problem: networkProblem(err, Math.min(this.opts.timeoutMs, 10_000)) };
    }
  }

  /** A random wait within the probe window. */
  probeDelay(): number {
    const { minDelayMs, maxDelayMs } = this.probeWindow;
    return Math.round(minDelayMs + this.random() * (maxDelayMs - minDelayMs));
  }

  /**
   * min·2^(n-1), capped, with "equal jitter" (between half and all of it): several companions that
   * lost the same API do not come back in step.
   */
  backoff(failures: number): number {
    const { minDelayMs, maxDelayMs } = this.opts.retry;
    const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(failures - 1, 30));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private async send(item: QueuedExport): Promise<Outcome> {
    let body: Buffer;
    try {
      body = await this.queue.read(item);
    } catch (err) {
      throw new Error(`cannot read the queued export ${item.name}: ${(err as Error).message}`);
    }
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      // The timeout covers the answer's body too.
      const res = await fetch(this.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.opts.apiKey}`,
          'content-type': 'application/octet-stream',
          'x-content-sha256': item.contentHash,
        },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      const problem = networkProblem(err, this.opts.timeoutMs);
      this.log?.warn({ seq: item.seq, problem }, 'Upload failed; will retry');
      return { kind: 'retry', problem, down: true };
    }
    this.log?.debug({ seq: item.seq, status }, 'API answered');
    const json = tryJson(text);

    if (status >= 200 && status < 300) {
      const receipt = receiptSchema.safeParse(json);
      if (!receipt.success) {
        // Something answered 2xx without a receipt (a captive portal, a wrong address): not proof of delivery.
        return { kind: 'retry', problem: `HTTP ${status} without an upload receipt (is PATT_API_URL the PATT API?)`, down: false };
      }
      const r = receipt.data;
      if (r.status && NOT_DELIVERED.has(r.status)) {
        return { kind: 'refused', status, code: `UPLOAD_${r.status.toUpperCase()}`, message: `the API answered HTTP ${status} but says this upload ${r.status === 'failed' ? 'failed to import' : 'was rejected'}${r.uploadId !== undefined ? ` (upload #${r.uploadId})` : ''}` };
      }
      if (r.contentHash && r.contentHash !== item.contentHash) {
        this.log?.warn({ seq: item.seq, ours: item.contentHash, theirs: r.contentHash }, 'The API reports another content hash');
      }
      return {
        kind: 'accepted',
        uploadId: r.uploadId === undefined ? undefined : String(r.uploadId),
        duplicate: r.duplicate ?? false,
        status: r.status,
      };
    }
    const err = errorBodySchema.safeParse(json);
    const message = (err.success ? err.data.error.message : undefined) ?? (text.trim().slice(0, 200) || `HTTP ${status}`);
    const code = err.success ? err.data.error.code : undefined;
    const details = err.success ? err.data.error.details : undefined;
    if (status === 400 || status === 413 || status === 422) {
      const at = typeof details?.line === 'number' && typeof details.column === 'number' ? { line: details.line, column: details.column } : undefined;
      return { kind: 'refused', status, code: code ?? (status === 413 ? 'TOO_LARGE' : undefined), message, ...(at ? { at } : {}) };
    }
    if (status === 401 || status === 403) return { kind: 'blocked', status, setting: 'PATT_API_KEY', message };
    if (status === 404 || status === 405) return { kind: 'blocked', status, setting: 'PATT_API_URL', message };
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter) : undefined;
    return {
      kind: 'retry',
      down: status === 502 || status === 503 || status === 504,
      problem: `HTTP ${status}${code ? ` ${code}` : ''}${message && message !== `HTTP ${status}` ? `: ${message}` : ''}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs: Math.min(retryAfterMs, this.opts.retry.maxDelayMs) } : {}),
    };
  }

  /** Waits for wake(), stop(), or (with a delay) until the delay is over by the wall clock; true when cut short. */
  private async sleep(delayMs: number | undefined): Promise<boolean> {
    if (this.stopped) return true;
    this.nextAttemptAt = delayMs === undefined ? undefined : Date.now() + delayMs;
    const woken = await new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (cut: boolean) => {
        if (timer) clearTimeout(timer);
        this.wakeUp = undefined;
        resolve(cut);
      };
      this.wakeUp = () => done(true);
      const tick = () => {
        if (this.nextAttemptAt === undefined) {
          if (delayMs !== undefined) done(true);
          return;
        }
        const left = this.nextAttemptAt - Date.now();
        if (left <= 0) return done(false);
        // Timers do not count the time a PC sleeps; the wall clock does.
        timer = setTimeout(tick, Math.min(left, WAKE_CHECK_MS));
      };
      tick();
    });
    this.nextAttemptAt = undefined;
    return woken;
  }

  private isIdle(): boolean {
    return this.queue.size() === 0 && this.state !== 'uploading';
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private emit(event: UploaderEvent): void {
    try {
      this.opts.onEvent?.(event);
    } catch (err) {
      this.log?.error({ err }, 'An uploader event listener threw');
    }
  }
}

/** fetch's errors, as a person reads them: `connect ECONNREFUSED 127.0.0.1:3000`, `no answer within 60 s`. */
export function networkProblem(err: unknown, timeoutMs: number): string {
  // Duck-typed: undici's errors may come from another realm (jest's vm), where instanceof fails.
  const e = err as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = e?.cause;
  if (cause && typeof cause.message === 'string' && cause.message) return cause.message;
  if (cause && typeof cause.code === 'string') return cause.code;
  return typeof e?.message === 'string' ? e.message : String(err);
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
