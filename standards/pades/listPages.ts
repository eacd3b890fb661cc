import { PDFArray, PDFDict, PDFName, PDFRef, type PDFContext } from 'pdf-lib';

export interface PageEntry {
  ref: PDFRef;
  dict: PDFDict;
}

/**
 * The document's pages in order, walking the page tree from the catalog. Guards against cycles and absurd depth,
 * since the PDFs we read may come from anyone.
 */
export function listPages(context: PDFContext, catalog: PDFDict): PageEntry[] {
  const pages: PageEntry[] = [];
  const seen = new Set<string>();
  const visit = (ref: unknown, depth: number): void => {
    if (!(ref instanceof PDFRef) || seen.has(ref.toString()) || depth > 64) return;
    seen.add(ref.toString());
    const node = context.lookup(ref);
    if (!(node instanceof PDFDict)) return;
    const kids = node.lookup(PDFName.of('Kids'));
    if (kids instanceof PDFArray) {
      for (let i = 0; i < kids.size(); i++) visit(kids.get(i), depth + 1);
    } else if (node.get(PDFName.of('Type')) === PDFName.of('Page') || depth > 0) {
      pages.push({ ref, dict: node });
    }
  };
  visit(catalog.get(PDFName.of('Pages')), 0);
  return pages;
}

/** An attribute a page may inherit from its ancestors (MediaBox, CropBox, Rotate, Resources). */
export function inheritedAttribute(context: PDFContext, page: PDFDict, key: string): unknown {
  const name = PDFName.of(key);
  let node: PDFDict | undefined = page;
  for (let depth = 0; node && depth < 64; depth++) {
    const value = node.get(name);
    if (value !== undefined) return value instanceof PDFRef ? context.lookup(value) : value;
    const parent: unknown = node.lookup(PDFName.of('Parent'));
    node = parent instanceof PDFDict ? parent : undefined;
  }
  return undefined;
}
