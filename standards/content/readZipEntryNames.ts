import type { RangeSource } from './RangeSource.ts';

export type ZipListing = { ok: true; names: string[] } | { ok: false; problem: string };

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_ENTRY = 0x02014b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** A central directory above this is refused rather than read: real documents have a few hundred entries. */
const MAX_CENTRAL_DIRECTORY = 16 * 1024 * 1024;

/**
 * Entry names from a zip's central directory, read through ranges (the end record, then the directory itself),
 * never the entries' data. Names are decoded as Latin-1: callers only compare them with ASCII part names.
 */
export async function readZipEntryNames(src: RangeSource): Promise<ZipListing> {
  const tailStart = Math.max(0, src.size - (EOCD_SIZE + MAX_COMMENT));
  const tail = await src.read(tailStart, src.size);
  const tv = view(tail);
  // The end record is the last one whose comment length reaches exactly the end of the file.
  let eocd = -1;
  for (let p = tail.length - EOCD_SIZE; p >= 0; p--) {
    if (tv.getUint32(p, true) === EOCD && p + EOCD_SIZE + tv.getUint16(p + 20, true) === tail.length) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) return { ok: false, problem: 'no se encontró el registro final del directorio ZIP' };

  let entries = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  let cdLimit = tailStart + eocd;
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // ZIP64: the real counts live in a larger record that a locator just before the end record points to.
    if (eocd < 20 || tv.getUint32(eocd - 20, true) !== ZIP64_LOCATOR) return { ok: false, problem: 'directorio ZIP64 sin localizador' };
    const z64Offset = Number(tv.getBigUint64(eocd - 12, true));
    if (z64Offset + 56 > tailStart + eocd - 20) return { ok: false, problem: 'directorio ZIP64 fuera del archivo' };
    const z = view(await src.read(z64Offset, z64Offset + 56));
    if (z.getUint32(0, true) !== ZIP64_EOCD) return { ok: false, problem: 'registro ZIP64 inválido' };
    entries = Number(z.getBigUint64(32, true));
    cdSize = Number(z.getBigUint64(40, true));
    cdOffset = Number(z.getBigUint64(48, true));
    cdLimit = z64Offset;
  }
  if (cdSize > MAX_CENTRAL_DIRECTORY) return { ok: false, problem: 'directorio ZIP demasiado grande' };
  if (cdOffset + cdSize > cdLimit) return { ok: false, problem: 'el directorio ZIP apunta fuera del archivo' };

  const cd = await src.read(cdOffset, cdOffset + cdSize);
  const cv = view(cd);
  const names: string[] = [];
  let p = 0;
  while (names.length < entries) {
    if (p + 46 > cd.length || cv.getUint32(p, true) !== CENTRAL_ENTRY) return { ok: false, problem: 'entrada del directorio ZIP dañada' };
    const nameLength = cv.getUint16(p + 28, true);
    const next = p + 46 + nameLength + cv.getUint16(p + 30, true) + cv.getUint16(p + 32, true);
    if (next > cd.length) return { ok: false, problem: 'entrada del directorio ZIP dañada' };
    names.push(latin1(cd.subarray(p + 46, p + 46 + nameLength)));
    p = next;
  }
  return { ok: true, names };
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function latin1(b: Uint8Array): string {
  return new TextDecoder('latin1').decode(b);
}
