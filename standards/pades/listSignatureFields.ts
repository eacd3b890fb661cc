import { PDFArray, PDFDict, PDFHexString, PDFName, PDFString, type PDFContext, type PDFObject } from 'pdf-lib';
import { listPages } from './listPages.ts';

export interface SignatureFieldEntry {
  /** Fully qualified field name (parent names joined by dots). */
  fieldName: string | null;
  /** The signature dictionary (the field's /V). */
  signature: PDFDict;
}

/**
 * Signed signature fields: those in the AcroForm tree and, as poppler also does, signature widgets that are only
 * reachable from a page's annotations.
 */
export function listSignatureFields(context: PDFContext, catalog: PDFDict): SignatureFieldEntry[] {
  const found: SignatureFieldEntry[] = [];
  const seenFields = new Set<PDFDict>();
  const seenSignatures = new Set<PDFDict>();
  const visit = (node: PDFObject, parentName: string | null, inheritedType: unknown, depth: number): void => {
    const field = context.lookup(node);
    if (!(field instanceof PDFDict) || seenFields.has(field) || depth > 32) return;
    seenFields.add(field);
    const partial = text(field.lookup(PDFName.of('T')));
    const name = partial === null ? parentName : parentName === null ? partial : `${parentName}.${partial}`;
    const type = field.lookup(PDFName.of('FT')) ?? inheritedType;
    const value = field.lookup(PDFName.of('V'));
    if (type === PDFName.of('Sig') && value instanceof PDFDict && !seenSignatures.has(value)) {
      seenSignatures.add(value);
      found.push({ fieldName: name, signature: value });
    }
    const kids = field.lookup(PDFName.of('Kids'));
    if (kids instanceof PDFArray) for (const kid of kids.asArray()) visit(kid, name, type, depth + 1);
  };
  const acroForm = catalog.lookup(PDFName.of('AcroForm'));
  const fields = acroForm instanceof PDFDict ? acroForm.lookup(PDFName.of('Fields')) : undefined;
  if (fields instanceof PDFArray) for (const field of fields.asArray()) visit(field, null, undefined, 0);
  for (const page of listPages(context, catalog)) {
    const annots = page.dict.lookup(PDFName.of('Annots'));
    if (annots instanceof PDFArray) for (const annot of annots.asArray()) visit(annot, null, undefined, 0);
  }
  return found;
}

function text(value: unknown): string | null {
  return value instanceof PDFString || value instanceof PDFHexString ? value.decodeText() : null;
}
