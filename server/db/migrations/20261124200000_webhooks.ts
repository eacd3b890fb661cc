import type { Knex } from 'knex';

/** Webhooks: agency endpoints, the events emitted to them and one delivery per event and endpoint. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhooks', (t) => {
    t.comment('HTTP endpoints of an agency system that receive signed event notifications (POST, JSON).');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency whose events the endpoint receives; scopes every query.');
    t.text('url').notNullable().comment('http(s) URL the events are POSTed to; in production its host must resolve to public addresses only.');
    t.text('description').nullable().comment('What the endpoint is for, chosen by its creator.');
    t.specificType('event_types', 'text[]').nullable().comment('Event types subscribed (communication.inbox, ...); null = every type, including types added later.');
    t.text('secret')
      .notNullable()
      .comment('HMAC-SHA256 key of the Legajo-Signature header, shown once at registration. Stored as given, not hashed: signing each delivery needs the key itself.');
    t.uuid('created_by').notNullable().references('principals.id').comment('Principal who registered it.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When it was registered (UTC).');
    t.timestamp('disabled_at', { useTz: true }).nullable().comment('When it was disabled; it gets no new events and its pending deliveries end as dead.');
    t.index(['agency_id']);
  });

  await knex.schema.createTable('webhook_events', (t) => {
    t.comment('Events emitted to an agency’s webhooks, written in the transaction of the change they announce.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Event id, sent as Legajo-Event-Id: receivers de-duplicate on it (a retried delivery repeats it).');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency the event is addressed to.');
    t.text('type').notNullable().comment('Event type, e.g. communication.inbox.');
    t.jsonb('payload').notNullable().comment('Event data, sent as the data member of the body.');
    t.timestamp('occurred_at', { useTz: true }).notNullable().comment('When the change happened (UTC), sent as occurredAt.');
    t.index(['agency_id', 'occurred_at']);
  });

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.comment('One event to one webhook: its state and the outcome of the last try; dead rows are the dead-letter list.');
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()')).comment('Internal identifier; the webhook.deliver job carries it.');
    t.bigIncrements('seq', { primaryKey: false }).comment('Creation order, for stable list pagination.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency of the webhook (denormalised for scoping).');
    t.uuid('event_id').notNullable().references('webhook_events.id').comment('Event delivered.');
    t.uuid('webhook_id').notNullable().references('webhooks.id').comment('Endpoint it is delivered to.');
    t.text('state').notNullable().defaultTo('pending').checkIn(['pending', 'delivered', 'dead']).comment('pending (a job will try), delivered (answered 2xx) or dead (tries exhausted or refused; replayable).');
    t.integer('attempts').notNullable().defaultTo(0).comment('Tries made so far, replays included.');
    t.integer('last_status').nullable().comment('HTTP status of the last try; null when no answer was received.');
    t.text('last_error').nullable().comment('Why the last try failed or the delivery died; null after success.');
    t.timestamp('next_attempt_at', { useTz: true }).nullable().comment('Earliest time of the next try (the queue adds up to as much again as jitter); null when none is due.');
    t.timestamp('last_attempt_at', { useTz: true }).nullable().comment('When the last try was made.');
    t.timestamp('delivered_at', { useTz: true }).nullable().comment('When the receiver answered 2xx.');
    t.timestamp('dead_at', { useTz: true }).nullable().comment('When it entered the dead-letter list; cleared by a replay.');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the event was emitted to this webhook (UTC).');
    t.unique(['event_id', 'webhook_id']);
    t.index(['agency_id', 'seq']);
    t.index(['agency_id', 'state', 'seq']);
  });
}
