import type { Knex } from 'knex';
import { GATEWAY_STALE_AFTER_MS } from './gatewayStatus';

export interface DiscordSyncStatus {
  members: { present: number; departed: number; bots: number; withoutGuildRole: number };
  roles: number;
  listener: {
    connected: boolean;
    /** Why it counts as not connected, for the person running the server. */
    detail: string;
    botUser: string | null;
    connectedAt: Date | null;
    lastHeartbeatAt: Date | null;
    lastEventAt: Date | null;
    eventsReceived: number;
    lastError: string | null;
  };
  lastMemberChangeAt: Date | null;
}

/** The Discord side of /api/guild-sync/status, from the tables alone (the runs come from sync_runs). */
export async function discordSyncStatus(knex: Knex, guildId: number, now = new Date()): Promise<DiscordSyncStatus> {
  const [members, roles, listener, lastChange] = await Promise.all([
    knex('discord_members as m')
      .where({ 'm.guild_id': guildId })
      .first(
        knex.raw('count(*) filter (where m.departed_at is null)::int as present'),
        knex.raw('count(*) filter (where m.departed_at is not null)::int as departed'),
        knex.raw('count(*) filter (where m.departed_at is null and m.is_bot)::int as bots'),
        knex.raw(
          `count(*) filter (where m.departed_at is null and not m.is_bot and not exists (
             select 1 from discord_roles r where r.guild_id = m.guild_id and r.guild_rank is not null
               and r.deleted_at is null and r.discord_role_id = any(m.role_ids)))::int as "withoutGuildRole"`,
        ),
      ),
    knex('discord_roles').where({ guild_id: guildId }).whereNull('deleted_at').count<{ n: string }[]>('* as n'),
    knex('discord_gateway_status').where({ guild_id: guildId }).first(),
    knex('discord_member_events').where({ guild_id: guildId }).max<{ at: Date | null }[]>('occurred_at as at'),
  ]);
  const heartbeat: Date | null = listener?.last_heartbeat_at ?? null;
  const fresh = heartbeat !== null && now.getTime() - heartbeat.getTime() < GATEWAY_STALE_AFTER_MS;
  const connected = Boolean(listener?.connected) && fresh;
  const detail = !listener
    ? 'The gateway listener has never run for this guild (npm start runs it; in production, the gateway service).'
    : !fresh
      ? `No word from the gateway listener since ${heartbeat?.toISOString()}: is its process running?`
      : connected
        ? 'Connected to the Discord gateway.'
        : `Running but not connected to Discord${listener.last_error ? `: ${listener.last_error}` : ' (reconnecting)'}.`;
  return {
    members: members as DiscordSyncStatus['members'],
    roles: Number(roles[0]?.n ?? 0),
    listener: {
      connected,
      detail,
      botUser: listener?.bot_user ?? null,
      connectedAt: listener?.connected_at ?? null,
      lastHeartbeatAt: heartbeat,
      lastEventAt: listener?.last_event_at ?? null,
      eventsReceived: listener?.events_received ?? 0,
      lastError: listener?.last_error ?? null,
    },
    lastMemberChangeAt: lastChange[0]?.at ?? null,
  };
}
