import type { Context } from 'koa';
import type { Knex } from 'knex';
import { z } from 'zod';
import { CASE_FILE_STATES, caseFileMetadataInput, iuieSchema } from '../../../standards/chile/caseFileMetadata.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Config } from '../../config.ts';
import { packageReport } from '../../features/caseFiles/remissionService.ts';
import { discardIfUnreferenced } from '../../features/objects/objectGuard.ts';
import type { Services } from '../../services.ts';
import { contentDisposition } from '../byteRange.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { readRawUpload } from '../readRawUpload.ts';
import { defineRoute, pageQuery, type RouteDef } from '../route.ts';
import { idempotencyKey } from '../idempotencyKey.ts';

const iuieParams = z.strictObject({ iuie: iuieSchema });
const entryParams = z.strictObject({ iuie: iuieSchema, order: z.coerce.number().int().min(1).max(10_000_000) });
const BUILDERS = ['system', 'clerk', 'records_officer'] as const;
const PACKAGE_TYPES = ['application/x-tar', 'application/tar'];
const RECEIVERS = ['system', 'records_officer'] as const;

const httpUri = z
  .url({ protocol: /^https?$/, error: 'debe ser un URI http o https' })
  .max(2000)
  .describe('URI persistente (http o https)');

export const entryInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('document'), documentId: z.uuid(), version: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('link'), uri: httpUri, description: z.string().trim().min(1).max(1000) }),
  z.strictObject({ kind: z.literal('case-file'), iuie: iuieSchema }),
]);

const looseObject = z.looseObject({});
const caseFileOut = z.looseObject({ iuie: z.string(), state: z.enum(CASE_FILE_STATES), title: z.string(), entryCount: z.number(), folioCount: z.number(), indexVersion: z.number() }).meta({ id: 'CaseFile' });
const entryOut = z.looseObject({ order: z.number(), kind: z.enum(['document', 'link', 'case-file']), sha256: z.string().nullable(), firstFolio: z.number().nullable(), lastFolio: z.number().nullable() }).meta({ id: 'CaseFileEntry' });
const verificationOut = z.looseObject({ iuie: z.string(), valid: z.boolean(), problems: z.array(z.looseObject({ path: z.string(), order: z.number().nullable(), problem: z.string() })) }).meta({ id: 'CaseFileVerification' });
const packageReportOut = z.looseObject({ valid: z.boolean(), problems: z.array(z.object({ path: z.string(), problem: z.string() })) }).meta({ id: 'RemissionPackageReport' });

export interface CaseFileRouteDeps {
  services: Services;
  store: ObjectStore;
  knex: Knex;
  limits: Config['documents'];
}

export function caseFileRoutes({ services: s, store, knex, limits }: CaseFileRouteDeps): RouteDef[] {
  const xml = (ctx: Context, body: unknown, fileName: string) => {
    ctx.type = 'application/xml; charset=utf-8';
    ctx.set('Content-Disposition', contentDisposition(fileName, 'expediente.xml'));
    ctx.body = body;
  };
  /** A package arrives as the raw request body (application/x-tar), streamed into the store like any upload. */
  const receivePackage = (ctx: Context) =>
    readRawUpload(ctx, store, { maxBytes: limits.maxUploadBytes, mediaTypes: PACKAGE_TYPES, what: 'un paquete de remisión (tar)' }, (put) =>
      discardIfUnreferenced(knex, store, put),
    );

  return [
    defineRoute({
      method: 'post',
      path: '/v1/case-files',
      tag: 'expedientes',
      summary: 'Abre un expediente: asigna el IUIe, valida los metadatos MGDEE y emite el certificado de presentación.',
      auth: { roles: BUILDERS },
      body: caseFileMetadataInput,
      responses: { 201: { description: 'Expediente abierto', schema: z.object({ caseFile: caseFileOut, receipt: looseObject }) } },
      async handler(ctx, { body }, actor) {
        const answer = await s.caseFiles.open(actor, body, idempotencyKey(ctx));
        const created = answer.body as { caseFile: { iuie: string } };
        ctx.status = answer.status;
        if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.set('Location', `/v1/case-files/${created.caseFile.iuie}`);
        ctx.body = answer.body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/case-files',
      tag: 'expedientes',
      summary: 'Lista los expedientes de la agencia, los más recientes primero.',
      auth: { roles: [] },
      query: z.strictObject({ ...pageQuery, state: z.enum(CASE_FILE_STATES).optional(), procedure: z.string().max(50).optional().describe('código CPAT') }),
      responses: { 200: { description: 'Página de expedientes', schema: z.object({ items: z.array(caseFileOut), nextCursor: z.string().nullable() }) } },
      async handler(ctx, { query }, actor) {
        const before = decodeCursor(query.cursor, 'int');
        const rows = await s.caseFiles.list(actor, { state: query.state, procedureCode: query.procedure, beforeSeq: before === undefined ? undefined : Number(before), limit: query.limit });
        const page = toPage(rows, query.limit, (c) => String(c.seq));
        ctx.body = { items: page.items.map((c) => s.caseFiles.view(c)), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/case-files/import',
      tag: 'expedientes',
      summary: 'Recibe la remisión de otro órgano (cuerpo application/x-tar): verifica cada hash y el sello antes de aceptar; idempotente por hash del paquete.',
      auth: { roles: RECEIVERS },
      rawBody: { mediaTypes: PACKAGE_TYPES, description: 'paquete de remisión exportado con GET /v1/case-files/{iuie}/export' },
      responses: { 201: { description: 'Remisión registrada', schema: looseObject }, 200: { description: 'El mismo paquete ya se había recibido', schema: looseObject } },
      async handler(ctx, _input, actor) {
        const put = await receivePackage(ctx);
        const answer = await s.remissions.import(actor, put);
        ctx.status = answer.status;
        if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.body = answer.body;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/case-files/verify-package',
      tag: 'expedientes',
      summary: 'Verifica un paquete de remisión sin registrarlo (sello, hashes, orden, folios, manifiesto).',
      auth: { roles: [] },
      rawBody: { mediaTypes: PACKAGE_TYPES, description: 'paquete de remisión' },
      responses: { 200: { description: 'Informe de verificación', schema: packageReportOut } },
      async handler(ctx) {
        const put = await receivePackage(ctx);
        try {
          ctx.body = packageReport(await s.remissions.check(await store.get(put.key)));
        } finally {
          await discardIfUnreferenced(knex, store, put);
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/case-files/:iuie',
      tag: 'expedientes',
      summary: 'Obtiene un expediente: metadatos MGDEE, estado, versiones selladas del índice y certificados.',
      auth: { roles: [] },
      params: iuieParams,
      responses: { 200: { description: 'El expediente', schema: caseFileOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.caseFiles.get(actor, params.iuie);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/case-files/:iuie/entries',
      tag: 'expedientes',
      summary: 'Lista las entradas del expediente en orden, con folios, hashes y retiros.',
      auth: { roles: [] },
      params: iuieParams,
      query: z.strictObject({ ...pageQuery }),
      responses: { 200: { description: 'Página de entradas', schema: z.object({ items: z.array(entryOut), nextCursor: z.string().nullable() }) } },
      async handler(ctx, { params, query }, actor) {
        const after = decodeCursor(query.cursor, 'int');
        const rows = await s.caseFiles.entries(actor, params.iuie, { afterPosition: after === undefined ? 0 : Number(after), limit: query.limit });
        const page = toPage(rows, query.limit, (e) => String(e.order));
        ctx.body = page;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/case-files/:iuie/entries',
      tag: 'expedientes',
      summary: 'Incorpora una versión de documento, un enlace persistente o un expediente acumulado, en el orden siguiente.',
      auth: { roles: BUILDERS },
      params: iuieParams,
      body: entryInput,
      responses: { 201: { description: 'Entrada incorporada', schema: entryOut } },
      async handler(ctx, { params, body }, actor) {
        const answer = await s.caseFiles.addEntry(actor, params.iuie, body, idempotencyKey(ctx));
        ctx.status = answer.status;
        if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.body = answer.body;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/case-files/:iuie/entries/:order/remove',
      tag: 'expedientes',
      summary: 'Retira una entrada de un expediente abierto (desglose): queda en el índice, marcada, y en el historial.',
      auth: { roles: BUILDERS },
      params: entryParams,
      body: z.strictObject({ reason: z.string().trim().min(3).max(1000) }),
      responses: { 200: { description: 'Entrada retirada', schema: entryOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = await s.caseFiles.removeEntry(actor, params.iuie, params.order, body.reason);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/case-files/:iuie/close',
      tag: 'expedientes',
      summary: 'Cierra el expediente: fija la fecha de cierre y sella el índice (XMLDSig con el sello del órgano) como nueva versión.',
      auth: { roles: BUILDERS },
      params: iuieParams,
      responses: { 200: { description: 'Expediente cerrado', schema: looseObject } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.caseFiles.close(actor, params.iuie);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/case-files/:iuie/reopen',
      tag: 'expedientes',
      summary: 'Reabre un expediente cerrado; las versiones selladas del índice se conservan.',
      auth: { roles: BUILDERS },
      params: iuieParams,
      body: z.strictObject({ reason: z.string().trim().min(3).max(1000) }),
      responses: { 200: { description: 'Expediente reabierto', schema: caseFileOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = await s.caseFiles.reopen(actor, params.iuie, body.reason);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/case-files/:iuie/history',
      tag: 'expedientes',
      summary: 'Registros del expediente (DS 10 art. 19): trazabilidad, accesos o actos administrativos.',
      auth: { roles: [] },
      params: iuieParams,
      query: z.strictObject({ ...pageQuery, record: z.enum(['traceability', 'access', 'acts']).default('traceability') }),
      responses: { 200: { description: 'Página del registro', schema: z.object({ items: z.array(looseObject), nextCursor: z.string().nullable() }) } },
      async handler(ctx, { params, query }, actor) {
        const after = decodeCursor(query.cursor, 'int');
        const rows = await s.caseFiles.history(actor, params.iuie, query.record, { afterId: after === undefined ? 0 : Number(after), limit: query.limit });
        ctx.body = toPage(rows, query.limit, (r) => String(r.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/case-files/:iuie/index.xml',
      tag: 'expedientes',
      summary: 'XML del expediente (esquema legajo-expediente-1.0): la versión sellada pedida, la última sellada, o la vista de trabajo sin sellar si está abierto.',
      auth: { roles: [] },
      params: iuieParams,
      query: z.strictObject({ version: z.coerce.number().int().min(1).optional() }),
      responses: { 200: { description: 'XML del expediente', contentType: 'application/xml' } },
      async handler(ctx, { params, query }, actor) {
        const { xml: body, sealed } = await s.caseFiles.indexXml(actor, params.iuie, query.version);
        if (sealed) ctx.set('ETag', `"${sealed.sha256}"`);
        ctx.set('X-Index-Version', sealed ? String(sealed.number) : 'sin sellar');
        xml(ctx, body, `${params.iuie}-indice${sealed ? `-v${sealed.number}` : ''}.xml`);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/case-files/:iuie/eni.xml',
      tag: 'expedientes',
      summary: 'El expediente en formato ENI (España): índice firmado con DocumentoIndizado, huella y función resumen; estado E01/E02.',
      auth: { roles: [] },
      params: iuieParams,
      responses: { 200: { description: 'Expediente ENI', contentType: 'application/xml' } },
      async handler(ctx, { params }, actor) {
        const { xml: body, omitted } = await s.caseFiles.eni(actor, params.iuie);
        if (omitted.length) ctx.set('X-ENI-Omitted', encodeURIComponent(omitted.join(' | ')));
        xml(ctx, body, `${params.iuie}-eni.xml`);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/case-files/:iuie/verify',
      tag: 'expedientes',
      summary: 'Verifica el expediente: recalcula cada hash desde el almacén, revisa orden y folios y comprueba el sello de cada versión del índice.',
      auth: { roles: [] },
      params: iuieParams,
      responses: { 200: { description: 'Informe de verificación (valid=false con cada problema)', schema: verificationOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.caseFiles.verify(actor, params.iuie);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/case-files/:iuie/export',
      tag: 'expedientes',
      summary: 'Remisión: un paquete tar verificable (índice sellado primero, luego los documentos en orden del índice y un manifiesto SHA-256).',
      auth: { roles: BUILDERS },
      params: iuieParams,
      responses: { 200: { description: 'Paquete de remisión', contentType: 'application/x-tar' } },
      async handler(ctx, { params }, actor) {
        const pkg = await s.remissions.export(actor, params.iuie);
        ctx.type = 'application/x-tar';
        ctx.set('Content-Disposition', contentDisposition(pkg.fileName, 'remision.tar'));
        ctx.set('X-Index-Version', String(pkg.indexVersion));
        ctx.set('X-Index-Sha256', pkg.indexSha256);
        ctx.body = pkg.body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/case-files/:iuie/receipts/:order',
      tag: 'expedientes',
      summary: 'Descarga un certificado de presentación del expediente (1 = apertura).',
      auth: { roles: [] },
      params: entryParams,
      responses: { 200: { description: 'Certificado firmado', contentType: 'application/pdf' } },
      async handler(ctx, { params }, actor) {
        const r = await s.caseFiles.receipt(actor, params.iuie, params.order);
        ctx.type = 'application/pdf';
        ctx.set('ETag', `"${r.sha256}"`);
        ctx.set('Content-Disposition', contentDisposition(`${r.receiptNumber}.pdf`, 'certificado.pdf'));
        ctx.body = r.body;
      },
    }),
  ];
}
