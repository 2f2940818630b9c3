import request from 'supertest';
import type { Knex } from 'knex';
import { testKnex } from '../test/db';
import { fakeRosterSync, testApi } from '../test/apiApp';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

const STATUS = '/api/guild-sync/status';
const TRIGGER = '/api/guild-sync/blizzard/trigger';

describe('requireApiKey', () => {
  it('answers 401 API_KEY_REQUIRED without a key, saying how to mint one', async () => {
    const { server } = await testApi(knex);
    const res = await request(server).get(STATUS);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('API_KEY_REQUIRED');
    expect(res.body.error.message).toContain('npm run cli -- api-key create --name');
    expect(res.body.error.message).toContain('--scopes read');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('answers 401 API_KEY_INVALID for a well-formed key nobody minted', async () => {
    const { server } = await testApi(knex);
    const res = await request(server).get(STATUS).set('Authorization', `Bearer patt_0123abcd_${'A'.repeat(43)}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('API_KEY_INVALID');
  });

  it('answers 401 API_KEY_INVALID for garbage and for another auth scheme', async () => {
    const { server } = await testApi(knex);
    const garbage = await request(server).get(STATUS).set('Authorization', 'Bearer hunter2');
    expect(garbage.body.error.code).toBe('API_KEY_INVALID');
    const basic = await request(server).get(STATUS).set('Authorization', 'Basic dXNlcjpwYXNz');
    expect(basic.status).toBe(401);
    expect(basic.body.error.code).toBe('API_KEY_INVALID');
  });

  it('answers 401 API_KEY_INVALID for a revoked key', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['read']);
    expect((await request(api.server).get(STATUS).set('Authorization', `Bearer ${key}`)).status).toBe(200);
    await knex('api_keys').where({ guild_id: api.guild.id }).update({ revoked_at: knex.fn.now() });
    const res = await request(api.server).get(STATUS).set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('API_KEY_INVALID');
  });

  it("answers 401 API_KEY_INVALID for another guild's key", async () => {
    const mine = await testApi(knex, { label: 'mine' });
    const theirs = await testApi(knex, { label: 'theirs' });
    const theirKey = await theirs.mintKey(['read']);
    const res = await request(mine.server).get(STATUS).set('Authorization', `Bearer ${theirKey}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('API_KEY_INVALID');
  });

  it('answers 403 SCOPE_REQUIRED naming sync:trigger for a read key on trigger, and starts nothing', async () => {
    const api = await testApi(knex, { rosterSync: fakeRosterSync() });
    const key = await api.mintKey(['read']);
    const res = await request(api.server).post(TRIGGER).set('Authorization', `Bearer ${key}`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('SCOPE_REQUIRED');
    expect(res.body.error.message).toContain('sync:trigger');
    expect(res.body.error.details).toEqual({ requiredScope: 'sync:trigger', keyScopes: ['read'] });
    expect(api.rosterSync.triggerCalls).toBe(0);
  });

  it('accepts the key in X-API-Key too', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['read']);
    const res = await request(api.server).get(STATUS).set('X-API-Key', key);
    expect(res.status).toBe(200);
  });

  it('stamps last_used_at when a key is used', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['read']);
    const before = await knex('api_keys').where({ guild_id: api.guild.id }).first('last_used_at');
    expect(before.last_used_at).toBeNull();
    await request(api.server).get(STATUS).set('Authorization', `Bearer ${key}`);
    const after = await knex('api_keys').where({ guild_id: api.guild.id }).first('last_used_at');
    expect(after.last_used_at).toBeInstanceOf(Date);
  });
});
