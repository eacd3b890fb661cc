import type { Knex } from 'knex';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { destructionCertificatePdf, type DestroyedItem } from '../../../standards/chile/destructionCertificatePdf.ts';
import { signPdf } from '../../../standards/pades/signPdf.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.ts';
import type { JobQueue } from '../../queue/JobQueue.ts';
import type { JobHandler } from '../../queue/Queue.ts';
import type { AuditService } from '../audit/auditService.ts';
import { assertObjectPresent, lockObjectKey } from '../objects/objectGuard.ts';
import { referencedObjectKeys } from '../objects/referencedObjectKeys.ts';
import type { Actor } from '../principals/Actor.ts';
import { nextRegistryNumber } from '../registry/nextRegistryNumber.ts';
import type { Signer } from '../signing/Signer.ts';
import type { RecordSchedule, RetentionService } from './retentionService.ts';

export const planInput = z.strictObject({
  dueBy: z.iso.datetime({ offset: true }).optional().describe('fecha de corte: se listan los registros cuyo plazo venció hasta entonces (por defecto, ahora)'),
});

export interface DispositionRow {
  id: string;
  state: 'proposed' | 'approved' | 'running' | 'completed' | 'failed' | 'cancelled';
  dueAt: Date;
  itemsTotal: number;
  itemsDone: number;
  bytesTotal: number;
  createdBy: string;
  createdAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
  finishedAt: Date | null;
  transferId: string | null;
  certificateNumber: string | null;
  certificateSha256: string | null;
  error: string | null;
}

export interface DispositionItemRow {
  seq: number;
  targetType: 'case_file' | 'document';
  targetId: string;
  label: string;
  seriesCode: string | null;
  action: 'transfer' | 'destroy' | 'review';
  scheduleSource: string;
  dueAt: Date;
  bytes: number;
  state: 'pending' | 'done' | 'skipped';
  skipReason: string | null;
  doneAt: Date | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- rows come untyped from knex; mapped once here */
const toDisposition = (r: any): DispositionRow => ({
  id: r.id,
  state: r.state,
  dueAt: r.due_at,
  itemsTotal: r.items_total,
  itemsDone: r.items_done,
  bytesTotal: Number(r.bytes_total),
  createdBy: r.created_by,
  createdAt: r.created_at,
  approvedBy: r.approved_by,
  approvedAt: r.approved_at,
  finishedAt: r.finished_at,
  transferId: r.transfer_id,
  certificateNumber: r.certificate_number,
  certificateSha256: r.certificate_sha256,
  error: r.error,
});
const toItem = (r: any): DispositionItemRow => ({
  seq: r.seq,
  targetType: r.target_type,
  targetId: r.target_id,
  label: r.label,
  seriesCode: r.series_code,
  action: r.action,
  scheduleSource: r.schedule_source,
  dueAt: r.due_at,
  bytes: Number(r.bytes),
  state: r.state,
  skipReason: r.skip_reason,
  doneAt: r.done_at,
});
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Why a listed record must not be acted on now, or null if it still may be. */
function blocker(record: RecordSchedule | undefined, action: DispositionItemRow['action'], cutOff: Date): string | null {
  if (!record) return 'ya no está bajo calendario (reabierto, transferido o eliminado)';
  if (record.holds.length) return `retención legal activa: ${record.holds.map((h) => h.reason).join('; ')}`;
  if (!record.schedule || record.schedule.dueAt > cutOff) return 'su plazo de conservación cambió y ya no está vencido';
  if (record.schedule.disposition !== action) return `su disposición cambió a ${record.schedule.disposition}`;
  if (action === 'review') return 'requiere revisión de un archivero (disposición «review»)';
  return null;
}

/** Transfers are built by the transfers feature; disposal only asks for one. */
export interface TransferRequester {
  createTransfer(trx: Knex.Transaction, actor: Actor, input: { caseFiles: string[] }, opts: { dispositionId: string }): Promise<{ id: string }>;
}

/**
 * Disposal runs (DS 10 art. 32): a dry run lists what is due, a second archivist approves, then a job transfers or
 * destroys item by item. Each item is re-checked (holds, schedule) and acted on in its own transaction, once.
 */
export class DispositionService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly seal: Signer,
    private readonly retention: RetentionService,
    private readonly jobs: JobQueue,
    private readonly transfers: TransferRequester,
  ) {}

  /** The dry run: what is due by the cut-off, with counts and sizes per action; held and review items listed as skipped. */
  async plan(actor: Actor, input: z.output<typeof planInput>) {
    const dueAt = input.dueBy ? new Date(input.dueBy) : this.clock.now();
    return this.knex.transaction(async (trx) => {
      const due = (await this.retention.schedules(trx, actor.agencyId)).filter((r) => r.schedule && r.schedule.dueAt <= dueAt);
      const [row] = await trx('dispositions')
        .insert({ agency_id: actor.agencyId, state: 'proposed', due_at: dueAt, items_total: due.length, bytes_total: due.reduce((n, r) => n + r.bytes, 0), created_by: actor.principalId })
        .returning('*');
      const items = due.map((r, i) => {
        const reason = blocker(r, r.schedule!.disposition, dueAt);
        return {
          disposition_id: row.id,
          seq: i + 1,
          target_type: r.targetType,
          target_id: r.targetId,
          label: r.label,
          series_code: r.seriesCode,
          action: r.schedule!.disposition,
          schedule_source: r.schedule!.source,
          due_at: r.schedule!.dueAt,
          bytes: r.bytes,
          state: reason ? 'skipped' : 'pending',
          skip_reason: reason,
        };
      });
      for (let i = 0; i < items.length; i += 1000) await trx('disposition_items').insert(items.slice(i, i + 1000));
      const skipped = items.filter((i) => i.state === 'skipped').length;
      if (skipped) await trx('dispositions').where({ id: row.id }).update({ items_done: skipped });
      await this.record(trx, actor, 'disposition.propose', row.id, { dueAt: dueAt.toISOString(), items: items.length, skipped });
      return this.summary(trx, actor, row.id);
    });
  }

  get(actor: Actor, id: string) {
    return this.summary(this.knex, actor, id);
  }

  private async summary(db: Db, actor: Actor, id: string) {
    const disposition = await this.require(db, actor, id);
    const counts: Array<{ action: string; state: string; items: string; bytes: string | null }> = await db('disposition_items')
      .where({ disposition_id: id })
      .groupBy('action', 'state')
      .orderBy(['action', 'state'])
      .select('action', 'state', db.raw('count(*) AS items'), db.raw('sum(bytes) AS bytes'));
    return {
      ...disposition,
      totals: counts.map((c) => ({ action: c.action, state: c.state, items: Number(c.items), bytes: Number(c.bytes ?? 0) })),
    };
  }

  async items(actor: Actor, id: string, afterSeq: number | undefined, limit: number): Promise<DispositionItemRow[]> {
    await this.require(this.knex, actor, id);
    const q = this.knex('disposition_items').where({ disposition_id: id }).orderBy('seq').limit(limit + 1);
    if (afterSeq !== undefined) q.where('seq', '>', afterSeq);
    return (await q).map(toItem);
  }

  /** Approval by a second archivist starts the run; the proposer may not approve (four eyes, also a table constraint). */
  async approve(actor: Actor, id: string) {
    return this.knex.transaction(async (trx) => {
      const d = await this.require(trx, actor, id, true);
      if (d.createdBy === actor.principalId) throw new ForbiddenError('No puede aprobar una eliminación que usted propuso: debe aprobarla otro archivero.');
      if (d.state !== 'proposed') throw new ConflictError(`La eliminación está ${d.state}; solo una propuesta puede aprobarse.`);
      await trx('dispositions').where({ id }).update({ state: 'approved', approved_by: actor.principalId, approved_at: this.clock.now() });
      await this.jobs.enqueue(trx, 'disposition.run', { dispositionId: id }, { singletonKey: id });
      await this.record(trx, actor, 'disposition.approve', id, {});
      return this.summary(trx, actor, id);
    });
  }

  /** The newest runs first, without their items. */
  async list(actor: Actor, limit: number): Promise<DispositionRow[]> {
    return (await this.knex('dispositions').where({ agency_id: actor.agencyId }).orderBy('created_at', 'desc').limit(limit)).map(toDisposition);
  }

  /** A run that failed after its last try goes back to the queue and continues where it stopped. */
  async resume(actor: Actor, id: string) {
    return this.knex.transaction(async (trx) => {
      const d = await this.require(trx, actor, id, true);
      if (d.state !== 'failed') throw new ConflictError(`La eliminación está ${d.state}; solo una fallida se reanuda.`);
      await trx('dispositions').where({ id }).update({ state: 'approved', error: null, finished_at: null });
      await this.jobs.enqueue(trx, 'disposition.run', { dispositionId: id }, { singletonKey: id });
      await this.record(trx, actor, 'disposition.resume', id, { error: d.error });
      return this.summary(trx, actor, id);
    });
  }

  async cancel(actor: Actor, id: string) {
    return this.knex.transaction(async (trx) => {
      const d = await this.require(trx, actor, id, true);
      if (d.state !== 'proposed') throw new ConflictError(`La eliminación está ${d.state}; solo una propuesta puede cancelarse.`);
      await trx('dispositions').where({ id }).update({ state: 'cancelled', finished_at: this.clock.now() });
      await this.record(trx, actor, 'disposition.cancel', id, {});
      return this.summary(trx, actor, id);
    });
  }

  async certificate(actor: Actor, id: string): Promise<{ objectKey: string; sha256: string; number: string }> {
    await this.require(this.knex, actor, id);
    const row = await this.knex('dispositions').where({ id }).first('certificate_object_key', 'certificate_sha256', 'certificate_number');
    if (!row.certificate_object_key) throw new NotFoundError('Esta ejecución no tiene acta de eliminación: no ha terminado o no eliminó nada.');
    return { objectKey: row.certificate_object_key, sha256: row.certificate_sha256, number: row.certificate_number };
  }

  /**
   * The job. Resumable: items already done or skipped are left alone; each pending one is re-checked and acted on
   * in its own transaction; objects are deleted only after their rows say so (a crash in between leaves an
   * unreferenced object for the sweeper, never a row without its object). The certificate is issued once.
   */
  async run(id: string): Promise<void> {
    const d = await this.knex('dispositions').where({ id }).first();
    if (!d || !['approved', 'running', 'failed'].includes(d.state)) return;
    await this.knex('dispositions').where({ id }).update({ state: 'running', error: null });
    const actor = await this.actorOf(d.agency_id, d.approved_by);
    await this.transferDue(id, actor);
    const pending = await this.knex('disposition_items').where({ disposition_id: id, state: 'pending', action: 'destroy' }).orderBy('seq').select('seq');
    for (const { seq } of pending) {
      const deleted = await this.knex.transaction((trx) => this.destroyItem(trx, actor, id, seq));
      await this.discard(deleted);
    }
    // Bytes a crashed try left behind after committing their destruction.
    const leftovers = await this.knex('disposed_versions as dv')
      .join('tombstones as t', 't.id', 'dv.tombstone_id')
      .join('document_versions as v', 'v.id', 'dv.version_id')
      .where('t.disposition_id', id)
      .distinct('v.object_key')
      .pluck('v.object_key');
    await this.discard(leftovers);
    await this.finish(id, actor);
  }

  async fail(id: string, reason: string): Promise<void> {
    await this.knex('dispositions').where({ id }).whereIn('state', ['approved', 'running']).update({ state: 'failed', error: reason.slice(0, 2000), finished_at: this.clock.now() });
  }

  /** Every pending transfer item goes into one transfer, created with the items marked in the same transaction. */
  private async transferDue(id: string, actor: Actor): Promise<void> {
    await this.knex.transaction(async (trx) => {
      const d = await trx('dispositions').where({ id }).forUpdate().first();
      const items = (await trx('disposition_items').where({ disposition_id: id, state: 'pending', action: 'transfer' }).orderBy('seq')).map(toItem);
      if (items.length === 0) return;
      const records = await this.current(trx, d.agency_id, items);
      const go: DispositionItemRow[] = [];
      for (const item of items) {
        const reason = blocker(records.get(item.targetId), item.action, d.due_at) ?? (item.targetType === 'document' ? 'un documento fuera de expediente no se transfiere solo: incorpórelo a un expediente' : null);
        if (reason) await this.skip(trx, id, item.seq, reason);
        else go.push(item);
      }
      if (go.length === 0) return;
      const iuies = await trx('case_files').whereIn('id', go.map((i) => i.targetId)).pluck('iuie');
      const transfer = await this.transfers.createTransfer(trx, actor, { caseFiles: iuies }, { dispositionId: id });
      await trx('disposition_items').where({ disposition_id: id }).whereIn('seq', go.map((i) => i.seq)).update({ state: 'done', done_at: this.clock.now() });
      await trx('dispositions').where({ id }).update({ transfer_id: transfer.id, items_done: trx.raw('items_done + ?', [go.length]) });
      await this.record(trx, actor, 'disposition.transfer', id, { transfer: transfer.id, items: go.map((i) => i.seq) });
    });
  }

  /** Destroys one record; returns the object keys whose rows no longer hold them. */
  private async destroyItem(trx: Knex.Transaction, actor: Actor, id: string, seq: number): Promise<string[]> {
    const d = await trx('dispositions').where({ id }).first('agency_id', 'due_at');
    const raw = await trx('disposition_items').where({ disposition_id: id, seq }).forUpdate().first();
    if (!raw || raw.state !== 'pending') return [];
    const item = toItem(raw);
    const record = (await this.current(trx, d.agency_id, [item])).get(item.targetId);
    const reason = blocker(record, item.action, d.due_at);
    if (reason) {
      await this.skip(trx, id, seq, reason);
      return [];
    }
    const now = this.clock.now();
    // The documents it takes with it: itself, or a case file's documents that no other live case file holds.
    const documentIds =
      item.targetType === 'document'
        ? [item.targetId]
        : await trx('case_file_entries as e')
            .join('document_versions as v', 'v.id', 'e.version_id')
            .where('e.case_file_id', item.targetId)
            .distinct('v.document_id')
            .pluck('v.document_id');
    const sharedWithLive = new Set<string>(
      await trx('case_file_entries as e')
        .join('document_versions as v', 'v.id', 'e.version_id')
        .whereIn('v.document_id', documentIds)
        .whereNot('e.case_file_id', item.targetId)
        .whereNotExists(trx('tombstones as t').whereRaw('t.target_id = e.case_file_id'))
        .distinct('v.document_id')
        .pluck('v.document_id'),
    );
    const versions = await trx('document_versions as v')
      .join('documents as doc', 'doc.id', 'v.document_id')
      .whereIn('v.document_id', documentIds)
      .whereNotExists(trx('disposed_versions as dv').whereRaw('dv.version_id = v.id'))
      .orderBy([{ column: 'doc.identifier' }, { column: 'v.number' }])
      .select('v.id', 'v.document_id', 'v.number', 'v.sha256', 'v.size', 'v.media_type', 'v.object_key', 'doc.identifier', 'doc.title', 'doc.metadata');
    const destroyed = versions.filter((v) => !sharedWithLive.has(v.document_id));
    const contents = versions.map((v) => ({ document: v.document_id, identifier: v.identifier, version: v.number, sha256: v.sha256, size: Number(v.size), mediaType: v.media_type, kept: sharedWithLive.has(v.document_id) }));
    const metadata = item.targetType === 'case_file' ? (await trx('case_files').where({ id: item.targetId }).first('metadata')).metadata : versions[0]?.metadata ?? {};
    const [tombstone] = await trx('tombstones')
      .insert({ agency_id: d.agency_id, disposition_id: id, target_type: item.targetType, target_id: item.targetId, label: item.label, metadata: JSON.stringify(metadata), contents: JSON.stringify(contents), destroyed_at: now })
      .returning('id');
    // Documents destroyed with a case file get their own tombstone, so reading one says what happened to it.
    const tombstoneOf = new Map<string, string>();
    for (const documentId of new Set(destroyed.map((v) => v.document_id))) {
      if (documentId === item.targetId) {
        tombstoneOf.set(documentId, tombstone.id);
        continue;
      }
      const first = destroyed.find((v) => v.document_id === documentId)!;
      const [t] = await trx('tombstones')
        .insert({ agency_id: d.agency_id, disposition_id: id, target_type: 'document', target_id: documentId, label: `${first.identifier} · ${first.title}`, metadata: JSON.stringify(first.metadata), contents: JSON.stringify(contents.filter((c) => c.document === documentId)), destroyed_at: now })
        .onConflict('target_id')
        .ignore()
        .returning('id');
      if (t) tombstoneOf.set(documentId, t.id);
    }
    if (destroyed.length) {
      await trx('disposed_versions').insert(destroyed.filter((v) => tombstoneOf.has(v.document_id)).map((v) => ({ version_id: v.id, tombstone_id: tombstoneOf.get(v.document_id)!, destroyed_at: now })));
      const gone = [...tombstoneOf.keys()];
      // Text drawn from the content is content too.
      await trx('document_texts').whereIn('document_id', gone).whereNot('source', 'metadata').delete();
      await trx('ocr_pages').whereIn('digitization_id', trx('digitizations').whereIn('document_id', gone).select('id')).update({ text: null, words: null, corrected_text: null });
    }
    await trx('disposition_items').where({ disposition_id: id, seq }).update({ state: 'done', done_at: now });
    await trx('dispositions').where({ id }).update({ items_done: trx.raw('items_done + 1') });
    await this.record(trx, actor, 'disposition.destroy', id, { seq, targetType: item.targetType, targetId: item.targetId, label: item.label, versions: destroyed.length, kept: contents.length - destroyed.length });
    const copies = await trx('authorized_copies').whereIn('version_id', destroyed.map((v) => v.id)).pluck('object_key');
    return [...new Set([...destroyed.map((v) => v.object_key as string), ...copies])];
  }

  /** Deletes objects no live row references any more; identical bytes of another live record keep theirs. */
  private async discard(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.knex.transaction(async (trx) => {
        await lockObjectKey(trx, key);
        if (!(await referencedObjectKeys(trx, [key])).has(key)) await this.store.delete(key);
      });
    }
  }

  /** Completes the run, issuing the sealed destruction certificate once if anything was destroyed. */
  private async finish(id: string, actor: Actor): Promise<void> {
    await this.knex.transaction(async (trx) => {
      const d = await trx('dispositions').where({ id }).forUpdate().first();
      if (d.state !== 'running') return;
      const items = (await trx('disposition_items').where({ disposition_id: id }).orderBy('seq')).map(toItem);
      if (items.some((i) => i.state === 'pending')) throw new Error(`Quedan elementos pendientes en la eliminación ${id}.`);
      const destroyedItems = items.filter((i) => i.state === 'done' && i.action === 'destroy');
      const now = this.clock.now();
      let certificate: Record<string, string> = {};
      if (destroyedItems.length && !d.certificate_object_key) {
        const tombstones = await trx('tombstones').where({ disposition_id: id }).whereIn('target_id', destroyedItems.map((i) => i.targetId)).select('target_id', 'contents');
        const contentsOf = new Map(tombstones.map((t) => [t.target_id, typeof t.contents === 'string' ? JSON.parse(t.contents) : t.contents]));
        const names = new Map((await trx('principals').whereIn('id', [d.created_by, d.approved_by]).select('id', 'name')).map((p) => [p.id, p.name as string]));
        const agency = await trx('agencies').where({ id: d.agency_id }).first('code', 'name');
        const number = `AE-${now.getUTCFullYear()}-${String(await nextRegistryNumber(trx, d.agency_id, 'AE', now.getUTCFullYear())).padStart(6, '0')}`;
        const pdf = await destructionCertificatePdf({
          number,
          dispositionId: id,
          agency,
          proposedBy: names.get(d.created_by) ?? d.created_by,
          approvedBy: names.get(d.approved_by) ?? d.approved_by,
          issuedAt: now,
          destroyed: destroyedItems.map((i): DestroyedItem => ({
            seq: i.seq,
            kind: i.targetType,
            label: i.label,
            seriesCode: i.seriesCode,
            scheduleSource: i.scheduleSource,
            dueAt: i.dueAt,
            contents: (contentsOf.get(i.targetId) ?? []).map((c: { identifier: string; version: number; sha256: string; size: number; kept: boolean }) => ({ identifier: c.identifier, version: c.version, sha256: c.sha256, size: c.size, kept: c.kept })),
          })),
          notDestroyed: items.filter((i) => !destroyedItems.includes(i)).map((i) => ({ seq: i.seq, label: i.label, reason: i.state === 'done' ? 'transferido al Archivo Nacional' : (i.skipReason ?? i.state) })),
        });
        const signed = await signPdf(Buffer.from(pdf), this.seal, { reason: `Acta de eliminación ${number} (DS 10, art. 32)`, signerName: this.seal.describe().name, signerPost: 'Sello electrónico del órgano', signingTime: now });
        const put = await this.store.put(Readable.from([signed.pdf]));
        await assertObjectPresent(trx, this.store, put.key);
        certificate = { certificate_number: number, certificate_object_key: put.key, certificate_sha256: put.sha256 };
      }
      await trx('dispositions').where({ id }).update({ state: 'completed', finished_at: now, ...certificate });
      await this.record(trx, actor, 'disposition.complete', id, { destroyed: destroyedItems.length, certificate: certificate.certificate_number ?? null });
    });
  }

  private async current(db: Db, agencyId: string, items: DispositionItemRow[]): Promise<Map<string, RecordSchedule>> {
    const records = await this.retention.schedules(db, agencyId, {
      caseFiles: items.filter((i) => i.targetType === 'case_file').map((i) => i.targetId),
      documents: items.filter((i) => i.targetType === 'document').map((i) => i.targetId),
    });
    return new Map(records.map((r) => [r.targetId, r]));
  }

  private async skip(trx: Db, id: string, seq: number, reason: string): Promise<void> {
    await trx('disposition_items').where({ disposition_id: id, seq }).update({ state: 'skipped', skip_reason: reason, done_at: this.clock.now() });
    await trx('dispositions').where({ id }).update({ items_done: trx.raw('items_done + 1') });
  }

  private async actorOf(agencyId: string, principalId: string): Promise<Actor> {
    const agency = await this.knex('agencies').where({ id: agencyId }).first('code');
    return { principalId, agencyId, agencyCode: agency.code, roles: ['archivist'], requestId: null };
  }

  private async require(db: Db, actor: Actor, id: string, forUpdate = false): Promise<DispositionRow> {
    const q = db('dispositions').where({ agency_id: actor.agencyId, id });
    if (forUpdate) q.forUpdate();
    const row = await q.first();
    if (!row) throw new NotFoundError('No existe esa eliminación en su agencia.');
    return toDisposition(row);
  }

  private record(db: Db, actor: Actor, action: string, id: string, data: Record<string, unknown>) {
    return this.audit.append(db, { action, targetType: 'disposition', targetId: id, data, agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId });
  }
}

/** The disposition.run handler: after the last try the run is marked failed with the reason (it can be resumed). */
export function dispositionRunJob(dispositions: DispositionService): JobHandler {
  return async (data, ctx) => {
    if (typeof data.dispositionId !== 'string') throw new Error('El trabajo disposition.run no trae dispositionId.');
    try {
      await dispositions.run(data.dispositionId);
    } catch (err) {
      if (ctx.retryCount >= ctx.retryLimit) await dispositions.fail(data.dispositionId, (err as Error).message);
      throw err;
    }
  };
}
