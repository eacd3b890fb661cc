import { Readable } from 'node:stream';
import { Client } from 'minio';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../storage/S3ObjectStore.ts';
import { sweepOrphans } from '../../storage/sweepOrphans.ts';
import { generatedSha256, generatedStream, readAll, sha256Of } from './generatedStream.ts';
import { objectStoreContract } from './objectStore.contract.ts';
import { startS3rver, type RunningS3rver } from './s3rverServer.ts';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
let server: RunningS3rver;
let counter = 0;

beforeAll(async () => {
  server = await startS3rver();
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Options for a fresh bucket on the test server. */
function options(overrides: Partial<S3ObjectStoreOptions> = {}): S3ObjectStoreOptions {
  return {
    endPoint: '127.0.0.1',
    port: server.port,
    useSSL: false,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    bucket: `legajo-test-${++counter}`,
    partSize: PART,
    ...overrides,
  };
}

async function openS3(overrides: Partial<S3ObjectStoreOptions> = {}): Promise<S3ObjectStore> {
  const store = new S3ObjectStore(options(overrides));
  await store.init();
  return store;
}

objectStoreContract('s3 (s3rver)', {
  // refreshAfterMs 0: the contract's re-put test must see the refresh without waiting an hour.
  spec: async (overrides) => ({ kind: 's3', options: options({ refreshAfterMs: 0, ...overrides }) }),
  partSize: PART,
  crashLeavesVisibleTemporary: false,
});

describe('S3ObjectStore', () => {
  it('sends objects larger than a part as a multipart upload, without listing uploads', async () => {
    const initiate = vi.spyOn(Client.prototype, 'initiateNewMultipartUpload');
    const uploadPart = vi.spyOn(Client.prototype, 'uploadPart');
    const complete = vi.spyOn(Client.prototype, 'completeMultipartUpload');
    const listUploads = vi.spyOn(Client.prototype, 'listIncompleteUploadsQuery');
    const store = await openS3();
    const size = 3 * PART + 17;
    const result = await store.put(generatedStream(size, { seed: 1 }));
    expect(result).toMatchObject({ sha256: generatedSha256(size, 1), size, created: true });
    expect(initiate).toHaveBeenCalledTimes(1);
    expect(initiate.mock.calls[0]![1]).toMatch(/^tmp\//);
    expect(uploadPart.mock.calls.map(([config, payload]) => [config.partNumber, payload?.length])).toEqual([
      [1, PART],
      [2, PART],
      [3, PART],
      [4, 17],
    ]);
    expect(complete).toHaveBeenCalledTimes(1);
    expect(listUploads).not.toHaveBeenCalled();
    expect(await sha256Of(await store.get(result.key))).toBe(result.sha256);
  });

  it('sends an object of at most one part in a single PUT to its final key', async () => {
    const initiate = vi.spyOn(Client.prototype, 'initiateNewMultipartUpload');
    const putObject = vi.spyOn(Client.prototype, 'putObject');
    const store = await openS3();
    const result = await store.put(generatedStream(PART, { seed: 2 }));
    expect(initiate).not.toHaveBeenCalled();
    expect(putObject).toHaveBeenCalledTimes(1);
    expect(putObject.mock.calls[0]![1]).toBe(result.key);
  });

  it('keeps a one-part object a single PUT even with parts above the client default (64 MiB)', async () => {
    const initiate = vi.spyOn(Client.prototype, 'initiateNewMultipartUpload');
    const store = await openS3({ partSize: 70 * MiB });
    const size = 66 * MiB;
    const result = await store.put(generatedStream(size, { seed: 4 }));
    expect(result).toMatchObject({ sha256: generatedSha256(size, 4), size });
    expect(initiate).not.toHaveBeenCalled();
  });

  it('aborts the multipart upload it started when the put fails', async () => {
    const initiate = vi.spyOn(Client.prototype, 'initiateNewMultipartUpload');
    const abort = vi.spyOn(Client.prototype, 'abortMultipartUpload');
    const store = await openS3();
    const failure = new Error('upload cut');
    await expect(store.put(generatedStream(3 * PART, { failWith: failure }))).rejects.toBe(failure);
    expect(initiate).toHaveBeenCalledTimes(1);
    const uploadId = await initiate.mock.results[0]!.value;
    expect(abort).toHaveBeenCalledWith(expect.any(String), initiate.mock.calls[0]![1], uploadId);
  });

  it('reports the put as failed, not the cleanup, when a part upload fails', async () => {
    vi.spyOn(Client.prototype, 'uploadPart').mockRejectedValueOnce(new Error('503 slow down'));
    const store = await openS3();
    await expect(store.put(generatedStream(3 * PART))).rejects.toThrow('503 slow down');
    for await (const object of store.list()) expect.fail(`unexpected object ${object.key}`);
  });

  it('leaves a recent duplicate alone, without rewriting it', async () => {
    const store = await openS3(); // default refreshAfterMs: one hour
    const bytes = Buffer.from('duplicado');
    const first = await store.put(Readable.from([bytes]));
    const putObject = vi.spyOn(Client.prototype, 'putObject');
    const second = await store.put(Readable.from([bytes]));
    expect(second).toEqual({ ...first, created: false });
    expect(putObject).not.toHaveBeenCalled();
  });

  it('sweeps a temporary object left by a put that died between completing and publishing', async () => {
    const opts = options();
    const store = new S3ObjectStore(opts);
    await store.init();
    const raw = new Client({ ...opts, region: 'us-east-1' });
    const leftover = 'tmp/0b9d3c5e-7a51-4c55-9a4e-2f4f1f0e8c11';
    await raw.putObject(opts.bucket, leftover, Buffer.from('partial'));
    await raw.putObject(opts.bucket, 'tmp/not-ours', Buffer.from('left alone'));
    const { key } = await store.put(Readable.from([Buffer.from('referenciado')]));

    const temporary = [];
    for await (const entry of store.listTemporary()) temporary.push(entry.id);
    expect(temporary).toEqual([leftover]);

    const now = new Date();
    const isReferenced = async (keys: string[]): Promise<Set<string>> => new Set(keys);
    expect(await sweepOrphans({ store, isReferenced, graceMs: 3_600_000, now })).toMatchObject({ temporaryRemoved: 0 });
    expect(await raw.statObject(opts.bucket, leftover)).toBeTruthy();
    const later = new Date(now.getTime() + 2 * 3_600_000);
    expect(await sweepOrphans({ store, isReferenced, graceMs: 3_600_000, now: later })).toEqual({
      examined: 1,
      deleted: 0,
      temporaryRemoved: 1,
    });
    await expect(raw.statObject(opts.bucket, leftover)).rejects.toMatchObject({ code: 'NotFound' });
    expect(await raw.statObject(opts.bucket, 'tmp/not-ours')).toBeTruthy();
    expect(await store.exists(key)).toBe(true);
  });

  it('refuses to serve a range the server did not honour', async () => {
    // s3rver reads `bytes=0-0` as "from 0 to the end"; a real S3 sends one byte. Either way, wrong bytes never leave.
    const store = await openS3();
    const { key } = await store.put(Readable.from([Buffer.from('0123456789')]));
    await expect(store.get(key, { start: 0, end: 0 })).rejects.toThrow(/sent 10 bytes for a range of 1 bytes/);
    expect((await readAll(await store.get(key, { start: 1, end: 1 }))).toString()).toBe('1');
  });

  it('validates its part size and size limit', () => {
    expect(() => new S3ObjectStore(options({ partSize: MiB }))).toThrow(RangeError);
    expect(() => new S3ObjectStore(options({ maxObjectSize: 6 * 1024 * MiB }))).toThrow(RangeError);
  });

  it('init() is idempotent', async () => {
    const opts = options();
    await new S3ObjectStore(opts).init();
    await expect(new S3ObjectStore(opts).init()).resolves.toBeUndefined();
  });
});
