export { BlizzardClient, parseRetryAfter } from './client';
export type { BlizzardClientOptions, BlizzardClientStats, ProfileResult } from './client';
export {
  BlizzardError,
  BlizzardAuthError,
  BlizzardNetworkError,
  BlizzardNotFoundError,
  BlizzardRateLimitedError,
  BlizzardServerError,
} from './errors';
export type { BlizzardErrorDetails } from './errors';
export type { CharacterProfile, CharacterStatus, Faction, GuildRoster, RosterMember } from './types';
