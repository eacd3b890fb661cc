import { isDict, isName, isNonNegativeInteger, type PdfDict } from './PdfObject.ts';
import type { PdfFile } from './PdfFile.ts';
import { corruptPdf } from './PdfRejectedError.ts';

/** More form fields than this is not a document anyone fills in; it is refused rather than walked. */
const MAX_FIELDS = 50_000;

/**
 * Signature fields that carry a signature: fields of type /Sig (inherited through the field tree) whose value
 * dictionary has a /ByteRange of four integers. Document timestamps count too. This is the PAdES validator's cue,
 * not a validation: nothing is hashed or verified here.
 */
export async function countSignatures(file: PdfFile, catalog: PdfDict): Promise<number> {
  const form = await file.resolve(catalog.get('AcroForm'));
  if (!isDict(form)) return 0;
  const fields = await file.resolve(form.get('Fields'));
  if (!Array.isArray(fields)) return 0;
  const pending = fields.map((ref) => ({ ref, inheritedType: null as string | null }));
  const seen = new Set<PdfDict>();
  let signatures = 0;
  while (pending.length > 0) {
    const { ref, inheritedType } = pending.pop()!;
    const field = await file.resolve(ref);
    if (!isDict(field) || seen.has(field)) continue;
    seen.add(field);
    if (seen.size > MAX_FIELDS) throw corruptPdf(`el formulario tiene más de ${MAX_FIELDS} campos`);
    const ownType = field.get('FT');
    const type = isName(ownType) ? ownType.name : inheritedType;
    // The value sits on the field itself; its widgets (kids without /V) must not count it again.
    if (type === 'Sig' && field.has('V')) {
      const value = await file.resolve(field.get('V'));
      const byteRange = isDict(value) ? await file.resolve(value.get('ByteRange')) : null;
      if (Array.isArray(byteRange) && byteRange.length === 4 && byteRange.every((n) => isNonNegativeInteger(n))) signatures++;
    }
    const kids = await file.resolve(field.get('Kids'));
    if (Array.isArray(kids)) for (const kid of kids) pending.push({ ref: kid, inheritedType: type });
  }
  return signatures;
}
