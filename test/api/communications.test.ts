import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { deliverWebhookJob } from '../../server/features/webhooks/webhookService.ts';
import { createLogger } from '../../server/logger.ts';
import type { JobQueue } from '../../server/queue/JobQueue.ts';
import { Queue } from '../../server/queue/Queue.ts';
import { startWebhookReceiver, verifyLegajoSignature, type WebhookReceiver } from '../helpers/webhookReceiver.ts';
import { checkAuthMatrix, type MatrixRoute } from '../helpers/authMatrix.ts';
import { binary, caseFileClient, sha } from '../helpers/caseFiles.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { pdftotext } from '../helpers/pdftotext.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';
import { nssDatabaseTrusting, runPdfsig } from '../signing/pdfsig.ts';
import { jobHandlers } from '../helpers/jobHandlers.ts';
import { communicationDraft } from '../helpers/communicationDraft.ts';

const DEV_ROOT = path.join(os.tmpdir(), 'legajo-test-pki', 'dev-root-ca.pem');

describe.each(BACKENDS)('comunicaciones oficiales (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;
  let c: TestAgency;
  let d: TestAgency;
  let keys: Record<'clerk' | 'r1' | 'r2' | 's1' | 'office' | 'bOffice' | 'cOffice' | 'dOffice', { token: string; principalId: string }>;
  let nss: string | null;

  const as = (token: string) => bearer(token);
  const post = (token: string, url: string, body: object = {}) => t.request().post(url).set(as(token)).send(body);
  const count = async (table: string) => Number((await t.db.knex(table).count<{ c: string }>('* as c').first())!.c);

  async function draft(overrides: Record<string, unknown> = {}) {
    const docs = caseFileClient(t, keys.clerk.token);
    const content = await docs.fileDocument(2, 'Oficio ordinario', validMetadata({ MGDDE5_1: 30 }));
    const annex = await docs.fileDocument(1, 'Anexo');
    const res = await post(keys.clerk.token, '/v1/communications', {
      ...communicationDraft({ contentId: content.id, annexIds: [annex.id], recipients: [b.code, c.code], reviewers: [keys.r1.principalId, keys.r2.principalId], signers: [keys.s1.principalId] }),
      ...overrides,
    });
    return { res, content, annex };
  }

  /** Drafts and takes a communication through every sending step. */
  async function sent() {
    const { res, content, annex } = await draft();
    const id = res.body.id as string;
    await post(keys.r1.token, `/v1/communications/${id}/initial`, { initials: 'R1' });
    await post(keys.r2.token, `/v1/communications/${id}/initial`, { initials: 'R2' });
    await post(keys.s1.token, `/v1/communications/${id}/sign`, { signerPost: 'Subsecretaria' });
    await post(keys.office.token, `/v1/communications/${id}/number`, {});
    const s = await post(keys.office.token, `/v1/communications/${id}/send`);
    expect(s.status, s.text).toBe(200);
    return { id, content, annex, body: s.body };
  }

  beforeAll(async () => {
    t = await startTestApp(backend);
    [a, b, c, d] = [await t.agency('COM001'), await t.agency('COM002'), await t.agency('COM003'), await t.agency('COM004')];
    keys = {
      clerk: await a.keyWithRoles(['clerk']),
      r1: await a.keyWithRoles(['reviewer']),
      r2: await a.keyWithRoles(['reviewer']),
      s1: await a.keyWithRoles(['signer']),
      office: await a.keyWithRoles(['records_officer']),
      bOffice: await b.keyWithRoles(['records_officer']),
      cOffice: await c.keyWithRoles(['records_officer']),
      dOffice: await d.keyWithRoles(['records_officer']),
    };
    nss = nssDatabaseTrusting([await fs.readFile(DEV_ROOT, 'utf8')]);
  });
  afterAll(() => t.close());

  itWithReferee('pdfsig', 'takes a communication through initial, sign, number and send, in order and by the right people', async () => {
    const { res } = await draft();
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ identifier: expect.stringMatching(/^COM-\d{8}-\d{6}-COM001$/), state: 'borrador', annexes: 1 });
    const id = res.body.id as string;

    const outOfTurn = await post(keys.r2.token, `/v1/communications/${id}/initial`, { initials: 'R2' });
    expect(outOfTurn.status).toBe(403);
    expect(outOfTurn.body.detail).toMatch(/turno de la visación 1/);
    const early = await post(keys.s1.token, `/v1/communications/${id}/sign`, { signerPost: 'Subsecretaria' });
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/Faltan visaciones/);
    expect((await post(keys.office.token, `/v1/communications/${id}/send`)).status).toBe(409);

    expect((await post(keys.r1.token, `/v1/communications/${id}/initial`, { initials: 'R1' })).body.state).toBe('borrador');
    expect((await post(keys.r2.token, `/v1/communications/${id}/initial`, { initials: 'R2' })).body.state).toBe('visado');
    expect((await post(keys.r1.token, `/v1/communications/${id}/initial`, { initials: 'R1' })).status).toBe(409);
    const wrongRole = await post(keys.clerk.token, `/v1/communications/${id}/sign`, { signerPost: 'x' });
    expect(wrongRole.status).toBe(403);
    const signed = await post(keys.s1.token, `/v1/communications/${id}/sign`, { signerPost: 'Subsecretaria' });
    expect(signed.status, signed.text).toBe(200);
    expect(signed.body.state).toBe('firmado');
    expect((await post(keys.clerk.token, `/v1/communications/${id}/number`, {})).status).toBe(403);
    const numbered = await post(keys.office.token, `/v1/communications/${id}/number`, { office: 'Oficina de Partes Central' });
    expect(numbered.status, numbered.text).toBe(200);
    expect(numbered.body.registryNumber).toMatch(/^30-\d{4}-\d{6}$/);
    const sentRes = await post(keys.office.token, `/v1/communications/${id}/send`);
    expect(sentRes.body).toMatchObject({ state: 'enviado', recipients: [{ agencyCode: 'COM002', state: 'enviado' }, { agencyCode: 'COM003', state: 'enviado' }] });
    expect((await post(keys.office.token, `/v1/communications/${id}/send`)).status).toBe(409);
    expect((await post(keys.s1.token, `/v1/communications/${id}/sign`, { signerPost: 'x' })).status).toBe(409);

    const pdf = (await t.request().get(`/v1/communications/${id}/content`).set(as(keys.bOffice.token)).buffer(true).parse(binary)).body as Buffer;
    const sigs = runPdfsig(pdf, nss);
    expect(sigs.map((s) => s.signatureValidation)).toEqual(['Signature is Valid.']);
    expect(pdftotext(pdf, 1)).toContain(numbered.body.registryNumber);
    const steps = await t.db.knex('audit_events').where({ target_id: id }).pluck('action');
    expect(steps).toEqual(expect.arrayContaining(['communication.draft', 'communication.initial', 'communication.sign', 'communication.number', 'communication.send']));
  });

  it('delivers the sent version and annexes to each recipient, and nothing else of the sender', async () => {
    const { id, content, annex } = await sent();
    const inbox = await t.request().get('/v1/communications?box=inbox').set(as(keys.bOffice.token));
    expect(inbox.body.items.map((i: { id: string }) => i.id)).toContain(id);
    const outbox = await t.request().get('/v1/communications?box=outbox&type=oficio').set(as(keys.office.token));
    expect(outbox.body.items.map((i: { id: string }) => i.id)).toContain(id);
    expect((await t.request().get('/v1/communications?box=inbox').set(as(keys.dOffice.token))).body.items).toEqual([]);

    const view = await t.request().get(`/v1/communications/${id}`).set(as(keys.bOffice.token));
    expect(view.body.recipients).toHaveLength(1);
    expect(view.body.steps).toBeUndefined();
    expect(view.body.content.documentId).toBeUndefined();
    const annexBytes = await t.request().get(`/v1/communications/${id}/annexes/1/content`).set(as(keys.bOffice.token)).buffer(true).parse(binary);
    expect(sha(annexBytes.body)).toBe(annex.sha256);
    expect((await t.request().get(`/v1/documents/${content.id}`).set(as(keys.bOffice.token))).status).toBe(404);
    expect((await t.request().get(`/v1/communications/${id}`).set(as(keys.dOffice.token))).status).toBe(404);
    expect((await t.request().get(`/v1/communications/${id}/content`).set(as(keys.dOffice.token))).status).toBe(404);
  });

  itWithReferee('pdfsig', 'receive, distribute and acknowledge with a sealed receipt issued once; reject needs a reason', async () => {
    const { id } = await sent();
    const early = await post(keys.bOffice.token, `/v1/communications/${id}/acknowledge`);
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/recibirla/);
    expect((await post(keys.bOffice.token, `/v1/communications/${id}/receive`)).body.recipients[0].state).toBe('recibido');
    expect((await post(keys.bOffice.token, `/v1/communications/${id}/distribute`, { to: 'División Jurídica' })).body.recipients[0]).toMatchObject({ state: 'distribuido', distributedTo: 'División Jurídica' });
    const ack = await post(keys.bOffice.token, `/v1/communications/${id}/acknowledge`);
    expect(ack.status, ack.text).toBe(200);
    expect(ack.body.received).toHaveLength(2);
    expect((await post(keys.bOffice.token, `/v1/communications/${id}/acknowledge`)).status).toBe(409);

    const receipt = await t.request().get(`/v1/communications/${id}/receipts/COM002`).set(as(keys.office.token)).buffer(true).parse(binary);
    expect(receipt.status).toBe(200);
    expect(sha(receipt.body)).toBe(ack.body.sha256);
    expect(runPdfsig(receipt.body, nss).map((s) => s.signatureValidation)).toEqual(['Signature is Valid.']);
    const text = pdftotext(receipt.body);
    for (const f of ack.body.received as Array<{ sha256: string }>) expect(text.replace(/\s+/g, '')).toContain(f.sha256);
    expect((await t.request().get(`/v1/communications/${id}/receipts/COM002`).set(as(keys.cOffice.token))).status).toBe(404);

    const noReason = await post(keys.cOffice.token, `/v1/communications/${id}/reject`, { detail: 'no corresponde' });
    expect(noReason.status).toBe(422);
    const rejected = await post(keys.cOffice.token, `/v1/communications/${id}/reject`, { reason: 'destinatario-erroneo', detail: 'No es competencia de este servicio' });
    expect(rejected.body.recipients[0]).toMatchObject({ state: 'rechazado', rejectReason: 'destinatario-erroneo' });
    expect((await post(keys.dOffice.token, `/v1/communications/${id}/acknowledge`)).status).toBe(404);
    const sender = await t.request().get(`/v1/communications/${id}`).set(as(keys.office.token));
    expect(sender.body.recipients.map((r: { state: string }) => r.state)).toEqual(['acusado', 'rechazado']);
  });

  it('refuses bad drafts precisely and creates nothing', async () => {
    const before = await count('communications');
    const unknown = await draft({ recipients: [{ agencyCode: 'NO-EXISTE', persons: [{ name: 'X', post: 'Y' }] }] });
    expect(unknown.res.status).toBe(422);
    expect(unknown.res.body.errors[0].field).toBe('body.recipients.0.agencyCode');
    const self = await draft({ recipients: [{ agencyCode: a.code, persons: [{ name: 'X', post: 'Y' }] }] });
    expect(self.res.status).toBe(422);
    const notSigner = await draft({ signers: [keys.r1.principalId] });
    expect(notSigner.res.status).toBe(422);
    expect(notSigner.res.body.errors[0].message).toMatch(/sin rol signer/);
    const noSigners = await draft({ signers: [] });
    expect(noSigners.res.status).toBe(422);
    const foreign = await caseFileClient(t, b.token).fileDocument(1, 'ajeno');
    const foreignContent = await draft({ content: { documentId: foreign.id, version: 1 } });
    expect(foreignContent.res.status).toBe(404);
    expect(await count('communications')).toBe(before);
  });

  it('the same Idempotency-Key never creates a second communication or a second send', async () => {
    const docs = caseFileClient(t, keys.clerk.token);
    const content = await docs.fileDocument(1, 'idempotente', validMetadata({ MGDDE5_1: 30 }));
    const body = {
      type: 'oficio',
      classification: 'X',
      subject: 'Idempotencia',
      sender: { authority: 'A', post: 'B' },
      recipients: [{ agencyCode: b.code, persons: [{ name: 'P', post: 'Q' }] }],
      content: { documentId: content.id, version: 1 },
      signers: [keys.s1.principalId],
    };
    const send = () => t.request().post('/v1/communications').set(as(keys.clerk.token)).set('Idempotency-Key', `com-${content.id}`).send(body);
    const [x, y] = [await send(), await send()];
    expect(x.body.id).toBe(y.body.id);
    expect(y.headers['idempotent-replayed']).toBe('true');
  });

  it('a communication of a case file is added to it when sent, and its acknowledgement when acknowledged', async () => {
    const cf = caseFileClient(t, keys.clerk.token);
    const iuie = await cf.open();
    const { res } = await draft({ caseFile: iuie, reviewers: [] });
    const id = res.body.id as string;
    await post(keys.s1.token, `/v1/communications/${id}/sign`, { signerPost: 'Subsecretaria' });
    await post(keys.office.token, `/v1/communications/${id}/number`, {});
    await post(keys.office.token, `/v1/communications/${id}/send`);
    const entries = await t.request().get(`/v1/case-files/${iuie}/entries`).set(as(keys.clerk.token));
    expect(entries.body.items).toHaveLength(1);
    expect(entries.body.items[0].document.version).toBe((await t.request().get(`/v1/communications/${id}`).set(as(keys.office.token))).body.content.version);
    await post(keys.bOffice.token, `/v1/communications/${id}/receive`);
    const ack = await post(keys.bOffice.token, `/v1/communications/${id}/acknowledge`);
    const after = (await t.request().get(`/v1/case-files/${iuie}/entries`).set(as(keys.clerk.token))).body.items;
    expect(after[1]).toMatchObject({ order: 2, kind: 'link', sha256: ack.body.sha256, link: { uri: `https://legajo.test/v1/communications/${id}/receipts/COM002` } });
    expect((await t.request().get(`/v1/case-files/${iuie}/verify`).set(as(keys.clerk.token))).body.valid).toBe(true);
  });

  it('authorization matrix over the communication routes', async () => {
    const { id } = await sent();
    const drafted = (await draft()).res.body.id as string;
    const routes: MatrixRoute[] = [
      { method: 'post', path: '/v1/communications', body: { type: 'oficio' }, roles: ['system', 'clerk', 'records_officer'], scope: 'collection' },
      { method: 'get', path: '/v1/communications?box=outbox', roles: [], scope: 'collection' },
      { method: 'get', path: `/v1/communications/${drafted}`, roles: [], scope: 'resource' },
      { method: 'post', path: `/v1/communications/${drafted}/initial`, body: { initials: 'X' }, roles: ['reviewer'], scope: 'resource' },
      { method: 'post', path: `/v1/communications/${drafted}/sign`, body: { signerPost: 'X' }, roles: ['signer'], scope: 'resource' },
      { method: 'post', path: `/v1/communications/${drafted}/number`, body: {}, roles: ['records_officer'], scope: 'resource' },
      { method: 'post', path: `/v1/communications/${drafted}/send`, roles: ['records_officer'], scope: 'resource' },
      { method: 'get', path: `/v1/communications/${drafted}/content`, roles: [], scope: 'resource' },
      { method: 'get', path: `/v1/communications/${drafted}/annexes/1/content`, roles: [], scope: 'resource' },
    ];
    await checkAuthMatrix({ app: t, victim: a, other: d, secrets: [drafted, id] }, routes);
    const receiverRoutes: MatrixRoute[] = [
      { method: 'post', path: `/v1/communications/${id}/receive`, roles: ['system', 'records_officer'], scope: 'resource' },
      { method: 'post', path: `/v1/communications/${id}/distribute`, body: { to: 'X' }, roles: ['system', 'records_officer'], scope: 'resource' },
      { method: 'post', path: `/v1/communications/${id}/acknowledge`, roles: ['system', 'records_officer'], scope: 'resource' },
      { method: 'post', path: `/v1/communications/${id}/reject`, body: { reason: 'ilegible', detail: 'x' }, roles: ['system', 'records_officer'], scope: 'resource' },
      { method: 'get', path: `/v1/communications/${id}/receipts/${b.code}`, roles: [], scope: 'resource' },
    ];
    await checkAuthMatrix({ app: t, victim: b, other: d, secrets: [id] }, receiverRoutes);
  });
});

describe('comunicaciones: entrega a los sistemas de las agencias por webhook', () => {
  const log = createLogger('silent');
  let t: TestApp;
  let queue: Queue;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    const jobs: JobQueue = { enqueue: (db, name, data, opts) => queue.enqueue(db, name, data, opts) };
    t = await startTestApp('pglite', { jobs });
    queue = await Queue.start(t.db, log, { pollingIntervalSeconds: 0.5 });
    // Production waits minutes between tries; here every second, five tries in all.
    await t.db.knex('pgboss.queue').where({ name: 'webhook.deliver' }).update({ retry_limit: 4, retry_delay: 1, retry_backoff: false });
    await queue.work(jobHandlers({ 'webhook.deliver': deliverWebhookJob(t.services.webhooks) }));
  });
  afterAll(async () => {
    await queue?.stop(5_000);
    for (const r of receivers) await r.close();
    await t?.close();
  });

  it('a receiver failing its first attempts still gets every event of the flow exactly once, by event id', async () => {
    const [a, b] = [await t.agency('WHA001'), await t.agency('WHB001')];
    const inbox = await startWebhookReceiver((n) => (n < 2 ? 503 : 200));
    const outbox = await startWebhookReceiver();
    receivers.push(inbox, outbox);
    const hook = async (agency: TestAgency, url: string) => (await t.request().post('/v1/webhooks').set(bearer(agency.token)).send({ url, events: ['*'] })).body.secret as string;
    const [inboxSecret] = [await hook(b, inbox.url), await hook(a, outbox.url)];
    const clerk = await a.keyWithRoles(['clerk']);
    const signer = await a.keyWithRoles(['signer']);
    const office = await a.keyWithRoles(['records_officer']);
    const bOffice = await b.keyWithRoles(['records_officer']);
    const content = await caseFileClient(t, clerk.token).fileDocument(1, 'Oficio con webhook', validMetadata({ MGDDE5_1: 30 }));
    const drafted = await t.request().post('/v1/communications').set(bearer(clerk.token)).send({
      type: 'oficio',
      classification: 'X',
      subject: 'Entrega por webhook',
      sender: { authority: 'A', post: 'B' },
      recipients: [{ agencyCode: b.code, persons: [{ name: 'P', post: 'Q' }] }],
      content: { documentId: content.id, version: 1 },
      signers: [signer.principalId],
    });
    const id = drafted.body.id as string;
    await t.request().post(`/v1/communications/${id}/sign`).set(bearer(signer.token)).send({ signerPost: 'Jefa' });
    await t.request().post(`/v1/communications/${id}/number`).set(bearer(office.token)).send({});
    expect((await t.request().post(`/v1/communications/${id}/send`).set(bearer(office.token))).status).toBe(200);
    await t.request().post(`/v1/communications/${id}/receive`).set(bearer(bOffice.token));
    expect((await t.request().post(`/v1/communications/${id}/acknowledge`).set(bearer(bOffice.token))).status).toBe(200);

    const delivered = (r: WebhookReceiver) => {
      const byId = new Map<string, string>();
      for (const req of r.requests) if (req.status === 200) byId.set(String(req.headers['legajo-event-id']), String(req.headers['legajo-event-type']));
      return [...byId.values()].sort();
    };
    await eventually(() => delivered(inbox).length === 1, 'la entrega del evento de bandeja de entrada');
    await eventually(() => delivered(outbox).length === 2, 'la entrega de los eventos de recepción y acuse');
    expect(delivered(inbox)).toEqual(['communication.inbox']);
    expect(delivered(outbox)).toEqual(['communication.acknowledged', 'communication.received']);
    expect(inbox.requests.filter((r) => r.status === 503)).toHaveLength(2);
    expect(new Set(inbox.requests.map((r) => r.headers['legajo-event-id'])).size).toBe(1);
    const last = inbox.requests.at(-1)!;
    expect(verifyLegajoSignature(inboxSecret, String(last.headers['legajo-signature']), last.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(JSON.parse(last.body)).toMatchObject({ type: 'communication.inbox', agency: b.code, data: { communicationId: id, sender: a.code } });
  });
});
