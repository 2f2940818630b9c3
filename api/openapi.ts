import { OpenAPIRegistry, OpenApiGeneratorV3, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { addonUploadOpenApi } from './routes/addonUpload';
import { identityOpenApi } from './routes/identity';
import { auditOpenApi } from './routes/audit';
import { guildSyncOpenApi } from './routes/guildSync';
import { healthOpenApi } from './routes/health';

/**
 * Every documented route, from the zod schemas the handlers validate with. Schemas carry their
 * OpenAPI details through zod's own .meta() (read by zod-to-openapi 9), so no prototype patching
 * (extendZodWithOpenApi) has to run before the route modules load. A new route module adds its
 * RouteConfig list here.
 */
const ROUTES: RouteConfig[] = [...healthOpenApi, ...guildSyncOpenApi, ...addonUploadOpenApi, ...identityOpenApi, ...auditOpenApi];

const MINT_HINT = 'Mint a key with `npm run cli -- api-key create --name <who> --scopes <scope,…>`; it is shown once.';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV3['generateDocument']>;

export function buildOpenApiDocument(): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: `API key as \`Authorization: Bearer patt_…\`. Each route names the scope it needs. ${MINT_HINT}`,
  });
  registry.registerComponent('securitySchemes', 'apiKeyHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: `The same API key in an X-API-Key header, for clients that cannot set Authorization. ${MINT_HINT}`,
  });
  for (const route of ROUTES) registry.registerPath(route);
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'PATT Guild Sync API',
      version: '1',
      description:
        'Roster sync for Pull All The Things. Every answer is JSON; errors are `{ error: { code, message, details?, requestId } }`. ' +
        'Scopes: read, sync:trigger, addon:upload, identity:write. ' +
        'Inputs are bounded: ids are whole numbers from 1 to 2147483647 (PostgreSQL integer); text is trimmed, has a maximum length, and refuses NUL (the pattern) and lone UTF-16 surrogates such as `\\ud800` in JSON (not valid Unicode, so no pattern can name them); pages run to 10000 and 200 items. ' +
        'The key is checked before a body is read (401 before 400). A body must come as `Content-Type: application/json` (UTF-8, at most 1 MB), except the addon upload, which takes the file as `application/octet-stream` or `text/plain`: another type is 415 UNSUPPORTED_MEDIA_TYPE. ' +
        'A method a path does not serve is 405 METHOD_NOT_ALLOWED with `Allow`; a path nobody serves is 404.',
    },
    // No servers entry: Swagger UI then calls the host it was loaded from, whatever name that is.
  });
}
