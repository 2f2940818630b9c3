import fc from 'fast-check';
import { planIdentity, type EngineCharacter, type EngineLink, type EngineMember, type IdentityInput, type IdentityPlan, type PersonRef } from './engine';
import { diffLinks } from './diff';

/**
 * The engine on the guild's officers, their alts and Discord accounts. A small
 * in-memory store applies each plan the way the database does, so re-runs can be checked.
 */
const REALMS = [
  { slug: 'senjin', name: "Sen'jin" },
  { slug: 'alterac-mountains', name: 'Alterac Mountains' },
  { slug: 'sargeras', name: 'Sargeras' },
  { slug: 'bleeding-hollow', name: 'Bleeding Hollow' },
  { slug: 'tichondrius', name: 'Tichondrius' },
];

let nextId = 1;
const char = (name: string, realmSlug: string, guildNote: string | null = null, officerNote: string | null = null): EngineCharacter => ({ id: nextId++, name, realmSlug, guildNote, officerNote, inGuild: true });
const member = (username: string, globalName: string | null, nickname: string | null = null, isBot = false): EngineMember => ({ id: 1000 + nextId++, username, globalName, nickname, isBot, present: true });

function officersGuild() {
  const c = {
    trogmoon: char('Trogmoon', 'senjin', 'Main', 'Discord: trog'),
    trogtotem: char('Trogtotem', 'senjin', 'Alt of Trogmoon'),
    pattbank: char('Pattbank', 'senjin', "Trogmoon's alt"),
    pattvault: char('Pattvault', 'senjin'), // a bank alt with no note
    bloodvalor: char('Bloodvalor', 'alterac-mountains', 'Main', 'Discord: mito'),
    zatanya: char('Zatañña', 'sargeras', 'Main', 'DC: rocket'),
    zatanna: char('Zatanna', 'senjin', 'ALT: Zatañña-Sargeras'),
    shodoom: char('Shodoom', 'bleeding-hollow', 'Sho', 'Disc: shodoom'),
    skatefarm: char('Skatefarm', 'tichondrius', 'Main', 'Discord: skate'),
  };
  const m = {
    trog: member('trog', 'Mike', 'Trogmoon'),
    mito: member('mito', 'Mito', 'Bloodvalor'),
    rocket: member('rocket', 'Rocket', 'Zatanna'),
    shodoom: member('shodoom', 'Shodoom'),
    skate: member('skate', 'Skate', 'Skate | Skatefarm'),
    mee6: member('MEE6#4876', null, 'Trogmoon', true),
  };
  return { c, m };
}

/** Applies plans like db/operations/identity does: decided links stay, automation's are diffed. */
class Store {
  persons = new Map<number, { namedByOfficers: boolean; displayName: string; mainCharacterId: number | null }>();
  links: EngineLink[] = [];
  flags = new Map<number, string | null>();
  private seq = 1;

  constructor(
    public characters: EngineCharacter[],
    public members: EngineMember[],
  ) {}

  input(): IdentityInput {
    return {
      guildRealmSlug: 'senjin',
      realms: REALMS,
      characters: this.characters,
      members: this.members,
      persons: [...this.persons].map(([id, p]) => ({ id, namedByOfficers: p.namedByOfficers })),
      links: this.links,
    };
  }

  run(): IdentityPlan {
    const plan = planIdentity(this.input());
    const newIds = new Map<PersonRef, number>();
    for (const p of plan.persons) if (typeof p.person === 'string') newIds.set(p.person, this.seq++);
    const idOf = (ref: PersonRef) => (typeof ref === 'number' ? ref : newIds.get(ref) ?? (newIds.set(ref, this.seq++), newIds.get(ref)!));
    const diff = diffLinks(this.links.filter((l) => !l.decided), plan.links);
    const removed = new Set(diff.removals.map((l) => l.id));
    this.links = this.links.filter((l) => !removed.has(l.id));
    for (const u of diff.updates) Object.assign(this.links.find((l) => l.id === u.id)!, { status: u.link.status, source: u.link.source, confidence: u.link.confidence, evidence: u.link.evidence });
    for (const p of diff.inserts) this.links.push({ id: this.seq++, personId: idOf(p.person), characterId: p.characterId, memberId: p.memberId, status: p.status, source: p.source, decided: false, confidence: p.confidence, evidence: p.evidence });
    for (const p of plan.persons) {
      const id = idOf(p.person);
      this.persons.set(id, { namedByOfficers: false, displayName: p.displayName, mainCharacterId: p.mainCharacterId });
    }
    for (const f of plan.flags) this.flags.set(f.linkId, f.flag?.reason ?? null);
    this.checkInvariants();
    return plan;
  }

  /** What an officer does through the API. */
  decide(linkId: number, status: 'confirmed' | 'rejected') {
    const l = this.links.find((x) => x.id === linkId)!;
    // The API answers 409 when officers already placed the target elsewhere.
    if (status === 'confirmed' && this.links.some((x) => x.decided && x.status === 'confirmed' && sameTarget(x, l))) return;
    if (status === 'confirmed') this.links = this.links.filter((x) => x === l || x.decided || x.status !== 'confirmed' || !sameTarget(x, l));
    Object.assign(l, { status, decided: true, source: l.source });
  }

  officerLink(personId: number, target: { characterId?: number; memberId?: number }) {
    const t = { characterId: target.characterId ?? null, memberId: target.memberId ?? null };
    this.links = this.links.filter((x) => x.decided || !sameTarget(x, t));
    // One row per person and target (as the database's unique index): a rejection is overruled.
    const same = this.links.find((x) => x.personId === personId && sameTarget(x, t));
    if (same) return Object.assign(same, { status: 'confirmed', source: 'officer', decided: true }).id;
    const id = this.seq++;
    this.links.push({ id, personId, ...t, status: 'confirmed', source: 'officer', decided: true, confidence: 1, evidence: [] });
    return id;
  }

  personOf(target: { characterId?: number; memberId?: number }): number | undefined {
    return this.links.find((l) => l.status === 'confirmed' && sameTarget(l, { characterId: target.characterId ?? null, memberId: target.memberId ?? null }))?.personId;
  }

  linksOf(personId: number, status = 'confirmed') {
    return this.links.filter((l) => l.personId === personId && l.status === status);
  }

  private checkInvariants() {
    const confirmed = new Map<string, number>();
    for (const l of this.links.filter((x) => x.status === 'confirmed')) {
      const k = l.characterId !== null ? `c${l.characterId}` : `m${l.memberId}`;
      expect(confirmed.has(k)).toBe(false); // one confirmed person per character / account
      confirmed.set(k, l.personId);
    }
  }
}

const sameTarget = (a: { characterId: number | null; memberId: number | null }, b: { characterId: number | null; memberId: number | null }) =>
  a.characterId === b.characterId && a.memberId === b.memberId;

describe('planIdentity: the five officers', () => {
  const { c, m } = officersGuild();
  const store = new Store(Object.values(c), Object.values(m));
  store.run();

  it.each([
    ['Mike', c.trogmoon, m.trog, [c.trogtotem, c.pattbank]],
    ['Mito', c.bloodvalor, m.mito, []],
    ['Rocket', c.zatanya, m.rocket, [c.zatanna]],
    ['Shodoom', c.shodoom, m.shodoom, []],
    ['Skate', c.skatefarm, m.skate, []],
  ])('%s: main, alts and Discord account in one person, each link with its evidence', (displayName, main, account, alts) => {
    const person = store.personOf({ characterId: main.id })!;
    expect(store.persons.get(person)).toMatchObject({ displayName, mainCharacterId: main.id });
    const links = store.linksOf(person);
    expect(links.map((l) => l.characterId ?? `m${l.memberId}`).sort()).toEqual([main.id, ...alts.map((a) => a.id), `m${account.id}`].sort());
    for (const l of links) expect(l.evidence.length).toBeGreaterThan(0);
    const discord = links.find((l) => l.memberId === account.id)!;
    expect(discord).toMatchObject({ source: 'matcher', status: 'confirmed' });
    expect(discord.evidence[0]!.text).toMatch(/officer note ".*" names the Discord user/);
  });

  it("says which note made an alt: Zatanna's public note names Zatañña on Sargeras", () => {
    const link = store.links.find((l) => l.characterId === c.zatanna.id)!;
    expect(link).toMatchObject({ source: 'notes', status: 'confirmed' });
    expect(link.evidence[0]!.text).toBe('public note "ALT: Zatañña-Sargeras" names the main Zatañña-sargeras');
  });

  it('leaves a bank alt with no note as its own person with no Discord account (an orphan to resolve)', () => {
    const person = store.personOf({ characterId: c.pattvault.id })!;
    expect(store.linksOf(person).map((l) => l.characterId)).toEqual([c.pattvault.id]);
    expect(store.linksOf(person, 'suggested')).toEqual([]);
  });

  it('never links a bot, even one whose nickname is a character name', () => {
    expect(store.links.some((l) => l.memberId === m.mee6.id)).toBe(false);
  });

  it('changes nothing on a second run: same persons, same links', () => {
    const before = JSON.stringify(store.links);
    const persons = [...store.persons.keys()];
    store.run();
    expect(JSON.stringify(store.links)).toBe(before);
    expect([...store.persons.keys()]).toEqual(persons);
  });
});

describe("planIdentity: officers' word wins", () => {
  it('never suggests a pair again once an officer rejected it, across re-runs', () => {
    const a = char('Kazgor', 'senjin');
    const b = char('Lunaria', 'senjin');
    const kaz = member('kazzy', 'Kazgor'); // nickname_is_character only, a name two members go by: a suggestion
    const store = new Store([a, b], [kaz, member('kazgor_alt', 'Kazgor')]);
    store.run();
    const suggestion = store.links.find((l) => l.memberId === kaz.id)!;
    expect(suggestion).toMatchObject({ status: 'suggested', personId: store.personOf({ characterId: a.id }) });
    store.decide(suggestion.id, 'rejected');
    store.run();
    store.run();
    expect(store.links.filter((l) => l.memberId === kaz.id)).toEqual([expect.objectContaining({ id: suggestion.id, status: 'rejected' })]);
  });

  it('keeps a suggestion an officer confirmed, even when its evidence goes away', () => {
    const a = char('Kazgor', 'senjin');
    const kaz = member('kazzy', 'Kazgor');
    const store = new Store([a], [kaz]);
    store.run();
    const suggestion = store.links.find((l) => l.memberId === kaz.id)!;
    store.decide(suggestion.id, 'confirmed');
    kaz.globalName = 'Somebody else';
    store.run();
    expect(store.links.find((l) => l.id === suggestion.id)).toMatchObject({ status: 'confirmed', decided: true });
  });

  it('flags a decided link the notes now contradict instead of moving it', () => {
    const { c, m } = officersGuild();
    const store = new Store(Object.values(c), Object.values(m));
    store.run();
    const mito = store.personOf({ characterId: c.bloodvalor.id })!;
    const trog = store.personOf({ characterId: c.trogmoon.id })!;
    // An officer says Trogtotem is Mito's; later the notes say it is Trogmoon's alt.
    const linkId = store.officerLink(mito, { characterId: c.trogtotem.id });
    store.officerLink(trog, { characterId: c.trogmoon.id });
    store.run();
    expect(store.personOf({ characterId: c.trogtotem.id })).toBe(mito);
    expect(store.flags.get(linkId)).toMatch(/notes say Trogtotem's main is Trogmoon-senjin, who belongs to another person/);
    // The note is corrected: the flag goes away.
    c.trogtotem.guildNote = 'Alt of Bloodvalor-AlteracMountains';
    store.run();
    expect(store.flags.get(linkId)).toBeNull();
  });

  it("flags a decided Discord link when the officer note names another account", () => {
    const { c, m } = officersGuild();
    const store = new Store(Object.values(c), Object.values(m));
    store.run();
    const person = store.personOf({ characterId: c.skatefarm.id })!;
    const linkId = store.officerLink(person, { memberId: m.skate.id });
    c.skatefarm.officerNote = 'Discord: mito';
    store.run();
    expect(store.flags.get(linkId)).toMatch(/names the Discord user mito, but this person is linked to skate/);
    expect(store.personOf({ memberId: m.skate.id })).toBe(person);
  });

  it('takes a character an officer removed out of its person for good, though the note still says alt', () => {
    const { c, m } = officersGuild();
    const store = new Store(Object.values(c), Object.values(m));
    store.run();
    const trog = store.personOf({ characterId: c.trogmoon.id })!;
    const link = store.links.find((l) => l.characterId === c.pattbank.id)!;
    store.decide(link.id, 'rejected');
    store.run();
    store.run();
    expect(store.personOf({ characterId: c.pattbank.id })).not.toBe(trog);
    expect(store.personOf({ characterId: c.pattbank.id })).toBeDefined();
    expect(store.personOf({ characterId: c.trogtotem.id })).toBe(trog);
  });

  it("suggests (never confirms) a new alt into an officer's person when its note names their Discord account", () => {
    const { c, m } = officersGuild();
    const store = new Store(Object.values(c), Object.values(m));
    store.run();
    const trog = store.personOf({ characterId: c.trogmoon.id })!;
    store.officerLink(trog, { memberId: m.trog.id });
    const newAlt = char('Trogdruid', 'senjin', null, 'Discord: trog');
    store.characters.push(newAlt);
    store.run();
    expect(store.personOf({ characterId: newAlt.id })).not.toBe(trog);
    expect(store.links.find((l) => l.characterId === newAlt.id && l.personId === trog)).toMatchObject({ status: 'suggested' });
  });
});

describe('planIdentity: names that bite', () => {
  it('never confirms Zatañña to an account that only writes Zatanna', () => {
    const z = char('Zatañña', 'sargeras');
    const acc = member('zatannafan', 'Zatanna');
    const store = new Store([z], [acc]);
    store.run();
    expect(store.links.find((l) => l.memberId === acc.id)).toMatchObject({ status: 'suggested' });
  });

  it('reads "Alt of Kazgor" as the Kazgor on the guild realm when two realms have one', () => {
    const home = char('Kazgor', 'senjin');
    const away = char('Kazgor', 'tichondrius');
    const alt = char('Kazbank', 'tichondrius', 'Alt of Kazgor');
    const store = new Store([home, away, alt], []);
    store.run();
    expect(store.personOf({ characterId: alt.id })).toBe(store.personOf({ characterId: home.id }));
    expect(store.personOf({ characterId: away.id })).not.toBe(store.personOf({ characterId: home.id }));
  });

  it('keeps a renamed character in its person (identity is the character id, not the name)', () => {
    const { c, m } = officersGuild();
    const store = new Store(Object.values(c), Object.values(m));
    store.run();
    const person = store.personOf({ characterId: c.trogtotem.id });
    c.trogmoon.name = 'Trogsun';
    c.trogtotem.guildNote = 'Alt of Trogsun';
    c.pattbank.guildNote = "Trogsun's alt";
    store.run();
    expect(store.personOf({ characterId: c.trogmoon.id })).toBe(person);
    expect(store.personOf({ characterId: c.trogtotem.id })).toBe(person);
  });

  it('reports a note naming a main who is not on the roster, and links nothing for it', () => {
    const alt = char('Lonely', 'senjin', 'Alt of Ghostmain');
    const store = new Store([alt], []);
    const plan = store.run();
    expect(plan.unknownMains).toEqual([{ characterId: alt.id, evidence: expect.objectContaining({ text: expect.stringMatching(/names Ghostmain, who is not on the roster/) }) }]);
    expect(store.linksOf(store.personOf({ characterId: alt.id })!).map((l) => l.characterId)).toEqual([alt.id]);
  });

  it('suggests both of two near-identical accounts and confirms neither', () => {
    const c = char('Kazgor', 'senjin', null, 'Discord: Kaz');
    const a = member('kaz', 'Kaz', 'Kazgor');
    const b = member('kaz_', 'Kaz', 'Kazgor');
    const store = new Store([c], [a, b]);
    store.run();
    const person = store.personOf({ characterId: c.id })!;
    expect(store.linksOf(person, 'suggested').map((l) => l.memberId).sort()).toEqual([a.id, b.id].sort());
    expect(store.linksOf(person).filter((l) => l.memberId !== null)).toEqual([]);
  });

  it('does not confirm one account for two players who both claim it; both become suggestions', () => {
    const a = char('Alpha', 'senjin', null, 'Discord: shared');
    const b = char('Beta', 'senjin', null, 'Discord: shared');
    const acc = member('shared', 'Alpha Beta', 'Alpha | Beta');
    const store = new Store([a, b], [acc]);
    store.run();
    expect(store.links.filter((l) => l.memberId === acc.id).map((l) => l.status)).toEqual(['suggested', 'suggested']);
  });

  it('withdraws its own link when the evidence goes, and says so by not keeping it', () => {
    const c = char('Kazgor', 'senjin', null, 'Discord: kaz');
    const acc = member('kaz', 'Kaz', 'Kazgor');
    const store = new Store([c], [acc]);
    store.run();
    expect(store.links.find((l) => l.memberId === acc.id)).toMatchObject({ status: 'confirmed' });
    c.officerNote = null;
    acc.nickname = null;
    store.run();
    expect(store.links.find((l) => l.memberId === acc.id)).toBeUndefined();
  });
});

describe('planIdentity: properties', () => {
  const names = ['Kazgor', 'Kazgór', 'Lunaria', 'Trog', 'Trogmoon', 'Zoë', 'Zoe', 'Bank', 'Ällëria', 'Alleria'];
  const notes = [null, 'Main', 'Alt of Kazgor', "Trogmoon's alt", 'Discord: trog', 'DC: kaz', '[Zoe]', 'AKA Lunaria', 'Alt of Nobody'];
  const arbitraryGuild = fc.record({
    // A name is unique on its realm, as in the game.
    chars: fc.uniqueArray(fc.record({ name: fc.constantFrom(...names), realm: fc.constantFrom('senjin', 'tichondrius'), note: fc.constantFrom(...notes), officer: fc.constantFrom(...notes), inGuild: fc.boolean() }), { maxLength: 14, selector: (c) => `${c.name}-${c.realm}` }),
    members: fc.array(fc.record({ username: fc.constantFrom('trog', 'kaz', 'zoe', 'lunaria', 'alleria'), nick: fc.option(fc.constantFrom(...names)), bot: fc.boolean() }), { maxLength: 8 }),
    decisions: fc.array(fc.record({ pick: fc.nat(), kind: fc.constantFrom('confirm', 'reject', 'link') }), { maxLength: 4 }),
  });

  it('one person per target, no rejected pair proposed, decided links untouched, and a re-run changes nothing', () => {
    fc.assert(
      fc.property(arbitraryGuild, ({ chars, members, decisions }) => {
        const store = new Store(
          chars.map((x) => ({ ...char(x.name, x.realm, x.note, x.officer), inGuild: x.inGuild })),
          members.map((x) => member(x.username, null, x.nick, x.bot)),
        );
        store.run();
        for (const d of decisions) {
          if (d.kind === 'link') {
            // An officer puts a character into a person (a bank alt into its owner's).
            const targets = store.characters.filter((c) => c.inGuild && !store.links.some((l) => l.decided && l.status === 'confirmed' && l.characterId === c.id));
            const persons = [...store.persons.keys()];
            if (targets.length > 0 && persons.length > 0) store.officerLink(persons[d.pick % persons.length]!, { characterId: targets[d.pick % targets.length]!.id });
            continue;
          }
          const open = store.links.filter((l) => !l.decided);
          if (open.length === 0) break;
          store.decide(open[d.pick % open.length]!.id, d.kind === 'reject' ? 'rejected' : 'confirmed');
        }
        const decided = JSON.stringify(store.links.filter((l) => l.decided));
        store.run();
        const settled = JSON.stringify(store.links);
        store.run();
        expect(JSON.stringify(store.links)).toBe(settled);
        expect(JSON.stringify(store.links.filter((l) => l.decided))).toBe(decided);
        for (const r of store.links.filter((l) => l.status === 'rejected')) {
          expect(store.links.filter((l) => l.personId === r.personId && !l.decided && sameTarget(l, r))).toEqual([]);
        }
        for (const c of store.characters.filter((x) => x.inGuild)) expect(store.personOf({ characterId: c.id })).toBeDefined();
        expect(store.links.some((l) => l.memberId !== null && store.members.find((m) => m.id === l.memberId)!.isBot)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});



describe('planIdentity: officers adding to a person', () => {
  it("keeps a person's own characters when an officer adds a bank alt to it", () => {
    const { c, m } = officersGuild();
    const store = new Store(Object.values(c), Object.values(m));
    store.run();
    const trog = store.personOf({ characterId: c.trogmoon.id })!;
    store.officerLink(trog, { characterId: c.pattvault.id });
    store.run();
    store.run();
    for (const x of [c.trogmoon, c.trogtotem, c.pattbank, c.pattvault]) expect(store.personOf({ characterId: x.id })).toBe(trog);
    expect(store.personOf({ memberId: m.trog.id })).toBe(trog);
  });
});

