import { FilesystemObjectStore } from '../../storage/FilesystemObjectStore.ts';
import type { ObjectStore } from '../../storage/ObjectStore.ts';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../storage/S3ObjectStore.ts';

/** Plain-data description of a store, so a child process can open the same one. */
export type StoreSpec =
  | { kind: 'filesystem'; root: string; maxObjectSize?: number }
  | { kind: 's3'; options: S3ObjectStoreOptions };

export async function openStore(spec: StoreSpec): Promise<ObjectStore> {
  const store =
    spec.kind === 'filesystem'
      ? new FilesystemObjectStore({ root: spec.root, maxObjectSize: spec.maxObjectSize })
      : new S3ObjectStore(spec.options);
  await store.init();
  return store;
}
