import type { Knex } from 'knex';

/**
 * Fixity (DESIGN.md §6): runs that re-hash every referenced object, and each check as a preservation event
 * (PREMIS "fixity check"), read back by the alerts API, the metrics and the archive package export.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('fixity_runs', (t) => {
    t.comment('One pass of the fixity check over the referenced objects, in key order; an interrupted pass is continued by a new run from its cursor.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier (used in API paths).');
    t.bigIncrements('seq', { primaryKey: false }).comment('Creation order, for stable list pagination.');
    t.text('trigger').notNullable().checkIn(['schedule', 'cli', 'api']).comment('What started it: the nightly schedule, `legajo fixity check`, or POST /v1/fixity/runs.');
    t.uuid('requested_by').nullable().references('principals.id').comment('Principal who started it through the API; null for the schedule and the CLI.');
    t.text('state').notNullable().checkIn(['running', 'completed', 'failed', 'interrupted']).comment('running, completed (every object checked), failed (see error) or interrupted (stopped or its process died; continued by a later run).');
    t.uuid('resumed_from').nullable().references('fixity_runs.id').comment('The interrupted or failed run this one continues, starting after its cursor.');
    t.text('start_after').nullable().comment('Object key this run started after (the cursor of resumed_from); null when it started from the first key.');
    t.text('cursor').nullable().comment('Last object key checked, in key order; every key up to it has a row in fixity_checks for this run or an earlier one of its chain.');
    t.bigInteger('objects_total').nullable().comment('Referenced objects after start_after when the run began checking; null until counted.');
    t.bigInteger('bytes_total').nullable().comment('Bytes stored after start_after when the run began (from the store listing, an estimate for the ETA); null until counted.');
    t.bigInteger('objects_checked').notNullable().defaultTo(0).comment('Objects this run has checked.');
    t.bigInteger('bytes_checked').notNullable().defaultTo(0).comment('Bytes this run has read and hashed.');
    t.integer('mismatches').notNullable().defaultTo(0).comment('Objects whose bytes no longer hash to their key.');
    t.integer('missing').notNullable().defaultTo(0).comment('Referenced objects not found in the store.');
    t.text('error').nullable().comment('Why the run failed or was interrupted.');
    t.uuid('owner').nullable().comment('Random token of the process executing it; another process takes over only once heartbeat_at is stale.');
    t.timestamp('heartbeat_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('Last sign of life of its executor (database time): a running row whose heartbeat is stale was left by a dead process.');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was created (UTC).');
    t.timestamp('finished_at', { useTz: true }).nullable().comment('When it completed, failed or was interrupted (UTC).');
    t.index(['seq']);
  });
  // At most one run executes at a time: two passes never check the same range.
  await knex.raw(`CREATE UNIQUE INDEX fixity_runs_one_running ON fixity_runs (state) WHERE state = 'running'`);
  await knex.raw(`COMMENT ON INDEX fixity_runs_one_running IS 'Only one fixity run may be running at a time.'`);

  await knex.schema.createTable('fixity_checks', (t) => {
    t.comment('Each fixity check of one object: a preservation event (PREMIS eventType "fixity check"), exported with archive packages.');
    t.bigIncrements('id').comment('Check order; the latest check of an object has the highest id.');
    t.uuid('run_id').notNullable().references('fixity_runs.id').comment('Run that made the check.');
    t.text('object_key').notNullable().comment('Object-store key checked (sha256/aa/bb/<hex>).');
    t.text('expected_sha256').notNullable().comment('Hex SHA-256 the bytes must have: the digest in the key.');
    t.text('actual_sha256').nullable().comment('Hex SHA-256 of the bytes read; null when the object was missing.');
    t.text('outcome').notNullable().checkIn(['ok', 'mismatch', 'missing']).comment('ok, mismatch (bytes altered) or missing (object not in the store).');
    t.timestamp('checked_at', { useTz: true }).notNullable().comment('When the bytes were read and compared (UTC).');
    t.index(['object_key', 'id']);
  });
  // The alerts list reads only failed checks; they are rare, so a partial index keeps it cheap however many ok rows pile up.
  await knex.raw(`CREATE INDEX fixity_checks_damage ON fixity_checks (id) WHERE outcome <> 'ok'`);
  await knex.raw(`COMMENT ON INDEX fixity_checks_damage IS 'Failed fixity checks, for the alerts list.'`);

  // The check walks the keys of every referencing column in key order, page by page; without an index each page
  // would scan the whole table. document_versions.object_key is indexed already.
  for (const [table, column] of [
    ['filing_receipts', 'object_key'],
    ['case_file_indexes', 'object_key'],
    ['case_file_receipts', 'object_key'],
    ['authorized_copies', 'object_key'],
    ['communication_recipients', 'receipt_object_key'],
  ] as const) {
    await knex.schema.alterTable(table, (t) => t.index([column]));
  }
}
