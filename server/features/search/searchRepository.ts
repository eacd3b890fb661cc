import type { Db } from '../../db/Db.ts';
import { toDocument, type DocumentRow } from '../documents/documentRepository.ts';
import type { TextSource } from './indexDocumentText.ts';

/** `text`: stemmed, accent-folded full text plus exact identifiers. `approximate`: trigram similarity, for OCR-damaged words. */
export type SearchMode = 'text' | 'approximate';

/**
 * Most texts ranked per query. Ranking reads each matching text's lexemes from TOAST (about 45 µs a text): a word in
 * most of 100,000 documents would take seconds. Past this many matches, the first found (in storage order, roughly
 * the oldest) are ranked and the rest are not returned; narrower words or filters reach them (bench/search.bench.ts).
 */
const RANKED_TEXTS = 1_000;

/** How alike (pg_trgm similarity) a lexicon word must be to a query word, and how many of the nearest are tried. */
const APPROXIMATE_SIMILARITY = 0.45;
const APPROXIMATE_ALTERNATIVES = 10;

export interface SearchFilter {
  agencyId: string;
  q: string;
  mode: SearchMode;
  seriesCode?: string | undefined;
  documentType?: number | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  caseFileId?: string | undefined;
  /** Keyset: the last hit of the previous page. */
  after?: { score: number; documentId: string } | undefined;
  limit: number;
}

export interface SearchHit {
  document: DocumentRow;
  score: number;
  /** Which text matched best: its source and the version it belongs to. */
  source: TextSource;
  versionNumber: number;
  /** Excerpt of the matching text with `<`, `>` and `&` replaced by \x03, \x04, \x05 and the matches between \x01 and \x02. */
  rawSnippet: string;
}

// Per mode: the query (a tsquery and identifier codes), what a text must satisfy and how it scores. Scores are
// float8, so a score read back from a cursor selects exactly the same rows (ts_rank_cd returns real).
const MATCH: Record<SearchMode, { query: string; where: string; score: string }> = {
  text: {
    query: `SELECT websearch_to_tsquery('legajo_es', :q) AS tsq, legajo_search_codes(:q) AS codes`,
    where: 't.tsv @@ q.tsq OR t.codes && q.codes',
    // An exact identifier (RUN, document number) outranks any wording match.
    score: 'ts_rank_cd(t.tsv, q.tsq)::float8 + CASE WHEN t.codes && q.codes THEN 1 ELSE 0 END',
  },
  // Each query word is replaced by the nearest real words of the lexicon (trigram similarity, any of them), every
  // query word must be matched, and the full-text index does the rest. A word with no near neighbour finds nothing.
  approximate: {
    query: `SELECT (
        SELECT to_tsquery('legajo_es', string_agg('(' || alternatives || ')', ' & '))
        FROM (
          SELECT string_agg(quote_literal(near.word), ' | ') AS alternatives
          FROM (SELECT DISTINCT w FROM regexp_split_to_table(legajo_search_text(:q), '[^[:alnum:]]+') w WHERE length(w) >= 3) qw
          CROSS JOIN LATERAL (
            SELECT DISTINCT nearest.word FROM (
              SELECT s.word FROM search_words s
              WHERE s.word % qw.w AND similarity(s.word, qw.w) >= ${APPROXIMATE_SIMILARITY}
              ORDER BY s.word <-> qw.w LIMIT ${APPROXIMATE_ALTERNATIVES}
            ) nearest
          ) near
          GROUP BY qw.w
        ) a
        HAVING count(*) = (SELECT count(DISTINCT w) FROM regexp_split_to_table(legajo_search_text(:q), '[^[:alnum:]]+') w WHERE length(w) >= 3)
      ) AS tsq, '{}'::text[] AS codes`,
    where: 't.tsv @@ q.tsq',
    score: 'ts_rank_cd(t.tsv, q.tsq)::float8',
  },
};

// ts_headline parses and stems all it is given (about 1 ms per 700 words): it gets a window of the text around the
// first place where a stem of the query occurs (stems are prefixes of the accent-folded words), searched in the first
// SNIPPET_SEARCH_CHARS; without one (an identifier, or a match further on) the window is the text's opening.
const SNIPPET_SEARCH_CHARS = 100_000;
const SNIPPET_WINDOW = { before: 200, length: 1_200 };
const SNIPPET_START = `greatest(1, coalesce((
    SELECT min(nullif(strpos(legajo_search_text(left(t.text, ${SNIPPET_SEARCH_CHARS})), m[1]), 0))
    FROM regexp_matches(q.tsq::text, '''([^'']+)''', 'g') m
  ), 1) - ${SNIPPET_WINDOW.before})`;
// User text may hold markup: ts_headline would drop tags, so <, > and & travel as control characters (and any
// control characters already in the text are removed) until the caller escapes the snippet for HTML.
const SAFE_TEXT = `translate(substr(t.text, ${SNIPPET_START}, ${SNIPPET_WINDOW.length}), E'<>&\\x01\\x02\\x03\\x04\\x05', E'\\x03\\x04\\x05')`;
const HEADLINE_OPTIONS = `'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MinWords=8, MaxWords=30, MaxFragments=2, FragmentDelimiter=" ... "'`;

/* eslint-disable @typescript-eslint/no-explicit-any -- rows come untyped from knex; mapped once here */
const toHit = (r: any): SearchHit => ({
  document: toDocument(r),
  score: Number(r.hit_score),
  source: r.hit_source,
  versionNumber: r.version_number,
  rawSnippet: r.snippet ?? '',
});
/* eslint-enable @typescript-eslint/no-explicit-any */

export const searchRepository = {
  async findCaseFileId(db: Db, agencyId: string, iuie: string): Promise<string | null> {
    const row = await db('case_files').where({ agency_id: agencyId, iuie }).first('id');
    return row ? (row.id as string) : null;
  },

  /** Best-matching documents of one agency, best first; each document once, with the snippet of its best text. */
  async search(db: Db, f: SearchFilter): Promise<SearchHit[]> {
    const m = MATCH[f.mode];
    const bindings: Record<string, unknown> = { q: f.q, agencyId: f.agencyId, limit: f.limit };
    const filters: string[] = [];
    if (f.seriesCode !== undefined) {
      filters.push('d.series_code = :seriesCode');
      bindings.seriesCode = f.seriesCode;
    }
    if (f.documentType !== undefined) {
      filters.push('d.document_type = :documentType');
      bindings.documentType = f.documentType;
    }
    if (f.from) {
      filters.push('d.document_created_at >= :from');
      bindings.from = f.from;
    }
    if (f.to) {
      filters.push('d.document_created_at < :to');
      bindings.to = f.to;
    }
    if (f.caseFileId) {
      // A document belongs to the case file while one of its versions is an entry not removed (desglose).
      filters.push(`EXISTS (SELECT 1 FROM case_file_entries e JOIN document_versions cv ON cv.id = e.version_id
        WHERE e.case_file_id = :caseFileId AND e.agency_id = :agencyId AND e.removed_at IS NULL AND cv.document_id = d.id)`);
      bindings.caseFileId = f.caseFileId;
    }
    let after = '';
    if (f.after) {
      after = 'AND (h.score < :afterScore OR (h.score = :afterScore AND h.document_id > :afterId))';
      bindings.afterScore = f.after.score;
      bindings.afterId = f.after.documentId;
    }
    const { rows } = await db.raw(
      `WITH q AS MATERIALIZED (${m.query}),
       matches AS MATERIALIZED (
         SELECT t.document_id, t.version_id, t.source, t.tsv, t.codes
         FROM document_texts t CROSS JOIN q
         ${filters.length ? `JOIN documents d ON d.id = t.document_id AND d.agency_id = :agencyId ${filters.map((c) => `AND ${c}`).join(' ')}` : ''}
         WHERE t.agency_id = :agencyId AND (${m.where})
         LIMIT ${RANKED_TEXTS}
       ),
       hits AS (
         SELECT DISTINCT ON (t.document_id) t.document_id, t.version_id, t.source, ${m.score} AS score
         FROM matches t CROSS JOIN q
         ORDER BY t.document_id, score DESC, t.source, t.version_id
       ),
       page AS (
         SELECT d.*, h.version_id AS hit_version_id, h.source AS hit_source, h.score AS hit_score
         FROM hits h JOIN documents d ON d.id = h.document_id
         WHERE d.agency_id = :agencyId ${after}
         ORDER BY h.score DESC, h.document_id
         LIMIT :limit
       )
       SELECT page.*, v.number AS version_number,
              coalesce(ts_headline('legajo_es', s.safe, q.tsq, ${HEADLINE_OPTIONS}), left(s.safe, 200)) AS snippet
       FROM page
       JOIN document_texts t ON t.version_id = page.hit_version_id AND t.source = page.hit_source
       JOIN document_versions v ON v.id = page.hit_version_id
       CROSS JOIN q
       CROSS JOIN LATERAL (SELECT ${SAFE_TEXT} AS safe) s
       ORDER BY page.hit_score DESC, page.id`,
      bindings,
    );
    return (rows as unknown[]).map(toHit);
  },
};
