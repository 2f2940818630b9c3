import { activityInfo, heartbeat } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import type { ProfileResult } from '../core/roster/types';
import { applyMemberOutcome } from '../db/operations/rosterSync/applyMemberOutcome';
import { pendingMembers, type PendingMember } from '../db/operations/rosterSync/pendingMembers';
import { stageRoster } from '../db/operations/rosterSync/stageRoster';
import { touchSyncRun } from '../db/operations/syncRuns/beginSyncRun';
import type { GuildIdentity } from '../db/operations/guilds/ensureGuild';
import { BlizzardNotFoundError, BlizzardRateLimitedError, type BlizzardClient } from '../integrations/blizzard';

/** Well inside the profile batches' 15 s heartbeat timeout. */
const HEARTBEAT_MS = 5_000;

export interface ProfileBatchResult {
  processed: number;
  fullFetches: number;
}

/**
 * Steps that call the Blizzard API. They run on their own task queue, where each worker holds one
 * rate limiter for all of them, and write what they learn to PostgreSQL straight away.
 */
export function createBlizzardActivities(deps: { knex: Knex; blizzard: BlizzardClient; logger: Logger }) {
  const { knex, blizzard, logger } = deps;

  /**
   * A 404 profile: ask the status endpoint why, so officers see renamed/transferred vs private. The
   * check is a request like any other: the client retries its 429s and 5xx, and if it still fails
   * the member stays pending (its batch fails, Temporal retries it) rather than losing the reason.
   */
  async function whyUnavailable(m: PendingMember): Promise<string> {
    try {
      const status = await blizzard.getCharacterStatus(m.realm_slug, m.name);
      if (!status.isValid || status.id !== m.blizzard_character_id) {
        return 'Profile 404 and the status check says this character no longer exists under this name: renamed, transferred or deleted';
      }
      return 'Profile 404 but the character exists: its profile is private, or it is below level 10 or inactive';
    } catch (err) {
      if (err instanceof BlizzardNotFoundError) {
        return 'Profile and status both 404: renamed, transferred or deleted (the roster will show its new name once Blizzard updates it)';
      }
      throw err;
    }
  }

  async function profileOf(m: PendingMember): Promise<ProfileResult> {
    try {
      const res = await blizzard.getCharacterProfile(m.realm_slug, m.name, {
        ifModifiedSince: m.profile_last_modified ?? undefined,
      });
      return res.kind === 'not_modified' ? res : { kind: 'profile', profile: res.profile, lastModified: res.lastModified ?? null };
    } catch (err) {
      if (err instanceof BlizzardNotFoundError) return { kind: 'not_found', reason: await whyUnavailable(m) };
      throw err;
    }
  }

  return {
    async fetchGuildRoster(input: { syncRunId: number; guildId: number; guild: GuildIdentity }): Promise<{ members: number; skipped: number }> {
      const roster = await blizzard.getGuildRoster(input.guild.realmSlug, input.guild.nameSlug);
      const { staged } = await stageRoster(
        knex,
        { syncRunId: input.syncRunId, guildId: input.guildId },
        { blizzardGuildId: roster.guild.id, name: roster.guild.name, faction: roster.guild.faction },
        roster.members,
      );
      logger.info({ syncRunId: input.syncRunId, members: staged, skipped: roster.skipped }, 'roster staged');
      return { members: staged, skipped: roster.skipped };
    },

    /**
     * Fetches and stores the profiles of staged members [fromPosition, toPosition). Each member is
     * committed on its own, so a retry (after a 429, a crash or a lost worker) carries on with the
     * members not done yet instead of starting over.
     */
    async syncProfileBatch(input: { syncRunId: number; fromPosition: number; toPosition: number }): Promise<ProfileBatchResult> {
      const members = await pendingMembers(knex, input.syncRunId, input.fromPosition, input.toPosition);
      let done = 0;
      let fullFetches = 0;
      const failures: unknown[] = [];
      // A member may wait on a 429 window or a retry: beat on time, not only per member done.
      const beat = setInterval(() => heartbeat({ done }), HEARTBEAT_MS);
      try {
        await Promise.all(
          members.map(async (m) => {
            try {
              const profile = await profileOf(m);
              await applyMemberOutcome(knex, m, profile);
              done += 1;
              if (profile.kind === 'profile') fullFetches += 1;
              heartbeat({ done });
            } catch (err) {
              failures.push(err);
            }
          }),
        );
      } finally {
        clearInterval(beat);
      }
      await touchSyncRun(knex, input.syncRunId);
      if (failures.length > 0) {
        const { attempt } = activityInfo();
        logger.warn({ syncRunId: input.syncRunId, failed: failures.length, done, attempt }, 'profile batch incomplete; Temporal retries the rest');
        // Rate limits first: their retry delay tells Temporal when to come back.
        const limited = failures.filter((f): f is BlizzardRateLimitedError => f instanceof BlizzardRateLimitedError);
        if (limited.length > 0) throw limited.reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a));
        throw failures[0];
      }
      // Staged positions run 0..n-1 without gaps, so the range is exactly the batch.
      return { processed: input.toPosition - input.fromPosition, fullFetches };
    },
  };
}

export type BlizzardActivities = ReturnType<typeof createBlizzardActivities>;
