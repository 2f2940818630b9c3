import { auditFindings, DEFAULT_AUDIT_SETTINGS, type AuditCharacter, type AuditInput, type AuditMember, type AuditPerson } from './rules';

const NOW = Date.UTC(2026, 10, 24, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FIRST_ROSTER = NOW - 60 * DAY;

let nextId = 1;
function char(name: string, personId: number | null, over: Partial<AuditCharacter> = {}): AuditCharacter {
  return { id: nextId++, name, realmSlug: 'senjin', rank: 3, inGuild: true, guildNote: null, officerNote: null, lastLoginAt: NOW - DAY, joinedGuildAt: FIRST_ROSTER, leftGuildAt: null, rankChangedAt: null, profileStatus: 'ok', unavailableSince: null, personId, ...over };
}
function member(username: string, personId: number | null, guildRanks: number[], over: Partial<AuditMember> = {}): AuditMember {
  return { id: 1000 + nextId++, username, isBot: false, present: true, guildRanks, joinedServerAt: NOW - 90 * DAY, rolesChangedAt: null, personId, ...over };
}
const person = (id: number, displayName: string, mainCharacterId: number | null = null, suggestions = 0): AuditPerson => ({ id, displayName, mainCharacterId, suggestions });

/** The officers as they should be: every rank matches its role. */
function officers() {
  const trogmoon = char('Trogmoon', 1, { rank: 0 });
  const chars = [trogmoon, char('Trogtotem', 1), char('Bloodvalor', 2, { rank: 1, realmSlug: 'alterac-mountains' }), char('Zatañña', 3, { rank: 1, realmSlug: 'sargeras' }), char('Shodoom', 4, { rank: 1 }), char('Skatefarm', 5, { rank: 1 })];
  const members = [member('trog', 1, [0]), member('mito', 2, [1]), member('rocket', 3, [1]), member('shodoom', 4, [1]), member('skate', 5, [1, 3]), member('visitor', null, []), member('MEE6', null, [3], { isBot: true })];
  const persons = [person(1, 'Mike', trogmoon.id), person(2, 'Mito'), person(3, 'Rocket'), person(4, 'Shodoom'), person(5, 'Skate')];
  return { chars, members, persons };
}

function audit(parts: { chars: AuditCharacter[]; members: AuditMember[]; persons: AuditPerson[]; flags?: AuditInput['flags'] }, over: Partial<AuditInput> = {}) {
  return auditFindings({ now: NOW, guildRealmSlug: 'senjin', realms: [{ slug: 'senjin', name: "Sen'jin" }], firstRosterAt: FIRST_ROSTER, characters: parts.chars, members: parts.members, persons: parts.persons, flags: parts.flags ?? [], settings: DEFAULT_AUDIT_SETTINGS, ...over });
}

describe('auditFindings', () => {
  it('finds nothing in a guild where every rank matches its role (a bot with a role and a visitor without one are fine)', () => {
    expect(audit(officers())).toEqual([]);
  });

  it.each([
    ['a rank above the role', 1, [3], /Bloodvalor-alterac-mountains is Officer in the guild; @mito's highest guild role is Member/, /Give @mito the Officer role and remove Member/],
    ['a role above the rank', 3, [1], /is Member in the guild; @mito's highest guild role is Officer/, /Give @mito the Member role and remove Officer/],
    ['the Guild Leader without GM', 0, [1], /is Guild Leader in the guild; @mito's highest guild role is Officer/, /Give @mito the GM role/],
  ])('rank ↔ role mismatch: %s', (_case, rank, roles, summary, action) => {
    const g = officers();
    g.chars[2]!.rank = rank;
    g.members[1]!.guildRanks = roles;
    expect(audit(g)).toEqual([expect.objectContaining({ rule: 'rank_role_mismatch', severity: 'action', summary: expect.stringMatching(summary), action: expect.stringMatching(action), subject: { person: 'Mito', character: 'Bloodvalor-alterac-mountains', discord: '@mito' } })]);
  });

  it('gives a promotion time to reach the roster and Discord: a rank or roles changed within the grace raise nothing', () => {
    const g = officers();
    g.chars[2]!.rank = 0;
    g.chars[2]!.rankChangedAt = NOW - 2 * HOUR;
    expect(audit(g)).toEqual([]);
    g.chars[2]!.rankChangedAt = NOW - 13 * HOUR;
    expect(audit(g).map((f) => f.rule)).toEqual(['rank_role_mismatch']);
    g.members[1]!.rolesChangedAt = NOW - HOUR;
    expect(audit(g)).toEqual([]);
  });

  it('reports a guild member with no guild role, with the role to give', () => {
    const g = officers();
    g.members[2]!.guildRanks = [];
    expect(audit(g)).toEqual([expect.objectContaining({ rule: 'member_without_role', fingerprint: `member_without_role:member:${g.members[2]!.id}`, action: 'Give @rocket the Officer role' })]);
  });

  it('reports an account that left the guild in game but kept its roles, once the leave has settled', () => {
    const g = officers();
    g.chars[4]!.inGuild = false;
    g.chars[4]!.leftGuildAt = NOW - 2 * HOUR;
    expect(audit(g)).toEqual([]);
    g.chars[4]!.leftGuildAt = NOW - 2 * DAY;
    expect(audit(g)).toEqual([expect.objectContaining({ rule: 'departed_with_roles', summary: `@shodoom left the guild on ${new Date(NOW - 2 * DAY).toISOString().slice(0, 10)} but still holds Officer` })]);
  });

  it('reports an account with a guild role and no character, but not a visitor, a bot, or someone who joined today', () => {
    const g = officers();
    g.members.push(member('newrecruit', null, [4], { joinedServerAt: NOW - HOUR }), member('oldfriend', null, [3]));
    expect(audit(g)).toEqual([expect.objectContaining({ rule: 'discord_without_character', summary: '@oldfriend holds Member but no character in the guild is linked to them' })]);
  });

  it('reports a player with no Discord account once per person (alts counted), with the suggestions waiting', () => {
    const g = officers();
    g.members.splice(0, 1);
    g.persons[0]!.suggestions = 2;
    const found = audit(g);
    expect(found).toEqual([expect.objectContaining({ rule: 'character_without_discord', fingerprint: 'character_without_discord:person:1', summary: 'Trogmoon-senjin (and 1 alt) has no Discord account linked', action: expect.stringMatching(/Confirm or reject the 2 suggestions/) })]);
  });

  it('gives a character who joined after the first sync a grace, but not one there from the start', () => {
    const g = officers();
    g.chars.push(char('Newbie', 9, { joinedGuildAt: NOW - HOUR }), char('Oldtimer', null));
    g.persons.push(person(9, 'Newbie'));
    expect(audit(g).map((f) => f.summary)).toEqual(['Oldtimer-senjin is not linked to any person or Discord account']);
  });

  it('reports a main not seen for 30 days, and a character Blizzard has hidden for 3 days', () => {
    const g = officers();
    g.chars[5]!.lastLoginAt = NOW - 45 * DAY;
    g.chars[1]!.lastLoginAt = NOW - 90 * DAY; // an alt: not reported
    g.chars[3]!.profileStatus = 'unavailable';
    g.chars[3]!.unavailableSince = NOW - 5 * DAY;
    g.chars[4]!.profileStatus = 'unavailable';
    g.chars[4]!.unavailableSince = NOW - DAY;
    expect(audit(g).map((f) => [f.rule, f.summary])).toEqual([
      ['stale_character', `Skatefarm-senjin (Officer) last logged in 45 days ago, on ${new Date(NOW - 45 * DAY).toISOString().slice(0, 10)}`],
      ['character_unavailable', 'Blizzard has not shown Zatañña-sargeras for 5 days (renamed, transferred, private, or under level 10)'],
    ]);
  });

  it('reports a person linked to two Discord accounts, a link the notes contradict, and a note naming a main not on the roster', () => {
    const g = officers();
    g.members.push(member('trog_alt', 1, [0]));
    g.chars.push(char('Kazbank', 1, { guildNote: 'Alt of Ghostmain' }));
    const found = audit({ ...g, flags: [{ linkId: 77, personId: 2, reason: "The notes say Bloodvalor's main is Trogmoon-senjin, who belongs to another person (#1)." }] });
    expect(found.map((f) => [f.rule, f.fingerprint])).toEqual([
      ['character_claimed_twice', 'character_claimed_twice:person:1'],
      ['link_contradicted', 'link_contradicted:link:77'],
      ['main_not_on_roster', `main_not_on_roster:character:${g.chars[6]!.id}`],
    ]);
    expect(found[0]!.summary).toBe('Mike is linked to 2 Discord accounts: @trog, @trog_alt');
    expect(found[2]!.summary).toBe('Public note "Alt of Ghostmain" names Ghostmain, who is not on the roster');
  });

  it('keeps a finding’s fingerprint when the character is renamed', () => {
    const g = officers();
    g.members[1]!.guildRanks = [3];
    const before = audit(g)[0]!.fingerprint;
    g.chars[2]!.name = 'Bloodvalour';
    expect(audit(g)[0]!.fingerprint).toBe(before);
  });
});
