import type { Knex } from 'knex';

let blizzardId = 1;

export interface SeedCharacter {
  name: string;
  realm?: string;
  note?: string;
  officer?: string;
  inGuild?: boolean;
}
export interface SeedMember {
  username: string;
  globalName?: string;
  nickname?: string;
  bot?: boolean;
}

/** Characters and Discord members of a guild as the syncs and the addon import leave them. */
export async function seedIdentityGuild(knex: Knex, guildId: number, chars: SeedCharacter[], members: SeedMember[]) {
  const c = await knex('wow_characters')
    .insert(
      chars.map((x, i) => ({
        guild_id: guildId,
        blizzard_character_id: 900_000_000 + blizzardId++ + process.pid * 10_000,
        name: x.name,
        realm_slug: x.realm ?? 'senjin',
        realm_name: x.realm ? null : "Sen'jin",
        rank: i % 5,
        guild_note: x.note ?? null,
        officer_note: x.officer ?? null,
        in_guild: x.inGuild ?? true,
      })),
    )
    .returning(['id', 'name']);
  const m = await knex('discord_members')
    .insert(members.map((x, i) => ({ guild_id: guildId, discord_user_id: `10453671298500${20_000 + i}`, username: x.username, global_name: x.globalName ?? null, nickname: x.nickname ?? null, is_bot: x.bot ?? false })))
    .returning(['id', 'username']);
  return {
    guildId,
    char: Object.fromEntries(c.map((r) => [r.name, r.id as number])) as Record<string, number>,
    member: Object.fromEntries(m.map((r) => [r.username, r.id as number])) as Record<string, number>,
  };
}

/** A small guild: two officers with alts and Discord accounts, a bank alt, a player with only a lookalike account, a visitor and a bot. */
export const OFFICERS_GUILD: { chars: SeedCharacter[]; members: SeedMember[] } = {
  chars: [
    { name: 'Trogmoon', note: 'Main', officer: 'Discord: trog' },
    { name: 'Trogtotem', note: 'Alt of Trogmoon' },
    { name: 'Pattvault' },
    { name: 'Bloodvalor', realm: 'alterac-mountains', note: 'Main', officer: 'Discord: mito' },
    { name: 'Kazgor', note: 'Main' },
  ],
  members: [
    { username: 'trog', globalName: 'Mike', nickname: 'Trogmoon' },
    { username: 'mito', globalName: 'Mito', nickname: 'Bloodvalor' },
    { username: 'kazzy', globalName: 'Kazgór' }, // the name with an accent the character does not have: a look-alike
    { username: 'visitor' },
    { username: 'MEE6', bot: true },
  ],
};
