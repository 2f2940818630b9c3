import { z } from 'zod';

/**
 * Blizzard's rate limits as Blizzard documents them, per client id (the OAuth client behind the
 * bearer token):
 * - at most `perSecond` requests in each calendar second of the wall clock. A request counts in the
 *   second it arrives; the one over the limit is answered 429, and so is every request for the
 *   remainder of that second (the window stays open until the clock reaches the next second);
 * - at most `perHour` requests in each calendar hour.
 * Every answered request counts (200, 304, 404, 5xx alike). Retry-After may or may not come with a
 * 429 (`retryAfter`): a client must not rely on it.
 *
 * The log keeps, per client and calendar second, how many requests arrived, how many were refused
 * and how many were sent into an open window, so tests and the benchmark read the stand-in's own
 * counts rather than durations measured by the client.
 */

export interface LimitSettings {
  perSecond: number;
  perHour: number;
  /** Send `Retry-After` with 429s (Blizzard may leave it out). */
  retryAfter: boolean;
}

export const DEFAULT_LIMITS: LimitSettings = { perSecond: 100, perHour: 36_000, retryAfter: true };

/** Body of `POST /_standin/limits`. */
export const limitsPatchSchema = z
  .object({
    perSecond: z.number().int().positive(),
    perHour: z.number().int().positive(),
    retryAfter: z.boolean(),
  })
  .partial()
  .strict();

/**
 * A request arriving at most this long after the 429 answer left the stand-in was on its way
 * before the client could have read that answer (its event loop still has to get to it); one sent
 * later was sent into a window the client knew to be open. 50 ms: on a busy machine (the suite's two
 * cores) a worker's event loop can take tens of ms to read what arrived; a client ignoring the window
 * sends hundreds of ms into it, which this still counts.
 */
export const CLIENT_REACTION_MS = 50;

const LOG_PRUNE_AT = 20_000;

export type RefusalReason = 'over_limit' | 'open_window' | 'hour' | 'injected';

export type Admission = { ok: true; second: number } | { ok: false; second: number; reason: RefusalReason; retryAfterSeconds: number };

export interface SecondRecord {
  clientId: string;
  /** The calendar second, as epoch seconds. */
  second: number;
  /** Requests that arrived in this second, refused ones included. */
  requests: number;
  status429: number;
  /** Requests sent after this second's 429 had reached the client, while the window was still open. */
  sentIntoOpenWindow: number;
  /** How far into the open window the latest of those was sent, ms after the 429 reached the client. */
  maxMsIntoOpenWindow: number;
}

interface SecondState extends SecondRecord {
  /** The rest of this second answers 429. */
  open: boolean;
  /** When the first 429 of the open window left the stand-in for the client (epoch ms). */
  toldAt?: number;
}

export class ClientLimits {
  private settings: LimitSettings;
  /** Per client and calendar second; arrivals may be counted out of order, so every second keeps its own. */
  private readonly seconds = new Map<string, SecondState>();
  private readonly hours = new Map<string, number>();

  constructor(settings: Partial<LimitSettings> = {}) {
    this.settings = { ...DEFAULT_LIMITS, ...settings };
  }

  get current(): LimitSettings {
    return { ...this.settings };
  }

  set(patch: Partial<LimitSettings>): void {
    this.settings = { ...this.settings, ...patch };
  }

  /**
   * Counts a request of `clientId` that left the client at `sentAt` and arrives at `arrivedAt`
   * (epoch ms), and says whether it is served.
   */
  admit(clientId: string, sentAt: number, arrivedAt: number): Admission {
    const second = this.secondOf(clientId, arrivedAt);
    second.requests += 1;
    if (second.open) {
      if (second.toldAt !== undefined && sentAt > second.toldAt + CLIENT_REACTION_MS) {
        second.sentIntoOpenWindow += 1;
        second.maxMsIntoOpenWindow = Math.max(second.maxMsIntoOpenWindow, sentAt - second.toldAt);
      }
      return this.refuse(second, 'open_window', arrivedAt);
    }
    if (second.requests > this.settings.perSecond) {
      second.open = true;
      return this.refuse(second, 'over_limit', arrivedAt);
    }
    const hour = Math.floor(arrivedAt / 3_600_000);
    const hourKey = `${clientId}\u0000${hour}`;
    const used = this.hours.get(hourKey) ?? 0;
    if (used >= this.settings.perHour) {
      // The hour's quota does not close the second: the next hour opens at a second's start anyway.
      second.status429 += 1;
      return { ok: false, second: second.second, reason: 'hour', retryAfterSeconds: Math.ceil(((hour + 1) * 3_600_000 - arrivedAt) / 1000) };
    }
    this.hours.set(hourKey, used + 1);
    return { ok: true, second: second.second };
  }

  /** An injected 429 for a request admitted at `arrivedAt`: Blizzard's answer, so it closes the rest of the second. */
  refuseInjected(clientId: string, arrivedAt: number): Admission {
    const second = this.secondOf(clientId, arrivedAt);
    second.open = true;
    return this.refuse(second, 'injected', arrivedAt);
  }

  /** The 429 for `second` has left the stand-in for the client at `at` (epoch ms). */
  told(clientId: string, second: number, at: number): void {
    const state = this.seconds.get(`${clientId}\u0000${second}`);
    if (state?.open) state.toldAt = Math.min(state.toldAt ?? at, at);
  }

  /** Per client and calendar second, oldest first. */
  log(): SecondRecord[] {
    return [...this.seconds.values()]
      .map(({ clientId, second, requests, status429, sentIntoOpenWindow, maxMsIntoOpenWindow }) => ({ clientId, second, requests, status429, sentIntoOpenWindow, maxMsIntoOpenWindow }))
      .sort((a, b) => a.second - b.second || a.clientId.localeCompare(b.clientId));
  }

  /** Forgets every client's counts (a new hour for everyone): the benchmark's runs stand for syncs hours apart. */
  resetQuota(): void {
    this.seconds.clear();
    this.hours.clear();
  }

  private refuse(second: SecondState, reason: RefusalReason, arrivedAt: number): Admission {
    second.status429 += 1;
    const retryAfterSeconds = Math.max(1, Math.ceil(((second.second + 1) * 1000 - arrivedAt) / 1000));
    return { ok: false, second: second.second, reason, retryAfterSeconds };
  }

  private prune(before: number): void {
    for (const [key, s] of this.seconds) if (s.second < before) this.seconds.delete(key);
    const hour = Math.floor(before / 3_600);
    for (const key of this.hours.keys()) if (Number(key.split('\u0000')[1]) < hour) this.hours.delete(key);
  }

  private secondOf(clientId: string, at: number): SecondState {
    const second = Math.floor(at / 1000);
    const key = `${clientId}\u0000${second}`;
    let state = this.seconds.get(key);
    if (!state) {
      state = { clientId, second, requests: 0, status429: 0, sentIntoOpenWindow: 0, maxMsIntoOpenWindow: 0, open: false };
      this.seconds.set(key, state);
      // A demo stand-in runs for days: keep the last two hours of the log.
      if (this.seconds.size > LOG_PRUNE_AT) this.prune(second - 7_200);
    }
    return state;
  }
}
