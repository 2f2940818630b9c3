import type { EventEmitter } from 'node:events';

/**
 * Waiting helpers for tests against the stand-in. A broken gateway makes discord.js reconnect
 * forever instead of failing, so every wait has its own deadline and says what it waited for.
 */

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The next `event` whose arguments pass `accept`, within `ms`. */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  ms: number,
  accept: (...args: A) => boolean = () => true,
): Promise<A> {
  let listener: ((...args: A) => void) | undefined;
  const seen = new Promise<A>((resolve) => {
    listener = (...args: A) => {
      if (accept(...args)) resolve(args);
    };
    emitter.on(event, listener as (...args: unknown[]) => void);
  });
  return withTimeout(seen, ms, `the ${event} event`).finally(() => emitter.off(event, listener as (...args: unknown[]) => void));
}

/** Polls `check` until it returns true, within `ms`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
