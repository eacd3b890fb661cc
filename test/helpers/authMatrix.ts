import { expect } from 'vitest';
import type { Role } from '../../server/features/principals/roles.ts';
import { ROLES } from '../../server/features/principals/roles.ts';
import { bearer, type TestAgency, type TestApp } from './testApp.ts';

/**
 * One protected route, described so the matrix can call it as each kind of unwelcome caller. Later features add
 * their routes to the lists their tests pass to `checkAuthMatrix`.
 */
export interface MatrixRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Path of a resource owned by the victim agency (built from its fixtures). */
  path: string;
  body?: unknown;
  /** Roles any one of which is allowed; empty = any authenticated principal. */
  roles: readonly Role[];
  /**
   * `resource`: the path names one of the victim's records; another agency must get 404, exactly as if it did not exist.
   * `collection`: another agency acts on its own records; the answer must not mention the victim's.
   */
  scope: 'resource' | 'collection';
}

export interface MatrixFixture {
  app: TestApp;
  victim: TestAgency;
  other: TestAgency;
  /** Strings that must never appear in an answer given to another agency (the victim's ids, codes...). */
  secrets: string[];
}

async function auditCount(app: TestApp, agencyId: string): Promise<number> {
  const row = await app.db.knex('audit_events').where({ agency_id: agencyId }).count<{ c: string | number }>('* as c').first();
  return Number(row?.c ?? 0);
}

function send(app: TestApp, r: MatrixRoute, headers: Record<string, string>) {
  const req = app.request()[r.method](r.path).set(headers);
  return r.body === undefined ? req : req.send(r.body as object);
}

/** Every route × {no key, revoked key, wrong role, other agency} → 401/401/403/404, writing nothing. */
export async function checkAuthMatrix(fx: MatrixFixture, routes: MatrixRoute[]): Promise<void> {
  const revoked = await fx.victim.keyWithRoles([...ROLES]);
  await fx.app.services.apiKeys.revoke({ agencyId: fx.victim.id, principalId: null, requestId: null }, revoked.keyId);
  const before = await auditCount(fx.app, fx.victim.id);

  for (const r of routes) {
    const label = `${r.method.toUpperCase()} ${r.path}`;

    const none = await send(fx.app, r, {});
    expect(none.status, `${label} sin clave`).toBe(401);
    expect(none.type, `${label} sin clave`).toBe('application/problem+json');

    const garbage = await send(fx.app, r, bearer('lgj_live_no-existe'));
    expect(garbage.status, `${label} clave inexistente`).toBe(401);

    const rev = await send(fx.app, r, bearer(revoked.token));
    expect(rev.status, `${label} clave revocada`).toBe(401);
    expect(rev.body.detail, `${label} clave revocada`).toMatch(/revocada/);

    if (r.roles.length) {
      const wrong = ROLES.filter((role) => !r.roles.includes(role));
      const k = await fx.victim.keyWithRoles(wrong);
      const res = await send(fx.app, r, bearer(k.token));
      expect(res.status, `${label} rol incorrecto`).toBe(403);
      expect(res.type).toBe('application/problem+json');
    }

    const foreign = await send(fx.app, r, bearer(fx.other.token));
    if (r.scope === 'resource') {
      expect(foreign.status, `${label} otra agencia`).toBe(404);
    } else {
      expect(foreign.status, `${label} otra agencia`).toBeLessThan(500);
    }
    // The caller's own path (echoed as the problem's `instance`) is not a leak; anything else of the victim's is.
    const answer = foreign.text.replaceAll(r.path, '');
    for (const secret of fx.secrets) expect(answer, `${label} otra agencia no debe ver ${secret}`).not.toContain(secret);
  }
  // Creating the wrong-role keys wrote audit events of their own; count those out.
  const extraKeys = routes.filter((r) => r.roles.length).length;
  expect(await auditCount(fx.app, fx.victim.id)).toBe(before + extraKeys * 2);
}
