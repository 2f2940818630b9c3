import type { Knex } from 'knex';

export type GatewayStatusUpdate =
  | { kind: 'connected'; botUser: string }
  | { kind: 'disconnected'; error?: string }
  | { kind: 'heartbeat' }
  | { kind: 'event'; at: Date };

/**
 * What the gateway listener says about itself, one row per guild. The status endpoint reads it;
 * a heartbeat older than GATEWAY_STALE_AFTER_MS means the listener is gone whatever the row says.
 */
export async function recordGatewayStatus(
  knex: Knex,
  input: { guildId: number; discordGuildId: string; update: GatewayStatusUpdate },
): Promise<void> {
  const now = new Date();
  const { update } = input;
  const fields: Record<string, unknown> = { last_heartbeat_at: now, updated_at: now };
  if (update.kind === 'connected') Object.assign(fields, { connected: true, connected_at: now, bot_user: update.botUser, last_error: null });
  if (update.kind === 'disconnected') Object.assign(fields, { connected: false, disconnected_at: now, last_error: update.error ?? null });
  const row = { guild_id: input.guildId, discord_guild_id: input.discordGuildId, ...fields };
  const query = knex('discord_gateway_status').insert(update.kind === 'event' ? { ...row, last_event_at: update.at, events_received: 1 } : row);
  if (update.kind === 'event') {
    await query
      .onConflict('guild_id')
      .merge({ ...fields, last_event_at: update.at, events_received: knex.raw('discord_gateway_status.events_received + 1') });
  } else {
    await query.onConflict('guild_id').merge({ ...fields, discord_guild_id: input.discordGuildId });
  }
}

/** The listener writes a heartbeat every few seconds; this much silence means it is not running. */
export const GATEWAY_STALE_AFTER_MS = 45_000;
