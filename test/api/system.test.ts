import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

describe('health, readiness and API description', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  it('serves /healthz and /readyz without a key', async () => {
    expect((await t.request().get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.request().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok', objectStore: 'ok' });
  });

  it('describes every route in OpenAPI 3.1, with the schemas that validate requests', async () => {
    const res = await t.request().get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const post = res.body.paths['/v1/principals'].post;
    expect(post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(post.responses['422']).toBeDefined();
    expect(post.responses['403']).toBeDefined();
    expect(res.body.paths['/v1/api-keys/{id}/revoke'].post.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(res.body.paths['/healthz'].get.security).toEqual([]);
    // Every $ref resolves inside the document.
    for (const ref of res.text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect(res.body.components.schemas[ref[1]!], ref[1]).toBeDefined();
    }
  });

  it('serves /docs offline under a CSP that forbids inline scripts', async () => {
    const page = await t.request().get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/docs/init.js');
    expect(page.text).not.toMatch(/<script>[^<]/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const bundle = await t.request().get('/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect((await t.request().get('/docs/../package.json')).status).toBe(404);
  });
});
