import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../server/queue/JobQueue.ts';
import { dispositionRunJob } from '../../server/features/archive/dispositionService.ts';
import { checkAuthMatrix } from '../helpers/authMatrix.ts';
import { binary, caseFileClient } from '../helpers/caseFiles.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { pdftotext } from '../helpers/pdftotext.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';
import { communicationDraft } from '../helpers/communicationDraft.ts';

const YEAR = 365.25 * 24 * 3600 * 1000;
const inYears = (n: number) => new Date(Date.now() + n * YEAR).toISOString();

describe.each(BACKENDS)('archivo: clasificación, retención, retenciones legales y eliminación (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;
  let proposer: { token: string; principalId: string };
  let approver: { token: string; principalId: string };
  const enqueued: Array<{ name: string; data: Record<string, unknown> }> = [];
  const jobs: JobQueue = {
    async enqueue(_db, name, data) {
      enqueued.push({ name, data });
      return null;
    },
  };

  beforeAll(async () => {
    t = await startTestApp(backend, { jobs });
    a = await t.agency('ARC001');
    b = await t.agency('ARC002');
    proposer = await a.keyWithRoles(['archivist', 'records_officer', 'clerk']);
    approver = await a.keyWithRoles(['archivist']);
  });
  afterAll(async () => {
    await t?.close();
  });

  const as = (token: string) => ({
    post: (p: string, body: object = {}) => t.request().post(p).set(bearer(token)).send(body),
    get: (p: string) => t.request().get(p).set(bearer(token)),
  });
  const series = (token: string, code: string, title = `Serie ${code}`) => as(token).post('/v1/series', { code, title });
  const rule = (token: string, body: Record<string, unknown>) => as(token).post('/v1/retention-rules', { trigger: 'closed', reason: 'Tabla de retención aprobada por resolución 12/2026', ...body });

  /** A closed case file in a series, holding freshly filed PDFs (or the given documents). */
  async function closedCaseFile(seriesCode: string, docs: number | string[] = 2) {
    const c = caseFileClient(t, proposer.token);
    const iuie = await c.open({ MGDEE1_2: seriesCode });
    const ids = typeof docs === 'number' ? await Promise.all(Array.from({ length: docs }, (_, i) => c.fileDocument(1, `Documento ${seriesCode} ${i} ${Math.random()}`).then((d) => d.id))) : docs;
    for (const id of ids) {
      const res = await c.add(iuie, { kind: 'document', documentId: id, version: 1 });
      expect(res.status, res.text).toBe(201);
    }
    expect((await c.close(iuie)).status).toBe(200);
    return { iuie, documents: ids };
  }
  const content = (token: string, id: string) => t.request().get(`/v1/documents/${id}/versions/1/content`).set(bearer(token));
  const objectKeyOf = async (documentId: string) => (await t.db.knex('document_versions').where({ document_id: documentId, number: 1 }).first('object_key')).object_key as string;
  const storeHas = async (key: string) => (await t.objectKeys()).includes(key);
  const runJob = (id: string, retryCount = 0) => dispositionRunJob(t.services.dispositions)({ dispositionId: id }, { retryCount, retryLimit: 5 } as never);

  it('el cuadro de clasificación es jerárquico, por agencia, y rechaza códigos malos, huérfanos y repetidos', async () => {
    expect((await series(proposer.token, '01', 'Gestión de subsidios')).status).toBe(201);
    const child = await series(proposer.token, '01.02', 'Subsidio habitacional');
    expect(child.status, child.text).toBe(201);
    expect(child.body).toMatchObject({ code: '01.02', parent: '01' });
    const orphan = await series(proposer.token, '09.01');
    expect(orphan.status).toBe(422);
    expect(orphan.body.errors).toEqual([{ field: 'body.code', message: 'falta la serie superior 09' }]);
    expect((await series(proposer.token, '01')).status).toBe(409);
    expect((await series(proposer.token, '01/../x')).status).toBe(422);
    const mine = await as(proposer.token).get('/v1/series');
    expect(mine.body.items.map((s: { code: string }) => s.code)).toEqual(['01', '01.02']);
    expect((await as(b.token).get('/v1/series')).body.items).toEqual([]);
  });

  it('una regla más corta no acorta un plazo en curso sin revisión explícita; con ella sí, y ambas quedan auditadas', async () => {
    expect((await series(proposer.token, '03')).status).toBe(201);
    expect((await rule(proposer.token, { series: '03', periodYears: 5, disposition: 'destroy' })).status).toBe(201);
    const { iuie } = await closedCaseFile('03', 1);
    const scheduleOf = async () => (await as(proposer.token).get(`/v1/retention?caseFile=${iuie}`)).body.schedule;
    expect(await scheduleOf()).toMatchObject({ periodYears: 5, disposition: 'destroy', source: 'series:03@v1' });

    const shorter = await rule(proposer.token, { series: '03', periodYears: 2, disposition: 'destroy' });
    expect(shorter.status, shorter.text).toBe(201);
    expect(shorter.body).toMatchObject({ version: 2, periodYears: 2, appliesToRunning: false });
    expect(await scheduleOf()).toMatchObject({ periodYears: 5, source: 'series:03@v2' });

    const reviewed = await rule(proposer.token, { series: '03', periodYears: 2, disposition: 'destroy', review: { reason: 'Revisión de la comisión de archivo, acta 4/2026' } });
    expect(reviewed.body).toMatchObject({ version: 3, appliesToRunning: true, reviewReason: 'Revisión de la comisión de archivo, acta 4/2026' });
    expect(await scheduleOf()).toMatchObject({ periodYears: 2, source: 'series:03@v3' });

    const audited = await t.db.knex('audit_events').where({ agency_id: a.id }).whereIn('action', ['retention-rule.set', 'retention-rule.review']).orderBy('id').pluck('action');
    expect(audited.slice(-3)).toEqual(['retention-rule.set', 'retention-rule.set', 'retention-rule.review']);

    // A switch from transfer to destruction without review is left for an archivist to decide.
    expect((await series(proposer.token, '04')).status).toBe(201);
    expect((await rule(proposer.token, { series: '04', periodYears: 1, disposition: 'transfer' })).status).toBe(201);
    const four = await closedCaseFile('04', 1);
    expect((await rule(proposer.token, { series: '04', periodYears: 1, disposition: 'destroy' })).status).toBe(201);
    expect((await as(proposer.token).get(`/v1/retention?caseFile=${four.iuie}`)).body.schedule.disposition).toBe('review');
  });

  it('rechaza reglas mal formadas, series ajenas y overrides sin fundamento', async () => {
    expect((await rule(proposer.token, { series: '01', periodYears: 5, disposition: 'destroy', trigger: 'date' })).status).toBe(422);
    expect((await rule(proposer.token, { series: '01', periodYears: -1, disposition: 'destroy' })).status).toBe(422);
    expect((await rule(proposer.token, { series: '77', periodYears: 5, disposition: 'destroy' })).status).toBe(404);
    expect((await rule(b.token, { series: '01', periodYears: 5, disposition: 'destroy' })).status).toBe(404);
    const clerk = await a.keyWithRoles(['clerk']);
    expect((await rule(clerk.token, { series: '01', periodYears: 5, disposition: 'destroy' })).status).toBe(403);
    expect((await as(proposer.token).post('/v1/retention-overrides', { caseFile: 'EXP-x', periodYears: 1, disposition: 'destroy' })).status).toBe(422);
  });

  it('una eliminación: simulación con cantidades y tamaños, cuatro ojos, retenciones respetadas, contenido borrado salvo bytes compartidos, lápidas y acta sellada; reanudable sin repetir nada', async () => {
    expect((await series(proposer.token, '05')).status).toBe(201);
    expect((await rule(proposer.token, { series: '05', periodYears: 5, disposition: 'destroy' })).status).toBe(201);
    const c = caseFileClient(t, proposer.token);
    // A live document elsewhere with the same bytes as one to be destroyed keeps the shared object.
    const shared = await c.fileDocument(1, 'Bytes compartidos');
    const twin = await t.request().post('/v1/documents').set(bearer(proposer.token)).field('metadata', JSON.stringify(validMetadata())).attach('file', shared.pdf, 'gemelo.pdf');
    expect(twin.status).toBe(201);
    const doomed = await closedCaseFile('05', [shared.id, (await c.fileDocument(2, 'Se eliminará')).id]);
    // A communication drafted with the doomed document as its content: reading it after the disposal must say why.
    const letter = await as(proposer.token).post(
      '/v1/communications',
      communicationDraft({ contentId: doomed.documents[1]!, recipients: [b.code], signers: [a.adminId], subject: 'Remite antecedentes que luego se eliminan' }),
    );
    expect(letter.status, letter.text).toBe(201);
    const earlierCopy = await t.request().post(`/v1/documents/${doomed.documents[1]}/versions/1/authorized-copies`).set(bearer(proposer.token)).send({});
    expect(earlierCopy.status, earlierCopy.text).toBe(201);
    const second = await closedCaseFile('05', 1);
    const held = await closedCaseFile('05', 1);
    const overridden = await closedCaseFile('05', 1);
    const late = await closedCaseFile('05', 1);
    expect((await series(proposer.token, '10')).status).toBe(201);
    expect((await rule(proposer.token, { series: '10', periodYears: 3, disposition: 'transfer' })).status).toBe(201);
    const historic = await closedCaseFile('10', 1);
    const hold = await as(proposer.token).post('/v1/legal-holds', { caseFile: held.iuie, reason: 'Causa rol C-123-2026, 1.er Juzgado Civil de Santiago' });
    expect(hold.status, hold.text).toBe(201);
    expect(hold.body).toMatchObject({ targetType: 'case_file', caseFile: held.iuie });
    const override = await as(proposer.token).post('/v1/retention-overrides', { caseFile: overridden.iuie, periodYears: 50, disposition: 'transfer', reason: 'Valor histórico: primer subsidio de la comuna' });
    expect(override.status, override.text).toBe(201);
    expect(override.body.schedule).toMatchObject({ periodYears: 50, disposition: 'transfer' });

    const plan = await as(proposer.token).post('/v1/dispositions', { dueBy: inYears(6) });
    expect(plan.status, plan.text).toBe(201);
    expect(plan.body.state).toBe('proposed');
    const items = (await as(proposer.token).get(`/v1/dispositions/${plan.body.id}/items?limit=100`)).body.items as Array<{ label: string; state: string; action: string; skipReason: string | null; bytes: number }>;
    const itemOf = (iuie: string) => items.find((i) => i.label.startsWith(iuie));
    expect(itemOf(doomed.iuie)).toMatchObject({ action: 'destroy', state: 'pending' });
    expect(itemOf(doomed.iuie)!.bytes).toBeGreaterThan(0);
    expect(itemOf(held.iuie)).toMatchObject({ action: 'destroy', state: 'skipped' });
    expect(itemOf(held.iuie)!.skipReason).toContain('C-123-2026');
    expect(itemOf(overridden.iuie)).toBeUndefined();
    expect(itemOf(historic.iuie)).toMatchObject({ action: 'transfer', state: 'pending' });
    const destroyTotals = plan.body.totals.filter((x: { action: string; state: string }) => x.action === 'destroy' && x.state === 'pending');
    expect(destroyTotals[0].items).toBeGreaterThanOrEqual(3);
    // A dry run touches nothing.
    expect((await content(proposer.token, doomed.documents[1]!)).status).toBe(200);

    // Four eyes: the proposer cannot approve; another agency cannot see it.
    const self = await as(proposer.token).post(`/v1/dispositions/${plan.body.id}/approve`);
    expect(self.status).toBe(403);
    expect(self.body.detail).toContain('otro archivero');
    expect((await as(b.token).get(`/v1/dispositions/${plan.body.id}`)).status).toBe(404);
    // A hold placed after the dry run still wins.
    expect((await as(proposer.token).post('/v1/legal-holds', { caseFile: late.iuie, reason: 'Sumario administrativo 9/2026' })).status).toBe(201);

    const approved = await as(approver.token).post(`/v1/dispositions/${plan.body.id}/approve`);
    expect(approved.status, approved.text).toBe(202);
    expect(enqueued).toContainEqual({ name: 'disposition.run', data: { dispositionId: plan.body.id } });
    expect((await as(approver.token).post(`/v1/dispositions/${plan.body.id}/approve`)).status).toBe(409);

    // The run crashes while deleting the second record's bytes: the retry resumes and acts on nothing twice.
    const sharedKey = await objectKeyOf(shared.id);
    const ownKey = await objectKeyOf(doomed.documents[1]!);
    const secondKey = await objectKeyOf(second.documents[0]!);
    const realDelete = t.store.delete.bind(t.store);
    t.store.delete = async (key: string) => {
      if (key === secondKey) throw new Error('disco desconectado');
      return realDelete(key);
    };
    await expect(runJob(plan.body.id)).rejects.toThrow('disco desconectado');
    t.store.delete = realDelete;
    expect((await as(proposer.token).get(`/v1/dispositions/${plan.body.id}`)).body.state).toBe('running');
    await runJob(plan.body.id, 1);
    await runJob(plan.body.id, 2);

    const done = await as(proposer.token).get(`/v1/dispositions/${plan.body.id}`);
    expect(done.body).toMatchObject({ state: 'completed', error: null });
    expect(done.body.itemsDone).toBe(done.body.itemsTotal);
    expect(done.body.certificateNumber).toMatch(/^AE-\d{4}-\d{6}$/);
    const finalItems = (await as(proposer.token).get(`/v1/dispositions/${plan.body.id}/items?limit=100`)).body.items as typeof items;
    // Records due for transfer go into one transfer, built by its own job; their content stays.
    expect(finalItems.find((i) => i.label.startsWith(historic.iuie))).toMatchObject({ state: 'done' });
    expect(done.body.transferId).toEqual(expect.any(String));
    const transfer = await as(approver.token).get(`/v1/transfers/${done.body.transferId}`);
    expect(transfer.status, transfer.text).toBe(200);
    expect(JSON.stringify(transfer.body)).toContain(historic.iuie);
    expect(enqueued.some((j) => j.name === 'transfer.build')).toBe(true);
    expect((await content(proposer.token, historic.documents[0]!)).status).toBe(200);
    expect(finalItems.find((i) => i.label.startsWith(late.iuie))).toMatchObject({ state: 'skipped' });
    expect(finalItems.find((i) => i.label.startsWith(late.iuie))!.skipReason).toContain('Sumario administrativo');

    // Destroyed content answers 410 and its bytes are gone, except those a live document shares.
    const gone = await content(proposer.token, doomed.documents[1]!);
    expect(gone.status).toBe(410);
    expect(gone.body.detail).toContain(plan.body.id);
    expect(await storeHas(ownKey)).toBe(false);
    expect(await storeHas(secondKey)).toBe(false);
    expect(await storeHas(sharedKey)).toBe(true);
    expect((await content(proposer.token, twin.body.document.id)).status).toBe(200);
    expect((await content(proposer.token, held.documents[0]!)).status).toBe(200);
    expect((await content(proposer.token, late.documents[0]!)).status).toBe(200);
    // Verifying the destroyed case file says what was destroyed, without calling it damage.
    const verified = await t.request().get(`/v1/case-files/${doomed.iuie}/verify`).set(bearer(proposer.token));
    expect(verified.body).toMatchObject({ valid: true, problems: [], documentsDestroyed: 2, documentsHashed: 0 });
    const copy = await t.request().post(`/v1/documents/${doomed.documents[1]}/versions/1/authorized-copies`).set(bearer(proposer.token)).send({});
    expect(copy.status, copy.text).toBe(410);
    const copyContent = await t.request().get(`/v1/authorized-copies/${earlierCopy.body.id}/content`).set(bearer(proposer.token));
    expect(copyContent.status, copyContent.text).toBe(410);
    const letterContent = await t.request().get(`/v1/communications/${letter.body.id}/content`).set(bearer(proposer.token));
    expect(letterContent.status, letterContent.text).toBe(410);
    expect(letterContent.body.detail).toContain(plan.body.id);
    const exported = await t.request().get(`/v1/case-files/${doomed.iuie}/export`).set(bearer(proposer.token));
    expect(exported.status).toBe(410);
    expect(exported.body.detail).toContain('tabla de retención');
    // Metadata stays readable.
    expect((await t.request().get(`/v1/documents/${doomed.documents[1]}`).set(bearer(proposer.token))).status).toBe(200);

    const tombstone = await t.db.knex('tombstones').where({ target_id: (await t.db.knex('case_files').where({ iuie: doomed.iuie }).first('id')).id }).first();
    const contents = typeof tombstone.contents === 'string' ? JSON.parse(tombstone.contents) : tombstone.contents;
    expect(contents.map((x: { sha256: string }) => x.sha256).sort()).toEqual(
      (await t.db.knex('document_versions').whereIn('document_id', doomed.documents).pluck('sha256')).sort(),
    );
    const destroyedEvents = await t.db.knex('audit_events').where({ action: 'disposition.destroy', target_id: plan.body.id }).select('data');
    const seqs = destroyedEvents.map((e) => (typeof e.data === 'string' ? JSON.parse(e.data) : e.data).seq);
    expect(new Set(seqs).size).toBe(seqs.length);

    expect(seqs.length).toBeGreaterThanOrEqual(2);
    // A finished run given to the job again does nothing.
    const tombstones = async () => Number((await t.db.knex('tombstones').where({ disposition_id: plan.body.id }).count<{ n: string }>('* as n').first())!.n);
    const before = await tombstones();
    await runJob(plan.body.id, 3);
    expect(await tombstones()).toBe(before);
    expect(await t.db.knex('audit_events').where({ action: 'disposition.destroy', target_id: plan.body.id }).pluck('id')).toHaveLength(seqs.length);

    const cert = await t.request().get(`/v1/dispositions/${plan.body.id}/certificate`).set(bearer(approver.token)).buffer(true).parse(binary);
    expect(cert.status).toBe(200);
    expect(cert.headers['content-type']).toBe('application/pdf');
    const text = pdftotext(cert.body);
    expect(text).toContain(doomed.iuie);
    expect(text).toContain(second.iuie);
    expect(text).toContain(contents[0].sha256);
    expect(text).toContain('Sumario administrativo');
    certificatePdf = cert.body;
  });

  let certificatePdf: Buffer | undefined;
  itWithReferee('pdfsig', 'pdfsig valida el sello del acta de eliminación', () => {
    expect(certificatePdf).toBeDefined();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'acta-'));
    try {
      writeFileSync(path.join(dir, 'acta.pdf'), certificatePdf!);
      const out = spawnSync('pdfsig', [path.join(dir, 'acta.pdf')], { encoding: 'utf8' }).stdout;
      expect(out).toContain('Signature Validation: Signature is Valid.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('una retención legal se levanta con fundamento una sola vez; cancelar solo una propuesta', async () => {
    const list = await as(proposer.token).get('/v1/legal-holds?active=true');
    const hold = list.body.items[0];
    const released = await as(proposer.token).post(`/v1/legal-holds/${hold.id}/release`, { reason: 'Sentencia firme' });
    expect(released.status).toBe(200);
    expect(released.body.releasedAt).not.toBeNull();
    expect(released.body.caseFile).toBe(hold.caseFile);
    expect(hold.caseFile).toMatch(/^EXP-/);
    expect((await as(proposer.token).post(`/v1/legal-holds/${hold.id}/release`, { reason: 'otra vez' })).status).toBe(409);
    expect((await as(b.token).post(`/v1/legal-holds/${hold.id}/release`, { reason: 'ajena' })).status).toBe(404);
    expect((await as(proposer.token).post('/v1/legal-holds', { reason: 'sin objeto' })).status).toBe(422);

    const plan = await as(proposer.token).post('/v1/dispositions', {});
    expect(plan.status).toBe(201);
    expect((await as(proposer.token).post(`/v1/dispositions/${plan.body.id}/cancel`)).body.state).toBe('cancelled');
    expect((await as(approver.token).post(`/v1/dispositions/${plan.body.id}/approve`)).status).toBe(409);
    expect((await as(proposer.token).get(`/v1/dispositions/${plan.body.id}/certificate`)).status).toBe(404);
  });

  it('una eliminación que falla tras su último intento queda fallida con la causa y se reanuda sin repetir nada', async () => {
    expect((await series(proposer.token, '06')).status).toBe(201);
    expect((await rule(proposer.token, { series: '06', periodYears: 0, disposition: 'destroy' })).status).toBe(201);
    const doomed = await closedCaseFile('06', 1);
    const plan = await as(proposer.token).post('/v1/dispositions', { dueBy: inYears(0.5) });
    expect((await as(approver.token).post(`/v1/dispositions/${plan.body.id}/approve`)).status).toBe(202);
    expect((await as(approver.token).post(`/v1/dispositions/${plan.body.id}/resume`)).status).toBe(409);
    const realDelete = t.store.delete.bind(t.store);
    t.store.delete = async () => {
      throw new Error('almacén de objetos fuera de servicio');
    };
    try {
      await expect(runJob(plan.body.id, 5)).rejects.toThrow('fuera de servicio');
    } finally {
      t.store.delete = realDelete;
    }
    const failed = await as(proposer.token).get(`/v1/dispositions/${plan.body.id}`);
    expect(failed.body).toMatchObject({ state: 'failed', error: 'almacén de objetos fuera de servicio' });
    const listed = await as(proposer.token).get('/v1/dispositions?limit=5');
    expect(listed.body.items[0]).toMatchObject({ id: plan.body.id, state: 'failed' });

    const resumed = await as(approver.token).post(`/v1/dispositions/${plan.body.id}/resume`);
    expect(resumed.status).toBe(202);
    expect(enqueued.filter((j) => j.data.dispositionId === plan.body.id)).toHaveLength(2);
    await runJob(plan.body.id);
    expect((await as(proposer.token).get(`/v1/dispositions/${plan.body.id}`)).body).toMatchObject({ state: 'completed', error: null });
    expect((await content(proposer.token, doomed.documents[0]!)).status).toBe(410);
    expect(await storeHas(await objectKeyOf(doomed.documents[0]!))).toBe(false);
    expect(await t.db.knex('audit_events').where({ action: 'disposition.destroy', target_id: plan.body.id }).pluck('id')).toHaveLength(1);
  });

  it('solo los archiveros administran el archivo; otra agencia no ve nada', async () => {
    const plan = await as(proposer.token).post('/v1/dispositions', {});
    await checkAuthMatrix({ app: t, victim: a, other: b, secrets: [plan.body.id] }, [
      { method: 'post', path: '/v1/series', body: { code: '88', title: 'x' }, roles: ['archivist'], scope: 'collection' },
      { method: 'post', path: '/v1/dispositions', body: {}, roles: ['archivist'], scope: 'collection' },
      { method: 'get', path: `/v1/dispositions/${plan.body.id}`, roles: [], scope: 'resource' },
      { method: 'post', path: `/v1/dispositions/${plan.body.id}/cancel`, roles: ['archivist'], scope: 'resource' },
    ]);
  });
});
