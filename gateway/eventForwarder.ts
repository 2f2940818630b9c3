import type { Client } from '@temporalio/client';
import type { Logger } from '../config/logger';
import { TASK_QUEUES, discordMemberEventSignal, discordMemberEventsWorkflowId, type DiscordMemberEvent } from '../workflows/shared';

/**
 * Hands live member events to Temporal in the order they arrived: signal-with-start on the guild's
 * event workflow, so nothing depends on a worker being up. If Temporal itself cannot be reached the
 * events wait here, in order, and are retried with growing pauses; nothing accepted is dropped while
 * this process lives (after a restart the next reconcile catches up).
 */
export class EventForwarder {
  private readonly queue: DiscordMemberEvent[] = [];
  private draining = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private wake?: () => void;

  constructor(
    private readonly opts: {
      temporal: Client;
      guildId: number;
      guildKey: string;
      taskQueue?: string;
      logger: Logger;
      /** Longest pause between retries while Temporal is unreachable. */
      maxBackoffMs?: number;
    },
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  push(event: DiscordMemberEvent): void {
    this.queue.push(event);
    if (!this.draining) this.idle = this.drain();
  }

  /** Resolves once every event so far is in Temporal (tests and shutdown use it). */
  flushed(): Promise<void> {
    return this.idle;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    let failures = 0;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const event = this.queue[0]!;
        try {
          await this.opts.temporal.workflow.signalWithStart('discordMemberEvents', {
            workflowId: discordMemberEventsWorkflowId(this.opts.guildKey),
            taskQueue: this.opts.taskQueue ?? TASK_QUEUES.main,
            args: [{ guildId: this.opts.guildId }],
            signal: discordMemberEventSignal,
            signalArgs: [event],
          });
          this.queue.shift();
          failures = 0;
        } catch (err) {
          failures += 1;
          const delay = Math.min(this.opts.maxBackoffMs ?? 30_000, 500 * 2 ** (failures - 1));
          this.opts.logger.warn(
            { err, pending: this.queue.length, retryInMs: delay },
            'Could not hand a Discord member event to Temporal; keeping it and retrying (is the Temporal server up?)',
          );
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, delay);
            this.wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
