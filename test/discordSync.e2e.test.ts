import type { Knex } from 'knex';
import { GatewaySetupError } from '../gateway/listener';
import { discordReconcileInput } from '../temporal/schedules';
import { discordReconcileWorkflowId, type DiscordReconcileResult } from '../workflows/shared';
import { testKnex } from './db';
import { eventually, startDiscordHarness, type DiscordHarness } from './discordHarness';

/**
 * The Discord side end to end: the real discord.js client and @discordjs/rest against the stand-in,
 * real Temporal workers, real PostgreSQL.
 */
let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

let h: DiscordHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

let runSeq = 0;
async function reconcile(harness: DiscordHarness): Promise<DiscordReconcileResult> {
  return harness.workers.client.workflow.execute('discordReconcile', {
    workflowId: `${discordReconcileWorkflowId(harness.guild.key)}-test-${runSeq++}`,
    taskQueue: harness.workers.taskQueues.main,
    args: [discordReconcileInput(harness.config, harness.workers.taskQueues)],
    workflowExecutionTimeout: '2 minutes',
  });
}

const memberRow = (guildId: number, userId: string) =>
  knex('discord_members').where({ guild_id: guildId, discord_user_id: userId }).first();

describe('Discord reconcile', () => {
  it('pages through 2,500 members into the database, and a second pass writes nothing', async () => {
    h = await startDiscordHarness(knex, { size: 2_500 });
    const first = await reconcile(h);
    expect(first.status).toBe('succeeded');
    expect(first.counts).toMatchObject({ pages: 3, members: { seen: 2_500, new: 2_500, departed: 0 } });
    expect(h.standin.stats().memberPagesServed).toBe(3);

    const rows = await knex('discord_members').where({ guild_id: h.guild.id }).select('discord_user_id', 'is_bot', 'role_ids', 'nickname', 'global_name', 'username');
    expect(rows).toHaveLength(2_500);
    expect(new Set(rows.map((r) => r.discord_user_id))).toEqual(new Set(h.standin.server.members.keys()));
    // Bots are flagged; roles are kept by id.
    const bots = [...h.standin.server.members.values()].filter((m) => m.user.bot).map((m) => m.user.id);
    expect(rows.filter((r) => r.is_bot).map((r) => r.discord_user_id).sort()).toEqual(bots.sort());
    const trog = [...h.standin.server.members.values()].find((m) => m.user.username.toLowerCase() === 'trog')!;
    expect((await memberRow(h.guild.id, trog.user.id)).role_ids).toEqual(expect.arrayContaining([h.standin.server.rankRoleIds[0]]));
    const roles = await knex('discord_roles').where({ guild_id: h.guild.id }).whereNotNull('guild_rank').orderBy('guild_rank').select('name');
    expect(roles.map((r) => r.name)).toEqual(['GM', 'Officer', 'Veteran', 'Member', 'Initiate']);

    const before = await knex('discord_members').where({ guild_id: h.guild.id }).max('updated_at as at').first();
    const second = await reconcile(h);
    expect(second.counts).toMatchObject({ rowsWritten: 0, members: { unchanged: 2_500, new: 0, changed: 0, departed: 0 } });
    expect(await knex('discord_members').where({ guild_id: h.guild.id }).max('updated_at as at').first()).toEqual(before);
    const status = await knex('sync_runs').where({ id: second.syncRunId! }).first('status', 'kind');
    expect(status).toEqual({ status: 'succeeded', kind: 'discord_reconcile' });
  });

  it('picks up a member who joined while the listener was down, and marks one who left as departed', async () => {
    h = await startDiscordHarness(knex);
    await reconcile(h);
    const leaver = [...h.standin.server.members.values()].find((m) => !m.user.bot && m.roles.length > 0)!;
    const newcomer = h.standin.addMemberSilently({ username: 'quietjoiner', globalName: 'Quiet Joiner', roles: [h.standin.server.rankRoleIds[3]!] });
    h.standin.removeMemberSilently(leaver.user.id);

    const result = await reconcile(h);
    expect(result.counts).toMatchObject({ members: { new: 1, departed: 1 }, events: { join: 1, leave: 1 } });
    expect(await memberRow(h.guild.id, newcomer.user.id)).toMatchObject({ username: 'quietjoiner', departed_at: null, role_ids: [h.standin.server.rankRoleIds[3]] });
    const gone = await memberRow(h.guild.id, leaver.user.id);
    expect(gone.departed_at).toBeInstanceOf(Date);
    const leave = await knex('discord_member_events').where({ discord_member_id: gone.id, kind: 'leave' }).first('details', 'source');
    expect(leave).toEqual({ details: { roleIds: [...leaver.roles].sort() }, source: 'reconcile' });
  });

  it('fails with what to do when the bot may not list members (Server Members intent off), changing nothing', async () => {
    h = await startDiscordHarness(knex, { standin: { serverMembersIntentEnabled: false } });
    await expect(reconcile(h)).rejects.toMatchObject({ cause: { cause: { message: expect.stringMatching(/Server Members intent/) } } });
    expect(await knex('discord_members').where({ guild_id: h.guild.id }).count('* as n')).toEqual([{ n: 0 }]);
    const run = await knex('sync_runs').where({ guild_id: h.guild.id, kind: 'discord_reconcile' }).first('status', 'error');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/Privileged Gateway Intents/);
  });
});

describe('the gateway listener', () => {
  it('turns live joins, role changes and leaves into database rows through Temporal within seconds', async () => {
    h = await startDiscordHarness(knex);
    const listener = h.listener();
    await listener.start({ failFast: true });
    expect(listener.connected).toBe(true);

    const joined = h.standin.addMember({ username: 'freshface', globalName: 'Fresh Face', nick: 'Freshface', roles: [h.standin.server.rankRoleIds[4]!] });
    const row = await eventually(() => memberRow(h!.guild.id, joined.user.id), 10_000, 'the join to reach the database');
    expect(row).toMatchObject({ username: 'freshface', nickname: 'Freshface', role_ids: [h.standin.server.rankRoleIds[4]], departed_at: null });

    h.standin.setMemberRoles(joined.user.id, [h.standin.server.rankRoleIds[3]!]);
    await eventually(async () => (await memberRow(h!.guild.id, joined.user.id)).role_ids[0] === h!.standin.server.rankRoleIds[3], 10_000, 'the role change');

    h.standin.removeMember(joined.user.id);
    const gone = await eventually(async () => {
      const r = await memberRow(h!.guild.id, joined.user.id);
      return r.departed_at ? r : null;
    }, 10_000, 'the leave');
    const events = await knex('discord_member_events').where({ discord_member_id: gone.id }).orderBy('id').select('kind', 'details', 'source');
    expect(events).toEqual([
      { kind: 'join', details: { rejoined: false, roleIds: [h.standin.server.rankRoleIds[4]] }, source: 'gateway' },
      { kind: 'roles_changed', details: { added: [h.standin.server.rankRoleIds[3]], removed: [h.standin.server.rankRoleIds[4]] }, source: 'gateway' },
      { kind: 'leave', details: { roleIds: [h.standin.server.rankRoleIds[3]] }, source: 'gateway' },
    ]);
    const status = await knex('discord_gateway_status').where({ guild_id: h.guild.id }).first();
    expect(status).toMatchObject({ connected: true, events_received: 3 });
  });

  it('resumes after a dropped connection and still delivers an event sent while it was cut off', async () => {
    h = await startDiscordHarness(knex);
    const listener = h.listener();
    await listener.start({ failFast: true });
    h.standin.dropGatewayConnections();
    const joined = h.standin.addMember({ username: 'duringthedrop', roles: [] });
    await eventually(() => memberRow(h!.guild.id, joined.user.id), 15_000, 'the event sent during the drop');
    expect(h.standin.stats().resumes).toBeGreaterThanOrEqual(1);
    expect(h.standin.stats().identifies).toBe(1);
    await eventually(async () => listener.connected, 5_000, 'the listener to say it is connected again');
  });

  it('catches up with a reconcile when a session cannot be resumed and events from the gap are lost', async () => {
    h = await startDiscordHarness(knex);
    const listener = h.listener({ reconcileOnReady: true });
    await listener.start({ failFast: true });
    const reconciles = () => knex('sync_runs').where({ guild_id: h!.guild.id, kind: 'discord_reconcile', status: 'succeeded' }).count('* as n').first();
    await eventually(async () => (await reconciles())?.n === 1, 15_000, 'the reconcile after the first READY');

    // Discord ends the session (4009): what happened meanwhile is never replayed.
    const missed = h.standin.addMemberSilently({ username: 'joinedinthegap', roles: [] });
    h.standin.closeGatewayConnections(4009);
    await eventually(async () => (await reconciles())?.n === 2, 30_000, 'the reconcile after the new session');
    expect(await memberRow(h.guild.id, missed.user.id)).toMatchObject({ username: 'joinedinthegap', departed_at: null });
    expect(h.standin.stats().identifies).toBe(2);
  });

  it('keeps events while no worker runs and applies them when one returns', async () => {
    h = await startDiscordHarness(knex);
    const listener = h.listener();
    await listener.start({ failFast: true });
    await h.workers.shutdown();

    const joined = h.standin.addMember({ username: 'whileworkerdown', roles: [h.standin.server.rankRoleIds[3]!] });
    await eventually(async () => listener.pendingEvents === 0 && (await knex('discord_gateway_status').where({ guild_id: h!.guild.id }).first()).events_received === 1, 5_000, 'the event to be handed to Temporal');
    expect(await memberRow(h.guild.id, joined.user.id)).toBeUndefined();

    const { startTestWorkers } = await import('./temporal');
    const { DiscordClient } = await import('../integrations/discord');
    // Workers on the same queues, as a restarted worker process would poll.
    const again = await startTestWorkers({ knex, discord: new DiscordClient({ botToken: 'unused', apiUrl: h.standin.apiUrl, timeoutMs: 1000 }), taskQueues: h.workers.taskQueues });
    try {
      const row = await eventually(() => memberRow(h!.guild.id, joined.user.id), 15_000, 'the event to be applied once a worker is back');
      expect(row.role_ids).toEqual([h.standin.server.rankRoleIds[3]]);
    } finally {
      await again.shutdown();
    }
  });

  it('says the Server Members intent is missing, and how to turn it on, when Discord refuses it', async () => {
    h = await startDiscordHarness(knex, { standin: { serverMembersIntentEnabled: false } });
    const listener = h.listener();
    const failure = listener.start({ failFast: true });
    await expect(failure).rejects.toBeInstanceOf(GatewaySetupError);
    await expect(failure).rejects.toThrow(/Server Members Intent.*Privileged Gateway Intents/);
  });
});
