import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexDocumentText, metadataText } from '../../server/features/search/indexDocumentText.ts';
import { checkAuthMatrix } from '../helpers/authMatrix.ts';
import { caseFileClient } from '../helpers/caseFiles.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { makePdf } from '../helpers/pdfs.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';

interface Hit {
  id: string;
  identifier: string;
  title: string;
  score: number;
  snippet: string;
  matchedIn: { source: string; version: number };
}

describe.each(BACKENDS)('búsqueda (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;
  const docs: Record<string, { id: string; identifier: string }> = {};

  /** Files through the API, then indexes its metadata as the filing does (an upsert: harmless if already indexed). */
  async function file(agency: TestAgency, name: string, overrides: Record<string, unknown>) {
    const res = await t
      .request()
      .post('/v1/documents')
      .set(bearer(agency.token))
      .field('metadata', JSON.stringify(validMetadata(overrides)))
      .attach('file', await makePdf(1, name), `${name}.pdf`);
    expect(res.status, res.text).toBe(201);
    const d = res.body.document;
    const version = await t.db.knex('document_versions').where({ document_id: d.id, number: 1 }).first('id');
    await indexDocumentText(t.db.knex, { agencyId: agency.id, documentId: d.id, versionId: version.id, source: 'metadata', text: metadataText(d) });
    docs[name] = { id: d.id, identifier: d.identifier };
  }

  const search = (token: string, query: Record<string, string | number>) => t.request().get('/v1/search').query(query).set(bearer(token));
  const ids = (body: { items: Hit[] }) => body.items.map((h) => h.id);

  beforeAll(async () => {
    t = await startTestApp(backend);
    a = await t.agency('BUS001');
    b = await t.agency('BUS002');
    await file(a, 'resolucion', {
      MGDDE1_6: 'Resolución exenta que aprueba convenio de colaboración',
      MGDDE1_2: 'SER-01',
      MGDDE3_2: ['convenio', 'antecedentes'],
      MGDDE4_1: '2026-03-01T10:00:00Z',
      MGDDE5_1: 36,
      MGDDE62: [{ relation: 2, actorType: 1, id: '12.345.678-5', name: 'Juana Pérez Soto' }],
    });
    await file(a, 'memo', {
      MGDDE1_6: 'Memorándum sobre licitaciones <script>alert(1)</script>',
      MGDDE1_2: 'SER-02',
      MGDDE3_2: ['compras', 'antecedentes'],
      MGDDE4_1: '2026-06-01T10:00:00Z',
      MGDDE5_1: 30,
      MGDDE7_1: 2,
    });
    await file(a, 'oficio', {
      MGDDE1_6: 'Oficio de respuesta a solicitud de transparencia',
      MGDDE3_2: ['transparencia', 'antecedentes'],
      MGDDE4_1: '2026-09-01T10:00:00Z',
      MGDDE5_1: 30,
    });
    for (let i = 1; i <= 5; i++) await file(a, `informe${i}`, { MGDDE1_6: `Informe trimestral número ${i}`, MGDDE3_2: ['gestión'] });
    await file(b, 'ajeno', {
      MGDDE1_6: 'Resolución de otra agencia sobre convenio',
      MGDDE3_2: ['convenio'],
      MGDDE62: [{ relation: 2, actorType: 1, id: '12.345.678-5', name: 'Juana Pérez Soto' }],
    });
  });
  afterAll(() => t.close());

  it('folds accents and case: "resolucion" and "RESOLUCIÓN" find "Resolución", highlighted', async () => {
    for (const q of ['resolucion', 'RESOLUCIÓN']) {
      const res = await search(a.token, { q });
      expect(res.status, res.text).toBe(200);
      expect(res.body.mode).toBe('text');
      expect(ids(res.body)).toEqual([docs.resolucion!.id]);
      const [hit] = res.body.items as Hit[];
      expect(hit).toMatchObject({ identifier: docs.resolucion!.identifier, matchedIn: { source: 'metadata', version: 1 } });
      expect(hit!.snippet).toContain('<mark>Resolución</mark>');
      expect(hit!.score).toBeGreaterThan(0);
      // A list of hits never carries the full text or the metadata.
      expect(hit).not.toHaveProperty('metadata');
      expect(hit).not.toHaveProperty('text');
    }
  });

  it('stems Spanish: "convenios" finds "convenio", "licitación" finds "licitaciones"', async () => {
    expect(ids((await search(a.token, { q: 'convenios' })).body)).toEqual([docs.resolucion!.id]);
    expect(ids((await search(a.token, { q: 'licitación' })).body)).toEqual([docs.memo!.id]);
  });

  it('falls back to similarity for OCR-damaged words when the full text finds nothing', async () => {
    const res = await search(a.token, { q: 'Resoluci6n' });
    expect(res.status).toBe(200);
    expect(res.body.mode).toBe('approximate');
    expect(ids(res.body)).toEqual([docs.resolucion!.id]);
    expect(res.body.items[0].snippet).toContain('<mark>Resolución</mark>');
    expect((await search(a.token, { q: 'zzqxw' })).body).toEqual({ items: [], nextCursor: null, mode: 'approximate' });
  });

  it('matches a RUN and a document identifier whatever their formatting', async () => {
    for (const q of ['12.345.678-5', '12345678-5', '123456785']) {
      const res = await search(a.token, { q });
      expect(res.body.mode, q).toBe('text');
      expect(ids(res.body), q).toEqual([docs.resolucion!.id]);
    }
    const compact = docs.oficio!.identifier.replaceAll('-', '').toLowerCase();
    expect(ids((await search(a.token, { q: compact })).body)).toEqual([docs.oficio!.id]);
    // A different check digit is another RUN.
    expect(ids((await search(a.token, { q: '12.345.678-K' })).body)).not.toContain(docs.resolucion!.id);
  });

  it('cuts the snippet around the first match of a long OCR text', async () => {
    await file(a, 'largo', { MGDDE1_6: 'Acta digitalizada' });
    const version = await t.db.knex('document_versions').where({ document_id: docs.largo!.id, number: 1 }).first('id');
    const filler = Array.from({ length: 3000 }, (_, i) => `palabra${i % 7 === 0 ? '.' : ''}`).join(' ');
    const text = `${filler} Se dispone la EXPROPIACIÓN del predio <rol 123>. ${filler}`;
    await indexDocumentText(t.db.knex, { agencyId: a.id, documentId: docs.largo!.id, versionId: version.id, source: 'ocr', text });
    const res = await search(a.token, { q: 'expropiacion' });
    expect(ids(res.body)).toEqual([docs.largo!.id]);
    const [hit] = res.body.items as Hit[];
    expect(hit!.matchedIn).toEqual({ source: 'ocr', version: 1 });
    expect(hit!.snippet).toContain('<mark>EXPROPIACIÓN</mark> del predio &lt;rol 123&gt;');
    expect(hit!.snippet.length).toBeLessThan(1000);
  });

  it('finds a records-office number as shown, compacted or without its zero padding', async () => {
    const res = await t.request().post(`/v1/documents/${docs.memo!.id}/versions/1/number`).set(bearer(a.token));
    expect(res.status, res.text).toBe(200);
    const shown: string = res.body.registryNumber;
    const [type, year, n] = shown.split('-');
    for (const q of [shown, shown.replaceAll('-', ''), `${type}-${year}-${Number(n)}`, `${type}/${year}/${Number(n)}`]) {
      const found = await search(a.token, { q });
      expect(found.body.mode, q).toBe('text');
      expect(ids(found.body), q).toEqual([docs.memo!.id]);
      expect(found.body.items[0].matchedIn, q).toEqual({ source: 'registry', version: 1 });
    }
    // Another number of the same sequence is another document; another agency never finds it.
    expect(ids((await search(a.token, { q: `${type}-${year}-${Number(n) + 1}` })).body)).toEqual([]);
    expect(ids((await search(b.token, { q: shown })).body)).toEqual([]);
  });

  it('filters by series, type, creation date and case file', async () => {
    const q = 'antecedentes';
    expect(ids((await search(a.token, { q })).body).sort()).toEqual([docs.resolucion!.id, docs.memo!.id, docs.oficio!.id].sort());
    expect(ids((await search(a.token, { q, series: 'SER-02' })).body)).toEqual([docs.memo!.id]);
    expect(ids((await search(a.token, { q, type: 30 })).body).sort()).toEqual([docs.memo!.id, docs.oficio!.id].sort());
    expect(ids((await search(a.token, { q, from: '2026-05-01T00:00:00Z', to: '2026-07-01T00:00:00Z' })).body)).toEqual([docs.memo!.id]);
    expect((await search(a.token, { q, from: '2026-07-01T00:00:00Z', to: '2026-05-01T00:00:00Z' })).status).toBe(422);

    const api = caseFileClient(t, a.token);
    const iuie = await api.open();
    expect((await api.add(iuie, { kind: 'document', documentId: docs.oficio!.id, version: 1 })).status).toBe(201);
    expect(ids((await search(a.token, { q, caseFile: iuie })).body)).toEqual([docs.oficio!.id]);
    const unknown = await search(a.token, { q, caseFile: 'EXP-NO-EXISTE' });
    expect(unknown.status).toBe(404);
    // Another agency's case file is unknown to the caller.
    expect((await search(b.token, { q, caseFile: iuie })).status).toBe(404);
  });

  it('another agency never sees a hit', async () => {
    for (const q of ['resolucion', 'convenio', '123456785']) {
      expect(ids((await search(b.token, { q })).body), q).toEqual([docs.ajeno!.id]);
      expect(ids((await search(a.token, { q })).body), q).not.toContain(docs.ajeno!.id);
    }
    for (const q of ['licitaciones', 'licitaci0nes', docs.memo!.identifier]) {
      const res = await search(b.token, { q });
      expect(res.status).toBe(200);
      // B's own documents may resemble the query; A's never appear.
      expect(ids(res.body), q).not.toContain(docs.memo!.id);
      expect(res.text).not.toContain(docs.memo!.identifier);
    }
  });

  it('escapes user text in snippets, and records the read of a restricted document', async () => {
    const res = await search(a.token, { q: 'licitaciones' });
    const [hit] = res.body.items as Hit[];
    expect(hit!.id).toBe(docs.memo!.id);
    expect(hit!.snippet).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(hit!.snippet).not.toMatch(/<(?!\/?mark>)/);
    const events = await t.db.knex('audit_events').where({ action: 'document.search', target_id: docs.memo!.id });
    expect(events.length).toBeGreaterThan(0);
    // A public document found by a search is not recorded.
    await search(a.token, { q: 'transparencia' });
    expect(await t.db.knex('audit_events').where({ action: 'document.search', target_id: docs.oficio!.id })).toEqual([]);
  });

  it('pages with limit and cursor, best first, each hit once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await search(a.token, { q: 'informe trimestral', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status, res.text).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      const scores = (res.body.items as Hit[]).map((h) => h.score);
      expect([...scores].sort((x, y) => y - x)).toEqual(scores);
      seen.push(...ids(res.body));
      cursor = res.body.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5].map((i) => docs[`informe${i}`]!.id).sort());

    // The approximate mode pages too, without switching back to full text.
    const first = await search(a.token, { q: 'inf0rme trimestrl', limit: 2 });
    expect(first.body.mode).toBe('approximate');
    expect(first.body.nextCursor).toBeTruthy();
    const second = await search(a.token, { q: 'inf0rme trimestrl', limit: 2, cursor: first.body.nextCursor });
    expect(second.body.mode).toBe('approximate');
    expect(ids(second.body).some((id) => ids(first.body).includes(id))).toBe(false);

    for (const cursor of ['nope', Buffer.from('{"m":"text","s":1,"id":"x"}').toString('base64url')]) {
      const bad = await search(a.token, { q: 'informe', cursor });
      expect(bad.status).toBe(422);
      expect(bad.body.errors[0].field).toBe('query.cursor');
    }
  });

  it('refuses an empty, blank, missing or too long q with 422', async () => {
    const refused: Record<string, string | number>[] = [{ q: '' }, { q: '   ' }, {}, { q: 'x'.repeat(201) }, { q: 'ok', limit: 0 }, { q: 'ok', extra: 1 }];
    for (const query of refused) {
      const res = await search(a.token, query);
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.type).toBe('application/problem+json');
    }
    expect((await search(a.token, { q: 'x'.repeat(200) })).status).toBe(200);
  });

  it('authorization: 401 without a valid key, and another agency sees none of the victim', async () => {
    await checkAuthMatrix({ app: t, victim: a, other: b, secrets: [docs.resolucion!.id, docs.resolucion!.identifier] }, [
      { method: 'get', path: '/v1/search?q=resolucion', roles: [], scope: 'collection' },
    ]);
  });
});
