import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, caseFileClient, sha } from '../helpers/caseFiles.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { sharedPath } from '../helpers/sharedData.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';

const ENI_XSD = sharedPath('xsd/eni/ExpedienteEni.xsd');
const CASE_FILE_XSD = path.resolve(import.meta.dirname, '../../standards/caseFile/legajo-expediente-1.0.xsd');

interface TarFile {
  name: string;
  body: Buffer;
}

async function untar(pkg: Buffer): Promise<TarFile[]> {
  const files: TarFile[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        files.push({ name: header.name, body: Buffer.concat(chunks) });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([pkg]).pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return files;
}

async function retar(files: TarFile[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, size: f.body.length }, f.body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe.each(BACKENDS)('remisión entre órganos y copias autorizadas (%s)', (backend) => {
  let t: TestApp;
  let sender: TestAgency;
  let receiver: TestAgency;
  let out: ReturnType<typeof caseFileClient>;
  let inbox: ReturnType<typeof caseFileClient>;
  let iuie: string;
  let pkg: Buffer;
  let docs: Array<{ id: string; identifier: string; sha256: string; pdf: Buffer }>;

  const rows = async () => ({
    caseFiles: Number((await t.db.knex('case_files').where({ agency_id: receiver.id }).count<{ c: string }>('* as c').first())!.c),
    documents: Number((await t.db.knex('documents').where({ agency_id: receiver.id }).count<{ c: string }>('* as c').first())!.c),
    imports: Number((await t.db.knex('case_file_imports').count<{ c: string }>('* as c').first())!.c),
    objects: (await t.objectKeys()).length,
  });

  beforeAll(async () => {
    t = await startTestApp(backend);
    sender = await t.agency('REM001');
    receiver = await t.agency('REM002');
    out = caseFileClient(t, sender.token);
    inbox = caseFileClient(t, receiver.token);
    const inner = await out.open({ MGDEE1_5: 'Expediente acumulado' });
    const innerDoc = await out.fileDocument(2, 'acumulado');
    await out.add(inner, { kind: 'document', documentId: innerDoc.id, version: 1 });
    await out.close(inner);
    iuie = await out.open();
    docs = [await out.fileDocument(3, 'primero'), await out.fileDocument(1, 'segundo'), await out.fileDocument(2, 'retirado')];
    for (const d of docs) await out.add(iuie, { kind: 'document', documentId: d.id, version: 1 });
    await t.request().post(`/v1/case-files/${iuie}/entries/3/remove`).set(bearer(sender.token)).send({ reason: 'duplicado' });
    await out.add(iuie, { kind: 'link', uri: 'https://example.invalid/informe', description: 'Informe externo' });
    await out.add(iuie, { kind: 'case-file', iuie: inner });
    docs.push(innerDoc);
    await out.close(iuie);
    const exported = await out.exportPackage(iuie);
    expect(exported.status, exported.text).toBe(200);
    expect(exported.headers['content-type']).toBe('application/x-tar');
    pkg = exported.body;
  });
  afterAll(() => t.close());

  it('exports the sealed index first, the documents in index order and a manifest sha256sum accepts', async () => {
    const files = await untar(pkg);
    expect(files.map((f) => f.name)).toEqual([
      'indice.xml',
      'documentos/000001.pdf',
      'documentos/000002.pdf',
      'documentos/000003.pdf',
      'expedientes/000005/indice.xml',
      'expedientes/000005/documentos/000001.pdf',
      'manifiesto-sha256.txt',
    ]);
    expect(sha(files[1]!.body)).toBe(docs[0]!.sha256);
    expect(sha(files[0]!.body)).toBe((await out.get(iuie)).body.indexVersions[0].sha256);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-remision-'));
    for (const f of files) {
      await fs.mkdir(path.dirname(path.join(dir, f.name)), { recursive: true });
      await fs.writeFile(path.join(dir, f.name), f.body);
    }
    const check = spawnSync('sha256sum', ['-c', 'manifiesto-sha256.txt'], { cwd: dir, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(6);
  });

  itWithReferee('xmllint', 'the sealed index of a case file with a removed entry, a link and a nested case file validates against the XSD', async () => {
    const files = await untar(pkg);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-remision-xsd-'));
    for (const f of files.filter((x) => x.name.endsWith('indice.xml'))) {
      const file = path.join(dir, f.name.replaceAll('/', '_'));
      await fs.writeFile(file, f.body);
      const lint = spawnSync('xmllint', ['--nonet', '--noout', '--schema', CASE_FILE_XSD, file], { encoding: 'utf8' });
      expect(lint.status, `${f.name}: ${lint.stderr}`).toBe(0);
    }
    expect(files[0]!.body.toString()).toMatch(/<Retirado>[\s\S]*duplicado/);
  });

  it('another agency imports it, keeps identifiers, order, folios and provenance, and verifies it there', async () => {
    const res = await inbox.importPackage(pkg);
    expect(res.status, res.text).toBe(201);
    expect(res.body.caseFile).toMatchObject({ iuie, state: 'recibido', entryCount: 5, folioCount: 8, indexVersion: 1 });
    expect(res.body.provenance).toMatchObject({ senderAgencyCode: 'REM001', senderIuie: iuie, senderIndexVersion: 1, packageSha256: sha(pkg), packageSize: pkg.length });
    const entries = (await t.request().get(`/v1/case-files/${iuie}/entries`).set(bearer(receiver.token))).body.items;
    expect(entries.map((e: { order: number; firstFolio: number | null; removed: unknown }) => [e.order, e.firstFolio, e.removed !== null])).toEqual([
      [1, 1, false],
      [2, 4, false],
      [3, 5, true],
      [4, null, false],
      [5, 7, false],
    ]);
    expect(entries[0].document.identifier).toBe(docs[0]!.identifier);
    const verified = await inbox.verify(iuie);
    expect(verified.body.valid, JSON.stringify(verified.body.problems)).toBe(true);
    expect(verified.body.documentsHashed).toBe(4);
    const copy = await t.request().get(`/v1/documents/${entries[0].document.id}/versions/1/content`).set(bearer(receiver.token)).buffer(true).parse(binary);
    expect(sha(copy.body)).toBe(docs[0]!.sha256);
    const found = await t.request().get('/v1/search').query({ q: docs[0]!.identifier }).set(bearer(receiver.token));
    expect(found.body.items.map((i: { id: string }) => i.id)).toContain(entries[0].document.id);
    expect((await inbox.add(iuie, { kind: 'link', uri: 'https://example.org', description: 'x' })).status).toBe(409);
    expect((await inbox.reopen(iuie)).status).toBe(409);
    const events = await t.db.knex('audit_events').where({ agency_id: receiver.id, action: 'case-file.import' });
    expect(events).toHaveLength(1);
  });

  it('a re-delivery of the same package is answered with the first import and adds nothing', async () => {
    const before = await rows();
    const again = await inbox.importPackage(pkg);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.caseFile.iuie).toBe(iuie);
    expect(await rows()).toEqual(before);
  });

  const tampered: Array<[string, (files: TarFile[]) => TarFile[], RegExp]> = [
    ['one byte of a document', (f) => f.map((x) => (x.name === 'documentos/000002.pdf' ? { ...x, body: Buffer.concat([x.body.subarray(0, 100), Buffer.from('X'), x.body.subarray(101)]) } : x)), /documentos\/000002\.pdf.*SHA-256/],
    ['the order of two documents', (f) => [f[0]!, f[2]!, f[1]!, ...f.slice(3)], /fuera del orden/],
    ['the order written in the index', (f) => f.map((x) => (x.name === 'indice.xml' ? { ...x, body: Buffer.from(x.body.toString().replace('orden="1"', 'orden="9"')) } : x)), /sello/],
    ['the seal value', (f) => f.map((x) => (x.name === 'indice.xml' ? { ...x, body: Buffer.from(x.body.toString().replace(/<ds:SignatureValue>(.)/, (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`)) } : x)), /sello/],
    ['a document left out', (f) => f.filter((x) => x.name !== 'documentos/000001.pdf'), /falta en el paquete/],
    ['an extra file', (f) => [...f.slice(0, -1), { name: 'documentos/999999.pdf', body: Buffer.from('%PDF') }, f[f.length - 1]!], /no menciona/],
    ['a nested document', (f) => f.map((x) => (x.name === 'expedientes/000005/documentos/000001.pdf' ? { ...x, body: Buffer.concat([x.body, Buffer.from(' ')]) } : x)), /expedientes\/000005\/documentos/],
    ['an index with an external entity', (f) => [{ name: 'indice.xml', body: Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>') }, ...f.slice(1)], /DOCTYPE/],
    ['a billion-laughs index', (f) => [{ name: 'indice.xml', body: Buffer.from('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>') }, ...f.slice(1)], /DOCTYPE/],
    ['a package that does not start with the index', (f) => [...f.slice(1), f[0]!], /debe comenzar/],
  ];

  it.each(tampered)('refuses a package with %s, with a precise report, keeping nothing', async (_name, change, expected) => {
    const receiver2 = await t.agency(`RX${Math.random().toString(36).slice(2, 8).toUpperCase()}`);
    const before = await rows();
    const bad = await retar(change(await untar(pkg)));
    const res = await caseFileClient(t, receiver2.token).importPackage(bad);
    expect(res.status, res.text).toBe(422);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.errors.map((e: { field: string; message: string }) => `${e.field}: ${e.message}`).join('\n')).toMatch(expected);
    expect((await rows()).objects).toBe(before.objects);
    expect(Number((await t.db.knex('case_files').where({ agency_id: receiver2.id }).count<{ c: string }>('* as c').first())!.c)).toBe(0);
  });

  it('checks a package without registering it, and refuses what is not a tar', async () => {
    const report = await t.request().post('/v1/case-files/verify-package').set(bearer(receiver.token)).set('Content-Type', 'application/x-tar').send(pkg);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ valid: true, iuie, filesChecked: 5, problems: [] });
    const json = await inbox.importPackage(Buffer.from('{}'), 'application/json');
    expect(json.status).toBe(415);
    const empty = await inbox.importPackage(Buffer.alloc(0));
    expect(empty.status).toBe(422);
    const junk = await inbox.importPackage(Buffer.from('esto no es un tar'.repeat(100)));
    expect(junk.status).toBe(422);
  });

  itWithReferee('xmllint', 'exports the case file as ENI XML valid against the official schemas, with a signed index', async () => {
    const res = await t.request().get(`/v1/case-files/${iuie}/eni.xml`).set(bearer(sender.token)).buffer(true).parse(binary);
    expect(res.status, res.text).toBe(200);
    const xml = res.body.toString('utf8');
    expect(xml).toMatch(/<(\w+:)?Estado>E02<\/(\w+:)?Estado>/);
    expect(xml).toMatch(/DocumentoIndizado/);
    expect(xml).toMatch(/ds:Signature|:Signature/);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-eni-'));
    const file = path.join(dir, 'eni.xml');
    await fs.writeFile(file, res.body);
    const lint = spawnSync('xmllint', ['--nonet', '--noout', '--schema', ENI_XSD, file], { encoding: 'utf8' });
    expect(lint.status, lint.stderr).toBe(0);
  });

  it('issues authorized copies that anyone can check by code, without revealing restricted content', async () => {
    const version = await t.request().post(`/v1/documents/${docs[0]!.id}/versions/1/authorized-copies`).set(bearer(sender.token));
    expect(version.status, version.text).toBe(201);
    expect(version.body.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
    expect(version.body.verifyUrl).toBe(`https://legajo.test/verify/${version.body.code}`);
    const pdf = await t.request().get(`/v1/authorized-copies/${version.body.id}/content`).set(bearer(sender.token)).buffer(true).parse(binary);
    expect(sha(pdf.body)).toBe(version.body.sha256);

    const check = await t.request().get(`/verify/${version.body.code.toLowerCase()}`);
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({ authentic: true, identifier: docs[0]!.identifier, version: 1, issuer: { code: 'REM001' }, copy: { sha256: version.body.sha256 }, original: { sha256: docs[0]!.sha256 } });
    expect(check.headers['cache-control']).toBe('no-store');

    const caseCopy = await t.request().post(`/v1/case-files/${iuie}/authorized-copies`).set(bearer(sender.token));
    expect(caseCopy.status, caseCopy.text).toBe(201);
    const caseCheck = await t.request().get(`/verify/${caseCopy.body.code}`);
    expect(caseCheck.body).toMatchObject({ authentic: true, identifier: iuie, version: 1 });

    const unknown = await t.request().get('/verify/0000-0000-0000-0000-0000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toMatch(/no es auténtica/);
    expect((await t.request().get('/verify/no-es-un-codigo')).status).toBe(404);

    const openIuie = await out.open();
    const notSealed = await t.request().post(`/v1/case-files/${openIuie}/authorized-copies`).set(bearer(sender.token));
    expect(notSealed.status).toBe(409);
  });

  it('hides the title of a restricted record from the public check', async () => {
    const restricted = await out.open({ MGDEE6_1: 2, MGDEE1_5: 'Sumario reservado' });
    const d = await out.fileDocument(1, 'restringido');
    await out.add(restricted, { kind: 'document', documentId: d.id, version: 1 });
    await out.close(restricted);
    const copy = await t.request().post(`/v1/case-files/${restricted}/authorized-copies`).set(bearer(sender.token));
    const check = await t.request().get(`/verify/${copy.body.code}`);
    expect(check.body).toMatchObject({ authentic: true, title: null, accessLevel: 'Restringido' });
    expect(JSON.stringify(check.body)).not.toContain('Sumario reservado');
  });
});

describe('verificación pública limitada', () => {
  it('answers 429 with Retry-After once an address exceeds the per-minute limit', async () => {
    const t = await startTestApp('pglite', { verifyRateLimit: 3 });
    try {
      const codes = await Promise.all([1, 2, 3, 4].map(() => t.request().get('/verify/0000-0000-0000-0000-0000')));
      expect(codes.map((r) => r.status)).toEqual([404, 404, 404, 429]);
      const limited = codes[3]!;
      expect(limited.type).toBe('application/problem+json');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});
