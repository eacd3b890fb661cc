import { open, stat } from 'node:fs/promises';
import { finding } from '../../../standards/archive/validation/PackageReport.ts';
import { openDirectoryArchive } from './directoryArchive.ts';
import type { ArchiveLimits, OpenedArchive } from './PackageArchive.ts';
import { openTarArchive } from './tarArchive.ts';
import { openZipArchive } from './zipArchive.ts';

/** Opens a folder, a tar or a zip by what it is (magic bytes), not by its name. */
export async function openPackageArchive(source: string, limits: ArchiveLimits): Promise<OpenedArchive> {
  const info = await stat(source).catch(() => null);
  if (!info) return { archive: null, findings: [finding('error', 'SAFE-CONTAINER', '', `no existe o no se puede leer: ${source}`)] };
  if (info.isDirectory()) return openDirectoryArchive(source, limits);
  const head = Buffer.alloc(512);
  const handle = await open(source, 'r');
  const { bytesRead } = await handle.read(head, 0, 512, 0).finally(() => handle.close());
  if (head.readUInt32LE(0) === 0x04034b50 || head.readUInt32LE(0) === 0x06054b50) return openZipArchive(source, limits);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    return { archive: null, findings: [finding('error', 'SAFE-CONTAINER', '', 'el paquete está comprimido con gzip: envíe el tar sin comprimir (E-ARK AIP28) o un zip')] };
  }
  if (bytesRead === 512) return openTarArchive(source, limits);
  return { archive: null, findings: [finding('error', 'SAFE-CONTAINER', '', 'no es un tar, un zip ni una carpeta')] };
}
