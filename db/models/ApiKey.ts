import { Model } from 'objection';

/** An API key: only its hash and prefix are stored. */
export class ApiKey extends Model {
  static override tableName = 'api_keys';

  id!: number;
  guild_id!: number;
  name!: string;
  key_prefix!: string;
  key_hash!: string;
  scopes!: string[];
  last_used_at!: Date | null;
  revoked_at!: Date | null;
}
