import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { HOME_ROUND_TRIP } from '../standins/blizzard/faults';
import type { RosterSyncResult } from '../workflows/shared';
import { guildIdOf, startHarness, type Harness } from './blizzardHarness';
import { testKnex } from './db';

/**
 * The roster sync under Blizzard's window (per client id and calendar second, the rest of the
 * second refused after a 429), on real Temporal and PostgreSQL. Counts come from the stand-in's
 * own per-second log.
 */

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

/** Runs a sync and returns its result with the number of activity attempts that failed. */
async function syncWithHistory(h: Harness): Promise<{ result: RosterSyncResult; failedAttempts: number }> {
  const handle = await h.workers.client.workflow.start('guildRosterSync', {
    workflowId: `test-roster-window-${randomUUID()}`,
    taskQueue: h.workers.taskQueues.main,
    args: [h.input],
  });
  const result = (await handle.result()) as RosterSyncResult;
  const events = (await handle.fetchHistory()).events ?? [];
  // A failed attempt is not in the history itself, only its retry count on the next start.
  const failedAttempts = events.reduce((n, e) => n + Math.max(0, (e.activityTaskStartedEventAttributes?.attempt ?? 1) - 1), 0);
  return { result, failedAttempts };
}

describe('a /status check', () => {
  it.each([
    ['a 429 then a 503', [429, 503] as const],
    ['a 502', [502] as const],
  ])('that meets %s is retried, and the 404 reason is kept', async (_label, statuses) => {
    const h = await startHarness(knex, { size: 20 });
    try {
      const victim = h.standin.guild.characters.find((c) => c.rank === 3)!;
      h.standin.setFaults({
        notFound: [`${victim.name.toLowerCase()}-${victim.realm.slug}`],
        nextAnswers: statuses.map((status) => ({ endpoint: 'status' as const, status })),
      });
      const { result, failedAttempts } = await syncWithHistory(h);
      expect(result.counts).toMatchObject({ fetched: 20, unavailable: 1 });
      const row = await knex('wow_characters').where({ guild_id: await guildIdOf(knex, h), blizzard_character_id: victim.id }).first();
      expect(row).toMatchObject({ profile_status: 'unavailable', in_guild: true });
      expect(row.unavailable_reason).toMatch(/but the character exists/);
      const stats = h.standin.stats();
      expect(stats.byEndpoint.status).toBe(statuses.length + 1);
      expect(stats.byEndpoint.profile).toBe(20);
      expect(stats.sentIntoOpenWindow).toBe(0);
      // Retried by the client on its own: no batch failed for it.
      expect(failedAttempts).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('a sync with injected 429s and a home round trip', () => {
  it.each([
    ['with Retry-After', true],
    ['without Retry-After', false],
  ])('%s: nothing sent into an open window, no batch failed, exact counts', async (_label, retryAfter) => {
    const h = await startHarness(knex, { size: 60, batchSize: 15, faults: { rateLimitRate: 0.05, ...HOME_ROUND_TRIP } });
    try {
      h.standin.setLimits({ retryAfter });
      const { result, failedAttempts } = await syncWithHistory(h);
      expect(result.counts).toMatchObject({ fetched: 60, new: 60, unavailable: 0 });
      const stats = h.standin.stats();
      expect(stats.status429By.injected).toBeGreaterThan(0);
      expect(stats.status429By.over_limit).toBe(0);
      expect(stats.sentIntoOpenWindow).toBe(0);
      const log = h.standin.secondsLog();
      expect(log.filter((r) => r.sentIntoOpenWindow > 0)).toEqual([]);
      expect(Math.max(...log.map((r) => r.requests))).toBeLessThanOrEqual(100);
      expect(h.blizzard.stats()).toMatchObject({ sentIntoOpenWindow: 0, rateLimited: stats.status429 });
      // Only the refused requests went again: 60 profiles, the roster, and one more per 429.
      expect(stats.byEndpoint.profile + stats.byEndpoint.roster).toBe(61 + stats.status429);
      expect(failedAttempts).toBe(0);
    } finally {
      await h.close();
    }
  });
});
