import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import type { SearchHit, SearchMode } from '../../features/search/searchRepository.ts';
import type { Services } from '../../services.ts';
import { dateRangeQuery, defineRoute, fromBeforeTo, pageQuery, type RouteDef } from '../route.ts';
import { documentSummaryOut } from '../schemas.ts';

const MODES = ['text', 'approximate'] as const satisfies readonly SearchMode[];

const hitOut = documentSummaryOut
  .extend({
    score: z.number().describe('Relevancia; solo sirve para ordenar los resultados de una misma búsqueda'),
    snippet: z.string().describe('Extracto en HTML escapado; las coincidencias van entre <mark> y </mark>'),
    matchedIn: z.object({
      source: z.enum(['metadata', 'extracted', 'ocr', 'registry']).describe('Texto que coincidió: metadatos, texto del archivo, OCR o número de registro de la oficina de partes'),
      version: z.number().int().describe('Versión a la que pertenece ese texto'),
    }),
  })
  .meta({ id: 'SearchHit' });

const searchPageOut = z.object({
  items: z.array(hitOut),
  nextCursor: z.string().nullable(),
  mode: z.enum(MODES).describe('text: texto completo e identificadores exactos; approximate: similitud, porque el texto completo no encontró nada'),
});

// The cursor carries the mode and the last hit's score and id: pages continue the same ranking (keyset).
const cursorShape = z.strictObject({ m: z.enum(MODES), s: z.number().finite(), id: z.uuid() });
type Cursor = z.infer<typeof cursorShape>;

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify({ m: c.m, s: c.s, id: c.id }), 'utf8').toString('base64url');

function decodeSearchCursor(cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorShape.safeParse(parsed);
  if (!result.success || encodeCursor(result.data) !== cursor) {
    throw new ValidationError('El cursor no es válido: use el valor nextCursor de la página anterior.', [{ field: 'query.cursor', message: 'cursor inválido' }]);
  }
  return result.data;
}

const HTML_ESCAPES: Record<string, string> = { '"': '&quot;', "'": '&#39;', '\x01': '<mark>', '\x02': '</mark>', '\x03': '&lt;', '\x04': '&gt;', '\x05': '&amp;' };

/** The repository's snippet has no <, > or &; only quotes need escaping before its markers become HTML. */
const snippetHtml = (raw: string) => raw.replace(/["'\x01-\x05]/g, (c) => HTML_ESCAPES[c] ?? '');

const hitView = (h: SearchHit) => {
  const { metadata: _m, createdBy: _c, seq: _s, agencyId: _a, ...summary } = h.document;
  return { ...summary, score: h.score, snippet: snippetHtml(h.rawSnippet), matchedIn: { source: h.source, version: h.versionNumber } };
};

export function searchRoutes(s: Services): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/search',
      tag: 'búsqueda',
      summary:
        'Busca documentos de la agencia por sus metadatos (y, cuando existan, su texto y OCR): español sin tildes ni plurales, RUN/RUT y números en cualquier formato, y búsqueda aproximada si no hay coincidencias. Devuelve extractos, nunca el texto completo.',
      auth: { roles: [] },
      query: z
        .strictObject({
          ...pageQuery,
          q: z.string().trim().min(1).max(200).describe('Texto a buscar'),
          series: z.string().max(100).optional().describe('Código de serie (MGDDE1_2)'),
          type: z.coerce.number().int().min(1).max(42).optional().describe('Tipo documental (MGDDE5_1)'),
          caseFile: z.string().trim().min(1).max(100).optional().describe('IUIe: solo documentos con una versión en ese expediente'),
          // Creation date of the document (MGDDE4_1): from included, to excluded.
          ...dateRangeQuery,
        })
        .refine(...fromBeforeTo),
      responses: { 200: { description: 'Página de resultados, los más relevantes primero', schema: searchPageOut } },
      async handler(ctx, { query }, actor) {
        const after = decodeSearchCursor(query.cursor);
        const { mode, hits } = await s.search.search(actor, {
          q: query.q,
          seriesCode: query.series,
          documentType: query.type,
          from: query.from,
          to: query.to,
          caseFile: query.caseFile,
          mode: after?.m,
          after: after && { score: after.s, documentId: after.id },
          limit: query.limit,
        });
        const items = hits.slice(0, query.limit);
        const last = items[items.length - 1];
        ctx.body = {
          items: items.map(hitView),
          nextCursor: hits.length > query.limit && last ? encodeCursor({ m: mode, s: last.score, id: last.document.id }) : null,
          mode,
        };
      },
    }),
  ];
}
