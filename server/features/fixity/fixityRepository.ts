import type { Knex } from 'knex';
import type { Db } from '../../db/Db.ts';
import { OBJECT_KEY_COLUMNS } from '../objects/referencedObjectKeys.ts';
import type { FixityTotals } from './fixityMetrics.ts';

export const FIXITY_TRIGGERS = ['schedule', 'cli', 'api'] as const;
export type FixityTrigger = (typeof FIXITY_TRIGGERS)[number];
export const RUN_STATES = ['running', 'completed', 'failed', 'interrupted'] as const;
export type RunState = (typeof RUN_STATES)[number];
export const OUTCOMES = ['ok', 'mismatch', 'missing'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface RunRow {
  id: string;
  seq: number;
  trigger: FixityTrigger;
  requestedBy: string | null;
  state: RunState;
  resumedFrom: string | null;
  startAfter: string | null;
  cursor: string | null;
  objectsTotal: number | null;
  bytesTotal: number | null;
  objectsChecked: number;
  bytesChecked: number;
  mismatches: number;
  missing: number;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface CheckInput {
  objectKey: string;
  expectedSha256: string;
  actualSha256: string | null;
  outcome: Outcome;
  checkedAt: Date;
  bytes: number;
}

export interface CheckRow {
  id: number;
  runId: string;
  objectKey: string;
  expectedSha256: string;
  actualSha256: string | null;
  outcome: Outcome;
  checkedAt: Date;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- rows come untyped from knex; mapped once here */
const nullableNumber = (v: any): number | null => (v === null ? null : Number(v));
const toRun = (r: any): RunRow => ({
  id: r.id,
  seq: Number(r.seq),
  trigger: r.trigger,
  requestedBy: r.requested_by,
  state: r.state,
  resumedFrom: r.resumed_from,
  startAfter: r.start_after,
  cursor: r.cursor,
  objectsTotal: nullableNumber(r.objects_total),
  bytesTotal: nullableNumber(r.bytes_total),
  objectsChecked: Number(r.objects_checked),
  bytesChecked: Number(r.bytes_checked),
  mismatches: r.mismatches,
  missing: r.missing,
  error: r.error,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});
const toCheck = (r: any): CheckRow => ({
  id: Number(r.id),
  runId: r.run_id,
  objectKey: r.object_key,
  expectedSha256: r.expected_sha256,
  actualSha256: r.actual_sha256,
  outcome: r.outcome,
  checkedAt: r.checked_at,
});
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Database time minus the lease: a running row whose heartbeat is older was left by a process that died. */
const staleBefore = (db: Db, leaseSeconds: number) => db.raw('now() - make_interval(secs => ?)', [leaseSeconds]);

/** The distinct referenced keys after `after`, one select per referencing column, deduplicated by the union. */
function referencedKeys(db: Db, after: string | null, limit?: number): Knex.QueryBuilder {
  const parts = OBJECT_KEY_COLUMNS.map(({ table, column, live }) => {
    const q = db(table).distinct({ k: column }).whereNotNull(column);
    // A destroyed record keeps its row but not its bytes: its object is no longer expected in the store.
    if (live) q.whereRaw(live);
    if (after !== null) q.where(column, '>', after);
    // Each part stops at `limit` too, so every page reads at most `limit` index entries per column.
    return limit === undefined ? q : q.orderBy(column).limit(limit);
  });
  return db.queryBuilder().union(parts, true).as('u');
}

/**
 * Keeps checks of objects still referenced by a live row (of the agency, when given; every referencing table carries
 * agency_id): a destroyed record's object is no longer expected, so its old alert lapses with it.
 */
function stillReferenced(db: Db, agencyId: string | null) {
  return (q: Knex.QueryBuilder) =>
    q.where((w) => {
      for (const { table, column, live } of OBJECT_KEY_COLUMNS) {
        w.orWhereExists((e) => {
          e.select(db.raw('1')).from(table).whereRaw('??.?? = c.object_key', [table, column]);
          if (live) e.whereRaw(live);
          if (agencyId !== null) e.where(`${table}.agency_id`, agencyId);
        });
      }
    });
}

/**
 * Failed checks that are their object's latest check: the objects damaged now (a later ok check clears one), among
 * those still referenced (by the agency's rows, when given).
 */
const currentDamage = (db: Db, agencyId: string | null) =>
  db('fixity_checks as c')
    .whereNot('c.outcome', 'ok')
    .whereNotExists((e) => e.select(db.raw('1')).from('fixity_checks as l').whereRaw('l.object_key = c.object_key').whereRaw('l.id > c.id'))
    .modify(stillReferenced(db, agencyId));

export const fixityRepository = {
  /** Referenced keys after `after`, in key order: a page of the walk, so memory stays flat whatever the store holds. */
  async keysAfter(db: Db, after: string | null, limit: number): Promise<string[]> {
    const rows: Array<{ k: string }> = await db.from(referencedKeys(db, after, limit)).select('k').orderBy('k').limit(limit);
    return rows.map((r) => r.k);
  },

  async countKeysAfter(db: Db, after: string | null): Promise<number> {
    const row = await db.from(referencedKeys(db, after)).count<{ n: string | number }>({ n: '*' }).first();
    return Number(row?.n ?? 0);
  },

  /** Marks running rows whose executor stopped sending heartbeats as interrupted; returns how many. */
  async interruptStale(db: Db, leaseSeconds: number, reason: string): Promise<number> {
    return db('fixity_runs')
      .where({ state: 'running' })
      .where('heartbeat_at', '<', staleBefore(db, leaseSeconds))
      .update({ state: 'interrupted', error: reason, owner: null, finished_at: db.fn.now() });
  },

  async running(db: Db): Promise<RunRow | null> {
    const r = await db('fixity_runs').where({ state: 'running' }).first();
    return r ? toRun(r) : null;
  },

  async latest(db: Db): Promise<RunRow | null> {
    const r = await db('fixity_runs').orderBy('seq', 'desc').first();
    return r ? toRun(r) : null;
  },

  /** Null when another run is already running (the partial unique index decides, so concurrent starts cannot both win). */
  async insert(db: Db, run: { trigger: FixityTrigger; requestedBy: string | null; resumedFrom: string | null; startAfter: string | null }): Promise<RunRow | null> {
    const [r] = await db('fixity_runs')
      .insert({ trigger: run.trigger, requested_by: run.requestedBy, state: 'running', resumed_from: run.resumedFrom, start_after: run.startAfter, cursor: run.startAfter })
      .onConflict(db.raw(`(state) where state = 'running'`))
      .ignore()
      .returning('*');
    return r ? toRun(r) : null;
  },

  async get(db: Db, id: string): Promise<RunRow | null> {
    const r = await db('fixity_runs').where({ id }).first();
    return r ? toRun(r) : null;
  },

  async list(db: Db, beforeSeq: number | null, limit: number): Promise<RunRow[]> {
    const q = db('fixity_runs').orderBy('seq', 'desc').limit(limit);
    if (beforeSeq !== null) q.where('seq', '<', beforeSeq);
    return (await q).map(toRun);
  },

  /** Takes a running run for this executor, unless another one holds a live lease on it. */
  async claim(db: Db, id: string, owner: string, leaseSeconds: number): Promise<RunRow | null> {
    const [r] = await db('fixity_runs')
      .where({ id, state: 'running' })
      .where((w) => w.whereNull('owner').orWhere('owner', owner).orWhere('heartbeat_at', '<', staleBefore(db, leaseSeconds)))
      .update({ owner, heartbeat_at: db.fn.now() })
      .returning('*');
    return r ? toRun(r) : null;
  },

  /** False once the lease is lost (another process took the run over after a missed heartbeat). */
  async heartbeat(db: Db, id: string, owner: string): Promise<boolean> {
    return (await db('fixity_runs').where({ id, owner, state: 'running' }).update({ heartbeat_at: db.fn.now() })) > 0;
  },

  async setTotals(db: Db, id: string, owner: string, totals: { objects: number; bytes: number }): Promise<boolean> {
    return (await db('fixity_runs').where({ id, owner, state: 'running' }).update({ objects_total: totals.objects, bytes_total: totals.bytes })) > 0;
  },

  /** Records checks and moves the cursor past them; call it in a transaction, so a resumed run neither skips nor repeats one. */
  async record(db: Db, id: string, owner: string, checks: CheckInput[]): Promise<CheckRow[]> {
    const last = checks[checks.length - 1];
    if (!last) return [];
    const rows = await db('fixity_checks')
      .insert(checks.map((c) => ({ run_id: id, object_key: c.objectKey, expected_sha256: c.expectedSha256, actual_sha256: c.actualSha256, outcome: c.outcome, checked_at: c.checkedAt })))
      .returning('*');
    const updated = await db('fixity_runs')
      .where({ id, owner, state: 'running' })
      .update({
        cursor: last.objectKey,
        objects_checked: db.raw('objects_checked + ?', [checks.length]),
        bytes_checked: db.raw('bytes_checked + ?', [checks.reduce((n, c) => n + c.bytes, 0)]),
        mismatches: db.raw('mismatches + ?', [checks.filter((c) => c.outcome === 'mismatch').length]),
        missing: db.raw('missing + ?', [checks.filter((c) => c.outcome === 'missing').length]),
        heartbeat_at: db.fn.now(),
      });
    if (updated === 0) throw new LeaseLostError(id);
    return rows.map(toCheck);
  },

  async finish(db: Db, id: string, owner: string, state: Exclude<RunState, 'running'>, error: string | null): Promise<RunRow | null> {
    const [r] = await db('fixity_runs').where({ id, owner, state: 'running' }).update({ state, error, owner: null, finished_at: db.fn.now() }).returning('*');
    return r ? toRun(r) : null;
  },

  /**
   * Objects whose latest check failed, newest first: a failed check with no later check of the same key. Scoped to
   * the objects an agency's live rows reference when `agencyId` is given.
   */
  async alerts(db: Db, opts: { agencyId: string | null; beforeId: number | null; limit: number }): Promise<CheckRow[]> {
    const q = currentDamage(db, opts.agencyId)
      .orderBy('c.id', 'desc')
      .limit(opts.limit)
      .select('c.*');
    if (opts.beforeId !== null) q.where('c.id', '<', opts.beforeId);
    return (await q).map(toCheck);
  },

  /** The failed checks of one run, in key order (read through the partial index of failed checks). */
  async damageOf(db: Db, runId: string): Promise<CheckRow[]> {
    return (await db('fixity_checks').whereNot('outcome', 'ok').where({ run_id: runId }).orderBy('object_key')).map(toCheck);
  },

  /** Totals behind GET /metrics; sums over the (few) run rows rather than counting the checks. */
  async metrics(db: Db): Promise<FixityTotals> {
    const totals = await db('fixity_runs')
      .select(
        db.raw('coalesce(sum(objects_checked), 0) as objects'),
        db.raw('coalesce(sum(bytes_checked), 0) as bytes'),
        db.raw('coalesce(sum(mismatches), 0) as mismatches'),
        db.raw('coalesce(sum(missing), 0) as missing'),
        db.raw(`count(*) filter (where state = 'running') as running`),
        db.raw(`max(finished_at) filter (where state = 'completed') as last_completed`),
      )
      .first();
    const damaged: Array<{ outcome: Exclude<Outcome, 'ok'>; n: string | number }> = await currentDamage(db, null)
      .groupBy('c.outcome')
      .select('c.outcome', db.raw('count(*) as n'));
    const count = (o: Exclude<Outcome, 'ok'>) => Number(damaged.find((d) => d.outcome === o)?.n ?? 0);
    return {
      objectsChecked: Number(totals.objects),
      bytesChecked: Number(totals.bytes),
      mismatches: Number(totals.mismatches),
      missing: Number(totals.missing),
      running: Number(totals.running),
      lastCompletedAt: totals.last_completed ?? null,
      damaged: { mismatch: count('mismatch'), missing: count('missing') },
    };
  },
};

export class LeaseLostError extends Error {
  constructor(runId: string) {
    super(`La verificación de fijeza ${runId} fue retomada por otro proceso (este dejó de dar señales de vida); este proceso la abandona.`);
    this.name = 'LeaseLostError';
  }
}
