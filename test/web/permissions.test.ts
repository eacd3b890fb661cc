import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ForbiddenError } from '../../server/errors.ts';
import { defineRoute } from '../../server/http/route.ts';
import { permissionsFor } from '../../server/web/permissions.ts';

const route = (method: 'get' | 'post', path: string, roles: readonly ('clerk' | 'signer')[] | 'public') =>
  defineRoute({ method, path, summary: '', tag: 't', auth: roles === 'public' ? 'public' : { roles: roles as never }, query: z.strictObject({}), responses: {}, handler: async () => {} });

const routes = [route('get', '/v1/cosas', []), route('post', '/v1/cosas/:id/firmar', ['signer']), route('get', '/verify/:code', 'public')];
const actor = (roles: ('clerk' | 'signer')[]) => ({ principalId: 'p', agencyId: 'a', agencyCode: 'A', roles, requestId: null });

describe('permisos de la web leídos de la API', () => {
  it('allows a page or button exactly when the API route would', () => {
    const clerk = permissionsFor(routes, actor(['clerk']));
    expect(clerk.call('get', '/v1/cosas')).toBe(true);
    expect(clerk.call('post', '/v1/cosas/:id/firmar')).toBe(false);
    expect(clerk.call('get', '/verify/:code')).toBe(true);
    expect(() => clerk.require('post', '/v1/cosas/:id/firmar')).toThrow(ForbiddenError);
    expect(() => clerk.require('post', '/v1/cosas/:id/firmar')).toThrow(/signer/);
    expect(permissionsFor(routes, actor(['signer'])).call('post', '/v1/cosas/:id/firmar')).toBe(true);
  });

  it('fails loudly on a route the API does not have, so a renamed route cannot silently open a page', () => {
    expect(() => permissionsFor(routes, actor(['clerk'])).call('get', '/v1/no-existe')).toThrow(/no existe en la API/);
  });
});
