import type { Knex } from 'knex';

export interface GuildIdentity {
  region: string;
  realmSlug: string;
  nameSlug: string;
}

export const guildKey = (g: GuildIdentity) => `${g.region}/${g.realmSlug}/${g.nameSlug}`;

/** Returns the guild's id, creating its row the first time. Safe under concurrent callers. */
export async function ensureGuild(knex: Knex | Knex.Transaction, guild: GuildIdentity): Promise<number> {
  const key = guildKey(guild);
  const [row] = await knex('guilds')
    .insert({ key, region: guild.region, realm_slug: guild.realmSlug, name_slug: guild.nameSlug })
    .onConflict('key')
    .merge({ updated_at: knex.fn.now() })
    .returning('id');
  return row.id as number;
}
