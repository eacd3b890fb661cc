import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import type { Config } from '../config.ts';
import { DEV_OIDC_PATH, devOidcProvider, type DevPerson } from './devOidcProvider.ts';
import { openIdLogin, type OidcLogin } from './oidcLogin.ts';
import { cookieJar, type CookieJar } from './sessionCookie.ts';
import { LOGIN_CALLBACK_PATH } from './webRoutes.ts';

/** How people sign in to this process: cookies, the relying party and, in development, the provider itself. */
export interface WebSetup {
  cookies: CookieJar;
  /** Origin of PUBLIC_BASE_URL: the only one cookie-authenticated writes may come from. */
  publicOrigin: string;
  sessionTtlMs: number;
  login: OidcLogin | null;
  providerName: string;
  /** The development provider's handler for /dev-oidc, when it runs here. */
  devOidc: Middleware | null;
}

/** People the development provider lists on its sign-in page: the enabled persons legajo knows, with a RUN. */
function knownPeople(knex: Knex): () => Promise<DevPerson[]> {
  return async () =>
    (
      await knex('principals as p')
        .join('agencies as a', 'a.id', 'p.agency_id')
        .where('p.kind', 'person')
        .whereNotNull('p.run')
        .whereNull('p.disabled_at')
        .orderBy(['a.code', 'p.name'])
        .limit(50)
        .select('p.run', 'p.name', 'a.code as agency', 'p.roles')
    ).map((r) => ({ run: r.run, name: r.name, agency: r.agency, roles: r.roles }));
}

export async function webSetup(web: Config['web'], publicBaseUrl: string, knex: Knex): Promise<WebSetup> {
  const redirectUri = `${publicBaseUrl}${LOGIN_CALLBACK_PATH}`;
  const base = { cookies: cookieJar(web.secureCookies), publicOrigin: new URL(publicBaseUrl).origin, sessionTtlMs: web.sessionTtlMs };
  if (web.oidc) {
    return { ...base, login: openIdLogin({ ...web.oidc, redirectUri }), providerName: 'ClaveÚnica', devOidc: null };
  }
  if (!web.devOidc) return { ...base, login: null, providerName: 'ClaveÚnica', devOidc: null };
  const dev = { issuer: `${publicBaseUrl}${DEV_OIDC_PATH}`, clientId: 'legajo-dev', clientSecret: randomBytes(24).toString('base64url'), redirectUri };
  return {
    ...base,
    login: openIdLogin({ ...dev, scopes: 'openid run name' }),
    providerName: 'el proveedor de desarrollo',
    devOidc: await devOidcProvider({ ...dev, people: knownPeople(knex) }),
  };
}
