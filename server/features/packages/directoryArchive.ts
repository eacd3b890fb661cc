import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EntryCollector } from './EntryCollector.ts';
import type { ArchiveLimits, OpenedArchive } from './PackageArchive.ts';

/** A package unpacked in a folder: walked without following links (a link is refused, never read through). */
export async function openDirectoryArchive(root: string, limits: ArchiveLimits): Promise<OpenedArchive> {
  const collector = new EntryCollector(limits);
  const walk = async (relative: string): Promise<void> => {
    for (const dirent of await readdir(join(root, relative), { withFileTypes: true })) {
      if (collector.stopped) return;
      const rel = relative ? `${relative}/${dirent.name}` : dirent.name;
      if (dirent.isSymbolicLink()) collector.refuse(rel, 'enlace simbólico');
      else if (dirent.isDirectory()) {
        collector.directory(rel);
        await walk(rel);
      } else if (dirent.isFile()) {
        const stats = await lstat(join(root, rel));
        // A second name for the same bytes is a hard link; inside a package it would be counted and hashed twice.
        if (stats.nlink > 1) collector.refuse(rel, 'enlace duro');
        else collector.file(rel, stats.size);
      } else collector.refuse(rel, 'dispositivo, FIFO o socket');
    }
  };
  await walk('');
  return {
    findings: collector.finish(),
    archive: {
      files: collector.files,
      directories: collector.directories,
      async open(entry) {
        return createReadStream(join(root, entry.path));
      },
      async close() {},
    },
  };
}
