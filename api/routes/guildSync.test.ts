import request from 'supertest';
import type { Knex } from 'knex';
import { ServiceError } from '@temporalio/client';
import { testKnex } from '../../test/db';
import { DISCORD_SCHEDULE, SCHEDULE, TRIGGERED, fakeRosterSync, testApi } from '../../test/apiApp';
import { recordGatewayStatus } from '../../db/operations/discordSync/gatewayStatus';

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

describe('the Discord side of the status', () => {
  it('shows the last reconcile, member counts, the reconcile schedule and whether the listener is connected', async () => {
    const api = await testApi(knex);
    const okId = await seedRun(api.guild.id, 'discord_reconcile', 'succeeded', '2026-11-24T12:00:00Z', { pages: 1, rowsWritten: 0 });
    await knex('discord_members').insert([
      { guild_id: api.guild.id, discord_user_id: '104536712985001001', username: 'trog', role_ids: [] },
      { guild_id: api.guild.id, discord_user_id: '104536712985001002', username: 'gone', departed_at: new Date() },
      { guild_id: api.guild.id, discord_user_id: '104536712985001003', username: 'carl-bot', is_bot: true },
    ]);
    await recordGatewayStatus(knex, { guildId: api.guild.id, discordGuildId: '104536712985000000', update: { kind: 'connected', botUser: 'PATT Sync#0420' } });
    await recordGatewayStatus(knex, { guildId: api.guild.id, discordGuildId: '104536712985000000', update: { kind: 'event', at: new Date('2026-11-24T12:30:00Z') } });

    const key = await api.mintKey(['read']);
    const res = await request(api.server).get(STATUS).set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(200);
    expect(res.body.discord).toMatchObject({
      demo: true,
      lastReconcile: { id: okId, status: 'succeeded', counts: { pages: 1, rowsWritten: 0 } },
      schedule: DISCORD_SCHEDULE,
      members: { present: 2, departed: 1, bots: 1, withoutGuildRole: 1 },
      listener: { connected: true, botUser: 'PATT Sync#0420', lastEventAt: '2026-11-24T12:30:00.000Z', eventsReceived: 1 },
    });
    expect(res.body.runs.discord_reconcile.id).toBe(okId);
  });

  it('says the listener has never run when it has not', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['read']);
    const res = await request(api.server).get(STATUS).set('Authorization', `Bearer ${key}`);
    expect(res.body.discord.listener).toMatchObject({ connected: false, lastEventAt: null });
    expect(res.body.discord.listener.detail).toMatch(/never run/);
    expect(res.body.discord.lastReconcile).toBeNull();
  });
});

describe('POST /api/guild-sync/discord/trigger', () => {
  it('starts a reconcile with a sync:trigger key and refuses a read-only key', async () => {
    const api = await testApi(knex);
    const readOnly = await api.mintKey(['read']);
    expect((await request(api.server).post('/api/guild-sync/discord/trigger').set('Authorization', `Bearer ${readOnly}`)).status).toBe(403);
    expect(api.discordSync.triggerCalls).toBe(0);
    const key = await api.mintKey(['sync:trigger']);
    const res = await request(api.server).post('/api/guild-sync/discord/trigger').set('Authorization', `Bearer ${key}`).send({});
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(STATUS);
    expect(res.body).toMatchObject({ workflowId: 'discord-reconcile-us-senjin-test', runId: 'run-d' });
    expect(api.discordSync.triggerCalls).toBe(1);
  });
});
