export const TAR_BLOCK = 512;

export interface TarHeader {
  name: string;
  size: number;
  /** The typeflag: '0' file, '5' directory, '1' hard link, '2' symlink, '3'/'4' devices, '6' FIFO, 'x'/'g' pax, 'L'/'K' GNU long names. */
  type: string;
  linkName: string;
}

export class TarFormatError extends Error {}

const text = (b: Buffer, start: number, end: number) => {
  const field = b.subarray(start, end);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('utf8');
};

function numeric(b: Buffer, start: number, end: number): number {
  if (b[start]! & 0x80) {
    // GNU base-256 for sizes over 8 GiB; a negative value (0xff lead) is never a valid size.
    if (b[start] === 0xff) throw new TarFormatError('tamaño negativo en una cabecera tar');
    let n = b[start]! & 0x7f;
    for (let i = start + 1; i < end; i++) n = n * 256 + b[i]!;
    return n;
  }
  const s = text(b, start, end).trim();
  if (!/^[0-7]*$/.test(s)) throw new TarFormatError(`campo numérico no octal en una cabecera tar ("${s}")`);
  return s === '' ? 0 : parseInt(s, 8);
}

/** One 512-byte tar header, or null for an all-zero (end of archive) block. The checksum is verified. */
export function parseTarHeader(block: Buffer): TarHeader | null {
  if (block.length !== TAR_BLOCK) throw new TarFormatError('cabecera tar incompleta');
  if (block.every((b) => b === 0)) return null;
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  if (numeric(block, 148, 156) !== sum) throw new TarFormatError('suma de verificación de cabecera tar incorrecta: no es un tar o está dañado');
  const posix = block.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = posix ? text(block, 345, 500) : '';
  const name = text(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: numeric(block, 124, 136),
    type: block[156] === 0 ? '0' : String.fromCharCode(block[156]!),
    linkName: text(block, 157, 257),
  };
}

/** The records of a pax extended header ("<len> key=value\n"), e.g. path, linkpath, size. */
export function parsePaxRecords(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < body.length) {
    const space = body.indexOf(0x20, p);
    if (space < 0) break;
    const len = Number(body.subarray(p, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0 || p + len > body.length) throw new TarFormatError('registro pax mal formado');
    const record = body.subarray(space + 1, p + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    p += len;
  }
  return out;
}
