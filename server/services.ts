import type { Knex } from 'knex';
import type { ObjectStore } from '../storage/ObjectStore.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import { AgencyService } from './features/agencies/agencyService.ts';
import { ApiKeyService } from './features/apiKeys/apiKeyService.ts';
import { AuditService } from './features/audit/auditService.ts';
import { DocumentService } from './features/documents/documentService.ts';
import { sealedReceiptIssuer } from './features/documents/sealedReceiptIssuer.ts';
import type { LinkHasher } from './features/caseFiles/CaseFileAdapters.ts';
import { CaseFileService } from './features/caseFiles/caseFileService.ts';
import { RemissionService } from './features/caseFiles/remissionService.ts';
import { sealedCaseFileReceiptIssuer } from './features/caseFiles/sealedCaseFileReceiptIssuer.ts';
import { receiptSealer } from './features/receipts/sealReceipt.ts';
import { AuthorizedCopyService } from './features/authorizedCopies/authorizedCopyService.ts';
import { storeContentInspector } from './features/documents/storeContentInspector.ts';
import { PrincipalService } from './features/principals/principalService.ts';
import type { Signing } from './features/signing/openSigning.ts';
import { VERSION } from './version.ts';
import { noJobQueue, type JobQueue } from './queue/JobQueue.ts';
import { WebhookService, type WebhookSettings } from './features/webhooks/webhookService.ts';
import { CommunicationService } from './features/communications/communicationService.ts';
import { SearchService } from './features/search/searchService.ts';
import { TextExtractionService } from './features/search/textExtractionService.ts';
import type { OcrEngine } from '../ocr-worker/engine/OcrEngine.ts';
import { DEFAULT_DIGITIZATION_SETTINGS, DigitizationService, type DigitizationSettings } from './features/digitizations/digitizationService.ts';
import { PackageValidationService } from './features/packages/packageValidationService.ts';
import { defaultArchiveDirs } from './config.ts';
import { DEFAULT_FIXITY_SETTINGS, FixityService, type FixitySettings } from './features/fixity/fixityService.ts';
import { RetentionService } from './features/archive/retentionService.ts';
import { LegalHoldService } from './features/archive/legalHoldService.ts';
import { DispositionService } from './features/archive/dispositionService.ts';
import { TransferService, transferSettings } from './features/transfers/transferService.ts';
import { WebSessionService } from './features/webSessions/webSessionService.ts';

export interface Services {
  audit: AuditService;
  apiKeys: ApiKeyService;
  agencies: AgencyService;
  principals: PrincipalService;
  documents: DocumentService;
  caseFiles: CaseFileService;
  remissions: RemissionService;
  copies: AuthorizedCopyService;
  webhooks: WebhookService;
  communications: CommunicationService;
  search: SearchService;
  textExtraction: TextExtractionService;
  digitizations: DigitizationService;
  packages: PackageValidationService;
  fixity: FixityService;
  retention: RetentionService;
  legalHolds: LegalHoldService;
  dispositions: DispositionService;
  transfers: TransferService;
  webSessions: WebSessionService;
}

export interface ServiceAdapters {
  knex: Knex;
  clock: Clock;
  store: ObjectStore;
  signing: Signing;
  documents: Config['documents'];
  links: LinkHasher;
  publicBaseUrl: string;
  jobs: JobQueue;
  webhooks: WebhookSettings;
  /** The OCR engine, in processes that work the queue; others can take scans but not recognise them. */
  ocr?: OcrEngine;
  digitization?: DigitizationSettings;
  /** Schema and rule folders for package validation (config.archive); without them the found defaults are used. */
  archive?: Config['archive'];
  fixity?: FixitySettings;
  /** How long a person's web session lasts (config.web.sessionTtlMs); 8 hours when not given. */
  sessionTtlMs?: number;
}

export function createServices({ knex, clock, store, signing, documents, links, publicBaseUrl, jobs, webhooks, ocr, digitization, fixity, archive, sessionTtlMs }: ServiceAdapters): Services {
  const audit = new AuditService(clock);
  const apiKeys = new ApiKeyService(knex, audit, clock);
  const inspector = storeContentInspector(store, { maxPdfPages: documents.maxPdfPages, maxSignedPdfBytes: signing.maxBytes, trustAnchors: signing.trustAnchors });
  const sealer = receiptSealer(store, signing.seal, clock, `legajo ${VERSION}`);
  const indexSeal = { key: signing.xmlSeal, anchors: signing.trustAnchors };
  const caseFileReceipts = sealedCaseFileReceiptIssuer(sealer);
  const caseFiles = new CaseFileService(knex, store, audit, clock, indexSeal, links, caseFileReceipts, publicBaseUrl);
  const webhookService = new WebhookService(knex, audit, clock, jobs, webhooks);
  // Without a queue (one-shot commands, most tests) documents are filed without extracting their text.
  const textJobs = jobs === noJobQueue ? null : jobs;
  const documentsIn = (db: Knex) => new DocumentService(db, store, audit, clock, inspector, sealedReceiptIssuer(sealer), signing, textJobs);
  const documentService = documentsIn(knex);
  const copiesIn = (db: Knex) => new AuthorizedCopyService(db, store, audit, clock, signing.seal, documentsIn(db), caseFiles, publicBaseUrl, signing.maxBytes);
  const retention = new RetentionService(knex, audit);
  const transfers = new TransferService(knex, store, audit, clock, jobs, transferSettings(archive ?? defaultArchiveDirs()));
  return {
    audit,
    apiKeys,
    agencies: new AgencyService(knex, audit, apiKeys),
    principals: new PrincipalService(knex, audit, clock),
    documents: documentService,
    caseFiles,
    remissions: new RemissionService(knex, store, audit, clock, indexSeal, caseFiles, caseFileReceipts),
    copies: copiesIn(knex),
    webhooks: webhookService,
    communications: new CommunicationService(knex, store, audit, clock, signing.seal, documentService, caseFiles, webhookService, `legajo ${VERSION}`, publicBaseUrl),
    search: new SearchService(knex, audit),
    textExtraction: new TextExtractionService(knex, store),
    // An uploaded zip may inflate to at most 20 times the largest upload before it counts as a bomb.
    packages: new PackageValidationService(archive ?? defaultArchiveDirs(), { maxTotalBytes: documents.maxUploadBytes * 20 }),
    digitizations: new DigitizationService(knex, store, audit, clock, documentsIn, caseFiles, jobs, ocr ?? null, digitization ?? DEFAULT_DIGITIZATION_SETTINGS, copiesIn),
    fixity: new FixityService(knex, store, audit, clock, jobs, fixity ?? DEFAULT_FIXITY_SETTINGS),
    retention,
    legalHolds: new LegalHoldService(knex, audit, retention),
    transfers,
    dispositions: new DispositionService(knex, store, audit, clock, signing.seal, retention, jobs, transfers),
    webSessions: new WebSessionService(knex, audit, clock, sessionTtlMs ?? 8 * 3_600_000),
  };
}
