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
  rosterSyncScheduleId,
  rosterSyncWorkflowId,
  type RosterSyncInput,
} from '../workflows/shared';

export interface RosterScheduleInfo {
  scheduleId: string;
  paused: boolean;
  note?: string;
  nextRunAt: string | null;
}

/** The workflow input for this installation's guild (the Blizzard queue only differs in tests). */
export function rosterSyncInput(config: Pick<Config, 'guild' | 'rosterSync' | 'blizzard'>, taskQueues: { blizzard: string } = TASK_QUEUES): RosterSyncInput {
  return {
    guild: { region: config.blizzard.region, realmSlug: config.guild.realmSlug, nameSlug: config.guild.nameSlug },
    profileBatchSize: config.rosterSync.profileBatchSize,
    ...(taskQueues.blizzard !== TASK_QUEUES.blizzard ? { blizzardTaskQueue: taskQueues.blizzard } : {}),
  };
}

function rosterScheduleSpec(
  config: Pick<Config, 'guild' | 'rosterSync' | 'blizzard'>,
  taskQueues: { main: string; blizzard: string },
): Pick<ScheduleOptions, 'spec' | 'action' | 'policies'> & { action: ScheduleOptionsStartWorkflowAction<Workflow> } {
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

/**
 * Creates the roster schedule, or brings an existing one up to date while keeping what an officer
 * set in the UI (paused and its note). Safe to call on every start.
 */
export async function ensureRosterSchedule(
  client: Client,
  config: Pick<Config, 'guild' | 'rosterSync' | 'blizzard'>,
  taskQueues: { main: string; blizzard: string } = TASK_QUEUES,
): Promise<RosterScheduleInfo> {
  const scheduleId = rosterSyncScheduleId(config.guild.key);
  const wanted = rosterScheduleSpec(config, taskQueues);
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
  return describeRosterSchedule(client, config) as Promise<RosterScheduleInfo>;
}

export async function describeRosterSchedule(client: Client, config: Pick<Config, 'guild'>): Promise<RosterScheduleInfo | null> {
  const scheduleId = rosterSyncScheduleId(config.guild.key);
  try {
    const d = await client.schedule.getHandle(scheduleId).describe();
    const next = d.info.nextActionTimes[0];
    return { scheduleId, paused: d.state.paused, note: d.state.note, nextRunAt: next ? next.toISOString() : null };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}
