import Router from '@koa/router';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { ApiDeps, ApiState } from '../app';
import { withTimeout } from '../withTimeout';

const CHECK_TIMEOUT_MS = 2_000;

const upDown = z.enum(['ok', 'down']);
export const healthResponseSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    database: upDown,
    temporal: upDown,
  })
  .meta({ id: 'Health' });
type HealthResponse = z.infer<typeof healthResponseSchema>;

export const healthOpenApi: RouteConfig[] = [
  {
    method: 'get',
    path: '/api/health',
    tags: ['health'],
    summary: 'Is the API able to work?',
    description: `No API key needed. Checks the database (select 1) and the Temporal server, each within ${CHECK_TIMEOUT_MS} ms.`,
    responses: {
      200: { description: 'Everything answers', content: { 'application/json': { schema: healthResponseSchema } } },
      503: { description: 'The database or Temporal is down', content: { 'application/json': { schema: healthResponseSchema } } },
    },
  },
];

/** GET /health: 200 when the database and Temporal answer, else 503 naming which one is down. */
export function healthRoutes(deps: Pick<ApiDeps, 'knex' | 'rosterSync' | 'logger'>): Router<ApiState> {
  const router = new Router<ApiState>();

  async function check(what: string, probe: () => Promise<unknown>, requestId: string): Promise<'ok' | 'down'> {
    try {
      await withTimeout(probe(), CHECK_TIMEOUT_MS, what);
      return 'ok';
    } catch (err) {
      deps.logger.warn({ err, requestId }, `health: ${what} is down`);
      return 'down';
    }
  }

  router.get('/health', async (ctx) => {
    const [database, temporal] = await Promise.all([
      check('the database', () => deps.knex.raw('select 1'), ctx.state.requestId),
      // schedule() is a cheap describe call; null (no schedule yet) still means Temporal answered.
      check('the Temporal server', () => deps.rosterSync.schedule(), ctx.state.requestId),
    ]);
    const body: HealthResponse = { status: database === 'ok' && temporal === 'ok' ? 'ok' : 'degraded', database, temporal };
    ctx.status = body.status === 'ok' ? 200 : 503;
    ctx.body = body;
  });

  return router;
}
