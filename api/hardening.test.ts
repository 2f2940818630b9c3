/**
 * Every bad input the hardening issue listed is a clear 4xx in the JSON error shape, and changes
 * nothing: ids past PostgreSQL's integer, NUL and lone surrogates in text, bodies in the wrong
 * content type (a dry run sent as text/plain must never post), the key before the body, and
 * methods nobody serves.
 */
import request from 'supertest';
import type { Knex } from 'knex';
import { runIdentity } from '../db/operations/identity/runIdentity';
import { testApi, type TestApi } from '../test/apiApp';
import { testKnex } from '../test/db';
import { OFFICERS_GUILD, seedIdentityGuild } from '../test/identityGuild';
import { buildOpenApiDocument } from './openapi';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

const TOO_BIG = 2_147_483_648; // 2³¹: one past PostgreSQL's integer

async function officersApi() {
  const api = await testApi(knex, { label: 'hardening' });
  const g = await seedIdentityGuild(knex, api.guild.id, OFFICERS_GUILD.chars, OFFICERS_GUILD.members);
  await runIdentity(knex, api.guild.id);
  const officer = await api.mintKey(['read', 'identity:write', 'sync:trigger', 'addon:upload'], 'Mike');
  return { ...api, ...g, officer };
}

/** Everything an identity decision could change, for "nothing changed" checks. */
async function identityRows(guildId: number) {
  const [links, persons, events, imports] = await Promise.all([
    knex('identity_links').where({ guild_id: guildId }).orderBy('id').select('id', 'person_id', 'status', 'decided_by', 'reason'),
    knex('persons').where({ guild_id: guildId }).orderBy('id').select('id', 'display_name'),
    knex('identity_link_events').where({ guild_id: guildId }).count<{ n: string }[]>('* as n'),
    knex('sheet_imports').where({ guild_id: guildId }).count<{ n: string }[]>('* as n'),
  ]);
  return { links, persons, events: Number(events[0]!.n), imports: Number(imports[0]!.n) };
}

const rowCount = async (table: string, guildId: number) => Number((await knex(table).where({ guild_id: guildId }).count<{ n: string }[]>('* as n'))[0]!.n);

/** A raw JSON text (so lone surrogates and NUL go over the wire as JSON escapes, exactly). */
const postJson = (api: TestApi, key: string, method: 'post' | 'delete', path: string, json: string) =>
  request(api.server)[method](path).set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send(json);

function expectError(res: request.Response, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.type).toBe('application/json');
  expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  expect(res.body.error.message).not.toMatch(/Internal error/);
}

describe('ids above 2³¹−1', () => {
  it('are a 400 naming the field and the bound on link, confirm, merge, split and DELETE link, and change nothing', async () => {
    const api = await officersApi();
    const before = await identityRows(api.guildId);
    const cases: [string, 'post' | 'delete', string, string, string][] = [
      ['link', 'post', '/api/identity/link', JSON.stringify({ characterId: TOO_BIG, discordMemberId: api.member.kazzy, reason: 'too big an id' }), 'characterId'],
      ['link personId', 'post', '/api/identity/link', JSON.stringify({ personId: TOO_BIG, characterId: api.char.Kazgor, reason: 'too big an id' }), 'personId'],
      ['confirm', 'post', '/api/identity/confirm', JSON.stringify({ linkId: TOO_BIG }), 'linkId'],
      ['merge', 'post', '/api/identity/persons/merge', JSON.stringify({ fromPersonId: TOO_BIG, intoPersonId: 1, reason: 'too big an id' }), 'fromPersonId'],
      ['split', 'post', '/api/identity/persons/split', JSON.stringify({ personId: 1, linkIds: [TOO_BIG], reason: 'too big an id' }), 'linkIds'],
      ['DELETE link', 'delete', `/api/identity/link/${TOO_BIG}`, JSON.stringify({ reason: 'too big an id' }), 'linkId'],
    ];
    for (const [label, method, path, json, field] of cases) {
      const res = await postJson(api, api.officer, method, path, json);
      expect({ label, status: res.status, code: res.body.error?.code }).toEqual({ label, status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.error.message).toContain(field);
      expect(res.body.error.message).toContain('2147483647');
    }
    // A path id in another spelling is no id either.
    for (const spelled of ['99999999999999999999', '1e3', '0x1f', '-1', '0']) {
      const res = await postJson(api, api.officer, 'delete', `/api/identity/link/${spelled}`, '{}');
      expect({ spelled, status: res.status }).toEqual({ spelled, status: 400 });
    }
    const status = await request(api.server).get(`/api/identity/import-sheet/${TOO_BIG}`).set('Authorization', `Bearer ${api.officer}`);
    expectError(status, 400, 'VALIDATION_FAILED');
    expect(await identityRows(api.guildId)).toEqual(before);
  });
});

describe('NUL and lone surrogates in text', () => {
  it('refuses a NUL in search, reason and by, and a lone surrogate in reason, with 400 saying which character and where', async () => {
    const api = await officersApi();
    const before = await identityRows(api.guildId);

    for (const path of ['/api/identity/persons?search=Kaz%00gor', '/api/identity/mismatches?search=Kaz%00gor']) {
      const res = await request(api.server).get(path).set('Authorization', `Bearer ${api.officer}`);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.error.message).toMatch(/search: contains a NUL character \(\\u0000\) at position 3/);
    }

    const link = { characterId: api.char.Kazgor, discordMemberId: api.member.kazzy };
    const nulReason = await postJson(api, api.officer, 'post', '/api/identity/link', JSON.stringify({ ...link, reason: 'asked\u0000 in chat' }));
    expectError(nulReason, 400, 'VALIDATION_FAILED');
    expect(nulReason.body.error.message).toMatch(/reason: contains a NUL character/);

    const nulBy = await postJson(api, api.officer, 'post', '/api/identity/link', JSON.stringify({ ...link, by: 'Ro\u0000cket', reason: 'asked in chat' }));
    expectError(nulBy, 400, 'VALIDATION_FAILED');
    expect(nulBy.body.error.message).toMatch(/by: contains a NUL character/);

    // JSON.stringify would keep "\ud800" escaped too, but written out it is plain what goes over the wire.
    const loneHigh = await postJson(api, api.officer, 'post', '/api/identity/link', `{"characterId":${api.char.Kazgor},"discordMemberId":${api.member.kazzy},"reason":"asked \\ud800 in chat"}`);
    expectError(loneHigh, 400, 'VALIDATION_FAILED');
    expect(loneHigh.body.error.message).toMatch(/reason: contains a lone UTF-16 surrogate \(\\uD800\) at position 6/);
    const loneLow = await postJson(api, api.officer, 'delete', `/api/identity/link/1`, '{"reason":"\\udc00"}');
    expectError(loneLow, 400, 'VALIDATION_FAILED');
    const inQuery = await request(api.server).delete('/api/identity/link/1?reason=a%00b').set('Authorization', `Bearer ${api.officer}`);
    expectError(inQuery, 400, 'VALIDATION_FAILED');
    const inSheet = await postJson(api, api.officer, 'post', '/api/identity/import-sheet', JSON.stringify({ discordIdsCsv: 'Discord name,Discord ID\nTrog\u0000,1', charactersCsv: 'x' }));
    expectError(inSheet, 400, 'VALIDATION_FAILED');

    expect(await identityRows(api.guildId)).toEqual(before);

    // A surrogate pair is a character like any other: an emoji in a reason is fine.
    const emoji = await postJson(api, api.officer, 'post', '/api/identity/link', JSON.stringify({ ...link, reason: 'asked in chat 👍' }));
    expect(emoji.status).toBe(200);
  });
});

describe('content types', () => {
  it('refuses {"dryRun":true} sent as text/plain or form-encoded with 415, and starts no report', async () => {
    const api = await officersApi();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await request(api.server).post('/api/guild-sync/report/trigger').set('Authorization', `Bearer ${api.officer}`).set('Content-Type', type).send('{"dryRun":true}');
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.error.message).toContain('Content-Type: application/json');
      expect(res.body.error.message).toContain(type);
    }
    const form = await request(api.server).post('/api/guild-sync/report/trigger').set('Authorization', `Bearer ${api.officer}`).type('form').send({ dryRun: 'true' });
    expectError(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(api.audit.triggers).toEqual([]);
    expect(await rowCount('audit_reports', api.guildId)).toBe(0);

    // The same body as JSON is a dry run: 200 with the messages, still nothing started.
    const dry = await request(api.server).post('/api/guild-sync/report/trigger').set('Authorization', `Bearer ${api.officer}`).send({ dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(api.audit.triggers).toEqual([]);
  });

  it('refuses a body in another type on every JSON route with 415; no body where none is needed is fine', async () => {
    const api = await officersApi();
    const before = await identityRows(api.guildId);
    const routes: ['post' | 'delete', string][] = [
      ['post', '/api/guild-sync/blizzard/trigger'],
      ['post', '/api/guild-sync/discord/trigger'],
      ['post', '/api/guild-sync/report/release'],
      ['post', '/api/identity/link'],
      ['post', '/api/identity/confirm'],
      ['post', '/api/identity/persons/merge'],
      ['post', '/api/identity/persons/split'],
      ['post', '/api/identity/import-sheet'],
      ['delete', '/api/identity/link/1'],
    ];
    for (const [method, path] of routes) {
      const res = await request(api.server)[method](path).set('Authorization', `Bearer ${api.officer}`).set('Content-Type', 'text/plain').send('{}');
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    const latin1 = await request(api.server).post('/api/identity/confirm').set('Authorization', `Bearer ${api.officer}`).set('Content-Type', 'application/json; charset=latin1').send('{"linkId":1}');
    expectError(latin1, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(api.rosterSync.triggerCalls + api.discordSync.triggerCalls).toBe(0);
    expect(await identityRows(api.guildId)).toEqual(before);

    const bare = await request(api.server).post('/api/guild-sync/blizzard/trigger').set('Authorization', `Bearer ${api.officer}`);
    expect(bare.status).toBe(202);
  });

  it('answers a POST without the body it needs with 400 BODY_REQUIRED', async () => {
    const api = await officersApi();
    for (const path of ['/api/identity/link', '/api/identity/confirm', '/api/identity/persons/merge', '/api/identity/persons/split', '/api/identity/import-sheet']) {
      const res = await request(api.server).post(path).set('Authorization', `Bearer ${api.officer}`);
      expectError(res, 400, 'BODY_REQUIRED');
      expect(res.body.error.message).toContain(path);
    }
  });

  it('refuses JSON bodies that are not an object, and JSON nested past the stack, with 400', async () => {
    const api = await officersApi();
    for (const json of ['null', '[1]', '"x"', '42', '['.repeat(200_000) + ']'.repeat(200_000)]) {
      const res = await postJson(api, api.officer, 'post', '/api/identity/confirm', json);
      expectError(res, 400, 'INVALID_JSON');
    }
  });

  it('refuses the addon upload sent as JSON or a form with 415 and stores nothing; the file types it takes still work', async () => {
    const api = await officersApi();
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await request(api.server).post('/api/guild-sync/addon-upload').set('Authorization', `Bearer ${api.officer}`).set('Content-Type', type).send('{"PATTSyncDB":{}}');
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.error.message).toContain('application/octet-stream');
    }
    expect(await rowCount('addon_uploads', api.guildId)).toBe(0);
    // text/plain and no type at all reach the reader (which refuses this file as not the export).
    for (const type of ['text/plain', 'application/octet-stream', null]) {
      const r = request(api.server).post('/api/guild-sync/addon-upload').set('Authorization', `Bearer ${api.officer}`);
      if (type) r.set('Content-Type', type);
      const res = await r.send(Buffer.from('PATTSyncDB = nil\n'));
      expect({ type, status: res.status }).toEqual({ type, status: 400 });
      expect(res.body.error.code).toMatch(/^ADDON_EXPORT_/);
    }
    expect(api.addonImport.started).toEqual([]);
  });
});

describe('the key before the body', () => {
  it('answers invalid JSON without a key, or with a bad one, 401; with a key it is 400', async () => {
    const api = await officersApi();
    const broken = '{"linkId": ';
    const none = await request(api.server).post('/api/identity/confirm').set('Content-Type', 'application/json').send(broken);
    expectError(none, 401, 'API_KEY_REQUIRED');
    const bad = await request(api.server).post('/api/identity/confirm').set('Authorization', 'Bearer patt_nope').set('Content-Type', 'application/json').send(broken);
    expectError(bad, 401, 'API_KEY_INVALID');
    const wrongType = await request(api.server).post('/api/guild-sync/report/trigger').set('Content-Type', 'text/plain').send('{"dryRun":true}');
    expectError(wrongType, 401, 'API_KEY_REQUIRED');
    const addon = await request(api.server).post('/api/guild-sync/addon-upload').set('Content-Type', 'application/json').send('{');
    expectError(addon, 401, 'API_KEY_REQUIRED');
    const keyed = await postJson(api, api.officer, 'post', '/api/identity/confirm', broken);
    expectError(keyed, 400, 'INVALID_JSON');
  });
});

describe('methods', () => {
  it('answers a method a path does not serve with 405 and Allow, TRACE and PROPFIND included; unknown paths stay 404', async () => {
    const api = await officersApi();
    const put = await request(api.server).put('/api/identity/link').set('Authorization', `Bearer ${api.officer}`).send({});
    expectError(put, 405, 'METHOD_NOT_ALLOWED');
    expect(put.headers.allow).toBe('POST');

    const trace = await request(api.server).trace('/api/identity/persons');
    expectError(trace, 405, 'METHOD_NOT_ALLOWED');
    expect(trace.headers.allow).toContain('GET');
    expect(trace.body.error.message).toContain('TRACE');

    const propfind = await request(api.server).propfind('/api/health');
    expectError(propfind, 405, 'METHOD_NOT_ALLOWED');
    expect(propfind.headers.allow).toContain('GET');

    const patch = await request(api.server).patch('/api/identity/link/3');
    expectError(patch, 405, 'METHOD_NOT_ALLOWED');
    expect(patch.headers.allow).toBe('DELETE');

    for (const res of [await request(api.server).trace('/api/nope'), await request(api.server).propfind('/nowhere')]) expectError(res, 404, 'NOT_FOUND');
  });
});

describe('odd spellings in paths and query strings', () => {
  it('answers broken percent-encoding and repeated parameters with 4xx, never 500', async () => {
    const api = await officersApi();
    const auth = { Authorization: `Bearer ${api.officer}` };
    const brokenPath = await request(api.server).delete('/api/identity/link/%E0%A4%A').set(auth);
    expectError(brokenPath, 400, 'VALIDATION_FAILED');
    const repeated = await request(api.server).get('/api/identity/persons?page=1&page=2').set(auth);
    expectError(repeated, 400, 'VALIDATION_FAILED');
    const brokenQuery = await request(api.server).get('/api/identity/persons?search=%E0%A4%A').set(auth);
    expect(brokenQuery.status).toBe(200);
    const hugePage = await request(api.server).get('/api/identity/mismatches?page=99999999999999999999').set(auth);
    expectError(hugePage, 400, 'VALIDATION_FAILED');
    expect(hugePage.body.error.message).toContain('page');
  });
});

describe('the OpenAPI document', () => {
  it('shows every bound: ids, text length and pattern, pages, and the 415 answers', () => {
    const doc = buildOpenApiDocument() as any;
    const schemas = doc.components.schemas;
    const intBound = { type: 'integer', minimum: 1, maximum: 2147483647 };
    expect(schemas.OfficerLink.properties.characterId).toMatchObject(intBound);
    expect(schemas.ConfirmLink.properties.linkId).toMatchObject(intBound);
    expect(schemas.MergePersons.properties.fromPersonId).toMatchObject(intBound);
    expect(schemas.SplitPerson.properties.linkIds).toMatchObject({ maxItems: 200, items: intBound });
    expect(schemas.OfficerLink.properties.reason).toMatchObject({ type: 'string', minLength: 3, maxLength: 500, pattern: '^[^\\u0000]*$' });
    expect(schemas.OfficerLink.properties.by).toMatchObject({ maxLength: 100, pattern: '^[^\\u0000]*$' });
    expect(schemas.SheetImport.properties.discordIdsCsv).toMatchObject({ maxLength: 1_000_000 });
    expect(schemas.ReportTrigger.properties.dryRun).toMatchObject({ type: 'boolean' });

    const params = (path: string, method: string) => Object.fromEntries(doc.paths[path][method].parameters.map((p: any) => [p.name, p.schema]));
    expect(params('/api/identity/link/{linkId}', 'delete').linkId).toMatchObject(intBound);
    expect(params('/api/identity/import-sheet/{importId}', 'get').importId).toMatchObject(intBound);
    expect(params('/api/identity/persons', 'get')).toMatchObject({ page: { type: 'integer', minimum: 1, maximum: 10000 }, pageSize: { maximum: 200 }, search: { maxLength: 100, pattern: '^[^\\u0000]*$' } });
    expect(params('/api/identity/mismatches', 'get').search).toMatchObject({ maxLength: 100 });
    for (const [path, method] of [['/api/identity/link', 'post'], ['/api/guild-sync/report/trigger', 'post'], ['/api/guild-sync/addon-upload', 'post']] as const) {
      expect(doc.paths[path][method].responses['415']).toBeDefined();
    }
    expect(doc.info.description).toMatch(/lone UTF-16 surrogates/);
  });
});
