import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { OcrEngine, OcrResult } from '../../ocr-worker/engine/OcrEngine.ts';
import { DEFAULT_DIGITIZATION_SETTINGS, ocrBatchJob } from '../../server/features/digitizations/digitizationService.ts';
import { createLogger } from '../../server/logger.ts';
import type { JobQueue } from '../../server/queue/JobQueue.ts';
import { Queue } from '../../server/queue/Queue.ts';
import { checkPage, launchBrowser, signIn } from '../helpers/browser.ts';
import { jobHandlers } from '../helpers/jobHandlers.ts';
import { eventually } from '../helpers/eventually.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { bearer, startTestApp, type TestApp } from '../helpers/testApp.ts';
import { multiPageTiff, renderTextPage } from '../ocr/renderFixture.ts';
import { scanPdf } from '../ocr/scanPdf.ts';

/**
 * Stands in for Tesseract (the recognition itself is tested in test/api/digitizations.test.ts): every page waits
 * until the test opens the gate, so the batch page is seen while the work is under way; each page gets the
 * confidence the test queued for it, in call order (95 when none is queued).
 */
function gatedOcr(gate: Promise<void>, script: number[]): OcrEngine {
  let call = 0;
  return {
    async recognize(page) {
      await gate;
      call += 1;
      const confidence = script.shift() ?? 95;
      const result: OcrResult = {
        text: `Texto reconocido ${call}`,
        confidence,
        words: [
          { text: 'Texto', confidence, bbox: { x0: 50, y0: 40, x1: 200, y1: 80 } },
          { text: `reconocido${call}`, confidence, bbox: { x0: 210, y0: 40, x1: 420, y1: 80 } },
        ],
        width: page.png.readUInt32BE(16),
        height: page.png.readUInt32BE(20),
      };
      return result;
    },
    async close() {},
  };
}

describe('mesa de digitalización en el navegador (Chromium)', () => {
  let t: TestApp;
  let queue: Queue;
  let browser: Browser;
  let baseUrl: string;
  let openGate!: () => void;
  let digitizationUrl = '';
  let clerkToken = '';
  const script: number[] = [];

  beforeAll(async () => {
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const jobs: JobQueue = { enqueue: (db, name, data, opts) => queue.enqueue(db, name, data, opts) };
    // One page at a time and no orientation search, so the scripted confidences reach the pages in order.
    t = await startTestApp('pglite', { web: true, jobs, ocr: gatedOcr(gate, script), digitization: { ...DEFAULT_DIGITIZATION_SETTINGS, concurrency: 1, detectOrientation: false } });
    queue = await Queue.start(t.db, createLogger('silent'), { pollingIntervalSeconds: 0.5 });
    await queue.work(jobHandlers({ 'ocr.batch': ocrBatchJob(t.services.digitizations) }));
    baseUrl = t.baseUrl!;
    const a = await t.agency('AG1');
    await a.person('Carla Digitalizadora', '11111111-1', ['clerk']);
    clerkToken = (await a.keyWithRoles(['clerk'])).token;
    const b = await t.agency('AG2');
    await b.person('Bruno Externo', '22222222-2', ['clerk', 'records_officer']);
    await a.person('Aurora Auditora', '33333333-3', ['auditor']);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await queue?.stop(5_000);
    await t?.close();
  });

  itWithReferee(
    'chromium',
    'una funcionaria digitaliza un escaneo de 3 páginas, corrige una página y lo certifica',
    async () => {
      const { page, context, problems } = await signIn(browser, baseUrl, '11111111-1');
      await page.getByRole('link', { name: 'Digitalización' }).click();
      await page.waitForURL(`${baseUrl}/digitalizacion`);
      await checkPage(page, 'digitalizacion');

      await page.getByLabel('Título del documento').fill('Solicitud de certificado <b>presentada</b> en papel');
      await page.getByLabel('Páginas contadas en el papel').fill('3');
      await page.getByLabel('Escáner usado').fill('Fujitsu fi-7160');
      await page.getByLabel('Resolución (puntos por pulgada)').fill('100');
      expect(await page.getByLabel('Persona que digitalizó').inputValue()).toBe('Carla Digitalizadora');

      // A PDF made on a computer is not a scan: the API's Spanish reason shows in the form, and nothing moves.
      await page.getByLabel('Archivo escaneado').setInputFiles({ name: 'oficio.pdf', mimeType: 'application/pdf', buffer: scanPdf([{ image: null, size: [612, 792] }]) });
      await page.getByRole('button', { name: 'Subir escaneo' }).click();
      const formError = page.locator('form .error-form');
      await formError.getByText(/No es una digitalización: el PDF no contiene imágenes; regístrelo como documento/).waitFor();
      expect(await formError.getAttribute('role')).toBe('alert');
      expect(new URL(page.url()).pathname).toBe('/digitalizacion');

      const sheets = await Promise.all(['Solicitud de certificado', 'Segunda hoja', 'Tercera hoja'].map((line) => renderTextPage([line], { dpi: 100 })));
      await page.getByLabel('Archivo escaneado').setInputFiles({ name: 'escaneo.tif', mimeType: 'image/tiff', buffer: await multiPageTiff(sheets) });
      await page.getByRole('button', { name: 'Subir escaneo' }).click();
      await page.waitForURL(/\/digitalizacion\/[0-9a-f-]{36}$/);
      digitizationUrl = page.url();

      // The OCR is held at the gate: the page shows the work under way, and follows it without being reloaded.
      const progress = page.locator('#progreso');
      expect(await progress.getAttribute('data-refresh')).toBe('1500');
      expect(await progress.locator('progress').getAttribute('max')).toBe('3');
      expect(await progress.innerText()).toMatch(/0 de 3 páginas reconocidas/);
      expect(await page.locator('h1').innerText()).toMatch(/^Digitalización recibida el \d{2}-\d{2}-\d{4}/);
      await checkPage(page, 'digitalizacion-lote-en-curso');
      await page.evaluate(() => ((window as unknown as { __marca: number }).__marca = 1));
      script.push(95, 40, 95);
      openGate();
      await page.locator('#avisos').getByText('Reconocimiento terminado').waitFor({ timeout: 60_000 });
      expect(await page.evaluate(() => (window as unknown as { __marca?: number }).__marca)).toBe(1);
      expect(await progress.getAttribute('data-refresh')).toBeNull();
      // Once done the document is named; its title is text, never markup.
      expect(await page.locator('h1').innerText()).toBe('Digitalización: Solicitud de certificado <b>presentada</b> en papel');
      expect(await page.locator('main b').count()).toBe(0);
      const rows = page.locator('#progreso tbody tr');
      expect(await rows.count()).toBe(3);
      expect(await rows.nth(1).innerText()).toMatch(/Requiere revisión[\s\S]*40 %/);
      expect(await rows.nth(0).innerText()).toMatch(/Lista[\s\S]*95 %/);
      // Not yet certifiable: the page in review is named, and no button is offered.
      expect(await page.getByRole('button', { name: 'Certificar copia' }).count()).toBe(0);
      expect(await page.locator('#certificacion + p + ul').innerText()).toMatch(/Revise la página 2/);
      expect(await page.getByRole('link', { name: /PDF con texto buscable/ }).count()).toBe(1);
      await checkPage(page, 'digitalizacion-lote');

      await page.goto(`${baseUrl}/revision`);
      await checkPage(page, 'revision');
      await page.getByRole('link', { name: /Revisar página 2/ }).click();
      await page.waitForURL(`${digitizationUrl}/paginas/2`);
      await page.waitForFunction(() => {
        const img = document.querySelector('img.pagina-escaneada') as HTMLImageElement | null;
        return img !== null && img.complete && img.naturalWidth > 0;
      });
      const text = page.getByLabel('Texto de la página');
      expect(await text.inputValue()).toBe('Texto reconocido 2');
      await checkPage(page, 'digitalizacion-revision');

      // Keyboard only: type the correction, Tab to the button, Enter.
      await text.focus();
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.type('Segunda hoja del formulario');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Guardar corrección');
      await page.keyboard.press('Enter');
      await page.locator('#avisos').getByText('Corrección guardada').waitFor();
      expect(await page.locator('dl.ficha').innerText()).toMatch(/Lista[\s\S]*Texto corregido/);
      expect(await page.locator('.texto-ocr').innerText()).toBe('Segunda hoja del formulario');

      // Back through the desk: the batch is listed among the agency's recent digitizations.
      await page.getByRole('link', { name: 'Digitalización', exact: true }).click();
      await page.waitForURL(`${baseUrl}/digitalizacion`);
      const recent = page.locator('section:has(#recientes) tbody tr');
      expect(await recent.count()).toBe(1);
      await checkPage(page, 'digitalizacion-con-lista');
      expect(await recent.first().innerText()).toMatch(/Solicitud de certificado <b>presentada<\/b> en papel[\s\S]*Reconocimiento terminado[\s\S]*3/);
      await recent.first().getByRole('link').click();
      await page.waitForURL(digitizationUrl);
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Certificar copia' }).click();
      const notice = page.locator('#avisos').getByText(/Código de verificación de la copia autorizada/);
      await notice.waitFor({ timeout: 60_000 });
      const code = (await notice.innerText()).match(/[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}/)?.[0];
      expect(code).toBeTruthy();
      expect(await page.locator('section:has(#certificacion)').innerText()).toMatch(/Copia certificada el/);
      // The code shown is the copy's: the public check knows it; the page, re-read, never shows it again.
      const verified = await context.request.get(`${baseUrl}/verify/${code}`, { headers: { accept: 'application/json' } });
      expect(verified.status()).toBe(200);
      await page.reload();
      expect(await page.locator('main').innerText()).not.toContain(code!);
      const sealed = await context.request.get(new URL((await page.getByRole('link', { name: /Descargar la copia certificada/ }).getAttribute('href'))!, baseUrl).href);
      expect(sealed.status()).toBe(200);
      expect(sealed.headers()['content-type']).toContain('application/pdf');
      expect(problems).toEqual([]);
      await context.close();

      // Another agency's person finds nothing at the same addresses, from pages and from the API alike.
      const other = await signIn(browser, baseUrl, '22222222-2');
      for (const path of ['', '/paginas/2']) {
        const res = await other.page.goto(`${digitizationUrl}${path}`);
        expect(res!.status()).toBe(404);
        expect(await other.page.locator('main').innerText()).toMatch(/No existe una digitalización con ese id en su agencia/);
      }
      const image = await other.context.request.get(`${digitizationUrl.replace('/digitalizacion/', '/v1/digitizations/')}/pages/2/image`);
      expect(image.status()).toBe(404);
      await other.page.goto(`${baseUrl}/digitalizacion`);
      expect(await other.page.locator('main').innerText()).toMatch(/Su agencia aún no tiene digitalizaciones/);
      const queueRes = await other.page.goto(`${baseUrl}/revision`);
      expect(queueRes!.status()).toBe(200);
      expect(await other.page.locator('main').innerText()).toMatch(/No hay páginas por revisar/);
      await other.context.close();
    },
    240_000,
  );

  itWithReferee('chromium', 'una página ilegible se pide de nuevo y su nueva imagen reemplaza a la anterior', async () => {
    // The OCR answers at once from here on (the journey above opens the gate too).
    openGate();
    script.push(30);
    const res = await t
      .request()
      .post('/v1/digitizations')
      .set(bearer(clerkToken))
      .field('capture', JSON.stringify({ device: 'Canon DR-C225', dpi: 100, colorMode: 'gris', operator: 'Carla Digitalizadora', declaredPages: 1, title: 'Carta manuscrita' }))
      .attach('file', await renderTextPage(['Carta manuscrita'], { dpi: 100 }), 'carta.png');
    expect(res.status, res.text).toBe(202);
    const id = res.body.id as string;
    const state = async () => (await t.request().get(`/v1/digitizations/${id}`).set(bearer(clerkToken))).body.state as string;
    await eventually(async () => (await state()) === 'done', 'el OCR terminara');

    const { page, context, problems } = await signIn(browser, baseUrl, '11111111-1');
    await page.goto(`${baseUrl}/digitalizacion/${id}/paginas/1`);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Pedir nueva digitalización' }).click();
    await page.locator('#avisos').getByText('Se pidió una nueva digitalización de la página.').waitFor();
    expect(await page.locator('dl.ficha').innerText()).toMatch(/Nueva digitalización solicitada/);

    // Two pages for one: the API's reason shows in the form.
    const twoPages = await multiPageTiff(await Promise.all(['Uno', 'Dos'].map((l) => renderTextPage([l], { dpi: 100 }))));
    await page.getByLabel('Imagen nueva de la página 1').setInputFiles({ name: 'dos.tif', mimeType: 'image/tiff', buffer: twoPages });
    await page.getByRole('button', { name: 'Subir página' }).click();
    await page.locator('form .error-form').getByText(/debe tener una sola página; el archivo tiene 2/).waitFor();

    await page.getByLabel('Imagen nueva de la página 1').setInputFiles({ name: 'carta-nueva.png', mimeType: 'image/png', buffer: await renderTextPage(['Carta manuscrita, nueva toma'], { dpi: 100 }) });
    await page.getByRole('button', { name: 'Subir página' }).click();
    await page.locator('#avisos').getByText('Página reemplazada; su texto se reconocerá de nuevo.').waitFor();
    await eventually(async () => (await state()) === 'done', 'el nuevo OCR terminara');
    await page.goto(`${baseUrl}/digitalizacion/${id}`);
    expect(await page.locator('#progreso tbody tr').first().innerText()).toMatch(/Lista[\s\S]*95 %/);
    expect(await page.getByRole('button', { name: 'Certificar copia' }).count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  itWithReferee('chromium', 'sin el rol necesario la mesa lo dice y a quién pedirlo; un id mal formado no existe', async () => {
    const auditor = await signIn(browser, baseUrl, '33333333-3');
    const refused = await auditor.page.goto(`${baseUrl}/digitalizacion`);
    expect(refused!.status()).toBe(403);
    expect(await auditor.page.locator('main').innerText()).toMatch(/requiere uno de estos roles: system, clerk, records_officer[\s\S]*administrador de su agencia/);
    expect(await auditor.page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'Digitalización' }).count()).toBe(0);
    await auditor.context.close();

    const other = await signIn(browser, baseUrl, '22222222-2');
    const bad = await other.page.goto(`${baseUrl}/digitalizacion/no-es-un-id`);
    expect(bad!.status()).toBe(404);
    const badPage = await other.page.goto(`${baseUrl}/digitalizacion/00000000-0000-4000-8000-000000000000/paginas/uno`);
    expect(badPage!.status()).toBe(404);
    expect(other.problems).toEqual([]);
    await other.context.close();
  }, 60_000);
});
