import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { freshGuild, testKnex } from '../test/db';

/** The sheet import as an officer runs it: the built CLI, as a process, on the test database. */
const CLI = path.join(__dirname, '..', 'dist', 'cli', 'index.js');
const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'sheet');

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

function cli(args: string[], guild: { realmSlug: string; nameSlug: string }) {
  if (!fs.existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does it)');
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL, PATT_GUILD_REALM_SLUG: guild.realmSlug, PATT_GUILD_NAME_SLUG: guild.nameSlug, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 30_000,
  });
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

    const dry = cli(['identity', 'import-sheet', ...files, '--dry-run', '--by', 'Mike'], g);
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^DRY RUN: nothing was changed/);
    expect(dry.stdout).toContain('DiscordIDs row 9: ');
    expect(dry.stdout).toMatch(/Characters row 16: .*did you mean 'Skate'/);
    expect(await knex('persons').where({ guild_id: g.id })).toEqual([]);

    const real = cli(['identity', 'import-sheet', ...files, '--by', 'Mike'], g);
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(/^Imported:\n  players usable    1\n  persons           1 new/);
    const person = await knex('persons').where({ guild_id: g.id }).first('display_name', 'named_by');
    expect(person).toEqual({ display_name: 'Trog', named_by: 'Mike' });
  });

  it('names a missing file and exits 1', async () => {
    const g = await freshGuild(knex, 'cli-sheet-missing');
    const r = cli(['identity', 'import-sheet', '--discord-ids', '/nope/DiscordIDs.csv', '--characters', '/nope/Characters.csv'], g);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Cannot read the DiscordIDs file \/nope\/DiscordIDs.csv: ENOENT/);
  });
});
