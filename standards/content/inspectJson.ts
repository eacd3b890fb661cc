import type { RangeSource } from './RangeSource.ts';

/** JSON up to this size is parsed in full; above it only its ends are checked (see inspectJson). */
export const JSON_PARSE_LIMIT = 1024 * 1024;
const TAIL = 4096;

export type JsonCheck = { ok: true } | { ok: false; detail: string };

/**
 * Called when the first non-blank character is `{` or `[`. Up to JSON_PARSE_LIMIT the document must be UTF-8 and
 * parse (JSON.parse is iterative, so nesting depth cannot overflow the stack). Larger documents are not parsed here
 * — that would mean holding them in memory — and pass if their examined head is UTF-8 without NUL bytes and their
 * last non-blank character closes the opening one; whoever consumes them parses them with a streaming parser.
 */
export async function inspectJson(src: RangeSource, head: Uint8Array): Promise<JsonCheck> {
  if (src.size <= JSON_PARSE_LIMIT) {
    const bytes = head.length === src.size ? head : await src.read(0, src.size);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { ok: false, detail: 'el JSON no está codificado en UTF-8 válido' };
    }
    try {
      JSON.parse(text);
      return { ok: true };
    } catch (e) {
      return { ok: false, detail: `el JSON no es válido (${(e as Error).message})` };
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return { ok: false, detail: 'el JSON no está codificado en UTF-8 válido' };
  }
  const tail = await src.read(src.size - TAIL, src.size);
  if (head.includes(0) || tail.includes(0)) return { ok: false, detail: 'el JSON contiene bytes nulos' };
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const first = firstNonBlank(head.subarray(bom), 1);
  const last = firstNonBlank(tail, -1);
  const closer = first === 0x7b ? 0x7d : 0x5d;
  if (last !== closer) return { ok: false, detail: `el JSON no termina con «${String.fromCharCode(closer)}»` };
  return { ok: true };
}

function firstNonBlank(b: Uint8Array, direction: 1 | -1): number | undefined {
  for (let i = direction === 1 ? 0 : b.length - 1; i >= 0 && i < b.length; i += direction) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return undefined;
}
