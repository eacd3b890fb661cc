import { SHA256_URI, type CaseFileIndex, type DocumentEntry } from '../caseFile/CaseFileIndex.ts';
import { MGDEE } from '../chile/caseFileMetadata.ts';
import { MGDDE } from '../chile/documentMetadata.ts';
import { sealXml } from '../xmldsig/sealXml.ts';
import type { XmlSealKey } from '../xmldsig/XmlSealKey.ts';
import { eniDocumentIdentifier, eniExpedienteIdentifier } from './eniIdentifier.ts';
import { xmlText } from './xmlText.ts';

const ENI = 'http://administracionelectronica.gob.es/ENI/XSD/v1.0';

/**
 * Namespaces of the ENI v1.0 schemas (shared/xsd/eni). Every schema qualifies its local elements, so a child lives
 * in the namespace of the schema that declares it: `IndiceContenido` is in indice-e, while its children are in
 * indice-e/contenido.
 */
export const ENI_NS = {
  expediente: `${ENI}/expediente-e`,
  indice: `${ENI}/expediente-e/indice-e`,
  indiceContenido: `${ENI}/expediente-e/indice-e/contenido`,
  metadatos: `${ENI}/expediente-e/metadatos`,
  firma: `${ENI}/firma`,
} as const;

/** The prefixes the official schemas use for each namespace, so the output reads like the usual ENI samples. */
const EXP = 'eniexp:';
const IND = 'eniexpind:';
const CON = 'eniconexpind:';
const META = 'eniexpmeta:';
const DS = 'enids:';

/** ENI's Estado: E01 Abierto, E02 Cerrado, E03 Índice para remisión cerrado. */
export type EniState = 'E01' | 'E02' | 'E03';

export interface EniExpedienteOptions {
  /** Code of the acting body, written as Organo and in the identifiers: the agency's Gestor de Códigos code. */
  organo: string;
  state: EniState;
}

/** Where the caller must put the signature: over the element with Id `id`, inside `placeInside`. */
export interface EniSignTarget {
  id: string;
  placeInside: { localName: string; namespaceUri: string };
}

export interface BuiltEniExpediente {
  /** The expediente with an empty FirmaConCertificado: not schema-valid until signed (the XSD requires a signature). */
  xml: string;
  signTarget: EniSignTarget;
  /** What the ENI expediente cannot carry, in Spanish, one line per item. */
  omitted: string[];
}

/** The only Id in the output, so the signature reference is unambiguous and no xsd:ID can repeat. */
const INDEX_CONTENT_ID = 'IndiceContenido';

/**
 * TF02 (XAdES internally detached) because the structure matches it: the signature sits in the same document as
 * IndiceContenido and outside it, and refers to it by Id. The ENI list has no value for plain XMLDSig. TF03
 * (enveloped) would describe the wrong structure, and TF01 and TF04 to TF06 are other technologies. The signature
 * is not XAdES: it has no QualifyingProperties (SigningTime, SigningCertificate), so a receiver that checks for
 * XAdES-BES will find it incomplete.
 */
const SIGNATURE_TYPE = 'TF02';

/**
 * MGDEE codes that metadatosExp carries: identifier, state (through options.state), opening date, procedure, agency.
 * Actors are carried only in part, and reported on their own line.
 */
const MAPPED_METADATA = new Set<string>([MGDEE.iuie, MGDEE.state, MGDEE.createdAt, MGDEE.procedureCode, MGDEE.agencyCode, MGDEE.actors]);

const INDENT = '  ';

/** Collects what could not be represented while writing. */
class Writer {
  readonly omitted: string[] = [];

  constructor(readonly organo: string) {}

  /** An element with text content; `where` names the value in the report if characters had to be replaced. */
  leaf(name: string, value: string, where: string): string {
    const { xml, replaced } = xmlText(value);
    if (replaced) this.omitted.push(`${where}: se reemplazaron por U+FFFD caracteres que XML no admite.`);
    return `<${name}>${xml}</${name}>`;
  }
}

function element(openTag: string, name: string, body: string[]): string[] {
  return [openTag, ...body.map((line) => INDENT + line), `</${name}>`];
}

const node = (name: string, body: string[]) => element(`<${name}>`, name, body);

function dateTime(value: string, where: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`${where}: «${value}» no es una fecha y hora válida.`);
  return date;
}

/** ENI wants the digest as base64 of its bytes; legajo stores it as hex. */
function digestBase64(hex: string, where: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`${where}: el SHA-256 «${hex}» no tiene 64 dígitos hexadecimales.`);
  return Buffer.from(hex, 'hex').toString('base64');
}

function indexedDocument(w: Writer, identifier: string, sha256: string, incorporatedAt: Date, order: number, where: string): string[] {
  return node(`${CON}DocumentoIndizado`, [
    w.leaf(`${CON}IdentificadorDocumento`, identifier, where),
    w.leaf(`${CON}ValorHuella`, digestBase64(sha256, where), where),
    w.leaf(`${CON}FuncionResumen`, SHA256_URI, where),
    w.leaf(`${CON}FechaIncorporacionExpediente`, incorporatedAt.toISOString(), where),
    w.leaf(`${CON}OrdenDocumentoExpediente`, String(order), where),
  ]);
}

/**
 * The document's producing agency (MGDDE61_1) and filing year make its ENI identifier the same in every expediente
 * that holds it. legajo's identifiers (`DOCU-<AAAAMMDD>-…`) carry their filing date, which is the capture date ENI's
 * year stands for. An identifier in another form falls back to the incorporation year, and missing agency
 * metadata falls back to the exporting body.
 */
function documentIdentifier(w: Writer, e: DocumentEntry): string {
  const agency = e.fields[MGDDE.agencyCode];
  const filedYear = /^[A-Z]+-(\d{4})\d{4}-/.exec(e.documentIdentifier)?.[1];
  return eniDocumentIdentifier(
    typeof agency === 'string' && agency.trim() !== '' ? agency : w.organo,
    filedYear === undefined ? e.incorporatedAt.getUTCFullYear() : Number(filedYear),
    e.documentIdentifier,
    e.version,
  );
}

/** The DocumentoIndizado and ExpedienteIndizado items of one index, in order; `path` locates them in the report. */
function indexItems(w: Writer, index: CaseFileIndex, path: string): string[][] {
  const items: string[][] = [];
  for (const e of index.entries) {
    const where = `${path}, orden ${e.order}`;
    if (e.removed) {
      w.omitted.push(`${where}: entrada retirada el ${e.removed.at.toISOString()} (${e.removed.reason}); ENI no registra desgloses y no se incluye.`);
      continue;
    }
    if (e.kind === 'document') {
      items.push(indexedDocument(w, documentIdentifier(w, e), e.sha256, e.incorporatedAt, e.order, where));
    } else if (e.kind === 'link') {
      // ENI indexes only items with a digest. A link with one is indexed as a document: the receiver can check
      // the digest against what the URI serves. A link without one cannot be indexed at all.
      if (e.sha256 === null) {
        w.omitted.push(`${where}: enlace a ${e.uri} sin huella registrada; ENI solo indiza elementos con huella y no se incluye.`);
        continue;
      }
      items.push(indexedDocument(w, e.uri, e.sha256, e.incorporatedAt, e.order, where));
      w.omitted.push(`${where}: enlace a ${e.uri} indizado como documento, con la URI como identificador; ENI no distingue enlaces ni guarda su descripción («${e.description}»).`);
    } else {
      const iuie = e.index.metadata[MGDEE.iuie];
      const reportAt = w.omitted.length;
      const inner = indexItems(w, e.index, `${path}/${iuie}`);
      if (inner.length === 0) {
        w.omitted.splice(reportAt, 0, `${where}: expediente anidado ${iuie} sin documentos que ENI pueda indizar; no se incluye.`);
        continue;
      }
      w.omitted.splice(
        reportAt,
        0,
        `${where}: expediente anidado ${iuie} incluido como ExpedienteIndizado; ENI no tiene dónde indicar su identificador, sus metadatos, la versión ${e.indexVersion} de su índice fijada al incorporarlo, su huella SHA-256 (${e.sha256}) ni su fecha de incorporación.`,
      );
      items.push(node(`${CON}ExpedienteIndizado`, [w.leaf(`${CON}FechaIndiceElectronico`, e.index.generatedAt.toISOString(), where), ...inner.flat()]));
    }
  }
  return items;
}

function metadataLines(w: Writer, index: CaseFileIndex, state: EniState): string[] {
  const m = index.metadata;
  const iuie = m[MGDEE.iuie];
  const where = `${iuie}, metadatos`;
  const opened = dateTime(m[MGDEE.createdAt], `${iuie}, MGDEE3_1`);
  const interested = [...new Set(m[MGDEE.actors].filter((a) => a.relation === 2).map((a) => a.id))];
  return node(`${META}metadatosExp`, [
    w.leaf(`${META}VersionNTI`, ENI_NS.expediente, where),
    w.leaf(`${META}Identificador`, eniExpedienteIdentifier(w.organo, opened.getUTCFullYear(), iuie), where),
    w.leaf(`${META}Organo`, w.organo, where),
    w.leaf(`${META}FechaAperturaExpediente`, opened.toISOString(), where),
    w.leaf(`${META}Clasificacion`, m[MGDEE.procedureCode], where),
    w.leaf(`${META}Estado`, state, where),
    ...interested.map((id) => w.leaf(`${META}Interesado`, id, where)),
  ]);
}

/** The guide's metadata that metadatosExp has no element for, reported by code. */
function unmappedMetadata(index: CaseFileIndex): string[] {
  const m = index.metadata;
  const codes = Object.entries(m)
    .filter(([code, value]) => value !== undefined && !MAPPED_METADATA.has(code))
    .map(([code]) => code);
  return [
    ...(codes.length > 0 ? [`${m[MGDEE.iuie]}: metadatos sin equivalente en metadatosExp de ENI, no se incluyen: ${codes.join(', ')}.`] : []),
    `${m[MGDEE.iuie]}: de los actores (MGDEE52) solo el RUN/RUT de los interesados pasa a Interesado; los nombres y los demás actores no se incluyen.`,
  ];
}

/**
 * The case file as an ENI expediente (ExpedienteEni.xsd): the index of its current (non-removed) documents, nested
 * case files and digested links, an empty signature slot for the index content, and the minimum ENI metadata.
 * The result becomes schema-valid once signEniExpediente fills the slot. Throws when nothing can be indexed (ENI
 * requires at least one item), on an empty organo, and on malformed digests or opening date.
 */
export function buildEniExpediente(index: CaseFileIndex, options: EniExpedienteOptions): BuiltEniExpediente {
  const organo = options.organo.trim();
  if (organo === '') throw new Error('Falta el código del órgano (Organo) para el expediente ENI.');
  const iuie = index.metadata[MGDEE.iuie];
  const w = new Writer(organo);
  w.omitted.push(...unmappedMetadata(index));
  const items = indexItems(w, index, iuie);
  if (items.length === 0) {
    throw new Error(`El expediente ${iuie} no tiene documentos vigentes que ENI pueda indizar; el índice ENI exige al menos uno.`);
  }
  const indexContent = element(`<${IND}IndiceContenido Id="${INDEX_CONTENT_ID}">`, `${IND}IndiceContenido`, [
    w.leaf(`${CON}FechaIndiceElectronico`, index.generatedAt.toISOString(), iuie),
    ...items.flat(),
  ]);
  const signatures = node(`${DS}firmas`, [
    ...element(`<${DS}firma ref="${INDEX_CONTENT_ID}">`, `${DS}firma`, [
      `<${DS}TipoFirma>${SIGNATURE_TYPE}</${DS}TipoFirma>`,
      ...node(`${DS}ContenidoFirma`, [`<${DS}FirmaConCertificado/>`]),
    ]),
  ]);
  const namespaces = [
    `xmlns:eniexp="${ENI_NS.expediente}"`,
    `xmlns:eniexpind="${ENI_NS.indice}"`,
    `xmlns:eniconexpind="${ENI_NS.indiceContenido}"`,
    `xmlns:enids="${ENI_NS.firma}"`,
    `xmlns:eniexpmeta="${ENI_NS.metadatos}"`,
  ];
  const root = element(`<${EXP}expediente ${namespaces.join(' ')}>`, `${EXP}expediente`, [
    ...node(`${IND}indice`, [...indexContent, ...signatures]),
    ...metadataLines(w, index, options.state),
  ]);
  return {
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n${root.join('\n')}\n`,
    signTarget: { id: INDEX_CONTENT_ID, placeInside: { localName: 'FirmaConCertificado', namespaceUri: ENI_NS.firma } },
    omitted: w.omitted,
  };
}

/**
 * Signs the index content where buildEniExpediente left room: an XMLDSig signature (RSA-SHA256, exclusive C14N) over
 * IndiceContenido, inside firma/ContenidoFirma/FirmaConCertificado. This is the ENI integrity seal of the index.
 */
export function signEniExpediente(built: Pick<BuiltEniExpediente, 'xml' | 'signTarget'>, key: XmlSealKey): string {
  return sealXml(built.xml, key, { reference: { id: built.signTarget.id }, placeInside: built.signTarget.placeInside });
}
