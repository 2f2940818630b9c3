/**
 * When each Blizzard request may leave.
 *
 * Blizzard counts a client id's requests per calendar second of the wall clock: the 101st in a
 * second is answered 429, and so is every request for the remainder of that second. Pacing evenly
 * at exactly the limit is not enough (a late timer or the network's jitter puts a 101st request
 * into some second), and a limiter that counts from its own start (bottleneck's minTime and
 * reservoir) drifts against the clock's seconds. So the pacer hands out slots on a fixed grid:
 * `slotsPerSecond` evenly spaced slots in every calendar second, each used at most once, never one
 * in the past. That gives
 * - at most `slotsPerSecond` requests in any calendar second (one more when the event loop's read
 *   of what arrived straddles a second's end), and an even stagger at all times:
 *   after a pause (a 429 window, an idle client) requests resume one slot at a time, never a burst;
 * - a margin below Blizzard's limit for what the client cannot see: 95 of 100 slots keep any
 *   second's arrivals at or below 100 with ±30 ms of one-way network jitter;
 * - a window after a 429: no request leaves before `closeUntil`'s time. The one sleeper (the timer
 *   for the next slot) re-checks the window each time it wakes, after the event loop has read what
 *   arrived meanwhile, so a 429 that arrives while requests wait holds them all;
 * - Blizzard's hourly quota as a sliding hour: never more than `perHour` sends in any 3,600 s, which
 *   keeps any calendar hour within the quota too.
 * Requests leave in the order they asked, except that a retry goes to the front.
 */

export interface PacerOptions {
  /** Blizzard's limit per calendar second (100). */
  limitPerSecond: number;
  /** Share of the limit left unused for jitter; 0.05 leaves 95 slots of 100. */
  margin: number;
  /** Blizzard's hourly quota (36,000). */
  perHour: number;
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
}

const HOUR_MS = 3_600_000;

export class CalendarSecondPacer {
  readonly slotsPerSecond: number;
  private readonly now: () => number;
  private readonly queue: Waiter[] = [];
  /** Index of the last slot given out (slot n is at second ⌊n / slots⌋, position n mod slots). */
  private lastSlot = -1;
  private closedUntilMs = 0;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  /** Send times of the last `perHour` requests, oldest at `hourHead` once full. */
  private readonly hourRing: Float64Array;
  private hourHead = 0;
  private hourCount = 0;

  constructor(private readonly opts: PacerOptions) {
    this.slotsPerSecond = Math.max(1, Math.floor(opts.limitPerSecond * (1 - opts.margin)));
    this.now = opts.now ?? Date.now;
    this.hourRing = new Float64Array(opts.perHour);
  }

  /** Resolves when the caller may send; it must send at once (same tick). */
  acquire(opts: { front?: boolean } = {}): Promise<void> {
    return new Promise<void>((resolve) => {
      if (opts.front) this.queue.unshift({ resolve });
      else this.queue.push({ resolve });
      // Never give a slot out from inside other work: a 429 may be waiting to be read.
      this.pumpSoon();
    });
  }

  /** Holds every request until `untilMs` (epoch ms): a 429's window. */
  closeUntil(untilMs: number): void {
    if (untilMs <= this.closedUntilMs) return;
    this.closedUntilMs = untilMs;
    this.pumpSoon();
  }

  /** Until when requests are held (epoch ms); in the past when the window is shut. */
  get closedUntil(): number {
    return this.closedUntilMs;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** `firedAt`: when the timer for this slot fired (the slot is chosen as of then; the window as of now). */
  private pump(firedAt?: number): void {
    let slotTime = firedAt;
    while (this.queue.length > 0) {
      const now = this.now();
      const at = this.nextAllowed(now, slotTime ?? now);
      slotTime = undefined;
      if (at > now) {
        this.wakeAt(at, now);
        return;
      }
      this.queue.shift()!.resolve();
    }
  }

  /**
   * Takes a slot at or before `slotRef` for a send now and returns 0, or returns the time of the
   * next chance.
   */
  private nextAllowed(now: number, slotRef: number): number {
    if (now < this.closedUntilMs) return this.closedUntilMs;
    if (this.hourCount >= this.opts.perHour) {
      const oldest = this.hourRing[this.hourHead]!;
      if (oldest + HOUR_MS > now) return oldest + HOUR_MS;
    }
    // The next unused slot, but none already past: a late timer skips slots rather than catching up.
    const slot = Math.max(this.lastSlot + 1, this.slotAtOrBefore(slotRef));
    const slotTime = this.timeOf(slot);
    if (slotTime > slotRef) return Math.max(slotTime, now + 1);
    this.lastSlot = slot;
    this.hourRing[this.hourHead] = now;
    this.hourHead = (this.hourHead + 1) % this.opts.perHour;
    this.hourCount = Math.min(this.hourCount + 1, this.opts.perHour);
    return 0;
  }

  private slotAtOrBefore(t: number): number {
    const second = Math.floor(t / 1000);
    const within = Math.min(this.slotsPerSecond - 1, Math.floor(((t - second * 1000) * this.slotsPerSecond) / 1000));
    return second * this.slotsPerSecond + within;
  }

  private timeOf(slot: number): number {
    const second = Math.floor(slot / this.slotsPerSecond);
    return second * 1000 + Math.ceil(((slot - second * this.slotsPerSecond) * 1000) / this.slotsPerSecond);
  }

  private pumpScheduled = false;

  /** A pump after the event loop has read what arrived (setImmediate runs after I/O). */
  private pumpSoon(firedAt?: number): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump(firedAt);
    });
  }

  private wakeAt(at: number, now: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      // Let the event loop read what has arrived first (timers run before I/O): a 429 already in the
      // socket then closes the window before this slot is given out. The slot is the timer's, so a
      // long read does not cost it.
      this.pumpSoon(this.now());
    }, Math.max(1, at - now));
  }
}
