import type { Knex } from 'knex';
import type { Clock } from '../../clock.ts';
import { NotFoundError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { Actor } from './Actor.ts';
import { principalRepository, type NewPrincipal, type Principal } from './principalRepository.ts';
import type { Role } from './roles.ts';

export class PrincipalService {
  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  create(actor: Actor, input: Omit<NewPrincipal, 'agencyId'>): Promise<Principal> {
    return this.knex.transaction(async (trx) => {
      const principal = await principalRepository.insert(trx, { ...input, agencyId: actor.agencyId });
      await this.audit.append(trx, {
        agencyId: actor.agencyId,
        actorId: actor.principalId,
        requestId: actor.requestId,
        action: 'principal.create',
        targetType: 'principal',
        targetId: principal.id,
        data: { kind: principal.kind, name: principal.name, run: principal.run, roles: principal.roles },
      });
      return principal;
    });
  }

  async get(actor: Actor, id: string): Promise<Principal> {
    const p = await principalRepository.findById(this.knex, actor.agencyId, id);
    if (!p) throw new NotFoundError('No existe un principal con ese id en su agencia.');
    return p;
  }

  list(actor: Actor, afterId: string | undefined, limit: number): Promise<Principal[]> {
    return principalRepository.list(this.knex, actor.agencyId, afterId, limit);
  }

  update(actor: Actor, id: string, patch: { roles?: Role[] | undefined; disabled?: boolean | undefined }): Promise<Principal> {
    return this.knex.transaction(async (trx) => {
      const updated = await principalRepository.update(trx, actor.agencyId, id, {
        ...(patch.roles ? { roles: patch.roles } : {}),
        ...(patch.disabled === undefined ? {} : { disabledAt: patch.disabled ? this.clock.now() : null }),
      });
      if (!updated) throw new NotFoundError('No existe un principal con ese id en su agencia.');
      await this.audit.append(trx, {
        agencyId: actor.agencyId,
        actorId: actor.principalId,
        requestId: actor.requestId,
        action: 'principal.update',
        targetType: 'principal',
        targetId: id,
        data: { roles: patch.roles, disabled: patch.disabled },
      });
      return updated;
    });
  }
}
