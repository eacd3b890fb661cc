import { z } from 'zod';
import { actorSchema } from './documentMetadata.ts';

/**
 * Case-file metadata of the Guía Técnica de Metadatos (draft, MGDEE codes), keyed by guide code. The codes are the
 * ones shared/standards/chile.md §1.3 lists; the guide gives MGDEE51_3/4/5 and MGDEE52_1..4 as groups of one
 * repeating structure, which legajo carries as arrays of objects under MGDEE51 and MGDEE52.
 */
export const MGDEE = {
  iuie: 'MGDEE1_1',
  seriesCode: 'MGDEE1_2',
  seriesNumber: 'MGDEE1_3',
  state: 'MGDEE1_4',
  title: 'MGDEE1_5',
  summary: 'MGDEE2_1',
  subject: 'MGDEE2_2',
  createdAt: 'MGDEE3_1',
  closedAt: 'MGDEE3_2',
  incorporation: 'MGDEE4_1',
  uri: 'MGDEE4_2',
  agencyCode: 'MGDEE51_1',
  agencyName: 'MGDEE51_2',
  relatedAgencies: 'MGDEE51',
  actors: 'MGDEE52',
  linkedItem: 'MGDEE53_1',
  linkedAt: 'MGDEE53_2',
  accessLevel: 'MGDEE6_1',
  restrictionEnds: 'MGDEE6_2',
  warning: 'MGDEE6_3',
  sensitive: 'MGDEE6_4',
  procedureCode: 'MGDEE7_1',
  procedureName: 'MGDEE7_2',
  schemaVersion: 'MGDEE8_1',
} as const;

/** An IUIe as it may appear in a path or a reference: legajo's own or another agency's (received remissions). */
export const iuieSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,99}$/, 'IUIe inválido');

/** MGDEE1_4 has no value list in the guide; these are legajo's, mapped to ENI's E01/E02 on export. */
export const CASE_FILE_STATES = ['abierto', 'cerrado', 'recibido', 'transferido'] as const;
export type CaseFileState = (typeof CASE_FILE_STATES)[number];

export const ACTOR_RELATIONS = { 1: 'Responsable', 2: 'Interesado', 3: 'Autor', 4: 'Referido', 5: 'Destinatario', 6: 'Ministro de Fe' } as const;
export const AGENCY_RELATIONS = { 1: 'Autor institucional', 2: 'Destinatario', 3: 'Productor', 4: 'Custodia' } as const;

const yesNo = z.union([z.literal(1), z.literal(2)]).describe('1 Sí, 2 No');
const isoDateTime = z.iso.datetime({ offset: true, message: 'fecha y hora ISO 8601, p. ej. 2026-11-24T10:00:00Z' });
const text = (max: number) => z.string().trim().min(1).max(max);
const code = (n: number) => z.number().int().min(1).max(n);


const relatedAgency = z.strictObject({
  relation: code(4).describe('MGDEE51_3: 1 Autor institucional, 2 Destinatario, 3 Productor, 4 Custodia'),
  code: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'código del Gestor de Códigos').describe('MGDEE51_4'),
  name: text(300).describe('MGDEE51_5'),
});

/**
 * What an agency sends to open a case file. The server assigns MGDEE1_1 (IUIe), MGDEE1_4 (state), MGDEE3_2 (closing
 * date), MGDEE4_2 (URI), MGDEE51_1/51_2 (producer agency) and MGDEE53 (the index).
 */
export const caseFileMetadataInput = z
  .strictObject({
    [MGDEE.iuie]: z.undefined({ error: 'lo asigna el servidor; no lo envíe' }).optional(),
    [MGDEE.seriesCode]: text(100).optional(),
    [MGDEE.seriesNumber]: z.number().int().min(1).optional(),
    [MGDEE.title]: text(500),
    [MGDEE.summary]: text(4000).optional(),
    [MGDEE.subject]: text(1000),
    [MGDEE.createdAt]: isoDateTime.optional().describe('por omisión, el momento de apertura'),
    [MGDEE.incorporation]: code(3).default(2).describe('1 Físico, 2 Digital, 3 Digitalización'),
    [MGDEE.relatedAgencies]: z.array(relatedAgency).max(50).optional(),
    [MGDEE.actors]: z.array(actorSchema).min(1).max(500).describe('MGDEE52: relation, actorType, id (RUN/RUT), name'),
    [MGDEE.accessLevel]: code(4).describe('1 Público, 2 Restringido, 3 Secreto, 4 Reservado'),
    [MGDEE.restrictionEnds]: isoDateTime.optional(),
    [MGDEE.warning]: text(1000).optional(),
    [MGDEE.sensitive]: yesNo,
    [MGDEE.procedureCode]: text(50).describe('código CPAT'),
    [MGDEE.procedureName]: text(300).optional(),
    [MGDEE.schemaVersion]: z.string().regex(/^\d{3}$/).default('001'),
  })
  .superRefine((m, ctx) => {
    if (!m[MGDEE.actors].some((a) => a.relation === 1)) {
      ctx.addIssue({ code: 'custom', path: [MGDEE.actors], message: 'debe incluir al funcionario responsable (relation = 1)' });
    }
    if (m[MGDEE.restrictionEnds] && m[MGDEE.accessLevel] === 1) {
      ctx.addIssue({ code: 'custom', path: [MGDEE.restrictionEnds], message: 'solo aplica a expedientes con acceso restringido (MGDEE6_1 > 1)' });
    }
  });

export type CaseFileMetadataInput = z.output<typeof caseFileMetadataInput>;
export type CaseFileActor = CaseFileMetadataInput[typeof MGDEE.actors][number];
export type RelatedAgency = z.output<typeof relatedAgency>;

/** The full metadata record of a case file as stored and emitted: the input plus what the server assigns. */
export interface CaseFileMetadata extends Omit<CaseFileMetadataInput, typeof MGDEE.iuie | typeof MGDEE.createdAt | typeof MGDEE.relatedAgencies> {
  [MGDEE.iuie]: string;
  [MGDEE.state]: CaseFileState;
  [MGDEE.createdAt]: string;
  [MGDEE.closedAt]?: string;
  [MGDEE.uri]: string;
  [MGDEE.agencyCode]: string;
  [MGDEE.agencyName]: string;
  [MGDEE.relatedAgencies]: RelatedAgency[];
}
