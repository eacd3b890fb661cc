import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { ValidationError } from '../../server/errors.ts';
import type { Actor } from '../../server/features/principals/Actor.ts';
import { classifyAddress } from '../../server/features/webhooks/addressClass.ts';
import { deliverWebhookJob, WebhookDeliveryError, WebhookService, type WebhookSettings } from '../../server/features/webhooks/webhookService.ts';
import { createLogger } from '../../server/logger.ts';
import type { JobQueue } from '../../server/queue/JobQueue.ts';
import { Queue } from '../../server/queue/Queue.ts';
import { checkAuthMatrix } from '../helpers/authMatrix.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';
import { startWebhookReceiver, unusedPort, verifyLegajoSignature, type WebhookReceiver } from '../helpers/webhookReceiver.ts';
import { eventually } from '../helpers/eventually.ts';
import { jobHandlers } from '../helpers/jobHandlers.ts';

const log = createLogger('silent');

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('clasificación de direcciones de destino', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['200.1.2.3', 'public'],
    ['172.32.0.1', 'public'],
    ['100.63.255.255', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
  ])('IPv4 %s es %s', (ip, cls) => expect(classifyAddress(ip)).toBe(cls));

  it.each([
    ['2800:3f0:4001::1', 'public'],
    ['2606:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:c0a8:0101::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['::', 'reserved'],
    ['ff02::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ])('IPv6 %s es %s', (ip, cls) => expect(classifyAddress(ip)).toBe(cls));

  it('lo que no es una dirección IP no se considera pública', () => {
    expect(classifyAddress('localhost')).toBe('reserved');
    expect(classifyAddress('127.1')).toBe('reserved');
  });
});

describe('configuración de webhooks', () => {
  it('WEBHOOK_TIMEOUT_MS: 10 s por omisión, configurable, validado', () => {
    expect(loadConfig({}).webhooks.timeoutMs).toBe(10_000);
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: '2500' }).webhooks.timeoutMs).toBe(2500);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: 'pronto' })).toThrow(ConfigError);
  });
});

describe.each(BACKENDS)('webhooks (%s)', (backend) => {
  let t: TestApp;
  let queue: Queue;
  const receivers: WebhookReceiver[] = [];
  let agencies = 0;
  /** Tries per job in these tests: the queue's policy is shortened (see beforeAll). */
  const TRIES = 4;

  const newAgency = () => t.agency(`WH${String(++agencies).padStart(3, '0')}`);
  const receive = async (respond?: WebhookReceiver['respond'], port?: number) => {
    const r = await startWebhookReceiver(respond, port);
    receivers.push(r);
    return r;
  };
  async function register(agency: TestAgency, url: string, events: string[] = ['*']): Promise<{ webhook: { id: string; url: string; events: string[] }; secret: string }> {
    const res = await t.request().post('/v1/webhooks').set(bearer(agency.token)).send({ url, events, description: 'Sistema de oficina de partes' });
    expect(res.status, res.text).toBe(201);
    return res.body;
  }
  const emit = (agencyId: string, type: Parameters<WebhookService['emit']>[2], data: Record<string, unknown>) =>
    t.db.knex.transaction((trx) => t.services.webhooks.emit(trx, agencyId, type, data));
  const deliveryOf = (eventId: string) => t.db.knex('webhook_deliveries').where({ event_id: eventId }).first();
  const stateOf = async (eventId: string) => (await deliveryOf(eventId))?.state;
  const deliverJobs = async () => Number((await t.db.knex('pgboss.job').where({ name: 'webhook.deliver' }).count<{ c: string }[]>('* as c'))[0]!.c);
  const auditCount = async (agencyId: string, action?: string) =>
    Number((await t.db.knex('audit_events').where({ agency_id: agencyId, ...(action ? { action } : {}) }).count<{ c: string }[]>('* as c'))[0]!.c);
  const adminActor = (a: TestAgency): Actor => ({ agencyId: a.id, agencyCode: a.code, principalId: a.adminId, roles: ['admin'], requestId: null });
  const jobCtx = (over: { retryCount?: number; retryLimit?: number } = {}) => ({ log, signal: new AbortController().signal, retryCount: 0, retryLimit: 3, ...over });

  beforeAll(async () => {
    // The services need the queue and the queue needs the test database: the adapter forwards once both exist.
    const jobs: JobQueue = { enqueue: (db, name, data, opts) => queue.enqueue(db, name, data, opts) };
    t = await startTestApp(backend, { jobs });
    queue = await Queue.start(t.db, log, { pollingIntervalSeconds: 0.5 });
    // The production policy waits minutes between tries; here the queue retries every second, TRIES in all.
    await t.db.knex('pgboss.queue').where({ name: 'webhook.deliver' }).update({ retry_limit: TRIES - 1, retry_delay: 1, retry_backoff: false });
    await queue.work(jobHandlers({ 'webhook.deliver': deliverWebhookJob(t.services.webhooks) }));
  });
  afterAll(async () => {
    await queue?.stop(5_000);
    for (const r of receivers) await r.close();
    await t?.close();
  });

  it('delivers a subscribed event with a valid signature, the event id and the timestamp', async () => {
    const a = await newAgency();
    const receiver = await receive();
    const { webhook, secret } = await register(a, receiver.url, ['communication.inbox']);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const data = { communicationId: '7f1d6c1e-4a57-4b34-9a53-8c6f0f5b2a10', subject: 'Oficio ordinario 12', sender: 'AG-EMISOR' };
    const eventId = await emit(a.id, 'communication.inbox', data);
    const unsubscribed = await emit(a.id, 'communication.rejected', { communicationId: data.communicationId });
    expect(await t.db.knex('webhook_deliveries').where({ event_id: unsubscribed })).toEqual([]);

    await eventually(async () => (await stateOf(eventId)) === 'delivered', 'la entrega queda registrada');
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    const signature = req!.headers['legajo-signature'] as string;
    expect(req!.headers['legajo-event-id']).toBe(eventId);
    expect(req!.headers['legajo-event-type']).toBe('communication.inbox');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['legajo-timestamp']).toMatch(/^\d{10}$/);
    expect(signature).toMatch(new RegExp(`^t=${req!.headers['legajo-timestamp']},v1=[0-9a-f]{64}$`));
    expect(verifyLegajoSignature(secret, signature, req!.body, nowSeconds())).toBe(true);
    expect(verifyLegajoSignature(secret, signature, req!.body.replace('Oficio ordinario 12', 'Oficio ordinario 13'), nowSeconds())).toBe(false);
    expect(verifyLegajoSignature(`${secret}x`, signature, req!.body, nowSeconds())).toBe(false);
    expect(verifyLegajoSignature(secret, signature, req!.body, nowSeconds() + 3600)).toBe(false);

    const event = await t.db.knex('webhook_events').where({ id: eventId }).first();
    expect(JSON.parse(req!.body)).toEqual({ id: eventId, type: 'communication.inbox', occurredAt: event.occurred_at.toISOString(), agency: a.code, data });

    const row = await deliveryOf(eventId);
    expect(row).toMatchObject({ webhook_id: webhook.id, attempts: 1, last_status: 200, last_error: null, next_attempt_at: null, dead_at: null });
    expect(row.delivered_at).toBeInstanceOf(Date);
    const list = await t.request().get('/v1/webhooks/deliveries?state=delivered').set(bearer(a.token));
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: row.id, eventId, eventType: 'communication.inbox', webhookId: webhook.id, state: 'delivered', attempts: 1, lastStatus: 200 });
    expect(list.body.items[0]).not.toHaveProperty('seq');
    expect((await t.request().get('/v1/webhooks/deliveries?state=dead').set(bearer(a.token))).body.items).toEqual([]);
  });

  it('a receiver answering 500 to the first tries still gets the event: exactly once after de-duplicating by event id', async () => {
    const a = await newAgency();
    const receiver = await receive((n) => (n < 2 ? 500 : 200));
    const { secret } = await register(a, receiver.url);
    const eventId = await emit(a.id, 'communication.received', { communicationId: 'c-500' });

    await eventually(async () => (await stateOf(eventId)) === 'delivered', 'se entrega tras los reintentos');
    const ids = receiver.requests.map((r) => r.headers['legajo-event-id']);
    expect(ids).toEqual([eventId, eventId, eventId]);
    expect(new Set(ids).size).toBe(1);
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    // Every try is signed afresh, and every signature holds.
    for (const r of receiver.requests) expect(verifyLegajoSignature(secret, r.headers['legajo-signature'] as string, r.body, nowSeconds())).toBe(true);
    expect(await deliveryOf(eventId)).toMatchObject({ state: 'delivered', attempts: 3, last_status: 200, last_error: null });
  });

  it('a receiver that refuses connections at first gets the event once it listens', async () => {
    const a = await newAgency();
    const port = await unusedPort();
    await register(a, `http://127.0.0.1:${port}/legajo/eventos`);
    const eventId = await emit(a.id, 'communication.inbox', { communicationId: 'c-refused' });

    await eventually(async () => ((await deliveryOf(eventId))?.attempts ?? 0) >= 1, 'el primer intento falla');
    const failed = await deliveryOf(eventId);
    expect(failed).toMatchObject({ state: 'pending', last_status: null });
    expect(failed.last_error).toMatch(/ECONNREFUSED/);
    expect(failed.next_attempt_at).toBeInstanceOf(Date);

    const receiver = await receive(() => 200, port);
    await eventually(async () => (await stateOf(eventId)) === 'delivered', 'se entrega cuando el receptor escucha');
    expect(receiver.requests.map((r) => r.headers['legajo-event-id'])).toEqual([eventId]);
  });

  it('after the last try the delivery is a dead letter; a replay delivers it; replaying it again is 409 and changes nothing', async () => {
    const a = await newAgency();
    const receiver = await receive(() => 500);
    await register(a, receiver.url);
    const eventId = await emit(a.id, 'communication.acknowledged', { communicationId: 'c-dead' });

    await eventually(async () => (await stateOf(eventId)) === 'dead', 'agota los intentos');
    const dead = await deliveryOf(eventId);
    expect(dead).toMatchObject({ attempts: TRIES, last_status: 500, last_error: 'el receptor respondió HTTP 500', next_attempt_at: null, delivered_at: null });
    expect(dead.dead_at).toBeInstanceOf(Date);
    expect(receiver.requests).toHaveLength(TRIES);

    const auditor = await a.keyWithRoles(['auditor']);
    const letters = await t.request().get('/v1/webhooks/dead-letters').set(bearer(auditor.token));
    expect(letters.status).toBe(200);
    expect(letters.body.items.map((d: { id: string }) => d.id)).toEqual([dead.id]);
    expect(letters.body.items[0]).toMatchObject({ eventId, state: 'dead', attempts: TRIES, lastError: 'el receptor respondió HTTP 500' });

    receiver.respond = () => 200;
    const replay = await t.request().post(`/v1/webhooks/deliveries/${dead.id}/replay`).set(bearer(a.token));
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id: dead.id, state: 'pending', deadAt: null });
    await eventually(async () => (await stateOf(eventId)) === 'delivered', 'el reenvío se entrega');
    expect(receiver.requests.map((r) => r.status)).toEqual([...Array<number>(TRIES).fill(500), 200]);
    expect(await deliveryOf(eventId)).toMatchObject({ attempts: TRIES + 1, last_status: 200, dead_at: null });
    expect((await t.request().get('/v1/webhooks/dead-letters').set(bearer(a.token))).body.items).toEqual([]);
    expect(await auditCount(a.id, 'webhook_delivery.replay')).toBe(1);

    const before = { row: await deliveryOf(eventId), jobs: await deliverJobs(), audit: await auditCount(a.id) };
    const again = await t.request().post(`/v1/webhooks/deliveries/${dead.id}/replay`).set(bearer(a.token));
    expect(again.status).toBe(409);
    expect(again.type).toBe('application/problem+json');
    expect(again.body.detail).toMatch(/ya fue recibida/);
    expect({ row: await deliveryOf(eventId), jobs: await deliverJobs(), audit: await auditCount(a.id) }).toEqual(before);

    const unknown = await t.request().post('/v1/webhooks/deliveries/00000000-0000-4000-8000-000000000000/replay').set(bearer(a.token));
    expect(unknown.status).toBe(404);
  });

  it('emitting inside a transaction that rolls back writes nothing and enqueues nothing', async () => {
    const a = await newAgency();
    const receiver = await receive();
    await register(a, receiver.url);
    const counts = async () => ({
      events: await t.db.knex('webhook_events').where({ agency_id: a.id }).count('* as c').first(),
      deliveries: await t.db.knex('webhook_deliveries').where({ agency_id: a.id }).count('* as c').first(),
      jobs: await deliverJobs(),
    });
    const before = await counts();
    let emitted: string | undefined;
    await expect(
      t.db.knex.transaction(async (trx) => {
        emitted = await t.services.webhooks.emit(trx, a.id, 'communication.inbox', { communicationId: 'c-rollback' });
        throw new Error('abortar');
      }),
    ).rejects.toThrow('abortar');
    expect(emitted).toMatch(/^[0-9a-f-]{36}$/);
    expect(await counts()).toEqual(before);
    expect(await t.db.knex('webhook_events').where({ id: emitted }).first()).toBeUndefined();
  });

  it('refuses bad registrations with a precise 422 and writes nothing', async () => {
    const a = await newAgency();
    const snapshot = async () => ({ webhooks: await t.db.knex('webhooks').where({ agency_id: a.id }).count('* as c').first(), audit: await auditCount(a.id) });
    const before = await snapshot();
    const post = (body: object) => t.request().post('/v1/webhooks').set(bearer(a.token)).send(body);

    const ftp = await post({ url: 'ftp://intranet.example.cl/eventos', events: ['*'] });
    expect(ftp.status).toBe(422);
    expect(ftp.body.errors).toEqual([{ field: 'body.url', message: 'debe ser un URL http o https' }]);

    const unknown = await post({ url: 'http://127.0.0.1:9/eventos', events: ['communication.inbox', 'communication.deleted'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toHaveLength(1);
    expect(unknown.body.errors[0].field).toBe('body.events.1');
    expect(unknown.body.errors[0].message).toMatch(/tipo de evento desconocido; use communication\.inbox, communication\.received, communication\.acknowledged, communication\.rejected o \*/);

    const mixed = await post({ url: 'http://127.0.0.1:9/eventos', events: ['*', 'communication.inbox'] });
    expect(mixed.status).toBe(422);
    expect(mixed.body.detail).toMatch(/\* ya incluye todos los tipos/);

    const credentials = await post({ url: 'http://sistema:clave@127.0.0.1:9/eventos', events: ['*'] });
    expect(credentials.status).toBe(422);
    expect(credentials.body.errors[0]).toMatchObject({ field: 'body.url' });
    expect(credentials.body.errors[0].message).toMatch(/usuario ni contraseña/);

    // Outside production only loopback is let through: a private address is refused anywhere.
    const lan = await post({ url: 'http://192.168.10.20/eventos', events: ['*'] });
    expect(lan.status).toBe(422);
    expect(lan.body.detail).toBe('No se puede registrar el webhook: 192.168.10.20 es una dirección privada; los webhooks solo pueden apuntar a direcciones públicas.');

    expect((await post({ url: 'http://127.0.0.1:9/eventos', events: [] })).status).toBe(422);
    expect((await post({ url: 'http://127.0.0.1:9/eventos', events: ['*'], secret: 'elegido' })).status).toBe(422);
    expect(await snapshot()).toEqual(before);
  });

  it('lists webhooks without their secret, page by page; disabling stops new deliveries and is idempotent', async () => {
    const a = await newAgency();
    const receiver = await receive();
    const inbox = await register(a, receiver.url, ['communication.inbox', 'communication.inbox']);
    const all = await register(a, receiver.url, ['*']);
    expect(inbox.webhook.events).toEqual(['communication.inbox']);
    expect(all.webhook.events).toEqual(['*']);

    const auditor = await a.keyWithRoles(['auditor']);
    const first = await t.request().get('/v1/webhooks?limit=1').set(bearer(auditor.token));
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    const second = await t.request().get(`/v1/webhooks?limit=1&cursor=${first.body.nextCursor}`).set(bearer(auditor.token));
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.items, ...second.body.items].map((w: { id: string }) => w.id).sort()).toEqual([inbox.webhook.id, all.webhook.id].sort());
    for (const text of [first.text, second.text, JSON.stringify(await t.db.knex('audit_events').where({ agency_id: a.id }))]) {
      expect(text).not.toContain(inbox.secret);
      expect(text).not.toContain(all.secret);
    }

    const disabled = await t.request().post(`/v1/webhooks/${inbox.webhook.id}/disable`).set(bearer(a.token));
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabledAt).toEqual(expect.any(String));
    const again = await t.request().post(`/v1/webhooks/${inbox.webhook.id}/disable`).set(bearer(a.token));
    expect(again.body).toEqual(disabled.body);
    expect(await auditCount(a.id, 'webhook.disable')).toBe(1);
    expect(await auditCount(a.id, 'webhook.create')).toBe(2);

    const eventId = await emit(a.id, 'communication.inbox', { communicationId: 'c-disabled' });
    expect((await t.db.knex('webhook_deliveries').where({ event_id: eventId })).map((d) => d.webhook_id)).toEqual([all.webhook.id]);
    expect((await t.request().post('/v1/webhooks/00000000-0000-4000-8000-000000000000/disable').set(bearer(a.token))).status).toBe(404);
  });

  it('authorization: every webhook route refuses missing or revoked keys, the wrong role and other agencies', async () => {
    const victim = await newAgency();
    const other = await newAgency();
    const receiver = await receive();
    const { webhook, secret } = await register(victim, receiver.url);
    const eventId = await emit(victim.id, 'communication.inbox', { communicationId: 'c-matrix' });
    const delivery = await deliveryOf(eventId);
    const readers = ['admin', 'auditor'] as const;
    await checkAuthMatrix({ app: t, victim, other, secrets: [webhook.id, delivery.id, eventId, secret] }, [
      { method: 'post', path: '/v1/webhooks', body: { url: receiver.url, events: ['*'] }, roles: ['admin'], scope: 'collection' },
      { method: 'get', path: '/v1/webhooks', roles: readers, scope: 'collection' },
      { method: 'post', path: `/v1/webhooks/${webhook.id}/disable`, roles: ['admin'], scope: 'resource' },
      { method: 'get', path: '/v1/webhooks/dead-letters', roles: readers, scope: 'collection' },
      { method: 'get', path: '/v1/webhooks/deliveries', roles: readers, scope: 'collection' },
      { method: 'post', path: `/v1/webhooks/deliveries/${delivery.id}/replay`, roles: ['admin'], scope: 'resource' },
    ]);
    expect((await t.db.knex('webhooks').where({ id: webhook.id }).first()).disabled_at).toBeNull();
  });

  describe('el servicio, sin cola', () => {
    const enqueued: string[] = [];
    const recordingQueue: JobQueue = {
      async enqueue(_db, _name, data) {
        enqueued.push(String(data.deliveryId));
        return null;
      },
    };
    const service = (settings: Partial<WebhookSettings> = {}) =>
      new WebhookService(t.db.knex, t.services.audit, systemClock, recordingQueue, { env: 'test', timeoutMs: 5_000, ...settings });

    it('in production refuses private, loopback, link-local and unique-local destinations at registration', async () => {
      const a = await newAgency();
      const names: Record<string, string[]> = {
        'publico.example.cl': ['200.1.2.3', '2800:3f0:4001::1'],
        'interno.example.cl': ['200.1.2.3', '10.20.30.40'],
        localhost: ['127.0.0.1', '::1'],
      };
      const production = service({
        env: 'production',
        resolveHost: async (host) => names[host] ?? Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })),
      });
      const refused: Array<[string, RegExp]> = [
        ['http://10.0.0.5/eventos', /10\.0\.0\.5 es una dirección privada/],
        ['http://192.168.1.10/eventos', /192\.168\.1\.10 es una dirección privada/],
        ['http://127.0.0.1:8080/eventos', /127\.0\.0\.1 es una dirección de loopback/],
        ['http://localhost:8080/eventos', /el host localhost resuelve a 127\.0\.0\.1, una dirección de loopback/],
        ['http://[::1]/eventos', /::1 es una dirección de loopback/],
        ['http://[::ffff:127.0.0.1]/eventos', /::ffff:7f00:1 es una dirección de loopback/],
        ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254 es una dirección de enlace local/],
        ['http://[fe80::1]/eventos', /fe80::1 es una dirección de enlace local/],
        ['http://[fd12:3456::1]/eventos', /fd12:3456::1 es una dirección local única/],
        ['https://interno.example.cl/eventos', /el host interno\.example\.cl resuelve a 10\.20\.30\.40, una dirección privada/],
        ['https://noexiste.example.cl/eventos', /no se pudo resolver el host noexiste\.example\.cl \(ENOTFOUND\)/],
        ['ftp://publico.example.cl/eventos', /el esquema ftp no está permitido/],
      ];
      for (const [url, reason] of refused) {
        const err = await production.register(adminActor(a), { url, events: ['*'] }).catch((e: unknown) => e);
        expect(err, url).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).message, url).toMatch(reason);
        expect((err as ValidationError).errors?.[0]?.field, url).toBe('body.url');
      }
      const unknownType = await production.register(adminActor(a), { url: 'https://publico.example.cl/eventos', events: ['communication.deleted' as never] }).catch((e: unknown) => e);
      expect(unknownType).toBeInstanceOf(ValidationError);
      expect((unknownType as ValidationError).message).toMatch(/Tipo de evento desconocido: communication\.deleted/);
      expect(await t.db.knex('webhooks').where({ agency_id: a.id })).toEqual([]);

      const ok = await production.register(adminActor(a), { url: 'https://publico.example.cl/eventos', events: ['communication.inbox'] });
      expect(ok.webhook).toMatchObject({ url: 'https://publico.example.cl/eventos', events: ['communication.inbox'], disabledAt: null });
    });

    it('in production refuses a loopback destination again at delivery: dead at once, with the reason, nothing sent', async () => {
      const a = await newAgency();
      const receiver = await receive();
      const development = service();
      const { webhook } = await development.register(adminActor(a), { url: `http://localhost:${receiver.port}/eventos`, events: ['*'] });
      const eventId = await development.emit(t.db.knex, a.id, 'communication.inbox', { communicationId: 'c-ssrf' });
      const delivery = await deliveryOf(eventId);
      expect(delivery.webhook_id).toBe(webhook.id);
      expect(enqueued).toContain(delivery.id);

      await service({ env: 'production' }).deliver(delivery.id, jobCtx());
      const row = await deliveryOf(eventId);
      expect(row).toMatchObject({ state: 'dead', attempts: 0, last_status: null });
      expect(row.last_error).toMatch(/^destino rechazado: el host localhost resuelve a (127\.0\.0\.1|::1), una dirección de loopback/);
      expect(receiver.requests).toEqual([]);
    });

    it('connects to exactly the addresses it checked: the name is not looked up a second time', async () => {
      const a = await newAgency();
      const receiver = await receive();
      // .test never resolves in public DNS: reaching the receiver proves the socket used the checked address.
      const svc = service({ resolveHost: async (host) => (host === 'receptor.legajo.test' ? ['127.0.0.1'] : []) });
      await svc.register(adminActor(a), { url: `http://receptor.legajo.test:${receiver.port}/eventos`, events: ['*'] });
      const eventId = await svc.emit(t.db.knex, a.id, 'communication.inbox', { communicationId: 'c-pinned' });
      await svc.deliver((await deliveryOf(eventId)).id, jobCtx());
      expect(await stateOf(eventId)).toBe('delivered');
      expect(receiver.requests.map((r) => r.headers.host)).toEqual([`receptor.legajo.test:${receiver.port}`]);
    });

    it('a delivered delivery is not sent again; one of a disabled webhook dies without a try and cannot be replayed', async () => {
      const a = await newAgency();
      const receiver = await receive();
      const svc = service();
      const { webhook } = await svc.register(adminActor(a), { url: receiver.url, events: ['*'] });
      const first = await deliveryOf(await svc.emit(t.db.knex, a.id, 'communication.inbox', { n: 1 }));
      const second = await deliveryOf(await svc.emit(t.db.knex, a.id, 'communication.inbox', { n: 2 }));

      await svc.deliver(first.id, jobCtx());
      const delivered = await t.db.knex('webhook_deliveries').where({ id: first.id }).first();
      expect(delivered).toMatchObject({ state: 'delivered', attempts: 1 });
      await svc.deliver(first.id, jobCtx());
      expect(receiver.requests).toHaveLength(1);
      expect(await t.db.knex('webhook_deliveries').where({ id: first.id }).first()).toEqual(delivered);

      await svc.disable(adminActor(a), webhook.id);
      await svc.deliver(second.id, jobCtx());
      expect(await t.db.knex('webhook_deliveries').where({ id: second.id }).first()).toMatchObject({ state: 'dead', attempts: 0, last_error: 'el webhook fue deshabilitado antes de la entrega' });
      expect(receiver.requests).toHaveLength(1);
      const replay = await t.request().post(`/v1/webhooks/deliveries/${second.id}/replay`).set(bearer(a.token));
      expect(replay.status).toBe(409);
      expect(replay.body.detail).toMatch(/deshabilitado/);
    });

    it('a receiver that does not answer in time is a failed try, retried until the last, which ends dead', async () => {
      const a = await newAgency();
      const receiver = await receive(() => 'hang');
      const svc = service({ timeoutMs: 300 });
      await svc.register(adminActor(a), { url: receiver.url, events: ['*'] });
      const eventId = await svc.emit(t.db.knex, a.id, 'communication.rejected', { communicationId: 'c-timeout' });
      const { id } = await deliveryOf(eventId);

      const err = await svc.deliver(id, jobCtx()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WebhookDeliveryError);
      expect(await deliveryOf(eventId)).toMatchObject({ state: 'pending', attempts: 1, last_error: 'sin respuesta completa en 300 ms' });

      await svc.deliver(id, jobCtx({ retryCount: 3, retryLimit: 3 }));
      expect(await deliveryOf(eventId)).toMatchObject({ state: 'dead', attempts: 2, last_error: 'sin respuesta completa en 300 ms', next_attempt_at: null });
      expect(receiver.requests).toHaveLength(2);
    });
  });
});
