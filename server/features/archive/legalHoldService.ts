import type { Knex } from 'knex';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { Actor } from '../principals/Actor.ts';
import { toHold, type HoldRow } from './archiveRepository.ts';
import type { RetentionService } from './retentionService.ts';
import { seriesCodeSchema } from './retentionService.ts';

const reason = z.string().trim().min(1).max(2000);

/** The held case file's IUIe beside each hold row. */
const HELD_IUIE = "(SELECT c.iuie FROM case_files c WHERE c.id = legal_holds.target_id AND legal_holds.target_type = 'case_file') AS case_file_iuie";

export const holdInput = z
  .strictObject({
    caseFile: z.string().min(1).max(200).optional(),
    document: z.uuid().optional(),
    series: seriesCodeSchema.optional(),
    reason: reason.describe('causa (juicio, auditoría, solicitud de acceso...)'),
  })
  .refine((h) => [h.caseFile, h.document, h.series].filter((x) => x !== undefined).length === 1, { message: 'indique uno solo: caseFile, document o series', path: ['caseFile'] });

export const releaseInput = z.strictObject({ reason });

/** Legal holds: placed and lifted with a reason, both audited; while active, disposal skips what they cover. */
export class LegalHoldService {
  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditService,
    private readonly retention: RetentionService,
  ) {}

  async list(actor: Actor, active: boolean | undefined): Promise<HoldRow[]> {
    const q = this.knex('legal_holds').select('legal_holds.*', this.knex.raw(HELD_IUIE)).where({ agency_id: actor.agencyId }).orderBy('created_at', 'desc');
    if (active === true) q.whereNull('released_at');
    if (active === false) q.whereNotNull('released_at');
    return (await q).map(toHold);
  }

  async place(actor: Actor, input: z.output<typeof holdInput>): Promise<HoldRow> {
    return this.knex.transaction(async (trx) => {
      let target: { target_type: string; target_id: string | null; series_code: string | null };
      if (input.series) {
        await this.retention.requireSeries(trx, actor, input.series);
        target = { target_type: 'series', target_id: null, series_code: input.series };
      } else if (input.caseFile) {
        const row = await trx('case_files').where({ agency_id: actor.agencyId, iuie: input.caseFile }).first('id');
        if (!row) throw new NotFoundError(`No existe el expediente ${input.caseFile} en su agencia.`);
        target = { target_type: 'case_file', target_id: row.id, series_code: null };
      } else {
        const row = await trx('documents').where({ agency_id: actor.agencyId, id: input.document }).first('id');
        if (!row) throw new NotFoundError('No existe ese documento en su agencia.');
        target = { target_type: 'document', target_id: row.id, series_code: null };
      }
      const [row] = await trx('legal_holds').insert({ agency_id: actor.agencyId, ...target, reason: input.reason, created_by: actor.principalId }).returning('*');
      await this.audit.append(trx, { action: 'legal-hold.place', targetType: 'legal_hold', targetId: row.id, data: { ...target, reason: input.reason }, agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId });
      return toHold({ ...row, case_file_iuie: input.caseFile ?? null });
    });
  }

  async release(actor: Actor, id: string, input: z.output<typeof releaseInput>): Promise<HoldRow> {
    return this.knex.transaction(async (trx) => {
      const row = await trx('legal_holds').select('legal_holds.*', trx.raw(HELD_IUIE)).where({ agency_id: actor.agencyId, id }).forUpdate().first();
      if (!row) throw new NotFoundError('No existe esa retención legal en su agencia.');
      if (row.released_at) throw new ConflictError(`La retención ya fue levantada el ${row.released_at.toISOString()}.`);
      const [updated] = await trx('legal_holds').where({ id }).update({ released_at: trx.fn.now(), released_by: actor.principalId, release_reason: input.reason }).returning('*');
      await this.audit.append(trx, { action: 'legal-hold.release', targetType: 'legal_hold', targetId: id, data: { reason: input.reason }, agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId });
      return toHold({ ...updated, case_file_iuie: row.case_file_iuie });
    });
  }
}
