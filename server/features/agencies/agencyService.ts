import type { Knex } from 'knex';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.ts';
import type { ApiKeyService } from '../apiKeys/apiKeyService.ts';
import type { ApiKey } from '../apiKeys/apiKeyRepository.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { Actor } from '../principals/Actor.ts';
import { principalRepository, type Principal } from '../principals/principalRepository.ts';
import type { Role } from '../principals/roles.ts';
import { agencyRepository, type Agency } from './agencyRepository.ts';

export interface ProvisionedAgency {
  agency: Agency;
  admin: Principal;
  apiKey: ApiKey;
  /** Shown once to whoever provisioned the agency. */
  token: string;
}

/** Who provisions: an operator acting through the API, or the CLI/boot (no principal). */
export interface Provisioner {
  principalId: string | null;
  agencyId: string | null;
  requestId: string | null;
}

export class AgencyService {
  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditService,
    private readonly apiKeys: ApiKeyService,
  ) {}

  /**
   * Registers an agency with its first administrator and API key, all or nothing: an agency nobody can log in to
   * is useless, and a half-created one would block its code forever.
   */
  provision(by: Provisioner, input: { code: string; name: string; adminName?: string; adminRoles?: Role[] }): Promise<ProvisionedAgency> {
    return this.knex.transaction(async (trx) => {
      const agency = await agencyRepository.insert(trx, { code: input.code, name: input.name });
      if (!agency) throw new ConflictError(`Ya existe una agencia con el código ${input.code}. Use otro código o consulte la existente.`);
      const admin = await principalRepository.insert(trx, {
        agencyId: agency.id,
        kind: 'system',
        name: input.adminName ?? `Administración ${agency.code}`,
        run: null,
        roles: input.adminRoles ?? ['admin'],
      });
      // The platform's own record of the registration, on the operator's chain (or the system chain from the CLI).
      await this.audit.append(trx, {
        agencyId: by.agencyId,
        actorId: by.principalId,
        requestId: by.requestId,
        action: 'agency.create',
        targetType: 'agency',
        targetId: agency.id,
        data: { code: agency.code, name: agency.name },
      });
      // And the agency's own chain starts with its creation.
      await this.audit.append(trx, {
        agencyId: agency.id,
        actorId: by.principalId,
        requestId: by.requestId,
        action: 'agency.create',
        targetType: 'agency',
        targetId: agency.id,
        data: { code: agency.code, name: agency.name, adminPrincipalId: admin.id },
      });
      const { apiKey, token } = await this.apiKeys.issue(
        trx,
        { agencyId: agency.id, principalId: by.principalId, requestId: by.requestId },
        { principalId: admin.id, kind: 'live', label: 'clave inicial de administración' },
      );
      return { agency, admin, apiKey, token };
    });
  }

  /** Agencies are visible to themselves; the platform operator sees all. */
  async get(actor: Actor, id: string): Promise<Agency> {
    if (id !== actor.agencyId && !actor.roles.includes('operator')) throw new NotFoundError('No existe una agencia con ese id.');
    const agency = await agencyRepository.findById(this.knex, id);
    if (!agency) throw new NotFoundError('No existe una agencia con ese id.');
    return agency;
  }

  async list(actor: Actor, afterId: string | undefined, limit: number): Promise<Agency[]> {
    if (actor.roles.includes('operator')) return agencyRepository.list(this.knex, afterId, limit);
    const own = await agencyRepository.findById(this.knex, actor.agencyId);
    return own && (!afterId || own.id > afterId) ? [own] : [];
  }

  ensureOperator(actor: Actor): void {
    if (!actor.roles.includes('operator')) throw new ForbiddenError('Solo el operador de la plataforma puede registrar agencias.');
  }

  count(): Promise<number> {
    return agencyRepository.count(this.knex);
  }
}
