import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemObjectStore } from '../../storage/FilesystemObjectStore.ts';
import { objectKey } from '../../storage/objectKey.ts';
import { objectStoreContract } from './objectStore.contract.ts';
import { spawnSync } from 'node:child_process';
import { itWithReferee } from '../helpers/referee.ts';

let base: string;
let counter = 0;
const newRoot = (): string => join(base, `store-${++counter}`);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'legajo-fs-store-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

objectStoreContract('filesystem', {
  spec: async (overrides) => ({ kind: 'filesystem', root: newRoot(), ...overrides }),
  partSize: 5 * 1024 * 1024,
  crashLeavesVisibleTemporary: true,
});

describe('FilesystemObjectStore', () => {
  itWithReferee('sha256sum', 'the stored file matches its key according to sha256sum -c', async () => {
    const root = newRoot();
    const store = new FilesystemObjectStore({ root });
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 'legajo ');
    const { sha256, key } = await store.put(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]));
    const check = spawnSync('sha256sum', ['-c', '-'], { cwd: root, input: `${sha256}  ${key}\n` });
    expect(check.stdout.toString()).toContain(`${key}: OK`);
    expect(check.status).toBe(0);
    await writeFile(join(root, key), 'alterado');
    expect(spawnSync('sha256sum', ['-c', '-'], { cwd: root, input: `${sha256}  ${key}\n` }).status).not.toBe(0);
  });

  it('lays objects out as sha256/aa/bb/<hex> and leaves no temporary file', async () => {
    const root = newRoot();
    const store = new FilesystemObjectStore({ root });
    await store.init();
    const { key, sha256 } = await store.put(Readable.from([Buffer.from('expediente')]));
    expect(key).toBe(objectKey(sha256));
    expect((await stat(join(root, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256))).isFile()).toBe(true);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('works without init()', async () => {
    const store = new FilesystemObjectStore({ root: newRoot() });
    const { key } = await store.put(Readable.from([Buffer.from('sin init')]));
    expect(await store.exists(key)).toBe(true);
  });

  it('ignores files it did not write, in the object tree and in the temporary area', async () => {
    const root = newRoot();
    const store = new FilesystemObjectStore({ root });
    await store.init();
    const { key } = await store.put(Readable.from([Buffer.from('real')]));
    await writeFile(join(root, 'sha256', 'README'), 'stray');
    await writeFile(join(root, 'sha256', key.split('/')[1]!, key.split('/')[2]!, 'notes.txt'), 'stray');
    await mkdir(join(root, 'sha256', 'zz'));
    await writeFile(join(root, '.tmp', 'keep-me'), 'not ours');
    const listed: string[] = [];
    for await (const object of store.list()) listed.push(object.key);
    expect(listed).toEqual([key]);
    const temporary: string[] = [];
    for await (const entry of store.listTemporary()) temporary.push(entry.id);
    expect(temporary).toEqual([]);
  });
});
