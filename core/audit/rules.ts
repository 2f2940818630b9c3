import { mainFromNotes, rosterByName } from '../identity/mains';
import { RealmIndex, type KnownRealm } from '../identity/names';
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
  /** Suggested Discord accounts waiting for officers. */
  suggestions: number;
}

export interface AuditFlag {
  linkId: number;
  personId: number;
  reason: string;
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
  flags: AuditFlag[];
  settings: AuditSettings;
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

const charLabel = (c: AuditCharacter) => `${c.name}-${c.realmSlug}`;
const at = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const roleName = (rank: number) => ROLE_NAMES[rank] ?? `rank ${rank}`;
const rankName = (rank: number) => RANK_NAMES[rank] ?? `rank ${rank}`;

function finding(rule: AuditRule, subject: string, severity: Severity, who: Finding['subject'], summary: string, action: string, details: Record<string, unknown> = {}): Finding {
  return { rule, fingerprint: `${rule}:${subject}`, severity, subject: who, summary, action, details };
}

function who(v: PersonView, account: AuditMember | null = v.accounts[0] ?? null): Finding['subject'] {
  return { person: v.person?.displayName ?? null, character: v.main ? charLabel(v.main) : null, discord: account ? `@${account.username}` : null };
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
    if (v.main) v.characters = [v.main, ...v.characters.filter((c) => c !== v.main)];
  }
  /** Characters there before the first roster sync are not new joiners. */
  const joinedRecently = (c: AuditCharacter) => c.joinedGuildAt !== null && (input.firstRosterAt === null || c.joinedGuildAt > input.firstRosterAt + 60_000) && recent(c.joinedGuildAt);

  const out: Finding[] = [];
  for (const v of views.values()) {
    const main = v.main;
    if (main && v.accounts.length === 0 && !v.characters.every(joinedRecently)) {
      const alts = v.characters.length - 1;
      const waiting = v.person?.suggestions ?? 0;
      out.push(
        finding(
          'character_without_discord',
          `person:${v.person?.id ?? main.id}`,
          'warning',
          who(v, null),
          `${charLabel(main)}${alts > 0 ? ` (and ${alts} alt${alts > 1 ? 's' : ''})` : ''} has no Discord account linked`,
          waiting > 0 ? `Confirm or reject the ${waiting} suggestion${waiting > 1 ? 's' : ''} waiting (GET /api/identity/persons?needs=suggestion)` : 'Find their Discord account and link it (POST /api/identity/link)',
          { personId: v.person?.id ?? null, characterId: main.id, suggestions: waiting },
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
          `${v.person!.displayName} is linked to ${v.accounts.length} Discord accounts: ${v.accounts.map((a) => `@${a.username}`).join(', ')}`,
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
          out.push(
            finding(
              'departed_with_roles',
              `member:${account.id}`,
              'action',
              { person: v.person?.displayName ?? null, character: charLabel(v.departedCharacters[0]!), discord: `@${account.username}` },
              `@${account.username} left the guild${left ? ` on ${at(left)}` : ''} but still holds ${account.guildRanks.map(roleName).join(', ')}`,
              `Remove the guild role${account.guildRanks.length > 1 ? 's' : ''} from @${account.username}, or check whether they rejoined on another character`,
              { memberId: account.id, guildRanks: account.guildRanks },
            ),
          );
        } else if (v.departedCharacters.length === 0 && !recent(account.joinedServerAt)) {
          out.push(discordWithoutCharacter(account, v.person));
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
            `${charLabel(main)} is ${rankName(main.rank)} in the guild; @${account.username} has no guild role on Discord`,
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
    if (m.personId === null && m.guildRanks.length > 0 && !recent(m.joinedServerAt)) out.push(discordWithoutCharacter(m, null));
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
    out.push(
      finding('character_without_discord', `character:${c.id}`, 'warning', { person: null, character: charLabel(c), discord: null }, `${charLabel(c)} is not linked to any person or Discord account`, 'Find their Discord account and link it (POST /api/identity/link)', { characterId: c.id }),
    );
  }

  for (const f of input.flags) {
    const v = views.get(f.personId);
    out.push(finding('link_contradicted', `link:${f.linkId}`, 'warning', v ? who(v) : { person: null, character: null, discord: null }, f.reason, 'Fix the note, or move the link (POST /api/identity/link) and remove the old one', { linkId: f.linkId }));
  }

  // Notes naming a main who is not on the roster.
  const inGuild = input.characters.filter((c) => c.inGuild);
  const byName = rosterByName(inGuild);
  const realms = new RealmIndex(input.realms);
  for (const c of inGuild) {
    const said = mainFromNotes(c, byName, realms, input.guildRealmSlug);
    if (said.kind !== 'unknown_main') continue;
    const v = c.personId !== null ? views.get(c.personId) : undefined;
    out.push(
      finding(
        'main_not_on_roster',
        `character:${c.id}`,
        'info',
        { person: v?.person?.displayName ?? null, character: charLabel(c), discord: v?.accounts[0] ? `@${v.accounts[0].username}` : null },
        `${said.evidence.text}`.replace(/^./, (x) => x.toUpperCase()),
        'Fix the note (a renamed main? write it Name-Realm), or link the character by hand',
        { characterId: c.id, named: said.named },
      ),
    );
  }
  return out;
}

function discordWithoutCharacter(m: AuditMember, person: AuditPerson | null): Finding {
  return finding(
    'discord_without_character',
    `member:${m.id}`,
    'action',
    { person: person?.displayName ?? null, character: null, discord: `@${m.username}` },
    `@${m.username} holds ${m.guildRanks.map(roleName).join(', ')} but no character in the guild is linked to them`,
    `Link their character (POST /api/identity/link), or remove the guild role if they are not in the guild`,
    { memberId: m.id, guildRanks: m.guildRanks },
  );
}
