import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ByteRateLimiter } from '../../../server/features/fixity/byteRateLimiter.ts';
import { fixityRepository } from '../../../server/features/fixity/fixityRepository.ts';
import { DEFAULT_FIXITY_SETTINGS, FixityService, fixityCheckJob } from '../../../server/features/fixity/fixityService.ts';
import { systemClock } from '../../../server/clock.ts';
import { ConflictError } from '../../../server/errors.ts';
import { createLogger } from '../../../server/logger.ts';
import type { JobQueue } from '../../../server/queue/JobQueue.ts';
import { sha } from '../../helpers/caseFiles.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../../helpers/testApp.ts';
import { BACKENDS } from '../../helpers/testDatabase.ts';
import { checkAuthMatrix } from '../../helpers/authMatrix.ts';
import { adminActor, capturingLogger, fileDocuments, referencedStoredKeys, type FiledDocument } from './fixityFixtures.ts';

const silent = createLogger('silent');
const jobCtx = (signal = new AbortController().signal) => ({ jobId: 'j', log: silent, signal, retryCount: 0, retryLimit: 5 });

describe.each(BACKENDS)('fijeza (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;
  let docsA: FiledDocument[];
  let docsB: FiledDocument[];
  /** fixity.check jobs enqueued; other features' jobs (filing queues its own) are accepted and ignored. */
  const enqueued: Array<{ name: string; data: Record<string, unknown> }> = [];
  const jobs: JobQueue = {
    async enqueue(_db, name, data) {
      if (name === 'fixity.check') enqueued.push({ name, data });
      return null;
    },
  };

  const objectPath = (key: string) => path.join(t.objectRoot, key);
  const checksOf = (runId: string) => t.db.knex('fixity_checks').where({ run_id: runId }).orderBy('id');
  const metrics = async () => (await t.request().get('/metrics')).text;
  const metric = (text: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1]);
  /** Clears every check and run, so each test starts from a store never checked. */
  const forget = async () => {
    await t.db.knex('fixity_checks').del();
    await t.db.knex('fixity_runs').update({ resumed_from: null });
    await t.db.knex('fixity_runs').del();
  };

  beforeAll(async () => {
    t = await startTestApp(backend, { jobs });
    a = await t.agency('FIX001');
    b = await t.agency('FIX002');
    docsA = await fileDocuments(t.services, t.store, adminActor(a), 3, 'fijeza A');
    docsB = await fileDocuments(t.services, t.store, adminActor(b), 1, 'fijeza B');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a clean store: every referenced object is checked once, in key order, and found intact', async () => {
    await forget();
    const expected = await referencedStoredKeys(t.db.knex, t.store);
    // Each filing stores the document and its sealed receipt.
    expect(expected.length).toBe(2 * (docsA.length + docsB.length));
    const run = await t.services.fixity.runToEnd('cli', undefined, { log: silent });
    expect(run).toMatchObject({ state: 'completed', objectsTotal: expected.length, objectsChecked: expected.length, mismatches: 0, missing: 0, trigger: 'cli' });
    const checks = await checksOf(run!.id);
    expect(checks.map((c) => c.object_key)).toEqual(expected);
    expect(checks.every((c) => c.outcome === 'ok' && c.actual_sha256 === c.expected_sha256 && c.object_key.endsWith(c.expected_sha256))).toBe(true);
    let stored = 0;
    for (const k of expected) stored += (await t.store.stat(k))!.size;
    expect(run!.bytesChecked).toBe(stored);
    expect((await t.request().get('/v1/fixity/alerts').set(bearer(a.token))).body.items).toEqual([]);
  });

  it('altered and deleted bytes are detected: check rows, error log, metric, audit event, alerts for the owning agency only', async () => {
    await forget();
    const before = await metrics();
    const [altered, deleted] = docsA as [FiledDocument, FiledDocument];
    const original = await fs.readFile(objectPath(altered.key));
    const tampered = Buffer.from(original);
    tampered[tampered.length >> 1]! ^= 0xff;
    await fs.chmod(objectPath(altered.key), 0o644);
    await fs.writeFile(objectPath(altered.key), tampered);
    const deletedBytes = await fs.readFile(objectPath(deleted.key));
    await fs.rm(objectPath(deleted.key));
    try {
      const { log, lines } = capturingLogger();
      const run = await t.services.fixity.runToEnd('schedule', undefined, { log });
      expect(run).toMatchObject({ state: 'completed', mismatches: 1, missing: 1 });

      const damage = await t.db.knex('fixity_checks').where({ run_id: run!.id }).whereNot('outcome', 'ok').orderBy('object_key');
      expect(damage.map((c) => [c.object_key, c.outcome, c.expected_sha256, c.actual_sha256]).sort()).toEqual(
        [
          [altered.key, 'mismatch', altered.sha256, sha(tampered)],
          [deleted.key, 'missing', deleted.sha256, null],
        ].sort(),
      );

      const errors = lines().filter((l) => l.level === 50);
      expect(errors).toHaveLength(2);
      expect(errors).toContainEqual(expect.objectContaining({ objectKey: altered.key, outcome: 'mismatch', expectedSha256: altered.sha256, actualSha256: sha(tampered), msg: expect.stringMatching(/no coinciden con su hash/) }));
      expect(errors).toContainEqual(expect.objectContaining({ objectKey: deleted.key, outcome: 'missing', expectedSha256: deleted.sha256, actualSha256: null }));

      const after = await metrics();
      expect(metric(after, 'legajo_fixity_damage_detected_total{outcome="mismatch"}')).toBe(metric(before, 'legajo_fixity_damage_detected_total{outcome="mismatch"}') + 1);
      expect(metric(after, 'legajo_fixity_damage_detected_total{outcome="missing"}')).toBe(metric(before, 'legajo_fixity_damage_detected_total{outcome="missing"}') + 1);
      expect(metric(after, 'legajo_fixity_damaged_objects{outcome="mismatch"}')).toBe(1);
      expect(metric(after, 'legajo_fixity_damaged_objects{outcome="missing"}')).toBe(1);
      expect(after).toMatch(/^# TYPE legajo_fixity_objects_checked_total counter$/m);

      const events = await t.db.knex('audit_events').where({ action: 'fixity.damage' }).orderBy('id');
      expect(events.map((e) => [e.agency_id, e.target_id]).sort()).toEqual([[a.id, altered.key], [a.id, deleted.key]].sort());
      const alteredEvent = events.find((e) => e.target_id === altered.key)!;
      expect(alteredEvent.data).toMatchObject({ outcome: 'mismatch', expectedSha256: altered.sha256, actualSha256: sha(tampered), runId: run!.id, references: [expect.objectContaining({ kind: 'document_versions', documentId: altered.documentId, version: altered.version })] });
      expect((await t.request().get('/v1/audit/verify').set(bearer(a.token))).status).toBe(200);

      const alerts = await t.request().get('/v1/fixity/alerts').set(bearer(a.token));
      expect(alerts.status).toBe(200);
      expect(alerts.body.items).toHaveLength(2);
      expect(alerts.body.items).toContainEqual(
        expect.objectContaining({
          objectKey: altered.key,
          outcome: 'mismatch',
          expectedSha256: altered.sha256,
          actualSha256: sha(tampered),
          runId: run!.id,
          references: [expect.objectContaining({ kind: 'document_versions', agencyId: a.id, documentId: altered.documentId, version: altered.version })],
        }),
      );
      // One per page, newest first, through the cursor.
      const first = await t.request().get('/v1/fixity/alerts?limit=1').set(bearer(a.token));
      const second = await t.request().get(`/v1/fixity/alerts?limit=1&cursor=${first.body.nextCursor}`).set(bearer(a.token));
      expect([...first.body.items, ...second.body.items].map((i: { objectKey: string }) => i.objectKey)).toEqual(alerts.body.items.map((i: { objectKey: string }) => i.objectKey));
      expect(second.body.nextCursor).toBeNull();

      // Another agency's archivist sees neither the objects nor the records that reference them.
      const other = await b.keyWithRoles(['archivist']);
      const foreign = await t.request().get('/v1/fixity/alerts').set(bearer(other.token));
      expect(foreign.status).toBe(200);
      expect(foreign.body.items).toEqual([]);
      expect(foreign.text).not.toContain(altered.key);
      expect(foreign.text).not.toContain(altered.documentId);
      expect(await t.db.knex('audit_events').where({ action: 'fixity.damage', agency_id: b.id })).toEqual([]);
      // A clerk of the owning agency may not read alerts at all.
      const clerk = await a.keyWithRoles(['clerk']);
      expect((await t.request().get('/v1/fixity/alerts').set(bearer(clerk.token))).status).toBe(403);
      expect((await t.request().get('/v1/fixity/alerts')).status).toBe(401);
      expect((await t.request().get('/v1/fixity/alerts?cursor=zzz').set(bearer(a.token))).status).toBe(422);
    } finally {
      await fs.writeFile(objectPath(altered.key), original);
      await fs.writeFile(objectPath(deleted.key), deletedBytes);
    }

    // Restored from backup: the next run clears the alerts, but the failed checks stay as history.
    const again = await t.services.fixity.runToEnd('cli', undefined, { log: silent });
    expect(again).toMatchObject({ state: 'completed', mismatches: 0, missing: 0 });
    expect((await t.request().get('/v1/fixity/alerts').set(bearer(a.token))).body.items).toEqual([]);
    expect(metric(await metrics(), 'legajo_fixity_damaged_objects{outcome="mismatch"}')).toBe(0);
    expect(await t.db.knex('fixity_checks').whereNot('outcome', 'ok').count<{ n: string }>({ n: '*' }).first()).toEqual({ n: backend === 'postgres' ? '2' : 2 });
  });

  it('an interrupted run is continued from its cursor by the next one, which re-checks nothing', async () => {
    await forget();
    const expected = await referencedStoredKeys(t.db.knex, t.store);
    const first = await t.services.fixity.start('cli');
    const abort = new AbortController();
    await expect(
      t.services.fixity.execute(first.id, {
        log: silent,
        signal: abort.signal,
        onProgress: (p) => {
          if (p.objectsChecked === 3) abort.abort(new Error('prueba'));
        },
      }),
    ).rejects.toThrow('prueba');
    const stopped = await t.services.fixity.get(first.id);
    expect(stopped).toMatchObject({ state: 'interrupted', objectsChecked: 3, cursor: expected[2], error: 'interrumpida: prueba' });
    expect((await checksOf(first.id)).map((c) => c.object_key)).toEqual(expected.slice(0, 3));

    const second = await t.services.fixity.runToEnd('cli', undefined, { log: silent });
    expect(second).toMatchObject({ state: 'completed', resumedFrom: first.id, startAfter: expected[2], objectsTotal: expected.length - 3, objectsChecked: expected.length - 3 });
    expect((await checksOf(second!.id)).map((c) => c.object_key)).toEqual(expected.slice(3));
    // The pass after a completed one starts again from the first key.
    const third = await t.services.fixity.start('cli');
    expect(third).toMatchObject({ resumedFrom: null, startAfter: null });
    await t.services.fixity.execute(third.id, { log: silent });
  });

  it('a run left by a dead process is taken over once its lease lapses; a live one refuses a second run', async () => {
    await forget();
    const expected = await referencedStoredKeys(t.db.knex, t.store);
    const crashed = await t.services.fixity.start('schedule');
    // As if its process had recorded one object, then died.
    await t.db.knex('fixity_runs').where({ id: crashed.id }).update({ cursor: expected[0], owner: '00000000-0000-4000-8000-000000000000' });
    await expect(t.services.fixity.start('cli')).rejects.toBeInstanceOf(ConflictError);
    // Someone else's live lease: executing it is refused too.
    expect(await t.services.fixity.execute(crashed.id, { log: silent })).toBeNull();
    await t.db.knex('fixity_runs').where({ id: crashed.id }).update({ heartbeat_at: t.db.knex.raw(`now() - interval '1 hour'`) });

    // The job's retry (no run id: the nightly schedule) continues after the dead run's cursor.
    await fixityCheckJob(t.services.fixity)({}, jobCtx());
    expect(await t.services.fixity.get(crashed.id)).toMatchObject({ state: 'interrupted', error: expect.stringMatching(/dejó de dar señales de vida/) });
    const resumed = (await fixityRepository.latest(t.db.knex))!;
    expect(resumed).toMatchObject({ state: 'completed', trigger: 'schedule', resumedFrom: crashed.id, startAfter: expected[0], objectsChecked: expected.length - 1 });
    expect((await checksOf(resumed.id)).map((c) => c.object_key)).toEqual(expected.slice(1));
  });

  it('the limiter is handed every byte read, chunk by chunk, before the next is read', async () => {
    await forget();
    const taken: number[] = [];
    const limiter: ByteRateLimiter = {
      async take(bytes) {
        taken.push(bytes);
      },
    };
    const run = await t.services.fixity.runToEnd('cli', undefined, { log: silent, limiter });
    expect(taken.length).toBeGreaterThanOrEqual(run!.objectsChecked);
    expect(taken.every((n) => n > 0)).toBe(true);
    expect(taken.reduce((x, y) => x + y, 0)).toBe(run!.bytesChecked);

    // A limiter that refuses (an abort while waiting) stops the run as interrupted, before any byte more is read.
    await forget();
    const stop = new AbortController();
    const refusing: ByteRateLimiter = {
      async take(_bytes, signal) {
        stop.abort(new Error('detenida mientras esperaba'));
        signal?.throwIfAborted();
      },
    };
    const run2 = await t.services.fixity.start('cli');
    await expect(t.services.fixity.execute(run2.id, { log: silent, limiter: refusing, signal: stop.signal })).rejects.toThrow('detenida mientras esperaba');
    expect(await t.services.fixity.get(run2.id)).toMatchObject({ state: 'interrupted', objectsChecked: 0, cursor: null });
    await t.services.fixity.runToEnd('cli', undefined, { log: silent });
  });

  it('a storage error fails the run with its reason; the retry continues where it stopped', async () => {
    await forget();
    const expected = await referencedStoredKeys(t.db.knex, t.store);
    let reads = 0;
    const flaky = new FixityService(
      t.db.knex,
      // Only get and list are used by a check; the rest of the store is never called.
      {
        ...t.store,
        list: (p) => t.store.list(p),
        get: async (key, range) => {
          if (++reads === 3) throw new Error('EIO: error de lectura del disco');
          return t.store.get(key, range);
        },
      },
      t.services.audit,
      systemClock,
      jobs,
      { ...DEFAULT_FIXITY_SETTINGS, flushEvery: 1 },
    );
    const run = await flaky.start('schedule');
    await expect(flaky.execute(run.id, { log: silent })).rejects.toThrow('EIO');
    expect(await flaky.get(run.id)).toMatchObject({ state: 'failed', error: 'EIO: error de lectura del disco', objectsChecked: 2, cursor: expected[1] });
    const retry = await flaky.runToEnd('schedule', undefined, { log: silent });
    expect(retry).toMatchObject({ state: 'completed', resumedFrom: run.id, objectsChecked: expected.length - 2, mismatches: 0, missing: 0 });
  });

  it('POST /v1/fixity/runs starts a run that a worker executes; progress and history through the API', async () => {
    await forget();
    enqueued.length = 0;
    const archivist = await a.keyWithRoles(['archivist']);
    const res = await t.request().post('/v1/fixity/runs').set(bearer(archivist.token));
    expect(res.status, res.text).toBe(202);
    expect(res.headers.location).toBe(`/v1/fixity/runs/${res.body.id}`);
    expect(res.body).toMatchObject({ state: 'running', trigger: 'api', objectsChecked: 0 });
    expect(enqueued).toEqual([{ name: 'fixity.check', data: { runId: res.body.id } }]);
    const audited = await t.db.knex('audit_events').where({ action: 'fixity.run.start', target_id: res.body.id }).first();
    expect(audited).toMatchObject({ agency_id: a.id, actor_id: archivist.principalId });

    const busy = await t.request().post('/v1/fixity/runs').set(bearer(a.token));
    expect(busy.status).toBe(409);
    expect(busy.headers['content-type']).toMatch(/problem\+json/);
    expect(busy.body.detail).toMatch(/Ya hay una verificación de fijeza en curso/);
    expect(enqueued).toHaveLength(1);

    await fixityCheckJob(t.services.fixity)(enqueued[0]!.data, jobCtx());
    // A repeated delivery of the same job does nothing more.
    await fixityCheckJob(t.services.fixity)(enqueued[0]!.data, jobCtx());
    const done = await t.request().get(res.headers.location!).set(bearer(a.token));
    expect(done.body).toMatchObject({ state: 'completed', objectsChecked: done.body.objectsTotal, mismatches: 0, missing: 0 });
    expect(await t.db.knex('fixity_runs').count<{ n: string }>({ n: '*' }).first()).toEqual({ n: backend === 'postgres' ? '1' : 1 });

    const list = await t.request().get('/v1/fixity/runs?limit=1').set(bearer(a.token));
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
    expect((await t.request().post('/v1/fixity/runs').set(bearer((await a.keyWithRoles(['clerk'])).token))).status).toBe(403);
    expect((await t.request().get('/v1/fixity/runs/00000000-0000-4000-8000-000000000000').set(bearer(a.token))).status).toBe(404);
    expect((await t.request().get('/v1/fixity/runs/no-es-uuid').set(bearer(a.token))).status).toBe(404);
  });

  it('authorization matrix of the fixity routes; they are documented in OpenAPI', async () => {
    await forget();
    const run = await t.services.fixity.runToEnd('cli', undefined, { log: silent });
    const readers = ['archivist', 'admin', 'auditor', 'operator'] as const;
    await checkAuthMatrix({ app: t, victim: a, other: b, secrets: [docsA[0]!.documentId] }, [
      { method: 'get', path: '/v1/fixity/alerts', roles: readers, scope: 'collection' },
      { method: 'get', path: '/v1/fixity/runs', roles: readers, scope: 'collection' },
      { method: 'get', path: `/v1/fixity/runs/${run!.id}`, roles: readers, scope: 'collection' },
      // Last: another agency's admin may start the (platform-wide) run, which then stays queued.
      { method: 'post', path: '/v1/fixity/runs', roles: ['archivist', 'admin', 'operator'], scope: 'collection' },
    ]);
    const paths = (await t.request().get('/openapi.json')).body.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/v1/fixity/runs']!)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(paths['/v1/fixity/alerts']?.get).toBeDefined();
    expect(paths['/metrics']?.get).toBeDefined();
    const metricsRes = await t.request().get('/metrics');
    expect(metricsRes.status).toBe(200);
    expect(metricsRes.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
