import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';
import type { CaseFileIndex, IndexEntry } from '../caseFile/CaseFileIndex.ts';
import { MGDEE } from './caseFileMetadata.ts';
import { chileanDateTime, chileanShortDateTime, INK, MUTED, TextFlow, winAnsiText, wrapToWidth } from './pdfText.ts';
import { drawFooter, frameOf, howToVerify, layoutFooter } from './verificationFooter.ts';

export interface CaseFileIndexPdfInput {
  index: CaseFileIndex;
  /** Verification code and URL of an authorized copy; both null for a plain reading view of the index. */
  code: string | null;
  verifyUrl: string | null;
  issuedAt: Date;
  agency: { code: string; name: string };
  issuedBy: string;
}

/** A4 landscape: seven columns, hashes included, need the width. */
const PAGE: [number, number] = [841.89, 595.28];
const SIDE = 40;
const TOP = 48;
const SIZE = 7.5;
const HASH_SIZE = 6.5;
const LEAD = 9.5;
const PAD = 3;
const INDENT = 8;
const MAX_INDENT_LEVELS = 4;
const LABEL_WIDTH = 150;

const ACCESS_LEVELS: Record<number, string> = { 1: 'Público', 2: 'Restringido', 3: 'Secreto', 4: 'Reservado' };
const KIND_WORDS: Record<IndexEntry['kind'], string> = { document: 'documento', link: 'enlace', 'case-file': 'expediente' };

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  italic: PDFFont;
  mono: PDFFont;
}

interface Line {
  text: string;
  font: PDFFont;
  size: number;
  strike?: boolean;
}

interface Column {
  title: string;
  width: number;
  /** Whether nested entries shift right in this column. */
  indents: boolean;
}

const COLUMNS: Column[] = [
  { title: 'N.º', width: 44, indents: true },
  { title: 'Tipo', width: 52, indents: false },
  { title: 'Identificador y versión', width: 130, indents: true },
  { title: 'Título o descripción', width: 263.89, indents: true },
  { title: 'Folios', width: 52, indents: false },
  { title: 'Incorporación', width: 80, indents: false },
  { title: 'SHA-256', width: 140, indents: false },
];

/** An entry as a table row: nested case files contribute their own entries, numbered "3.1", "3.2"… */
interface Row {
  number: string;
  depth: number;
  entry: IndexEntry;
}

function rowsOf(entries: IndexEntry[], prefix = '', depth = 0): Row[] {
  return entries.flatMap((entry) => {
    const row = { number: `${prefix}${entry.order}`, depth, entry };
    return entry.kind === 'case-file' ? [row, ...rowsOf(entry.index.entries, `${row.number}.`, depth + 1)] : [row];
  });
}

/** ISO dates from the metadata, shown on the Chilean clock; anything unparsable as given. */
function shortDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : chileanShortDateTime(d);
}

const folios = (first: number, last: number) => (first === last ? `${first}` : `${first}–${last}`);

/** Hex digests in halves of 32, so the two lines align in the monospaced column. */
const hashLines = (hex: string) => (hex.match(/.{1,32}/g) ?? ['']);

/**
 * The case-file index as a readable PDF: "Índice electrónico del expediente <IUIe>", its main metadata, and a table
 * of every entry in order (nested case files followed by their own entries, indented), paginated with the table
 * header repeated. With a code it is an authorized copy: every page carries the verification footer.
 */
export async function caseFileIndexPdf(input: CaseFileIndexPdfInput): Promise<Uint8Array> {
  const { index } = input;
  const meta = index.metadata;
  const iuie = meta[MGDEE.iuie];
  if ((input.code === null) !== (input.verifyUrl === null)) throw new Error('code y verifyUrl van juntos: ambos o ninguno.');
  const verification = input.code !== null && input.verifyUrl !== null ? { code: input.code, url: input.verifyUrl } : null;

  const doc = await PDFDocument.create();
  doc.setTitle(`Índice electrónico del expediente ${iuie}`);
  doc.setAuthor(input.agency.name);
  doc.setLanguage('es-CL');
  doc.setCreationDate(input.issuedAt);
  doc.setModificationDate(input.issuedAt);
  if (verification) doc.setSubject(`Copia autorizada · código de verificación ${verification.code}`);
  const fonts: Fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    italic: await doc.embedFont(StandardFonts.HelveticaOblique),
    mono: await doc.embedFont(StandardFonts.Courier),
  };

  const frame = frameOf({ x0: 0, y0: 0, x1: PAGE[0], y1: PAGE[1] }, 0);
  const footer = verification ? layoutFooter(fonts.regular, verification.code, verification.url, frame.width - 2 * SIDE) : null;
  const flow = new TextFlow(doc, PAGE, { top: TOP, bottom: (footer?.height ?? 0) + 24, left: SIDE, right: SIDE });

  flow.paragraph(`Índice electrónico del expediente ${iuie}`, { font: fonts.bold, size: 15 });
  flow.gap(8);
  const field = (label: string, value: string) => {
    const lines = wrapToWidth(value, fonts.regular, 9, flow.width - LABEL_WIDTH);
    flow.ensure(lines.length * 12);
    flow.page.drawText(winAnsiText(label), { x: SIDE, y: flow.y - 9, size: 9, font: fonts.bold, color: INK });
    for (const line of lines) {
      flow.y -= 12;
      flow.page.drawText(line, { x: SIDE + LABEL_WIDTH, y: flow.y + 3, size: 9, font: fonts.regular, color: INK });
    }
    flow.gap(2);
  };
  field('Título', meta[MGDEE.title]);
  field('Materia', meta[MGDEE.subject]);
  field('Estado', meta[MGDEE.state].charAt(0).toUpperCase() + meta[MGDEE.state].slice(1));
  field('Procedimiento (CPAT)', meta[MGDEE.procedureName] ? `${meta[MGDEE.procedureCode]} — ${meta[MGDEE.procedureName]}` : meta[MGDEE.procedureCode]);
  field('Órgano productor', `${meta[MGDEE.agencyName]} (código ${meta[MGDEE.agencyCode]})`);
  field('Apertura', shortDate(meta[MGDEE.createdAt]));
  const closedAt = meta[MGDEE.closedAt];
  field('Cierre', closedAt ? shortDate(closedAt) : 'Sin cerrar');
  const restrictionEnds = meta[MGDEE.restrictionEnds];
  field(
    'Nivel de acceso',
    [
      ACCESS_LEVELS[meta[MGDEE.accessLevel]] ?? `código ${meta[MGDEE.accessLevel]}`,
      ...(restrictionEnds ? [`hasta ${shortDate(restrictionEnds)}`] : []),
      ...(meta[MGDEE.sensitive] === 1 ? ['contiene datos sensibles'] : []),
    ].join(' · '),
  );
  field(
    'Índice',
    `${index.indexVersion === null ? 'Vista de trabajo, sin sellar' : `Versión sellada ${index.indexVersion}`} · generado el ${chileanShortDateTime(index.generatedAt)}`,
  );
  const removed = index.entries.filter((e) => e.removed).length;
  const lastFolio = Math.max(0, ...index.entries.map((e) => (e.kind === 'link' ? 0 : e.lastFolio)));
  field(
    'Contenido',
    `${index.entries.length} ${index.entries.length === 1 ? 'entrada' : 'entradas'}` +
      (removed ? ` (${removed} ${removed === 1 ? 'retirada' : 'retiradas'})` : '') +
      (lastFolio ? ` · folios 1–${lastFolio}` : ' · sin folios'),
  );
  flow.gap(6);
  flow.paragraph('Las fechas están en hora de Chile. Los folios numeran las páginas del expediente completo; los enlaces no tienen folios.', {
    font: fonts.italic,
    size: 8,
    color: MUTED,
  });
  flow.gap(6);

  drawTable(flow, fonts, rowsOf(index.entries));

  flow.gap(14);
  flow.ensure(40);
  flow.paragraph('Emisión', { font: fonts.bold, size: 10 });
  flow.paragraph(`Emitido por ${input.issuedBy}, ${input.agency.name} (código ${input.agency.code}), el ${chileanDateTime(input.issuedAt)}.`, {
    font: fonts.regular,
    size: 9,
  });
  if (verification) {
    flow.paragraph(`Copia autorizada del índice electrónico del expediente ${iuie}. Código de verificación: ${verification.code}.`, { font: fonts.regular, size: 9 });
    flow.paragraph(howToVerify(verification.code, verification.url), { font: fonts.regular, size: 9 });
  } else {
    flow.paragraph('Esta representación del índice no es una copia autorizada.', { font: fonts.regular, size: 9 });
  }

  const pages = doc.getPages();
  pages.forEach((page, i) => {
    const number = winAnsiText(`Página ${i + 1} de ${pages.length}`);
    const top = PAGE[1] - 28;
    page.drawText(number, { x: PAGE[0] - SIDE - fonts.regular.widthOfTextAtSize(number, SIZE), y: top, size: SIZE, font: fonts.regular, color: MUTED });
    if (i > 0) page.drawText(winAnsiText(`Índice electrónico del expediente ${iuie}`), { x: SIDE, y: top, size: SIZE, font: fonts.regular, color: MUTED });
    if (footer) drawFooter(page, fonts.regular, footer, frame, SIDE);
  });
  return doc.save({ useObjectStreams: false });
}

function cellsOf(row: Row, fonts: Fonts): Line[][] {
  const { entry } = row;
  const indent = Math.min(row.depth, MAX_INDENT_LEVELS) * INDENT;
  const wrap = (column: number, text: string, font = fonts.regular, extra: Partial<Line> = {}): Line[] => {
    const c = COLUMNS[column]!;
    return wrapToWidth(text, font, SIZE, c.width - 2 * PAD - (c.indents ? indent : 0)).map((t) => ({ text: t, font, size: SIZE, ...extra }));
  };
  const hash = (hex: string | null): Line[] =>
    hex ? hashLines(hex).map((t) => ({ text: t, font: fonts.mono, size: HASH_SIZE })) : wrap(6, 'no disponible', fonts.italic);

  let identifier: Line[];
  let title: Line[];
  let folio: string;
  switch (entry.kind) {
    case 'document':
      identifier = [...wrap(2, entry.documentIdentifier), ...wrap(2, `versión ${entry.version}`)];
      title = wrap(3, entry.title, fonts.regular, { strike: !!entry.removed });
      folio = folios(entry.firstFolio, entry.lastFolio);
      break;
    case 'link':
      identifier = wrap(2, entry.uri);
      title = wrap(3, entry.description, fonts.regular, { strike: !!entry.removed });
      folio = '—';
      break;
    case 'case-file':
      identifier = [...wrap(2, entry.index.metadata[MGDEE.iuie], fonts.bold), ...wrap(2, `índice versión ${entry.indexVersion}`)];
      title = wrap(3, entry.index.metadata[MGDEE.title], fonts.bold, { strike: !!entry.removed });
      folio = folios(entry.firstFolio, entry.lastFolio);
      break;
  }
  if (entry.removed) {
    const { reason, at, by } = entry.removed;
    title.push(...wrap(3, `retirado (${reason}) el ${chileanShortDateTime(at)} por ${by}`, fonts.italic));
  }
  return [
    wrap(0, row.number, row.depth ? fonts.regular : fonts.bold),
    wrap(1, KIND_WORDS[entry.kind]),
    identifier,
    title,
    wrap(4, folio),
    wrap(5, chileanShortDateTime(entry.incorporatedAt)),
    hash(entry.sha256),
  ];
}

/**
 * The entries table. A row moves to the next page whole unless it is taller than a page, in which case it is split
 * between lines; every page the table reaches starts with its header.
 */
function drawTable(flow: TextFlow, fonts: Fonts, rows: Row[]): void {
  const header: Line[][] = COLUMNS.map((c) => wrapToWidth(c.title, fonts.bold, SIZE, c.width - 2 * PAD).map((text) => ({ text, font: fonts.bold, size: SIZE })));
  const headerLines = Math.max(...header.map((c) => c.length));
  const headerHeight = headerLines * LEAD + 2 * PAD;
  const drawHeader = () => {
    flow.page.drawRectangle({ x: flow.margin.left, y: flow.y - headerHeight, width: flow.width, height: headerHeight, color: rgb(0.9, 0.91, 0.94) });
    drawCells(flow.page, flow.margin.left, flow.y, header, 0, headerLines, 0, INK);
    flow.y -= headerHeight;
  };
  const newPage = () => {
    flow.newPage();
    drawHeader();
  };
  const linesThatFit = () => Math.floor((flow.y - flow.margin.bottom - 2 * PAD) / LEAD);

  flow.ensure(headerHeight + LEAD + 2 * PAD);
  drawHeader();
  const pageCapacity = Math.floor((PAGE[1] - TOP - headerHeight - flow.margin.bottom - 2 * PAD) / LEAD);
  for (const row of rows) {
    const cells = cellsOf(row, fonts);
    const total = Math.max(...cells.map((c) => c.length));
    const indent = Math.min(row.depth, MAX_INDENT_LEVELS) * INDENT;
    const color = row.entry.removed ? MUTED : INK;
    for (let start = 0; start < total; ) {
      const fit = linesThatFit();
      if (fit < Math.min(total - start, pageCapacity)) {
        newPage();
        continue;
      }
      const take = Math.min(total - start, fit);
      const height = take * LEAD + 2 * PAD;
      if (row.entry.kind === 'case-file') {
        flow.page.drawRectangle({ x: flow.margin.left, y: flow.y - height, width: flow.width, height, color: rgb(0.96, 0.96, 0.97) });
      }
      drawCells(flow.page, flow.margin.left, flow.y, cells, start, take, indent, color);
      flow.y -= height;
      flow.page.drawLine({
        start: { x: flow.margin.left, y: flow.y },
        end: { x: flow.margin.left + flow.width, y: flow.y },
        thickness: 0.3,
        color: rgb(0.75, 0.75, 0.78),
      });
      start += take;
    }
  }
}

/** Lines [from, from + count) of each cell, top-aligned in a band starting at `top`. */
function drawCells(page: PDFPage, left: number, top: number, cells: Line[][], from: number, count: number, indent: number, color: RGB): void {
  let x = left;
  cells.forEach((cell, column) => {
    const c = COLUMNS[column]!;
    const cellX = x + PAD + (c.indents ? indent : 0);
    cell.slice(from, from + count).forEach((line, i) => {
      const baseline = top - PAD - i * LEAD - SIZE;
      page.drawText(line.text, { x: cellX, y: baseline, size: line.size, font: line.font, color });
      if (line.strike) {
        const y = baseline + line.size * 0.3;
        page.drawLine({ start: { x: cellX, y }, end: { x: cellX + line.font.widthOfTextAtSize(line.text, line.size), y }, thickness: 0.6, color });
      }
    });
    x += c.width;
  });
}
