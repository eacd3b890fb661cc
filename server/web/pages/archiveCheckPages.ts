import { RULES } from '../../../standards/archive/validation/PackageReport.ts';
import type { RunRow } from '../../features/fixity/fixityRepository.ts';
import type { FixityAlert } from '../../features/fixity/fixityService.ts';
import { momento, numero, tamano } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { WebPage, WebRequest } from '../webRoutes.ts';
import { archivePage, caseFileLink, formEnd } from './archiveCommon.ts';

/** The rules grouped as the validator applies them: container first, then BagIt, then E-ARK. */
const GROUPS: Array<{ title: string; prefix: (rule: string) => boolean }> = [
  { title: 'Seguridad del contenedor', prefix: (r) => r.startsWith('SAFE-') || r === 'PACKAGE-KIND' },
  { title: 'BagIt 1.0', prefix: (r) => r.startsWith('BAGIT-') },
  { title: 'E-ARK: METS, PREMIS y sumas de verificación', prefix: (r) => !r.startsWith('SAFE-') && r !== 'PACKAGE-KIND' && !r.startsWith('BAGIT-') },
];

async function packagesPage(w: WebRequest): Promise<Html> {
  w.can.require('post', '/v1/packages/validate');
  const rules = Object.entries(RULES);
  const body = html`<section aria-labelledby="validar-titulo">
<h2 id="validar-titulo">Validar un paquete</h2>
<p>Suba un paquete de archivo, propio o recibido, como tar sin comprimir o zip. Se revisa sin extraerlo ni guardarlo: la seguridad del contenedor, BagIt 1.0, METS y PREMIS contra los esquemas oficiales, las reglas E-ARK y cada suma de verificación.</p>
<form data-api action="/v1/packages/validate" enctype="multipart/form-data" method="post" data-ok="{detail}" data-findings="informe-paquete" class="formulario">
<label for="paquete-archivo">Paquete (tar o zip)</label>
<input type="file" id="paquete-archivo" name="file" required accept=".tar,.zip,application/x-tar,application/zip" aria-describedby="paquete-ayuda">
<p id="paquete-ayuda" class="ayuda">El veredicto aparece aquí mismo, y debajo cada hallazgo (errores y advertencias) con su regla, el archivo y qué está mal.</p>
<label for="paquete-modo">Modo</label>
<select id="paquete-modo" name="strict" aria-describedby="paquete-modo-ayuda">
<option value="true">Estricto (E-ARK CSIP 2.1)</option>
<option value="false">Tolerante con CSIP 2.0 y finales de línea</option>
</select>
<p id="paquete-modo-ayuda" class="ayuda">El modo tolerante informa como advertencias las desviaciones de paquetes CSIP 2.0 y los daños de finales de línea.</p>
<progress data-upload hidden aria-label="Enviando el paquete"></progress>
${formEnd('Validar paquete')}
</form>
<div id="informe-paquete" class="tabla-desplazable" aria-live="polite"></div>
</section>
<section aria-labelledby="reglas-titulo">
<h2 id="reglas-titulo">Qué se revisa</h2>
${GROUPS.map(
  (g, i) => html`<h3 id="grupo-${i}">${g.title}</h3>
<div class="tabla-desplazable"><table>
<caption>Reglas de ${g.title}</caption>
<thead><tr><th scope="col">Regla</th><th scope="col">Qué exige</th></tr></thead>
<tbody>${rules.filter(([r]) => g.prefix(r)).map(([r, text]) => html`<tr><td><code>${r}</code></td><td>${text}</td></tr>`)}</tbody>
</table></div>`,
)}
<p class="ayuda">Además, cada requisito E-ARK del Schematron oficial (CSIP1, CSIP63…) se informa con su código.</p>
</section>`;
  return archivePage(w, '/archivo/paquetes', 'Validar paquetes de archivo', body);
}

const OUTCOME: Record<string, string> = { mismatch: 'Bytes alterados', missing: 'Falta en el almacén' };
const RUN_STATE: Record<RunRow['state'], string> = { running: 'En curso', completed: 'Terminada', failed: 'Falló', interrupted: 'Interrumpida' };
const TRIGGER: Record<RunRow['trigger'], string> = { schedule: 'Programada', cli: 'Línea de comandos', api: 'Pedida por una persona o programa' };

function referenceText(r: FixityAlert['references'][number]): Html {
  if (r.caseFile) return html`Expediente ${caseFileLink(r.caseFile)}${r.indexVersion ? html`, índice v${r.indexVersion}` : ''}`;
  if (r.documentId) return html`<a href="/documentos/${r.documentId}">Documento</a>${r.version ? html` v${r.version}` : ''}`;
  if (r.receiptNumber) return html`Comprobante ${r.receiptNumber}`;
  if (r.communicationId) return html`Comunicación <span class="hash">${r.communicationId}</span>`;
  if (r.copyId) return html`Copia autorizada <span class="hash">${r.copyId}</span>`;
  return html`${r.kind}`;
}

async function fixityPage(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/fixity/alerts');
  const [alerts, runs] = await Promise.all([w.services.fixity.alerts(w.session.actor, null, 100), w.services.fixity.list(null, 20)]);
  const live = runs.some((r) => r.state === 'running');
  const canStart = w.can.call('post', '/v1/fixity/runs') && !live;
  const body = html`<section aria-labelledby="alertas-titulo">
<h2 id="alertas-titulo">Objetos dañados</h2>
${
  alerts.length
    ? html`<p class="aviso error">${numero(alerts.length)} objeto(s) de su agencia fallaron su última verificación. Restaure cada uno desde un respaldo y vuelva a verificar; mientras tanto, su contenido no es confiable.</p>
<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Objetos cuya última verificación falló, el más reciente primero</caption>
<thead><tr><th scope="col">Daño</th><th scope="col">Registros afectados</th><th scope="col">SHA-256 esperado</th><th scope="col">Verificado</th></tr></thead>
<tbody>${alerts.map(
        (a) => html`<tr>
<td data-label="Daño"><span class="estado">${OUTCOME[a.check.outcome] ?? a.check.outcome}</span></td>
<td data-label="Registros afectados">${a.references.length ? html`<ul>${a.references.map((r) => html`<li>${referenceText(r)}</li>`)}</ul>` : 'Ninguno de su agencia'}</td>
<td data-label="SHA-256 esperado" class="hash">${a.check.expectedSha256}</td>
<td data-label="Verificado">${momento(a.check.checkedAt)}</td>
</tr>`,
      )}</tbody>
</table></div>`
    : html`<p class="aviso ok">Ningún objeto de su agencia falló su última verificación de integridad.</p>`
}
</section>
<section id="verificaciones" aria-labelledby="verificaciones-titulo" data-done="La verificación de integridad terminó."${live ? html` data-refresh="3000"` : ''}>
<h2 id="verificaciones-titulo">Verificaciones recientes</h2>
${
  canStart
    ? html`<form data-api action="/v1/fixity/runs" data-ok="Verificación pedida: su avance aparece abajo." class="acciones">${formEnd('Verificar la integridad ahora')}</form>`
    : ''
}
${
  runs.length
    ? html`<div class="tabla-desplazable"><table class="tabla-movil">
<caption>Verificaciones de integridad, la más reciente primero</caption>
<thead><tr><th scope="col">Inicio</th><th scope="col">Origen</th><th scope="col">Estado</th><th scope="col" class="num">Objetos verificados</th><th scope="col" class="num">Bytes verificados</th><th scope="col" class="num">Alterados</th><th scope="col" class="num">Faltantes</th></tr></thead>
<tbody>${runs.map(
        (r) => html`<tr>
<td data-label="Inicio">${momento(r.startedAt)}</td>
<td data-label="Origen">${TRIGGER[r.trigger]}</td>
<td data-label="Estado"><span class="estado">${RUN_STATE[r.state]}</span>${r.error ? html` ${r.error}` : ''}</td>
<td data-label="Objetos verificados" class="num">${numero(r.objectsChecked)}${r.objectsTotal !== null ? html` de ${numero(r.objectsTotal)}` : ''}</td>
<td data-label="Bytes verificados" class="num">${tamano(r.bytesChecked)}</td>
<td data-label="Alterados" class="num">${numero(r.mismatches)}</td>
<td data-label="Faltantes" class="num">${numero(r.missing)}</td>
</tr>`,
      )}</tbody>
</table></div>`
    : html`<p>Aún no se ha verificado la integridad del almacén.</p>`
}
</section>`;
  return archivePage(w, '/archivo/fixity', 'Integridad del almacén', body);
}

export const archiveCheckPages: WebPage[] = [
  { path: '/archivo/paquetes', handler: packagesPage },
  { path: '/archivo/fixity', handler: fixityPage },
];
