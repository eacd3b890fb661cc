import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium, with the flags that keep it off the (closed) network. Playwright's own download cannot work here. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface Visit {
  context: BrowserContext;
  page: Page;
  /** Problems the browser reported: CSP violations, script errors, server errors (5xx). */
  problems: string[];
}

/** A fresh browser profile (its own cookies) in Chilean locale and time zone, recording what goes wrong. */
export async function openVisit(browser: Browser, viewport = DESKTOP): Promise<Visit> {
  const context = await browser.newContext({ viewport, locale: 'es-CL', timezoneId: 'America/Santiago', acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    // A 4xx answer is the API refusing bad input, which the page shows in its form: tests assert those themselves.
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`consola: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`${r.status()} en ${r.request().method()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`script: ${e.message}`));
  return { context, page, problems };
}

/**
 * Signs in through the real flow: legajo → development OpenID provider's sign-in page → code → legajo. Returns
 * on the page the person lands on.
 */
export async function signIn(browser: Browser, baseUrl: string, run: string, viewport = DESKTOP): Promise<Visit> {
  const visit = await openVisit(browser, viewport);
  await visit.page.goto(`${baseUrl}/`);
  await visit.page.getByRole('link', { name: /Ingresar/ }).click();
  await visit.page.getByLabel('RUN').fill(run);
  await visit.page.getByLabel('Clave').fill('clave-de-prueba');
  await visit.page.getByRole('button', { name: 'Ingresar' }).click();
  await visit.page.waitForURL((url) => url.origin === baseUrl && !url.pathname.startsWith('/dev-oidc') && !url.pathname.startsWith('/ingresar'));
  return visit;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SCREENSHOTS = path.resolve(import.meta.dirname, '..', 'screenshots');

/**
 * Every main page: a screenshot under test/screenshots/ for people to look at, and axe-core's WCAG 2.1 A/AA rules
 * with no violation. axe runs through the debugging protocol, so the page's own CSP stays in force.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; help: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${v.help} → ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  });
  expect(violations, `axe en ${name}`).toEqual([]);
}
