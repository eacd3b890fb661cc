import type { Knex } from 'knex';

/** People's sign-in to the web application: pending OpenID Connect logins and the sessions they open. */
export async function up(knex: Knex): Promise<void> {
  // Sign-in finds a person by RUN alone (the unique index leads with the agency).
  await knex.schema.alterTable('principals', (t) => {
    t.index(['run'], 'principals_run_index');
  });

  await knex.schema.createTable('web_logins', (t) => {
    t.comment('A sign-in under way at the OpenID Connect provider: what the callback must present, kept until it returns or expires.');
    t.text('id_hash').primary().comment('SHA-256 (hex) of the random value in the browser\'s login cookie; the value itself is never stored.');
    t.text('state').notNullable().comment('OAuth state sent to the provider and expected back.');
    t.text('nonce').notNullable().comment('OpenID nonce expected in the ID token.');
    t.text('code_verifier').notNullable().comment('PKCE verifier for the authorization code.');
    t.text('return_to').notNullable().comment('Page of this application to show after signing in (a path, never another site).');
    t.timestamp('expires_at', { useTz: true }).notNullable().comment('After this the login must start again.');
  });

  await knex.schema.createTable('web_sessions', (t) => {
    t.comment('A signed-in person: the session cookie holds a random token whose hash is the key.');
    t.text('token_hash').primary().comment('SHA-256 (hex) of the session cookie value; the value itself is never stored.');
    t.uuid('principal_id').notNullable().references('principals.id').comment('The person principal (found by RUN) acting in this session.');
    t.uuid('agency_id').notNullable().references('agencies.id').comment('Agency of that principal: everything in the session is scoped by it.');
    t.text('csrf_token').notNullable().comment('Token every state-changing request of this session must carry (form field or X-CSRF-Token header).');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('When the person signed in.');
    t.timestamp('expires_at', { useTz: true }).notNullable().comment('Absolute end of the session (SESSION_TTL_HOURS after sign-in).');
    t.timestamp('ended_at', { useTz: true }).nullable().comment('When the person signed out; an ended session never authenticates again.');
    t.index(['principal_id']);
  });
}
