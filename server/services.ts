import type { Knex } from 'knex';
import type { ObjectStore } from '../storage/ObjectStore.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import { AgencyService } from './features/agencies/agencyService.ts';
import { ApiKeyService } from './features/apiKeys/apiKeyService.ts';
import { AuditService } from './features/audit/auditService.ts';
import { DocumentService } from './features/documents/documentService.ts';
import { sealedReceiptIssuer } from './features/documents/sealedReceiptIssuer.ts';
import { storeContentInspector } from './features/documents/storeContentInspector.ts';
import { PrincipalService } from './features/principals/principalService.ts';
import type { Signing } from './features/signing/openSigning.ts';
import { VERSION } from './version.ts';

export interface Services {
  audit: AuditService;
  apiKeys: ApiKeyService;
  agencies: AgencyService;
  principals: PrincipalService;
  documents: DocumentService;
}

export interface ServiceAdapters {
  knex: Knex;
  clock: Clock;
  store: ObjectStore;
  signing: Signing;
  documents: Config['documents'];
}

export function createServices({ knex, clock, store, signing, documents }: ServiceAdapters): Services {
  const audit = new AuditService(clock);
  const apiKeys = new ApiKeyService(knex, audit, clock);
  const inspector = storeContentInspector(store, { maxPdfPages: documents.maxPdfPages, maxSignedPdfBytes: signing.maxBytes, trustAnchors: signing.trustAnchors });
  const receipts = sealedReceiptIssuer(store, signing.seal, clock, `legajo ${VERSION}`);
  return {
    audit,
    apiKeys,
    agencies: new AgencyService(knex, audit, apiKeys),
    principals: new PrincipalService(knex, audit, clock),
    documents: new DocumentService(knex, store, audit, clock, inspector, receipts, signing),
  };
}
