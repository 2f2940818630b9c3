import Router from '@koa/router';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { ApiDeps, ApiState } from '../app';
import { DEPENDENCIES, serviceHealthFor } from '../middleware/serviceHealth';

/** /api/health probes at most this often; the companion and load balancers may poll it every second. */
const HEALTH_MAX_AGE_MS = 1_000;

const upDown = z.enum(['ok', 'down']);
export const healthResponseSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    database: upDown,
    temporal: upDown,
    down: z.array(z.enum(['postgres', 'temporal'])).meta({ description: 'What does not answer ([] when everything does)' }),
    message: z.string().optional().meta({ description: 'When degraded: what is down, where, and what to do' }),
  })
  .meta({ id: 'Health' });
type HealthResponse = z.infer<typeof healthResponseSchema>;

export const healthOpenApi: RouteConfig[] = [
  {
    method: 'get',
    path: '/api/health',
    tags: ['health'],
    summary: 'Readiness: can the API do its work?',
    description:
      'No API key needed. Checks PostgreSQL (select 1) and Temporal (a schedule describe), each within 2 s; answers are reused ' +
      `for ${HEALTH_MAX_AGE_MS} ms. 503 names what is down; every other route that needs it answers 503 SERVICE_UNAVAILABLE meanwhile. ` +
      'For liveness, any HTTP answer (503 too) means the API process itself is up.',
    responses: {
      200: { description: 'Everything answers', content: { 'application/json': { schema: healthResponseSchema } } },
      503: { description: 'PostgreSQL or Temporal is down (down names it)', content: { 'application/json': { schema: healthResponseSchema } } },
    },
  },
];

/**
 * GET /health is the readiness check: 200, or 503 naming what is down. Liveness needs no route of
 * its own: any HTTP answer from here (503 included) means the API process is alive and serving.
 */
export function healthRoutes(deps: Pick<ApiDeps, 'knex' | 'rosterSync' | 'logger' | 'config'>): Router<ApiState> {
  const router = new Router<ApiState>();
  const health = serviceHealthFor(deps);

  router.get('/health', async (ctx) => {
    const report = await health.check(HEALTH_MAX_AGE_MS);
    const down = DEPENDENCIES.filter((d) => !report[d].up);
    const body: HealthResponse = {
      status: down.length === 0 ? 'ok' : 'degraded',
      database: report.postgres.up ? 'ok' : 'down',
      temporal: report.temporal.up ? 'ok' : 'down',
      down,
      ...(down.length ? { message: `${down.map((d) => health.describe(d, report[d].why)).join('; ')}.` } : {}),
    };
    ctx.status = down.length === 0 ? 200 : 503;
    if (down.length) ctx.set('Retry-After', '5');
    ctx.body = body;
  });

  return router;
}
