import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import type { Logger } from '../../config/logger';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../db/operations/apiKeys/createApiKey';
import { findApiKey, recordApiKeyUse } from '../../db/operations/apiKeys/findApiKey';
import type { ApiState, AuthenticatedApiKey } from '../app';
import { apiKeyInvalid, apiKeyRequired, scopeRequired } from '../errors';

export interface RequireApiKeyDeps {
  knex: Knex;
  guildId: number;
  logger: Logger;
}

/** The key from `Authorization: Bearer <key>`, else `X-API-Key`; '' when neither is sent. */
function presentedKey(authorization: string, xApiKey: string): string | null {
  if (authorization) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return m ? m[1]! : null; // another scheme (Basic …) is a wrong key, not a missing one
  }
  return xApiKey.trim();
}

/**
 * Lets the request through only with a valid key of this guild that has `scope`; puts the key on
 * ctx.state.apiKey. The key is looked up once per request, and its last_used_at stamped at most
 * once a minute. next() runs outside any try: a later failure is never turned into a 401.
 */
export function requireApiKey(scope: ApiKeyScope, deps: RequireApiKeyDeps): Middleware<ApiState> {
  return async function requireApiKey(ctx, next) {
    if (!ctx.state.apiKey) {
      const raw = presentedKey(ctx.get('Authorization'), ctx.get('X-API-Key'));
      if (raw === '') throw apiKeyRequired(scope);
      const row = raw === null ? null : await findApiKey(deps.knex, raw);
      const refusal = !row ? 'unknown' : row.revoked_at ? 'revoked' : row.guild_id !== deps.guildId ? 'other guild' : null;
      if (!row || refusal) {
        deps.logger.debug({ requestId: ctx.state.requestId, keyPrefix: row?.key_prefix, refusal }, 'API key refused');
        throw apiKeyInvalid();
      }
      await recordApiKeyUse(deps.knex, row);
      ctx.state.apiKey = {
        id: row.id,
        prefix: row.key_prefix,
        name: row.name,
        // Scopes are a closed list; a value outside it (hand-edited row) grants nothing.
        scopes: row.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s)),
      } satisfies AuthenticatedApiKey;
    }
    if (!ctx.state.apiKey.scopes.includes(scope)) throw scopeRequired(scope, ctx.state.apiKey);
    await next();
  };
}

/** What the OpenAPI document says about a route guarded by requireApiKey(scope). */
export function apiKeyDoc(scope: ApiKeyScope): { security: Record<string, string[]>[]; scopeNote: string } {
  return {
    // Either scheme will do: two alternatives, not both at once.
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    scopeNote: `Requires an API key with scope \`${scope}\`.`,
  };
}
