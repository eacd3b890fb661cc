import type { PremisAgent, PremisEvent, PremisId } from '../../../standards/archive/package/premis.ts';
import type { Db } from '../../db/Db.ts';
import type { RawAuditRow } from '../audit/auditRepository.ts';

/** A stored document version as the package carries it: `path` is its PREMIS file identifier. */
export interface PackagedVersion {
  path: string;
  versionId: string;
  documentId: string;
  number: number;
  objectKey: string;
  createdAt: Date;
}

export const LEGAJO_AGENT: PremisId = { type: 'local', value: 'legajo' };
const principalAgent = (id: string): PremisId => ({ type: 'legajo-principal', value: id });
const auditEventId = (id: number | string): PremisId => ({ type: 'legajo-auditoria', value: String(id) });

/** PREMIS eventType for each audited act on a document version, from the Library of Congress vocabulary where one fits. */
const VERSION_ACTS: Record<string, string> = {
  'document.file': 'ingestion',
  'document.version.add': 'ingestion',
  'document.version.sign': 'digital signature generation',
  'document.version.initial': 'creation',
  'document.version.registry-stamp': 'creation',
  'document.version.number': 'metadata modification',
};
const CASE_FILE_ACTS: Record<string, string> = {
  'case-file.open': 'creation',
  'case-file.entry.add': 'accession',
  'case-file.entry.remove': 'deaccession',
  'case-file.close': 'closing',
  'case-file.reopen': 'reopening',
  'case-file.import': 'ingestion',
  'transfer.create': 'transfer',
};

type AuditRow = Omit<RawAuditRow, 'agency_id'>;

const agentsFor = (actor: string | null) => (actor ? [{ id: principalAgent(actor), role: 'implementer' }, { id: LEGAJO_AGENT, role: 'executing program' }] : [{ id: LEGAJO_AGENT, role: 'executing program' }]);

const detailOf = (action: string, data: Record<string, unknown>) => `${action} ${JSON.stringify(data)}`;

/** True when another part of the service has created the table (fixity checks arrive with their own migration). */
async function tableExists(db: Db, table: string): Promise<boolean> {
  const r = await db.raw('SELECT to_regclass(?) AS t', [`public.${table}`]);
  return r.rows[0].t !== null;
}

export interface PreservationEvidence {
  /** Events about each packaged file, by PREMIS file identifier. */
  fileEvents: PremisEvent[];
  /** Events about each case file (acts on it, the transfer request), linked to the entity by IUIe. */
  caseFileEvents: PremisEvent[];
  agents: PremisAgent[];
  /** The audit-log slice for these records, JSON Lines in chain order, with the hashes that chain them. */
  auditLog: string;
}

/**
 * Preservation events taken from what the service recorded when it happened, never made up at export: the audit
 * log (filing, signing, certification, acts on the case file, the transfer request), each signature's validation
 * report, each OCR run, and each fixity check. Every agent an event names is described.
 */
export async function preservationEvidence(
  db: Db,
  scope: { agencyId: string; transferId: string; caseFiles: Array<{ id: string; iuie: string }>; versions: PackagedVersion[] },
): Promise<PreservationEvidence> {
  const documentIds = [...new Set(scope.versions.map((v) => v.documentId))];
  const digitizations: Array<{ id: string; document_id: string; searchable_version: number | null; certified_version: number | null; finished_at: Date | null; lang: string; scanned_pages: number; created_by: string }> = documentIds.length
    ? await db('digitizations').whereIn('document_id', documentIds).select('id', 'document_id', 'searchable_version', 'certified_version', 'finished_at', 'lang', 'scanned_pages', 'created_by')
    : [];
  const caseFileIds = scope.caseFiles.map((c) => c.id);
  const audit: AuditRow[] = await db('audit_events')
    .where({ agency_id: scope.agencyId })
    .andWhere((w) => {
      w.where((x) => x.where({ target_type: 'case-file' }).whereIn('target_id', caseFileIds))
        .orWhere((x) => x.where({ target_type: 'transfer', target_id: scope.transferId }));
      if (documentIds.length) w.orWhere((x) => x.where({ target_type: 'document' }).whereIn('target_id', documentIds));
      if (digitizations.length) w.orWhere((x) => x.where({ target_type: 'digitization' }).whereIn('target_id', digitizations.map((d) => d.id)));
    })
    .orderBy('id')
    .select('id', 'chain', 'chain_seq', 'actor_id', 'action', 'target_type', 'target_id', 'occurred_at', 'request_id', 'data', 'prev_hash', 'hash');

  const byVersion = new Map(scope.versions.map((v) => [`${v.documentId}#${v.number}`, v]));
  const fileEvents: PremisEvent[] = [];
  const caseFileEvents: PremisEvent[] = [];
  const iuieOf = new Map(scope.caseFiles.map((c) => [c.id, c.iuie]));
  const actors = new Set<string>();
  for (const e of audit) {
    if (e.actor_id) actors.add(e.actor_id);
    const base = { id: auditEventId(e.id), at: e.occurred_at, detail: detailOf(e.action, e.data), outcome: 'success', agents: agentsFor(e.actor_id) };
    if (e.target_type === 'document' && VERSION_ACTS[e.action]) {
      // An act on an earlier version (the filing of the unsigned draft) is part of the packaged version's history.
      const later = scope.versions.filter((v) => v.documentId === e.target_id && v.number >= Number(e.data.version));
      if (later.length) fileEvents.push({ ...base, type: VERSION_ACTS[e.action]!, objects: later.map((v) => ({ id: { type: 'filepath', value: v.path }, ...(v.number === Number(e.data.version) ? { role: 'outcome' } : {}) })) });
    } else if (e.target_type === 'digitization' && e.action === 'digitization.certify') {
      const d = digitizations.find((x) => x.id === e.target_id);
      const v = d && byVersion.get(`${d.document_id}#${e.data.version}`);
      if (v) fileEvents.push({ ...base, type: 'certification', objects: [{ id: { type: 'filepath', value: v.path }, role: 'outcome' }] });
    } else if ((e.target_type === 'case-file' || e.target_type === 'transfer') && CASE_FILE_ACTS[e.action]) {
      const iuies = e.target_type === 'transfer' ? scope.caseFiles.map((c) => c.iuie) : [iuieOf.get(e.target_id!)!];
      caseFileEvents.push({ ...base, type: CASE_FILE_ACTS[e.action]!, objects: iuies.map((iuie) => ({ id: { type: 'IUIe', value: iuie } })) });
    }
  }

  const versionIds = scope.versions.map((v) => v.versionId);
  const signatures: Array<{ version_id: string; position: number; signer_name: string | null; signed_at: Date | null; valid: boolean; covers_whole_document: boolean }> = versionIds.length
    ? await db('version_signatures').whereIn('version_id', versionIds).orderBy(['version_id', 'position']).select('version_id', 'position', 'signer_name', 'signed_at', 'valid', 'covers_whole_document')
    : [];
  const versionById = new Map(scope.versions.map((v) => [v.versionId, v]));
  for (const s of signatures) {
    const v = versionById.get(s.version_id)!;
    fileEvents.push({
      id: { type: 'legajo-firma', value: `${s.version_id}/${s.position}` },
      type: 'digital signature validation',
      // Validated when the version entered the service.
      at: v.createdAt,
      detail: `Firma ${s.position} de ${s.signer_name ?? 'firmante sin nombre'}${s.signed_at ? `, firmada el ${s.signed_at.toISOString()}` : ''}`,
      outcome: s.valid ? 'valid' : 'invalid',
      outcomeDetail: s.covers_whole_document ? 'cubre el documento completo' : 'no cubre el documento completo (hay cambios posteriores)',
      agents: [{ id: LEGAJO_AGENT, role: 'validator' }],
      objects: [{ id: { type: 'filepath', value: v.path }, role: 'source' }],
    });
  }
  for (const d of digitizations) {
    const v = d.searchable_version === null ? undefined : byVersion.get(`${d.document_id}#${d.searchable_version}`);
    if (!v || !d.finished_at) continue;
    actors.add(d.created_by);
    fileEvents.push({
      id: { type: 'legajo-ocr', value: d.id },
      type: 'optical character recognition',
      at: d.finished_at,
      detail: `OCR de ${d.scanned_pages} página(s), idioma ${d.lang}`,
      outcome: 'success',
      agents: [{ id: LEGAJO_AGENT, role: 'executing program' }],
      objects: [{ id: { type: 'filepath', value: v.path }, role: 'outcome' }],
    });
  }
  if (await tableExists(db, 'fixity_checks')) {
    const byKey = new Map<string, PackagedVersion[]>();
    for (const v of scope.versions) byKey.set(v.objectKey, [...(byKey.get(v.objectKey) ?? []), v]);
    const checks: Array<{ object_key: string; expected_sha256: string; actual_sha256: string | null; outcome: string; checked_at: Date }> = byKey.size
      ? await db('fixity_checks').whereIn('object_key', [...byKey.keys()]).orderBy('checked_at').select('object_key', 'expected_sha256', 'actual_sha256', 'outcome', 'checked_at')
      : [];
    checks.forEach((c, i) => {
      fileEvents.push({
        id: { type: 'legajo-fixity', value: `${c.checked_at.toISOString()}/${i + 1}` },
        type: 'fixity check',
        at: c.checked_at,
        detail: `SHA-256 esperado ${c.expected_sha256}`,
        outcome: c.outcome,
        outcomeDetail: c.actual_sha256 ? `SHA-256 obtenido ${c.actual_sha256}` : 'objeto ausente',
        agents: [{ id: LEGAJO_AGENT, role: 'executing program' }],
        objects: byKey.get(c.object_key)!.map((v) => ({ id: { type: 'filepath', value: v.path } })),
      });
    });
  }

  const principals: Array<{ id: string; name: string; kind: string; run: string | null }> = actors.size ? await db('principals').whereIn('id', [...actors]).select('id', 'name', 'kind', 'run') : [];
  const agents: PremisAgent[] = principals.map((p) => ({
    id: principalAgent(p.id),
    name: p.name,
    type: p.kind === 'person' ? 'person' : 'software',
    note: p.kind === 'person' ? (p.run ? `RUN ${p.run}` : 'persona') : 'sistema del órgano (cliente de la API)',
  }));
  const auditLog = audit
    .map((e) =>
      JSON.stringify({
        id: Number(e.id),
        chain: e.chain,
        chainSeq: Number(e.chain_seq),
        occurredAt: e.occurred_at.toISOString(),
        actorId: e.actor_id,
        action: e.action,
        targetType: e.target_type,
        targetId: e.target_id,
        requestId: e.request_id,
        data: e.data,
        prevHash: e.prev_hash,
        hash: e.hash,
      }),
    )
    .join('\n');
  return { fileEvents, caseFileEvents, agents, auditLog: auditLog ? `${auditLog}\n` : '' };
}
