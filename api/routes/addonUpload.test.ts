import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ServiceError } from '@temporalio/client';
import request from 'supertest';
import type { Knex } from 'knex';
import { testKnex } from '../../test/db';
import { fakeAddonImport, testApi } from '../../test/apiApp';

const fixture = fs.readFileSync(path.join(__dirname, '..', '..', 'core', 'addon', 'fixtures', 'PATTSync.lua'));
const UPLOAD = '/api/guild-sync/addon-upload';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

async function upload(api: Awaited<ReturnType<typeof testApi>>, key: string, body: Buffer, headers: Record<string, string> = {}) {
  let r = request(api.server).post(UPLOAD).set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/octet-stream');
  for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
  return r.send(body);
}
const uploads = (guildId: number) => knex('addon_uploads').where({ guild_id: guildId }).count('* as n').first();

describe('POST /api/guild-sync/addon-upload', () => {
  it('keeps the file with its hash and uploader, starts the import, and answers a repeat with the first upload', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['addon:upload'], "Rocket's companion");
    const res = await upload(api, key, fixture, { 'X-Content-SHA256': sha(fixture) });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ uploadId: expect.any(Number), contentHash: sha(fixture), status: 'received', duplicate: false, members: 2 });
    expect(api.addonImport.started).toEqual([res.body.uploadId]);
    const row = await knex('addon_uploads').where({ id: res.body.uploadId }).first();
    expect(row).toMatchObject({ content_hash: sha(fixture), exporter: 'Trogmoon-Senjin', officer_notes_included: true, member_count: 2 });
    expect(Buffer.from(row.raw_payload, 'utf8').equals(fixture)).toBe(true);

    const again = await upload(api, key, fixture);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ ...res.body, duplicate: true });
    expect(await uploads(api.guild.id)).toEqual({ n: 1 });
  });

  it.each([
    ['a wrong shape', Buffer.from(fixture.toString('utf8').replace('"Player-76-09C2CB5D"', '"nope"')), 400, /members\[1\]\.guid: a player GUID/],
    ['a function call', Buffer.from('PATTSyncDB = { schemaVersion = os.execute("rm -rf /") }'), 400, /Refused function call at line 1/],
    ['a truncated file', fixture.subarray(0, 500), 400, /Not a readable SavedVariables file/],
    ['an empty body', Buffer.alloc(0), 400, /The body is empty/],
    ['a 50 MB file', Buffer.alloc(50 * 1024 * 1024, 32), 413, /The file is 50\.0 MB; at most 20 MB/],
  ])('refuses %s with a clear message and stores nothing', async (_what, body, status, message) => {
    const api = await testApi(knex);
    const key = await api.mintKey(['addon:upload']);
    const res = await upload(api, key, body);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(message);
    expect(await uploads(api.guild.id)).toEqual({ n: 0 });
    expect(api.addonImport.started).toEqual([]);
  });

  it('refuses a body that does not match its X-Content-SHA256, and an export of another guild', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['addon:upload']);
    const mismatch = await upload(api, key, fixture, { 'X-Content-SHA256': sha(Buffer.from('other')) });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.code).toBe('HASH_MISMATCH');

    await knex('guilds').where({ id: api.guild.id }).update({ name: 'Some Other Guild' });
    const wrong = await upload(api, key, fixture);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({
      code: 'ADDON_EXPORT_WRONG_GUILD',
      message: expect.stringMatching(/from the guild "Pull All The Things" \(line 9, column 15\), but this server keeps "Some Other Guild"/),
      details: { line: 9, column: 15, path: 'PATTSyncDB.lastExport.guild.name' },
    });
    expect(await uploads(api.guild.id)).toEqual({ n: 0 });
  });

  it('needs the addon:upload scope', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['read']);
    expect((await upload(api, key, fixture)).status).toBe(403);
  });

  it('keeps the file when Temporal is down (503), and the companion resending it starts the import', async () => {
    let down = true;
    const addonImport = fakeAddonImport({
      start: async (id) => {
        // What the Temporal client throws when the server is unreachable.
        if (down) throw new ServiceError('Failed to start Workflow: 14 UNAVAILABLE: No connection established');
        return { workflowId: `addon-import-${id}` };
      },
    });
    const api = await testApi(knex, { addonImport });
    const key = await api.mintKey(['addon:upload']);
    const first = await upload(api, key, fixture);
    expect(first.status).toBe(503);
    expect(first.body.error.message).toMatch(/the file is kept; sending it again starts it/);
    expect(await uploads(api.guild.id)).toEqual({ n: 1 });

    down = false;
    const again = await upload(api, key, fixture);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ duplicate: true, status: 'received' });
    expect(addonImport.started).toEqual([again.body.uploadId]);
  });
});

describe('every bad upload is refused whole, with a code, a 1-based line and column, and nothing stored', () => {
  const text = fixture.toString('utf8');
  /** 1-based line and column of the first `needle`, counted by hand. */
  const whereIs = (needle: string, offset = 0) => {
    const lines = text.slice(0, text.indexOf(needle)).split('\n');
    return { line: lines.length, column: [...lines[lines.length - 1]!].length + 1 + offset };
  };
  const deep = `PATTSyncDB = ${'{'.repeat(4_500)}${'}'.repeat(4_500)}\n`;

  it.each([
    ['a \\0 in a note', text.replace('"Discord: Trog"', '"Discord:\\0 Trog"'), 'ADDON_EXPORT_CONTROL_CHARACTER', () => whereIs('"Discord: Trog"'), /control character U\+0000/],
    ['another C0 control in a note', text.replace('"Discord: Trog"', '"Discord:\\27 Trog"'), 'ADDON_EXPORT_CONTROL_CHARACTER', () => whereIs('"Discord: Trog"'), /U\+001B/],
    ['a \\ddd escape that is not UTF-8', text.replace('"Mike |cFFFF0000GM|r"', '"Mike \\255"'), 'ADDON_EXPORT_INVALID_TEXT', () => whereIs('"Mike |c'), /not UTF-8 text .* rather than replaced/],
    ['a line break in a character name', text.replace('"Zatañña-Sargeras"', '"Zatañña\\n-Sargeras"'), 'ADDON_EXPORT_INVALID', () => whereIs('"Zatañña-Sargeras"'), /members\[1\]\.name: a name without control characters/],
    ['a file whose only global is __proto__', `__proto__ = ${text.replace('PATTSyncDB = {', '{ PATTSyncDB = {').replace(/\}\nPATTSyncCharDB = nil\n/, '}}\n')}`, 'ADDON_EXPORT_FORBIDDEN_KEY', () => ({ line: 1, column: 1 }), /the global "__proto__"/],
    ['a ["__proto__"] key', text.replace('["online"] = true,', '["online"] = true, ["__proto__"] = { ["rankIndex"] = 9 },'), 'ADDON_EXPORT_FORBIDDEN_KEY', () => whereIs('["online"] = true,', '["online"] = true, ['.length), /the key "__proto__"/],
    ['a constructor key', text.replace('["faction"] = "Horde",', '["faction"] = "Horde", ["constructor"] = 1,'), 'ADDON_EXPORT_FORBIDDEN_KEY', () => whereIs('["faction"]', '["faction"] = "Horde", ['.length), /the key "constructor"/],
    ['4,500 levels of nesting', deep, 'ADDON_EXPORT_TOO_DEEP', () => ({ line: 1, column: 'PATTSyncDB = '.length + 65 }), /nested more than 64 levels deep/],
    ['the same guild name on another realm', text.replace(`"Sen'jin"`, '"Sargeras"').replace('"Senjin"', '"Sargeras"'), 'ADDON_EXPORT_WRONG_REALM', () => whereIs(`"Sen'jin"`), /from the realm "Sargeras" .* but this server keeps the realm senjin/],
    ['the same guild name in another region', text.replace('["region"] = "US"', '["region"] = "EU"'), 'ADDON_EXPORT_WRONG_REGION', () => whereIs('"US"'), /from the region EU .* but this server keeps the region US/],
    ['another guild', text.replace('"Pull All The Things"', '"Pull Some Things"'), 'ADDON_EXPORT_WRONG_GUILD', () => whereIs('"Pull All The Things"'), /from the guild "Pull Some Things" .* but this server keeps the guild pull-all-the-things/],
    ['a wrong shape', text.replace('"Player-76-09C2CB5D"', '"nope"'), 'ADDON_EXPORT_INVALID', () => whereIs('"Player-76-09C2CB5D"'), /members\[1\]\.guid: a player GUID/],
    ['a function call', text.replace('["level"] = 80,', '["level"] = tonumber("80"),'), 'ADDON_EXPORT_NOT_DATA', () => whereIs('["level"] = 80,', '["level"] = '.length), /Refused function call/],
  ])('refuses %s', async (_what, body, code, where, message) => {
    const api = await testApi(knex);
    const key = await api.mintKey(['addon:upload']);
    const res = await upload(api, key, Buffer.from(body, 'utf8'));
    expect(res.status).toBe(400);
    const at = where();
    expect(res.body.error).toEqual({
      code,
      message: expect.stringMatching(message),
      details: expect.objectContaining({ line: at.line, column: at.column }),
      requestId: expect.any(String),
    });
    expect(res.body.error.message).toContain(`line ${at.line}, column ${at.column}`);
    // Nothing stored, nothing started.
    expect(await uploads(api.guild.id)).toEqual({ n: 0 });
    expect(await knex('wow_character_notes').where({ guild_id: api.guild.id }).count('* as n').first()).toEqual({ n: 0 });
    expect(api.addonImport.started).toEqual([]);
  });

  it('answers a repeat of an upload whose import failed with 422 and the reason, and the status shows it', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['addon:upload', 'read']);
    const first = await upload(api, key, fixture);
    expect(first.status).toBe(202);
    await knex('addon_uploads').where({ id: first.body.uploadId }).update({ status: 'failed', error: 'PostgreSQL refused a value of this export (SQLSTATE 22P05: …)' });

    const again = await upload(api, key, fixture);
    expect(again.status).toBe(422);
    expect(again.body.error).toMatchObject({ code: 'ADDON_IMPORT_FAILED', message: expect.stringMatching(/uploaded before as #\d+, and its import failed: PostgreSQL refused .* Export again in the game/) });
    expect(api.addonImport.started).toEqual([first.body.uploadId]);

    const status = await request(api.server).get('/api/guild-sync/addon-upload/status').set('Authorization', `Bearer ${key}`);
    expect(status.body.last).toMatchObject({ uploadId: first.body.uploadId, status: 'failed', error: expect.stringMatching(/SQLSTATE 22P05/) });
  });
});

describe('GET /api/guild-sync/addon-upload/status', () => {
  it('shows the last upload with its uploader, counts and warnings', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['addon:upload', 'read'], "Rocket's companion");
    const empty = await request(api.server).get('/api/guild-sync/addon-upload/status').set('Authorization', `Bearer ${key}`);
    expect(empty.body).toEqual({ last: null, lastNoteChanges: null, recent: [] });

    const res = await upload(api, key, fixture);
    await knex('addon_uploads').where({ id: res.body.uploadId }).update({ status: 'imported', counts: JSON.stringify({ matchedByName: 2 }), warnings: JSON.stringify(['a warning']) });
    const status = await request(api.server).get('/api/guild-sync/addon-upload/status').set('Authorization', `Bearer ${key}`);
    expect(status.status).toBe(200);
    expect(status.body.last).toMatchObject({
      uploadId: res.body.uploadId,
      exporter: 'Trogmoon-Senjin',
      uploader: "Rocket's companion",
      status: 'imported',
      officerNotesIncluded: true,
      members: 2,
      counts: { matchedByName: 2 },
      warnings: ['a warning'],
      error: null,
      exportedAt: '2025-11-24T16:00:00.000Z',
    });
    expect(status.body.recent).toHaveLength(1);
  });
});
