import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validCaseFileMetadata } from '../helpers/caseFiles.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { makePdf } from '../helpers/pdfs.ts';
import { run, start } from '../helpers/cliProcess.ts';

describe('legajo CLI on the embedded defaults', () => {
  let dataDir: string;
  let key: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-e2e-'));
  });
  afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('first start: migrates, prints a demo key once, serves health, docs and the API', async () => {
    const s = await start(dataDir);
    try {
      key = /(lgj_live_[A-Za-z0-9_-]{43})/.exec(s.stdout())![1]!;
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
      expect(((await (await fetch(`${s.url}/openapi.json`)).json()) as { openapi: string }).openapi).toBe('3.1.0');
      expect((await fetch(`${s.url}/docs`)).status).toBe(200);
      const agencies = (await (await fetch(`${s.url}/v1/agencies`, { headers: { Authorization: `Bearer ${key}` } })).json()) as { items: { code: string }[] };
      expect(agencies.items[0]?.code).toBe('DEMO');

      // A second process on the same directory must refuse, clearly, and leave the first one working.
      const second = await run(['start'], dataDir);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/ya está abierta por otro proceso \(pid \d+\)/);
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exited).toBe(0);
    await expect(fs.access(path.join(dataDir, 'pg.lock'))).rejects.toThrow();
  });

  it('second start reuses the data: no new demo agency, the old key still works', async () => {
    const s = await start(dataDir);
    try {
      expect(s.stdout()).not.toMatch(/lgj_live_/);
      const res = await fetch(`${s.url}/v1/agencies`, { headers: { Authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(1);
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exited).toBe(0);
  });

  it('a lock left by a killed process does not block the next start', async () => {
    const s = await start(dataDir);
    s.child.kill('SIGKILL');
    await s.exited;
    const again = await start(dataDir);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('agency create and key revoke work from the command line, with clear errors', async () => {
    const created = await run(['agency', 'create', '--code', 'CLI001', '--name', 'Agencia de línea de comandos'], dataDir);
    expect(created.code).toBe(0);
    const [, adminId] = /administrador ([0-9a-f-]{36})/.exec(created.stdout)!;
    const issued = await run(['key', 'create', '--agency', 'CLI001', '--principal', adminId!, '--kind', 'test', '--label', 'integración'], dataDir);
    expect(issued.code).toBe(0);
    expect(issued.stdout).toMatch(/lgj_test_/);
    const [, keyId] = /Clave ([0-9a-f-]{36}) emitida/.exec(issued.stdout)!;
    const revoked = await run(['key', 'revoke', '--agency', 'CLI001', keyId!], dataDir);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/revocada el 20\d\d-/);
    expect((await run(['agency', 'create', '--code', 'CLI003', '--name', 'Otra agencia'], dataDir)).code).toBe(0);
    const wrongAgency = await run(['key', 'revoke', '--agency', 'CLI003', keyId!], dataDir);
    expect(wrongAgency.code).not.toBe(0);
    expect(wrongAgency.stderr).toMatch(/No existe una clave de API/);
    const dup = await run(['agency', 'create', '--code', 'CLI001', '--name', 'Otra'], dataDir);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/Ya existe una agencia con el código CLI001/);
    const bad = await run(['agency', 'create', '--code', 'mal código', '--name', 'x'], dataDir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--code/);
    const badRole = await run(['agency', 'create', '--code', 'CLI002', '--name', 'x', '--roles', 'admin,rey'], dataDir);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/roles desconocidos: rey/);
  });

  it('invalid configuration stops with a message naming the variable', async () => {
    const r = await run(['migrate'], dataDir, { PORT: 'abc', S3_ENDPOINT: 'http://127.0.0.1:9' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PORT/);
    expect(r.stderr).toMatch(/S3_BUCKET/);
  });

  it('case-file verify and verify-package check a real case file and its remission, and exit 1 once damaged', async () => {
    const s = await start(dataDir);
    const auth = { Authorization: `Bearer ${key}` };
    let iuie: string;
    let docSha: string;
    const pkgFile = path.join(dataDir, 'remision.tar');
    try {
      const form = new FormData();
      form.append('metadata', JSON.stringify(validMetadata()));
      const pdf = await makePdf(2, 'expediente de la CLI');
      docSha = createHash('sha256').update(pdf).digest('hex');
      form.append('file', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'doc.pdf');
      const filed = (await (await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth, body: form })).json()) as { document: { id: string } };
      const opened = await fetch(`${s.url}/v1/case-files`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(validCaseFileMetadata()) });
      iuie = ((await opened.json()) as { caseFile: { iuie: string } }).caseFile.iuie;
      const added = await fetch(`${s.url}/v1/case-files/${iuie}/entries`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'document', documentId: filed.document.id, version: 1 }) });
      expect(added.status).toBe(201);
      expect((await fetch(`${s.url}/v1/case-files/${iuie}/close`, { method: 'POST', headers: auth })).status).toBe(200);
      await fs.writeFile(pkgFile, Buffer.from(await (await fetch(`${s.url}/v1/case-files/${iuie}/export`, { headers: auth })).arrayBuffer()));
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exited).toBe(0);

    const ok = await run(['case-file', 'verify', '--agency', 'DEMO', iuie], dataDir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ok {5}índice sellado v1/);
    const pkgOk = await run(['case-file', 'verify-package', pkgFile], dataDir);
    expect(pkgOk.code, pkgOk.stderr).toBe(0);
    expect(pkgOk.stdout).toContain(`expediente ${iuie}`);
    expect((await run(['case-file', 'verify', '--agency', 'NOPE', iuie], dataDir)).code).toBe(2);

    const object = path.join(dataDir, 'objects', 'sha256', docSha.slice(0, 2), docSha.slice(2, 4), docSha);
    await fs.chmod(object, 0o644);
    await fs.appendFile(object, 'dañado');
    const bad = await run(['case-file', 'verify', '--agency', 'DEMO', iuie], dataDir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`ERROR  ${iuie}, orden 1: el contenido de .* cambió`));

    const pkg = await fs.readFile(pkgFile);
    const at = pkg.indexOf(Buffer.from('%PDF'));
    pkg[at + 1] = 0x51;
    await fs.writeFile(pkgFile, pkg);
    const pkgBad = await run(['case-file', 'verify-package', pkgFile], dataDir);
    expect(pkgBad.code).toBe(1);
    expect(pkgBad.stdout).toMatch(/ERROR {2}documentos\/000001\.pdf: orden 1: el índice sellado dice SHA-256/);
  });

  it('audit verify passes on an untouched log and names the first altered event otherwise', async () => {
    const ok = await run(['audit', 'verify'], dataDir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok {5}agency:/m);

    const pg = await PGlite.create(path.join(dataDir, 'pg'));
    await pg.exec('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    const { rows } = await pg.query<{ id: number; chain: string }>(`SELECT id, chain FROM audit_events WHERE chain LIKE 'agency:%' AND chain_seq = 2 LIMIT 1`);
    await pg.query(`UPDATE audit_events SET data = '{"forjado": true}' WHERE id = $1`, [rows[0]!.id]);
    await pg.close();

    const bad = await run(['audit', 'verify'], dataDir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`ERROR  ${rows[0]!.chain}: evento 2 (id ${rows[0]!.id})`);
  });
});
