import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../config';
import { createRosterSyncControl } from '../temporal/rosterSyncControl';
import { describeRosterSchedule, ensureRosterSchedule } from '../temporal/schedules';
import { rosterSyncProgressQuery, rosterSyncScheduleId } from '../workflows/shared';
import { startHarness } from './blizzardHarness';
import { testKnex } from './db';
import { testTemporalClient } from './temporal';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

const configFor = (nameSlug: string): Config =>
  loadConfig({ PATT_GUILD_NAME_SLUG: nameSlug, PROFILE_BATCH_SIZE: '5', TEMPORAL_UI_URL: 'http://localhost:8233' });

describe('the roster schedule', () => {
  it('is created four times a day with overlap SKIP, and an officer’s pause survives the next start', async () => {
    const { client, close } = await testTemporalClient();
    const config = configFor(`sched-${randomUUID().slice(0, 8)}`);
    const queues = { main: `unused-${randomUUID()}`, blizzard: `unused-${randomUUID()}` };
    try {
      const created = await ensureRosterSchedule(client, config, queues);
      expect(created).toMatchObject({ paused: false, scheduleId: rosterSyncScheduleId(config.guild.key) });
      const handle = client.schedule.getHandle(created.scheduleId);
      const described = await handle.describe();
      expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      expect(described.spec.calendars?.[0]?.hour).toEqual([0, 6, 12, 18].map((h) => ({ start: h, end: h, step: 1 })));
      const next = new Date(created.nextRunAt!);
      expect([0, 6, 12, 18]).toContain(next.getUTCHours());

      await handle.pause('Paused by Mike for maintenance');
      const again = await ensureRosterSchedule(client, config, queues);
      expect(again.paused).toBe(true);
      expect(again.note).toBe('Paused by Mike for maintenance');
      expect((await describeRosterSchedule(client, config))?.paused).toBe(true);
      await handle.delete();
    } finally {
      await close();
    }
  });
});

describe('"sync now" while a sync is running', () => {
  it('returns the running sync instead of starting a second one', async () => {
    const h = await startHarness(knex, { size: 40, faults: { latencyMs: 100 }, batchSize: 5 });
    try {
      const config = configFor(h.input.guild.nameSlug);
      const control = createRosterSyncControl(h.workers.client, config, h.workers.taskQueues);
      const first = await control.trigger();
      expect(first.alreadyRunning).toBe(false);
      expect(first.temporalUiUrl).toContain(`/workflows/${encodeURIComponent(first.workflowId)}/${first.runId}`);
      // Visibility catches up within a moment; the workflow id alone already collapses duplicates.
      const [second, third] = await Promise.all([control.trigger(), control.trigger()]);
      expect(second.runId).toBe(first.runId);
      expect(third.runId).toBe(first.runId);
      const running = await control.running();
      expect(running?.runId).toBe(first.runId);

      await h.workers.client.workflow.getHandle(first.workflowId, first.runId).result();
      const runs = await knex('sync_runs').join('guilds', 'guilds.id', 'sync_runs.guild_id').where('guilds.key', h.guildKey).select('sync_runs.status');
      expect(runs).toEqual([{ status: 'succeeded' }]);
    } finally {
      await h.close();
    }
  });

  it('lets a scheduled run that collides with a manual one end as skipped, recording nothing', async () => {
    const h = await startHarness(knex, { size: 30, faults: { latencyMs: 100 }, batchSize: 5 });
    try {
      const manual = await h.workers.client.workflow.start('guildRosterSync', { workflowId: `manual-${randomUUID()}`, taskQueue: h.workers.taskQueues.main, args: [h.input] });
      // Wait until the manual run holds the guild's sync run (its progress names the row).
      let holder: number | null = null;
      for (let i = 0; i < 300 && holder === null; i++) {
        holder = (await manual.query(rosterSyncProgressQuery)).syncRunId;
        if (holder === null) await new Promise((r) => setTimeout(r, 100));
      }
      expect(holder).not.toBeNull();
      const collided = await h.sync();
      expect(collided).toMatchObject({ status: 'skipped', syncRunId: null });
      expect(collided.reason).toMatch(/already running/);
      expect((await manual.result()).status).toBe('succeeded');
    } finally {
      await h.close();
    }
  });
});
