import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { DomainError, UnauthorizedError } from '../errors.ts';
import type { FixedWindowLimiter } from '../http/fixedWindowLimiter.ts';
import type { RouteDef } from '../http/route.ts';
import type { Services } from '../services.ts';
import type { WebSession } from '../features/webSessions/webSessionService.ts';
import { html, type Html } from './html.ts';
import { page, publicPage, type PageOptions } from './layout.ts';
import type { OidcLogin } from './oidcLogin.ts';
import { permissionsFor, type Permissions } from './permissions.ts';
import { readFormBody } from './readFormBody.ts';
import { csrfProblem, type CookieJar } from './sessionCookie.ts';
import { WEB_PAGES } from './pages/index.ts';
import { verifyPage } from './pages/verifyPage.ts';

export const LOGIN_CALLBACK_PATH = '/ingresar/retorno';

export interface WebDeps {
  services: Services;
  /** The API's route definitions: pages and buttons are allowed exactly as the API calls they make. */
  routes: readonly RouteDef[];
  cookies: CookieJar;
  /** This site's origin as people reach it (PUBLIC_BASE_URL): requests from any other origin are refused. */
  publicOrigin: string;
  sessionTtlMs: number;
  /** The identity provider, or null when none is configured (people cannot sign in; the API still works). */
  login: OidcLogin | null;
  providerName: string;
  verifyLimiter: FixedWindowLimiter;
  /** Sign-ins started per minute and address: each one keeps a row until it returns or expires. */
  loginLimiter: FixedWindowLimiter;
}

/** What a signed-in page handler gets. */
export interface WebRequest {
  ctx: Context;
  session: WebSession;
  can: Permissions;
  services: Services;
  /** The whole page around the handler's content. */
  render(opts: PageOptions): Html;
}

/** A page of the web application: GET only; everything it changes goes through the API with the session. */
export interface WebPage {
  path: string;
  handler: (w: WebRequest) => Promise<Html>;
}

/** Pages may run scripts and styles of this site only, and nothing else: no inline code, no other origins. */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const ASSET_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const PDFJS_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'build');

/** Only these files are served, by name: no request path ever reaches the filesystem. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'legajo.css': { file: path.join(ASSET_DIR, 'legajo.css'), type: 'text/css; charset=utf-8' },
  'legajo.js': { file: path.join(ASSET_DIR, 'legajo.js'), type: 'text/javascript; charset=utf-8' },
  'pdf.min.mjs': { file: path.join(PDFJS_DIR, 'pdf.min.mjs'), type: 'text/javascript; charset=utf-8' },
  'pdf.worker.min.mjs': { file: path.join(PDFJS_DIR, 'pdf.worker.min.mjs'), type: 'text/javascript; charset=utf-8' },
};

function sendPage(ctx: Context, body: Html, status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', PAGE_CSP);
  // The API's no-referrer would make the browser send "Origin: null" on this site's own form posts and fetches.
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body.value;
}

function errorPage(err: DomainError): Html {
  const next =
    err.status === 403 ? 'Si cree que debería tener acceso, pida al administrador de su agencia los roles necesarios.'
    : err.status === 404 ? 'Revise el enlace o búsquelo desde la bandeja o la búsqueda.'
    : err.status === 410 ? 'El contenido fue eliminado conforme a una disposición aprobada; sus metadatos se conservan.'
    : 'Vuelva atrás y corrija lo indicado.';
  return html`<p class="aviso error">${err.message}</p><p>${next}</p><p><a href="/">Ir al inicio</a></p>`;
}

/** A person who follows a broken link gets a page, not a problem document; programs still get the problem. */
export function webNotFound(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined || ctx.method !== 'GET' || ctx.accepts('json', 'html') !== 'html') return;
    sendPage(
      ctx,
      publicPage({ title: 'Página no encontrada', body: html`<p class="aviso error">No existe la página ${ctx.path}.</p><p>Revise la dirección o vuelva al <a href="/">inicio</a>.</p>` }),
      404,
    );
  };
}

export function webRoutes(deps: WebDeps): Router {
  const router = new Router();

  async function currentSession(ctx: Context): Promise<WebSession | null> {
    const token = ctx.cookies.get(deps.cookies.sessionName);
    if (!token) return null;
    return deps.services.webSessions.authenticate(token, ctx.state.requestId).catch((err: unknown) => {
      if (err instanceof UnauthorizedError) return null;
      throw err;
    });
  }

  for (const p of WEB_PAGES) {
    router.get(p.path, async (ctx) => {
      const session = await currentSession(ctx);
      if (!session) {
        ctx.redirect(`/ingresar?volver=${encodeURIComponent(ctx.originalUrl)}`);
        return;
      }
      const can = permissionsFor(deps.routes, session.actor);
      ctx.state.log = ctx.state.log.child({ principalId: session.actor.principalId, agencyId: session.actor.agencyId });
      const agencies = await deps.services.webSessions.agenciesOf(session.run);
      const w: WebRequest = { ctx, session, can, services: deps.services, render: (opts) => page(session, can, agencies, opts) };
      try {
        sendPage(ctx, await p.handler(w));
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        sendPage(ctx, page(session, can, agencies, { title: err.title, body: errorPage(err) }), err.status);
      }
    });
  }

  router.get('/', async (ctx) => {
    if (await currentSession(ctx)) return ctx.redirect('/bandeja');
    const signedOut = ctx.query.salida === '1';
    sendPage(
      ctx,
      publicPage({
        title: 'legajo',
        body: html`${signedOut ? html`<p class="aviso ok" role="status">Cerró su sesión.</p>` : ''}
<p>Expedientes electrónicos, comunicaciones oficiales, digitalización y archivo de su institución.</p>
${deps.login
  ? html`<p><a class="boton" href="/ingresar">Ingresar con ${deps.providerName}</a></p>`
  : html`<p class="aviso error">El ingreso de personas no está configurado. La administración debe definir OIDC_ISSUER, OIDC_CLIENT_ID y OIDC_CLIENT_SECRET.</p>`}
<p>¿Recibió una copia autorizada? Verifíquela con el enlace o código impreso en ella.</p>`,
      }),
    );
  });

  router.get('/ingresar', async (ctx) => {
    if (!deps.login) return ctx.redirect('/');
    try {
      deps.loginLimiter.take(ctx.ip);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return sendPage(ctx, publicPage({ title: 'Demasiados intentos de ingreso', body: html`<p class="aviso error">${err.message}</p>` }), err.status);
    }
    const volver = typeof ctx.query.volver === 'string' ? ctx.query.volver : '/bandeja';
    const { url, checks } = await deps.login.start(volver);
    const cookie = await deps.services.webSessions.beginLogin(checks);
    deps.cookies.set(ctx, deps.cookies.loginName, cookie, 600);
    ctx.redirect(url.href);
  });

  router.get(LOGIN_CALLBACK_PATH, async (ctx) => {
    const fail = (message: string, status: number) =>
      sendPage(ctx, publicPage({ title: 'No se pudo ingresar', body: html`<p class="aviso error">${message}</p><p><a class="boton" href="/ingresar">Intentar de nuevo</a></p>` }), status);
    if (!deps.login) return ctx.redirect('/');
    const checks = await deps.services.webSessions.takeLogin(ctx.cookies.get(deps.cookies.loginName));
    deps.cookies.clear(ctx, deps.cookies.loginName);
    if (!checks) return fail('Este ingreso expiró o ya fue usado. Vuelva a ingresar.', 400);
    if (typeof ctx.query.error === 'string') {
      return fail(`El proveedor de identidad no autorizó el ingreso (${String(ctx.query.error_description ?? ctx.query.error)}).`, 401);
    }
    let who: { run: string };
    try {
      who = await deps.login.finish(new URL(ctx.originalUrl, deps.publicOrigin), checks);
    } catch (err) {
      if (err instanceof DomainError) return fail(err.message, err.status);
      ctx.state.log.warn({ err }, 'ingreso OIDC rechazado');
      return fail('La respuesta del proveedor de identidad no es válida. Vuelva a ingresar.', 401);
    }
    try {
      const { token } = await deps.services.webSessions.open({ ...who, requestId: ctx.state.requestId });
      deps.cookies.set(ctx, deps.cookies.sessionName, token, deps.sessionTtlMs / 1000);
    } catch (err) {
      if (err instanceof DomainError) return fail(err.message, err.status);
      throw err;
    }
    ctx.redirect(checks.returnTo === '/' ? '/bandeja' : checks.returnTo);
  });

  router.post('/cambiar-agencia', async (ctx) => {
    const token = ctx.cookies.get(deps.cookies.sessionName);
    const session = await currentSession(ctx);
    if (!session || !token) return ctx.redirect('/ingresar');
    const form = await readFormBody(ctx, 4096);
    const problem = csrfProblem(ctx, deps.publicOrigin, session.csrfToken, form.get('_csrf'));
    const refuse = async (message: string) =>
      sendPage(ctx, page(session, permissionsFor(deps.routes, session.actor), await deps.services.webSessions.agenciesOf(session.run), { title: 'No se cambió de agencia', body: html`<p class="aviso error">${message}</p><p><a href="/bandeja">Volver</a></p>` }), 403);
    if (problem) return await refuse(problem);
    try {
      const next = await deps.services.webSessions.switchAgency(token, form.get('principal') ?? '', ctx.state.requestId);
      deps.cookies.set(ctx, deps.cookies.sessionName, next.token, deps.sessionTtlMs / 1000);
    } catch (err) {
      if (err instanceof DomainError) return await refuse(err.message);
      throw err;
    }
    ctx.status = 303;
    ctx.redirect('/bandeja');
  });

  router.post('/salir', async (ctx) => {
    const token = ctx.cookies.get(deps.cookies.sessionName);
    const session = await currentSession(ctx);
    if (session && token) {
      const form = await readFormBody(ctx, 4096);
      const problem = csrfProblem(ctx, deps.publicOrigin, session.csrfToken, form.get('_csrf'));
      if (problem) {
        return sendPage(ctx, publicPage({ title: 'No se cerró la sesión', body: html`<p class="aviso error">${problem}</p><p><a href="/bandeja">Volver</a></p>` }), 403);
      }
      await deps.services.webSessions.close(token, ctx.state.requestId);
    }
    deps.cookies.clear(ctx, deps.cookies.sessionName);
    ctx.status = 303;
    ctx.redirect('/?salida=1');
  });

  // A person who scans the link printed on a copy gets a page; programs asking for JSON get the API's answer.
  router.get('/verify/:code', async (ctx, next) => {
    if (ctx.accepts('json', 'html') !== 'html') return next();
    const { status, body } = await verifyPage(deps.services, deps.verifyLimiter, ctx.params.code!, ctx.ip);
    sendPage(ctx, body, status);
  });

  router.get('/assets/:name', async (ctx) => {
    const asset = ASSETS[ctx.params.name!];
    if (!asset) return;
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = createReadStream(asset.file);
  });

  return router;
}
