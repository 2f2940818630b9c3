import type { Knex } from 'knex';

/** Marks a run failed with a message officers can act on. Leaves finished runs alone. */
export async function failSyncRun(knex: Knex, syncRunId: number, error: string): Promise<void> {
  await knex('sync_runs')
    .where({ id: syncRunId, status: 'running' })
    .update({ status: 'failed', error: error.slice(0, 2000), finished_at: knex.fn.now() });
}
