import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { minimumMessages, packReport, type ReportInput } from '../core/audit/report';
import { DEFAULT_AUDIT_SETTINGS } from '../core/audit/rules';
import { createKnex, migrateToLatest } from '../db/knex';
import { reportContents } from '../db/operations/audit/auditReports';
import { runAudit } from '../db/operations/audit/runAudit';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { runIdentity } from '../db/operations/identity/runIdentity';
import { dropDatabase, ensureDatabase, providePostgres } from '../scripts/provision/postgres';
import { generatedIdentityInput, seedGeneratedGuild } from './identity';

const PROJECT = path.resolve(__dirname, '..', '..');
const print = (figures: Record<string, unknown>) => {
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k}=${v}\n`);
};

/**
 * `npm run bench -- audit [characters] [members] [findings]`: a generated guild of 10,000
 * characters and 5,000 Discord accounts in PostgreSQL (identity already matched), through the
 * rules and back into audit_issues: the first audit (every finding new) and a second (nothing
 * changed). Then the first report of 1,000 of those findings: messages used ÷ the fewest any
 * packing could use (target ≤ 1.2).
 */
export async function auditBenchmark(args: string[]): Promise<void> {
  const characters = Number(args[0] ?? 10_000);
  const members = Number(args[1] ?? 5_000);
  const reported = Number(args[2] ?? 1_000);
  const pg = await providePostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(PROJECT, '.data', 'bench-postgres'), port: 54349, logger: pino({ level: 'warn' }) });
  const dbName = 'patt_bench_audit';
  try {
    await dropDatabase(pg.url, dbName);
    const knex = createKnex(await ensureDatabase(pg.url, dbName), { max: 2 });
    try {
      await migrateToLatest(knex);
      const guildId = await ensureGuild(knex, { region: 'us', realmSlug: 'senjin', nameSlug: 'bench-audit' });
      await seedGeneratedGuild(knex, guildId, generatedIdentityInput(characters, members));
      await runIdentity(knex, guildId);

      const t0 = performance.now();
      const first = await runAudit(knex, guildId, DEFAULT_AUDIT_SETTINGS);
      const t1 = performance.now();
      const second = await runAudit(knex, guildId, DEFAULT_AUDIT_SETTINGS);
      const t2 = performance.now();

      const { findings } = await reportContents(knex, guildId);
      // A mix of every rule, as a first report would have them.
      const sample = findings.filter((_, i) => i % Math.max(1, Math.floor(findings.length / reported)) === 0).slice(0, reported);
      const input: ReportInput = { guildName: 'Pull All The Things', generatedAt: new Date().toISOString(), first: true, findings: sample, resolved: [] };
      const t3 = performance.now();
      const messages = packReport(input);
      const t4 = performance.now();
      const fewest = minimumMessages(input);
      print({
        characters,
        members,
        audit_first_ms: (t1 - t0).toFixed(0),
        audit_first_findings: first.findings,
        audit_first_opened: first.opened,
        audit_second_ms: (t2 - t1).toFixed(0),
        audit_second_opened_resolved: first.opened === 0 ? 'n/a' : `${second.opened}/${second.resolved}`,
        report_findings: sample.length,
        report_rules: new Set(sample.map((f) => f.rule)).size,
        report_messages: messages.length,
        report_minimum_messages: fewest,
        report_ratio: (messages.length / fewest).toFixed(3),
        report_target_ratio: 1.2,
        report_pack_ms: (t4 - t3).toFixed(1),
      });
    } finally {
      await knex.destroy();
    }
    await dropDatabase(pg.url, dbName);
  } finally {
    await pg.stop();
  }
}
