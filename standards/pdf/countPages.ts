import { isDict, isName, isNonNegativeInteger, type PdfDict } from './PdfObject.ts';
import type { PdfFile } from './PdfFile.ts';
import { corruptPdf, PdfRejectedError } from './PdfRejectedError.ts';

/** Page trees are shallow (a few levels); deeper ones are malformed or hostile. */
const MAX_TREE_DEPTH = 64;

/**
 * The page count the document declares (the root /Pages /Count), refused above `maxPages` before anything else is
 * read — the page-bomb defence — and otherwise verified by finding the first and the last page through the tree,
 * as viewers do. A tree that does not hold the pages it declares is corrupt: it is never silently recounted.
 */
export async function countPages(file: PdfFile, catalog: PdfDict, maxPages: number): Promise<number> {
  const root = await file.resolve(catalog.get('Pages'));
  if (!isDict(root)) throw corruptPdf('el catálogo no tiene árbol de páginas (/Pages)');
  const count = await file.resolve(root.get('Count'));
  if (!isNonNegativeInteger(count)) throw corruptPdf('el árbol de páginas no declara un número de páginas (/Count) válido');
  if (count > maxPages) {
    throw new PdfRejectedError(
      'too-many-pages',
      `El PDF declara ${count} páginas y el máximo admitido es ${maxPages}. Divídalo en documentos de hasta ${maxPages} páginas y envíelos por separado.`,
    );
  }
  if (count === 0) throw new PdfRejectedError('no-pages', 'El PDF no tiene páginas. Envíe un documento con al menos una página.');
  await findPage(file, root, 0, count);
  if (count > 1) await findPage(file, root, count - 1, count);
  return count;
}

async function findPage(file: PdfFile, root: PdfDict, index: number, count: number): Promise<void> {
  const missing = () => corruptPdf(`el árbol de páginas declara ${count} páginas pero no contiene la página ${index + 1}`);
  let node = root;
  let nodeCount = count;
  let remaining = index;
  const path = new Set<PdfDict>([root]);
  for (let depth = 0; depth < MAX_TREE_DEPTH; depth++) {
    const kids = await file.resolve(node.get('Kids'));
    if (!Array.isArray(kids)) throw missing();
    // A node with as many kids as pages holds only pages (flat trees of thousands of pages are common): look at
    // the wanted kid directly, and walk the kids only if it turns out not to be a page.
    if (nodeCount === kids.length) {
      const direct = await file.resolve(kids[remaining]);
      if (isDict(direct) && isLeaf(direct)) return;
    }
    let next: { node: PdfDict; count: number } | null = null;
    for (const kidRef of kids) {
      const kid = await file.resolve(kidRef);
      if (!isDict(kid) || path.has(kid)) throw corruptPdf('el árbol de páginas contiene un nodo inválido o un ciclo');
      if (isLeaf(kid)) {
        if (remaining === 0) return;
        remaining--;
        continue;
      }
      const kidCount = await file.resolve(kid.get('Count'));
      if (!isNonNegativeInteger(kidCount)) throw corruptPdf('un nodo del árbol de páginas no declara /Count');
      if (remaining < kidCount) {
        next = { node: kid, count: kidCount };
        break;
      }
      remaining -= kidCount;
    }
    if (next === null) throw missing();
    path.add(next.node);
    node = next.node;
    nodeCount = next.count;
  }
  throw corruptPdf(`el árbol de páginas tiene más de ${MAX_TREE_DEPTH} niveles`);
}

function isLeaf(node: PdfDict): boolean {
  return isName(node.get('Type'), 'Page') || (!node.has('Kids') && !isName(node.get('Type'), 'Pages'));
}
