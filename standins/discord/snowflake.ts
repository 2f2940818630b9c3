/**
 * Discord snowflakes: 64-bit ids, milliseconds since the Discord epoch in the top 42 bits, then
 * worker (5), process (5) and an increment (12). They travel as decimal strings; ordering is by
 * numeric value, which equals string order only for ids of the same length, so compare with BigInt.
 */

export const DISCORD_EPOCH_MS = 1_420_070_400_000;

export function snowflakeAt(ms: number, increment = 0, worker = 1, processId = 0): string {
  const time = BigInt(Math.max(0, Math.floor(ms) - DISCORD_EPOCH_MS));
  const id = (time << 22n) | (BigInt(worker & 31) << 17n) | (BigInt(processId & 31) << 12n) | BigInt(increment & 0xfff);
  return id.toString();
}

/** Epoch milliseconds at which the snowflake was made. */
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH_MS;
}

export function isSnowflake(value: string): boolean {
  if (!/^\d{1,20}$/.test(value)) return false;
  return BigInt(value) < 1n << 64n;
}

/** Numeric order of two snowflakes (negative, zero, positive). */
export function compareSnowflakes(a: string, b: string): number {
  // Same length: string order is numeric order, and it avoids BigInt allocations when sorting 10k ids.
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Hands out increasing snowflakes for things made now (messages, sessions): never two alike. */
export class SnowflakeClock {
  private lastMs = 0;
  private increment = 0;

  constructor(private readonly worker = 1) {}

  next(now = Date.now()): string {
    if (now <= this.lastMs) {
      this.increment += 1;
      if (this.increment > 0xfff) {
        this.lastMs += 1;
        this.increment = 0;
      }
    } else {
      this.lastMs = now;
      this.increment = 0;
    }
    return snowflakeAt(this.lastMs, this.increment, this.worker);
  }
}

/** Discord's timestamp format: microseconds and an explicit offset, `2021-03-04T18:22:11.123000+00:00`. */
export function discordTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000+00:00');
}
