import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PackageReport } from '../../../standards/archive/validation/PackageReport.ts';
import { FilesystemObjectStore } from '../../../storage/FilesystemObjectStore.ts';
import type { ObjectStore, PutResult } from '../../../storage/ObjectStore.ts';
import type { ArchiveLimits } from './PackageArchive.ts';
import type { ValidatorDirs } from './packageValidators.ts';
import { validatePackage } from './validatePackage.ts';

/**
 * Validates archive packages for the API and the CLI with the configured schema and rule folders. An upload is
 * received into a private temporary folder (mode 0700, removed afterwards) and read in place: nothing in it is
 * ever extracted, and nothing reaches the object store.
 */
export class PackageValidationService {
  constructor(
    private readonly dirs: ValidatorDirs,
    private readonly limits: Partial<ArchiveLimits> = {},
  ) {}

  validate(source: string, opts: { strict?: boolean } = {}): Promise<PackageReport> {
    return validatePackage(source, { ...this.dirs, limits: this.limits, strict: opts.strict ?? true });
  }

  /** `receive` streams the upload into the store it is given (e.g. readRawUpload, which bounds its size and type). */
  async validateUpload(receive: (store: ObjectStore) => Promise<PutResult>, opts: { strict?: boolean } = {}): Promise<PackageReport> {
    const dir = await mkdtemp(join(tmpdir(), 'legajo-paquete-'));
    try {
      const store = new FilesystemObjectStore({ root: join(dir, 'recibido') });
      await store.init();
      const put = await receive(store);
      const file = join(dir, 'paquete');
      await pipeline(await store.get(put.key), createWriteStream(file, { mode: 0o600 }));
      await store.delete(put.key);
      return await this.validate(file, opts);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
