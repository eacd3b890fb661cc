import type { Db } from '../../db/Db.ts';
import type { Role } from './roles.ts';

export interface Principal {
  id: string;
  agencyId: string;
  kind: 'system' | 'person';
  name: string;
  run: string | null;
  roles: Role[];
  createdAt: Date;
  disabledAt: Date | null;
}

interface RawPrincipal {
  id: string;
  agency_id: string;
  kind: 'system' | 'person';
  name: string;
  run: string | null;
  roles: Role[];
  created_at: Date;
  disabled_at: Date | null;
}

const toPrincipal = (r: RawPrincipal): Principal => ({
  id: r.id,
  agencyId: r.agency_id,
  kind: r.kind,
  name: r.name,
  run: r.run,
  roles: r.roles,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});

export interface NewPrincipal {
  agencyId: string;
  kind: 'system' | 'person';
  name: string;
  run: string | null;
  roles: Role[];
}

export const principalRepository = {
  async insert(db: Db, p: NewPrincipal): Promise<Principal> {
    const [row] = await db('principals')
      .insert({ agency_id: p.agencyId, kind: p.kind, name: p.name, run: p.run, roles: p.roles })
      .returning('*');
    return toPrincipal(row);
  },

  async findById(db: Db, agencyId: string, id: string): Promise<Principal | null> {
    const row = await db('principals').where({ agency_id: agencyId, id }).first();
    return row ? toPrincipal(row) : null;
  },

  async list(db: Db, agencyId: string, afterId: string | undefined, limit: number): Promise<Principal[]> {
    const q = db('principals').where({ agency_id: agencyId }).orderBy('id').limit(limit);
    if (afterId) q.andWhere('id', '>', afterId);
    return (await q).map(toPrincipal);
  },

  async update(db: Db, agencyId: string, id: string, patch: { roles?: Role[]; disabledAt?: Date | null }): Promise<Principal | null> {
    const values: Record<string, unknown> = {};
    if (patch.roles) values.roles = patch.roles;
    if (patch.disabledAt !== undefined) values.disabled_at = patch.disabledAt;
    const [row] = await db('principals').where({ agency_id: agencyId, id }).update(values).returning('*');
    return row ? toPrincipal(row) : null;
  },
};
