import type { Knex } from 'knex';
import type { DiscordMemberSnapshot } from '../../../core/discord/types';
import { freshGuild, testKnex } from '../../../test/db';
import { beginSyncRun } from '../syncRuns/beginSyncRun';
import { discordSyncStatus } from './discordSyncStatus';
import { recordGatewayStatus } from './gatewayStatus';
import { DiscordReconcileSafetyError, markMissingMembersDeparted } from './markMissingMembersDeparted';
import { recordMemberLeft } from './recordMemberLeft';
import { recordMembersPresent } from './recordMembersPresent';
import { upsertDiscordRoles } from './upsertDiscordRoles';

const SERVER = '1045367129850000000';
const ROLE = { gm: '1045367129850000001', officer: '1045367129850000002', member: '1045367129850000004' };
const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 12, minute));
const member = (n: number, over: Partial<DiscordMemberSnapshot> = {}): DiscordMemberSnapshot => ({
  userId: `10453671298500${String(10_000 + n)}`,
  username: `player${n}`,
  globalName: `Player ${n}`,
  nickname: null,
  isBot: false,
  roleIds: [ROLE.member],
  joinedAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

async function eventsOf(guildId: number) {
  return knex('discord_member_events as e')
    .join('discord_members as m', 'm.id', 'e.discord_member_id')
    .where({ 'e.guild_id': guildId })
    .orderBy('e.id')
    .select('m.discord_user_id as userId', 'e.kind', 'e.details', 'e.source');
}

describe('Discord member records', () => {
  it('records newcomers once; the same members seen again write nothing', async () => {
    const g = await freshGuild(knex, 'dm-new');
    const first = await recordMembersPresent(knex, { guildId: g.id, members: [member(1), member(2)], observedAt: at(0), source: 'reconcile' });
    expect(first).toMatchObject({ new: 2, rowsWritten: 4, events: { join: 2 } });

    const before = await knex('discord_members').where({ guild_id: g.id }).select('id', 'updated_at');
    const again = await recordMembersPresent(knex, { guildId: g.id, members: [member(2), member(1)], observedAt: at(5), source: 'reconcile' });
    expect(again).toMatchObject({ unchanged: 2, rowsWritten: 0 });
    expect(await knex('discord_members').where({ guild_id: g.id }).select('id', 'updated_at')).toEqual(before);
    expect(await eventsOf(g.id)).toHaveLength(2);
  });

  it('keeps role and name changes as events, and never lets an older page undo a newer event', async () => {
    const g = await freshGuild(knex, 'dm-change');
    await recordMembersPresent(knex, { guildId: g.id, members: [member(1)], observedAt: at(0), source: 'reconcile' });
    // A live event at 12:10 promotes the member to Officer and sets a nickname.
    await recordMembersPresent(knex, { guildId: g.id, members: [member(1, { roleIds: [ROLE.officer], nickname: 'Zatañña' })], observedAt: at(10), source: 'gateway' });
    // A reconcile page fetched at 12:05 still shows the old state: it must not win.
    const stale = await recordMembersPresent(knex, { guildId: g.id, members: [member(1)], observedAt: at(5), source: 'reconcile' });
    expect(stale).toMatchObject({ stale: 1, rowsWritten: 0 });

    const row = await knex('discord_members').where({ guild_id: g.id }).first();
    expect(row).toMatchObject({ role_ids: [ROLE.officer], nickname: 'Zatañña', departed_at: null });
    expect((await eventsOf(g.id)).map((e) => [e.kind, e.source, e.details])).toEqual([
      ['join', 'reconcile', { rejoined: false, roleIds: [ROLE.member] }],
      ['roles_changed', 'gateway', { added: [ROLE.officer], removed: [ROLE.member] }],
      ['renamed', 'gateway', { from: { username: 'player1', globalName: 'Player 1', nickname: null }, to: { username: 'player1', globalName: 'Player 1', nickname: 'Zatañña' } }],
    ]);
  });

  it('marks a leaver departed (the row stays), keeps their roles in the event, and a replayed leave changes nothing', async () => {
    const g = await freshGuild(knex, 'dm-leave');
    await recordMembersPresent(knex, { guildId: g.id, members: [member(1, { roleIds: [ROLE.officer] })], observedAt: at(0), source: 'gateway' });
    const user = { userId: member(1).userId, username: 'player1', globalName: 'Player 1', isBot: false };
    expect(await recordMemberLeft(knex, { guildId: g.id, user, observedAt: at(1), source: 'gateway' })).toEqual({ outcome: 'departed', rowsWritten: 2 });
    expect(await recordMemberLeft(knex, { guildId: g.id, user, observedAt: at(1), source: 'gateway' })).toEqual({ outcome: 'already_departed', rowsWritten: 0 });

    const row = await knex('discord_members').where({ guild_id: g.id }).first();
    expect(row.departed_at).toEqual(at(1));
    expect(row.role_ids).toEqual([]);
    expect((await eventsOf(g.id)).map((e) => [e.kind, e.details])).toEqual([
      ['join', { rejoined: false, roleIds: [ROLE.officer] }],
      ['leave', { roleIds: [ROLE.officer] }],
    ]);

    // Coming back is a rejoin on the same row.
    const back = await recordMembersPresent(knex, { guildId: g.id, members: [member(1, { joinedAt: at(30).toISOString() })], observedAt: at(30), source: 'gateway' });
    expect(back).toMatchObject({ rejoined: 1 });
    expect(await knex('discord_members').where({ guild_id: g.id }).count('* as n')).toEqual([{ n: 1 }]);
  });

  it('records a leave from someone never seen, so the history is whole', async () => {
    const g = await freshGuild(knex, 'dm-unknown');
    const user = { userId: member(9).userId, username: 'drive-by', globalName: null, isBot: false };
    expect((await recordMemberLeft(knex, { guildId: g.id, user, observedAt: at(0), source: 'gateway' })).outcome).toBe('departed');
    expect(await knex('discord_members').where({ guild_id: g.id }).first('username', 'departed_at')).toEqual({ username: 'drive-by', departed_at: at(0) });
  });

  it('after a full pass, marks members it did not see as departed, except those a live event touched during the pass', async () => {
    const g = await freshGuild(knex, 'dm-missing');
    const run = await beginSyncRun(knex, { guildId: g.id, kind: 'discord_reconcile', workflowId: 'w', temporalRunId: `r-${g.id}` });
    if (!run.started) throw new Error('run not started');
    await recordMembersPresent(knex, { guildId: g.id, members: [member(1), member(2), member(3)], observedAt: at(0), source: 'reconcile' });
    // Member 3 joined live after the pass started (its page came before it joined).
    await recordMembersPresent(knex, { guildId: g.id, members: [member(3, { roleIds: [] })], observedAt: at(12), source: 'gateway' });

    const result = await markMissingMembersDeparted(knex, { guildId: g.id, seenUserIds: [member(1).userId], passStartedAt: at(10), syncRunId: run.syncRunId, now: at(15) });
    expect(result).toEqual({ departed: 1, rowsWritten: 2 });
    const rows = await knex('discord_members').where({ guild_id: g.id }).orderBy('discord_user_id').select('discord_user_id', 'departed_at');
    expect(rows.map((r) => r.departed_at)).toEqual([null, at(15), null]);
    expect(await markMissingMembersDeparted(knex, { guildId: g.id, seenUserIds: [member(1).userId], passStartedAt: at(10), syncRunId: run.syncRunId })).toEqual({ departed: 0, rowsWritten: 0 });
  });

  it('refuses an empty member list for a server with members, changing nothing', async () => {
    const g = await freshGuild(knex, 'dm-empty');
    await recordMembersPresent(knex, { guildId: g.id, members: [member(1)], observedAt: at(0), source: 'reconcile' });
    await expect(markMissingMembersDeparted(knex, { guildId: g.id, seenUserIds: [], passStartedAt: at(10), syncRunId: 0 })).rejects.toThrow(DiscordReconcileSafetyError);
    expect(await knex('discord_members').where({ guild_id: g.id }).whereNotNull('departed_at').count('* as n')).toEqual([{ n: 0 }]);
  });
});

describe('Discord roles and status', () => {
  it('writes roles once, maps them to ranks, marks deleted ones, and reports the Discord side', async () => {
    const g = await freshGuild(knex, 'dr');
    const roles = [
      { roleId: SERVER, name: '@everyone', position: 0, color: 0, managed: false },
      { roleId: ROLE.gm, name: 'GM', position: 5, color: 1, managed: false },
      { roleId: ROLE.officer, name: 'Officer', position: 4, color: 2, managed: false },
      { roleId: ROLE.member, name: 'Member', position: 2, color: 3, managed: false },
    ];
    expect(await upsertDiscordRoles(knex, { guildId: g.id, discordGuildId: SERVER, roles })).toMatchObject({ seen: 3, new: 3, rowsWritten: 3 });
    expect(await upsertDiscordRoles(knex, { guildId: g.id, discordGuildId: SERVER, roles })).toMatchObject({ rowsWritten: 0 });
    expect(await upsertDiscordRoles(knex, { guildId: g.id, discordGuildId: SERVER, roles: roles.slice(0, 3) })).toMatchObject({ deleted: 1, rowsWritten: 1 });
    expect(await knex('discord_roles').where({ guild_id: g.id }).orderBy('position', 'desc').select('name', 'guild_rank')).toEqual([
      { name: 'GM', guild_rank: 0 },
      { name: 'Officer', guild_rank: 1 },
      { name: 'Member', guild_rank: 3 },
    ]);

    await recordMembersPresent(knex, {
      guildId: g.id,
      members: [member(1, { roleIds: [ROLE.gm] }), member(2, { roleIds: [] }), member(3, { isBot: true, roleIds: [] })],
      observedAt: at(0),
      source: 'reconcile',
    });
    await recordGatewayStatus(knex, { guildId: g.id, discordGuildId: SERVER, update: { kind: 'connected', botUser: 'PATT Sync' } });
    await recordGatewayStatus(knex, { guildId: g.id, discordGuildId: SERVER, update: { kind: 'event', at: at(3) } });
    const status = await discordSyncStatus(knex, g.id);
    expect(status.members).toEqual({ present: 3, departed: 0, bots: 1, withoutGuildRole: 1 });
    expect(status.roles).toBe(2);
    expect(status.listener).toMatchObject({ connected: true, botUser: 'PATT Sync', lastEventAt: at(3), eventsReceived: 1 });

    // A listener that stopped writing heartbeats is reported as not connected, with what to check.
    const later = await discordSyncStatus(knex, g.id, new Date(Date.now() + 10 * 60_000));
    expect(later.listener.connected).toBe(false);
    expect(later.listener.detail).toMatch(/is its process running/);
  });
});
