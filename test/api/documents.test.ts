import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAuthMatrix, type MatrixRoute } from '../helpers/authMatrix.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { makePdf, PNG_1x1 } from '../helpers/pdfs.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';
import { createHash } from 'node:crypto';
import type { Response } from 'superagent';
import fc from 'fast-check';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(BACKENDS)('documentos (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;

  const file = (token: string, bytes: Buffer, metadata: unknown = validMetadata(), headers: Record<string, string> = {}, name = 'doc.pdf') =>
    t
      .request()
      .post('/v1/documents')
      .set(bearer(token))
      .set(headers)
      .field('metadata', typeof metadata === 'string' ? metadata : JSON.stringify(metadata))
      .attach('file', bytes, name);

  /** Rows and objects, to prove a rejected request left nothing behind. */
  const state = async () => ({
    documents: Number((await t.db.knex('documents').count<{ c: string }>('* as c').first())!.c),
    versions: Number((await t.db.knex('document_versions').count<{ c: string }>('* as c').first())!.c),
    objects: await t.objectKeys(),
  });

  beforeAll(async () => {
    t = await startTestApp(backend, { documents: { maxUploadBytes: 512 * 1024, maxPdfPages: 20 } });
    a = await t.agency('DOC001');
    b = await t.agency('DOC002');
  });
  afterAll(() => t.close());

  it('files a PDF: identifier assigned, version 1 draft, bytes exact, receipt issued, audited', async () => {
    const pdf = await makePdf(3);
    const res = await file(a.token, pdf, validMetadata(), {}, 'resolución 123.pdf');
    expect(res.status, res.text).toBe(201);
    expect(res.body.document.identifier).toMatch(/^DOCU-\d{8}-\d{6}-DOC001$/);
    expect(res.body.document.metadata).toMatchObject({ MGDDE1_1: res.body.document.identifier, MGDDE61_1: 'DOC001', MGDDE2_2: 3, MGDDE2_3: 'application/pdf', MGDDE1_8: 'resolución 123.pdf' });
    expect(res.body.version).toMatchObject({ number: 1, status: 'draft', sha256: sha(pdf), size: pdf.length, mediaType: 'application/pdf', pageCount: 3, origin: 'upload' });
    expect(res.body.receipt.number).toMatch(/^CP-\d{4}-\d{6}$/);
    expect(res.headers.location).toBe(`/v1/documents/${res.body.document.id}/versions/1`);

    const content = await t.request().get(`/v1/documents/${res.body.document.id}/versions/1/content`).set(bearer(a.token)).buffer(true).parse(binary);
    expect(content.status).toBe(200);
    expect(Buffer.compare(content.body, pdf)).toBe(0);
    expect(content.headers.etag).toBe(`"${sha(pdf)}"`);
    expect(content.headers['content-disposition']).toContain("filename*=UTF-8''resoluci%C3%B3n%20123.pdf");

    const events = await t.db.knex('audit_events').where({ target_id: res.body.document.id, action: 'document.file' });
    expect(events).toHaveLength(1);
  });

  it('stores identical bytes once', async () => {
    const pdf = await makePdf(1, 'mismos bytes');
    const before = (await t.objectKeys()).length;
    expect((await file(a.token, pdf)).status).toBe(201);
    expect((await file(a.token, pdf)).status).toBe(201);
    const keys = await t.objectKeys();
    // One content object plus one receipt per filing.
    expect(keys.length).toBe(before + 1 + 2);
    expect(keys).toContain(`sha256/${sha(pdf).slice(0, 2)}/${sha(pdf).slice(2, 4)}/${sha(pdf)}`);
  });

  it('Idempotency-Key: a retry returns the first answer and creates nothing; another request with the key is refused', async () => {
    const pdf = await makePdf(1, 'idempotente');
    const key = { 'Idempotency-Key': `retry-${Date.now()}` };
    const first = await file(a.token, pdf, validMetadata(), key);
    expect(first.status).toBe(201);
    const before = await state();
    const retry = await file(a.token, pdf, validMetadata(), key);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.document.id).toBe(first.body.document.id);
    expect(await state()).toEqual(before);
    const other = await file(a.token, pdf, validMetadata({ MGDDE1_6: 'otro título' }), key);
    expect(other.status).toBe(422);
    expect(other.body.errors[0].field).toBe('header.Idempotency-Key');
    // The same key belongs to agency A only: agency B may use it for its own request.
    expect((await file(b.token, pdf, validMetadata(), key)).status).toBe(201);
  });

  it('rejects metadata naming each wrong field, and leaves nothing behind', async () => {
    const before = await state();
    const res = await file(
      a.token,
      await makePdf(1, 'metadatos malos'),
      validMetadata({
        MGDDE1_6: undefined,
        MGDDE3_2: [],
        MGDDE5_1: 43,
        MGDDE5_3: 3,
        MGDDE7_1: 5,
        MGDDE62: [{ relation: 2, actorType: 1, id: '12.345.678-9', name: 'Ana' }],
        MGDDE1_1: 'DOCU-PROPIO',
        MGDDE99: 'x',
      }),
    );
    expect(res.status).toBe(422);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    for (const f of ['metadata.MGDDE1_6', 'metadata.MGDDE3_2', 'metadata.MGDDE5_1', 'metadata.MGDDE7_1', 'metadata.MGDDE62.0.id', 'metadata.MGDDE1_1', 'metadata.MGDDE99']) {
      expect(fields, f).toContain(f);
    }
    // Conditional fields: digitalización requires capture date and resolution.
    const cond = await file(a.token, await makePdf(1, 'condicional'), validMetadata({ MGDDE5_3: 3 }));
    expect(cond.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['metadata.MGDDE1_7', 'metadata.MGDDE4_3']);
    const notJson = await file(a.token, await makePdf(1, 'json'), '{nope');
    expect(notJson.status).toBe(422);
    expect(notJson.body.errors[0].field).toBe('metadata');
    expect(await state()).toEqual(before);
  });

  it('rejects what is not an admissible document by its bytes, with a precise reason and nothing left behind', async () => {
    const before = await state();
    const pdf = await makePdf(2);
    const cases: Array<[string, Buffer, number, RegExp]> = [
      ['renamed', Buffer.from('MZ\x90\x00 this is not a pdf at all'), 422, /formato admitido/],
      ['truncated', pdf.subarray(0, Math.floor(pdf.length * 0.6)), 422, /truncad|incomplet/i],
      ['encrypted', await fs.readFile(new URL('../../fixtures/pdf/encrypted-user-password.pdf', import.meta.url)), 422, /cifrad/i],
      ['too many pages', await makePdf(21), 413, /páginas/],
      ['too large', Buffer.concat([pdf, Buffer.alloc(600 * 1024, 0x20)]), 413, /máximo/],
    ];
    for (const [label, bytes, status, reason] of cases) {
      const res = await file(a.token, bytes);
      expect(res.status, `${label}: ${res.text}`).toBe(status);
      expect(res.type).toBe('application/problem+json');
      expect(res.body.detail, label).toMatch(reason);
    }
    expect(await state()).toEqual(before);
  });

  it('accepts allow-listed formats other than PDF and records their media type', async () => {
    const res = await file(a.token, PNG_1x1, validMetadata(), {}, 'foto.pdf');
    expect(res.status).toBe(201);
    expect(res.body.version.mediaType).toBe('image/png');
    expect(res.body.version.pageCount).toBeNull();
  });

  it('adds versions without touching earlier ones; a final version can never change', async () => {
    const v1 = await makePdf(1, 'v1');
    const first = await file(a.token, v1);
    const id = first.body.document.id;
    const v2 = await makePdf(2, 'v2');
    const res = await t.request().post(`/v1/documents/${id}/versions`).set(bearer(a.token)).attach('file', v2, 'v2.pdf');
    expect(res.status, res.text).toBe(201);
    expect(res.body.version).toMatchObject({ number: 2, sha256: sha(v2) });
    const list = await t.request().get(`/v1/documents/${id}/versions`).set(bearer(a.token));
    expect(list.body.items.map((v: { number: number; sha256: string }) => [v.number, v.sha256])).toEqual([
      [1, sha(v1)],
      [2, sha(v2)],
    ]);
    expect((await t.request().get(`/v1/documents/${id}`).set(bearer(a.token))).body.currentVersion).toBe(2);
    // The database itself refuses content changes and deletions.
    await expect(t.db.knex('document_versions').where({ document_id: id, number: 1 }).update({ sha256: 'x' })).rejects.toThrow(/never changes/);
    await expect(t.db.knex('document_versions').where({ document_id: id, number: 1 }).delete()).rejects.toThrow(/never deleted/);
    const officer = await a.keyWithRoles(['records_officer']);
    expect((await t.request().post(`/v1/documents/${id}/versions/1/number`).set(bearer(officer.token))).status).toBe(200);
    await expect(t.db.knex('document_versions').where({ document_id: id, number: 1 }).update({ status: 'draft' })).rejects.toThrow(/final version never changes/);
  });

  it('serves ranges, ETags and conditional requests', async () => {
    const pdf = await makePdf(1, 'rangos');
    const id = (await file(a.token, pdf)).body.document.id;
    const url = `/v1/documents/${id}/versions/1/content`;
    const part = await t.request().get(url).set(bearer(a.token)).set('Range', 'bytes=0-9').buffer(true).parse(binary);
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-9/${pdf.length}`);
    expect(Buffer.compare(part.body, pdf.subarray(0, 10))).toBe(0);
    const suffix = await t.request().get(url).set(bearer(a.token)).set('Range', 'bytes=-5').buffer(true).parse(binary);
    expect(Buffer.compare(suffix.body, pdf.subarray(pdf.length - 5))).toBe(0);
    const past = await t.request().get(url).set(bearer(a.token)).set('Range', `bytes=${pdf.length}-`);
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${pdf.length}`);
    const notModified = await t.request().get(url).set(bearer(a.token)).set('If-None-Match', `"${sha(pdf)}"`);
    expect(notModified.status).toBe(304);
  });

  it('records every read of restricted or sensitive documents, and not of public ones', async () => {
    const restricted = (await file(a.token, await makePdf(1, 'restringido'), validMetadata({ MGDDE7_1: 2 }))).body.document.id;
    const sensitive = (await file(a.token, await makePdf(1, 'sensible'), validMetadata({ MGDDE7_2: 1 }))).body.document.id;
    const open = (await file(a.token, await makePdf(1, 'público'))).body.document.id;
    const reader = await a.keyWithRoles(['clerk']);
    for (const id of [restricted, sensitive, open]) {
      await t.request().get(`/v1/documents/${id}`).set(bearer(reader.token)).expect(200);
      await t.request().get(`/v1/documents/${id}/versions/1/content`).set(bearer(reader.token)).expect(200);
    }
    const reads = await t.db.knex('audit_events').where({ actor_id: reader.principalId }).select('action', 'target_id');
    expect(reads.filter((e) => e.target_id === restricted).map((e) => e.action).sort()).toEqual(['document.content.read', 'document.read']);
    expect(reads.filter((e) => e.target_id === sensitive).map((e) => e.action).sort()).toEqual(['document.content.read', 'document.read']);
    expect(reads.filter((e) => e.target_id === open)).toEqual([]);
  });

  it('numbers gap-free and uniquely under concurrent requests, per document type and year', async () => {
    const officer = await a.keyWithRoles(['records_officer']);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await file(a.token, await makePdf(1, `oficio ${i}`), validMetadata({ MGDDE5_1: 30 }))).body.document.id);
    const results = await Promise.all(ids.map((id) => t.request().post(`/v1/documents/${id}/versions/1/number`).set(bearer(officer.token))));
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 200));
    const year = new Date().getUTCFullYear();
    const numbers = results.map((r) => r.body.registryNumber).sort();
    expect(numbers).toEqual(ids.map((_id, i) => `30-${year}-${String(i + 1).padStart(6, '0')}`));
    for (const r of results) expect(r.body.version.status).toBe('final');
    const again = await t.request().post(`/v1/documents/${ids[0]}/versions/1/number`).set(bearer(officer.token));
    expect(again.status).toBe(409);
    // Another document type has its own sequence.
    const resolution = (await file(a.token, await makePdf(1, 'resolución'), validMetadata({ MGDDE5_1: 15 }))).body.document.id;
    const r = await t.request().post(`/v1/documents/${resolution}/versions/1/number`).set(bearer(officer.token));
    expect(r.body.registryNumber).toBe(`15-${year}-000001`);
  });

  it('lists with filters and cursor pagination, without metadata or content', async () => {
    const agency = await t.agency(`LST${Math.floor(Math.random() * 1e5)}`);
    for (const [title, type, series] of [
      ['Oficio sobre presupuesto', 30, 'S-01'],
      ['Resolución de personal', 36, 'S-02'],
      ['Oficio sobre obras', 30, 'S-01'],
    ] as const) {
      await file(agency.token, await makePdf(1, title), validMetadata({ MGDDE1_6: title, MGDDE5_1: type, MGDDE1_2: series }));
    }
    const list = (query: Record<string, string | number>) => t.request().get('/v1/documents').query(query).set(bearer(agency.token));
    const all = await list({ limit: 2 });
    expect(all.body.items.map((d: { title: string }) => d.title)).toEqual(['Oficio sobre obras', 'Resolución de personal']);
    expect(all.body.items[0].metadata).toBeUndefined();
    const rest = await list({ limit: 2, cursor: all.body.nextCursor });
    expect(rest.body.items.map((d: { title: string }) => d.title)).toEqual(['Oficio sobre presupuesto']);
    expect(rest.body.nextCursor).toBeNull();
    expect((await list({ type: 30 })).body.items).toHaveLength(2);
    expect((await list({ series: 'S-02' })).body.items).toHaveLength(1);
    expect((await list({ q: 'OFICIO obras' })).body.items.map((d: { title: string }) => d.title)).toEqual(['Oficio sobre obras']);
    expect((await list({ q: '100%_' })).body.items).toEqual([]);
    expect((await list({ from: '2030-01-01T00:00:00Z' })).body.items).toEqual([]);
    expect((await list({ type: 99 })).status).toBe(422);
  });

  it('answers malformed uploads precisely', async () => {
    const before = await state();
    const noFile = await t.request().post('/v1/documents').set(bearer(a.token)).field('metadata', JSON.stringify(validMetadata()));
    expect(noFile.status).toBe(422);
    expect(noFile.body.errors[0].field).toBe('file');
    const json = await t.request().post('/v1/documents').set(bearer(a.token)).send({ metadata: {} });
    expect(json.status).toBe(415);
    const twoFiles = await t
      .request()
      .post('/v1/documents')
      .set(bearer(a.token))
      .field('metadata', JSON.stringify(validMetadata()))
      .attach('file', await makePdf(1, 'uno'), 'a.pdf')
      .attach('file', await makePdf(1, 'dos'), 'b.pdf');
    expect(twoFiles.status).toBe(422);
    const unknownPart = await t.request().post('/v1/documents').set(bearer(a.token)).field('otro', 'x').attach('file', await makePdf(1, 'tres'), 'c.pdf');
    expect(unknownPart.status).toBe(422);
    const broken = await t
      .request()
      .post('/v1/documents')
      .set(bearer(a.token))
      .set('Content-Type', 'multipart/form-data; boundary=XYZ')
      .send('--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4 sin final');
    expect(broken.status).toBe(400);
    expect(await state()).toEqual(before);
  });

  it('fuzz: malformed PDFs through the upload path never crash the service or leave partial state', async () => {
    const base = await makePdf(2, 'semilla del fuzz');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 1, max: base.length - 1 }).map((n) => base.subarray(0, n)),
          fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }).map((edits) => {
            const copy = Buffer.from(base);
            for (const [at, byte] of edits) copy[at] = byte;
            return copy;
          }),
          fc.uint8Array({ minLength: 0, maxLength: 2000 }).map((bytes) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(bytes)])),
        ),
        async (bytes) => {
          const before = await state();
          const res = await file(a.token, bytes);
          expect(res.status === 201 || (res.status >= 400 && res.status < 500), `status ${res.status}: ${res.text}`).toBe(true);
          if (res.status === 201) return;
          expect(res.type).toBe('application/problem+json');
          expect(await state()).toEqual(before);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('authorization matrix: every document route', async () => {
    const filed = await file(a.token, await makePdf(1, 'matriz'));
    const id = filed.body.document.id;
    const routes: MatrixRoute[] = [
      { method: 'get', path: '/v1/documents', roles: [], scope: 'collection' },
      { method: 'post', path: '/v1/documents', roles: ['system', 'clerk', 'records_officer'], scope: 'collection' },
      { method: 'get', path: `/v1/documents/${id}`, roles: [], scope: 'resource' },
      { method: 'post', path: `/v1/documents/${id}/versions`, roles: ['system', 'clerk', 'records_officer'], scope: 'resource' },
      { method: 'get', path: `/v1/documents/${id}/versions`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/documents/${id}/versions/1`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/documents/${id}/versions/1/content`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/documents/${id}/versions/1/signatures`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/documents/${id}/versions/1/receipt`, roles: [], scope: 'resource' },
      { method: 'post', path: `/v1/documents/${id}/versions/1/number`, roles: ['records_officer'], scope: 'resource' },
      { method: 'post', path: `/v1/documents/${id}/versions/1/sign`, body: { reason: 'x', signerPost: 'y' }, roles: ['signer'], scope: 'resource' },
      { method: 'post', path: `/v1/documents/${id}/versions/1/initial`, body: { initials: 'AB' }, roles: ['reviewer'], scope: 'resource' },
    ];
    await checkAuthMatrix({ app: t, victim: a, other: b, secrets: [id, filed.body.document.identifier, filed.body.version.sha256] }, routes);
    expect((await t.request().get(`/v1/documents/${id}/versions/1`).set(bearer(a.token))).body.status).toBe('draft');
  });
});

/** supertest parser that keeps binary bodies as Buffers. */
function binary(res: Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}
