import { firstReportState, heldMessage, releaseFirstReport, SEED_TEXT, type FirstReportSeed, type FirstReportState } from '../db/operations/audit/firstReport';
import type { AuditControl } from '../temporal/auditControl';
import type { ApiKeyCliDeps } from './apiKeys';

export interface AuditCliDeps extends ApiKeyCliDeps {
  firstReportWaitsFor: FirstReportSeed[];
  /** Null when Temporal did not answer: the release is recorded, the audit runs with the next sync. */
  audit: AuditControl | null;
}

/** The first report's state as one line, for the CLI and the start banner. */
export function describeFirstReport(s: FirstReportState): string {
  switch (s.state) {
    case 'held':
      return `HELD until ${s.waitingFor.map((w: FirstReportSeed) => SEED_TEXT[w]).join(' and ')}`;
    case 'released':
      return s.releasedBy ? `released by ${s.releasedBy} at ${s.releasedAt?.toISOString()}: it goes out with the next audit` : 'the guild is seeded: it goes out with the next audit';
    case 'posted':
      return 'posted';
    case 'not_needed':
      return 'not held (AUDIT_FIRST_REPORT_WAITS_FOR is empty): it goes out with the first audit';
  }
}

export async function firstReportCommand(deps: AuditCliDeps): Promise<string> {
  const s = await firstReportState(deps.knex, deps.guildId, deps.firstReportWaitsFor);
  return `First audit report for ${deps.guildKey}: ${describeFirstReport(s)}${s.state === 'held' ? `\n${heldMessage(s)}` : ''}`;
}

/** `audit release`: records the release (who, when), then asks for an audit now, which posts the first report. */
export async function releaseFirstReportCommand(deps: AuditCliDeps, opts: { by: string }): Promise<string> {
  const by = opts.by.trim() || 'officer (CLI)';
  const s = await releaseFirstReport(deps.knex, deps.guildId, by, deps.firstReportWaitsFor);
  if (s.state === 'posted') return `The first audit report for ${deps.guildKey} has been posted already: nothing is held, nothing to release.`;
  if (s.state === 'not_needed') return 'AUDIT_FIRST_REPORT_WAITS_FOR is empty: the first report is not held.';
  const released = `First audit report for ${deps.guildKey} released by ${s.releasedBy}${s.recorded ? '' : ' (earlier)'}.`;
  if (!deps.audit) return `${released}\nTemporal did not answer, so it goes out with the next audit (every sync asks for one).`;
  try {
    const run = await deps.audit.trigger(deps.guildId);
    return `${released}\nThe audit runs now and posts it: ${run.temporalUiUrl}`;
  } catch (err) {
    return `${released}\nTemporal did not answer (${(err as Error).message}), so it goes out with the next audit (every sync asks for one).`;
  }
}
