import { createHash } from 'node:crypto';
import type { CaseFileIndex } from '../../caseFile/CaseFileIndex.ts';
import { MGDEE } from '../../chile/caseFileMetadata.ts';
import { BAGIT_TXT, bagBaseDir, bagInfoTxt } from './bagit.ts';
import { buildDublinCore, buildMgdeeRecord } from './descriptiveMetadata.ts';
import type { MetsFile } from './metsParts.ts';
import { buildPremis, type PremisAgent, type PremisEvent, type PremisId, type PremisObject } from './premis.ts';
import type { FileFormat } from './pronomFormat.ts';
import { buildRepresentationMets } from './representationMets.ts';
import { buildRootMets, type Organization } from './rootMets.ts';

/** A payload file whose bytes the writer streams from elsewhere (`ref` is opaque here: an object key, a temp file). */
export interface PayloadFile {
  /** Path relative to the representation's data/ folder. */
  path: string;
  sha256: string;
  size: number;
  mediaType: string;
  created: Date;
  format: FileFormat;
  originalName: string | null;
  ref: string;
}

export interface CaseFilePart {
  /** Representation folder of the original records (the IUIe: a safe name by construction). */
  rep: string;
  /** The sealed index, parsed; its bytes travel as the payload file named `indice.xml`. */
  index: CaseFileIndex;
  files: PayloadFile[];
  /** Preservation events about these files, as the service recorded them. */
  events: PremisEvent[];
  /** The PDF/A preservation copies, or null when none were made (the README and an event say why). */
  pdfa: { rep: string; files: Array<PayloadFile & { sourcePath: string }>; events: PremisEvent[]; note: string } | null;
}

export interface TransferPackageModel {
  /** The transfer's UUID: the OBJID is urn:uuid:<id>. */
  id: string;
  createdAt: Date;
  software: { name: string; version: string };
  agency: Organization;
  contact: string | null;
  caseFiles: CaseFilePart[];
  /** Package-level events (the transfer request, acts on the case files) and every agent any event names. */
  events: PremisEvent[];
  agents: PremisAgent[];
  /** The audit-log slice for these records, JSON Lines. */
  auditLog: string;
  /** XSDs to include under schemas/ (empty when unavailable: `notes` says why). */
  schemas: Array<{ name: string; bytes: Buffer }>;
  /** Extra lines for the README (omissions and their reasons). */
  notes: string[];
}

/** One tar member under the bag's base directory: bytes built here, or a payload file streamed by the writer. */
export type PackageEntry = { path: string; bytes: Buffer } | { path: string; file: PayloadFile };

export interface PackagePlan {
  objid: string;
  baseDir: string;
  /** bagit.txt and bag-info.txt first, then every data/ file; the writer adds the manifests after streaming. */
  entries: PackageEntry[];
  payloadBytes: number;
  payloadFiles: number;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const repDataPath = (rep: string, path: string) => `representations/${rep}/data/${path}`;
const fileId = (path: string): PremisId => ({ type: 'filepath', value: path });
const XML = 'application/xml';

/** Agents referenced by these events, in the order given. */
function agentsOf(events: PremisEvent[], agents: PremisAgent[]): PremisAgent[] {
  const used = new Set(events.flatMap((e) => e.agents.map((a) => a.id.value)));
  return agents.filter((a) => used.has(a.id.value));
}

function eventsOf(events: PremisEvent[], path: string): PremisId[] {
  return events.filter((e) => e.objects.some((o) => o.id.value === path)).map((e) => e.id);
}

/**
 * Lays out an E-ARK SIP 2.2 inside a BagIt 1.0 bag (archive-packages.md §0): builds every METS, PREMIS and
 * descriptive file in memory (their size grows with the number of records, not with their bytes) and lists the
 * payload files the writer streams. Checksums of streamed files come from the model, so nothing is read here.
 */
export function planPackage(m: TransferPackageModel): PackagePlan {
  const objid = `urn:uuid:${m.id}`;
  const created = m.createdAt;
  const data: PackageEntry[] = [];
  const built = new Map<string, MetsFile>();
  /** Adds a built file under data/ and returns its METS description relative to `base` (a folder under data/). */
  const add = (path: string, content: string | Buffer, mediaType = XML, base = ''): MetsFile => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    data.push({ path, bytes });
    const f = { path: path.slice(base.length), sha256: sha256(bytes), size: bytes.length, mediaType, created };
    built.set(path, { ...f, path });
    return f;
  };

  const reps: Array<{ name: string; mets: MetsFile }> = [];
  const descriptive: Array<{ file: MetsFile; mdType: string; otherMdType?: string }> = [];
  const preservation: MetsFile[] = [];
  const schemaFiles = m.schemas.map((s) => add(`schemas/${s.name}`, s.bytes));
  const premisSchema = m.schemas.find((s) => s.name === 'premis-v3-0.xsd');

  for (const c of m.caseFiles) {
    const iuie = c.index.metadata[MGDEE.iuie];
    descriptive.push({ file: add(`metadata/descriptive/${c.rep}.dc.xml`, buildDublinCore(c.index)), mdType: 'DC' });
    descriptive.push({ file: add(`metadata/descriptive/${c.rep}.mgdee.xml`, buildMgdeeRecord(c.index)), mdType: 'OTHER', otherMdType: 'MGDEE' });

    const writeRep = (rep: string, label: string, files: PayloadFile[], events: PremisEvent[], extraObjects: (p: string) => PremisObject['relationships'], readme: string) => {
      const base = `representations/${rep}/`;
      const objects: PremisObject[] = [
        { kind: 'representation', id: { type: 'local', value: rep }, relationships: [{ type: 'structural', subType: 'represents', related: { type: 'IUIe', value: iuie } }] },
        ...files.map((f): PremisObject => {
          const path = repDataPath(rep, f.path);
          return { kind: 'file', id: fileId(path), sha256: f.sha256, size: f.size, format: f.format, originalName: f.originalName, relationships: [{ type: 'structural', subType: 'is part of', related: { type: 'local', value: rep } }, ...(extraObjects(path) ?? [])], events: eventsOf(events, path) };
        }),
      ];
      const premis = add(`${base}metadata/preservation/premis.xml`, buildPremis({ objects, events, agents: agentsOf(events, m.agents) }), XML, base);
      preservation.push(built.get(`${base}metadata/preservation/premis.xml`)!);
      const documentation = [add(`${base}documentation/LEEME.txt`, readme, 'text/plain', base)];
      const schemas = premisSchema ? [add(`${base}schemas/premis-v3-0.xsd`, premisSchema.bytes, XML, base)] : [];
      const dataFiles = files.map((f): MetsFile => {
        data.push({ path: `${base}data/${f.path}`, file: f });
        return { path: `data/${f.path}`, sha256: f.sha256, size: f.size, mediaType: f.mediaType, created: f.created };
      });
      const mets = add(`${base}METS.xml`, buildRepresentationMets({ name: rep, label, createdAt: created, software: m.software, premis, documentation, schemas, data: dataFiles }));
      reps.push({ name: rep, mets });
    };

    writeRep(
      c.rep,
      `Expediente ${iuie}: documentos originales (firmas intactas) e índice sellado`,
      c.files,
      c.events,
      () => [],
      `Representación original del expediente ${iuie} («${c.index.metadata[MGDEE.title]}»).\n` +
        'data/indice.xml es el índice electrónico sellado (XML de expediente legajo 1.0, firmado con el sello del órgano);\n' +
        'data/documentos/ guarda los documentos con sus bytes originales, firmas intactas, en el orden del índice;\n' +
        'data/expedientes/<orden>/ guarda cada expediente acumulado con su propio índice sellado.\n',
    );
    if (c.pdfa) {
      const sources = new Map(c.pdfa.files.map((f) => [repDataPath(c.pdfa!.rep, f.path), f.sourcePath]));
      writeRep(
        c.pdfa.rep,
        `Expediente ${iuie}: copias de preservación PDF/A-2b`,
        c.pdfa.files,
        c.pdfa.events,
        (path) => [{ type: 'derivation', subType: 'has source', related: fileId(sources.get(path)!) }],
        `Copias de preservación PDF/A-2b de los PDF del expediente ${iuie}, convertidas al exportar.\n` +
          'Una conversión vuelve a generar el PDF e invalida sus firmas: las firmas válidas están en la representación original.\n' +
          `${c.pdfa.note}\n`,
      );
    }
  }

  const entityId = (iuie: string): PremisId => ({ type: 'IUIe', value: iuie });
  const rootObjects: PremisObject[] = [
    { kind: 'intellectualEntity', id: { type: 'UUID', value: objid }, relationships: m.caseFiles.map((c) => ({ type: 'structural' as const, subType: 'has part', related: entityId(c.index.metadata[MGDEE.iuie]) })) },
    ...m.caseFiles.map(
      (c): PremisObject => ({
        kind: 'intellectualEntity',
        id: entityId(c.index.metadata[MGDEE.iuie]),
        originalName: c.index.metadata[MGDEE.title],
        relationships: [
          { type: 'structural', subType: 'is part of', related: { type: 'UUID', value: objid } },
          { type: 'structural', subType: 'is represented by', related: { type: 'local', value: c.rep } },
          ...(c.pdfa ? [{ type: 'structural' as const, subType: 'is represented by', related: { type: 'local', value: c.pdfa.rep } }] : []),
        ],
        events: eventsOf(m.events, c.index.metadata[MGDEE.iuie]),
      }),
    ),
  ];
  const rootPremis = add('metadata/preservation/premis.xml', buildPremis({ objects: rootObjects, events: m.events, agents: agentsOf(m.events, m.agents) }));
  const documentation = [
    add('documentation/LEEME.txt', readme(m, objid), 'text/plain'),
    add('documentation/auditoria.jsonl', m.auditLog, 'application/x-ndjson'),
  ];
  add(
    'METS.xml',
    buildRootMets({
      objid,
      label: `Transferencia al Archivo Nacional de ${m.caseFiles.length} expediente(s) de ${m.agency.name}`,
      createdAt: created,
      software: m.software,
      archivalCreator: m.agency,
      submitter: m.agency,
      contact: m.contact,
      descriptive,
      preservation: [rootPremis, ...preservation],
      documentation,
      schemas: schemaFiles,
      representations: reps,
    }),
  );

  const payload = data.map((e) => ({ ...e, path: `data/${e.path}` }));
  const payloadBytes = payload.reduce((n, e) => n + ('bytes' in e ? e.bytes.length : e.file.size), 0);
  const bagInfo = bagInfoTxt({
    sourceOrganization: `${m.agency.name} (${m.agency.code})`,
    externalIdentifier: objid,
    externalDescription: `E-ARK SIP 2.2: ${m.caseFiles.map((c) => c.index.metadata[MGDEE.iuie]).join(', ')}`,
    baggingDate: created,
    payloadBytes,
    payloadFiles: payload.length,
    internalSenderIdentifier: m.id,
  });
  return {
    objid,
    baseDir: bagBaseDir(objid),
    entries: [{ path: 'bagit.txt', bytes: Buffer.from(BAGIT_TXT) }, { path: 'bag-info.txt', bytes: Buffer.from(bagInfo, 'utf8') }, ...payload],
    payloadBytes,
    payloadFiles: payload.length,
  };
}

function readme(m: TransferPackageModel, objid: string): string {
  return [
    `Paquete de transferencia ${objid}`,
    `Órgano: ${m.agency.name} (${m.agency.code}); generado por ${m.software.name} ${m.software.version} el ${m.createdAt.toISOString()}.`,
    '',
    'Estructura: bolsa BagIt 1.0 cuyo data/ es un SIP E-ARK 2.2 (CSIP 2.2).',
    '  data/METS.xml                              METS raíz (OBJID = nombre de la carpeta base con «+» en vez de «:»)',
    '  data/metadata/descriptive/<IUIe>.dc.xml    Dublin Core del expediente',
    '  data/metadata/descriptive/<IUIe>.mgdee.xml metadatos MGDEE de la guía (an="true": exigidos por el Archivo Nacional)',
    '  data/metadata/preservation/premis.xml      PREMIS 3: entidades, eventos y agentes del paquete',
    '  data/representations/<IUIe>/               documentos originales, índice sellado, METS y PREMIS propios',
    '  data/representations/<IUIe>.pdfa/          copias de preservación PDF/A-2b (evento PREMIS de migración)',
    '  data/documentation/auditoria.jsonl         extracto del registro de auditoría encadenado de estos expedientes',
    '  data/schemas/                              esquemas XSD oficiales (METS, xlink, PREMIS, extensiones E-ARK)',
    'Verificación: sha256sum -c manifest-sha256.txt y sha512sum -c manifest-sha512.txt en la carpeta base.',
    ...(m.notes.length ? ['', 'Notas:', ...m.notes.map((n) => `  - ${n}`)] : []),
    '',
  ].join('\n');
}
