import type { Knex } from 'knex';

export interface ReportPostRow {
  id: number;
  guild_id: number;
  logical_key: string;
  channel_id: string;
  nonce: string;
  status: 'pending' | 'posted' | 'failed';
  discord_message_id: string | null;
  payload: unknown;
  attempts: number;
  last_error: string | null;
  posted_at: Date | null;
  created_at: Date;
}

/**
 * The ledger row of one logical message, created on first sight. Every later call for the same key
 * gets the same row (and so the same nonce), whatever payload it brings: the first payload is the
 * message, so a retry can never post a different text under the same key.
 */
export async function claimReportPost(
  knex: Knex,
  input: { guildId: number; logicalKey: string; channelId: string; nonce: string; payload: unknown },
): Promise<ReportPostRow> {
  await knex('report_posts')
    .insert({
      guild_id: input.guildId,
      logical_key: input.logicalKey,
      channel_id: input.channelId,
      nonce: input.nonce,
      payload: JSON.stringify(input.payload),
    })
    .onConflict(['guild_id', 'logical_key'])
    .ignore();
  return knex('report_posts').where({ guild_id: input.guildId, logical_key: input.logicalKey }).first();
}

/** Counted before the request goes out: attempts > 0 means an earlier send may have reached Discord. */
export async function recordReportPostAttempt(knex: Knex, id: number): Promise<void> {
  await knex('report_posts').where({ id }).increment('attempts', 1).update({ updated_at: knex.fn.now() });
}

export async function markReportPostPosted(knex: Knex, id: number, discordMessageId: string, postedAt = new Date()): Promise<void> {
  await knex('report_posts')
    .where({ id })
    .update({ status: 'posted', discord_message_id: discordMessageId, posted_at: postedAt, last_error: null, updated_at: knex.fn.now() });
}

export async function recordReportPostError(knex: Knex, id: number, error: string, final: boolean): Promise<void> {
  await knex('report_posts')
    .where({ id })
    .whereNot({ status: 'posted' })
    .update({ last_error: error, ...(final ? { status: 'failed' } : {}), updated_at: knex.fn.now() });
}
