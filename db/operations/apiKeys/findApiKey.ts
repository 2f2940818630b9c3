import type { Knex } from 'knex';
import { API_KEY_PATTERN, hashApiKey } from './createApiKey';

export interface ApiKeyRow {
  id: number;
  guild_id: number;
  name: string;
  key_prefix: string;
  key_hash: string;
  scopes: string[];
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The key row whose hash matches the raw key (one indexed lookup on api_keys_hash_uniq), or null.
 * A string not shaped like a key is null without a query. Revoked keys and other guilds' keys are
 * returned as they are: the caller decides, and can log why it refused.
 */
export async function findApiKey(knex: Knex | Knex.Transaction, rawKey: string): Promise<ApiKeyRow | null> {
  if (!API_KEY_PATTERN.test(rawKey)) return null;
  const row: ApiKeyRow | undefined = await knex('api_keys').where({ key_hash: hashApiKey(rawKey) }).first();
  return row ?? null;
}

export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Stamps last_used_at, at most once a minute per key: the caller's row says whether the stamp is
 * stale (no query at all on most requests), and the WHERE keeps concurrent requests to one write.
 * Returns whether it wrote.
 */
export async function recordApiKeyUse(
  knex: Knex | Knex.Transaction,
  key: Pick<ApiKeyRow, 'id' | 'last_used_at'>,
  now: Date = new Date(),
): Promise<boolean> {
  if (key.last_used_at && now.getTime() - key.last_used_at.getTime() < LAST_USED_RESOLUTION_MS) return false;
  const updated = await knex('api_keys')
    .where({ id: key.id })
    .andWhere((q) =>
      q.whereNull('last_used_at').orWhere('last_used_at', '<', new Date(now.getTime() - LAST_USED_RESOLUTION_MS)),
    )
    .update({ last_used_at: now });
  return updated > 0;
}
