import type { DemoChannel, DemoDiscordMember, DemoDiscordServer, DemoRole, DemoUser } from './demoServer';
import { discordTimestamp, snowflakeTime } from './snowflake';

/**
 * Discord's JSON objects (API v10, snake_case), with the fields a recorded response has today —
 * including the ones nobody here reads (`avatar_decoration_data`, `primary_guild`, member `flags`),
 * so clients are tested against the real clutter, not a tidy subset.
 */

export interface StandinMessage {
  id: string;
  channel_id: string;
  author: ReturnType<typeof userJson>;
  content: string;
  embeds: Record<string, unknown>[];
  /** As sent: a string or an integer; null when none was sent. */
  nonce: string | number | null;
  timestamp: string;
}

export function userJson(u: DemoUser) {
  return {
    id: u.id,
    username: u.username,
    avatar: u.avatar,
    discriminator: u.discriminator,
    public_flags: 0,
    flags: 0,
    ...(u.bot ? { bot: true } : {}),
    banner: null,
    accent_color: null,
    global_name: u.global_name,
    avatar_decoration_data: null,
    collectibles: null,
    display_name_styles: null,
    banner_color: null,
    clan: null,
    primary_guild: null,
  };
}

/** The bot's own user as GET /users/@me and READY send it. */
export function selfUserJson(u: DemoUser) {
  return { ...userJson(u), bot: true, verified: true, mfa_enabled: false, email: null, locale: 'en-US' };
}

export function memberJson(m: DemoDiscordMember) {
  return {
    avatar: null,
    banner: null,
    communication_disabled_until: null,
    flags: m.flags,
    joined_at: m.joined_at,
    nick: m.nick,
    pending: m.pending,
    premium_since: m.premium_since,
    roles: [...m.roles],
    unusual_dm_activity_until: null,
    collectibles: null,
    user: userJson(m.user),
    mute: false,
    deaf: false,
  };
}

export function roleJson(r: DemoRole) {
  return {
    id: r.id,
    name: r.name,
    description: null,
    permissions: r.permissions,
    position: r.position,
    color: r.color,
    colors: { primary_color: r.color, secondary_color: null, tertiary_color: null },
    hoist: r.hoist,
    managed: r.managed,
    mentionable: r.mentionable,
    icon: null,
    unicode_emoji: null,
    flags: 0,
    ...(r.tags ? { tags: { ...r.tags } } : {}),
  };
}

export function channelJson(c: DemoChannel, guildId: string, lastMessageId: string | null) {
  const base = { id: c.id, type: c.type, flags: 0, guild_id: guildId, name: c.name, parent_id: c.parent_id, position: c.position, permission_overwrites: [] };
  if (c.type === 4) return base;
  if (c.type === 2) return { ...base, last_message_id: lastMessageId, bitrate: 64000, user_limit: 0, rtc_region: null, rate_limit_per_user: 0, nsfw: false };
  return { ...base, last_message_id: lastMessageId, rate_limit_per_user: 0, topic: c.topic, nsfw: false };
}

/** GET /guilds/{id}; `counts` adds the approximate counts (`?with_counts=true`). */
export function guildJson(s: DemoDiscordServer, counts: boolean) {
  return {
    id: s.guildId,
    name: s.name,
    icon: null,
    description: null,
    home_header: null,
    splash: null,
    discovery_splash: null,
    features: [],
    banner: null,
    owner_id: s.ownerId,
    application_id: null,
    region: 'us-central',
    afk_channel_id: null,
    afk_timeout: 300,
    system_channel_id: s.generalChannelId,
    system_channel_flags: 0,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 1,
    roles: s.roles.map(roleJson),
    default_message_notifications: 1,
    mfa_level: 0,
    explicit_content_filter: 2,
    max_presences: null,
    max_members: 25_000_000,
    max_stage_video_channel_users: 50,
    max_video_channel_users: 25,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    rules_channel_id: null,
    safety_alerts_channel_id: null,
    public_updates_channel_id: null,
    hub_type: null,
    premium_progress_bar_enabled: false,
    latest_onboarding_question_id: null,
    nsfw: false,
    nsfw_level: 0,
    emojis: [],
    stickers: [],
    incidents_data: null,
    inventory_settings: null,
    embed_enabled: false,
    embed_channel_id: null,
    ...(counts ? { approximate_member_count: s.members.size, approximate_presence_count: Math.round(s.members.size * 0.3) } : {}),
  };
}

/**
 * The gateway's GUILD_CREATE: the REST guild plus the gateway-only fields. Without the presence
 * intent Discord sends only the bot's own member (and members in voice, none here), so clients
 * must list members over REST or request them.
 */
export function guildCreateJson(s: DemoDiscordServer, lastMessageIds: Map<string, string>, largeThreshold: number) {
  const { approximate_member_count: _a, approximate_presence_count: _b, ...guild } = guildJson(s, false) as ReturnType<typeof guildJson> & {
    approximate_member_count?: number;
    approximate_presence_count?: number;
  };
  const self = s.members.get(s.botUser.id);
  return {
    ...guild,
    joined_at: self?.joined_at ?? discordTimestamp(snowflakeTime(s.guildId)),
    large: s.members.size > largeThreshold,
    unavailable: false,
    member_count: s.members.size,
    voice_states: [],
    members: self ? [memberJson(self)] : [],
    channels: s.channels.map((c) => {
      const { guild_id: _g, ...rest } = channelJson(c, s.guildId, lastMessageIds.get(c.id) ?? null);
      return rest;
    }),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    activity_instances: [],
    version: Date.now(),
    lazy: true,
  };
}

export function messageJson(m: StandinMessage) {
  return {
    type: 0,
    content: m.content,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: m.embeds,
    timestamp: m.timestamp,
    edited_timestamp: null,
    flags: 0,
    components: [],
    id: m.id,
    channel_id: m.channel_id,
    author: m.author,
    pinned: false,
    mention_everyone: false,
    tts: false,
    ...(m.nonce !== null ? { nonce: m.nonce } : {}),
  };
}

/** Discord's error body. */
export function errorJson(message: string, code: number, errors?: unknown) {
  return errors === undefined ? { message, code } : { message, code, errors };
}
