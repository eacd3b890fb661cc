export type XmlProlog =
  | { ok: true }
  | { ok: false; reason: 'unsafe-xml' | 'not-allowed' | 'malformed'; detail: string };

/**
 * Walks an XML prolog (declaration, comments, processing instructions, DOCTYPE) up to the root element.
 * Only the prolog can declare entities or an external DTD, so this is where XXE and entity-expansion input is
 * refused; the body is not parsed. `text` is the examined head decoded so that ASCII markup reads as ASCII;
 * `complete` says whether it is the whole document (otherwise running out of text means the prolog is too long).
 */
export function inspectXmlProlog(text: string, complete: boolean): XmlProlog {
  const outOfText: XmlProlog = complete
    ? { ok: false, reason: 'malformed', detail: 'el XML termina antes de su elemento raíz' }
    : { ok: false, reason: 'malformed', detail: `el prólogo del XML (antes del elemento raíz) supera los ${text.length} caracteres examinados` };
  let p = skipSpace(text, 0);
  if (/^<\?xml[\s?]/.test(text.slice(p, p + 6))) {
    const end = text.indexOf('?>', p);
    if (end < 0) return outOfText;
    p = end + 2;
  }
  for (;;) {
    p = skipSpace(text, p);
    if (p >= text.length) return outOfText;
    if (text.startsWith('<!--', p)) {
      const end = text.indexOf('-->', p + 4);
      if (end < 0) return outOfText;
      p = end + 3;
    } else if (text.startsWith('<?', p)) {
      const end = text.indexOf('?>', p + 2);
      if (end < 0) return outOfText;
      p = end + 2;
    } else if (text.startsWith('<!DOCTYPE', p) || text.startsWith('<!doctype', p)) {
      const doctype = readDoctype(text, p);
      if (doctype === null) return outOfText;
      if (/^html$/i.test(doctype.name)) return { ok: false, reason: 'not-allowed', detail: 'se detectó HTML' };
      if (/<!ENTITY/i.test(doctype.subset)) {
        return {
          ok: false,
          reason: 'unsafe-xml',
          detail:
            'el XML declara entidades en su DOCTYPE (<!ENTITY …>), recurso que se usa en ataques de expansión de entidades y de entidades externas (XXE)',
        };
      }
      if (doctype.external) {
        return { ok: false, reason: 'unsafe-xml', detail: 'el XML hace referencia a una DTD externa (SYSTEM o PUBLIC), que por seguridad no se descarga' };
      }
      p = doctype.end;
    } else {
      const m = /^<([A-Za-z_\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*)[\s/>]/.exec(text.slice(p, p + 256));
      if (!m) return complete || p + 256 < text.length ? { ok: false, reason: 'not-allowed', detail: 'texto que no es JSON ni XML' } : outOfText;
      const root = m[1]!;
      const local = root.slice(root.indexOf(':') + 1).toLowerCase();
      // Served as XML, these roots are rendered (and their scripts run) by browsers: they are other formats.
      if (local === 'html') return { ok: false, reason: 'not-allowed', detail: 'se detectó HTML' };
      if (local === 'svg') return { ok: false, reason: 'not-allowed', detail: 'se detectó una imagen SVG' };
      return { ok: true };
    }
  }
}

interface Doctype {
  name: string;
  external: boolean;
  /** The internal subset between [ and ], empty when absent. */
  subset: string;
  end: number;
}

/** Null when the DOCTYPE runs past the examined text. */
function readDoctype(text: string, start: number): Doctype | null {
  const head = /^<!DOCTYPE\s+([^\s[>]+)\s*(SYSTEM|PUBLIC)?/i.exec(text.slice(start, start + 1024));
  if (!head) return null;
  let p = start + head[0].length;
  // Quoted literals (the external identifier) may contain '[' or '>', so skip them whole.
  let subset = '';
  while (p < text.length) {
    const c = text[p]!;
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, p + 1);
      if (end < 0) return null;
      p = end + 1;
    } else if (c === '[') {
      const end = endOfSubset(text, p + 1);
      if (end < 0) return null;
      subset = text.slice(p + 1, end);
      p = end + 1;
    } else if (c === '>') {
      return { name: head[1]!, external: head[2] !== undefined, subset, end: p + 1 };
    } else {
      p++;
    }
  }
  return null;
}

/** Index of the ']' closing an internal subset, skipping quoted literals and comments; -1 past the text. */
function endOfSubset(text: string, p: number): number {
  while (p < text.length) {
    const c = text[p]!;
    if (c === ']') return p;
    const close = c === '"' || c === "'" ? c : text.startsWith('<!--', p) ? '-->' : null;
    if (close === null) {
      p++;
      continue;
    }
    const end = text.indexOf(close, p + 1);
    if (end < 0) return -1;
    p = end + close.length;
  }
  return -1;
}

function skipSpace(text: string, p: number): number {
  while (p < text.length && ' \t\r\n'.includes(text[p]!)) p++;
  return p;
}
