import type { Db } from '../../db/Db.ts';

export interface AuditEventRow {
  id: number;
  chain: string;
  chainSeq: number;
  agencyId: string | null;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  occurredAt: Date;
  requestId: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface AuditEventFilter {
  agencyId: string;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  actorId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Events with id greater than this (cursor). */
  afterId?: number | undefined;
  limit: number;
}

export const GENESIS_HASH = '0'.repeat(64);

/** An audit_events row as the database returns it. */
export interface RawAuditRow {
  id: string | number;
  chain: string;
  chain_seq: string | number;
  agency_id: string | null;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  occurred_at: Date;
  request_id: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

// int8 arrives as a string from node-postgres and as a number from PGlite.
const toRow = (r: RawAuditRow): AuditEventRow => ({
  id: Number(r.id),
  chain: r.chain,
  chainSeq: Number(r.chain_seq),
  agencyId: r.agency_id,
  actorId: r.actor_id,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  occurredAt: new Date(r.occurred_at),
  requestId: r.request_id,
  data: r.data,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export const auditRepository = {
  /** Locks the chain's head row until the caller's transaction ends; creates it for a new chain. */
  async lockHead(trx: Db, chain: string): Promise<ChainHead> {
    await trx('audit_chain_heads').insert({ chain, seq: 0, hash: GENESIS_HASH }).onConflict('chain').ignore();
    const row = await trx('audit_chain_heads').where({ chain }).forUpdate().first();
    return { seq: Number(row.seq), hash: row.hash };
  },

  async getHead(db: Db, chain: string): Promise<ChainHead | null> {
    const row = await db('audit_chain_heads').where({ chain }).first();
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  },

  async insert(trx: Db, e: Omit<AuditEventRow, 'id'>): Promise<AuditEventRow> {
    const [row] = await trx('audit_events')
      .insert({
        chain: e.chain,
        chain_seq: e.chainSeq,
        agency_id: e.agencyId,
        actor_id: e.actorId,
        action: e.action,
        target_type: e.targetType,
        target_id: e.targetId,
        occurred_at: e.occurredAt,
        request_id: e.requestId,
        data: JSON.stringify(e.data),
        prev_hash: e.prevHash,
        hash: e.hash,
      })
      .returning('*');
    await trx('audit_chain_heads').where({ chain: e.chain }).update({ seq: e.chainSeq, hash: e.hash });
    return toRow(row as RawAuditRow);
  },

  async list(db: Db, f: AuditEventFilter): Promise<AuditEventRow[]> {
    const q = db('audit_events').where('agency_id', f.agencyId).orderBy('id', 'asc').limit(f.limit);
    if (f.action) q.andWhere('action', f.action);
    if (f.targetType) q.andWhere('target_type', f.targetType);
    if (f.targetId) q.andWhere('target_id', f.targetId);
    if (f.actorId) q.andWhere('actor_id', f.actorId);
    if (f.from) q.andWhere('occurred_at', '>=', f.from);
    if (f.to) q.andWhere('occurred_at', '<', f.to);
    if (f.afterId !== undefined) q.andWhere('id', '>', f.afterId);
    return ((await q) as RawAuditRow[]).map(toRow);
  },

  /** One page of a chain in chain order, for verification. */
  async chainPage(db: Db, chain: string, afterSeq: number, limit: number): Promise<AuditEventRow[]> {
    const rows = await db('audit_events').where({ chain }).andWhere('chain_seq', '>', afterSeq).orderBy('chain_seq').limit(limit);
    return (rows as RawAuditRow[]).map(toRow);
  },

  async chains(db: Db): Promise<string[]> {
    const rows = await db('audit_chain_heads').select('chain').orderBy('chain');
    return rows.map((r: { chain: string }) => r.chain);
  },
};
