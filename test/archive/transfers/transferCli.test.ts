import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validCaseFileMetadata } from '../../helpers/caseFiles.ts';
import { run, start } from '../../helpers/cliProcess.ts';
import { validMetadata } from '../../helpers/documentMetadata.ts';
import { makePdf } from '../../helpers/pdfs.ts';

describe('legajo transfer create', () => {
  let dataDir: string;
  let closed: string;
  let open: string;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-transfer-cli-'));
    const s = await start(dataDir);
    try {
      const key = /(lgj_live_[A-Za-z0-9_-]{43})/.exec(s.stdout())![1]!;
      const api = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
        const res = await fetch(`${s.url}${url}`, { method, headers: { Authorization: `Bearer ${key}`, ...(body instanceof FormData ? {} : { 'Content-Type': 'application/json' }) }, body: body instanceof FormData ? body : JSON.stringify(body) });
        expect(res.status, await res.clone().text()).toBeLessThan(300);
        return (await res.json()) as T;
      };
      const form = new FormData();
      form.set('metadata', JSON.stringify(validMetadata()));
      form.set('file', new Blob([new Uint8Array(await makePdf(2, 'transferencia por línea de comandos'))], { type: 'application/pdf' }), 'doc.pdf');
      const doc = await api<{ document: { id: string } }>('POST', '/v1/documents', form);
      closed = (await api<{ caseFile: { iuie: string } }>('POST', '/v1/case-files', validCaseFileMetadata())).caseFile.iuie;
      await api('POST', `/v1/case-files/${closed}/entries`, { kind: 'document', documentId: doc.document.id, version: 1 });
      await api('POST', `/v1/case-files/${closed}/close`);
      open = (await api<{ caseFile: { iuie: string } }>('POST', '/v1/case-files', validCaseFileMetadata())).caseFile.iuie;
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exited).toBe(0);
  }, 120_000);
  afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('builds the package in the command and writes it where --out says, with its SHA-256', async () => {
    const out = path.join(dataDir, 'paquete.tar');
    const r = await run(['transfer', 'create', '--agency', 'DEMO', '--out', out, closed], dataDir);
    expect(r.code, r.stderr).toBe(0);
    const bytes = await fs.readFile(out);
    expect(r.stdout).toContain(`SHA-256 ${createHash('sha256').update(bytes).digest('hex')}`);
    expect(r.stderr).toMatch(/\[#{30}\] 100%/);
    const listing = spawnSync('tar', ['-tf', out], { encoding: 'utf8' }).stdout.split('\n');
    expect(listing).toContainEqual(expect.stringMatching(/^urn\+uuid\+[0-9a-f-]{36}\/bagit\.txt$/));
    expect(listing).toContainEqual(expect.stringMatching(new RegExp(`/data/representations/${closed}/data/documentos/000001\\.pdf$`)));
  }, 120_000);

  it('refuses an open case file with the reason and exit code 2, writing nothing', async () => {
    const out = path.join(dataDir, 'abierto.tar');
    const r = await run(['transfer', 'create', '--agency', 'DEMO', '--out', out, open], dataDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${open} está abierto`);
    await expect(fs.access(out)).rejects.toThrow();
  }, 60_000);
});
