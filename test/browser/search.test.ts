import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { indexDocumentText, metadataText } from '../../server/features/search/indexDocumentText.ts';
import { checkPage, launchBrowser, PHONE, signIn } from '../helpers/browser.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { makePdf } from '../helpers/pdfs.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';

describe('búsqueda en el navegador (Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  const docs: Record<string, string> = {};

  /** Files through the API and indexes its metadata as the filing does (an upsert, as in test/api/search.test.ts). */
  async function file(agency: TestAgency, name: string, overrides: Record<string, unknown>) {
    const res = await t.request().post('/v1/documents').set(bearer(agency.token)).field('metadata', JSON.stringify(validMetadata(overrides))).attach('file', await makePdf(1, name), `${name}.pdf`);
    expect(res.status, res.text).toBe(201);
    const d = res.body.document;
    const version = await t.db.knex('document_versions').where({ document_id: d.id, number: 1 }).first('id');
    await indexDocumentText(t.db.knex, { agencyId: agency.id, documentId: d.id, versionId: version.id, source: 'metadata', text: metadataText(d) });
    docs[name] = d.id;
  }

  beforeAll(async () => {
    t = await startTestApp('pglite', { web: true });
    baseUrl = t.baseUrl!;
    const a = await t.agency('AG1');
    await a.person('Sara Buscadora', '11111111-1', ['records_officer']);
    await file(a, 'resolucion', { MGDDE1_6: 'Resolución exenta que aprueba convenio de colaboración <b>urgente</b>', MGDDE3_2: ['convenio'], MGDDE5_1: 36, MGDDE4_1: '2026-03-01T10:00:00Z' });
    await file(a, 'oficio', { MGDDE1_6: 'Oficio sobre el convenio con la municipalidad', MGDDE3_2: ['convenio'], MGDDE5_1: 30, MGDDE4_1: '2026-09-01T10:00:00Z' });
    const b = await t.agency('AG2');
    await b.person('Otro Servicio', '22222222-2', ['records_officer']);
    await file(b, 'ajeno', { MGDDE1_6: 'Resolución de otra agencia sobre convenio secreto', MGDDE3_2: ['convenio'], MGDDE5_1: 36 });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  itWithReferee('chromium', 'busca desde la caja, resalta sin inyectar HTML, filtra y nunca muestra otra agencia', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '11111111-1');
    await page.getByRole('link', { name: 'Búsqueda' }).click();
    await page.waitForURL(`${baseUrl}/busqueda`);
    await page.getByLabel('Buscar en los documentos de su agencia').fill('convenio');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/busqueda\?q=convenio/);

    const results = page.locator('ol.lista-resultados > li');
    expect(await results.count()).toBe(2);
    expect(await page.locator('main').innerText()).toMatch(/Se muestran 2 documentos/);
    // The match is a real <mark> element; the title's <b> is text, not markup.
    expect(await page.locator('.extracto mark').first().innerText()).toMatch(/^convenio$/i);
    const titleLink = page.getByRole('link', { name: 'Resolución exenta que aprueba convenio de colaboración <b>urgente</b>' });
    expect(await titleLink.getAttribute('href')).toBe(`/documentos/${docs.resolucion}`);
    expect(await page.locator('main b').count()).toBe(0);
    expect(await page.locator('.extracto').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining('<b>urgente</b>')]));
    const html = await page.content();
    expect(html).not.toContain(docs.ajeno!);
    expect(await page.locator('main').innerText()).not.toContain('otra agencia');
    await checkPage(page, 'busqueda-resultados');

    // The document-type filter narrows the same search to the resolution.
    await page.locator('summary').click();
    await page.getByLabel('Tipo documental').selectOption({ label: 'Resolución' });
    await page.getByRole('button', { name: 'Aplicar filtros' }).click();
    await page.waitForURL(/tipo=36/);
    expect(await results.count()).toBe(1);
    expect(await results.first().innerText()).toContain('Resolución exenta');
    expect(await page.getByLabel('Tipo documental').inputValue()).toBe('36');

    // A date range of a day with nothing: the empty state says what to try, and offers the search without filters.
    await page.goto(`${baseUrl}/busqueda?q=convenio&desde=2026-04-01&hasta=2026-04-02`);
    expect(await page.locator('h2').innerText()).toBe('Sin resultados para «convenio»');
    expect(await page.locator('main').innerText()).toMatch(/Revise la ortografía[\s\S]*sinónimo/);
    await page.getByRole('link', { name: 'Busque sin filtros' }).click();
    await page.waitForURL(`${baseUrl}/busqueda?q=convenio`);
    expect(await results.count()).toBe(2);

    await page.goto(`${baseUrl}/busqueda?q=${encodeURIComponent('palabrainexistentezzz')}`);
    expect(await page.locator('main').innerText()).toMatch(/No se encontró ningún documento de su agencia/);
    await checkPage(page, 'busqueda-vacia');

    // Inverted dates are explained, not searched.
    await page.goto(`${baseUrl}/busqueda?q=convenio&desde=2026-05-01&hasta=2026-04-01`);
    expect(await page.getByRole('alert').innerText()).toMatch(/posterior a «Creado hasta»/);
    expect(problems).toEqual([]);
    await context.close();

    // The other agency finds its own document and never this one.
    const other = await signIn(browser, baseUrl, '22222222-2', PHONE);
    await other.page.goto(`${baseUrl}/busqueda?q=convenio`);
    expect(await other.page.locator('ol.lista-resultados > li').count()).toBe(1);
    expect(await other.page.locator('main').innerText()).toContain('otra agencia');
    expect(await other.page.content()).not.toContain(docs.resolucion!);
    await checkPage(other.page, 'busqueda-telefono');
    expect(other.problems).toEqual([]);
    await other.context.close();
  }, 120_000);
});
