// legajo's only page script, loaded as a module from this site (the CSP allows no inline code).
// Three behaviours, all declared in the server's markup:
//  - <form data-api>: sent to the API with the session's CSRF token; problems are shown in the form, and a
//    report's findings in the element named by data-findings.
//  - [data-refresh="ms"] on an element with an id: re-read from the server until it no longer asks to be.
//  - [data-pdf="url"]: a PDF preview drawn by pdf.js.
// Everything that comes back from the server is set as text, never as markup, except the server's own pages.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

function announce(text, kind = 'ok') {
  const region = document.getElementById('avisos');
  if (!region) return;
  const p = document.createElement('p');
  p.className = `aviso ${kind}`;
  p.textContent = text;
  region.replaceChildren(p);
}

/** Sets `value` at a dotted name (`capture.dpi`) inside `target`. */
function assign(target, name, value) {
  const keys = name.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) at = at[key] ??= {};
  at[keys[keys.length - 1]] = value;
}

/** The form's fields as the JSON body the API expects; data-type says how to read a field. */
function jsonBody(form) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.name === '_csrf' || field.disabled) continue;
    const type = field.dataset.type;
    if (field.type === 'checkbox') {
      if (type === 'list') {
        if (field.checked) assign(body, field.name, [...(field.name.split('.').reduce((o, k) => o?.[k], body) ?? []), field.value]);
      } else assign(body, field.name, field.checked);
      continue;
    }
    if (field.type === 'radio' && !field.checked) continue;
    if (field.type === 'file' || field.type === 'submit' || field.type === 'button') continue;
    const raw = field.value.trim();
    if (raw === '' && !field.hasAttribute('data-keep-empty')) continue;
    if (type === 'number') assign(body, field.name, Number(raw.replace(/\./g, '').replace(',', '.')));
    else if (type === 'json') assign(body, field.name, JSON.parse(raw));
    else if (type === 'lines') assign(body, field.name, raw.split(/\r?\n/).map((l) => l.trim()).filter(Boolean));
    else if (type === 'datetime') assign(body, field.name, new Date(raw).toISOString());
    else assign(body, field.name, field.type === 'textarea' ? field.value : raw);
  }
  return body;
}

function showProblem(form, problem) {
  const box = form.querySelector('.error-form') ?? form.appendChild(Object.assign(document.createElement('div'), { className: 'error-form' }));
  box.setAttribute('role', 'alert');
  box.replaceChildren();
  const p = document.createElement('p');
  p.textContent = problem.detail ?? problem.title ?? 'La acción no se pudo completar.';
  box.append(p);
  if (Array.isArray(problem.errors) && problem.errors.length) {
    const ul = document.createElement('ul');
    for (const e of problem.errors) {
      const li = document.createElement('li');
      const name = String(e.field).replace(/^(body|query)\./, '');
      const input = form.elements.namedItem(name);
      const label = input?.id ? form.querySelector(`label[for="${CSS.escape(input.id)}"]`)?.textContent : null;
      li.textContent = `${label ?? name}: ${e.message}`;
      if (input && 'setAttribute' in input) input.setAttribute('aria-invalid', 'true');
      ul.append(li);
    }
    box.append(ul);
  }
  box.focus?.();
}

const LEVELS = { error: 'Error', warning: 'Advertencia' };

/**
 * A report's findings ({level, rule, path, message}, as the package validator answers) as a table in the element
 * with that id, errors first; every cell is text.
 */
function showFindings(id, answer) {
  const target = document.getElementById(id);
  if (!target || !Array.isArray(answer?.findings)) return;
  const findings = [...answer.findings].sort((a, b) => (a.level === b.level ? 0 : a.level === 'error' ? -1 : 1));
  const cell = (tag, text) => Object.assign(document.createElement(tag), { textContent: text });
  if (!findings.length) {
    target.replaceChildren(cell('p', 'El informe no tiene hallazgos: se cumplen todas las reglas revisadas.'));
    return;
  }
  const table = document.createElement('table');
  table.append(cell('caption', `Hallazgos del informe (${findings.length})`));
  const head = table.createTHead().insertRow();
  for (const h of ['Nivel', 'Regla', 'Archivo', 'Qué está mal']) head.append(Object.assign(cell('th', h), { scope: 'col' }));
  const body = table.createTBody();
  for (const f of findings) {
    const row = body.insertRow();
    row.append(cell('td', LEVELS[f.level] ?? String(f.level)), cell('td', String(f.rule)), cell('td', String(f.path || '—')), cell('td', String(f.message)));
  }
  target.replaceChildren(table);
}

/** Fills `{field}` or `{nested.field}` in a template from the API's answer (URL-encoded for URLs, as text for notices). */
const fillTemplate = (template, answer, encode = encodeURIComponent) =>
  template.replace(/\{([\w.]+)\}/g, (_, path) => encode(String(path.split('.').reduce((o, k) => o?.[k], answer) ?? '')));

/**
 * A multipart form as the API reads it: its files as file parts, and its other fields read as jsonBody reads them,
 * each top-level name one part (`capture.dpi` and `capture.title` become one JSON part "capture").
 */
function multipartBody(form) {
  const body = new FormData();
  for (const [name, value] of Object.entries(jsonBody(form))) body.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  for (const field of form.elements) {
    if (field.type === 'file' && field.name && !field.disabled) for (const file of field.files) body.append(field.name, file);
  }
  return body;
}

async function submitApiForm(form, submitter) {
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  const multipart = form.enctype === 'multipart/form-data';
  let body;
  try {
    body = multipart ? multipartBody(form) : JSON.stringify(jsonBody(form));
  } catch {
    showProblem(form, { detail: 'Un campo tiene un formato que no se puede leer; revíselo.' });
    return;
  }
  // One key per intended action: a double click or a retry after a lost answer is answered once by the API.
  form.dataset.idempotencyKey ??= crypto.randomUUID();
  const headers = { 'x-csrf-token': csrf(), accept: 'application/json', 'idempotency-key': form.dataset.idempotencyKey };
  if (!multipart) headers['content-type'] = 'application/json';
  const buttons = [...form.querySelectorAll('button')];
  buttons.forEach((b) => (b.disabled = true));
  form.setAttribute('aria-busy', 'true');
  form.querySelector('.error-form')?.replaceChildren();
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  const progress = form.querySelector('progress[data-upload]');
  try {
    const response = await fetch(form.getAttribute('action'), { method: (submitter?.dataset.method ?? form.dataset.method ?? 'POST').toUpperCase(), headers, body, credentials: 'same-origin' });
    const type = response.headers.get('content-type') ?? '';
    const answer = type.includes('json') ? await response.json() : null;
    const findingsId = form.dataset.findings;
    if (!response.ok) {
      showProblem(form, answer ?? { detail: `El servidor respondió ${response.status}. Intente de nuevo en un momento.` });
      if (findingsId) showFindings(findingsId, answer);
      return;
    }
    delete form.dataset.idempotencyKey;
    const next = submitter?.dataset.next ?? form.dataset.next;
    if (next) {
      window.location.assign(fillTemplate(next, answer));
      return;
    }
    await refresh();
    if (findingsId) showFindings(findingsId, answer);
    announce(fillTemplate(submitter?.dataset.ok ?? form.dataset.ok ?? 'Listo.', answer, String));
  } catch {
    showProblem(form, { detail: 'No hubo respuesta del servidor. Revise su conexión e intente de nuevo: la acción no se repetirá si ya se hizo.' });
  } finally {
    if (progress) progress.hidden = true;
    form.removeAttribute('aria-busy');
    buttons.forEach((b) => (b.disabled = false));
  }
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-api')) return;
  event.preventDefault();
  void submitApiForm(form, event.submitter);
});

async function fetchPage() {
  const response = await fetch(window.location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
  if (response.redirected && new URL(response.url).pathname.startsWith('/ingresar')) {
    window.location.assign(response.url);
    return null;
  }
  return new DOMParser().parseFromString(await response.text(), 'text/html');
}

/** Re-reads this page from the server and replaces the main content, keeping the notices and the focus. */
async function refresh() {
  const doc = await fetchPage();
  const fresh = doc?.getElementById('contenido');
  const main = document.getElementById('contenido');
  if (!fresh || !main) return;
  const focusedId = document.activeElement?.id;
  const notices = document.getElementById('avisos');
  main.replaceChildren(...fresh.childNodes);
  if (notices) document.getElementById('avisos')?.replaceWith(notices);
  if (focusedId) document.getElementById(focusedId)?.focus();
  init(main);
}

const watching = new Set();

function watch(element) {
  const every = Math.max(500, Number(element.dataset.refresh) || 2000);
  const id = element.id;
  if (watching.has(id)) return;
  watching.add(id);
  const tick = async () => {
    const current = document.getElementById(id);
    if (!current || !current.hasAttribute('data-refresh')) {
      watching.delete(id);
      return;
    }
    const doc = await fetchPage().catch(() => null);
    const fresh = doc?.getElementById(id);
    if (!fresh) {
      setTimeout(tick, every);
      return;
    }
    if (fresh.hasAttribute('data-refresh')) {
      current.replaceChildren(...fresh.childNodes);
      setTimeout(tick, every);
    } else {
      // The work finished: the rest of the page (links, actions) may have changed with it.
      watching.delete(id);
      const done = fresh.dataset.done ?? current.dataset.done;
      await refresh();
      if (done) announce(done);
    }
  };
  setTimeout(tick, every);
}

async function previewPdf(holder) {
  const pdfjs = await import('/assets/pdf.min.mjs');
  pdfjs.GlobalWorkerOptions.workerSrc = '/assets/pdf.worker.min.mjs';
  const status = holder.querySelector('[data-pdf-status]');
  try {
    const pdf = await pdfjs.getDocument({ url: holder.dataset.pdf, isEvalSupported: false, withCredentials: true }).promise;
    const canvas = holder.querySelector('canvas');
    const label = holder.dataset.pdfLabel ?? 'Documento';
    let current = 1;
    const draw = async () => {
      const pdfPage = await pdf.getPage(current);
      const viewport = pdfPage.getViewport({ scale: Math.min(2, (holder.clientWidth || 800) / pdfPage.getViewport({ scale: 1 }).width) });
      canvas.width = viewport.width;
      canvas.height = viewport.height;
      await pdfPage.render({ canvas, canvasContext: canvas.getContext('2d'), viewport }).promise;
      canvas.setAttribute('aria-label', `${label}: página ${current} de ${pdf.numPages}`);
      if (status) status.textContent = `Página ${current} de ${pdf.numPages}`;
      holder.querySelector('[data-pdf-prev]')?.toggleAttribute('disabled', current <= 1);
      holder.querySelector('[data-pdf-next]')?.toggleAttribute('disabled', current >= pdf.numPages);
    };
    holder.querySelector('[data-pdf-prev]')?.addEventListener('click', () => current > 1 && (current--, draw()));
    holder.querySelector('[data-pdf-next]')?.addEventListener('click', () => current < pdf.numPages && (current++, draw()));
    await draw();
    holder.dataset.pdfReady = String(pdf.numPages);
  } catch (err) {
    if (status) status.textContent = `No se pudo mostrar la vista previa (${err?.message ?? err}). Descargue el archivo para verlo.`;
    holder.dataset.pdfReady = 'error';
  }
}

function init(root) {
  root.querySelectorAll('[data-refresh][id]').forEach(watch);
  root.querySelectorAll('[data-pdf]').forEach((el) => void previewPdf(el));
}

init(document);
