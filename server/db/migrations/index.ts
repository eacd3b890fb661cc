import type { Knex } from 'knex';
import * as foundation from './20261124170000_foundation.ts';
import * as documents from './20261124180000_documents.ts';
import * as caseFiles from './20261124190000_case_files.ts';
import * as webhooks from './20261124200000_webhooks.ts';
import * as communications from './20261124210000_communications.ts';
import * as search from './20261124220000_search.ts';
import * as digitizations from './20261124230000_digitizations.ts';
import * as archive from './20261125000000_archive.ts';
import * as transfers from './20261125010000_transfers.ts';
import * as fixity from './20261125020000_fixity.ts';
import * as renditions from './20261125030000_renditions.ts';
import * as searchCodes from './20261125040000_search_codes.ts';
import * as webSessions from './20261125050000_web_sessions.ts';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
}

/**
 * Migrations are listed here, in order, rather than discovered on disk, so they load the same way under tsx,
 * in tests and from the CLI. Append only: never edit or reorder a migration that has shipped.
 */
const migrations: Migration[] = [
  { name: '20261124170000_foundation', ...foundation },
  { name: '20261124180000_documents', ...documents },
  { name: '20261124190000_case_files', ...caseFiles },
  { name: '20261124200000_webhooks', ...webhooks },
  { name: '20261124210000_communications', ...communications },
  { name: '20261124220000_search', ...search },
  { name: '20261124230000_digitizations', ...digitizations },
  { name: '20261125000000_archive', ...archive },
  { name: '20261125010000_transfers', ...transfers },
  { name: '20261125020000_fixity', ...fixity },
  { name: '20261125030000_renditions', ...renditions },
  { name: '20261125040000_search_codes', ...searchCodes },
  { name: '20261125050000_web_sessions', ...webSessions },
];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => migrations,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => ({ up: m.up, down: async () => { throw new Error('legajo migrations are append-only'); } }),
};

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
