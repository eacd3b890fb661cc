import { MGDEE, CASE_FILE_STATES } from '../chile/caseFileMetadata.ts';
import { MGDDE, DOCUMENT_TYPE_COUNT } from '../chile/documentMetadata.ts';

/**
 * What buildCaseFileXml writes and parseCaseFileXml reads, in one place: each value's lexical form and the field
 * tables. Builder and parser share them so that whatever the builder accepts the parser reads back unchanged.
 */

export const CASE_FILE_NS = 'urn:legajo:expediente:1.0';
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const SCHEMA_VERSION = '1.0';
/** Nested case files deeper than this are refused both ways, so recursion stays far from the stack limit. */
export const MAX_NESTING = 50;

/** A case-file XML that cannot be written or read; `path` locates the value (model path) or element (XML path). */
export class CaseFileXmlError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${problem}`, options);
    this.name = 'CaseFileXmlError';
  }
}

/** Characters XML 1.0 cannot carry, not even as a character reference (lone surrogates included, via the u flag). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The first character XML 1.0 cannot carry, as U+XXXX, or null when there is none. */
export function firstNonXmlChar(text: string): string | null {
  const bad = NOT_XML_CHAR.exec(text)?.[0];
  return bad === undefined ? null : `U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** How one value is written as XML text and read back. */
export interface Codec<T> {
  /** What a valid value is, for messages. */
  readonly expected: string;
  /** The value's text, or null when it is not a value of this kind. */
  format(value: unknown): string | null;
  /** The value a text stands for, or null when the text is not valid. */
  parse(text: string): T | null;
}

/** XML Schema collapses whitespace around numbers and dates; strings keep theirs. */
const collapse = (text: string) => text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

export const nonEmptyText: Codec<string> = {
  expected: 'un texto no vacío',
  format: (v) => (typeof v === 'string' && v.length > 0 ? v : null),
  parse: (t) => (t.length > 0 ? t : null),
};

export const anyText: Codec<string> = {
  expected: 'un texto',
  format: (v) => (typeof v === 'string' ? v : null),
  parse: (t) => t,
};

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Codec<number> {
  const inRange = (n: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  return {
    expected: max === Number.MAX_SAFE_INTEGER ? `un entero mayor o igual que ${min}` : `un entero entre ${min} y ${max}`,
    format: (v) => (typeof v === 'number' && inRange(v) ? String(v + 0) : null),
    parse: (t) => {
      const c = collapse(t);
      if (!/^[+-]?[0-9]+$/.test(c)) return null;
      const n = Number(c) + 0; // + 0 turns "-0" into 0
      return inRange(n) ? n : null;
    },
  };
}

function oneOf<T extends string>(values: readonly T[]): Codec<T> {
  const ok = (v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);
  return { expected: `uno de: ${values.join(', ')}`, format: (v) => (ok(v) ? v : null), parse: (t) => (ok(t) ? t : null) };
}

function matching(pattern: RegExp, expected: string): Codec<string> {
  return {
    expected,
    format: (v) => (typeof v === 'string' && pattern.test(v) ? v : null),
    parse: (t) => (pattern.test(t) ? t : null),
  };
}

export const sha256Hex = matching(/^[0-9a-f]{64}$/, '64 dígitos hexadecimales en minúscula (SHA-256)');
/** Same rule as the XSD's pattern; JavaScript's \S is narrower than XML Schema's, so the builder never writes what the XSD refuses. */
export const httpUri = matching(/^https?:\/\/\S+$/, 'un URI http:// o https:// sin espacios');

const DATE_TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-]([0-9]{2}):([0-9]{2}))$/;

/** xs:dateTime with a time zone, years 0001-9999, and a day that exists in its month. */
function isDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
  const tzHour = m[9] === undefined ? 0 : Number(m[9]);
  const tzMinute = m[10] === undefined ? 0 : Number(m[10]);
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    tzMinute <= 59 &&
    (tzHour < 14 || (tzHour === 14 && tzMinute === 0))
  );
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * A date the model holds as text (metadata recorded as the agency sent it): written exactly as recorded, since the
 * guide forbids overwriting metadata; any text the metadata schemas accept is a valid xs:dateTime.
 */
const dateTimeText: Codec<string> = {
  expected: 'una fecha y hora ISO 8601 con zona horaria, p. ej. 2026-11-24T10:00:00.000Z',
  format: (v) => (typeof v === 'string' && isDateTime(v) ? v : null),
  parse: (t) => {
    const c = collapse(t);
    return isDateTime(c) ? c : null;
  },
};

/** A date the model holds as a Date: written in UTC with milliseconds, the one form legajo emits. */
export const instant: Codec<Date> = {
  expected: dateTimeText.expected,
  format: (v) => {
    if (!(v instanceof Date) || Number.isNaN(v.getTime())) return null;
    const iso = v.toISOString();
    return isDateTime(iso) ? iso : null;
  },
  parse: (t) => {
    const c = collapse(t);
    return isDateTime(c) ? new Date(c) : null;
  },
};

/** One member of a repeated structure (an actor, a related agency, a signer): its element and its property. */
export interface RecordMember {
  element: string;
  key: string;
  codec: Codec<unknown>;
  required: boolean;
}

const member = (element: string, key: string, codec: Codec<unknown>, required = true): RecordMember => ({ element, key, codec, required });

/** A case-file metadata field: one value, or a repeatable group of records whose element is the group's code. */
type MetadataField = { code: string; codec: Codec<unknown>; required: boolean } | { code: string; members: readonly RecordMember[]; minOccurs: number };

/** MGDEE fields in the order the XSD's Metadatos sequence fixes. MGDEE53_1/53_2 are the index itself (Indice). */
export const METADATA_FIELDS: readonly MetadataField[] = [
  { code: MGDEE.iuie, codec: nonEmptyText, required: true },
  { code: MGDEE.seriesCode, codec: nonEmptyText, required: false },
  { code: MGDEE.seriesNumber, codec: integer(1), required: false },
  { code: MGDEE.state, codec: oneOf(CASE_FILE_STATES), required: true },
  { code: MGDEE.title, codec: nonEmptyText, required: true },
  { code: MGDEE.summary, codec: nonEmptyText, required: false },
  { code: MGDEE.subject, codec: nonEmptyText, required: true },
  { code: MGDEE.createdAt, codec: dateTimeText, required: true },
  { code: MGDEE.closedAt, codec: dateTimeText, required: false },
  { code: MGDEE.incorporation, codec: integer(1, 3), required: true },
  { code: MGDEE.uri, codec: nonEmptyText, required: true },
  { code: MGDEE.agencyCode, codec: nonEmptyText, required: true },
  { code: MGDEE.agencyName, codec: nonEmptyText, required: true },
  {
    code: MGDEE.relatedAgencies,
    minOccurs: 0,
    members: [
      member('MGDEE51_3', 'relation', integer(1, 4)),
      member('MGDEE51_4', 'code', matching(/^[A-Za-z0-9._-]{1,40}$/, 'un código del Gestor de Códigos (letras, dígitos, . _ -; hasta 40)')),
      member('MGDEE51_5', 'name', nonEmptyText),
    ],
  },
  {
    code: MGDEE.actors,
    minOccurs: 1,
    members: [member('MGDEE52_1', 'relation', integer(1, 6)), member('MGDEE52_2', 'actorType', integer(1, 4)), member('MGDEE52_3', 'id', nonEmptyText), member('MGDEE52_4', 'name', nonEmptyText)],
  },
  { code: MGDEE.accessLevel, codec: integer(1, 4), required: true },
  { code: MGDEE.restrictionEnds, codec: dateTimeText, required: false },
  { code: MGDEE.warning, codec: nonEmptyText, required: false },
  { code: MGDEE.sensitive, codec: integer(1, 2), required: true },
  { code: MGDEE.procedureCode, codec: nonEmptyText, required: true },
  { code: MGDEE.procedureName, codec: nonEmptyText, required: false },
  { code: MGDEE.schemaVersion, codec: matching(/^[0-9]{3}$/, 'tres dígitos, p. ej. 001'), required: true },
];

/**
 * A document field as Metadato elements: one value; a list of texts, one element per item; or a list of records,
 * one element per item holding the record as a child element. An empty list is one empty Metadato element.
 */
type DocumentField = { kind: 'value'; codec: Codec<unknown> } | { kind: 'texts' } | { kind: 'records'; element: string; members: readonly RecordMember[] };

const value = (codec: Codec<unknown>): DocumentField => ({ kind: 'value', codec });

const DOCUMENT_FIELD_KINDS: Partial<Record<string, DocumentField>> = {
  [MGDDE.sizeKb]: value(integer(0)),
  [MGDDE.pages]: value(integer(0)),
  [MGDDE.keywords]: { kind: 'texts' },
  [MGDDE.createdAt]: value(dateTimeText),
  [MGDDE.capturedAt]: value(dateTimeText),
  [MGDDE.documentType]: value(integer(1, DOCUMENT_TYPE_COUNT)),
  [MGDDE.origin]: value(integer(1, 4)),
  [MGDDE.incorporation]: value(integer(1, 3)),
  [MGDDE.agencyRelation]: value(integer(1, 4)),
  [MGDDE.actors]: {
    kind: 'records',
    element: 'Actor',
    members: [member('Relacion', 'relation', integer(1, 6)), member('TipoActor', 'actorType', integer(1, 4)), member('Identificador', 'id', nonEmptyText), member('Nombre', 'name', nonEmptyText)],
  },
  [MGDDE.accessLevel]: value(integer(1, 4)),
  [MGDDE.sensitive]: value(integer(1, 2)),
  [MGDDE.restrictionEnds]: value(dateTimeText),
  [MGDDE.signatureType]: value(oneOf(['avanzada', 'simple'])),
  [MGDDE.advancedSignature]: value(integer(1, 2)),
  [MGDDE.signers]: {
    kind: 'records',
    element: 'Firmante',
    members: [member('Nombre', 'name', nonEmptyText), member('Cargo', 'post', nonEmptyText, false), member('RUN', 'run', nonEmptyText, false)],
  },
};

/** Every MGDDE code legajo knows, in the guide's order (the order Metadato elements are written in); the rest are texts. */
export const DOCUMENT_FIELDS: ReadonlyMap<string, DocumentField> = new Map(Object.values(MGDDE).map((code) => [code, DOCUMENT_FIELD_KINDS[code] ?? value(nonEmptyText)]));
