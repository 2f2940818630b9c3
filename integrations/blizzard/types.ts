import { z } from 'zod';

/**
 * Blizzard response shapes, parsed leniently: unknown fields are dropped, optional fields that are
 * missing or of an unexpected type become undefined instead of failing the whole response (the API
 * adds fields every expansion and older records lack some). Only what identifies a thing is required.
 */

export type Faction = 'HORDE' | 'ALLIANCE' | 'NEUTRAL';

export interface RosterMember {
  blizzardCharacterId: number;
  name: string;
  realmSlug: string;
  realmId?: number;
  level?: number;
  classId?: number;
  raceId?: number;
  faction?: Faction;
  /** 0 = Guild Leader … 4 = Initiate for this guild. */
  rank: number;
}

export interface GuildRoster {
  guild: { id: number; name: string; faction?: Faction; realmSlug: string };
  members: RosterMember[];
  /** Members left out because they lacked an id, name, realm slug or rank. */
  skipped: number;
}

export interface CharacterProfile {
  blizzardCharacterId: number;
  name: string;
  realmSlug: string;
  realmName?: string;
  level?: number;
  classId?: number;
  className?: string;
  raceName?: string;
  activeSpec?: string;
  faction?: Faction;
  averageItemLevel?: number;
  equippedItemLevel?: number;
  lastLoginAt?: Date;
}

export interface CharacterStatus {
  id: number;
  isValid: boolean;
}

const optNum = z.number().optional().catch(undefined);
// Without locale=en_US names arrive as locale maps; those are deliberately not unwrapped here, so a
// missing locale shows up as missing names instead of passing unnoticed.
const optStr = z.string().optional().catch(undefined);
const faction = z
  .object({ type: z.enum(['HORDE', 'ALLIANCE', 'NEUTRAL']).optional().catch(undefined) })
  .optional()
  .catch(undefined);
const named = z.object({ id: optNum, name: optStr }).optional().catch(undefined);

const rosterMemberSchema = z.object({
  character: z.object({
    id: z.number().int(),
    name: z.string().min(1),
    level: optNum,
    realm: z.object({ slug: z.string().min(1), id: optNum }),
    playable_class: named,
    playable_race: named,
    faction,
  }),
  rank: z.number().int(),
});

const rosterSchema = z.object({
  guild: z.object({
    id: z.number().int(),
    name: z.string(),
    faction,
    realm: z.object({ slug: z.string().min(1) }),
  }),
  members: z.array(z.unknown()).catch([]),
});

const profileSchema = z.object({
  id: z.number().int(),
  name: z.string().min(1),
  level: optNum,
  realm: z.object({ slug: z.string().min(1), name: optStr, id: optNum }),
  character_class: named,
  race: named,
  active_spec: named,
  faction,
  average_item_level: optNum,
  equipped_item_level: optNum,
  last_login_timestamp: optNum,
});

const statusSchema = z.object({ id: z.number().int(), is_valid: z.boolean() });

/** Thrown by the parsers when a response lacks what identifies it; the client wraps it. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

export interface ParsedRoster {
  roster: GuildRoster;
  /** What was wrong with each skipped member, for one log line each. */
  skippedReasons: string[];
}

export function parseRoster(body: unknown): ParsedRoster {
  const top = rosterSchema.safeParse(body);
  if (!top.success) throw new ShapeError(`roster without a usable guild: ${z.prettifyError(top.error)}`);
  const members: RosterMember[] = [];
  const skippedReasons: string[] = [];
  top.data.members.forEach((raw, index) => {
    const parsed = rosterMemberSchema.safeParse(raw);
    if (!parsed.success) {
      skippedReasons.push(`members[${index}]: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
      return;
    }
    const { character: c, rank } = parsed.data;
    members.push({
      blizzardCharacterId: c.id,
      name: c.name,
      realmSlug: c.realm.slug.toLowerCase(),
      realmId: c.realm.id,
      level: c.level,
      classId: c.playable_class?.id,
      raceId: c.playable_race?.id,
      faction: c.faction?.type,
      rank,
    });
  });
  const g = top.data.guild;
  return {
    roster: {
      guild: { id: g.id, name: g.name, faction: g.faction?.type, realmSlug: g.realm.slug.toLowerCase() },
      members,
      skipped: skippedReasons.length,
    },
    skippedReasons,
  };
}

export function parseProfile(body: unknown): CharacterProfile {
  const parsed = profileSchema.safeParse(body);
  if (!parsed.success) throw new ShapeError(`unusable character profile: ${z.prettifyError(parsed.error)}`);
  const p = parsed.data;
  return {
    blizzardCharacterId: p.id,
    name: p.name,
    realmSlug: p.realm.slug.toLowerCase(),
    realmName: p.realm.name,
    level: p.level,
    classId: p.character_class?.id,
    className: p.character_class?.name,
    raceName: p.race?.name,
    activeSpec: p.active_spec?.name,
    faction: p.faction?.type,
    averageItemLevel: p.average_item_level,
    equippedItemLevel: p.equipped_item_level,
    lastLoginAt: p.last_login_timestamp === undefined ? undefined : new Date(p.last_login_timestamp),
  };
}

export function parseStatus(body: unknown): CharacterStatus {
  const parsed = statusSchema.safeParse(body);
  if (!parsed.success) throw new ShapeError(`unusable character status: ${z.prettifyError(parsed.error)}`);
  return { id: parsed.data.id, isValid: parsed.data.is_valid };
}
