import type { Knex } from 'knex';

export type BeginSyncRunResult =
  | { started: true; syncRunId: number }
  | { started: false; runningSyncRunId: number; runningWorkflowId: string };

/** A running row with no sign of life for this long belongs to a run that died without finishing. */
export const STALE_RUN_AFTER_MS = 15 * 60_000;

/**
 * Opens the run record for one workflow run, or reports the run of the same kind that is already
 * going for this guild. Idempotent: a retry of the same Temporal run gets the same row back.
 * The partial unique index sync_runs_one_running_uniq is what makes "never two at once" hold.
 */
export async function beginSyncRun(
  knex: Knex,
  run: { guildId: number; kind: string; workflowId: string; temporalRunId: string },
  now = new Date(),
): Promise<BeginSyncRunResult> {
  return knex.transaction(async (trx) => {
    const mine = await trx('sync_runs').where({ temporal_run_id: run.temporalRunId }).first('id');
    if (mine) return { started: true, syncRunId: mine.id };

    // Serialise openers of this guild and kind, so the check below and the insert see the same world.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?), ?)', [run.kind, run.guildId]);
    const running = await trx('sync_runs')
      .where({ guild_id: run.guildId, kind: run.kind, status: 'running' })
      .forUpdate()
      .first('id', 'workflow_id', 'heartbeat_at');
    if (running) {
      if (now.getTime() - new Date(running.heartbeat_at).getTime() < STALE_RUN_AFTER_MS) {
        return { started: false, runningSyncRunId: running.id, runningWorkflowId: running.workflow_id };
      }
      await trx('sync_runs')
        .where({ id: running.id })
        .update({ status: 'abandoned', finished_at: now, error: `No sign of life for ${STALE_RUN_AFTER_MS / 60_000} minutes; taken over by ${run.workflowId}` });
    }
    const [row] = await trx('sync_runs')
      .insert({
        guild_id: run.guildId,
        kind: run.kind,
        workflow_id: run.workflowId,
        temporal_run_id: run.temporalRunId,
        status: 'running',
        started_at: now,
        heartbeat_at: now,
      })
      .returning('id');
    return { started: true, syncRunId: row.id };
  });
}

/** Records that a run is still making progress (see STALE_RUN_AFTER_MS). */
export async function touchSyncRun(knex: Knex | Knex.Transaction, syncRunId: number): Promise<void> {
  await knex('sync_runs').where({ id: syncRunId, status: 'running' }).update({ heartbeat_at: knex.fn.now() });
}
