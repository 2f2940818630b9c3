import { planIssues, resolutionReasons, type StoredIssue } from './lifecycle';
import { DEFAULT_AUDIT_SETTINGS, type AuditCharacter, type AuditInput, type AuditMember } from './rules';
import type { AuditRule, Finding, ResolutionReason } from './types';

const f = (fingerprint: string, summary = fingerprint): Finding => ({
  rule: 'rank_role_mismatch',
  fingerprint,
  severity: 'action',
  subject: { person: null, character: null, discord: null },
  summary,
  action: 'do it',
  details: {},
});

/** Applies a plan the way the database does, to follow one issue run after run. */
function apply(stored: StoredIssue[], findings: Finding[], now: Date): StoredIssue[] {
  const plan = planIssues(stored, findings);
  let next = stored.map((s) => (plan.resolve.includes(s.id) ? { ...s, resolvedAt: now } : plan.reopen.some((r) => r.id === s.id) ? { ...s, resolvedAt: null } : s));
  next = [...next, ...plan.open.map((o, i) => ({ id: 100 + stored.length + i, fingerprint: o.fingerprint, resolvedAt: null }))];
  return next;
}

describe('planIssues', () => {
  it('opens, keeps, resolves and reopens an issue across runs', () => {
    const t = (h: number) => new Date(Date.UTC(2026, 10, 24, h));
    let stored: StoredIssue[] = [];
    const first = planIssues(stored, [f('a'), f('b')]);
    expect(first.open.map((x) => x.fingerprint)).toEqual(['a', 'b']);
    stored = apply(stored, [f('a'), f('b')], t(1));

    const second = planIssues(stored, [f('a', 'a, reworded')]);
    expect(second).toEqual({ open: [], seen: [{ id: stored[0]!.id, finding: f('a', 'a, reworded') }], reopen: [], resolve: [stored[1]!.id] });
    stored = apply(stored, [f('a')], t(2));

    const third = planIssues(stored, [f('a'), f('b')]);
    expect(third.reopen.map((r) => r.id)).toEqual([stored[1]!.id]);
    expect(third.open).toEqual([]);
  });

  it('counts a fingerprint once even if two rules produced it twice, and resolves nothing already resolved', () => {
    const stored: StoredIssue[] = [{ id: 1, fingerprint: 'gone', resolvedAt: new Date() }];
    expect(planIssues(stored, [f('x'), f('x')])).toEqual({ open: [f('x')], seen: [], reopen: [], resolve: [] });
  });
});

describe('resolutionReasons: why a finding went away, from the data now', () => {
  const NOW = Date.UTC(2026, 11, 5, 12);
  const DAY = 86_400_000;
  const character = (id: number, personId: number | null, over: Partial<AuditCharacter> = {}): AuditCharacter => ({
    id, name: `C${id}`, realmSlug: 'senjin', rank: 3, inGuild: true, guildNote: null, officerNote: null, lastLoginAt: NOW - DAY, joinedGuildAt: null, leftGuildAt: null, rankChangedAt: null, profileStatus: 'ok', unavailableSince: null, personId, ...over,
  });
  const account = (id: number, personId: number | null, guildRanks: number[], over: Partial<AuditMember> = {}): AuditMember => ({
    id, username: `m${id}`, globalName: null, nickname: null, isBot: false, present: true, guildRanks, joinedServerAt: null, rolesChangedAt: null, personId, ...over,
  });
  /** Person 1: character 10 (Member) and account 100 (Member role); character 20 and account 200 alone. */
  const guild = (): AuditInput => ({
    now: NOW, guildRealmSlug: 'senjin', realms: [], firstRosterAt: null,
    characters: [character(10, 1), character(20, null)],
    members: [account(100, 1, [3]), account(200, null, [3])],
    persons: [{ id: 1, displayName: 'Mike', mainCharacterId: 10 }],
    suggestions: [], flags: [], settings: DEFAULT_AUDIT_SETTINGS,
  });
  const pair: Finding = { ...f('same_player_suggested:member:200:character:20'), rule: 'same_player_suggested', details: { folds: ['discord_without_character:member:200', 'character_without_discord:character:20'] } };

  it.each<[string, AuditRule, Record<string, unknown>, (g: AuditInput) => void, ResolutionReason | null, Finding[]?]>([
    ['a character now linked to a person with an account', 'character_without_discord', { characterId: 10, personId: 2 }, () => {}, 'linked'],
    ['a character that left the guild', 'character_without_discord', { characterId: 20 }, (g) => void (g.characters[1]!.inGuild = false), 'left'],
    ['an account and a character told as one pair now', 'discord_without_character', { memberId: 200 }, () => {}, 'merged', [pair]],
    ['an account now linked to a person with characters', 'discord_without_character', { memberId: 100 }, () => {}, 'linked'],
    ['an account that left the server', 'discord_without_character', { memberId: 200 }, (g) => void (g.members[1]!.present = false), 'left'],
    ['an account whose guild role was removed', 'discord_without_character', { memberId: 200 }, (g) => void (g.members[1]!.guildRanks = []), 'fixed'],
    ['an account that kept its roles and whose player rejoined', 'departed_with_roles', { memberId: 100 }, () => {}, 'came_back'],
    ['a role that now matches the rank', 'rank_role_mismatch', { memberId: 100 }, () => {}, 'fixed'],
    ['a role given', 'member_without_role', { memberId: 100 }, () => {}, 'fixed'],
    ['a mismatch gone only for a grace (still disagreeing): no reason rather than a false one', 'rank_role_mismatch', { memberId: 100 }, (g) => void (g.members[0]!.guildRanks = [1]), null],
    ['a main who logged in again', 'stale_character', { characterId: 10 }, () => {}, 'came_back'],
    ['a character Blizzard shows again', 'character_unavailable', { characterId: 10 }, () => {}, 'came_back'],
    ['a note fixed', 'main_not_on_roster', { characterId: 10 }, () => {}, 'note_fixed'],
    ['a note that no longer contradicts the link', 'link_contradicted', { linkId: 7, characterId: 10, personId: 1 }, () => {}, 'note_fixed'],
    ['a contradicted link officers moved', 'link_contradicted', { linkId: 7, characterId: 10, personId: 5 }, () => {}, 'decided'],
    ['a disputed link officers settled', 'sources_disagree', { characterId: 10 }, () => {}, 'decided'],
    ['a suggested pair confirmed', 'same_player_suggested', { memberId: 200, characterId: 20 }, (g) => void ((g.members[1]!.personId = 3), (g.characters[1]!.personId = 3)), 'linked'],
    ['a suggested pair rejected', 'same_player_suggested', { memberId: 200, characterId: 20 }, () => {}, 'suggestion_gone'],
  ])('%s', (_case, rule, details, change, reason, findings = []) => {
    const g = guild();
    change(g);
    const fingerprint = rule === 'discord_without_character' ? `${rule}:member:${details.memberId}` : `${rule}:x`;
    expect(resolutionReasons([{ id: 1, rule, fingerprint, details }], g, findings).get(1)).toBe(reason);
  });
});

