import type { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { loadConfig } from './server/config.ts';
import { migrationSource } from './server/db/migrations/index.ts';

/**
 * For knex's own tooling. It reads the same validated config as the server; `npm run migrate` (legajo migrate)
 * is the supported way to migrate, and also takes the PGlite directory lock.
 */
const config = loadConfig();
const knexConfig: Knex.Config =
  config.database.kind === 'postgres'
    ? { client: 'pg', connection: config.database.url, migrations: { migrationSource } }
    : {
        client: ClientPgLite as unknown as typeof Knex.Client,
        connection: { filename: config.database.dataDir } as Knex.StaticConnectionConfig,
        migrations: { migrationSource },
      };

export default knexConfig;
