import type { DispositionItemRow, DispositionRow } from '../../features/archive/dispositionService.ts';
import type { Disposition } from '../../features/archive/effectiveSchedule.ts';
import { fecha, momento, numero, tamano } from '../format.ts';
import { idParam } from '../requestParts.ts';
import { html, type Html } from '../html.ts';
import type { WebPage, WebRequest } from '../webRoutes.ts';
import { archivePage, DISPOSITION_LABEL, formEnd } from './archiveCommon.ts';

const STATE_LABEL: Record<DispositionRow['state'], string> = {
  proposed: 'Propuesta: espera la aprobación de otro archivero',
  approved: 'Aprobada: en cola para ejecutarse',
  running: 'En ejecución',
  completed: 'Terminada',
  failed: 'Falló: puede reanudarse',
  cancelled: 'Cancelada',
};
const ITEM_STATE: Record<DispositionItemRow['state'], string> = { pending: 'Pendiente', done: 'Hecho', skipped: 'Omitido' };
const ACTION_SHORT: Record<Disposition, string> = { transfer: 'Transferencia', destroy: 'Eliminación', review: 'Revisión' };
const KIND: Record<DispositionItemRow['targetType'], string> = { case_file: 'Expediente', document: 'Documento' };

const ITEMS_PAGE = 100;

async function dispositionsPage(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/dispositions');
  const runs = await w.services.dispositions.list(w.session.actor, 50);
  const canPlan = w.can.call('post', '/v1/dispositions');
  const plan = canPlan
    ? html`<section aria-labelledby="simular-titulo">
<h2 id="simular-titulo">Simular una eliminación</h2>
<p>La simulación lista lo que venció a la fecha de corte, con cantidades y tamaños por acción, y lo que se omitirá con su motivo. Nada se elimina ni se transfiere hasta que <strong>otro archivero</strong> la apruebe.</p>
<form data-api action="/v1/dispositions" data-next="/archivo/disposiciones/{id}" class="formulario">
<label for="fecha-corte">Fecha de corte (opcional)</label>
<input type="date" id="fecha-corte" name="dueBy" data-type="datetime" aria-describedby="fecha-corte-ayuda">
<p id="fecha-corte-ayuda" class="ayuda">Se incluyen los registros cuyo plazo venció hasta esa fecha. Si la deja vacía, se usa el momento actual.</p>
${formEnd('Simular eliminación')}
</form>
</section>`
    : '';
  const list = html`<section aria-labelledby="ejecuciones-titulo">
<h2 id="ejecuciones-titulo">Eliminaciones de su agencia</h2>
${
  runs.length
    ? html`<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Eliminaciones, la más reciente primero</caption>
<thead><tr><th scope="col">Propuesta</th><th scope="col">Fecha de corte</th><th scope="col">Estado</th><th scope="col" class="num">Registros</th><th scope="col" class="num">Tamaño</th><th scope="col">Acta</th><th scope="col">Detalle</th></tr></thead>
<tbody>${runs.map(
        (d) => html`<tr>
<td data-label="Propuesta">${momento(d.createdAt)}</td>
<td data-label="Fecha de corte">${momento(d.dueAt)}</td>
<td data-label="Estado"><span class="estado">${STATE_LABEL[d.state]}</span></td>
<td data-label="Registros" class="num">${numero(d.itemsDone)} de ${numero(d.itemsTotal)}</td>
<td data-label="Tamaño" class="num">${tamano(d.bytesTotal)}</td>
<td data-label="Acta">${d.certificateNumber ?? '—'}</td>
<td data-label="Detalle"><a href="/archivo/disposiciones/${d.id}">Ver eliminación<span class="visualmente-oculto"> propuesta el ${fecha(d.createdAt)}</span></a></td>
</tr>`,
      )}</tbody>
</table></div>`
    : html`<p>Aún no se ha propuesto ninguna eliminación.</p>`
}
</section>`;
  return archivePage(w, '/archivo/disposiciones', 'Eliminaciones', html`${plan}${list}`);
}

/** Counts and bytes per action and outcome, as the dry run and the run report them. */
function totalsTable(totals: Array<{ action: string; state: string; items: number; bytes: number }>): Html {
  if (!totals.length) return html`<p>No hay registros vencidos a la fecha de corte: no hay nada que eliminar ni transferir.</p>`;
  return html`<div class="tabla-desplazable"><table>
<caption>Registros por acción y resultado</caption>
<thead><tr><th scope="col">Acción</th><th scope="col">Resultado</th><th scope="col" class="num">Registros</th><th scope="col" class="num">Tamaño</th></tr></thead>
<tbody>${totals.map(
    (t) => html`<tr><td>${DISPOSITION_LABEL[t.action as Disposition] ?? t.action}</td><td>${ITEM_STATE[t.state as DispositionItemRow['state']] ?? t.state}</td><td class="num">${numero(t.items)}</td><td class="num">${tamano(t.bytes)}</td></tr>`,
  )}</tbody>
</table></div>`;
}

function runProgress(d: DispositionRow): Html {
  const running = d.state === 'approved' || d.state === 'running';
  return html`<section id="avance" aria-labelledby="avance-titulo" data-done="${d.state === 'failed' ? 'La eliminación se detuvo; el motivo está en la página.' : 'La eliminación terminó.'}"${running ? html` data-refresh="1500"` : ''}>
<h2 id="avance-titulo">Estado</h2>
<p><span class="estado">${STATE_LABEL[d.state]}</span></p>
${
  running
    ? html`<progress value="${d.itemsDone}" max="${Math.max(d.itemsTotal, 1)}" aria-label="Registros procesados">${numero(d.itemsDone)} de ${numero(d.itemsTotal)}</progress>
<p>${numero(d.itemsDone)} de ${numero(d.itemsTotal)} registros procesados. Esta sección se actualiza sola.</p>`
    : ''
}
${d.state === 'failed' ? html`<p class="aviso error">La ejecución se detuvo: ${d.error ?? 'motivo desconocido'}. Corrija la causa y reanúdela: seguirá donde quedó, sin repetir nada.</p>` : ''}
</section>`;
}

function actions(w: WebRequest, d: DispositionRow): Html {
  const mine = d.createdBy === w.session.actor.principalId;
  const parts: Html[] = [];
  if (d.state === 'proposed' && w.can.call('post', '/v1/dispositions/:id/approve')) {
    parts.push(html`${mine ? html`<p class="aviso alerta">Usted propuso esta eliminación: la debe aprobar otro archivero de su agencia (principio de cuatro ojos).</p>` : html`<p>Revise los registros y lo que se omitirá antes de aprobar. Al aprobar, los registros se eliminan o transfieren en segundo plano y se emite el acta.</p>`}
<div class="acciones">
<form data-api action="/v1/dispositions/${d.id}/approve" data-ok="Eliminación aprobada: se está ejecutando." data-confirm="¿Aprobar y ejecutar esta eliminación? Lo eliminado no se puede recuperar.">
${formEnd('Aprobar y ejecutar', 'peligro')}
</form>
${
  w.can.call('post', '/v1/dispositions/:id/cancel')
    ? html`<form data-api action="/v1/dispositions/${d.id}/cancel" data-ok="Propuesta cancelada." data-confirm="¿Cancelar esta propuesta? Habrá que simular de nuevo.">
${formEnd('Cancelar la propuesta', 'secundario')}
</form>`
    : ''
}
</div>`);
  }
  if (d.state === 'failed' && w.can.call('post', '/v1/dispositions/:id/resume')) {
    parts.push(html`<form data-api action="/v1/dispositions/${d.id}/resume" data-ok="Eliminación reanudada.">${formEnd('Reanudar la eliminación')}</form>`);
  }
  if (d.certificateNumber) {
    parts.push(html`<p><a class="boton" href="/v1/dispositions/${d.id}/certificate" download>Descargar el acta de eliminación ${d.certificateNumber} (PDF firmado)</a></p>`);
  } else if (d.state === 'completed') {
    parts.push(html`<p>No se eliminó ningún registro, así que no hay acta de eliminación.</p>`);
  }
  if (d.transferId) parts.push(html`<p><a href="/archivo/transferencias/${d.transferId}">Ver la transferencia al Archivo Nacional de esta ejecución</a></p>`);
  return parts.length ? html`<section aria-labelledby="acciones-titulo"><h2 id="acciones-titulo">Acciones</h2>${parts}</section>` : html``;
}

async function dispositionPage(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/dispositions/:id');
  const id = idParam(w.ctx.params.id, 'una eliminación');
  const actor = w.session.actor;
  const d = await w.services.dispositions.get(actor, id);
  const after = typeof w.ctx.query.desde === 'string' && /^[1-9][0-9]{0,8}$/.test(w.ctx.query.desde) ? Number(w.ctx.query.desde) : undefined;
  const rows = await w.services.dispositions.items(actor, id, after, ITEMS_PAGE);
  const items = rows.slice(0, ITEMS_PAGE);
  const mine = d.createdBy === actor.principalId;
  const body = html`<p><a href="/archivo/disposiciones">Volver a las eliminaciones</a></p>
<dl class="ficha">
  <dt>Fecha de corte</dt><dd>${momento(d.dueAt)}</dd>
  <dt>Propuesta</dt><dd>${momento(d.createdAt)} por ${mine ? 'usted' : 'otro archivero'}</dd>
  ${d.approvedAt ? html`<dt>Aprobada</dt><dd>${momento(d.approvedAt)} por ${d.approvedBy === actor.principalId ? 'usted' : 'otro archivero'}</dd>` : ''}
  <dt>Registros</dt><dd>${numero(d.itemsTotal)} (${tamano(d.bytesTotal)})</dd>
  ${d.finishedAt ? html`<dt>Terminada</dt><dd>${momento(d.finishedAt)}</dd>` : ''}
</dl>
${runProgress(d)}
${actions(w, d)}
<section aria-labelledby="totales-titulo">
<h2 id="totales-titulo">Resumen por acción</h2>
${totalsTable(d.totals)}
</section>
<section aria-labelledby="registros-titulo">
<h2 id="registros-titulo">Registros</h2>
${
  items.length
    ? html`<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Registros de la eliminación, en orden${after ? ` desde el n.º ${numero(after + 1)}` : ''}</caption>
<thead><tr><th scope="col" class="num">N.º</th><th scope="col">Registro</th><th scope="col">Serie</th><th scope="col">Acción</th><th scope="col">Venció</th><th scope="col" class="num">Tamaño</th><th scope="col">Resultado</th></tr></thead>
<tbody>${items.map(
        (i) => html`<tr>
<td data-label="N.º" class="num">${numero(i.seq)}</td>
<td data-label="Registro">${KIND[i.targetType]}: ${i.label}</td>
<td data-label="Serie">${i.seriesCode ?? '—'}</td>
<td data-label="Acción">${ACTION_SHORT[i.action]}</td>
<td data-label="Venció">${momento(i.dueAt)}</td>
<td data-label="Tamaño" class="num">${tamano(i.bytes)}</td>
<td data-label="Resultado">${ITEM_STATE[i.state]}${i.skipReason ? html`: ${i.skipReason}` : ''}</td>
</tr>`,
      )}</tbody>
</table></div>
${rows.length > ITEMS_PAGE ? html`<p><a href="/archivo/disposiciones/${d.id}?desde=${items.at(-1)!.seq}">Registros siguientes</a></p>` : ''}`
    : html`<p>Esta eliminación no tiene registros.</p>`
}
</section>`;
  return archivePage(w, '/archivo/disposiciones', `Eliminación con corte al ${fecha(d.dueAt)}`, body);
}

export const archiveDispositionPages: WebPage[] = [
  { path: '/archivo/disposiciones', handler: dispositionsPage },
  { path: '/archivo/disposiciones/:id', handler: dispositionPage },
];
