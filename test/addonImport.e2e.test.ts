import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import request from 'supertest';
import type { Knex } from 'knex';
import { createApiKey } from '../db/operations/apiKeys/createApiKey';
import { appWithAddonImport } from './apiApp';
import { freshGuild, testKnex } from './db';
import { eventually } from './discordHarness';
import { startTestWorkers, type TestWorkers } from './temporal';
import { addonImportWorkflowId } from '../workflows/shared';

/** Upload → API → Temporal → notes on characters in PostgreSQL. */
const fixture = fs.readFileSync(path.join(__dirname, '..', 'core', 'addon', 'fixtures', 'PATTSync.lua'), 'utf8');
let knex: Knex;
let workers: TestWorkers;
beforeAll(async () => {
  knex = testKnex();
  workers = await startTestWorkers({ knex });
});
afterAll(async () => {
  await workers.shutdown();
  await knex.destroy();
});

async function setUp() {
  const guild = await freshGuild(knex, 'addon');
  const [trog, zat] = await knex('wow_characters')
    .insert([
      { guild_id: guild.id, blizzard_character_id: 1001, name: 'Trogmoon', realm_slug: 'senjin', realm_name: "Sen'jin", rank: 0 },
      { guild_id: guild.id, blizzard_character_id: 1002, name: 'Zatañña', realm_slug: 'sargeras', realm_name: 'Sargeras', rank: 1, officer_note: 'old officer note' },
    ])
    .returning('id');
  const app = appWithAddonImport(knex, guild, workers);
  const { key } = await createApiKey(knex, { guildId: guild.id, name: 'companion', scopes: ['addon:upload', 'read'] });
  const send = (text: string) =>
    request(app.callback()).post('/api/guild-sync/addon-upload').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/octet-stream').send(Buffer.from(text, 'utf8'));
  const imported = (uploadId: number) =>
    eventually(async () => {
      const row = await knex('addon_uploads').where({ id: uploadId }).first('status', 'counts', 'warnings');
      return row.status === 'imported' ? row : null;
    }, 15_000, `upload ${uploadId} to be imported`);
  return { guild, trog: trog.id as number, zat: zat.id as number, send, imported, app, key };
}

const character = (id: number) => knex('wow_characters').where({ id }).first('guid', 'guild_note', 'officer_note', 'notes_updated_at');
const later = (text: string, seconds: number) => text.replace(/\["exportedAt"\] = 1764000000/, `["exportedAt"] = ${1764000000 + seconds}`);

describe('an addon upload, imported through Temporal', () => {
  it('puts notes and GUIDs on the characters exactly, with a history, and an older export changes nothing', async () => {
    const s = await setUp();
    const res = await s.send(fixture);
    expect(res.status).toBe(202);
    const row = await s.imported(res.body.uploadId);
    expect(row.counts).toMatchObject({ members: 2, matchedByName: 2, guidsLearned: 2, guildNotesChanged: 2, officerNotesChanged: 2, unmatched: 0, applied: true });

    expect(await character(s.zat)).toMatchObject({
      guid: 'Player-76-09C2CB5D',
      guild_note: 'Rocket\'s main "Zat" \\ alt of nobody',
      officer_note: 'line one\nline two',
    });
    expect(await character(s.trog)).toMatchObject({ guid: 'Player-3724-0A1B2C3D', guild_note: 'Mike |cFFFF0000GM|r', officer_note: 'Discord: Trog' });

    // A newer export changes one note: one more history row, matched by GUID now.
    const newer = later(fixture, 3600).replace('"Discord: Trog"', '"Discord: Trog (GM)"');
    const second = await s.imported((await s.send(newer)).body.uploadId);
    expect(second.counts).toMatchObject({ matchedByGuid: 2, officerNotesChanged: 1, guildNotesChanged: 0 });
    const history = await knex('wow_character_notes').where({ wow_character_id: s.trog, kind: 'officer_note' }).orderBy('noted_at').pluck('note');
    expect(history).toEqual(['Discord: Trog', 'Discord: Trog (GM)']);

    // An export from before the last one (a companion that was offline for days) is kept but not applied.
    const stale = later(fixture, 60).replace('"Discord: Trog"', '"stale"');
    const third = await s.imported((await s.send(stale)).body.uploadId);
    expect(third.counts).toMatchObject({ applied: false });
    expect(third.warnings[0]).toMatch(/is older than upload #\d+ .* its notes were not applied/);
    expect((await character(s.trog)).officer_note).toBe('Discord: Trog (GM)');

    const status = await request(s.app.callback()).get('/api/guild-sync/addon-upload/status').set('Authorization', `Bearer ${s.key}`);
    const newest = await knex('addon_uploads').where({ guild_id: s.guild.id }).max('id as id').first();
    expect(status.body.last).toMatchObject({ uploadId: newest?.id, uploader: 'companion', counts: { applied: false } });
    expect(status.body.lastNoteChanges).toEqual({ total: 0, changes: [] });
    const listing = await request(s.app.callback()).get('/api/guild-sync/addon-upload/status').set('Authorization', `Bearer ${s.key}`);
    expect(listing.body.recent[1].counts).toMatchObject({ officerNotesChanged: 1 });
  });

  it('keeps officer notes on record when the exporter cannot read them, and says so', async () => {
    const s = await setUp();
    const member = fixture
      .replace('["canReadOfficerNotes"] = true', '["canReadOfficerNotes"] = false')
      .replace(/\t+\["officerNote"\] = "Discord: Trog",\n/, '')
      .replace(/\t+\["officerNote"\] = "line one\\nline two",\n/, '');
    const res = await s.send(member);
    expect(res.status).toBe(202);
    const row = await s.imported(res.body.uploadId);
    expect(row.warnings[0]).toMatch(/Officer notes are not in this export: Trogmoon-Senjin \(rank 0\) cannot read them/);
    expect((await character(s.zat)).officer_note).toBe('old officer note');
    // Officers see through the API which notes the upload changed, exactly as the game had them.
    const status = await request(s.app.callback()).get('/api/guild-sync/addon-upload/status').set('Authorization', `Bearer ${s.key}`);
    expect(status.body.lastNoteChanges).toEqual({
      total: 2,
      changes: [
        { character: 'Trogmoon-senjin', kind: 'guild_note', note: 'Mike |cFFFF0000GM|r' },
        { character: 'Zatañña-sargeras', kind: 'guild_note', note: 'Rocket\'s main "Zat" \\ alt of nobody' },
      ],
    });
    expect((await character(s.zat)).guild_note).toBe('Rocket\'s main "Zat" \\ alt of nobody');
  });
});

describe('an addon import that cannot succeed', () => {
  it('fails once, at once, with its reason on the upload and in the status (no retries)', async () => {
    const s = await setUp();
    // As the drill stored it before uploads were checked whole: a \0 in a note, which PostgreSQL
    // refuses in jsonb and the reader now refuses outright. The API no longer accepts such a file,
    // so it is written straight into the table.
    const raw = fixture.replace('"Discord: Trog"', '"Discord:\\0 Trog"');
    const [{ id: uploadId }] = await knex('addon_uploads')
      .insert({ guild_id: s.guild.id, content_hash: 'e2e-nul-note', raw_payload: raw, status: 'received', member_count: 2 })
      .returning('id');
    expect((await s.send(raw)).status).toBe(400);

    const workflowId = addonImportWorkflowId(s.guild.key, uploadId);
    const started = Date.now();
    const handle = await workers.client.workflow.start('addonImport', { workflowId, taskQueue: workers.taskQueues.main, args: [{ uploadId }] });
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    // The first retry would have waited a second; twenty of them, minutes.
    expect(Date.now() - started).toBeLessThan(15_000);

    // One attempt of the activity: scheduled once, started once with attempt 1, failed as non-retryable.
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'importAddonUpload');
    const startedEvents = events.filter((e) => e.activityTaskStartedEventAttributes);
    expect(scheduled).toHaveLength(1);
    expect(startedEvents.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
    const failed = events.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes;
    expect(failed?.failure?.applicationFailureInfo).toMatchObject({ type: 'AddonImportFailed', nonRetryable: true });
    expect(failed?.failure?.message).toMatch(/Addon upload #\d+ cannot be imported: .*control character U\+0000 .* at line 31, column 23/);

    const row = await knex('addon_uploads').where({ id: uploadId }).first('status', 'error');
    expect(row).toEqual({ status: 'failed', error: expect.stringMatching(/^the stored file no longer reads as an export: Refused a string holding the control character U\+0000/) });
    expect(await knex('wow_character_notes').where({ guild_id: s.guild.id }).count('* as n').first()).toEqual({ n: 0 });
    expect((await character(s.trog)).officer_note).toBeNull();

    const status = await request(s.app.callback()).get('/api/guild-sync/addon-upload/status').set('Authorization', `Bearer ${s.key}`);
    expect(status.body.last).toMatchObject({ uploadId, status: 'failed', error: row.error });
  });
});
