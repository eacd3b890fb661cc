import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../server/clock.ts';
import { safeReturnPath } from '../../server/features/webSessions/webSessionService.ts';
import { ForbiddenError, UnauthorizedError } from '../../server/errors.ts';
import { startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';

describe('safeReturnPath', () => {
  it('keeps paths of this site and turns everything else into /', () => {
    expect(safeReturnPath('/expedientes/EXP-1?registro=acts')).toBe('/expedientes/EXP-1?registro=acts');
    for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '', undefined, ['/a'], '/a b']) {
      expect(safeReturnPath(bad)).toBe('/');
    }
  });
});

describe.each(BACKENDS)('sesiones web (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let now = new Date('2026-11-25T12:00:00Z');
  const clock: Clock = { now: () => now };

  beforeAll(async () => {
    t = await startTestApp(backend, { clock });
    a = await t.agency('SES');
    await a.person('Pía Persona', '11111111-1', ['clerk']);
  });
  afterAll(() => t?.close());

  it('opens a session by RUN in any format, scoped to the person’s agency and roles, and audits it', async () => {
    const { token, session } = await t.services.webSessions.open({ run: '11.111.111-1', requestId: 'r1' });
    expect(session.actor).toMatchObject({ agencyId: a.id, agencyCode: 'SES', roles: ['clerk'] });
    expect(session.csrfToken).toMatch(/^[\w-]{43}$/);
    expect((await t.services.webSessions.authenticate(token, null)).actor.principalId).toBe(session.actor.principalId);
    // Only the hash of the token is stored.
    expect(await t.db.knex('web_sessions').where({ token_hash: token }).first()).toBeUndefined();
    const audit = await t.db.knex('audit_events').where({ agency_id: a.id, action: 'session.open' });
    expect(audit).toHaveLength(1);
  });

  it('refuses a RUN nobody registered, a bad RUN, an ended, an expired or a disabled session', async () => {
    await expect(t.services.webSessions.open({ run: '22222222-2', requestId: null })).rejects.toThrow(ForbiddenError);
    await expect(t.services.webSessions.open({ run: '22222222-3', requestId: null })).rejects.toThrow(/RUN inválido/);
    await expect(t.services.webSessions.authenticate('no-es-un-token', null)).rejects.toThrow(UnauthorizedError);

    const ended = await t.services.webSessions.open({ run: '11111111-1', requestId: null });
    expect(await t.services.webSessions.close(ended.token, null)).not.toBeNull();
    await expect(t.services.webSessions.authenticate(ended.token, null)).rejects.toThrow(/terminó/);
    expect(await t.services.webSessions.close(ended.token, null)).toBeNull();

    const expiring = await t.services.webSessions.open({ run: '11111111-1', requestId: null });
    now = new Date(now.getTime() + 8 * 3_600_000 + 1);
    await expect(t.services.webSessions.authenticate(expiring.token, null)).rejects.toThrow(/expiró/);

    const live = await t.services.webSessions.open({ run: '11111111-1', requestId: null });
    await t.db.knex('principals').where({ id: live.session.actor.principalId }).update({ disabled_at: now });
    await expect(t.services.webSessions.authenticate(live.token, null)).rejects.toThrow(/deshabilitada/);
    await expect(t.services.webSessions.open({ run: '11111111-1', requestId: null })).rejects.toThrow(ForbiddenError);
    await t.db.knex('principals').where({ id: live.session.actor.principalId }).update({ disabled_at: null });
  });

  it('forgets sessions a month after they ended or expired, and keeps the rest', async () => {
    const old = await t.services.webSessions.open({ run: '11111111-1', requestId: null });
    await t.services.webSessions.close(old.token, null);
    const live = await t.services.webSessions.open({ run: '11111111-1', requestId: null });
    const before = Number((await t.db.knex('web_sessions').count({ n: '*' }).first())!.n);
    now = new Date(now.getTime() + 31 * 24 * 3_600_000);
    const fresh = await t.services.webSessions.open({ run: '11111111-1', requestId: null });
    const left = await t.db.knex('web_sessions').pluck('token_hash');
    expect(left).toHaveLength(1);
    expect(before).toBeGreaterThan(1);
    expect((await t.services.webSessions.authenticate(fresh.token, null)).actor.agencyCode).toBe('SES');
    await expect(t.services.webSessions.authenticate(live.token, null)).rejects.toThrow(UnauthorizedError);
  });

  it('switches a person to another agency of the same RUN only', async () => {
    const other = await t.agency('SES2');
    const there = await other.person('Pía Persona', '11111111-1', ['archivist']);
    const stranger = await other.person('Otra Persona', '22222222-2', ['archivist']);
    const { token, session } = await t.services.webSessions.open({ run: '11111111-1', requestId: null });
    expect((await t.services.webSessions.agenciesOf(session.run)).map((x) => x.code)).toEqual(['SES', 'SES2']);
    await expect(t.services.webSessions.switchAgency(token, stranger.principalId, null)).rejects.toThrow(ForbiddenError);
    // A refused switch leaves the session as it was.
    expect((await t.services.webSessions.authenticate(token, null)).actor.agencyCode).toBe('SES');
    const moved = await t.services.webSessions.switchAgency(token, there.principalId, null);
    expect(moved.session.actor).toMatchObject({ agencyCode: 'SES2', roles: ['archivist'] });
    await expect(t.services.webSessions.authenticate(token, null)).rejects.toThrow(/terminó/);
  });

  it('hands out a sign-in’s checks once, and not after they expire', async () => {
    const checks = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '//evil.example' };
    const cookie = await t.services.webSessions.beginLogin(checks);
    expect(await t.services.webSessions.takeLogin(cookie)).toEqual({ ...checks, returnTo: '/' });
    expect(await t.services.webSessions.takeLogin(cookie)).toBeNull();
    const late = await t.services.webSessions.beginLogin(checks);
    now = new Date(now.getTime() + 11 * 60_000);
    expect(await t.services.webSessions.takeLogin(late)).toBeNull();
    expect(await t.services.webSessions.takeLogin(undefined)).toBeNull();
  });

  it('a session cookie reaches the API: reads pass, writes need the CSRF token and this site’s origin', async () => {
    const { token, session } = await t.services.webSessions.open({ run: '11111111-1', requestId: null });
    const cookie = `__Host-legajo_sesion=${token}`;
    expect((await t.request().get('/v1/case-files').set('Cookie', cookie)).status).toBe(200);
    const noToken = await t.request().post('/v1/case-files').set('Cookie', cookie).send({});
    expect(noToken.status).toBe(403);
    expect(noToken.body.detail).toMatch(/CSRF/);
    const otherSite = await t.request().post('/v1/case-files').set('Cookie', cookie).set('x-csrf-token', session.csrfToken).set('Origin', 'https://evil.example').send({});
    expect(otherSite.status).toBe(403);
    expect(otherSite.body.detail).toMatch(/otro sitio/);
    // With both, the request reaches validation (and the clerk's roles): 422 for the empty body, not 401/403.
    const valid = await t.request().post('/v1/case-files').set('Cookie', cookie).set('x-csrf-token', session.csrfToken).send({});
    expect(valid.status).toBe(422);
    // A bearer key still wins over a cookie, so systems are never subject to the browser's CSRF rules.
    expect((await t.request().post('/v1/case-files').set('Cookie', cookie).set('Authorization', `Bearer ${a.token}`).send({})).status).toBe(422);
  });
});
