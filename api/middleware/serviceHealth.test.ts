import Koa from 'koa';
import request from 'supertest';
import pino from 'pino';
import type { Knex } from 'knex';
import { Client, Connection, ServiceError } from '@temporalio/client';
import { loadConfig } from '../../config';
import { createKnex } from '../../db/knex';
import { testKnex } from '../../test/db';
import { fakeAddonImport, fakeAudit, fakeDiscordSync, fakeRosterSync, testApi } from '../../test/apiApp';
import { getFreePort } from '../../scripts/provision/waitFor';
import { createRosterSyncControl } from '../../temporal/rosterSyncControl';
import { createApp, type ApiState } from '../app';
import { AppError } from '../errors';
import { errorHandler } from './errorHandler';
import { dependencyOf, serviceHealth } from './serviceHealth';

/**
 * PostgreSQL or Temporal down: every route that needs it answers 503 SERVICE_UNAVAILABLE naming it
 * (details.down), never 500; /api/health says which is down.
 */

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

// Well formed, so it is looked up in the database (a malformed key is refused without one).
const AUTH = { Authorization: `Bearer patt_0123abcd_${'A'.repeat(43)}` };

describe('PostgreSQL unreachable (the app pointed at a closed port)', () => {
  let deadKnex: Knex;
  let port: number;
  beforeAll(async () => {
    port = await getFreePort();
    deadKnex = createKnex(`postgres://postgres:postgres@127.0.0.1:${port}/patt`, { max: 2 });
  });
  afterAll(async () => {
    await deadKnex.destroy();
  });
  const app = (env: NodeJS.ProcessEnv = {}) =>
    createApp({
      knex: deadKnex,
      config: loadConfig({ ...process.env, ...env }),
      logger: pino({ level: 'silent' }),
      rosterSync: fakeRosterSync(),
      discordSync: fakeDiscordSync(),
      addonImport: fakeAddonImport(),
      audit: fakeAudit(),
      guildId: 1,
    }).callback();

  it('answers 503 naming postgres on /api/guild-sync/status (not 500), with where it is and what to do', async () => {
    // npm start's embedded server: it restarts it.
    const res = await request(app({ EMBEDDED_PG_PORT: String(port) })).get('/api/guild-sync/status').set(AUTH);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { down: ['postgres'] } });
    expect(res.body.error.message).toMatch(new RegExp(`^PostgreSQL is not answering at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.* \\(npm start restarts it; try again in a few seconds\\)\\. GET /api/health shows when it is back\\.$`));
  });

  it('says it is the DATABASE_URL server when it is not npm start’s own', async () => {
    const res = await request(app()).get('/api/guild-sync/status').set(AUTH);
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain('(the DATABASE_URL server, which npm start does not restart: start it, or fix DATABASE_URL)');
  });

  it('answers 503 on every route that needs the database', async () => {
    const server = app();
    for (const [method, path] of [
      ['get', '/api/identity/persons'],
      ['get', '/api/identity/mismatches'],
      ['get', '/api/guild-sync/addon-upload/status'],
      ['post', '/api/guild-sync/blizzard/trigger'],
    ] as const) {
      const res = await request(server)[method](path).set(AUTH);
      expect({ path, status: res.status, code: res.body.error?.code, down: res.body.error?.details?.down }).toEqual({ path, status: 503, code: 'SERVICE_UNAVAILABLE', down: ['postgres'] });
    }
  });

  it('/api/health answers 503 naming postgres', async () => {
    const server = app();
    const res = await request(server).get('/api/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'degraded', database: 'down', temporal: 'ok', down: ['postgres'] });
    expect(res.body.message).toContain(`PostgreSQL is not answering at 127.0.0.1:${port}`);
  });
});

describe('Temporal unreachable (a real client pointed at a closed port)', () => {
  let connection: Connection;
  let port: number;
  beforeAll(async () => {
    port = await getFreePort();
    // No retry interceptor: the SDK's default one retries for seconds and then calls into a channel
    // this test has closed (an uncaught "Channel has been shut down"); the answers are the same.
    connection = Connection.lazy({ address: `127.0.0.1:${port}`, connectTimeout: 1_000, interceptors: [] });
  });
  afterAll(async () => {
    await connection.close().catch(() => undefined);
  });

  it('answers 503 naming temporal on the trigger and /api/health, and the status from the database', async () => {
    const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    const rosterSync = createRosterSyncControl(new Client({ connection }), config);
    const api = await testApi(knex, { label: 'temporal-down', env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}` } });
    const app = createApp({ knex, config, logger: pino({ level: 'silent' }), rosterSync, discordSync: fakeDiscordSync(), addonImport: fakeAddonImport(), audit: fakeAudit(), guildId: api.guild.id }).callback();
    const key = await api.mintKey(['read', 'sync:trigger']);

    const trigger = await request(app).post('/api/guild-sync/blizzard/trigger').set('Authorization', `Bearer ${key}`);
    expect(trigger.status).toBe(503);
    expect(trigger.body.error).toMatchObject({ code: 'TEMPORAL_UNAVAILABLE', details: { down: ['temporal'] } });

    const health = await request(app).get('/api/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', database: 'ok', temporal: 'down', down: ['temporal'] });
    expect(health.body.message).toContain(`Temporal is not answering at 127.0.0.1:${port}`);
    expect(health.body.message).toContain('npm start restarts its dev server');

    const status = await request(app).get('/api/guild-sync/status').set('Authorization', `Bearer ${key}`);
    expect(status.status).toBe(200);
    expect(status.body.temporal).toBe('unreachable');
  }, 60_000);

  it('turns a raw Temporal error from any route into 503 SERVICE_UNAVAILABLE naming temporal', async () => {
    const app = new Koa<ApiState>();
    const deps = { knex, rosterSync: fakeRosterSync(), config: loadConfig(process.env), logger: pino({ level: 'silent' }) };
    app.use(async (ctx, next) => ((ctx.state.requestId = 'r'), next()));
    app.use(errorHandler());
    app.use(serviceHealth(deps));
    app.use(async () => {
      throw new ServiceError('Failed to query workflow', { cause: Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: '', metadata: {} }) });
    });
    const res = await request(app.callback()).get('/x');
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { down: ['temporal'] } });
  });
});

describe('what is not a dependency failure stays what it was', () => {
  const appThrowing = (err: unknown) => {
    const app = new Koa<ApiState>();
    app.silent = true;
    const deps = { knex, rosterSync: fakeRosterSync(), config: loadConfig(process.env), logger: pino({ level: 'silent' }) };
    app.use(async (ctx, next) => ((ctx.state.requestId = 'r'), next()));
    app.use(errorHandler());
    app.use(serviceHealth(deps));
    app.use(async () => {
      throw err;
    });
    return app.callback();
  };

  it('a bug with everything up is a 500, a refusal keeps its 4xx', async () => {
    expect((await request(appThrowing(new TypeError('x is undefined'))).get('/x')).status).toBe(500);
    const refused = await request(appThrowing(new AppError(409, 'CONFLICT', 'no'))).get('/x');
    expect([refused.status, refused.body.error.code]).toEqual([409, 'CONFLICT']);
  });

  it('reads the errors pg, knex and objection throw when the server goes away', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(dependencyOf(pgError('57P01', 'terminating connection due to administrator command'))).toBe('postgres');
    expect(dependencyOf(pgError('57P03', 'the database system is starting up'))).toBe('postgres');
    expect(dependencyOf(pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5439'))).toBe('postgres');
    expect(dependencyOf(new Error('Connection terminated unexpectedly'))).toBe('postgres');
    expect(dependencyOf(Object.assign(new Error('wrapped'), { nativeError: pgError('08006', 'connection failure') }))).toBe('postgres');
    expect(dependencyOf(new AggregateError([pgError('ECONNREFUSED', '')], ''))).toBe('postgres');
    expect(dependencyOf(pgError('23505', 'duplicate key value violates unique constraint'))).toBeNull();
    expect(dependencyOf(new ServiceError('Failed to connect before the deadline'))).toBe('temporal');
    expect(dependencyOf(new Error('boom'))).toBeNull();
  });
});
