import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../server/clock.ts';
import { FixityService } from '../../../server/features/fixity/fixityService.ts';
import { createLogger } from '../../../server/logger.ts';
import { noJobQueue } from '../../../server/queue/JobQueue.ts';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../../storage/S3ObjectStore.ts';
import { sha } from '../../helpers/caseFiles.ts';
import { startTestApp, type TestAgency, type TestApp } from '../../helpers/testApp.ts';
import { BACKENDS } from '../../helpers/testDatabase.ts';
import { startS3rver, type RunningS3rver } from '../../storage/s3rverServer.ts';
import { adminActor, capturingLogger, fileDocuments, referencedStoredKeys, type FiledDocument } from './fixityFixtures.ts';

let server: RunningS3rver;
beforeAll(async () => {
  server = await startS3rver();
});
afterAll(async () => {
  await server?.close();
});

describe.each(BACKENDS)('fijeza sobre S3 (s3rver, %s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;
  let docs: FiledDocument[];
  let s3: S3ObjectStore;
  let options: S3ObjectStoreOptions;

  beforeAll(async () => {
    t = await startTestApp(backend);
    a = await t.agency('FIXS3A');
    b = await t.agency('FIXS3B');
    docs = await fileDocuments(t.services, t.store, adminActor(a), 3, 'fijeza S3');
    await fileDocuments(t.services, t.store, adminActor(b), 1, 'fijeza S3 B');
    options = { endPoint: '127.0.0.1', port: server.port, useSSL: false, accessKey: server.accessKey, secretKey: server.secretKey, bucket: `fixity-${backend}` };
    s3 = new S3ObjectStore(options);
    await s3.init();
    // The same objects, now in the bucket: what a deployment on MinIO holds.
    for (const key of await t.objectKeys()) await s3.put(await t.store.get(key));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('detects bytes overwritten in the bucket and an object deleted from it, and reports them to the owning agency', async () => {
    const fixity = new FixityService(t.db.knex, s3, t.services.audit, systemClock, noJobQueue);
    const clean = await fixity.runToEnd('cli', undefined, { log: createLogger('silent') });
    const expected = await referencedStoredKeys(t.db.knex, t.store);
    expect(clean).toMatchObject({ state: 'completed', objectsChecked: expected.length, mismatches: 0, missing: 0 });

    const [altered, deleted] = docs as [FiledDocument, FiledDocument];
    // Written past the adapter, as a faulty disk or a careless operator would: same key, other bytes.
    const tampered = Buffer.from('%PDF-1.7 reemplazado fuera de legajo');
    await new Client({ endPoint: options.endPoint, port: options.port!, useSSL: false, accessKey: options.accessKey, secretKey: options.secretKey }).putObject(options.bucket, altered.key, tampered);
    await s3.delete(deleted.key);

    const { log, lines } = capturingLogger();
    const run = await fixity.runToEnd('cli', undefined, { log });
    expect(run).toMatchObject({ state: 'completed', objectsChecked: expected.length, mismatches: 1, missing: 1 });
    const damage = await t.db.knex('fixity_checks').where({ run_id: run!.id }).whereNot('outcome', 'ok');
    expect(damage.map((c) => [c.object_key, c.outcome, c.actual_sha256]).sort()).toEqual(
      [
        [altered.key, 'mismatch', sha(tampered)],
        [deleted.key, 'missing', null],
      ].sort(),
    );
    expect(lines().filter((l) => l.level === 50).map((l) => l.objectKey).sort()).toEqual([altered.key, deleted.key].sort());

    const alerts = await fixity.alerts(adminActor(a), null, 10);
    expect(alerts.map((x) => [x.check.objectKey, x.references.map((r) => r.documentId)]).sort()).toEqual(
      [
        [altered.key, [altered.documentId]],
        [deleted.key, [deleted.documentId]],
      ].sort(),
    );
    expect(await fixity.alerts(adminActor(b), null, 10)).toEqual([]);
    expect((await fixity.alerts({ ...adminActor(b), roles: ['operator'] }, null, 10)).length).toBe(2);
  });
});
