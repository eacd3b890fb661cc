import { z } from 'zod';
import { ServiceUnavailableError } from '../../errors.ts';
import { defineRoute, type RouteDef } from '../route.ts';

export type ReadinessChecks = Record<string, () => Promise<void>>;

/** Sources of Prometheus text for /metrics, each rendering its own metric families. */
export type MetricsSources = Array<() => Promise<string>>;

/** Liveness, readiness, metrics and the API description. The /docs page itself is static (see docsPage.ts). */
export function systemRoutes(checks: ReadinessChecks, openapi: () => Record<string, unknown>, metrics: MetricsSources = []): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      tag: 'sistema',
      summary: 'El proceso está vivo.',
      auth: 'public',
      responses: { 200: { description: 'Vivo', schema: z.object({ status: z.literal('ok') }) } },
      async handler(ctx) {
        ctx.body = { status: 'ok' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      tag: 'sistema',
      summary: 'La base de datos y el almacén de objetos responden.',
      auth: 'public',
      responses: { 200: { description: 'Listo', schema: z.object({ status: z.literal('ok'), checks: z.record(z.string(), z.literal('ok')) }) } },
      async handler(ctx) {
        const results: Record<string, string> = {};
        const failures: string[] = [];
        for (const [name, check] of Object.entries(checks)) {
          try {
            await check();
            results[name] = 'ok';
          } catch (err) {
            ctx.state.log.warn({ err, check: name }, 'chequeo de disponibilidad fallido');
            failures.push(name);
          }
        }
        if (failures.length) throw new ServiceUnavailableError(`No disponible: ${failures.join(', ')} no responde(n). Revise los registros del servicio.`);
        ctx.body = { status: 'ok', checks: results };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      tag: 'sistema',
      summary: 'Métricas en formato de texto de Prometheus (legajo_fixity_*: verificaciones de fijeza y objetos dañados).',
      // Counts only, no records: scraped like /healthz, without a key.
      auth: 'public',
      responses: { 200: { description: 'Métricas', contentType: 'text/plain; version=0.0.4' } },
      async handler(ctx) {
        const parts = await Promise.all(metrics.map((source) => source()));
        ctx.type = 'text/plain; version=0.0.4; charset=utf-8';
        ctx.body = parts.join('');
      },
    }),
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      tag: 'sistema',
      summary: 'Descripción OpenAPI 3.1 de esta API.',
      auth: 'public',
      responses: { 200: { description: 'Documento OpenAPI' } },
      async handler(ctx) {
        ctx.body = openapi();
      },
    }),
  ];
}
