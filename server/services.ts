import type { Knex } from 'knex';
import type { Clock } from './clock.ts';
import { AgencyService } from './features/agencies/agencyService.ts';
import { ApiKeyService } from './features/apiKeys/apiKeyService.ts';
import { AuditService } from './features/audit/auditService.ts';
import { PrincipalService } from './features/principals/principalService.ts';

export interface Services {
  audit: AuditService;
  apiKeys: ApiKeyService;
  agencies: AgencyService;
  principals: PrincipalService;
}

export function createServices(knex: Knex, clock: Clock): Services {
  const audit = new AuditService(clock);
  const apiKeys = new ApiKeyService(knex, audit, clock);
  return {
    audit,
    apiKeys,
    agencies: new AgencyService(knex, audit, apiKeys),
    principals: new PrincipalService(knex, audit, clock),
  };
}
