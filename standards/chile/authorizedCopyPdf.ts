import {
  concatTransformationMatrix,
  drawObject,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFStream,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  StandardFonts,
  type PDFFont,
  type PDFPage,
} from 'pdf-lib';
import { chileanDateTime, MUTED, TextFlow, type TextStyle } from './pdfText.ts';
import { drawFooter, frameOf, howToVerify, layoutFooter } from './verificationFooter.ts';

export interface AuthorizedCopyInput {
  /** The PDF to copy: the version's bytes, or their PDF rendition. */
  source: Uint8Array;
  /** Verification code, e.g. "K7QF-2M9X-PA4T-8WZC-R3D1". */
  code: string;
  /** Public verification address, code included. */
  verifyUrl: string;
  issuedAt: Date;
  agency: { code: string; name: string };
  /** Who issued the copy, as it should be printed. */
  issuedBy: string;
  subject: { kind: 'version'; identifier: string; version: number; title: string; sha256: string };
}

/** A source PDF that cannot be copied; the message is for the person who asked for the copy. */
export class AuthorizedCopyError extends Error {
  constructor(
    readonly reason: 'encrypted' | 'unreadable',
    detail: string,
  ) {
    super(detail);
    this.name = 'AuthorizedCopyError';
  }
}

const A4: [number, number] = [595.28, 841.89];
const SIDE_MARGIN = 18;

/**
 * An authorized copy (copia autorizada) of a PDF: its pages copied into a new document, so the original's
 * signatures and form are not carried (the caller seals the copy), each with a verification footer in a strip added
 * below the displayed page so that no content is covered, and a final certificate page saying what was copied, by
 * whom, when and how to verify it. Signature widgets of the original are drawn into the page content so the copy
 * still shows their visible stamps.
 */
export async function authorizedCopyPdf(input: AuthorizedCopyInput): Promise<Uint8Array> {
  const source = await loadSource(input.source);
  const copy = await PDFDocument.create();
  const { identifier, version, title, sha256 } = input.subject;
  copy.setTitle(`Copia autorizada de ${identifier}, versión ${version}`);
  copy.setSubject(`Código de verificación ${input.code}`);
  copy.setAuthor(input.agency.name);
  copy.setLanguage('es-CL');
  copy.setCreationDate(input.issuedAt);
  copy.setModificationDate(input.issuedAt);

  const pages = await copySourcePages(source, copy);
  const font = await copy.embedFont(StandardFonts.Helvetica);
  for (const page of pages) {
    copy.addPage(page);
    addFooterStrip(page, font, input.code, input.verifyUrl);
  }

  const bold = await copy.embedFont(StandardFonts.HelveticaBold);
  const mono = await copy.embedFont(StandardFonts.Courier);
  const certificateFrame = frameOf({ x0: 0, y0: 0, x1: A4[0], y1: A4[1] }, 0);
  const certificateFooter = layoutFooter(font, input.code, input.verifyUrl, certificateFrame.width - 2 * SIDE_MARGIN);
  const flow = new TextFlow(copy, A4, { top: 60, bottom: certificateFooter.height + 30, left: 56, right: 56 });
  const text: TextStyle = { font, size: 10 };
  const field = (label: string, value: string, style: TextStyle = text) => {
    flow.ensure(40);
    flow.paragraph(label, { font: bold, size: 10 });
    flow.paragraph(value, style);
    flow.gap(6);
  };
  flow.paragraph('Certificado de copia autorizada', { font: bold, size: 16 });
  flow.paragraph('DS 10/2023 · copia generada por la plataforma con un medio para verificar su autenticidad', { font, size: 10, color: MUTED });
  flow.gap(12);
  flow.paragraph(
    `${pages.length === 1 ? 'La página 1 de este archivo es' : `Las páginas 1 a ${pages.length} de este archivo son`} una copia autorizada del documento electrónico que se indica. ` +
      'Esta copia no conserva las firmas electrónicas del original: su autenticidad la acreditan el sello electrónico del órgano emisor y el código de verificación.',
    text,
  );
  flow.gap(10);
  field('Documento original', `${identifier} · versión ${version}`);
  field('Título', title);
  field('Huella SHA-256 del original', sha256, { font: mono, size: 9.5 });
  field('Órgano emisor', `${input.agency.name} (código ${input.agency.code})`);
  field('Emitida por', input.issuedBy);
  field('Fecha y hora de emisión', chileanDateTime(input.issuedAt));
  field('Código de verificación', input.code, { font: mono, size: 11 });
  field('Dirección de verificación', input.verifyUrl);
  flow.gap(6);
  flow.paragraph(howToVerify(input.code, input.verifyUrl), text);

  for (const page of copy.getPages().slice(pages.length)) drawFooter(page, font, certificateFooter, certificateFrame, SIDE_MARGIN);
  return copy.save({ useObjectStreams: false });
}

async function loadSource(bytes: Uint8Array): Promise<PDFDocument> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
  } catch (error) {
    throw new AuthorizedCopyError('unreadable', `El PDF original no se puede leer (${(error as Error).message}); no se puede emitir una copia autorizada.`);
  }
  if (doc.isEncrypted) {
    throw new AuthorizedCopyError(
      'encrypted',
      'El PDF original está cifrado (con contraseña o con restricciones de uso); no se puede emitir una copia autorizada de él.',
    );
  }
  if (doc.getPageCount() === 0) throw new AuthorizedCopyError('unreadable', 'El PDF original no tiene páginas; no se puede emitir una copia autorizada.');
  return doc;
}

/**
 * Copies every page of `source` (changed in place first; it is the caller's private parse). Links to pages of the
 * document are carried over to the copied pages; /P and article beads are dropped, since pdf-lib would otherwise
 * copy the pages they point to a second time as orphans.
 */
async function copySourcePages(source: PDFDocument, copy: PDFDocument): Promise<PDFPage[]> {
  const sourcePages = source.getPages();
  const indexByRef = new Map(sourcePages.map((p, i) => [p.ref.toString(), i]));
  try {
    for (const page of sourcePages) {
      page.node.delete(PDFName.of('B'));
      for (const annot of annotations(page)) {
        annot.delete(PDFName.of('P'));
        const dest = destinationOf(annot);
        const target = dest?.get(0);
        const index = target instanceof PDFRef ? indexByRef.get(target.toString()) : undefined;
        if (dest && index !== undefined) dest.set(0, PDFNumber.of(index));
      }
      flattenSignatureWidgets(page);
    }
    const copied = await copy.copyPages(source, source.getPageIndices());
    for (const page of copied) {
      for (const annot of annotations(page)) {
        const dest = destinationOf(annot);
        const target = dest?.get(0);
        const newPage = target instanceof PDFNumber ? copied[target.asNumber()] : undefined;
        if (dest && newPage) dest.set(0, newPage.ref);
      }
    }
    return copied;
  } catch (error) {
    throw new AuthorizedCopyError('unreadable', `Las páginas del PDF original no se pueden copiar (${(error as Error).message}).`);
  }
}

function annotations(page: PDFPage): PDFDict[] {
  const annots = page.node.Annots();
  if (!annots) return [];
  return annots.asArray().flatMap((_, i) => {
    const annot = annots.lookup(i);
    return annot instanceof PDFDict ? [annot] : [];
  });
}

/** The explicit destination of a link (its /Dest, or a GoTo action's /D), which names a page as its first element. */
function destinationOf(annot: PDFDict): PDFArray | undefined {
  const dest = annot.lookup(PDFName.of('Dest'));
  if (dest instanceof PDFArray) return dest;
  const action = annot.lookup(PDFName.of('A'));
  if (!(action instanceof PDFDict) || action.lookup(PDFName.of('S')) !== PDFName.of('GoTo')) return undefined;
  const target = action.lookup(PDFName.of('D'));
  return target instanceof PDFArray ? target : undefined;
}

/** /FT is inheritable: a widget merged with its field has it, a widget under a field finds it up the /Parent chain. */
function isSignatureWidget(annot: PDFDict): boolean {
  if (annot.lookup(PDFName.of('Subtype')) !== PDFName.of('Widget')) return false;
  let node: PDFDict | undefined = annot;
  for (let depth = 0; node && depth < 32; depth++) {
    const type = node.lookup(PDFName.of('FT'));
    if (type) return type === PDFName.of('Sig');
    const parent: unknown = node.lookup(PDFName.of('Parent'));
    node = parent instanceof PDFDict ? parent : undefined;
  }
  return false;
}

const HIDDEN = 2;
const NO_VIEW = 32;

/** Removes the page's signature widgets, painting the normal appearance of the visible ones into its content. */
function flattenSignatureWidgets(page: PDFPage): void {
  const annots = page.node.Annots();
  if (!annots) return;
  for (let i = annots.size() - 1; i >= 0; i--) {
    const annot = annots.lookup(i);
    if (!(annot instanceof PDFDict) || !isSignatureWidget(annot)) continue;
    annots.remove(i);
    const flags = annot.lookup(PDFName.of('F'));
    if (flags instanceof PDFNumber && flags.asNumber() & (HIDDEN | NO_VIEW)) continue;
    const appearance = normalAppearance(annot);
    const rect = numbers(annot.lookup(PDFName.of('Rect')), 4);
    if (!appearance || !rect) continue;
    const placement = placeAppearance(appearance.stream, rect);
    if (!placement) continue;
    if (!appearance.stream.dict.has(PDFName.of('Subtype'))) appearance.stream.dict.set(PDFName.of('Subtype'), PDFName.of('Form'));
    const name = page.node.newXObject('FlatSig', appearance.ref);
    page.pushOperators(pushGraphicsState(), concatTransformationMatrix(...placement), drawObject(name), popGraphicsState());
  }
}

function normalAppearance(annot: PDFDict): { ref: PDFRef; stream: PDFStream } | undefined {
  const ap = annot.lookup(PDFName.of('AP'));
  if (!(ap instanceof PDFDict)) return undefined;
  let ref = ap.get(PDFName.of('N'));
  const states = ap.lookup(PDFName.of('N'));
  if (states instanceof PDFDict) {
    const state = annot.lookup(PDFName.of('AS'));
    ref = state instanceof PDFName ? states.get(state) : undefined;
  }
  const stream = ref instanceof PDFRef ? annot.context.lookup(ref) : undefined;
  return ref instanceof PDFRef && stream instanceof PDFStream ? { ref, stream } : undefined;
}

type Matrix = [number, number, number, number, number, number];

/**
 * The matrix that fits a form's /BBox (after its own /Matrix) into the annotation's /Rect: the mapping viewers
 * apply when they paint an appearance stream (ISO 32000-1, 12.5.5).
 */
function placeAppearance(stream: PDFStream, rect: number[]): Matrix | undefined {
  const bbox = numbers(stream.dict.lookup(PDFName.of('BBox')), 4);
  if (!bbox) return undefined;
  const [a, b, c, d, e, f] = (numbers(stream.dict.lookup(PDFName.of('Matrix')), 6) ?? [1, 0, 0, 1, 0, 0]) as Matrix;
  const [bx0, by0, bx1, by1] = bbox as [number, number, number, number];
  const corners = [
    [bx0, by0],
    [bx1, by0],
    [bx0, by1],
    [bx1, by1],
  ] as const;
  const xs = corners.map(([x, y]) => a * x + c * y + e);
  const ys = corners.map(([x, y]) => b * x + d * y + f);
  const form = { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
  const [rx0, ry0, rx1, ry1] = rect as [number, number, number, number];
  const target = { x0: Math.min(rx0, rx1), y0: Math.min(ry0, ry1), x1: Math.max(rx0, rx1), y1: Math.max(ry0, ry1) };
  if (form.x1 <= form.x0 || form.y1 <= form.y0 || target.x1 <= target.x0 || target.y1 <= target.y0) return undefined;
  const sx = (target.x1 - target.x0) / (form.x1 - form.x0);
  const sy = (target.y1 - target.y0) / (form.y1 - form.y0);
  return [sx, 0, 0, sy, target.x0 - form.x0 * sx, target.y0 - form.y0 * sy];
}

function numbers(value: unknown, count: number): number[] | undefined {
  if (!(value instanceof PDFArray) || value.size() !== count) return undefined;
  const result = value.asArray().map((item) => (item instanceof PDFNumber ? item.asNumber() : NaN));
  return result.every(Number.isFinite) ? result : undefined;
}

/**
 * Grows the page by a strip below its displayed bottom edge (whichever side that is under /Rotate), paints the strip
 * white, in case the media box had hidden content there, and draws the footer in it.
 */
function addFooterStrip(page: PDFPage, font: PDFFont, code: string, url: string): void {
  const media = normalized(page.getMediaBox());
  const crop = normalized(page.getCropBox());
  const visible = {
    x0: Math.max(media.x0, crop.x0),
    y0: Math.max(media.y0, crop.y0),
    x1: Math.min(media.x1, crop.x1),
    y1: Math.min(media.y1, crop.y1),
  };
  const angle = ((page.getRotation().angle % 360) + 360) % 360;
  // /Rotate must be a multiple of 90; anything else is shown unrotated.
  const turn = ([0, 90, 180, 270] as const).find((r) => r === angle) ?? 0;
  const before = frameOf(visible, turn);
  const margin = Math.min(SIDE_MARGIN, before.width * 0.05);
  const footer = layoutFooter(font, code, url, before.width - 2 * margin);
  const grown = { ...visible };
  if (turn === 0) grown.y0 -= footer.height;
  else if (turn === 90) grown.x1 += footer.height;
  else if (turn === 180) grown.y1 += footer.height;
  else grown.x0 -= footer.height;
  page.setCropBox(grown.x0, grown.y0, grown.x1 - grown.x0, grown.y1 - grown.y0);
  const x0 = Math.min(media.x0, grown.x0);
  const y0 = Math.min(media.y0, grown.y0);
  page.setMediaBox(x0, y0, Math.max(media.x1, grown.x1) - x0, Math.max(media.y1, grown.y1) - y0);

  const frame = frameOf(grown, turn);
  const corner = frame.toUser(0, 0);
  const opposite = frame.toUser(frame.width, footer.height);
  page.drawRectangle({
    x: Math.min(corner.x, opposite.x),
    y: Math.min(corner.y, opposite.y),
    width: Math.abs(opposite.x - corner.x),
    height: Math.abs(opposite.y - corner.y),
    color: rgb(1, 1, 1),
  });
  drawFooter(page, font, footer, frame, margin);
}

function normalized(box: { x: number; y: number; width: number; height: number }) {
  return {
    x0: Math.min(box.x, box.x + box.width),
    y0: Math.min(box.y, box.y + box.height),
    x1: Math.max(box.x, box.x + box.width),
    y1: Math.max(box.y, box.y + box.height),
  };
}
