import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { checkPage, launchBrowser, openVisit, signIn } from '../helpers/browser.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

describe('ingreso de personas por OpenID Connect (Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    t = await startTestApp('pglite', { web: true });
    baseUrl = t.baseUrl!;
    const a = await t.agency('AG1');
    await a.person('Ana Oficina', '11.111.111-1', ['records_officer']);
    const b = await t.agency('AG2');
    await b.person('Bruno Externo', '22.222.222-2', ['records_officer']);
    // One person serving two agencies: a records officer in AG1 and an archivist in AG2.
    await a.person('Dora Doble', '44.444.444-4', ['records_officer']);
    await b.person('Dora Doble', '44.444.444-4', ['archivist']);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  itWithReferee('chromium', 'ingresa por el proveedor, ve su agencia, y al salir la sesión deja de servir', async () => {
    const welcome = await openVisit(browser);
    await welcome.page.goto(baseUrl);
    await checkPage(welcome.page, 'inicio');
    await welcome.context.close();

    const { page, context, problems } = await signIn(browser, baseUrl, '11111111-1');
    expect(new URL(page.url()).pathname).toBe('/bandeja');
    await expect(page.getByText('Ana Oficina')).toBeTruthy();
    expect(await page.locator('header').innerText()).toContain('Agencia AG1 (AG1)');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === '__Host-legajo_sesion');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });

    // The session reaches the API too, scoped by its agency, and a write without the CSRF token is refused.
    const api = await page.evaluate(async () => {
      const list = await fetch('/v1/communications?box=inbox');
      const write = await fetch('/v1/case-files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return { list: list.status, write: write.status, detail: ((await write.json()) as { detail: string }).detail };
    });
    expect(api).toMatchObject({ list: 200, write: 403 });
    expect(api.detail).toMatch(/CSRF/);

    await page.getByRole('button', { name: 'Salir' }).click();
    await page.waitForURL(`${baseUrl}/?salida=1`);
    expect(await page.getByRole('status').innerText()).toContain('Cerró su sesión');
    // The old cookie value no longer authenticates anything.
    const after = await context.request.get(`${baseUrl}/v1/communications?box=inbox`, { headers: { cookie: `__Host-legajo_sesion=${session!.value}` } });
    expect(after.status()).toBe(401);
    const pageAfter = await context.request.get(`${baseUrl}/bandeja`, { maxRedirects: 0, headers: { cookie: `__Host-legajo_sesion=${session!.value}` } });
    expect(pageAfter.status()).toBe(302);
    expect(pageAfter.headers().location).toMatch(/^\/ingresar\?volver=/);
    expect(problems).toEqual([]);

    // A shared desk: after signing out, the provider asks again, and the next person gets their own agency.
    await page.getByRole('link', { name: /Ingresar/ }).click();
    await page.getByLabel('RUN').fill('22.222.222-2');
    await page.getByLabel('Clave').fill('otra');
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await page.waitForURL(`${baseUrl}/bandeja`);
    expect(await page.locator('header').innerText()).toContain('Bruno Externo');
    expect(await page.locator('header').innerText()).toContain('Agencia AG2 (AG2)');
    await context.close();
  }, 120_000);

  itWithReferee('chromium', 'quien sirve en dos agencias cambia de una a otra sin volver a ingresar, con los roles de cada una', async () => {
    const { page, context, problems } = await signIn(browser, baseUrl, '44444444-4');
    expect(await page.locator('header').innerText()).toContain('Agencia AG1 (AG1)');
    expect(await page.getByRole('link', { name: 'Archivo' }).count()).toBe(0);
    const before = (await context.cookies()).find((c) => c.name === '__Host-legajo_sesion')!.value;
    await checkPage(page, 'bandeja-dos-agencias');
    await page.getByLabel('Actuar en otra agencia').selectOption({ label: 'AG2: Agencia AG2' });
    await page.getByRole('button', { name: 'Cambiar de agencia' }).click();
    await page.waitForURL(`${baseUrl}/bandeja`);
    expect(await page.locator('header').innerText()).toContain('Agencia AG2 (AG2)');
    expect(await page.getByRole('link', { name: 'Archivo' }).count()).toBe(1);
    // The AG1 session ended with the switch.
    const old = await context.request.get(`${baseUrl}/v1/communications?box=inbox`, { headers: { cookie: `__Host-legajo_sesion=${before}` } });
    expect(old.status()).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  itWithReferee('chromium', 'un RUN sin principal en legajo no ingresa, y se le dice qué hacer', async () => {
    const { page, context } = await openVisit(browser);
    await page.goto(`${baseUrl}/ingresar`);
    await checkPage(page, 'ingreso-proveedor-desarrollo');
    // A mistyped RUN is caught by the provider's page, which says how to write it.
    await page.getByLabel('RUN').fill('33.333.333-4');
    await page.getByLabel('Clave').fill('x');
    await page.getByRole('button', { name: 'Ingresar' }).click();
    expect(await page.getByRole('alert').innerText()).toContain('dígito verificador incorrecto');
    await page.getByLabel('RUN').fill('33.333.333-3');
    await page.getByLabel('Clave').fill('x');
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await page.waitForURL(/\/ingresar\/retorno/);
    expect(await page.locator('main').innerText()).toMatch(/no está habilitado en ninguna agencia.*administrador/s);
    expect((await context.cookies()).some((c) => c.name.includes('legajo_sesion'))).toBe(false);
    // The provider's answer is good once: replaying the callback URL is refused.
    const replay = await page.reload();
    expect(replay!.status()).toBe(400);
    expect(await page.locator('main').innerText()).toContain('expiró o ya fue usado');
    await context.close();
  }, 120_000);

  itWithReferee('chromium', 'las páginas llevan una CSP sin scripts en línea y cabeceras seguras', async () => {
    const { page, context } = await signIn(browser, baseUrl, '22.222.222-2');
    const response = await page.goto(`${baseUrl}/bandeja`);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    // An inline script injected into the page is refused by the browser.
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inyectado = true';
      document.body.append(s);
      return (window as unknown as { __inyectado?: boolean }).__inyectado === true;
    });
    expect(ran).toBe(false);
    // A broken link is a page for people, and still a problem document for programs.
    const missing = await page.goto(`${baseUrl}/no-existe`);
    expect(missing!.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Página no encontrada');
    await checkPage(page, 'pagina-no-encontrada');
    const api = await context.request.get(`${baseUrl}/no-existe`, { headers: { accept: 'application/json' } });
    expect(api.headers()['content-type']).toContain('application/problem+json');
    await context.close();
  }, 120_000);
});
