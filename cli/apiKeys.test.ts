import request from 'supertest';
import type { Knex } from 'knex';
import { loadConfig } from '../config';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { testApi } from '../test/apiApp';
import { testKnex } from '../test/db';
import { CliUsageError, createApiKeyCommand, listApiKeysCommand, normalisePrefix, parseScopes, revokeApiKeyCommand } from './apiKeys';
import { buildProgram } from './index';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

const STATUS = '/api/guild-sync/status';
const KEY_IN_TEXT = /patt_[0-9a-f]{8}_[A-Za-z0-9_-]{32,}/g;

describe('api-key create', () => {
  it('prints a key once, with the warning that it is not stored, and that key authenticates', async () => {
    const api = await testApi(knex, { label: 'cli' });
    const deps = { knex, guildId: api.guild.id, guildKey: api.guild.key };
    const text = await createApiKeyCommand(deps, { name: 'Rocket companion app', scopes: 'read, addon:upload' });

    const keys = text.match(KEY_IN_TEXT) ?? [];
    expect(keys).toHaveLength(1);
    expect(text).toMatch(/shown only this once and is NOT stored/);
    expect(text).toContain('scopes: read, addon:upload');

    const res = await request(api.server).get(STATUS).set('Authorization', `Bearer ${keys[0]}`);
    expect(res.status).toBe(200);
  });

  it('rejects an unknown scope with a message naming it, and creates no key', async () => {
    const api = await testApi(knex, { label: 'cli-bad' });
    const deps = { knex, guildId: api.guild.id, guildKey: api.guild.key };
    const attempt = createApiKeyCommand(deps, { name: 'x', scopes: 'read,sync:trigerr' });
    await expect(attempt).rejects.toThrow(CliUsageError);
    await expect(attempt).rejects.toThrow('Unknown scope "sync:trigerr": choose from read, sync:trigger, addon:upload, identity:write');
    expect(await knex('api_keys').where({ guild_id: api.guild.id }).count('* as n')).toEqual([{ n: 0 }]);
  });
});

describe('parseScopes', () => {
  it('splits on commas and spaces and drops duplicates', () => {
    expect(parseScopes('read, sync:trigger read')).toEqual(['read', 'sync:trigger']);
  });

  it('refuses an empty list', () => {
    expect(() => parseScopes(' , ')).toThrow(/at least one scope/);
  });
});

describe('api-key list and revoke', () => {
  it('lists prefix, name and scopes but never the key; a revoked key stops working', async () => {
    const api = await testApi(knex, { label: 'cli-list' });
    const deps = { knex, guildId: api.guild.id, guildKey: api.guild.key };
    const key = (await createApiKeyCommand(deps, { name: 'Skate', scopes: 'read' })).match(KEY_IN_TEXT)![0];
    const prefix = key.slice(0, 13);

    const listed = await listApiKeysCommand(deps);
    expect(listed).toContain(prefix);
    expect(listed).toContain('Skate');
    expect(listed).not.toContain(key);
    expect(listed).toMatch(/LAST USED/);

    expect(await revokeApiKeyCommand(deps, prefix)).toContain(`Revoked API key ${prefix}`);
    expect(await revokeApiKeyCommand(deps, prefix)).toContain('already revoked');
    const res = await request(api.server).get(STATUS).set('Authorization', `Bearer ${key}`);
    expect(res.body.error.code).toBe('API_KEY_INVALID');
    await expect(revokeApiKeyCommand(deps, 'patt_00000000')).rejects.toThrow(/No API key patt_00000000/);
  });

  it('takes a prefix with or without patt_, or the whole key', () => {
    expect(normalisePrefix('1a2b3c4d')).toBe('patt_1a2b3c4d');
    expect(normalisePrefix('patt_1a2b3c4d')).toBe('patt_1a2b3c4d');
    expect(normalisePrefix(`patt_1a2b3c4d_${'z'.repeat(43)}`)).toBe('patt_1a2b3c4d');
    expect(() => normalisePrefix('nope')).toThrow(CliUsageError);
  });
});

describe('the commander program', () => {
  it('runs "api-key create" for the configured guild and prints the key', async () => {
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await buildProgram().parseAsync(['node', 'patt', 'api-key', 'create', '--name', 'cli e2e', '--scopes', 'sync:trigger'], { from: 'node' });
    } finally {
      write.mockRestore();
    }
    const key = out.join('').match(KEY_IN_TEXT)![0];
    const config = loadConfig(process.env);
    const guildId = await ensureGuild(knex, { region: config.blizzard.region, realmSlug: config.guild.realmSlug, nameSlug: config.guild.nameSlug });
    const row = await knex('api_keys').where({ key_prefix: key.slice(0, 13) }).first('guild_id', 'scopes', 'name');
    expect(row).toEqual({ guild_id: guildId, scopes: ['sync:trigger'], name: 'cli e2e' });
  });

  it('fails on an unknown scope with a CliUsageError naming it', async () => {
    await expect(
      buildProgram().parseAsync(['node', 'patt', 'api-key', 'create', '--name', 'x', '--scopes', 'root'], { from: 'node' }),
    ).rejects.toThrow('Unknown scope "root"');
  });
});
