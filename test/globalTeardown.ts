/** Stops what globalSetup started (it runs in the same process, so the handles are still here). */
export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __pattStops?: (() => Promise<void>)[] }).__pattStops ?? [];
  for (const stop of stops.reverse()) await stop();
}
