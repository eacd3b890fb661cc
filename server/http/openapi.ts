import { z } from 'zod';
import type { RouteDef } from './route.ts';
import { problemOut } from './schemas.ts';

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** JSON Schema for one schema, with named components collected into `registry` instead of inlined. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, unknown>): unknown {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  // Named schemas (.meta({ id })) come back as $defs; OpenAPI keeps them under components.
  const { $defs, $schema: _ignored, ...rest } = JSON.parse(
    JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as Record<string, unknown> & { $defs?: Record<string, unknown> };
  Object.assign(components, $defs ?? {});
  return rest;
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

export function buildOpenApi(routes: RouteDef[], info: { version: string }): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const shape = (schema as z.ZodObject<z.ZodRawShape>).shape;
      for (const [name, prop] of Object.entries(shape)) {
        parameters.push({ name, in: where, required: where === 'path' || !(prop as z.ZodType).safeParse(undefined).success, schema: jsonSchema(prop as z.ZodType, 'input', components) });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = {
        description: res.description,
        ...(res.schema ? { content: { [res.contentType ?? 'application/json']: { schema: jsonSchema(res.schema, 'output', components) } } } : {}),
      };
    }
    if (r.auth !== 'public') {
      responses['401'] = problemResponse('Falta la clave, o es inválida o fue revocada');
      if (r.auth.roles.length) responses['403'] = problemResponse('El principal no tiene el rol requerido');
    }
    if (r.params) responses['404'] = problemResponse('No existe (o no pertenece a su agencia)');
    if (r.body) {
      responses['400'] = problemResponse('JSON mal formado');
      responses['413'] = problemResponse('Cuerpo demasiado grande');
      responses['415'] = problemResponse('Content-Type distinto de application/json');
    }
    if (r.upload) {
      responses['400'] = problemResponse('Cuerpo multipart mal formado');
      responses['413'] = problemResponse('Archivo o páginas por sobre el límite');
      responses['415'] = problemResponse('Content-Type distinto de multipart/form-data');
    }
    if (r.rawBody) {
      responses['413'] = problemResponse('Cuerpo por sobre el límite');
      responses['415'] = problemResponse(`Content-Type distinto de ${r.rawBody.mediaTypes.join(' o ')}`);
    }
    if (r.body || r.query || r.upload || r.rawBody) responses['422'] = problemResponse('Datos inválidos; errors indica cada campo');
    (paths[toOpenApiPath(r.path)] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(r.auth === 'public' ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.upload
        ? {
            requestBody: {
              required: true,
              content: {
                'multipart/form-data': {
                  schema: {
                    type: 'object',
                    required: Object.keys(r.upload),
                    properties: Object.fromEntries(
                      Object.entries(r.upload).map(([name, description]) => [name, name === 'file' ? { type: 'string', format: 'binary', description } : { type: 'string', description }]),
                    ),
                  },
                },
              },
            },
          }
        : {}),
      ...(r.rawBody
        ? {
            requestBody: {
              required: true,
              description: r.rawBody.description,
              content: Object.fromEntries(r.rawBody.mediaTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
            },
          }
        : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input', components) } } } } : {}),
      responses,
    };
  }
  jsonSchema(problemOut, 'output', components);
  return {
    openapi: '3.1.0',
    info: {
      title: 'legajo API',
      version: info.version,
      description: 'Expedientes, documentos y comunicaciones oficiales electrónicas para los órganos del Estado de Chile (Ley 21.180).',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Clave de API de la agencia' } }, schemas: components },
    paths,
  };
}
