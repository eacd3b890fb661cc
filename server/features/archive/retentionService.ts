import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../../db/Db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { Actor } from '../principals/Actor.ts';
import { archiveRepository as repo, type HoldRow, type RuleRow, type SeriesRow } from './archiveRepository.ts';
import { DISPOSITIONS, effectiveSchedule, TRIGGERS, type Schedule } from './effectiveSchedule.ts';
import { heldBy } from './heldBy.ts';
import { scheduledRecords } from './scheduledRecords.ts';

const SERIES_CODE = /^[A-Za-z0-9]{1,12}(\.[A-Za-z0-9]{1,12}){0,7}$/;
export const seriesCodeSchema = z.string().regex(SERIES_CODE, 'código de serie: segmentos alfanuméricos separados por punto (01, 01.02, 01.02.03)');
const text = (max: number) => z.string().trim().min(1).max(max);

export const seriesInput = z.strictObject({
  code: seriesCodeSchema,
  title: text(300),
  description: text(2000).optional(),
});

export const ruleInput = z
  .strictObject({
    series: seriesCodeSchema,
    periodYears: z.number().int().min(0).max(500),
    trigger: z.enum(TRIGGERS).describe('closed: cierre del expediente; final: documento final; date: fecha fija'),
    triggerDate: z.iso.date().optional(),
    disposition: z.enum(DISPOSITIONS).describe('transfer: Archivo Nacional; destroy: eliminación; review: revisión'),
    reason: text(2000).describe('fundamento (tabla de retención aprobada, resolución...)'),
    review: z.strictObject({ reason: text(2000) }).optional().describe('revisión explícita: solo con ella un plazo más corto se aplica a los plazos ya en curso'),
  })
  .refine((r) => (r.trigger === 'date') === (r.triggerDate !== undefined), { message: 'triggerDate va solo, y siempre, con trigger date', path: ['triggerDate'] });

export const overrideInput = z
  .strictObject({
    caseFile: z.string().min(1).max(200).optional(),
    document: z.uuid().optional(),
    periodYears: z.number().int().min(0).max(500),
    disposition: z.enum(DISPOSITIONS),
    reason: text(2000),
  })
  .refine((o) => (o.caseFile === undefined) !== (o.document === undefined), { message: 'indique caseFile o document, uno solo', path: ['caseFile'] });

export interface RecordSchedule {
  targetType: 'case_file' | 'document';
  targetId: string;
  label: string;
  seriesCode: string | null;
  bytes: number;
  schedule: Schedule | null;
  holds: HoldRow[];
}

/** The classification scheme and retention schedules: class determines destiny, departures are audited acts. */
export class RetentionService {
  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditService,
  ) {}

  listSeries(actor: Actor): Promise<SeriesRow[]> {
    return repo.listSeries(this.knex, actor.agencyId);
  }

  async createSeries(actor: Actor, input: z.output<typeof seriesInput>): Promise<SeriesRow> {
    return this.knex.transaction(async (trx) => {
      const parentCode = input.code.includes('.') ? input.code.slice(0, input.code.lastIndexOf('.')) : null;
      const parent = parentCode ? await repo.findSeries(trx, actor.agencyId, parentCode) : null;
      if (parentCode && !parent) {
        throw new ValidationError(`La serie ${input.code} cuelga de ${parentCode}, que no existe; créela primero.`, [{ field: 'body.code', message: `falta la serie superior ${parentCode}` }]);
      }
      const id = await repo.insertSeries(trx, { agencyId: actor.agencyId, code: input.code, parentId: parent?.id ?? null, title: input.title, description: input.description ?? null, createdBy: actor.principalId });
      if (!id) throw new ConflictError(`La serie ${input.code} ya existe en su cuadro de clasificación.`);
      await this.record(trx, actor, 'series.create', 'series', id, { code: input.code, title: input.title });
      return (await repo.findSeries(trx, actor.agencyId, input.code))!;
    });
  }

  async rules(actor: Actor, series?: string): Promise<RuleRow[]> {
    if (series) await this.requireSeries(this.knex, actor, series);
    return repo.rules(this.knex, actor.agencyId, series ? [series] : undefined);
  }

  /**
   * A new version of a series' rule. Without `review` it governs periods that start from now on and may only
   * lengthen those already running; with it, it governs every period (an explicit review, audited).
   */
  async setRule(actor: Actor, input: z.output<typeof ruleInput>): Promise<RuleRow> {
    return this.knex.transaction(async (trx) => {
      const series = await this.requireSeries(trx, actor, input.series);
      await trx('series').where({ id: series.id }).forUpdate().first('id');
      const previous = (await repo.rules(trx, actor.agencyId, [input.series])).at(-1);
      const version = (previous?.version ?? 0) + 1;
      await repo.insertRule(trx, {
        agencyId: actor.agencyId,
        seriesId: series.id,
        version,
        periodYears: input.periodYears,
        trigger: input.trigger,
        triggerDate: input.triggerDate ?? null,
        disposition: input.disposition,
        reason: input.reason,
        appliesToRunning: input.review !== undefined,
        reviewReason: input.review?.reason ?? null,
        createdBy: actor.principalId,
      });
      const shortens = previous !== undefined && input.periodYears < previous.periodYears;
      await this.record(trx, actor, input.review ? 'retention-rule.review' : 'retention-rule.set', 'series', series.id, {
        series: input.series,
        version,
        periodYears: input.periodYears,
        trigger: input.trigger,
        disposition: input.disposition,
        previous: previous ? { version: previous.version, periodYears: previous.periodYears, disposition: previous.disposition } : null,
        shortens,
        reason: input.reason,
        review: input.review?.reason ?? null,
      });
      return (await repo.rules(trx, actor.agencyId, [input.series])).at(-1)!;
    });
  }

  /** Sets one record's schedule apart from its series' (audited, with its reason). */
  async override(actor: Actor, input: z.output<typeof overrideInput>): Promise<RecordSchedule> {
    const { targetType, targetId } = await this.resolveTarget(this.knex, actor, input);
    await this.knex.transaction(async (trx) => {
      const [row] = await trx('retention_overrides')
        .insert({ agency_id: actor.agencyId, target_type: targetType, target_id: targetId, period_years: input.periodYears, disposition: input.disposition, reason: input.reason, created_by: actor.principalId })
        .returning('id');
      await this.record(trx, actor, 'retention.override', targetType === 'case_file' ? 'case_file' : 'document', targetId, { override: row.id, periodYears: input.periodYears, disposition: input.disposition, reason: input.reason });
    });
    return this.scheduleOf(actor, input);
  }

  /** A record's schedule as disposal would compute it, with the holds that stop it. */
  async scheduleOf(actor: Actor, target: { caseFile?: string | undefined; document?: string | undefined }): Promise<RecordSchedule> {
    const { targetType, targetId } = await this.resolveTarget(this.knex, actor, target);
    const [found] = await this.schedules(this.knex, actor.agencyId, targetType === 'case_file' ? { caseFiles: [targetId] } : { documents: [targetId] });
    if (!found) {
      throw new ConflictError(
        targetType === 'case_file'
          ? 'El expediente no está bajo calendario de conservación: solo un expediente cerrado, no transferido ni eliminado, lo está.'
          : 'El documento no está bajo calendario propio: pertenece a un expediente (sigue el de éste) o ya fue eliminado.',
      );
    }
    return found;
  }

  /** Every record of the agency with the schedule it is under (null when its series has no rule) and its holds. */
  async schedules(db: Db, agencyId: string, only?: { caseFiles?: string[]; documents?: string[] }): Promise<RecordSchedule[]> {
    const records = await scheduledRecords(db, agencyId, only);
    const rules = await repo.rules(db, agencyId);
    // Map.groupBy is Node 21+.
    const bySeries = new Map<string, RuleRow[]>();
    for (const rule of rules) bySeries.set(rule.seriesCode, [...(bySeries.get(rule.seriesCode) ?? []), rule]);
    const holds = await repo.activeHolds(db, agencyId);
    const overrides = new Map([
      ...(await repo.overrides(db, 'case_file', records.filter((r) => r.targetType === 'case_file').map((r) => r.targetId))),
      ...(await repo.overrides(db, 'document', records.filter((r) => r.targetType === 'document').map((r) => r.targetId))),
    ]);
    return records.map((r) => ({
      targetType: r.targetType,
      targetId: r.targetId,
      label: r.label,
      seriesCode: r.seriesCode,
      bytes: r.bytes,
      schedule: effectiveSchedule(r.seriesCode ?? '', r.seriesCode ? (bySeries.get(r.seriesCode) ?? []) : [], r.event, overrides.get(r.targetId) ?? null),
      holds: heldBy(holds, r),
    }));
  }

  private async resolveTarget(db: Db, actor: Actor, target: { caseFile?: string | undefined; document?: string | undefined }): Promise<{ targetType: 'case_file' | 'document'; targetId: string }> {
    if (target.caseFile) {
      const row = await db('case_files').where({ agency_id: actor.agencyId, iuie: target.caseFile }).first('id');
      if (!row) throw new NotFoundError(`No existe el expediente ${target.caseFile} en su agencia.`);
      return { targetType: 'case_file', targetId: row.id };
    }
    const row = await db('documents').where({ agency_id: actor.agencyId, id: target.document }).first('id');
    if (!row) throw new NotFoundError('No existe ese documento en su agencia.');
    return { targetType: 'document', targetId: row.id };
  }

  async requireSeries(db: Db, actor: Actor, code: string): Promise<SeriesRow> {
    const series = await repo.findSeries(db, actor.agencyId, code);
    if (!series) throw new NotFoundError(`La serie ${code} no existe en su cuadro de clasificación.`);
    return series;
  }

  private record(db: Db, actor: Actor, action: string, targetType: string, targetId: string, data: Record<string, unknown>) {
    return this.audit.append(db, { action, targetType, targetId, data, agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId });
  }
}
