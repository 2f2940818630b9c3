import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleUpdateOptions,
  type ScheduleDescription,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { Config } from '../config';
import {
  TASK_QUEUES,
  discordReconcileScheduleId,
  discordReconcileWorkflowId,
  rosterSyncScheduleId,
  rosterSyncWorkflowId,
  type DiscordReconcileInput,
  type RosterSyncInput,
  type TaskQueues,
} from '../workflows/shared';

export interface ScheduleInfo {
  scheduleId: string;
  paused: boolean;
  note?: string;
  nextRunAt: string | null;
}

/** The workflow input for this installation's guild (the Blizzard queue only differs in tests). */
export function rosterSyncInput(config: Pick<Config, 'guild' | 'rosterSync' | 'blizzard'>, taskQueues: Pick<TaskQueues, 'blizzard'> = TASK_QUEUES): RosterSyncInput {
  return {
    guild: { region: config.blizzard.region, realmSlug: config.guild.realmSlug, nameSlug: config.guild.nameSlug },
    profileBatchSize: config.rosterSync.profileBatchSize,
    ...(taskQueues.blizzard !== TASK_QUEUES.blizzard ? { blizzardTaskQueue: taskQueues.blizzard } : {}),
  };
}

function rosterScheduleSpec(
  config: Pick<Config, 'guild' | 'rosterSync' | 'blizzard'>,
  taskQueues: Pick<TaskQueues, 'main' | 'blizzard'>,
): WantedSchedule {
  const input = rosterSyncInput(config, taskQueues);
  return {
    spec: {
      calendars: [{ hour: config.rosterSync.hoursUtc, minute: 0, comment: 'Roster sync, four times a day (UTC)' }],
      // A little jitter so many installations do not hit Blizzard at the same second.
      jitter: '2 minutes',
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'guildRosterSync',
      // The manual trigger looks for running syncs by this prefix.
      workflowId: `${rosterSyncWorkflowId(config.guild.key)}-scheduled`,
      taskQueue: taskQueues.main,
      args: [input],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
}

type WantedSchedule = Pick<ScheduleOptions, 'spec' | 'action' | 'policies'> & { action: ScheduleOptionsStartWorkflowAction<Workflow> };

/**
 * Creates a schedule, or brings an existing one up to date while keeping what an officer set in
 * the UI (paused and its note). Safe to call on every start.
 */
async function ensureSchedule(client: Client, scheduleId: string, wanted: WantedSchedule): Promise<ScheduleInfo> {
  try {
    await client.schedule.create({
      scheduleId,
      ...wanted,
      state: { note: 'Created by PATT Guild Sync at start-up' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update(
      (previous: ScheduleDescription): ScheduleUpdateOptions => ({
        ...previous,
        spec: wanted.spec,
        action: wanted.action,
        policies: { ...previous.policies, ...wanted.policies },
        // update() replaces the whole schedule: carry the officer's pause over.
        state: { paused: previous.state.paused, note: previous.state.note },
      }),
    );
  }
  return describeSchedule(client, scheduleId) as Promise<ScheduleInfo>;
}

export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleInfo | null> {
  try {
    const d = await client.schedule.getHandle(scheduleId).describe();
    const next = d.info.nextActionTimes[0];
    return { scheduleId, paused: d.state.paused, note: d.state.note, nextRunAt: next ? next.toISOString() : null };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

/** The roster schedule: four times a day (ROSTER_SYNC_HOURS_UTC). */
export function ensureRosterSchedule(
  client: Client,
  config: Pick<Config, 'guild' | 'rosterSync' | 'blizzard'>,
  taskQueues: Pick<TaskQueues, 'main' | 'blizzard'> = TASK_QUEUES,
): Promise<ScheduleInfo> {
  return ensureSchedule(client, rosterSyncScheduleId(config.guild.key), rosterScheduleSpec(config, taskQueues));
}

export function describeRosterSchedule(client: Client, config: Pick<Config, 'guild'>): Promise<ScheduleInfo | null> {
  return describeSchedule(client, rosterSyncScheduleId(config.guild.key));
}

/** The workflow input of the Discord reconcile for this installation. */
export function discordReconcileInput(
  config: Pick<Config, 'guild' | 'blizzard' | 'discord'>,
  taskQueues: Pick<TaskQueues, 'discord'> = TASK_QUEUES,
): DiscordReconcileInput {
  return {
    guild: { region: config.blizzard.region, realmSlug: config.guild.realmSlug, nameSlug: config.guild.nameSlug },
    discordGuildId: config.discord.guildId,
    ...(taskQueues.discord !== TASK_QUEUES.discord ? { discordTaskQueue: taskQueues.discord } : {}),
  };
}

/** The Discord reconcile schedule: every DISCORD_RECONCILE_EVERY_MINUTES (hourly by default). */
export function ensureDiscordReconcileSchedule(
  client: Client,
  config: Pick<Config, 'guild' | 'blizzard' | 'discord'>,
  taskQueues: Pick<TaskQueues, 'main' | 'discord'> = TASK_QUEUES,
): Promise<ScheduleInfo> {
  return ensureSchedule(client, discordReconcileScheduleId(config.guild.key), {
    spec: {
      intervals: [{ every: `${config.discord.reconcileEveryMinutes} minutes` }],
      jitter: '1 minute',
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'discordReconcile',
      workflowId: `${discordReconcileWorkflowId(config.guild.key)}-scheduled`,
      taskQueue: taskQueues.main,
      args: [discordReconcileInput(config, taskQueues)],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
  });
}

export function describeDiscordReconcileSchedule(client: Client, config: Pick<Config, 'guild'>): Promise<ScheduleInfo | null> {
  return describeSchedule(client, discordReconcileScheduleId(config.guild.key));
}
