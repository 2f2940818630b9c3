/** A member as the roster lists them (the roster is the authority on name, realm and rank). */
export interface RosterEntry {
  blizzardCharacterId: number;
  name: string;
  realmSlug: string;
  realmId?: number | null;
  level?: number | null;
  classId?: number | null;
  faction?: string | null;
  rank: number;
}

/** Profile fields this system keeps. */
export interface ProfileFields {
  realmName?: string | null;
  level?: number | null;
  classId?: number | null;
  className?: string | null;
  raceName?: string | null;
  activeSpec?: string | null;
  faction?: string | null;
  averageItemLevel?: number | null;
  equippedItemLevel?: number | null;
  lastLoginAt?: Date | null;
}

/** What the profile request gave: a body, "not modified since", or nothing (404). */
export type ProfileResult =
  | { kind: 'profile'; profile: ProfileFields; lastModified?: string | null }
  | { kind: 'not_modified' }
  | { kind: 'not_found'; reason: string };

/** The stored character row, as far as the roster sync reads it. */
export interface StoredCharacter {
  name: string;
  realmSlug: string;
  realmName: string | null;
  realmId: number | null;
  level: number | null;
  classId: number | null;
  className: string | null;
  raceName: string | null;
  activeSpec: string | null;
  faction: string | null;
  averageItemLevel: number | null;
  equippedItemLevel: number | null;
  lastLoginAt: Date | null;
  rank: number | null;
  inGuild: boolean;
  profileStatus: 'ok' | 'unavailable' | 'unknown';
  unavailableSince: Date | null;
  unavailableReason: string | null;
  profileLastModified: string | null;
}

export type RosterEventKind = 'join' | 'leave' | 'rank_change' | 'rename';

export interface RosterEventDraft {
  kind: RosterEventKind;
  details: Record<string, unknown>;
}

export type MemberOutcome = 'new' | 'changed' | 'unchanged' | 'unavailable';
