import { Model } from 'objection';

/** A WoW character, keyed by its Blizzard id (thin model: fields and relations, no logic). */
export class WowCharacter extends Model {
  static override tableName = 'wow_characters';

  id!: number;
  guild_id!: number;
  blizzard_character_id!: number;
  guid!: string | null;
  name!: string;
  realm_slug!: string;
  realm_name!: string | null;
  level!: number | null;
  class_name!: string | null;
  active_spec!: string | null;
  average_item_level!: number | null;
  last_login_at!: Date | null;
  rank!: number | null;
  in_guild!: boolean;
  profile_status!: 'ok' | 'unavailable' | 'unknown';
  unavailable_reason!: string | null;

  guild?: import('./Guild').Guild;
  names?: import('./WowCharacterName').WowCharacterName[];
  rosterEvents?: import('./RosterEvent').RosterEvent[];

  static override modifiers = {
    inGuild: (query: import('objection').QueryBuilder<WowCharacter>) => query.where('in_guild', true),
  };

  static override relationMappings = () => ({
    guild: {
      relation: Model.BelongsToOneRelation,
      modelClass: require('./Guild').Guild,
      join: { from: 'wow_characters.guild_id', to: 'guilds.id' },
    },
    names: {
      relation: Model.HasManyRelation,
      modelClass: require('./WowCharacterName').WowCharacterName,
      join: { from: 'wow_characters.id', to: 'wow_character_names.wow_character_id' },
    },
    rosterEvents: {
      relation: Model.HasManyRelation,
      modelClass: require('./RosterEvent').RosterEvent,
      join: { from: 'wow_characters.id', to: 'roster_events.wow_character_id' },
    },
  });
}
