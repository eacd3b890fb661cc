import { REJECT_REASONS, type CommunicationState, type CommunicationType, type RecipientState } from '../../features/communications/communicationRepository.ts';
import { momento, numero } from '../format.ts';
import { pdfPreview } from '../pdfPreview.ts';
import { idParam, oneQuery } from '../requestParts.ts';
import { html, type Html } from '../html.ts';
import type { WebPage, WebRequest } from '../webRoutes.ts';

/** What the communication service answers for one communication (its view, as the API returns it). */
type CommunicationView = Awaited<ReturnType<WebRequest['services']['communications']['get']>>;
type RecipientView = CommunicationView['recipients'][number];
type StepView = NonNullable<CommunicationView['steps']>[number];

const PAGE_SIZE = 50;

export const TYPE_LABELS: Record<CommunicationType, string> = {
  oficio: 'Oficio',
  resolucion: 'Resolución',
  convenio: 'Convenio',
  memorando: 'Memorándum',
  carta: 'Carta',
  circular: 'Circular',
  decreto: 'Decreto',
  otro: 'Otro',
};

const STATE_LABELS: Record<CommunicationState, string> = {
  borrador: 'Borrador',
  visado: 'Visada',
  firmado: 'Firmada',
  numerado: 'Numerada',
  enviado: 'Enviada',
};

const DELIVERY_LABELS: Record<RecipientState, string> = {
  pendiente: 'Pendiente de envío',
  enviado: 'Por recibir',
  recibido: 'Recibida',
  distribuido: 'Distribuida',
  acusado: 'Con acuse de recibo',
  rechazado: 'Rechazada',
};

const REJECT_LABELS: Record<(typeof REJECT_REASONS)[number], string> = {
  'destinatario-erroneo': 'Destinatario erróneo',
  ilegible: 'Ilegible',
  incompleto: 'Incompleta',
};

const label = <K extends string>(labels: Record<K, string>, key: string | null | undefined): string => (key && key in labels ? labels[key as K] : (key ?? '—'));


/** The step a communication waits for: every visación comes before the first firma, each in its order. */
const pendingStep = (c: CommunicationView): StepView | undefined => {
  const steps = c.steps ?? [];
  return steps.find((s) => s.kind === 'initial' && !s.doneAt) ?? steps.find((s) => s.kind === 'sign' && !s.doneAt);
};

/** The step the sender's communication waits for, in words: whose visación or firma, numbering or sending. */
function nextStepText(c: CommunicationView, names: Map<string, string>): string {
  if (c.state === 'enviado') return 'Enviada: ya no cambia.';
  const steps = c.steps ?? [];
  const pending = pendingStep(c);
  if (pending) {
    const total = steps.filter((s) => s.kind === pending.kind).length;
    const who = names.get(pending.principalId) ?? 'otra persona';
    return `${pending.kind === 'initial' ? 'Visación' : 'Firma'} ${pending.position} de ${total}, a cargo de ${who}.`;
  }
  if (c.state === 'firmado') return 'Firmada: la oficina de partes debe numerarla.';
  if (c.state === 'numerado') return 'Numerada: la oficina de partes debe enviarla.';
  return 'Sin pasos pendientes.';
}

/** The short state shown in a list row: the sender's own state and step, or this agency's delivery. */
function rowState(c: CommunicationView, box: 'inbox' | 'outbox'): string {
  if (box === 'inbox') return label(DELIVERY_LABELS, c.recipients[0]?.state);
  if (c.state !== 'enviado') {
    const pending = pendingStep(c);
    if (pending) return `${STATE_LABELS[c.state]} · por ${pending.kind === 'initial' ? 'visar' : 'firmar'}`;
    return STATE_LABELS[c.state];
  }
  const counts = new Map<string, number>();
  for (const r of c.recipients) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return `Enviada · ${[...counts].map(([state, n]) => `${numero(n)} ${label(DELIVERY_LABELS, state).toLowerCase()}`).join(', ')}`;
}

async function inbox(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/communications');
  const box = w.ctx.query.caja === 'salida' ? 'outbox' : 'inbox';
  const states: Record<string, string> = box === 'inbox' ? { ...DELIVERY_LABELS } : { ...STATE_LABELS };
  if (box === 'inbox') delete states.pendiente;
  const wantedState = oneQuery(w.ctx.query.estado);
  const state = wantedState in states ? wantedState : '';
  const text = oneQuery(w.ctx.query.q).slice(0, 200);
  const before = Number(oneQuery(w.ctx.query.antes));
  const beforeSeq = Number.isSafeInteger(before) && before > 0 ? before : undefined;

  const rows = await w.services.communications.list(w.session.actor, { box, limit: PAGE_SIZE, ...(state ? { state } : {}), ...(text ? { text } : {}), ...(beforeSeq ? { beforeSeq } : {}) });
  const page = rows.slice(0, PAGE_SIZE);
  const more = rows.length > PAGE_SIZE ? page[page.length - 1]!.seq : null;
  const base = box === 'outbox' ? '/bandeja?caja=salida' : '/bandeja';
  const filtered = Boolean(state || text);
  const olderLink = more
    ? `${base}${base.includes('?') ? '&' : '?'}${new URLSearchParams({ ...(state ? { estado: state } : {}), ...(text ? { q: text } : {}), antes: String(more) }).toString()}`
    : null;
  const caption = box === 'inbox' ? 'Comunicaciones recibidas por su agencia' : 'Comunicaciones de su agencia';

  const body = html`<nav class="pestanas" aria-label="Bandejas">
  <a href="/bandeja"${box === 'inbox' ? html` aria-current="page"` : ''}>Entrada (recibidas)</a>
  <a href="/bandeja?caja=salida"${box === 'outbox' ? html` aria-current="page"` : ''}>Salida (propias)</a>
</nav>
<form class="filtros acciones" method="get" action="/bandeja" role="search" aria-label="Filtrar comunicaciones">
  ${box === 'outbox' ? html`<input type="hidden" name="caja" value="salida">` : ''}
  <div>
    <label for="filtro-estado">Estado</label>
    <select id="filtro-estado" name="estado">
      <option value="">Todos</option>
      ${Object.entries(states).map(([value, text]) => html`<option value="${value}"${value === state ? html` selected` : ''}>${text}</option>`)}
    </select>
  </div>
  <div>
    <label for="filtro-texto">Texto</label>
    <input id="filtro-texto" name="q" type="search" maxlength="200" value="${text}" aria-describedby="filtro-texto-ayuda">
    <p id="filtro-texto-ayuda" class="ayuda">Busca en la materia, el identificador y el número de registro.</p>
  </div>
  <div class="acciones">
    <button type="submit">Filtrar</button>
    ${filtered ? html`<a class="boton secundario" href="${box === 'outbox' ? '/bandeja?caja=salida' : '/bandeja'}">Quitar filtros</a>` : ''}
  </div>
</form>
${wantedState && !state ? html`<p class="aviso alerta">El estado «${wantedState}» no existe en esta bandeja; se muestran todos los estados.</p>` : ''}
${page.length === 0
  ? html`<p class="aviso alerta" id="bandeja-vacia">${filtered ? 'Ninguna comunicación coincide con los filtros. Cambie o quite los filtros.' : box === 'inbox' ? 'No hay comunicaciones recibidas.' : 'Su agencia no ha redactado comunicaciones.'}</p>`
  : html`<div class="tabla-desplazable">
<table class="tabla-movil bandeja">
  <caption>${caption}${filtered ? ' (filtradas)' : ''}: ${numero(page.length)}${more ? ' más recientes' : ''}</caption>
  <thead><tr>
    <th scope="col">N.º de registro</th>
    <th scope="col">Materia</th>
    <th scope="col">${box === 'inbox' ? 'Remitente' : 'Destinatarios'}</th>
    <th scope="col">Tipo</th>
    <th scope="col">Estado</th>
    <th scope="col">${box === 'inbox' ? 'Enviada' : 'Creada'}</th>
  </tr></thead>
  <tbody>
    ${page.map(({ item: c }) => html`<tr>
      <td data-label="N.º de registro">${c.registryNumber ?? html`<span class="ayuda">Sin número</span>`}</td>
      <td data-label="Materia"><a href="/comunicaciones/${c.id}">${c.subject}</a><br><span class="ayuda">${c.identifier}</span></td>
      <td data-label="${box === 'inbox' ? 'Remitente' : 'Destinatarios'}">${box === 'inbox' ? `${c.sender.name} (${c.sender.code})` : c.recipients.map((r) => r.agencyCode).join(', ')}</td>
      <td data-label="Tipo">${label(TYPE_LABELS, c.type)}</td>
      <td data-label="Estado"><span class="estado">${rowState(c, box)}</span></td>
      <td data-label="${box === 'inbox' ? 'Enviada' : 'Creada'}">${momento(box === 'inbox' ? c.sentAt : c.createdAt)}</td>
    </tr>`)}
  </tbody>
</table>
</div>`}
${olderLink ? html`<p><a href="${olderLink}">Ver comunicaciones más antiguas</a></p>` : ''}
${beforeSeq ? html`<p><a href="${base}">Volver a las más recientes</a></p>` : ''}`;

  return w.render({ title: box === 'inbox' ? 'Bandeja de entrada' : 'Bandeja de salida', section: '/bandeja', body });
}

/** One action of the detail page: a form sent to the API, with its own place for the API's problems. */
function actionForm(opts: { id: string; action: string; title: string; ok: string; button: string; fields?: Html; help?: string; confirm?: string; danger?: boolean }): Html {
  return html`<form id="${opts.id}" class="formulario accion" data-api action="${opts.action}" data-ok="${opts.ok}"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ''} aria-labelledby="${opts.id}-titulo">
  <h3 id="${opts.id}-titulo">${opts.title}</h3>
  ${opts.help ? html`<p class="ayuda">${opts.help}</p>` : ''}
  ${opts.fields ?? ''}
  <div class="error-form" tabindex="-1"></div>
  <button type="submit"${opts.danger ? html` class="peligro"` : ''}>${opts.button}</button>
</form>`;
}

/** What the sending agency's people can do next, by step, turn and role. */
function senderActions(w: WebRequest, c: CommunicationView): Html[] {
  const base = `/v1/communications/${c.id}`;
  const me = w.session.actor.principalId;
  const pending = pendingStep(c);
  const nextInitial = pending?.kind === 'initial' ? pending : undefined;
  const nextSign = pending?.kind === 'sign' ? pending : undefined;
  const out: Html[] = [];
  if (c.state === 'enviado') return out;
  if (nextInitial?.principalId === me && w.can.call('post', '/v1/communications/:id/initial')) {
    out.push(actionForm({
      id: 'accion-visar',
      action: `${base}/initial`,
      title: 'Visar',
      ok: 'Comunicación visada.',
      button: 'Visar',
      help: 'Su visación estampa sus iniciales en una nueva versión del contenido.',
      fields: html`<label for="visar-iniciales">Iniciales (obligatorio)</label>
<input id="visar-iniciales" name="initials" maxlength="10" autocomplete="off" aria-required="true" aria-describedby="visar-iniciales-ayuda">
<p id="visar-iniciales-ayuda" class="ayuda">Por ejemplo: JPS.</p>`,
    }));
  }
  if (nextSign?.principalId === me && w.can.call('post', '/v1/communications/:id/sign')) {
    out.push(actionForm({
      id: 'accion-firmar',
      action: `${base}/sign`,
      title: 'Firmar',
      ok: 'Comunicación firmada.',
      button: 'Firmar',
      help: 'La firma electrónica avanzada (PAdES) queda en una nueva versión del contenido.',
      fields: html`<label for="firmar-cargo">Cargo de quien firma (obligatorio)</label>
<input id="firmar-cargo" name="signerPost" maxlength="200" aria-required="true">
<label for="firmar-motivo">Motivo</label>
<input id="firmar-motivo" name="reason" maxlength="200" value="Firma de comunicación oficial">
<label for="firmar-con">Firmar con</label>
<select id="firmar-con" name="signer" aria-describedby="firmar-con-ayuda">
  <option value="seal">Sello electrónico de la agencia</option>
  <option value="firmagob">FirmaGob (firma personal con su RUN)</option>
</select>
<p id="firmar-con-ayuda" class="ayuda">Con FirmaGob se pide el código OTP de su aplicación.</p>
<label for="firmar-otp">Código OTP de FirmaGob</label>
<input id="firmar-otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6" aria-describedby="firmar-otp-ayuda">
<p id="firmar-otp-ayuda" class="ayuda">Seis dígitos; solo si firma con FirmaGob.</p>
<label for="firmar-timbre"><input type="checkbox" id="firmar-timbre" name="visibleStamp" checked> Agregar timbre visible de firma</label>`,
    }));
  }
  if (c.state === 'firmado' && w.can.call('post', '/v1/communications/:id/number')) {
    out.push(actionForm({
      id: 'accion-numerar',
      action: `${base}/number`,
      title: 'Numerar',
      ok: 'Comunicación numerada.',
      button: 'Asignar número',
      help: 'Asigna el número correlativo de la oficina de partes y lo estampa sin invalidar las firmas.',
      fields: html`<label for="numerar-oficina">Oficina que numera</label>
<input id="numerar-oficina" name="office" maxlength="200" value="Oficina de Partes">`,
    }));
  }
  if (c.state === 'numerado' && w.can.call('post', '/v1/communications/:id/send')) {
    out.push(actionForm({
      id: 'accion-enviar',
      action: `${base}/send`,
      title: 'Enviar',
      ok: 'Comunicación enviada a sus destinatarios.',
      button: 'Enviar a los destinatarios',
      help: 'Una vez enviada, la comunicación no cambia y llega a la bandeja de cada órgano destinatario.',
      confirm: '¿Enviar la comunicación? Después no se puede modificar.',
    }));
  }
  return out;
}

/** What the receiving records office can do next with its own delivery. */
function recipientActions(w: WebRequest, c: CommunicationView, r: RecipientView): Html[] {
  const base = `/v1/communications/${c.id}`;
  const out: Html[] = [];
  if (r.state === 'enviado' && w.can.call('post', '/v1/communications/:id/receive')) {
    out.push(actionForm({
      id: 'accion-recibir',
      action: `${base}/receive`,
      title: 'Recibir',
      ok: 'Recepción registrada.',
      button: 'Registrar recepción',
      help: 'Registra que la oficina de partes recibió la comunicación; el remitente lo sabrá.',
    }));
  }
  if (r.state === 'recibido' && w.can.call('post', '/v1/communications/:id/distribute')) {
    out.push(actionForm({
      id: 'accion-distribuir',
      action: `${base}/distribute`,
      title: 'Distribuir',
      ok: 'Comunicación distribuida.',
      button: 'Distribuir',
      fields: html`<label for="distribuir-a">Distribuir a (obligatorio)</label>
<input id="distribuir-a" name="to" maxlength="300" aria-required="true" aria-describedby="distribuir-a-ayuda">
<p id="distribuir-a-ayuda" class="ayuda">Unidad o persona que debe atenderla, por ejemplo: División Jurídica.</p>`,
    }));
  }
  if ((r.state === 'recibido' || r.state === 'distribuido') && w.can.call('post', '/v1/communications/:id/acknowledge')) {
    out.push(actionForm({
      id: 'accion-acusar',
      action: `${base}/acknowledge`,
      title: 'Acusar recibo',
      ok: 'Acuse de recibo emitido.',
      button: 'Acusar recibo',
      help: 'Emite un acuse sellado con quién, cuándo y el SHA-256 de lo recibido. Se emite una sola vez.',
      confirm: '¿Emitir el acuse de recibo? Se emite una sola vez.',
    }));
  }
  if (r.state !== 'acusado' && r.state !== 'rechazado' && w.can.call('post', '/v1/communications/:id/reject')) {
    out.push(actionForm({
      id: 'accion-rechazar',
      action: `${base}/reject`,
      title: 'Rechazar',
      ok: 'Comunicación rechazada; el remitente fue informado.',
      button: 'Rechazar comunicación',
      danger: true,
      help: 'El remitente recibe el motivo y la explicación.',
      fields: html`<label for="rechazar-motivo">Motivo (obligatorio)</label>
<select id="rechazar-motivo" name="reason" aria-required="true">
  <option value="">Seleccione un motivo</option>
  ${REJECT_REASONS.map((reason) => html`<option value="${reason}">${REJECT_LABELS[reason]}</option>`)}
</select>
<label for="rechazar-detalle">Explicación para el remitente (obligatorio)</label>
<textarea id="rechazar-detalle" name="detail" rows="3" maxlength="1000" aria-required="true"></textarea>`,
    }));
  }
  return out;
}

/** A recipient's delivery, in order: what happened to it and when. */
function deliveryHistory(r: RecipientView): Html {
  const events: Html[] = [];
  if (r.receivedAt) events.push(html`<li>Recibida: ${momento(r.receivedAt)}</li>`);
  if (r.distributedAt) events.push(html`<li>Distribuida a ${r.distributedTo ?? '—'}: ${momento(r.distributedAt)}</li>`);
  if (r.acknowledgedAt) events.push(html`<li>Acuse de recibo ${r.receiptNumber ?? ''}: ${momento(r.acknowledgedAt)}</li>`);
  if (r.rejectedAt) events.push(html`<li>Rechazada (${label(REJECT_LABELS, r.rejectReason)}: ${r.rejectDetail ?? ''}): ${momento(r.rejectedAt)}</li>`);
  return events.length ? html`<ul>${events}</ul>` : html`<p class="ayuda">Aún sin movimientos.</p>`;
}

async function detail(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/communications/:id');
  const id = idParam(w.ctx.params.id, 'una comunicación');
  const c = await w.services.communications.get(w.session.actor, id);
  const isSender = c.sender.code === w.session.actor.agencyCode;
  const own = isSender ? undefined : c.recipients.find((r) => r.agencyCode === w.session.actor.agencyCode);

  // Names of the people assigned to each step (all of the sending agency, which is the viewer's own here).
  const names = new Map<string, string>();
  for (const s of c.steps ?? []) {
    if (names.has(s.principalId)) continue;
    const p = await w.services.principals.get(w.session.actor, s.principalId).catch(() => null);
    names.set(s.principalId, p?.name ?? 'persona no disponible');
  }

  const actions = isSender ? senderActions(w, c) : own ? recipientActions(w, c, own) : [];
  const stateText = isSender ? STATE_LABELS[c.state] : label(DELIVERY_LABELS, own?.state);
  const stepText = isSender
    ? nextStepText(c, names)
    : own?.state === 'enviado' ? 'La oficina de partes debe registrar su recepción.'
    : own?.state === 'recibido' ? 'Recibida: puede distribuirla, acusar recibo o rechazarla.'
    : own?.state === 'distribuido' ? 'Distribuida: falta acusar recibo.'
    : own?.state === 'acusado' ? 'Trámite de recepción terminado: el acuse fue emitido.'
    : own?.state === 'rechazado' ? 'Rechazada: el remitente fue informado.'
    : '—';
  const contentUrl = `/v1/communications/${c.id}/content`;
  const stepRow = (s: StepView) => html`<tr>
    <td data-label="Paso">${s.kind === 'initial' ? 'Visación' : 'Firma'} ${s.position}</td>
    <td data-label="Responsable">${names.get(s.principalId) ?? '—'}</td>
    <td data-label="Hecho">${s.doneAt ? momento(s.doneAt) : 'Pendiente'}</td>
    <td data-label="Versión producida" class="num">${s.versionProduced === null ? '—' : numero(s.versionProduced)}</td>
  </tr>`;

  const body = html`<p><a href="/bandeja${isSender ? '?caja=salida' : ''}">Volver a la bandeja ${isSender ? 'de salida' : 'de entrada'}</a></p>
<section id="estado-comunicacion" aria-labelledby="estado-titulo">
  <h2 id="estado-titulo">Estado</h2>
  <p><span class="estado">${stateText}</span> ${stepText}</p>
</section>
<div class="columnas">
<section aria-labelledby="datos-titulo">
  <h2 id="datos-titulo">Datos de la comunicación</h2>
  <dl class="ficha">
    <dt>Materia</dt><dd>${c.subject}</dd>
    <dt>Identificador</dt><dd>${c.identifier}</dd>
    <dt>N.º de registro</dt><dd>${c.registryNumber ?? 'Sin número aún'}</dd>
    <dt>Tipo</dt><dd>${label(TYPE_LABELS, c.type)}</dd>
    <dt>Clasificación</dt><dd>${c.classification}</dd>
    <dt>Remitente</dt><dd>${c.sender.name} (${c.sender.code}): ${c.sender.authority}, ${c.sender.post}</dd>
    <dt>Destinatarios</dt><dd><ul>${c.recipients.map((r) => html`<li>${r.agencyName} (${r.agencyCode}): ${r.persons.map((p) => `${p.name}, ${p.post}`).join('; ')} · <span class="estado">${label(DELIVERY_LABELS, r.state)}</span></li>`)}</ul></dd>
    ${c.procedure ? html`<dt>Procedimiento</dt><dd>${c.procedure.code}${c.procedure.task ? ` · ${c.procedure.task}` : ''}</dd>
    <dt>Plazo</dt><dd>${momento(c.procedure.deadline)}</dd>` : ''}
    <dt>Creada</dt><dd>${momento(c.createdAt)}</dd>
    <dt>Enviada</dt><dd>${c.sentAt ? momento(c.sentAt) : 'No enviada aún'}</dd>
    <dt>Contenido</dt><dd>Versión ${numero(c.content.version)}${'documentId' in c.content && c.content.documentId ? html` · <a href="/documentos/${c.content.documentId}?version=${c.content.version}">ver el documento</a>` : ''}</dd>
  </dl>
  <h3>Archivos</h3>
  <ul>
    <li><a href="${contentUrl}" download>Descargar el contenido (PDF)</a></li>
    ${Array.from({ length: c.annexes }, (_, i) => html`<li><a href="/v1/communications/${c.id}/annexes/${i + 1}/content" download>Descargar el anexo ${i + 1}</a></li>`)}
  </ul>
  ${c.annexes === 0 ? html`<p class="ayuda">La comunicación no tiene anexos.</p>` : ''}
</section>
<section aria-labelledby="vista-titulo">
  <h2 id="vista-titulo">Vista previa del contenido</h2>
  ${pdfPreview(contentUrl, 'Contenido de la comunicación')}
</section>
</div>
<section id="acciones-comunicacion" aria-labelledby="acciones-titulo">
  <h2 id="acciones-titulo">Acciones</h2>
  ${actions.length ? actions : html`<p>No tiene acciones pendientes en esta comunicación${isSender && c.state !== 'enviado' ? ' (cada paso lo hace la persona asignada, con el rol que corresponde)' : ''}.</p>`}
</section>
<section aria-labelledby="historial-titulo">
  <h2 id="historial-titulo">Historial</h2>
  ${isSender && (c.steps ?? []).length ? html`<div class="tabla-desplazable"><table class="tabla-movil">
    <caption>Visaciones y firmas, en orden</caption>
    <thead><tr><th scope="col">Paso</th><th scope="col">Responsable</th><th scope="col">Hecho</th><th scope="col" class="num">Versión producida</th></tr></thead>
    <tbody>${(c.steps ?? []).map(stepRow)}</tbody>
  </table></div>` : ''}
  ${c.recipients.map((r) => html`<h3>${r.agencyName} (${r.agencyCode})</h3>${deliveryHistory(r)}`)}
</section>
<section aria-labelledby="acuses-titulo">
  <h2 id="acuses-titulo">Acuses de recibo</h2>
  ${c.recipients.some((r) => r.receiptNumber)
    ? html`<ul>${c.recipients.filter((r) => r.receiptNumber).map((r) => html`<li><a href="/v1/communications/${c.id}/receipts/${r.agencyCode}" download>Acuse ${r.receiptNumber} de ${r.agencyName} (PDF sellado)</a>, ${momento(r.acknowledgedAt)}. SHA-256: <code class="hash">${r.receiptSha256 ?? '—'}</code></li>`)}</ul>`
    : html`<p>Aún no hay acuses de recibo.</p>`}
</section>`;

  return w.render({ title: `${label(TYPE_LABELS, c.type)} ${c.registryNumber ?? c.identifier}`, section: '/bandeja', body });
}

/** The records office's inbox and outbox of official communications, and each communication's page. */
export const communicationPages: WebPage[] = [
  { path: '/bandeja', handler: inbox },
  { path: '/comunicaciones/:id', handler: detail },
];
