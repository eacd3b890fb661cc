import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../server/queue/JobQueue.ts';
import { caseFileClient } from '../helpers/caseFiles.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';

describe('GET /v1/transfers: las transferencias de la agencia, paginadas', () => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;
  let archivist: string;
  const created: string[] = [];
  // The builds are not run: listing only needs the registered transfers.
  const jobs: JobQueue = { enqueue: async () => null };

  const closedCaseFile = async (agency: TestAgency) => {
    const c = caseFileClient(t, agency.token);
    const iuie = await c.open();
    const d = await c.fileDocument(1, `Documento ${Math.random()}`);
    expect((await c.add(iuie, { kind: 'document', documentId: d.id, version: 1 })).status).toBe(201);
    expect((await c.close(iuie)).status).toBe(200);
    return iuie;
  };

  beforeAll(async () => {
    t = await startTestApp('pglite', { jobs });
    a = await t.agency('TLA001');
    b = await t.agency('TLB001');
    archivist = (await a.keyWithRoles(['archivist'])).token;
    for (let i = 0; i < 3; i++) {
      const iuie = await closedCaseFile(a);
      const res = await t.request().post('/v1/transfers').set(bearer(archivist)).send({ caseFiles: [iuie] });
      expect(res.status, res.text).toBe(202);
      created.push(res.body.id as string);
    }
    const otherIuie = await closedCaseFile(b);
    const other = await t.request().post('/v1/transfers').set(bearer((await b.keyWithRoles(['archivist'])).token)).send({ caseFiles: [otherIuie] });
    expect(other.status, other.text).toBe(202);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('lista las propias, la más reciente primero, página por página sin repetir ni saltar', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; text: string; body: { items: Array<{ id: string }>; nextCursor: string | null } } = await t.request().get(`/v1/transfers?limit=2${cursor ? `&cursor=${cursor}` : ''}`).set(bearer(archivist));
      expect(res.status, res.text).toBe(200);
      seen.push(...res.body.items.map((i) => i.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 5);
    expect(pages).toBe(2);
    expect(seen).toEqual([...created].reverse());
    const first = (await t.request().get('/v1/transfers?limit=1').set(bearer(archivist))).body.items[0];
    expect(first).toMatchObject({ id: created[2], state: 'queued', objid: `urn:uuid:${created[2]}`, package: null, progress: { filesDone: 0 } });
    expect(first.caseFiles).toHaveLength(1);
  });

  it('otra agencia no ve ninguna, ni siquiera con un cursor hecho de un id ajeno', async () => {
    const theirs = await t.request().get('/v1/transfers').set(bearer(b.token));
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toHaveLength(1);
    expect(JSON.stringify(theirs.body)).not.toContain(created[0]);
    const forged = Buffer.from(created[2]!).toString('base64url');
    const probe = await t.request().get(`/v1/transfers?cursor=${forged}`).set(bearer(b.token));
    expect(probe.status).toBe(422);
    expect(JSON.stringify(probe.body)).not.toContain(created[0]);
  });

  it('solo los roles que leen transferencias la consultan, y un cursor malo se explica', async () => {
    const clerk = (await a.keyWithRoles(['clerk'])).token;
    const refused = await t.request().get('/v1/transfers').set(bearer(clerk));
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/archivist/);
    const auditor = (await a.keyWithRoles(['auditor'])).token;
    expect((await t.request().get('/v1/transfers').set(bearer(auditor))).body.items).toHaveLength(3);
    const bad = await t.request().get('/v1/transfers?cursor=no-es-un-cursor').set(bearer(archivist));
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ field: 'query.cursor', message: 'cursor inválido' }]);
  });
});
