import request from 'supertest';
import pino from 'pino';
import type { Knex } from 'knex';
import { loadConfig } from '../../config';
import { createKnex } from '../../db/knex';
import { testKnex } from '../../test/db';
import { createApp } from '../app';
import { fakeAddonImport, fakeAudit, fakeDiscordSync, fakeRosterSync, testApi } from '../../test/apiApp';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

describe('GET /api/health', () => {
  it('answers 200 ok without an API key when the database and Temporal answer', async () => {
    const { server } = await testApi(knex);
    const res = await request(server).get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'ok', temporal: 'ok', down: [] });
  });

  it('answers 503 naming Temporal when it does not answer', async () => {
    const rosterSync = fakeRosterSync({
      schedule: async () => {
        throw new Error('14 UNAVAILABLE');
      },
    });
    const { server } = await testApi(knex, { rosterSync });
    const res = await request(server).get('/api/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'degraded', database: 'ok', temporal: 'down', down: ['temporal'] });
    expect(res.body.message).toMatch(/^Temporal is not answering at .*: 14 UNAVAILABLE/);
  });

  it('answers 503 naming the database when it is down', async () => {
    // Port 1: nothing listens, so the connection is refused at once. knex reports that on console.
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const deadKnex = createKnex('postgres://postgres@127.0.0.1:1/nothing', { max: 1 });
    try {
      const app = createApp({
        knex: deadKnex,
        config: loadConfig(process.env),
        logger: pino({ level: 'silent' }),
        rosterSync: fakeRosterSync(),
        discordSync: fakeDiscordSync(),
        addonImport: fakeAddonImport(),
        audit: fakeAudit(),
        guildId: 1,
      });
      const res = await request(app.callback()).get('/api/health');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'degraded', database: 'down', temporal: 'ok', down: ['postgres'] });
      expect(res.body.message).toContain('PostgreSQL is not answering at 127.0.0.1:1');
    } finally {
      await deadKnex.destroy();
      jest.restoreAllMocks();
    }
  });
});
