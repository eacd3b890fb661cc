import { z } from 'zod';
import { parseRun } from '../../standards/chile/run.ts';
import { GRANTABLE_ROLES } from '../features/principals/roles.ts';

/** Shared request and response schemas; OpenAPI is generated from these. */

export const agencyCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9-]{1,15}$/, 'código de agencia inválido: 2 a 16 caracteres, mayúsculas, dígitos o guion (código del Gestor de Códigos)');

export const run = z.string().transform((value, ctx) => {
  const parsed = parseRun(value);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: `RUN inválido: ${parsed.reason}` });
    return z.NEVER;
  }
  return parsed.normalized;
});

export const grantableRoles = z.array(z.enum(GRANTABLE_ROLES)).min(1).max(GRANTABLE_ROLES.length).transform((r) => [...new Set(r)]);

const timestamp = z.iso.datetime();

export const agencyOut = z.object({ id: z.uuid(), code: z.string(), name: z.string(), createdAt: timestamp }).meta({ id: 'Agency' });

export const principalOut = z
  .object({
    id: z.uuid(),
    agencyId: z.uuid(),
    kind: z.enum(['system', 'person']),
    name: z.string(),
    run: z.string().nullable(),
    roles: z.array(z.string()),
    createdAt: timestamp,
    disabledAt: timestamp.nullable(),
  })
  .meta({ id: 'Principal' });

export const apiKeyOut = z
  .object({
    id: z.uuid(),
    agencyId: z.uuid(),
    principalId: z.uuid(),
    kind: z.enum(['live', 'test']),
    label: z.string(),
    tokenPrefix: z.string(),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const issuedApiKeyOut = z.object({ apiKey: apiKeyOut, token: z.string().describe('Se muestra una sola vez; guárdela en un lugar seguro.') }).meta({ id: 'IssuedApiKey' });

export const auditEventOut = z
  .object({
    id: z.number().int(),
    chain: z.string(),
    chainSeq: z.number().int(),
    agencyId: z.uuid().nullable(),
    actorId: z.uuid().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    occurredAt: timestamp,
    requestId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const problemOut = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

export const documentSummaryOut = z
  .object({
    id: z.uuid(),
    identifier: z.string().describe('MGDDE1_1'),
    title: z.string().describe('MGDDE1_6'),
    documentType: z.number().int().nullable().describe('MGDDE5_1'),
    seriesCode: z.string().nullable().describe('MGDDE1_2'),
    accessLevel: z.number().int().describe('MGDDE7_1'),
    sensitive: z.boolean().describe('MGDDE7_2'),
    documentCreatedAt: timestamp.describe('MGDDE4_1'),
    currentVersion: z.number().int(),
    createdAt: timestamp,
  })
  .meta({ id: 'DocumentSummary' });

export const documentOut = documentSummaryOut
  .extend({ metadata: z.record(z.string(), z.unknown()).describe('Todos los metadatos, por código MGDDE'), createdBy: z.uuid() })
  .meta({ id: 'Document' });

export const versionOut = z
  .object({
    number: z.number().int(),
    status: z.enum(['draft', 'final']),
    sha256: z.string(),
    size: z.number().int(),
    mediaType: z.string(),
    fileName: z.string().nullable(),
    pageCount: z.number().int().nullable(),
    pdfa: z.string().nullable(),
    origin: z.enum(['upload', 'signature', 'initials', 'registry-stamp']),
    derivedFrom: z.number().int().nullable(),
    createdBy: z.uuid(),
    createdAt: timestamp,
    finalizedAt: timestamp.nullable(),
  })
  .meta({ id: 'Version' });

export const filedOut = z
  .object({ document: documentOut, version: versionOut, receipt: z.object({ number: z.string(), sha256: z.string() }) })
  .meta({ id: 'Filed' });

export const signatureReportOut = z
  .object({
    position: z.number().int(),
    signerName: z.string().nullable(),
    signerRun: z.string().nullable(),
    signedAt: timestamp.nullable(),
    valid: z.boolean(),
    coversWholeDocument: z.boolean(),
    report: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'SignatureReport' });
