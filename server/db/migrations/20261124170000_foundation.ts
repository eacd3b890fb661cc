import type { Knex } from 'knex';

/** Agencies, principals, API keys and the hash-chained audit log. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agencies', (t) => {
    t.comment('Public bodies (órganos de la administración) that own records in legajo.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.text('code').notNullable().unique().comment('Agency code from the Gestor de Códigos del Estado.');
    t.text('name').notNullable().comment('Official name of the agency.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the agency was registered (UTC).');
  });

  await knex.schema.createTable('principals', (t) => {
    t.comment('Who acts: agency systems (API clients) and people, each belonging to one agency, with roles.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency the principal belongs to; scopes everything it sees.');
    t.text('kind').notNullable().checkIn(['system', 'person']).comment('system = an agency application; person = a human user.');
    t.text('name').notNullable().comment('Display name of the system or person.');
    t.text('run').nullable().comment('RUN of a person (with check digit, normalised as 12345678-9); null for systems.');
    t.specificType('roles', 'text[]').notNullable().defaultTo('{}').comment('Roles granted (system, clerk, records_officer, reviewer, signer, archivist, auditor, admin, operator).');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the principal was created (UTC).');
    t.timestamp('disabled_at', { useTz: true }).nullable().comment('When the principal was disabled; its keys stop working.');
    t.index(['agency_id']);
    t.unique(['agency_id', 'run']);
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.comment('API keys: high-entropy bearer tokens stored only as their SHA-256.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency of the principal (denormalised for scoping).');
    t.uuid('principal_id').notNullable().references('principals.id').comment('Principal the key authenticates as.');
    t.text('kind').notNullable().checkIn(['live', 'test']).comment('live for production use, test for integration environments.');
    t.text('label').notNullable().comment('What the key is for, chosen by its creator.');
    t.text('token_prefix').notNullable().comment('First characters of the token, to recognise a key without storing it.');
    t.text('token_sha256').notNullable().unique().comment('Hex SHA-256 of the token; the token itself is never stored.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the key was issued (UTC).');
    t.timestamp('revoked_at', { useTz: true }).nullable().comment('When the key was revoked; a revoked key never authenticates again.');
    t.timestamp('last_used_at', { useTz: true }).nullable().comment('Last authenticated use, updated at most once a minute.');
    t.index(['agency_id']);
  });

  await knex.schema.createTable('audit_chain_heads', (t) => {
    t.comment('Last link of each audit chain; locked while appending so concurrent writers never fork a chain.');
    t.text('chain').primary().comment('Chain name: agency:<uuid> or system.');
    t.bigInteger('seq').notNullable().comment('chain_seq of the last event in the chain (0 when empty).');
    t.text('hash').notNullable().comment('Hash of the last event in the chain (64 zeros when empty).');
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.comment('Append-only audit log (DS 10 traceability and access record), hash-chained per agency.');
    t.bigIncrements('id').primary().comment('Global insertion order.');
    t.text('chain').notNullable().comment('Chain the event belongs to: agency:<uuid> or system.');
    t.bigInteger('chain_seq').notNullable().comment('Position in its chain, from 1, without gaps.');
    t.uuid('agency_id').nullable().references('agencies.id').comment('Agency whose records the event concerns; null for system events.');
    t.uuid('actor_id').nullable().comment('Principal who acted; null for the system itself.');
    t.text('action').notNullable().comment('What happened, as a dotted verb (agency.create, api_key.revoke, ...).');
    t.text('target_type').notNullable().comment('Kind of the thing acted upon.');
    t.text('target_id').nullable().comment('Identifier of the thing acted upon.');
    t.timestamp('occurred_at', { useTz: true }).notNullable().comment('When it happened (UTC, millisecond precision as hashed).');
    t.text('request_id').nullable().comment('HTTP request or job id that caused it.');
    t.jsonb('data').notNullable().defaultTo('{}').comment('Event details; part of the hashed content.');
    t.text('prev_hash').notNullable().comment('Hash of the previous event in the chain.');
    t.text('hash').notNullable().comment('sha256(prev_hash || canonical JSON of the event), hex.');
    t.unique(['chain', 'chain_seq']);
    t.index(['agency_id', 'occurred_at']);
  });

  // Defence in depth: the application never updates or deletes audit rows, and the database refuses to.
  // One statement per call: the embedded driver runs each as a prepared statement.
  await knex.raw(`CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only';
    END $$`);
  await knex.raw(`COMMENT ON FUNCTION audit_events_append_only() IS 'Rejects UPDATE and DELETE on audit_events.'`);
  await knex.raw(`CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
}
