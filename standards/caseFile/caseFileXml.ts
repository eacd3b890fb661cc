import type { CaseFileMetadata } from '../chile/caseFileMetadata.ts';
import { SHA256_URI } from './CaseFileIndex.ts';
import type { CaseFileIndex, IndexEntry } from './CaseFileIndex.ts';
import { anyText, CASE_FILE_NS, CaseFileXmlError, DOCUMENT_FIELDS, firstNonXmlChar, httpUri, instant, integer, MAX_NESTING, METADATA_FIELDS, nonEmptyText, SCHEMA_VERSION, sha256Hex } from './caseFileXmlFormat.ts';
import type { Codec, RecordMember } from './caseFileXmlFormat.ts';
import { XmlWriter } from './xmlWriter.ts';
import type { Attributes } from './xmlWriter.ts';

export { CASE_FILE_NS } from './caseFileXmlFormat.ts';

const positive = integer(1);
const byteCount = integer(0);

/**
 * The case-file XML of legajo-expediente-1.0.xsd for an index, unsigned: the sealer inserts ds:Signature as the
 * last child of the root. Same index, same bytes: fields go in the schema's order whatever the objects' key order.
 * Every entry gets Id="entrada-<orden>" (nested: "entrada-3.1") so a signature can point at it.
 *
 * Throws CaseFileXmlError on a value the format cannot carry or the parser would not read back equal: a
 * character XML 1.0 forbids (refused, not dropped: a record must not change silently), a field no table knows,
 * a number, date or hash out of its form, a repeated order.
 */
export function buildCaseFileXml(index: CaseFileIndex): string {
  const w = new XmlWriter();
  w.open('Expediente', [
    ['xmlns', CASE_FILE_NS],
    ['versionEsquema', SCHEMA_VERSION],
  ]);
  writeCaseFile(w, index, 'index', 'entrada-', 0);
  w.close('Expediente');
  return w.toString();
}

/** The checked text of a value. */
function text(codec: Codec<unknown>, value: unknown, path: string): string {
  const out = codec.format(value);
  if (out === null) throw new CaseFileXmlError(path, `debe ser ${codec.expected}`);
  const bad = firstNonXmlChar(out);
  if (bad) throw new CaseFileXmlError(path, `contiene el carácter ${bad}, que XML 1.0 no admite`);
  return out;
}

function asRecord(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CaseFileXmlError(path, 'debe ser un objeto');
  return value as Record<string, unknown>;
}

/** A property the XML has no place for would be lost on the way back; refuse it instead. */
function refuseUnknown(record: Record<string, unknown>, known: ReadonlySet<string>, path: string): void {
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined && !known.has(key)) throw new CaseFileXmlError(`${path}.${key}`, 'campo desconocido; el XML del expediente no tiene dónde llevarlo');
  }
}

function writeCaseFile(w: XmlWriter, index: CaseFileIndex, path: string, idPrefix: string, depth: number): void {
  if (depth > MAX_NESTING) throw new CaseFileXmlError(path, `expedientes anidados a más de ${MAX_NESTING} niveles`);
  writeMetadata(w, index.metadata, `${path}.metadata`);
  w.open('Indice', [
    ['version', index.indexVersion === null ? undefined : text(positive, index.indexVersion, `${path}.indexVersion`)],
    ['fechaGeneracion', text(instant, index.generatedAt, `${path}.generatedAt`)],
  ]);
  const orders = new Set<number>();
  index.entries.forEach((entry, i) => {
    const at = `${path}.entries[${i}]`;
    const order = text(positive, entry.order, `${at}.order`);
    if (orders.has(entry.order)) throw new CaseFileXmlError(`${at}.order`, `orden ${order} repetido en el mismo índice`);
    orders.add(entry.order);
    writeEntry(w, entry, at, `${idPrefix}${order}`, depth);
  });
  w.close('Indice');
}

function writeMetadata(w: XmlWriter, metadata: CaseFileMetadata, path: string): void {
  const record = asRecord(metadata, path);
  refuseUnknown(record, new Set(METADATA_FIELDS.map((f) => f.code)), path);
  w.open('Metadatos');
  for (const field of METADATA_FIELDS) {
    const value = record[field.code];
    const at = `${path}.${field.code}`;
    if ('codec' in field) {
      if (value === undefined && !field.required) continue;
      w.leaf(field.code, text(field.codec, value, at));
    } else {
      if (!Array.isArray(value) || value.length < field.minOccurs) throw new CaseFileXmlError(at, field.minOccurs ? `debe ser una lista de al menos ${field.minOccurs} elemento` : 'debe ser una lista');
      value.forEach((item, i) => {
        w.open(field.code);
        writeRecord(w, field.members, item, `${at}[${i}]`);
        w.close(field.code);
      });
    }
  }
  w.close('Metadatos');
}

function writeRecord(w: XmlWriter, members: readonly RecordMember[], value: unknown, path: string): void {
  const record = asRecord(value, path);
  refuseUnknown(record, new Set(members.map((m) => m.key)), path);
  for (const m of members) {
    if (record[m.key] === undefined && !m.required) continue;
    w.leaf(m.element, text(m.codec, record[m.key], `${path}.${m.key}`));
  }
}

function writeEntry(w: XmlWriter, entry: IndexEntry, path: string, id: string, depth: number): void {
  const attributes: Attributes = [
    ['orden', String(entry.order)],
    ['Id', id],
  ];
  const hash = (sha256: unknown) => w.leaf('Huella', text(sha256Hex, sha256, `${path}.sha256`), [['algoritmo', SHA256_URI]]);
  const folios = (first: unknown, last: unknown) =>
    w.empty('Folios', [
      ['primero', text(positive, first, `${path}.firstFolio`)],
      ['ultimo', text(positive, last, `${path}.lastFolio`)],
    ]);
  switch (entry.kind) {
    case 'document':
      w.open('Documento', attributes);
      writeEntryBase(w, entry, path);
      w.leaf('Identificador', text(nonEmptyText, entry.documentIdentifier, `${path}.documentIdentifier`));
      w.leaf('Version', text(positive, entry.version, `${path}.version`));
      w.leaf('Titulo', text(nonEmptyText, entry.title, `${path}.title`));
      w.leaf('TipoMedio', text(nonEmptyText, entry.mediaType, `${path}.mediaType`));
      w.leaf('Tamano', text(byteCount, entry.size, `${path}.size`));
      hash(entry.sha256);
      folios(entry.firstFolio, entry.lastFolio);
      if (entry.packagePath !== undefined) w.leaf('Ruta', text(nonEmptyText, entry.packagePath, `${path}.packagePath`));
      writeDocumentFields(w, entry.fields, `${path}.fields`);
      w.close('Documento');
      return;
    case 'link':
      w.open('Enlace', attributes);
      writeEntryBase(w, entry, path);
      w.leaf('Uri', text(httpUri, entry.uri, `${path}.uri`));
      w.leaf('Descripcion', text(anyText, entry.description, `${path}.description`));
      if (entry.sha256 !== null) hash(entry.sha256);
      w.close('Enlace');
      return;
    case 'case-file':
      w.open('Expediente', attributes);
      writeEntryBase(w, entry, path);
      w.leaf('VersionIndice', text(positive, entry.indexVersion, `${path}.indexVersion`));
      hash(entry.sha256);
      folios(entry.firstFolio, entry.lastFolio);
      writeCaseFile(w, entry.index, `${path}.index`, `${id}.`, depth + 1);
      w.close('Expediente');
      return;
    default:
      throw new CaseFileXmlError(`${path}.kind`, `clase de entrada desconocida «${String((entry as { kind: unknown }).kind)}»; se esperaba document, link o case-file`);
  }
}

function writeEntryBase(w: XmlWriter, entry: IndexEntry, path: string): void {
  w.leaf('FechaIncorporacion', text(instant, entry.incorporatedAt, `${path}.incorporatedAt`));
  w.leaf('IncorporadoPor', text(nonEmptyText, entry.addedBy, `${path}.addedBy`));
  if (entry.removed === null) return;
  const removed = asRecord(entry.removed, `${path}.removed`);
  w.open('Retirado');
  w.leaf('Fecha', text(instant, removed.at, `${path}.removed.at`));
  w.leaf('Por', text(nonEmptyText, removed.by, `${path}.removed.by`));
  w.leaf('Motivo', text(anyText, removed.reason, `${path}.removed.reason`));
  w.close('Retirado');
}

function writeDocumentFields(w: XmlWriter, fields: unknown, path: string): void {
  const record = asRecord(fields, path);
  refuseUnknown(record, new Set(DOCUMENT_FIELDS.keys()), path);
  for (const [code, field] of DOCUMENT_FIELDS) {
    const value = record[code];
    if (value === undefined) continue;
    const at = `${path}.${code}`;
    const attributes: Attributes = [['codigo', code]];
    if (field.kind === 'value') {
      w.leaf('Metadato', text(field.codec, value, at), attributes);
      continue;
    }
    if (!Array.isArray(value)) throw new CaseFileXmlError(at, 'debe ser una lista');
    if (value.length === 0) w.empty('Metadato', attributes);
    value.forEach((item, i) => {
      if (field.kind === 'texts') return w.leaf('Metadato', text(nonEmptyText, item, `${at}[${i}]`), attributes);
      w.open('Metadato', attributes);
      w.open(field.element);
      writeRecord(w, field.members, item, `${at}[${i}]`);
      w.close(field.element);
      w.close('Metadato');
    });
  }
}
