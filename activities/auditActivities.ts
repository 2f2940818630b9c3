import { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from '../config/logger';
import type { AuditSettings } from '../core/audit/rules';
import { completeAuditReport, prepareAuditReport, type PreparedReport } from '../db/operations/audit/auditReports';
import { firstReportState, type FirstReportSeed } from '../db/operations/audit/firstReport';
import { runAudit, type AuditRunCounts } from '../db/operations/audit/runAudit';
import { requestGuildAudit } from '../temporal/auditControl';
import type { GuildAuditInput } from '../workflows/shared';

export interface AuditDeps {
  /** #audit-channel; null: the audit runs and tracks findings, nothing is posted. */
  channelId: string | null;
  debounceSeconds: number;
  settings: AuditSettings;
  /**
   * What the guild's first report waits for (AUDIT_FIRST_REPORT_WAITS_FOR) unless an officer
   * releases it; absent or empty: the first report goes out at once.
   */
  firstReportWaitsFor?: FirstReportSeed[];
}

/** The first report is held: the round tracked findings, prepared nothing; waitingFor says why. */
export interface HeldReport {
  held: FirstReportSeed[];
}

/** The audit's database steps (main task queue), and the request every sync ends with. */
export function createAuditActivities(deps: { knex: Knex; logger: Logger; client: Client; audit: AuditDeps; taskQueues: { main: string; discord: string } }) {
  const { knex, logger } = deps;
  return {
    /**
     * Asks for an audit of the guild: starts the guild's audit workflow, or tells the one waiting
     * that there is more to see (it waits for a quiet spell, so a burst makes one report).
     */
    async requestAudit(input: { guildId: number; reason: string; immediate?: boolean }): Promise<{ workflowId: string }> {
      const guild = await knex('guilds').where({ id: input.guildId }).first('key');
      const args: GuildAuditInput = {
        guildId: input.guildId,
        channelId: deps.audit.channelId,
        debounceSeconds: deps.audit.debounceSeconds,
        settings: deps.audit.settings,
        discordTaskQueue: deps.taskQueues.discord,
      };
      const { workflowId } = await requestGuildAudit(deps.client, { guildKey: guild.key, taskQueue: deps.taskQueues.main, input: args, reason: input.reason, immediate: input.immediate ?? false });
      return { workflowId };
    },

    async runAuditStep(input: { guildId: number; settings: AuditSettings }): Promise<AuditRunCounts> {
      const counts = await runAudit(knex, input.guildId, input.settings);
      logger.info({ guildId: input.guildId, ...counts }, 'audit run');
      return counts;
    },

    /**
     * Fixes the next report, or null when there is nothing to tell. While the guild's first report is
     * held (not seeded, not released), nothing is prepared: the findings stay untold for the report
     * that goes out once it is.
     */
    async prepareAuditReport(input: { guildId: number; channelId: string }): Promise<PreparedReport | HeldReport | null> {
      const hold = await firstReportState(knex, input.guildId, deps.audit.firstReportWaitsFor ?? []);
      if (hold.state === 'held') {
        logger.info({ guildId: input.guildId, waitingFor: hold.waitingFor }, 'first audit report held until the guild is seeded or an officer releases it');
        return { held: hold.waitingFor };
      }
      const guild = await knex('guilds').where({ id: input.guildId }).first('name', 'name_slug');
      return prepareAuditReport(knex, input.guildId, input.channelId, guild.name ?? guild.name_slug);
    },

    async completeAuditReport(input: { reportId: number }): Promise<void> {
      await completeAuditReport(knex, input.reportId);
      logger.info({ reportId: input.reportId }, 'audit report posted');
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
