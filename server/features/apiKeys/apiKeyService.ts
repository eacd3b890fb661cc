import type { Knex } from 'knex';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { NotFoundError, UnauthorizedError, ValidationError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { Actor } from '../principals/Actor.ts';
import { principalRepository } from '../principals/principalRepository.ts';
import { apiKeyRepository, type ApiKey, type ApiKeyKind } from './apiKeyRepository.ts';
import { generateApiKeyToken, hashApiKeyToken } from './apiKeyToken.ts';

const TOUCH_INTERVAL_MS = 60_000;

export class ApiKeyService {
  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Issues a key; the token is returned here and never again. Runs in the caller's transaction when given one. */
  async issue(
    db: Db,
    actor: { agencyId: string; principalId: string | null; requestId: string | null },
    input: { principalId: string; kind: ApiKeyKind; label: string },
  ): Promise<{ apiKey: ApiKey; token: string }> {
    const principal = await principalRepository.findById(db, actor.agencyId, input.principalId);
    if (!principal) throw new ValidationError('El principal indicado no existe en esta agencia.', [{ field: 'body.principalId', message: 'no existe en esta agencia' }]);
    if (principal.disabledAt) throw new ValidationError('El principal indicado está deshabilitado.', [{ field: 'body.principalId', message: 'está deshabilitado' }]);
    const { token, prefix, sha256 } = generateApiKeyToken(input.kind);
    const apiKey = await apiKeyRepository.insert(db, { ...input, agencyId: actor.agencyId, tokenPrefix: prefix, tokenSha256: sha256 });
    await this.audit.append(db, {
      agencyId: actor.agencyId,
      actorId: actor.principalId,
      requestId: actor.requestId,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: apiKey.id,
      data: { principalId: input.principalId, kind: input.kind, label: input.label, prefix },
    });
    return { apiKey, token };
  }

  create(actor: Actor, input: { principalId: string; kind: ApiKeyKind; label: string }) {
    return this.knex.transaction((trx) => this.issue(trx, actor, input));
  }

  list(actor: Actor, afterId: string | undefined, limit: number) {
    return apiKeyRepository.list(this.knex, actor.agencyId, afterId, limit);
  }

  async get(actor: Actor, id: string): Promise<ApiKey> {
    const key = await apiKeyRepository.findById(this.knex, actor.agencyId, id);
    if (!key) throw new NotFoundError('No existe una clave de API con ese id en su agencia.');
    return key;
  }

  /** Revoking twice is harmless: the second call returns the key as it is, without a second audit event. */
  revoke(actor: { agencyId: string; principalId: string | null; requestId: string | null }, id: string): Promise<ApiKey> {
    return this.knex.transaction(async (trx) => {
      const revoked = await apiKeyRepository.revoke(trx, actor.agencyId, id, this.clock.now());
      if (!revoked) {
        const existing = await apiKeyRepository.findById(trx, actor.agencyId, id);
        if (!existing) throw new NotFoundError('No existe una clave de API con ese id en su agencia.');
        return existing;
      }
      await this.audit.append(trx, {
        agencyId: actor.agencyId,
        actorId: actor.principalId,
        requestId: actor.requestId,
        action: 'api_key.revoke',
        targetType: 'api_key',
        targetId: id,
      });
      return revoked;
    });
  }

  /** Resolves a bearer token to an actor, or throws 401 with a reason the caller can act on. */
  async authenticate(token: string, requestId: string | null): Promise<Actor> {
    const cred = await apiKeyRepository.findCredential(this.knex, hashApiKeyToken(token));
    if (!cred) throw new UnauthorizedError('La clave de API no es válida. Verifique el encabezado Authorization: Bearer <clave>.');
    if (cred.revokedAt) throw new UnauthorizedError('La clave de API fue revocada. Solicite una nueva al administrador de su agencia.');
    if (cred.principalDisabledAt) throw new UnauthorizedError('El principal de esta clave está deshabilitado. Contacte al administrador de su agencia.');
    const now = this.clock.now();
    // Throttled so authentication does not write a row on every request.
    if (!cred.lastUsedAt || now.getTime() - new Date(cred.lastUsedAt).getTime() > TOUCH_INTERVAL_MS) {
      await apiKeyRepository.touch(this.knex, cred.keyId, now);
    }
    return { principalId: cred.principalId, agencyId: cred.agencyId, agencyCode: cred.agencyCode, roles: cred.roles, requestId };
  }
}
