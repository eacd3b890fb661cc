import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixityCheckJob } from '../../../server/features/fixity/fixityService.ts';
import { createLogger } from '../../../server/logger.ts';
import type { JobQueue } from '../../../server/queue/JobQueue.ts';
import { Queue } from '../../../server/queue/Queue.ts';
import { eventually } from '../../helpers/eventually.ts';
import { jobHandlers } from '../../helpers/jobHandlers.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../../helpers/testApp.ts';
import { BACKENDS } from '../../helpers/testDatabase.ts';
import { adminActor, fileDocuments, referencedStoredKeys } from './fixityFixtures.ts';

describe.each(BACKENDS)('fijeza con la cola real (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let queue: Queue;

  beforeAll(async () => {
    const jobs: JobQueue = { enqueue: (db, name, data, opts) => queue.enqueue(db, name, data, opts) };
    t = await startTestApp(backend, { jobs });
    // The fixity queue's policy (long expiry, heartbeat) must be one pg-boss accepts on this backend.
    queue = await Queue.start(t.db, createLogger('silent'), { pollingIntervalSeconds: 0.5 });
    await queue.work(jobHandlers({ 'fixity.check': fixityCheckJob(t.services.fixity) }));
    await queue.schedule('fixity.check', '0 6 * * *');
    a = await t.agency('FIXQ01');
    await fileDocuments(t.services, t.store, adminActor(a), 2, 'fijeza cola');
  }, 120_000);
  afterAll(async () => {
    await queue?.stop(5_000);
    await t?.close();
  });

  it('a run requested through the API is executed by a worker to the end', async () => {
    const res = await t.request().post('/v1/fixity/runs').set(bearer(a.token));
    expect(res.status, res.text).toBe(202);
    let run = res.body;
    await eventually(async () => {
      run = (await t.request().get(`/v1/fixity/runs/${res.body.id}`).set(bearer(a.token))).body;
      return run.state !== 'running';
    }, 'la verificación terminara');
    const expected = await referencedStoredKeys(t.db.knex, t.store);
    expect(run).toMatchObject({ state: 'completed', trigger: 'api', objectsChecked: expected.length, objectsTotal: expected.length, mismatches: 0, missing: 0 });
  }, 180_000);
});
