import type { Knex } from 'knex';

export interface SyncRunRow {
  id: number;
  guild_id: number;
  kind: string;
  workflow_id: string;
  temporal_run_id: string;
  status: 'running' | 'succeeded' | 'failed' | 'skipped' | 'abandoned';
  counts: Record<string, unknown>;
  error: string | null;
  started_at: Date;
  heartbeat_at: Date;
  finished_at: Date | null;
}

export interface LatestSyncRuns {
  kind: string;
  /** The newest run that ended: succeeded, failed or abandoned (skipped runs did no work). */
  latestFinished: SyncRunRow | null;
  /** The newest succeeded run; the same row as latestFinished when that one succeeded. */
  latestSucceeded: SyncRunRow | null;
}

const FINISHED = ['succeeded', 'failed', 'abandoned'] as const;

/**
 * Per kind of sync present for the guild (sorted by kind), its latest finished and latest
 * succeeded run. Runs of one kind never overlap (sync_runs_one_running_uniq), so the newest
 * started is the newest finished; ordering by started_at follows sync_runs_latest_idx.
 */
export async function latestSyncRuns(knex: Knex | Knex.Transaction, guildId: number): Promise<LatestSyncRuns[]> {
  const newestPerKind = (statuses: readonly string[]) =>
    knex('sync_runs')
      .distinctOn('kind')
      .select('*')
      .where({ guild_id: guildId })
      .whereIn('status', statuses)
      .orderBy([{ column: 'kind' }, { column: 'started_at', order: 'desc' }, { column: 'id', order: 'desc' }]);

  const [kinds, finished, succeeded] = await Promise.all([
    knex('sync_runs').distinct('kind').where({ guild_id: guildId }).orderBy('kind') as Promise<{ kind: string }[]>,
    newestPerKind(FINISHED) as Promise<SyncRunRow[]>,
    newestPerKind(['succeeded']) as Promise<SyncRunRow[]>,
  ]);
  const byKind = (rows: SyncRunRow[]) => new Map(rows.map((r) => [r.kind, r]));
  const f = byKind(finished);
  const s = byKind(succeeded);
  return kinds.map(({ kind }) => ({ kind, latestFinished: f.get(kind) ?? null, latestSucceeded: s.get(kind) ?? null }));
}
