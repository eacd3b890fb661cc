import { FilesystemObjectStore } from '../storage/FilesystemObjectStore.ts';
import type { ObjectStore } from '../storage/ObjectStore.ts';
import { S3ObjectStore } from '../storage/S3ObjectStore.ts';
import type { Config } from './config.ts';

export async function openObjectStore(config: Config['storage']): Promise<ObjectStore> {
  const store: ObjectStore =
    config.kind === 'filesystem'
      ? new FilesystemObjectStore({ root: config.root })
      : new S3ObjectStore({
          endPoint: config.endpoint.hostname,
          port: config.endpoint.port ? Number(config.endpoint.port) : config.endpoint.protocol === 'https:' ? 443 : 80,
          useSSL: config.endpoint.protocol === 'https:',
          accessKey: config.accessKey,
          secretKey: config.secretKey,
          bucket: config.bucket,
          region: config.region,
        });
  await store.init();
  return store;
}
