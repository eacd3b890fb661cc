import type { Knex } from 'knex';

/** Case files (expedientes) with their ordered entries, sealed index versions, receipts, remissions and authorized copies. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('case_files', (t) => {
    t.comment('Case files (expedientes electrónicos, DS 10 arts. 18-34): one per administrative procedure.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.bigIncrements('seq', { primaryKey: false }).comment('Opening order, for stable list pagination.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency; scopes every query.');
    t.text('iuie').notNullable().comment('MGDEE1_1 IUIe, assigned on opening (EXP-<yyyymmdd>-<n>-<agency code>), or the sender’s for a received remission.');
    t.text('title').notNullable().comment('MGDEE1_5, copied out of metadata for lists.');
    t.text('procedure_code').notNullable().comment('MGDEE7_1 CPAT procedure code.');
    t.text('series_code').nullable().comment('MGDEE1_2 classification series, when given.');
    t.smallint('access_level').notNullable().comment('MGDEE6_1: 1 público, 2 restringido, 3 secreto, 4 reservado.');
    t.boolean('sensitive').notNullable().comment('MGDEE6_4: holds sensitive or private data; every access is logged.');
    t.text('state').notNullable().checkIn(['abierto', 'cerrado', 'recibido']).comment('MGDEE1_4: abierto, cerrado, or recibido (a remission received from another agency, read-only).');
    t.jsonb('metadata').notNullable().comment('Every MGDEE field by guide code, as opened (closing date and state are kept in their columns).');
    t.integer('entry_count').notNullable().defaultTo(0).comment('Order number of the last entry; the next entry takes entry_count + 1.');
    t.integer('folio_count').notNullable().defaultTo(0).comment('Last folio used; removed entries keep their folios, so this never goes down.');
    t.integer('index_version').notNullable().defaultTo(0).comment('Number of the latest sealed index version (0: never sealed).');
    t.timestamp('closed_at', { useTz: true }).nullable().comment('MGDEE3_2 closing date of the current closing; null while open.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Principal who opened (or received) it.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was opened in legajo (UTC).');
    t.unique(['agency_id', 'iuie']);
    t.index(['agency_id', 'seq']);
  });

  await knex.schema.createTable('case_file_entries', (t) => {
    t.comment('Items of a case file in strict order (DS 10 art. 23): a document version, a persistent link or a nested case file.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('case_file_id').notNullable().references('case_files.id').comment('Case file the item belongs to.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency (denormalised for scoping).');
    t.integer('position').notNullable().comment('Order in the case file, from 1, gap-free and never reused.');
    t.text('kind').notNullable().checkIn(['document', 'link', 'case-file']).comment('What the item is.');
    t.uuid('version_id').nullable().references('document_versions.id').comment('The exact document version incorporated (kind document).');
    t.text('link_uri').nullable().comment('Persistent http(s) URI (kind link).');
    t.text('link_description').nullable().comment('What the link points to (kind link).');
    t.uuid('nested_case_file_id').nullable().references('case_files.id').comment('Nested case file (kind case-file).');
    t.integer('nested_index_version').nullable().comment('Sealed index version of the nested case file that was pinned.');
    t.text('sha256').nullable().comment('Hex SHA-256 of the item: the version bytes, the nested sealed index, or the link target when it could be fetched.');
    t.integer('first_folio').nullable().comment('First folio (page across the whole case file); null for links.');
    t.integer('last_folio').nullable().comment('Last folio; null for links.');
    t.uuid('added_by').notNullable().references('principals.id').comment('Principal who incorporated it.');
    t.timestamp('incorporated_at', { useTz: true }).notNullable().comment('MGDEE53_2 incorporation time (UTC).');
    t.timestamp('removed_at', { useTz: true }).nullable().comment('When it was removed from the open case file (desglose); the entry stays, marked.');
    t.uuid('removed_by').nullable().references('principals.id').comment('Who removed it.');
    t.text('removed_reason').nullable().comment('Why it was removed.');
    t.unique(['case_file_id', 'position']);
    t.index(['nested_case_file_id']);
    t.index(['version_id']);
  });
  await knex.raw(`CREATE FUNCTION case_file_entries_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'case file entries are never deleted; removal is recorded on the entry';
      END IF;
      IF OLD.removed_at IS NOT NULL OR NEW.removed_at IS NULL THEN
        RAISE EXCEPTION 'a case file entry only changes once, to record its removal';
      END IF;
      IF (NEW.id, NEW.case_file_id, NEW.agency_id, NEW.position, NEW.kind, NEW.version_id, NEW.link_uri, NEW.link_description, NEW.nested_case_file_id, NEW.nested_index_version, NEW.sha256, NEW.first_folio, NEW.last_folio, NEW.added_by, NEW.incorporated_at)
         IS DISTINCT FROM
         (OLD.id, OLD.case_file_id, OLD.agency_id, OLD.position, OLD.kind, OLD.version_id, OLD.link_uri, OLD.link_description, OLD.nested_case_file_id, OLD.nested_index_version, OLD.sha256, OLD.first_folio, OLD.last_folio, OLD.added_by, OLD.incorporated_at) THEN
        RAISE EXCEPTION 'the content of a case file entry never changes';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`COMMENT ON FUNCTION case_file_entries_immutable() IS 'An entry is written once; the only later change is recording its removal.'`);
  await knex.raw(`CREATE TRIGGER case_file_entries_immutable BEFORE UPDATE OR DELETE ON case_file_entries
    FOR EACH ROW EXECUTE FUNCTION case_file_entries_immutable()`);

  await knex.schema.createTable('case_file_indexes', (t) => {
    t.comment('Sealed index versions: the case-file XML with its XML signature, kept as an immutable object each time it is sealed.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('case_file_id').notNullable().references('case_files.id').comment('Case file the index belongs to.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency.');
    t.integer('number').notNullable().comment('Index version, from 1.');
    t.text('purpose').notNullable().checkIn(['cierre', 'remision', 'recepcion']).comment('Why it was sealed: closing, a remission of an open case file, or received from the sender.');
    t.integer('entry_count').notNullable().comment('Entries the index lists.');
    t.text('sha256').notNullable().comment('Hex SHA-256 of the sealed XML.');
    t.bigInteger('size').notNullable().comment('Size of the sealed XML in bytes.');
    t.text('object_key').notNullable().comment('Object-store key of the sealed XML.');
    t.uuid('sealed_by').notNullable().references('principals.id').comment('Principal whose act sealed it.');
    t.timestamp('sealed_at', { useTz: true }).notNullable().comment('When it was sealed (UTC).');
    t.unique(['case_file_id', 'number']);
  });
  await knex.raw(`CREATE FUNCTION case_file_indexes_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'a sealed index version never changes and is never deleted';
    END $$`);
  await knex.raw(`COMMENT ON FUNCTION case_file_indexes_immutable() IS 'Sealed index versions are write-once.'`);
  await knex.raw(`CREATE TRIGGER case_file_indexes_immutable BEFORE UPDATE OR DELETE ON case_file_indexes
    FOR EACH ROW EXECUTE FUNCTION case_file_indexes_immutable()`);

  await knex.schema.createTable('case_file_receipts', (t) => {
    t.comment('Filing receipts (certificados de presentación, DS 10 art. 30) issued for a case file: on opening and on receiving a remission.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('case_file_id').notNullable().references('case_files.id').comment('Case file the receipt is for.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Issuing agency.');
    t.integer('number').notNullable().comment('Receipt position within the case file, from 1 (the n of /receipts/{n}).');
    t.text('act').notNullable().checkIn(['apertura', 'recepcion']).comment('What was filed: the opening, or a received remission.');
    t.text('receipt_number').notNullable().comment('CP-<year>-<n>, from the agency’s receipt sequence.');
    t.text('sha256').notNullable().comment('Hex SHA-256 of the signed receipt PDF.');
    t.text('object_key').notNullable().comment('Object-store key of the signed receipt PDF.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was issued (UTC).');
    t.unique(['case_file_id', 'number']);
  });

  await knex.schema.createTable('case_file_imports', (t) => {
    t.comment('Remissions received from another agency: provenance of an imported case file; one row per distinct package.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Receiving agency.');
    t.uuid('case_file_id').notNullable().references('case_files.id').comment('Case file created from the package.');
    t.text('package_sha256').notNullable().comment('Hex SHA-256 of the whole package as received; a re-delivery is recognised by it.');
    t.bigInteger('package_size').notNullable().comment('Package size in bytes.');
    t.text('sender_agency_code').notNullable().comment('MGDEE51_1 of the sending agency, from the sealed index.');
    t.text('sender_iuie').notNullable().comment('IUIe at the sender.');
    t.integer('sender_index_version').notNullable().comment('Sealed index version the sender remitted.');
    t.text('seal_subject').notNullable().comment('Subject of the certificate that sealed the remitted index.');
    t.uuid('received_by').notNullable().references('principals.id').comment('Principal who received it.');
    t.timestamp('received_at', { useTz: true }).notNullable().comment('When it was received (UTC).');
    t.unique(['agency_id', 'package_sha256']);
  });

  await knex.schema.createTable('authorized_copies', (t) => {
    t.comment('Authorized copies (copias autorizadas, DS 10 art. 35): sealed PDFs carrying a verification code checked at /verify/{code}.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Issuing agency.');
    t.text('code_sha256').notNullable().unique().comment('SHA-256 of the verification code; the code itself is never stored.');
    t.text('subject_kind').notNullable().checkIn(['version', 'case-file']).comment('What the copy reproduces.');
    t.uuid('version_id').nullable().references('document_versions.id').comment('Copied document version (subject_kind version).');
    t.uuid('case_file_id').nullable().references('case_files.id').comment('Copied case file (subject_kind case-file).');
    t.integer('case_file_index_version').nullable().comment('Sealed index version the case-file copy reproduces.');
    t.text('subject_sha256').notNullable().comment('Hex SHA-256 of what was copied (version bytes or sealed index).');
    t.text('sha256').notNullable().comment('Hex SHA-256 of the copy PDF as issued.');
    t.bigInteger('size').notNullable().comment('Size of the copy PDF in bytes.');
    t.text('object_key').notNullable().comment('Object-store key of the copy PDF.');
    t.uuid('issued_by').notNullable().references('principals.id').comment('Principal who issued it.');
    t.timestamp('issued_at', { useTz: true }).notNullable().comment('When it was issued (UTC).');
  });

  // A received remission keeps the sender's document identifiers (MGDDE1_1 is the producer's), so identifiers
  // are unique per agency rather than across the installation.
  await knex.schema.alterTable('documents', (t) => {
    t.dropUnique(['identifier']);
    t.unique(['agency_id', 'identifier']);
  });

  await knex.schema.alterTable('audit_events', (t) => {
    t.index(['agency_id', 'target_type', 'target_id'], 'audit_events_target_idx');
  });
}
