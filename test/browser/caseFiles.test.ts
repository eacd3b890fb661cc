import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { checkPage, launchBrowser, signIn } from '../helpers/browser.ts';
import { caseFileClient } from '../helpers/caseFiles.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

describe('expedientes en el navegador (Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  let documentTitle: string;
  let otherIuie: string;

  beforeAll(async () => {
    t = await startTestApp('pglite', { web: true });
    baseUrl = t.baseUrl!;
    const a = await t.agency('AG1');
    await a.person('Rosa Oficina de Partes', '11111111-1', ['records_officer']);
    await a.person('Luis Auditor', '22222222-2', ['auditor']);
    documentTitle = 'Informe técnico <b>no es HTML</b>';
    await caseFileClient(t, a.token).fileDocument(2, 'Informe', validMetadata({ MGDDE1_6: documentTitle }));
    const b = await t.agency('AG2');
    await b.person('Marta Externa', '33333333-3', ['records_officer']);
    otherIuie = await caseFileClient(t, b.token).open({ MGDEE1_5: 'Expediente reservado de AG2' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  itWithReferee('chromium', 'abre, incorpora, desglosa, cierra con sello, verifica y reabre un expediente', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '11111111-1');
    await page.getByRole('link', { name: 'Expedientes' }).click();
    await checkPage(page, 'expedientes-lista');

    await page.getByLabel('Título').fill('Permiso de edificación calle Ñuble 123');
    await page.getByLabel('Materia').fill('Solicitud de permiso');
    await page.getByLabel('Código del procedimiento (CPAT)').fill('CPAT-1001');
    await page.getByRole('button', { name: 'Abrir expediente' }).click();
    await page.waitForURL(/\/expedientes\/[^/]+$/);
    const iuie = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    expect(await page.locator('h1').innerText()).toBe(`Expediente ${iuie}`);

    // A document, by the keyboard-friendly select; the title is shown as text, never as markup.
    await page.getByLabel('Documento', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Versión').fill('1');
    await page.getByRole('button', { name: 'Incorporar documento' }).click();
    await expect.poll(() => page.locator('#avisos').innerText()).toContain('Documento incorporado');
    const index = page.getByRole('table', { name: /Índice electrónico/ });
    expect(await index.innerText()).toContain(documentTitle);
    expect(await page.locator('main b').count()).toBe(0);
    expect(await index.locator('tbody tr').first().innerText()).toMatch(/1\s+.*1–2/s);

    // A wrong input is refused by the API, and its message says what to fix.
    await page.getByLabel('IUIe del expediente').fill('no-existe-123');
    await page.getByRole('button', { name: 'Acumular expediente' }).click();
    await expect.poll(() => page.locator('form:has(#inc-iuie) .error-form').innerText()).toMatch(/expediente/i);

    // A second entry, then its removal (desglose) with a reason: it stays in the index, marked.
    await page.getByLabel('Documento', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Versión').fill('1');
    await page.getByRole('button', { name: 'Incorporar documento' }).click();
    await expect.poll(() => index.locator('tbody tr').count()).toBe(2);
    await page.getByLabel('Motivo del desglose de la entrada 2').fill('incorporado por error');
    await page.getByRole('button', { name: 'Desglosar' }).nth(1).click();
    await expect.poll(() => index.innerText()).toContain('incorporado por error');
    await checkPage(page, 'expediente-abierto');

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Cerrar y sellar' }).click();
    await expect.poll(() => page.locator('.ficha').innerText()).toContain('Cerrado');
    expect(await page.getByRole('table', { name: /Cada cierre/ }).innerText()).toMatch(/1\s/);
    expect(await page.getByRole('button', { name: 'Incorporar documento' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Historial' }).count();
    expect(await page.getByRole('table', { name: 'Trazabilidad' }).innerText()).toMatch(/Apertura[\s\S]*Incorporación[\s\S]*Desglose[\s\S]*Cierre/);

    await page.getByRole('link', { name: 'Verificar integridad' }).click();
    expect(await page.locator('main .aviso').first().innerText()).toContain('Íntegro');
    await checkPage(page, 'expediente-verificacion');
    await page.getByRole('link', { name: 'Volver al expediente' }).click();

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Remitir (paquete tar)' }).click();
    const tar = await (await download).path();
    expect(tar).toBeTruthy();

    await page.getByLabel('Motivo de la reapertura').fill('nuevos antecedentes');
    await page.getByRole('button', { name: 'Reabrir' }).click();
    await expect.poll(() => page.locator('.ficha').innerText()).toContain('Abierto');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  itWithReferee('chromium', 'el teclado basta: saltar al contenido y enviar un formulario', async () => {
    const { page, context } = await signIn(browser, baseUrl, '11111111-1');
    await page.goto(`${baseUrl}/expedientes`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Saltar al contenido');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('contenido');
    await page.getByLabel('Título').focus();
    await page.keyboard.type('Expediente por teclado');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Materia por teclado');
    await page.keyboard.press('Tab');
    await page.keyboard.type('CPAT-2');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/expedientes\/[^/]+$/);
    expect(await page.locator('.ficha').innerText()).toContain('Expediente por teclado');
    await context.close();
  }, 120_000);

  itWithReferee('chromium', 'nadie ve expedientes de otra agencia, y quien no construye no ve acciones', async () => {
    const outsider = await signIn(browser, baseUrl, '11111111-1');
    const response = await outsider.page.goto(`${baseUrl}/expedientes/${encodeURIComponent(otherIuie)}`);
    expect(response!.status()).toBe(404);
    expect(await outsider.page.locator('main').innerText()).not.toContain('Expediente reservado de AG2');
    await checkPage(outsider.page, 'expediente-ajeno');
    await outsider.page.goto(`${baseUrl}/expedientes`);
    expect(await outsider.page.locator('main').innerText()).not.toContain(otherIuie);
    await outsider.context.close();

    const auditor = await signIn(browser, baseUrl, '22222222-2');
    await auditor.page.goto(`${baseUrl}/expedientes`);
    expect(await auditor.page.getByRole('button', { name: 'Abrir expediente' }).count()).toBe(0);
    await auditor.context.close();
  }, 120_000);
});
