import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AuditActivities } from '../activities/auditActivities';
import { discordPosting } from './postToDiscord';
import { auditRequestedSignal, type AuditRequest, type GuildAuditInput, type GuildAuditRound } from './shared';

const audit = proxyActivities<AuditActivities>({
  // 10,000 characters audit in well under a second; a lost worker is retried after this.
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Rounds one workflow run does before it ends (the next request starts a fresh run). */
const MAX_ROUNDS = 10;

/**
 * The guild's audit, as the runbook says: wait for a quiet spell after the last request (a burst of
 * syncs and uploads makes one report) → run the rules and track the findings → prepare the report
 * of what officers have not been told → post it part by part, in order → mark it told. Each part is
 * posted exactly once (the ledger and nonce of postDiscordMessage); a worker lost mid-report resumes
 * at the part it was on.
 */
export async function guildAudit(input: GuildAuditInput): Promise<{ rounds: GuildAuditRound[] }> {
  const requests: AuditRequest[] = [];
  setHandler(auditRequestedSignal, (r) => {
    requests.push(r);
  });
  const discord = discordPosting(input.discordTaskQueue);

  const rounds: GuildAuditRound[] = [];
  let handled = 0;
  // The request that started this run arrives with the start (signal-with-start).
  await condition(() => requests.length > 0, '1 minute');
  // Another round while requests came in during the last one; then the run ends, and the next
  // request starts a new run.
  while (requests.length > handled && rounds.length < MAX_ROUNDS) {
    // Quiet spell: each new request restarts the wait, unless an officer asked for it now.
    let seen = requests.length;
    const quiet = input.debounceSeconds * 1000;
    while (quiet > 0 && !requests.slice(handled).some((r) => r.immediate) && (await condition(() => requests.length > seen, quiet))) seen = requests.length;
    const batch = requests.slice(handled);
    handled = requests.length;

    const counts = await audit.runAuditStep({ guildId: input.guildId, settings: input.settings });
    let report: GuildAuditRound['report'] = null;
    let heldFor: GuildAuditRound['held'];
    if (input.channelId) {
      const prepared = await audit.prepareAuditReport({ guildId: input.guildId, channelId: input.channelId });
      // The guild's first report is held (not seeded yet): findings are tracked, nothing is told.
      if (prepared && 'held' in prepared) heldFor = prepared.held;
      else if (prepared) {
        report = prepared;
        for (let part = 0; part < report.parts; part += 1) await discord.postAuditReportPart({ reportId: report.reportId, part });
        await audit.completeAuditReport({ reportId: report.reportId });
      }
    }
    rounds.push({ reasons: [...new Set(batch.map((r) => r.reason))], counts, report, ...(heldFor ? { held: heldFor } : {}) });
  }
  return { rounds };
}
