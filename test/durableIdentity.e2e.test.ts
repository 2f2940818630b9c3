import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import request from 'supertest';
import pino from 'pino';
import { createApiKey } from '../db/operations/apiKeys/createApiKey';
import { createApp } from '../api/app';
import { loadConfig } from '../config';
import { createIdentityControl } from '../temporal/identityControl';
import { identityUpdateWorkflowId, auditWorkflowId, sheetImportWorkflowId } from '../workflows/shared';
import { appOnTemporal, fakeAudit, fakeDiscordSync, fakeRosterSync, fakeAddonImport } from './apiApp';
import { freshGuild, testKnex } from './db';
import { OFFICERS_GUILD, seedIdentityGuild } from './identityGuild';
import { startTestWorkers, type TestWorkers } from './temporal';
import { runIdentity } from '../db/operations/identity/runIdentity';

/**
 * Officers' decisions and sheet imports through the API, on real Temporal workers: the decision is
 * stored by the API, the identity step runs in the guild's identityUpdate workflow, then the audit
 * is asked for; a sheet is recorded, then imported by the sheetImport workflow.
 */
const FIXTURES = path.join(__dirname, 'fixtures', 'sheet');
const read = (f: string) => fs.readFileSync(path.join(FIXTURES, f), 'utf8');

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

async function officersOnTemporal(label: string) {
  const guild = await freshGuild(knex, label);
  const g = await seedIdentityGuild(knex, guild.id, OFFICERS_GUILD.chars, OFFICERS_GUILD.members);
  await runIdentity(knex, guild.id);
  const app = appOnTemporal(knex, guild, workers);
  const officer = (await createApiKey(knex, { guildId: guild.id, name: 'Mike', scopes: ['read', 'identity:write'] })).key;
  const send = (method: 'post' | 'delete' | 'get', path: string, body?: object) => request(app.callback())[method](path).set('Authorization', `Bearer ${officer}`).send(body);
  return { guild, ...g, app, send };
}

const activitiesIn = async (workflowId: string, runId?: string) =>
  (await workers.client.workflow.getHandle(workflowId, runId).fetchHistory()).events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);

describe("an officer's decision through the API", () => {
  it('is stored, then the identity step runs on Temporal and the audit is asked for; the answer shows the person after it', async () => {
    const s = await officersOnTemporal('durable-confirm');
    const suggestion = await knex('identity_links').where({ guild_id: s.guild.id, discord_member_id: s.member.kazzy }).first('id');
    const res = await s.send('post', '/api/identity/confirm', { linkId: suggestion.id, reason: 'asked in guild chat' });
    expect(res.status).toBe(200);
    expect(res.body.identityStep).toMatchObject({ status: 'ran', workflowId: identityUpdateWorkflowId(s.guild.key), auditRequested: true });
    expect(res.body.person.links.find((l: any) => l.id === suggestion.id)).toMatchObject({ status: 'confirmed', decidedBy: 'Mike' });

    // The workflow's history: the identity step, then the audit request; the audit workflow exists.
    expect(await activitiesIn(identityUpdateWorkflowId(s.guild.key))).toEqual(['runIdentityStep', 'requestAudit']);
    expect((await workers.client.workflow.getHandle(auditWorkflowId(s.guild.key)).describe()).type).toBe('guildAudit');
  });

  it('two decisions at once share the identity workflow, and neither is lost', async () => {
    const s = await officersOnTemporal('durable-two');
    const kazzy = await knex('identity_links').where({ guild_id: s.guild.id, discord_member_id: s.member.kazzy }).first('id');
    const [a, b] = await Promise.all([
      s.send('delete', `/api/identity/link/${kazzy.id}`, { reason: 'a friend of Kazgor' }),
      s.send('post', '/api/identity/link', { characterId: s.char.Pattvault, discordMemberId: s.member.visitor, reason: 'the bank is the visitor’s' }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.identityStep.status, b.body.identityStep.status]).toEqual(['ran', 'ran']);
    expect(a.body.identityStep.workflowId).toBe(b.body.identityStep.workflowId);
    // Each identity run is one step at a time: no two runIdentityStep activities overlap in a run.
    const history = (await workers.client.workflow.getHandle(identityUpdateWorkflowId(s.guild.key)).fetchHistory()).events!;
    let open = 0;
    for (const e of history) {
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'runIdentityStep') open += 1;
      if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes) open = Math.max(0, open - 1);
      expect(open).toBeLessThanOrEqual(1);
    }
  });

  it('is kept when Temporal does not answer, and the answer says when the step will run', async () => {
    const guild = await freshGuild(knex, 'durable-down');
    const g = await seedIdentityGuild(knex, guild.id, OFFICERS_GUILD.chars, OFFICERS_GUILD.members);
    await runIdentity(knex, guild.id);
    // A client for a server that is not there.
    const nowhere = new Client({ connection: Connection.lazy({ address: '127.0.0.1:9', connectTimeout: '1s' }), namespace: 'default' });
    const config = { ...loadConfig(process.env), guild: { realmSlug: guild.realmSlug, nameSlug: guild.nameSlug, key: guild.key } };
    const app = createApp({ knex, config, logger: pino({ level: 'silent' }), rosterSync: fakeRosterSync(), discordSync: fakeDiscordSync(), addonImport: fakeAddonImport(), audit: fakeAudit(), identity: createIdentityControl(nowhere, config, workers.taskQueues), guildId: guild.id });
    const key = (await createApiKey(knex, { guildId: guild.id, name: 'Mike', scopes: ['identity:write'] })).key;
    const suggestion = await knex('identity_links').where({ guild_id: guild.id, discord_member_id: g.member.kazzy }).first('id');
    const res = await request(app.callback()).post('/api/identity/confirm').set('Authorization', `Bearer ${key}`).send({ linkId: suggestion.id });
    expect(res.status).toBe(200);
    expect(res.body.identityStep).toMatchObject({ status: 'pending', message: expect.stringMatching(/The decision is stored\. Temporal did not answer .*the next sync .*npm run cli -- identity run/) });
    expect(await knex('identity_links').where({ id: suggestion.id }).first('status', 'decided_by')).toEqual({ status: 'confirmed', decided_by: 'Mike' });
  });
});

describe('the sheet import through the API', () => {
  it('is recorded, then imported by the sheetImport workflow; a dry run stores nothing; the same sheet again changes nothing', async () => {
    const s = await officersOnTemporal('durable-sheet');
    await knex('discord_members').where({ guild_id: s.guild.id, username: 'trog' }).update({ discord_user_id: '174662930015682560' });
    const body = { discordIdsCsv: read('DiscordIDs.csv'), charactersCsv: read('Characters.csv') };

    const dry = await s.send('post', '/api/identity/import-sheet', { ...body, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, players: 1, linksConfirmed: 3, workflowId: sheetImportWorkflowId(s.guild.key, dry.body.importId) });
    expect(await knex('identity_links').where({ guild_id: s.guild.id, source: 'sheet' })).toEqual([]);
    expect(await activitiesIn(dry.body.workflowId)).toEqual(['importRecordedSheet']); // no audit after a dry run

    const real = await s.send('post', '/api/identity/import-sheet', body);
    expect(real.status).toBe(200);
    expect(real.body).toMatchObject({ dryRun: false, players: 1 });
    expect(await activitiesIn(real.body.workflowId)).toEqual(['importRecordedSheet', 'requestAudit']);
    const links = await knex('identity_links').where({ guild_id: s.guild.id, source: 'sheet' }).orderBy('id').select('id', 'status', 'person_id');
    expect(links.length).toBeGreaterThan(0);

    const again = await s.send('post', '/api/identity/import-sheet', body);
    expect(again.body).toMatchObject({ linksCreated: 0, linksConfirmed: 0, personsCreated: 0 });
    expect(await knex('identity_links').where({ guild_id: s.guild.id, source: 'sheet' }).orderBy('id').select('id', 'status', 'person_id')).toEqual(links);

    // Every import is on record, with its report; the texts stay in the database, not in history.
    const rows = await knex('sheet_imports').where({ guild_id: s.guild.id }).orderBy('id').select('id', 'dry_run', 'status', 'by');
    expect(rows.map((r) => [r.dry_run, r.status, r.by])).toEqual([
      [true, 'imported', 'Mike'],
      [false, 'imported', 'Mike'],
      [false, 'imported', 'Mike'],
    ]);
    const status = await s.send('get', `/api/identity/import-sheet/${real.body.importId}`);
    expect(status.body).toMatchObject({ importId: real.body.importId, status: 'imported', report: { players: 1 } });
    const started = await workers.client.workflow.getHandle(real.body.workflowId).fetchHistory();
    expect(JSON.stringify(started.events![0])).not.toContain('Discord ID');
  });

  it('joins the import already running when the same sheet is sent again at once', async () => {
    const s = await officersOnTemporal('durable-sheet-twice');
    const body = { discordIdsCsv: read('DiscordIDs.csv'), charactersCsv: read('Characters.csv') };
    const [a, b] = await Promise.all([s.send('post', '/api/identity/import-sheet', body), s.send('post', '/api/identity/import-sheet', body)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const rows = await knex('sheet_imports').where({ guild_id: s.guild.id }).select('id');
    // At once: one import joined by the other; or one after the other: two, the second changing nothing.
    if (rows.length === 1) expect(a.body.importId).toBe(b.body.importId);
    else expect(Math.min(a.body.linksCreated, b.body.linksCreated)).toBe(0);
  });

  it('refuses a file that is not the sheet with 400 SHEET_FORMAT, and records it as failed', async () => {
    const s = await officersOnTemporal('durable-sheet-bad');
    const res = await s.send('post', '/api/identity/import-sheet', { discordIdsCsv: 'Who,What\nTrog,1', charactersCsv: read('Characters.csv') });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'SHEET_FORMAT', message: expect.stringMatching(/DiscordIDs/) });
    expect(await knex('sheet_imports').where({ guild_id: s.guild.id }).select('status')).toEqual([{ status: 'failed' }]);
  });
});
