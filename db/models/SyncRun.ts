import { Model } from 'objection';

/** One run of a sync workflow, with what it counted. */
export class SyncRun extends Model {
  static override tableName = 'sync_runs';

  id!: number;
  guild_id!: number;
  kind!: string;
  workflow_id!: string;
  temporal_run_id!: string;
  status!: 'running' | 'succeeded' | 'failed' | 'skipped' | 'abandoned';
  counts!: Record<string, unknown>;
  error!: string | null;
  started_at!: Date;
  finished_at!: Date | null;

  rosterEvents?: import('./RosterEvent').RosterEvent[];

  static override relationMappings = () => ({
    rosterEvents: {
      relation: Model.HasManyRelation,
      modelClass: require('./RosterEvent').RosterEvent,
      join: { from: 'sync_runs.id', to: 'roster_events.sync_run_id' },
    },
  });
}
