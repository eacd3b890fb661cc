import type { HoldRow, RuleRow, SeriesRow } from '../../features/archive/archiveRepository.ts';
import { DISPOSITIONS, TRIGGERS } from '../../features/archive/effectiveSchedule.ts';
import { fecha, momento } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { WebPage, WebRequest } from '../webRoutes.ts';
import { archivePage, caseFileLink, DISPOSITION_LABEL, formEnd, TRIGGER_LABEL, years } from './archiveCommon.ts';

/** The rule in one sentence: "10 años desde el cierre del expediente; luego transferencia al Archivo Nacional". */
const SINCE: Record<'closed' | 'final', string> = { closed: 'desde el cierre del expediente', final: 'desde que el documento es final' };
const THEN: Record<RuleRow['disposition'], string> = { transfer: 'transferencia al Archivo Nacional', destroy: 'eliminación', review: 'revisión por un archivero' };

const depth = (code: string) => Math.min(code.split('.').length, 8);

function ruleSummary(rule: RuleRow | undefined): Html {
  if (!rule) return html`<span class="estado">Sin regla</span>`;
  const from = rule.trigger === 'date' ? `desde el ${fecha(`${rule.triggerDate}T12:00:00Z`)}` : SINCE[rule.trigger];
  return html`${years(rule.periodYears)} ${from}; luego ${THEN[rule.disposition]} <span class="ayuda">(versión ${rule.version})</span>`;
}

function seriesTable(series: SeriesRow[], current: Map<string, RuleRow>): Html {
  if (!series.length) return html`<p>Su agencia aún no tiene series en su cuadro de clasificación.</p>`;
  return html`<div class="tabla-desplazable"><table class="tabla-movil cuadro-series">
<caption>Series por código, con su regla de retención vigente</caption>
<thead><tr><th scope="col">Código</th><th scope="col">Serie</th><th scope="col">Regla vigente</th><th scope="col">Creada</th></tr></thead>
<tbody>${series.map(
    (s) => html`<tr>
<td data-label="Código" class="codigo-serie nivel-${depth(s.code)}">${s.code}</td>
<td data-label="Serie">${s.title}${s.parentCode ? html` <span class="ayuda">(bajo ${s.parentCode})</span>` : ''}${s.description ? html`<br><span class="ayuda">${s.description}</span>` : ''}</td>
<td data-label="Regla vigente">${ruleSummary(current.get(s.code))}</td>
<td data-label="Creada">${momento(s.createdAt)}</td>
</tr>`,
  )}</tbody>
</table></div>`;
}

function rulesHistory(rules: RuleRow[]): Html {
  if (!rules.length) return html``;
  return html`<section aria-labelledby="historial-titulo">
<h2 id="historial-titulo">Historial de reglas</h2>
<p>Cada cambio de regla es una nueva versión; la de número mayor es la vigente. Un plazo más corto solo alcanza a los plazos en curso si se dictó con revisión explícita.</p>
<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Versiones de las reglas de retención, por serie</caption>
<thead><tr><th scope="col">Serie</th><th scope="col" class="num">Versión</th><th scope="col" class="num">Plazo</th><th scope="col">Desde</th><th scope="col">Destino final</th><th scope="col">Fundamento</th><th scope="col">Dictada</th></tr></thead>
<tbody>${rules.map(
    (r) => html`<tr>
<td data-label="Serie">${r.seriesCode}</td>
<td data-label="Versión" class="num">${r.version}</td>
<td data-label="Plazo" class="num">${years(r.periodYears)}</td>
<td data-label="Desde">${TRIGGER_LABEL[r.trigger]}${r.triggerDate ? ` (${fecha(`${r.triggerDate}T12:00:00Z`)})` : ''}</td>
<td data-label="Destino final">${DISPOSITION_LABEL[r.disposition]}</td>
<td data-label="Fundamento">${r.reason}${r.appliesToRunning ? html`<br><strong>Revisión explícita:</strong> ${r.reviewReason}` : ''}</td>
<td data-label="Dictada">${momento(r.createdAt)}</td>
</tr>`,
  )}</tbody>
</table></div>
</section>`;
}

function seriesForm(): Html {
  return html`<form data-api action="/v1/series" data-ok="Serie creada." class="formulario">
<h3>Nueva serie</h3>
<label for="serie-codigo">Código</label>
<input id="serie-codigo" name="code" required maxlength="100" aria-describedby="serie-codigo-ayuda" autocomplete="off">
<p id="serie-codigo-ayuda" class="ayuda">Segmentos separados por punto: 01, 01.02, 01.02.03. La serie superior debe existir.</p>
<label for="serie-titulo">Título</label>
<input id="serie-titulo" name="title" required maxlength="300">
<label for="serie-descripcion">Descripción (opcional)</label>
<textarea id="serie-descripcion" name="description" rows="2" maxlength="2000"></textarea>
${formEnd('Crear serie')}
</form>`;
}

function ruleForm(series: SeriesRow[]): Html {
  if (!series.length) return html`<p>Cree una serie para poder fijar su regla de retención.</p>`;
  return html`<form data-api action="/v1/retention-rules" data-ok="Nueva versión de la regla vigente." class="formulario">
<h3>Nueva versión de regla</h3>
<label for="regla-serie">Serie</label>
<select id="regla-serie" name="series" required>${series.map((s) => html`<option value="${s.code}">${s.code} · ${s.title}</option>`)}</select>
<label for="regla-plazo">Plazo de conservación (años)</label>
<input id="regla-plazo" name="periodYears" type="number" min="0" max="500" step="1" required data-type="number" inputmode="numeric">
<label for="regla-desde">El plazo corre desde</label>
<select id="regla-desde" name="trigger" required aria-describedby="regla-fecha-ayuda">${TRIGGERS.map((t) => html`<option value="${t}">${TRIGGER_LABEL[t]}</option>`)}</select>
<label for="regla-fecha">Fecha fija (solo si el plazo corre desde una fecha fija)</label>
<input id="regla-fecha" name="triggerDate" type="date" aria-describedby="regla-fecha-ayuda">
<p id="regla-fecha-ayuda" class="ayuda">Deje la fecha vacía salvo que elija «Fecha fija».</p>
<label for="regla-destino">Destino final</label>
<select id="regla-destino" name="disposition" required>${DISPOSITIONS.map((d) => html`<option value="${d}">${DISPOSITION_LABEL[d]}</option>`)}</select>
<label for="regla-fundamento">Fundamento</label>
<textarea id="regla-fundamento" name="reason" rows="2" required maxlength="2000" aria-describedby="regla-fundamento-ayuda"></textarea>
<p id="regla-fundamento-ayuda" class="ayuda">Por ejemplo, la tabla de retención aprobada y su resolución.</p>
<label for="regla-revision">Motivo de revisión (solo al acortar un plazo que debe regir los plazos en curso)</label>
<textarea id="regla-revision" name="review.reason" rows="2" maxlength="2000" aria-describedby="regla-revision-ayuda"></textarea>
<p id="regla-revision-ayuda" class="ayuda">Sin este motivo, un plazo más corto solo rige los plazos que empiecen desde ahora; los que ya corren conservan el más largo. La revisión queda auditada.</p>
${formEnd('Fijar la nueva versión')}
</form>`;
}

async function seriesPage(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/series');
  const actor = w.session.actor;
  const [series, rules] = await Promise.all([w.services.retention.listSeries(actor), w.services.retention.rules(actor)]);
  const current = new Map<string, RuleRow>();
  for (const r of rules) current.set(r.seriesCode, r); // oldest first: the last one kept is the one in force
  const canSeries = w.can.call('post', '/v1/series');
  const canRule = w.can.call('post', '/v1/retention-rules');
  const body = html`<section aria-labelledby="cuadro-titulo">
<h2 id="cuadro-titulo">Cuadro de clasificación</h2>
${seriesTable(series, current)}
</section>
${
  canSeries || canRule
    ? html`<section aria-labelledby="cambios-titulo">
<h2 id="cambios-titulo">Cambios al cuadro y a la tabla de retención</h2>
<div class="columnas">${canSeries ? seriesForm() : ''}${canRule ? ruleForm(series) : ''}</div>
</section>`
    : ''
}
${rulesHistory(rules)}`;
  return archivePage(w, '/archivo', 'Series y retención', body);
}

const TARGET: Record<HoldRow['targetType'], string> = { case_file: 'Expediente', document: 'Documento', series: 'Serie' };

async function holdsPage(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/legal-holds');
  const actor = w.session.actor;
  const holds = await w.services.legalHolds.list(actor, undefined);
  const active = holds.filter((h) => !h.releasedAt);
  const released = holds.filter((h) => h.releasedAt);
  const canPlace = w.can.call('post', '/v1/legal-holds');
  const canRelease = w.can.call('post', '/v1/legal-holds/:id/release');
  // Documents are named by their identifier and title; a destroyed or unreadable one keeps its internal id.
  const documentNames = new Map<string, string>();
  for (const id of new Set(holds.filter((h) => h.targetType === 'document').map((h) => h.targetId!))) {
    const doc = await w.services.documents.get(actor, id).catch(() => null);
    if (doc) documentNames.set(id, `${doc.identifier} · ${doc.title}`);
  }
  const target = (h: HoldRow) =>
    h.targetType === 'series'
      ? html`Serie ${h.seriesCode}`
      : h.caseFileIuie
        ? html`Expediente ${caseFileLink(h.caseFileIuie)}`
      : h.targetType === 'document' && documentNames.has(h.targetId!)
        ? html`Documento <a href="/documentos/${h.targetId}">${documentNames.get(h.targetId!)}</a>`
        : html`${TARGET[h.targetType]} <span class="hash">${h.targetId}</span>`;
  const place = canPlace
    ? html`<section aria-labelledby="poner-titulo">
<h2 id="poner-titulo">Poner una retención legal</h2>
<p>Mientras una retención esté vigente, nada bajo ella se elimina: las eliminaciones la omiten con su motivo.</p>
<form data-api action="/v1/legal-holds" data-ok="Retención puesta." class="formulario">
<fieldset>
<legend>Sobre qué (complete solo uno)</legend>
<label for="retencion-expediente">IUIe del expediente</label>
<input id="retencion-expediente" name="caseFile" maxlength="200" autocomplete="off">
<label for="retencion-documento">Identificador interno del documento</label>
<input id="retencion-documento" name="document" maxlength="36" autocomplete="off" aria-describedby="retencion-documento-ayuda">
<p id="retencion-documento-ayuda" class="ayuda">El identificador que aparece en la página del documento (36 caracteres).</p>
<label for="retencion-serie">Código de serie</label>
<input id="retencion-serie" name="series" maxlength="100" autocomplete="off">
</fieldset>
<label for="retencion-motivo">Motivo</label>
<textarea id="retencion-motivo" name="reason" rows="2" required maxlength="2000" aria-describedby="retencion-motivo-ayuda"></textarea>
<p id="retencion-motivo-ayuda" class="ayuda">Causa judicial, auditoría, solicitud de acceso… Queda en el registro de auditoría.</p>
${formEnd('Poner retención')}
</form>
</section>`
    : '';
  const activeList = html`<section aria-labelledby="vigentes-titulo">
<h2 id="vigentes-titulo">Retenciones vigentes</h2>
${
  active.length
    ? html`<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Retenciones legales vigentes, la más reciente primero</caption>
<thead><tr><th scope="col">Sobre</th><th scope="col">Motivo</th><th scope="col">Puesta</th>${canRelease ? html`<th scope="col">Levantar</th>` : ''}</tr></thead>
<tbody>${active.map(
        (h, i) => html`<tr>
<td data-label="Sobre">${target(h)}</td>
<td data-label="Motivo">${h.reason}</td>
<td data-label="Puesta">${momento(h.createdAt)}</td>
${
  canRelease
    ? html`<td data-label="Levantar"><form data-api action="/v1/legal-holds/${h.id}/release" data-ok="Retención levantada." class="en-linea">
<label for="levantar-${i}">Motivo para levantarla</label>
<input id="levantar-${i}" name="reason" required maxlength="2000">
${formEnd('Levantar', 'secundario')}
</form></td>`
    : ''
}
</tr>`,
      )}</tbody>
</table></div>`
    : html`<p>No hay retenciones legales vigentes.</p>`
}
</section>`;
  const releasedList = released.length
    ? html`<section aria-labelledby="levantadas-titulo">
<h2 id="levantadas-titulo">Retenciones levantadas</h2>
<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Retenciones legales ya levantadas</caption>
<thead><tr><th scope="col">Sobre</th><th scope="col">Motivo</th><th scope="col">Puesta</th><th scope="col">Levantada</th><th scope="col">Motivo del levantamiento</th></tr></thead>
<tbody>${released.map(
        (h) => html`<tr><td data-label="Sobre">${target(h)}</td><td data-label="Motivo">${h.reason}</td><td data-label="Puesta">${momento(h.createdAt)}</td><td data-label="Levantada">${momento(h.releasedAt)}</td><td data-label="Motivo del levantamiento">${h.releaseReason ?? '—'}</td></tr>`,
      )}</tbody>
</table></div>
</section>`
    : '';
  return archivePage(w, '/archivo/retenciones', 'Retenciones legales', html`${place}${activeList}${releasedList}`);
}

export const archiveSeriesPages: WebPage[] = [
  { path: '/archivo', handler: seriesPage },
  { path: '/archivo/retenciones', handler: holdsPage },
];
