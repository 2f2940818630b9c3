import { defineQuery } from '@temporalio/workflow';

/**
 * Names shared by workflows, workers and the API. Task queues carry a version so a breaking change
 * to workflow code can be rolled out beside the old one.
 */
export const TASK_QUEUES = {
  /** Workflows and bookkeeping activities (database). */
  main: 'patt-guild-sync-v1',
  /** Activities that call the Blizzard API: one rate limiter per worker serves this queue. */
  blizzard: 'patt-blizzard-api-v1',
} as const;

export const SYNC_KINDS = { blizzardRoster: 'blizzard_roster' } as const;

/** One workflow id per guild for manual runs: Temporal itself refuses a second one while it runs. */
export const rosterSyncWorkflowId = (guildKey: string) => `roster-sync-${guildKey.replace(/\//g, '-')}`;
export const rosterSyncScheduleId = (guildKey: string) => `roster-sync-schedule-${guildKey.replace(/\//g, '-')}`;

export interface RosterSyncInput {
  guild: { region: string; realmSlug: string; nameSlug: string };
  profileBatchSize: number;
  /** Queue of the Blizzard activities; tests give each worker its own. Default TASK_QUEUES.blizzard. */
  blizzardTaskQueue?: string;
}

export type RosterSyncPhase = 'starting' | 'fetching_roster' | 'fetching_profiles' | 'finishing' | 'done' | 'skipped';

export interface RosterSyncProgress {
  phase: RosterSyncPhase;
  syncRunId: number | null;
  membersTotal: number;
  membersProcessed: number;
  batchesTotal: number;
  batchesDone: number;
}

export interface RosterSyncCounts {
  fetched: number;
  new: number;
  changed: number;
  unchanged: number;
  unavailable: number;
  gone: number;
  fullProfileFetches: number;
  events: { join: number; leave: number; rank_change: number; rename: number };
}

export interface RosterSyncResult {
  status: 'succeeded' | 'skipped';
  syncRunId: number | null;
  counts: RosterSyncCounts | null;
  /** Why the run was skipped (another run of this guild was already going). */
  reason?: string;
}

export const rosterSyncProgressQuery = defineQuery<RosterSyncProgress>('roster-sync-progress');
