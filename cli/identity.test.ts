import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { freshGuild, testKnex } from '../test/db';
import { startTestWorkers, type TestWorkers } from '../test/temporal';
import { TASK_QUEUES, sheetImportWorkflowId, identityUpdateWorkflowId } from '../workflows/shared';

/** The sheet import as an officer runs it: the built CLI, as a process, on the test database. */
const CLI = path.join(__dirname, '..', 'dist', 'cli', 'index.js');
const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'sheet');

let knex: Knex;
let workers: TestWorkers;
beforeAll(async () => {
  knex = testKnex();
  // The CLI starts workflows on the production task queues; no other test polls them.
  workers = await startTestWorkers({ knex, taskQueues: { ...TASK_QUEUES } });
});
afterAll(async () => {
  await workers.shutdown();
  await knex.destroy();
});

/** The CLI as a process; asynchronous, so the workers in this process keep running its workflows meanwhile. */
function cli(args: string[], guild: { realmSlug: string; nameSlug: string }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  if (!fs.existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does it)');
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, PATT_GUILD_REALM_SLUG: guild.realmSlug, PATT_GUILD_NAME_SLUG: guild.nameSlug, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.once('close', (status) => (clearTimeout(timer), resolve({ status, stdout, stderr }))));
}

describe('npm run cli -- identity import-sheet', () => {
  it('dry-runs, then imports the sheet, reporting unusable rows by number', async () => {
    const g = await freshGuild(knex, 'cli-sheet');
    await knex('wow_characters').insert([
      { guild_id: g.id, blizzard_character_id: 700_000_001 + process.pid, name: 'Trogmoon', realm_slug: 'senjin', realm_name: "Sen'jin" },
      { guild_id: g.id, blizzard_character_id: 700_000_002 + process.pid, name: 'Trogtotem', realm_slug: 'senjin' },
    ]);
    await knex('discord_members').insert({ guild_id: g.id, discord_user_id: '174662930015682560', username: 'trog' });
    const files = ['--discord-ids', path.join(FIXTURES, 'DiscordIDs.csv'), '--characters', path.join(FIXTURES, 'Characters.csv')];

    const dry = await cli(['identity', 'import-sheet', ...files, '--dry-run', '--by', 'Mike'], g);
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^DRY RUN: nothing was changed/);
    expect(dry.stdout).toContain('DiscordIDs row 9: ');
    expect(dry.stdout).toMatch(/Characters row 16: .*did you mean 'Skate'/);
    expect(await knex('persons').where({ guild_id: g.id })).toEqual([]);

    const real = await cli(['identity', 'import-sheet', ...files, '--by', 'Mike'], g);
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(/^Imported:\n  players usable    1\n  persons           1 new/);
    const person = await knex('persons').where({ guild_id: g.id }).first('display_name', 'named_by');
    expect(person).toEqual({ display_name: 'Trog', named_by: 'Mike' });

    // Both went through the sheetImport workflow, recorded first; the same sheet again changes nothing.
    const rows = await knex('sheet_imports').where({ guild_id: g.id }).orderBy('id').select('id', 'dry_run', 'status', 'workflow_id');
    expect(rows.map((r) => [r.dry_run, r.status, r.workflow_id])).toEqual([
      [true, 'imported', sheetImportWorkflowId(g.key, rows[0]!.id)],
      [false, 'imported', sheetImportWorkflowId(g.key, rows[1]!.id)],
    ]);
    expect((await workers.client.workflow.getHandle(rows[1]!.workflow_id).describe()).type).toBe('sheetImport');
    const links = await knex('identity_links').where({ guild_id: g.id }).orderBy('id').select('id', 'status', 'person_id', 'source');
    const again = await cli(['identity', 'import-sheet', ...files, '--by', 'Mike'], g);
    expect(again.stdout).toMatch(/links             0 new, 0 confirmed/);
    expect(await knex('identity_links').where({ guild_id: g.id }).orderBy('id').select('id', 'status', 'person_id', 'source')).toEqual(links);
  });

  it('identity run: the identity workflow on Temporal, waited for', async () => {
    const g = await freshGuild(knex, 'cli-run');
    await knex('wow_characters').insert({ guild_id: g.id, blizzard_character_id: 700_000_101 + process.pid, name: 'Trogmoon', realm_slug: 'senjin', realm_name: "Sen'jin" });
    const r = await cli(['identity', 'run'], g);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Identity step for .*:\n  persons           1 \(1 new, 0 removed\)/);
    expect((await workers.client.workflow.getHandle(identityUpdateWorkflowId(g.key)).describe()).type).toBe('identityUpdate');
  });

  it('names a missing file and exits 1', async () => {
    const g = await freshGuild(knex, 'cli-sheet-missing');
    const r = await cli(['identity', 'import-sheet', '--discord-ids', '/nope/DiscordIDs.csv', '--characters', '/nope/Characters.csv'], g);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Cannot read the DiscordIDs file \/nope\/DiscordIDs.csv: ENOENT/);
  });
});
