import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validCaseFileMetadata } from '../helpers/caseFiles.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { makePdf } from '../helpers/pdfs.ts';
import { run, start } from '../helpers/cliProcess.ts';

describe('legajo CLI: archivo (clasificar, programar, retener, eliminar)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-archive-cli-'));
  });
  afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('un archivero clasifica y programa, propone la eliminación; otro la aprueba y se ejecuta con acta', async () => {
    const created = await run(['agency', 'create', '--code', 'ARCLI', '--name', 'Archivo de línea de comandos', '--roles', 'admin,archivist,records_officer,clerk'], dataDir);
    expect(created.code, created.stderr).toBe(0);
    const [, first] = /administrador ([0-9a-f-]{36})/.exec(created.stdout)!;
    const issued = await run(['key', 'create', '--agency', 'ARCLI', '--principal', first!, '--kind', 'live', '--label', 'archivo'], dataDir);
    const key = /(lgj_live_[A-Za-z0-9_-]{43})/.exec(issued.stdout)![1]!;
    const who = ['--agency', 'ARCLI', '--as', first!];

    expect((await run(['series', 'create', ...who, '07', 'Subsidios'], dataDir)).stdout).toContain('serie 07 creada');
    const orphan = await run(['series', 'create', ...who, '08.01', 'Huérfana'], dataDir);
    expect(orphan.code).toBe(2);
    expect(orphan.stderr).toContain('créela primero');
    const ruled = await run(['retention', ...who, '--series', '07', '--years', '1', '--disposition', 'destroy', '--reason', 'Tabla aprobada'], dataDir);
    expect(ruled.stdout, ruled.stderr).toContain('regla v1, 1 años, destroy');
    const badRule = await run(['retention', ...who, '--series', '07', '--years', '1', '--disposition', 'quemar', '--reason', 'x'], dataDir);
    expect(badRule.code).not.toBe(0);
    expect(badRule.stderr).toContain('disposition');

    // The second archivist and a closed case file in the series come through the API.
    let second: string;
    const s = await start(dataDir);
    try {
      const auth = { Authorization: `Bearer ${key}` };
      const json = { ...auth, 'Content-Type': 'application/json' };
      const p = await fetch(`${s.url}/v1/principals`, { method: 'POST', headers: json, body: JSON.stringify({ kind: 'system', name: 'Segundo archivero', roles: ['archivist'] }) });
      second = ((await p.json()) as { id: string }).id;
      const form = new FormData();
      form.append('metadata', JSON.stringify(validMetadata()));
      form.append('file', new Blob([new Uint8Array(await makePdf(1, 'para eliminar'))], { type: 'application/pdf' }), 'doc.pdf');
      const filed = (await (await fetch(`${s.url}/v1/documents`, { method: 'POST', headers: auth, body: form })).json()) as { document: { id: string } };
      const opened = await fetch(`${s.url}/v1/case-files`, { method: 'POST', headers: json, body: JSON.stringify(validCaseFileMetadata({ MGDEE1_2: '07' })) });
      const iuie = ((await opened.json()) as { caseFile: { iuie: string } }).caseFile.iuie;
      expect((await fetch(`${s.url}/v1/case-files/${iuie}/entries`, { method: 'POST', headers: json, body: JSON.stringify({ kind: 'document', documentId: filed.document.id, version: 1 }) })).status).toBe(201);
      expect((await fetch(`${s.url}/v1/case-files/${iuie}/close`, { method: 'POST', headers: auth })).status).toBe(200);
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exited).toBe(0);

    expect((await run(['series', 'list', '--agency', 'ARCLI'], dataDir)).stdout).toContain('07             Subsidios  [v1: 1 años desde closed, luego destroy]');
    const dueBy = new Date(Date.now() + 2 * 365.25 * 86_400_000).toISOString();
    const plan = await run(['disposition', 'plan', ...who, '--due-by', dueBy], dataDir);
    expect(plan.code, plan.stderr).toBe(0);
    const [, id] = /eliminación ([0-9a-f-]{36}) propuesta: 1 registro/.exec(plan.stdout)!;
    const self = await run(['disposition', 'approve', ...who, id!], dataDir);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('otro archivero');
    const notArchivist = await run(['disposition', 'approve', '--agency', 'ARCLI', '--as', '00000000-0000-4000-8000-000000000000', id!], dataDir);
    expect(notArchivist.code).not.toBe(0);
    const approved = await run(['disposition', 'approve', '--agency', 'ARCLI', '--as', second!, id!], dataDir);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/completed, 1\/1 registro\(s\), acta AE-\d{4}-000001/);
  }, 180_000);
});
