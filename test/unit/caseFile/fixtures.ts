import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseFileMetadata } from '../../../standards/chile/caseFileMetadata.ts';
import type { CaseFileIndex, DocumentEntry, LinkEntry, NestedEntry } from '../../../standards/caseFile/CaseFileIndex.ts';

export const XSD_PATH = fileURLToPath(new URL('../../../standards/caseFile/legajo-expediente-1.0.xsd', import.meta.url));

/** Runs xmllint offline on each text against the case-file XSD; `ok` only if every one validates. */
export function xmllint(...xmls: string[]): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'legajo-expediente-'));
  try {
    const files = xmls.map((xml, i) => {
      const file = join(dir, `expediente-${i}.xml`);
      writeFileSync(file, xml, 'utf8');
      return file;
    });
    const run = spawnSync('xmllint', ['--nonet', '--noout', '--schema', XSD_PATH, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const HASH_A = 'a'.repeat(64);
export const HASH_B = '0123456789abcdef'.repeat(4);

export function metadata(iuie = 'EXP-20261124-1-AGE', overrides: Partial<CaseFileMetadata> = {}): CaseFileMetadata {
  return {
    MGDEE1_1: iuie,
    MGDEE1_4: 'abierto',
    MGDEE1_5: 'Solicitud de permiso de edificación',
    MGDEE2_2: 'Permisos de edificación',
    MGDEE3_1: '2026-11-20T10:00:00Z',
    MGDEE4_1: 2,
    MGDEE4_2: `https://legajo.example.gob.cl/expedientes/${iuie}`,
    MGDEE51_1: '46',
    MGDEE51_2: 'Municipalidad de Ejemplo',
    MGDEE51: [{ relation: 4, code: 'AN', name: 'Archivo Nacional' }],
    MGDEE52: [{ relation: 1, actorType: 4, id: '12345678-5', name: 'María Pérez' }],
    MGDEE6_1: 1,
    MGDEE6_4: 2,
    MGDEE7_1: 'CPAT-123',
    MGDEE8_1: '001',
    ...overrides,
  };
}

const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 10, minute));

export function documentEntry(order: number, overrides: Partial<DocumentEntry> = {}): DocumentEntry {
  return {
    kind: 'document',
    order,
    incorporatedAt: at(order),
    addedBy: 'sistema',
    removed: null,
    documentIdentifier: `DOCU-20261124-${order}-AGE`,
    version: 1,
    title: `Documento ${order}`,
    mediaType: 'application/pdf',
    size: 1024 * order,
    sha256: HASH_A,
    firstFolio: order,
    lastFolio: order,
    fields: { MGDDE1_6: `Documento ${order}`, MGDDE3_2: ['permiso'], MGDDE4_1: '2026-11-20T10:00:00Z', MGDDE5_3: 2, MGDDE61_2: 3, MGDDE7_1: 1, MGDDE7_2: 2, MGDDE8_3: 2 },
    ...overrides,
  };
}

export function linkEntry(order: number, overrides: Partial<LinkEntry> = {}): LinkEntry {
  return {
    kind: 'link',
    order,
    incorporatedAt: at(order),
    addedBy: 'sistema',
    removed: null,
    uri: 'https://repositorio.example.gob.cl/handle/20.500.13034/401',
    description: 'Plano en el repositorio de la Dirección de Obras',
    sha256: null,
    ...overrides,
  };
}

export function nestedEntry(order: number, index: CaseFileIndex, overrides: Partial<NestedEntry> = {}): NestedEntry {
  return { kind: 'case-file', order, incorporatedAt: at(order), addedBy: 'sistema', removed: null, index, indexVersion: 1, sha256: HASH_B, firstFolio: order, lastFolio: order, ...overrides };
}

export function emptyIndex(iuie?: string): CaseFileIndex {
  return { metadata: metadata(iuie), indexVersion: null, generatedAt: at(0), entries: [] };
}

/** Documents, links, two levels of nested case files and removed entries in each kind. */
export function richIndex(): CaseFileIndex {
  const innermost: CaseFileIndex = { ...emptyIndex('EXP-20250101-9-OTR'), indexVersion: 2, entries: [documentEntry(1), linkEntry(2, { sha256: HASH_B })] };
  const inner: CaseFileIndex = {
    ...emptyIndex('EXP-20250601-3-OTR'),
    indexVersion: 1,
    entries: [documentEntry(1, { removed: { at: at(30), by: 'u-2', reason: 'Duplicado' } }), nestedEntry(2, innermost, { indexVersion: 2 })],
  };
  return {
    metadata: metadata('EXP-20261124-1-AGE', { MGDEE1_4: 'cerrado', MGDEE3_2: '2026-11-24T18:00:00.000Z', MGDEE1_2: 'SER-01', MGDEE1_3: 7, MGDEE2_1: 'Resumen', MGDEE6_2: '2030-01-01T00:00:00-03:00', MGDEE6_3: 'Reservado por ley', MGDEE7_2: 'Permiso de edificación' }),
    indexVersion: 3,
    generatedAt: at(59),
    entries: [
      documentEntry(1, {
        packagePath: 'documentos/0001.pdf',
        fields: {
          MGDDE1_1: 'DOCU-20261124-1-AGE',
          MGDDE1_6: 'Resolución exenta',
          MGDDE2_1: 12,
          MGDDE3_2: ['permiso', 'edificación'],
          MGDDE4_1: '2026-11-20T10:00:00.5+02:00',
          MGDDE5_1: 36,
          MGDDE5_3: 2,
          MGDDE61_2: 3,
          MGDDE62: [
            { relation: 2, actorType: 1, id: '11111111-1', name: 'Juan Soto' },
            { relation: 5, actorType: 2, id: 'P1234567', name: 'Ana Smith' },
          ],
          MGDDE7_1: 2,
          MGDDE7_2: 1,
          MGDDE7_3: '2030-01-01T00:00:00Z',
          MGDDE8_1: 'avanzada',
          MGDDE8_3: 1,
          MGDDE8_4: [{ name: 'María Pérez', post: 'Directora de Obras', run: '12345678-5' }, { name: 'Sin cargo' }],
        },
      }),
      linkEntry(2),
      linkEntry(3, { sha256: HASH_A, removed: { at: at(40), by: 'u-1', reason: '' } }),
      nestedEntry(4, inner, { firstFolio: 2, lastFolio: 3 }),
      documentEntry(5, { fields: { MGDDE62: [], MGDDE8_4: [] }, removed: { at: at(50), by: 'u-1', reason: 'Incorporado por error' } }),
    ],
  };
}
