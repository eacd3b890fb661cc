import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { JobQueue } from '../../queue/JobQueue.ts';
import type { JobHandler } from '../../queue/Queue.ts';
import type { AuditService } from '../audit/auditService.ts';
import { referencedObjectKeys } from '../objects/referencedObjectKeys.ts';
import type { Actor } from '../principals/Actor.ts';
import { byteRateLimiter, type ByteRateLimiter } from './byteRateLimiter.ts';
import { checkObject } from './checkObject.ts';
import { renderFixityMetrics } from './fixityMetrics.ts';
import { fixityRepository as repo, LeaseLostError, type CheckInput, type CheckRow, type FixityTrigger, type RunRow } from './fixityRepository.ts';
import { objectReferences, type ObjectReference } from './objectReferences.ts';

export interface FixitySettings {
  /** FIXITY_MAX_BYTES_PER_SECOND; 0 = no limit. */
  maxBytesPerSecond: number;
  /** Keys read per page of the walk. */
  pageSize: number;
  /** Checks recorded per transaction; also recorded at least every flushMs. */
  flushEvery: number;
  flushMs: number;
  /** A running run whose heartbeat is older than this was left by a dead process and may be taken over. */
  leaseSeconds: number;
}

export const DEFAULT_FIXITY_SETTINGS: FixitySettings = { maxBytesPerSecond: 0, pageSize: 500, flushEvery: 100, flushMs: 2_000, leaseSeconds: 60 };

export interface FixityProgress {
  runId: string;
  objectsChecked: number;
  objectsTotal: number;
  bytesChecked: number;
  bytesTotal: number;
  mismatches: number;
  missing: number;
}

export interface ExecuteOptions {
  log: Logger;
  signal?: AbortSignal;
  onProgress?: (p: FixityProgress) => void;
  /** Replaces the limiter built from maxBytesPerSecond (tests observe it). */
  limiter?: ByteRateLimiter;
}

export interface FixityAlert {
  check: CheckRow;
  references: ObjectReference[];
}

const DAMAGE_MESSAGE = { mismatch: 'fijeza: los bytes del objeto ya no coinciden con su hash', missing: 'fijeza: falta un objeto referenciado en el almacén' } as const;

export class FixityService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly jobs: JobQueue,
    private readonly settings: FixitySettings = DEFAULT_FIXITY_SETTINGS,
  ) {}

  /**
   * Creates a running run. It continues the latest run when that one was interrupted or failed (a dead executor's
   * run counts as interrupted once its lease has lapsed); refused while another run is alive.
   */
  private async open(trx: Db, trigger: FixityTrigger, actor: Actor | null): Promise<RunRow> {
    await repo.interruptStale(trx, this.settings.leaseSeconds, 'el proceso que la ejecutaba dejó de dar señales de vida');
    const previous = await repo.latest(trx);
    const resumed = previous && (previous.state === 'interrupted' || previous.state === 'failed') ? previous : null;
    const run = await repo.insert(trx, { trigger, requestedBy: actor?.principalId ?? null, resumedFrom: resumed?.id ?? null, startAfter: resumed?.cursor ?? null });
    if (!run) {
      const running = await repo.running(trx);
      throw new ConflictError(
        `Ya hay una verificación de fijeza en curso${running ? ` (${running.id})` : ''}; espere a que termine y consulte su avance en GET /v1/fixity/runs.`,
      );
    }
    if (actor) {
      await this.audit.append(trx, { agencyId: actor.agencyId, actorId: actor.principalId, action: 'fixity.run.start', targetType: 'fixity_run', targetId: run.id, requestId: actor.requestId, data: { resumedFrom: run.resumedFrom } });
    }
    return run;
  }

  /** A run for the CLI or the schedule, executed by the caller. */
  start(trigger: FixityTrigger): Promise<RunRow> {
    return this.knex.transaction((trx) => this.open(trx, trigger, null));
  }

  /** POST /v1/fixity/runs: the run and its job are created together; a worker executes it. */
  request(actor: Actor): Promise<RunRow> {
    return this.knex.transaction(async (trx) => {
      const run = await this.open(trx, 'api', actor);
      await this.jobs.enqueue(trx, 'fixity.check', { runId: run.id }, { singletonKey: run.id });
      return run;
    });
  }

  async get(id: string): Promise<RunRow> {
    const run = await repo.get(this.knex, id);
    if (!run) throw new NotFoundError('No existe una verificación de fijeza con ese id; consulte GET /v1/fixity/runs.');
    return run;
  }

  list(beforeSeq: number | null, limit: number): Promise<RunRow[]> {
    return repo.list(this.knex, beforeSeq, limit);
  }

  /** Objects whose latest check failed, with the records that reference them; an agency sees only its own. */
  async alerts(actor: Actor, beforeId: number | null, limit: number): Promise<FixityAlert[]> {
    const agencyId = actor.roles.includes('operator') ? null : actor.agencyId;
    const checks = await repo.alerts(this.knex, { agencyId, beforeId, limit });
    const references = await objectReferences(this.knex, [...new Set(checks.map((c) => c.objectKey))], agencyId);
    return checks.map((check) => ({ check, references: references.filter((r) => r.objectKey === check.objectKey) }));
  }

  damageOf(runId: string): Promise<CheckRow[]> {
    return repo.damageOf(this.knex, runId);
  }

  async metrics(): Promise<string> {
    return renderFixityMetrics(await repo.metrics(this.knex));
  }

  /**
   * Checks every referenced object after the run's cursor, in key order, recording each check and moving the cursor
   * in the same transaction. Null when another live process holds the run. An abort leaves it interrupted (a later
   * run continues from the cursor); any other error leaves it failed, and is rethrown.
   */
  async execute(runId: string, opts: ExecuteOptions): Promise<RunRow | null> {
    const owner = randomUUID();
    const claimed = await repo.claim(this.knex, runId, owner, this.settings.leaseSeconds);
    if (!claimed) return null;
    const { log } = opts;
    const lease = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, lease.signal]) : lease.signal;
    // A beat four times per lease, so a slow object (rate limit, large file) never lets the lease lapse.
    const beat = setInterval(() => {
      repo.heartbeat(this.knex, runId, owner).then(
        (held) => held || lease.abort(new LeaseLostError(runId)),
        (err: unknown) => log.warn({ err, runId }, 'fijeza: no se pudo registrar la señal de vida'),
      );
    }, this.settings.leaseSeconds * 250);
    beat.unref();
    const limiter = opts.limiter ?? byteRateLimiter(this.settings.maxBytesPerSecond);
    let run = claimed;
    const pending: CheckInput[] = [];
    let lastFlush = Date.now();

    const persist = (finish?: { state: 'completed' | 'failed' | 'interrupted'; error: string | null }) =>
      this.knex.transaction(async (trx) => {
        const checks = await repo.record(trx, runId, owner, pending);
        for (const c of checks) if (c.outcome !== 'ok') await this.auditDamage(trx, c);
        pending.length = 0;
        lastFlush = Date.now();
        const done = finish ? await repo.finish(trx, runId, owner, finish.state, finish.error) : await repo.get(trx, runId);
        if (!done) throw new LeaseLostError(runId);
        run = done;
      });

    try {
      if (run.objectsTotal === null || run.bytesTotal === null) {
        const totals = { objects: await repo.countKeysAfter(this.knex, run.cursor), bytes: await this.storedBytesAfter(run.cursor) };
        if (!(await repo.setTotals(this.knex, runId, owner, totals))) throw new LeaseLostError(runId);
        run = { ...run, objectsTotal: totals.objects, bytesTotal: totals.bytes };
      }
      const progress: FixityProgress = {
        runId,
        objectsChecked: run.objectsChecked,
        objectsTotal: run.objectsTotal!,
        bytesChecked: run.bytesChecked,
        bytesTotal: run.bytesTotal!,
        mismatches: run.mismatches,
        missing: run.missing,
      };
      opts.onProgress?.({ ...progress });
      let after = run.cursor;
      for (;;) {
        const keys = await repo.keysAfter(this.knex, after, this.settings.pageSize);
        for (const key of keys) {
          signal.throwIfAborted();
          const result = await checkObject(this.store, key, limiter, signal);
          // Disposal may have deleted the object and its last row since the page was read: not damage.
          if (result.outcome === 'missing' && !(await referencedObjectKeys(this.knex, [key])).has(key)) continue;
          if (result.outcome !== 'ok') {
            log.error({ runId, objectKey: key, outcome: result.outcome, expectedSha256: result.expectedSha256, actualSha256: result.actualSha256 }, DAMAGE_MESSAGE[result.outcome]);
            progress[result.outcome === 'mismatch' ? 'mismatches' : 'missing']++;
          }
          pending.push({ ...result, objectKey: key, checkedAt: this.clock.now() });
          progress.objectsChecked++;
          progress.bytesChecked += result.bytes;
          opts.onProgress?.({ ...progress });
          if (pending.length >= this.settings.flushEvery || Date.now() - lastFlush >= this.settings.flushMs) await persist();
        }
        if (keys.length < this.settings.pageSize) break;
        after = keys[keys.length - 1]!;
      }
      await persist({ state: 'completed', error: null });
      log.info({ runId, objectsChecked: run.objectsChecked, bytesChecked: run.bytesChecked, mismatches: run.mismatches, missing: run.missing }, 'fijeza: verificación terminada');
      return run;
    } catch (err) {
      // A run taken over by another process is theirs now: nothing more is written to it.
      if (lease.signal.aborted || err instanceof LeaseLostError) throw lease.signal.reason ?? err;
      const interrupted = signal.aborted;
      const reason = interrupted ? `interrumpida: ${messageOf(signal.reason)}` : messageOf(err);
      try {
        await persist({ state: interrupted ? 'interrupted' : 'failed', error: reason });
      } catch (persistErr) {
        log.error({ err: persistErr, runId }, 'fijeza: no se pudo registrar el fin de la verificación; la próxima la retomará cuando venza su plazo');
      }
      if (!interrupted) log.error({ err, runId }, 'fijeza: la verificación falló; la próxima continúa desde el último objeto verificado');
      throw err;
    } finally {
      clearInterval(beat);
    }
  }

  /**
   * What the job and the CLI call: executes the given run if it is still running, or opens one (continuing an
   * interrupted one) otherwise. Null when another process is already checking.
   */
  async runToEnd(trigger: FixityTrigger, runId: string | undefined, opts: ExecuteOptions): Promise<RunRow | null> {
    const given = runId ? await repo.get(this.knex, runId) : null;
    if (given?.state === 'completed') return given;
    let id = given?.state === 'running' ? given.id : null;
    if (!id) {
      try {
        id = (await this.start(trigger)).id;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        opts.log.info({ reason: err.message }, 'fijeza: otra verificación está en curso; no se inicia otra');
        return null;
      }
    }
    return this.execute(id, opts);
  }

  private async storedBytesAfter(after: string | null): Promise<number> {
    let bytes = 0;
    for await (const o of this.store.list('sha256/')) if (after === null || o.key > after) bytes += o.size;
    return bytes;
  }

  /**
   * Damage is recorded on the audit chain of every agency whose records reference the object (each sees only its
   * own records), or on the system chain when none does any more.
   */
  private async auditDamage(trx: Db, c: CheckRow): Promise<void> {
    const refs = await objectReferences(trx, [c.objectKey], null);
    const agencies = [...new Set(refs.map((r) => r.agencyId))];
    for (const agencyId of agencies.length ? agencies : [null]) {
      await this.audit.append(trx, {
        agencyId,
        actorId: null,
        action: 'fixity.damage',
        targetType: 'object',
        targetId: c.objectKey,
        data: {
          outcome: c.outcome,
          expectedSha256: c.expectedSha256,
          actualSha256: c.actualSha256,
          runId: c.runId,
          checkId: c.id,
          references: refs.filter((r) => r.agencyId === agencyId).map(({ objectKey: _k, agencyId: _a, ...r }) => r),
        },
      });
    }
  }
}

const messageOf = (reason: unknown): string => (reason instanceof Error ? reason.message : String(reason));

/** The fixity.check job: the nightly schedule (no data) or a run requested through the API ({ runId }). */
export function fixityCheckJob(fixity: FixityService): JobHandler {
  return async (data, ctx) => {
    await fixity.runToEnd(typeof data.runId === 'string' ? 'api' : 'schedule', typeof data.runId === 'string' ? data.runId : undefined, { log: ctx.log, signal: ctx.signal });
  };
}
