import type { Knex } from 'knex';

/** Documents with immutable versions, signature reports, initials, registry numbering, idempotency and receipts. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('registry_counters', (t) => {
    t.comment('Gap-free counters per agency, kind and year (records-office numbering, document identifiers).');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency that owns the sequence.');
    t.text('kind').notNullable().comment('What is numbered: a document type (doc-type:36), DOCU identifiers, receipts...');
    t.integer('year').notNullable().comment('Calendar year (UTC) the sequence belongs to; each year starts at 1.');
    t.integer('last_value').notNullable().comment('Last number handed out; the next is last_value + 1.');
    t.primary(['agency_id', 'kind', 'year']);
  });

  await knex.schema.createTable('documents', (t) => {
    t.comment('Documents: the series of versions of one record, with its Chilean metadata (MGDDE).');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier (used in API paths).');
    t.bigIncrements('seq', { primaryKey: false }).comment('Filing order, for stable list pagination.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency; scopes every query.');
    t.text('identifier').notNullable().unique().comment('MGDDE1_1, assigned by the server: DOCU-<yyyymmdd>-<n>-<agency code>.');
    t.text('title').notNullable().comment('MGDDE1_6, copied out of metadata for lists and search.');
    t.integer('document_type').nullable().comment('MGDDE5_1 tipo documental (1-42), when given.');
    t.text('series_code').nullable().comment('MGDDE1_2 classification series code, when given.');
    t.smallint('access_level').notNullable().comment('MGDDE7_1: 1 público, 2 restringido, 3 secreto, 4 reservado.');
    t.boolean('sensitive').notNullable().comment('MGDDE7_2: contains sensitive or private data; every access is logged.');
    t.timestamp('document_created_at', { useTz: true }).notNullable().comment('MGDDE4_1 creation date of the document itself.');
    t.jsonb('metadata').notNullable().comment('All MGDDE fields as filed, keyed by guide code; never overwritten in place.');
    t.text('search_text').notNullable().comment('Lower-cased title, keywords and summary for the text filter.');
    t.integer('current_version').notNullable().comment('Number of the latest version.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Principal who filed it.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was filed (UTC).');
    t.index(['agency_id', 'seq']);
    t.index(['agency_id', 'document_type']);
    t.index(['agency_id', 'series_code']);
  });

  await knex.schema.createTable('document_versions', (t) => {
    t.comment('Immutable versions of a document: bytes in the object store plus what was learnt from them.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('document_id').notNullable().references('documents.id').comment('Document the version belongs to.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency (denormalised for scoping).');
    t.integer('number').notNullable().comment('1, 2, 3... within the document.');
    t.text('status').notNullable().checkIn(['draft', 'final']).comment('draft, or final once signed or numbered; final never changes.');
    t.text('sha256').notNullable().comment('Hex SHA-256 of the bytes (also the ETag).');
    t.bigInteger('size').notNullable().comment('Size in bytes.');
    t.text('media_type').notNullable().comment('Media type detected from the bytes, never from the name or header.');
    t.text('object_key').notNullable().comment('Object-store key (sha256/aa/bb/<hex>); shared by identical bytes.');
    t.text('file_name').nullable().comment('Name the filer gave the file, for display only; never used as a path.');
    t.integer('page_count').nullable().comment('Pages, for PDFs.');
    t.text('pdfa').nullable().comment('PDF/A part and conformance claimed in XMP (e.g. 2b), for PDFs.');
    t.text('origin').notNullable().checkIn(['upload', 'signature', 'initials']).comment('How the version came to be: filed, produced by signing, or by an initials stamp.');
    t.integer('derived_from').nullable().comment('Version number this one was produced from (signing, initials).');
    t.uuid('created_by').notNullable().references('principals.id').comment('Principal who created the version.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was created (UTC).');
    t.timestamp('finalized_at', { useTz: true }).nullable().comment('When it became final.');
    t.unique(['document_id', 'number']);
    t.index(['object_key']);
  });

  await knex.raw(`CREATE FUNCTION document_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'document versions are never deleted';
      END IF;
      IF OLD.status = 'final' THEN
        RAISE EXCEPTION 'a final version never changes';
      END IF;
      IF (NEW.id, NEW.document_id, NEW.agency_id, NEW.number, NEW.sha256, NEW.size, NEW.media_type, NEW.object_key, NEW.created_by, NEW.created_at)
         IS DISTINCT FROM
         (OLD.id, OLD.document_id, OLD.agency_id, OLD.number, OLD.sha256, OLD.size, OLD.media_type, OLD.object_key, OLD.created_by, OLD.created_at) THEN
        RAISE EXCEPTION 'the content of a version never changes';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`COMMENT ON FUNCTION document_versions_immutable() IS 'Only a draft may change, and only to become final (status and finalisation time).'`);
  await knex.raw(`CREATE TRIGGER document_versions_immutable BEFORE UPDATE OR DELETE ON document_versions
    FOR EACH ROW EXECUTE FUNCTION document_versions_immutable()`);

  await knex.schema.createTable('registry_entries', (t) => {
    t.comment('Records-office numbers (oficina de partes): one per numbered version, gap-free per agency, kind and year.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Numbering agency.');
    t.uuid('version_id').notNullable().unique().references('document_versions.id').comment('Version that received the number; never renumbered.');
    t.text('kind').notNullable().comment('Sequence the number belongs to (doc-type:<MGDDE5_1>).');
    t.integer('year').notNullable().comment('Year of the sequence (UTC).');
    t.integer('value').notNullable().comment('Position in the sequence, from 1 without gaps.');
    t.text('registry_number').notNullable().comment('Number as shown: <tipo>-<año>-<n con 6 dígitos>.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Records officer who numbered.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was numbered (UTC).');
    t.unique(['agency_id', 'kind', 'year', 'value']);
  });

  await knex.schema.createTable('version_signatures', (t) => {
    t.comment('Validation report of each signature found in a PDF version, made when the version entered.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('version_id').notNullable().references('document_versions.id').comment('Version that carries the signature.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency.');
    t.integer('position').notNullable().comment('Order of the signature in the file, from 1.');
    t.text('signer_name').nullable().comment('Signer certificate subject common name.');
    t.text('signer_run').nullable().comment('Signer RUN, when the certificate carries one.');
    t.timestamp('signed_at', { useTz: true }).nullable().comment('Signing time claimed in the signature.');
    t.boolean('valid').notNullable().comment('Digest, signature and chain all check out.');
    t.boolean('covers_whole_document').notNullable().comment('The byte range reaches the end of the file.');
    t.jsonb('report').notNullable().comment('Full validation report (problems in Spanish).');
    t.unique(['version_id', 'position']);
  });

  await knex.schema.createTable('version_initials', (t) => {
    t.comment('Initials (visados): a reviewer’s simple approval of a version before signing.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('version_id').notNullable().references('document_versions.id').comment('Version that was initialled.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency.');
    t.uuid('principal_id').notNullable().references('principals.id').comment('Reviewer who initialled.');
    t.text('initials').notNullable().comment('Initials shown in the stamp.');
    t.integer('stamped_version').nullable().comment('Version number of the copy carrying the visible initials stamp.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When (UTC).');
  });

  await knex.schema.createTable('filing_receipts', (t) => {
    t.comment('Certificados de presentación (DS 10 art. 30): a signed receipt PDF for every filing.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Receiving agency.');
    t.uuid('version_id').notNullable().unique().references('document_versions.id').comment('Filed version the receipt is for (one receipt each).');
    t.text('receipt_number').notNullable().comment('Receipt number: CP-<year>-<n>, gap-free per agency and year.');
    t.text('sha256').notNullable().comment('Hex SHA-256 of the receipt PDF.');
    t.text('object_key').notNullable().comment('Object-store key of the signed receipt PDF.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was issued (UTC).');
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.comment('First answer to each Idempotency-Key, so a retried POST returns it and creates nothing new.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency of the caller; keys are per agency.');
    t.text('key').notNullable().comment('The Idempotency-Key header value.');
    t.text('route').notNullable().comment('Method and route the key was used on.');
    t.text('fingerprint').notNullable().comment('SHA-256 of the request (body, file digest); a different request with the same key is refused.');
    t.integer('status').notNullable().comment('HTTP status of the first answer.');
    t.jsonb('body').notNullable().comment('Body of the first answer.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the key was first used (UTC).');
    t.primary(['agency_id', 'key']);
  });
}
