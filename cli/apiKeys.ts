import type { Knex } from 'knex';
import { z } from 'zod';
import {
  API_KEY_PATTERN,
  API_KEY_SCOPES,
  apiKeyScopeSchema,
  createApiKey,
  type ApiKeyScope,
} from '../db/operations/apiKeys/createApiKey';

/** A mistake of the person at the keyboard: printed as one line, exit code 1, no stack. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export interface ApiKeyCliDeps {
  knex: Knex;
  guildId: number;
  guildKey: string;
}

const scopeListSchema = z
  .array(apiKeyScopeSchema)
  .min(1, `Give at least one scope: ${API_KEY_SCOPES.join(', ')}`);

/** "read, sync:trigger" → ['read', 'sync:trigger']; an unknown scope is named in the error. */
export function parseScopes(list: string): ApiKeyScope[] {
  const items = list
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const parsed = scopeListSchema.safeParse(items);
  if (!parsed.success) throw new CliUsageError(parsed.error.issues.map((i) => i.message).join('; '));
  return [...new Set(parsed.data)];
}

/** Mints a key and returns the text to print: the only time the key is ever shown. */
export async function createApiKeyCommand(deps: ApiKeyCliDeps, opts: { name: string; scopes: string }): Promise<string> {
  const scopes = parseScopes(opts.scopes);
  const name = opts.name.trim();
  if (!name) throw new CliUsageError('Give the key a --name saying who or what holds it, e.g. --name "Rocket companion app"');
  const created = await createApiKey(deps.knex, { guildId: deps.guildId, name, scopes });
  return [
    `API key created for guild ${deps.guildKey}`,
    `  name:   ${created.name}`,
    `  prefix: ${created.prefix}`,
    `  scopes: ${created.scopes.join(', ')}`,
    '',
    `  ${created.key}`,
    '',
    'Copy it now: it is shown only this once and is NOT stored (the database keeps only its SHA-256 hash).',
    'If it is lost, revoke it and create another. Send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
  ].join('\n');
}

interface ListedKey {
  key_prefix: string;
  name: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) + 'Z' : '-');

/** A table of the guild's keys: prefix, name, scopes, created, last used, revoked. Never the key. */
export async function listApiKeysCommand(deps: ApiKeyCliDeps): Promise<string> {
  const rows: ListedKey[] = await deps.knex('api_keys')
    .where({ guild_id: deps.guildId })
    .orderBy('created_at')
    .select('key_prefix', 'name', 'scopes', 'created_at', 'last_used_at', 'revoked_at');
  if (rows.length === 0) {
    return `No API keys for guild ${deps.guildKey}. Create one with: npm run cli -- api-key create --name <who> --scopes <${API_KEY_SCOPES.join('|')}>`;
  }
  const table = [
    ['PREFIX', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
    ...rows.map((r) => [r.key_prefix, r.name, r.scopes.join(','), when(r.created_at), when(r.last_used_at), when(r.revoked_at)]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  return table.map((row) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n');
}

/** "patt_1a2b3c4d", "1a2b3c4d" or a whole key → "patt_1a2b3c4d". */
export function normalisePrefix(input: string): string {
  const s = input.trim();
  const whole = API_KEY_PATTERN.exec(s);
  if (whole) return whole[1]!;
  const m = /^(?:patt_)?([0-9a-f]{8})_?$/.exec(s);
  if (!m) throw new CliUsageError(`"${input}" is not a key prefix: expected patt_ and 8 hex digits, as "api-key list" shows`);
  return `patt_${m[1]}`;
}

/** Revokes the guild's key with this prefix; revoking twice is not an error. */
export async function revokeApiKeyCommand(deps: ApiKeyCliDeps, prefixInput: string): Promise<string> {
  const prefix = normalisePrefix(prefixInput);
  const matches: { id: number; name: string; revoked_at: Date | null }[] = await deps.knex('api_keys')
    .where({ guild_id: deps.guildId, key_prefix: prefix })
    .select('id', 'name', 'revoked_at');
  if (matches.length === 0) {
    throw new CliUsageError(`No API key ${prefix} in guild ${deps.guildKey}; "npm run cli -- api-key list" shows the keys`);
  }
  if (matches.length > 1) {
    throw new CliUsageError(`${matches.length} keys share the prefix ${prefix}; revoke them in the database by id: ${matches.map((m) => m.id).join(', ')}`);
  }
  const key = matches[0]!;
  if (key.revoked_at) return `API key ${prefix} (${key.name}) was already revoked at ${when(key.revoked_at)}.`;
  await deps.knex('api_keys').where({ id: key.id }).update({ revoked_at: deps.knex.fn.now(), updated_at: deps.knex.fn.now() });
  return `Revoked API key ${prefix} (${key.name}). Requests with it now get 401 API_KEY_INVALID.`;
}
