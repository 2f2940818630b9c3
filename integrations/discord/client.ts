// discord.js re-exports @discordjs/rest: one dependency, one version of the REST client.
import {
  DiscordAPIError,
  HTTPError,
  RateLimitError,
  REST,
  Routes,
  type RequestData,
  type APIChannel, type APIGuild, type APIGuildMember, type APIMessage, type APIRole, type APIUser, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { Logger } from '../../config/logger';
import {
  DiscordAccessError,
  DiscordError,
  DiscordNotFoundError,
  DiscordRateLimitedError,
  DiscordUnavailableError,
} from './errors';

export interface DiscordClientOptions {
  botToken: string;
  /** Base such as https://discord.com/api; @discordjs/rest appends /v10. */
  apiUrl: string;
  timeoutMs: number;
  logger?: Logger;
  /** Rate-limit waits longer than this fail the call instead (Temporal retries after the wait). */
  maxRateLimitWaitMs?: number;
}

/** Discord's page size limit for GET /guilds/{id}/members. */
export const MEMBERS_PAGE_LIMIT = 1000;

/**
 * The Discord REST calls the sync and the reporter make, through @discordjs/rest: it keeps to
 * Discord's per-route buckets from the X-RateLimit headers, waits out short 429s, and re-sends on
 * 5xx and timeouts (3 times). Longer waits and final failures come out as typed DiscordErrors.
 */
export class DiscordClient {
  readonly rest: REST;
  private readonly logger?: Logger;

  constructor(private readonly opts: DiscordClientOptions) {
    this.logger = opts.logger;
    const maxWait = opts.maxRateLimitWaitMs ?? 30_000;
    this.rest = new REST({
      api: opts.apiUrl,
      version: '10',
      timeout: opts.timeoutMs,
      retries: 3,
      // Without this @discordjs/rest waits out any 429, however long, inside one activity attempt.
      rejectOnRateLimit: (data) => data.retryAfter > maxWait,
    }).setToken(opts.botToken);
    this.rest.on('rateLimited', (info) =>
      this.logger?.warn({ route: info.route, retryAfterMs: info.retryAfter, global: info.global }, 'Discord rate limit: waiting'),
    );
  }

  currentUser(signal?: AbortSignal): Promise<APIUser> {
    return this.call('GET', Routes.user('@me'), { signal });
  }

  guild(guildId: string, signal?: AbortSignal): Promise<APIGuild> {
    return this.call('GET', Routes.guild(guildId), { signal }, { guildId });
  }

  roles(guildId: string, signal?: AbortSignal): Promise<APIRole[]> {
    return this.call('GET', Routes.guildRoles(guildId), { signal }, { guildId });
  }

  /** One page of members, sorted by user id; `after` is exclusive ("0" for the first page). */
  membersPage(guildId: string, after: string, limit = MEMBERS_PAGE_LIMIT, signal?: AbortSignal): Promise<APIGuildMember[]> {
    return this.call(
      'GET',
      Routes.guildMembers(guildId),
      { query: new URLSearchParams({ limit: String(limit), after }), signal },
      { guildId, members: true },
    );
  }

  channel(channelId: string, signal?: AbortSignal): Promise<APIChannel> {
    return this.call('GET', Routes.channel(channelId), { signal }, { channelId });
  }

  /** Newest first, as Discord returns them. */
  recentMessages(channelId: string, opts: { after?: string; limit?: number; signal?: AbortSignal } = {}): Promise<APIMessage[]> {
    const query = new URLSearchParams({ limit: String(opts.limit ?? 100) });
    if (opts.after) query.set('after', opts.after);
    return this.call('GET', Routes.channelMessages(channelId), { query, signal: opts.signal }, { channelId });
  }

  createMessage(channelId: string, body: RESTPostAPIChannelMessageJSONBody, signal?: AbortSignal): Promise<APIMessage> {
    return this.call('POST', Routes.channelMessages(channelId), { body, signal }, { channelId });
  }

  private async call<T>(
    method: 'GET' | 'POST',
    route: `/${string}`,
    options: RequestData & { signal?: AbortSignal },
    about: { guildId?: string; channelId?: string; members?: boolean } = {},
  ): Promise<T> {
    const request = `${method} ${route}`;
    try {
      const result = method === 'GET' ? await this.rest.get(route, options) : await this.rest.post(route, options);
      return result as T;
    } catch (err) {
      throw this.translate(err, request, about);
    }
  }

  private translate(err: unknown, request: string, about: { guildId?: string; channelId?: string; members?: boolean }): DiscordError {
    if (err instanceof DiscordError) return err;
    if (err instanceof RateLimitError) {
      return new DiscordRateLimitedError(
        `Discord rate limit (429) on ${request}: retry after ${err.retryAfter} ms${err.global ? ' (global limit: is another process using this bot token?)' : ''}.`,
        { request, retryAfterMs: err.retryAfter, cause: err },
      );
    }
    if (err instanceof DiscordAPIError || err instanceof HTTPError) {
      const status = err.status;
      const code = err instanceof DiscordAPIError ? err.code : undefined;
      const details = { status, code, request, cause: err };
      if (status === 401) {
        return new DiscordAccessError(`Discord rejected the bot token (401) on ${request}: check DISCORD_BOT_TOKEN (Developer Portal → Bot → Reset Token).`, details);
      }
      if (status === 403) {
        const what = about.members
          ? `the bot may not list the members of server ${about.guildId}: turn on the Server Members intent (Developer Portal → Bot → Privileged Gateway Intents) and check the bot is on the server`
          : about.channelId
            ? `the bot may not use channel ${about.channelId}: give it View Channel, Send Messages, Embed Links and Read Message History there`
            : `the bot lacks access to server ${about.guildId ?? '?'}: invite it to the server (DISCORD_GUILD_ID)`;
        return new DiscordAccessError(`Discord refused ${request} (403${code ? `, code ${code}` : ''}): ${what}.`, details);
      }
      if (status === 404) {
        const what = about.channelId
          ? `no channel ${about.channelId}: check PATT_AUDIT_CHANNEL_ID (Developer Mode → right-click the channel → Copy Channel ID)`
          : about.guildId
            ? `no server ${about.guildId} for this bot: check DISCORD_GUILD_ID and that the bot was invited`
            : 'not found';
        return new DiscordNotFoundError(`Discord answered 404 to ${request}: ${what}.`, details);
      }
      if (status >= 500) {
        return new DiscordUnavailableError(`Discord answered ${status} to ${request} after 3 retries; it will be tried again later.`, details);
      }
      return new DiscordError(`Discord refused ${request} (${status}${code ? `, code ${code}` : ''}): ${err.message}`, details);
    }
    if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
      return new DiscordUnavailableError(
        `Discord did not answer ${request} within ${this.opts.timeoutMs} ms (after retries); it will be tried again later.`,
        { request, cause: err },
      );
    }
    const message = err instanceof Error ? err.message : String(err);
    return new DiscordUnavailableError(`Could not reach Discord for ${request} (${message}); check DISCORD_API_URL and the network.`, { request, cause: err });
  }
}
