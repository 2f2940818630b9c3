import fs from 'node:fs';
import { SheetFormatError } from '../core/identity/sheet';
import { importSheet, type SheetImportReport } from '../db/operations/identity/importSheet';
import { identitySummary } from '../db/operations/identity/identityQueries';
import { runIdentity } from '../db/operations/identity/runIdentity';
import { CliUsageError, type ApiKeyCliDeps } from './apiKeys';

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

export async function importSheetCommand(deps: ApiKeyCliDeps, opts: { discordIds: string; characters: string; dryRun: boolean; by: string }): Promise<string> {
  const input = { discordIdsCsv: readCsv(opts.discordIds, 'DiscordIDs'), charactersCsv: readCsv(opts.characters, 'Characters'), dryRun: opts.dryRun, by: opts.by.trim() || 'sheet import' };
  try {
    return formatSheetReport(await importSheet(deps.knex, deps.guildId, input));
  } catch (err) {
    if (err instanceof SheetFormatError) throw new CliUsageError(err.message);
    throw err;
  }
}

export async function identityRunCommand(deps: ApiKeyCliDeps): Promise<string> {
  const c = await runIdentity(deps.knex, deps.guildId);
  const s = await identitySummary(deps.knex, deps.guildId);
  return [
    `Identity step for ${deps.guildKey}:`,
    `  persons           ${c.persons} (${c.personsCreated} new, ${c.personsRemoved} removed)`,
    `  links             ${c.linksCreated} new, ${c.linksChanged} changed, ${c.linksWithdrawn} withdrawn, ${c.linksUnchanged} unchanged`,
    `  now               ${s.confirmed} confirmed, ${s.suggested} suggestions to decide, ${s.rejected} rejected, ${s.flagged} flagged`,
    `  orphans           ${s.wowOrphans} characters without a Discord account, ${s.discordOrphans} Discord accounts without a character`,
  ].join('\n');
}
