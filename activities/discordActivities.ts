import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import { sortedUnique } from '../core/discord/memberChanges';
import { markMissingMembersDeparted } from '../db/operations/discordSync/markMissingMembersDeparted';
import { noMembersWritten, recordMembersPresent, type MembersWritten } from '../db/operations/discordSync/recordMembersPresent';
import { upsertDiscordRoles, type RolesWritten } from '../db/operations/discordSync/upsertDiscordRoles';
import { touchSyncRun } from '../db/operations/syncRuns/beginSyncRun';
import { MEMBERS_PAGE_LIMIT, snapshotFromApiMember, snapshotFromApiRole, type DiscordClient } from '../integrations/discord';

export interface MemberPassResult {
  pages: number;
  members: MembersWritten;
  departed: number;
  rowsWritten: number;
}

/** Steps that read Discord's REST API and write what they found (the Discord task queue). */
export function createDiscordActivities(deps: { knex: Knex; discord: DiscordClient; logger: Logger }) {
  const { knex, discord, logger } = deps;
  return {
    async reconcileDiscordRoles(input: { guildId: number; discordGuildId: string }): Promise<RolesWritten> {
      const roles = await discord.roles(input.discordGuildId, cancellationSignal());
      return upsertDiscordRoles(knex, { guildId: input.guildId, discordGuildId: input.discordGuildId, roles: roles.map(snapshotFromApiRole) });
    },

    /**
     * The full pass: every page of members (1,000 at a time, by user id), each page written in one
     * transaction as it arrives, then members not seen marked departed. A retry starts the pass
     * again; pages already written are found unchanged and write nothing.
     */
    async reconcileDiscordMembers(input: { guildId: number; discordGuildId: string; syncRunId: number }): Promise<MemberPassResult> {
      const passStartedAt = new Date();
      const seen: string[] = [];
      const totals = noMembersWritten();
      let after = '0';
      let pages = 0;
      for (;;) {
        const fetchedAt = new Date();
        const page = await discord.membersPage(input.discordGuildId, after, MEMBERS_PAGE_LIMIT, cancellationSignal());
        const members = page.map(snapshotFromApiMember);
        const written = await recordMembersPresent(knex, {
          guildId: input.guildId,
          members,
          observedAt: fetchedAt,
          source: 'reconcile',
          syncRunId: input.syncRunId,
        });
        addInto(totals, written);
        pages += 1;
        for (const m of members) seen.push(m.userId);
        heartbeat({ pages, members: seen.length });
        await touchSyncRun(knex, input.syncRunId);
        if (page.length < MEMBERS_PAGE_LIMIT) break;
        after = sortedUnique(members.map((m) => m.userId)).at(-1)!;
      }
      const departed = await markMissingMembersDeparted(knex, {
        guildId: input.guildId,
        seenUserIds: seen,
        passStartedAt,
        syncRunId: input.syncRunId,
      });
      totals.events.leave += departed.departed;
      logger.info(
        { syncRunId: input.syncRunId, attempt: activityInfo().attempt, pages, members: seen.length, new: totals.new, changed: totals.changed, departed: departed.departed },
        'Discord member pass done',
      );
      return { pages, members: totals, departed: departed.departed, rowsWritten: totals.rowsWritten + departed.rowsWritten };
    },
  };
}

function addInto(total: MembersWritten, part: MembersWritten): void {
  for (const k of ['seen', 'new', 'rejoined', 'changed', 'unchanged', 'stale', 'rowsWritten'] as const) total[k] += part[k];
  for (const k of Object.keys(total.events) as (keyof MembersWritten['events'])[]) total.events[k] += part.events[k];
}

export type DiscordActivities = ReturnType<typeof createDiscordActivities>;
