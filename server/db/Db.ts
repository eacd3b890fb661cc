import type { Knex } from 'knex';

/** A repository call runs on whatever the caller hands it, so the caller owns the transaction. */
export type Db = Knex | Knex.Transaction;
