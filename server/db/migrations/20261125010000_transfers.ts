import type { Knex } from 'knex';

/** PLACEHOLDER: filled in by its owner before commit. */
export async function up(_knex: Knex): Promise<void> {}
