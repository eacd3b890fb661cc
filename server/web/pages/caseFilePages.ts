import { ACCESS_LEVELS } from '../../../standards/chile/documentMetadata.ts';
import { CASE_FILE_STATES, MGDEE, iuieSchema } from '../../../standards/chile/caseFileMetadata.ts';
import { NotFoundError } from '../../errors.ts';
import type { entryView } from '../../features/caseFiles/caseFileService.ts';
import { momento, numero, tamano } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { WebPage, WebRequest } from '../webRoutes.ts';

const INDEX_PAGE = 200;

const STATE_LABELS: Record<string, string> = { abierto: 'Abierto', cerrado: 'Cerrado', recibido: 'Recibido', transferido: 'Transferido' };

const ACTION_LABELS: Record<string, string> = {
  'case-file.open': 'Apertura',
  'case-file.entry.add': 'Incorporación',
  'case-file.entry.remove': 'Desglose',
  'case-file.close': 'Cierre y sellado del índice',
  'case-file.reopen': 'Reapertura',
  'case-file.import': 'Recepción de remisión',
  'case-file.export': 'Remisión',
};

/** The IUIe in the path, checked like the API checks it: anything malformed names nothing. */
function iuieParam(w: WebRequest): string {
  const parsed = iuieSchema.safeParse(w.ctx.params.iuie);
  if (!parsed.success) throw new NotFoundError('No existe un expediente con ese IUIe en su agencia.');
  return parsed.data;
}

const actionLabel = (action: string): string => ACTION_LABELS[action] ?? (action.startsWith('case-file.access.') ? `Consulta (${action.slice('case-file.access.'.length)})` : action);

function openForm(w: WebRequest): Html {
  // The person opening it is the responsible official (MGDEE52 relation 1): the API requires one.
  const responsible = JSON.stringify([{ relation: 1, actorType: 4, id: w.session.run, name: w.session.name }]);
  return html`<h2>Abrir un expediente</h2>
<form data-api action="/v1/case-files" data-next="/expedientes/{caseFile.iuie}" class="formulario">
  <label for="ex-titulo">Título</label>
  <input id="ex-titulo" name="${MGDEE.title}" required maxlength="500">
  <label for="ex-materia">Materia</label>
  <input id="ex-materia" name="${MGDEE.subject}" required maxlength="1000">
  <label for="ex-cpat">Código del procedimiento (CPAT)</label>
  <input id="ex-cpat" name="${MGDEE.procedureCode}" required maxlength="50" aria-describedby="ex-cpat-ayuda">
  <p id="ex-cpat-ayuda" class="ayuda">Código del catálogo de procedimientos administrativos, por ejemplo PRO-0001.</p>
  <label for="ex-serie">Serie documental (opcional)</label>
  <input id="ex-serie" name="${MGDEE.seriesCode}" maxlength="100">
  <label for="ex-acceso">Nivel de acceso</label>
  <select id="ex-acceso" name="${MGDEE.accessLevel}" data-type="number">
    ${Object.entries(ACCESS_LEVELS).map(([k, v]) => html`<option value="${k}">${v}</option>`)}
  </select>
  <label for="ex-sensible">¿Contiene datos sensibles?</label>
  <select id="ex-sensible" name="${MGDEE.sensitive}" data-type="number"><option value="2">No</option><option value="1">Sí</option></select>
  <input type="hidden" name="${MGDEE.actors}" data-type="json" value="${responsible}">
  <div class="error-form"></div>
  <button type="submit">Abrir expediente</button>
</form>`;
}

const listPage: WebPage = {
  path: '/expedientes',
  async handler(w) {
    w.can.require('get', '/v1/case-files');
    const state = CASE_FILE_STATES.find((s) => s === w.ctx.query.estado);
    const rows = await w.services.caseFiles.list(w.session.actor, { state, limit: 100 });
    return w.render({
      title: 'Expedientes',
      section: '/expedientes',
      body: html`<form method="get" action="/expedientes" class="acciones">
  <div class="en-linea">
    <label for="filtro-estado">Estado</label>
    <select id="filtro-estado" name="estado">
      <option value="">Todos</option>
      ${CASE_FILE_STATES.map((s) => html`<option value="${s}"${s === state ? html` selected` : ''}>${STATE_LABELS[s]}</option>`)}
    </select>
    <button type="submit" class="secundario">Filtrar</button>
  </div>
</form>
${rows.length
  ? html`<div class="tabla-desplazable"><table>
  <caption>Expedientes de su agencia, los más recientes primero (${numero(Math.min(rows.length, 100))})</caption>
  <thead><tr><th scope="col">IUIe</th><th scope="col">Título</th><th scope="col">Estado</th><th scope="col" class="num">Entradas</th><th scope="col" class="num">Folios</th><th scope="col">Abierto</th></tr></thead>
  <tbody>${rows.slice(0, 100).map((c) => html`<tr>
    <td><a href="/expedientes/${encodeURIComponent(c.iuie)}">${c.iuie}</a></td><td>${c.title}</td><td><span class="estado">${STATE_LABELS[c.state] ?? c.state}</span></td>
    <td class="num">${numero(c.entryCount)}</td><td class="num">${numero(c.folioCount)}</td><td>${momento(c.createdAt)}</td></tr>`)}</tbody>
</table></div>`
  : html`<p>No hay expedientes${state ? html` en estado ${STATE_LABELS[state]}` : ''}.${w.can.call('post', '/v1/case-files') ? ' Abra uno con el formulario de abajo.' : ''}</p>`}
${w.can.call('post', '/v1/case-files') ? openForm(w) : ''}`,
    });
  },
};

type Entry = ReturnType<typeof entryView>;

function entryItem(e: Entry): Html {
  if (e.document) return html`<a href="/documentos/${e.document.id}?version=${e.document.version}">${e.document.title}</a> <span class="ayuda">${e.document.identifier}, versión ${e.document.version}, ${tamano(e.document.size)}</span>`;
  if (e.link) return html`Enlace: <a href="${e.link.uri}" rel="noopener noreferrer">${e.link.description}</a>`;
  if (e.caseFile) return html`Expediente acumulado <a href="/expedientes/${encodeURIComponent(e.caseFile.iuie ?? '')}">${e.caseFile.iuie}</a> (índice v${e.caseFile.indexVersion})`;
  return html`—`;
}

function indexTable(iuie: string, entries: Entry[], canRemove: boolean): Html {
  if (!entries.length) return html`<p>El expediente aún no tiene entradas.</p>`;
  return html`<div class="tabla-desplazable"><table>
  <caption>Índice electrónico en orden de incorporación</caption>
  <thead><tr><th scope="col" class="num">Orden</th><th scope="col">Elemento</th><th scope="col">Folios</th><th scope="col">SHA-256</th><th scope="col">Incorporado</th>${canRemove ? html`<th scope="col">Desglose</th>` : ''}</tr></thead>
  <tbody>${entries.map(
    (e) => html`<tr>
    <td class="num">${numero(e.order)}</td>
    <td>${entryItem(e)}${e.removed ? html`<p class="aviso alerta">Desglosado ${momento(e.removed.at)}: ${e.removed.reason}</p>` : ''}</td>
    <td>${e.firstFolio === null ? '—' : e.firstFolio === e.lastFolio ? numero(e.firstFolio) : html`${numero(e.firstFolio)}–${numero(e.lastFolio)}`}</td>
    <td><code class="hash">${e.sha256 ?? '—'}</code></td>
    <td>${momento(e.incorporatedAt)}</td>
    ${canRemove
      ? html`<td>${e.removed ? '—' : html`<form data-api action="/v1/case-files/${encodeURIComponent(iuie)}/entries/${e.order}/remove" data-ok="Entrada ${e.order} desglosada.">
        <label for="desglose-${e.order}">Motivo del desglose de la entrada ${e.order}</label>
        <input id="desglose-${e.order}" name="reason" required minlength="3">
        <div class="error-form"></div>
        <button type="submit" class="secundario">Desglosar</button></form>`}</td>`
      : ''}
  </tr>`,
  )}</tbody>
</table></div>`;
}

async function addEntryForms(w: WebRequest, iuie: string): Promise<Html> {
  const documents = await w.services.documents.list(w.session.actor, { limit: 100 });
  const action = `/v1/case-files/${encodeURIComponent(iuie)}/entries`;
  return html`<h2>Incorporar</h2>
<div class="columnas">
<form data-api action="${action}" data-ok="Documento incorporado al índice." class="formulario">
  <h3>Un documento</h3>
  <input type="hidden" name="kind" value="document">
  <label for="inc-documento">Documento</label>
  <select id="inc-documento" name="documentId" required>
    <option value="">Elija un documento</option>
    ${documents.slice(0, 100).map((d) => html`<option value="${d.id}">${d.title} (${d.identifier}, v${d.currentVersion})</option>`)}
  </select>
  <label for="inc-version">Versión</label>
  <input id="inc-version" name="version" data-type="number" inputmode="numeric" required aria-describedby="inc-version-ayuda">
  <p id="inc-version-ayuda" class="ayuda">Número de la versión que queda en el índice (la vigente aparece entre paréntesis).</p>
  <div class="error-form"></div>
  <button type="submit">Incorporar documento</button>
</form>
<div>
<form data-api action="${action}" data-ok="Enlace incorporado al índice." class="formulario">
  <h3>Un enlace persistente</h3>
  <input type="hidden" name="kind" value="link">
  <label for="inc-uri">URI</label>
  <input id="inc-uri" name="uri" type="url" required>
  <label for="inc-descripcion">Descripción</label>
  <input id="inc-descripcion" name="description" required>
  <div class="error-form"></div>
  <button type="submit">Incorporar enlace</button>
</form>
<form data-api action="${action}" data-ok="Expediente acumulado." class="formulario">
  <h3>Un expediente (acumulación)</h3>
  <input type="hidden" name="kind" value="case-file">
  <label for="inc-iuie">IUIe del expediente</label>
  <input id="inc-iuie" name="iuie" required>
  <div class="error-form"></div>
  <button type="submit">Acumular expediente</button>
</form>
</div>
</div>`;
}

const RECORDS = { traceability: 'Trazabilidad', access: 'Accesos', acts: 'Actos administrativos' } as const;

async function historySection(w: WebRequest, iuie: string): Promise<Html> {
  const record = (Object.keys(RECORDS) as (keyof typeof RECORDS)[]).find((r) => r === w.ctx.query.registro) ?? 'traceability';
  const rows = await w.services.caseFiles.history(w.session.actor, iuie, record, { afterId: 0, limit: 200 });
  const base = `/expedientes/${encodeURIComponent(iuie)}`;
  const tabs = html`<nav aria-label="Registros del expediente" class="pestanas">${(Object.keys(RECORDS) as (keyof typeof RECORDS)[]).map(
    (r) => html`<a href="${base}?registro=${r}#historial"${r === record ? html` aria-current="page"` : ''}>${RECORDS[r]}</a>`,
  )}</nav>`;
  const body =
    record === 'acts'
      ? html`<table><caption>${RECORDS.acts}</caption><thead><tr><th scope="col" class="num">Orden</th><th scope="col">Tipo</th><th scope="col">Documento</th><th scope="col">N.º de registro</th><th scope="col">Incorporado</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td class="num">${numero(r.order as number)}</td><td>${String(r.documentTypeLabel ?? r.documentType)}</td><td>${String(r.title)} <span class="ayuda">${String(r.identifier)}</span></td><td>${String(r.registryNumber ?? '—')}</td><td>${momento(r.incorporatedAt as Date)}</td></tr>`)}</tbody></table>`
      : html`<table><caption>${RECORDS[record]}</caption><thead><tr><th scope="col">Cuándo</th><th scope="col">Acto</th><th scope="col">Detalle</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${momento(r.occurredAt as Date)}</td><td>${actionLabel(String(r.action))}</td><td>${detail(r.data)}</td></tr>`)}</tbody></table>`;
  return html`<h2 id="historial">Historial</h2>${tabs}${rows.length ? body : html`<p>Sin registros.</p>`}`;
}

const DETAIL_LABELS: Record<string, string> = {
  order: 'orden',
  kind: 'tipo',
  reason: 'motivo',
  firstFolio: 'folio inicial',
  lastFolio: 'folio final',
  version: 'versión',
  receipt: 'certificado',
  procedure: 'procedimiento',
  indexVersion: 'versión del índice',
  entries: 'entradas',
  identifier: 'identificador',
  uri: 'URI',
};

/** The audit data of an event people care about, as plain "campo: valor" text (never markup). */
function detail(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  return Object.entries(data as Record<string, unknown>)
    .filter(([k, v]) => DETAIL_LABELS[k] && v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${DETAIL_LABELS[k]}: ${String(v)}`)
    .join(' · ');
}

const viewPage: WebPage = {
  path: '/expedientes/:iuie',
  async handler(w) {
    const iuie = iuieParam(w);
    const c = await w.services.caseFiles.get(w.session.actor, iuie);
    // A case file may hold thousands of entries: the index is shown a page at a time, from ?desde=<orden>.
    const from = Math.max(0, Number.parseInt(String(w.ctx.query.desde ?? '0'), 10) || 0);
    const entries = await w.services.caseFiles.entries(w.session.actor, iuie, { afterPosition: from, limit: INDEX_PAGE });
    const more = entries.length > INDEX_PAGE;
    const open = c.state === 'abierto';
    const path = `/v1/case-files/${encodeURIComponent(iuie)}`;
    const canBuild = w.can.call('post', '/v1/case-files/:iuie/entries');
    const actions = html`<div class="acciones">
  <a class="boton secundario" href="/expedientes/${encodeURIComponent(iuie)}/verificacion">Verificar integridad</a>
  <a class="boton secundario" href="${path}/index.xml" download>Índice XML</a>
  <a class="boton secundario" href="${path}/eni.xml" download>Exportar ENI</a>
  ${w.can.call('get', '/v1/case-files/:iuie/export') && c.state !== 'transferido' ? html`<a class="boton secundario" href="${path}/export" download>Remitir (paquete tar)</a>` : ''}
  ${open && w.can.call('post', '/v1/case-files/:iuie/close')
    ? html`<form data-api action="${path}/close" data-ok="Expediente cerrado y su índice sellado." data-confirm="¿Cerrar el expediente y sellar su índice?"><div class="error-form"></div><button type="submit">Cerrar y sellar</button></form>`
    : ''}
</div>
${c.state === 'cerrado' && w.can.call('post', '/v1/case-files/:iuie/reopen')
  ? html`<form data-api action="${path}/reopen" data-ok="Expediente reabierto; las versiones selladas se conservan." class="formulario">
  <label for="reabrir-motivo">Motivo de la reapertura</label>
  <textarea id="reabrir-motivo" name="reason" required minlength="3" rows="2"></textarea>
  <div class="error-form"></div>
  <button type="submit" class="secundario">Reabrir</button>
</form>`
  : ''}`;
    return w.render({
      title: `Expediente ${c.iuie}`,
      section: '/expedientes',
      body: html`<dl class="ficha">
  <dt>Título</dt><dd>${c.title}</dd>
  <dt>Estado</dt><dd><span class="estado">${STATE_LABELS[c.state] ?? c.state}</span></dd>
  <dt>Procedimiento</dt><dd>${c.procedureCode ?? '—'}</dd>
  <dt>Nivel de acceso</dt><dd>${ACCESS_LEVELS[c.accessLevel as keyof typeof ACCESS_LEVELS] ?? c.accessLevel}${c.sensitive ? ' · datos sensibles' : ''}</dd>
  <dt>Apertura</dt><dd>${momento(c.createdAt)}</dd>
  <dt>Cierre</dt><dd>${momento(c.closedAt)}</dd>
  <dt>Entradas y folios</dt><dd>${numero(c.entryCount)} entradas, ${numero(c.folioCount)} folios</dd>
</dl>
${actions}
<h2>Índice</h2>
${from > 0 ? html`<p><a href="/expedientes/${encodeURIComponent(iuie)}">Volver al comienzo del índice</a></p>` : ''}
${indexTable(iuie, entries.slice(0, INDEX_PAGE), open && canBuild)}
${more ? html`<p><a href="/expedientes/${encodeURIComponent(iuie)}?desde=${entries[INDEX_PAGE - 1]!.order}">Entradas siguientes (desde la ${numero(entries[INDEX_PAGE - 1]!.order + 1)})</a></p>` : ''}
${open && canBuild ? await addEntryForms(w, iuie) : ''}
<h2>Versiones selladas del índice</h2>
${c.indexVersions.length
  ? html`<table><caption>Cada cierre o remisión sella una versión; ninguna se reemplaza</caption><thead><tr><th scope="col" class="num">Versión</th><th scope="col">Sellada</th><th scope="col" class="num">Entradas</th><th scope="col">SHA-256</th><th scope="col">Descarga</th></tr></thead>
<tbody>${c.indexVersions.map((v) => html`<tr><td class="num">${numero(v.number)}</td><td>${momento(v.sealedAt)}</td><td class="num">${numero(v.entryCount)}</td><td><code class="hash">${v.sha256}</code></td><td><a href="${path}/index.xml?version=${v.number}" download>Índice v${v.number}</a></td></tr>`)}</tbody></table>`
  : html`<p>Aún no hay versiones selladas: el índice se sella al cerrar o remitir.</p>`}
${await historySection(w, iuie)}`,
    });
  },
};

const verificationPage: WebPage = {
  path: '/expedientes/:iuie/verificacion',
  async handler(w) {
    const iuie = iuieParam(w);
    const v = await w.services.caseFiles.verify(w.session.actor, iuie);
    return w.render({
      title: `Verificación del expediente ${iuie}`,
      section: '/expedientes',
      body: html`${v.valid
        ? html`<p class="aviso ok" role="status"><strong>Íntegro.</strong> Se recalcularon ${numero(v.documentsHashed)} documentos y se comprobaron ${numero(v.sealedVersions.length)} sellos: todo coincide.</p>`
        : html`<p class="aviso error" role="alert"><strong>Con problemas.</strong> ${numero(v.problems.length)} diferencia(s) entre lo registrado y lo almacenado. Informe al archivero y no remita el expediente hasta revisarlo.</p>`}
<dl class="ficha">
  <dt>Verificado</dt><dd>${momento(v.checkedAt)}</dd>
  <dt>Entradas</dt><dd>${numero(v.entries)}</dd>
  <dt>Documentos recalculados</dt><dd>${numero(v.documentsHashed)}</dd>
  <dt>Documentos eliminados por disposición</dt><dd>${numero(v.documentsDestroyed)}</dd>
</dl>
${v.problems.length
  ? html`<table><caption>Problemas encontrados</caption><thead><tr><th scope="col">Dónde</th><th scope="col" class="num">Orden</th><th scope="col">Problema</th></tr></thead>
<tbody>${v.problems.map((p) => html`<tr><td>${p.path}</td><td class="num">${p.order === null ? '—' : numero(p.order)}</td><td>${p.problem}</td></tr>`)}</tbody></table>`
  : ''}
<p><a href="/expedientes/${encodeURIComponent(iuie)}">Volver al expediente</a></p>`,
    });
  },
};

export const caseFilePages: WebPage[] = [listPage, viewPage, verificationPage];
