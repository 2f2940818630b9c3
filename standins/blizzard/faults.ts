import { z } from 'zod';
import { mulberry32 } from './demoGuild';

/**
 * The ways the stand-in says no: Blizzard's own per-client limits, and injected faults drawn from a
 * seeded PRNG so a failing run can be repeated exactly.
 */

export interface Faults {
  /** Share of API requests answered 500/502/503. */
  serverErrorRate: number;
  /** Share of API requests answered 429 (Retry-After: 1) although under the limits. */
  rateLimitRate: number;
  /** `name-realmSlug`, lowercased: these profiles answer 404 (private, below level 10, …). */
  notFound: string[];
  latencyMs: number;
  latencyJitterMs: number;
  /** A token stops working after this many API requests (token expiry mid-run). */
  expireTokensAfterRequests?: number;
}

export const NO_FAULTS: Faults = {
  serverErrorRate: 0,
  rateLimitRate: 0,
  notFound: [],
  latencyMs: 0,
  latencyJitterMs: 0,
};

/** Body of `POST /_standin/faults`; null clears `expireTokensAfterRequests`. */
export const faultsPatchSchema = z
  .object({
    serverErrorRate: z.number().min(0).max(1),
    rateLimitRate: z.number().min(0).max(1),
    notFound: z.array(z.string()),
    latencyMs: z.number().min(0),
    latencyJitterMs: z.number().min(0),
    expireTokensAfterRequests: z.number().int().positive().nullable(),
  })
  .partial()
  .strict();

export class FaultInjector {
  private faults: Faults = { ...NO_FAULTS };
  private readonly random: () => number;

  constructor(seed: number, initial: Partial<Faults> = {}) {
    this.random = mulberry32(seed);
    this.set(initial);
  }

  set(patch: Partial<Faults> | z.infer<typeof faultsPatchSchema>): void {
    const { expireTokensAfterRequests, notFound, ...rest } = patch;
    Object.assign(this.faults, rest);
    if (notFound) this.faults.notFound = notFound.map((k) => k.normalize('NFC').toLowerCase());
    if ('expireTokensAfterRequests' in patch) this.faults.expireTokensAfterRequests = expireTokensAfterRequests ?? undefined;
  }

  get current(): Faults {
    return { ...this.faults, notFound: [...this.faults.notFound] };
  }

  injectRateLimit(): boolean {
    return this.faults.rateLimitRate > 0 && this.random() < this.faults.rateLimitRate;
  }

  /** A 5xx status to answer with, or undefined to answer normally. */
  injectServerError(): number | undefined {
    if (this.faults.serverErrorRate <= 0 || this.random() >= this.faults.serverErrorRate) return undefined;
    return [500, 502, 503][Math.floor(this.random() * 3)]!;
  }

  latency(): number {
    const { latencyMs, latencyJitterMs } = this.faults;
    if (latencyMs <= 0 && latencyJitterMs <= 0) return 0;
    return Math.max(0, Math.round(latencyMs + (this.random() * 2 - 1) * latencyJitterMs));
  }

  isNotFound(name: string, realmSlug: string): boolean {
    return this.faults.notFound.includes(`${name.normalize('NFC').toLowerCase()}-${realmSlug.toLowerCase()}`);
  }
}

/**
 * Blizzard's documented limits, per client id: a token bucket of `perSecond` capacity refilled
 * continuously at `perSecond`/s, and at most `perHour` requests in each hour.
 */
export class ClientLimits {
  private readonly buckets = new Map<string, { tokens: number; at: number; hourStart: number; hourCount: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly perHour: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request from the client's allowance; false means answer 429. */
  take(clientId: string): boolean {
    const now = this.now();
    let b = this.buckets.get(clientId);
    if (!b) {
      b = { tokens: this.perSecond, at: now, hourStart: now, hourCount: 0 };
      this.buckets.set(clientId, b);
    }
    b.tokens = Math.min(this.perSecond, b.tokens + ((now - b.at) * this.perSecond) / 1000);
    b.at = now;
    if (now - b.hourStart >= 3_600_000) {
      b.hourStart = now;
      b.hourCount = 0;
    }
    if (b.tokens < 1 || b.hourCount >= this.perHour) return false;
    b.tokens -= 1;
    b.hourCount += 1;
    return true;
  }

  reset(): void {
    this.buckets.clear();
  }
}
