import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The public standards, schemas and samples live in shared/, beside the repository, and are never copied into it.
 * A checkout elsewhere (a CI clone in a temporary folder) finds them through LEGAJO_SHARED_DIR or the workspace's.
 */
const SHARED_DIR = [process.env.LEGAJO_SHARED_DIR, resolve(repoRoot, '../shared'), '/work/shared'].find((dir) => dir !== undefined && existsSync(join(dir, 'xsd')));

/** A path inside shared/; when shared/ cannot be found the path names the problem, so the test using it fails saying so. */
export const sharedPath = (...parts: string[]) => (SHARED_DIR ? join(SHARED_DIR, ...parts) : join('/shared-no-encontrado-defina-LEGAJO_SHARED_DIR', ...parts));
