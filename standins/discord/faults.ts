import { createHash } from 'node:crypto';
import { z } from 'zod';
import { mulberry32 } from '../blizzard/demoGuild';

/**
 * The ways the Discord stand-in says no: per-route rate-limit buckets with Discord's headers, and
 * injected faults drawn from a seeded PRNG (rates) or counted down (the message-post cases that
 * make a naive client post twice), so a failing run can be repeated exactly.
 */

export interface DiscordFaults {
  /** Share of REST API requests answered 500/502/503 (not the control API, not /gateway/bot). */
  serverErrorRate: number;
  /** Share answered 429 with Retry-After and `{message, retry_after, global:false}`. */
  rateLimitRate: number;
  /** Added delay per REST request (lets client-side timeouts happen). */
  latencyMs: number;
  /** The next N message POSTs create the message and THEN answer 500. */
  failAfterCreate: number;
  /** The next N message POSTs answer 500 without creating anything. */
  failBeforeCreate: number;
  /** How long a hanging message POST waits before it answers (late) — longer than the client's timeout. */
  hangAfterCreateMs: number;
  /** The next N message POSTs create the message and then do not answer for hangAfterCreateMs. */
  hangAfterCreate: number;
  /** The next N message POSTs answer 429 with Retry-After. */
  rateLimitMessages: number;
  /** Retry-After of injected 429s, in seconds (Discord sends fractions too). */
  retryAfterSeconds: number;
}

export const NO_FAULTS: DiscordFaults = {
  serverErrorRate: 0,
  rateLimitRate: 0,
  latencyMs: 0,
  failAfterCreate: 0,
  failBeforeCreate: 0,
  hangAfterCreateMs: 20_000,
  hangAfterCreate: 0,
  rateLimitMessages: 0,
  retryAfterSeconds: 0.25,
};

const count = z.number().int().min(0);

/** Body of `POST /_standin/faults`. */
export const faultsPatchSchema = z
  .object({
    serverErrorRate: z.number().min(0).max(1),
    rateLimitRate: z.number().min(0).max(1),
    latencyMs: z.number().min(0),
    failAfterCreate: count,
    failBeforeCreate: count,
    hangAfterCreateMs: z.number().min(0),
    hangAfterCreate: count,
    rateLimitMessages: count,
    retryAfterSeconds: z.number().min(0).max(60),
  })
  .partial()
  .strict();

/** What to do with one message POST, decided before anything is created. */
export type MessageFault = 'rate-limit' | 'fail-before' | 'fail-after' | 'hang-after' | undefined;

export class FaultInjector {
  private faults: DiscordFaults = { ...NO_FAULTS };
  private readonly random: () => number;

  constructor(seed: number, initial: Partial<DiscordFaults> = {}) {
    this.random = mulberry32(seed);
    this.set(initial);
  }

  set(patch: Partial<DiscordFaults>): void {
    for (const [key, value] of Object.entries(patch) as [keyof DiscordFaults, number | undefined][]) {
      if (value !== undefined) this.faults[key] = value;
    }
  }

  get current(): DiscordFaults {
    return { ...this.faults };
  }

  injectRateLimit(): boolean {
    return this.faults.rateLimitRate > 0 && this.random() < this.faults.rateLimitRate;
  }

  /** A 5xx status to answer with, or undefined to answer normally. */
  injectServerError(): 500 | 502 | 503 | undefined {
    if (this.faults.serverErrorRate <= 0 || this.random() >= this.faults.serverErrorRate) return undefined;
    return ([500, 502, 503] as const)[Math.floor(this.random() * 3)]!;
  }

  /** Takes one from the first non-empty message-post counter, in the order a request meets them. */
  takeMessageFault(): MessageFault {
    const f = this.faults;
    if (f.rateLimitMessages > 0) {
      f.rateLimitMessages -= 1;
      return 'rate-limit';
    }
    if (f.failBeforeCreate > 0) {
      f.failBeforeCreate -= 1;
      return 'fail-before';
    }
    if (f.failAfterCreate > 0) {
      f.failAfterCreate -= 1;
      return 'fail-after';
    }
    if (f.hangAfterCreate > 0) {
      f.hangAfterCreate -= 1;
      return 'hang-after';
    }
    return undefined;
  }
}

export interface BucketLimit {
  limit: number;
  windowMs: number;
}

export interface BucketState {
  /** false: over the limit, answer 429. */
  allowed: boolean;
  limit: number;
  remaining: number;
  /** ms until the window resets */
  resetAfterMs: number;
  bucket: string;
}

/**
 * Discord's per-route buckets: each route kind has a bucket hash, counted per major parameter
 * (guild or channel id) in fixed windows. Clients that follow the X-RateLimit headers never meet a
 * 429 from here; clients that ignore them do.
 */
export class RouteBuckets {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly limits: (kind: string) => BucketLimit,
    private readonly now: () => number = () => Date.now(),
  ) {}

  static hash(kind: string): string {
    return createHash('md5').update(`patt-standin/${kind}`).digest('hex');
  }

  take(kind: string, major: string): BucketState {
    const { limit, windowMs } = this.limits(kind);
    const now = this.now();
    const key = `${kind}/${major}`;
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(key, w);
    }
    const allowed = w.used < limit;
    if (allowed) w.used += 1;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - w.used),
      resetAfterMs: Math.max(0, w.start + windowMs - now),
      bucket: RouteBuckets.hash(kind),
    };
  }

  reset(): void {
    this.windows.clear();
  }
}

/** The X-RateLimit-* headers Discord sends on every route. */
export function rateLimitHeaders(state: BucketState, now = Date.now()): Record<string, string> {
  return {
    'x-ratelimit-bucket': state.bucket,
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-reset': ((now + state.resetAfterMs) / 1000).toFixed(3),
    'x-ratelimit-reset-after': (state.resetAfterMs / 1000).toFixed(3),
  };
}
