import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Services } from '../../services.ts';
import { readRawUpload } from '../readRawUpload.ts';
import { defineRoute, type RouteDef } from '../route.ts';

const PACKAGE_TYPES = ['application/x-tar', 'application/tar', 'application/zip', 'application/x-zip-compressed'];

const findingOut = z.object({ level: z.enum(['error', 'warning']), rule: z.string(), path: z.string(), message: z.string() });
const reportOut = z
  .object({
    valid: z.boolean(),
    kind: z.enum(['bagit+e-ark', 'e-ark', 'bagit']).nullable(),
    strict: z.boolean(),
    findings: z.array(findingOut),
    checked: z.object({ files: z.number(), bytes: z.number() }),
  })
  .meta({ id: 'PackageReport' });

export function packageRoutes(services: Services, limits: Config['documents']): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/packages/validate',
      tag: 'paquetes',
      summary:
        'Valida un paquete de archivo (tar o zip), propio o ajeno: seguridad del contenedor, BagIt 1.0, METS y PREMIS contra los XSD oficiales, reglas E-ARK (Schematron) y cada checksum. 200 si es válido, 422 con el informe si no.',
      auth: { roles: [] },
      query: z.strictObject({
        strict: z
          .enum(['true', 'false'])
          .default('true')
          .transform((v) => v === 'true')
          .describe('false: las desviaciones de CSIP 2.0.x y los daños de finales de línea se informan como advertencias'),
      }),
      rawBody: { mediaTypes: PACKAGE_TYPES, description: 'el paquete: un tar sin comprimir o un zip' },
      responses: { 200: { description: 'Paquete válido (puede traer advertencias)', schema: reportOut }, 422: { description: 'Paquete inválido: cada regla incumplida', schema: reportOut } },
      async handler(ctx, { query }) {
        const report = await services.packages.validateUpload(
          (store) => readRawUpload(ctx, store, { maxBytes: limits.maxUploadBytes, mediaTypes: PACKAGE_TYPES, what: 'un paquete de archivo (tar o zip)' }, (put) => store.delete(put.key)),
          { strict: query.strict },
        );
        ctx.status = report.valid ? 200 : 422;
        ctx.body = report;
      },
    }),
  ];
}
