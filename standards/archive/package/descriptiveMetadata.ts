import type { CaseFileIndex } from '../../caseFile/CaseFileIndex.ts';
import { METADATA_FIELDS } from '../../caseFile/caseFileXmlFormat.ts';
import { XmlWriter } from '../../caseFile/xmlWriter.ts';
import { MGDEE } from '../../chile/caseFileMetadata.ts';

/** Namespace of legajo's flat MGDEE record for archives (each field by guide code, AN flag included). */
export const MGDEE_RECORD_NS = 'urn:legajo:metadatos-expediente:1.0';

/** Fields the metadata guide marks as required by the Archivo Nacional for a digital transfer (chile.md §1.7). */
export const ARCHIVO_NACIONAL_FIELDS: ReadonlySet<string> = new Set([
  MGDEE.iuie,
  MGDEE.title,
  MGDEE.subject,
  MGDEE.createdAt,
  MGDEE.closedAt,
  MGDEE.agencyCode,
  MGDEE.accessLevel,
  MGDEE.linkedItem,
  MGDEE.linkedAt,
]);

const ACCESS_LEVELS: Record<number, string> = { 1: 'Público', 2: 'Restringido', 3: 'Secreto', 4: 'Reservado' };

/** The identifier an index entry names (MGDEE53_1): a document and version, a link, or a nested case file's IUIe. */
function linkedItems(index: CaseFileIndex): Array<{ id: string; at: Date }> {
  return index.entries.map((e) => ({
    id: e.kind === 'document' ? `${e.documentIdentifier} v${e.version}` : e.kind === 'link' ? e.uri : e.index.metadata[MGDEE.iuie],
    at: e.incorporatedAt,
  }));
}

/**
 * Every MGDEE field of the case file as `Campo codigo="…" an="true|false"`, repeated groups as `Grupo`, and the
 * guide's index pairs (MGDEE53_1/53_2) from the sealed index, so an archive reads the guide's record without
 * knowing legajo's case-file XML.
 */
export function buildMgdeeRecord(index: CaseFileIndex): string {
  const w = new XmlWriter();
  const m = index.metadata as unknown as Record<string, unknown>;
  const an = (code: string) => String(ARCHIVO_NACIONAL_FIELDS.has(code));
  w.open('MetadatosExpediente', [['xmlns', MGDEE_RECORD_NS], ['guia', 'Guía Técnica de Metadatos (MGDEE)']]);
  for (const field of METADATA_FIELDS) {
    const value = m[field.code];
    if (value === undefined || value === null) continue;
    if ('members' in field) {
      for (const record of value as Array<Record<string, unknown>>) {
        w.open('Grupo', [['codigo', field.code]]);
        for (const member of field.members) {
          const text = member.codec.format(record[member.key]);
          if (text !== null) w.leaf('Campo', text, [['codigo', member.element], ['an', an(member.element)]]);
        }
        w.close('Grupo');
      }
    } else {
      const text = field.codec.format(value);
      if (text !== null) w.leaf('Campo', text, [['codigo', field.code], ['an', an(field.code)]]);
    }
  }
  for (const item of linkedItems(index)) {
    w.open('Grupo', [['codigo', 'MGDEE53']]);
    w.leaf('Campo', item.id, [['codigo', MGDEE.linkedItem], ['an', 'true']]);
    w.leaf('Campo', item.at.toISOString(), [['codigo', MGDEE.linkedAt], ['an', 'true']]);
    w.close('Grupo');
  }
  w.close('MetadatosExpediente');
  return w.toString();
}

/** Simple Dublin Core (oai_dc) of the case file, for archives (Archivematica among them) that read only DC. */
export function buildDublinCore(index: CaseFileIndex): string {
  const m = index.metadata;
  const w = new XmlWriter();
  w.open('oai_dc:dc', [
    ['xmlns:oai_dc', 'http://www.openarchives.org/OAI/2.0/oai_dc/'],
    ['xmlns:dc', 'http://purl.org/dc/elements/1.1/'],
  ]);
  w.leaf('dc:identifier', m[MGDEE.iuie]);
  w.leaf('dc:identifier', m[MGDEE.uri]);
  w.leaf('dc:title', m[MGDEE.title]);
  w.leaf('dc:subject', m[MGDEE.subject]);
  if (m[MGDEE.procedureName]) w.leaf('dc:subject', `${m[MGDEE.procedureCode]} ${m[MGDEE.procedureName]}`);
  const summary = m[MGDEE.summary];
  if (summary) w.leaf('dc:description', summary);
  w.leaf('dc:creator', `${m[MGDEE.agencyName]} (${m[MGDEE.agencyCode]})`);
  const closed = m[MGDEE.closedAt];
  w.leaf('dc:date', closed ? `${m[MGDEE.createdAt]}/${closed}` : m[MGDEE.createdAt]);
  w.leaf('dc:type', 'Expediente electrónico');
  w.leaf('dc:language', 'es');
  w.leaf('dc:rights', `Nivel de acceso: ${ACCESS_LEVELS[m[MGDEE.accessLevel]] ?? m[MGDEE.accessLevel]}`);
  w.close('oai_dc:dc');
  return w.toString();
}
