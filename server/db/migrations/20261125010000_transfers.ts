import type { Knex } from 'knex';

/** Transfers to the Archivo Nacional (DS 10 arts. 17 and 32): E-ARK SIP packages built in the background, then confirmed. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('transfers', (t) => {
    t.comment('A transfer of closed case files to the Archivo Nacional: its archive package (E-ARK SIP 2.2 in a BagIt bag), built by the transfer.build job.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier; the package OBJID is urn:uuid:<id>.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency transferring its records.');
    t.text('state').notNullable().checkIn(['queued', 'building', 'ready', 'failed', 'confirmed']).comment('queued, building (job running), ready (package stored), failed (see error), confirmed (the Archivo Nacional accepted it).');
    t.text('series_code').nullable().comment('Series (MGDEE1_2) the case files were selected by, when the request named a series instead of case files.');
    t.uuid('disposition_id').nullable().comment('Disposition run that asked for this transfer, when one did.');
    t.integer('files_total').notNullable().defaultTo(0).comment('Files the package will carry (payload, metadata and tag files), known once the build starts.');
    t.integer('files_done').notNullable().defaultTo(0).comment('Files written to the package so far.');
    t.bigInteger('bytes_total').notNullable().defaultTo(0).comment('Bytes of the files the package will carry, known once the build starts.');
    t.bigInteger('bytes_done').notNullable().defaultTo(0).comment('Bytes written to the package so far.');
    t.text('package_object_key').nullable().comment('Object-store key of the finished package (uncompressed POSIX tar of the bag); set once.');
    t.text('package_sha256').nullable().comment('Hex SHA-256 of the package tar (also its ETag).');
    t.bigInteger('package_size').nullable().comment('Size of the package tar in bytes.');
    t.text('error').nullable().comment('Why the build failed, in Spanish, visible through the API.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Principal who requested the transfer.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the transfer was requested (UTC); also the package creation date.');
    t.timestamp('started_at', { useTz: true }).nullable().comment('When the current build try started (UTC).');
    t.timestamp('finished_at', { useTz: true }).nullable().comment('When the package was stored or the build failed for good (UTC).');
    t.uuid('confirmed_by').nullable().references('principals.id').comment('Principal who recorded the Archivo Nacional acceptance.');
    t.timestamp('confirmed_at', { useTz: true }).nullable().comment('When the acceptance was recorded (UTC).');
    t.text('reception_reference').nullable().comment('The Archivo Nacional reception reference (acta or number) given on confirmation.');
    t.index(['agency_id', 'created_at']);
  });

  await knex.schema.createTable('transfer_case_files', (t) => {
    t.comment('The case files one transfer carries, in package order.');
    t.uuid('transfer_id').notNullable().references('transfers.id').comment('The transfer.');
    t.uuid('case_file_id').notNullable().references('case_files.id').comment('A case file it carries.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency of the transfer (denormalised for scoping).');
    t.integer('position').notNullable().comment('Order in the package, from 1.');
    t.integer('index_version').notNullable().comment('Sealed index version the package carries (the latest at request time).');
    t.primary(['transfer_id', 'case_file_id']);
    t.index(['case_file_id']);
  });

  await knex.raw('ALTER TABLE case_files DROP CONSTRAINT case_files_state_check');
  await knex.raw(`ALTER TABLE case_files ADD CONSTRAINT case_files_state_check CHECK (state IN ('abierto', 'cerrado', 'recibido', 'transferido'))`);
  await knex.raw(
    `COMMENT ON COLUMN case_files.state IS 'MGDEE1_4: abierto, cerrado, recibido (a remission received from another agency, read-only), or transferido (accepted by the Archivo Nacional; read-only).'`,
  );
}
