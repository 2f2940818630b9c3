import { RealmIndex, exactNameKey, foldedNameKey, type KnownRealm } from './names';
import type { RosterCharacter } from './mains';
import { GuildNames, type NotesSay } from './guildNames';
import { handleKey, handleName, isSure, namesOf, weighPair, type Candidate, type Evidence, type MatchMember } from './matching';
import { plainNote, type NoteHint } from './notes';
import type { LinkFlag } from './flags';

/**
 * The identity engine's plan for one guild: which person every character and Discord account
 * belongs to, and why. Pure: the caller loads the guild's state, applies the plan, and records it.
 *
 * Officers' word wins. A link an officer decided is never changed here: its target stays where it
 * is, a rejected pair is never proposed again, and when the notes now say otherwise the link is
 * flagged for officers, not moved. The officers' sheet is strong evidence but not an officer's
 * decision: where the notes dispute a sheet row, neither wins; the row becomes a suggestion with a
 * flag naming both sides, and nothing is chained through the disputed character. Everything else
 * is automation's own work and is derived afresh from the evidence on every run, keeping person ids
 * stable.
 */

export type LinkStatus = 'suggested' | 'confirmed' | 'rejected';
/** roster: a character that is its own main; notes: an alt named by notes; matcher: a Discord match. */
export type LinkSource = 'roster' | 'notes' | 'matcher' | 'officer' | 'sheet';
export type { LinkFlag };

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
  /** An officer (or the sheet) decided it: automation never changes who it points at. */
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

export interface IdentityPlan {
  /** Every automation link that should exist after this run (decided links are not listed). */
  links: PlannedLink[];
  /** Names and mains of the persons automation looks after, including the new ones. */
  persons: PlannedPerson[];
  /** Officers' confirmed links the notes now contradict (flag) or no longer contradict (null). */
  flags: { linkId: number; flag: LinkFlag | null }[];
  /** Every sheet link that is not rejected: confirmed while undisputed, a flagged suggestion while disputed. */
  claims: { linkId: number; status: 'confirmed' | 'suggested'; flag: LinkFlag | null }[];
  /** Notes naming a main who is nowhere to be found: shown to officers, nothing linked. */
  unknownMains: { characterId: number; evidence: Evidence; didYouMean?: number[] }[];
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
/** Bank and mule alts named after their main: `Trogmoonbank`, `Skatevault`. */
const BANK_NAME = /^(.{3,}?)(?:bank|bnk|banker|vault|mule|mail|storage|stash)$/iu;

/** Targets as numbers (characters positive, Discord members negative): cheap map keys at 10,000s. */
type Key = number;
const charKey = (id: number): Key => id;
const memberKey = (id: number): Key => -id;
const isCharKey = (k: Key) => k > 0;
const linkKey = (l: { characterId: number | null; memberId: number | null }): Key => (l.characterId !== null ? charKey(l.characterId) : memberKey(l.memberId!));
const label = (c: { name: string; realmSlug: string }) => `${c.name}-${c.realmSlug}`;

interface Group {
  person: PersonRef;
  characters: EngineCharacter[];
  main: EngineCharacter;
  decided: boolean;
  /** Split off the group it belongs with only because officers took it out of that group's person. */
  splitFrom?: Group;
}

export function planIdentity(input: IdentityInput): IdentityPlan {
  const realms = new RealmIndex(input.realms);
  const characters = new Map(input.characters.map((c) => [c.id, c]));
  const members = new Map(input.members.map((m) => [m.id, m]));
  const humans = input.members.filter((m) => m.present && !m.isBot);
  const namedByOfficers = new Set(input.persons.filter((p) => p.namedByOfficers).map((p) => p.id));
  const hintsOf = (c: EngineCharacter) => guildNames.hintsOf(c);

  // ── What officers and the sheet said ────────────────────────────────────────────────────────
  const officerOwner = new Map<Key, number>();
  const officerLink = new Map<Key, EngineLink>();
  const sheetClaims = new Map<Key, EngineLink[]>();
  const rejected = new Map<Key, Set<number>>();
  const decidedPairs = new Set<string>();
  for (const l of input.links) {
    if (!l.decided) continue;
    const key = linkKey(l);
    decidedPairs.add(`${l.personId}/${key}`);
    if (l.status === 'rejected') rejected.set(key, (rejected.get(key) ?? new Set()).add(l.personId));
    else if (l.source === 'sheet') sheetClaims.set(key, [...(sheetClaims.get(key) ?? []), l]);
    else if (l.status === 'confirmed') {
      officerOwner.set(key, l.personId);
      officerLink.set(key, l);
    }
  }
  const isRejected = (key: Key, person: PersonRef) => typeof person === 'number' && (rejected.get(key)?.has(person) ?? false);
  const automationLinks = input.links.filter((l) => !l.decided);
  const autoHolder = new Map<Key, number>();
  for (const l of automationLinks) if (l.status === 'confirmed') autoHolder.set(linkKey(l), l.personId);

  /** Sheet rows an officer has not overruled (an officer's link of the same target wins). */
  const sheetOwner = new Map<Key, number[]>();
  for (const [key, claims] of sheetClaims) {
    if (officerOwner.has(key)) continue;
    sheetOwner.set(key, [...new Set(claims.map((l) => l.personId))]);
  }
  /** Who officers or the sheet (one row) place a target with. */
  const fixedOwnerOf = (key: Key): number | undefined => officerOwner.get(key) ?? (sheetOwner.get(key)?.length === 1 ? sheetOwner.get(key)![0] : undefined);

  // ── Every character is planned, departed ones too: history still counts (a former member's roles) ──
  const known = input.characters;
  const guildNames = new GuildNames({ guildRealmSlug: input.guildRealmSlug, realms, characters: known, members: humans });
  const { byName, byLength, keyOf, keyed, counts } = guildNames;
  const keyStandsForOnePlayer = (key: string) => guildNames.keyStandsForOnePlayer(key);
  const notesSay = (c: EngineCharacter) => guildNames.notesSay(c);

  // ── Sheet rows the notes dispute, and characters claimed by two rows ─────────────────────────
  const claims: IdentityPlan['claims'] = [];
  const disputed = new Map<number, { toward: NotesSay }>();
  const memberOfPerson = new Map<number, number>();
  for (const [key, person] of officerOwner) if (!isCharKey(key)) memberOfPerson.set(person, -key);
  for (const [key, persons] of sheetOwner) if (!isCharKey(key) && persons.length === 1 && !memberOfPerson.has(persons[0]!)) memberOfPerson.set(persons[0]!, -key);
  for (const [key, links] of sheetClaims) {
    const live = links.filter((l) => l.status !== 'rejected');
    if (officerOwner.has(key)) {
      // An officer placed it: the sheet row stays a suggestion for the record, without a flag.
      for (const l of live) if (l.personId !== officerOwner.get(key)) claims.push({ linkId: l.id, status: 'suggested', flag: null });
      else claims.push({ linkId: l.id, status: 'confirmed', flag: null });
      continue;
    }
    const persons = sheetOwner.get(key)!;
    if (!isCharKey(key)) {
      for (const l of live) claims.push({ linkId: l.id, status: persons.length === 1 ? 'confirmed' : 'suggested', flag: null });
      continue;
    }
    const c = characters.get(key);
    if (!c) continue;
    if (persons.length > 1) {
      disputed.set(c.id, { toward: { kind: 'none' } });
      const rows = live.map((l) => l.evidence.find((e) => e.source === 'sheet')?.text ?? `link ${l.id}`);
      const flag: LinkFlag = {
        kind: 'claimed_twice',
        reason: `The sheet gives ${label(c)} to ${persons.length} players: ${rows.join('; ')}`,
        action: `Keep the right row in the sheet and re-import it, or confirm one of the ${persons.length} suggestions for ${label(c)}`,
        evidence: live.flatMap((l) => l.evidence.filter((e) => e.source === 'sheet')),
      };
      for (const l of live) claims.push({ linkId: l.id, status: 'suggested', flag });
      continue;
    }
    const person = persons[0]!;
    const dispute = notesDispute(c, person);
    const link = live[0]!;
    if (!dispute) {
      claims.push({ linkId: link.id, status: 'confirmed', flag: null });
      continue;
    }
    disputed.set(c.id, { toward: dispute.toward });
    const sheetText = link.evidence.find((e) => e.source === 'sheet')?.text ?? 'the officers\' sheet';
    claims.push({
      linkId: link.id,
      status: 'suggested',
      flag: {
        kind: 'sources_disagree',
        // The audit's finding says "the sheet and the notes disagree about …"; the reason says how.
        reason: `${sheetText}; but ${dispute.evidence.text}${dispute.other ? ` (${dispute.other})` : ''}`,
        action: `Confirm the sheet's link or the notes' suggestion for ${label(c)}, then fix the other source`,
        evidence: [...link.evidence.filter((e) => e.source === 'sheet'), dispute.evidence],
      },
    });
  }

  /**
   * The notes of a sheet-claimed character point at someone the sheet does not place with that
   * player: a main, a player word or an account outside the sheet's person. Following the note would
   * drag that someone into the sheet's person; following the sheet would ignore the note. Neither.
   */
  function notesDispute(c: EngineCharacter, person: number): { toward: NotesSay; evidence: Evidence; other: string | null } | null {
    const s = notesSay(c);
    const elsewhere = (key: Key) => fixedOwnerOf(key) !== person;
    const whose = (key: Key) => (fixedOwnerOf(key) !== undefined ? 'placed with another player' : 'not listed for that player');
    if (s.kind === 'character') {
      const t = characters.get(s.targetId)!;
      if (elsewhere(charKey(t.id))) return { toward: s, evidence: s.evidence, other: whose(charKey(t.id)) };
    } else if (s.kind === 'keyed') {
      const others = keyed.get(s.key)!.filter((x) => x.id !== c.id);
      const other = others.find((x) => elsewhere(charKey(x.id)));
      if (other && !others.some((x) => !elsewhere(charKey(x.id)))) return { toward: s, evidence: s.evidence, other: `${label(other)}'s player` };
    } else if (s.kind === 'member') {
      const own = memberOfPerson.get(person);
      if (own !== s.memberId) return { toward: s, evidence: s.evidence, other: null };
    }
    // A Discord handle in the notes naming another account than the sheet's player.
    const own = memberOfPerson.get(person);
    if (own !== undefined) {
      for (const h of hintsOf(c)) {
        if (h.kind !== 'discord_handle') continue;
        const named = humans.filter((m) => namesOf(m).usernameKey === handleKey(h.value));
        if (named.length === 1 && named[0]!.id !== own) {
          const evidence: Evidence = { rule: 'discord_handle_in_note', source: h.source, weight: 0.9, text: `${where(h.source)} "${h.evidence}" names the Discord user ${named[0]!.username}`, fuzzy: false };
          return { toward: { kind: 'member', memberId: named[0]!.id, evidence }, evidence, other: null };
        }
      }
    }
    return null;
  }

  /** Characters officers or an undisputed sheet row place with a person. */
  const fixedOwner = new Map<Key, number>();
  for (const [key, person] of officerOwner) fixedOwner.set(key, person);
  for (const [key, persons] of sheetOwner) if (persons.length === 1 && !(isCharKey(key) && disputed.has(key))) fixedOwner.set(key, persons[0]!);
  const decidedPersons = new Set<number>();
  for (const [key, person] of fixedOwner) if (isCharKey(key)) decidedPersons.add(person);

  // Planned: every known character but the disputed (left for officers, nothing chained through them).
  const pool = known.filter((c) => !disputed.has(c.id));
  const inPool = new Set(pool.map((c) => c.id));

  // ── 1. Note edges alt → main; officers' links the notes contradict are flagged ───────────────
  const unknownMains: IdentityPlan['unknownMains'] = [];
  const flags = new Map<number, LinkFlag | null>();
  for (const l of officerLink.values()) if (l.characterId !== null) flags.set(l.id, null);
  /** namesMain false: the edge joins a player's characters without saying which is the main (a shared note key). */
  const edges: { alt: number; main: number; evidence: Evidence; namesMain?: false }[] = [];
  const similar: { alt: EngineCharacter; target: EngineCharacter; evidence: Evidence }[] = [];
  const namesMember = new Map<number, { memberId: number; evidence: Evidence }>();
  for (const c of pool) {
    const s = notesSay(c);
    if (s.kind === 'unknown') {
      if (!c.inGuild) continue;
      unknownMains.push({ characterId: c.id, evidence: s.evidence, ...(s.lookAlikeIds.length > 0 ? { didYouMean: s.lookAlikeIds } : {}) });
      for (const id of s.lookAlikeIds) {
        const twin = characters.get(id)!;
        if (inPool.has(twin.id)) similar.push({ alt: c, target: twin, evidence: { rule: 'main_look_alike', source: s.evidence.source, weight: 0.5, text: `${s.evidence.text.replace(/, who is not on the roster$/, '')}: did they mean ${label(twin)}?`, fuzzy: true } });
      }
      continue;
    }
    if (s.kind === 'member') {
      namesMember.set(c.id, { memberId: s.memberId, evidence: s.evidence });
      continue;
    }
    if (s.kind === 'none') continue;
    // "Sho alt" where Sho is the word on the player's other characters: an edge to each of them.
    const targets = s.kind === 'character' ? [s.targetId] : keyed.get(s.key)!.filter((x) => x.id !== c.id).map((x) => x.id);
    for (const mainId of targets) {
      if (!inPool.has(mainId)) continue;
      const altOwner = fixedOwner.get(charKey(c.id));
      const mainOwner = fixedOwner.get(charKey(mainId));
      if (altOwner !== undefined && mainOwner !== undefined && altOwner !== mainOwner) {
        const officer = officerLink.get(charKey(c.id));
        if (officer) {
          const main = characters.get(mainId)!;
          flags.set(officer.id, {
            kind: 'notes_contradict',
            reason: `The notes say ${c.name}'s main is ${label(main)}, who belongs to another person (#${mainOwner}).`,
            action: `Fix ${c.name}'s note, or move the link and remove the old one`,
            evidence: [s.evidence],
          });
        }
        continue;
      }
      // Officers split these two apart: the note does not join them again.
      if (mainOwner !== undefined && isRejected(charKey(c.id), mainOwner)) continue;
      if (altOwner !== undefined && isRejected(charKey(mainId), altOwner)) continue;
      const mainHolder = autoHolder.get(charKey(mainId));
      if (altOwner !== undefined && mainHolder !== undefined && isRejected(charKey(c.id), mainHolder)) continue;
      // A player word ("Sho") joins the player's characters without saying which one is the main.
      edges.push({ alt: c.id, main: mainId, evidence: s.evidence, ...(s.kind === 'keyed' ? { namesMain: false as const } : {}) });
    }
  }
  // Characters sharing a note key that stands for one player belong together, notes or not.
  for (const [key, chars] of keyed) {
    if (!keyStandsForOnePlayer(key)) continue;
    const inside = chars.filter((c) => inPool.has(c.id));
    for (const c of inside.slice(1)) {
      if (edges.some((e) => e.alt === c.id)) continue;
      const k = keyOf.get(c.id)!;
      edges.push({ alt: c.id, main: inside[0]!.id, namesMain: false, evidence: { rule: 'shared_note_key', source: k.hint.source, weight: 0.85, text: `${where(k.hint.source)} "${k.hint.evidence}": ${label(c)} and ${label(inside[0]!)} carry the same player word "${k.hint.value}"`, fuzzy: false } });
    }
  }

  // Alts whose notes name their player by a Discord name ("Trog alt", Trog being @trog's display
  // name) join the characters sure of that account on their own evidence (its handle in their note,
  // their name as its nickname), else each other: one player, one group.
  const index = new MemberIndex(humans);
  const namers = new Map<number, EngineCharacter[]>();
  for (const c of pool) {
    const n = namesMember.get(c.id);
    if (n) namers.set(n.memberId, [...(namers.get(n.memberId) ?? []), c]);
  }
  if (namers.size > 0) {
    const anchors = new Map<number, EngineCharacter>();
    for (const c of pool) {
      const hints = hintsOf(c);
      for (const m of index.candidatesFor(c, hints)) {
        if (!namers.has(m.id) || anchors.has(m.id)) continue;
        const cand = weighPair(c, m, hints.filter((h) => h.kind === 'discord_handle'), counts);
        if (cand && isSure(cand)) anchors.set(m.id, c);
      }
    }
    for (const [memberId, chars] of namers) {
      const anchor = anchors.get(memberId) ?? chars[0]!;
      for (const c of chars) if (c !== anchor) edges.push({ alt: c.id, main: anchor.id, evidence: namesMember.get(c.id)!.evidence });
    }
  }

  // ── 2. Groups: characters joined by edges; each decided person a group edges may add to but never merge ──
  const groups = new UnionFind();
  for (const [key, person] of fixedOwner) if (isCharKey(key) && inPool.has(key)) groups.union(key, -person);
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
  const edgeOf = new Map<number, { main: number; evidence: Evidence; namesMain?: false }>();
  for (const e of edges) if (!edgeOf.has(e.alt)) edgeOf.set(e.alt, e);

  // ── 3. A person for every group ──────────────────────────────────────────────────────────────
  const draft: { decidedPerson: number | null; characters: EngineCharacter[] }[] = [];
  const byRoot = new Map<number, { decidedPerson: number | null; characters: EngineCharacter[] }>();
  for (const c of pool) {
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
  let groupsOut: Group[] = [];
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
    const keptGroup: Group | undefined = kept.length > 0 ? { person, characters: kept, main: kept.includes(main) ? main : groupMain(kept, edgeOf), decided: g.decidedPerson !== null } : undefined;
    for (const c of g.characters) {
      if (kept.includes(c)) continue;
      const own = autoHolder.get(charKey(c.id));
      const alone: PersonRef = own !== undefined && !taken.has(own) && !isRejected(charKey(c.id), own) ? own : `new:${c.id}`;
      if (typeof alone === 'number') taken.add(alone);
      groupsOut.push({ person: alone, characters: [c], main: c, decided: false, ...(keptGroup ? { splitFrom: keptGroup } : {}) });
    }
    if (keptGroup) groupsOut.push(keptGroup);
  }
  const mergedInto = new Map<Group, Group>();
  groupsOut = mergeByPerson(groupsOut, mergedInto);

  // ── 4. Discord accounts: the best match of every group without a confirmed account ──────────
  const fixedMemberOf = new Map<number, number>();
  for (const [key, person] of fixedOwner) if (!isCharKey(key)) fixedMemberOf.set(person, -key);
  const refusedBy = new Map<number, Set<number>>();
  for (const [key, persons] of rejected) if (!isCharKey(key)) for (const p of persons) refusedBy.set(p, (refusedBy.get(p) ?? new Set()).add(-key));
  const flagDiscordContradiction = (person: number, chars: EngineCharacter[]) => {
    const linked = members.get(fixedMemberOf.get(person)!);
    const link = officerLink.get(memberKey(linked?.id ?? -1));
    if (!linked || !link) return;
    flags.set(link.id, null);
    for (const c of chars) {
      const h = hintsOf(c).find((x) => x.kind === 'discord_handle' && x.source === 'officer_note');
      if (!h) continue;
      const handle = handleKey(h.value);
      if (handle === namesOf(linked).usernameKey) continue;
      const other = humans.find((m) => namesOf(m).usernameKey === handle);
      if (!other) continue;
      flags.set(link.id, {
        kind: 'notes_contradict',
        reason: `The officer note of ${c.name} names the Discord user ${other.username}, but this person is linked to ${linked.username}.`,
        action: `Fix the officer note of ${c.name}, or move the Discord link`,
        evidence: [{ rule: 'discord_handle_in_note', source: 'officer_note', weight: 0.9, text: `officer note "${h.evidence}" names the Discord user ${other.username}`, fuzzy: false }],
      });
      return;
    }
  };

  const candidatesOf = (g: Group): (Candidate & { characterId: number })[] => {
    const best: (Candidate & { characterId: number })[] = [];
    const refused = (typeof g.person === 'number' ? refusedBy.get(g.person) : undefined) ?? NONE;
    for (const c of g.characters) {
      const hints = hintsOf(c);
      for (const m of index.candidatesFor(c, hints)) {
        if (refused.has(m.id)) continue;
        const cand = weighPair(c, m, hints, counts);
        if (!cand) continue;
        const at = best.findIndex((b) => b.memberId === cand.memberId);
        if (at < 0) best.push({ ...cand, characterId: c.id });
        else if (cand.confidence > best[at]!.confidence) best[at] = { ...cand, characterId: c.id };
      }
    }
    return best.sort((a, b) => b.confidence - a.confidence || a.memberId - b.memberId);
  };

  const links: PlannedLink[] = [];
  const joinSuggestions: PlannedLink[] = [];
  /** A whole group suggested into another person: the player's main and alts in one decision. */
  const suggestJoin = (g: Group, person: PersonRef, source: LinkSource, evidence: Evidence[]) => {
    if (g.person === person || g.decided) return;
    for (const c of g.characters) {
      if (fixedOwner.has(charKey(c.id)) || isRejected(charKey(c.id), person)) continue;
      joinSuggestions.push({ person, characterId: c.id, memberId: null, status: 'suggested', source, confidence: Math.max(...evidence.map((e) => e.weight)), evidence });
    }
  };

  const proposals: { group: Group; candidates: (Candidate & { characterId: number })[] }[] = [];
  type Cand = Candidate & { characterId: number };
  const pending: { g: Group; own: Cand[]; owned: { cand: Cand; owner: number }[] }[] = [];
  // A person officers or the sheet made of an account alone is automation's to fill with characters:
  // the one group sure of that account (and of no other) moves into it.
  const adoptions = new Map<number, Group[]>();
  const holdingCharacters = new Set<PersonRef>(groupsOut.map((g) => g.person));
  for (const g of groupsOut) {
    if (typeof g.person === 'number' && fixedMemberOf.has(g.person)) {
      flagDiscordContradiction(g.person, g.characters);
      continue;
    }
    const found = candidatesOf(g);
    const own: Cand[] = [];
    const owned: { cand: Cand; owner: number }[] = [];
    for (const cand of found) {
      const owner = fixedOwner.get(memberKey(cand.memberId));
      if (owner !== undefined && owner !== g.person) owned.push({ cand, owner });
      else own.push(cand);
    }
    const sure = found.filter(isSure);
    const adopt = sure.length === 1 && !g.decided ? owned.find((x) => x.cand === sure[0]) : undefined;
    if (adopt && !holdingCharacters.has(adopt.owner) && !isRejected(charKey(g.main.id), adopt.owner)) adoptions.set(adopt.owner, [...(adoptions.get(adopt.owner) ?? []), g]);
    pending.push({ g, own, owned });
  }
  const adoptedGroups = new Set<Group>();
  for (const { g, owned } of pending) {
    const adopted = owned.find((x) => adoptions.get(x.owner)?.length === 1 && adoptions.get(x.owner)![0] === g);
    if (!adopted) continue;
    g.person = adopted.owner;
    adoptedGroups.add(g);
  }
  // A character split off only because officers took it out of the group's former person comes back.
  const rejoined = new Set<Group>();
  for (const g of groupsOut) {
    const home = g.splitFrom ? mergedInto.get(g.splitFrom) ?? g.splitFrom : undefined;
    if (!home || !adoptedGroups.has(home) || g.characters.some((c) => isRejected(charKey(c.id), home.person))) continue;
    home.characters = [...home.characters, ...g.characters].sort((a, b) => a.id - b.id);
    rejoined.add(g);
  }
  groupsOut = groupsOut.filter((g) => !rejoined.has(g));
  for (const { g, own, owned } of pending) {
    if (adoptedGroups.has(g) || rejoined.has(g)) continue;
    // The account belongs to a person officers placed: this group may be more of theirs.
    // Asked, never done: moving into an officer's person is an officer's call.
    for (const { cand, owner } of owned) if (isSure(cand) || cand.confidence >= 0.5) suggestJoin(g, owner, 'matcher', cand.evidence);
    if (own.length > 0) proposals.push({ group: g, candidates: own });
  }

  const sureClaims = new Map<number, number>();
  for (const { candidates } of proposals) {
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
      links.push({ person: group.person, characterId: null, memberId: cand.memberId, status: cand === confirmed ? 'confirmed' : 'suggested', source: 'matcher', confidence: cand.confidence, evidence: cand.evidence });
    }
  }

  // ── 5. Character links automation keeps: each character in its group's person ───────────────
  const personOfChar = new Map<number, PersonRef>();
  const groupOfChar = new Map<number, Group>();
  for (const g of groupsOut) {
    for (const c of g.characters) {
      personOfChar.set(c.id, g.person);
      groupOfChar.set(c.id, g);
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
        evidence: viaNotes ? [edge.evidence] : [{ rule: 'own_main', source: 'roster', weight: 1, text: `${label(c)} is on the roster and no note names another main`, fuzzy: false }],
      });
    }
  }

  // ── 6. The review band: look-alike mains, bank alts named after their main, disputed rows' other side ──
  for (const { alt, target, evidence } of similar) {
    const g = groupOfChar.get(alt.id);
    const to = personOfChar.get(target.id);
    if (g && to !== undefined && groupOfChar.get(target.id) !== g) suggestJoin(g, to, 'notes', [evidence]);
  }
  for (const g of groupsOut) {
    if (g.characters.length !== 1 || g.decided) continue;
    const c = g.characters[0]!;
    if (edgeOf.has(c.id) || notesSay(c).kind !== 'none') continue;
    const m = BANK_NAME.exec(c.name);
    // Names stop at 12 letters, so "Brirunhalbank" is written "Brirunhabank": the main's name or, from
    // five letters, the one main whose name starts so.
    const prefix = m ? exactNameKey(m[1]!) : '';
    const starting = prefix.length >= 5 ? (byLength.get(prefix.length + 1) ?? []).concat(byLength.get(prefix.length + 2) ?? []).filter((x) => x.id !== c.id && exactNameKey(x.name).startsWith(prefix)) : [];
    const owner = m ? ((byName.get(prefix) ?? []).find((x) => x.id !== c.id && personOfChar.has(x.id)) ?? (starting.length === 1 && personOfChar.has(starting[0]!.id) ? starting[0] : undefined)) : undefined;
    if (owner && personOfChar.get(owner.id) !== g.person) {
      suggestJoin(g, personOfChar.get(owner.id)!, 'notes', [{ rule: 'bank_named_after_main', source: 'roster', weight: 0.5, text: `${label(c)} is named after ${label(owner)}: a bank or mule alt?`, fuzzy: true }]);
    }
  }
  for (const [charId, d] of disputed) {
    const c = characters.get(charId)!;
    const toward = d.toward;
    const to = toward.kind === 'character' ? personOfChar.get(toward.targetId) : toward.kind === 'keyed' ? keyed.get(toward.key)!.map((x) => personOfChar.get(x.id)).find((p) => p !== undefined) : toward.kind === 'member' ? (fixedOwner.get(memberKey(toward.memberId)) ?? [...memberLinked].find(([, m]) => m === toward.memberId)?.[0]) : undefined;
    if (to === undefined || isRejected(charKey(c.id), to)) continue;
    joinSuggestions.push({ person: to, characterId: c.id, memberId: null, status: 'suggested', source: 'notes', confidence: toward.kind === 'none' ? 0.5 : toward.evidence.weight, evidence: toward.kind === 'none' ? [] : [toward.evidence] });
  }

  // ── 7. Automation links of members who left the server stay where they are: history ────────────
  const planned = new Set(links.map(linkKey));
  for (const l of automationLinks) {
    const gone = l.characterId !== null ? !characters.has(l.characterId) : !members.get(l.memberId!)?.present;
    if (gone && l.status === 'confirmed' && !planned.has(linkKey(l))) {
      links.push({ person: l.personId, characterId: l.characterId, memberId: l.memberId, status: 'confirmed', source: l.source, confidence: l.confidence, evidence: l.evidence });
    }
  }

  // Never a second row for a pair officers or the sheet already decided, never a rejected pair, one row a pair.
  const out: PlannedLink[] = [];
  const seen = new Map<string, PlannedLink>();
  for (const l of [...links, ...joinSuggestions]) {
    const key = linkKey(l);
    const pair = `${l.person}/${key}`;
    if (decidedPairs.has(pair) || isRejected(key, l.person)) continue;
    const before = seen.get(pair);
    if (before) {
      if (before.status === 'suggested' && l.status === 'confirmed') Object.assign(before, l);
      else if (before.status === l.status && l.confidence > before.confidence) Object.assign(before, l);
      continue;
    }
    const copy = { ...l };
    seen.set(pair, copy);
    out.push(copy);
  }

  // ── 8. Names and mains of automation's persons ───────────────────────────────────────────────
  const persons: PlannedPerson[] = [];
  for (const g of groupsOut) {
    if (typeof g.person === 'number' && namedByOfficers.has(g.person)) continue;
    const memberId = memberLinked.get(g.person) ?? (typeof g.person === 'number' ? fixedMemberOf.get(g.person) : undefined);
    const member = memberId !== undefined ? members.get(memberId) : undefined;
    const main = g.characters.find((c) => c.id === g.main.id && c.inGuild) ?? g.characters.find((c) => c.inGuild) ?? g.main;
    // A main only where the notes say which it is (named by alts, or "Main"): else the audit takes the highest rank.
    const known = g.characters.length === 1 || mainIsNamed(g.characters, main, edgeOf);
    persons.push({ person: g.person, displayName: member ? (member.globalName ?? member.username) : main.name, mainCharacterId: known ? main.id : null });
  }

  return { links: out, persons, flags: [...flags].map(([linkId, flag]) => ({ linkId, flag })), claims, unknownMains };
}

const where = (source: NoteHint['source']) => (source === 'officer_note' ? 'officer note' : 'public note');

/** Groups that landed in one person (officers added to it) are matched to Discord as one. */
function mergeByPerson(groupsOut: Group[], mergedInto: Map<Group, Group>): Group[] {
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
    for (const [from, to] of mergedInto) if (to === same) mergedInto.set(from, both);
    mergedInto.set(same, both).set(g, both);
  }
  return merged;
}

/**
 * The main of a group: the character most alts name; among those no note calls an alt, one whose
 * note says "Main"; a lone character is its own main.
 */
function groupMain(chars: EngineCharacter[], edgeOf: Map<number, { main: number; namesMain?: false }>): EngineCharacter {
  if (chars.length === 1) return chars[0]!;
  const ids = new Set(chars.map((c) => c.id));
  const naming = (c: EngineCharacter) => {
    const e = edgeOf.get(c.id);
    return e && e.namesMain !== false && ids.has(e.main) ? e : undefined;
  };
  const named = new Map<number, number>();
  for (const c of chars) {
    const e = naming(c);
    if (e) named.set(e.main, (named.get(e.main) ?? 0) + 1);
  }
  const roots = chars.filter((c) => !naming(c));
  const pool = roots.length > 0 ? roots : chars;
  return [...pool].sort((a, b) => Number(b.inGuild) - Number(a.inGuild) || (named.get(b.id) ?? 0) - (named.get(a.id) ?? 0) || Number(saysMain(b)) - Number(saysMain(a)) || a.id - b.id)[0]!;
}

/** Whether the notes say the group's main is this one: alts name it, or its own note says "Main". */
function mainIsNamed(chars: EngineCharacter[], main: EngineCharacter, edgeOf: Map<number, { main: number; namesMain?: false }>): boolean {
  return saysMain(main) || chars.some((c) => edgeOf.get(c.id)?.main === main.id && edgeOf.get(c.id)?.namesMain !== false);
}

const MAIN_WORD = /\bmain\b/i;
const ALT_WORD = /\balt\b/i;
/** A note that calls the character a main ("Main", "Sho main"), and not an alt. */
function saysMain(c: EngineCharacter): boolean {
  return [c.officerNote, c.guildNote].some((n) => n !== null && MAIN_WORD.test(plainNote(n)) && !ALT_WORD.test(plainNote(n)));
}

/**
 * Discord members by every name they go by, exact and folded, so each character is compared with
 * the few accounts that could match it instead of all of them.
 */
class MemberIndex {
  private readonly byKey = new Map<string, MatchMember[]>();

  constructor(readonly all: MatchMember[]) {
    for (const m of all) {
      const keys = new Set<string>();
      const n = namesOf(m);
      keys.add(n.usernameKey);
      for (const x of n.names) keys.add(x.exactKey).add(x.foldedKey);
      for (const k of keys) {
        const list = this.byKey.get(k);
        if (list) list.push(m);
        else this.byKey.set(k, [m]);
      }
    }
  }

  candidatesFor(c: RosterCharacter, hints: NoteHint[]): MatchMember[] {
    // A handful of accounts at most: a plain array beats a Set at 10,000 characters a run.
    const found: MatchMember[] = [];
    const add = (key: string) => {
      const list = this.byKey.get(key);
      if (list) for (const m of list) if (!found.includes(m)) found.push(m);
    };
    const look = (name: string) => {
      const exact = exactNameKey(name);
      add(exact);
      const folded = foldedNameKey(name);
      if (folded !== exact) add(folded);
    };
    look(c.name);
    // Shortened names ("Raven" for Ravenmoor): the name's starts of five letters and more.
    const exact = exactNameKey(c.name);
    for (let len = 5; len < exact.length; len += 1) add(exact.slice(0, len));
    for (const old of c.previousNames ?? []) look(old);
    for (const h of hints) look(h.kind === 'discord_handle' ? handleName(h.value) : h.value);
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
