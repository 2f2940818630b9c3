import { planIdentity, type EngineCharacter, type EngineLink, type EngineMember, type IdentityPlan, type PersonRef } from './engine';

/**
 * The engine on a guild's habits, one habit a case: what an officer reading the notes, the sheet and
 * the server would conclude, and what they would want to be asked rather than told.
 */
const REALMS = [
  { slug: 'senjin', name: "Sen'jin" },
  { slug: 'tichondrius', name: 'Tichondrius' },
  { slug: 'zandalar-tribe', name: 'Zandalar Tribe' },
];
let nextId = 1;
const char = (name: string, notes: { note?: string; officer?: string; realm?: string; inGuild?: boolean; previous?: string[] } = {}): EngineCharacter => ({
  id: nextId++,
  name,
  realmSlug: notes.realm ?? 'senjin',
  guildNote: notes.note ?? null,
  officerNote: notes.officer ?? null,
  inGuild: notes.inGuild ?? true,
  previousNames: notes.previous ?? [],
});
const member = (username: string, names: { global?: string; nick?: string; role?: boolean; present?: boolean } = {}): EngineMember => ({
  id: 5000 + nextId++,
  username,
  globalName: names.global ?? null,
  nickname: names.nick ?? null,
  isBot: false,
  present: names.present ?? true,
  hasGuildRole: names.role ?? true,
});
let linkId = 9000;
const sheetLink = (personId: number, target: { characterId?: number; memberId?: number }, text: string): EngineLink => ({
  id: linkId++,
  personId,
  characterId: target.characterId ?? null,
  memberId: target.memberId ?? null,
  status: 'confirmed',
  source: 'sheet',
  decided: true,
  confidence: 1,
  evidence: [{ rule: 'sheet_row', source: 'sheet', weight: 1, text, fuzzy: false }],
});

function plan(chars: EngineCharacter[], members: EngineMember[], links: EngineLink[] = [], persons: number[] = []): IdentityPlan & { personOf: (c: { id: number }) => PersonRef | undefined; accountOf: (p: PersonRef | undefined) => number | undefined } {
  const p = planIdentity({
    guildRealmSlug: 'senjin',
    realms: REALMS,
    characters: chars,
    members,
    persons: persons.map((id) => ({ id, namedByOfficers: true })),
    links,
  });
  const claimed = new Map(p.claims.map((c) => [c.linkId, c.status]));
  return {
    ...p,
    personOf: (c) => {
      const planned = p.links.find((l) => l.characterId === c.id && l.status === 'confirmed');
      if (planned) return planned.person;
      const decided = links.find((l) => l.characterId === c.id && l.decided && l.status === 'confirmed' && claimed.get(l.id) !== 'suggested');
      return decided?.personId;
    },
    accountOf: (person) => p.links.find((l) => l.person === person && l.memberId !== null && l.status === 'confirmed')?.memberId ?? links.find((l) => l.personId === person && l.memberId !== null && l.decided)?.memberId ?? undefined,
  };
}

describe('sources that disagree raise a flag; none wins silently', () => {
  it('a sheet row the notes dispute becomes a flagged suggestion, and the alt never drags the other main along', () => {
    const alicemain = char('Alicemain', { note: 'Main' });
    const bobmain = char('Bobmain', { note: 'Main', officer: 'Discord: bob' });
    const kazalt = char('Kazalt', { note: 'alt of Bobmain', officer: 'Bobmain alt' });
    const alice = member('alice', { nick: 'Alicemain' });
    const bob = member('bob');
    const links = [
      sheetLink(1, { memberId: alice.id }, 'DiscordIDs row 2: Alice is Discord user 1'),
      sheetLink(1, { characterId: alicemain.id }, 'Characters row 2: Alice plays Alicemain-senjin (main)'),
      sheetLink(1, { characterId: kazalt.id }, 'Characters row 3: Alice plays Kazalt-senjin (alt)'),
    ];
    const p = plan([alicemain, bobmain, kazalt], [alice, bob], links, [1]);
    const disputed = p.claims.find((c) => c.linkId === links[2]!.id)!;
    expect(disputed).toMatchObject({ status: 'suggested', flag: { kind: 'sources_disagree' } });
    expect(disputed.flag!.reason).toMatch(/Characters row 3: Alice plays Kazalt-senjin/);
    expect(disputed.flag!.reason).toMatch(/names the main Bobmain-senjin/);
    // Bob's main stays Bob's, with Bob's account; Alice keeps her own.
    expect(p.personOf(bobmain)).not.toBe(1);
    expect(p.accountOf(p.personOf(bobmain))).toBe(bob.id);
    expect(p.claims.find((c) => c.linkId === links[1]!.id)).toMatchObject({ status: 'confirmed', flag: null });
    // The disputed alt is nobody's until officers decide; the notes' side is offered as a suggestion.
    expect(p.links.filter((l) => l.characterId === kazalt.id && l.status === 'confirmed')).toEqual([]);
    expect(p.links.find((l) => l.characterId === kazalt.id && l.status === 'suggested')).toMatchObject({ person: p.personOf(bobmain) });
  });

  it('a note naming another Discord account than the sheet player disputes the row', () => {
    const main = char('Brewmain', { officer: 'Discord: carl' });
    const carl = member('carl');
    const dan = member('dan');
    const links = [sheetLink(1, { memberId: dan.id }, 'DiscordIDs row 4: Dan'), sheetLink(1, { characterId: main.id }, 'Characters row 9: Dan plays Brewmain-senjin (main)')];
    const p = plan([main], [carl, dan], links, [1]);
    expect(p.claims.find((c) => c.linkId === links[1]!.id)).toMatchObject({ status: 'suggested', flag: { kind: 'sources_disagree', reason: expect.stringMatching(/names the Discord user carl/) } });
  });

  it('two sheet rows giving one character to two players: both suggestions, one flag naming both rows', () => {
    const c = char('Trogtotem');
    const links = [sheetLink(1, { characterId: c.id }, 'Characters row 3: Trog plays Trogtotem-senjin'), sheetLink(2, { characterId: c.id }, 'Characters row 21: Shodoom plays Trogtotem-senjin')];
    const p = plan([c], [], links, [1, 2]);
    expect(p.claims.map((x) => x.status)).toEqual(['suggested', 'suggested']);
    expect(p.claims[0]!.flag).toMatchObject({ kind: 'claimed_twice', reason: expect.stringMatching(/row 3.*row 21/) });
  });

  it('an undisputed sheet row stays confirmed, and a fixed note confirms a disputed row again', () => {
    const main = char('Kazmain', { note: 'Main' });
    const other = char('Othermain', { officer: 'Discord: other' });
    const alt = char('Kazalt', { note: 'alt of Othermain' });
    const o = member('other');
    const links = [sheetLink(1, { characterId: main.id }, 'row 2'), sheetLink(1, { characterId: alt.id }, 'row 3'), sheetLink(2, { characterId: other.id }, 'row 4')];
    expect(plan([main, other, alt], [o], links, [1, 2]).claims.find((c) => c.linkId === links[1]!.id)!.status).toBe('suggested');
    alt.guildNote = 'alt of Kazmain';
    expect(plan([main, other, alt], [o], links, [1, 2]).claims.find((c) => c.linkId === links[1]!.id)).toEqual({ linkId: links[1]!.id, status: 'confirmed', flag: null });
  });
});

describe('notes name players, not only characters', () => {
  const mike = () => ({ trogmoon: char('Trogmoon', { note: 'Main', officer: 'Discord: trog' }), trog: member('trog', { global: 'Mike', nick: 'Trog' }) });

  it.each([
    ['Trog alt', 'the server nickname'],
    ["Mike's alt", 'the display name'],
    ['Mikes hunter', 'a possessive without apostrophe'],
    ['ALT(Trog)', 'a LibAlts format'],
    ['A:Mike', 'a LibAlts short format'],
    ['=Trog', 'a LibAlts short format'],
    ['alt-Trogmoon', 'a LibAlts format naming the main'],
    ['alt of Trogmoon-Senjin', 'a realm written as the game writes it'],
  ])('"%s" (%s) puts the alt with its player', (note) => {
    const { trogmoon, trog } = mike();
    const alt = char('Quietpriest', { note });
    const p = plan([trogmoon, alt], [trog]);
    expect(p.personOf(alt)).toBe(p.personOf(trogmoon));
    expect(p.accountOf(p.personOf(trogmoon))).toBe(trog.id);
    expect(p.unknownMains).toEqual([]);
  });

  it("a note key the player's other characters share groups them, and names their account when one member goes by it", () => {
    const a = char('Shodoom', { note: 'Sho' });
    const b = char('Shobank', { note: 'Sho bank' });
    const c = char('Quickdruid', { officer: 'Sho alt' });
    const sho = member('shoddy', { nick: 'Sho' });
    const p = plan([a, b, c], [sho]);
    expect(new Set([a, b, c].map((x) => p.personOf(x))).size).toBe(1);
    expect(p.accountOf(p.personOf(a))).toBe(sho.id);
  });

  it('words that are not names are never a main, and a player name nobody goes by is not a missing main', () => {
    const chars = [char('Raidlead', { note: 'Raid on Tues' }), char('Gbank', { note: 'bank' }), char('Pusher', { note: 'M+ pusher' }), char('Nickalt', { note: '(Someone)' })];
    const p = plan(chars, []);
    expect(p.unknownMains).toEqual([]);
    expect(new Set(chars.map((c) => p.personOf(c))).size).toBe(4);
  });

  it("GRM's upper-case colour codes are read through", () => {
    const { trogmoon, trog } = mike();
    const alt = char('Colourful', { officer: '|CFFFF0000Alt of Trogmoon|R' });
    const p = plan([trogmoon, alt], [trog]);
    expect(p.personOf(alt)).toBe(p.personOf(trogmoon));
  });
});

describe('every name Discord has', () => {
  it.each([['Skatefarm-Tichondrius'], ['Skatefarm | Officer'], ['【PATT】Skatefarm'], ['Ｓｋａｔｅｆａｒｍ']])('the nickname "%s" names the character, unique on both sides: linked', (nick) => {
    const c = char('Skatefarm', { realm: 'tichondrius' });
    const m = member('sk8er', { nick });
    const p = plan([c], [m]);
    expect(p.accountOf(p.personOf(c))).toBe(m.id);
  });
});

describe('whole persons', () => {
  it("a group whose account is an officer's person is suggested whole: main and alts in one decision", () => {
    const main = char('Newmain', { officer: 'Discord: kaz' });
    const alt1 = char('Newalt', { note: 'alt of Newmain' });
    const alt2 = char('Newbank', { note: "Newmain's alt" });
    const kaz = member('kaz');
    const theirs = char('Kazmain', { note: 'Main' });
    const officer: EngineLink = { id: 1, personId: 7, characterId: null, memberId: kaz.id, status: 'confirmed', source: 'officer', decided: true, confidence: 1, evidence: [] };
    const officerMain: EngineLink = { ...officer, id: 2, characterId: theirs.id, memberId: null };
    const p = plan([theirs, main, alt1, alt2], [kaz], [officer, officerMain], [7]);
    expect(p.links.filter((l) => l.person === 7 && l.status === 'suggested').map((l) => l.characterId).sort()).toEqual([main.id, alt1.id, alt2.id].sort());
    expect(p.links.some((l) => l.person === 7 && l.status === 'confirmed')).toBe(false);
  });

  it('a person officers made of an account alone is filled with the one group sure of that account', () => {
    const main = char('Lonemain', { officer: 'Discord: lone' });
    const alt = char('Lonealt', { note: 'alt of Lonemain' });
    const lone = member('lone');
    const sheet = sheetLink(8, { memberId: lone.id }, 'DiscordIDs row 7: Lone');
    const p = plan([main, alt], [lone], [sheet], [8]);
    expect([p.personOf(main), p.personOf(alt)]).toEqual([8, 8]);
  });
});

describe('history counts', () => {
  it('a note naming a main by its name before a rename still finds it', () => {
    const main = char('Newname', { note: 'Main', previous: ['Oldname'] });
    const alt = char('Altie', { note: 'alt of Oldname' });
    const p = plan([main, alt], []);
    expect(p.personOf(alt)).toBe(p.personOf(main));
    expect(p.unknownMains).toEqual([]);
  });

  it('a departed character is still matched, so its player keeping the roles can be found', () => {
    const gone = char('Leftguy', { inGuild: false, officer: 'Discord: lefty' });
    const lefty = member('lefty');
    const p = plan([gone], [lefty]);
    expect(p.accountOf(p.personOf(gone))).toBe(lefty.id);
  });

  it("an account's nickname that is a character's former name is a suggestion", () => {
    const c = char('Newname', { previous: ['Oldname'] });
    const m = member('someone', { nick: 'Oldname' });
    const p = plan([c], [m]);
    expect(p.links.find((l) => l.memberId === m.id)).toMatchObject({ status: 'suggested', evidence: [expect.objectContaining({ rule: 'former_name_on_discord' })] });
  });
});

describe('a review band for fuzzy evidence', () => {
  it('accent twins with no note are suggestions, never links; a nick with the exact accents names its own twin only', () => {
    const chars = [char('Dícoz'), char('Dìcoz'), char('Décoz', { realm: 'tichondrius' })];
    const m = member('dicozz', { nick: 'Dicoz' });
    const p = plan(chars, [m]);
    expect(p.links.filter((l) => l.memberId === m.id).map((l) => l.status)).toEqual(['suggested', 'suggested']);
    const exact = member('dicoztv', { nick: 'Dìcoz' });
    const q = plan(chars, [exact]);
    expect(q.links.filter((l) => l.memberId === exact.id).map((l) => [l.status, l.person])).toEqual([['confirmed', `new:${chars[1]!.id}`]]);
  });

  it('a nickname that shortens the main name is a suggestion', () => {
    const c = char('Ravenmoor', { note: 'trial' });
    const m = member('ravenm', { nick: 'Raven' });
    expect(plan([c], [m]).links.find((l) => l.memberId === m.id)).toMatchObject({ status: 'suggested', evidence: [expect.objectContaining({ rule: 'name_shortened', fuzzy: true })] });
  });

  it('a one-letter typo in a named main is a suggestion into that main, never automatic', () => {
    const main = char('Trogmoon', { note: 'Main' });
    const alt = char('Trogpriest', { note: 'alt of Trogmon' });
    const p = plan([main, alt], []);
    expect(p.personOf(alt)).not.toBe(p.personOf(main));
    expect(p.links.find((l) => l.characterId === alt.id && l.status === 'suggested')).toMatchObject({ person: p.personOf(main), evidence: [expect.objectContaining({ fuzzy: true, text: expect.stringMatching(/did they mean Trogmoon-senjin/) })] });
    expect(p.unknownMains).toEqual([expect.objectContaining({ characterId: alt.id, didYouMean: [main.id] })]);
  });

  it('a bank alt named after its main is suggested into the main, never automatic', () => {
    const main = char('Trogmoon', { note: 'Main' });
    const bank = char('Trogmoonbank');
    const p = plan([main, bank], []);
    expect(p.personOf(bank)).not.toBe(p.personOf(main));
    expect(p.links.find((l) => l.characterId === bank.id && l.status === 'suggested')).toMatchObject({ person: p.personOf(main), evidence: [expect.objectContaining({ rule: 'bank_named_after_main', fuzzy: true })] });
  });
});

describe('automatic when sure', () => {
  it("a public note's Discord handle naming exactly one member links", () => {
    const c = char('Solo', { note: 'Discord: solo.player' });
    const m = member('solo.player');
    expect(plan([c], [m]).accountOf(`new:${c.id}`)).toBe(m.id);
  });

  it('a name unique on both sides links, a visitor without a guild role too; the same name on two members is only suggested', () => {
    const c = char('Uniquename');
    const m = member('x1', { nick: 'Uniquename' });
    expect(plan([c], [m]).accountOf(`new:${c.id}`)).toBe(m.id);
    const twin = member('x2', { global: 'Uniquename' });
    expect(plan([c], [m, twin]).links.filter((l) => l.memberId !== null).map((l) => l.status)).toEqual(['suggested', 'suggested']);
    const visitor = member('x3', { nick: 'Uniquename', role: false });
    expect(plan([c], [visitor]).accountOf(`new:${c.id}`)).toBe(visitor.id);
  });

  it('two groups sure of one account: neither is linked', () => {
    const a = char('Firstone', { officer: 'Discord: shared' });
    const b = char('Secondone', { officer: 'Discord: shared' , realm: 'tichondrius'});
    const m = member('shared');
    // Two characters with no note joining them, each naming the account: one player or two? Officers say.
    const p = plan([a, b], [m]);
    expect(p.links.filter((l) => l.memberId === m.id).map((l) => l.status)).toEqual(['suggested', 'suggested']);
  });
});
