import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import { runIdentity, type IdentityRunCounts } from '../db/operations/identity/runIdentity';

export type IdentityTrigger = 'blizzard_roster' | 'discord_reconcile' | 'addon_import';

/** The identity step the sync workflows end with (main task queue: database only). */
export function createIdentityActivities(deps: { knex: Knex; logger: Logger }) {
  const { knex, logger } = deps;
  return {
    /** Re-derives persons and links from what the sync just stored. Idempotent: a retry changes nothing more. */
    async runIdentityStep(input: { guildId: number; after: IdentityTrigger }): Promise<IdentityRunCounts> {
      const counts = await runIdentity(knex, input.guildId);
      logger.info({ guildId: input.guildId, after: input.after, ...counts }, 'identity step done');
      return counts;
    },
  };
}

export type IdentityActivities = ReturnType<typeof createIdentityActivities>;
