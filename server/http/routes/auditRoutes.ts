import { z } from 'zod';
import type { Services } from '../../services.ts';
import type { Db } from '../../db/Db.ts';
import { chainOf } from '../../features/audit/auditService.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { dateRangeQuery, defineRoute, fromBeforeTo, pageQuery, type RouteDef } from '../route.ts';
import { auditEventOut, pageOf } from '../schemas.ts';

export function auditRoutes(s: Services, db: Db): RouteDef[] {
  const auditors = { roles: ['auditor', 'admin'] as const };
  return [
    defineRoute({
      method: 'get',
      path: '/v1/audit-events',
      tag: 'auditoría',
      summary: 'Lista los eventos de auditoría de la agencia, en orden, con filtros.',
      auth: auditors,
      query: z
        .strictObject({
          ...pageQuery,
          action: z.string().max(100).optional(),
          targetType: z.string().max(100).optional(),
          targetId: z.string().max(200).optional(),
          actorId: z.uuid().optional(),
          ...dateRangeQuery,
        })
        .refine(...fromBeforeTo),
      responses: { 200: { description: 'Página de eventos', schema: pageOf(auditEventOut) } },
      async handler(ctx, { query }, actor) {
        const after = decodeCursor(query.cursor, 'int');
        const rows = await s.audit.list(db, {
          agencyId: actor.agencyId,
          action: query.action,
          targetType: query.targetType,
          targetId: query.targetId,
          actorId: query.actorId,
          from: query.from,
          to: query.to,
          afterId: after === undefined ? undefined : Number(after),
          limit: query.limit + 1,
        });
        ctx.body = toPage(rows, query.limit, (e) => String(e.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/verify',
      tag: 'auditoría',
      summary: 'Recorre la cadena de auditoría de la agencia y verifica cada eslabón.',
      auth: auditors,
      responses: {
        200: {
          description: 'Resultado: ok, eventos revisados y el primer evento que no cuadra',
          schema: z.object({
            chain: z.string(),
            ok: z.boolean(),
            checked: z.number().int(),
            firstBad: z.object({ chainSeq: z.number().int(), id: z.number().int().nullable(), reason: z.string() }).optional(),
          }),
        },
      },
      async handler(ctx, _input, actor) {
        ctx.body = await s.audit.verifyChain(db, chainOf(actor.agencyId));
      },
    }),
  ];
}
