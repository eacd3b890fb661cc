import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  ChecksumMismatchError,
  InvalidKeyError,
  InvalidRangeError,
  ObjectNotFoundError,
  ObjectTooLargeError,
} from '../../storage/errors.ts';
import { objectKey } from '../../storage/objectKey.ts';
import type { ObjectInfo, ObjectStore, TemporaryEntry } from '../../storage/ObjectStore.ts';
import { sweepOrphans } from '../../storage/sweepOrphans.ts';
import { generatedSha256, generatedStream, readAll, sha256Of } from './generatedStream.ts';
import { openStore, type StoreSpec } from './storeSpec.ts';

export interface ContractTarget {
  /** Spec of a fresh, empty store; `maxObjectSize` must be honoured when given. */
  spec(overrides?: { maxObjectSize?: number }): Promise<StoreSpec>;
  /** The adapter's multipart part size (the filesystem adapter has none; sizes around it are still worth testing). */
  partSize: number;
  /**
   * Whether a killed put leaves temporary data the store can list. s3rver cannot list unfinished multipart uploads
   * (no ListMultipartUploads), so there the leftover is invisible to the store and to the sweeper.
   */
  crashLeavesVisibleTemporary: boolean;
}

const HOUR = 3_600_000;
const MiB = 1024 * 1024;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Nothing under any final key and no temporary data: what every failed put must leave. */
async function expectEmpty(store: ObjectStore): Promise<void> {
  expect(await collect<ObjectInfo>(store.list())).toEqual([]);
  expect(await collect<TemporaryEntry>(store.listTemporary())).toEqual([]);
}

/** The shared behaviour of every ObjectStore adapter. */
export function objectStoreContract(name: string, target: ContractTarget): void {
  const open = async (overrides?: { maxObjectSize?: number }): Promise<ObjectStore> =>
    openStore(await target.spec(overrides));

  describe(`${name}: ObjectStore contract`, () => {
    describe('put and get', () => {
      it('round-trips bytes under their content address', async () => {
        const store = await open();
        const bytes = bytesOf('acta de recepción nº 1');
        const result = await store.put(Readable.from([bytes]));
        expect(result).toEqual({ key: objectKey(sha256(bytes)), sha256: sha256(bytes), size: bytes.length, created: true });
        expect(result.key).toMatch(/^sha256\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
        expect(await readAll(await store.get(result.key))).toEqual(bytes);
        expect(await store.stat(result.key)).toMatchObject({ size: bytes.length });
        expect((await store.stat(result.key))!.lastModified).toBeInstanceOf(Date);
        expect(await store.exists(result.key)).toBe(true);
      });

      it('stores an empty object', async () => {
        const store = await open();
        const result = await store.put(Readable.from([]));
        expect(result).toMatchObject({ sha256: sha256(Buffer.alloc(0)), size: 0, created: true });
        expect(await readAll(await store.get(result.key))).toEqual(Buffer.alloc(0));
      });

      it.each([
        ['one byte short of a part', -1],
        ['exactly one part', 0],
        ['one byte over a part', 1],
        ['over two parts', target.partSize + 12_345],
      ])('round-trips an object %s', async (_label, delta) => {
        const store = await open();
        const size = target.partSize + delta;
        const result = await store.put(generatedStream(size, { seed: size }));
        expect(result).toMatchObject({ sha256: generatedSha256(size, size), size, created: true });
        expect(await sha256Of(await store.get(result.key))).toBe(result.sha256);
        expect(await store.stat(result.key)).toMatchObject({ size });
        await expectNoTemporary(store);
      });

      it('accepts a matching expected hash, in either case', async () => {
        const store = await open();
        const bytes = bytesOf('oficio ordinario 42');
        const result = await store.put(Readable.from([bytes]), { expectedSha256: sha256(bytes).toUpperCase() });
        expect(result.sha256).toBe(sha256(bytes));
      });

      it('rejects a malformed expected hash', async () => {
        const store = await open();
        await expect(store.put(Readable.from([bytesOf('x')]), { expectedSha256: 'abc' })).rejects.toBeInstanceOf(
          InvalidKeyError,
        );
        await expectEmpty(store);
      });

      it.each([
        ['a small object', 1000],
        ['a multipart-sized object', target.partSize * 2 + 1],
      ])('keeps nothing of %s whose hash does not match', async (_label, size) => {
        const store = await open();
        const wrong = sha256(bytesOf('something else'));
        const error = await store.put(generatedStream(size, { seed: 7 }), { expectedSha256: wrong }).catch((e) => e);
        expect(error).toBeInstanceOf(ChecksumMismatchError);
        expect(error).toMatchObject({ expected: wrong, actual: generatedSha256(size, 7) });
        await expectEmpty(store);
        expect(await store.exists(objectKey(generatedSha256(size, 7)))).toBe(false);
      });

      it('is idempotent for identical bytes', async () => {
        const store = await open();
        const bytes = bytesOf('resolución exenta 7');
        const first = await store.put(Readable.from([bytes]));
        const second = await store.put(Readable.from([bytes]));
        expect(second).toEqual({ ...first, created: false });
        expect((await collect(store.list())).map((o) => o.key)).toEqual([first.key]);
        expect(await readAll(await store.get(first.key))).toEqual(bytes);
        await expectNoTemporary(store);
      });

      it('refreshes lastModified on a re-put, so a new reference is not swept as an old orphan', async () => {
        const store = await open();
        const bytes = generatedStream(target.partSize + 1, { seed: 3 });
        const { key } = await store.put(bytes);
        const before = (await store.stat(key))!.lastModified;
        await sleep(1100); // S3 dates objects to the second
        const again = await store.put(generatedStream(target.partSize + 1, { seed: 3 }));
        expect(again.created).toBe(false);
        expect((await store.stat(key))!.lastModified.getTime()).toBeGreaterThan(before.getTime());
        await expectNoTemporary(store);
      });

      it('enforces the maximum object size and keeps nothing', async () => {
        const limit = 3 * MiB;
        const store = await open({ maxObjectSize: limit });
        await expect(store.put(generatedStream(limit + 1))).rejects.toBeInstanceOf(ObjectTooLargeError);
        await expectEmpty(store);
        expect((await store.put(generatedStream(limit))).size).toBe(limit);
      });
    });

    describe('failures leave nothing behind', () => {
      it('when the signal aborts mid-stream', async () => {
        const store = await open();
        const controller = new AbortController();
        const body = generatedStream(Number.POSITIVE_INFINITY, {
          onProduced: (total) => total >= target.partSize * 2.5 && controller.abort(),
        });
        await expect(store.put(body, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
        expect(body.destroyed).toBe(true);
        await expectEmpty(store);
        expect(await sweepOrphans({ store, isReferenced: noneReferenced, graceMs: 0, now: new Date() })).toEqual({
          examined: 0,
          deleted: 0,
          temporaryRemoved: 0,
        });
      });

      it('when the signal is already aborted', async () => {
        const store = await open();
        const controller = new AbortController();
        controller.abort(new Error('client went away'));
        await expect(store.put(generatedStream(1000), { signal: controller.signal })).rejects.toThrow(
          'client went away',
        );
        await expectEmpty(store);
      });

      it('when the source stream errors mid-stream', async () => {
        const store = await open();
        const failure = new Error('connection reset by peer');
        const body = generatedStream(target.partSize * 2 + 100, { failWith: failure });
        await expect(store.put(body)).rejects.toBe(failure);
        await expectEmpty(store);
      });

      it('when the process is killed mid-put, and the sweeper removes the leftovers after the grace period', async () => {
        const spec = await target.spec();
        const store = await openStore(spec); // the same backend the child writes to
        await killMidPut(spec, target.partSize * 2 + 1);
        expect(await collect(store.list())).toEqual([]);
        const leftovers = await collect(store.listTemporary());
        if (target.crashLeavesVisibleTemporary) expect(leftovers.length).toBeGreaterThan(0);
        const now = new Date();
        const early = await sweepOrphans({ store, isReferenced: noneReferenced, graceMs: HOUR, now });
        expect(early.temporaryRemoved).toBe(0);
        expect(await collect(store.listTemporary())).toHaveLength(leftovers.length);
        const late = await sweepOrphans({
          store,
          isReferenced: noneReferenced,
          graceMs: HOUR,
          now: new Date(now.getTime() + 2 * HOUR),
        });
        expect(late.temporaryRemoved).toBe(leftovers.length);
        await expectEmpty(store);
      });
    });

    describe('ranges', () => {
      const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

      it.each([
        ['start only', { start: 100 }, bytes.subarray(100)],
        ['start and end (inclusive)', { start: 10, end: 19 }, bytes.subarray(10, 20)],
        ['a single byte', { start: 5, end: 5 }, bytes.subarray(5, 6)],
        ['the last byte', { start: 999 }, bytes.subarray(999)],
        ['an end past the last byte, clamped as in HTTP', { start: 990, end: 5000 }, bytes.subarray(990)],
        ['the whole object', { start: 0, end: 999 }, bytes],
      ])('reads %s', async (_label, range, expected) => {
        const store = await open();
        const { key } = await store.put(Readable.from([bytes]));
        expect(await readAll(await store.get(key, range))).toEqual(expected);
      });

      it('reads a range across a part boundary', async () => {
        const store = await open();
        const size = target.partSize * 2 + 10;
        const { key } = await store.put(generatedStream(size, { seed: 11 }));
        const whole = await readAll(generatedStream(size, { seed: 11 }));
        const range = { start: target.partSize - 10, end: target.partSize + 10 };
        expect(await readAll(await store.get(key, range))).toEqual(whole.subarray(range.start, range.end + 1));
      });

      it.each([
        ['a start at the size', { start: 1000 }],
        ['a start past the size', { start: 5000, end: 6000 }],
        ['an end before the start', { start: 20, end: 10 }],
        ['a negative start', { start: -1 }],
        ['a fractional start', { start: 1.5 }],
      ])('rejects %s', async (_label, range) => {
        const store = await open();
        const { key } = await store.put(Readable.from([bytes]));
        await expect(store.get(key, range)).rejects.toBeInstanceOf(InvalidRangeError);
      });

      it('rejects any range of an empty object', async () => {
        const store = await open();
        const { key } = await store.put(Readable.from([]));
        await expect(store.get(key, { start: 0 })).rejects.toBeInstanceOf(InvalidRangeError);
      });
    });

    describe('keys', () => {
      const hex = sha256(bytesOf('x'));
      it.each([
        ['a traversal', '../../etc/passwd'],
        ['a traversal inside the layout', `sha256/${hex.slice(0, 2)}/../../${hex}`],
        ['fan-out directories that do not match the digest', `sha256/00/00/${hex}`],
        ['upper-case hex', objectKey(hex).toUpperCase()],
        ['a bare digest', hex],
        ['a temporary name', 'tmp/6f1c0b8e-0f43-4c3e-9d57-6c1c2a5c2b10'],
        ['an empty key', ''],
      ])('rejects %s', async (_label, key) => {
        const store = await open();
        await expect(store.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.get(key, { start: 0 })).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.stat(key)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.exists(key)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidKeyError);
      });

      it('rejects temporary ids it did not hand out', async () => {
        const store = await open();
        await expect(store.removeTemporary('../sha256')).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store.removeTemporary(objectKey(hex))).rejects.toBeInstanceOf(InvalidKeyError);
      });
    });

    describe('missing objects', () => {
      const missing = objectKey(sha256(bytesOf('never stored')));

      it('get rejects with ObjectNotFoundError, with or without a range', async () => {
        const store = await open();
        await expect(store.get(missing)).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(store.get(missing)).rejects.toMatchObject({ key: missing });
        await expect(store.get(missing, { start: 0 })).rejects.toBeInstanceOf(ObjectNotFoundError);
      });

      it('stat is null, exists is false, delete is a no-op', async () => {
        const store = await open();
        expect(await store.stat(missing)).toBeNull();
        expect(await store.exists(missing)).toBe(false);
        await expect(store.delete(missing)).resolves.toBeUndefined();
      });
    });

    describe('list and delete', () => {
      it('lists objects in key order, optionally by prefix', async () => {
        const store = await open();
        const puts = await Promise.all(
          ['uno', 'dos', 'tres', 'cuatro'].map((text) => store.put(Readable.from([bytesOf(text)]))),
        );
        const listed = await collect(store.list());
        expect(listed.map((o) => o.key)).toEqual(puts.map((p) => p.key).sort());
        for (const object of listed) {
          expect(object.size).toBe(puts.find((p) => p.key === object.key)!.size);
          expect(object.lastModified).toBeInstanceOf(Date);
        }
        const first = puts[0]!.key;
        for (const prefix of [first.slice(0, 'sha256/aa/'.length), first.slice(0, 'sha256/aa/bb/'.length + 5), first]) {
          const expected = puts.map((p) => p.key).filter((k) => k.startsWith(prefix)).sort();
          expect((await collect(store.list(prefix))).map((o) => o.key)).toEqual(expected);
        }
        expect(await collect(store.list('sha256/'))).toHaveLength(4);
        expect(await collect(store.list('tmp/'))).toEqual([]);
        expect(await collect(store.list('nothing'))).toEqual([]);
      });

      it('deletes an object', async () => {
        const store = await open();
        const kept = await store.put(Readable.from([bytesOf('se conserva')]));
        const gone = await store.put(Readable.from([bytesOf('se elimina')]));
        await store.delete(gone.key);
        expect(await store.exists(gone.key)).toBe(false);
        await expect(store.get(gone.key)).rejects.toBeInstanceOf(ObjectNotFoundError);
        expect((await collect(store.list())).map((o) => o.key)).toEqual([kept.key]);
      });
    });

    describe('sweepOrphans', () => {
      it('deletes only unreferenced objects older than the grace period', async () => {
        const store = await open();
        const referenced = await store.put(Readable.from([bytesOf('referenciado')]));
        const orphans = await Promise.all(
          ['huérfano 1', 'huérfano 2', 'huérfano 3'].map((t) => store.put(Readable.from([bytesOf(t)]))),
        );
        const asked: string[][] = [];
        const isReferenced = async (keys: string[]): Promise<Set<string>> => {
          asked.push(keys);
          return new Set(keys.filter((k) => k === referenced.key));
        };
        const now = new Date();

        const early = await sweepOrphans({ store, isReferenced, graceMs: HOUR, now });
        expect(early).toEqual({ examined: 0, deleted: 0, temporaryRemoved: 0 });
        expect(asked).toEqual([]);
        expect(await collect(store.list())).toHaveLength(4);

        const late = await sweepOrphans({
          store,
          isReferenced,
          graceMs: HOUR,
          now: new Date(now.getTime() + 2 * HOUR),
          batchSize: 2,
        });
        expect(late).toEqual({ examined: 4, deleted: 3, temporaryRemoved: 0 });
        expect(asked.map((batch) => batch.length)).toEqual([2, 2]);
        expect(asked.flat().sort()).toEqual([referenced, ...orphans].map((p) => p.key).sort());
        expect((await collect(store.list())).map((o) => o.key)).toEqual([referenced.key]);
      });
    });

    describe('memory', () => {
      it('puts a 300 MB generated stream with bounded RSS growth', async () => {
        const store = await open();
        const size = 300 * MiB;
        const expected = generatedSha256(size, 5);
        const baseline = process.memoryUsage.rss();
        let peak = baseline;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage.rss());
        }, 5);
        try {
          const result = await store.put(generatedStream(size, { seed: 5 }));
          expect(result).toMatchObject({ sha256: expected, size });
        } finally {
          clearInterval(sampler);
        }
        peak = Math.max(peak, process.memoryUsage.rss());
        expect(peak - baseline).toBeLessThan(150 * MiB);
      });
    });
  });
}

const noneReferenced = async (): Promise<Set<string>> => new Set();

async function expectNoTemporary(store: ObjectStore): Promise<void> {
  expect(await collect(store.listTemporary())).toEqual([]);
}

/** Runs a put in a child process and SIGKILLs it once `bytes` have gone in: a crash, not a clean failure. */
async function killMidPut(spec: StoreSpec, bytes: number): Promise<void> {
  const script = fileURLToPath(new URL('./putUntilKilled.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(spec), String(bytes)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => data.toString().includes('writing') && resolve());
    child.once('exit', (code) => reject(new Error(`child exited early with code ${code}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}
