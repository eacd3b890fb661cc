import type { Db } from '../../db/Db.ts';

export interface Agency {
  id: string;
  code: string;
  name: string;
  createdAt: Date;
}

const toAgency = (r: { id: string; code: string; name: string; created_at: Date }): Agency => ({
  id: r.id,
  code: r.code,
  name: r.name,
  createdAt: r.created_at,
});

export const agencyRepository = {
  /** Returns null when the code is already taken (the unique index decides, so concurrent creates cannot both win). */
  async insert(db: Db, a: { code: string; name: string }): Promise<Agency | null> {
    const [row] = await db('agencies').insert(a).onConflict('code').ignore().returning('*');
    return row ? toAgency(row) : null;
  },

  async findById(db: Db, id: string): Promise<Agency | null> {
    const row = await db('agencies').where({ id }).first();
    return row ? toAgency(row) : null;
  },

  async findByCode(db: Db, code: string): Promise<Agency | null> {
    const row = await db('agencies').where({ code }).first();
    return row ? toAgency(row) : null;
  },

  async list(db: Db, afterId: string | undefined, limit: number): Promise<Agency[]> {
    const q = db('agencies').orderBy('id').limit(limit);
    if (afterId) q.andWhere('id', '>', afterId);
    return (await q).map(toAgency);
  },

  async count(db: Db): Promise<number> {
    const row = await db('agencies').count<{ count: string | number }>('* as count').first();
    return Number(row?.count ?? 0);
  },
};
