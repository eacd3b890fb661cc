import type { Knex } from 'knex';

/**
 * Renditions (DESIGN.md §5): which version was derived from which, and how. For digitizations: a clerk's confirmation
 * of the page count, and rescanned pages, each filed as a version of its own so the page it replaces stays in the
 * history.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('renditions', (t) => {
    t.comment('A version derived from another version of the same document: the searchable PDF of a scan, the certified copy of a searchable PDF.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Owning agency (denormalised for scoping).');
    t.uuid('document_id').notNullable().references('documents.id').comment('Document both versions belong to.');
    t.integer('source_version').notNullable().comment('Version number the rendition was derived from.');
    t.integer('derived_version').notNullable().comment('Version number holding the rendition.');
    t.text('kind').notNullable().checkIn(['searchable-pdf', 'certified-copy']).comment('searchable-pdf (scan images with an OCR text layer), certified-copy (sealed certified digitized copy).');
    t.uuid('created_by').notNullable().references('principals.id').comment('Principal on whose behalf the rendition was made.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was recorded (UTC).');
    t.jsonb('details').notNullable().defaultTo('{}').comment('How it was made: capture metadata, pages, OCR language, certifier; rescanned pages used.');
    t.unique(['document_id', 'derived_version']);
    t.index(['document_id', 'source_version']);
  });

  await knex.schema.alterTable('digitizations', (t) => {
    t.integer('confirmed_pages').nullable().comment('Page count a clerk confirmed when the declared count was wrong; equals scanned_pages. The declared count is kept.');
    t.text('pages_confirmation_reason').nullable().comment('Why the clerk says the declared count was wrong.');
    t.uuid('pages_confirmed_by').nullable().references('principals.id').comment('Clerk who confirmed the page count.');
    t.timestamp('pages_confirmed_at', { useTz: true }).nullable().comment('When the page count was confirmed (UTC).');
  });

  await knex.schema.alterTable('ocr_pages', (t) => {
    t.integer('source_version').nullable().comment('Version holding the page image when it is a rescan; null: page `number` of the original scan.');
    t.integer('rotation').notNullable().defaultTo(0).checkIn(['0', '90', '180', '270']).comment('Quarter turn clockwise (degrees) that makes the page upright, found by orientation detection; applied before OCR and in the searchable PDF.');
  });

  await knex.schema.createTable('ocr_page_rescans', (t) => {
    t.comment('Each replacement of a digitized page by a new scan; the replaced image stays in its version.');
    t.uuid('digitization_id').notNullable().references('digitizations.id').comment('Digitization the page belongs to.');
    t.integer('number').notNullable().comment('Page number replaced.');
    t.integer('previous_version').notNullable().comment('Version that held the replaced image (the original scan, or an earlier rescan).');
    t.integer('new_version').notNullable().comment('Version holding the new image.');
    t.text('previous_text').nullable().comment('OCR text of the replaced image, kept since the page is recognised again.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Clerk who sent the rescan.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the page was replaced (UTC).');
    t.primary(['digitization_id', 'new_version']);
  });
}
