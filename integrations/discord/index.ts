export { DiscordClient, MEMBERS_PAGE_LIMIT } from './client';
export type { DiscordClientOptions } from './client';
export * from './errors';
export { snapshotFromApiMember, snapshotFromApiRole } from './members';
