import type { Knex } from 'knex';

/**
 * Each character's names before a rename (Blizzard keeps the character id): notes, nicknames and a
 * hand-kept sheet lag renames, so every reader of names knows them too.
 */
export async function formerNames(db: Knex | Knex.Transaction, guildId: number): Promise<Map<number, string[]>> {
  const rows = await db('wow_character_names as n')
    .join('wow_characters as c', 'c.id', 'n.wow_character_id')
    .where('c.guild_id', guildId)
    .whereRaw('n.name <> c.name')
    .select('n.wow_character_id', 'n.name');
  const previous = new Map<number, string[]>();
  for (const r of rows) previous.set(r.wow_character_id, [...(previous.get(r.wow_character_id) ?? []), r.name]);
  return previous;
}
