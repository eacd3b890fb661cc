import { z } from 'zod';
import { iuieSchema } from '../../../standards/chile/caseFileMetadata.ts';
import { tarToZip } from '../../features/transfers/tarToZip.ts';
import { TRANSFER_STATES, type TransferCaseFile, type TransferRow } from '../../features/transfers/transferRepository.ts';
import type { Services } from '../../services.ts';
import { parseByteRange } from '../byteRange.ts';
import { idempotencyKey } from '../idempotencyKey.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { defineRoute, idParams, pageQuery, type RouteDef } from '../route.ts';
import { pageOf } from '../schemas.ts';

const ARCHIVISTS = ['archivist'] as const;
const READERS = ['archivist', 'records_officer', 'auditor'] as const;

const transferIn = z
  .strictObject({
    caseFiles: z.array(iuieSchema).min(1).max(10_000).optional().describe('IUIe de los expedientes cerrados a transferir'),
    series: z.string().trim().min(1).max(100).optional().describe('código de serie (MGDEE1_2): todos sus expedientes por transferir'),
  })
  .refine((b) => (b.caseFiles === undefined) !== (b.series === undefined), { message: 'indique caseFiles o series, no ambos ni ninguno', path: ['caseFiles'] });

const transferOut = z
  .looseObject({
    id: z.uuid(),
    state: z.enum(TRANSFER_STATES),
    objid: z.string(),
    caseFiles: z.array(z.object({ iuie: z.string(), indexVersion: z.number().int() })),
    series: z.string().nullable(),
    dispositionId: z.uuid().nullable(),
    progress: z.object({ filesDone: z.number().int(), filesTotal: z.number().int(), bytesDone: z.number().int(), bytesTotal: z.number().int() }),
    package: z.object({ sha256: z.string(), size: z.number().int(), href: z.string() }).nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'Transfer' });

const view = (t: TransferRow, caseFiles: TransferCaseFile[]) => ({
  id: t.id,
  state: t.state,
  objid: `urn:uuid:${t.id}`,
  caseFiles: caseFiles.map((c) => ({ iuie: c.iuie, indexVersion: c.indexVersion })),
  series: t.seriesCode,
  dispositionId: t.dispositionId,
  progress: { filesDone: t.filesDone, filesTotal: t.filesTotal, bytesDone: t.bytesDone, bytesTotal: t.bytesTotal },
  package: t.packageSha256 && t.packageSize !== null ? { sha256: t.packageSha256, size: t.packageSize, href: `/v1/transfers/${t.id}/package` } : null,
  error: t.error,
  createdBy: t.createdBy,
  createdAt: t.createdAt,
  finishedAt: t.finishedAt,
  confirmedAt: t.confirmedAt,
  receptionReference: t.receptionReference,
});

export function transferRoutes(s: Services): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/transfers',
      tag: 'archivo',
      summary: 'Pide la transferencia al Archivo Nacional de expedientes cerrados (o de una serie); el paquete E-ARK SIP 2.2 en BagIt se construye en segundo plano.',
      auth: { roles: ARCHIVISTS },
      body: transferIn,
      responses: { 202: { description: 'Transferencia encolada', schema: z.object({ id: z.uuid(), state: z.enum(TRANSFER_STATES) }) } },
      async handler(ctx, { body }, actor) {
        const answer = await s.transfers.create(actor, body.series !== undefined ? { series: body.series } : { caseFiles: body.caseFiles! }, idempotencyKey(ctx));
        const created = answer.body as { id: string };
        ctx.status = answer.status;
        if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.set('Location', `/v1/transfers/${created.id}`);
        ctx.body = answer.body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/transfers',
      tag: 'archivo',
      summary: 'Las transferencias de la agencia, la más reciente primero, con su estado y avance.',
      auth: { roles: READERS },
      query: z.strictObject(pageQuery),
      responses: { 200: { description: 'Página de transferencias', schema: pageOf(transferOut) } },
      async handler(ctx, { query }, actor) {
        const rows = await s.transfers.list(actor, { before: decodeCursor(query.cursor, 'uuid'), limit: query.limit });
        const page = toPage(rows, query.limit, (r) => r.transfer.id);
        ctx.body = { items: page.items.map((r) => view(r.transfer, r.caseFiles)), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/transfers/:id',
      tag: 'archivo',
      summary: 'Estado y avance de una transferencia; con el paquete listo, su SHA-256, tamaño y enlace de descarga.',
      auth: { roles: READERS },
      params: idParams,
      responses: { 200: { description: 'La transferencia', schema: transferOut } },
      async handler(ctx, { params }, actor) {
        const { transfer, caseFiles } = await s.transfers.get(actor, params.id);
        ctx.body = view(transfer, caseFiles);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/transfers/:id/package',
      tag: 'archivo',
      summary: 'Descarga el paquete: tar sin comprimir (admite Range, ETag = sha256 e If-None-Match) o, con format=zip, el mismo contenido en zip.',
      auth: { roles: READERS },
      params: idParams,
      query: z.strictObject({ format: z.enum(['tar', 'zip']).default('tar') }),
      responses: {
        200: { description: 'El paquete', contentType: 'application/x-tar' },
        206: { description: 'Rango solicitado del tar', contentType: 'application/x-tar' },
        304: { description: 'Sin cambios (If-None-Match coincide)' },
        409: { description: 'El paquete aún no está listo o la transferencia falló' },
        416: { description: 'Rango fuera del paquete' },
      },
      async handler(ctx, { params, query }, actor) {
        const t = await s.transfers.packageOf(actor, params.id);
        const name = `urn+uuid+${t.id}`;
        if (query.format === 'zip') {
          ctx.type = 'application/zip';
          ctx.set('Content-Disposition', `attachment; filename="${name}.zip"`);
          ctx.body = tarToZip(await s.transfers.download(actor, t));
          return;
        }
        const etag = `"${t.packageSha256}"`;
        ctx.set('ETag', etag);
        ctx.set('Accept-Ranges', 'bytes');
        ctx.set('Cache-Control', 'private, max-age=0, must-revalidate');
        const inm = ctx.get('if-none-match');
        if (inm && inm.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
          ctx.status = 304;
          return;
        }
        const range = parseByteRange(ctx.get('range') || undefined, t.packageSize);
        if (range.kind === 'unsatisfiable') {
          ctx.set('Content-Range', `bytes */${t.packageSize}`);
          ctx.status = 416;
          ctx.body = '';
          return;
        }
        const body = await s.transfers.download(actor, t, range.kind === 'range' ? range.range : undefined);
        ctx.type = 'application/x-tar';
        ctx.set('Content-Disposition', `attachment; filename="${name}.tar"`);
        if (range.kind === 'range') {
          ctx.status = 206;
          ctx.set('Content-Range', `bytes ${range.range.start}-${range.range.end}/${t.packageSize}`);
          ctx.length = range.range.end - range.range.start + 1;
        } else {
          ctx.status = 200;
          ctx.length = t.packageSize;
        }
        ctx.body = body;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/transfers/:id/confirm',
      tag: 'archivo',
      summary: 'Registra que el Archivo Nacional aceptó el paquete: la transferencia queda confirmada y sus expedientes, transferidos.',
      auth: { roles: ARCHIVISTS },
      params: idParams,
      body: z.strictObject({ receptionReference: z.string().trim().min(1).max(200).describe('referencia de recepción del Archivo Nacional (acta o número)') }),
      responses: { 200: { description: 'La transferencia confirmada', schema: transferOut } },
      async handler(ctx, { params, body }, actor) {
        const t = await s.transfers.confirm(actor, params.id, body.receptionReference);
        const { caseFiles } = await s.transfers.get(actor, t.id);
        ctx.body = view(t, caseFiles);
      },
    }),
  ];
}
