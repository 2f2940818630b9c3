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
  /**
   * A round trip, in ms, uniform in latencyMs ± latencyJitterMs: half of it before the request is
   * counted (the way there), half after (the way back). HOME_ROUND_TRIP is a home server's.
   */
  latencyMs: number;
  latencyJitterMs: number;
  /**
   * Answers given, in order, to the next requests of an endpoint whatever the limits say, e.g. a
   * 429 then a 503 to the next two status checks. A 429 here closes the client's second like any other.
   */
  nextAnswers: ScriptedAnswer[];
  /** A token stops working after this many API requests (token expiry mid-run). */
  expireTokensAfterRequests?: number;
}

export interface ScriptedAnswer {
  endpoint: 'roster' | 'profile' | 'status';
  status: 429 | 500 | 502 | 503;
}

export const NO_FAULTS: Faults = {
  serverErrorRate: 0,
  rateLimitRate: 0,
  notFound: [],
  latencyMs: 0,
  latencyJitterMs: 0,
  nextAnswers: [],
};

/** A home server's round trip to Blizzard: 120 ms ± 60 ms (the benchmark's setting). */
export const HOME_ROUND_TRIP = { latencyMs: 120, latencyJitterMs: 60 } as const;

/** Body of `POST /_standin/faults`; null clears `expireTokensAfterRequests`. */
export const faultsPatchSchema = z
  .object({
    serverErrorRate: z.number().min(0).max(1),
    rateLimitRate: z.number().min(0).max(1),
    notFound: z.array(z.string()),
    latencyMs: z.number().min(0),
    latencyJitterMs: z.number().min(0),
    nextAnswers: z.array(
      z.object({
        endpoint: z.enum(['roster', 'profile', 'status']),
        status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503)]),
      }),
    ),
    expireTokensAfterRequests: z.number().int().positive().nullable(),
  })
  .partial()
  .strict();

export class FaultInjector {
  private faults: Faults = { ...NO_FAULTS };
  private readonly random: () => number;
  /** Latency draws apart, so the n-th request's injected fault does not depend on timing. */
  private readonly latencyRandom: () => number;

  constructor(seed: number, initial: Partial<Faults> = {}) {
    this.random = mulberry32(seed);
    this.latencyRandom = mulberry32(seed ^ 0x5bd1e995);
    this.set(initial);
  }

  set(patch: Partial<Faults> | z.infer<typeof faultsPatchSchema>): void {
    const { expireTokensAfterRequests, notFound, nextAnswers, ...rest } = patch;
    Object.assign(this.faults, rest);
    if (nextAnswers) this.faults.nextAnswers = nextAnswers.map((a) => ({ ...a }));
    if (notFound) this.faults.notFound = notFound.map((k) => k.normalize('NFC').toLowerCase());
    if ('expireTokensAfterRequests' in patch) this.faults.expireTokensAfterRequests = expireTokensAfterRequests ?? undefined;
  }

  get current(): Faults {
    return { ...this.faults, notFound: [...this.faults.notFound], nextAnswers: this.faults.nextAnswers.map((a) => ({ ...a })) };
  }

  /** The scripted status for this request, if one waits for its endpoint (taken off the list). */
  scripted(endpoint: ScriptedAnswer['endpoint']): ScriptedAnswer['status'] | undefined {
    const i = this.faults.nextAnswers.findIndex((a) => a.endpoint === endpoint);
    if (i < 0) return undefined;
    return this.faults.nextAnswers.splice(i, 1)[0]!.status;
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
    return Math.max(0, Math.round(latencyMs + (this.latencyRandom() * 2 - 1) * latencyJitterMs));
  }

  isNotFound(name: string, realmSlug: string): boolean {
    return this.faults.notFound.includes(`${name.normalize('NFC').toLowerCase()}-${realmSlug.toLowerCase()}`);
  }
}

