import type { Dirent, Stats } from 'node:fs';
import { link, mkdir, open, readdir, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { ObjectNotFoundError, InvalidKeyError } from './errors.ts';
import { assertObjectKey, isObjectKey, objectKey } from './objectKey.ts';
import type {
  ByteRange,
  ObjectInfo,
  ObjectStat,
  ObjectStore,
  PutOptions,
  PutResult,
  TemporaryEntry,
} from './ObjectStore.ts';
import { pipeHashed } from './pipeHashed.ts';
import { resolveRange } from './resolveRange.ts';
import { isTemporaryName, temporaryName } from './temporaryName.ts';

export interface FilesystemObjectStoreOptions {
  /** Directory holding `sha256/…` objects and the `.tmp` area; both must be on one filesystem (hard links). */
  root: string;
  maxObjectSize?: number | undefined;
}

/**
 * Objects as files under `<root>/sha256/aa/bb/<hex>`. A put writes `<root>/.tmp/<uuid>`, fsyncs it, then hard-links it
 * to its final name: the final name only ever appears complete, and `link` (unlike `rename`) never replaces an
 * existing object, which tells a new object from a duplicate without a separate, racy existence check.
 */
export class FilesystemObjectStore implements ObjectStore {
  readonly #root: string;
  readonly #tempDir: string;
  readonly #maxObjectSize: number | undefined;

  constructor({ root, maxObjectSize }: FilesystemObjectStoreOptions) {
    this.#root = root;
    this.#tempDir = join(root, '.tmp');
    this.#maxObjectSize = maxObjectSize;
  }

  async init(): Promise<void> {
    await mkdir(this.#tempDir, { recursive: true });
    await mkdir(join(this.#root, 'sha256'), { recursive: true });
  }

  async put(body: Readable, opts: PutOptions = {}): Promise<PutResult> {
    // Also done here, not only in init(): cheap, and a store used without init() still works.
    await mkdir(this.#tempDir, { recursive: true });
    const temp = join(this.#tempDir, temporaryName());
    // Opened before streaming: an open error costs no transfer, and no open is still pending when cleanup runs.
    const handle = await open(temp, 'wx');
    try {
      // The stream owns the handle: it fsyncs (flush) and closes it, and pipeHashed settles only once it has closed,
      // on failure too. Durable before visible: after a crash the final name never holds a short or empty file.
      const digest = await pipeHashed(body, handle.createWriteStream({ flush: true }), {
        ...opts,
        maxSize: this.#maxObjectSize,
      });
      const key = objectKey(digest.sha256);
      const created = await this.#publish(temp, key);
      return { key, ...digest, created };
    } finally {
      // After a successful link this only drops the temporary name; otherwise it discards the partial data.
      await rm(temp, { force: true });
    }
  }

  async #publish(temp: string, key: string): Promise<boolean> {
    const path = this.#path(key);
    const dir = dirname(path);
    const firstCreated = await mkdir(dir, { recursive: true });
    for (;;) {
      try {
        await link(temp, path);
        break;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      try {
        // The caller is about to reference this object, which may be an old orphan the sweeper is due to remove:
        // restarting its grace period covers the time until the caller's row is committed.
        const now = new Date();
        await utimes(path, now, now);
        return false;
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err; // swept in between: publish ours after all
      }
    }
    // Persist the new entry, and those of any directory just created, so the object outlives a power loss once a
    // row points to it.
    const changed = [dir];
    if (firstCreated !== undefined) {
      for (let d = dir; d !== dirname(firstCreated); ) changed.push((d = dirname(d)));
    }
    await Promise.all(changed.map(fsyncDirectory));
    return true;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.#path(key);
    let handle;
    try {
      // Reading through one open handle keeps size check and bytes consistent even if the object is deleted meanwhile.
      handle = await open(path, 'r');
    } catch (err) {
      throw isErrno(err, 'ENOENT') ? new ObjectNotFoundError(key) : err;
    }
    try {
      const { size } = await handle.stat();
      return handle.createReadStream(range === undefined ? {} : resolveRange(range, size));
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectStat | null> {
    const stats = await statOrNull(this.#path(key));
    return stats && { size: stats.size, lastModified: stats.mtime };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    // Empty fan-out directories are kept: removing them would race with a put linking into them.
    await rm(this.#path(key), { force: true });
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    if (overlaps('sha256/', prefix)) yield* this.#walk('sha256', prefix);
  }

  /** Depth-first over the two fan-out levels, sorted so listings come in key order as on S3. */
  async *#walk(relative: string, prefix: string): AsyncGenerator<ObjectInfo> {
    const leaf = relative.split('/').length === 3; // sha256/aa/bb holds the objects
    const entries = await readdirOrEmpty(join(this.#root, relative));
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = `${relative}/${entry.name}`;
      if (leaf) {
        if (!entry.isFile() || !isObjectKey(child) || !child.startsWith(prefix)) continue;
        // Deleted between readdir and stat: skip it, as S3 would not have listed it either.
        const stats = await statOrNull(join(this.#root, child));
        if (stats) yield { key: child, size: stats.size, lastModified: stats.mtime };
      } else if (entry.isDirectory() && FANOUT.test(entry.name) && overlaps(`${child}/`, prefix)) {
        yield* this.#walk(child, prefix);
      }
    }
  }

  async *listTemporary(): AsyncIterable<TemporaryEntry> {
    for (const entry of await readdirOrEmpty(this.#tempDir)) {
      if (!entry.isFile() || !isTemporaryName(entry.name)) continue;
      // A put may finish and remove its file between readdir and stat.
      const stats = await statOrNull(join(this.#tempDir, entry.name));
      if (stats) yield { id: entry.name, lastModified: stats.mtime };
    }
  }

  async removeTemporary(id: string): Promise<void> {
    if (!isTemporaryName(id)) throw new InvalidKeyError(id);
    await rm(join(this.#tempDir, id), { force: true });
  }

  #path(key: string): string {
    assertObjectKey(key);
    return join(this.#root, key);
  }
}

const FANOUT = /^[0-9a-f]{2}$/;

/** Whether a directory may hold keys starting with `prefix`. */
function overlaps(directoryPrefix: string, prefix: string): boolean {
  return directoryPrefix.startsWith(prefix) || prefix.startsWith(directoryPrefix);
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

async function readdirOrEmpty(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
