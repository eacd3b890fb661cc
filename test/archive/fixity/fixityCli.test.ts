import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/config.ts';
import { openSigning } from '../../../server/features/signing/openSigning.ts';
import { createLogger } from '../../../server/logger.ts';
import { openRuntime, type Runtime } from '../../../server/runtime.ts';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { adminActor, fileDocuments, type FiledDocument } from './fixityFixtures.ts';

const BIN = path.resolve('bin/legajo.js');
/** The tests' shared development seal (see testApp.ts), so no process generates RSA keys of its own. */
const SEAL = { p12Path: path.join(os.tmpdir(), 'legajo-test-pki', 'seal.p12'), password: 'legajo-test' };

function legajo(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Only what the command needs: nothing leaks in from the outer environment.
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(BACKENDS)('legajo fixity check (%s)', (backend) => {
  let dataDir: string;
  let env: Record<string, string>;
  let pg: TestDatabase | null = null;
  let docs: FiledDocument[];

  /** The same runtime the command opens; on PGlite it must be closed before the child can open the data directory. */
  async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
    const rt = await openRuntime(loadConfig(env), createLogger('silent'));
    try {
      return await fn(rt);
    } finally {
      await rt.close();
    }
  }

  beforeAll(async () => {
    await openSigning({ maxBytes: 1024, seal: { ...SEAL, generateIfMissing: true }, trustAnchorFiles: [], firmaGob: null });
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-fixity-cli-'));
    if (backend === 'postgres') pg = await openTestDatabase('postgres');
    env = { DATA_DIR: dataDir, SEAL_P12_PATH: SEAL.p12Path, SEAL_P12_PASSWORD: SEAL.password, DEMO_AGENCY: 'false', ...(pg ? { DATABASE_URL: pg.url! } : {}) };
    docs = await withRuntime(async (rt) => {
      const p = await rt.services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code: 'FIXCLI', name: 'Agencia de la CLI', adminRoles: ['admin'] });
      return fileDocuments(rt.services, rt.store, adminActor({ id: p.agency.id, code: 'FIXCLI', adminId: p.admin.id }), 2, 'fijeza CLI');
    });
  }, 120_000);
  afterAll(async () => {
    await pg?.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('exits 0 on a clean store, with progress on stderr and a Spanish summary', async () => {
    const r = await legajo(['fixity', 'check'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Verificación de fijeza [0-9a-f-]{36}: 4 objetos \([\d,]+ MB\) verificados en \d+ s\.$/m);
    expect(r.stdout).toMatch(/^Todos los objetos coinciden con su hash\.$/m);
    // stderr is not a terminal here: plain lines, the last one complete.
    expect(r.stderr).toMatch(/^\[#{24}\] 100 % · 4\/4 objetos · [\d,]+\/[\d,]+ MB · [\d,]+ MB\/s · quedan [\d:—]+$/m);
    expect(r.stderr).not.toContain('\r');
  }, 60_000);

  it('exits 1 naming each altered and missing object', async () => {
    const [altered, deleted] = docs as [FiledDocument, FiledDocument];
    const file = (key: string) => path.join(dataDir, 'objects', key);
    const original = await fs.readFile(file(altered.key));
    await fs.chmod(file(altered.key), 0o644);
    await fs.writeFile(file(altered.key), Buffer.concat([original, Buffer.from('\n% añadido fuera de legajo')]));
    const removed = await fs.readFile(file(deleted.key));
    await fs.rm(file(deleted.key));
    try {
      const r = await legajo(['fixity', 'check'], env);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^ALTERADO  ${altered.key}: se esperaba ${altered.sha256}, se leyó [0-9a-f]{64}$`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^FALTA     ${deleted.key}$`, 'm'));
      expect(r.stdout).toMatch(/^1 objeto\(s\) alterado\(s\) y 1 ausente\(s\)\. Restáurelos desde el respaldo/m);
      expect(r.stderr).toMatch(/2 dañado\(s\)$/m);
    } finally {
      await fs.writeFile(file(altered.key), original);
      await fs.writeFile(file(deleted.key), removed);
    }
    expect((await legajo(['fixity', 'check'], env)).code).toBe(0);
  }, 60_000);

  it('exits 2 with what to do while another run is alive', async () => {
    await withRuntime((rt) => rt.database.knex('fixity_runs').insert({ trigger: 'schedule', state: 'running' }));
    const r = await legajo(['fixity', 'check'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Ya hay una verificación de fijeza en curso \([0-9a-f-]{36}\); espere a que termine/m);
    await withRuntime((rt) => rt.database.knex('fixity_runs').where({ state: 'running' }).update({ state: 'interrupted' }));
  }, 60_000);
});
