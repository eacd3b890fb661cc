import { PgBoss, fromKnex, fromPglite, type Db as IDatabase } from 'pg-boss';
import type { Knex } from 'knex';
import type { Database } from '../db/openDatabase.ts';
import type { Db } from '../db/Db.ts';
import type { Logger } from '../logger.ts';
import type { JobQueue } from './JobQueue.ts';
import { JOB_NAMES, QUEUE_POLICIES, WORKER_POLICIES, type JobName } from './jobNames.ts';

export interface JobContext {
  jobId: string;
  log: Logger;
  signal: AbortSignal;
  /** Tries so far before this one (0 on the first) and how many the queue allows after the first. */
  retryCount: number;
  retryLimit: number;
}

export type JobHandler = (data: Record<string, unknown>, ctx: JobContext) => Promise<void>;
export type JobHandlers = Record<JobName, JobHandler>;

export class MissingJobHandlerError extends Error {
  constructor(names: string[]) {
    super(`Trabajos sin manejador registrado: ${names.join(', ')}. Registre un manejador para cada nombre de JOB_NAMES.`);
    this.name = 'MissingJobHandlerError';
  }
}

/**
 * PGlite has one connection, shared with knex. A statement sent to it while knex holds a transaction open would
 * silently join that transaction, so pg-boss's statements take knex's single pooled connection first and wait for
 * any open transaction to end.
 */
function serializedPglite(database: Database): IDatabase {
  const inner = fromPglite(database.pglite!);
  const client = database.knex.client as Knex.Client & {
    acquireConnection(): Promise<unknown>;
    releaseConnection(c: unknown): Promise<void>;
  };
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const conn = await client.acquireConnection();
    try {
      return await fn();
    } finally {
      await client.releaseConnection(conn);
    }
  };
  return {
    ...inner,
    executeSql: (text: string, values?: unknown[]) => exclusive(() => inner.executeSql(text, values)),
    ...(inner.setSessionStatements
      ? { setSessionStatements: (statements: string[]) => exclusive(() => inner.setSessionStatements!(statements)) }
      : {}),
  };
}

export interface QueueOptions {
  pollingIntervalSeconds?: number;
}

/** The Postgres job queue (pg-boss) on the service's own database. */
export class Queue implements JobQueue {
  private constructor(
    private readonly boss: PgBoss,
    private readonly log: Logger,
    private readonly pollingIntervalSeconds: number,
  ) {}

  static async start(database: Database, log: Logger, opts: QueueOptions = {}): Promise<Queue> {
    const boss =
      database.kind === 'pglite'
        ? new PgBoss({ db: serializedPglite(database), backend: 'pglite', schema: 'pgboss' })
        : new PgBoss({ connectionString: database.url!, schema: 'pgboss', max: 4 });
    boss.on('error', (err) => log.error({ err }, 'error de la cola de trabajos'));
    await boss.start();
    for (const name of JOB_NAMES) {
      if (!(await boss.getQueue(name))) await boss.createQueue(name, QUEUE_POLICIES[name]);
      else await boss.updateQueue(name, QUEUE_POLICIES[name]);
    }
    return new Queue(boss, log, opts.pollingIntervalSeconds ?? 2);
  }

  /**
   * Enqueues in the caller's transaction when given one: the job exists exactly when the row it serves does.
   * `singletonKey` makes a repeated enqueue of the same work a no-op while one is pending.
   */
  async enqueue(db: Db, name: JobName, data: Record<string, unknown>, opts: { singletonKey?: string; startAfter?: Date } = {}): Promise<string | null> {
    return this.boss.send(name, data, { ...opts, db: fromKnex(db) });
  }

  async schedule(name: JobName, cron: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.boss.schedule(name, cron, data, { tz: 'UTC' });
  }

  /** Starts a worker for every job name; refuses to start if any name lacks a handler. */
  async work(handlers: Partial<JobHandlers>): Promise<void> {
    const missing = JOB_NAMES.filter((n) => typeof handlers[n] !== 'function');
    if (missing.length) throw new MissingJobHandlerError(missing);
    for (const name of JOB_NAMES) {
      const handler = handlers[name]!;
      const { batchSize, workers } = WORKER_POLICIES[name];
      const options = {
        pollingIntervalSeconds: this.pollingIntervalSeconds,
        includeMetadata: true,
        perJobResults: true,
        batchSize,
        burstWhenBatchFull: batchSize > 1,
        localConcurrency: workers,
      } as const;
      // Each job of a batch succeeds or fails on its own: a failure retries that job alone, under its queue's policy.
      await this.boss.work<Record<string, unknown>, unknown, typeof options>(name, options, async (jobs) =>
        Promise.all(
          jobs.map(async (job) => {
            const log = this.log.child({ jobId: job.id, job: name });
            log.info('trabajo iniciado');
            try {
              await handler(job.data ?? {}, { jobId: job.id, log, signal: job.signal, retryCount: job.retryCount, retryLimit: job.retryLimit });
              log.info('trabajo terminado');
              return { id: job.id, status: 'completed' as const };
            } catch (err) {
              log.warn({ err, retryCount: job.retryCount, retryLimit: job.retryLimit }, 'trabajo fallido');
              return { id: job.id, status: 'failed' as const, output: { message: (err as Error).message } };
            }
          }),
        ),
      );
    }
  }

  async getJob(name: JobName, id: string) {
    return this.boss.getJobById(name, id);
  }

  private stopping: Promise<void> | null = null;

  /** Lets running jobs finish (up to the timeout) before closing: what SIGTERM asks for. Later calls wait for the first. */
  stop(timeoutMs: number): Promise<void> {
    return (this.stopping ??= this.boss.stop({ graceful: true, timeout: timeoutMs, close: true }));
  }
}
