import { RealmIndex, exactNameKey, foldedNameKey, type KnownRealm } from './names';
import { mainFromNotes, rosterByName, type RosterCharacter } from './mains';
import { matchCharacter, THRESHOLDS, type Candidate, type Evidence, type MatchMember } from './matching';
import { readNotes, type NoteHint } from './notes';

/**
 * The identity engine's plan for one guild: which person every character and Discord account
 * belongs to, and why. Pure: the caller loads the guild's state, applies the plan, and records it.
 *
 * Officers' word wins. A link an officer (or the officers' sheet) decided is never changed here:
 * its target stays where it is, a rejected pair is never proposed again, and when the notes now
 * say otherwise the link is flagged for officers, not moved. Everything else is automation's own
 * work and is derived afresh from the evidence on every run, keeping person ids stable.
 */

export type LinkStatus = 'suggested' | 'confirmed' | 'rejected';
/** roster: a character that is its own main; notes: an alt named by notes; matcher: a Discord match. */
export type LinkSource = 'roster' | 'notes' | 'matcher' | 'officer' | 'sheet';

export interface EngineCharacter extends RosterCharacter {
  inGuild: boolean;
}

export interface EngineMember extends MatchMember {
  /** Still on the server. Departed members keep their links but are not matched again. */
  present: boolean;
}

export interface EngineLink {
  id: number;
  personId: number;
  characterId: number | null;
  memberId: number | null;
  status: LinkStatus;
  source: LinkSource;
  /** An officer (or the sheet) decided it: automation never touches it. */
  decided: boolean;
  confidence: number;
  evidence: Evidence[];
}

export interface EnginePerson {
  id: number;
  /** An officer or the sheet named the person or chose the main: automation keeps its hands off. */
  namedByOfficers: boolean;
}

export interface IdentityInput {
  guildRealmSlug: string;
  realms: KnownRealm[];
  characters: EngineCharacter[];
  members: EngineMember[];
  persons: EnginePerson[];
  links: EngineLink[];
}

/** An existing person id, or a key for a person the plan creates (`new:<main character id>`). */
export type PersonRef = number | `new:${number}`;

export interface PlannedLink {
  person: PersonRef;
  characterId: number | null;
  memberId: number | null;
  status: 'confirmed' | 'suggested';
  source: LinkSource;
  confidence: number;
  evidence: Evidence[];
}

export interface PlannedPerson {
  person: PersonRef;
  displayName: string;
  mainCharacterId: number | null;
}

export interface LinkFlag {
  reason: string;
  evidence: Evidence[];
}

export interface IdentityPlan {
  /** Every automation link that should exist after this run (decided links are not listed). */
  links: PlannedLink[];
  /** Names and mains of the persons automation looks after, including the new ones. */
  persons: PlannedPerson[];
  /** Decided, confirmed links the notes now contradict (flag) or no longer contradict (null). */
  flags: { linkId: number; flag: LinkFlag | null }[];
  /** Notes naming a main that is not on the roster: shown to officers, nothing linked. */
  unknownMains: { characterId: number; evidence: Evidence }[];
}

/** What one identity run changed and how the guild stands after it (the sync results carry it). */
export interface IdentityRunCounts {
  persons: number;
  personsCreated: number;
  personsRemoved: number;
  linksCreated: number;
  linksChanged: number;
  linksWithdrawn: number;
  linksUnchanged: number;
  confirmed: number;
  suggested: number;
  flagged: number;
  unknownMains: number;
}

const MAX_SUGGESTIONS = 3;

const NONE: ReadonlySet<number> = new Set();
const DIGITS = /^\d+$/;

/** Targets as numbers (characters positive, Discord members negative): cheap map keys at 10,000s. */
type Key = number;
const charKey = (id: number): Key => id;
const memberKey = (id: number): Key => -id;
const isCharKey = (k: Key) => k > 0;
const linkKey = (l: { characterId: number | null; memberId: number | null }): Key =>
  l.characterId !== null ? charKey(l.characterId) : memberKey(l.memberId!);

export function planIdentity(input: IdentityInput): IdentityPlan {
  const realms = new RealmIndex(input.realms);
  const characters = new Map(input.characters.map((c) => [c.id, c]));
  const inGuild = input.characters.filter((c) => c.inGuild);
  // Each character's notes are read once per plan.
  const hintCache = new Map<number, NoteHint[]>();
  const hintsOf = (c: EngineCharacter) => {
    let h = hintCache.get(c.id);
    if (!h) hintCache.set(c.id, (h = readNotes(c)));
    return h;
  };
  const byName = rosterByName(inGuild);
  const members = new Map(input.members.map((m) => [m.id, m]));
  const namedByOfficers = new Set(input.persons.filter((p) => p.namedByOfficers).map((p) => p.id));

  // What officers decided: where targets are fixed, and which pairs they rejected.
  const fixedOwner = new Map<Key, number>();
  const fixedLink = new Map<Key, EngineLink>();
  const rejected = new Map<Key, Set<number>>();
  const decidedPersons = new Set<number>();
  for (const l of input.links) {
    if (!l.decided) continue;
    const key = linkKey(l);
    if (l.status === 'confirmed') {
      fixedOwner.set(key, l.personId);
      fixedLink.set(key, l);
      // A person with decided characters is a group of its own; one with only a decided Discord
      // account is still automation's to fill with characters.
      if (l.characterId !== null) decidedPersons.add(l.personId);
    } else if (l.status === 'rejected') {
      rejected.set(key, (rejected.get(key) ?? new Set()).add(l.personId));
    }
  }
  const isRejected = (key: Key, person: number) => rejected.get(key)?.has(person) ?? false;
  const automationLinks = input.links.filter((l) => !l.decided);
  const autoHolder = new Map<Key, number>();
  for (const l of automationLinks) if (l.status === 'confirmed') autoHolder.set(linkKey(l), l.personId);

  // 1. Alts named by notes, as edges alt → main; contradictions of decided links are flagged.
  const unknownMains: IdentityPlan['unknownMains'] = [];
  const flags = new Map<number, LinkFlag | null>();
  for (const l of fixedLink.values()) if (l.characterId !== null) flags.set(l.id, null);
  const edges: { alt: number; main: number; evidence: Evidence }[] = [];
  for (const c of inGuild) {
    const said = mainFromNotes(c, byName, realms, input.guildRealmSlug, hintsOf(c));
    if (said.kind === 'unknown_main') unknownMains.push({ characterId: c.id, evidence: said.evidence });
    if (said.kind !== 'main') continue;
    const altOwner = fixedOwner.get(charKey(c.id));
    const mainOwner = fixedOwner.get(charKey(said.mainId));
    if (altOwner !== undefined && mainOwner !== undefined && altOwner !== mainOwner) {
      const main = characters.get(said.mainId)!;
      flags.set(fixedLink.get(charKey(c.id))!.id, {
        reason: `The notes say ${c.name}'s main is ${main.name}-${main.realmSlug}, who belongs to another person (#${mainOwner}).`,
        evidence: [said.evidence],
      });
      continue;
    }
    // Officers split these two apart: the note does not join them again. (An alt an officer only
    // took out of a person is split off when groups get their persons, below.)
    if (mainOwner !== undefined && isRejected(charKey(c.id), mainOwner)) continue;
    if (altOwner !== undefined && isRejected(charKey(said.mainId), altOwner)) continue;
    const mainHolder = autoHolder.get(charKey(said.mainId));
    if (altOwner !== undefined && mainHolder !== undefined && isRejected(charKey(c.id), mainHolder)) continue;
    edges.push({ alt: c.id, main: said.mainId, evidence: said.evidence });
  }

  // 2. Groups: characters joined by note edges, each decided person a group of its own that
  //    edges may add to but never merge with another decided person.
  // Characters by id, decided persons as negative nodes.
  const groups = new UnionFind();
  for (const [key, person] of fixedOwner) if (isCharKey(key) && characters.get(key)?.inGuild) groups.union(key, -person);
  const personOf = (root: number) => groups.members(root).find((k) => k < 0);
  for (const e of edges) {
    const a = groups.find(charKey(e.alt));
    const b = groups.find(charKey(e.main));
    if (a === b) continue;
    const pa = personOf(a);
    const pb = personOf(b);
    if (pa && pb && pa !== pb) continue; // two decided persons: officers merge persons, not notes
    groups.union(a, b);
  }
  const edgeOf = new Map(edges.map((e) => [e.alt, e]));

  // 3. A person for every group: the decided person in it, else the automation person that holds
  //    the group's main (or most of its characters), else a new one.
  interface Group {
    person: PersonRef;
    characters: EngineCharacter[];
    main: EngineCharacter;
    decided: boolean;
  }
  const draft: { decidedPerson: number | null; characters: EngineCharacter[] }[] = [];
  const byRoot = new Map<number, { decidedPerson: number | null; characters: EngineCharacter[] }>();
  for (const c of inGuild) {
    const root = groups.find(charKey(c.id));
    let g = byRoot.get(root);
    if (!g) {
      const p = personOf(root);
      g = { decidedPerson: p !== undefined ? -p : null, characters: [] };
      byRoot.set(root, g);
      draft.push(g);
    }
    g.characters.push(c);
  }
  const taken = new Set<number>(decidedPersons);
  const groupsOut: Group[] = [];
  // Bigger groups choose their person first, so a split leaves the old id with most characters.
  draft.sort((a, b) => b.characters.length - a.characters.length || a.characters[0]!.id - b.characters[0]!.id);
  for (const g of draft) {
    const main = groupMain(g.characters, edgeOf);
    let person: PersonRef;
    const mainHolder = autoHolder.get(charKey(main.id));
    if (g.decidedPerson !== null) person = g.decidedPerson;
    // Officers added to this person (a bank alt, a Discord account): its own characters stay.
    else if (mainHolder !== undefined && decidedPersons.has(mainHolder) && !isRejected(charKey(main.id), mainHolder)) person = mainHolder;
    else {
      // Groups are a few characters: small arrays, not a map per group.
      const holders: [person: number, weight: number][] = [];
      for (const c of g.characters) {
        const p = autoHolder.get(charKey(c.id));
        // Never a person an officer took the main out of: the group follows its main.
        if (p === undefined || taken.has(p) || isRejected(charKey(main.id), p)) continue;
        const weight = c.id === main.id ? 1000 : 1;
        const seen = holders.find((h) => h[0] === p);
        if (seen) seen[1] += weight;
        else holders.push([p, weight]);
      }
      const best = holders.sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
      person = best ? best[0] : `new:${main.id}`;
      if (best) taken.add(best[0]);
    }
    // A character an officer took out of this person starts a person of its own.
    const kept = typeof person === 'number' ? g.characters.filter((c) => !isRejected(charKey(c.id), person)) : g.characters;
    for (const c of g.characters) {
      if (kept.includes(c)) continue;
      const own = autoHolder.get(charKey(c.id));
      const alone: PersonRef = own !== undefined && !taken.has(own) && !isRejected(charKey(c.id), own) ? own : `new:${c.id}`;
      if (typeof alone === 'number') taken.add(alone);
      groupsOut.push({ person: alone, characters: [c], main: c, decided: false });
    }
    if (kept.length > 0) groupsOut.push({ person, characters: kept, main: kept.includes(main) ? main : groupMain(kept, edgeOf), decided: g.decidedPerson !== null });
  }

  // Groups that landed in one person (officers added to it) are matched to Discord as one.
  // Only numbered persons can be reached twice (new ones are keyed by their own main).
  const byPerson = new Map<number, Group>();
  const merged: Group[] = [];
  for (const g of groupsOut) {
    const same = typeof g.person === 'number' ? byPerson.get(g.person) : undefined;
    if (!same) {
      if (typeof g.person === 'number') byPerson.set(g.person, g);
      merged.push(g);
      continue;
    }
    const both: Group = { ...same, characters: [...same.characters, ...g.characters].sort((a, b) => a.id - b.id), main: g.decided ? g.main : same.main, decided: same.decided || g.decided };
    byPerson.set(g.person as number, both);
    merged[merged.indexOf(same)] = both;
  }
  groupsOut.length = 0;
  groupsOut.push(...merged);

  // 4. Character links automation keeps: each character in its group's person.
  const links: PlannedLink[] = [];
  for (const g of groupsOut) {
    for (const c of g.characters) {
      if (fixedOwner.has(charKey(c.id))) continue;
      const edge = edgeOf.get(c.id);
      const viaNotes = edge !== undefined && g.characters.some((x) => x.id === edge.main);
      links.push({
        person: g.person,
        characterId: c.id,
        memberId: null,
        status: 'confirmed',
        source: viaNotes ? 'notes' : 'roster',
        confidence: viaNotes ? edge.evidence.weight : 1,
        evidence: viaNotes
          ? [edge.evidence]
          : [{ rule: 'own_main', source: 'roster', weight: 1, text: `${c.name}-${c.realmSlug} is on the roster and no note names another main`, fuzzy: false }],
      });
    }
  }

  // 5. Discord accounts: for every group without a confirmed account, the best match among its
  //    characters. Sure matches are confirmed only when no other group is sure of the same account.
  const index = new MemberIndex([...members.values()].filter((m) => m.present && !m.isBot));
  const hasDecidedMember = new Set<number>();
  for (const [key, person] of fixedOwner) if (!isCharKey(key)) hasDecidedMember.add(person);
  const joinSuggestions = new Map<Key, PlannedLink>();
  const fixedMemberOf = new Map<number, number>();
  for (const [key, person] of fixedOwner) if (!isCharKey(key)) fixedMemberOf.set(person, -key);
  const byUsername = new Map(index.all.map((m) => [exactNameKey(m.username), m]));
  const refusedBy = new Map<number, Set<number>>();
  for (const [key, persons] of rejected) if (!isCharKey(key)) for (const p of persons) refusedBy.set(p, (refusedBy.get(p) ?? new Set()).add(-key));
  /** An officer note naming another account than the one officers linked: flag the link. */
  const flagDiscordContradiction = (person: number, chars: EngineCharacter[]) => {
    const linked = members.get(fixedMemberOf.get(person)!);
    const link = fixedLink.get(memberKey(linked?.id ?? -1));
    if (!linked || !link) return;
    flags.set(link.id, null);
    for (const c of chars) {
      const said = hintsOf(c).find((h) => h.kind === 'discord_handle' && h.source === 'officer_note');
      if (!said) continue;
      const handle = exactNameKey(said.value.replace(/#\d{4}$/, ''));
      if (handle === exactNameKey(linked.username)) continue;
      const other = byUsername.get(handle);
      if (!other) continue;
      flags.set(link.id, {
        reason: `The officer note of ${c.name} names the Discord user ${other.username}, but this person is linked to ${linked.username}.`,
        evidence: [{ rule: 'discord_handle_in_note', source: 'officer_note', weight: 0.6, text: `officer note "${said.evidence}" names the Discord user ${other.username}`, fuzzy: false }],
      });
      return;
    }
  };
  const proposals: { group: Group; candidates: (Candidate & { characterId: number })[] }[] = [];
  const sureClaims = new Map<number, number>();
  for (const g of groupsOut) {
    if (typeof g.person === 'number' && hasDecidedMember.has(g.person)) {
      flagDiscordContradiction(g.person, g.characters);
      continue;
    }
    const best: (Candidate & { characterId: number })[] = [];
    const refused = (typeof g.person === 'number' ? refusedBy.get(g.person) : undefined) ?? NONE;
    for (const c of g.characters) {
      const hints = hintsOf(c);
      const decision = matchCharacter(c, index.candidatesFor(c, hints), refused, hints);
      const found = decision.decision === 'auto_confirm' ? [decision.candidate, ...decision.others] : decision.decision === 'suggest' ? decision.candidates : [];
      for (const cand of found) {
        // A member officers placed in another person is not proposed (they decide merges).
        const owner = fixedOwner.get(memberKey(cand.memberId));
        if (owner !== undefined && owner !== g.person) {
          // The account belongs to a person officers decided: this character may be one more of
          // theirs. Asked, never done: moving into an officer's person is an officer's call.
          if (!g.decided && !isRejected(charKey(c.id), owner)) joinSuggestions.set(charKey(c.id), { person: owner, characterId: c.id, memberId: null, status: 'suggested', source: 'matcher', confidence: cand.confidence, evidence: cand.evidence });
          continue;
        }
        const at = best.findIndex((b) => b.memberId === cand.memberId);
        if (at < 0) best.push({ ...cand, characterId: c.id });
        else if (cand.confidence > best[at]!.confidence) best[at] = { ...cand, characterId: c.id };
      }
    }
    if (best.length === 0) continue;
    const candidates = best.sort((a, b) => b.confidence - a.confidence || a.memberId - b.memberId);
    proposals.push({ group: g, candidates });
    const sure = candidates.filter(isSure);
    if (sure.length === 1) sureClaims.set(sure[0]!.memberId, (sureClaims.get(sure[0]!.memberId) ?? 0) + 1);
  }
  const memberLinked = new Map<PersonRef, number>();
  for (const { group, candidates } of proposals) {
    const sure = candidates.filter(isSure);
    const confirmed = sure.length === 1 && sureClaims.get(sure[0]!.memberId) === 1 ? sure[0]! : null;
    if (confirmed) memberLinked.set(group.person, confirmed.memberId);
    const shown = confirmed ? [confirmed] : candidates.slice(0, MAX_SUGGESTIONS);
    for (const cand of shown) {
      links.push({
        person: group.person,
        characterId: null,
        memberId: cand.memberId,
        status: cand === confirmed ? 'confirmed' : 'suggested',
        source: 'matcher',
        confidence: cand.confidence,
        evidence: cand.evidence,
      });
    }
  }

  for (const l of joinSuggestions.values()) links.push(l);

  // 6. Automation links of departed characters and members stay where they are: history, not news.
  const planned = new Set(links.map(linkKey));
  for (const l of automationLinks) {
    const gone = l.characterId !== null ? !characters.get(l.characterId)?.inGuild : !members.get(l.memberId!)?.present;
    if (gone && l.status === 'confirmed' && !planned.has(linkKey(l))) {
      links.push({ person: l.personId, characterId: l.characterId, memberId: l.memberId, status: 'confirmed', source: l.source, confidence: l.confidence, evidence: l.evidence });
    }
  }

  // 7. Names and mains of automation's persons.
  const persons: PlannedPerson[] = [];
  for (const g of groupsOut) {
    if (typeof g.person === 'number' && namedByOfficers.has(g.person)) continue;
    const memberId = memberLinked.get(g.person) ?? (typeof g.person === 'number' ? fixedMemberOf.get(g.person) : undefined);
    const member = memberId !== undefined ? members.get(memberId) : undefined;
    persons.push({ person: g.person, displayName: member ? (member.globalName ?? member.username) : g.main.name, mainCharacterId: g.main.id });
  }

  return {
    links,
    persons,
    flags: [...flags].map(([linkId, flag]) => ({ linkId, flag })),
    unknownMains,
  };
}

function isSure(c: Candidate): boolean {
  return c.confidence >= THRESHOLDS.autoConfirm && c.evidence.some((e) => !e.fuzzy);
}

/** The main of a group: the character most alts name; a lone character is its own main. */
function groupMain(chars: EngineCharacter[], edgeOf: Map<number, { main: number }>): EngineCharacter {
  if (chars.length === 1) return chars[0]!;
  const ids = new Set(chars.map((c) => c.id));
  const named = new Map<number, number>();
  for (const c of chars) {
    const e = edgeOf.get(c.id);
    if (e && ids.has(e.main)) named.set(e.main, (named.get(e.main) ?? 0) + 1);
  }
  const roots = chars.filter((c) => !(edgeOf.has(c.id) && ids.has(edgeOf.get(c.id)!.main)));
  const pool = roots.length > 0 ? roots : chars;
  return [...pool].sort((a, b) => (named.get(b.id) ?? 0) - (named.get(a.id) ?? 0) || a.id - b.id)[0]!;
}

/**
 * Discord members by every name part they show and by every folded part, so each character is
 * compared with the few accounts that could match it instead of all of them.
 */
class MemberIndex {
  private readonly byPart = new Map<string, MatchMember[]>();

  constructor(readonly all: MatchMember[]) {
    for (const m of all) {
      const keys = new Set<string>();
      for (const n of [m.username, m.username.replace(/#\d{4}$/, ''), m.globalName, m.nickname]) {
        if (!n) continue;
        keys.add(exactNameKey(n));
        // Names start with a letter: "Player 12" is found under "player", never under "12".
        for (const part of n.split(/[\s|/,()[\]]+/u)) if (part && !DIGITS.test(part)) keys.add(exactNameKey(part)).add(foldedNameKey(part));
      }
      for (const k of keys) {
        const list = this.byPart.get(k);
        if (list) list.push(m);
        else this.byPart.set(k, [m]);
      }
    }
  }

  candidatesFor(c: RosterCharacter, hints: NoteHint[]): MatchMember[] {
    // A handful of accounts at most: a plain array beats a Set at 10,000 characters a run.
    const found: MatchMember[] = [];
    const add = (key: string) => {
      const list = this.byPart.get(key);
      if (list) for (const m of list) if (!found.includes(m)) found.push(m);
    };
    const look = (name: string) => {
      const exact = exactNameKey(name);
      add(exact);
      const folded = foldedNameKey(name);
      if (folded !== exact) add(folded);
    };
    look(c.name);
    for (const h of hints) look(h.kind === 'discord_handle' ? h.value.replace(/#\d{4}$/, '') : h.value);
    return found;
  }
}

/** Union-find over numbers, with the members of each set on demand. */
class UnionFind {
  private readonly parent = new Map<number, number>();
  private readonly sets = new Map<number, number[]>();

  find(k: number): number {
    let root = k;
    for (let up = this.parent.get(root); up !== undefined && up !== root; up = this.parent.get(root)) root = up;
    if (!this.parent.has(k)) {
      this.parent.set(k, k);
      this.sets.set(k, [k]);
    }
    let cur = k;
    while (cur !== root) {
      const next = this.parent.get(cur)!;
      this.parent.set(cur, root);
      cur = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const [big, small] = this.sets.get(ra)!.length >= this.sets.get(rb)!.length ? [ra, rb] : [rb, ra];
    this.parent.set(small, big);
    this.sets.get(big)!.push(...this.sets.get(small)!);
    this.sets.delete(small);
  }

  members(root: number): number[] {
    return this.sets.get(root) ?? [root];
  }
}
