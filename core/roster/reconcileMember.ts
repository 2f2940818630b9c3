import type {
  MemberOutcome,
  ProfileResult,
  RosterEntry,
  RosterEventDraft,
  StoredCharacter,
} from './types';

export interface MemberReconciliation {
  outcome: MemberOutcome;
  /** The character as it should be stored after this run. */
  next: StoredCharacter;
  events: RosterEventDraft[];
  /** The fields whose value changed (empty for a new character). */
  changedFields: (keyof StoredCharacter)[];
}

const COMPARED: (keyof StoredCharacter)[] = [
  'name',
  'realmSlug',
  'realmName',
  'realmId',
  'level',
  'classId',
  'className',
  'raceName',
  'activeSpec',
  'faction',
  'averageItemLevel',
  'equippedItemLevel',
  'lastLoginAt',
  'rank',
  'inGuild',
  'profileStatus',
];

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  return (a ?? null) === (b ?? null);
}

/** Prefer the new value, but never replace something known with "unknown". */
const pick = <T>(incoming: T | null | undefined, stored: T | null): T | null =>
  incoming === undefined || incoming === null ? stored : incoming;

/**
 * Decides what one roster member means for the stored character: its new state, whether it is new,
 * changed, unchanged or unavailable, and the roster events (join, rank change, rename) it raises.
 * Identity is the Blizzard character id: the caller matched `stored` by id, never by name.
 * A profile 404 marks the character unavailable; it is still on the roster, so it never "left".
 */
export function reconcileMember(
  stored: StoredCharacter | null,
  entry: RosterEntry,
  profile: ProfileResult,
  now: Date,
): MemberReconciliation {
  const base: StoredCharacter = stored ?? {
    name: entry.name,
    realmSlug: entry.realmSlug,
    realmName: null,
    realmId: null,
    level: null,
    classId: null,
    className: null,
    raceName: null,
    activeSpec: null,
    faction: null,
    averageItemLevel: null,
    equippedItemLevel: null,
    lastLoginAt: null,
    rank: null,
    inGuild: false,
    profileStatus: 'unknown',
    unavailableSince: null,
    unavailableReason: null,
    profileLastModified: null,
  };

  const next: StoredCharacter = {
    ...base,
    name: entry.name,
    realmSlug: entry.realmSlug,
    realmId: pick(entry.realmId, base.realmId),
    level: pick(entry.level, base.level),
    classId: pick(entry.classId, base.classId),
    faction: pick(entry.faction, base.faction),
    rank: entry.rank,
    inGuild: true,
  };

  if (profile.kind === 'profile') {
    const p = profile.profile;
    Object.assign(next, {
      realmName: pick(p.realmName, base.realmName),
      level: pick(p.level, next.level),
      classId: pick(p.classId, next.classId),
      className: pick(p.className, base.className),
      raceName: pick(p.raceName, base.raceName),
      activeSpec: pick(p.activeSpec, base.activeSpec),
      faction: pick(p.faction, next.faction),
      averageItemLevel: pick(p.averageItemLevel, base.averageItemLevel),
      equippedItemLevel: pick(p.equippedItemLevel, base.equippedItemLevel),
      lastLoginAt: pick(p.lastLoginAt, base.lastLoginAt),
      profileStatus: 'ok',
      unavailableSince: null,
      unavailableReason: null,
      profileLastModified: profile.lastModified ?? null,
    });
  } else if (profile.kind === 'not_modified') {
    // 304 is Blizzard's word that the profile is as we stored it, so it is readable again.
    Object.assign(next, { profileStatus: 'ok', unavailableSince: null, unavailableReason: null });
  } else {
    Object.assign(next, {
      profileStatus: 'unavailable',
      unavailableSince: base.profileStatus === 'unavailable' && base.unavailableSince ? base.unavailableSince : now,
      unavailableReason: profile.reason,
      // Forget Last-Modified: when the profile comes back we want it in full.
      profileLastModified: null,
    });
  }

  const events: RosterEventDraft[] = [];
  if (!stored || !stored.inGuild) {
    events.push({ kind: 'join', details: { name: entry.name, realmSlug: entry.realmSlug, rank: entry.rank, returning: Boolean(stored) } });
  } else if (stored.rank !== entry.rank) {
    events.push({ kind: 'rank_change', details: { from: stored.rank, to: entry.rank } });
  }
  if (stored && (stored.name !== entry.name || stored.realmSlug !== entry.realmSlug)) {
    events.push({
      kind: 'rename',
      details: { from: { name: stored.name, realmSlug: stored.realmSlug }, to: { name: entry.name, realmSlug: entry.realmSlug } },
    });
  }

  const changedFields = stored ? COMPARED.filter((f) => !same(stored[f], next[f])) : [];
  const outcome: MemberOutcome =
    profile.kind === 'not_found' ? 'unavailable' : !stored ? 'new' : changedFields.length > 0 ? 'changed' : 'unchanged';
  return { outcome, next, events, changedFields };
}
