import { z } from 'zod';
import type { TransferCaseFile, TransferRow, TransferState } from '../../features/transfers/transferRepository.ts';
import { fechaHora, momento, numero, tamano } from '../format.ts';
import { idParam } from '../requestParts.ts';
import { html, type Html } from '../html.ts';
import type { WebPage, WebRequest } from '../webRoutes.ts';
import { archivePage, caseFileLink, formEnd } from './archiveCommon.ts';

const STATE_LABEL: Record<TransferState, string> = {
  queued: 'En cola',
  building: 'Construyendo el paquete',
  ready: 'Paquete listo',
  failed: 'Falló',
  confirmed: 'Confirmada por el Archivo Nacional',
};

const PAGE_SIZE = 50;
const uuid = z.uuid();

const building = (t: TransferRow) => t.state === 'queued' || t.state === 'building';

/** How far the build went, drawn by the server; while it runs the page script re-reads it. */
function progress(t: TransferRow): Html {
  const running = building(t);
  const filesTotal = Math.max(t.filesTotal, t.filesDone);
  return html`<section id="avance" aria-labelledby="avance-titulo" data-done="${t.state === 'failed' ? 'La transferencia falló; el motivo está en la página.' : 'La transferencia terminó.'}"${running ? html` data-refresh="1500"` : ''}>
<h2 id="avance-titulo">Avance</h2>
${
  running
    ? html`<p><span class="estado">${STATE_LABEL[t.state]}</span></p>
${
  t.filesTotal > 0
    ? html`<progress id="avance-barra" value="${t.filesDone}" max="${filesTotal}" aria-label="Archivos escritos en el paquete">${numero(t.filesDone)} de ${numero(filesTotal)}</progress>
<p>${numero(t.filesDone)} de ${numero(filesTotal)} archivos, ${tamano(t.bytesDone)} de ${tamano(t.bytesTotal)}.</p>`
    : html`<progress id="avance-barra" aria-label="Preparando el paquete"></progress><p>Reuniendo los expedientes y sus documentos…</p>`
}
<p class="ayuda">Esta sección se actualiza sola; no necesita recargar la página.</p>`
    : t.state === 'failed'
      ? html`<p class="aviso error">No se pudo construir el paquete: ${t.error ?? 'motivo desconocido'}</p>
<p>Corrija lo indicado (por ejemplo, restaure el contenido faltante desde un respaldo) y pida una nueva transferencia con los mismos expedientes.</p>`
      : html`<p><span class="estado">${STATE_LABEL[t.state]}</span> · ${numero(t.filesTotal)} archivos, ${tamano(t.bytesTotal)} · terminada ${momento(t.finishedAt)}</p>`
}
</section>`;
}

function packageSection(w: WebRequest, t: TransferRow): Html {
  if (!t.packageSha256 || t.packageSize === null) return html``;
  const confirm = t.state === 'ready' && w.can.call('post', '/v1/transfers/:id/confirm');
  return html`<section aria-labelledby="paquete-titulo">
<h2 id="paquete-titulo">Paquete</h2>
<dl class="ficha">
  <dt>Tamaño</dt><dd>${tamano(t.packageSize)} (${numero(t.packageSize)} bytes)</dd>
  <dt>SHA-256</dt><dd class="hash">${t.packageSha256}</dd>
</dl>
<p class="acciones">
  <a class="boton" href="/v1/transfers/${t.id}/package" download>Descargar paquete (tar)</a>
  <a class="boton secundario" href="/v1/transfers/${t.id}/package?format=zip" download>Descargar en zip</a>
</p>
<p class="ayuda">El paquete es una bolsa BagIt con un SIP E-ARK 2.2; el tar es el que se entrega al Archivo Nacional.</p>
${
  confirm
    ? html`<form data-api action="/v1/transfers/${t.id}/confirm" data-ok="Transferencia confirmada: sus expedientes quedaron transferidos." class="formulario" data-confirm="¿Confirmar que el Archivo Nacional aceptó el paquete? Sus expedientes quedarán transferidos, solo para lectura.">
<h3>Confirmar la recepción</h3>
<label for="referencia-recepcion">Referencia de recepción del Archivo Nacional</label>
<input id="referencia-recepcion" name="receptionReference" required maxlength="200" aria-describedby="referencia-ayuda">
<p id="referencia-ayuda" class="ayuda">El número o acta con que el Archivo Nacional acusó recibo del paquete.</p>
${formEnd('Confirmar recepción')}
</form>`
    : ''
}
${t.state === 'confirmed' ? html`<p class="aviso ok">Confirmada ${momento(t.confirmedAt)} con la referencia «${t.receptionReference}».</p>` : ''}
</section>`;
}

async function transferPage(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/transfers/:id');
  const id = idParam(w.ctx.params.id, 'una transferencia');
  const { transfer: t, caseFiles } = await w.services.transfers.get(w.session.actor, id);
  const body = html`<p><a href="/archivo/transferencias">Volver a las transferencias</a></p>
<dl class="ficha">
  <dt>Estado</dt><dd><span class="estado">${STATE_LABEL[t.state]}</span></dd>
  <dt>Identificador del paquete</dt><dd class="hash">urn:uuid:${t.id}</dd>
  <dt>Pedida</dt><dd>${momento(t.createdAt)}</dd>
  ${t.seriesCode ? html`<dt>Serie</dt><dd>${t.seriesCode}</dd>` : ''}
  ${t.dispositionId ? html`<dt>Eliminación que la pidió</dt><dd><a href="/archivo/disposiciones/${t.dispositionId}">Ver la eliminación</a></dd>` : ''}
</dl>
${progress(t)}
${packageSection(w, t)}
${caseFileTable(caseFiles)}`;
  return archivePage(w, '/archivo/transferencias', `Transferencia del ${dateTitle(t.createdAt)}`, body);
}

/** A transfer has no name of its own: people tell them apart by when they were asked for. */
const dateTitle = (d: Date) => fechaHora(d);

function caseFileTable(caseFiles: TransferCaseFile[]): Html {
  return html`<section aria-labelledby="expedientes-titulo">
<h2 id="expedientes-titulo">Expedientes (${numero(caseFiles.length)})</h2>
<div class="tabla-desplazable"><table>
<caption>Expedientes que lleva el paquete, en su orden</caption>
<thead><tr><th scope="col" class="num">Orden</th><th scope="col">IUIe</th><th scope="col" class="num">Versión del índice</th></tr></thead>
<tbody>${caseFiles.map((c) => html`<tr><td class="num">${numero(c.position)}</td><td>${caseFileLink(c.iuie)}</td><td class="num">${numero(c.indexVersion)}</td></tr>`)}</tbody>
</table></div>
</section>`;
}

async function transfersPage(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/transfers');
  const actor = w.session.actor;
  const cursor = typeof w.ctx.query.antes === 'string' && uuid.safeParse(w.ctx.query.antes).success ? w.ctx.query.antes : undefined;
  const rows = await w.services.transfers.list(actor, { before: cursor, limit: PAGE_SIZE }).catch(() => w.services.transfers.list(actor, { limit: PAGE_SIZE }));
  const page = rows.slice(0, PAGE_SIZE);
  const more = rows.length > PAGE_SIZE ? page.at(-1)!.transfer.id : null;
  const canCreate = w.can.call('post', '/v1/transfers');
  let createForms: Html = html``;
  if (canCreate) {
    const closed = await w.services.caseFiles.list(actor, { state: 'cerrado', limit: 200 });
    const series = await w.services.retention.listSeries(actor);
    createForms = html`<section aria-labelledby="nueva-titulo">
<h2 id="nueva-titulo">Nueva transferencia</h2>
<p>Elija expedientes cerrados o una serie completa. El paquete se construye en segundo plano y verá su avance aquí.</p>
<div class="columnas">
<form data-api action="/v1/transfers" data-next="/archivo/transferencias/{id}" class="formulario">
<fieldset>
<legend>Por expedientes cerrados</legend>
${
  closed.length
    ? closed.slice(0, 200).map((c, i) => html`<div class="casilla"><input type="checkbox" id="expediente-${i}" name="caseFiles" value="${c.iuie}" data-type="list"> <label for="expediente-${i}">${c.iuie} · ${c.title}</label></div>`)
    : html`<p>No hay expedientes cerrados por transferir. Cierre un expediente desde su página para poder transferirlo.</p>`
}
</fieldset>
${formEnd('Transferir los expedientes elegidos')}
</form>
${
  series.length
    ? html`<form data-api action="/v1/transfers" data-next="/archivo/transferencias/{id}" class="formulario">
<label for="transferir-serie">Serie</label>
<select id="transferir-serie" name="series" required aria-describedby="transferir-serie-ayuda">
${series.map((s) => html`<option value="${s.code}">${s.code} · ${s.title}</option>`)}
</select>
<p id="transferir-serie-ayuda" class="ayuda">Se transfieren todos sus expedientes que no estén ya transferidos; deben estar cerrados.</p>
${formEnd('Transferir la serie')}
</form>`
    : ''
}
</div>
</section>`;
  }
  const list = html`<section aria-labelledby="lista-titulo">
<h2 id="lista-titulo">Transferencias de su agencia</h2>
${
  page.length
    ? html`<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Transferencias, la más reciente primero</caption>
<thead><tr><th scope="col">Pedida</th><th scope="col">Estado</th><th scope="col">Expedientes</th><th scope="col" class="num">Tamaño del paquete</th><th scope="col">Detalle</th></tr></thead>
<tbody>${page.map(
        ({ transfer: t, caseFiles }) => html`<tr>
<td data-label="Pedida">${momento(t.createdAt)}</td>
<td data-label="Estado"><span class="estado">${STATE_LABEL[t.state]}</span>${building(t) && t.filesTotal ? html` ${numero(t.filesDone)} de ${numero(t.filesTotal)} archivos` : ''}</td>
<td data-label="Expedientes">${t.seriesCode ? html`Serie ${t.seriesCode}: ` : ''}${numero(caseFiles.length)} (${caseFiles.slice(0, 3).map((c) => c.iuie).join(', ')}${caseFiles.length > 3 ? '…' : ''})</td>
<td data-label="Tamaño del paquete" class="num">${tamano(t.packageSize)}</td>
<td data-label="Detalle"><a href="/archivo/transferencias/${t.id}">Ver transferencia<span class="visualmente-oculto"> del ${dateTitle(t.createdAt)}</span></a></td>
</tr>`,
      )}</tbody>
</table></div>
${more ? html`<p><a href="/archivo/transferencias?antes=${more}">Transferencias anteriores</a></p>` : ''}`
    : html`<p>Su agencia aún no ha pedido transferencias al Archivo Nacional.</p>`
}
</section>`;
  return archivePage(w, '/archivo/transferencias', 'Transferencias al Archivo Nacional', html`${createForms}${list}`);
}

export const archiveTransferPages: WebPage[] = [
  { path: '/archivo/transferencias', handler: transfersPage },
  { path: '/archivo/transferencias/:id', handler: transferPage },
];
