export interface PdfaClaim {
  /** 1 to 4 (ISO 19005-1 … -4). */
  part: number;
  /** A, B, U (parts 1–3), E or F (part 4, where it is optional), as written; null when absent. */
  conformance: string | null;
}

const PDFAID_NS = 'http://www.aiim.org/pdfa/ns/id/';

/**
 * The PDF/A identification an XMP packet claims (pdfaid:part, pdfaid:conformance), written either as elements or as
 * attributes of rdf:Description, under whatever prefix the packet binds to the pdfaid namespace. A claim only:
 * conformance is not validated here. The packet is scanned with regular expressions, never given to an XML parser,
 * so nothing in it (entities, DTDs) is ever resolved.
 */
export function readPdfaId(xmp: string): PdfaClaim | null {
  const prefixes = new Set(['pdfaid']);
  for (const m of xmp.matchAll(/xmlns:([A-Za-z_][\w.-]*)\s*=\s*["']([^"']*)["']/g)) if (m[2] === PDFAID_NS) prefixes.add(m[1]!);
  for (const prefix of prefixes) {
    const part = property(xmp, prefix, 'part');
    if (part === null || !/^[1-4]$/.test(part)) continue;
    const conformance = property(xmp, prefix, 'conformance');
    return { part: Number(part), conformance: conformance === null || conformance === '' ? null : conformance.toUpperCase() };
  }
  return null;
}

function property(xmp: string, prefix: string, name: string): string | null {
  const qname = `${prefix}:${name}`.replace(/\./g, '\\.');
  // Character classes stop at the next < (or quote), so every scan is linear even on a hostile packet.
  const element = new RegExp(`<${qname}(?:\\s[^<>]*)?>([^<]*)</${qname}>`).exec(xmp);
  if (element) return element[1]!.trim();
  const attribute = new RegExp(`\\s${qname}\\s*=\\s*(?:"([^"<>]*)"|'([^'<>]*)')`).exec(xmp);
  return attribute ? (attribute[1] ?? attribute[2]!).trim() : null;
}
