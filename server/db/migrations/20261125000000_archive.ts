import type { Knex } from 'knex';

/**
 * Records management (DS 10 arts. 17 and 32, DS 4 art. 50): the classification scheme, retention schedules per
 * series, legal holds, and disposal runs with the tombstones and destruction certificates they leave.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('series', (t) => {
    t.comment('The agency’s functional classification scheme (cuadro de clasificación): hierarchical series codes.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency whose scheme this is.');
    t.text('code').notNullable().comment('Series code, dot-separated by level (01, 01.02, 01.02.03); documents and case files name it in MGDDE1_2 / MGDEE1_2.');
    t.uuid('parent_id').nullable().references('series.id').comment('Series one level up; null for a top-level function.');
    t.text('title').notNullable().comment('Name of the function, subfunction or series.');
    t.text('description').nullable().comment('Scope note.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Archivist who created it.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was created (UTC).');
    t.unique(['agency_id', 'code']);
  });

  await knex.schema.createTable('retention_rules', (t) => {
    t.comment('Retention schedule of a series, versioned: a change is a new version, earlier ones stay as history.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency of the series.');
    t.uuid('series_id').notNullable().references('series.id').comment('Series the rule applies to (class determines destiny).');
    t.integer('version').notNullable().comment('1, 2, 3... per series; the highest is the rule in force.');
    t.integer('period_years').notNullable().comment('Retention period in years after the trigger.');
    t.text('trigger').notNullable().checkIn(['closed', 'final', 'date']).comment('What starts the period: case file closed, document final, or a fixed date.');
    t.date('trigger_date').nullable().comment('Start date when trigger is date.');
    t.text('disposition').notNullable().checkIn(['transfer', 'destroy', 'review']).comment('Final disposition: transfer to the Archivo Nacional, destroy, or review by an archivist.');
    t.text('reason').notNullable().comment('Why the rule is set or changed (legal basis, appraisal).');
    t.boolean('applies_to_running').notNullable().comment('True only when a change was made with an explicit review: it then also governs periods already running, even if shorter.');
    t.text('review_reason').nullable().comment('The review that allowed a shorter period to apply to running periods.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Archivist who set it.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it came into force (UTC).');
    t.unique(['series_id', 'version']);
  });
  await knex.raw(`ALTER TABLE retention_rules ADD CONSTRAINT retention_rules_trigger_date CHECK ((trigger = 'date') = (trigger_date IS NOT NULL))`);
  await knex.raw(`ALTER TABLE retention_rules ADD CONSTRAINT retention_rules_period CHECK (period_years BETWEEN 0 AND 500)`);

  await knex.schema.createTable('retention_overrides', (t) => {
    t.comment('A schedule set on one case file or document instead of its series’ rule; the latest one wins.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency.');
    t.text('target_type').notNullable().checkIn(['case_file', 'document']).comment('What the override applies to.');
    t.uuid('target_id').notNullable().comment('case_files.id or documents.id.');
    t.integer('period_years').notNullable().comment('Retention period in years after the series’ trigger.');
    t.text('disposition').notNullable().checkIn(['transfer', 'destroy', 'review']).comment('Final disposition for this record.');
    t.text('reason').notNullable().comment('Why this record departs from its series’ schedule (audited act).');
    t.uuid('created_by').notNullable().references('principals.id').comment('Archivist who set it.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was set (UTC).');
    t.index(['target_type', 'target_id', 'created_at']);
  });

  await knex.schema.createTable('legal_holds', (t) => {
    t.comment('Legal holds: while one is active nothing under it can be disposed of, whatever its schedule.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency that placed the hold.');
    t.text('target_type').notNullable().checkIn(['case_file', 'document', 'series']).comment('What is held: a case file (and its documents), a document, or a series and its subseries.');
    t.uuid('target_id').nullable().comment('case_files.id or documents.id; null for a series.');
    t.text('series_code').nullable().comment('Held series code (covers codes under it); null unless target_type is series.');
    t.text('reason').notNullable().comment('Why (litigation, audit, request under Law 20.285...).');
    t.uuid('created_by').notNullable().references('principals.id').comment('Who placed it.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was placed (UTC).');
    t.timestamp('released_at', { useTz: true }).nullable().comment('When it was lifted; null while active.');
    t.uuid('released_by').nullable().references('principals.id').comment('Who lifted it.');
    t.text('release_reason').nullable().comment('Why it was lifted.');
    t.index(['agency_id', 'released_at']);
  });
  await knex.raw(`ALTER TABLE legal_holds ADD CONSTRAINT legal_holds_target CHECK ((target_type = 'series') = (series_code IS NOT NULL AND target_id IS NULL))`);

  await knex.schema.createTable('dispositions', (t) => {
    t.comment('A disposal run: what was due on a date, approved by a second archivist, then transferred or destroyed item by item.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier (also the id of its job).');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency whose records are disposed of.');
    t.text('state').notNullable().checkIn(['proposed', 'approved', 'running', 'completed', 'failed', 'cancelled']).comment('proposed (dry run listed), approved, running, completed, failed (see error; resumable), cancelled.');
    t.timestamp('due_at', { useTz: true }).notNullable().comment('Cut-off: items whose retention ended on or before this instant were listed.');
    t.integer('items_total').notNullable().comment('Items listed.');
    t.integer('items_done').notNullable().defaultTo(0).comment('Items transferred, destroyed or skipped so far.');
    t.bigInteger('bytes_total').notNullable().comment('Bytes of content under the listed items.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Archivist who proposed the run.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was proposed (UTC).');
    t.uuid('approved_by').nullable().references('principals.id').comment('Second archivist who approved it; never the proposer.');
    t.timestamp('approved_at', { useTz: true }).nullable().comment('When it was approved (UTC).');
    t.timestamp('finished_at', { useTz: true }).nullable().comment('When it completed or failed (UTC).');
    t.uuid('transfer_id').nullable().comment('Transfer built for the items to transfer, when any.');
    t.text('certificate_number').nullable().comment('Number of the destruction certificate (AE-<year>-<n>).');
    t.text('certificate_object_key').nullable().comment('Object key of the sealed destruction certificate (acta de eliminación).');
    t.text('certificate_sha256').nullable().comment('SHA-256 of the certificate PDF.');
    t.text('error').nullable().comment('Why the run stopped, if it failed.');
    t.index(['agency_id', 'created_at']);
  });
  await knex.raw(`ALTER TABLE dispositions ADD CONSTRAINT dispositions_four_eyes CHECK (approved_by IS NULL OR approved_by <> created_by)`);

  await knex.schema.createTable('disposition_items', (t) => {
    t.comment('One record a disposal run acts on, with its outcome; an item is acted on once.');
    t.uuid('disposition_id').notNullable().references('dispositions.id').comment('The run.');
    t.integer('seq').notNullable().comment('Position in the run, from 1.');
    t.text('target_type').notNullable().checkIn(['case_file', 'document']).comment('What is disposed of.');
    t.uuid('target_id').notNullable().comment('case_files.id or documents.id.');
    t.text('label').notNullable().comment('IUIe or document identifier, and title, as listed.');
    t.text('series_code').nullable().comment('Series the schedule came from.');
    t.text('action').notNullable().checkIn(['transfer', 'destroy', 'review']).comment('What the schedule says; review items are listed but never acted on.');
    t.text('schedule_source').notNullable().comment('Where the schedule came from: series rule version or override id.');
    t.timestamp('due_at', { useTz: true }).notNullable().comment('When its retention period ended.');
    t.bigInteger('bytes').notNullable().comment('Bytes of its content.');
    t.text('state').notNullable().checkIn(['pending', 'done', 'skipped']).comment('pending, done, or skipped (see skip_reason).');
    t.text('skip_reason').nullable().comment('Why it was not acted on (a hold placed after the dry run, a review item...).');
    t.timestamp('done_at', { useTz: true }).nullable().comment('When it was acted on (UTC).');
    t.primary(['disposition_id', 'seq']);
  });

  await knex.schema.createTable('tombstones', (t) => {
    t.comment('What remains of a destroyed record: its metadata and the hashes of its content, never the content.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency that destroyed it.');
    t.uuid('disposition_id').notNullable().references('dispositions.id').comment('Run that destroyed it.');
    t.text('target_type').notNullable().checkIn(['case_file', 'document']).comment('What was destroyed.');
    t.uuid('target_id').notNullable().unique().comment('case_files.id or documents.id; a record is destroyed once.');
    t.text('label').notNullable().comment('IUIe or identifier, and title.');
    t.jsonb('metadata').notNullable().comment('Its guide metadata as it stood.');
    t.jsonb('contents').notNullable().comment('Every version destroyed: document, number, SHA-256, size, media type, and whether its bytes were deleted or kept for another live record.');
    t.timestamp('destroyed_at', { useTz: true }).notNullable().comment('When it was destroyed (UTC).');
  });

  await knex.schema.createTable('disposed_versions', (t) => {
    t.comment('Document versions whose content was destroyed: their rows stay (history, case-file indexes) but no longer hold their object.');
    t.uuid('version_id').primary().references('document_versions.id').comment('The destroyed version.');
    t.uuid('tombstone_id').notNullable().references('tombstones.id').comment('Tombstone that records it.');
    t.timestamp('destroyed_at', { useTz: true }).notNullable().comment('When it was destroyed (UTC).');
  });
}
