import { reconcileMember } from './reconcileMember';
import type { ProfileResult, RosterEntry, StoredCharacter } from './types';

const now = new Date('2026-11-24T12:00:00Z');
const entry: RosterEntry = { blizzardCharacterId: 7, name: 'Zatañña', realmSlug: 'sargeras', realmId: 76, level: 80, classId: 8, rank: 1 };
const fullProfile: ProfileResult = {
  kind: 'profile',
  lastModified: 'Tue, 24 Nov 2026 10:00:00 GMT',
  profile: { realmName: 'Sargeras', level: 80, classId: 8, className: 'Mage', raceName: 'Troll', activeSpec: 'Frost', faction: 'HORDE', averageItemLevel: 640, equippedItemLevel: 638, lastLoginAt: new Date('2026-11-23T20:00:00Z') },
};
const stored = (): StoredCharacter => reconcileMember(null, entry, fullProfile, now).next;

describe('reconcileMember', () => {
  it('treats a character never seen before as new, joining the guild', () => {
    const r = reconcileMember(null, entry, fullProfile, now);
    expect(r.outcome).toBe('new');
    expect(r.events.map((e) => e.kind)).toEqual(['join']);
    expect(r.next).toMatchObject({ name: 'Zatañña', activeSpec: 'Frost', profileStatus: 'ok', inGuild: true, profileLastModified: 'Tue, 24 Nov 2026 10:00:00 GMT' });
  });

  it('finds nothing to do when the roster is the same and the profile was not modified', () => {
    const r = reconcileMember(stored(), entry, { kind: 'not_modified' }, now);
    expect(r.outcome).toBe('unchanged');
    expect(r.events).toEqual([]);
    expect(r.next.activeSpec).toBe('Frost');
  });

  it('records a rank change with both ranks', () => {
    const r = reconcileMember(stored(), { ...entry, rank: 2 }, { kind: 'not_modified' }, now);
    expect(r.outcome).toBe('changed');
    expect(r.events).toEqual([{ kind: 'rank_change', details: { from: 1, to: 2 } }]);
  });

  it('follows a rename by id and keeps the old name in the event', () => {
    const r = reconcileMember(stored(), { ...entry, name: 'Zatanna', realmSlug: 'senjin' }, { kind: 'not_modified' }, now);
    expect(r.outcome).toBe('changed');
    expect(r.events).toEqual([
      { kind: 'rename', details: { from: { name: 'Zatañña', realmSlug: 'sargeras' }, to: { name: 'Zatanna', realmSlug: 'senjin' } } },
    ]);
    expect(r.changedFields).toEqual(expect.arrayContaining(['name', 'realmSlug']));
  });

  it('marks a 404 profile unavailable without losing what was known or calling it a leave', () => {
    const r = reconcileMember(stored(), entry, { kind: 'not_found', reason: 'profile 404' }, now);
    expect(r.outcome).toBe('unavailable');
    expect(r.events).toEqual([]);
    expect(r.next).toMatchObject({ inGuild: true, profileStatus: 'unavailable', unavailableSince: now, activeSpec: 'Frost', profileLastModified: null });
  });

  it('keeps the first date of an unavailable streak', () => {
    const first = reconcileMember(stored(), entry, { kind: 'not_found', reason: 'x' }, now).next;
    const later = new Date('2026-11-25T00:00:00Z');
    expect(reconcileMember(first, entry, { kind: 'not_found', reason: 'x' }, later).next.unavailableSince).toEqual(now);
  });

  it('counts a profile that comes back after a 404 as changed', () => {
    const gone = reconcileMember(stored(), entry, { kind: 'not_found', reason: 'x' }, now).next;
    const r = reconcileMember(gone, entry, fullProfile, now);
    expect(r.outcome).toBe('changed');
    expect(r.next.profileStatus).toBe('ok');
  });

  it('sees a character who left and came back as a returning join', () => {
    const left = { ...stored(), inGuild: false };
    const r = reconcileMember(left, entry, { kind: 'not_modified' }, now);
    expect(r.events).toEqual([{ kind: 'join', details: expect.objectContaining({ returning: true }) }]);
  });

  it('does not forget known profile fields when a new profile lacks them', () => {
    const sparse: ProfileResult = { kind: 'profile', profile: { level: 80 }, lastModified: 'x' };
    const r = reconcileMember(stored(), entry, sparse, now);
    expect(r.next.activeSpec).toBe('Frost');
    expect(r.outcome).toBe('unchanged');
  });

  it('calls a new last login a change', () => {
    const p: ProfileResult = { kind: 'profile', lastModified: 'y', profile: { lastLoginAt: new Date('2026-11-24T09:00:00Z') } };
    expect(reconcileMember(stored(), entry, p, now).changedFields).toEqual(['lastLoginAt']);
  });
});
