import { checkEntryPath, findNameCollisions } from '../../../standards/archive/validation/entryPath.ts';
import { finding, type Finding } from '../../../standards/archive/validation/PackageReport.ts';
import type { ArchiveEntry, ArchiveLimits } from './PackageArchive.ts';

/**
 * Collects a container's entries as they are listed, applying the checks every container kind shares: safe
 * names, entry count and sizes. `stopped` turns true once continuing would only repeat the same refusal.
 */
export class EntryCollector {
  readonly files: ArchiveEntry[] = [];
  readonly directories = new Set<string>();
  readonly findings: Finding[] = [];
  private count = 0;
  private total = 0;
  stopped = false;

  constructor(private readonly limits: ArchiveLimits) {}

  /** Returns the checked path, or null when the entry is refused (the finding is recorded). */
  private admit(raw: string): string | null {
    if (++this.count > this.limits.maxEntries) {
      this.findings.push(finding('error', 'SAFE-LIMIT', '', `el contenedor tiene más de ${this.limits.maxEntries} entradas`));
      this.stopped = true;
      return null;
    }
    const checked = checkEntryPath(raw);
    if (!checked.ok) {
      this.findings.push(checked.finding);
      return null;
    }
    return checked.path;
  }

  file(raw: string, size: number): ArchiveEntry | null {
    const path = this.admit(raw);
    if (path === null) return null;
    if (size > this.limits.maxEntryBytes) {
      this.findings.push(finding('error', 'SAFE-LIMIT', path, `la entrada declara ${size} bytes; el máximo por entrada es ${this.limits.maxEntryBytes}`));
      return null;
    }
    this.total += size;
    if (this.total > this.limits.maxTotalBytes) {
      this.findings.push(finding('error', 'SAFE-LIMIT', path, `el contenido supera ${this.limits.maxTotalBytes} bytes en total`));
      this.stopped = true;
      return null;
    }
    const entry = { path, size };
    this.files.push(entry);
    return entry;
  }

  directory(raw: string): void {
    const path = this.admit(raw);
    if (path !== null) this.directories.add(path);
  }

  refuse(raw: string, what: string): void {
    this.findings.push(finding('error', 'SAFE-LINK', raw, `${what}: un paquete solo puede contener archivos y carpetas`));
  }

  /** Name collisions, once everything is listed. */
  finish(): Finding[] {
    const paths = this.files.map((f) => f.path);
    // A folder listed twice is harmless; a folder and a file with one name are not, so each folder counts once.
    const collisions = findNameCollisions([...paths, ...this.directories]);
    return [...this.findings, ...collisions];
  }
}
