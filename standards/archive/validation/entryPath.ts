import { finding, type Finding } from './PackageReport.ts';

export type EntryPathCheck = { ok: true; path: string } | { ok: false; finding: Finding };

/**
 * An archive entry name made safe to compare and to resolve, or the reason it is refused. Nothing is ever
 * written from these names; refusing them still matters because another tool that unpacks the package would
 * follow them (zip-slip), and because a name that means two things makes every later check ambiguous.
 */
export function checkEntryPath(raw: string): EntryPathCheck {
  const bad = (why: string): EntryPathCheck => ({ ok: false, finding: finding('error', 'SAFE-PATH', raw, `nombre de entrada rechazado: ${why}`) });
  if (/[\u0000-\u001f\u007f]/.test(raw)) return bad('contiene caracteres de control');
  if (raw.includes('\\')) return bad('usa "\\", que en Windows separa carpetas y permitiría salir del paquete');
  if (raw.startsWith('/')) return bad('es una ruta absoluta');
  if (/^[A-Za-z]:/.test(raw)) return bad('empieza con una unidad de Windows');
  const trimmed = raw.replace(/\/+$/, '');
  const parts = trimmed.split('/');
  if (trimmed === '' || parts.some((p) => p === '')) return bad('tiene un segmento vacío');
  if (parts.some((p) => p === '..')) return bad('contiene "..", que saldría de la carpeta del paquete');
  const kept = parts.filter((p) => p !== '.');
  if (!kept.length) return bad('no nombra ningún archivo');
  return { ok: true, path: kept.join('/') };
}

/** Duplicate names and names that collide once letter case is ignored (they would overwrite each other on macOS or Windows). */
export function findNameCollisions(paths: Iterable<string>): Finding[] {
  const exact = new Set<string>();
  const folded = new Map<string, string>();
  const out: Finding[] = [];
  for (const p of paths) {
    if (exact.has(p)) {
      out.push(finding('error', 'SAFE-DUPLICATE', p, 'la entrada aparece más de una vez en el contenedor'));
      continue;
    }
    exact.add(p);
    const key = p.normalize('NFC').toLowerCase();
    const other = folded.get(key);
    if (other !== undefined) out.push(finding('error', 'SAFE-CASE', p, `solo difiere de "${other}" en mayúsculas/minúsculas o en la normalización Unicode`));
    else folded.set(key, p);
  }
  return out;
}
