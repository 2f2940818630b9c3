import type { DiscordMemberEventDraft, DiscordMemberSnapshot, MemberNames, StoredDiscordMember } from './types';

/**
 * What one observation of a member means for the stored row: whether it must be written, and the
 * events to record. Observations older than the stored state are ignored, so a reconcile page
 * fetched before a live event cannot undo what the event wrote, and a replayed event changes nothing.
 */
export type MemberChange =
  | { kind: 'stale' }
  | { kind: 'unchanged' }
  | { kind: 'write'; outcome: 'new' | 'rejoined' | 'changed'; events: DiscordMemberEventDraft[] };

export function memberPresent(stored: StoredDiscordMember | null, seen: DiscordMemberSnapshot, observedAt: Date): MemberChange {
  if (stored && isNewer(stored.stateObservedAt, observedAt)) return { kind: 'stale' };
  const roleIds = sortedUnique(seen.roleIds);
  if (!stored) return { kind: 'write', outcome: 'new', events: [{ kind: 'join', details: { rejoined: false, roleIds } }] };

  const events: DiscordMemberEventDraft[] = [];
  const rejoined = stored.departedAt !== null;
  if (rejoined) events.push({ kind: 'join', details: { rejoined: true, roleIds } });
  else {
    const before = sortedUnique(stored.roleIds);
    const added = roleIds.filter((r) => !before.includes(r));
    const removed = before.filter((r) => !roleIds.includes(r));
    if (added.length || removed.length) events.push({ kind: 'roles_changed', details: { added, removed } });
  }
  const from = namesOf(stored);
  const to = namesOf(seen);
  if (!sameNames(from, to)) events.push({ kind: 'renamed', details: { from, to } });

  const otherFieldsChanged =
    stored.isBot !== seen.isBot ||
    // A rejoin has a new join time; a missing join time in one source never counts as a change.
    (seen.joinedAt !== null && stored.joinedServerAt?.getTime() !== new Date(seen.joinedAt).getTime());
  if (events.length === 0 && !otherFieldsChanged) return { kind: 'unchanged' };
  return { kind: 'write', outcome: rejoined ? 'rejoined' : 'changed', events };
}

/**
 * A member who left the server (a live leave event, or missing from a full pass). Their roles go
 * with them; the event keeps which roles they held, which officers want to see.
 */
export function memberDeparted(stored: StoredDiscordMember | null, observedAt: Date): MemberChange {
  if (stored && isNewer(stored.stateObservedAt, observedAt)) return { kind: 'stale' };
  if (stored && stored.departedAt !== null) return { kind: 'unchanged' };
  return {
    kind: 'write',
    outcome: stored ? 'changed' : 'new',
    events: [{ kind: 'leave', details: { roleIds: sortedUnique(stored?.roleIds ?? []) } }],
  };
}

/** The state a row should hold after a present observation. */
export function storedFromSnapshot(seen: DiscordMemberSnapshot, observedAt: Date): StoredDiscordMember {
  return {
    userId: seen.userId,
    username: seen.username,
    globalName: seen.globalName,
    nickname: seen.nickname,
    isBot: seen.isBot,
    roleIds: sortedUnique(seen.roleIds),
    joinedServerAt: seen.joinedAt ? new Date(seen.joinedAt) : null,
    departedAt: null,
    stateObservedAt: observedAt,
  };
}

/** The name officers see on the server: nickname, else display name, else username. */
export function displayNameOf(m: MemberNames): string {
  return m.nickname ?? m.globalName ?? m.username;
}

function isNewer(stored: Date | null, observedAt: Date): boolean {
  return stored !== null && stored.getTime() > observedAt.getTime();
}

function namesOf(m: MemberNames): MemberNames {
  return { username: m.username, globalName: m.globalName, nickname: m.nickname };
}

function sameNames(a: MemberNames, b: MemberNames): boolean {
  return a.username === b.username && a.globalName === b.globalName && a.nickname === b.nickname;
}

/** Snowflakes in numeric order (equal-length decimal strings would sort the same, but not all are). */
export function sortedUnique(ids: string[]): string[] {
  return [...new Set(ids)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}
