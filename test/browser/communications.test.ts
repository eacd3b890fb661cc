import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { caseFileClient } from '../helpers/caseFiles.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { checkPage, launchBrowser, PHONE, signIn } from '../helpers/browser.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { communicationDraft } from '../helpers/communicationDraft.ts';

// Markup in a subject must come out as text: the inbox and the detail page show it literally.
const SUBJECT = 'Solicita antecedentes <b>del</b> subsidio habitacional';
const REJECTED_SUBJECT = 'Remite convenio de colaboración para revisión';

describe('oficina de partes: bandeja y comunicaciones oficiales (Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  let ag1: TestAgency;
  let keys: Record<'clerk' | 'signer' | 'office', { token: string; principalId: string }>;
  let received: string;
  let toReject: string;
  let signerPerson: { principalId: string };

  const post = (token: string, url: string, body: object = {}) => t.request().post(url).set(bearer(token)).send(body);

  /** AG1 drafts, signs, numbers and sends a communication to AG2 through the API, as its own people would. */
  async function sentToAg2(subject: string): Promise<string> {
    const docs = caseFileClient(t, keys.clerk.token);
    const content = await docs.fileDocument(2, 'Oficio ordinario', validMetadata({ MGDDE5_1: 30 }));
    const annex = await docs.fileDocument(1, 'Anexo');
    const drafted = await post(keys.clerk.token, '/v1/communications', communicationDraft({ contentId: content.id, annexIds: [annex.id], recipients: ['AG2'], signers: [keys.signer.principalId], subject }));
    expect(drafted.status, drafted.text).toBe(201);
    const id = drafted.body.id as string;
    expect((await post(keys.signer.token, `/v1/communications/${id}/sign`, { signerPost: 'Subsecretaria' })).status).toBe(200);
    expect((await post(keys.office.token, `/v1/communications/${id}/number`, {})).status).toBe(200);
    const sent = await post(keys.office.token, `/v1/communications/${id}/send`);
    expect(sent.status, sent.text).toBe(200);
    return id;
  }

  /** The page was not reloaded: a mark left on the window survives only in-place updates. */
  const markWindow = (page: Page) => page.evaluate(() => void ((window as unknown as { __sinRecarga?: boolean }).__sinRecarga = true));
  const stillSameWindow = (page: Page) => page.evaluate(() => (window as unknown as { __sinRecarga?: boolean }).__sinRecarga === true);

  beforeAll(async () => {
    t = await startTestApp('pglite', { web: true });
    baseUrl = t.baseUrl!;
    ag1 = await t.agency('AG1');
    const ag2 = await t.agency('AG2');
    const ag3 = await t.agency('AG3');
    keys = { clerk: await ag1.keyWithRoles(['clerk']), signer: await ag1.keyWithRoles(['signer']), office: await ag1.keyWithRoles(['records_officer']) };
    await ag2.person('Rosa Partes', '22.222.222-2', ['records_officer']);
    await ag2.person('Luis Lector', '44.444.444-4', ['clerk']);
    await ag3.person('Tomás Ajeno', '33.333.333-3', ['records_officer']);
    signerPerson = await ag1.person('Sofía Firmante', '55.555.555-5', ['signer']);
    await ag1.person('Ana Oficina', '11.111.111-1', ['records_officer']);
    received = await sentToAg2(SUBJECT);
    toReject = await sentToAg2(REJECTED_SUBJECT);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  itWithReferee('chromium', 'a records officer receives, distributes and acknowledges a communication', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '22.222.222-2');
    expect(new URL(page.url()).pathname).toBe('/bandeja');
    const row = page.locator('table.bandeja tbody tr', { hasText: 'Solicita antecedentes' });
    await row.waitFor();
    // The subject's markup is shown as text, never as an element.
    expect(await row.getByRole('link').innerText()).toBe(SUBJECT);
    expect(await row.locator('b').count()).toBe(0);
    expect(await row.innerText()).toMatch(/Agencia AG1 \(AG1\)/);
    expect(await row.innerText()).toMatch(/Por recibir/);
    expect(await row.innerText()).toMatch(/\d{2}-\d{2}-\d{4}/); // Chilean date, dd-mm-aaaa
    await checkPage(page, 'bandeja-entrada');

    // Filters are a plain GET form: by text, and by a state that leaves nothing.
    await page.getByLabel('Texto').fill('convenio');
    await page.getByRole('button', { name: 'Filtrar' }).click();
    await page.waitForURL(/q=convenio/);
    expect(await page.locator('table.bandeja tbody tr').count()).toBe(1);
    expect(await page.locator('table.bandeja').innerText()).toContain(REJECTED_SUBJECT);
    await page.getByLabel('Estado').selectOption('acusado');
    await page.getByRole('button', { name: 'Filtrar' }).click();
    await page.waitForURL(/estado=acusado/);
    expect(await page.locator('#bandeja-vacia').innerText()).toMatch(/Ninguna comunicación coincide/);
    await page.getByRole('link', { name: 'Quitar filtros' }).click();
    await page.waitForURL(`${baseUrl}/bandeja`);

    await page.getByRole('link', { name: SUBJECT }).click();
    await page.waitForURL(`${baseUrl}/comunicaciones/${received}`);
    await page.locator('[data-pdf][data-pdf-ready]').waitFor();
    expect(await page.locator('[data-pdf]').getAttribute('data-pdf-ready')).toBe('2');
    expect(await page.locator('[data-pdf-status]').innerText()).toBe('Página 1 de 2');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/^Oficio 30-\d{4}-\d{6}$/);
    expect(await page.locator('#estado-comunicacion').innerText()).toContain('Por recibir');
    // A recipient's office sees only what it can do now: nothing of the sender's steps, no acknowledgement yet.
    expect(await page.getByRole('button', { name: 'Firmar' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Acusar recibo' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Descargar el anexo 1' }).count()).toBe(1);
    await checkPage(page, 'comunicacion-recibida');

    await markWindow(page);
    await page.getByRole('button', { name: 'Registrar recepción' }).click();
    await page.locator('#avisos', { hasText: 'Recepción registrada.' }).waitFor();
    expect(await page.locator('#estado-comunicacion').innerText()).toContain('Recibida');

    // Keyboard only: type into the field and press Enter.
    await page.getByLabel('Distribuir a (obligatorio)').focus();
    await page.keyboard.type('División Jurídica');
    await page.keyboard.press('Enter');
    await page.locator('#avisos', { hasText: 'Comunicación distribuida.' }).waitFor();
    expect(await page.locator('#estado-comunicacion').innerText()).toContain('Distribuida');
    expect(await page.locator('main').innerText()).toMatch(/Distribuida a División Jurídica/);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Acusar recibo' }).click();
    await page.locator('#avisos', { hasText: 'Acuse de recibo emitido.' }).waitFor();
    expect(await page.locator('#estado-comunicacion').innerText()).toContain('Con acuse de recibo');
    const receiptLink = page.getByRole('link', { name: /^Acuse AR-COM-.*-AG2/ });
    expect(await receiptLink.count()).toBe(1);
    expect(await stillSameWindow(page)).toBe(true);
    // Nothing left to do: no action is offered any more.
    expect(await page.locator('#acciones-comunicacion form').count()).toBe(0);
    await checkPage(page, 'comunicacion-acusada');

    // The sealed receipt downloads through the same session, and the sender sees the acknowledgement.
    const receipt = await context.request.get(`${baseUrl}${(await receiptLink.getAttribute('href'))!}`);
    expect(receipt.status()).toBe(200);
    expect(receipt.headers()['content-type']).toBe('application/pdf');
    const senderView = await t.request().get(`/v1/communications/${received}`).set(bearer(keys.office.token));
    expect(senderView.body.recipients[0]).toMatchObject({ state: 'acusado', distributedTo: 'División Jurídica' });
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);

  itWithReferee('chromium', 'the inbox is usable on a phone', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '22.222.222-2', PHONE);
    await page.locator('table.bandeja tbody tr').first().waitFor();
    // Each cell carries its column name, and nothing runs off the side of the screen.
    expect(await page.locator('table.bandeja td[data-label="Materia"]').count()).toBe(2);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await page.locator('table.bandeja thead').boundingBox().then((b) => !b || b.x < 0)).toBe(true);
    await checkPage(page, 'bandeja-telefono');
    await page.getByRole('link', { name: REJECTED_SUBJECT }).click();
    await page.waitForURL(`${baseUrl}/comunicaciones/${toReject}`);
    await page.locator('[data-pdf][data-pdf-ready]').waitFor();
    await checkPage(page, 'comunicacion-telefono');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  itWithReferee('chromium', 'a rejection without a reason shows the API error in the form; with one, it is rejected', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '22.222.222-2');
    await page.goto(`${baseUrl}/comunicaciones/${toReject}`);
    const form = page.locator('#accion-rechazar');
    await markWindow(page);
    await form.getByRole('button', { name: 'Rechazar comunicación' }).click();
    const error = form.locator('.error-form[role="alert"]');
    await error.waitFor();
    const text = await error.innerText();
    expect(text).toMatch(/Motivo \(obligatorio\)/);
    expect(text).toMatch(/Explicación para el remitente \(obligatorio\)/);
    expect(await form.getByLabel('Motivo (obligatorio)').getAttribute('aria-invalid')).toBe('true');
    // Nothing changed on the server.
    expect((await t.request().get(`/v1/communications/${toReject}`).set(bearer(keys.office.token))).body.recipients[0].state).toBe('enviado');

    await form.getByLabel('Motivo (obligatorio)').selectOption('destinatario-erroneo');
    await form.getByLabel('Explicación para el remitente (obligatorio)').fill('No es competencia de este servicio.');
    await form.getByRole('button', { name: 'Rechazar comunicación' }).click();
    await page.locator('#avisos', { hasText: 'Comunicación rechazada' }).waitFor();
    expect(await page.locator('#estado-comunicacion').innerText()).toContain('Rechazada');
    expect(await page.locator('main').innerText()).toContain('Destinatario erróneo: No es competencia de este servicio.');
    expect(await stillSameWindow(page)).toBe(true);
    expect((await t.request().get(`/v1/communications/${toReject}`).set(bearer(keys.office.token))).body.recipients[0]).toMatchObject({ state: 'rechazado', rejectReason: 'destinatario-erroneo' });
    expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await context.close();
  }, 120_000);

  itWithReferee('chromium', 'a person without the records office role sees the communication but no action', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '44.444.444-4');
    await page.goto(`${baseUrl}/comunicaciones/${received}`);
    expect(await page.locator('#acciones-comunicacion form').count()).toBe(0);
    expect(await page.locator('#acciones-comunicacion').innerText()).toMatch(/No tiene acciones pendientes/);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  itWithReferee('chromium', 'the sending agency signs, numbers and sends through the pages', async () => {
    const docs = caseFileClient(t, keys.clerk.token);
    const content = await docs.fileDocument(1, 'Circular', validMetadata({ MGDDE5_1: 30 }));
    const drafted = await post(keys.clerk.token, '/v1/communications', {
      type: 'circular',
      classification: 'SERIE-CI-2026',
      subject: 'Circular sobre horario de atención',
      sender: { authority: 'Juana Pérez Soto', post: 'Subsecretaria' },
      recipients: [{ agencyCode: 'AG3', persons: [{ name: 'Marta Díaz', post: 'Directora' }] }],
      content: { documentId: content.id, version: 1 },
      signers: [signerPerson.principalId],
    });
    expect(drafted.status, drafted.text).toBe(201);
    const id = drafted.body.id as string;

    // The records office sees the draft waiting for its signer, and cannot act for her.
    const office = await signIn(browser, baseUrl, '11.111.111-1');
    await office.page.goto(`${baseUrl}/bandeja?caja=salida`);
    const row = office.page.locator('table.bandeja tbody tr', { hasText: 'Circular sobre horario' });
    expect(await row.innerText()).toMatch(/Borrador · por firmar/);
    expect(await row.innerText()).toContain('AG3');
    await checkPage(office.page, 'bandeja-salida');
    await row.getByRole('link').click();
    await office.page.waitForURL(`${baseUrl}/comunicaciones/${id}`);
    expect(await office.page.locator('#estado-comunicacion').innerText()).toContain('Firma 1 de 1, a cargo de Sofía Firmante');
    expect(await office.page.locator('#acciones-comunicacion form').count()).toBe(0);

    const signer = await signIn(browser, baseUrl, '55.555.555-5');
    await signer.page.goto(`${baseUrl}/comunicaciones/${id}`);
    const sign = signer.page.locator('#accion-firmar');
    await sign.getByRole('button', { name: 'Firmar' }).click();
    await sign.locator('.error-form[role="alert"]').waitFor();
    expect(await sign.locator('.error-form').innerText()).toMatch(/Cargo de quien firma \(obligatorio\)/);
    await sign.getByLabel('Cargo de quien firma (obligatorio)').fill('Subsecretaria');
    await sign.getByRole('button', { name: 'Firmar' }).click();
    await signer.page.locator('#avisos', { hasText: 'Comunicación firmada.' }).waitFor();
    expect(await signer.page.locator('#estado-comunicacion').innerText()).toContain('Firmada');
    expect(signer.problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await signer.context.close();

    await office.page.reload();
    await markWindow(office.page);
    await office.page.getByRole('button', { name: 'Asignar número' }).click();
    await office.page.locator('#avisos', { hasText: 'Comunicación numerada.' }).waitFor();
    expect(await office.page.getByRole('heading', { level: 1 }).innerText()).toMatch(/^Circular 30-\d{4}-\d{6}$/);
    office.page.once('dialog', (d) => void d.accept());
    await office.page.getByRole('button', { name: 'Enviar a los destinatarios' }).click();
    await office.page.locator('#avisos', { hasText: 'Comunicación enviada' }).waitFor();
    expect(await office.page.locator('#estado-comunicacion').innerText()).toContain('Enviada');
    expect(await office.page.locator('main').innerText()).toMatch(/Agencia AG3 \(AG3\): Marta Díaz, Directora · Por recibir/);
    expect(await stillSameWindow(office.page)).toBe(true);
    await office.page.locator('[data-pdf][data-pdf-ready]').waitFor();
    await checkPage(office.page, 'comunicacion-enviada');
    expect(office.problems).toEqual([]);
    await office.context.close();
    expect((await t.request().get(`/v1/communications/${id}`).set(bearer(keys.office.token))).body.state).toBe('enviado');
  }, 180_000);

  itWithReferee('chromium', 'a person of another agency neither sees it in the inbox nor opens it', async () => {
    const { page, context } = await signIn(browser, baseUrl, '33.333.333-3');
    expect(await page.locator('table.bandeja').innerText()).toContain('Circular sobre horario de atención');
    expect(await page.getByRole('link', { name: SUBJECT }).count()).toBe(0);
    const response = await page.goto(`${baseUrl}/comunicaciones/${received}`);
    expect(response!.status()).toBe(404);
    const main = await page.locator('main').innerText();
    expect(main).toMatch(/No existe esa comunicación/);
    expect(main).not.toContain('Solicita antecedentes');
    expect((await page.goto(`${baseUrl}/comunicaciones/no-es-un-id`))!.status()).toBe(404);
    // The API answers the same through the session.
    expect((await context.request.get(`${baseUrl}/v1/communications/${received}/content`)).status()).toBe(404);
    await context.close();
  }, 60_000);
});
