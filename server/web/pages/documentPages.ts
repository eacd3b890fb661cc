import { z } from 'zod';
import { NotFoundError } from '../../errors.ts';
import type { SignatureRow, VersionRow } from '../../features/documents/documentRepository.ts';
import { ACCESS_LEVELS, DOCUMENT_TYPE_LABELS, MGDDE } from '../../../standards/chile/documentMetadata.ts';
import { momento, numero, tamano } from '../format.ts';
import { pdfPreview } from '../pdfPreview.ts';
import { idParam, oneQuery } from '../requestParts.ts';
import { html, type Html } from '../html.ts';
import type { WebPage, WebRequest } from '../webRoutes.ts';

/** Spanish names of the guide's document fields (Guía Técnica de Metadatos), in the guide's order. */
const FIELD_LABELS: Record<string, string> = {
  [MGDDE.identifier]: 'Identificador',
  [MGDDE.seriesCode]: 'Código de serie',
  [MGDDE.title]: 'Título',
  [MGDDE.captureResolution]: 'Resolución de captura',
  [MGDDE.fileName]: 'Nombre del archivo',
  [MGDDE.sizeKb]: 'Tamaño (KB)',
  [MGDDE.pages]: 'Páginas',
  [MGDDE.format]: 'Formato',
  [MGDDE.summary]: 'Resumen',
  [MGDDE.keywords]: 'Palabras clave',
  [MGDDE.language]: 'Idioma',
  [MGDDE.createdAt]: 'Fecha de creación',
  [MGDDE.capturedAt]: 'Fecha de captura',
  [MGDDE.documentType]: 'Tipo documental',
  [MGDDE.origin]: 'Origen',
  [MGDDE.incorporation]: 'Forma de incorporación',
  [MGDDE.externalUri]: 'URI en repositorio externo',
  [MGDDE.physicalLocation]: 'Ubicación física',
  [MGDDE.agencyCode]: 'Órgano productor',
  [MGDDE.agencyRelation]: 'Relación del órgano',
  [MGDDE.actors]: 'Actores',
  [MGDDE.accessLevel]: 'Nivel de acceso',
  [MGDDE.sensitive]: 'Contiene datos sensibles',
  [MGDDE.restrictionEnds]: 'Fin de la restricción',
  [MGDDE.signatureType]: 'Tipo de firma',
  [MGDDE.advancedSignature]: 'Firma electrónica avanzada',
  [MGDDE.signers]: 'Firmantes',
  [MGDDE.procedureCode]: 'Código de procedimiento (CPAT)',
  [MGDDE.procedureName]: 'Procedimiento',
  [MGDDE.schemaVersion]: 'Versión del esquema',
};

const YES_NO: Record<number, string> = { 1: 'Sí', 2: 'No' };
const CODED: Record<string, Record<number, string>> = {
  [MGDDE.documentType]: DOCUMENT_TYPE_LABELS,
  [MGDDE.incorporation]: { 1: 'Físico', 2: 'Digital', 3: 'Digitalización' },
  [MGDDE.agencyRelation]: { 1: 'Autor institucional', 2: 'Destinatario', 3: 'Productor', 4: 'Custodia' },
  [MGDDE.accessLevel]: ACCESS_LEVELS,
  [MGDDE.sensitive]: YES_NO,
  [MGDDE.advancedSignature]: YES_NO,
};
const DATES = new Set<string>([MGDDE.createdAt, MGDDE.capturedAt, MGDDE.restrictionEnds]);
const ACTOR_RELATIONS: Record<number, string> = { 1: 'Responsable', 2: 'Interesado', 3: 'Autor', 4: 'Referido', 5: 'Destinatario', 6: 'Ministro de fe' };
const ACTOR_TYPES: Record<number, string> = { 1: 'Ciudadano', 2: 'Extranjero', 3: 'Institución privada', 4: 'Funcionario' };

const ORIGIN_LABELS: Record<VersionRow['origin'], string> = { upload: 'Ingreso', signature: 'Firma', initials: 'Visación', 'registry-stamp': 'Timbre de número' };

/** A RUN as people write it in Chile: 16.000.000-7. */
export function formatRun(run: string | null | undefined): string {
  const m = run ? /^(\d+)-([\dkK])$/.exec(run) : null;
  return m ? `${numero(Number(m[1]))}-${m[2]!.toUpperCase()}` : (run ?? '—');
}

/** One metadata value as text: codes by their names, dates in Chilean format, actors and signers by name. */
function metadataValue(code: string, value: unknown): Html | string {
  if (value === null || value === undefined || value === '') return '—';
  if (DATES.has(code) && typeof value === 'string') return momento(value);
  if (typeof value === 'number' && CODED[code]) return CODED[code][value] ? `${CODED[code][value]} (${value})` : `Código ${value}`;
  if (typeof value === 'number') return numero(value);
  if (typeof value === 'boolean') return value ? 'Sí' : 'No';
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.join(', ');
    return html`<ul>${value.map((v) => html`<li>${describeObject(v)}</li>`)}</ul>`;
  }
  if (typeof value === 'object') return describeObject(value);
  return String(value);
}

function describeObject(v: unknown): string {
  if (!v || typeof v !== 'object') return String(v);
  const o = v as Record<string, unknown>;
  if ('relation' in o && 'actorType' in o) {
    return `${String(o.name ?? '')} (${typeof o.id === 'string' ? formatRun(o.id) : ''}) · ${ACTOR_RELATIONS[Number(o.relation)] ?? `relación ${String(o.relation)}`}, ${ACTOR_TYPES[Number(o.actorType)] ?? `tipo ${String(o.actorType)}`}`;
  }
  if ('name' in o) return [String(o.name), typeof o.post === 'string' ? o.post : null, typeof o.run === 'string' ? `RUN ${formatRun(o.run)}` : null].filter(Boolean).join(', ');
  return JSON.stringify(o);
}


/** Why a signature is or is not valid, from its stored validation report. */
function signatureReasons(s: SignatureRow): string[] {
  const report = s.report as { problems?: unknown; chain?: { trusted?: boolean; validAtTime?: boolean } | null; reason?: unknown; fileProblems?: unknown };
  const problems = [...(Array.isArray(report.problems) ? report.problems : []), ...(Array.isArray(report.fileProblems) ? report.fileProblems : [])].map(String);
  if (s.valid) {
    const ok = ['Integridad verificada: el contenido firmado no cambió.'];
    if (report.chain?.trusted) ok.push('El certificado llega a una autoridad de confianza.');
    ok.push(s.coversWholeDocument ? 'La firma cubre el documento completo.' : 'Después de esta firma solo se agregaron otras firmas o timbres permitidos.');
    return ok;
  }
  return problems.length ? problems : ['La validación no pasó; el informe no detalla el motivo.'];
}

function signaturePanel(n: number, signatures: SignatureRow[]): Html {
  if (!signatures.length) return html`<p id="firmas-vacio">La versión ${numero(n)} no tiene firmas electrónicas.</p>`;
  return html`<ul class="firmas">
  ${signatures.map((s) => {
    const reason = (s.report as { reason?: unknown }).reason;
    return html`<li class="firma" data-valid="${s.valid ? 'si' : 'no'}">
    <h3>Firma ${numero(s.position)}: <span class="estado">${s.valid ? 'Válida' : 'No válida'}</span></h3>
    <dl class="ficha">
      <dt>Firmante</dt><dd>${s.signerName ?? 'Sin nombre en el certificado'}${s.signerRun ? `, RUN ${formatRun(s.signerRun)}` : ''}</dd>
      <dt>Fecha de firma</dt><dd>${momento(s.signedAt)}</dd>
      ${typeof reason === 'string' && reason ? html`<dt>Motivo</dt><dd>${reason}</dd>` : ''}
      <dt>Cubre todo el documento</dt><dd>${s.coversWholeDocument ? 'Sí' : 'No'}</dd>
      <dt>${s.valid ? 'Por qué es válida' : 'Por qué no es válida'}</dt><dd><ul>${signatureReasons(s).map((r) => html`<li>${r}</li>`)}</ul></dd>
    </dl>
  </li>`;
  })}
</ul>`;
}

const NOTICES: Record<string, string> = {
  firma: 'Versión firmada. Esta es la nueva versión con la firma.',
  visado: 'Versión visada. Esta es la nueva versión con sus iniciales.',
};

async function documentPage(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/documents/:id');
  const actor = w.session.actor;
  const id = idParam(w.ctx.params.id, 'un documento');
  const doc = await w.services.documents.get(actor, id);
  const versions = await w.services.documents.versions(actor, id);
  const wanted = oneQuery(w.ctx.query.version);
  const n = wanted === '' ? doc.currentVersion : Number(wanted);
  const version = versions.find((v) => v.number === n);
  if (!version) throw new NotFoundError(`El documento no tiene versión ${wanted}. Elija una de la tabla de versiones del documento.`);

  const signaturesByVersion = new Map<number, SignatureRow[]>();
  for (const v of versions) signaturesByVersion.set(v.number, await w.services.documents.signatures(actor, id, v.number));
  const signatures = signaturesByVersion.get(n)!;
  const destroyedAt = (await w.services.documents.destroyedVersions(actor, id)).get(n) ?? null;
  // Copies of destroyed content went with it.
  const copies = version.mediaType === 'application/pdf' && !destroyedAt ? await w.services.copies.listForVersion(actor, id, n) : [];

  const names = new Map<string, string>();
  for (const v of versions) {
    if (names.has(v.createdBy)) continue;
    const p = await w.services.principals.get(actor, v.createdBy).catch(() => null);
    names.set(v.createdBy, p?.name ?? '—');
  }

  // An authorized copy just issued: shown only if its code is one this agency issued (the public check says so).
  let copy: Html | string = '';
  const copyId = z.uuid().safeParse(oneQuery(w.ctx.query.copia));
  const code = oneQuery(w.ctx.query.codigo);
  if (copyId.success && code) {
    const verified = await w.services.copies.verify(code).catch(() => null);
    if (verified && verified.issuer.code === actor.agencyCode) {
      copy = html`<section id="copia-emitida" class="aviso ok" aria-labelledby="copia-titulo">
  <h2 id="copia-titulo">Copia autorizada emitida</h2>
  <p>Código de verificación: <strong id="codigo-copia">${code}</strong></p>
  <p>Quien reciba la copia puede comprobarla en <a href="/verify/${code}">la página de verificación del código ${code}</a>.</p>
  <p><a class="boton" href="/v1/authorized-copies/${copyId.data}/content" download>Descargar la copia autorizada (PDF sellado)</a></p>
</section>`;
    }
  }

  const vbase = `/v1/documents/${id}/versions/${n}`;
  // Destroyed content has nothing to show, sign or copy: only its metadata and hash remain.
  const isPdf = version.mediaType === 'application/pdf' && !destroyedAt;
  const canSign = isPdf && w.can.call('post', '/v1/documents/:id/versions/:n/sign');
  const canInitial = isPdf && version.status === 'draft' && w.can.call('post', '/v1/documents/:id/versions/:n/initial');
  const canCopy = isPdf && w.can.call('post', '/v1/documents/:id/versions/:n/authorized-copies');
  const metadataKeys = [...Object.values(MGDDE).filter((k) => k in doc.metadata), ...Object.keys(doc.metadata).filter((k) => !(k in FIELD_LABELS))];
  const notice = copy ? 'Copia autorizada emitida: su código de verificación está en la página.' : (NOTICES[oneQuery(w.ctx.query.hecho)] ?? null);

  const body = html`${copy}
<div class="columnas">
<section aria-labelledby="metadatos-titulo">
  <h2 id="metadatos-titulo">Metadatos</h2>
  <dl class="ficha">
    ${metadataKeys.map((k) => html`<dt>${FIELD_LABELS[k] ?? k} <span class="ayuda">(${k})</span></dt><dd>${metadataValue(k, doc.metadata[k])}</dd>`)}
    <dt>Ingresado</dt><dd>${momento(doc.createdAt)}</dd>
  </dl>
</section>
<section aria-labelledby="vista-titulo">
  <h2 id="vista-titulo">Versión ${numero(n)}${n === doc.currentVersion ? ' (vigente)' : ''}</h2>
  ${destroyedAt
    ? html`<p class="aviso alerta">El contenido de esta versión se eliminó el ${momento(destroyedAt)} conforme a su tabla de retención. Se conservan sus metadatos y su SHA-256; el acta de eliminación está en el archivo.</p>`
    : html`<p>
    <a class="boton secundario" href="${vbase}/content" download>Descargar la versión ${numero(n)}${version.fileName ? ` (${version.fileName})` : ''}</a>
    ${version.origin === 'upload' ? html` <a href="${vbase}/receipt" download>Certificado de presentación</a>` : ''}
  </p>
  ${isPdf
    ? pdfPreview(`${vbase}/content`, `Versión ${n} del documento`)
    : html`<p class="aviso alerta">No hay vista previa para archivos ${version.mediaType}; descárguelo para verlo.</p>`}`}
</section>
</div>
<section id="firmas" aria-labelledby="firmas-titulo">
  <h2 id="firmas-titulo">Firmas de la versión ${numero(n)}</h2>
  ${signaturePanel(n, signatures)}
</section>
${canSign || canInitial || canCopy
  ? html`<section id="acciones-documento" aria-labelledby="acciones-titulo">
  <h2 id="acciones-titulo">Acciones sobre la versión ${numero(n)}</h2>
  ${canSign ? html`<form id="accion-firmar" class="formulario" data-api action="${vbase}/sign" data-next="/documentos/${id}?version={number}&amp;hecho=firma" aria-labelledby="firmar-titulo">
    <h3 id="firmar-titulo">Firmar</h3>
    <p class="ayuda">La firma (PAdES) crea una nueva versión final; las firmas anteriores siguen válidas.</p>
    <label for="firmar-motivo">Motivo de la firma (obligatorio)</label>
    <input id="firmar-motivo" name="reason" maxlength="300" aria-required="true" value="Aprobación">
    <label for="firmar-cargo">Su cargo (obligatorio)</label>
    <input id="firmar-cargo" name="signerPost" maxlength="200" aria-required="true">
    <label for="firmar-con">Firmar con</label>
    <select id="firmar-con" name="signer" aria-describedby="firmar-con-ayuda">
      <option value="seal">Sello electrónico de la agencia</option>
      <option value="firmagob">FirmaGob (firma personal con su RUN)</option>
    </select>
    <p id="firmar-con-ayuda" class="ayuda">FirmaGob pide el código OTP de su aplicación; el sello de la agencia no.</p>
    <label for="firmar-otp">Código OTP de FirmaGob</label>
    <input id="firmar-otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="8" aria-describedby="firmar-otp-ayuda">
    <p id="firmar-otp-ayuda" class="ayuda">De 6 a 8 dígitos; solo si firma con FirmaGob.</p>
    <label for="firmar-timbre"><input type="checkbox" id="firmar-timbre" name="visibleStamp"> Agregar timbre visible de firma</label>
    <div class="error-form" tabindex="-1"></div>
    <button type="submit">Firmar la versión ${numero(n)}</button>
  </form>` : ''}
  ${canInitial ? html`<form id="accion-visar" class="formulario" data-api action="${vbase}/initial" data-next="/documentos/${id}?hecho=visado" aria-labelledby="visar-titulo">
    <h3 id="visar-titulo">Visar</h3>
    <p class="ayuda">Registra su aprobación y estampa sus iniciales en un nuevo borrador.</p>
    <label for="visar-iniciales">Iniciales (obligatorio)</label>
    <input id="visar-iniciales" name="initials" maxlength="6" autocomplete="off" aria-required="true" aria-describedby="visar-iniciales-ayuda">
    <p id="visar-iniciales-ayuda" class="ayuda">En mayúsculas, de 2 a 6 letras; por ejemplo: JPS.</p>
    <div class="error-form" tabindex="-1"></div>
    <button type="submit">Visar la versión ${numero(n)}</button>
  </form>` : ''}
  ${canCopy ? html`<form id="accion-copia" class="formulario" data-api action="${vbase}/authorized-copies" data-next="/documentos/${id}?version=${n}&amp;copia={id}&amp;codigo={code}" aria-labelledby="copia-accion-titulo">
    <h3 id="copia-accion-titulo">Emitir copia autorizada</h3>
    <p class="ayuda">Genera un PDF sellado con un código y un enlace de verificación en cada página.</p>
    <div class="error-form" tabindex="-1"></div>
    <button type="submit">Emitir copia autorizada de la versión ${numero(n)}</button>
  </form>` : ''}
</section>`
  : ''}
${copies.length
  ? html`<section aria-labelledby="copias-titulo">
  <h2 id="copias-titulo">Copias autorizadas de la versión ${numero(n)}</h2>
  <table class="tabla-movil">
    <caption>Copias emitidas, la más reciente primero; su código solo se muestra al emitirlas</caption>
    <thead><tr><th scope="col">Emitida</th><th scope="col">Tamaño</th><th scope="col">SHA-256 de la copia</th><th scope="col">Descarga</th></tr></thead>
    <tbody>${copies.map((c) => html`<tr><td data-label="Emitida">${momento(c.issuedAt)}</td><td data-label="Tamaño">${tamano(c.size)}</td><td data-label="SHA-256" class="hash">${c.sha256}</td><td data-label="Descarga"><a href="/v1/authorized-copies/${c.id}/content" download>Copia del ${momento(c.issuedAt)}</a></td></tr>`)}</tbody>
  </table>
</section>`
  : ''}
<section aria-labelledby="versiones-titulo">
  <h2 id="versiones-titulo">Versiones</h2>
  <div class="tabla-desplazable">
  <table class="tabla-movil">
    <caption>Versiones del documento ${doc.identifier}, de la más reciente a la primera</caption>
    <thead><tr>
      <th scope="col">Versión</th><th scope="col">Fecha</th><th scope="col">Origen</th><th scope="col">Estado</th>
      <th scope="col">Archivo</th><th scope="col" class="num">Tamaño</th><th scope="col">SHA-256</th><th scope="col">Firmas</th>
    </tr></thead>
    <tbody>
      ${[...versions].sort((a, b) => b.number - a.number).map((v) => {
        const sigs = signaturesByVersion.get(v.number) ?? [];
        const valid = sigs.filter((s) => s.valid).length;
        return html`<tr>
        <td data-label="Versión"><a href="/documentos/${id}?version=${v.number}"${v.number === n ? html` aria-current="page"` : ''}>Versión ${numero(v.number)}</a>${v.number === n ? ' (mostrada)' : ''}</td>
        <td data-label="Fecha">${momento(v.createdAt)}</td>
        <td data-label="Origen">${ORIGIN_LABELS[v.origin]}, por ${names.get(v.createdBy) ?? '—'}</td>
        <td data-label="Estado">${v.status === 'final' ? 'Final' : 'Borrador'}</td>
        <td data-label="Archivo">${v.fileName ?? '—'}<br><span class="ayuda">${v.mediaType}${v.pageCount ? `, ${numero(v.pageCount)} ${v.pageCount === 1 ? 'página' : 'páginas'}` : ''}</span></td>
        <td data-label="Tamaño" class="num">${tamano(v.size)}</td>
        <td data-label="SHA-256"><code class="hash">${v.sha256}</code></td>
        <td data-label="Firmas">${sigs.length === 0 ? 'Sin firmas' : `${numero(sigs.length)} (${valid === sigs.length ? 'todas válidas' : `${numero(sigs.length - valid)} no válida${sigs.length - valid === 1 ? '' : 's'}`})`}</td>
      </tr>`;
      })}
    </tbody>
  </table>
  </div>
</section>`;

  return w.render({ title: doc.title, section: '/expedientes', body, notice });
}

/** A document's page: metadata, versions, preview, signatures and what the person may do with the version. */
export const documentPages: WebPage[] = [{ path: '/documentos/:id', handler: documentPage }];
