import { z } from 'zod';
import type { Services } from '../../services.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { defineRoute, idParams, pageQuery, type RouteDef } from '../route.ts';
import { agencyCode, agencyOut, apiKeyOut, grantableRoles, issuedApiKeyOut, pageOf, principalOut, run } from '../schemas.ts';

/** Agencies, principals and API keys: who may act in legajo. */
export function adminRoutes(s: Services): RouteDef[] {
  const admin = { roles: ['admin'] as const };
  const page = z.strictObject(pageQuery);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/agencies',
      tag: 'administración',
      summary: 'Lista las agencias visibles: la propia (o todas, para el operador de la plataforma).',
      auth: { roles: [] },
      query: page,
      responses: { 200: { description: 'Página de agencias', schema: pageOf(agencyOut) } },
      async handler(ctx, { query }, actor) {
        const rows = await s.agencies.list(actor, decodeCursor(query.cursor, 'uuid'), query.limit + 1);
        ctx.body = toPage(rows, query.limit, (a) => a.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/agencies',
      tag: 'administración',
      summary: 'Registra una agencia con su primer administrador y una clave de API (solo el operador de la plataforma).',
      auth: { roles: ['operator'] },
      body: z.strictObject({ code: agencyCode, name: z.string().trim().min(3).max(300) }),
      responses: {
        201: {
          description: 'Agencia creada; la clave se muestra una sola vez',
          schema: z.object({ agency: agencyOut, admin: principalOut, apiKey: apiKeyOut, token: z.string() }),
        },
      },
      async handler(ctx, { body }, actor) {
        const created = await s.agencies.provision(actor, body);
        ctx.status = 201;
        ctx.set('Location', `/v1/agencies/${created.agency.id}`);
        ctx.body = created;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/agencies/:id',
      tag: 'administración',
      summary: 'Obtiene una agencia visible.',
      auth: { roles: [] },
      params: idParams,
      responses: { 200: { description: 'La agencia', schema: agencyOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.agencies.get(actor, params.id);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/principals',
      tag: 'administración',
      summary: 'Lista los sistemas y personas de la agencia.',
      auth: admin,
      query: page,
      responses: { 200: { description: 'Página de principales', schema: pageOf(principalOut) } },
      async handler(ctx, { query }, actor) {
        const rows = await s.principals.list(actor, decodeCursor(query.cursor, 'uuid'), query.limit + 1);
        ctx.body = toPage(rows, query.limit, (p) => p.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/principals',
      tag: 'administración',
      summary: 'Crea un sistema o una persona de la agencia con sus roles.',
      auth: admin,
      body: z
        .strictObject({
          kind: z.enum(['system', 'person']),
          name: z.string().trim().min(2).max(300),
          run: run.optional(),
          roles: grantableRoles,
        })
        .refine((b) => b.kind === 'system' || b.run !== undefined, { path: ['run'], message: 'es obligatorio para personas' })
        .refine((b) => b.kind === 'person' || b.run === undefined, { path: ['run'], message: 'solo aplica a personas' }),
      responses: { 201: { description: 'Principal creado', schema: principalOut } },
      async handler(ctx, { body }, actor) {
        const principal = await s.principals.create(actor, { kind: body.kind, name: body.name, run: body.run ?? null, roles: body.roles });
        ctx.status = 201;
        ctx.set('Location', `/v1/principals/${principal.id}`);
        ctx.body = principal;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/principals/:id',
      tag: 'administración',
      summary: 'Obtiene un principal de la agencia.',
      auth: admin,
      params: idParams,
      responses: { 200: { description: 'El principal', schema: principalOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.principals.get(actor, params.id);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/principals/:id',
      tag: 'administración',
      summary: 'Cambia los roles de un principal o lo deshabilita (sus claves dejan de funcionar).',
      auth: admin,
      params: idParams,
      body: z
        .strictObject({ roles: grantableRoles.optional(), disabled: z.boolean().optional() })
        .refine((b) => b.roles !== undefined || b.disabled !== undefined, { message: 'indique roles o disabled' }),
      responses: { 200: { description: 'Principal actualizado', schema: principalOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = await s.principals.update(actor, params.id, body);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/api-keys',
      tag: 'administración',
      summary: 'Lista las claves de API de la agencia (sin el secreto).',
      auth: admin,
      query: page,
      responses: { 200: { description: 'Página de claves', schema: pageOf(apiKeyOut) } },
      async handler(ctx, { query }, actor) {
        const rows = await s.apiKeys.list(actor, decodeCursor(query.cursor, 'uuid'), query.limit + 1);
        ctx.body = toPage(rows, query.limit, (k) => k.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/api-keys',
      tag: 'administración',
      summary: 'Emite una clave de API para un principal de la agencia; el secreto se muestra una sola vez.',
      auth: admin,
      body: z.strictObject({
        principalId: z.uuid(),
        kind: z.enum(['live', 'test']).default('live'),
        label: z.string().trim().min(1).max(200),
      }),
      responses: { 201: { description: 'Clave emitida', schema: issuedApiKeyOut } },
      async handler(ctx, { body }, actor) {
        const issued = await s.apiKeys.create(actor, body);
        ctx.status = 201;
        ctx.set('Location', `/v1/api-keys/${issued.apiKey.id}`);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = issued;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/api-keys/:id',
      tag: 'administración',
      summary: 'Obtiene una clave de API de la agencia (sin el secreto).',
      auth: admin,
      params: idParams,
      responses: { 200: { description: 'La clave', schema: apiKeyOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.apiKeys.get(actor, params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/api-keys/:id/revoke',
      tag: 'administración',
      summary: 'Revoca una clave de API; deja de autenticar de inmediato. Repetir la llamada no cambia nada.',
      auth: admin,
      params: idParams,
      responses: { 200: { description: 'Clave revocada', schema: apiKeyOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.apiKeys.revoke(actor, params.id);
      },
    }),
  ];
}
