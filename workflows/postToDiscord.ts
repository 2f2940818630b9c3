import { proxyActivities } from '@temporalio/workflow';
import type { DiscordPostActivities, PostDiscordMessageInput, PostDiscordMessageResult } from '../activities/discordPostActivities';
import { TASK_QUEUES } from './shared';

export interface PostToDiscordInput extends PostDiscordMessageInput {
  discordTaskQueue?: string;
}

/**
 * One logical message to one channel, exactly once: the activity's ledger and nonce make every
 * retry safe, so Temporal may retry it as often as Discord needs (429s set their own delay).
 * The reporter calls the same activity per part; this workflow is the single-message form.
 */
export async function postToDiscord(input: PostToDiscordInput): Promise<PostDiscordMessageResult> {
  const { discordTaskQueue, ...message } = input;
  return discordPosting(discordTaskQueue ?? TASK_QUEUES.discord).postDiscordMessage(message);
}

/** Posting activities on the Discord queue, with the timeouts and retries every post uses. */
export function discordPosting(taskQueue: string) {
  return proxyActivities<DiscordPostActivities>({
    taskQueue,
    // Long enough for @discordjs/rest's own three re-sends after timeouts.
    startToCloseTimeout: '2 minutes',
    // Posting heartbeats every 2 s: a worker lost mid-post is noticed in 10 s, and the post retried.
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 20,
      nonRetryableErrorTypes: ['DiscordAccessError', 'DiscordNotFoundError', 'DiscordMessageTooLarge', 'DiscordError'],
    },
  });
}
