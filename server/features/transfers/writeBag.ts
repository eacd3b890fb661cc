import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { bagManifest } from '../../../standards/archive/package/bagit.ts';
import type { PackagePlan, PayloadFile } from '../../../standards/archive/package/transferPackage.ts';

/** A payload file whose bytes differ from what was recorded: the package would lie, so the build stops for good. */
export class PayloadMismatchError extends Error {
  override readonly name = 'PayloadMismatchError';
}

/**
 * Hashes with SHA-256 and SHA-512 and counts what flows through, in one pass; a stream longer or shorter than the
 * size the tar header declared fails here, naming the file, before tar-stream's own bare "Size mismatch".
 */
class BagDigests extends Transform {
  readonly sha256: Hash = createHash('sha256');
  readonly sha512: Hash = createHash('sha512');
  size = 0;

  constructor(
    private readonly path: string,
    private readonly expected: number,
    private readonly onBytes: (n: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.expected) return callback(this.mismatch());
    this.sha256.update(chunk);
    this.sha512.update(chunk);
    this.onBytes(chunk.length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.size === this.expected ? null : this.mismatch());
  }

  private mismatch() {
    return new PayloadMismatchError(`${this.path}: el almacén entregó ${this.size > this.expected ? 'más' : 'menos'} bytes que los ${this.expected} registrados.`);
  }
}

export interface BagProgress {
  filesDone: number;
  bytesDone: number;
}

/**
 * Streams the bag as an uncompressed POSIX tar under its base directory (E-ARK AIP28; CSIPSTR1: one root folder):
 * the tag files and every data/ file as planned, payload bytes read through `open` and hashed on the way, each
 * checked against the SHA-256 and size the METS already states; then the sha256 and sha512 payload manifests and
 * the tag manifests, last, since only then are the SHA-512s known. Memory stays bounded by the tar's buffers.
 */
export function writeBag(plan: PackagePlan, open: (file: PayloadFile) => Promise<Readable>, progress: (p: BagProgress) => void = () => {}, mtime = new Date()): Readable {
  const pack = tar.pack();
  const done: BagProgress = { filesDone: 0, bytesDone: 0 };
  const payload: Array<{ path: string; sha256: string; sha512: string }> = [];
  const tags: Array<{ path: string; sha256: string; sha512: string }> = [];
  const add = async (path: string, size: number, body: Readable) => {
    const digests = new BagDigests(path, size, (n) => {
      done.bytesDone += n;
    });
    await pipeline(body, digests, pack.entry({ name: `${plan.baseDir}/${path}`, size, mtime, mode: 0o644 }) as unknown as NodeJS.WritableStream);
    done.filesDone++;
    progress(done);
    return { path, size: digests.size, sha256: digests.sha256.digest('hex'), sha512: digests.sha512.digest('hex') };
  };
  (async () => {
    for (const entry of plan.entries) {
      if ('bytes' in entry) {
        const written = await add(entry.path, entry.bytes.length, Readable.from([entry.bytes]));
        (entry.path.startsWith('data/') ? payload : tags).push(written);
        continue;
      }
      const f = entry.file;
      const written = await add(entry.path, f.size, await open(f));
      if (written.sha256 !== f.sha256) {
        throw new PayloadMismatchError(`${entry.path}: el almacén entregó bytes con SHA-256 ${written.sha256}; se registró ${f.sha256}.`);
      }
      payload.push(written);
    }
    for (const alg of ['sha256', 'sha512'] as const) {
      const manifest = Buffer.from(bagManifest(payload.map((p) => ({ path: p.path, digest: p[alg] }))), 'utf8');
      tags.push(await add(`manifest-${alg}.txt`, manifest.length, Readable.from([manifest])));
    }
    for (const alg of ['sha256', 'sha512'] as const) {
      const manifest = Buffer.from(bagManifest(tags.map((p) => ({ path: p.path, digest: p[alg] }))), 'utf8');
      await add(`tagmanifest-${alg}.txt`, manifest.length, Readable.from([manifest]));
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  // tar-stream's streams are streamx streams, not Node streams: wrap it for the object store and Koa.
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}
