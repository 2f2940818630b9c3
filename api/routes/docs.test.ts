import request from 'supertest';
import type { Knex } from 'knex';
import { testKnex } from '../../test/db';
import { testApi } from '../../test/apiApp';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

describe('GET /api/docs/openapi.json', () => {
  it('lists the routes, the bearer scheme, and each route’s scope', async () => {
    const { server } = await testApi(knex);
    const res = await request(server).get('/api/docs/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/guild-sync/addon-upload',
      '/api/guild-sync/addon-upload/status',
      '/api/guild-sync/blizzard/trigger',
      '/api/guild-sync/discord/trigger',
      '/api/guild-sync/report/release',
      '/api/guild-sync/report/trigger',
      '/api/guild-sync/status',
      '/api/health',
      '/api/identity/confirm',
      '/api/identity/import-sheet',
      '/api/identity/import-sheet/{importId}',
      '/api/identity/link',
      '/api/identity/link/{linkId}',
      '/api/identity/mismatches',
      '/api/identity/orphans/discord',
      '/api/identity/orphans/wow',
      '/api/identity/persons',
      '/api/identity/persons/merge',
      '/api/identity/persons/split',
    ]);
    expect(doc.paths['/api/identity/link'].post.description).toContain('`identity:write`');
    expect(doc.components.schemas.IdentityLink.properties.evidence).toBeDefined();
    expect(doc.paths['/api/health'].get).toBeDefined();
    expect(doc.paths['/api/guild-sync/status'].get).toBeDefined();
    expect(doc.paths['/api/guild-sync/blizzard/trigger'].post).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/guild-sync/status'].get.security).toContainEqual({ bearerAuth: [] });
    expect(doc.paths['/api/guild-sync/status'].get.description).toContain('`read`');
    expect(doc.paths['/api/guild-sync/blizzard/trigger'].post.description).toContain('`sync:trigger`');
    expect(doc.paths['/api/guild-sync/discord/trigger'].post.description).toContain('`sync:trigger`');
    expect(doc.components.schemas.DiscordSyncStatus.properties.listener).toBeDefined();
    expect(doc.paths['/api/health'].get.security).toBeUndefined();
    expect(doc.components.schemas.Error).toBeDefined();
    // The first report's hold and the durable identity paths are documented.
    expect(doc.components.schemas.GuildSyncStatus.properties.audit.properties.firstReport).toBeDefined();
    expect(doc.components.schemas.FirstReport.properties.state.enum).toEqual(['held', 'released', 'posted', 'not_needed']);
    expect(doc.paths['/api/guild-sync/report/release'].post.description).toContain('`sync:trigger`');
    expect(doc.paths['/api/guild-sync/report/trigger'].post.responses['409']).toBeDefined();
    expect(doc.components.schemas.IdentityDecision.properties.identityStep).toBeDefined();
    expect(doc.paths['/api/identity/import-sheet'].post.responses['202']).toBeDefined();
  });
});

describe('GET /api/docs', () => {
  it('serves Swagger UI as HTML from local files, pointed at the JSON', async () => {
    const { server } = await testApi(knex);
    const page = await request(server).get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('/api/docs/swagger-ui-bundle.js');
    expect(page.text).not.toMatch(/https?:\/\//); // offline: no CDN

    const init = await request(server).get('/api/docs/swagger-initializer.js');
    expect(init.text).toContain('/api/docs/openapi.json');

    const bundle = await request(server).get('/api/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.type).toMatch(/javascript/);
    expect(bundle.text.length).toBeGreaterThan(100_000);
  });

  it('serves only its listed files: anything else under /api/docs is the JSON 404', async () => {
    const { server } = await testApi(knex);
    for (const path of ['/api/docs/package.json', '/api/docs/..%2F..%2Fpackage.json', '/api/docs/index.html']) {
      const res = await request(server).get(path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });
});
