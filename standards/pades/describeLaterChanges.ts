import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFStream, type PDFObject } from 'pdf-lib';
import { pdfObjectBytes } from './pdfObjectBytes.ts';

export interface LaterChanges {
  /**
   * none: nothing after the signed range (or only whitespace or empty updates);
   * signatures: later incremental updates only add signatures (and their appearances, validation data, metadata);
   * annotations: they add annotations without actions (a registry stamp, a comment), maybe signatures too, and
   * change no page content;
   * other: anything else changed after signing.
   */
  kind: 'none' | 'signatures' | 'annotations' | 'other';
  /** Bytes after the end of the signed range. */
  appendedBytes: number;
  /** Incremental updates after the signed revision (counted by their %%EOF markers). */
  revisions: number;
  description: string;
}

/** Catalog and AcroForm entries a signing update may touch (signing tools often refresh the XMP metadata too). */
const CATALOG_KEYS = ['AcroForm', 'DSS', 'Metadata'];
const ACROFORM_KEYS = ['Fields', 'SigFlags', 'DR'];

/**
 * Compares the revision a signature covers (the bytes up to the end of its ByteRange) with the whole file and
 * says what the later incremental updates changed: only further signatures or annotations, or other content.
 * Objects are compared as pdf-lib reads them, so object streams and cross-reference streams are handled.
 */
export async function describeLaterChanges(pdf: Buffer, current: PDFDocument, signedEnd: number): Promise<LaterChanges> {
  const appendedBytes = pdf.length - signedEnd;
  const tail = pdf.subarray(signedEnd);
  const revisions = countOccurrences(tail, '%%EOF');
  const result = (kind: LaterChanges['kind'], description: string): LaterChanges => ({ kind, appendedBytes, revisions, description });
  if (appendedBytes <= 0) return result('none', 'La firma cubre el documento completo.');
  if (/^\s*$/.test(tail.toString('latin1'))) return result('none', 'Después de la firma solo hay espacios en blanco.');

  let signed: PDFDocument;
  try {
    signed = await PDFDocument.load(pdf.subarray(0, signedEnd), { ignoreEncryption: true, updateMetadata: false });
  } catch {
    return result('other', 'Después de la firma se agregaron datos, y la revisión firmada no se puede leer para compararlos.');
  }

  const changed = current.context
    .enumerateIndirectObjects()
    .map(([ref, object]) => ({ ref, object, before: signed.context.lookup(ref) }))
    .filter(({ object, before }) => before === undefined || !pdfObjectBytes(before).equals(pdfObjectBytes(object)));
  if (changed.length === 0) return result('none', 'Después de la firma se agregaron actualizaciones que no cambian ningún objeto.');

  const context = current.context;
  const newFields = changed.filter(
    ({ object, before }) => before === undefined && object instanceof PDFDict && object.lookup(PDFName.of('FT')) === PDFName.of('Sig'),
  );
  const newFieldKeys = new Set(newFields.map(({ ref }) => ref.toString()));
  const newAnnotations = changed.filter(({ object, before }) => before === undefined && isPassiveAnnotation(object));
  const addedToPages = new Set([...newFieldKeys, ...newAnnotations.map(({ ref }) => ref.toString())]);
  const catalogRef = context.trailerInfo.Root;
  const catalog = context.lookup(catalogRef);
  const catalogEntry = (key: string) => (catalog instanceof PDFDict ? catalog.get(PDFName.of(key)) : undefined);
  // Appearances of the new signature widgets and annotations and long-term validation data (DSS) may be new objects too.
  const supporting = reachable(context, [
    ...[...newFields, ...newAnnotations].map(({ object }) => (object as PDFDict).get(PDFName.of('AP'))),
    catalogEntry('DSS'),
  ]);
  const refKey = (value: unknown) => (value instanceof PDFRef ? value.toString() : undefined);
  const metadataKeys = new Set([refKey(context.trailerInfo.Info), refKey(catalogEntry('Metadata'))]);

  const classify = ({ ref, object, before }: (typeof changed)[number]): 'signature' | 'annotation' | 'allowed' | 'metadata' | 'other' => {
    const key = ref.toString();
    if (before === undefined && isSignatureDictionary(object)) return 'signature';
    if (before === undefined && isPassiveAnnotation(object)) return 'annotation';
    if (newFieldKeys.has(key) || (before === undefined && supporting.has(key))) return 'allowed';
    if (key === refKey(catalogRef) && sameExcept(before, object, CATALOG_KEYS)) return 'allowed';
    if (key === refKey(catalogEntry('AcroForm')) && sameExcept(before, object, ACROFORM_KEYS) && onlyAdds(context, before, object, 'Fields', newFieldKeys)) {
      return 'allowed';
    }
    if (isPage(object) && sameExcept(before, object, ['Annots']) && onlyAdds(context, before, object, 'Annots', addedToPages)) return 'allowed';
    if (object instanceof PDFArray && before instanceof PDFArray && extends_(before, object, addedToPages)) return 'allowed';
    return metadataKeys.has(key) ? 'metadata' : 'other';
  };
  const verdicts = changed.map((change) => ({ change, verdict: classify(change) }));
  const signatures = verdicts.filter(({ verdict }) => verdict === 'signature').length;
  const annotations = verdicts.filter(({ verdict }) => verdict === 'annotation').map(({ change }) => (change.object as PDFDict).lookup(PDFName.of('Subtype'), PDFName).decodeText());
  const metadata = verdicts.some(({ verdict }) => verdict === 'metadata');
  const others = verdicts
    .filter(({ verdict }) => verdict === 'other')
    .map(({ change }) => `${change.ref.toString()} (${label(change.object, change.before)})`);
  const one = revisions === 1;
  const updates =
    revisions === 0 ? 'datos agregados (sin %%EOF)' : one ? '1 actualización incremental' : `${revisions} actualizaciones incrementales`;
  const verb = (singular: string, plural: string) => (one ? singular : plural);
  if (others.length > 0) {
    const shown = others.slice(0, 5).join('; ') + (others.length > 5 ? `; y ${others.length - 5} más` : '');
    return result('other', `Después de esta firma hay ${updates} con cambios que no son firmas: ${shown}.`);
  }
  const metadataNote = metadata ? ` y ${verb('actualiza', 'actualizan')} los metadatos del documento` : '';
  if (annotations.length > 0) {
    const what = annotations.length === 1 ? `una anotación (${annotations[0]})` : `${annotations.length} anotaciones (${[...new Set(annotations)].join(', ')})`;
    const alsoSigned = signatures === 0 ? '' : signatures === 1 ? ' y otra firma' : ` y ${signatures} firmas más`;
    return result('annotations', `Después de esta firma hay ${updates} que solo ${verb('agrega', 'agregan')} ${what}${alsoSigned}${metadataNote}, sin cambiar el contenido de las páginas.`);
  }
  if (signatures === 0) {
    // Re-saved metadata is a change nobody signed for, even if harmless: flag it.
    return metadata
      ? result('other', `Después de esta firma hay ${updates} que ${verb('cambia', 'cambian')} los metadatos del documento.`)
      : result('none', `Después de esta firma hay ${updates} sin cambios de contenido.`);
  }
  return result(
    'signatures',
    `Después de esta firma hay ${updates} que solo ${verb('agrega', 'agregan')} ${signatures === 1 ? 'otra firma' : `${signatures} firmas más`}${metadataNote}.`,
  );
}

function isSignatureDictionary(object: PDFObject): boolean {
  if (!(object instanceof PDFDict)) return false;
  const type = object.lookup(PDFName.of('Type'));
  return type === PDFName.of('Sig') || type === PDFName.of('DocTimeStamp') || (object.has(PDFName.of('ByteRange')) && object.has(PDFName.of('Contents')));
}

/** An annotation that is not a form field (widget) and carries no action, so it can only show something. */
function isPassiveAnnotation(object: PDFObject): object is PDFDict {
  if (!(object instanceof PDFDict)) return false;
  const subtype = object.lookup(PDFName.of('Subtype'));
  const type = object.lookup(PDFName.of('Type'));
  return (
    (type === undefined || type === PDFName.of('Annot')) &&
    subtype instanceof PDFName &&
    subtype !== PDFName.of('Widget') &&
    object.lookup(PDFName.of('Rect')) instanceof PDFArray &&
    !object.has(PDFName.of('A')) &&
    !object.has(PDFName.of('AA'))
  );
}

function isPage(object: PDFObject): object is PDFDict {
  return object instanceof PDFDict && object.lookup(PDFName.of('Type')) === PDFName.of('Page');
}

/** Both are dictionaries with the same entries apart from the keys given. */
function sameExcept(before: PDFObject | undefined, after: PDFObject, keys: string[]): boolean {
  if (!(before instanceof PDFDict) || !(after instanceof PDFDict)) return false;
  const ignored = new Set(keys.map((k) => PDFName.of(k)));
  const entries = (dict: PDFDict) =>
    dict
      .entries()
      .filter(([name]) => !ignored.has(name))
      .map(([name, value]) => `${name.toString()} ${pdfObjectBytes(value).toString('latin1')}`)
      .sort();
  const a = entries(before);
  const b = entries(after);
  return a.length === b.length && a.every((entry, i) => entry === b[i]);
}

/** The array under `key` (direct or indirect) keeps every earlier item and adds only new signature fields. */
function onlyAdds(context: PDFDocument['context'], before: PDFObject | undefined, after: PDFObject, key: string, added: Set<string>): boolean {
  if (!(before instanceof PDFDict) || !(after instanceof PDFDict)) return false;
  const old = context.lookup(before.get(PDFName.of(key)));
  const now = context.lookup(after.get(PDFName.of(key)));
  // An indirect array kept by reference is judged on its own, as a changed array object.
  const kept = before.get(PDFName.of(key));
  if (kept instanceof PDFRef && kept.toString() === after.get(PDFName.of(key))?.toString()) return true;
  return now instanceof PDFArray && extends_(old instanceof PDFArray ? old : PDFArray.withContext(context), now, added);
}

function extends_(before: PDFArray, after: PDFArray, added: Set<string>): boolean {
  const old = before.asArray().map((o) => o.toString());
  const now = after.asArray().map((o) => o.toString());
  return old.every((item, i) => now[i] === item) && now.slice(old.length).every((item) => added.has(item));
}

/** Object references reachable from the given roots, through dictionaries, arrays and stream dictionaries. */
function reachable(context: PDFDocument['context'], roots: (PDFObject | undefined)[]): Set<string> {
  const seen = new Set<string>();
  const stack = roots.filter((r): r is PDFObject => r !== undefined);
  while (stack.length > 0 && seen.size < 10_000) {
    const object = stack.pop()!;
    if (object instanceof PDFRef) {
      if (seen.has(object.toString())) continue;
      seen.add(object.toString());
      const target = context.lookup(object);
      if (target) stack.push(target);
    } else if (object instanceof PDFDict) stack.push(...object.values());
    else if (object instanceof PDFArray) stack.push(...object.asArray());
    else if (object instanceof PDFStream) stack.push(object.dict);
  }
  return seen;
}

function label(object: PDFObject, before: PDFObject | undefined): string {
  const type = object instanceof PDFDict ? object.lookup(PDFName.of('Type')) : object instanceof PDFStream ? object.dict.lookup(PDFName.of('Type')) : undefined;
  const kind = type === PDFName.of('Page') ? 'página' : type === PDFName.of('Catalog') ? 'catálogo' : type instanceof PDFName ? type.decodeText() : object instanceof PDFStream ? 'flujo' : 'objeto';
  return `${kind} ${before === undefined ? 'agregado' : 'modificado'}`;
}

function countOccurrences(haystack: Buffer, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}
