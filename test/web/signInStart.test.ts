import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

describe('comienzo del ingreso (sin navegador)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', { web: true });
  });
  afterAll(() => t?.close());

  it('sends the browser to the provider with PKCE, state, nonce and prompt=login, and keeps only a hash of its cookie', async () => {
    const res = await t.request().get('/ingresar?volver=%2Fexpedientes');
    expect(res.status).toBe(302);
    const to = new URL(res.headers.location!);
    expect(to.origin + to.pathname).toBe(`${t.baseUrl}/dev-oidc/auth`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({ response_type: 'code', code_challenge_method: 'S256', prompt: 'login', scope: 'openid run name', redirect_uri: `${t.baseUrl}/ingresar/retorno` });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-legajo_ingreso=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/);
    const value = /=([\w-]{43});/.exec(cookie)![1]!;
    const row = await t.db.knex('web_logins').first();
    expect(row.state).toBe(to.searchParams.get('state'));
    expect(row.return_to).toBe('/expedientes');
    expect(row.id_hash).not.toBe(value);
  });

  it('a callback without its sign-in, or with a provider error, says what to do and opens no session', async () => {
    const stray = await t.request().get('/ingresar/retorno?code=x&state=y');
    expect(stray.status).toBe(400);
    expect(stray.text).toContain('Este ingreso expiró o ya fue usado');
    expect(Number((await t.db.knex('web_sessions').count({ n: '*' }).first())!.n)).toBe(0);
  });

  it('one address may start only so many sign-ins a minute', async () => {
    let last = 0;
    for (let i = 0; i < 31; i++) last = (await t.request().get('/ingresar')).status;
    expect(last).toBe(429);
    const refused = await t.request().get('/ingresar');
    expect(refused.text).toContain('Demasiadas solicitudes de ingreso desde su dirección');
    expect(Number((await t.db.knex('web_logins').count({ n: '*' }).first())!.n)).toBeLessThanOrEqual(30);
  });
});
