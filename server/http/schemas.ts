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
