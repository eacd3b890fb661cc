import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString, StandardFonts, type PDFContext, type PDFFont, type PDFObject } from 'pdf-lib';
import { appendIncrementalUpdate, readXrefTail, type UpdateObject, type XrefTail } from './appendIncrementalUpdate.ts';
import { inheritedAttribute, listPages } from './listPages.ts';
import { pdfObjectBytes } from './pdfObjectBytes.ts';
import { formatLocalTime } from './signatureAppearance.ts';

export interface RegistryStamp {
  /** The number the records office assigned, e.g. "30-2026-000017". */
  registryNumber: string;
  /** The records office that assigned it. */
  office: string;
  /** When the number was assigned. */
  at: Date;
  /** IANA zone the time is shown in; America/Santiago unless given. */
  timeZone?: string;
}

/** A PDF the stamp cannot be added to; the message is for the person numbering the document. */
export class RegistryStampError extends Error {
  constructor(
    readonly reason: 'unreadable' | 'encrypted' | 'certified',
    message: string,
  ) {
    super(message);
    this.name = 'RegistryStampError';
  }
}

const FONT_SIZE = 8;
const MIN_FONT_SIZE = 5;
const PADDING = 4;
const MARGIN = 18;
const GAP = 3;
/** Print (4) + Locked (128) + LockedContents (512): printed, and viewers neither move, delete nor edit it. */
const ANNOTATION_FLAGS = 644;
/** Our stamps are named NM_PREFIX1, NM_PREFIX2… so a later one (say, the receiving office's) goes below. */
const NM_PREFIX = 'legajo-registro-';
const FONT_RESOURCE = 'F1';
const INK = '0.18 0.25 0.55';

let helvetica: Promise<{ font: PDFFont; charset: Set<number> }> | undefined;

/** Helvetica metrics and WinAnsi encoding from pdf-lib's standard fonts; nothing is embedded. */
function loadFont(): Promise<{ font: PDFFont; charset: Set<number> }> {
  helvetica ??= PDFDocument.create().then((doc) => {
    const font = doc.embedStandardFont(StandardFonts.Helvetica);
    return { font, charset: new Set(font.getCharacterSet()) };
  });
  return helvetica;
}

/**
 * Stamps the registry number on the first page, top right: "N.º <número> · <oficina> · <fecha y hora>". The stamp is
 * a locked FreeText annotation with its own appearance, appended as an incremental update that rewrites only the
 * page (or its annotation array), so every earlier signature keeps verifying. Adding an annotation is a change a
 * certification signature allows only with DocMDP P=3: with P=1 (no changes) or P=2 (forms and signatures only)
 * the PDF is refused, since the stamp would break the certification.
 */
export async function stampRegistryNumber(pdf: Buffer, stamp: RegistryStamp): Promise<Buffer> {
  let tail: XrefTail;
  try {
    tail = readXrefTail(pdf);
  } catch {
    throw new RegistryStampError('unreadable', 'Las referencias cruzadas del PDF están dañadas; vuelva a generarlo antes de numerarlo.');
  }
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { ignoreEncryption: true, updateMetadata: false });
  } catch (error) {
    throw new RegistryStampError('unreadable', `El PDF no se puede leer (${(error as Error).message}); vuelva a generarlo antes de numerarlo.`);
  }
  if (doc.isEncrypted) throw new RegistryStampError('encrypted', 'El PDF está cifrado: no se le puede estampar el número de registro. Quite la protección y vuelva a cargarlo.');
  const { context } = doc;
  const catalogRef = context.trailerInfo.Root;
  const catalog = context.lookup(catalogRef);
  const page = catalog instanceof PDFDict ? listPages(context, catalog)[0] : undefined;
  if (!(catalogRef instanceof PDFRef) || !(catalog instanceof PDFDict) || !page) {
    throw new RegistryStampError('unreadable', 'El PDF no tiene catálogo ni páginas legibles; vuelva a generarlo antes de numerarlo.');
  }
  const permission = certificationPermission(catalog);
  if (permission !== null && permission !== 3) {
    // Values other than 1, 2 and 3 are invalid; they are read as the strictest.
    const allows = permission === 2 ? 'solo permite rellenar formularios y firmar' : 'no permite ningún cambio';
    throw new RegistryStampError(
      'certified',
      `El PDF tiene una firma de certificación que ${allows} (DocMDP P=${permission}): estampar el número de registro, que es una anotación, la invalidaría.`,
    );
  }

  let next = Math.max(tail.size, context.largestObjectNumber + 1);
  const annotRef = PDFRef.of(next++);
  const appearanceRef = PDFRef.of(next++);
  const objects: UpdateObject[] = [];
  const write = (ref: PDFRef, object: PDFObject) => objects.push({ ref, body: pdfObjectBytes(object) });

  const annotsEntry = page.dict.get(PDFName.of('Annots'));
  const annots = context.lookup(annotsEntry);
  const annotList = annots instanceof PDFArray ? annots.asArray() : [];
  const slot = annotList.filter((annot) => nameOf(context.lookup(annot)).startsWith(NM_PREFIX)).length;

  const { font, charset } = await loadFont();
  const when = formatLocalTime(stamp.at, stamp.timeZone ?? 'America/Santiago');
  const box = visibleBox(context, page.dict);
  const rotation = pageRotation(context, page.dict);
  const across = rotation % 180 === 0 ? box.urx - box.llx : box.ury - box.lly;
  const line = fitLine(stamp.registryNumber, stamp.office, when, font, charset, across - 2 * MARGIN - 2 * PADDING);
  const width = font.widthOfTextAtSize(line.text, line.size) + 2 * PADDING;
  const height = line.size + 2 * PADDING;

  // A frame and one line of text; the baseline sits a little above the padding so descenders stay inside.
  const appearance = context.stream(
    [
      `q ${INK} RG 0.8 w 0.4 0.4 ${(width - 0.8).toFixed(2)} ${(height - 0.8).toFixed(2)} re S Q`,
      `BT ${INK} rg /${FONT_RESOURCE} ${line.size.toFixed(2)} Tf ${PADDING} ${(PADDING + line.size * 0.22).toFixed(2)} Td ${font.encodeText(line.text).toString()} Tj ET`,
    ].join('\n'),
    {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, 0, width, height],
      // Turns the text against the page's /Rotate, so it reads upright in the viewer.
      Matrix: rotationMatrix(rotation),
      Resources: { Font: { [FONT_RESOURCE]: { Type: 'Font', Subtype: 'Type1', BaseFont: 'Helvetica', Encoding: 'WinAnsiEncoding' } } },
    },
  );
  const annotation = context.obj({
    Type: 'Annot',
    Subtype: 'FreeText',
    Rect: stampRect(box, rotation, width, height, slot),
    F: ANNOTATION_FLAGS,
    P: page.ref,
    // Viewers that regenerate FreeText appearances need a default appearance; ours is drawn above.
    DA: PDFString.of(`/Helv ${FONT_SIZE} Tf ${INK} rg`),
    AP: { N: appearanceRef },
  });
  // The full text, even where the drawn line had to shorten the office or replace characters.
  annotation.set(PDFName.of('Contents'), PDFHexString.fromText(`N.º ${stamp.registryNumber} · ${stamp.office} · ${when}`));
  annotation.set(PDFName.of('NM'), PDFString.of(`${NM_PREFIX}${slot + 1}`));
  annotation.set(PDFName.of('T'), PDFHexString.fromText(stamp.office));
  annotation.set(PDFName.of('Subj'), PDFHexString.fromText('Número de registro'));
  annotation.set(PDFName.of('M'), PDFString.fromDate(stamp.at));
  annotation.set(PDFName.of('CreationDate'), PDFString.fromDate(stamp.at));
  write(annotRef, annotation);
  write(appearanceRef, appearance);

  // An indirect Annots array is updated in place; otherwise the page gets a new one.
  if (annotsEntry instanceof PDFRef && annots instanceof PDFArray) {
    write(annotsEntry, context.obj([...annotList, annotRef]));
  } else {
    const newPage = page.dict.clone(context);
    newPage.set(PDFName.of('Annots'), context.obj([...annotList, annotRef]));
    write(page.ref, newPage);
  }

  const { Info, ID } = context.trailerInfo;
  return appendIncrementalUpdate(pdf, tail, objects, {
    nextObjectNumber: next,
    root: catalogRef,
    ...(Info ? { info: Info } : {}),
    ...(ID ? { id: ID } : {}),
  });
}

/**
 * The DocMDP permission of the certification signature (ISO 32000-1 §12.8.2.2), null without one. A certification
 * whose transform parameters omit /P means 2.
 */
function certificationPermission(catalog: PDFDict): number | null {
  const perms = catalog.lookup(PDFName.of('Perms'));
  const signature = perms instanceof PDFDict ? perms.lookup(PDFName.of('DocMDP')) : undefined;
  if (!(signature instanceof PDFDict)) return null;
  const references = signature.lookup(PDFName.of('Reference'));
  for (const reference of references instanceof PDFArray ? references.asArray() : []) {
    const dict = catalog.context.lookup(reference);
    if (!(dict instanceof PDFDict) || dict.lookup(PDFName.of('TransformMethod')) !== PDFName.of('DocMDP')) continue;
    const params = dict.lookup(PDFName.of('TransformParams'));
    const p = params instanceof PDFDict ? params.lookup(PDFName.of('P')) : undefined;
    return p instanceof PDFNumber ? p.asNumber() : 2;
  }
  return 2;
}

function nameOf(annot: PDFObject | undefined): string {
  const nm = annot instanceof PDFDict ? annot.lookup(PDFName.of('NM')) : undefined;
  return nm instanceof PDFString || nm instanceof PDFHexString ? nm.decodeText() : '';
}

interface Box {
  llx: number;
  lly: number;
  urx: number;
  ury: number;
}

/** The crop box (what viewers show), else the media box, else US Letter. */
function visibleBox(context: PDFContext, page: PDFDict): Box {
  const box = [inheritedAttribute(context, page, 'CropBox'), inheritedAttribute(context, page, 'MediaBox')]
    .map((b) => (b instanceof PDFArray && b.size() === 4 ? b.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : NaN)) : undefined))
    .find((b) => b !== undefined && b.every(Number.isFinite)) ?? [0, 0, 612, 792];
  return { llx: Math.min(box[0]!, box[2]!), lly: Math.min(box[1]!, box[3]!), urx: Math.max(box[0]!, box[2]!), ury: Math.max(box[1]!, box[3]!) };
}

/** /Rotate as 0, 90, 180 or 270 (clockwise); anything else is not a valid value and is read as 0. */
function pageRotation(context: PDFContext, page: PDFDict): number {
  const value = inheritedAttribute(context, page, 'Rotate');
  const degrees = value instanceof PDFNumber ? ((value.asNumber() % 360) + 360) % 360 : 0;
  return degrees % 90 === 0 ? degrees : 0;
}

/** Counterclockwise by the page's rotation, undoing the clockwise turn the viewer applies. */
function rotationMatrix(rotation: number): number[] {
  const cos = Math.round(Math.cos((rotation * Math.PI) / 180));
  const sin = Math.round(Math.sin((rotation * Math.PI) / 180));
  return [cos, sin, -sin, cos, 0, 0];
}

/**
 * The top right corner as the reader sees it, in page coordinates: the box is placed in the rotated view, then its
 * corners are mapped back. Each further stamp goes below the previous one.
 */
function stampRect(box: Box, rotation: number, width: number, height: number, slot: number): number[] {
  const viewWidth = rotation % 180 === 0 ? box.urx - box.llx : box.ury - box.lly;
  const viewHeight = rotation % 180 === 0 ? box.ury - box.lly : box.urx - box.llx;
  const right = Math.max(width, viewWidth - MARGIN);
  const top = Math.max(height, viewHeight - MARGIN - slot * (height + GAP));
  const toPage = ([vx, vy]: [number, number]): [number, number] =>
    rotation === 90
      ? [box.urx - vy, box.lly + vx]
      : rotation === 180
        ? [box.urx - vx, box.ury - vy]
        : rotation === 270
          ? [box.llx + vy, box.ury - vx]
          : [box.llx + vx, box.lly + vy];
  const [x1, y1] = toPage([right - width, top - height]);
  const [x2, y2] = toPage([right, top]);
  return [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
}

/**
 * The stamp's single line at 8 pt, shrunk down to 5 pt to fit the page; if it still does not fit, the office name is
 * shortened, never the number or the time. Characters Helvetica cannot show in WinAnsi become "?".
 */
function fitLine(number: string, office: string, when: string, font: PDFFont, charset: Set<number>, available: number): { text: string; size: number } {
  const clean = (s: string) => [...s.replace(/\s+/g, ' ').trim()].map((ch) => (charset.has(ch.codePointAt(0)!) ? ch : '?')).join('');
  const compose = (name: string) => `N.º ${clean(number)} · ${name} · ${when}`;
  let name = clean(office);
  const natural = font.widthOfTextAtSize(compose(name), FONT_SIZE);
  const size = Math.max(MIN_FONT_SIZE, Math.min(FONT_SIZE, (FONT_SIZE * available) / natural));
  while (name.length > 1 && font.widthOfTextAtSize(compose(name), size) > available) name = `${name.slice(0, -2).trimEnd()}…`;
  return { text: compose(name), size };
}
