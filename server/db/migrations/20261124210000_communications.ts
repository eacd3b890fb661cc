import type { Knex } from 'knex';

/** Official communications between agencies (DS 4 arts. 36-39; DocDigital's visar, firmar, enumerar, distribuir). */
export async function up(knex: Knex): Promise<void> {
  // The records office's number is stamped on the signed PDF as a new version.
  await knex.raw('ALTER TABLE document_versions DROP CONSTRAINT document_versions_origin_check');
  await knex.raw(`ALTER TABLE document_versions ADD CONSTRAINT document_versions_origin_check CHECK (origin IN ('upload', 'signature', 'initials', 'registry-stamp'))`);
  await knex.raw(`COMMENT ON COLUMN document_versions.origin IS 'How the version came to be: filed, produced by signing, by an initials stamp, or by the records office''s number stamp.'`);

  await knex.schema.createTable('communications', (t) => {
    t.comment('Official communications (comunicaciones oficiales, DS 4 art. 36): drafted, initialled, signed, numbered and sent by one agency to others.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier (used in API paths).');
    t.bigIncrements('seq', { primaryKey: false }).comment('Drafting order, for stable list pagination.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Sending agency (art. 36 a).');
    t.text('identifier').notNullable().comment('Unique identifier: COM-<yyyymmdd>-<n>-<agency code>.');
    t.text('classification').notNullable().comment('Classification required by art. 36 (the agency’s series or subject code).');
    t.text('type').notNullable().comment('Communication type (art. 36 g): oficio, resolucion, convenio, memorando, carta, circular, decreto, otro.');
    t.text('subject').notNullable().comment('Subject reference (art. 36 e).');
    t.text('sender_authority').notNullable().comment('Authority who sends it (art. 36 b).');
    t.text('sender_post').notNullable().comment('Post of that authority (art. 36 b).');
    t.uuid('document_id').notNullable().references('documents.id').comment('Document holding the content (art. 36 f); each step adds a version.');
    t.integer('content_version').notNullable().comment('Version of the content the next step works on (the sent one once sent).');
    t.text('state').notNullable().checkIn(['borrador', 'visado', 'firmado', 'numerado', 'enviado']).comment('Where the flow is: draft, initialled by every reviewer, signed by every signer, numbered, sent (immutable).');
    t.text('registry_number').nullable().comment('Number given by the sending records office.');
    t.text('procedure_code').nullable().comment('Procedure, when part of one (art. 39).');
    t.text('procedure_task').nullable().comment('Task within the procedure (art. 39).');
    t.timestamp('deadline', { useTz: true }).nullable().comment('Deadline for the answer (art. 39).');
    t.uuid('case_file_id').nullable().references('case_files.id').comment('Case file the communication belongs to; the sent version is added to it.');
    t.timestamp('sent_at', { useTz: true }).nullable().comment('When it was sent (UTC).');
    t.uuid('created_by').notNullable().references('principals.id').comment('Principal who drafted it.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was drafted (UTC).');
    t.unique(['agency_id', 'identifier']);
    t.index(['agency_id', 'seq']);
  });

  await knex.schema.createTable('communication_annexes', (t) => {
    t.comment('Annexes of a communication: exact document versions of the sender, readable by the recipients once sent.');
    t.uuid('communication_id').notNullable().references('communications.id').comment('Communication.');
    t.integer('position').notNullable().comment('Order of the annex, from 1.');
    t.uuid('version_id').notNullable().references('document_versions.id').comment('The annexed version.');
    t.primary(['communication_id', 'position']);
  });

  await knex.schema.createTable('communication_steps', (t) => {
    t.comment('Who must initial (visar) and sign, in a set order; each step records the version it produced.');
    t.uuid('communication_id').notNullable().references('communications.id').comment('Communication.');
    t.text('kind').notNullable().checkIn(['initial', 'sign']).comment('initial (visar) or sign (firmar).');
    t.integer('position').notNullable().comment('Order within its kind, from 1; a step waits for the earlier ones.');
    t.uuid('principal_id').notNullable().references('principals.id').comment('Reviewer or signer assigned.');
    t.timestamp('done_at', { useTz: true }).nullable().comment('When the step was done (UTC).');
    t.integer('version_produced').nullable().comment('Content version the step produced.');
    t.primary(['communication_id', 'kind', 'position']);
  });

  await knex.schema.createTable('communication_recipients', (t) => {
    t.comment('Each receiving agency of a communication and its own state: sent, received, distributed, acknowledged or rejected.');
    t.uuid('communication_id').notNullable().references('communications.id').comment('Communication.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Receiving agency (art. 36 c).');
    t.jsonb('persons').notNullable().comment('Recipient persons and posts (art. 36 d): [{name, post}].');
    t.text('state').notNullable().checkIn(['pendiente', 'enviado', 'recibido', 'distribuido', 'acusado', 'rechazado']).comment('pendiente until sent; then enviado, recibido (records office opened it), distribuido, acusado (acknowledged) or rechazado.');
    t.timestamp('received_at', { useTz: true }).nullable().comment('When the receiving records office opened it.');
    t.uuid('received_by').nullable().references('principals.id').comment('Who opened it.');
    t.text('distributed_to').nullable().comment('Internal unit or person it was distributed to.');
    t.timestamp('distributed_at', { useTz: true }).nullable().comment('When it was distributed.');
    t.uuid('distributed_by').nullable().references('principals.id').comment('Who distributed it.');
    t.timestamp('acknowledged_at', { useTz: true }).nullable().comment('When receipt was acknowledged.');
    t.uuid('acknowledged_by').nullable().references('principals.id').comment('Who acknowledged.');
    t.text('receipt_number').nullable().comment('Number of the acknowledgement receipt (acuse de recibo).');
    t.text('receipt_sha256').nullable().comment('Hex SHA-256 of the sealed acknowledgement receipt PDF; issued once, never replaced.');
    t.text('receipt_object_key').nullable().comment('Object-store key of the sealed acknowledgement receipt PDF.');
    t.text('reject_reason').nullable().checkIn(['destinatario-erroneo', 'ilegible', 'incompleto']).comment('Why it was rejected: wrong addressee, illegible, incomplete.');
    t.text('reject_detail').nullable().comment('The rejecting office’s explanation.');
    t.timestamp('rejected_at', { useTz: true }).nullable().comment('When it was rejected.');
    t.uuid('rejected_by').nullable().references('principals.id').comment('Who rejected it.');
    t.primary(['communication_id', 'agency_id']);
    t.index(['agency_id', 'state']);
  });
}
