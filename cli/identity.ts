import fs from 'node:fs';
import type { SheetImportReport } from '../db/operations/identity/importSheet';
import { identitySummary } from '../db/operations/identity/identityQueries';
import { failSheetImport, recordSheetImport, setSheetImportWorkflow, sheetImportById } from '../db/operations/sheetImports/sheetImports';
import type { IdentityControl } from '../temporal/identityControl';
import type { SheetImportControl } from '../temporal/sheetImportControl';
import { CliUsageError, type ApiKeyCliDeps } from './apiKeys';

/** The CLI's way to Temporal: the same controls the API uses. */
export interface TemporalCliDeps extends ApiKeyCliDeps {
  identity: IdentityControl;
  sheetImport: SheetImportControl;
}

/** How long the CLI waits for a sheet import or an identity step on Temporal before it says where to follow it. */
export const CLI_WAIT_MS = 5 * 60_000;

function readCsv(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliUsageError(`Cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Export the tab from Google Sheets with File → Download → CSV.`);
  }
}

/** The import report as officers read it: what changed, then every row that could not be used. */
export function formatSheetReport(r: SheetImportReport): string {
  const lines = [
    r.dryRun ? 'DRY RUN: nothing was changed. A real import would:' : 'Imported:',
    `  players usable    ${r.players}`,
    `  persons           ${r.personsCreated} new, ${r.personsUpdated} renamed or given a main`,
    `  links             ${r.linksCreated} new, ${r.linksConfirmed} confirmed (were automation's), ${r.linksUnchanged} already so`,
  ];
  if (r.identity) lines.push(`  after matching    ${r.identity.persons} persons, ${r.identity.confirmed} confirmed links, ${r.identity.suggested} suggestions`);
  if (r.conflicts.length > 0) {
    lines.push('', `Left as officers had them (${r.conflicts.length}):`);
    for (const c of r.conflicts) lines.push(`  ${c.sheet} row ${c.row}: ${c.reason}`);
  }
  if (r.problems.length > 0) {
    lines.push('', `Rows not used (${r.problems.length}); fix them in the sheet and import again:`);
    for (const p of r.problems) lines.push(`  ${p.sheet} row ${p.row}: ${p.reason}`);
  }
  return lines.join('\n');
}

/**
 * The sheet is recorded (sheet_imports), then imported by the sheetImport workflow on Temporal,
 * as the API does; the CLI waits for the report and prints it.
 */
export async function importSheetCommand(
  deps: TemporalCliDeps,
  opts: { discordIds: string; characters: string; dryRun: boolean; by: string },
  waitMs = CLI_WAIT_MS,
): Promise<string> {
  const input = { discordIdsCsv: readCsv(opts.discordIds, 'DiscordIDs'), charactersCsv: readCsv(opts.characters, 'Characters'), dryRun: opts.dryRun, by: opts.by.trim() || 'sheet import' };
  const { importId, joined } = await recordSheetImport(deps.knex, deps.guildId, input);
  let run;
  try {
    run = await deps.sheetImport.run(importId, { waitMs });
  } catch (err) {
    if (!joined) await failSheetImport(deps.knex, importId, `TEMPORAL_UNAVAILABLE: ${(err as Error).message}`);
    throw new CliUsageError(`Temporal did not answer (${(err as Error).message}), so nothing was imported. Start it with \`npm start\` (or point TEMPORAL_ADDRESS at it) and run the command again.`);
  }
  await setSheetImportWorkflow(deps.knex, importId, run.workflowId);
  const row = (await sheetImportById(deps.knex, importId))!;
  if (!run.result || row.status === 'received') {
    return `Sheet import ${importId} is still running on Temporal after ${Math.round(waitMs / 1000)} s: ${run.temporalUiUrl}\nIts report is stored with it: GET /api/identity/import-sheet/${importId}`;
  }
  if (row.status === 'failed' || !row.report) {
    const [code, ...rest] = (row.error ?? 'IMPORT_FAILED: the import failed').split(': ');
    if (code === 'SHEET_FORMAT') throw new CliUsageError(rest.join(': '));
    throw new CliUsageError(`Sheet import ${importId} failed: ${rest.join(': ') || row.error}. Nothing was imported; see ${run.temporalUiUrl}`);
  }
  return formatSheetReport(row.report);
}

/** `identity run`: the guild's identity workflow on Temporal (then the audit), waited for. */
export async function identityRunCommand(deps: TemporalCliDeps, waitMs = CLI_WAIT_MS): Promise<string> {
  let outcome;
  try {
    outcome = await deps.identity.update(deps.guildId, 'manual', { waitMs });
  } catch (err) {
    throw new CliUsageError(`Temporal did not answer (${(err as Error).message}), so the identity step did not run. Start it with \`npm start\` (or point TEMPORAL_ADDRESS at it) and run the command again.`);
  }
  if (outcome.status === 'running') return `The identity step is running on Temporal and did not finish within ${Math.round(waitMs / 1000)} s: ${outcome.temporalUiUrl}`;
  const step = outcome.round.identity;
  if (step.status === 'failed') throw new CliUsageError(`The identity step failed: ${step.message} (${outcome.temporalUiUrl})`);
  const s = await identitySummary(deps.knex, deps.guildId);
  return [
    `Identity step for ${deps.guildKey}:`,
    `  persons           ${step.persons} (${step.personsCreated} new, ${step.personsRemoved} removed)`,
    `  links             ${step.linksCreated} new, ${step.linksChanged} changed, ${step.linksWithdrawn} withdrawn, ${step.linksUnchanged} unchanged`,
    `  now               ${s.confirmed} confirmed, ${s.suggested} suggestions to decide, ${s.rejected} rejected, ${s.flagged} flagged`,
    `  orphans           ${s.wowOrphans} characters without a Discord account, ${s.discordOrphans} Discord accounts without a character`,
    `  workflow          ${outcome.temporalUiUrl} (the audit was ${outcome.round.audit.status === 'requested' ? 'asked for' : `not asked for: ${outcome.round.audit.message}`})`,
  ].join('\n');
}
