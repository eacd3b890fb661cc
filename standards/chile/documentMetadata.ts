import { z } from 'zod';
import { parseRun } from './run.ts';

/**
 * Document metadata of the Guía Técnica de Metadatos (draft, MGDDE codes), as legajo accepts it: a JSON object keyed
 * by guide code. shared/standards/chile.md §1.3 lists the fields and groups but not every code; MGDDE5_3 is confirmed
 * there, the rest follow the guide's group order (1 identificación, 2 técnicos, 3 descripción, 4 fechas,
 * 5 caracterización, 6 relaciones, 7 seguridad, 8 firma, 9 procedimiento, 10 esquema).
 */
export const MGDDE = {
  identifier: 'MGDDE1_1',
  seriesCode: 'MGDDE1_2',
  title: 'MGDDE1_6',
  captureResolution: 'MGDDE1_7',
  fileName: 'MGDDE1_8',
  sizeKb: 'MGDDE2_1',
  pages: 'MGDDE2_2',
  format: 'MGDDE2_3',
  summary: 'MGDDE3_1',
  keywords: 'MGDDE3_2',
  language: 'MGDDE3_3',
  createdAt: 'MGDDE4_1',
  capturedAt: 'MGDDE4_3',
  documentType: 'MGDDE5_1',
  origin: 'MGDDE5_2',
  incorporation: 'MGDDE5_3',
  externalUri: 'MGDDE5_4',
  physicalLocation: 'MGDDE5_5',
  agencyCode: 'MGDDE61_1',
  agencyRelation: 'MGDDE61_2',
  actors: 'MGDDE62',
  accessLevel: 'MGDDE7_1',
  sensitive: 'MGDDE7_2',
  restrictionEnds: 'MGDDE7_3',
  signatureType: 'MGDDE8_1',
  advancedSignature: 'MGDDE8_3',
  signers: 'MGDDE8_4',
  procedureCode: 'MGDDE9_1',
  procedureName: 'MGDDE9_2',
  schemaVersion: 'MGDDE10_1',
} as const;

/** Tipo documental: the guide's list has 42 entries; these are the labels shared/ gives, the rest are valid by number. */
export const DOCUMENT_TYPE_LABELS: Readonly<Record<number, string>> = { 1: 'Acta', 15: 'Decreto', 30: 'Oficio', 36: 'Resolución', 42: 'Transcripción' };
export const DOCUMENT_TYPE_COUNT = 42;

export const INCORPORATION = { physical: 1, digital: 2, digitization: 3 } as const;
export const ACCESS_LEVELS = { 1: 'Público', 2: 'Restringido', 3: 'Secreto', 4: 'Reservado' } as const;

const yesNo = z.union([z.literal(1), z.literal(2)]).describe('1 Sí, 2 No');
const isoDateTime = z.iso.datetime({ offset: true, message: 'fecha y hora ISO 8601, p. ej. 2026-11-24T10:00:00Z' });
const text = (max: number) => z.string().trim().min(1).max(max);
const code = (n: number) => z.number().int().min(1).max(n);

const chileanId = z.string().transform((value, ctx) => {
  const parsed = parseRun(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: `RUN/RUT inválido: ${parsed.reason}` });
    return z.NEVER;
  }
  return parsed.normalized;
});

/** An actor of a document or case file (MGDDE62 / MGDEE52): RUN or RUT checked, except for foreigners' passports. */
export const actorSchema = z
  .strictObject({
    relation: code(6).describe('1 Responsable, 2 Interesado, 3 Autor, 4 Referido, 5 Destinatario, 6 Ministro de Fe'),
    actorType: code(4).describe('1 Ciudadano, 2 Extranjero, 3 Institución privada, 4 Funcionario'),
    id: z.string().min(1).max(40).describe('RUN o RUT con dígito verificador; pasaporte para extranjeros'),
    name: text(300),
  })
  .transform((a, ctx) => {
    if (a.actorType === 2) return a;
    const parsed = parseRun(a.id);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: `RUN/RUT inválido: ${parsed.reason}` });
      return z.NEVER;
    }
    return { ...a, id: parsed.normalized };
  });

const signer = z.strictObject({ name: text(300), post: text(300).optional(), run: chileanId.optional() });

/**
 * What a filer sends. The server assigns MGDDE1_1 (identifier) and fills MGDDE61_1 (producer agency), MGDDE2_x
 * (size, pages, format) and MGDDE1_8 (file name) from what it received.
 */
export const documentMetadataInput = z
  .strictObject({
    [MGDDE.identifier]: z.undefined({ error: 'lo asigna el servidor; no lo envíe' }).optional(),
    [MGDDE.seriesCode]: text(100).optional(),
    [MGDDE.title]: text(500),
    [MGDDE.captureResolution]: z.string().regex(/^\d{2,6}x\d{2,6}$/, 'resolución como 3000x2000').optional(),
    [MGDDE.summary]: text(4000).optional(),
    [MGDDE.keywords]: z.array(text(100)).min(1).max(50),
    [MGDDE.language]: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'código de idioma BCP 47, p. ej. es o es-CL').default('es'),
    [MGDDE.createdAt]: isoDateTime,
    [MGDDE.capturedAt]: isoDateTime.optional(),
    [MGDDE.documentType]: code(DOCUMENT_TYPE_COUNT).optional(),
    [MGDDE.origin]: code(4).optional(),
    [MGDDE.incorporation]: code(3).describe('1 Físico, 2 Digital, 3 Digitalización'),
    [MGDDE.externalUri]: z.url({ protocol: /^https?$/ }).optional(),
    [MGDDE.physicalLocation]: text(500).optional(),
    [MGDDE.agencyCode]: z.string().optional(),
    [MGDDE.agencyRelation]: code(4).describe('1 Autor institucional, 2 Destinatario, 3 Productor, 4 Custodia'),
    [MGDDE.actors]: z.array(actorSchema).max(200).optional(),
    [MGDDE.accessLevel]: code(4).describe('1 Público, 2 Restringido, 3 Secreto, 4 Reservado'),
    [MGDDE.sensitive]: yesNo,
    [MGDDE.restrictionEnds]: isoDateTime.optional(),
    [MGDDE.signatureType]: z.enum(['avanzada', 'simple']).optional(),
    [MGDDE.advancedSignature]: yesNo,
    [MGDDE.signers]: z.array(signer).max(50).optional(),
    [MGDDE.procedureCode]: text(50).optional(),
    [MGDDE.procedureName]: text(300).optional(),
    [MGDDE.schemaVersion]: z.string().regex(/^\d{3}$/).default('001'),
  })
  .superRefine((m, ctx) => {
    const need = (field: string, when: string) => ctx.addIssue({ code: 'custom', path: [field], message: `obligatorio cuando ${when}` });
    if (m[MGDDE.incorporation] === INCORPORATION.digitization) {
      if (!m[MGDDE.capturedAt]) need(MGDDE.capturedAt, 'MGDDE5_3 = 3 (digitalización)');
      if (!m[MGDDE.captureResolution]) need(MGDDE.captureResolution, 'MGDDE5_3 = 3 (digitalización)');
    }
    if (m[MGDDE.incorporation] === INCORPORATION.physical && !m[MGDDE.physicalLocation]) need(MGDDE.physicalLocation, 'MGDDE5_3 = 1 (físico)');
    if (m[MGDDE.origin] === 1 && !m[MGDDE.externalUri]) need(MGDDE.externalUri, 'MGDDE5_2 = 1 (repositorio externo)');
    if (m[MGDDE.procedureCode] && !m[MGDDE.procedureName]) need(MGDDE.procedureName, 'se indica MGDDE9_1 (código CPAT)');
    if (m[MGDDE.restrictionEnds] && m[MGDDE.accessLevel] === 1) {
      ctx.addIssue({ code: 'custom', path: [MGDDE.restrictionEnds], message: 'solo aplica a documentos con acceso restringido (MGDDE7_1 > 1)' });
    }
    if (m[MGDDE.advancedSignature] === 1 && m[MGDDE.signatureType] === 'simple') {
      ctx.addIssue({ code: 'custom', path: [MGDDE.signatureType], message: 'contradice MGDDE8_3 = 1 (firma electrónica avanzada)' });
    }
  });

export type DocumentMetadataInput = z.output<typeof documentMetadataInput>;
