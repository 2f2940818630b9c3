import type { IdentityStepResult } from './identityStep';
export type AuditRequestResult = { status: 'requested'; workflowId: string } | { status: 'failed'; message: string };
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DiscordMemberSnapshot } from '../core/discord/types';

/**
 * Names shared by workflows, workers and the API. Task queues carry a version so a breaking change
 * to workflow code can be rolled out beside the old one.
 */
export const TASK_QUEUES = {
  /** Workflows and bookkeeping activities (database). */
  main: 'patt-guild-sync-v1',
  /** Activities that call the Blizzard API: one rate limiter per worker serves this queue. */
  blizzard: 'patt-blizzard-api-v1',
  /** Activities that call Discord's REST API (one @discordjs/rest client per worker keeps its buckets). */
  discord: 'patt-discord-api-v1',
} as const;

export type TaskQueues = { [K in keyof typeof TASK_QUEUES]: string };

export const SYNC_KINDS = { blizzardRoster: 'blizzard_roster', discordReconcile: 'discord_reconcile' } as const;

/** One workflow id per guild for manual runs: Temporal itself refuses a second one while it runs. */
export const rosterSyncWorkflowId = (guildKey: string) => `roster-sync-${guildKey.replace(/\//g, '-')}`;
export const rosterSyncScheduleId = (guildKey: string) => `roster-sync-schedule-${guildKey.replace(/\//g, '-')}`;

export interface RosterSyncInput {
  guild: { region: string; realmSlug: string; nameSlug: string };
  profileBatchSize: number;
  /** Queue of the Blizzard activities; tests give each worker its own. Default TASK_QUEUES.blizzard. */
  blizzardTaskQueue?: string;
}

export type RosterSyncPhase = 'starting' | 'fetching_roster' | 'fetching_profiles' | 'finishing' | 'matching' | 'done' | 'skipped';

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
  /** The identity step that matched what this sync stored. */
  identity?: IdentityStepResult;
  /** The audit asked for after it. */
  audit?: AuditRequestResult;
}

export const rosterSyncProgressQuery = defineQuery<RosterSyncProgress>('roster-sync-progress');

// ---- Discord ----------------------------------------------------------------------------------

export const discordReconcileWorkflowId = (guildKey: string) => `discord-reconcile-${guildKey.replace(/\//g, '-')}`;
export const discordReconcileScheduleId = (guildKey: string) => `discord-reconcile-schedule-${guildKey.replace(/\//g, '-')}`;
/** One long-lived workflow per guild applies live member events in the order they arrived. */
export const discordMemberEventsWorkflowId = (guildKey: string) => `discord-member-events-${guildKey.replace(/\//g, '-')}`;

export interface DiscordReconcileInput {
  guild: { region: string; realmSlug: string; nameSlug: string };
  /** The guild's Discord server (snowflake). */
  discordGuildId: string;
  /** Queue of the Discord activities; tests give each worker its own. Default TASK_QUEUES.discord. */
  discordTaskQueue?: string;
}

export interface DiscordReconcileCounts {
  pages: number;
  members: { seen: number; new: number; rejoined: number; changed: number; unchanged: number; stale: number; departed: number };
  roles: { seen: number; new: number; changed: number; deleted: number };
  events: { join: number; leave: number; roles_changed: number; renamed: number };
  /** Member, role and event rows inserted or updated: 0 when nothing changed on Discord. */
  rowsWritten: number;
}

export type DiscordReconcilePhase = 'starting' | 'roles' | 'members' | 'finishing' | 'matching' | 'done' | 'skipped';

export interface DiscordReconcileProgress {
  phase: DiscordReconcilePhase;
  syncRunId: number | null;
}

export interface DiscordReconcileResult {
  status: 'succeeded' | 'skipped';
  syncRunId: number | null;
  counts: DiscordReconcileCounts | null;
  reason?: string;
  identity?: IdentityStepResult;
  audit?: AuditRequestResult;
}

export const discordReconcileProgressQuery = defineQuery<DiscordReconcileProgress>('discord-reconcile-progress');

/** A live change on the server, as the gateway listener saw it. */
export type DiscordMemberEvent =
  | { kind: 'joined' | 'updated'; member: DiscordMemberSnapshot; observedAt: string }
  | { kind: 'left'; user: { userId: string; username: string; globalName: string | null; isBot: boolean }; observedAt: string };

export interface DiscordMemberEventsInput {
  /** The guild's row id (the listener resolves it at start). */
  guildId: number;
  /** Events carried over from the previous run (continue-as-new). */
  pending?: DiscordMemberEvent[];
  /** Events applied by earlier runs of this chain, for the logs. */
  appliedBefore?: number;
}

export const discordMemberEventSignal = defineSignal<[DiscordMemberEvent]>('discord-member-event');

// ---- Addon uploads ----------------------------------------------------------------------------

/** One import per upload: starting it twice (a retried request) finds the first. */
export const addonImportWorkflowId = (guildKey: string, uploadId: number) => `addon-import-${guildKey.replace(/\//g, '-')}-${uploadId}`;

// ---- Identity updates and sheet imports -------------------------------------------------------

/**
 * One identity workflow per guild: officers' decisions and `identity run` signal it (with start),
 * so requests that arrive together make one identity step and the engine never runs twice at once
 * from here. Each caller waits for the round that covered its request.
 */
export const identityUpdateWorkflowId = (guildKey: string) => `identity-${guildKey.replace(/\//g, '-')}`;
export interface IdentityUpdateRequest {
  /** The caller's own id, to find the round that covered it in the result. */
  requestId: string;
  reason: 'officer_decision' | 'manual';
}
export const identityUpdateRequestedSignal = defineSignal<[IdentityUpdateRequest]>('identity-update-requested');
export interface IdentityUpdateInput {
  guildId: number;
  /** Requests carried over from the previous run (continue-as-new). */
  pending?: IdentityUpdateRequest[];
  /** Rounds of earlier runs of this chain, so a caller that follows the chain still finds its round. */
  earlier?: IdentityUpdateRound[];
}
export interface IdentityUpdateRound {
  requestIds: string[];
  reasons: string[];
  identity: IdentityStepResult;
  audit: AuditRequestResult;
}

/** One import per recorded sheet: starting it twice (a re-send joining a running import) finds the first. */
export const sheetImportWorkflowId = (guildKey: string, importId: number) => `sheet-import-${guildKey.replace(/\//g, '-')}-${importId}`;

// ---- Audit ------------------------------------------------------------------------------------

/** One audit workflow per guild at a time: requests while it waits or runs join it. */
export const auditWorkflowId = (guildKey: string) => `audit-${guildKey.replace(/\//g, '-')}`;
export interface AuditRequest {
  reason: string;
  /** An officer asked (report trigger): skip the quiet-spell wait. */
  immediate: boolean;
}
export const auditRequestedSignal = defineSignal<[AuditRequest]>('audit-requested');

export interface GuildAuditInput {
  guildId: number;
  channelId: string | null;
  debounceSeconds: number;
  settings: { staleDays: number; unavailableDays: number; graceHours: number };
  discordTaskQueue: string;
}

export interface GuildAuditRound {
  reasons: string[];
  counts: { findings: number; opened: number; reopened: number; resolved: number; stillOpen: number; toReport: number };
  report: { reportId: number; parts: number; first: boolean; findings: number; resolved: number } | null;
  /** The guild's first report was held: what it still waits for (AUDIT_FIRST_REPORT_WAITS_FOR). */
  held?: ('addon' | 'sheet')[];
}
