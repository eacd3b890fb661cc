import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.ts';
import { AuditService, chainOf } from '../../server/features/audit/auditService.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';

describe.each(BACKENDS)('cadena de auditoría (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let audit: AuditService;
  let chain: string;

  const tamper = async (sql: string, bindings: unknown[] = []) => {
    const k = t.db.knex;
    await k.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    await k.raw(sql, bindings as never);
    await k.raw('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    audit = new AuditService(systemClock);
  });
  beforeEach(async () => {
    a = await t.agency(`AU${Math.floor(Math.random() * 1e6)}`);
    chain = chainOf(a.id);
    for (let i = 0; i < 5; i++) {
      await audit.append(t.db.knex, { agencyId: a.id, actorId: a.adminId, action: 'test.event', targetType: 'thing', targetId: String(i), data: { i, nested: { b: 2, a: [1, 'x'] } } });
    }
  });
  afterAll(() => t.close());

  it('links each event to the previous one and verifies', async () => {
    const rows = await t.db.knex('audit_events').where({ chain }).orderBy('chain_seq');
    expect(rows.map((r) => Number(r.chain_seq))).toEqual(rows.map((_r, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
    expect(await audit.verifyChain(t.db.knex, chain)).toEqual({ chain, ok: true, checked: rows.length });
  });

  it('the database refuses updates and deletes', async () => {
    await expect(t.db.knex('audit_events').where({ chain }).update({ action: 'x' })).rejects.toThrow(/append-only/);
    await expect(t.db.knex('audit_events').where({ chain }).delete()).rejects.toThrow(/append-only/);
  });

  it('detects an edited event and names it', async () => {
    await tamper(`UPDATE audit_events SET data = '{"i": 99}' WHERE chain = ? AND chain_seq = 4`, [chain]);
    const v = await audit.verifyChain(t.db.knex, chain);
    expect(v.ok).toBe(false);
    expect(v.firstBad).toMatchObject({ chainSeq: 4 });
    expect(v.firstBad!.reason).toMatch(/modificado/);
  });

  it('detects a deleted event in the middle', async () => {
    await tamper('DELETE FROM audit_events WHERE chain = ? AND chain_seq = 3', [chain]);
    const v = await audit.verifyChain(t.db.knex, chain);
    expect(v).toMatchObject({ ok: false, firstBad: { chainSeq: 3 } });
  });

  it('detects deleted events at the end', async () => {
    const last = Number((await t.db.knex('audit_chain_heads').where({ chain }).first()).seq);
    await tamper('DELETE FROM audit_events WHERE chain = ? AND chain_seq = ?', [chain, last]);
    const v = await audit.verifyChain(t.db.knex, chain);
    expect(v.ok).toBe(false);
    expect(v.firstBad!.reason).toMatch(/eliminados al final/);
  });

  it('detects reordered events', async () => {
    await tamper('UPDATE audit_events SET chain_seq = -chain_seq WHERE chain = ? AND chain_seq IN (2, 3)', [chain]);
    await tamper('UPDATE audit_events SET chain_seq = CASE chain_seq WHEN -2 THEN 3 ELSE 2 END WHERE chain = ? AND chain_seq IN (-2, -3)', [chain]);
    const v = await audit.verifyChain(t.db.knex, chain);
    expect(v).toMatchObject({ ok: false, firstBad: { chainSeq: 2 } });
  });

  it('an event rolled back with its transaction leaves no trace and no gap', async () => {
    await expect(
      t.db.knex.transaction(async (trx) => {
        await audit.append(trx, { agencyId: a.id, actorId: null, action: 'test.rollback', targetType: 'thing' });
        throw new Error('falla después de auditar');
      }),
    ).rejects.toThrow('falla');
    expect(await t.db.knex('audit_events').where({ action: 'test.rollback' }).first()).toBeUndefined();
    await audit.append(t.db.knex, { agencyId: a.id, actorId: null, action: 'test.after', targetType: 'thing' });
    expect((await audit.verifyChain(t.db.knex, chain)).ok).toBe(true);
  });

  it('concurrent writers never fork the chain', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_v, i) => audit.append(t.db.knex, { agencyId: a.id, actorId: null, action: 'test.concurrent', targetType: 'thing', targetId: String(i) })),
    );
    const v = await audit.verifyChain(t.db.knex, chain);
    // 2 events from provisioning the agency, 5 from beforeEach, 40 here.
    expect(v).toMatchObject({ ok: true, checked: 47 });
    const dupPrev = await t.db.knex('audit_events').where({ chain }).groupBy('prev_hash').havingRaw('count(*) > 1').select('prev_hash');
    expect(dupPrev).toEqual([]);
  });

  it('GET /v1/audit-events filters and paginates; GET /v1/audit/verify reports the first bad event', async () => {
    const res = await t.request().get('/v1/audit-events').query({ action: 'test.event', limit: 2 }).set(bearer(a.token));
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(2);
    expect(res.body.items[0]).toMatchObject({ action: 'test.event', targetId: '0', agencyId: a.id });
    const next = await t.request().get('/v1/audit-events').query({ action: 'test.event', limit: 10, cursor: res.body.nextCursor }).set(bearer(a.token));
    expect(next.body.items.map((e: { targetId: string }) => e.targetId)).toEqual(['2', '3', '4']);
    expect(next.body.nextCursor).toBeNull();
    const bad = await t.request().get('/v1/audit-events').query({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }).set(bearer(a.token));
    expect(bad.status).toBe(422);
    // Compared as instants, not strings: 10:00+05:00 is before 06:00Z.
    const offsets = await t.request().get('/v1/audit-events').query({ from: '2026-01-01T10:00:00+05:00', to: '2026-01-01T06:00:00Z' }).set(bearer(a.token));
    expect(offsets.status).toBe(200);

    expect((await t.request().get('/v1/audit/verify').set(bearer(a.token))).body).toMatchObject({ ok: true });
    await tamper(`UPDATE audit_events SET target_id = 'otro' WHERE chain = ? AND chain_seq = 2`, [chain]);
    const v = await t.request().get('/v1/audit/verify').set(bearer(a.token));
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ ok: false, firstBad: { chainSeq: 2 } });
  });
});
