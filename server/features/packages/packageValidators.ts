import { finding, type Finding } from '../../../standards/archive/validation/PackageReport.ts';
import { CsipSchematron } from './csipSchematron.ts';
import { XsdValidator } from './xsdValidator.ts';

/** Where the public schemas and rules live (config ARCHIVE_XSD_DIR, ARCHIVE_SCHEMATRON_DIR); null when not configured. */
export interface ValidatorDirs {
  xsdDir: string | null;
  schematronDir: string | null;
}

export type Loaded<T> = { ok: true; value: T } | { ok: false; finding: Finding };

const xsdCache = new Map<string, Promise<XsdValidator>>();
const schematronCache = new Map<string, Promise<CsipSchematron>>();

/** Compiles once per folder and process; a failed load is forgotten so a corrected folder is retried. */
async function cached<T>(cache: Map<string, Promise<T>>, dir: string, load: (dir: string) => Promise<T>): Promise<T> {
  let pending = cache.get(dir);
  if (!pending) {
    pending = load(dir);
    cache.set(dir, pending);
    pending.catch(() => cache.delete(dir));
  }
  return pending;
}

const unavailable = (what: string, setting: string, why: string): Loaded<never> => ({
  ok: false,
  finding: finding('error', 'VALIDATOR-CONFIG', '', `no se pudieron ejecutar las validaciones ${what}: ${why}. Defina ${setting} con la carpeta que las contiene (${setting === 'ARCHIVE_XSD_DIR' ? 'shared/xsd' : 'shared/schematron/eark-csip-2.1.0'}); el paquete no se da por válido sin ellas.`),
});

export async function loadXsd(dir: string | null): Promise<Loaded<XsdValidator>> {
  if (!dir) return unavailable('XSD (METS, PREMIS)', 'ARCHIVE_XSD_DIR', 'no está configurada la carpeta de esquemas');
  try {
    return { ok: true, value: await cached(xsdCache, dir, XsdValidator.load) };
  } catch (err) {
    return unavailable('XSD (METS, PREMIS)', 'ARCHIVE_XSD_DIR', `no se pudieron leer los esquemas de ${dir} (${(err as Error).message})`);
  }
}

export async function loadSchematron(dir: string | null): Promise<Loaded<CsipSchematron>> {
  if (!dir) return unavailable('Schematron E-ARK', 'ARCHIVE_SCHEMATRON_DIR', 'no está configurada la carpeta de reglas');
  try {
    return { ok: true, value: await cached(schematronCache, dir, CsipSchematron.load) };
  } catch (err) {
    return unavailable('Schematron E-ARK', 'ARCHIVE_SCHEMATRON_DIR', `no se pudieron compilar las reglas de ${dir} (${(err as Error).message})`);
  }
}
