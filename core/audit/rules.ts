import type { LinkFlagKind } from '../identity/flags';
import { GuildNames } from '../identity/guildNames';
import type { Evidence } from '../identity/matching';
import type { KnownRealm } from '../identity/names';
import type { AuditRule, Finding, Severity } from './types';

/**
 * The integrity rules: each a small pure function from the guild as stored to findings. Graces
 * come from the data, not from waiting: a rank or role that changed in the last hours (the roster
 * lags a promotion), a character or account that just joined, a character that just left, do not
 * raise anything yet.
 */

export const RANK_NAMES = ['Guild Leader', 'Officer', 'Veteran', 'Member', 'Initiate'] as const;
export const ROLE_NAMES = ['GM', 'Officer', 'Veteran', 'Member', 'Initiate'] as const;

export interface AuditCharacter {
  id: number;
  name: string;
  realmSlug: string;
  /** Names before a rename: a note naming one names this character. */
  previousNames?: string[];
  rank: number | null;
  inGuild: boolean;
  guildNote: string | null;
  officerNote: string | null;
  /** ms since epoch, or null when never seen */
  lastLoginAt: number | null;
  joinedGuildAt: number | null;
  leftGuildAt: number | null;
  rankChangedAt: number | null;
  profileStatus: 'ok' | 'unavailable' | 'unknown';
  unavailableSince: number | null;
  /** The person of its confirmed link, if any. */
  personId: number | null;
}

export interface AuditMember {
  id: number;
  username: string;
  /** Discord's display name and the server nickname: what notes name players by. */
  globalName: string | null;
  nickname: string | null;
  isBot: boolean;
  present: boolean;
  /** Guild ranks (0 GM … 4 Initiate) of the guild roles held now. */
  guildRanks: number[];
  joinedServerAt: number | null;
  rolesChangedAt: number | null;
  personId: number | null;
}

export interface AuditPerson {
  id: number;
  displayName: string;
  mainCharacterId: number | null;
}

/** A suggested link waiting for officers: a Discord account or a character that may be the person's. */
export interface AuditSuggestion {
  linkId: number;
  /** The person the link would join. */
  personId: number;
  /** One of the two: the character or the Discord account suggested to the person. */
  characterId: number | null;
  memberId: number | null;
  confidence: number;
  /** Its strongest evidence, as officers read it (strongestEvidence). */
  evidence: string;
}

/** A flag on a link of any status (identity_links.flag, read with readLinkFlag). */
export interface AuditFlag {
  linkId: number;
  personId: number;
  characterId: number | null;
  memberId: number | null;
  status: 'suggested' | 'confirmed' | 'rejected';
  kind: LinkFlagKind;
  reason: string;
  action: string;
}

export interface AuditSettings {
  /** A main not seen in game for this many days is reported (AUDIT_STALE_DAYS). */
  staleDays: number;
  /** A character Blizzard has not shown for this many days is reported. */
  unavailableDays: number;
  /** Hours a fresh change is given to settle (promotion lag, new joiners, a leave). */
  graceHours: number;
}

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = { staleDays: 30, unavailableDays: 3, graceHours: 12 };

export interface AuditInput {
  now: number;
  guildRealmSlug: string;
  realms: KnownRealm[];
  /** When the first roster sync finished: characters there then are not "new". */
  firstRosterAt: number | null;
  characters: AuditCharacter[];
  members: AuditMember[];
  persons: AuditPerson[];
  suggestions: AuditSuggestion[];
  flags: AuditFlag[];
  settings: AuditSettings;
}

/** The evidence officers read first: the heaviest, exact before fuzzy. */
export function strongestEvidence(evidence: Evidence[]): string {
  const best = [...evidence].sort((a, b) => b.weight - a.weight || Number(a.fuzzy) - Number(b.fuzzy))[0];
  return best?.text ?? '';
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Everything about one person the rules need, gathered once. */
interface PersonView {
  person: AuditPerson | null;
  /** In-guild characters, main first. */
  characters: AuditCharacter[];
  departedCharacters: AuditCharacter[];
  accounts: AuditMember[];
  main: AuditCharacter | null;
}

/**
 * A suggestion seen from both ends: the account side (the suggested account, or the accounts of
 * the person a character would join) and the character side (the suggested character, or the main
 * of the person an account would join).
 */
interface Pairing {
  suggestion: AuditSuggestion;
  members: AuditMember[];
  character: AuditCharacter;
  /** The person holding the character side now (null: an unlinked character). */
  characterPerson: number | null;
}

const charLabel = (c: AuditCharacter) => `${c.name}-${c.realmSlug}`;
const at = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const roleName = (rank: number) => ROLE_NAMES[rank] ?? `rank ${rank}`;
const rankName = (rank: number) => RANK_NAMES[rank] ?? `rank ${rank}`;
const handles = (ms: AuditMember[]) => ms.map((m) => `@${m.username}`).join(', ');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** Evidence "in a few words": enough to recognise it, the rest is in the API. */
const briefly = (text: string) => (text.length > 70 ? `${text.slice(0, 69)}…` : text);
const SUGGESTIONS_ROUTE = 'GET /api/identity/persons?needs=suggestion';

function finding(rule: AuditRule, subject: string, severity: Severity, who: Finding['subject'], summary: string, action: string, details: Record<string, unknown> = {}): Finding {
  return { rule, fingerprint: `${rule}:${subject}`, severity, subject: who, summary, action, details };
}

/** The person's other characters, named as officers would (the realm only when it is not the main's). */
function altsOf(v: PersonView): string[] {
  return v.characters.slice(1).map((c) => (c.realmSlug === v.main?.realmSlug ? c.name : charLabel(c)));
}

function who(v: PersonView, account: AuditMember | null = v.accounts[0] ?? null): Finding['subject'] {
  const alts = altsOf(v);
  return { person: v.person?.displayName ?? null, character: v.main ? charLabel(v.main) : null, discord: account ? `@${account.username}` : null, ...(alts.length > 0 ? { alts } : {}) };
}

/** " — suggested: @kazzy (display name …)", naming the other end of each suggestion waiting. */
function mentioned(ps: Pairing[], otherEnd: (p: Pairing) => string): string {
  if (ps.length === 0) return '';
  return ` — suggested: ${ps.map((p) => `${otherEnd(p)}${p.suggestion.evidence ? ` (${briefly(p.suggestion.evidence)})` : ''}`).join(', ')}`;
}

export function auditFindings(input: AuditInput): Finding[] {
  const { now, settings } = input;
  const grace = settings.graceHours * HOUR;
  const recent = (t: number | null) => t !== null && now - t < grace;
  const personsById = new Map(input.persons.map((p) => [p.id, p]));
  const views = new Map<number, PersonView>();
  const viewOf = (personId: number): PersonView => {
    let v = views.get(personId);
    if (!v) {
      v = { person: personsById.get(personId) ?? null, characters: [], departedCharacters: [], accounts: [], main: null };
      views.set(personId, v);
    }
    return v;
  };
  const unlinked: AuditCharacter[] = [];
  for (const c of input.characters) {
    if (c.personId === null) {
      if (c.inGuild) unlinked.push(c);
      continue;
    }
    const v = viewOf(c.personId);
    (c.inGuild ? v.characters : v.departedCharacters).push(c);
  }
  const humans = input.members.filter((m) => m.present && !m.isBot);
  for (const m of humans) if (m.personId !== null) viewOf(m.personId).accounts.push(m);
  for (const v of views.values()) {
    const named = v.characters.find((c) => c.id === v.person?.mainCharacterId);
    // The main: as notes, the sheet or officers named it; else the highest-ranked character.
    v.main = named ?? [...v.characters].sort((a, b) => (a.rank ?? 9) - (b.rank ?? 9) || a.id - b.id)[0] ?? null;
    // Alts by name, so the ones named first do not change with the order rows come in.
    const main = v.main;
    if (main) v.characters = [main, ...v.characters.filter((c) => c !== main).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id))];
  }
  /** Characters there before the first roster sync are not new joiners. */
  const joinedRecently = (c: AuditCharacter) => c.joinedGuildAt !== null && (input.firstRosterAt === null || c.joinedGuildAt > input.firstRosterAt + 60_000) && recent(c.joinedGuildAt);

  // Suggestions waiting, from both ends, strongest first. A flagged one (the sheet and the notes
  // disagree, two rows claim a character) is told by its flag's finding, not as a suggestion.
  const humansById = new Map(humans.map((m) => [m.id, m]));
  const charactersById = new Map(input.characters.map((c) => [c.id, c]));
  const flaggedLinks = new Set(input.flags.filter((f) => f.status !== 'rejected').map((f) => f.linkId));
  const pairings: Pairing[] = [];
  for (const s of [...input.suggestions].sort((a, b) => b.confidence - a.confidence || a.linkId - b.linkId)) {
    if (flaggedLinks.has(s.linkId)) continue;
    const members = s.memberId !== null ? [humansById.get(s.memberId)].filter((m): m is AuditMember => m !== undefined) : (views.get(s.personId)?.accounts ?? []);
    const character = s.characterId !== null ? charactersById.get(s.characterId) : views.get(s.personId)?.main;
    // Only what officers can act on: an account still on the server, a character still in the guild.
    if (members.length === 0 || !character?.inGuild) continue;
    pairings.push({ suggestion: s, members, character, characterPerson: s.characterId !== null ? character.personId : s.personId });
  }
  const forMember = (id: number) => pairings.filter((p) => p.members.some((m) => m.id === id));
  const forPerson = (id: number) => pairings.filter((p) => p.characterPerson === id);
  const forCharacter = (id: number) => pairings.filter((p) => p.characterPerson === null && p.character.id === id);
  const accountEnd = (p: Pairing) => handles(p.members);
  const characterEnd = (p: Pairing) => charLabel(p.character);

  const out: Finding[] = [];
  for (const v of views.values()) {
    const main = v.main;
    if (main && v.accounts.length === 0 && !v.characters.every(joinedRecently)) {
      const waiting = v.person ? forPerson(v.person.id) : [];
      out.push(
        finding(
          'character_without_discord',
          `person:${v.person?.id ?? main.id}`,
          'warning',
          who(v, null),
          `${charLabel(main)} has no Discord account linked${mentioned(waiting, accountEnd)}`,
          waiting.length > 0 ? `Confirm or reject the ${plural(waiting.length, 'suggestion')} waiting (${SUGGESTIONS_ROUTE})` : 'Find their Discord account and link it (POST /api/identity/link)',
          { personId: v.person?.id ?? null, characterId: main.id, suggestions: waiting.length },
        ),
      );
    }
    if (v.accounts.length > 1 && v.characters.length > 0) {
      out.push(
        finding(
          'character_claimed_twice',
          `person:${v.person!.id}`,
          'warning',
          who(v),
          `${v.person!.displayName} is linked to ${v.accounts.length} Discord accounts: ${handles(v.accounts)}`,
          'Keep the account they use and remove the other link (DELETE /api/identity/link/{id})',
          { personId: v.person!.id, memberIds: v.accounts.map((a) => a.id) },
        ),
      );
    }
    for (const account of v.accounts) {
      const held = account.guildRanks.length > 0 ? Math.min(...account.guildRanks) : null;
      if (!main) {
        if (held === null) continue;
        // Everyone of theirs left the game guild, and the roles stayed.
        const left = Math.max(...v.departedCharacters.map((c) => c.leftGuildAt ?? 0));
        if (v.departedCharacters.length > 0 && !recent(left)) {
          const waiting = forMember(account.id);
          out.push(
            finding(
              'departed_with_roles',
              `member:${account.id}`,
              'action',
              { person: v.person?.displayName ?? null, character: charLabel(v.departedCharacters[0]!), discord: `@${account.username}` },
              `@${account.username} left the guild${left ? ` on ${at(left)}` : ''} but still holds ${account.guildRanks.map(roleName).join(', ')}${mentioned(waiting, characterEnd)}`,
              waiting.length > 0
                ? `Confirm the suggestion if they rejoined on it (${SUGGESTIONS_ROUTE}), or remove their guild roles`
                : 'Remove their guild roles, or check whether they rejoined on another character',
              { memberId: account.id, guildRanks: account.guildRanks },
            ),
          );
        } else if (v.departedCharacters.length === 0 && !recent(account.joinedServerAt)) {
          out.push(discordWithoutCharacter(account, v.person, mentioned(forMember(account.id), characterEnd)));
        }
        continue;
      }
      if (main.rank === null || recent(main.rankChangedAt) || recent(account.rolesChangedAt)) continue;
      if (held === null) {
        if (recent(account.joinedServerAt)) continue;
        out.push(
          finding(
            'member_without_role',
            `member:${account.id}`,
            'action',
            who(v, account),
            `${charLabel(main)} is ${rankName(main.rank)} in the guild; @${account.username} has no guild role on Discord${mentioned(forMember(account.id), characterEnd)}`,
            `Give @${account.username} the ${roleName(main.rank)} role`,
            { memberId: account.id, rank: main.rank },
          ),
        );
      } else if (held !== main.rank) {
        out.push(
          finding(
            'rank_role_mismatch',
            `member:${account.id}`,
            'action',
            who(v, account),
            `${charLabel(main)} is ${rankName(main.rank)} in the guild; @${account.username}'s highest guild role is ${roleName(held)}`,
            `Give @${account.username} the ${roleName(main.rank)} role and remove ${account.guildRanks.map(roleName).join(', ')}, or fix the rank in game`,
            { memberId: account.id, rank: main.rank, roleRank: held },
          ),
        );
      }
    }
    if (main && main.lastLoginAt !== null && now - main.lastLoginAt > settings.staleDays * DAY) {
      const days = Math.floor((now - main.lastLoginAt) / DAY);
      out.push(
        finding(
          'stale_character',
          `character:${main.id}`,
          'info',
          who(v),
          `${charLabel(main)} (${rankName(main.rank ?? 4)}) last logged in ${days} days ago, on ${at(main.lastLoginAt)}`,
          'Check in with them; consider an inactive rank if they are away for long',
          { characterId: main.id, days },
        ),
      );
    }
  }

  // Accounts with guild roles and no person at all.
  for (const m of humans) {
    if (m.personId === null && m.guildRanks.length > 0 && !recent(m.joinedServerAt)) out.push(discordWithoutCharacter(m, null, mentioned(forMember(m.id), characterEnd)));
  }

  for (const c of input.characters) {
    if (c.inGuild && c.profileStatus === 'unavailable' && c.unavailableSince !== null && now - c.unavailableSince > settings.unavailableDays * DAY) {
      const v = c.personId !== null ? views.get(c.personId) : undefined;
      out.push(
        finding(
          'character_unavailable',
          `character:${c.id}`,
          'info',
          { person: v?.person?.displayName ?? null, character: charLabel(c), discord: v?.accounts[0] ? `@${v.accounts[0].username}` : null },
          `Blizzard has not shown ${charLabel(c)} for ${Math.floor((now - c.unavailableSince) / DAY)} days (renamed, transferred, private, or under level 10)`,
          'Check the armory; a rename is followed by the next roster sync, a transfer shows as a leave',
          { characterId: c.id },
        ),
      );
    }
  }
  for (const c of unlinked) {
    if (joinedRecently(c)) continue;
    const waiting = forCharacter(c.id);
    out.push(
      finding(
        'character_without_discord',
        `character:${c.id}`,
        'warning',
        { person: null, character: charLabel(c), discord: null },
        `${charLabel(c)} is not linked to any person or Discord account${mentioned(waiting, accountEnd)}`,
        waiting.length > 0 ? `Confirm or reject the ${plural(waiting.length, 'suggestion')} waiting (${SUGGESTIONS_ROUTE})` : 'Find their Discord account and link it (POST /api/identity/link)',
        { characterId: c.id, suggestions: waiting.length },
      ),
    );
  }

  out.push(...flagFindings(input, views, charactersById, humansById));

  // Notes naming a main nobody is: not on the roster (now or under a former name), not the word a
  // player writes on their characters, not the name of a Discord member. Read as the identity engine reads them.
  const names = new GuildNames({
    guildRealmSlug: input.guildRealmSlug,
    realms: input.realms,
    characters: input.characters,
    members: input.members.filter((m) => m.present && !m.isBot).map((m) => ({ id: m.id, username: m.username, globalName: m.globalName ?? null, nickname: m.nickname ?? null, isBot: m.isBot })),
  });
  for (const { character, evidence, didYouMean } of names.unknownMains((c) => (c as AuditCharacter).inGuild)) {
    const c = character as AuditCharacter;
    const v = c.personId !== null ? views.get(c.personId) : undefined;
    const meant = didYouMean.map((x) => `${x.name}-${x.realmSlug}`);
    out.push(
      finding(
        'main_not_on_roster',
        `character:${c.id}`,
        'info',
        { person: v?.person?.displayName ?? null, character: charLabel(c), discord: v?.accounts[0] ? `@${v.accounts[0].username}` : null },
        `${evidence.text}`.replace(/^./, (x) => x.toUpperCase()),
        meant.length > 0 ? `Did they mean ${meant.join(' or ')}? Fix the note, or confirm the suggestion waiting` : 'Fix the note (a renamed main? write it Name-Realm), or link the character by hand',
        { characterId: c.id, named: evidence.text, didYouMean: didYouMean.map((x) => x.id) },
      ),
    );
  }
  return oneStoryPerPlayer(out, pairings, views, charactersById);
}

function discordWithoutCharacter(m: AuditMember, person: AuditPerson | null, suggested: string): Finding {
  return finding(
    'discord_without_character',
    `member:${m.id}`,
    'action',
    { person: person?.displayName ?? null, character: null, discord: `@${m.username}` },
    `@${m.username} holds ${m.guildRanks.map(roleName).join(', ')} but no character in the guild is linked to them${suggested}`,
    suggested
      ? `Confirm or reject the suggestion waiting (${SUGGESTIONS_ROUTE}), or remove the guild role if they are not in the guild`
      : 'Link their character (POST /api/identity/link), or remove the guild role if they are not in the guild',
    { memberId: m.id, guildRanks: m.guildRanks },
  );
}

/**
 * Flags on links of any status but rejected (officers already settled those): the notes
 * contradicting an officer's link, one finding per link as before (a decided link is never
 * recreated by automation, so its id is stable); the sheet and the notes disagreeing, and two sheet
 * rows claiming one character, one finding per character: both rows of a claim are one problem,
 * and a re-import that recreates the suggested links keeps the finding (and its told state).
 */
function flagFindings(input: AuditInput, views: Map<number, PersonView>, characters: Map<number, AuditCharacter>, members: Map<number, AuditMember>): Finding[] {
  const out: Finding[] = [];
  const bySubject = new Map<string, AuditFlag[]>();
  for (const f of [...input.flags].sort((a, b) => a.linkId - b.linkId)) {
    if (f.status === 'rejected') continue;
    if (f.kind === 'notes_contradict') {
      const v = views.get(f.personId);
      out.push(
        finding('link_contradicted', `link:${f.linkId}`, 'warning', v ? who(v) : { person: null, character: null, discord: null }, f.reason, f.action, { linkId: f.linkId, personId: f.personId, characterId: f.characterId }),
      );
      continue;
    }
    const key = `${f.kind}|${f.characterId !== null ? `character:${f.characterId}` : `member:${f.memberId}`}`;
    bySubject.set(key, [...(bySubject.get(key) ?? []), f]);
  }
  for (const [key, flags] of bySubject) {
    const [kind, subject] = key.split('|') as [LinkFlagKind, string];
    const first = flags[0]!;
    const character = first.characterId !== null ? characters.get(first.characterId) : undefined;
    // Who each row gives it to: the person the flagged link would join, and their account.
    const claimants = flags.map((f) => views.get(f.personId));
    const accounts = [...new Set(flags.flatMap((f) => (f.memberId !== null ? [members.get(f.memberId)] : (views.get(f.personId)?.accounts ?? []))))].filter((m): m is AuditMember => m !== undefined);
    const named = character ? charLabel(character) : accounts[0] ? `@${accounts[0].username}` : subject;
    const reasons = [...new Set(flags.map((f) => f.reason).filter(Boolean))].join('; ');
    const subjectNames = {
      person: kind === 'sources_disagree' ? (claimants[0]?.person?.displayName ?? null) : null,
      character: character ? charLabel(character) : null,
      discord: accounts.length > 0 ? handles(accounts) : null,
    };
    const details = { linkIds: flags.map((f) => f.linkId), characterId: first.characterId, memberIds: accounts.map((m) => m.id), personIds: [...new Set(flags.map((f) => f.personId))] };
    if (kind === 'sources_disagree') {
      out.push(finding('sources_disagree', subject, 'action', subjectNames, `The sheet and the notes disagree about ${named}${reasons ? `: ${reasons}` : ''}`, first.action, details));
    } else {
      out.push(
        finding(
          'character_claimed_by_two_rows',
          subject,
          'action',
          subjectNames,
          `${flags.length > 2 ? `${flags.length} sheet rows` : 'Two sheet rows'} give ${named} to different players${reasons ? `: ${reasons}` : ''}`,
          first.action,
          details,
        ),
      );
    }
  }
  return out;
}

/**
 * One player, one story. A suggestion pairing an account with a guild role and no character with
 * a character no account is linked to is one finding on the pair, not two; an account or a
 * character whose link the sheet and the notes dispute is told by that flag's finding alone. The
 * findings told another way are listed in `details.folds`, so their resolution says so.
 */
function oneStoryPerPlayer(out: Finding[], pairings: Pairing[], views: Map<number, PersonView>, characters: Map<number, AuditCharacter>): Finding[] {
  const accountFinding = new Map<number, Finding>();
  const personFinding = new Map<number, Finding>();
  const characterFinding = new Map<number, Finding>();
  for (const f of out) {
    if (f.rule === 'discord_without_character') accountFinding.set(f.details.memberId as number, f);
    if (f.rule !== 'character_without_discord') continue;
    if (typeof f.details.personId === 'number') personFinding.set(f.details.personId, f);
    else characterFinding.set(f.details.characterId as number, f);
  }
  /** The finding saying this character has no account: its person's (when it is their main) or its own. */
  const aboutCharacter = (c: AuditCharacter, person: number | null) => {
    const f = person !== null ? personFinding.get(person) : characterFinding.get(c.id);
    return f && f.details.characterId === c.id ? f : undefined;
  };
  const folded = new Set<Finding>();

  for (const f of out) {
    if (f.rule !== 'sources_disagree' && f.rule !== 'character_claimed_by_two_rows') continue;
    const folds: string[] = [];
    for (const id of f.details.memberIds as number[]) {
      const a = accountFinding.get(id);
      if (a && !folded.has(a)) folds.push(a.fingerprint), folded.add(a);
    }
    const character = characters.get(f.details.characterId as number);
    const told = character ? aboutCharacter(character, character.personId) : undefined;
    if (told && !folded.has(told)) folds.push(told.fingerprint), folded.add(told);
    f.details = { ...f.details, folds };
  }

  const pairs: Finding[] = [];
  for (const p of pairings) {
    const account = p.members.map((m) => accountFinding.get(m.id)).find((a) => a !== undefined && !folded.has(a));
    const character = aboutCharacter(p.character, p.characterPerson);
    if (!account || !character || folded.has(character)) continue;
    folded.add(account).add(character);
    const member = p.members.find((m) => accountFinding.get(m.id) === account)!;
    const v = p.characterPerson !== null ? views.get(p.characterPerson) : undefined;
    const alts = v ? altsOf(v) : [];
    pairs.push(
      finding(
        'same_player_suggested',
        `member:${member.id}:character:${p.character.id}`,
        'action',
        { person: v?.person?.displayName ?? null, character: charLabel(p.character), discord: `@${member.username}`, ...(alts.length > 0 ? { alts } : {}) },
        `@${member.username} (${member.guildRanks.map(roleName).join(', ')}) and ${charLabel(p.character)} look like the same player${p.suggestion.evidence ? `: ${briefly(p.suggestion.evidence)}` : ''}`,
        `Confirm the suggestion, or reject it if they are not (${SUGGESTIONS_ROUTE})`,
        { memberId: member.id, characterId: p.character.id, personId: p.characterPerson, linkId: p.suggestion.linkId, folds: [account.fingerprint, character.fingerprint] },
      ),
    );
  }
  // Another character whose own notes name the same account (a sure suggestion, left a suggestion
  // only because two groups were sure of one account) is the same player: told in that pair's
  // finding, not as a second player without an account. A weak suggestion may be someone else.
  const pairOf = new Map(pairs.map((f) => [f.details.memberId as number, f]));
  for (const p of pairings) {
    if (p.suggestion.confidence < 0.8) continue;
    const character = aboutCharacter(p.character, p.characterPerson);
    const pair = p.members.map((m) => pairOf.get(m.id)).find((f) => f !== undefined);
    if (!character || !pair || folded.has(character) || pair.details.characterId === p.character.id) continue;
    folded.add(character);
    const also = [...((pair.details.also as string[] | undefined) ?? []), charLabel(p.character)];
    pair.details = { ...pair.details, also, folds: [...(pair.details.folds as string[]), character.fingerprint] };
    pair.summary = `${pair.summary.replace(/ \(with [^)]*\)$/, '')} (with ${also.join(', ')}, suggested to the same account)`;
  }
  return [...out.filter((f) => !folded.has(f)), ...pairs];
}
