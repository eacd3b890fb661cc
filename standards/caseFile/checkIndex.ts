import type { CaseFileIndex, IndexEntry } from './CaseFileIndex.ts';

/** One thing wrong with an index, located: the entry's order (null for the whole index) and the nesting path. */
export interface IndexProblem {
  path: string;
  order: number | null;
  problem: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Pages an entry occupies; links take no folio. */
export const folioSpan = (e: IndexEntry) => (e.kind === 'link' ? 0 : e.lastFolio - e.firstFolio + 1);

/**
 * Checks what an index must hold on its own, without the stored bytes: orders 1..n without gaps or repeats,
 * folios continuing from one entry to the next (removed entries keep theirs), well-formed hashes; nested indexes
 * the same way. Returns every problem found, in order.
 */
export function checkIndexStructure(index: CaseFileIndex, path = index.metadata.MGDEE1_1): IndexProblem[] {
  const problems: IndexProblem[] = [];
  let expectedFolio = 1;
  index.entries.forEach((e, i) => {
    const report = (problem: string) => problems.push({ path, order: e.order, problem });
    if (e.order !== i + 1) report(`orden ${e.order} en la posición ${i + 1}: se esperaba el orden ${i + 1} (faltan, sobran o se reordenaron entradas)`);
    if (e.kind !== 'link') {
      if (!HEX64.test(e.sha256)) report('el SHA-256 no tiene 64 dígitos hexadecimales');
      if (e.firstFolio !== expectedFolio) report(`folio inicial ${e.firstFolio}; se esperaba ${expectedFolio}`);
      if (folioSpan(e) < 1) report(`folio final ${e.lastFolio} menor que el inicial ${e.firstFolio}`);
      expectedFolio = Math.max(e.lastFolio, e.firstFolio) + 1;
    } else if (e.sha256 !== null && !HEX64.test(e.sha256)) report('el SHA-256 del enlace no tiene 64 dígitos hexadecimales');
    if (e.kind === 'case-file') problems.push(...checkIndexStructure(e.index, `${path}/${e.index.metadata.MGDEE1_1}`));
  });
  return problems;
}
