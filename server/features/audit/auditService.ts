import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../../db/Db.ts';
import type { Clock } from '../../clock.ts';
import { canonicalJson } from './canonicalJson.ts';
import { auditRepository, GENESIS_HASH, type AuditEventFilter, type AuditEventRow } from './auditRepository.ts';

export interface AuditEventInput {
  agencyId: string | null;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId?: string | null;
  requestId?: string | null;
  data?: Record<string, unknown>;
}

export interface ChainVerification {
  chain: string;
  ok: boolean;
  checked: number;
  /** The first event that does not hold, and why. */
  firstBad?: { chainSeq: number; id: number | null; reason: string };
}

export const chainOf = (agencyId: string | null) => (agencyId ? `agency:${agencyId}` : 'system');

/** The hashed content: every column except the surrogate id and the hash itself. */
export function eventHash(e: Omit<AuditEventRow, 'id' | 'hash'>): string {
  const canonical = canonicalJson({
    chain: e.chain,
    chainSeq: e.chainSeq,
    agencyId: e.agencyId,
    actorId: e.actorId,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    occurredAt: e.occurredAt.toISOString(),
    requestId: e.requestId,
    data: e.data,
  });
  return createHash('sha256').update(e.prevHash).update(canonical).digest('hex');
}

const isTransaction = (db: Db): db is Knex.Transaction => (db as Knex.Transaction).isTransaction === true;

export class AuditService {
  constructor(private readonly clock: Clock) {}

  /**
   * Appends an event to its agency's chain inside the caller's transaction, so the event exists exactly when the
   * change it records does. Locking the chain head serialises writers of one chain: the chain cannot fork.
   */
  async append(db: Db, input: AuditEventInput): Promise<AuditEventRow> {
    if (!isTransaction(db)) return db.transaction((trx) => this.append(trx, input));
    const chain = chainOf(input.agencyId);
    const head = await auditRepository.lockHead(db, chain);
    const event = {
      chain,
      chainSeq: head.seq + 1,
      agencyId: input.agencyId,
      actorId: input.actorId,
      action: input.action,
      targetType: input.targetType,
      targetId: input.targetId ?? null,
      // Millisecond precision, the same precision the hash covers after a round trip through timestamptz.
      occurredAt: new Date(this.clock.now().getTime()),
      requestId: input.requestId ?? null,
      data: input.data ?? {},
      prevHash: head.hash,
    };
    return auditRepository.insert(db, { ...event, hash: eventHash(event) });
  }

  list(db: Db, filter: AuditEventFilter): Promise<AuditEventRow[]> {
    return auditRepository.list(db, filter);
  }

  /** Re-walks a chain from its first event: detects edited, deleted, inserted and reordered rows. */
  async verifyChain(db: Db, chain: string, pageSize = 1000): Promise<ChainVerification> {
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let checked = 0;
    const bad = (chainSeq: number, id: number | null, reason: string): ChainVerification => ({
      chain,
      ok: false,
      checked,
      firstBad: { chainSeq, id, reason },
    });
    for (;;) {
      const page = await auditRepository.chainPage(db, chain, expectedSeq - 1, pageSize);
      for (const e of page) {
        if (e.chainSeq !== expectedSeq) return bad(expectedSeq, null, `falta el evento ${expectedSeq} (siguiente encontrado: ${e.chainSeq})`);
        if (e.prevHash !== prevHash) return bad(e.chainSeq, e.id, 'prev_hash no coincide con el hash del evento anterior');
        if (eventHash(e) !== e.hash) return bad(e.chainSeq, e.id, 'el contenido del evento no coincide con su hash (fue modificado)');
        prevHash = e.hash;
        expectedSeq++;
        checked++;
      }
      if (page.length < pageSize) break;
    }
    const head = await auditRepository.getHead(db, chain);
    if (head && (head.seq !== expectedSeq - 1 || head.hash !== prevHash)) {
      return bad(expectedSeq, null, `la cadena termina en el evento ${expectedSeq - 1} pero su cabeza registra ${head.seq} (eventos eliminados al final)`);
    }
    return { chain, ok: true, checked };
  }

  async verifyAll(db: Db): Promise<ChainVerification[]> {
    const results: ChainVerification[] = [];
    for (const chain of await auditRepository.chains(db)) results.push(await this.verifyChain(db, chain));
    return results;
  }
}
