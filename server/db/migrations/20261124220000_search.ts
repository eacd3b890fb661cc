import type { Knex } from 'knex';

/**
 * Full-text search over what is known of each document version: its metadata now, its extracted and OCR text later.
 * Every text is one row of document_texts, so new sources add rows and the search query does not change.
 */
export async function up(knex: Knex): Promise<void> {
  // Both are trusted extensions (PostgreSQL 13+), and PGlite ships them (see openDatabase.ts).
  await knex.raw('CREATE EXTENSION IF NOT EXISTS unaccent');
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');

  // Index builds run with search_path = pg_catalog (PostgreSQL 17, as in PGlite): functions name their schema.
  // unaccent() is only STABLE (it looks its dictionary up by name); indexes and generated columns need IMMUTABLE.
  await knex.raw(`CREATE FUNCTION legajo_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$`);
  await knex.raw(`COMMENT ON FUNCTION legajo_unaccent(text) IS 'unaccent with its dictionary fixed, so it can be declared immutable and used in indexes.'`);
  await knex.raw(`CREATE FUNCTION legajo_search_text(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.legajo_unaccent($1)) $$`);
  await knex.raw(`COMMENT ON FUNCTION legajo_search_text(text) IS 'Lower-cased text without accents: what the trigram fallback compares.'`);

  // Tokens of digits and letters joined by . - / (12.345.678-5, DOCU-20261124-000001-X) compacted to [0-9a-z]:
  // a RUN or a document number then matches whatever formatting the text and the query used.
  await knex.raw(`CREATE FUNCTION legajo_search_codes(text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT coalesce(array_agg(DISTINCT c), '{}') FROM (
            SELECT lower(regexp_replace(m[1], '[./-]', '', 'g')) AS c
            FROM regexp_matches($1, '([0-9A-Za-z]+([./-][0-9A-Za-z]+)*)', 'g') AS m
          ) s
          WHERE c ~ '[0-9]' AND length(c) >= 4 $$`);
  await knex.raw(`COMMENT ON FUNCTION legajo_search_codes(text) IS 'Identifier-like tokens (RUN/RUT, document and registry numbers) without punctuation, lower-cased.'`);

  // Spanish stemming after accent folding: "resolucion" finds "Resolución", "convenios" finds "convenio".
  await knex.raw('CREATE TEXT SEARCH CONFIGURATION legajo_es (COPY = pg_catalog.spanish)');
  await knex.raw('ALTER TEXT SEARCH CONFIGURATION legajo_es ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, pg_catalog.spanish_stem');
  await knex.raw(`COMMENT ON TEXT SEARCH CONFIGURATION legajo_es IS 'Spanish with accents folded before stemming; used to index and to query document texts.'`);

  await knex.schema.createTable('document_texts', (t) => {
    t.comment('Searchable texts of document versions, one per version and source: metadata as filed, text extracted from the file, OCR.');
    t.uuid('version_id').notNullable().references('document_versions.id').comment('Version the text belongs to (metadata: the version it was filed with).');
    t.text('source').notNullable().checkIn(['metadata', 'extracted', 'ocr']).comment('Where the text comes from: metadata, text layer of the file, or OCR.');
    t.uuid('document_id').notNullable().references('documents.id').comment('Document of the version (denormalised: hits are grouped by document).');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency; every search is scoped by it.');
    t.text('text').notNullable().comment('The text as indexed; snippets are cut from it and it is never listed whole.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the text was (last) indexed (UTC).');
    t.primary(['version_id', 'source']);
    t.index(['agency_id', 'document_id']);
  });
  await knex.raw(`ALTER TABLE document_texts ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('legajo_es'::regconfig, text)) STORED`);
  await knex.raw(`COMMENT ON COLUMN document_texts.tsv IS 'Lexemes of text under legajo_es (accent-folded Spanish stems), for ranked full-text search.'`);
  await knex.raw('ALTER TABLE document_texts ADD COLUMN codes text[] GENERATED ALWAYS AS (legajo_search_codes(text)) STORED');
  await knex.raw(`COMMENT ON COLUMN document_texts.codes IS 'RUN/RUT and document numbers found in text, compacted (legajo_search_codes), for exact matches in any format.'`);
  await knex.raw('CREATE INDEX document_texts_tsv ON document_texts USING gin (tsv)');
  await knex.raw('CREATE INDEX document_texts_codes ON document_texts USING gin (codes)');
  await knex.raw('CREATE INDEX document_texts_trigram ON document_texts USING gin (legajo_search_text(text) gin_trgm_ops)');

  // Documents filed before this migration: their metadata, in the same layout as metadataText() in features/search,
  // on the first version the agency holds.
  await knex.raw(`INSERT INTO document_texts (version_id, source, document_id, agency_id, text)
    SELECT v.id, 'metadata', d.id, d.agency_id, concat_ws(E'\\n',
      d.identifier,
      d.title,
      d.series_code,
      d.metadata->>'MGDDE3_1',
      (SELECT string_agg(k, ' ') FROM jsonb_array_elements_text(coalesce(d.metadata->'MGDDE3_2', '[]')) k),
      (SELECT string_agg(concat_ws(' ', a->>'name', a->>'id'), E'\\n') FROM jsonb_array_elements(coalesce(d.metadata->'MGDDE62', '[]')) a),
      (SELECT string_agg(concat_ws(' ', s->>'name', s->>'post', s->>'run'), E'\\n') FROM jsonb_array_elements(coalesce(d.metadata->'MGDDE8_4', '[]')) s),
      d.metadata->>'MGDDE9_1',
      d.metadata->>'MGDDE9_2',
      d.metadata->>'MGDDE1_8')
    FROM documents d
    -- The first version held: a document received in a remission may start at a later number than 1.
    CROSS JOIN LATERAL (SELECT id FROM document_versions WHERE document_id = d.id ORDER BY number LIMIT 1) v`);
}
