import { z } from 'zod';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Knex } from 'knex';
import type { Config } from '../../config.ts';
import { parseMetadata } from '../../features/documents/documentService.ts';
import type { DocumentRow, VersionRow } from '../../features/documents/documentRepository.ts';
import { discardIfUnreferenced } from '../../features/objects/objectGuard.ts';
import type { Services } from '../../services.ts';
import { contentDisposition, parseByteRange } from '../byteRange.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { readMultipartUpload } from '../readMultipartUpload.ts';
import { dateRangeQuery, defineRoute, fromBeforeTo, pageQuery, type RouteDef } from '../route.ts';
import { documentOut, documentSummaryOut, filedOut, pageOf, signatureReportOut, versionOut } from '../schemas.ts';
import type { Context } from 'koa';
import { ValidationError } from '../../errors.ts';
import { idempotencyKey } from '../idempotencyKey.ts';

const docParams = z.strictObject({ id: z.uuid() });
const versionParams = z.strictObject({ id: z.uuid(), n: z.coerce.number().int().min(1).max(1_000_000) });
const FILERS = ['system', 'clerk', 'records_officer'] as const;

const summary = ({ metadata: _m, createdBy: _c, seq: _s, agencyId: _a, ...rest }: DocumentRow) => rest;
const detail = ({ seq: _s, agencyId: _a, ...rest }: DocumentRow) => rest;
const versionView = ({ id: _i, documentId: _d, agencyId: _a, objectKey: _o, ...rest }: VersionRow) => rest;


export interface DocumentRouteDeps {
  services: Services;
  store: ObjectStore;
  knex: Knex;
  limits: Config['documents'];
}

export function documentRoutes({ services: s, store, knex, limits }: DocumentRouteDeps): RouteDef[] {
  const upload = (ctx: Context, fields: string[]) =>
    readMultipartUpload(ctx, store, { maxFileBytes: limits.maxUploadBytes, fields, maxFieldBytes: 256 * 1024 }, (put) => discardIfUnreferenced(knex, store, put));

  /** Runs the filing; if it fails, the uploaded object goes unless something references it. */
  const withUploadCleanup = async <T>(put: Parameters<typeof discardIfUnreferenced>[2], fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      await discardIfUnreferenced(knex, store, put);
      throw err;
    }
  };

  const sendFiled = (ctx: Context, answer: { status: number; body: unknown; replayed: boolean }) => {
    const body = answer.body as { document: DocumentRow; version: VersionRow; receipt: unknown };
    ctx.status = answer.status;
    if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.set('Location', `/v1/documents/${body.document.id}/versions/${body.version.number}`);
    ctx.body = { document: detail(body.document), version: versionView(body.version), receipt: body.receipt };
  };

  const missingFile = () => new ValidationError('Falta la parte "file" con el contenido del documento.', [{ field: 'file', message: 'obligatorio' }]);

  return [
    defineRoute({
      method: 'post',
      path: '/v1/documents',
      tag: 'documentos',
      summary: 'Ingresa un documento (multipart: "file" y "metadata" JSON con códigos MGDDE); crea la versión 1 y su certificado de presentación.',
      auth: { roles: FILERS },
      upload: { file: 'contenido del documento', metadata: 'JSON con los metadatos por código MGDDE' },
      responses: { 201: { description: 'Documento ingresado', schema: filedOut } },
      async handler(ctx, _input, actor) {
        const key = idempotencyKey(ctx);
        const { fields, file } = await upload(ctx, ['metadata']);
        if (!file) throw missingFile();
        const answer = await withUploadCleanup(file.put, () => s.documents.file(actor, file, parseMetadata(fields.metadata), key));
        sendFiled(ctx, answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/documents',
      tag: 'documentos',
      summary: 'Lista documentos de la agencia, los más recientes primero (sin contenido ni textos largos).',
      auth: { roles: [] },
      query: z
        .strictObject({
          ...pageQuery,
          q: z.string().trim().min(1).max(200).optional().describe('Texto en título, palabras clave o resumen'),
          series: z.string().max(100).optional(),
          type: z.coerce.number().int().min(1).max(42).optional(),
          // Creation date of the document (MGDDE4_1): from included, to excluded.
          ...dateRangeQuery,
        })
        .refine(...fromBeforeTo),
      responses: { 200: { description: 'Página de documentos', schema: pageOf(documentSummaryOut) } },
      async handler(ctx, { query }, actor) {
        const before = decodeCursor(query.cursor, 'int');
        const rows = await s.documents.list(actor, {
          text: query.q,
          seriesCode: query.series,
          documentType: query.type,
          from: query.from,
          to: query.to,
          beforeSeq: before === undefined ? undefined : Number(before),
          limit: query.limit,
        });
        const page = toPage(rows, query.limit, (d) => String(d.seq));
        ctx.body = { items: page.items.map(summary), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/documents/:id',
      tag: 'documentos',
      summary: 'Obtiene un documento con todos sus metadatos.',
      auth: { roles: [] },
      params: docParams,
      responses: { 200: { description: 'El documento', schema: documentOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = detail(await s.documents.get(actor, params.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/documents/:id/versions',
      tag: 'documentos',
      summary: 'Agrega una versión (multipart: "file"); las versiones anteriores no cambian.',
      auth: { roles: FILERS },
      params: docParams,
      upload: { file: 'contenido de la nueva versión' },
      responses: { 201: { description: 'Versión agregada', schema: filedOut } },
      async handler(ctx, { params }, actor) {
        const key = idempotencyKey(ctx);
        // Existence first, so another agency's id costs no upload and answers 404 like any unknown id.
        await s.documents.requireDocument(knex, actor, params.id);
        const { file } = await upload(ctx, []);
        if (!file) throw missingFile();
        sendFiled(ctx, await withUploadCleanup(file.put, () => s.documents.addVersion(actor, params.id, file, key)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/documents/:id/versions',
      tag: 'documentos',
      summary: 'Lista las versiones de un documento.',
      auth: { roles: [] },
      params: docParams,
      responses: { 200: { description: 'Versiones', schema: z.object({ items: z.array(versionOut) }) } },
      async handler(ctx, { params }, actor) {
        ctx.body = { items: (await s.documents.versions(actor, params.id)).map(versionView) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/documents/:id/versions/:n',
      tag: 'documentos',
      summary: 'Obtiene una versión.',
      auth: { roles: [] },
      params: versionParams,
      responses: { 200: { description: 'La versión', schema: versionOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = versionView(await s.documents.version(actor, params.id, params.n));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/documents/:id/versions/:n/content',
      tag: 'documentos',
      summary: 'Descarga el contenido de una versión (admite Range, ETag = sha256 e If-None-Match).',
      auth: { roles: [] },
      params: versionParams,
      responses: {
        200: { description: 'Contenido completo', contentType: 'application/octet-stream' },
        206: { description: 'Rango solicitado', contentType: 'application/octet-stream' },
        304: { description: 'Sin cambios (If-None-Match coincide)' },
        416: { description: 'Rango fuera del contenido' },
      },
      async handler(ctx, { params }, actor) {
        // Looked up without recording a read: the content read itself is recorded just below.
        const { version } = await s.documents.requireVersion(knex, actor, params.id, params.n);
        const etag = `"${version.sha256}"`;
        ctx.set('ETag', etag);
        ctx.set('Accept-Ranges', 'bytes');
        ctx.set('Cache-Control', 'private, max-age=0, must-revalidate');
        const inm = ctx.get('if-none-match');
        if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
          ctx.status = 304;
          return;
        }
        const range = parseByteRange(ctx.get('range') || undefined, version.size);
        if (range.kind === 'unsatisfiable') {
          ctx.set('Content-Range', `bytes */${version.size}`);
          ctx.status = 416;
          ctx.body = '';
          return;
        }
        const { body } = await s.documents.content(actor, params.id, params.n, range.kind === 'range' ? range.range : undefined);
        ctx.type = version.mediaType;
        ctx.set('Content-Disposition', contentDisposition(version.fileName, `${params.id}-v${params.n}`));
        if (range.kind === 'range') {
          ctx.status = 206;
          ctx.set('Content-Range', `bytes ${range.range.start}-${range.range.end}/${version.size}`);
          ctx.length = range.range.end - range.range.start + 1;
        } else {
          ctx.status = 200;
          ctx.length = version.size;
        }
        ctx.body = body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/documents/:id/versions/:n/signatures',
      tag: 'firmas',
      summary: 'Informe de validación de cada firma de la versión (hecho al ingresar).',
      auth: { roles: [] },
      params: versionParams,
      responses: { 200: { description: 'Firmas', schema: z.object({ items: z.array(signatureReportOut) }) } },
      async handler(ctx, { params }, actor) {
        ctx.body = { items: await s.documents.signatures(actor, params.id, params.n) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/documents/:id/versions/:n/receipt',
      tag: 'documentos',
      summary: 'Certificado de presentación (PDF firmado) del ingreso de esta versión.',
      auth: { roles: [] },
      params: versionParams,
      responses: { 200: { description: 'PDF firmado', contentType: 'application/pdf' } },
      async handler(ctx, { params }, actor) {
        const r = await s.documents.receipt(actor, params.id, params.n);
        ctx.type = 'application/pdf';
        ctx.set('ETag', `"${r.sha256}"`);
        ctx.set('Content-Disposition', contentDisposition(`${r.receiptNumber}.pdf`, 'certificado.pdf'));
        ctx.body = r.body;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/documents/:id/versions/:n/number',
      tag: 'documentos',
      summary: 'Numera la versión en la oficina de partes (correlativo sin saltos por agencia, tipo documental y año); queda final.',
      auth: { roles: ['records_officer'] },
      params: versionParams,
      responses: { 200: { description: 'Versión numerada', schema: z.object({ registryNumber: z.string(), version: versionOut }) } },
      async handler(ctx, { params }, actor) {
        const r = await s.documents.number(actor, params.id, params.n);
        ctx.body = { registryNumber: r.registryNumber, version: versionView(r.version) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/documents/:id/versions/:n/sign',
      tag: 'firmas',
      summary: 'Firma la versión (PAdES, actualización incremental) con el sello de la agencia o con FirmaGob; crea una versión final.',
      auth: { roles: ['signer'] },
      params: versionParams,
      body: z.strictObject({
        signer: z.enum(['seal', 'firmagob']).default('seal'),
        reason: z.string().trim().min(1).max(300),
        signerPost: z.string().trim().min(1).max(200).describe('Cargo de quien firma'),
        visibleStamp: z.boolean().default(false),
        purpose: z.enum(['Propósito General', 'Desatendido']).default('Propósito General'),
        otp: z.string().regex(/^\d{6,8}$/, 'OTP de 6 a 8 dígitos').optional(),
      }),
      responses: { 201: { description: 'Versión firmada', schema: versionOut } },
      async handler(ctx, { params, body }, actor) {
        const version = await s.documents.sign(actor, params.id, params.n, body);
        ctx.status = 201;
        ctx.set('Location', `/v1/documents/${params.id}/versions/${version.number}`);
        ctx.body = versionView(version);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/documents/:id/versions/:n/initial',
      tag: 'firmas',
      summary: 'Visa un borrador: registra la aprobación del revisor y crea un borrador con el timbre de iniciales visible.',
      auth: { roles: ['reviewer'] },
      params: versionParams,
      body: z.strictObject({ initials: z.string().trim().regex(/^[A-ZÁÉÍÓÚÑ]{2,6}$/, 'iniciales en mayúsculas, 2 a 6 letras') }),
      responses: { 201: { description: 'Borrador visado', schema: z.object({ version: versionOut, initials: z.object({ initials: z.string(), principalId: z.uuid(), createdAt: z.string() }) }) } },
      async handler(ctx, { params, body }, actor) {
        const r = await s.documents.initial(actor, params.id, params.n, body.initials);
        ctx.status = 201;
        ctx.set('Location', `/v1/documents/${params.id}/versions/${r.version.number}`);
        ctx.body = { version: versionView(r.version), initials: { initials: r.initials.initials, principalId: r.initials.principalId, createdAt: r.initials.createdAt } };
      },
    }),
  ];
}
