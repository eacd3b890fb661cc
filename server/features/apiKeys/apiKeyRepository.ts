import type { Db } from '../../db/Db.ts';
import type { Role } from '../principals/roles.ts';

export type ApiKeyKind = 'live' | 'test';

export interface ApiKey {
  id: string;
  agencyId: string;
  principalId: string;
  kind: ApiKeyKind;
  label: string;
  tokenPrefix: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** What authentication needs in one query: the key, its principal and whether either is still usable. */
export interface KeyCredential {
  keyId: string;
  agencyId: string;
  agencyCode: string;
  principalId: string;
  roles: Role[];
  revokedAt: Date | null;
  principalDisabledAt: Date | null;
  lastUsedAt: Date | null;
}

interface RawKey {
  id: string;
  agency_id: string;
  principal_id: string;
  kind: ApiKeyKind;
  label: string;
  token_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const toKey = (r: RawKey): ApiKey => ({
  id: r.id,
  agencyId: r.agency_id,
  principalId: r.principal_id,
  kind: r.kind,
  label: r.label,
  tokenPrefix: r.token_prefix,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

export const apiKeyRepository = {
  async insert(
    db: Db,
    k: { agencyId: string; principalId: string; kind: ApiKeyKind; label: string; tokenPrefix: string; tokenSha256: string },
  ): Promise<ApiKey> {
    const [row] = await db('api_keys')
      .insert({
        agency_id: k.agencyId,
        principal_id: k.principalId,
        kind: k.kind,
        label: k.label,
        token_prefix: k.tokenPrefix,
        token_sha256: k.tokenSha256,
      })
      .returning('*');
    return toKey(row);
  },

  async findCredential(db: Db, tokenSha256: string): Promise<KeyCredential | null> {
    const row = await db('api_keys as k')
      .join('principals as p', 'p.id', 'k.principal_id')
      .join('agencies as a', 'a.id', 'k.agency_id')
      .where('k.token_sha256', tokenSha256)
      .first('k.id', 'k.agency_id', 'a.code', 'k.principal_id', 'p.roles', 'k.revoked_at', 'p.disabled_at', 'k.last_used_at');
    if (!row) return null;
    return {
      keyId: row.id,
      agencyId: row.agency_id,
      agencyCode: row.code,
      principalId: row.principal_id,
      roles: row.roles,
      revokedAt: row.revoked_at,
      principalDisabledAt: row.disabled_at,
      lastUsedAt: row.last_used_at,
    };
  },

  async touch(db: Db, keyId: string, at: Date): Promise<void> {
    await db('api_keys').where({ id: keyId }).update({ last_used_at: at });
  },

  async findById(db: Db, agencyId: string, id: string): Promise<ApiKey | null> {
    const row = await db('api_keys').where({ agency_id: agencyId, id }).first();
    return row ? toKey(row) : null;
  },

  async list(db: Db, agencyId: string, afterId: string | undefined, limit: number): Promise<ApiKey[]> {
    const q = db('api_keys').where({ agency_id: agencyId }).orderBy('id').limit(limit);
    if (afterId) q.andWhere('id', '>', afterId);
    return (await q).map(toKey);
  },

  /** Revokes once; returns null when the key does not exist in the agency or was already revoked. */
  async revoke(db: Db, agencyId: string, id: string, at: Date): Promise<ApiKey | null> {
    const [row] = await db('api_keys').where({ agency_id: agencyId, id }).whereNull('revoked_at').update({ revoked_at: at }).returning('*');
    return row ? toKey(row) : null;
  },
};
