import fs from 'node:fs';
import path from 'node:path';

export class DataDirectoryLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `La base embebida en ${dir} ya está abierta por otro proceso (pid ${pid}). ` +
        'PGlite admite un solo proceso por directorio: detenga el otro proceso o use DATA_DIR con otro directorio, ' +
        'o configure DATABASE_URL para usar PostgreSQL.',
    );
    this.name = 'DataDirectoryLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM means the process exists but belongs to someone else: still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive, pid-stamped lock beside a PGlite data directory. PGlite itself does not stop a second
 * process from opening the same directory, and two writers corrupt it. A lock left by a dead process is taken over.
 * Returns the release function.
 */
export function lockDataDirectory(dir: string): () => void {
  const lockPath = `${path.resolve(dir)}.lock`;
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DataDirectoryLockedError(dir, pid);
      }
      if (pid === process.pid) throw new DataDirectoryLockedError(dir, pid);
      // Stale lock from a crashed process (or a half-written one): remove and retry the exclusive create.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`No se pudo tomar el bloqueo ${lockPath}`);
}
