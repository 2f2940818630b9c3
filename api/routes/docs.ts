import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import type { ApiState } from '../app';
import { buildOpenApiDocument } from '../openapi';

/** swagger-ui-dist ships the built UI; served from node_modules so the docs work offline. */
const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** Only these files are served: a fixed list, never a path taken from the request. */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-16x16.png', 'favicon-32x32.png']);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>PATT Guild Sync API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/swagger-initializer.js"></script>
</body>
</html>
`;

// A file of its own rather than an inline script, so a Content-Security-Policy can forbid inline code.
const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/api/docs/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
};
`;

/** GET /docs (Swagger UI), /docs/openapi.json, and the UI's static files. No API key needed. */
export function docsRoutes(): Router<ApiState> {
  const router = new Router<ApiState>();
  const document = buildOpenApiDocument();

  router.get('/docs/openapi.json', (ctx) => {
    ctx.body = document;
  });

  router.get('/docs', (ctx) => {
    ctx.type = 'html';
    ctx.body = PAGE;
  });

  router.get('/docs/swagger-initializer.js', (ctx) => {
    ctx.type = 'js';
    ctx.body = INITIALIZER;
  });

  router.get('/docs/:file', async (ctx, next) => {
    const file = ctx.params.file;
    if (!file || !ASSETS.has(file)) return next(); // falls through to the JSON 404
    ctx.type = path.extname(file);
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = fs.createReadStream(path.join(SWAGGER_DIR, file));
  });

  return router;
}
