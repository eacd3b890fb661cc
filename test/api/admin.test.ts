import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAuthMatrix, type MatrixRoute } from '../helpers/authMatrix.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';
import { ROLES } from '../../server/features/principals/roles.ts';

describe.each(BACKENDS)('agencias, principales y claves (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;

  beforeAll(async () => {
    t = await startTestApp(backend);
    // The victim agency's admin is also the platform operator, so it can register agencies in these tests.
    a = await t.agency('AG001', [...ROLES]);
    b = await t.agency('AG002');
  });
  afterAll(() => t.close());

  it('an operator registers an agency; its admin key works at once and is shown only in that answer', async () => {
    const res = await t.request().post('/v1/agencies').set(bearer(a.token)).send({ code: 'MINSAL01', name: 'Ministerio de Salud' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/agencies/${res.body.agency.id}`);
    expect(res.body.token).toMatch(/^lgj_live_[A-Za-z0-9_-]{43}$/);
    const me = await t.request().get('/v1/agencies').set(bearer(res.body.token));
    expect(me.status).toBe(200);
    expect(me.body.items.map((x: { code: string }) => x.code)).toEqual(['MINSAL01']);
    const keys = await t.request().get('/v1/api-keys').set(bearer(res.body.token));
    expect(keys.text).not.toContain(res.body.token);
    expect(keys.body.items[0].tokenPrefix).toBe(res.body.token.slice(0, 15));
  });

  it('stores only the SHA-256 of a key', async () => {
    const rows = await t.db.knex('api_keys').select('token_sha256');
    for (const r of rows) expect(r.token_sha256).toMatch(/^[0-9a-f]{64}$/);
    const all = JSON.stringify(await t.db.knex('api_keys').select('*'));
    expect(all).not.toContain(a.token);
  });

  it('refuses a duplicate agency code with 409 and creates nothing', async () => {
    const before = await t.db.knex('principals').count('* as c').first();
    const res = await t.request().post('/v1/agencies').set(bearer(a.token)).send({ code: 'AG002', name: 'Otra con el mismo código' });
    expect(res.status).toBe(409);
    expect(res.type).toBe('application/problem+json');
    expect(await t.db.knex('principals').count('* as c').first()).toEqual(before);
  });

  it('rejects invalid agency codes and unknown fields naming each field', async () => {
    const res = await t.request().post('/v1/agencies').set(bearer(a.token)).send({ code: 'ab 1', name: 'x', extra: 1 });
    expect(res.status).toBe(422);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['body.code', 'body.extra', 'body.name']);
    expect(await t.db.knex('agencies').where({ code: 'ab 1' }).first()).toBeUndefined();
  });

  it('only the operator may register agencies', async () => {
    const admin = await a.keyWithRoles(['admin']);
    const res = await t.request().post('/v1/agencies').set(bearer(admin.token)).send({ code: 'NOPE01', name: 'No permitido' });
    expect(res.status).toBe(403);
    expect(await t.db.knex('agencies').where({ code: 'NOPE01' }).first()).toBeUndefined();
  });

  it('creates people with a valid RUN, normalised, and rejects a wrong check digit', async () => {
    const ok = await t.request().post('/v1/principals').set(bearer(a.token)).send({ kind: 'person', name: 'Ana Pérez', run: '12.345.678-5', roles: ['clerk', 'clerk'] });
    expect(ok.status).toBe(201);
    expect(ok.body.run).toBe('12345678-5');
    expect(ok.body.roles).toEqual(['clerk']);
    const bad = await t.request().post('/v1/principals').set(bearer(a.token)).send({ kind: 'person', name: 'Ana Pérez', run: '12.345.678-9', roles: ['clerk'] });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0]).toMatchObject({ field: 'body.run' });
    expect(bad.body.errors[0].message).toMatch(/corresponde 5/);
    const noRun = await t.request().post('/v1/principals').set(bearer(a.token)).send({ kind: 'person', name: 'Sin RUN', roles: ['clerk'] });
    expect(noRun.status).toBe(422);
  });

  it('never grants the operator role through the API', async () => {
    const res = await t.request().post('/v1/principals').set(bearer(a.token)).send({ kind: 'system', name: 'escalada', roles: ['operator'] });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('body.roles.0');
  });

  it('revokes a key: it stops working at once, and revoking again changes nothing', async () => {
    const k = await a.keyWithRoles(['admin']);
    expect((await t.request().get('/v1/principals').set(bearer(k.token))).status).toBe(200);
    const rev = await t.request().post(`/v1/api-keys/${k.keyId}/revoke`).set(bearer(a.token));
    expect(rev.status).toBe(200);
    expect(rev.body.revokedAt).toBeTruthy();
    const denied = await t.request().get('/v1/principals').set(bearer(k.token));
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toMatch(/^Bearer/);
    const again = await t.request().post(`/v1/api-keys/${k.keyId}/revoke`).set(bearer(a.token));
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(rev.body.revokedAt);
    const events = await t.db.knex('audit_events').where({ action: 'api_key.revoke', target_id: k.keyId });
    expect(events).toHaveLength(1);
  });

  it('disabling a principal disables its keys', async () => {
    const k = await a.keyWithRoles(['auditor']);
    const res = await t.request().patch(`/v1/principals/${k.principalId}`).set(bearer(a.token)).send({ disabled: true });
    expect(res.status).toBe(200);
    const denied = await t.request().get('/v1/audit-events').set(bearer(k.token));
    expect(denied.status).toBe(401);
    expect(denied.body.detail).toMatch(/deshabilitado/);
  });

  it('records last use of a key', async () => {
    const k = await a.keyWithRoles(['auditor']);
    await t.request().get('/v1/audit-events').set(bearer(k.token)).expect(200);
    const row = await t.db.knex('api_keys').where({ id: k.keyId }).first();
    expect(row.last_used_at).toBeInstanceOf(Date);
  });

  it('issues keys only for principals of the same agency', async () => {
    const res = await t.request().post('/v1/api-keys').set(bearer(a.token)).send({ principalId: b.adminId, label: 'robo' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('body.principalId');
  });

  it('paginates with an opaque cursor and rejects a forged one', async () => {
    for (let i = 0; i < 3; i++) await a.keyWithRoles(['clerk']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await t
        .request()
        .get('/v1/principals')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(bearer(a.token));
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((p) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = await t.db.knex('principals').where({ agency_id: a.id }).pluck('id');
    expect(seen.sort()).toEqual(all.sort());
    const forged = await t.request().get('/v1/principals').query({ cursor: 'not-a-cursor' }).set(bearer(a.token));
    expect(forged.status).toBe(422);
    expect(forged.body.errors[0].field).toBe('query.cursor');
  });

  it('authorization matrix: every administration route', async () => {
    const victimKey = await a.keyWithRoles(['clerk']);
    const routes: MatrixRoute[] = [
      { method: 'get', path: '/v1/agencies', roles: [], scope: 'collection' },
      { method: 'post', path: '/v1/agencies', body: { code: 'MTX001', name: 'Matriz' }, roles: ['operator'], scope: 'collection' },
      { method: 'get', path: `/v1/agencies/${a.id}`, roles: [], scope: 'resource' },
      { method: 'get', path: '/v1/principals', roles: ['admin'], scope: 'collection' },
      { method: 'post', path: '/v1/principals', body: { kind: 'system', name: 'matriz', roles: ['clerk'] }, roles: ['admin'], scope: 'collection' },
      { method: 'get', path: `/v1/principals/${victimKey.principalId}`, roles: ['admin'], scope: 'resource' },
      { method: 'patch', path: `/v1/principals/${victimKey.principalId}`, body: { disabled: true }, roles: ['admin'], scope: 'resource' },
      { method: 'get', path: '/v1/api-keys', roles: ['admin'], scope: 'collection' },
      { method: 'post', path: '/v1/api-keys', body: { principalId: victimKey.principalId, label: 'x' }, roles: ['admin'], scope: 'collection' },
      { method: 'get', path: `/v1/api-keys/${victimKey.keyId}`, roles: ['admin'], scope: 'resource' },
      { method: 'post', path: `/v1/api-keys/${victimKey.keyId}/revoke`, roles: ['admin'], scope: 'resource' },
      { method: 'get', path: '/v1/audit-events', roles: ['auditor', 'admin'], scope: 'collection' },
      { method: 'get', path: '/v1/audit/verify', roles: ['auditor', 'admin'], scope: 'collection' },
    ];
    await checkAuthMatrix({ app: t, victim: a, other: b, secrets: [a.id, victimKey.principalId, victimKey.keyId, 'AG001'] }, routes);
    // The victim's key survived every attempt.
    expect((await t.db.knex('api_keys').where({ id: victimKey.keyId }).first()).revoked_at).toBeNull();
  });
});
