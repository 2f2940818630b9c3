import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';

/** The closed list of scopes a key can carry; routes name one each. */
export const API_KEY_SCOPES = ['read', 'sync:trigger', 'addon:upload', 'identity:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const apiKeyScopeSchema = z.enum(API_KEY_SCOPES, {
  error: (issue) => `Unknown scope ${JSON.stringify(issue.input)}: choose from ${API_KEY_SCOPES.join(', ')}`,
});

/** patt_<8 hex>_<43 base64url>: the prefix lets an officer recognise a key in lists. */
export const API_KEY_PATTERN = /^(patt_[0-9a-f]{8})_[A-Za-z0-9_-]{32,}$/;

/** Keys are random 256-bit secrets, so a plain SHA-256 (no salt, no slow hash) is enough to store them. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export interface CreatedApiKey {
  id: number;
  /** The raw key. It exists only in this return value: the database keeps its hash. */
  key: string;
  prefix: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
}

/**
 * Mints a key for a guild and stores only its SHA-256 and prefix. Scopes are checked against
 * API_KEY_SCOPES and deduplicated; a prefix already in use is drawn again, so a prefix names one key.
 */
export async function createApiKey(
  knex: Knex | Knex.Transaction,
  input: { guildId: number; name: string; scopes: readonly string[] },
): Promise<CreatedApiKey> {
  const name = z.string().trim().min(1, 'name must not be empty').max(200).parse(input.name);
  const scopes = [...new Set(z.array(apiKeyScopeSchema).min(1, 'give at least one scope').parse(input.scopes))];

  for (let attempt = 0; attempt < 5; attempt++) {
    const prefix = `patt_${randomBytes(4).toString('hex')}`;
    const taken = await knex('api_keys').where({ key_prefix: prefix }).first('id');
    if (taken) continue;
    const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
    const [row] = await knex('api_keys')
      .insert({ guild_id: input.guildId, name, key_prefix: prefix, key_hash: hashApiKey(key), scopes })
      .returning(['id', 'created_at']);
    return { id: row.id as number, key, prefix, name, scopes, createdAt: row.created_at as Date };
  }
  throw new Error('Could not draw an unused API key prefix in 5 attempts');
}
