import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Koa from 'koa';
import supertest from 'supertest';
import { FilesystemObjectStore } from '../../storage/FilesystemObjectStore.ts';
import { systemClock, type Clock } from '../../server/clock.ts';
import { createApp } from '../../server/http/createApp.ts';
import { createLogger } from '../../server/logger.ts';
import { GRANTABLE_ROLES, type Role } from '../../server/features/principals/roles.ts';
import { createServices, type Services } from '../../server/services.ts';
import type { Config } from '../../server/config.ts';
import { openSigning } from '../../server/features/signing/openSigning.ts';
import { fetchLinkHasher } from '../../server/features/caseFiles/fetchLinkHasher.ts';
import { dnsResolveHost } from '../../server/features/webhooks/webhookDestination.ts';
import { noJobQueue, type JobQueue } from '../../server/queue/JobQueue.ts';
import type { ObjectStore } from '../../storage/ObjectStore.ts';
import type { OcrEngine } from '../../ocr-worker/engine/OcrEngine.ts';
import type { DigitizationSettings } from '../../server/features/digitizations/digitizationService.ts';
import { openTestDatabase, type Backend, type TestDatabase } from './testDatabase.ts';
import { webSetup } from '../../server/web/webSetup.ts';
import { parseRun } from '../../standards/chile/run.ts';

export interface TestApp {
  db: TestDatabase;
  services: Services;
  store: ObjectStore;
  /** Directory of the filesystem store: tests that simulate damage write into it directly. */
  objectRoot: string;
  /** Every object key in the store, sorted: to prove a rejected request left nothing behind. */
  objectKeys(): Promise<string[]>;
  app: Koa;
  request: () => ReturnType<typeof supertest>;
  /** With `web: true`: where the app listens (http://localhost:port), with the development identity provider. */
  baseUrl: string | null;
  /** Creates an agency whose admin key holds the given roles (every role an agency can grant, by default). */
  agency(code: string, roles?: Role[]): Promise<TestAgency>;
  close(): Promise<void>;
}

export interface TestAgency {
  id: string;
  code: string;
  adminId: string;
  token: string;
  /** A key for a new principal of this agency with exactly these roles. */
  keyWithRoles(roles: Role[], kind?: 'live' | 'test'): Promise<{ token: string; keyId: string; principalId: string }>;
  /** A person of this agency with a RUN and roles: who signs in to the web through the identity provider. */
  person(name: string, run: string, roles: Role[]): Promise<{ principalId: string; run: string }>;
}

/** One development PKI for the whole run (generating RSA keys is slow); ensureDevCertificates is safe to race. */
const TEST_SEAL = { p12Path: path.join(os.tmpdir(), 'legajo-test-pki', 'seal.p12'), password: 'legajo-test', generateIfMissing: true };

export async function startTestApp(
  backend: Backend,
  opts: { clock?: Clock; jsonBodyLimit?: number; documents?: Config['documents']; signing?: Partial<Config['signing']>; verifyRateLimit?: number; jobs?: JobQueue; ocr?: OcrEngine; digitization?: DigitizationSettings; web?: boolean } = {},
): Promise<TestApp> {
  const db = await openTestDatabase(backend);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-objects-'));
  const store = new FilesystemObjectStore({ root });
  const signing = await openSigning({ maxBytes: 50 * 1024 * 1024, seal: TEST_SEAL, trustAnchorFiles: [], firmaGob: null, ...opts.signing });
  const documents = opts.documents ?? { maxUploadBytes: 20 * 1024 * 1024, maxPdfPages: 1000 };
  const log = createLogger('silent');
  // A browser needs a real address before the app exists: the identity provider's issuer URL names it.
  const server = opts.web ? http.createServer() : null;
  if (server) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = server ? `http://localhost:${(server.address() as AddressInfo).port}` : null;
  const services = createServices({
    knex: db.knex,
    clock: opts.clock ?? systemClock,
    store,
    signing,
    documents,
    links: fetchLinkHasher({ timeoutMs: 2_000, maxBytes: 1024 * 1024 }, log, { allowLoopback: true, resolve: dnsResolveHost }),
    publicBaseUrl: baseUrl ?? 'https://legajo.test',
    jobs: opts.jobs ?? noJobQueue,
    webhooks: { env: 'test', timeoutMs: 10_000 },
    ...(opts.ocr ? { ocr: opts.ocr } : {}),
    ...(opts.digitization ? { digitization: opts.digitization } : {}),
  });
  const app = createApp({
    store,
    documentLimits: documents,
    log,
    knex: db.knex,
    services,
    jsonBodyLimit: opts.jsonBodyLimit ?? 64 * 1024,
    version: 'test',
    verifyRateLimit: opts.verifyRateLimit ?? 1000,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(baseUrl ? { web: await webSetup({ oidc: null, devOidc: true, sessionTtlMs: 8 * 3_600_000, secureCookies: true }, baseUrl, db.knex) } : {}),
    readiness: {
      database: async () => void (await db.knex.raw('select 1')),
      objectStore: async () => void (await store.stat(`sha256/00/00/${'0'.repeat(64)}`)),
    },
  });
  const callback = app.callback();
  server?.on('request', callback);
  return {
    db,
    services,
    store,
    objectRoot: root,
    async objectKeys() {
      const keys: string[] = [];
      for await (const o of store.list()) keys.push(o.key);
      return keys.sort();
    },
    app,
    request: () => supertest(callback),
    baseUrl,
    async agency(code, roles = [...GRANTABLE_ROLES]) {
      const p = await services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code, name: `Agencia ${code}`, adminRoles: roles });
      return {
        id: p.agency.id,
        code,
        adminId: p.admin.id,
        token: p.token,
        async keyWithRoles(r, kind = 'live') {
          const principal = await services.principals.create(
            { agencyId: p.agency.id, agencyCode: code, principalId: p.admin.id, roles: ['admin'], requestId: null },
            { kind: 'system', name: `sistema ${r.join('+') || 'sin roles'}`, run: null, roles: r },
          );
          const issued = await services.apiKeys.create({ agencyId: p.agency.id, agencyCode: code, principalId: p.admin.id, roles: ['admin'], requestId: null }, { principalId: principal.id, kind, label: 'test' });
          return { token: issued.token, keyId: issued.apiKey.id, principalId: principal.id };
        },
        async person(name, given, r) {
          const parsed = parseRun(given);
          if (!parsed.ok) throw new Error(`RUN de prueba inválido: ${parsed.reason}`);
          const run = parsed.normalized;
          const principal = await services.principals.create(
            { agencyId: p.agency.id, agencyCode: code, principalId: p.admin.id, roles: ['admin'], requestId: null },
            { kind: 'person', name, run, roles: r },
          );
          return { principalId: principal.id, run };
        },
      };
    },
    async close() {
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await db.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
