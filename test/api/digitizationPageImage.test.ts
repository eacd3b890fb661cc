import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../server/queue/JobQueue.ts';
import { checkAuthMatrix } from '../helpers/authMatrix.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { multiPageTiff, renderTextPage } from '../ocr/renderFixture.ts';

const capture = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ device: 'Fujitsu fi-7160', dpi: 100, colorMode: 'gris', operator: 'Ana Rojas', declaredPages: 2, title: 'Solicitud presentada en papel', ...overrides });

// The OCR never runs here: the image is the scan's, whatever its recognition.
const noQueue: JobQueue = { enqueue: async () => null };

describe('imagen de una página digitalizada (GET /v1/digitizations/:id/pages/:n/image)', () => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;
  let id: string;
  let wideId: string;

  beforeAll(async () => {
    t = await startTestApp('pglite', { jobs: noQueue });
    a = await t.agency('IMG001');
    b = await t.agency('IMG002');
    const pages = await Promise.all(['Primera hoja', 'Segunda hoja'].map((line) => renderTextPage([line], { dpi: 100 })));
    const res = await t.request().post('/v1/digitizations').set(bearer(a.token)).field('capture', capture()).attach('file', await multiPageTiff(pages), 'escaneo.tif');
    expect(res.status, res.text).toBe(202);
    id = res.body.id;
    // A page wider than a screen needs: sent reduced.
    const wide = await sharp({ create: { width: 3000, height: 1000, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const wideRes = await t.request().post('/v1/digitizations').set(bearer(a.token)).field('capture', capture({ declaredPages: 1 })).attach('file', wide, 'plano.png');
    expect(wideRes.status, wideRes.text).toBe(202);
    wideId = wideRes.body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const image = (token: string, n: number | string, digitization = id) =>
    t
      .request()
      .get(`/v1/digitizations/${digitization}/pages/${n}/image`)
      .set(bearer(token))
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });

  it('devuelve cada página en PNG, la ancha reducida para la pantalla', async () => {
    const first = await image(a.token, 1);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('image/png');
    expect(first.headers['cache-control']).toBe('private, no-store');
    const firstMeta = await sharp(first.body as Buffer).metadata();
    expect(firstMeta.format).toBe('png');
    // The text page was rendered at 100 dpi on A4: 850 px wide, sent as it is.
    expect(firstMeta.width).toBe(850);

    const second = await image(a.token, 2);
    expect(second.status).toBe(200);
    expect((await sharp(second.body as Buffer).metadata()).width).toBe(850);
    expect(Buffer.compare(first.body as Buffer, second.body as Buffer)).not.toBe(0);

    const reduced = await image(a.token, 1, wideId);
    expect(reduced.status).toBe(200);
    const meta = await sharp(reduced.body as Buffer).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 1400 });
    expect(meta.height).toBe(467);
  });

  it('una página que no existe, una digitalización de otra agencia o un id mal formado no se encuentran', async () => {
    const missing = await image(a.token, 3);
    expect(missing.status).toBe(404);
    expect(JSON.parse((missing.body as Buffer).toString()).detail).toMatch(/no tiene página 3/);
    const foreign = await image(b.token, 1);
    expect(foreign.status).toBe(404);
    expect(JSON.parse((foreign.body as Buffer).toString()).detail).toMatch(/No existe una digitalización con ese id en su agencia/);
    // A malformed id or page number names nothing that can exist: not found, as everywhere in the API.
    expect((await image(a.token, 1, 'no-es-un-id')).status).toBe(404);
    expect((await t.request().get(`/v1/digitizations/${id}/pages/1/image`)).status).toBe(401);
  });

  it('leer la imagen de un documento restringido queda registrado', async () => {
    const res = await t.request().post('/v1/digitizations').set(bearer(a.token)).field('capture', capture({ declaredPages: 1, accessLevel: 2 })).attach('file', await renderTextPage(['Reservado'], { dpi: 100 }), 'hoja.png');
    expect(res.status, res.text).toBe(202);
    expect((await image(a.token, 1, res.body.id)).status).toBe(200);
    const read = await t.db.knex('audit_events').where({ action: 'document.version.read', target_id: res.body.documentId }).first();
    expect(read?.data).toMatchObject({ version: 1 });
  });

  it('está descrita en OpenAPI', async () => {
    const doc = (await t.request().get('/openapi.json')).body;
    const op = doc.paths['/v1/digitizations/{id}/pages/{n}/image'].get;
    expect(op.summary).toMatch(/^Imagen de una página digitalizada/);
    expect(op.responses['200'].description).toBe('La página en PNG');
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'n']);
  });

  it('matriz de autorización de la imagen de página', async () => {
    const { documentId } = (await t.request().get(`/v1/digitizations/${id}`).set(bearer(a.token))).body;
    await checkAuthMatrix({ app: t, victim: a, other: b, secrets: [id, documentId] }, [{ method: 'get', path: `/v1/digitizations/${id}/pages/1/image`, roles: [], scope: 'resource' }]);
  });
});
