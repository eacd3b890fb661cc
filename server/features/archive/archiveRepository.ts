import type { Db } from '../../db/Db.ts';
import type { Disposition, Override, RuleVersion, Trigger } from './effectiveSchedule.ts';

export interface SeriesRow {
  id: string;
  code: string;
  parentCode: string | null;
  title: string;
  description: string | null;
  createdAt: Date;
}

export interface RuleRow extends RuleVersion {
  id: string;
  seriesCode: string;
  reason: string;
  reviewReason: string | null;
  createdBy: string;
}

export interface HoldRow {
  id: string;
  targetType: 'case_file' | 'document' | 'series';
  targetId: string | null;
  /** IUIe of the held case file, so people and programs can name it. */
  caseFileIuie: string | null;
  seriesCode: string | null;
  reason: string;
  createdBy: string;
  createdAt: Date;
  releasedAt: Date | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- rows come untyped from knex; mapped once here */
const toSeries = (r: any): SeriesRow => ({ id: r.id, code: r.code, parentCode: r.parent_code ?? null, title: r.title, description: r.description, createdAt: r.created_at });

const toRule = (r: any): RuleRow => ({
  id: r.id,
  seriesCode: r.series_code,
  version: r.version,
  periodYears: r.period_years,
  trigger: r.trigger as Trigger,
  triggerDate: r.trigger_date === null ? null : typeof r.trigger_date === 'string' ? r.trigger_date.slice(0, 10) : (r.trigger_date as Date).toISOString().slice(0, 10),
  disposition: r.disposition as Disposition,
  appliesToRunning: r.applies_to_running,
  reason: r.reason,
  reviewReason: r.review_reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export const toHold = (r: any): HoldRow => ({
  id: r.id,
  targetType: r.target_type,
  targetId: r.target_id,
  caseFileIuie: r.case_file_iuie ?? null,
  seriesCode: r.series_code,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at,
  releasedAt: r.released_at,
  releasedBy: r.released_by,
  releaseReason: r.release_reason,
});
/* eslint-enable @typescript-eslint/no-explicit-any */

const seriesColumns = ['s.id', 's.code', 's.title', 's.description', 's.created_at', 'p.code as parent_code'];

export const archiveRepository = {
  async listSeries(db: Db, agencyId: string): Promise<SeriesRow[]> {
    const rows = await db('series as s').leftJoin('series as p', 'p.id', 's.parent_id').where('s.agency_id', agencyId).orderBy('s.code').select(seriesColumns);
    return rows.map(toSeries);
  },

  async findSeries(db: Db, agencyId: string, code: string): Promise<SeriesRow | null> {
    const row = await db('series as s').leftJoin('series as p', 'p.id', 's.parent_id').where({ 's.agency_id': agencyId, 's.code': code }).first(seriesColumns);
    return row ? toSeries(row) : null;
  },

  async insertSeries(db: Db, row: { agencyId: string; code: string; parentId: string | null; title: string; description: string | null; createdBy: string }): Promise<string> {
    const [inserted] = await db('series')
      .insert({ agency_id: row.agencyId, code: row.code, parent_id: row.parentId, title: row.title, description: row.description, created_by: row.createdBy })
      .onConflict(['agency_id', 'code'])
      .ignore()
      .returning('id');
    return inserted?.id ?? null;
  },

  /** Every rule version of the agency's series, oldest first; `codes` narrows it to some series. */
  async rules(db: Db, agencyId: string, codes?: readonly string[]): Promise<RuleRow[]> {
    const q = db('retention_rules as r').join('series as s', 's.id', 'r.series_id').where('r.agency_id', agencyId);
    if (codes) q.whereIn('s.code', codes);
    const rows = await q.orderBy([{ column: 's.code' }, { column: 'r.version' }]).select('r.*', 's.code as series_code');
    return rows.map(toRule);
  },

  async insertRule(db: Db, row: { agencyId: string; seriesId: string; version: number; periodYears: number; trigger: Trigger; triggerDate: string | null; disposition: Disposition; reason: string; appliesToRunning: boolean; reviewReason: string | null; createdBy: string }) {
    await db('retention_rules').insert({
      agency_id: row.agencyId,
      series_id: row.seriesId,
      version: row.version,
      period_years: row.periodYears,
      trigger: row.trigger,
      trigger_date: row.triggerDate,
      disposition: row.disposition,
      reason: row.reason,
      applies_to_running: row.appliesToRunning,
      review_reason: row.reviewReason,
      created_by: row.createdBy,
    });
  },

  /** The latest override of each of the given records. */
  async overrides(db: Db, targetType: 'case_file' | 'document', ids: readonly string[]): Promise<Map<string, Override & { reason: string; createdAt: Date }>> {
    if (ids.length === 0) return new Map();
    const rows = await db('retention_overrides').distinctOn('target_id').where('target_type', targetType).whereIn('target_id', ids).orderBy([{ column: 'target_id' }, { column: 'created_at', order: 'desc' }]).select('*');
    return new Map(rows.map((r) => [r.target_id, { id: r.id, periodYears: r.period_years, disposition: r.disposition, reason: r.reason, createdAt: r.created_at }]));
  },

  async activeHolds(db: Db, agencyId: string): Promise<HoldRow[]> {
    return (await db('legal_holds').where({ agency_id: agencyId }).whereNull('released_at').orderBy('created_at')).map(toHold);
  },
};
