/** A file format as PREMIS records it: a name, a version when known, and the PRONOM PUID when one is certain. */
export interface FileFormat {
  name: string;
  version: string | null;
  puid: string | null;
}

/** PRONOM PUIDs of PDF by header version (fmt/14..20 for 1.0..1.6, fmt/276 for 1.7, fmt/1129 for 2.0). */
const PDF_PUIDS: Record<string, string> = { '1.0': 'fmt/14', '1.1': 'fmt/15', '1.2': 'fmt/16', '1.3': 'fmt/17', '1.4': 'fmt/18', '1.5': 'fmt/19', '1.6': 'fmt/20', '1.7': 'fmt/276', '2.0': 'fmt/1129' };

/** PDF/A by part and conformance, as the XMP pdfaid claims it (e.g. "2b"). */
const PDFA_PUIDS: Record<string, string> = { '1a': 'fmt/95', '1b': 'fmt/354', '2a': 'fmt/476', '2b': 'fmt/477', '2u': 'fmt/478', '3a': 'fmt/479', '3b': 'fmt/480', '3u': 'fmt/481' };

/** Formats without versions in legajo's accepted set; PNG and JPEG are left without a PUID (PRONOM splits them by version). */
const OTHERS: Record<string, FileFormat> = {
  'application/xml': { name: 'Extensible Markup Language', version: '1.0', puid: 'fmt/101' },
  'application/json': { name: 'JSON Data Interchange Format', version: null, puid: 'fmt/817' },
  'image/tiff': { name: 'Tagged Image File Format', version: null, puid: 'fmt/353' },
  'application/zip': { name: 'ZIP Format', version: null, puid: 'x-fmt/263' },
  'text/plain': { name: 'Plain Text File', version: null, puid: 'x-fmt/111' },
  'image/png': { name: 'Portable Network Graphics', version: null, puid: null },
  'image/jpeg': { name: 'JPEG File Interchange Format', version: null, puid: null },
};

/** The `%PDF-x.y` version from the first bytes of a PDF, or null. */
export function pdfHeaderVersion(head: Uint8Array): string | null {
  const m = /%PDF-(\d\.\d)/.exec(Buffer.from(head.subarray(0, 1024)).toString('latin1'));
  return m ? m[1]! : null;
}

/**
 * The format of a stored file, decided from its detected media type and, for PDFs, the header version and the
 * PDF/A claim recorded when it entered; a PDF/A claim names the PDF/A PUID (the claim is not a conformance check).
 */
export function pronomFormat(mediaType: string, pdf: { headerVersion: string | null; pdfa: string | null } = { headerVersion: null, pdfa: null }): FileFormat {
  if (mediaType === 'application/pdf') {
    const pdfa = pdf.pdfa?.toLowerCase() ?? null;
    if (pdfa && PDFA_PUIDS[pdfa]) return { name: 'Acrobat PDF/A - Portable Document Format', version: `${pdfa[0]}${pdfa.slice(1)}`, puid: PDFA_PUIDS[pdfa]! };
    const v = pdf.headerVersion;
    return { name: 'Acrobat PDF - Portable Document Format', version: v, puid: v ? (PDF_PUIDS[v] ?? null) : null };
  }
  return OTHERS[mediaType] ?? { name: mediaType, version: null, puid: null };
}
