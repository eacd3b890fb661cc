import { z } from 'zod';
import { NotFoundError } from '../../errors.ts';
import type { SearchHit, SearchMode } from '../../features/search/searchRepository.ts';
import { DOCUMENT_TYPE_LABELS } from '../../../standards/chile/documentMetadata.ts';
import { fecha, isoInstant, numero } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { WebPage, WebRequest } from '../webRoutes.ts';

const PAGE_SIZE = 20;
const SOURCE: Record<SearchHit['source'], string> = { metadata: 'metadatos', extracted: 'texto del archivo', ocr: 'texto reconocido (OCR)', registry: 'número de registro' };

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const form = z.object({
  // The API takes up to 200 characters: a longer paste is searched by its beginning rather than refused.
  q: z.string().trim().catch('').transform((q) => q.slice(0, 200).trim()),
  tipo: z.coerce.number().int().min(1).max(42).optional().catch(undefined),
  serie: z.string().trim().max(100).optional().catch(undefined),
  expediente: z.string().trim().max(100).optional().catch(undefined),
  desde: day.optional().catch(undefined),
  hasta: day.optional().catch(undefined),
  pagina: z.string().max(300).optional().catch(undefined),
});
type Form = z.output<typeof form>;

// "Más resultados" carries where the ranking stopped (as the API's cursor does): the mode and the last hit.
const cursorShape = z.strictObject({ m: z.enum(['text', 'approximate']), s: z.number().finite(), id: z.uuid() });
const encodeCursor = (c: z.output<typeof cursorShape>) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
function decodeCursor(value: string | undefined) {
  if (!value) return undefined;
  try {
    const parsed = cursorShape.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Midnight in Santiago of a calendar day (its offset is -3 or -4 depending on the season). */
function santiagoMidnight(date: string): Date {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Santiago', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
  for (const offset of ['-03:00', '-04:00', '-05:00', '-02:00']) {
    const candidate = new Date(`${date}T00:00:00${offset}`);
    const p = Object.fromEntries(parts.formatToParts(candidate).map((x) => [x.type, x.value]));
    if (`${p.year}-${p.month}-${p.day}` === date && p.hour === '00') return candidate;
  }
  return new Date(`${date}T00:00:00-04:00`);
}

function nextDay(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The repository's snippet marks matches with \x01…\x02 and carries <, > and & as \x03-\x05: it is split here into
 * text and <mark> pieces, each piece escaped by html``, so nothing in a document's text can become markup.
 */
function snippet(raw: string): Html {
  const text = (s: string) => s.replace(/\x03/g, '<').replace(/\x04/g, '>').replace(/\x05/g, '&');
  return html`${raw.split(/(\x01[^\x02]*\x02)/).map((piece) => (piece.startsWith('\x01') ? html`<mark>${text(piece.slice(1, -1))}</mark>` : text(piece)))}`;
}

function query(f: Form, cursor?: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ q: f.q, tipo: f.tipo, serie: f.serie, expediente: f.expediente, desde: f.desde, hasta: f.hasta })) if (v !== undefined && v !== '') params.set(k, String(v));
  if (cursor) params.set('pagina', cursor);
  return params.toString();
}

async function searchForm(w: WebRequest, f: Form): Promise<Html> {
  const series = await w.services.retention.listSeries(w.session.actor);
  const filtered = Boolean(f.tipo || f.serie || f.expediente || f.desde || f.hasta);
  return html`<form class="buscador" method="get" action="/busqueda" role="search" aria-label="Buscar documentos">
  <label for="busqueda-q">Buscar en los documentos de su agencia</label>
  <div class="en-linea">
    <input id="busqueda-q" name="q" type="search" value="${f.q}" maxlength="200" aria-describedby="busqueda-ayuda">
    <button type="submit">Buscar</button>
  </div>
  <p class="ayuda" id="busqueda-ayuda">Palabras del título, los metadatos o el texto (también el reconocido en escaneos), un RUN o un número de documento. No importan tildes ni plurales.</p>
  <details${filtered ? html` open` : ''}>
    <summary>Filtros</summary>
    <div class="filtros">
      <div>
        <label for="busqueda-tipo">Tipo documental</label>
        <select id="busqueda-tipo" name="tipo">
          <option value="">Todos</option>
          ${Object.entries(DOCUMENT_TYPE_LABELS).map(([value, label]) => html`<option value="${value}"${Number(value) === f.tipo ? html` selected` : ''}>${label}</option>`)}
        </select>
      </div>
      <div>
        <label for="busqueda-serie">Serie</label>
        <select id="busqueda-serie" name="serie">
          <option value="">Todas</option>
          ${series.map((s) => html`<option value="${s.code}"${s.code === f.serie ? html` selected` : ''}>${s.code} — ${s.title}</option>`)}
        </select>
      </div>
      <div>
        <label for="busqueda-expediente">Expediente (IUIe)</label>
        <input id="busqueda-expediente" name="expediente" type="text" value="${f.expediente ?? ''}" maxlength="100">
      </div>
      <div>
        <label for="busqueda-desde">Creado desde</label>
        <input id="busqueda-desde" name="desde" type="date" value="${f.desde ?? ''}">
      </div>
      <div>
        <label for="busqueda-hasta">Creado hasta (inclusive)</label>
        <input id="busqueda-hasta" name="hasta" type="date" value="${f.hasta ?? ''}">
      </div>
    </div>
    <button type="submit" class="secundario">Aplicar filtros</button>
  </details>
</form>`;
}

function hitItem(h: SearchHit): Html {
  const d = h.document;
  return html`<li>
  <h3><a href="/documentos/${d.id}">${d.title}</a></h3>
  <p class="ayuda">${d.identifier}${d.documentType ? html` · ${DOCUMENT_TYPE_LABELS[d.documentType] ?? `Tipo ${d.documentType}`}` : ''}${d.seriesCode ? html` · Serie ${d.seriesCode}` : ''} · creado el <time datetime="${isoInstant(d.documentCreatedAt)}">${fecha(d.documentCreatedAt)}</time></p>
  ${h.rawSnippet ? html`<p class="extracto">${snippet(h.rawSnippet)}</p>` : ''}
  <p class="ayuda">Coincide en: ${SOURCE[h.source]} (versión ${numero(h.versionNumber)})</p>
</li>`;
}

async function searchPageHandler(w: WebRequest): Promise<Html> {
  w.can.require('get', '/v1/search');
  const f = form.parse(w.ctx.query);
  const formHtml = await searchForm(w, f);
  if (!f.q) {
    return w.render({
      title: 'Búsqueda',
      section: '/busqueda',
      body: html`${formHtml}<p>Escriba qué busca y presione «Buscar». Se buscan solo los documentos de su agencia.</p>`,
    });
  }
  const problems: string[] = [];
  if (f.desde && f.hasta && f.desde > f.hasta) problems.push('La fecha «Creado desde» es posterior a «Creado hasta»: inviértalas o corrija una.');
  let result: { mode: SearchMode; hits: SearchHit[] } | null = null;
  if (!problems.length) {
    const after = decodeCursor(f.pagina);
    try {
      result = await w.services.search.search(w.session.actor, {
        q: f.q,
        seriesCode: f.serie || undefined,
        documentType: f.tipo,
        caseFile: f.expediente || undefined,
        from: f.desde ? santiagoMidnight(f.desde) : undefined,
        to: f.hasta ? santiagoMidnight(nextDay(f.hasta)) : undefined,
        mode: after?.m,
        after: after && { score: after.s, documentId: after.id },
        limit: PAGE_SIZE,
      });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      problems.push(`${err.message} Revise el IUIe o quite ese filtro.`);
    }
  }
  if (!result) {
    return w.render({ title: 'Búsqueda', section: '/busqueda', body: html`${formHtml}${problems.map((p) => html`<p class="aviso error" role="alert">${p}</p>`)}` });
  }
  const items = result.hits.slice(0, PAGE_SIZE);
  const last = items[items.length - 1];
  const more = result.hits.length > PAGE_SIZE && last ? encodeCursor({ m: result.mode, s: last.score, id: last.document.id }) : null;
  const filtered = Boolean(f.tipo || f.serie || f.expediente || f.desde || f.hasta);
  const body = items.length
    ? html`${formHtml}
<section aria-labelledby="resultados">
<h2 id="resultados">Resultados para «${f.q}»</h2>
<p role="status">${items.length === 1 ? 'Se encontró 1 documento' : `Se muestran ${numero(items.length)} documentos`}${more ? ', y hay más' : ''}${f.pagina ? ' (página siguiente)' : ''}.</p>
${result.mode === 'approximate' ? html`<p class="aviso alerta">No hubo coincidencias exactas; se muestran documentos con palabras parecidas (útil cuando el OCR leyó mal).</p>` : ''}
<ol class="lista-resultados">${items.map(hitItem)}</ol>
${more ? html`<p><a href="/busqueda?${query(f, more)}">Más resultados</a></p>` : ''}
</section>`
    : html`${formHtml}
<section aria-labelledby="resultados">
<h2 id="resultados">Sin resultados para «${f.q}»</h2>
<p role="status">No se encontró ningún documento de su agencia.</p>
<ul>
  <li>Revise la ortografía o use menos palabras.</li>
  <li>Pruebe un sinónimo, el número del documento o el RUN de la persona.</li>
  ${filtered ? html`<li><a href="/busqueda?${query({ q: f.q })}">Busque sin filtros</a>.</li>` : ''}
  <li>Un documento recién digitalizado aparece cuando termina su reconocimiento de texto.</li>
</ul>
</section>`;
  return w.render({ title: 'Búsqueda', section: '/busqueda', body });
}

export const searchPage: WebPage[] = [{ path: '/busqueda', handler: searchPageHandler }];
