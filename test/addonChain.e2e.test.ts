import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { demoScenario, runAddon } from '../addon/harness/runAddon';
import { startCompanion, type Companion } from '../companion/companion';
import { createApiKey } from '../db/operations/apiKeys/createApiKey';
import { generateDemoGuild } from '../standins/blizzard';
import { appWithAddonImport } from './apiApp';
import { freshGuild, testKnex } from './db';
import { eventually } from './discordHarness';
import { startTestWorkers, type TestWorkers } from './temporal';

/**
 * The whole in-game path: the real addon in Lua 5.1 writes the SavedVariables file → the companion
 * picks it up and uploads it → the API → Temporal → notes on the characters in PostgreSQL.
 */
let knex: Knex;
let workers: TestWorkers;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  knex = testKnex();
  workers = await startTestWorkers({ knex });
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(async () => {
  await workers.shutdown();
  await knex.destroy();
});

async function stack() {
  const guild = await freshGuild(knex, 'chain');
  const demo = generateDemoGuild({ size: 40, seed: 5 });
  await knex('wow_characters').insert(
    demo.characters.map((c) => ({ guild_id: guild.id, blizzard_character_id: c.id, name: c.name, realm_slug: c.realm.slug, realm_name: c.realm.name, rank: c.rank })),
  );
  const app = appWithAddonImport(knex, guild, workers);
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const { key } = await createApiKey(knex, { guildId: guild.id, name: "Trog's PC", scopes: ['addon:upload'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patt-chain-'));
  const savedVariablesFile = path.join(dir, 'WTF', 'Account', 'TROG', 'SavedVariables', 'PATTSync.lua');
  const lines: string[] = [];
  const companion: Companion = await startCompanion(
    {
      apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiKey: key,
      savedVariablesFile,
      companionDir: path.join(dir, 'companion'),
      logLevel: 'silent',
      uploadTimeoutMs: 10_000,
      retry: { minDelayMs: 50, maxDelayMs: 500 },
      watch: { settleMs: 200, rescanMs: 1_000 },
    },
    { console: { log: (l) => lines.push(l), error: (l) => lines.push(l) } },
  );
  cleanups.push(() => companion.stop());
  return { guild, demo, savedVariablesFile, companion, lines };
}

describe('addon → companion → API → notes', () => {
  it('lands every note exactly, UTF-8, quotes, backslashes and newlines included, within seconds', async () => {
    const s = await stack();
    const scenario = demoScenario(s.demo.characters, { now: Math.floor(Date.now() / 1000), commands: ['/pattsync force'] });
    const run = await runAddon(scenario, s.savedVariablesFile);
    expect(run.exitCode).toBe(0);

    const upload = await eventually(async () => {
      const row = await knex('addon_uploads').where({ guild_id: s.guild.id }).first('status', 'counts');
      return row?.status === 'imported' ? row : null;
    }, 20_000, 'the export to be uploaded and imported');
    expect(upload.counts).toMatchObject({ members: s.demo.characters.length, unmatched: 0, applied: true });

    // Every note on record is exactly the one the game had.
    const expected = new Map(scenario.roster.map((r) => [r.guid, { note: r.note, officerNote: r.officerNote }]));
    const rows = await knex('wow_characters').where({ guild_id: s.guild.id }).select('guid', 'guild_note', 'officer_note');
    expect(rows.every((r) => r.guid)).toBe(true);
    for (const r of rows) expect({ note: r.guild_note, officerNote: r.officer_note }).toEqual(expected.get(r.guid));
    expect(rows.some((r) => /"/.test(r.guild_note))).toBe(true);
    expect(rows.some((r) => /\n/.test(r.officer_note))).toBe(true);
    expect(rows.some((r) => /\\/.test(r.officer_note))).toBe(true);
    expect(s.lines.some((l) => /^Uploaded \d+ characters/.test(l))).toBe(true);
  });
});
