import type { Knex } from 'knex';
import { freshGuild, testKnex } from '../../../test/db';
import { createApiKey } from './createApiKey';
import { findApiKey, recordApiKeyUse } from './findApiKey';

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(async () => {
  await knex.destroy();
});

describe('findApiKey', () => {
  it('finds the row of a raw key by its hash', async () => {
    const g = await freshGuild(knex, 'find');
    const created = await createApiKey(knex, { guildId: g.id, name: 'bot', scopes: ['read'] });
    const row = await findApiKey(knex, created.key);
    expect(row).toMatchObject({ id: created.id, guild_id: g.id, name: 'bot', key_prefix: created.prefix, scopes: ['read'], revoked_at: null });
  });

  it('returns null for a well-formed key nobody minted, and for a string not shaped like a key', async () => {
    expect(await findApiKey(knex, `patt_deadbeef_${'x'.repeat(43)}`)).toBeNull();
    expect(await findApiKey(knex, 'hunter2')).toBeNull();
    expect(await findApiKey(knex, '')).toBeNull();
  });

  it('returns a revoked key as it is, revoked_at set, so the caller can refuse it', async () => {
    const g = await freshGuild(knex, 'revoked');
    const created = await createApiKey(knex, { guildId: g.id, name: 'old', scopes: ['read'] });
    await knex('api_keys').where({ id: created.id }).update({ revoked_at: knex.fn.now() });
    expect((await findApiKey(knex, created.key))?.revoked_at).toBeInstanceOf(Date);
  });
});

describe('recordApiKeyUse', () => {
  it('stamps last_used_at at most once a minute per key', async () => {
    const g = await freshGuild(knex, 'used');
    const created = await createApiKey(knex, { guildId: g.id, name: 'x', scopes: ['read'] });
    const t0 = new Date();
    expect(await recordApiKeyUse(knex, { id: created.id, last_used_at: null }, t0)).toBe(true);
    // A second request that read the row before the first stamp landed: the WHERE stops it.
    expect(await recordApiKeyUse(knex, { id: created.id, last_used_at: null }, new Date(t0.getTime() + 1_000))).toBe(false);
    // The caller's row says the stamp is fresh: no query at all.
    expect(await recordApiKeyUse(knex, { id: created.id, last_used_at: t0 }, new Date(t0.getTime() + 30_000))).toBe(false);
    const later = new Date(t0.getTime() + 61_000);
    expect(await recordApiKeyUse(knex, { id: created.id, last_used_at: t0 }, later)).toBe(true);
    const row = await knex('api_keys').where({ id: created.id }).first('last_used_at');
    expect(row.last_used_at.getTime()).toBe(later.getTime());
  });
});
