import type { Knex } from 'knex';

/**
 * Closes a run as succeeded with its counts. Idempotent: a retry after the first call committed
 * returns the counts that were stored, not the ones it brings.
 */
export async function succeedSyncRun<C>(knex: Knex, syncRunId: number, counts: C): Promise<C> {
  const now = new Date();
  const [row] = await knex('sync_runs')
    .where({ id: syncRunId, status: 'running' })
    .update({ status: 'succeeded', counts: JSON.stringify(counts), finished_at: now, heartbeat_at: now, error: null })
    .returning('counts');
  if (row) return row.counts as C;
  const existing = await knex('sync_runs').where({ id: syncRunId }).first('status', 'counts');
  if (existing?.status === 'succeeded') return existing.counts as C;
  throw new Error(`Sync run ${syncRunId} is ${existing?.status ?? 'missing'}, not running: it cannot be closed as succeeded`);
}
