import { Model } from 'objection';

/** A join, leave, rank change or rename seen by a roster sync. */
export class RosterEvent extends Model {
  static override tableName = 'roster_events';

  id!: number;
  guild_id!: number;
  wow_character_id!: number;
  sync_run_id!: number | null;
  kind!: 'join' | 'leave' | 'rank_change' | 'rename';
  details!: Record<string, unknown>;
  occurred_at!: Date;
}
