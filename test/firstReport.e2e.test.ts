import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import request from 'supertest';
import { createApiKey } from '../db/operations/apiKeys/createApiKey';
import { loadConfig } from '../config';
import { demoSheet } from '../scripts/demoSheet';
import { appOnTemporal } from './apiApp';
import { testKnex } from './db';
import { startDemoHarness, type DemoHarness } from './demoHarness';
import { eventually } from './discordHarness';

/**
 * The guild's first report waits for the guild to be seeded (the first addon upload and sheet
 * import), or for an officer to release it; meanwhile findings are tracked and previewable.
 */
const ADDON_FIXTURE = fs.readFileSync(path.join(__dirname, '..', 'core', 'addon', 'fixtures', 'PATTSync.lua'), 'utf8');
const HOLD = { AUDIT_FIRST_REPORT_WAITS_FOR: 'addon,sheet' };

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

async function heldDemo(h: DemoHarness) {
  const guild = { id: h.guildId, key: h.guildKey, realmSlug: h.guildKey.split('/')[1]!, nameSlug: h.guildKey.split('/')[2]! };
  const app = appOnTemporal(knex, guild, h.workers, { ...HOLD, PATT_AUDIT_CHANNEL_ID: h.server.auditChannelId });
  const key = (await createApiKey(knex, { guildId: h.guildId, name: 'Rocket', scopes: ['read', 'sync:trigger', 'identity:write', 'addon:upload'] })).key;
  const call = (method: 'get' | 'post', p: string, body?: object) => request(app.callback())[method](p).set('Authorization', `Bearer ${key}`).send(body);
  const posted = () => h.discordStandin.messages(h.server.auditChannelId);
  const status = async () => (await call('get', '/api/guild-sync/status')).body.audit.firstReport;
  return { call, posted, status, key, app };
}

describe('the first report, held until the guild is seeded', () => {
  let h: DemoHarness;
  beforeAll(async () => {
    h = await startDemoHarness(knex, { size: 40, discordSize: 60, audit: { firstReportWaitsFor: ['addon', 'sheet'] } });
  });
  afterAll(() => h.close());

  it('tracks findings but posts nothing while held; previews it; then posts it once the addon upload and sheet import have run', async () => {
    const d = await heldDemo(h);
    await h.rosterSync();
    await h.reconcile();
    const rounds = await h.auditDone();
    expect(rounds.at(-1)).toMatchObject({ report: null, held: ['addon', 'sheet'] });
    expect(rounds.at(-1)!.counts.findings).toBeGreaterThan(0);
    expect(await d.posted()).toEqual([]);
    expect(await knex('audit_issues').where({ guild_id: h.guildId }).whereNotNull('notified_at')).toEqual([]);
    expect(await d.status()).toEqual({ state: 'held', waitingFor: ['addon', 'sheet'], releasedBy: null, releasedAt: null });

    const preview = await d.call('post', '/api/guild-sync/report/trigger', { dryRun: true });
    expect(preview.status).toBe(200);
    expect(preview.body.firstReport.state).toBe('held');
    expect(preview.body.messages[0].embeds[0].title).toMatch(/^First full guild audit: /);
    const refused = await d.call('post', '/api/guild-sync/report/trigger');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'FIRST_REPORT_HELD', message: expect.stringMatching(/held until the first addon upload .* and the first officers' sheet import .*report\/release.*audit release/) });

    // The sheet, through the API and Temporal: still waiting for the addon.
    const sheet = await d.call('post', '/api/identity/import-sheet', { ...demoSheet(h.guild, h.server) });
    expect(sheet.status).toBe(200);
    expect(await d.status()).toMatchObject({ state: 'held', waitingFor: ['addon'] });
    expect((await h.auditDone()).at(-1)).toMatchObject({ held: ['addon'] });
    expect(await d.posted()).toEqual([]);

    // The first addon upload: the guild is seeded, and the audit it asks for posts the first report.
    const upload = await request(d.app.callback()).post('/api/guild-sync/addon-upload').set('Authorization', `Bearer ${d.key}`).set('Content-Type', 'application/octet-stream').send(Buffer.from(ADDON_FIXTURE, 'utf8'));
    expect(upload.status).toBe(202);
    await eventually(async () => ((await knex('audit_reports').where({ guild_id: h.guildId, status: 'posted' })).length > 0 ? true : null), 30_000, 'the first report to be posted');
    const reports = await knex('audit_reports').where({ guild_id: h.guildId }).select('first', 'status', 'messages');
    expect(reports).toEqual([expect.objectContaining({ first: true, status: 'posted' })]);
    expect((await d.posted()).length).toBe(reports[0]!.messages.length);
    expect(await d.status()).toMatchObject({ state: 'posted', waitingFor: [] });
  });
});

describe('the first report, released by an officer', () => {
  let h: DemoHarness;
  beforeAll(async () => {
    h = await startDemoHarness(knex, { size: 40, discordSize: 60, audit: { firstReportWaitsFor: ['addon', 'sheet'] } });
  });
  afterAll(() => h.close());

  it('is posted exactly once after the release through the API, and the hold never applies again', async () => {
    const d = await heldDemo(h);
    await h.rosterSync();
    await h.reconcile();
    expect((await h.auditDone()).at(-1)).toMatchObject({ held: ['addon', 'sheet'] });

    const released = await d.call('post', '/api/guild-sync/report/release', {});
    expect(released.status).toBe(202);
    expect(released.body).toMatchObject({ firstReport: { state: 'released', releasedBy: 'Rocket' }, audit: { workflowId: expect.stringMatching(/^audit-/) } });
    await eventually(async () => ((await knex('audit_reports').where({ guild_id: h.guildId, status: 'posted' })).length > 0 ? true : null), 30_000, 'the first report to be posted');
    await h.auditDone();
    const messages = (await d.posted()).length;
    expect(messages).toBeGreaterThan(0);
    expect(await d.status()).toMatchObject({ state: 'posted', releasedBy: 'Rocket' });

    // Again: nothing to release; a trigger posts nothing new (everything was told once).
    expect((await d.call('post', '/api/guild-sync/report/release', {})).body).toMatchObject({ firstReport: { state: 'posted' }, audit: null });
    expect((await d.call('post', '/api/guild-sync/report/trigger')).status).toBe(202);
    await h.auditDone();
    expect((await d.posted()).length).toBe(messages);
    expect(await knex('audit_reports').where({ guild_id: h.guildId }).select('first', 'status')).toEqual([{ first: true, status: 'posted' }]);
  });
});

describe('AUDIT_FIRST_REPORT_WAITS_FOR', () => {
  it('defaults to addon and sheet; empty posts the first report at once; anything else is refused with the setting named', () => {
    expect(loadConfig({}).audit.firstReportWaitsFor).toEqual(['addon', 'sheet']);
    expect(loadConfig({ AUDIT_FIRST_REPORT_WAITS_FOR: '' }).audit.firstReportWaitsFor).toEqual([]);
    expect(loadConfig({ AUDIT_FIRST_REPORT_WAITS_FOR: ' sheet ' }).audit.firstReportWaitsFor).toEqual(['sheet']);
    expect(() => loadConfig({ AUDIT_FIRST_REPORT_WAITS_FOR: 'addon,roster' })).toThrow(/^Invalid AUDIT_FIRST_REPORT_WAITS_FOR/);
  });
});
