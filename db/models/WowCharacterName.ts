import { Model } from 'objection';

/** One name and realm a character has had. */
export class WowCharacterName extends Model {
  static override tableName = 'wow_character_names';

  id!: number;
  guild_id!: number;
  wow_character_id!: number;
  name!: string;
  realm_slug!: string;
  first_seen_at!: Date;
  last_seen_at!: Date;
}
