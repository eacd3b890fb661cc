import type { RangeSource } from './RangeSource.ts';
import { readZipEntryNames } from './readZipEntryNames.ts';

export type ZipDocument =
  | { ok: true; mediaType: string; extension: string }
  | { ok: false; reason: 'not-allowed' | 'malformed'; detail: string };

const ODF_PREFIX = 'application/vnd.oasis.opendocument.';
const ODF_EXTENSIONS: Record<string, string> = {
  text: 'odt',
  'text-template': 'ott',
  'text-master': 'odm',
  spreadsheet: 'ods',
  'spreadsheet-template': 'ots',
  presentation: 'odp',
  'presentation-template': 'otp',
  graphics: 'odg',
  'graphics-template': 'otg',
  chart: 'odc',
  formula: 'odf',
  image: 'odi',
};

const OOXML = [
  { folder: 'word/', mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extension: 'docx' },
  { folder: 'xl/', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx' },
  { folder: 'ppt/', mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', extension: 'pptx' },
];

/**
 * ODF or OOXML from a zip's structure, never its name. ODF: the first local entry is an uncompressed `mimetype`
 * (ODF 1.2 part 3 §3.3) naming a known document type, and the package has its manifest. OOXML: the directory holds
 * `[Content_Types].xml` and parts under exactly one of word/, xl/, ppt/. Documents carrying macros are other
 * formats (docm, xlsm, pptm; ODF with Basic/ or Scripts/) and are refused. Nothing is decompressed.
 */
export async function classifyZipDocument(src: RangeSource, head: Uint8Array): Promise<ZipDocument> {
  const listing = await readZipEntryNames(src);
  if (!listing.ok) return { ok: false, reason: 'malformed', detail: `el archivo ZIP está dañado (${listing.problem})` };
  const names = listing.names;

  const odfMimetype = readOdfMimetype(head);
  if (odfMimetype !== null) {
    if (!odfMimetype.startsWith(ODF_PREFIX)) return { ok: false, reason: 'not-allowed', detail: `se detectó un paquete ZIP de tipo ${printable(odfMimetype)}` };
    const extension = ODF_EXTENSIONS[odfMimetype.slice(ODF_PREFIX.length)];
    if (extension === undefined) return { ok: false, reason: 'not-allowed', detail: `se detectó un documento ODF de un tipo no admitido (${printable(odfMimetype)})` };
    if (!names.includes('META-INF/manifest.xml')) return { ok: false, reason: 'malformed', detail: 'el documento ODF no tiene META-INF/manifest.xml' };
    if (names.some((n) => n.startsWith('Basic/') || n.startsWith('Scripts/'))) {
      return { ok: false, reason: 'not-allowed', detail: 'el documento ODF contiene macros; guárdelo sin macros' };
    }
    return { ok: true, mediaType: odfMimetype, extension };
  }

  if (names.includes('[Content_Types].xml')) {
    const kinds = OOXML.filter((k) => names.some((n) => n.startsWith(k.folder)));
    if (kinds.length !== 1) return { ok: false, reason: 'not-allowed', detail: 'se detectó un paquete OOXML que no es un documento de Word, Excel ni PowerPoint' };
    if (names.some((n) => n.endsWith('vbaProject.bin'))) {
      return { ok: false, reason: 'not-allowed', detail: 'el documento OOXML contiene macros (vbaProject.bin); guárdelo como .docx, .xlsx o .pptx sin macros' };
    }
    const { mediaType, extension } = kinds[0]!;
    return { ok: true, mediaType, extension };
  }
  return { ok: false, reason: 'not-allowed', detail: 'se detectó un archivo ZIP que no es un documento ODF ni OOXML' };
}

/** The stored `mimetype` entry's content when it is the first local entry, else null. */
function readOdfMimetype(head: Uint8Array): string | null {
  if (head.length < 30) return null;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const stored = v.getUint16(8, true) === 0;
  const size = v.getUint32(18, true);
  const nameLength = v.getUint16(26, true);
  const dataStart = 30 + nameLength + v.getUint16(28, true);
  if (!stored || nameLength !== 8 || new TextDecoder('latin1').decode(head.subarray(30, 38)) !== 'mimetype') return null;
  if (size === 0 || size > 200 || dataStart + size > head.length) return null;
  return new TextDecoder('latin1').decode(head.subarray(dataStart, dataStart + size));
}

/** Bytes from the file, shortened and stripped of control characters before they reach a message. */
function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
}
