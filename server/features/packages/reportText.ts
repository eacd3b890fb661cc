import type { PackageReport } from '../../../standards/archive/validation/PackageReport.ts';

const KIND: Record<string, string> = { 'bagit+e-ark': 'E-ARK dentro de una bolsa BagIt', 'e-ark': 'E-ARK', bagit: 'bolsa BagIt' };

/** The report as the CLI prints it, in Spanish: one line per finding, then the verdict and what to do. */
export function reportText(source: string, report: PackageReport): string {
  const errors = report.findings.filter((f) => f.level === 'error').length;
  const warnings = report.findings.length - errors;
  const lines = [`Paquete ${source}: ${report.kind ? KIND[report.kind] : 'tipo no reconocido'}${report.strict ? '' : ' (modo no estricto)'}`];
  for (const f of report.findings) lines.push(`${f.level === 'error' ? 'ERROR     ' : 'ADVERTENCIA'} [${f.rule}] ${f.path || '(paquete)'}: ${f.message}`);
  lines.push(
    report.valid
      ? `ok  paquete válido: ${report.checked.files} archivos y ${report.checked.bytes} bytes verificados, ${warnings} advertencia(s)`
      : `ERROR  paquete inválido: ${errors} error(es), ${warnings} advertencia(s); corrija cada regla indicada y vuelva a validar`,
  );
  return `${lines.join('\n')}\n`;
}
