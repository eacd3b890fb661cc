import fs from 'node:fs/promises';
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
import { openTestDatabase, type Backend, type TestDatabase } from './testDatabase.ts';

export interface TestApp {
  db: TestDatabase;
  services: Services;
  app: Koa;
  request: () => ReturnType<typeof supertest>;
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
}

export async function startTestApp(backend: Backend, opts: { clock?: Clock; jsonBodyLimit?: number } = {}): Promise<TestApp> {
  const db = await openTestDatabase(backend);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-objects-'));
  const store = new FilesystemObjectStore({ root });
  const services = createServices(db.knex, opts.clock ?? systemClock);
  const app = createApp({
    log: createLogger('silent'),
    knex: db.knex,
    services,
    jsonBodyLimit: opts.jsonBodyLimit ?? 64 * 1024,
    version: 'test',
    readiness: {
      database: async () => void (await db.knex.raw('select 1')),
      objectStore: async () => void (await store.stat(`sha256/00/00/${'0'.repeat(64)}`)),
    },
  });
  const callback = app.callback();
  return {
    db,
    services,
    app,
    request: () => supertest(callback),
    async agency(code, roles = [...GRANTABLE_ROLES]) {
      const p = await services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code, name: `Agencia ${code}`, adminRoles: roles });
      return {
        id: p.agency.id,
        code,
        adminId: p.admin.id,
        token: p.token,
        async keyWithRoles(r, kind = 'live') {
          const principal = await services.principals.create(
            { agencyId: p.agency.id, principalId: p.admin.id, roles: ['admin'], requestId: null },
            { kind: 'system', name: `sistema ${r.join('+') || 'sin roles'}`, run: null, roles: r },
          );
          const issued = await services.apiKeys.create({ agencyId: p.agency.id, principalId: p.admin.id, roles: ['admin'], requestId: null }, { principalId: principal.id, kind, label: 'test' });
          return { token: issued.token, keyId: issued.apiKey.id, principalId: principal.id };
        },
      };
    },
    async close() {
      await db.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
