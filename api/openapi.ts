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
        'Scopes: read, sync:trigger, addon:upload, identity:write.',
    },
    // No servers entry: Swagger UI then calls the host it was loaded from, whatever name that is.
  });
}
