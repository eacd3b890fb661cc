import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { Config } from '../config.ts';
import { lockDataDirectory } from './pgliteLock.ts';

export type DatabaseConfig =
  | Config['database']
  /** In-memory PGlite, for tests. */
  | { kind: 'pglite'; dataDir: null };

export interface Database {
  knex: Knex;
  kind: 'pglite' | 'postgres';
  /** The embedded instance, when there is one: pg-boss talks to it directly (see queue/createQueue.ts). */
  pglite: PGlite | null;
  /** The PostgreSQL connection string, when there is one: pg-boss opens its own small pool with it. */
  url: string | null;
  close(): Promise<void>;
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.kind === 'postgres') {
    const knex = knexFactory({
      client: 'pg',
      connection: config.url,
      pool: { min: 0, max: config.poolMax },
      acquireConnectionTimeout: 30_000,
    });
    return { knex, kind: 'postgres', pglite: null, url: config.url, close: () => knex.destroy() };
  }

  const release = config.dataDir ? lockDataDirectory(config.dataDir) : () => {};
  try {
    // Contrib extensions must be loaded when the instance starts; the search migration then creates them.
    const pglite = await PGlite.create(config.dataDir ?? 'memory://', { extensions: { unaccent, pg_trgm } });
    const knex = knexFactory({
      client: ClientPgLite as unknown as typeof Knex.Client,
      dialect: 'postgres',
      // knex-pglite takes an existing instance through a connection function (its documented, untyped path).
      connection: (() => ({ pglite })) as unknown as Knex.StaticConnectionConfig,
      acquireConnectionTimeout: 60_000,
    });
    return {
      knex,
      kind: 'pglite',
      pglite,
      url: null,
      async close() {
        try {
          // knex-pglite closes the PGlite instance when its single pooled connection is destroyed.
          await knex.destroy();
          if (!pglite.closed) await pglite.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
