import type { StoredCharacter } from '../core/roster/types';

/** wow_characters columns the roster sync reads and writes. */
export interface DbWowCharacterRow {
  id: number;
  guild_id: number;
  blizzard_character_id: number;
  name: string;
  realm_slug: string;
  realm_name: string | null;
  realm_id: number | null;
  level: number | null;
  class_id: number | null;
  class_name: string | null;
  race_name: string | null;
  active_spec: string | null;
  faction: string | null;
  average_item_level: number | null;
  equipped_item_level: number | null;
  last_login_at: Date | null;
  rank: number | null;
  in_guild: boolean;
  profile_status: 'ok' | 'unavailable' | 'unknown';
  unavailable_since: Date | null;
  unavailable_reason: string | null;
  profile_last_modified: string | null;
}

export function toStoredCharacter(row: DbWowCharacterRow): StoredCharacter {
  return {
    name: row.name,
    realmSlug: row.realm_slug,
    realmName: row.realm_name,
    realmId: row.realm_id,
    level: row.level,
    classId: row.class_id,
    className: row.class_name,
    raceName: row.race_name,
    activeSpec: row.active_spec,
    faction: row.faction,
    averageItemLevel: row.average_item_level,
    equippedItemLevel: row.equipped_item_level,
    lastLoginAt: row.last_login_at,
    rank: row.rank,
    inGuild: row.in_guild,
    profileStatus: row.profile_status,
    unavailableSince: row.unavailable_since,
    unavailableReason: row.unavailable_reason,
    profileLastModified: row.profile_last_modified,
  };
}

export function fromStoredCharacter(c: StoredCharacter): Omit<DbWowCharacterRow, 'id' | 'guild_id' | 'blizzard_character_id'> {
  return {
    name: c.name,
    realm_slug: c.realmSlug,
    realm_name: c.realmName,
    realm_id: c.realmId,
    level: c.level,
    class_id: c.classId,
    class_name: c.className,
    race_name: c.raceName,
    active_spec: c.activeSpec,
    faction: c.faction,
    average_item_level: c.averageItemLevel,
    equipped_item_level: c.equippedItemLevel,
    last_login_at: c.lastLoginAt,
    rank: c.rank,
    in_guild: c.inGuild,
    profile_status: c.profileStatus,
    unavailable_since: c.unavailableSince,
    unavailable_reason: c.unavailableReason,
    profile_last_modified: c.profileLastModified,
  };
}

/** A staged roster member of one sync run. */
export interface DbSyncRunRosterMemberRow {
  sync_run_id: number;
  guild_id: number;
  position: number;
  blizzard_character_id: number;
  name: string;
  realm_slug: string;
  realm_id: number | null;
  level: number | null;
  class_id: number | null;
  race_id: number | null;
  faction: string | null;
  rank: number;
  outcome: 'new' | 'changed' | 'unchanged' | 'unavailable' | null;
  full_fetch: boolean | null;
  processed_at: Date | null;
}
