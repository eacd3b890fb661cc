import type { Knex } from 'knex';

/**
 * Search, second step: registry numbers become searchable texts, the approximate (OCR-damaged word) search looks
 * words up in a lexicon instead of scanning whole texts by trigram, identifiers are found faster, and the outcome of
 * extracting the text layer of each filed PDF is recorded.
 */
export async function up(knex: Knex): Promise<void> {
  // Same result as before (a token never spans a space), but only tokens holding a digit go through the regular
  // expression: about 9 times faster on OCR text, where nearly every token is a plain word.
  await knex.raw(`CREATE OR REPLACE FUNCTION legajo_search_codes(text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT coalesce(array_agg(DISTINCT c), '{}') FROM (
            SELECT lower(regexp_replace(m[1], '[./-]', '', 'g')) AS c
            FROM pg_catalog.string_to_table($1, ' ') AS tok,
                 regexp_matches(tok, '([0-9A-Za-z]+([./-][0-9A-Za-z]+)*)', 'g') AS m
            WHERE tok ~ '[0-9]'
          ) s
          WHERE c ~ '[0-9]' AND length(c) >= 4 $$`);

  // Registry numbers (oficina de partes) are texts of the numbered version, so the codes column finds them in any
  // format; the number also goes in without its zero padding (36-2026-000012 and 36-2026-12 are the same number).
  await knex.raw('ALTER TABLE document_texts DROP CONSTRAINT document_texts_source_check');
  await knex.raw(`ALTER TABLE document_texts ADD CONSTRAINT document_texts_source_check CHECK (source IN ('metadata', 'extracted', 'ocr', 'registry'))`);
  await knex.raw(`COMMENT ON COLUMN document_texts.source IS 'Where the text comes from: metadata, text layer of the file, OCR, or the records-office number of the version.'`);
  await knex.raw(`CREATE FUNCTION legajo_registry_text(registry_number text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT concat_ws(' ', 'Número de registro', registry_number,
            nullif(regexp_replace(registry_number, '-0+([0-9])', '-\\1', 'g'), registry_number)) $$`);
  await knex.raw(`COMMENT ON FUNCTION legajo_registry_text(text) IS 'Searchable text of a registry number: as shown and without zero padding.'`);
  await knex.raw(`CREATE FUNCTION legajo_index_registry_entry() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO document_texts (version_id, source, document_id, agency_id, text)
        SELECT NEW.version_id, 'registry', v.document_id, NEW.agency_id, legajo_registry_text(NEW.registry_number)
        FROM document_versions v WHERE v.id = NEW.version_id
        ON CONFLICT (version_id, source) DO UPDATE SET text = EXCLUDED.text;
      RETURN NEW;
    END $$`);
  await knex.raw(`CREATE TRIGGER registry_entries_search AFTER INSERT ON registry_entries
    FOR EACH ROW EXECUTE FUNCTION legajo_index_registry_entry()`);
  await knex.raw(`INSERT INTO document_texts (version_id, source, document_id, agency_id, text)
    SELECT r.version_id, 'registry', v.document_id, r.agency_id, legajo_registry_text(r.registry_number)
    FROM registry_entries r JOIN document_versions v ON v.id = r.version_id`);

  // The approximate search compared the query with every candidate text by word similarity over a trigram index of
  // whole texts: slow to maintain (a thousand trigrams per page of OCR) and slow to query (a common trigram matches
  // most texts). Instead, the query's words are matched to the nearest words of a lexicon, and those words are
  // searched in the full-text index like any other query.
  await knex.raw('DROP INDEX document_texts_trigram');
  await knex.schema.createTable('search_words', (t) => {
    t.comment('Distinct words (accents folded, lower case) of the indexed texts: where the approximate search finds the real words nearest to damaged ones. Not unique on purpose (see legajo_add_search_words); a rare duplicate is harmless.');
    t.text('word').notNullable().index().comment('A word of 3 to 40 characters with at least one letter.');
  });
  // GIN rather than GiST: on 90,000 words a similarity lookup took 5 ms against 23 ms (bench/search.bench.ts).
  await knex.raw('CREATE INDEX search_words_trigram ON search_words USING gin (word gin_trgm_ops)');
  await knex.raw(`CREATE FUNCTION legajo_search_words(text) RETURNS SETOF text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT w FROM unnest(pg_catalog.tsvector_to_array(pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, public.legajo_search_text($1)))) w
          WHERE length(w) BETWEEN 3 AND 40 AND w ~ '[a-z]' $$`);
  await knex.raw(`COMMENT ON FUNCTION legajo_search_words(text) IS 'Distinct words of a text for the search lexicon (search_words).'`);
  // Only words not yet committed are added, and with no unique index a filing never waits for another one adding
  // the same new word (waits that, across several texts per transaction, could deadlock two filings).
  await knex.raw(`CREATE FUNCTION legajo_add_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO search_words (word)
        SELECT DISTINCT w FROM added, legajo_search_words(added.text) w
        WHERE NOT EXISTS (SELECT 1 FROM search_words s WHERE s.word = w);
      RETURN NULL;
    END $$`);
  for (const event of ['INSERT', 'UPDATE']) {
    await knex.raw(`CREATE TRIGGER document_texts_words_${event.toLowerCase()} AFTER ${event} ON document_texts
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION legajo_add_search_words()`);
  }
  await knex.raw(`INSERT INTO search_words (word) SELECT DISTINCT w FROM document_texts, legajo_search_words(text) w`);

  await knex.schema.createTable('text_extractions', (t) => {
    t.comment('Outcome of extracting the text layer of each filed PDF version (job text.extract); the text itself goes to document_texts.');
    t.uuid('version_id').primary().references('document_versions.id').comment('The PDF version read.');
    t.uuid('document_id').notNullable().references('documents.id').comment('Document of the version.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency.');
    t.text('state')
      .notNullable()
      .checkIn(['extracted', 'needs-digitization', 'failed'])
      .comment('extracted: text indexed; needs-digitization: no text layer (a scan), OCR would be needed; failed: no extractable text, see reason.');
    t.text('reason').nullable().comment('Why nothing was extracted (encrypted, damaged, over a limit), in Spanish.');
    t.integer('pages_read').notNullable().defaultTo(0).comment('Pages whose text was read (at most the page limit).');
    t.integer('characters').notNullable().defaultTo(0).comment('Characters of text indexed.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the outcome was (last) recorded (UTC).');
    t.index(['agency_id', 'state']);
  });
}
