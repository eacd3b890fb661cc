import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Services } from '../../services.ts';
import type { PackageReport } from '../../../standards/archive/validation/PackageReport.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import { ValidationError } from '../../errors.ts';
import { readMultipartUpload } from '../readMultipartUpload.ts';
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
    detail: z.string().describe('el veredicto en una frase y qué hacer'),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).describe('cada hallazgo de nivel error como "regla ruta": mensaje, igual que los errores de un problem+json'),
  })
  .meta({ id: 'PackageReport' });

/**
 * The report with its verdict in the vocabulary of a problem (detail, errors): whoever shows API problems — the
 * web forms among them — shows which rules failed without knowing the report's shape.
 */
function withVerdict(report: PackageReport) {
  const errors = report.findings.filter((f) => f.level === 'error');
  const warnings = report.findings.length - errors.length;
  const detail = report.valid
    ? `Paquete válido: ${report.checked.files} archivos verificados${warnings ? `, con ${warnings} advertencia(s)` : ''}.`
    : `Paquete inválido: ${errors.length} regla(s) incumplida(s)${warnings ? ` y ${warnings} advertencia(s)` : ''}. Corrija cada una y vuelva a validar.`;
  return { ...report, detail, errors: errors.map((f) => ({ field: `${f.rule}${f.path ? ` ${f.path}` : ''}`, message: f.message })) };
}

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
        // A browser form sends the file as multipart (part "file", optional part "strict"); programs send it raw.
        // The multipart "strict" part arrives with the body, before validation reads the options.
        const opts = { strict: query.strict };
        const receive = async (store: ObjectStore) => {
          if (!ctx.is('multipart/form-data')) {
            return readRawUpload(ctx, store, { maxBytes: limits.maxUploadBytes, mediaTypes: PACKAGE_TYPES, what: 'un paquete de archivo (tar o zip)' }, (put) => store.delete(put.key));
          }
          const upload = await readMultipartUpload(ctx, store, { maxFileBytes: limits.maxUploadBytes, fields: ['strict'], maxFieldBytes: 16 }, (put) => store.delete(put.key));
          if (upload.fields.strict !== undefined) opts.strict = upload.fields.strict !== 'false';
          if (!upload.file || upload.file.put.size === 0) {
            if (upload.file) await store.delete(upload.file.put.key);
            throw new ValidationError('No llegó ningún paquete: elija un archivo tar o zip.', [{ field: 'file', message: 'falta el paquete' }]);
          }
          return upload.file.put;
        };
        const report = await services.packages.validateUpload(receive, opts);
        ctx.status = report.valid ? 200 : 422;
        ctx.body = withVerdict(report);
      },
    }),
  ];
}
