import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import { MissingJobHandlerError, Queue } from '../../server/queue/Queue.ts';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';
import { eventually } from '../helpers/eventually.ts';
import { jobHandlers } from '../helpers/jobHandlers.ts';

const log = createLogger('silent');

describe.each(BACKENDS)('cola de trabajos (%s)', (backend) => {
  let db: TestDatabase;
  let queue: Queue;

  beforeEach(async () => {
    db = await openTestDatabase(backend);
    queue = await Queue.start(db, log, { pollingIntervalSeconds: 0.5 });
  });
  afterEach(async () => {
    await queue.stop(5_000);
    await db.close();
  });

  it('refuses to start workers when a job name has no handler', async () => {
    await expect(queue.work({})).rejects.toBeInstanceOf(MissingJobHandlerError);
    await expect(queue.work({})).rejects.toThrow(/storage\.sweep/);
  });

  it('a job enqueued in a transaction exists only if the transaction commits', async () => {
    const seen: unknown[] = [];
    await queue.work(jobHandlers({ 'storage.sweep': async (data) => void seen.push(data) }));

    await expect(
      db.knex.transaction(async (trx) => {
        await trx('agencies').insert({ code: 'ROLLBACK', name: 'x' });
        await queue.enqueue(trx, 'storage.sweep', { n: 'rolled-back' });
        throw new Error('abortar');
      }),
    ).rejects.toThrow('abortar');

    const committedId = await db.knex.transaction(async (trx) => {
      await trx('agencies').insert({ code: 'COMMIT', name: 'x' });
      return queue.enqueue(trx, 'storage.sweep', { n: 'committed' });
    });
    expect(committedId).toBeTruthy();

    await eventually(() => seen.length > 0, 'el trabajo confirmado se ejecuta');
    await eventually(async () => (await queue.getJob('storage.sweep', committedId!))?.state === 'completed', 'queda completado');
    expect(seen).toEqual([{ n: 'committed' }]);
    const jobs = await db.knex('pgboss.job').where({ name: 'storage.sweep' }).select('data');
    expect(jobs.map((j) => j.data)).toEqual([{ n: 'committed' }]);
  });

  it('a failing handler is retried', async () => {
    let attempts = 0;
    await queue.work(jobHandlers({
      'storage.sweep': async () => {
        attempts++;
        if (attempts === 1) throw new Error('falla transitoria');
      },
    }));
    const id = await queue.enqueue(db.knex, 'storage.sweep', {});
    await eventually(async () => (await queue.getJob('storage.sweep', id!))?.state === 'completed', 'el reintento termina');
    expect(attempts).toBe(2);
  });

  it('stopping lets a running job finish first', async () => {
    let finished = false;
    let started = false;
    await queue.work(jobHandlers({
      'storage.sweep': async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 1_000));
        finished = true;
      },
    }));
    await queue.enqueue(db.knex, 'storage.sweep', {});
    await eventually(() => started, 'el trabajo empieza');
    await queue.stop(10_000);
    expect(finished).toBe(true);
  });
});
