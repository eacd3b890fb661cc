import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { checkPage, launchBrowser, openVisit, signIn } from '../helpers/browser.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { startFirmaGobStandIn, type FirmaGobStandIn } from '../helpers/firmaGobStandIn.ts';
import { makePdf } from '../helpers/pdfs.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { bearer, startTestApp, type TestApp } from '../helpers/testApp.ts';

// A file name is user content: it must come out as text.
const FILE_NAME = 'resolución <img src=x> final.pdf';

describe('documento: vista, firma y copia autorizada (Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  let standIn: FirmaGobStandIn;
  let docId: string;
  let draftId: string;
  let adminToken: string;

  beforeAll(async () => {
    standIn = await startFirmaGobStandIn();
    const anchors = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-anchors-'));
    await fs.writeFile(path.join(anchors, 'firmagob-test.pem'), standIn.rootCertificatePem);
    t = await startTestApp('pglite', {
      web: true,
      signing: {
        trustAnchorFiles: [path.join(anchors, 'firmagob-test.pem')],
        firmaGob: { url: standIn.url, apiTokenKey: standIn.apiTokenKey, secret: standIn.secret, entity: 'Agencia de prueba' },
      },
    });
    baseUrl = t.baseUrl!;
    const a = await t.agency('AG1');
    const b = await t.agency('AG2');
    adminToken = a.token;
    await a.person('Juana Firmante', '16.000.000-7', ['signer']);
    await a.person('Carlos Oficial', '17.000.000-5', ['clerk']);
    await a.person('Rita Revisora', '15.000.000-9', ['reviewer']);
    await b.person('Beatriz Externa', '18.000.000-3', ['records_officer', 'signer', 'clerk']);
    const filed = await t
      .request()
      .post('/v1/documents')
      .set(bearer(a.token))
      .field('metadata', JSON.stringify(validMetadata({ MGDDE1_6: 'Resolución que aprueba convenio de colaboración' })))
      .attach('file', await makePdf(2, 'Resolución para firma'), FILE_NAME);
    expect(filed.status, filed.text).toBe(201);
    docId = filed.body.document.id as string;
    const draft = await t.request().post('/v1/documents').set(bearer(a.token)).field('metadata', JSON.stringify(validMetadata({ MGDDE1_6: 'Borrador de oficio' }))).attach('file', await makePdf(1, 'Borrador'), 'borrador.pdf');
    expect(draft.status, draft.text).toBe(201);
    draftId = draft.body.document.id as string;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await standIn?.close();
  });

  itWithReferee('chromium', 'a signer signs', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '16.000.000-7');
    await page.goto(`${baseUrl}/documentos/${docId}`);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Resolución que aprueba convenio de colaboración');
    await page.locator('[data-pdf][data-pdf-ready]').waitFor();
    expect(await page.locator('[data-pdf]').getAttribute('data-pdf-ready')).toBe('2');
    expect(await page.locator('canvas').getAttribute('aria-label')).toBe('Versión 1 del documento: página 1 de 2');
    // Metadata by the guide's names, in Chilean formats; the file name as text.
    const main = page.locator('main');
    expect(await main.innerText()).toMatch(/Fecha de creación \(MGDDE4_1\)\s+20-11-2026, 07:00/);
    expect(await main.innerText()).toMatch(/Nivel de acceso \(MGDDE7_1\)\s+Público \(1\)/);
    expect(await page.locator('table').innerText()).toContain(FILE_NAME);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('#firmas').innerText()).toContain('no tiene firmas');
    await checkPage(page, 'documento');

    // A refused signature (wrong OTP) says why, in the form, and nothing changes.
    const form = page.locator('#accion-firmar');
    await form.getByLabel('Su cargo (obligatorio)').fill('Jefa de División Jurídica');
    await form.getByLabel('Firmar con').selectOption('firmagob');
    await form.getByLabel('Código OTP de FirmaGob').fill('000000');
    await form.getByRole('button', { name: 'Firmar la versión 1' }).click();
    await form.locator('.error-form[role="alert"]').waitFor();
    expect(await form.locator('.error-form').innerText()).toMatch(/OTP expiró.*reintente/);
    expect((await t.request().get(`/v1/documents/${docId}/versions`).set(bearer(adminToken))).body.items).toHaveLength(1);

    await form.getByLabel('Código OTP de FirmaGob').fill(standIn.otp);
    await form.getByRole('button', { name: 'Firmar la versión 1' }).click();
    await page.waitForURL(`${baseUrl}/documentos/${docId}?version=2&hecho=firma`);
    expect(await page.locator('#avisos').innerText()).toContain('Versión firmada');
    const panel = page.locator('#firmas');
    expect(await panel.getByRole('heading', { level: 3 }).innerText()).toBe('Firma 1: Válida');
    expect(await panel.innerText()).toContain('RUN 16.000.000-7');
    expect(await panel.innerText()).toMatch(/Integridad verificada/);
    expect(await page.locator('table').innerText()).toMatch(/Firma, por Juana Firmante/);
    await page.locator('[data-pdf][data-pdf-ready]').waitFor();
    expect(await page.locator('[data-pdf]').getAttribute('data-pdf-ready')).toBe('2');
    await checkPage(page, 'documento-firmado');

    // The earlier version is still there, unsigned, one click away.
    await page.getByRole('link', { name: 'Versión 1', exact: true }).click();
    await page.waitForURL(/version=1$/);
    expect(await page.locator('#firmas').innerText()).toContain('La versión 1 no tiene firmas');
    expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await context.close();
  }, 180_000);

  itWithReferee('chromium', 'a person without the signer role gets no sign button, and issues an authorized copy that verifies', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '17.000.000-5');
    await page.goto(`${baseUrl}/documentos/${docId}`);
    await page.locator('[data-pdf][data-pdf-ready]').waitFor();
    expect(await page.getByRole('button', { name: /^Firmar/ }).count()).toBe(0);
    expect(await page.locator('#accion-firmar').count()).toBe(0);

    await page.getByRole('button', { name: /Emitir copia autorizada/ }).click();
    await page.waitForURL(/copia=.*codigo=/);
    const code = await page.locator('#codigo-copia').innerText();
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
    const download = page.getByRole('link', { name: /Descargar la copia autorizada/ });
    const pdf = await context.request.get(`${baseUrl}${(await download.getAttribute('href'))!}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect(await page.locator('#avisos').innerText()).toContain('Copia autorizada emitida');
    await page.locator('[data-pdf][data-pdf-ready]').waitFor();
    await checkPage(page, 'documento-copia-emitida');

    // The issued copy stays listed with its download, never with its code.
    const copiedVersion = new URL(page.url()).searchParams.get('version');
    const listed = page.getByRole('table', { name: /Copias emitidas/ });
    expect(await listed.locator('tbody tr').count()).toBe(1);
    expect(await listed.innerText()).not.toContain(code);

    // A forged code in the address shows nothing.
    await page.goto(`${baseUrl}/documentos/${docId}?copia=00000000-0000-4000-8000-000000000000&codigo=AAAA-AAAA-AAAA-AAAA-AAAA`);
    expect(await page.locator('#copia-emitida').count()).toBe(0);
    const copies = await context.request.get(`${baseUrl}/v1/documents/${docId}/versions/${copiedVersion}/authorized-copies`);
    expect((await copies.json()).items).toEqual([expect.objectContaining({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    expect(problems).toEqual([]);
    await context.close();

    // Anyone with the code, signed in or not, reads that it is authentic.
    const visitor = await openVisit(browser);
    await visitor.page.goto(`${baseUrl}/verify/${code}`);
    expect(await visitor.page.getByRole('status').innerText()).toContain('Copia auténtica');
    expect(await visitor.page.locator('main').innerText()).toContain('Agencia AG1');
    await checkPage(visitor.page, 'verificacion-copia');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  }, 120_000);

  itWithReferee('chromium', 'a reviewer initials a draft; badly written initials are refused with the reason', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '15.000.000-9');
    await page.goto(`${baseUrl}/documentos/${draftId}`);
    expect(await page.locator('#accion-firmar').count()).toBe(0);
    const form = page.locator('#accion-visar');
    await form.getByLabel('Iniciales (obligatorio)').fill('jp');
    await form.getByRole('button', { name: 'Visar la versión 1' }).click();
    await form.locator('.error-form[role="alert"]').waitFor();
    expect(await form.locator('.error-form').innerText()).toMatch(/Iniciales \(obligatorio\): iniciales en mayúsculas, 2 a 6 letras/);
    await form.getByLabel('Iniciales (obligatorio)').fill('RRV');
    await form.getByRole('button', { name: 'Visar la versión 1' }).click();
    await page.waitForURL(`${baseUrl}/documentos/${draftId}?hecho=visado`);
    expect(await page.locator('#avisos').innerText()).toContain('Versión visada');
    expect(await page.getByRole('heading', { name: /^Versión 2 \(vigente\)$/ }).count()).toBe(1);
    expect(await page.locator('table').innerText()).toMatch(/Visación, por Rita Revisora/);
    expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await context.close();
  }, 120_000);

  itWithReferee('chromium', 'a person of another agency gets 404 for the document, however it is asked', async () => {
    const { page, context } = await signIn(browser, baseUrl, '18.000.000-3');
    const response = await page.goto(`${baseUrl}/documentos/${docId}`);
    expect(response!.status()).toBe(404);
    const main = await page.locator('main').innerText();
    expect(main).toMatch(/No existe un documento con ese id en su agencia/);
    expect(main).not.toContain('convenio de colaboración');
    expect((await page.goto(`${baseUrl}/documentos/${docId}?version=1`))!.status()).toBe(404);
    expect((await page.goto(`${baseUrl}/documentos/no-es-un-id`))!.status()).toBe(404);
    expect((await context.request.get(`${baseUrl}/v1/documents/${docId}/versions/1/content`)).status()).toBe(404);
    await context.close();

    // The owner asking for a version that does not exist is told so.
    const owner = await signIn(browser, baseUrl, '17.000.000-5');
    const missing = await owner.page.goto(`${baseUrl}/documentos/${docId}?version=99`);
    expect(missing!.status()).toBe(404);
    expect(await owner.page.locator('main').innerText()).toMatch(/no tiene versión 99/);
    await owner.context.close();
  }, 120_000);
});
