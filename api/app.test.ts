import request from 'supertest';
import type { Knex } from 'knex';
import { testKnex } from '../test/db';
import { capturingLogger, fakeRosterSync, testApi } from '../test/apiApp';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('unknown routes and methods', () => {
  it('answers a path nobody serves with 404 NOT_FOUND in the JSON envelope', async () => {
    const { server } = await testApi(knex);
    const res = await request(server).get('/api/nope');
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/json');
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', requestId: res.headers['x-request-id'] });
    expect(res.body.error.message).toContain('/api/docs');
  });

  it('answers paths outside /api with the same JSON 404', async () => {
    const { server } = await testApi(knex);
    const res = await request(server).get('/');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers a wrong method with 405 METHOD_NOT_ALLOWED and the Allow header', async () => {
    const { server } = await testApi(knex);
    const res = await request(server).delete('/api/health');
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toContain('GET');
  });
});

describe('request bodies', () => {
  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['sync:trigger']);
    const res = await request(api.server)
      .post('/api/guild-sync/blizzard/trigger')
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', 'application/json')
      .send('{"oops": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_JSON');
    expect(api.rosterSync.triggerCalls).toBe(0);
  });

  it('refuses a JSON body over 1 MB with 413 PAYLOAD_TOO_LARGE', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['sync:trigger']);
    const res = await request(api.server)
      .post('/api/guild-sync/blizzard/trigger')
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(1_100_000) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers a body that fails its schema with 400 VALIDATION_FAILED naming the field', async () => {
    const api = await testApi(knex);
    const key = await api.mintKey(['sync:trigger']);
    const res = await request(api.server)
      .post('/api/guild-sync/blizzard/trigger')
      .set('Authorization', `Bearer ${key}`)
      .send({ force: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues[0].message).toMatch(/force/);
    expect(api.rosterSync.triggerCalls).toBe(0);
  });
});

describe('internal errors', () => {
  it('answers 500 with a generic message and the request id, and logs the real error with that id', async () => {
    const { logger, lines } = capturingLogger();
    const rosterSync = fakeRosterSync({
      trigger: async () => {
        throw new TypeError('cannot read secretConnectionString of undefined');
      },
    });
    const api = await testApi(knex, { rosterSync, logger });
    const key = await api.mintKey(['sync:trigger']);
    const res = await request(api.server).post('/api/guild-sync/blizzard/trigger').set('Authorization', `Bearer ${key}`);

    expect(res.status).toBe(500);
    const requestId = res.headers['x-request-id'];
    expect(res.body).toEqual({
      error: { code: 'INTERNAL_ERROR', message: `Internal error; see the API log with request id ${requestId}.`, requestId },
    });
    expect(res.text).not.toContain('secretConnectionString');
    expect(res.text).not.toMatch(/\bat .*\.ts:\d+/);

    const logged = lines().find((l) => l.level === 50 && l.requestId === requestId);
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain('secretConnectionString');
  });
});

describe('X-Request-Id', () => {
  it('echoes the id the caller sent, in the header and in an error body', async () => {
    const { server } = await testApi(knex);
    const res = await request(server).get('/api/nope').set('X-Request-Id', 'proxy-abc-123');
    expect(res.headers['x-request-id']).toBe('proxy-abc-123');
    expect(res.body.error.requestId).toBe('proxy-abc-123');
  });

  it('mints a uuid when none is sent', async () => {
    const { server } = await testApi(knex);
    const res = await request(server).get('/api/health');
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('replaces an id that is too long or has spaces with a uuid', async () => {
    const { server } = await testApi(knex);
    const long = await request(server).get('/api/health').set('X-Request-Id', 'x'.repeat(200));
    expect(long.headers['x-request-id']).toMatch(UUID);
    const spaced = await request(server).get('/api/health').set('X-Request-Id', 'a b');
    expect(spaced.headers['x-request-id']).toMatch(UUID);
  });
});
