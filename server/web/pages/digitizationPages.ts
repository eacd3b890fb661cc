import { z } from 'zod';
import { NotFoundError } from '../../errors.ts';
import type { DigitizationRow, PageRow } from '../../features/digitizations/digitizationRepository.ts';
import type { RenditionRow } from '../../features/digitizations/renditionRepository.ts';
import { DOCUMENT_TYPE_LABELS } from '../../../standards/chile/documentMetadata.ts';
import { fechaHora, momento, numero } from '../format.ts';
import { idParam } from '../requestParts.ts';
import { html, type Html } from '../html.ts';
import type { WebPage, WebRequest } from '../webRoutes.ts';

const DIGITIZATION_STATE: Record<DigitizationRow['state'], string> = {
  queued: 'En cola',
  processing: 'Reconociendo texto',
  done: 'Reconocimiento terminado',
  failed: 'Fallida',
  certified: 'Certificada',
};
const PAGE_STATE: Record<PageRow['state'], string> = {
  pending: 'Pendiente',
  done: 'Lista',
  failed: 'OCR fallido',
  review: 'Requiere revisión',
  rescan: 'Nueva digitalización solicitada',
};
const REVIEW_ACTION: Record<NonNullable<PageRow['reviewAction']>, string> = { accept: 'Texto aceptado', correct: 'Texto corregido', rescan: 'Nueva digitalización pedida' };
const COLOR_MODE: Record<DigitizationRow['colorMode'], string> = { bitonal: 'Blanco y negro (bitonal)', gris: 'Escala de grises', color: 'Color' };
const LANGUAGE: Record<string, string> = { spa: 'Castellano', eng: 'Inglés', 'spa+eng': 'Castellano e inglés' };
const ACCESS_LEVEL: Record<number, string> = { 1: 'Público', 2: 'Restringido', 3: 'Secreto', 4: 'Reservado' };
/** Pages a reviewer still has to decide on, as the certification refuses them (digitizationService BLOCKING). */
const OPEN_PAGE_STATES: ReadonlySet<PageRow['state']> = new Set(['pending', 'review', 'failed', 'rescan']);

const pageNumber = z.coerce.number().int().min(1).max(100_000);

const digitizationId = (w: WebRequest): string => idParam(w.ctx.params.id, 'una digitalización');

const confidence = (c: number | null) => (c === null ? '—' : `${numero(Math.round(c))} %`);
const contentUrl = (documentId: string, version: number) => `/v1/documents/${documentId}/versions/${version}/content`;

// ---------------------------------------------------------------------------------------------------------------
// The desk: the upload form.

function uploadForm(w: WebRequest): Html {
  const types = Object.entries(DOCUMENT_TYPE_LABELS);
  return html`<section aria-labelledby="nuevo-escaneo">
<h2 id="nuevo-escaneo">Nuevo escaneo</h2>
<p>Suba el archivo que entregó el escáner y los datos de la captura. El original se guarda intacto y el reconocimiento de texto (OCR) corre en segundo plano; podrá seguir su avance en la página siguiente.</p>
<form class="formulario" data-api action="/v1/digitizations" enctype="multipart/form-data" data-next="/digitalizacion/{id}">
  <label for="dig-archivo">Archivo escaneado</label>
  <input id="dig-archivo" name="file" type="file" required accept=".pdf,.tif,.tiff,.png,.jpg,.jpeg,application/pdf,image/tiff,image/png,image/jpeg" aria-describedby="dig-archivo-ayuda">
  <p class="ayuda" id="dig-archivo-ayuda">PDF de imágenes de escáner, TIFF de varias páginas, JPEG o PNG. Un PDF creado en el computador (con texto) no es una digitalización: regístrelo como documento.</p>

  <label for="dig-titulo">Título del documento</label>
  <input id="dig-titulo" name="capture.title" type="text" required maxlength="500" aria-describedby="dig-titulo-ayuda">
  <p class="ayuda" id="dig-titulo-ayuda">Como se lee en el papel, por ejemplo «Solicitud de certificado de residencia».</p>

  <label for="dig-paginas">Páginas contadas en el papel</label>
  <input id="dig-paginas" name="capture.declaredPages" type="number" inputmode="numeric" min="1" max="10000" required data-type="number" aria-describedby="dig-paginas-ayuda">
  <p class="ayuda" id="dig-paginas-ayuda">Se compara con las páginas del archivo; una diferencia debe aclararse antes de certificar.</p>

  <label for="dig-equipo">Escáner usado</label>
  <input id="dig-equipo" name="capture.device" type="text" required maxlength="200" aria-describedby="dig-equipo-ayuda">
  <p class="ayuda" id="dig-equipo-ayuda">Marca y modelo, por ejemplo «Fujitsu fi-7160».</p>

  <label for="dig-dpi">Resolución (puntos por pulgada)</label>
  <input id="dig-dpi" name="capture.dpi" type="number" inputmode="numeric" min="50" max="1200" value="300" required data-type="number" aria-describedby="dig-dpi-ayuda">
  <p class="ayuda" id="dig-dpi-ayuda">Entre 50 y 1.200; 300 es lo recomendado para texto.</p>

  <label for="dig-color">Modo de color</label>
  <select id="dig-color" name="capture.colorMode">
    ${Object.entries(COLOR_MODE).map(([value, label]) => html`<option value="${value}"${value === 'gris' ? html` selected` : ''}>${label}</option>`)}
  </select>

  <label for="dig-operador">Persona que digitalizó</label>
  <input id="dig-operador" name="capture.operator" type="text" required maxlength="300" value="${w.session.name}">

  <label for="dig-idioma">Idioma del texto</label>
  <select id="dig-idioma" name="capture.lang">
    ${Object.entries(LANGUAGE).map(([value, label]) => html`<option value="${value}">${label}</option>`)}
  </select>

  <label for="dig-tipo">Tipo documental (opcional)</label>
  <select id="dig-tipo" name="capture.documentType" data-type="number">
    <option value="">Sin tipo</option>
    ${types.map(([value, label]) => html`<option value="${value}">${label}</option>`)}
  </select>

  <label for="dig-acceso">Nivel de acceso</label>
  <select id="dig-acceso" name="capture.accessLevel" data-type="number">
    ${Object.entries(ACCESS_LEVEL).map(([value, label]) => html`<option value="${value}">${label}</option>`)}
  </select>

  <label for="dig-expediente">Expediente (IUIe, opcional)</label>
  <input id="dig-expediente" name="capture.caseFile" type="text" maxlength="100" aria-describedby="dig-expediente-ayuda">
  <p class="ayuda" id="dig-expediente-ayuda">Si lo indica, la copia certificada se incorpora a ese expediente de su agencia.</p>

  <label for="dig-palabras">Palabras clave (opcional, una por línea)</label>
  <textarea id="dig-palabras" name="capture.keywords" rows="3" data-type="lines"></textarea>

  <div class="error-form" tabindex="-1"></div>
  <button type="submit">Subir escaneo</button>
</form>
</section>`;
}

const RECENT = 20;

async function recentSection(w: WebRequest): Promise<Html> {
  const rows = await w.services.digitizations.recent(w.session.actor, RECENT);
  if (!rows.length) return html`<section aria-labelledby="recientes"><h2 id="recientes">Digitalizaciones recientes</h2><p>Su agencia aún no tiene digitalizaciones. Suba el primer escaneo con el formulario.</p></section>`;
  return html`<section aria-labelledby="recientes">
<h2 id="recientes">Digitalizaciones recientes</h2>
<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Las ${numero(rows.length)} digitalizaciones más recientes de su agencia</caption>
<thead><tr><th scope="col">Documento</th><th scope="col">Estado</th><th scope="col" class="num">Páginas</th><th scope="col">Recibida</th><th scope="col">Terminada</th></tr></thead>
<tbody>
${rows.map(
  (d) => html`<tr>
<td data-label="Documento"><a href="/digitalizacion/${d.id}">${d.title}</a></td>
<td data-label="Estado"><span class="estado">${DIGITIZATION_STATE[d.state]}</span></td>
<td data-label="Páginas" class="num">${numero(d.scannedPages)}${d.declaredPages !== d.scannedPages ? html` (declaradas: ${numero(d.declaredPages)})` : ''}</td>
<td data-label="Recibida">${momento(d.createdAt)}</td>
<td data-label="Terminada">${momento(d.certifiedAt ?? d.finishedAt)}</td>
</tr>`,
)}
</tbody>
</table></div>
</section>`;
}

async function deskPage(w: WebRequest): Promise<Html> {
  w.can.require('post', '/v1/digitizations');
  const review = w.can.call('get', '/v1/review-queue')
    ? html`<section aria-labelledby="por-revisar"><h2 id="por-revisar">Páginas por revisar</h2>
<p>Las páginas con baja confianza del OCR o con OCR fallido esperan a un revisor antes de certificar: <a href="/revision">ver la cola de revisión</a>.</p></section>`
    : '';
  return w.render({ title: 'Digitalización', section: '/digitalizacion', body: html`${uploadForm(w)}${review}${await recentSection(w)}` });
}

// ---------------------------------------------------------------------------------------------------------------
// A batch: progress, pages, renditions, certification.

function pagesTable(id: string, pages: PageRow[], caption: string, withLinks: boolean): Html {
  return html`<div class="tabla-desplazable"><table class="tabla-movil">
<caption>${caption}</caption>
<thead><tr><th scope="col">Página</th><th scope="col">Estado</th><th scope="col" class="num">Confianza del OCR</th><th scope="col">Revisión</th>${withLinks ? html`<th scope="col">Acción</th>` : ''}</tr></thead>
<tbody>
${pages.map(
  (p) => html`<tr>
<td data-label="Página">${numero(p.number)}</td>
<td data-label="Estado"><span class="estado">${PAGE_STATE[p.state]}</span>${p.error ? html`<br><span class="ayuda">${p.error}</span>` : ''}</td>
<td data-label="Confianza del OCR" class="num">${confidence(p.confidence)}</td>
<td data-label="Revisión">${p.reviewAction ? html`${REVIEW_ACTION[p.reviewAction]} (${momento(p.reviewedAt)})` : p.state === 'review' || p.state === 'failed' ? 'Pendiente' : '—'}</td>
${withLinks ? html`<td data-label="Acción"><a href="/digitalizacion/${id}/paginas/${p.number}">${p.state === 'review' || p.state === 'failed' || p.state === 'rescan' ? 'Revisar' : 'Ver'} página ${numero(p.number)}</a></td>` : ''}
</tr>`,
)}
</tbody>
</table></div>`;
}

/** Live while the OCR runs (legajo.js re-reads it); once done the same section, without data-refresh, ends the polling. */
function progressSection(d: DigitizationRow, pages: PageRow[]): Html {
  const running = d.state === 'queued' || d.state === 'processing';
  if (!running) {
    return html`<section id="progreso" aria-labelledby="progreso-titulo" data-done="Reconocimiento terminado">
<h2 id="progreso-titulo">Páginas</h2>
${pagesTable(d.id, pages, `Las ${numero(pages.length)} páginas digitalizadas`, true)}
</section>`;
  }
  const recognised = pages.filter((p) => p.state !== 'pending').length;
  return html`<section id="progreso" aria-labelledby="progreso-titulo" data-refresh="1500" data-done="Reconocimiento terminado">
<h2 id="progreso-titulo">Avance del reconocimiento</h2>
<p id="progreso-texto">${d.state === 'queued' ? 'En cola: el reconocimiento empezará en un momento.' : 'Reconociendo el texto.'} ${numero(recognised)} de ${numero(pages.length)} páginas reconocidas. Esta página se actualiza sola; puede dejarla abierta o volver más tarde.</p>
<progress value="${recognised}" max="${pages.length}" aria-labelledby="progreso-texto">${numero(recognised)} de ${numero(pages.length)}</progress>
${pagesTable(d.id, pages, 'Avance por página', false)}
</section>`;
}

function renditionsSection(d: DigitizationRow, renditions: RenditionRow[]): Html {
  const kinds: Record<RenditionRow['kind'], string> = { 'searchable-pdf': 'PDF con texto buscable', 'certified-copy': 'Copia certificada (sellada)' };
  return html`<section aria-labelledby="representaciones">
<h2 id="representaciones">Archivos</h2>
<ul>
  <li><a href="${contentUrl(d.documentId, d.originalVersion)}">Escaneo original (versión ${numero(d.originalVersion)})</a></li>
  ${renditions.map(
    (r) => html`<li><a href="${contentUrl(d.documentId, r.derivedVersion)}">${kinds[r.kind] ?? r.kind} (versión ${numero(r.derivedVersion)}, PDF)</a>, generada el ${momento(r.createdAt)}</li>`,
  )}
</ul>
</section>`;
}

function pageCountSection(w: WebRequest, d: DigitizationRow): Html {
  if (d.declaredPages === d.scannedPages || d.state === 'certified') return html``;
  if (d.confirmedPages !== null) {
    return html`<p class="aviso ok">Se declararon ${numero(d.declaredPages)} páginas y se digitalizaron ${numero(d.scannedPages)}; se confirmó que el papel tiene ${numero(d.confirmedPages)}.</p>`;
  }
  const explain = html`<p class="aviso alerta">Se declararon ${numero(d.declaredPages)} páginas en el papel, pero el archivo tiene ${numero(d.scannedPages)}. Si el conteo en papel estaba errado, confírmelo; si faltan páginas, vuelva a digitalizar el documento completo.</p>`;
  if (!w.can.call('post', '/v1/digitizations/:id/page-count')) return explain;
  return html`<section aria-labelledby="conteo">
<h2 id="conteo">Conteo de páginas</h2>
${explain}
<form class="formulario" data-api action="/v1/digitizations/${d.id}/page-count" data-ok="Conteo de páginas confirmado.">
  <label for="conteo-paginas">Páginas que realmente tiene el papel</label>
  <input id="conteo-paginas" name="confirmedPages" type="number" inputmode="numeric" min="1" value="${d.scannedPages}" required data-type="number" aria-describedby="conteo-ayuda">
  <p class="ayuda" id="conteo-ayuda">Solo puede confirmarse el número de páginas digitalizadas (${numero(d.scannedPages)}).</p>
  <label for="conteo-motivo">Motivo</label>
  <textarea id="conteo-motivo" name="reason" rows="2" required minlength="3" maxlength="2000"></textarea>
  <div class="error-form" tabindex="-1"></div>
  <button type="submit">Confirmar conteo</button>
</form>
</section>`;
}

function certifySection(w: WebRequest, d: DigitizationRow, pages: PageRow[]): Html {
  if (d.state === 'certified') {
    return html`<section aria-labelledby="certificacion">
<h2 id="certificacion">Certificación</h2>
<p class="aviso ok">Copia certificada el ${momento(d.certifiedAt)} (versión ${numero(d.certifiedVersion)}).</p>
<p>El código de verificación de su copia autorizada se muestra una sola vez, al certificar; no se guarda de forma legible. Si lo perdió, emita una nueva copia autorizada desde la página del documento.</p>
<p><a href="${contentUrl(d.documentId, d.certifiedVersion!)}">Descargar la copia certificada (PDF)</a></p>
</section>`;
  }
  if (d.state !== 'done' || !w.can.call('post', '/v1/digitizations/:id/certify')) return html``;
  const open = pages.filter((p) => OPEN_PAGE_STATES.has(p.state));
  const countOpen = d.declaredPages !== d.scannedPages && d.confirmedPages === null;
  if (open.length || countOpen) {
    return html`<section aria-labelledby="certificacion">
<h2 id="certificacion">Certificación</h2>
<p>Antes de certificar:</p>
<ul>
  ${open.map((p) => html`<li><a href="/digitalizacion/${d.id}/paginas/${p.number}">Revise la página ${numero(p.number)}</a> (${PAGE_STATE[p.state]}).</li>`)}
  ${countOpen ? html`<li>Aclare la diferencia en el conteo de páginas.</li>` : ''}
</ul>
</section>`;
  }
  return html`<section aria-labelledby="certificacion">
<h2 id="certificacion">Certificación</h2>
<p>Certificar sella el PDF con texto con el sello de la agencia como versión final${d.caseFileIuie ? html`, lo incorpora al expediente ${d.caseFileIuie}` : ''} y emite una copia autorizada con código de verificación. El código se muestra una sola vez: anótelo.</p>
<form data-api action="/v1/digitizations/${d.id}/certify" data-confirm="¿Certificar esta copia digitalizada? Quedará sellada como versión final."
  data-ok="Copia certificada. Código de verificación de la copia autorizada: {authorizedCopy.code} — anótelo, no se volverá a mostrar.">
  <div class="error-form" tabindex="-1"></div>
  <button type="submit">Certificar copia</button>
</form>
</section>`;
}

async function batchPage(w: WebRequest): Promise<Html> {
  const id = digitizationId(w);
  const { digitization: d, pages, renditions } = await w.services.digitizations.get(w.session.actor, id);
  // While the OCR runs this page is re-read every 1.5 s: the document is named (a recorded read when it is
  // restricted or sensitive) once the work is done, not on every re-read.
  const running = d.state === 'queued' || d.state === 'processing';
  const document = running ? null : await w.services.documents.get(w.session.actor, d.documentId);
  const body = html`<dl class="ficha">
  <dt>Documento</dt><dd><a href="/documentos/${d.documentId}">${document ? document.title : 'Ver el documento'}</a></dd>
  <dt>Estado</dt><dd><span class="estado">${DIGITIZATION_STATE[d.state]}</span></dd>
  <dt>Páginas</dt><dd>${numero(d.scannedPages)} digitalizadas; ${numero(d.declaredPages)} declaradas en el papel</dd>
  <dt>Escáner</dt><dd>${d.device}, ${numero(d.dpi)} ppp, ${COLOR_MODE[d.colorMode]}</dd>
  <dt>Digitalizó</dt><dd>${d.operator}</dd>
  <dt>Idioma</dt><dd>${LANGUAGE[d.lang] ?? d.lang}</dd>
  ${d.caseFileIuie ? html`<dt>Expediente</dt><dd>${d.caseFileIuie}</dd>` : ''}
  <dt>Recibida</dt><dd>${momento(d.createdAt)}</dd>
  <dt>Reconocimiento terminado</dt><dd>${momento(d.finishedAt)}</dd>
</dl>
${d.state === 'failed' ? html`<p class="aviso error">La digitalización falló: ${d.error ?? 'sin motivo registrado'}. Revise el archivo y vuelva a subirlo desde <a href="/digitalizacion">Digitalización</a>; si se repite, avise al soporte con el id ${d.id}.</p>` : ''}
${progressSection(d, pages)}
${d.state === 'done' || d.state === 'certified' ? renditionsSection(d, renditions) : ''}
${pageCountSection(w, d)}
${certifySection(w, d, pages)}
<p><a href="/digitalizacion">Volver a Digitalización</a></p>`;
  return w.render({ title: document ? `Digitalización: ${document.title}` : `Digitalización recibida el ${fechaHora(d.createdAt)}`, section: '/digitalizacion', body });
}

// ---------------------------------------------------------------------------------------------------------------
// One page: its image beside its text, and the reviewer's decision.

function reviewForms(w: WebRequest, d: DigitizationRow, p: PageRow): Html {
  const action = `/v1/digitizations/${d.id}/pages/${p.number}/review`;
  if (d.state === 'certified') return html`<p>La digitalización está certificada; su texto ya no se revisa.</p>`;
  if (p.state === 'rescan') {
    if (!w.can.call('post', '/v1/digitizations/:id/pages/:n/scan')) return html`<p>Se pidió una nueva digitalización de esta página; la sube quien digitaliza.</p>`;
    return html`<h3>Nueva digitalización de la página</h3>
<form class="formulario" data-api action="/v1/digitizations/${d.id}/pages/${p.number}/scan" enctype="multipart/form-data" data-ok="Página reemplazada; su texto se reconocerá de nuevo.">
  <label for="reescaneo">Imagen nueva de la página ${numero(p.number)}</label>
  <input id="reescaneo" name="file" type="file" required accept=".pdf,.tif,.tiff,.png,.jpg,.jpeg,application/pdf,image/*" aria-describedby="reescaneo-ayuda">
  <p class="ayuda" id="reescaneo-ayuda">Una imagen o un PDF de una sola página. La imagen anterior se conserva como versión propia.</p>
  <div class="error-form" tabindex="-1"></div>
  <button type="submit">Subir página</button>
</form>`;
  }
  if ((p.state !== 'review' && p.state !== 'failed') || !w.can.call('post', '/v1/digitizations/:id/pages/:n/review')) return html``;
  return html`<form class="formulario" data-api action="${action}" data-ok="Corrección guardada; la página quedó lista.">
  <input type="hidden" name="action" value="correct">
  <label for="texto-corregido">Texto de la página</label>
  <textarea id="texto-corregido" name="text" rows="14" required aria-describedby="texto-ayuda">${p.correctedText ?? p.text ?? ''}</textarea>
  <p class="ayuda" id="texto-ayuda">Corrija lo que el OCR leyó mal comparándolo con la imagen. La corrección se guarda junto al texto del OCR, que se conserva.</p>
  <div class="error-form" tabindex="-1"></div>
  <button type="submit">Guardar corrección</button>
</form>
<div class="acciones">
  ${p.state === 'review' ? html`<form data-api action="${action}" data-ok="Texto aceptado como está.">
    <input type="hidden" name="action" value="accept">
    <div class="error-form" tabindex="-1"></div>
    <button type="submit" class="secundario">Aceptar el texto sin cambios</button>
  </form>` : ''}
  <form data-api action="${action}" data-ok="Se pidió una nueva digitalización de la página." data-confirm="¿Pedir una nueva digitalización de esta página? No se podrá certificar hasta subirla.">
    <input type="hidden" name="action" value="rescan">
    <div class="error-form" tabindex="-1"></div>
    <button type="submit" class="secundario">Pedir nueva digitalización</button>
  </form>
</div>`;
}

async function pagePage(w: WebRequest): Promise<Html> {
  const id = digitizationId(w);
  const parsed = pageNumber.safeParse(w.ctx.params.n);
  const { digitization: d, pages } = await w.services.digitizations.get(w.session.actor, id);
  const p = parsed.success ? pages.find((x) => x.number === parsed.data) : undefined;
  if (!p) throw new NotFoundError(`La digitalización no tiene página ${String(w.ctx.params.n)}.`);
  // The OCR text is the document's content: reading it is recorded like any read of a guarded document.
  const document = await w.services.documents.get(w.session.actor, d.documentId);
  const reviewing = p.state === 'review' || p.state === 'failed';
  const nextOpen = pages.find((x) => x.number !== p.number && (x.state === 'review' || x.state === 'failed'));
  const body = html`<p><a href="/digitalizacion/${d.id}">Volver a la digitalización «${document.title}»</a></p>
<dl class="ficha">
  <dt>Estado</dt><dd><span class="estado">${PAGE_STATE[p.state]}</span>${p.error ? html` — ${p.error}` : ''}</dd>
  <dt>Confianza del OCR</dt><dd>${confidence(p.confidence)}</dd>
  ${p.rotation ? html`<dt>Giro aplicado</dt><dd>${numero(p.rotation)}° en sentido horario</dd>` : ''}
  ${p.reviewAction ? html`<dt>Revisión</dt><dd>${REVIEW_ACTION[p.reviewAction]} el ${momento(p.reviewedAt)}</dd>` : ''}
</dl>
<div class="columnas">
  <section aria-labelledby="imagen-titulo">
    <h2 id="imagen-titulo">Imagen digitalizada</h2>
    <img class="pagina-escaneada" src="/v1/digitizations/${d.id}/pages/${p.number}/image" alt="Imagen digitalizada de la página ${p.number} de ${pages.length}. Su texto está en la columna «Texto reconocido».">
  </section>
  <section aria-labelledby="texto-titulo">
    <h2 id="texto-titulo">Texto reconocido</h2>
    ${reviewing && w.can.call('post', '/v1/digitizations/:id/pages/:n/review') && d.state !== 'certified'
      ? ''
      : html`<div class="texto-ocr" tabindex="0" role="region" aria-label="Texto de la página ${p.number}">${p.correctedText ?? p.text ?? 'Sin texto reconocido.'}</div>`}
    ${reviewForms(w, d, p)}
  </section>
</div>
${nextOpen ? html`<p><a href="/digitalizacion/${d.id}/paginas/${nextOpen.number}">Siguiente página por revisar: ${numero(nextOpen.number)}</a></p>` : ''}`;
  return w.render({ title: `Página ${numero(p.number)} de ${numero(pages.length)}`, section: '/digitalizacion', body });
}

// ---------------------------------------------------------------------------------------------------------------
// The review queue.

const QUEUE_PAGE = 50;

async function reviewQueuePage(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/review-queue');
  const after = z.coerce.number().int().min(0).optional().catch(undefined).parse(w.ctx.query.desde);
  const rows = await w.services.digitizations.reviewQueue(w.session.actor, after, QUEUE_PAGE);
  const items = rows.slice(0, QUEUE_PAGE);
  const titles = new Map<string, string>();
  for (const documentId of new Set(items.map((r) => r.documentId))) titles.set(documentId, (await w.services.documents.get(w.session.actor, documentId)).title);
  const excerpt = (t: string | null) => (t ? (t.length > 140 ? `${t.slice(0, 140)}…` : t) : '—');
  const body = items.length
    ? html`<p>Páginas con baja confianza del OCR o con OCR fallido, las más antiguas primero. Ábralas para comparar la imagen con el texto y corregirlo.</p>
<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Páginas por revisar (${numero(items.length)}${rows.length > QUEUE_PAGE ? ' en esta página' : ''})</caption>
<thead><tr><th scope="col">Documento</th><th scope="col">Página</th><th scope="col">Estado</th><th scope="col" class="num">Confianza del OCR</th><th scope="col">Texto leído</th></tr></thead>
<tbody>
${items.map(
  (r) => html`<tr>
<td data-label="Documento">${titles.get(r.documentId)}</td>
<td data-label="Página"><a href="/digitalizacion/${r.digitizationId}/paginas/${r.number}">Revisar página ${numero(r.number)}<span class="visualmente-oculto"> de «${titles.get(r.documentId)}»</span></a></td>
<td data-label="Estado">${PAGE_STATE[r.state]}${r.error ? html`: ${r.error}` : ''}</td>
<td data-label="Confianza del OCR" class="num">${confidence(r.confidence)}</td>
<td data-label="Texto leído">${excerpt(r.text)}</td>
</tr>`,
)}
</tbody>
</table></div>
${rows.length > QUEUE_PAGE ? html`<p><a href="/revision?desde=${items[items.length - 1]!.seq}">Siguientes páginas por revisar</a></p>` : ''}`
    : html`<p class="aviso ok">No hay páginas por revisar en su agencia.</p><p>Las páginas aparecen aquí cuando el OCR las lee con poca confianza o no puede leerlas. <a href="/digitalizacion">Subir un nuevo escaneo</a>.</p>`;
  return w.render({ title: 'Revisión de páginas digitalizadas', section: '/digitalizacion', body });
}

export const digitizationPages: WebPage[] = [
  { path: '/digitalizacion', handler: deskPage },
  { path: '/revision', handler: reviewQueuePage },
  { path: '/digitalizacion/:id', handler: batchPage },
  { path: '/digitalizacion/:id/paginas/:n', handler: pagePage },
];
