import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

/**
 * The session cookie: HttpOnly, SameSite=Lax (it must come back on the top-level redirect from the identity
 * provider) and Secure with the __Host- prefix (no Domain, Path=/) wherever the browser allows it.
 */
export interface CookieJar {
  readonly sessionName: string;
  readonly loginName: string;
  set(ctx: Context, name: string, value: string, maxAgeSeconds: number): void;
  clear(ctx: Context, name: string): void;
}

export function cookieJar(secure: boolean): CookieJar {
  const attributes = (maxAge: number) => `Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  return {
    sessionName: secure ? '__Host-legajo_sesion' : 'legajo_sesion',
    loginName: secure ? '__Host-legajo_ingreso' : 'legajo_ingreso',
    // Written by hand: Koa's cookie helper refuses Secure on plain http, which browsers accept on localhost.
    set: (ctx, name, value, maxAgeSeconds) => ctx.append('Set-Cookie', `${name}=${value}; ${attributes(Math.floor(maxAgeSeconds))}`),
    clear: (ctx, name) => ctx.append('Set-Cookie', `${name}=; ${attributes(0)}`),
  };
}

export function sameToken(given: string | undefined | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A state-changing request made with the session cookie must carry the session's CSRF token, and when the browser
 * names the page it came from (Origin), that must be this site.
 */
export function csrfProblem(ctx: Context, publicOrigin: string, expected: string, given: string | undefined | null): string | null {
  const origin = ctx.get('origin');
  if (origin && origin !== publicOrigin) return `La solicitud viene de otro sitio (${origin}); por seguridad no se acepta.`;
  if (!sameToken(given, expected)) return 'Falta el código de seguridad (CSRF) de su sesión o no coincide. Recargue la página e intente de nuevo.';
  return null;
}
