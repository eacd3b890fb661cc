import type { Knex } from 'knex';

/** Digitization of paper submissions (DS 10 art. 21 and 25): the scan batch, its OCR per page, review and certification. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('digitizations', (t) => {
    t.comment('A batch of scanned paper: the original scan filed as a document, its OCR, the searchable PDF and the certified copy.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier (used in API paths and as the job id of its OCR).');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency that scanned the paper.');
    t.uuid('document_id').notNullable().references('documents.id').comment('Document holding the original scan, the searchable PDF and the certified copy as versions.');
    t.integer('original_version').notNullable().comment('Version holding the original scan, untouched.');
    t.integer('searchable_version').nullable().comment('Version holding the searchable PDF once the OCR is done; set once, so outputs are never filed twice.');
    t.integer('certified_version').nullable().comment('Version holding the sealed certified digitized copy.');
    t.text('state').notNullable().checkIn(['queued', 'processing', 'done', 'failed', 'certified']).comment('queued, processing (OCR running), done (searchable PDF filed), failed (job gave up, see error), certified.');
    t.text('device').notNullable().comment('Scanner used (capture metadata).');
    t.integer('dpi').notNullable().comment('Capture resolution in dots per inch, as declared by the operator.');
    t.text('color_mode').notNullable().checkIn(['bitonal', 'gris', 'color']).comment('Capture colour mode.');
    t.text('operator').notNullable().comment('Person who scanned the paper.');
    t.integer('declared_pages').notNullable().comment('Pages counted on the paper; must equal scanned_pages to certify.');
    t.integer('scanned_pages').notNullable().comment('Pages found in the scan file.');
    t.text('lang').notNullable().checkIn(['spa', 'eng', 'spa+eng']).comment('OCR language(s).');
    t.text('case_file_iuie').nullable().comment('IUIe of the case file the certified copy is added to, when given.');
    t.text('error').nullable().comment('Why the OCR job failed, after its last try.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Principal who submitted the scan.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the scan was received (UTC); also the capture date recorded as MGDDE4_3.');
    t.timestamp('finished_at', { useTz: true }).nullable().comment('When the OCR finished or failed for good (UTC).');
    t.uuid('certified_by').nullable().references('principals.id').comment('Principal who certified the copy.');
    t.timestamp('certified_at', { useTz: true }).nullable().comment('When the copy was certified (UTC).');
    t.index(['agency_id', 'document_id']);
  });

  await knex.schema.createTable('ocr_pages', (t) => {
    t.comment('One scanned page of a digitization: its OCR result, and the review a clerk made of it.');
    t.bigIncrements('seq', { primaryKey: false }).comment('Creation order, for stable review queue pagination.');
    t.uuid('digitization_id').notNullable().references('digitizations.id').comment('Digitization the page belongs to.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency of the digitization (scopes the review queue).');
    t.integer('number').notNullable().comment('Page number in the scan, from 1.');
    t.integer('width').notNullable().comment('Page width in pixels.');
    t.integer('height').notNullable().comment('Page height in pixels.');
    t.text('state').notNullable().checkIn(['pending', 'done', 'failed', 'review', 'rescan']).comment('pending (not yet recognised), done, failed (see error), review (confidence under the threshold), rescan (requested by a reviewer).');
    t.float('confidence').nullable().comment('Mean word confidence of the OCR, 0-100.');
    t.text('text').nullable().comment('Text recognised by the OCR, never overwritten by a review.');
    t.jsonb('words').nullable().comment('Recognised words with their boxes in pixels, to rebuild the searchable PDF without recognising again.');
    t.text('error').nullable().comment('Why the OCR of the page failed.');
    t.text('review_action').nullable().checkIn(['accept', 'correct', 'rescan']).comment('What the reviewer decided.');
    t.text('corrected_text').nullable().comment('Text as corrected by the reviewer, kept beside the OCR text.');
    t.uuid('reviewed_by').nullable().references('principals.id').comment('Principal who reviewed the page.');
    t.timestamp('reviewed_at', { useTz: true }).nullable().comment('When the page was reviewed (UTC).');
    t.primary(['digitization_id', 'number']);
    t.index(['agency_id', 'state', 'seq']);
  });
}
