import { auditFindings, DEFAULT_AUDIT_SETTINGS, type AuditCharacter, type AuditFlag, type AuditInput, type AuditMember, type AuditPerson, type AuditSuggestion } from './rules';

const NOW = Date.UTC(2026, 10, 24, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FIRST_ROSTER = NOW - 60 * DAY;

let nextId = 1;
function char(name: string, personId: number | null, over: Partial<AuditCharacter> = {}): AuditCharacter {
  return { id: nextId++, name, realmSlug: 'senjin', rank: 3, inGuild: true, guildNote: null, officerNote: null, lastLoginAt: NOW - DAY, joinedGuildAt: FIRST_ROSTER, leftGuildAt: null, rankChangedAt: null, profileStatus: 'ok', unavailableSince: null, personId, ...over };
}
function member(username: string, personId: number | null, guildRanks: number[], over: Partial<AuditMember> = {}): AuditMember {
  return { id: 1000 + nextId++, username, globalName: null, nickname: null, isBot: false, present: true, guildRanks, joinedServerAt: NOW - 90 * DAY, rolesChangedAt: null, personId, ...over };
}
const person = (id: number, displayName: string, mainCharacterId: number | null = null): AuditPerson => ({ id, displayName, mainCharacterId });
let nextLink = 500;
/** A suggested link: an account for a person, or a character for the person of an account. */
function suggest(personId: number, to: { memberId: number } | { characterId: number }, evidence = 'officer note "Discord: kaz" names the Discord user kaz', confidence = 0.6): AuditSuggestion {
  return { linkId: nextLink++, personId, characterId: 'characterId' in to ? to.characterId : null, memberId: 'memberId' in to ? to.memberId : null, confidence, evidence };
}

/** The officers as they should be: every rank matches its role. */
function officers() {
  const trogmoon = char('Trogmoon', 1, { rank: 0 });
  const chars = [trogmoon, char('Trogtotem', 1), char('Bloodvalor', 2, { rank: 1, realmSlug: 'alterac-mountains' }), char('Zatañña', 3, { rank: 1, realmSlug: 'sargeras' }), char('Shodoom', 4, { rank: 1 }), char('Skatefarm', 5, { rank: 1 })];
  const members = [member('trog', 1, [0]), member('mito', 2, [1]), member('rocket', 3, [1]), member('shodoom', 4, [1]), member('skate', 5, [1, 3]), member('visitor', null, []), member('MEE6', null, [3], { isBot: true })];
  const persons = [person(1, 'Mike', trogmoon.id), person(2, 'Mito'), person(3, 'Rocket'), person(4, 'Shodoom'), person(5, 'Skate')];
  return { chars, members, persons };
}

function input(parts: { chars: AuditCharacter[]; members: AuditMember[]; persons: AuditPerson[]; flags?: AuditFlag[]; suggestions?: AuditSuggestion[] }, over: Partial<AuditInput> = {}): AuditInput {
  return { now: NOW, guildRealmSlug: 'senjin', realms: [{ slug: 'senjin', name: "Sen'jin" }], firstRosterAt: FIRST_ROSTER, characters: parts.chars, members: parts.members, persons: parts.persons, suggestions: parts.suggestions ?? [], flags: parts.flags ?? [], settings: DEFAULT_AUDIT_SETTINGS, ...over };
}
function audit(parts: Parameters<typeof input>[0], over: Partial<AuditInput> = {}) {
  return auditFindings(input(parts, over));
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

  it('reports a player with no Discord account once per person (alts named), with the suggestions waiting', () => {
    const g = officers();
    g.members.splice(0, 1);
    // Two accounts suggested: a visitor with no role, and rocket (Zatañña's, already linked).
    const suggestions = [suggest(1, { memberId: g.members[4]!.id }, 'public note "[Mike]" names visitor', 0.35), suggest(1, { memberId: g.members[1]!.id }, 'public note "Trog" matches the display name "Trog" of rocket', 0.5)];
    const found = audit({ ...g, suggestions });
    expect(found).toEqual([
      expect.objectContaining({
        rule: 'character_without_discord',
        fingerprint: 'character_without_discord:person:1',
        subject: { person: 'Mike', character: 'Trogmoon-senjin', discord: null, alts: ['Trogtotem'] },
        summary: 'Trogmoon-senjin has no Discord account linked — suggested: @rocket (public note "Trog" matches the display name "Trog" of rocket), @visitor (public note "[Mike]" names visitor)',
        action: expect.stringMatching(/Confirm or reject the 2 suggestions/),
      }),
    ]);
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
    const found = audit({ ...g, flags: [{ linkId: 77, personId: 2, characterId: g.chars[2]!.id, memberId: null, status: 'confirmed', kind: 'notes_contradict', reason: "The notes say Bloodvalor's main is Trogmoon-senjin, who belongs to another person (#1).", action: 'Fix the note, or move the link and remove the old one' }] });
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

  describe('one player, one story', () => {
    /** Kazgor, a main whose player has no account linked, and @kazzy, who holds Member and has no character. */
    function kazzy(kazgorPerson: number | null = 6) {
      const g = officers();
      const kazgor = char('Kazgor', kazgorPerson);
      g.chars.push(kazgor);
      if (kazgorPerson !== null) g.persons.push(person(kazgorPerson, 'Kazgor', kazgor.id));
      const account = member('kazzy', null, [3]);
      g.members.push(account);
      return { g, kazgor, account };
    }

    it('without a suggestion, tells the account and the character apart', () => {
      const { g } = kazzy();
      expect(audit(g).map((f) => f.rule)).toEqual(['character_without_discord', 'discord_without_character']);
    });

    it.each([
      ['the account suggested to the character’s person', 'account'],
      ['the character suggested to the account’s person', 'character'],
      ['an unlinked character suggested to the account’s person', 'unlinked'],
    ] as const)('tells %s as one finding on the pair', (_case, how) => {
      const { g, kazgor, account } = kazzy(how === 'unlinked' ? null : 6);
      let suggestion: AuditSuggestion;
      if (how === 'account') suggestion = suggest(6, { memberId: account.id }, 'display name "Kazgor" of kazzy is the character\'s name');
      else {
        account.personId = 7;
        g.persons.push(person(7, 'Kaz'));
        suggestion = suggest(7, { characterId: kazgor.id }, 'display name "Kazgor" of kazzy is the character\'s name');
      }
      const found = audit({ ...g, suggestions: [suggestion] });
      const told = how === 'unlinked' ? `character_without_discord:character:${kazgor.id}` : 'character_without_discord:person:6';
      expect(found).toEqual([
        {
          rule: 'same_player_suggested',
          fingerprint: `same_player_suggested:member:${account.id}:character:${kazgor.id}`,
          severity: 'action',
          subject: { person: how === 'unlinked' ? null : 'Kazgor', character: 'Kazgor-senjin', discord: '@kazzy' },
          summary: '@kazzy (Member) and Kazgor-senjin look like the same player: display name "Kazgor" of kazzy is the character\'s name',
          action: 'Confirm the suggestion, or reject it if they are not (GET /api/identity/persons?needs=suggestion)',
          details: expect.objectContaining({ memberId: account.id, characterId: kazgor.id, folds: [`discord_without_character:member:${account.id}`, told] }),
        },
      ]);
    });

    it('pairs an account once, with its strongest suggestion; the other player still names it', () => {
      const { g, kazgor, account } = kazzy();
      const kazbank = char('Kazbank', 8);
      g.chars.push(kazbank);
      g.persons.push(person(8, 'Kazbank', kazbank.id));
      const found = audit({ ...g, suggestions: [suggest(8, { memberId: account.id }, 'weak', 0.35), suggest(6, { memberId: account.id }, 'strong', 0.6)] });
      expect(found.map((f) => [f.rule, f.summary])).toEqual([
        ['character_without_discord', 'Kazbank-senjin has no Discord account linked — suggested: @kazzy (weak)'],
        ['same_player_suggested', '@kazzy (Member) and Kazgor-senjin look like the same player: strong'],
      ]);
      expect(found[1]!.fingerprint).toBe(`same_player_suggested:member:${account.id}:character:${kazgor.id}`);
    });

    it('tells another character whose notes name the same account in that pair’s finding, not as a second player', () => {
      const { g, kazgor, account } = kazzy();
      const kazalt = char('Kazalt', 9);
      g.chars.push(kazalt);
      g.persons.push(person(9, 'Kazalt', kazalt.id));
      const found = audit({ ...g, suggestions: [suggest(6, { memberId: account.id }, 'officer note "Discord: kazzy"', 0.9), suggest(9, { memberId: account.id }, 'officer note "Discord: kazzy"', 0.9)] });
      expect(found.map((f) => [f.rule, f.summary])).toEqual([
        ['same_player_suggested', '@kazzy (Member) and Kazgor-senjin look like the same player: officer note "Discord: kazzy" (with Kazalt-senjin, suggested to the same account)'],
      ]);
      expect(found[0]!.details).toMatchObject({ characterId: kazgor.id, also: ['Kazalt-senjin'] });
    });

    it('does not pair an account with no guild role (nothing to tell about it): the character’s finding names it', () => {
      const { g, account } = kazzy();
      account.guildRanks = [];
      expect(audit({ ...g, suggestions: [suggest(6, { memberId: account.id }, 'display name "Kazgor" of kazzy')] }).map((f) => [f.rule, f.summary])).toEqual([
        ['character_without_discord', 'Kazgor-senjin has no Discord account linked — suggested: @kazzy (display name "Kazgor" of kazzy)'],
      ]);
    });
  });

  describe('a suggestion waiting is named in the finding of its subject', () => {
    it.each([
      [
        'member without role: a character that may be theirs too',
        (g: ReturnType<typeof officers>, kazgor: AuditCharacter) => {
          g.members[2]!.guildRanks = [];
          return suggest(3, { characterId: kazgor.id }, 'public note "Rocket\'s alt" names rocket');
        },
        'member_without_role',
        /; @rocket has no guild role on Discord — suggested: Kazgor-senjin \(public note "Rocket's alt" names rocket\)$/,
        /^Give @rocket the Officer role$/,
      ],
      [
        'discord without character: the player it may be',
        (g: ReturnType<typeof officers>) => {
          const friend = member('oldfriend', null, [3]);
          g.members.push(friend);
          return suggest(1, { memberId: friend.id }, 'officer note "Discord: oldfriend" names the Discord user oldfriend');
        },
        'discord_without_character',
        /^@oldfriend holds Member but no character in the guild is linked to them — suggested: Trogmoon-senjin \(officer note "Discord: oldfriend" names the Discord user oldfriend\)$/,
        /^Confirm or reject the suggestion waiting/,
      ],
      [
        'departed with roles: the character they may have rejoined on',
        (g: ReturnType<typeof officers>, kazgor: AuditCharacter) => {
          g.chars[4]!.inGuild = false;
          g.chars[4]!.leftGuildAt = NOW - 2 * DAY;
          return suggest(4, { characterId: kazgor.id }, 'public note "Sho" names shodoom');
        },
        'departed_with_roles',
        /but still holds Officer — suggested: Kazgor-senjin \(public note "Sho" names shodoom\)$/,
        /^Confirm the suggestion if they rejoined on it/,
      ],
      [
        'character without Discord: the account it may be',
        (g: ReturnType<typeof officers>, kazgor: AuditCharacter) => suggest(3, { characterId: kazgor.id }, 'public note "Rocket\'s alt" names rocket'),
        'character_without_discord',
        /^Kazgor-senjin is not linked to any person or Discord account — suggested: @rocket \(public note "Rocket's alt" names rocket\)$/,
        /^Confirm or reject the 1 suggestion waiting/,
      ],
    ] as const)('%s', (_case, arrange, rule, summary, action) => {
      const g = officers();
      const kazgor = char('Kazgor', null);
      g.chars.push(kazgor);
      const suggestions = [arrange(g, kazgor)];
      const found = audit({ ...g, suggestions }).find((f) => f.rule === rule);
      expect(found).toMatchObject({ summary: expect.stringMatching(summary), action: expect.stringMatching(action) });
    });

    it('cuts long evidence to a few words', () => {
      const g = officers();
      const kazgor = char('Kazgor', null);
      g.chars.push(kazgor);
      const [f] = audit({ ...g, suggestions: [suggest(3, { characterId: kazgor.id }, 'x'.repeat(200))] });
      expect(f!.summary).toBe(`Kazgor-senjin is not linked to any person or Discord account — suggested: @rocket (${'x'.repeat(69)}…)`);
    });
  });

  it('names the alts of the person in its findings: by name, sorted, with the realm when it is not the main’s', () => {
    const g = officers();
    g.chars.push(char('Pattbank', 1), char('Azuremist', 1, { realmSlug: 'sargeras' }));
    g.members[0]!.guildRanks = [1];
    const [f] = audit(g);
    expect(f).toMatchObject({ rule: 'rank_role_mismatch', subject: { person: 'Mike', character: 'Trogmoon-senjin', discord: '@trog', alts: ['Azuremist-sargeras', 'Pattbank', 'Trogtotem'] } });
    // A player with one character has no alts to name.
    g.members[0]!.guildRanks = [0];
    g.members[1]!.guildRanks = [3];
    expect(audit(g)[0]!.subject).toEqual({ person: 'Mito', character: 'Bloodvalor-alterac-mountains', discord: '@mito' });
  });

  describe('flags on links, of every kind', () => {
    const flag = (over: Partial<AuditFlag> & Pick<AuditFlag, 'kind' | 'linkId' | 'personId'>): AuditFlag => ({ characterId: null, memberId: null, status: 'suggested', reason: '', action: 'Decide which is right', ...over });

    it.each([
      [
        'notes contradict an officer’s link: per link, a warning',
        'notes_contradict' as const,
        'confirmed' as const,
        'link_contradicted',
        'link:41',
        'warning',
        "The notes say Bloodvalor's main is Trogmoon-senjin, who belongs to another person (#1).",
        "The notes say Bloodvalor's main is Trogmoon-senjin, who belongs to another person (#1).",
      ],
      [
        'the sheet and the notes disagree: per character, an action',
        'sources_disagree' as const,
        'suggested' as const,
        'sources_disagree',
        'character:CHAR',
        'action',
        "the sheet gives Kazgor to @kazzy; its notes name Trogmoon, Mike's main",
        "The sheet and the notes disagree about Kazgor-senjin: the sheet gives Kazgor to @kazzy; its notes name Trogmoon, Mike's main",
      ],
      [
        'two sheet rows claim one character: per character, an action',
        'claimed_twice' as const,
        'suggested' as const,
        'character_claimed_by_two_rows',
        'character:CHAR',
        'action',
        'rows 4 and 9 give Kazgor to @kazzy and @mito',
        'Two sheet rows give Kazgor-senjin to different players: rows 4 and 9 give Kazgor to @kazzy and @mito',
      ],
    ])('%s', (_case, kind, status, rule, subject, severity, reason, summary) => {
      const g = officers();
      const kazgor = char('Kazgor', 1);
      g.chars.push(kazgor);
      const found = audit({ ...g, flags: [flag({ kind, status, linkId: 41, personId: 2, characterId: kazgor.id, reason, action: 'Decide which is right (GET /api/identity/persons?needs=flag)' })] });
      expect(found).toEqual([
        expect.objectContaining({ rule, fingerprint: `${rule}:${subject.replace('CHAR', String(kazgor.id))}`, severity, summary, action: 'Decide which is right (GET /api/identity/persons?needs=flag)' }),
      ]);
    });

    it('tells two rows claiming one character once, and keeps the fingerprint when a re-import recreates the links', () => {
      const g = officers();
      const kazgor = char('Kazgor', 1);
      g.chars.push(kazgor);
      const claims = (a: number, b: number) => [
        flag({ kind: 'claimed_twice', linkId: a, personId: 2, characterId: kazgor.id, reason: 'rows 4 and 9 give Kazgor to @mito and @rocket' }),
        flag({ kind: 'claimed_twice', linkId: b, personId: 3, characterId: kazgor.id, reason: 'rows 4 and 9 give Kazgor to @mito and @rocket' }),
      ];
      const before = audit({ ...g, flags: claims(50, 51) });
      expect(before).toEqual([expect.objectContaining({ rule: 'character_claimed_by_two_rows', summary: 'Two sheet rows give Kazgor-senjin to different players: rows 4 and 9 give Kazgor to @mito and @rocket', subject: { person: null, character: 'Kazgor-senjin', discord: '@mito, @rocket' } })]);
      expect(audit({ ...g, flags: claims(90, 91) })[0]!.fingerprint).toBe(before[0]!.fingerprint);
    });

    it('tells the account and the character a disputed link is about by that flag alone', () => {
      const g = officers();
      const kazgor = char('Kazgor', 6);
      const kazzy = member('kazzy', 7, [3]);
      g.chars.push(kazgor);
      g.members.push(kazzy);
      g.persons.push(person(6, 'Kazgor', kazgor.id), person(7, 'Kaz'));
      const disputed = suggest(7, { characterId: kazgor.id }, 'the sheet gives Kazgor to kazzy');
      const found = audit({ ...g, suggestions: [disputed], flags: [flag({ kind: 'sources_disagree', linkId: disputed.linkId, personId: 7, characterId: kazgor.id, reason: 'the sheet gives Kazgor to @kazzy; its notes name Trogmoon' })] });
      expect(found).toEqual([
        expect.objectContaining({
          rule: 'sources_disagree',
          subject: { person: 'Kaz', character: 'Kazgor-senjin', discord: '@kazzy' },
          details: expect.objectContaining({ folds: [`discord_without_character:member:${kazzy.id}`, 'character_without_discord:person:6'] }),
        }),
      ]);
    });

    it('leaves a flag on a rejected link alone (officers settled it)', () => {
      const g = officers();
      expect(audit({ ...g, flags: [flag({ kind: 'sources_disagree', status: 'rejected', linkId: 3, personId: 2, characterId: g.chars[2]!.id, reason: 'x' })] })).toEqual([]);
    });
  });
});
