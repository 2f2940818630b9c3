import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import { carriesReference, messageNonce, messageProblems, messageReference, snowflakeAt, withReference, type DiscordMessage } from '../core/discord/messages';
import {
  claimReportPost,
  markReportPostPosted,
  recordReportPostAttempt,
  recordReportPostError,
} from '../db/operations/reportPosts/reportPostLedger';
import { DiscordError, type DiscordClient } from '../integrations/discord';
import { reportPart } from '../db/operations/audit/auditReports';

export interface PostDiscordMessageInput {
  guildId: number;
  channelId: string;
  /** Names the logical message (e.g. `audit-run-42-part-3`): one key, one message in the channel, ever. */
  logicalKey: string;
  message: DiscordMessage;
}

export interface PostDiscordMessageResult {
  messageId: string;
  /** posted: sent now; found: an earlier attempt had posted it; ledger: the ledger already said so. */
  how: 'posted' | 'found' | 'ledger';
}

/** How far back before the ledger row the channel check looks (clocks differ a little). */
const CHECK_MARGIN_MS = 60_000;
/** Pages of 100 messages the channel check reads: #audit-channel is quiet, this is days of it. */
const CHECK_MAX_PAGES = 5;

/**
 * Posting for the reporter: a message of embeds goes to a channel exactly once per logical key.
 * 1. The ledger row (report_posts) is claimed first: it fixes the nonce and the payload.
 * 2. If an earlier attempt may have reached Discord (attempts > 0), the channel is read for a
 *    message by this bot carrying the row's reference; found means posted, nothing is sent.
 * 3. Otherwise it is sent with the nonce and enforce_nonce, so the re-sends @discordjs/rest makes
 *    after a 5xx or a timeout return the message Discord already created instead of a second one.
 */
export function createDiscordPostActivities(deps: { knex: Knex; discord: DiscordClient; logger: Logger }) {
  const { knex, discord, logger } = deps;
  let botUserId: string | undefined;

  const activities = {
    async postDiscordMessage(input: PostDiscordMessageInput): Promise<PostDiscordMessageResult> {
      // A sign of life while Discord answers, so a worker that dies mid-post is noticed in seconds
      // (heartbeatTimeout) rather than at the end of startToCloseTimeout.
      const beat = setInterval(() => heartbeat(), 2_000);
      try {
        return await post(input);
      } finally {
        clearInterval(beat);
      }
    },

    /** Part `part` (from 0) of a prepared audit report, posted like any message: once per part, ever. */
    async postAuditReportPart(input: { reportId: number; part: number }): Promise<PostDiscordMessageResult> {
      const { guildId, channelId, message } = await reportPart(knex, input.reportId, input.part);
      return activities.postDiscordMessage({ guildId, channelId, logicalKey: `audit-report-${input.reportId}-part-${input.part + 1}`, message });
    },
  };

  async function post(input: PostDiscordMessageInput): Promise<PostDiscordMessageResult> {
    const problems = messageProblems(input.message);
    if (problems) {
      throw ApplicationFailure.create({
        type: 'DiscordMessageTooLarge',
        message: `Message ${input.logicalKey} cannot be posted as one Discord message: ${problems}. Split it into parts.`,
        nonRetryable: true,
      });
    }
    const nonce = messageNonce(input.guildId, input.logicalKey);
    const reference = messageReference(nonce);
    const row = await claimReportPost(knex, { ...input, nonce, payload: withReference(input.message, reference) });
    if (row.status === 'posted' && row.discord_message_id) return { messageId: row.discord_message_id, how: 'ledger' };
    const payload = row.payload as DiscordMessage;
    const log = logger.child({ logicalKey: input.logicalKey, channelId: row.channel_id, attempt: activityInfo().attempt });

    if (row.attempts > 0) {
      botUserId ??= (await discord.currentUser(cancellationSignal())).id;
      const found = await findPosted(discord, row.channel_id, botUserId, reference, row.created_at.getTime() - CHECK_MARGIN_MS);
      if (found) {
        await markReportPostPosted(knex, row.id, found);
        log.info({ messageId: found }, 'Discord message was already posted by an earlier attempt; not posting again');
        return { messageId: found, how: 'found' };
      }
    }

    await recordReportPostAttempt(knex, row.id);
    try {
      const message = await discord.createMessage(
        row.channel_id,
        { ...payload, nonce: row.nonce, enforce_nonce: true, allowed_mentions: { parse: [] } },
        cancellationSignal(),
      );
      await markReportPostPosted(knex, row.id, message.id);
      log.info({ messageId: message.id }, 'Discord message posted');
      return { messageId: message.id, how: 'posted' };
    } catch (err) {
      const final = err instanceof DiscordError && !err.retryable;
      await recordReportPostError(knex, row.id, err instanceof Error ? err.message : String(err), final);
      log.warn({ err, final }, 'Discord message not confirmed; the next attempt checks the channel before sending');
      throw err;
    }
  }
  return activities;
}

/** The id of a message by this bot carrying the reference, posted since `sinceMs`, if any. */
async function findPosted(discord: DiscordClient, channelId: string, botUserId: string, reference: string, sinceMs: number): Promise<string | null> {
  let after = snowflakeAt(sinceMs);
  for (let page = 0; page < CHECK_MAX_PAGES; page += 1) {
    const messages = await discord.recentMessages(channelId, { after, limit: 100, signal: cancellationSignal() });
    const mine = messages.find((m) => m.author.id === botUserId && carriesReference(m, reference));
    if (mine) return mine.id;
    if (messages.length < 100) return null;
    after = messages.reduce((max, m) => (BigInt(m.id) > BigInt(max) ? m.id : max), after);
  }
  return null;
}

export type DiscordPostActivities = ReturnType<typeof createDiscordPostActivities>;
