import type { CaseFileMetadata } from '../chile/caseFileMetadata.ts';
import { parseXmlSafely, XmlRejectedError } from '../xml/parseXmlSafely.ts';
import { SHA256_URI } from './CaseFileIndex.ts';
import type { CaseFileIndex, DocumentEntry, DocumentFields, IndexEntry } from './CaseFileIndex.ts';
import {
  anyText,
  CASE_FILE_NS,
  CaseFileXmlError,
  DOCUMENT_FIELDS,
  firstNonXmlChar,
  httpUri,
  instant,
  integer,
  MAX_NESTING,
  METADATA_FIELDS,
  nonEmptyText,
  SCHEMA_VERSION,
  sha256Hex,
  XMLDSIG_NS,
} from './caseFileXmlFormat.ts';
import type { Codec, RecordMember } from './caseFileXmlFormat.ts';

export { CaseFileXmlError } from './caseFileXmlFormat.ts';

/** Characters; 10,000 documents with their metadata take about 9 million, so this only stops abuse. */
const DEFAULT_MAX_LENGTH = 64 * 1024 * 1024;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

const positive = integer(1);
const byteCount = integer(0);

/**
 * Reads a case-file XML of legajo-expediente-1.0.xsd back into the index it was built from; an enveloped
 * ds:Signature after Indice is skipped (verifying it is the sealer's job). Throws CaseFileXmlError, its message
 * naming the element or attribute, on anything the format does not allow, including a DOCTYPE or ENTITY
 * declaration (refused before parsing).
 */
export function parseCaseFileXml(xml: string, options: { maxLength?: number } = {}): CaseFileIndex {
  let doc: Document;
  try {
    doc = parseXmlSafely(xml, { maxLength: options.maxLength ?? DEFAULT_MAX_LENGTH });
  } catch (e) {
    if (e instanceof XmlRejectedError) throw new CaseFileXmlError('/', e.reason, { cause: e });
    throw e;
  }
  const root = doc.documentElement;
  if (root.localName !== 'Expediente' || root.namespaceURI !== CASE_FILE_NS) {
    throw new CaseFileXmlError(`/${root.localName}`, `el elemento raíz debe ser Expediente del espacio de nombres ${CASE_FILE_NS}; se encontró ${describe(root)}`);
  }
  const top = { el: root, path: '/Expediente' };
  const version = attributes(top, ['versionEsquema', 'Id']).get('versionEsquema');
  if (version !== SCHEMA_VERSION) {
    throw new CaseFileXmlError(`${top.path}/@versionEsquema`, version === undefined ? 'falta el atributo obligatorio' : `versión «${version}» no soportada; se esperaba ${SCHEMA_VERSION}`);
  }
  const children = new Children(top);
  const index = readCaseFile(children, 0);
  children.skip('Signature', XMLDSIG_NS);
  children.end();
  return index;
}

/** An element and where it is, as an XPath-like path for messages. */
interface Located {
  el: Element;
  path: string;
}

/** The element children of one element, consumed in the order the schema's sequence fixes. */
class Children {
  private readonly items: Located[] = [];
  private at = 0;

  constructor(readonly parent: Located) {
    const elements: Element[] = [];
    for (let n = parent.el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === ELEMENT_NODE) elements.push(n as Element);
      else if ((n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) && !/^[ \t\r\n]*$/.test(n.nodeValue ?? '')) {
        throw new CaseFileXmlError(parent.path, `texto inesperado «${excerpt(n.nodeValue ?? '')}»: aquí solo van elementos`);
      }
    }
    // A position is shown only where the name repeats, as in Documento[3]; a lone element needs none.
    const total = new Map<string, number>();
    for (const el of elements) total.set(el.localName, (total.get(el.localName) ?? 0) + 1);
    const seen = new Map<string, number>();
    for (const el of elements) {
      const k = (seen.get(el.localName) ?? 0) + 1;
      seen.set(el.localName, k);
      this.items.push({ el, path: `${parent.path}/${el.localName}${total.get(el.localName)! > 1 ? `[${k}]` : ''}` });
    }
  }

  /** The next child, whatever it is, when it is in legajo's namespace. */
  next(): Located | undefined {
    const c = this.items[this.at];
    if (c && c.el.namespaceURI !== CASE_FILE_NS) throw new CaseFileXmlError(c.path, `elemento inesperado ${describe(c.el)}`);
    if (c) this.at++;
    return c;
  }

  /** The next child if it is this element. */
  optional(name: string): Located | undefined {
    const c = this.items[this.at];
    if (!c || c.el.localName !== name) return undefined;
    if (c.el.namespaceURI !== CASE_FILE_NS) {
      const actual = c.el.namespaceURI ? `está en ${c.el.namespaceURI}` : 'no tiene espacio de nombres';
      throw new CaseFileXmlError(c.path, `el elemento ${name} debe estar en el espacio de nombres ${CASE_FILE_NS}; ${actual}`);
    }
    this.at++;
    return c;
  }

  required(name: string): Located {
    const c = this.optional(name);
    if (c) return c;
    const found = this.items[this.at];
    throw new CaseFileXmlError(this.parent.path, `falta el elemento obligatorio ${name}${found ? `; en su lugar viene ${describe(found.el)}` : ''}`);
  }

  value<T>(name: string, codec: Codec<T>): T {
    return readText(this.required(name), codec);
  }

  optionalValue<T>(name: string, codec: Codec<T>): T | undefined {
    const c = this.optional(name);
    return c && readText(c, codec);
  }

  /** Passes over the next child if it is this foreign element (the enveloped signature). */
  skip(name: string, namespace: string): void {
    const c = this.items[this.at];
    if (c && c.el.localName === name && c.el.namespaceURI === namespace) this.at++;
  }

  end(): void {
    const c = this.items[this.at];
    if (c) throw new CaseFileXmlError(c.path, `elemento inesperado ${describe(c.el)}`);
  }
}

function describe(el: Element): string {
  if (el.namespaceURI === CASE_FILE_NS) return el.localName;
  return el.namespaceURI ? `${el.localName} del espacio de nombres ${el.namespaceURI}` : `${el.localName} sin espacio de nombres`;
}

const excerpt = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}…` : text);

/** The element's attributes by name, refusing any not in `allowed` (namespace declarations aside). */
function attributes(c: Located, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < c.el.attributes.length; i++) {
    const a = c.el.attributes.item(i)!;
    if (a.name === 'xmlns' || a.prefix === 'xmlns') continue;
    if (a.namespaceURI || !allowed.includes(a.localName)) throw new CaseFileXmlError(`${c.path}/@${a.name}`, 'atributo inesperado');
    checkChars(a.value, `${c.path}/@${a.name}`);
    out.set(a.localName, a.value);
  }
  return out;
}

function attribute<T>(c: Located, attrs: Map<string, string>, name: string, codec: Codec<T>): T {
  const text = attrs.get(name);
  if (text === undefined) throw new CaseFileXmlError(`${c.path}/@${name}`, 'falta el atributo obligatorio');
  return parsed(codec, text, `${c.path}/@${name}`);
}

/** A character reference can smuggle in what XML 1.0 forbids; the builder refuses it, so the parser does too. */
function checkChars(text: string, path: string): void {
  const bad = firstNonXmlChar(text);
  if (bad) throw new CaseFileXmlError(path, `contiene el carácter ${bad}, que XML 1.0 no admite`);
}

function parsed<T>(codec: Codec<T>, text: string, path: string): T {
  const v = codec.parse(text);
  if (v === null) throw new CaseFileXmlError(path, `valor «${excerpt(text)}» inválido: se esperaba ${codec.expected}`);
  return v;
}

/** The character data of an element that holds only text. */
function textOf(c: Located): string {
  let text = '';
  for (let n = c.el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) text += n.nodeValue ?? '';
    else if (n.nodeType === ELEMENT_NODE) throw new CaseFileXmlError(c.path, `elemento inesperado ${describe(n as Element)}: aquí solo va texto`);
  }
  checkChars(text, c.path);
  return text;
}

function readText<T>(c: Located, codec: Codec<T>): T {
  attributes(c, []);
  return parsed(codec, textOf(c), c.path);
}

function readCaseFile(children: Children, depth: number): CaseFileIndex {
  if (depth > MAX_NESTING) throw new CaseFileXmlError(children.parent.path, `expedientes anidados a más de ${MAX_NESTING} niveles`);
  const metadata = readMetadata(children.required('Metadatos'));
  const indice = children.required('Indice');
  const attrs = attributes(indice, ['version', 'fechaGeneracion']);
  const indexVersion = attrs.has('version') ? attribute(indice, attrs, 'version', positive) : null;
  const generatedAt = attribute(indice, attrs, 'fechaGeneracion', instant);
  const entries: IndexEntry[] = [];
  const orders = new Set<number>();
  const list = new Children(indice);
  for (let c = list.next(); c; c = list.next()) {
    const entry = readEntry(c, depth);
    if (orders.has(entry.order)) throw new CaseFileXmlError(`${c.path}/@orden`, `orden ${entry.order} repetido en el mismo índice`);
    orders.add(entry.order);
    entries.push(entry);
  }
  return { metadata, indexVersion, generatedAt, entries };
}

function readMetadata(m: Located): CaseFileMetadata {
  attributes(m, []);
  const children = new Children(m);
  const metadata: Record<string, unknown> = {};
  for (const field of METADATA_FIELDS) {
    if ('codec' in field) {
      const value = field.required ? children.value(field.code, field.codec) : children.optionalValue(field.code, field.codec);
      if (value !== undefined) metadata[field.code] = value;
      continue;
    }
    const records: Record<string, unknown>[] = [];
    for (let c = children.optional(field.code); c; c = children.optional(field.code)) records.push(readRecord(c, field.members));
    if (records.length < field.minOccurs) children.required(field.code); // throws, naming what came instead
    metadata[field.code] = records;
  }
  children.end();
  return metadata as unknown as CaseFileMetadata;
}

function readRecord(c: Located, members: readonly RecordMember[]): Record<string, unknown> {
  attributes(c, []);
  const children = new Children(c);
  const record: Record<string, unknown> = {};
  for (const m of members) {
    const value = m.required ? children.value(m.element, m.codec) : children.optionalValue(m.element, m.codec);
    if (value !== undefined) record[m.key] = value;
  }
  children.end();
  return record;
}

type EntryBase = Pick<IndexEntry, 'order' | 'incorporatedAt' | 'addedBy' | 'removed'>;

/** What follows the common part of each kind of entry, read in schema order. */
const ENTRY_READERS: Record<string, (children: Children, base: EntryBase, depth: number) => IndexEntry> = {
  Documento: (children, base) => {
    const documentIdentifier = children.value('Identificador', nonEmptyText);
    const version = children.value('Version', positive);
    const title = children.value('Titulo', nonEmptyText);
    const mediaType = children.value('TipoMedio', nonEmptyText);
    const size = children.value('Tamano', byteCount);
    const sha256 = readHash(children.required('Huella'));
    const [firstFolio, lastFolio] = readFolios(children.required('Folios'));
    const packagePath = children.optionalValue('Ruta', nonEmptyText);
    const entry: DocumentEntry = { kind: 'document', ...base, documentIdentifier, version, title, mediaType, size, sha256, firstFolio, lastFolio, fields: readDocumentFields(children) };
    if (packagePath !== undefined) entry.packagePath = packagePath;
    return entry;
  },
  Enlace: (children, base) => {
    const uri = children.value('Uri', httpUri);
    const description = children.value('Descripcion', anyText);
    const hash = children.optional('Huella');
    return { kind: 'link', ...base, uri, description, sha256: hash ? readHash(hash) : null };
  },
  Expediente: (children, base, depth) => {
    const indexVersion = children.value('VersionIndice', positive);
    const sha256 = readHash(children.required('Huella'));
    const [firstFolio, lastFolio] = readFolios(children.required('Folios'));
    return { kind: 'case-file', ...base, indexVersion, sha256, firstFolio, lastFolio, index: readCaseFile(children, depth + 1) };
  },
};

function readEntry(c: Located, depth: number): IndexEntry {
  const reader = ENTRY_READERS[c.el.localName];
  if (!reader) throw new CaseFileXmlError(c.path, `elemento inesperado ${c.el.localName}: el índice solo lleva Documento, Enlace o Expediente`);
  const attrs = attributes(c, ['orden', 'Id']);
  const children = new Children(c);
  const base: EntryBase = {
    order: attribute(c, attrs, 'orden', positive),
    incorporatedAt: children.value('FechaIncorporacion', instant),
    addedBy: children.value('IncorporadoPor', nonEmptyText),
    removed: readRemoval(children.optional('Retirado')),
  };
  const entry = reader(children, base, depth);
  children.end();
  return entry;
}

function readRemoval(r: Located | undefined): IndexEntry['removed'] {
  if (!r) return null;
  attributes(r, []);
  const children = new Children(r);
  const removed = { at: children.value('Fecha', instant), by: children.value('Por', nonEmptyText), reason: children.value('Motivo', anyText) };
  children.end();
  return removed;
}

function readHash(h: Located): string {
  const algorithm = attribute(h, attributes(h, ['algoritmo']), 'algoritmo', anyText);
  if (algorithm !== SHA256_URI) throw new CaseFileXmlError(`${h.path}/@algoritmo`, `algoritmo «${excerpt(algorithm)}» no admitido; se esperaba ${SHA256_URI}`);
  return parsed(sha256Hex, textOf(h), h.path);
}

function readFolios(f: Located): [number, number] {
  const attrs = attributes(f, ['primero', 'ultimo']);
  new Children(f).end();
  return [attribute(f, attrs, 'primero', positive), attribute(f, attrs, 'ultimo', positive)];
}

/** Metadato elements, grouped by code: a list takes every element with its code, a single value exactly one. */
function readDocumentFields(children: Children): DocumentFields {
  const byCode = new Map<string, Located[]>();
  for (let c = children.optional('Metadato'); c; c = children.optional('Metadato')) {
    const code = attributes(c, ['codigo']).get('codigo');
    if (code === undefined) throw new CaseFileXmlError(`${c.path}/@codigo`, 'falta el atributo obligatorio');
    if (!DOCUMENT_FIELDS.has(code)) throw new CaseFileXmlError(`${c.path}/@codigo`, `código «${excerpt(code)}» desconocido; se esperaba un código MGDDE de la guía de metadatos`);
    const group = byCode.get(code);
    if (group) group.push(c);
    else byCode.set(code, [c]);
  }
  const fields: DocumentFields = {};
  for (const [code, items] of byCode) {
    const field = DOCUMENT_FIELDS.get(code)!;
    const [first, second] = items as [Located, ...Located[]];
    if (field.kind === 'value') {
      if (second) throw new CaseFileXmlError(second.path, `${code} repetido: lleva un solo valor`);
      fields[code] = parsed(field.codec, textOf(first), first.path);
    } else if (!second && !first.el.firstChild) {
      fields[code] = [];
    } else if (field.kind === 'texts') {
      fields[code] = items.map((c) => parsed(nonEmptyText, textOf(c), c.path));
    } else {
      fields[code] = items.map((c) => {
        const inner = new Children(c);
        const record = readRecord(inner.required(field.element), field.members);
        inner.end();
        return record;
      });
    }
  }
  return fields;
}
