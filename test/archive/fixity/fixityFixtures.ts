import type { Knex } from 'knex';
import { Readable, Writable } from 'node:stream';
import { parseMetadata } from '../../../server/features/documents/documentService.ts';
import type { Filed } from '../../../server/features/documents/documentService.ts';
import { referencedObjectKeys } from '../../../server/features/objects/referencedObjectKeys.ts';
import type { Actor } from '../../../server/features/principals/Actor.ts';
import { createLogger, type Logger } from '../../../server/logger.ts';
import type { Services } from '../../../server/services.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import { validMetadata } from '../../helpers/documentMetadata.ts';
import { makePdf } from '../../helpers/pdfs.ts';

export interface FiledDocument {
  documentId: string;
  version: number;
  key: string;
  sha256: string;
}

/** Files `n` distinct PDFs as documents of the actor's agency; each adds its version and its sealed receipt to the store. */
export async function fileDocuments(services: Services, store: ObjectStore, actor: Actor, n: number, label: string): Promise<FiledDocument[]> {
  const filed: FiledDocument[] = [];
  for (let i = 0; i < n; i++) {
    const put = await store.put(Readable.from([await makePdf(1, `${label} ${i}`)]));
    const answer = await services.documents.file(actor, { put, fileName: `${label}-${i}.pdf` }, parseMetadata(JSON.stringify(validMetadata())));
    const body = answer.body as Filed;
    filed.push({ documentId: body.document.id, version: body.version.number, key: put.key, sha256: put.sha256 });
  }
  return filed;
}

export const adminActor = (agency: { id: string; code: string; adminId: string }): Actor => ({
  principalId: agency.adminId,
  agencyId: agency.id,
  agencyCode: agency.code,
  roles: ['admin'],
  requestId: null,
});

/** A pino logger whose lines the test reads back, parsed. */
export function capturingLogger(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', sink), lines: () => lines };
}

/** Every stored object some row references, found without the code under test: the store's listing, filtered by the sweeper's query. */
export async function referencedStoredKeys(knex: Knex, store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list()) keys.push(o.key);
  const referenced = await referencedObjectKeys(knex, keys);
  return keys.filter((k) => referenced.has(k)).sort();
}
