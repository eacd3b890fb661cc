import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';

describe.each(BACKENDS)('errores como problem+json (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  const countRows = async () => Number((await t.db.knex('principals').count<{ c: string }>('* as c').first())!.c);

  beforeAll(async () => {
    t = await startTestApp(backend, { jsonBodyLimit: 1024 });
    a = await t.agency('ERR001');
  });
  afterAll(() => t.close());

  it('unknown routes are 404 problems, with the request id echoed', async () => {
    const res = await t.request().get('/v1/nada').set('X-Request-Id', 'prueba-123456');
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: 'urn:legajo:problem:not-found', status: 404, instance: '/v1/nada', requestId: 'prueba-123456' });
    expect(res.headers['x-request-id']).toBe('prueba-123456');
  });

  it('replaces an unsafe request id instead of echoing it', async () => {
    const res = await t.request().get('/healthz').set('X-Request-Id', '<script>');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a wrong method is 405 with Allow', async () => {
    const res = await t.request().delete('/v1/agencies').set(bearer(a.token));
    expect(res.status).toBe(405);
    expect(res.type).toBe('application/problem+json');
    expect(res.headers.allow).toContain('GET');
  });

  it('a malformed id is 404, not a database error', async () => {
    const res = await t.request().get('/v1/principals/not-a-uuid').set(bearer(a.token));
    expect(res.status).toBe(404);
  });

  it('malformed JSON is 400 and writes nothing', async () => {
    const before = await countRows();
    const res = await t.request().post('/v1/principals').set(bearer(a.token)).set('Content-Type', 'application/json').send('{"kind": "system",');
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/JSON/);
    expect(await countRows()).toBe(before);
  });

  it('an empty body is 400', async () => {
    const res = await t.request().post('/v1/principals').set(bearer(a.token)).set('Content-Type', 'application/json');
    expect(res.status).toBe(400);
  });

  it('a non-JSON content type is 415', async () => {
    const res = await t.request().post('/v1/principals').set(bearer(a.token)).set('Content-Type', 'text/plain').send('kind=system');
    expect(res.status).toBe(415);
    expect(res.body.detail).toMatch(/application\/json/);
  });

  it('an oversized body is 413, declared or streamed, and writes nothing', async () => {
    const before = await countRows();
    const big = { kind: 'system', name: 'x'.repeat(4000), roles: ['clerk'] };
    const declared = await t.request().post('/v1/principals').set(bearer(a.token)).send(big);
    expect(declared.status).toBe(413);
    expect(declared.type).toBe('application/problem+json');
    // Chunked, with no Content-Length: the limit is enforced while reading.
    const streamed = await postChunked(t, '/v1/principals', a.token, JSON.stringify(big));
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).status).toBe(413);
    expect(await countRows()).toBe(before);
  });

  it('a JSON array or scalar where an object is expected is 422', async () => {
    const res = await t.request().post('/v1/principals').set(bearer(a.token)).send([1, 2]);
    expect(res.status).toBe(422);
  });

  it('query validation names the parameter', async () => {
    const res = await t.request().get('/v1/principals').query({ limit: 0, foo: 1 }).set(bearer(a.token));
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['query.foo', 'query.limit']);
  });

  it('a malformed Authorization header is 401 with a hint', async () => {
    const res = await t.request().get('/v1/agencies').set('Authorization', 'Basic abc');
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/Bearer/);
  });

  it('sets security headers on every answer', async () => {
    const res = await t.request().get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });
});

describe('errores internos', () => {
  it('a 500 says what to do and leaks nothing internal', async () => {
    const t = await startTestApp('pglite');
    const a = await t.agency('ERR500');
    await t.db.knex.destroy(); // every query now fails inside the handler
    const res = await t.request().get('/v1/principals').set(bearer(a.token));
    expect(res.status).toBe(500);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.detail).toContain(res.body.requestId);
    expect(res.text).not.toMatch(/knex|pool|stack|at .*\.ts/i);
    const ready = await t.request().get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.detail).toMatch(/database/);
    await t.close().catch(() => {});
  });
});

/** A body sent in chunks without Content-Length, through a real socket. */
async function postChunked(t: TestApp, path: string, token: string, body: string): Promise<{ status: number; body: string }> {
  const server = http.createServer(t.app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      for (let i = 0; i < body.length; i += 500) req.write(body.slice(i, i + 500));
      req.end();
    });
  } finally {
    server.close();
  }
}
