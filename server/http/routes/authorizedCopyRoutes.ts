import { z } from 'zod';
import type { Services } from '../../services.ts';
import { contentDisposition } from '../byteRange.ts';
import type { FixedWindowLimiter } from '../fixedWindowLimiter.ts';
import { defineRoute, idParams, type RouteDef } from '../route.ts';
import { iuieSchema } from '../../../standards/chile/caseFileMetadata.ts';

const ISSUERS = ['system', 'clerk', 'records_officer'] as const;
const issuedOut = z
  .object({ id: z.uuid(), code: z.string(), verifyUrl: z.string(), sha256: z.string(), size: z.number(), issuedAt: z.string() })
  .meta({ id: 'AuthorizedCopy' });
const verificationOut = z.looseObject({ authentic: z.literal(true), kind: z.string(), identifier: z.string(), issuer: z.object({ code: z.string(), name: z.string() }) }).meta({ id: 'CopyVerification' });

/** `limiter` bounds lookups of /verify/{code} per address; the public web page of the same URL shares it. */
export function authorizedCopyRoutes(s: Services, limiter: FixedWindowLimiter): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/documents/:id/versions/:n/authorized-copies',
      tag: 'copias autorizadas',
      summary: 'Emite una copia autorizada de una versión PDF: pie con código y URL de verificación en cada página, página de certificado y sello del órgano.',
      auth: { roles: ISSUERS },
      params: z.strictObject({ id: z.uuid(), n: z.coerce.number().int().min(1).max(1_000_000) }),
      responses: { 201: { description: 'Copia emitida; descárguela en /v1/authorized-copies/{id}/content', schema: issuedOut } },
      async handler(ctx, { params }, actor) {
        const copy = await s.copies.issueForVersion(actor, params.id, params.n);
        ctx.status = 201;
        ctx.set('Location', `/v1/authorized-copies/${copy.id}/content`);
        ctx.body = copy;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/documents/:id/versions/:n/authorized-copies',
      tag: 'copias autorizadas',
      summary: 'Las copias autorizadas emitidas de una versión, las más recientes primero (sin sus códigos, que no se guardan).',
      auth: { roles: [] },
      params: z.strictObject({ id: z.uuid(), n: z.coerce.number().int().min(1).max(1_000_000) }),
      responses: { 200: { description: 'Las copias', schema: z.object({ items: z.array(issuedOut.omit({ code: true, verifyUrl: true })) }) } },
      async handler(ctx, { params }, actor) {
        ctx.body = { items: await s.copies.listForVersion(actor, params.id, params.n) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/case-files/:iuie/authorized-copies',
      tag: 'copias autorizadas',
      summary: 'Emite una copia autorizada de un expediente: su último índice sellado en PDF, con código y URL de verificación.',
      auth: { roles: ISSUERS },
      params: z.strictObject({ iuie: iuieSchema }),
      responses: { 201: { description: 'Copia emitida', schema: issuedOut } },
      async handler(ctx, { params }, actor) {
        const copy = await s.copies.issueForCaseFile(actor, params.iuie);
        ctx.status = 201;
        ctx.set('Location', `/v1/authorized-copies/${copy.id}/content`);
        ctx.body = copy;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/authorized-copies/:id/content',
      tag: 'copias autorizadas',
      summary: 'Descarga el PDF de una copia autorizada emitida por su agencia.',
      auth: { roles: [] },
      params: idParams,
      responses: { 200: { description: 'PDF sellado', contentType: 'application/pdf' } },
      async handler(ctx, { params }, actor) {
        const { sha256, body } = await s.copies.content(actor, params.id);
        ctx.type = 'application/pdf';
        ctx.set('ETag', `"${sha256}"`);
        ctx.set('Content-Disposition', contentDisposition(`copia-autorizada-${params.id}.pdf`, 'copia-autorizada.pdf'));
        ctx.body = body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/verify/:code',
      tag: 'copias autorizadas',
      summary: 'Verificación pública (sin credenciales) de una copia autorizada por su código; limitada por dirección de origen.',
      auth: 'public',
      params: z.strictObject({ code: z.string().min(1).max(64) }),
      responses: { 200: { description: 'La copia es auténtica', schema: verificationOut } },
      async handler(ctx, { params }) {
        limiter.take(ctx.ip);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await s.copies.verify(params.code);
      },
    }),
  ];
}
