import type { AgencyChoice, WebSession } from '../features/webSessions/webSessionService.ts';
import { html, type Html } from './html.ts';
import type { Permissions } from './permissions.ts';

export interface PageOptions {
  title: string;
  /** Path of the navigation entry to mark as current. */
  section?: string;
  body: Html;
  /** A message carried over from the previous action (post/redirect/get), shown in the status region. */
  notice?: string | null;
}

interface NavEntry {
  href: string;
  label: string;
  /** The API call the page reads: the entry shows only to those it allows. */
  reads: [method: 'get' | 'post', path: string];
}

const NAV: NavEntry[] = [
  { href: '/bandeja', label: 'Bandeja', reads: ['get', '/v1/communications'] },
  { href: '/expedientes', label: 'Expedientes', reads: ['get', '/v1/case-files'] },
  { href: '/busqueda', label: 'Búsqueda', reads: ['get', '/v1/search'] },
  { href: '/digitalizacion', label: 'Digitalización', reads: ['post', '/v1/digitizations'] },
  { href: '/archivo', label: 'Archivo', reads: ['get', '/v1/series'] },
];

/** What every page shares: the document head, the skip link, the header's frame, the main region and the footer. */
function shell(opts: { title: string; csrf: string | null; header: Html; main: Html }): Html {
  return html`<!doctype html>
<html lang="es-CL">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${opts.csrf ? html`<meta name="csrf-token" content="${opts.csrf}">` : ''}
<title>${opts.title} · legajo</title>
<link rel="stylesheet" href="/assets/legajo.css">
<script type="module" src="/assets/legajo.js"></script>
</head>
<body>
<a class="saltar" href="#contenido">Saltar al contenido</a>
<header class="cabecera">
${opts.header}
</header>
<main id="contenido" tabindex="-1">
${opts.main}
</main>
<footer class="pie"><p>legajo · Ley 21.180 de Transformación Digital del Estado</p></footer>
</body>
</html>`;
}

/** Every signed-in page: skip link, header with the person and agency, navigation by role, status region. */
/** `agencies`: where the person may act; with more than one, the header offers to switch. */
export function page(session: WebSession, can: Permissions, agencies: AgencyChoice[], opts: PageOptions): Html {
  const nav = NAV.filter((n) => can.call(n.reads[0], n.reads[1]) && (n.href !== '/archivo' || can.call('post', '/v1/series') || can.call('get', '/v1/fixity/alerts')));
  return shell({
    title: opts.title,
    csrf: session.csrfToken,
    header: html`<a class="marca" href="/bandeja">legajo</a>
  <nav aria-label="Principal">
    <ul>
      ${nav.map((n) => html`<li><a href="${n.href}"${opts.section === n.href ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}
    </ul>
  </nav>
  <div class="persona">
    <span>${session.name}</span> <span class="agencia">${session.agencyName} (${session.actor.agencyCode})</span>
    ${agencies.length > 1
      ? html`<form method="post" action="/cambiar-agencia" class="cambiar-agencia">
      <input type="hidden" name="_csrf" value="${session.csrfToken}">
      <label for="cambiar-agencia" class="visualmente-oculto">Actuar en otra agencia</label>
      <select id="cambiar-agencia" name="principal">
        ${agencies.map((a) => html`<option value="${a.principalId}"${a.principalId === session.actor.principalId ? html` selected` : ''}>${a.code}: ${a.name}</option>`)}
      </select>
      <button type="submit" class="secundario">Cambiar de agencia</button>
    </form>`
      : ''}
    <form method="post" action="/salir">
      <input type="hidden" name="_csrf" value="${session.csrfToken}">
      <button type="submit" class="secundario">Salir</button>
    </form>
  </div>`,
    main: html`<div id="avisos" class="avisos" role="status" aria-live="polite">${opts.notice ? html`<p class="aviso ok">${opts.notice}</p>` : ''}</div>
<h1>${opts.title}</h1>
${opts.body}`,
  });
}

/** Pages seen without signing in: the welcome page, errors before sign-in, the public verification page. */
export function publicPage(opts: { title: string; body: Html }): Html {
  return shell({ title: opts.title, csrf: null, header: html`<a class="marca" href="/">legajo</a>`, main: html`<h1>${opts.title}</h1>
${opts.body}` });
}
