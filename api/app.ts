import Router from '@koa/router';
import Koa, { type Middleware, type ParameterizedContext } from 'koa';
import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Logger } from '../config/logger';
import type { ApiKeyScope } from '../db/operations/apiKeys/createApiKey';
import type { AddonImportControl } from '../temporal/addonImportControl';
import type { AuditControl } from '../temporal/auditControl';
import type { IdentityControl } from '../temporal/identityControl';
import type { SheetImportControl } from '../temporal/sheetImportControl';
import type { DiscordSyncControl } from '../temporal/discordSyncControl';
import type { RosterSyncControl } from '../temporal/rosterSyncControl';
import { methodNotAllowed, notFound } from './errors';
import { errorHandler } from './middleware/errorHandler';
import { requestId } from './middleware/requestId';
import { requestLogger } from './middleware/requestLogger';
import { serviceHealth } from './middleware/serviceHealth';
import { addonUploadRoutes } from './routes/addonUpload';
import { docsRoutes } from './routes/docs';
import { guildSyncRoutes } from './routes/guildSync';
import { healthRoutes } from './routes/health';
import { identityRoutes } from './routes/identity';
import { auditRoutes } from './routes/audit';

/** The key a request authenticated with (set by requireApiKey). */
export interface AuthenticatedApiKey {
  id: number;
  prefix: string;
  name: string;
  scopes: ApiKeyScope[];
}

/** ctx.state of every request: typed once here, so handlers never cast ctx. */
export interface ApiState {
  requestId: string;
  apiKey?: AuthenticatedApiKey;
  /** The parsed JSON body, on routes that take one (set by jsonBody after the key is checked). */
  body?: unknown;
}

export interface ApiDeps {
  knex: Knex;
  config: Config;
  logger: Logger;
  rosterSync: RosterSyncControl;
  discordSync: DiscordSyncControl;
  addonImport: AddonImportControl;
  audit: AuditControl;
  /** The identity step after officers' decisions, on Temporal (absent: treated as Temporal not answering). */
  identity?: IdentityControl;
  /** Recorded sheet imports, imported on Temporal (absent: treated as Temporal not answering). */
  sheetImport?: SheetImportControl;
  /** The guild this API serves; API keys of other guilds are refused. */
  guildId: number;
}

/**
 * Turns what no route answered into JSON errors: a path nobody serves (404), and the router's
 * bodiless 405/501 answers (allowedMethods). A method the router does not know at all (TRACE,
 * PROPFIND, …) is a 405 like any other on a served path, with its Allow header: the server
 * implements the path, just not that method. On a path nobody serves it stays a 404.
 */
function unanswered(): Middleware<ApiState> {
  return async function unanswered(ctx, next) {
    await next();
    if (ctx.body !== undefined && ctx.body !== null) return;
    if (ctx.status === 404) throw notFound(ctx.method, ctx.path);
    if (ctx.status === 405 || ctx.status === 501) {
      const allowed = ctx.response.get('Allow');
      if (!allowed) throw notFound(ctx.method, ctx.path);
      throw methodNotAllowed(ctx.method, ctx.path, allowed);
    }
  };
}

export function createApp(deps: ApiDeps): Koa<ApiState> {
  const app = new Koa<ApiState>();

  // The error handler re-emits every error here; this is where they are logged.
  app.on('error', (err: unknown, ctx?: ParameterizedContext<ApiState>) => {
    const status = ctx?.status ?? 500;
    const fields = { err, requestId: ctx?.state.requestId, method: ctx?.method, path: ctx?.path, status };
    if (status >= 500) deps.logger.error(fields, `request failed (request id ${fields.requestId ?? 'none'})`);
    else deps.logger.debug(fields, 'request refused');
  });

  const api = new Router<ApiState>({ prefix: '/api' });
  api.use(healthRoutes(deps).routes());
  api.use(guildSyncRoutes(deps).routes());
  api.use(addonUploadRoutes(deps).routes());
  api.use(identityRoutes(deps).routes());
  api.use(auditRoutes(deps).routes());
  api.use(docsRoutes().routes());

  app.use(requestId());
  app.use(requestLogger(deps.logger));
  app.use(errorHandler());
  app.use(serviceHealth(deps));
  app.use(unanswered());
  // No global body parser: each route reads its own body after its API key is checked (jsonBody,
  // or the addon upload's raw file), so a request without a key never has its body read.
  app.use(api.routes());
  app.use(api.allowedMethods());
  return app;
}
