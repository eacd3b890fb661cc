// Containers made on the fly for the validator's tests: well-formed ones from folders, and hand-built hostile ones.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, deflateRawSync } from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';

/** A folder as a tar whose single top folder is the folder's own name, made by the system's tar. */
export function tarFolder(dir: string, out: string): string {
  const r = spawnSync('tar', ['-cf', out, '-C', dirname(dir), basename(dir)]);
  if (r.status !== 0) throw new Error(`tar falló: ${r.stderr}`);
  return out;
}

/** A folder as a deflated zip with the same single top folder (yazl, the writer the transfers feature uses). */
export async function zipFolder(dir: string, out: string): Promise<string> {
  const zip = new yazl.ZipFile();
  const walk = async (abs: string, rel: string) => {
    for (const d of (await readdir(abs, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (d.isDirectory()) await walk(join(abs, d.name), `${rel}/${d.name}`);
      else zip.addFile(join(abs, d.name), `${rel}/${d.name}`);
    }
  };
  await walk(dir, basename(dir));
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(out));
  await stat(out);
  return out;
}

export interface TarItem {
  name: string;
  body?: Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  linkname?: string;
}

/** A tar with exactly these headers, names unchecked (tar-stream writes what it is given). */
export async function tarOf(items: TarItem[], out: string): Promise<string> {
  const pack = tar.pack();
  const done = pipeline(Readable.from(pack as AsyncIterable<Buffer>), createWriteStream(out));
  for (const item of items) {
    const body = item.body ?? Buffer.alloc(0);
    const type = item.type ?? 'file';
    const header = { name: item.name, type, size: type === 'file' ? body.length : 0, ...(item.linkname ? { linkname: item.linkname } : {}) };
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, body, settle);
      else pack.entry(header, settle);
    });
  }
  pack.finalize();
  await done;
  return out;
}

export interface ZipItem {
  name: string;
  data: Buffer;
  deflate?: boolean;
  /** Uncompressed size written in the headers, when it should lie. */
  declaredSize?: number;
  /** Unix mode (file type bits included), e.g. 0o120777 for a symlink. */
  mode?: number;
}

/** A zip written byte by byte, so names, sizes and modes can be anything a hostile sender would put there. */
export function rawZip(items: ZipItem[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const item of items) {
    const name = Buffer.from(item.name, 'utf8');
    const body = item.deflate ? deflateRawSync(item.data) : item.data;
    const size = item.declaredSize ?? item.data.length;
    const crc = crc32(item.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(item.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(item.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((item.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
