import { displayNameOf, memberDeparted, memberPresent, sortedUnique, storedFromSnapshot } from './memberChanges';
import { guildRankForRole } from './guildRanks';
import type { DiscordMemberSnapshot } from './types';

const t0 = new Date('2026-11-24T10:00:00Z');
const t1 = new Date('2026-11-24T11:00:00Z');
const rocket: DiscordMemberSnapshot = {
  userId: '1045367129850001234',
  username: 'rocket',
  globalName: 'Rocket',
  nickname: 'Zatañña',
  isBot: false,
  roleIds: ['1045367129850000012', '1045367129850000011'],
  joinedAt: '2024-02-01T18:00:00.000Z',
};
const stored = () => storedFromSnapshot(rocket, t0);

describe('memberPresent', () => {
  it('records a first sighting as a join with the roles held', () => {
    const c = memberPresent(null, rocket, t0);
    expect(c).toEqual({ kind: 'write', outcome: 'new', events: [{ kind: 'join', details: { rejoined: false, roleIds: ['1045367129850000011', '1045367129850000012'] } }] });
  });

  it('writes nothing when the same member is seen again, whatever order the roles come in', () => {
    expect(memberPresent(stored(), { ...rocket, roleIds: [...rocket.roleIds].reverse() }, t1)).toEqual({ kind: 'unchanged' });
  });

  it('names the roles added and removed', () => {
    const c = memberPresent(stored(), { ...rocket, roleIds: ['1045367129850000012', '1045367129850000013'] }, t1);
    expect(c).toEqual({
      kind: 'write',
      outcome: 'changed',
      events: [{ kind: 'roles_changed', details: { added: ['1045367129850000013'], removed: ['1045367129850000011'] } }],
    });
  });

  it('records a nickname change with the old and new names', () => {
    const c = memberPresent(stored(), { ...rocket, nickname: 'Zatanna' }, t1);
    expect(c.kind === 'write' && c.events).toEqual([
      { kind: 'renamed', details: { from: { username: 'rocket', globalName: 'Rocket', nickname: 'Zatañña' }, to: { username: 'rocket', globalName: 'Rocket', nickname: 'Zatanna' } } },
    ]);
  });

  it('treats a departed member seen again as a rejoin, not a role change', () => {
    const c = memberPresent({ ...stored(), departedAt: t0, roleIds: [] }, { ...rocket, joinedAt: t1.toISOString() }, t1);
    expect(c).toMatchObject({ kind: 'write', outcome: 'rejoined', events: [{ kind: 'join', details: { rejoined: true } }] });
  });

  it('ignores an observation older than the stored state (a page fetched before a live event)', () => {
    expect(memberPresent(storedFromSnapshot(rocket, t1), { ...rocket, roleIds: [] }, t0)).toEqual({ kind: 'stale' });
  });

  it('does not count a missing join time as a change', () => {
    expect(memberPresent(stored(), { ...rocket, joinedAt: null }, t1)).toEqual({ kind: 'unchanged' });
  });
});

describe('memberDeparted', () => {
  it('keeps the roles the member held in the leave event', () => {
    expect(memberDeparted(stored(), t1)).toEqual({
      kind: 'write',
      outcome: 'changed',
      events: [{ kind: 'leave', details: { roleIds: ['1045367129850000011', '1045367129850000012'] } }],
    });
  });

  it('does nothing for a member already marked departed (a replayed leave)', () => {
    expect(memberDeparted({ ...stored(), departedAt: t0 }, t1)).toEqual({ kind: 'unchanged' });
  });

  it('ignores a leave older than a later join', () => {
    expect(memberDeparted(storedFromSnapshot(rocket, t1), t0)).toEqual({ kind: 'stale' });
  });
});

describe('names and ranks', () => {
  it('shows the nickname, else the display name, else the username', () => {
    expect(displayNameOf(rocket)).toBe('Zatañña');
    expect(displayNameOf({ ...rocket, nickname: null })).toBe('Rocket');
    expect(displayNameOf({ ...rocket, nickname: null, globalName: null })).toBe('rocket');
  });

  it('orders snowflakes numerically, not as text', () => {
    expect(sortedUnique(['100000000000000010', '99999999999999999', '100000000000000010'])).toEqual(['99999999999999999', '100000000000000010']);
  });

  it('maps the guild role names to ranks and leaves other roles alone', () => {
    expect(['GM', 'Officer', 'veteran', 'Member', 'Initiate', 'Raider', 'Guild Bot'].map(guildRankForRole)).toEqual([0, 1, 2, 3, 4, null, null]);
  });
});
