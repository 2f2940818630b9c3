import type { Knex } from 'knex';
import { freshGuild, testKnex } from '../../../test/db';
import { API_KEY_PATTERN, createApiKey, hashApiKey } from './createApiKey';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

describe('createApiKey', () => {
  it('mints patt_<8 hex>_<base64url> keys with at least 32 random characters', async () => {
    const g = await freshGuild(knex, 'mint');
    const created = await createApiKey(knex, { guildId: g.id, name: 'companion', scopes: ['addon:upload'] });
    expect(created.key).toMatch(/^patt_[0-9a-f]{8}_[A-Za-z0-9_-]{32,}$/);
    expect(created.key).toMatch(API_KEY_PATTERN);
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    const other = await createApiKey(knex, { guildId: g.id, name: 'companion 2', scopes: ['read'] });
    expect(other.key).not.toBe(created.key);
    expect(other.prefix).not.toBe(created.prefix);
  });

  it('stores only the SHA-256 of the key: the key itself appears nowhere in api_keys', async () => {
    const g = await freshGuild(knex, 'hash');
    const created = await createApiKey(knex, { guildId: g.id, name: 'officer', scopes: ['read', 'sync:trigger'] });
    const secret = created.key.slice(created.prefix.length + 1);
    const { rows } = await knex.raw('select row_to_json(k)::text as json, key_hash from api_keys k where id = ?', [created.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].json).not.toContain(created.key);
    expect(rows[0].json).not.toContain(secret);
    expect(rows[0].key_hash).toBe(hashApiKey(created.key));
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('deduplicates scopes', async () => {
    const g = await freshGuild(knex, 'dedupe');
    const created = await createApiKey(knex, { guildId: g.id, name: 'x', scopes: ['read', 'read', 'sync:trigger'] });
    expect(created.scopes).toEqual(['read', 'sync:trigger']);
    const row = await knex('api_keys').where({ id: created.id }).first('scopes');
    expect(row.scopes).toEqual(['read', 'sync:trigger']);
  });

  it('refuses a scope outside the closed list, naming it, and stores nothing', async () => {
    const g = await freshGuild(knex, 'badscope');
    // A ZodError: an API route minting keys would answer it as 400 VALIDATION_FAILED.
    await expect(createApiKey(knex, { guildId: g.id, name: 'x', scopes: ['read', 'admin'] })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: [1], message: expect.stringContaining('Unknown scope "admin"') })],
    });
    await expect(createApiKey(knex, { guildId: g.id, name: 'x', scopes: [] })).rejects.toThrow(/at least one scope/);
    expect(await knex('api_keys').where({ guild_id: g.id }).count('* as n')).toEqual([{ n: 0 }]);
  });
});
