import request from 'supertest';
import type { Knex } from 'knex';
import { ServiceError } from '@temporalio/client';
import { testKnex } from '../../test/db';
import { SCHEDULE, TRIGGERED, fakeRosterSync, testApi } from '../../test/apiApp';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

const STATUS = '/api/guild-sync/status';
const TRIGGER = '/api/guild-sync/blizzard/trigger';
let seq = 0;

async function seedRun(
  guildId: number,
  kind: string,
  status: string,
  startedAt: string,
  counts: Record<string, unknown> = {},
  error: string | null = null,
): Promise<number> {
  const runId = `status-test-${process.pid}-${Date.now()}-${seq++}`;
  const [row] = await knex('sync_runs')
    .insert({
      guild_id: guildId,
      kind,
      workflow_id: `wf-${kind}`,
      temporal_run_id: runId,
      status,
      counts,
      error,
      started_at: startedAt,
      finished_at: status === 'running' ? null : startedAt,
    })
    .returning('id');
  return row.id as number;
}

describe('POST /api/guild-sync/blizzard/trigger', () => {
  it('starts a sync: 202 with workflowId, runId, temporalUiUrl and a Location to the status', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['sync:trigger']);
    const res = await request(api.server).post(TRIGGER).set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual(TRIGGERED);
    expect(res.headers.location).toBe(STATUS);
    expect(api.rosterSync.triggerCalls).toBe(1);
  });

  it('passes alreadyRunning through with the same 202, and starts nothing else', async () => {
    const running = { ...TRIGGERED, runId: 'run-already', alreadyRunning: true };
    const api = await testApi(knex, { rosterSync: fakeRosterSync({ trigger: async () => running }) });
    const key = await api.mintKey(['sync:trigger']);
    const res = await request(api.server).post(TRIGGER).set('Authorization', `Bearer ${key}`).send({});
    expect(res.status).toBe(202);
    expect(res.body).toEqual(running);
    expect(api.rosterSync.triggerCalls).toBe(1);
  });

  it('answers 503 TEMPORAL_UNAVAILABLE when Temporal cannot be reached', async () => {
    const rosterSync = fakeRosterSync({
      trigger: async () => {
        throw new ServiceError('Failed to connect before the deadline');
      },
    });
    const api = await testApi(knex, { rosterSync });
    const key = await api.mintKey(['sync:trigger']);
    const res = await request(api.server).post(TRIGGER).set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('TEMPORAL_UNAVAILABLE');
    expect(res.body.error.message).toContain('npm start');
  });
});

describe('GET /api/guild-sync/status', () => {
  it('shows the latest finished run per kind with its counts, the last success after a failure, and the running progress', async () => {
    const progress = {
      phase: 'fetching_profiles' as const,
      syncRunId: 77,
      membersTotal: 150,
      membersProcessed: 40,
      batchesTotal: 2,
      batchesDone: 0,
    };
    const running = { workflowId: 'roster-sync-x', runId: 'run-now', temporalUiUrl: 'http://ui/run-now', progress };
    const api = await testApi(knex, { rosterSync: fakeRosterSync({ running: async () => running }) });
    const g = api.guild.id;
    const okId = await seedRun(g, 'blizzard_roster', 'succeeded', '2026-11-20T00:00:00Z', { fetched: 150, new: 3 });
    await seedRun(g, 'blizzard_roster', 'succeeded', '2026-11-19T00:00:00Z', { fetched: 1 });
    const failedId = await seedRun(g, 'blizzard_roster', 'failed', '2026-11-21T00:00:00Z', { fetched: 20 }, 'Blizzard 503');
    await seedRun(g, 'blizzard_roster', 'skipped', '2026-11-21T06:00:00Z');
    await seedRun(g, 'blizzard_roster', 'running', '2026-11-21T12:00:00Z');
    const auditId = await seedRun(g, 'audit', 'succeeded', '2026-11-20T01:00:00Z', { issues: 4 });
    // Another guild's newer run must not show.
    const other = await testApi(knex, { label: 'other' });
    await seedRun(other.guild.id, 'blizzard_roster', 'succeeded', '2026-11-22T00:00:00Z', { fetched: 999 });

    const key = await api.mintKey(['read']);
    const res = await request(api.server).get(STATUS).set('Authorization', `Bearer ${key}`);

    expect(res.status).toBe(200);
    expect(res.body.guild).toEqual({ key: api.guild.key, realmSlug: 'senjin', nameSlug: api.guild.nameSlug });
    const roster = res.body.runs.blizzard_roster;
    expect(roster).toMatchObject({
      id: failedId,
      status: 'failed',
      counts: { fetched: 20 },
      error: 'Blizzard 503',
      startedAt: '2026-11-21T00:00:00.000Z',
      workflowId: 'wf-blizzard_roster',
    });
    expect(roster.temporalUiUrl).toContain(encodeURIComponent(roster.temporalRunId));
    expect(roster.lastSucceeded).toMatchObject({ id: okId, status: 'succeeded', counts: { fetched: 150, new: 3 } });
    expect(res.body.runs.audit).toMatchObject({ id: auditId, counts: { issues: 4 } });
    expect(res.body.runs.audit).not.toHaveProperty('lastSucceeded');
    expect(res.body.running).toEqual(running);
    expect(res.body.schedule).toEqual(SCHEDULE);
    expect(res.body.temporal).toBe('ok');
  });

  it('lists blizzard_roster as null before any run', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['read']);
    const res = await request(api.server).get(STATUS).set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(200);
    expect(res.body.runs).toEqual({ blizzard_roster: null });
    expect(res.body.running).toBeNull();
  });

  it('still answers from the database when Temporal is unreachable', async () => {
    const down = async () => {
      throw new Error('14 UNAVAILABLE: No connection established');
    };
    const api = await testApi(knex, { rosterSync: fakeRosterSync({ running: down, schedule: down }) });
    await seedRun(api.guild.id, 'blizzard_roster', 'succeeded', '2026-11-20T00:00:00Z', { fetched: 150 });
    const key = await api.mintKey(['read']);
    const res = await request(api.server).get(STATUS).set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schedule: null, running: null, temporal: 'unreachable' });
    expect(res.body.runs.blizzard_roster.counts).toEqual({ fetched: 150 });
  });
});
