import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString, type PDFContext, type PDFObject } from 'pdf-lib';
import type { PdfSubFilter } from '../../server/features/signing/Signer.ts';
import { appendIncrementalUpdate, readXrefTail, type UpdateObject } from './appendIncrementalUpdate.ts';
import { inheritedAttribute, listPages } from './listPages.ts';
import { pdfObjectBytes } from './pdfObjectBytes.ts';
import { PdfSigningError } from './PdfSigningError.ts';
import { buildSignatureAppearance, STAMP_FONTS, STAMP_HEIGHT, STAMP_WIDTH, type StampLines } from './signatureAppearance.ts';

export interface PlaceholderOptions {
  subFilter: PdfSubFilter;
  /** Bytes reserved for the DER CMS; /Contents holds twice as many hex digits. */
  contentsBytes: number;
  signingTime: Date;
  name: string;
  reason: string;
  location?: string;
  contactInfo?: string;
  /** Draws a stamp on the last page; without it the signature field is invisible. */
  stamp?: StampLines;
}

/** @signpdf/signpdf looks for exactly this ByteRange placeholder and fills it in. */
const BYTE_RANGE_PLACEHOLDER = '/ByteRange [0 /********** /********** /**********]';
/** Annotation flags Print (4) + Locked (128): printed, and not movable or deletable in viewers. */
const WIDGET_FLAGS = 132;
const STAMP_MARGIN = 36;
const STAMP_GAP = 6;

/**
 * Adds an empty signature (field, widget, signature dictionary with ByteRange and Contents placeholders, optional
 * appearance) to a PDF as an incremental update. pdf-lib only parses; every byte written is appended, so earlier
 * signatures stay valid. Unlike @signpdf/placeholder-plain this reads cross-reference streams and object streams
 * (what pdf-lib and most current tools write), adds the field to an existing AcroForm and signs the last page.
 */
export async function addSignaturePlaceholder(pdf: Buffer, options: PlaceholderOptions): Promise<{ pdf: Buffer; fieldName: string }> {
  const tail = readXrefTail(pdf);
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { ignoreEncryption: true, updateMetadata: false });
  } catch (error) {
    throw new PdfSigningError(`El PDF no se puede leer (${(error as Error).message}); repárelo antes de firmar.`);
  }
  if (doc.isEncrypted) throw new PdfSigningError('El PDF está cifrado; quite la protección antes de firmarlo.');
  const { context } = doc;
  const catalogRef = context.trailerInfo.Root;
  const catalog = catalogRef instanceof PDFRef ? context.lookup(catalogRef) : undefined;
  if (!(catalogRef instanceof PDFRef) || !(catalog instanceof PDFDict)) {
    throw new PdfSigningError('El PDF no tiene catálogo; repárelo antes de firmar.');
  }
  const page = listPages(context, catalog).at(-1);
  if (!page) throw new PdfSigningError('El PDF no tiene páginas.');

  let next = Math.max(tail.size, context.largestObjectNumber + 1);
  const allocate = () => PDFRef.of(next++);
  const objects: UpdateObject[] = [];
  const write = (ref: PDFRef, object: PDFObject) => objects.push({ ref, body: pdfObjectBytes(object) });

  const sigRef = allocate();
  const widgetRef = allocate();

  // AcroForm: keep an indirect one in place; a missing or direct one becomes a new object the catalog points to.
  const acroFormEntry = catalog.get(PDFName.of('AcroForm'));
  const acroFormRef = acroFormEntry instanceof PDFRef ? acroFormEntry : allocate();
  const existingForm = context.lookup(acroFormEntry);
  const acroForm = existingForm instanceof PDFDict ? existingForm.clone(context) : context.obj({});
  const fields = acroForm.lookup(PDFName.of('Fields'));
  const fieldList = fields instanceof PDFArray ? fields.asArray() : [];
  const fieldName = uniqueFieldName(context, fieldList);
  acroForm.set(PDFName.of('Fields'), context.obj([...fieldList, widgetRef]));
  acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(3));
  write(acroFormRef, acroForm);
  if (!(acroFormEntry instanceof PDFRef)) {
    const newCatalog = catalog.clone(context);
    newCatalog.set(PDFName.of('AcroForm'), acroFormRef);
    write(catalogRef, newCatalog);
  }

  // The page lists the widget among its annotations; an indirect Annots array is updated in place.
  const annotsEntry = page.dict.get(PDFName.of('Annots'));
  const annots = context.lookup(annotsEntry);
  const annotList = annots instanceof PDFArray ? annots.asArray() : [];
  if (annotsEntry instanceof PDFRef && annots instanceof PDFArray) {
    write(annotsEntry, context.obj([...annotList, widgetRef]));
  } else {
    const newPage = page.dict.clone(context);
    newPage.set(PDFName.of('Annots'), context.obj([...annotList, widgetRef]));
    write(page.ref, newPage);
  }

  const widget = context.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    V: sigRef,
    P: page.ref,
    F: WIDGET_FLAGS,
    Rect: [0, 0, 0, 0],
  });
  widget.set(PDFName.of('T'), PDFString.of(fieldName));
  if (options.stamp) {
    const appearanceRef = allocate();
    const regularRef = allocate();
    const boldRef = allocate();
    widget.set(PDFName.of('Rect'), context.obj(stampRect(context, page.dict, countVisibleSignatures(context, annotList))));
    widget.set(PDFName.of('AP'), context.obj({ N: appearanceRef }));
    const appearance = context.stream(await buildSignatureAppearance(options.stamp), {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, 0, STAMP_WIDTH, STAMP_HEIGHT],
      Resources: { Font: { [STAMP_FONTS.regular]: regularRef, [STAMP_FONTS.bold]: boldRef } },
    });
    write(appearanceRef, appearance);
    write(regularRef, context.obj({ Type: 'Font', Subtype: 'Type1', BaseFont: 'Helvetica', Encoding: 'WinAnsiEncoding' }));
    write(boldRef, context.obj({ Type: 'Font', Subtype: 'Type1', BaseFont: 'Helvetica-Bold', Encoding: 'WinAnsiEncoding' }));
  }
  write(widgetRef, widget);
  objects.push({ ref: sigRef, body: signatureDictionary(options) });

  const { Info, ID } = context.trailerInfo;
  const updated = appendIncrementalUpdate(pdf, tail, objects, {
    nextObjectNumber: next,
    root: catalogRef,
    ...(Info ? { info: Info } : {}),
    ...(ID ? { id: ID } : {}),
  });
  return { pdf: updated, fieldName };
}

/** Written by hand: @signpdf needs /ByteRange then /Contents in exactly this textual form. */
function signatureDictionary(options: PlaceholderOptions): Buffer {
  const entries = [
    '/Type /Sig',
    '/Filter /Adobe.PPKLite',
    `/SubFilter /${options.subFilter}`,
    BYTE_RANGE_PLACEHOLDER,
    `/Contents <${'0'.repeat(options.contentsBytes * 2)}>`,
    `/M ${pdfDate(options.signingTime)}`,
    `/Name ${textString(options.name)}`,
    `/Reason ${textString(options.reason)}`,
    ...(options.location ? [`/Location ${textString(options.location)}`] : []),
    ...(options.contactInfo ? [`/ContactInfo ${textString(options.contactInfo)}`] : []),
    '/Prop_Build << /App << /Name /legajo >> >>',
  ];
  return Buffer.from(`<<\n${entries.join('\n')}\n>>`, 'latin1');
}

/** ASCII stays a literal string; anything else is UTF-16BE with a byte order mark, as PDF text strings allow. */
function textString(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/([\\()])/g, '\\$1')})`;
  return PDFHexString.fromText(text).toString();
}

function pdfDate(date: Date): string {
  const iso = date.toISOString();
  return `(D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+00'00')`;
}

function uniqueFieldName(context: PDFContext, fields: PDFObject[]): string {
  const taken = new Set(
    fields.map((field) => {
      const dict = context.lookup(field);
      const name = dict instanceof PDFDict ? dict.lookup(PDFName.of('T')) : undefined;
      return name instanceof PDFString || name instanceof PDFHexString ? name.decodeText() : '';
    }),
  );
  let n = 1;
  while (taken.has(`Firma${n}`)) n++;
  return `Firma${n}`;
}

function countVisibleSignatures(context: PDFContext, annots: PDFObject[]): number {
  return annots.filter((annot) => {
    const dict = context.lookup(annot);
    if (!(dict instanceof PDFDict)) return false;
    const parent = dict.lookup(PDFName.of('Parent'));
    const type = dict.lookup(PDFName.of('FT')) ?? (parent instanceof PDFDict ? parent.lookup(PDFName.of('FT')) : undefined);
    const rect = dict.lookup(PDFName.of('Rect'));
    if (type !== PDFName.of('Sig') || !(rect instanceof PDFArray) || rect.size() !== 4) return false;
    const [x1, y1, x2, y2] = rect.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : 0));
    return x1 !== x2 && y1 !== y2;
  }).length;
}

/** Bottom right of the visible page area; each further visible signature stacks above the previous one. */
function stampRect(context: PDFContext, page: PDFDict, slot: number): number[] {
  const box = [inheritedAttribute(context, page, 'CropBox'), inheritedAttribute(context, page, 'MediaBox')]
    .map((b) => (b instanceof PDFArray && b.size() === 4 ? b.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : NaN)) : undefined))
    .find((b) => b !== undefined && b.every(Number.isFinite)) ?? [0, 0, 612, 792];
  const [llx, lly, urx, ury] = [Math.min(box[0]!, box[2]!), Math.min(box[1]!, box[3]!), Math.max(box[0]!, box[2]!), Math.max(box[1]!, box[3]!)];
  const x2 = Math.max(llx + STAMP_WIDTH, urx - STAMP_MARGIN);
  const y1 = Math.min(lly + STAMP_MARGIN + slot * (STAMP_HEIGHT + STAMP_GAP), ury - STAMP_HEIGHT);
  return [x2 - STAMP_WIDTH, y1, x2, y1 + STAMP_HEIGHT];
}
