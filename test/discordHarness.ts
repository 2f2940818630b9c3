import pino from 'pino';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../config';
import { GatewayListener } from '../gateway/listener';
import { DiscordClient } from '../integrations/discord';
import { generateDemoDiscordServer, startDiscordStandin, type DiscordStandin, type DiscordStandinOptions } from '../standins/discord';
import { freshGuild } from './db';
import { startTestWorkers, testTemporalClient, type TestWorkers } from './temporal';

export const BOT_TOKEN = 'test-bot-token';

export interface DiscordHarness {
  standin: DiscordStandin;
  discord: DiscordClient;
  guild: Awaited<ReturnType<typeof freshGuild>>;
  config: Config;
  workers: TestWorkers;
  /** A gateway listener on this test's queues (stopped by close()). */
  listener(opts?: { reconcileOnReady?: boolean }): GatewayListener;
  close(): Promise<void>;
}

/**
 * The Discord stand-in with a generated server, a DiscordClient on it, real Temporal workers on
 * fresh queues and a guild of its own in the test database.
 */
export async function startDiscordHarness(
  knex: Knex,
  opts: { size?: number; standin?: Partial<DiscordStandinOptions>; timeoutMs?: number } = {},
): Promise<DiscordHarness> {
  const server = generateDemoDiscordServer({ size: opts.size ?? 60 });
  const standin = await startDiscordStandin({ server, botToken: BOT_TOKEN, port: 0, ...opts.standin });
  const discord = new DiscordClient({ botToken: BOT_TOKEN, apiUrl: standin.apiUrl, timeoutMs: opts.timeoutMs ?? 2_000, maxRateLimitWaitMs: 5_000 });
  const guild = await freshGuild(knex, 'discord');
  const base = loadConfig(process.env);
  const config: Config = {
    ...base,
    guild: { realmSlug: guild.realmSlug, nameSlug: guild.nameSlug, key: guild.key },
    discord: { ...base.discord, demo: true, botToken: BOT_TOKEN, guildId: server.guildId, apiUrl: standin.apiUrl, auditChannelId: server.auditChannelId, timeoutMs: opts.timeoutMs ?? 2_000 },
  };
  const workers = await startTestWorkers({ knex, discord });
  // The listener has its own connection, as its own process would: it outlives stopped workers.
  const temporal = await testTemporalClient();
  const listeners: GatewayListener[] = [];
  return {
    standin,
    discord,
    guild,
    config,
    workers,
    listener(lopts = {}) {
      const l = new GatewayListener({
        config,
        guildId: guild.id,
        knex,
        temporal: temporal.client,
        logger: pino({ level: 'silent' }),
        taskQueues: workers.taskQueues,
        statusEveryMs: 500,
        backoffMs: { first: 200, max: 2_000 },
        reconcileOnReady: lopts.reconcileOnReady ?? false,
      });
      listeners.push(l);
      return l;
    },
    async close() {
      for (const l of listeners) await l.stop().catch(() => undefined);
      await workers.shutdown();
      await temporal.close();
      await standin.close();
    },
  };
}

/** Polls until `check` resolves truthy, within `ms`; the error says what was awaited. */
export async function eventually<T>(check: () => Promise<T>, ms: number, what: string): Promise<T> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
