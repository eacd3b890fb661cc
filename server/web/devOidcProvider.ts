import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Configuration } from 'oidc-provider';
import { parseRun } from '../../standards/chile/run.ts';
import { html } from './html.ts';
import { publicPage } from './layout.ts';
import { readFormBody } from './readFormBody.ts';

export const DEV_OIDC_PATH = '/dev-oidc';

/** A person the development provider lists on its sign-in page (any valid RUN can sign in). */
export interface DevPerson {
  run: string;
  name: string;
  agency: string;
  roles: readonly string[];
}

export interface DevOidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** People to suggest on the sign-in page: those legajo knows, so a developer can pick one. */
  people: () => Promise<DevPerson[]>;
}

/**
 * A real OpenID Connect provider (oidc-provider) for development and tests, inside the same process under
 * /dev-oidc, so the sign-in flow is the real one with only the password check left out. It answers as ClaveÚnica
 * does: the RUN in `RolUnico` and the name in `name`, for the scopes `run` and `name`.
 */
export async function devOidcProvider(settings: DevOidcSettings): Promise<Middleware> {
  // Loaded only where it runs: production processes never import the development provider.
  const { default: Provider } = await import('oidc-provider');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const configuration: Configuration = {
    clients: [
      {
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
        redirect_uris: [settings.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'dev', use: 'sig', alg: 'RS256' } as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], run: ['RolUnico'], name: ['name'] },
    scopes: ['openid', 'run', 'name'],
    features: { devInteractions: { enabled: false } },
    // Short lives: this provider keeps everything in memory and only ever serves a sign-in.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    interactions: { url: (_ctx, interaction) => `${DEV_OIDC_PATH}/interaccion/${interaction.uid}` },
    // legajo is the provider's only, first-party client: the person is not asked to consent to it.
    loadExistingGrant: async (ctx) => {
      const oidc = ctx.oidc;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
      if (grantId) return oidc.provider.Grant.find(grantId);
      const grant = new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope('openid run name');
      await grant.save();
      return grant;
    },
    findAccount: (_ctx, sub) => {
      const parsed = parseRun(sub);
      if (!parsed.ok) return undefined;
      const [numero, dv] = parsed.normalized.split('-');
      return {
        accountId: parsed.normalized,
        claims: async () => {
          const person = (await settings.people()).find((p) => p.run === parsed.normalized);
          const [nombres, ...apellidos] = (person?.name ?? 'Persona de prueba').split(' ');
          return { sub: parsed.normalized, RolUnico: { numero: Number(numero), DV: dv, tipo: 'RUN' }, name: { nombres: [nombres], apellidos } };
        },
      };
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = publicPage({
        title: 'Error del proveedor de identidad',
        body: html`<p class="aviso error">${out.error_description ?? out.error}</p><p><a href="/">Volver al inicio</a> e intente ingresar de nuevo.</p>`,
      }).value;
    },
  };
  const provider = new Provider(settings.issuer, configuration);
  provider.proxy = true;
  const handle = provider.callback();

  async function interactionPage(ctx: Context, uid: string, problem: string | null): Promise<void> {
    const people = await settings.people();
    ctx.type = 'html';
    ctx.body = publicPage({
      title: 'Proveedor de identidad de desarrollo',
      body: html`<p>Este proveedor reemplaza a ClaveÚnica en desarrollo y pruebas: acepta cualquier RUN válido con cualquier clave.</p>
${problem ? html`<p class="aviso error" role="alert">${problem}</p>` : ''}
<form method="post" action="${DEV_OIDC_PATH}/interaccion/${uid}" class="formulario">
  <label for="run">RUN</label>
  <input id="run" name="run" autocomplete="username" required aria-describedby="run-ayuda">
  <p id="run-ayuda" class="ayuda">Con dígito verificador, por ejemplo 11.111.111-1.</p>
  <label for="clave">Clave</label>
  <input id="clave" name="clave" type="password" autocomplete="current-password" required>
  <button type="submit">Ingresar</button>
</form>
${people.length
  ? html`<h2>Personas de prueba</h2><table><caption>Personas registradas en legajo</caption><thead><tr><th scope="col">RUN</th><th scope="col">Nombre</th><th scope="col">Agencia</th><th scope="col">Roles</th></tr></thead>
<tbody>${people.map((p) => html`<tr><td>${p.run}</td><td>${p.name}</td><td>${p.agency}</td><td>${p.roles.join(', ')}</td></tr>`)}</tbody></table>`
  : ''}`,
    }).value;
  }

  return async (ctx, next) => {
    if (ctx.path !== DEV_OIDC_PATH && !ctx.path.startsWith(`${DEV_OIDC_PATH}/`)) return next();
    const interaction = /^\/dev-oidc\/interaccion\/([\w-]+)$/.exec(ctx.path);
    if (interaction) {
      const details = await provider.interactionDetails(ctx.req, ctx.res).catch(() => null);
      if (!details || details.uid !== interaction[1]) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = publicPage({ title: 'Ingreso vencido', body: html`<p>Este intento de ingreso ya no es válido. <a href="/ingresar">Comience de nuevo</a>.</p>` }).value;
        return;
      }
      if (ctx.method === 'GET') return interactionPage(ctx, details.uid, null);
      if (ctx.method !== 'POST') {
        ctx.status = 405;
        return;
      }
      const form = await readFormBody(ctx, 4096);
      const run = parseRun(form.get('run') ?? '');
      if (!run.ok || !form.get('clave')) {
        ctx.status = 422;
        return interactionPage(ctx, details.uid, run.ok ? 'Escriba una clave (cualquiera sirve en desarrollo).' : `El RUN no es válido: ${run.reason}.`);
      }
      ctx.respond = false;
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: run.normalized } }, { mergeWithLastSubmission: false });
      return;
    }
    // The provider sees paths relative to where it is mounted, and works out its mount point from originalUrl.
    const req = ctx.req as typeof ctx.req & { originalUrl?: string };
    req.originalUrl = ctx.originalUrl;
    req.url = ctx.originalUrl.slice(DEV_OIDC_PATH.length) || '/';
    ctx.respond = false;
    await handle(ctx.req, ctx.res);
  };
}
