import { Model } from 'objection';

/** A guild this installation keeps in sync (thin model: fields and relations, no logic). */
export class Guild extends Model {
  static override tableName = 'guilds';

  id!: number;
  key!: string;
  region!: string;
  realm_slug!: string;
  name_slug!: string;
  name!: string | null;
  faction!: string | null;
  blizzard_guild_id!: number | null;

  characters?: import('./WowCharacter').WowCharacter[];
  syncRuns?: import('./SyncRun').SyncRun[];

  static override relationMappings = () => ({
    characters: {
      relation: Model.HasManyRelation,
      modelClass: require('./WowCharacter').WowCharacter,
      join: { from: 'guilds.id', to: 'wow_characters.guild_id' },
    },
    syncRuns: {
      relation: Model.HasManyRelation,
      modelClass: require('./SyncRun').SyncRun,
      join: { from: 'guilds.id', to: 'sync_runs.guild_id' },
    },
  });
}
