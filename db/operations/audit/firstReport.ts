import type { Knex } from 'knex';
import { sheetImported } from '../sheetImports/sheetImports';

type Db = Knex | Knex.Transaction;

/** What a guild's first report waits for (AUDIT_FIRST_REPORT_WAITS_FOR). */
export const FIRST_REPORT_SEEDS = ['addon', 'sheet'] as const;
export type FirstReportSeed = (typeof FIRST_REPORT_SEEDS)[number];

export interface FirstReportState {
  /**
   * held: nothing has been posted yet and the guild is not seeded (waitingFor says by what);
   * released: it goes out with the next audit (the guild is seeded, or an officer released it);
   * posted: the first report has been posted, the hold never applies again;
   * not_needed: AUDIT_FIRST_REPORT_WAITS_FOR is empty, the first report goes out at once.
   */
  state: 'held' | 'released' | 'posted' | 'not_needed';
  /** What is still missing while held (empty otherwise). */
  waitingFor: FirstReportSeed[];
  releasedBy: string | null;
  releasedAt: Date | null;
}

/** What each seed means, for messages. */
export const SEED_TEXT: Record<FirstReportSeed, string> = {
  addon: 'the first addon upload (the companion uploads /pattsync; npm run addon:demo in the demo)',
  sheet: "the first officers' sheet import (npm run cli -- identity import-sheet, or POST /api/identity/import-sheet)",
};

async function seeded(db: Db, guildId: number, seed: FirstReportSeed): Promise<boolean> {
  if (seed === 'addon') return Boolean(await db('addon_uploads').where({ guild_id: guildId, status: 'imported' }).first('id'));
  return sheetImported(db, guildId);
}

/**
 * The hold on a guild's first report: until the guild is seeded (an addon upload imported, a real
 * sheet import succeeded, as `waitsFor` says) or an officer releases it, the audit tracks findings
 * but prepares no report. Once a report has been prepared or posted, it never applies again.
 */
export async function firstReportState(db: Db, guildId: number, waitsFor: readonly FirstReportSeed[]): Promise<FirstReportState> {
  const release = await db('audit_first_report_releases').where({ guild_id: guildId }).first('released_by', 'released_at');
  const released = { releasedBy: release?.released_by ?? null, releasedAt: release?.released_at ?? null };
  const reports = await db('audit_reports').where({ guild_id: guildId }).select('status');
  if (reports.some((r) => r.status === 'posted')) return { state: 'posted', waitingFor: [], ...released };
  if (waitsFor.length === 0) return { state: 'not_needed', waitingFor: [], ...released };
  // A report already prepared (being posted) is on its way: nothing holds it.
  if (release || reports.length > 0) return { state: 'released', waitingFor: [], ...released };
  const waitingFor: FirstReportSeed[] = [];
  for (const seed of FIRST_REPORT_SEEDS) if (waitsFor.includes(seed) && !(await seeded(db, guildId, seed))) waitingFor.push(seed);
  return { state: waitingFor.length > 0 ? 'held' : 'released', waitingFor, ...released };
}

/**
 * An officer releases the first report before the guild is seeded. Recorded once (the first
 * release is kept); returns the state after it.
 */
export async function releaseFirstReport(db: Db, guildId: number, by: string, waitsFor: readonly FirstReportSeed[], now = new Date()): Promise<FirstReportState & { recorded: boolean }> {
  const before = await firstReportState(db, guildId, waitsFor);
  let recorded = false;
  if (before.state !== 'posted') {
    const inserted = await db('audit_first_report_releases').insert({ guild_id: guildId, released_by: by, released_at: now }).onConflict('guild_id').ignore().returning('guild_id');
    recorded = inserted.length > 0;
  }
  return { ...(await firstReportState(db, guildId, waitsFor)), recorded };
}

/** One line for officers: why the first report is held, and how to release it. */
export function heldMessage(s: Pick<FirstReportState, 'waitingFor'>): string {
  return (
    `The guild's first audit report is held until ${s.waitingFor.map((w) => SEED_TEXT[w]).join(' and ')} ` +
    '(AUDIT_FIRST_REPORT_WAITS_FOR). Findings are tracked meanwhile (GET /api/identity/mismatches) and previewable ' +
    '(POST /api/guild-sync/report/trigger with {"dryRun": true}). To post it now: POST /api/guild-sync/report/release, or `npm run cli -- audit release`.'
  );
}
