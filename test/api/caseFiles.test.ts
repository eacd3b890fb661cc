import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchLinkHasher } from '../../server/features/caseFiles/fetchLinkHasher.ts';
import { createLogger } from '../../server/logger.ts';
import { checkAuthMatrix, type MatrixRoute } from '../helpers/authMatrix.ts';
import { caseFileClient, sha, validCaseFileMetadata } from '../helpers/caseFiles.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';

const XSD = path.resolve(import.meta.dirname, '../../standards/caseFile/legajo-expediente-1.0.xsd');
const ROOT_PEM = path.join(os.tmpdir(), 'legajo-test-pki', 'dev-root-ca.pem');

async function tempFile(name: string, bytes: Buffer | string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-cf-'));
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  return file;
}

describe.each(BACKENDS)('expedientes (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;
  let api: ReturnType<typeof caseFileClient>;
  let linkServer: http.Server;
  let linkBase: string;
  const LINK_BODY = 'contenido del repositorio externo';
  let linkRequests = 0;

  const rows = async () => ({
    caseFiles: Number((await t.db.knex('case_files').count<{ c: string }>('* as c').first())!.c),
    entries: Number((await t.db.knex('case_file_entries').count<{ c: string }>('* as c').first())!.c),
    indexes: Number((await t.db.knex('case_file_indexes').count<{ c: string }>('* as c').first())!.c),
  });

  beforeAll(async () => {
    t = await startTestApp(backend);
    a = await t.agency('EXP001');
    b = await t.agency('EXP002');
    api = caseFileClient(t, a.token);
    linkServer = http.createServer((req, res) => {
      linkRequests++;
      if (req.url === '/doc') res.end(LINK_BODY);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => linkServer.listen(0, '127.0.0.1', r));
    linkBase = `http://127.0.0.1:${(linkServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    linkServer.close();
    await t.close();
  });

  it('opens a case file: IUIe assigned, guide metadata completed by the server, signed receipt', async () => {
    const res = await t.request().post('/v1/case-files').set(bearer(a.token)).send(validCaseFileMetadata());
    expect(res.status, res.text).toBe(201);
    const iuie = res.body.caseFile.iuie;
    expect(iuie).toMatch(/^EXP-\d{8}-\d{6}-EXP001$/);
    expect(res.headers.location).toBe(`/v1/case-files/${iuie}`);
    expect(res.body.caseFile.metadata).toMatchObject({
      MGDEE1_1: iuie,
      MGDEE1_4: 'abierto',
      MGDEE4_1: 2,
      MGDEE4_2: `https://legajo.test/v1/case-files/${iuie}`,
      MGDEE51_1: 'EXP001',
      MGDEE51: [{ relation: 4, code: 'EXP001', name: 'Agencia EXP001' }],
      MGDEE8_1: '001',
    });
    expect(res.body.caseFile.metadata.MGDEE52[1].id).toBe('11111111-1');
    expect(res.body.receipt).toMatchObject({ number: 1, receiptNumber: expect.stringMatching(/^CP-\d{4}-\d{6}$/) });
    const receipt = await t.request().get(`/v1/case-files/${iuie}/receipts/1`).set(bearer(a.token)).buffer(true);
    expect(receipt.status).toBe(200);
    expect(receipt.headers['content-type']).toBe('application/pdf');
    expect(receipt.headers.etag).toBe(`"${res.body.receipt.sha256}"`);
  });

  it.each([
    ['a bad RUN check digit of an interested party', { MGDEE52: [{ relation: 1, actorType: 4, id: '12.345.678-5', name: 'J' }, { relation: 2, actorType: 1, id: '11.111.111-2', name: 'P' }] }, 'body.MGDEE52.1.id'],
    ['no responsible official', { MGDEE52: [{ relation: 2, actorType: 1, id: '11.111.111-1', name: 'P' }] }, 'body.MGDEE52'],
    ['an IUIe chosen by the client', { MGDEE1_1: 'EXP-MIO' }, 'body.MGDEE1_1'],
    ['an unknown field', { MGDEE9_9: 'x' }, 'body.MGDEE9_9'],
    ['an access level outside 1-4', { MGDEE6_1: 5 }, 'body.MGDEE6_1'],
    ['a missing CPAT code', { MGDEE7_1: undefined }, 'body.MGDEE7_1'],
  ])('refuses %s with 422 naming the field, and opens nothing', async (_name, overrides, field) => {
    const before = await rows();
    const res = await t.request().post('/v1/case-files').set(bearer(a.token)).send(validCaseFileMetadata(overrides));
    expect(res.status, res.text).toBe(422);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await rows()).toEqual(before);
  });

  it('adds items in order with folios across the case file, a link with its hash, and refuses bad items', async () => {
    const iuie = await api.open();
    const five = await api.fileDocument(5, 'cinco');
    const three = await api.fileDocument(3, 'tres');
    const first = await api.add(iuie, { kind: 'document', documentId: five.id, version: 1 });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ order: 1, kind: 'document', sha256: five.sha256, firstFolio: 1, lastFolio: 5 });
    const second = await api.add(iuie, { kind: 'document', documentId: three.id, version: 1 });
    expect(second.body).toMatchObject({ order: 2, firstFolio: 6, lastFolio: 8, document: { identifier: three.identifier, version: 1 } });
    const link = await api.add(iuie, { kind: 'link', uri: `${linkBase}/doc`, description: 'Informe en repositorio externo' });
    expect(link.body).toMatchObject({ order: 3, kind: 'link', sha256: sha(LINK_BODY), firstFolio: null });
    const unreachable = await api.add(iuie, { kind: 'link', uri: `${linkBase}/no-existe`, description: 'no responde' });
    expect(unreachable.body).toMatchObject({ order: 4, sha256: null });

    const before = await rows();
    const ftp = await api.add(iuie, { kind: 'link', uri: 'ftp://example.org/x', description: 'x' });
    expect(ftp.status).toBe(422);
    expect(ftp.body.errors[0].field).toBe('body.uri');
    const js = await api.add(iuie, { kind: 'link', uri: 'javascript:alert(1)', description: 'x' });
    expect(js.status).toBe(422);
    const otherAgencyDoc = await caseFileClient(t, b.token).fileDocument(1, 'ajeno');
    const foreign = await api.add(iuie, { kind: 'document', documentId: otherAgencyDoc.id, version: 1 });
    expect(foreign.status).toBe(404);
    const noVersion = await api.add(iuie, { kind: 'document', documentId: five.id, version: 9 });
    expect(noVersion.status).toBe(404);
    expect(noVersion.body.detail).toMatch(/versión 9/);
    expect(await rows()).toEqual(before);

    const entries = await t.request().get(`/v1/case-files/${iuie}/entries`).set(bearer(a.token));
    expect(entries.body.items.map((e: { order: number }) => e.order)).toEqual([1, 2, 3, 4]);
  });

  it('never fetches a link whose host is a loopback or private address where those are refused (production)', async () => {
    const refusing = fetchLinkHasher({ timeoutMs: 2_000, maxBytes: 1024 }, createLogger('silent'), { allowLoopback: false, resolve: async () => ['127.0.0.1'] });
    const before = linkRequests;
    expect(await refusing.sha256(`${linkBase}/doc`)).toBeNull();
    expect(await refusing.sha256(`http://repositorio.test:${new URL(linkBase).port}/doc`)).toBeNull();
    expect(await refusing.sha256('http://10.1.2.3/interno')).toBeNull();
    expect(linkRequests).toBe(before);
  });

  it('keeps a gap-free, unique order and contiguous folios under concurrent additions', async () => {
    const iuie = await api.open();
    const docs = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => api.fileDocument((n % 3) + 1, `concurrente ${n}`)));
    const results = await Promise.all(docs.map((d) => api.add(iuie, { kind: 'document', documentId: d.id, version: 1 })));
    expect(results.map((r) => r.status)).toEqual(docs.map(() => 201));
    const entries = (await t.request().get(`/v1/case-files/${iuie}/entries?limit=50`).set(bearer(a.token))).body.items as Array<{ order: number; firstFolio: number; lastFolio: number }>;
    expect(entries.map((e) => e.order)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    let next = 1;
    for (const e of entries) {
      expect(e.firstFolio).toBe(next);
      next = e.lastFolio + 1;
    }
    expect((await api.get(iuie)).body.folioCount).toBe(next - 1);
  });

  it('retries with the same Idempotency-Key add one entry, not two', async () => {
    const iuie = await api.open();
    const doc = await api.fileDocument(1);
    const send = () => t.request().post(`/v1/case-files/${iuie}/entries`).set(bearer(a.token)).set('Idempotency-Key', `entrada-${iuie}`).send({ kind: 'document', documentId: doc.id, version: 1 });
    const [x, y] = [await send(), await send()];
    expect(x.status).toBe(201);
    expect(y.status).toBe(201);
    expect(y.headers['idempotent-replayed']).toBe('true');
    expect((await api.get(iuie)).body.entryCount).toBe(1);
  });

  itWithReferee('xmllint', 'closes: the sealed index validates against the published XSD, freezes the case file and verifies', async () => {
    const iuie = await api.open();
    const doc = await api.fileDocument(2, 'para sellar');
    await api.add(iuie, { kind: 'document', documentId: doc.id, version: 1 });
    await api.add(iuie, { kind: 'link', uri: `${linkBase}/doc`, description: 'enlace & <especial> "comillas"' });

    const working = await api.indexXml(iuie);
    expect(working.status).toBe(200);
    expect(working.headers['x-index-version']).toBe('sin sellar');
    expect(working.body.toString()).not.toContain('Signature');

    const closed = await api.close(iuie);
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.caseFile.state).toBe('cerrado');
    expect(closed.body.index).toMatchObject({ number: 1, purpose: 'cierre', entryCount: 2 });

    const sealed = await api.indexXml(iuie);
    expect(sealed.headers['x-index-version']).toBe('1');
    expect(sealed.headers.etag).toBe(`"${sha(sealed.body)}"`);
    const xml = sealed.body.toString('utf8');
    expect(xml).toContain('MGDEE3_2');
    const file = await tempFile('indice.xml', sealed.body);
    const lint = spawnSync('xmllint', ['--nonet', '--noout', '--schema', XSD, file], { encoding: 'utf8' });
    expect(lint.status, lint.stderr).toBe(0);

    const refused = await api.add(iuie, { kind: 'document', documentId: doc.id, version: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/cerrado.*reábralo/);
    expect((await api.close(iuie)).status).toBe(409);

    const verified = await api.verify(iuie);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ valid: true, problems: [], documentsHashed: 1, sealedVersions: [{ version: 1, storedBytesMatch: true, seal: { valid: true } }] });
  });

  itWithReferee('xmlsec1', 'the sealed index is an XML signature an independent tool accepts, and refuses once edited', async () => {
    const iuie = await api.open();
    const doc = await api.fileDocument(1, 'xmlsec');
    await api.add(iuie, { kind: 'document', documentId: doc.id, version: 1 });
    await api.close(iuie);
    const sealed = (await api.indexXml(iuie)).body as Buffer;
    const good = await tempFile('indice.xml', sealed);
    expect(spawnSync('xmlsec1', ['--verify', '--trusted-pem', ROOT_PEM, good], { encoding: 'utf8' }).status).toBe(0);
    const bad = await tempFile('indice.xml', sealed.toString('utf8').replace(doc.sha256, doc.sha256.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))));
    expect(spawnSync('xmlsec1', ['--verify', '--trusted-pem', ROOT_PEM, bad], { encoding: 'utf8' }).status).not.toBe(0);
  });

  it('reopening keeps every sealed version; the next closing seals version 2', async () => {
    const iuie = await api.open();
    const d1 = await api.fileDocument(1, 'uno');
    await api.add(iuie, { kind: 'document', documentId: d1.id, version: 1 });
    await api.close(iuie);
    const v1 = (await api.indexXml(iuie)).body as Buffer;
    expect((await api.reopen(iuie)).body.state).toBe('abierto');
    expect((await api.reopen(iuie)).status).toBe(409);
    const d2 = await api.fileDocument(4, 'dos');
    expect((await api.add(iuie, { kind: 'document', documentId: d2.id, version: 1 })).body).toMatchObject({ order: 2, firstFolio: 2, lastFolio: 5 });
    const v2closing = await api.close(iuie);
    expect(v2closing.body.index).toMatchObject({ number: 2, entryCount: 2 });
    expect(Buffer.compare((await api.indexXml(iuie, 1)).body, v1)).toBe(0);
    expect((await api.indexXml(iuie, 2)).body.toString()).toContain(d2.sha256);
    expect((await api.indexXml(iuie, 3)).status).toBe(404);
    const detail = await api.get(iuie);
    expect(detail.body.indexVersions.map((v: { number: number }) => v.number)).toEqual([1, 2]);
    expect((await api.verify(iuie)).body.valid).toBe(true);
  });

  it('removal from an open case file is recorded, keeps the order, and shows in the index and the history', async () => {
    const iuie = await api.open();
    const [d1, d2, d3] = await Promise.all([api.fileDocument(1, 'r1'), api.fileDocument(2, 'r2'), api.fileDocument(1, 'r3')]);
    for (const d of [d1!, d2!, d3!]) await api.add(iuie, { kind: 'document', documentId: d.id, version: 1 });
    const removed = await t.request().post(`/v1/case-files/${iuie}/entries/2/remove`).set(bearer(a.token)).send({ reason: 'agregado por error' });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body).toMatchObject({ order: 2, firstFolio: 2, lastFolio: 3, removed: { reason: 'agregado por error' } });
    expect((await t.request().post(`/v1/case-files/${iuie}/entries/2/remove`).set(bearer(a.token)).send({ reason: 'otra vez' })).status).toBe(409);
    expect((await t.request().post(`/v1/case-files/${iuie}/entries/9/remove`).set(bearer(a.token)).send({ reason: 'no existe' })).status).toBe(404);
    const d4 = await api.fileDocument(1, 'r4');
    expect((await api.add(iuie, { kind: 'document', documentId: d4.id, version: 1 })).body).toMatchObject({ order: 4, firstFolio: 5 });
    await api.close(iuie);
    expect((await t.request().post(`/v1/case-files/${iuie}/entries/1/remove`).set(bearer(a.token)).send({ reason: 'ya cerrado' })).status).toBe(409);
    const xml = (await api.indexXml(iuie)).body.toString();
    expect(xml).toContain('agregado por error');
    expect((await api.verify(iuie)).body.valid).toBe(true);

    const trace = await t.request().get(`/v1/case-files/${iuie}/history?record=traceability`).set(bearer(a.token));
    expect(trace.body.items.map((e: { action: string }) => e.action)).toEqual([
      'case-file.open',
      'case-file.entry.add',
      'case-file.entry.add',
      'case-file.entry.add',
      'case-file.entry.remove',
      'case-file.entry.add',
      'case-file.close',
    ]);
    const access = await t.request().get(`/v1/case-files/${iuie}/history?record=access`).set(bearer(a.token));
    const actions = access.body.items.map((e: { action: string }) => e.action);
    expect(actions).toContain('case-file.access.index');
    expect(actions).toContain('case-file.access.verify');
    expect(actions).toContain('case-file.access.history');
  });

  it('records every read of sensitive documents of the case file in its access record, and lists its acts', async () => {
    const iuie = await api.open({ MGDEE6_4: 1 });
    const resolution = await api.fileDocument(1, 'resolución', validMetadata({ MGDDE5_1: 36, MGDDE7_2: 1 }));
    await api.add(iuie, { kind: 'document', documentId: resolution.id, version: 1 });
    await t.request().get(`/v1/documents/${resolution.id}/versions/1/content`).set(bearer(a.token));
    const access = await t.request().get(`/v1/case-files/${iuie}/history?record=access`).set(bearer(a.token));
    expect(access.body.items.some((e: { action: string; targetId: string }) => e.action === 'document.content.read' && e.targetId === resolution.id)).toBe(true);
    const acts = await t.request().get(`/v1/case-files/${iuie}/history?record=acts`).set(bearer(a.token));
    expect(acts.body.items).toEqual([expect.objectContaining({ order: 1, documentType: 36, documentTypeLabel: 'Resolución', identifier: resolution.identifier })]);
  });

  it('nests closed case files, refuses open ones, itself and cycles', async () => {
    const inner = await api.open({ MGDEE1_5: 'expediente acumulado' });
    const d = await api.fileDocument(3, 'interno');
    await api.add(inner, { kind: 'document', documentId: d.id, version: 1 });
    const outer = await api.open();
    const d0 = await api.fileDocument(2, 'externo');
    await api.add(outer, { kind: 'document', documentId: d0.id, version: 1 });

    const open = await api.add(outer, { kind: 'case-file', iuie: inner });
    expect(open.status).toBe(409);
    expect(open.body.detail).toMatch(/ciérrelo/);
    await api.close(inner);
    const nested = await api.add(outer, { kind: 'case-file', iuie: inner });
    expect(nested.status, nested.text).toBe(201);
    expect(nested.body).toMatchObject({ order: 2, kind: 'case-file', firstFolio: 3, lastFolio: 5, caseFile: { iuie: inner, indexVersion: 1 } });
    expect((await api.add(outer, { kind: 'case-file', iuie: outer })).status).toBe(422);
    expect((await api.add(outer, { kind: 'case-file', iuie: 'EXP-NO-EXISTE' })).status).toBe(404);

    await api.close(outer);
    await api.reopen(inner);
    const cycle = await api.add(inner, { kind: 'case-file', iuie: outer });
    expect(cycle.status).toBe(409);
    expect(cycle.body.detail).toMatch(/ciclo/);

    const xml = (await api.indexXml(outer)).body.toString();
    expect(xml).toContain(inner);
    expect(xml).toContain(d.sha256);
    const report = await api.verify(outer);
    expect(report.body.valid, JSON.stringify(report.body.problems)).toBe(true);
    expect(report.body.documentsHashed).toBe(2);
  });

  it('verification names the entry whose stored bytes changed and the index version whose seal broke', async () => {
    const iuie = await api.open();
    const keep = await api.fileDocument(1, 'intacto');
    const damaged = await api.fileDocument(2, 'será dañado');
    await api.add(iuie, { kind: 'document', documentId: keep.id, version: 1 });
    await api.add(iuie, { kind: 'document', documentId: damaged.id, version: 1 });
    await api.close(iuie);
    const objectPath = (hex: string) => path.join(t.objectRoot, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
    const docPath = objectPath(damaged.sha256);
    await fs.chmod(docPath, 0o644);
    await fs.appendFile(docPath, '%% alterado');
    const sealedSha = (await api.get(iuie)).body.indexVersions[0].sha256 as string;
    const indexPath = objectPath(sealedSha);
    const original = await fs.readFile(indexPath, 'utf8');
    await fs.chmod(indexPath, 0o644);
    await fs.writeFile(indexPath, original.replace('<', ' <'));
    const report = await api.verify(iuie);
    expect(report.body.valid).toBe(false);
    const problems = report.body.problems as Array<{ order: number | null; problem: string }>;
    expect(problems).toContainEqual(expect.objectContaining({ order: 2, problem: expect.stringMatching(new RegExp(`${damaged.identifier} v1 cambió: SHA-256 registrado ${damaged.sha256}`)) }));
    expect(problems.some((p) => p.order === 1)).toBe(false);
    expect(problems).toContainEqual(expect.objectContaining({ order: null, problem: expect.stringMatching(/índice sellado versión 1 cambió/) }));
  });

  it('every read is recorded; another agency sees none of it', async () => {
    const iuie = await api.open({ MGDEE6_1: 2 });
    await api.get(iuie);
    const reads = await t.db.knex('audit_events').where({ agency_id: a.id, action: 'case-file.access.read' }).whereRaw("data->>'iuie' = ?", [iuie]);
    expect(reads).toHaveLength(1);
    const other = await t.request().get(`/v1/case-files/${iuie}`).set(bearer(b.token));
    expect(other.status).toBe(404);
    const list = await t.request().get('/v1/case-files').set(bearer(b.token));
    expect(JSON.stringify(list.body)).not.toContain(iuie);
  });

  it('authorization matrix over the case-file routes', async () => {
    const iuie = await api.open();
    const doc = await api.fileDocument(1, 'matriz');
    await api.add(iuie, { kind: 'document', documentId: doc.id, version: 1 });
    const closedIuie = await api.open();
    await api.add(closedIuie, { kind: 'document', documentId: doc.id, version: 1 });
    await api.close(closedIuie);
    const builders = ['system', 'clerk', 'records_officer'] as const;
    const routes: MatrixRoute[] = [
      { method: 'post', path: '/v1/case-files', body: validCaseFileMetadata(), roles: builders, scope: 'collection' },
      { method: 'get', path: '/v1/case-files', roles: [], scope: 'collection' },
      { method: 'get', path: `/v1/case-files/${iuie}`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/case-files/${iuie}/entries`, roles: [], scope: 'resource' },
      { method: 'post', path: `/v1/case-files/${iuie}/entries`, body: { kind: 'link', uri: 'https://example.org/x', description: 'x' }, roles: builders, scope: 'resource' },
      { method: 'post', path: `/v1/case-files/${iuie}/entries/1/remove`, body: { reason: 'prueba de matriz' }, roles: builders, scope: 'resource' },
      { method: 'post', path: `/v1/case-files/${iuie}/close`, roles: builders, scope: 'resource' },
      { method: 'post', path: `/v1/case-files/${closedIuie}/reopen`, body: { reason: 'prueba de matriz' }, roles: builders, scope: 'resource' },
      { method: 'get', path: `/v1/case-files/${iuie}/history`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/case-files/${iuie}/index.xml`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/case-files/${iuie}/eni.xml`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/case-files/${iuie}/verify`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/case-files/${closedIuie}/export`, roles: builders, scope: 'resource' },
      { method: 'get', path: `/v1/case-files/${iuie}/receipts/1`, roles: [], scope: 'resource' },
      { method: 'post', path: `/v1/case-files/${closedIuie}/authorized-copies`, roles: builders, scope: 'resource' },
      { method: 'post', path: `/v1/documents/${doc.id}/versions/1/authorized-copies`, roles: builders, scope: 'resource' },
      { method: 'get', path: `/v1/documents/${doc.id}/versions/1/authorized-copies`, roles: [], scope: 'resource' },
      { method: 'post', path: '/v1/case-files/import', roles: ['system', 'records_officer'], scope: 'collection' },
      { method: 'post', path: '/v1/case-files/verify-package', roles: [], scope: 'collection' },
    ];
    await checkAuthMatrix({ app: t, victim: a, other: b, secrets: [iuie, closedIuie, doc.id, doc.sha256] }, routes);
    expect((await api.get(iuie)).body.state).toBe('abierto');
  });
});
