import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { dispositionRunJob } from '../../server/features/archive/dispositionService.ts';
import { transferBuildJob } from '../../server/features/transfers/transferService.ts';
import { createLogger } from '../../server/logger.ts';
import type { JobQueue } from '../../server/queue/JobQueue.ts';
import type { JobName } from '../../server/queue/jobNames.ts';
import { Queue } from '../../server/queue/Queue.ts';
import { tarFolder, zipFolder } from '../archive/validation/archives.ts';
import { checkPage, launchBrowser, PHONE, signIn } from '../helpers/browser.ts';
import { caseFileClient } from '../helpers/caseFiles.ts';
import { jobHandlers } from '../helpers/jobHandlers.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { sharedPath } from '../helpers/sharedData.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';

const ANA = '11.111.111-1'; // archivist, AG1
const BETO = '22.222.222-2'; // second archivist, AG1
const RITA = '33.333.333-3'; // records officer, AG1
const CARLA = '55.555.555-5'; // clerk, AG1
const OTTO = '44.444.444-4'; // archivist, AG2

const run = (cmd: string, args: string[], cwd: string) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

/** Clicks a button whose form asks for confirmation, accepting the browser's dialog. */
async function clickConfirmed(page: Page, name: string | RegExp) {
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name }).click();
}

describe('mesa de archivo (Chromium)', () => {
  const log = createLogger('silent');
  let t: TestApp;
  let queue: Queue;
  let browser: Browser;
  let baseUrl: string;
  let a: TestAgency;
  let work: string;
  /** Transfer builds wait here until a test lets them run, so their progress is seen live on the page. */
  const heldBuilds: Array<{ data: Record<string, unknown>; opts: { singletonKey?: string } | undefined }> = [];
  const closed: string[] = [];
  /** The document filed in each case file, by IUIe. */
  const documentOf = new Map<string, string>();
  let doomed: string;

  beforeAll(async () => {
    const jobs: JobQueue = {
      enqueue: (db, name: JobName, data, opts) => {
        if (name === 'transfer.build') {
          heldBuilds.push({ data, opts });
          return Promise.resolve(null);
        }
        return queue.enqueue(db, name, data, opts);
      },
    };
    t = await startTestApp('pglite', { web: true, jobs });
    baseUrl = t.baseUrl!;
    queue = await Queue.start(t.db, log, { pollingIntervalSeconds: 0.5 });
    await queue.work(jobHandlers({ 'transfer.build': transferBuildJob(t.services.transfers), 'disposition.run': dispositionRunJob(t.services.dispositions) }));
    a = await t.agency('AG1');
    await a.person('Ana Archivera', ANA, ['archivist']);
    await a.person('Beto Archivero', BETO, ['archivist']);
    await a.person('Rita Oficina', RITA, ['records_officer']);
    await a.person('Carla Mesa', CARLA, ['clerk']);
    const b = await t.agency('AG2');
    await b.person('Otto Externo', OTTO, ['archivist']);
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-archivo-web-'));

    // Two closed case files to transfer, and one in a series whose rule destroys at once (for the disposal).
    const c = caseFileClient(t, a.token);
    const closedCaseFile = async (overrides: Record<string, unknown> = {}) => {
      const iuie = await c.open(overrides);
      const d = await c.fileDocument(1, `Resolución ${Math.random()}`);
      expect((await c.add(iuie, { kind: 'document', documentId: d.id, version: 1 })).status).toBe(201);
      expect((await c.close(iuie)).status).toBe(200);
      documentOf.set(iuie, d.id);
      return iuie;
    };
    closed.push(await closedCaseFile(), await closedCaseFile());
    const api = (p: string, body: object) => t.request().post(p).set(bearer(a.token)).send(body);
    expect((await api('/v1/series', { code: '09', title: 'Solicitudes de información' })).status).toBe(201);
    expect((await api('/v1/retention-rules', { series: '09', periodYears: 0, trigger: 'closed', disposition: 'destroy', reason: 'Tabla de retención, resolución 12/2026' })).status).toBe(201);
    doomed = await closedCaseFile({ MGDEE1_2: '09' });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await queue?.stop(5_000);
    await t?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  itWithReferee(
    'chromium',
    'un archivero pide una transferencia, ve su avance sin recargar, descarga el paquete BagIt y la confirma',
    async () => {
      const { page, context, problems } = await signIn(browser, baseUrl, ANA);
      await page.goto(`${baseUrl}/archivo/transferencias`);
      expect(await page.getByRole('link', { name: 'Archivo', exact: true }).getAttribute('aria-current')).toBe('page');
      await checkPage(page, 'archivo-transferencias');
      await page.getByLabel(new RegExp(closed[0]!)).check();
      await page.getByRole('button', { name: 'Transferir los expedientes elegidos' }).click();
      await page.waitForURL(/\/archivo\/transferencias\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').at(-1)!;
      expect(await page.locator('#avance').getAttribute('data-refresh')).not.toBeNull();
      expect(await page.locator('#avance').innerText()).toContain('En cola');

      // The page stays the same document while the build runs and finishes.
      await page.evaluate(() => ((window as unknown as { __marca: number }).__marca = 42));
      expect(heldBuilds).toHaveLength(1);
      const held = heldBuilds.shift()!;
      await queue.enqueue(t.db.knex, 'transfer.build', held.data, held.opts);
      // legajo.js announces the end (data-done of the finished section) once it has re-read the page.
      await page.getByRole('status').getByText('La transferencia terminó.').waitFor({ timeout: 120_000 });
      expect(await page.evaluate(() => (window as unknown as { __marca?: number }).__marca)).toBe(42);
      const tarLink = page.getByRole('link', { name: 'Descargar paquete (tar)' });
      expect(await tarLink.count()).toBe(1);
      expect(await page.locator('#avance').getAttribute('data-refresh')).toBeNull();
      expect(await page.getByRole('link', { name: 'Descargar en zip' }).getAttribute('href')).toBe(`/v1/transfers/${id}/package?format=zip`);
      await checkPage(page, 'archivo-transferencia');

      const [download] = await Promise.all([page.waitForEvent('download'), tarLink.click()]);
      const tarPath = path.join(work, 'paquete.tar');
      await download.saveAs(tarPath);
      const listing = run('tar', ['-tf', tarPath], work);
      expect(listing.status, listing.out).toBe(0);
      const bag = `urn+uuid+${id}`;
      expect(listing.out).toContain(`${bag}/bagit.txt`);
      expect(listing.out).toContain(`${bag}/manifest-sha256.txt`);
      expect(run('tar', ['-xf', tarPath], work).status).toBe(0);
      const check = run('sha256sum', ['-c', '--strict', '--quiet', 'manifest-sha256.txt'], path.join(work, bag));
      expect(check.status, check.out).toBe(0);

      await page.getByLabel('Referencia de recepción del Archivo Nacional').fill('AN-2026-0042');
      await clickConfirmed(page, 'Confirmar recepción');
      await page.getByText('Confirmada por el Archivo Nacional', { exact: true }).first().waitFor();
      expect(await page.getByRole('status').innerText()).toContain('Transferencia confirmada');
      expect(await page.locator('main').innerText()).toContain('«AN-2026-0042»');

      // The list shows it, confirmed.
      await page.goto(`${baseUrl}/archivo/transferencias`);
      expect(await page.locator('table').first().innerText()).toContain('Confirmada por el Archivo Nacional');
      expect(problems).toEqual([]);
      await context.close();

      // Another agency's archivist gets 404 for it, page and API alike.
      const other = await signIn(browser, baseUrl, OTTO);
      const res = await other.page.goto(`${baseUrl}/archivo/transferencias/${id}`);
      expect(res!.status()).toBe(404);
      expect(await other.page.locator('main').innerText()).toContain('No existe una transferencia con ese id en su agencia');
      expect((await other.context.request.get(`${baseUrl}/v1/transfers/${id}`)).status()).toBe(404);
      await other.page.goto(`${baseUrl}/archivo/transferencias`);
      expect(await other.page.locator('main').innerText()).not.toContain(closed[0]!);
      await other.context.close();
    },
    240_000,
  );

  itWithReferee(
    'chromium',
    'una eliminación se simula, quien la propuso no puede aprobarla, y otro archivero la aprueba y obtiene el acta',
    async () => {
      const ana = await signIn(browser, baseUrl, ANA);
      await ana.page.goto(`${baseUrl}/archivo/disposiciones`);
      await checkPage(ana.page, 'archivo-disposiciones');
      await ana.page.getByRole('button', { name: 'Simular eliminación' }).click();
      await ana.page.waitForURL(/\/archivo\/disposiciones\/[0-9a-f-]{36}$/);
      const url = ana.page.url();
      const main = ana.page.locator('main');
      expect(await main.innerText()).toContain('la debe aprobar otro archivero');
      const totals = await ana.page.getByRole('table', { name: 'Registros por acción y resultado' }).innerText();
      expect(totals).toMatch(/Eliminación\s+Pendiente\s+1/);
      expect(await ana.page.getByRole('table', { name: /Registros de la eliminación/ }).innerText()).toContain(doomed);
      await checkPage(ana.page, 'archivo-disposicion');

      await clickConfirmed(ana.page, 'Aprobar y ejecutar');
      const refusal = ana.page.getByRole('alert');
      await refusal.waitFor();
      expect(await refusal.innerText()).toContain('No puede aprobar una eliminación que usted propuso: debe aprobarla otro archivero.');
      expect(ana.problems.filter((p) => !p.includes('403'))).toEqual([]);
      await ana.context.close();

      const beto = await signIn(browser, baseUrl, BETO);
      await beto.page.goto(url);
      expect(await beto.page.locator('main').innerText()).not.toContain('la debe aprobar otro archivero');
      await clickConfirmed(beto.page, 'Aprobar y ejecutar');
      const certificate = beto.page.getByRole('link', { name: /Descargar el acta de eliminación AE-\d{4}-\d{6}/ });
      await certificate.waitFor({ timeout: 120_000 });
      expect(await beto.page.locator('#avance').innerText()).toContain('Terminada');
      const pdf = await beto.context.request.get(`${baseUrl}${await certificate.getAttribute('href')}`);
      expect(pdf.status()).toBe(200);
      expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
      expect(await beto.page.getByRole('table', { name: /Registros de la eliminación/ }).innerText()).toMatch(/Hecho/);
      // The destroyed document keeps its page, which says why there is nothing to show or download.
      await beto.page.goto(`${baseUrl}/documentos/${documentOf.get(doomed)}`);
      expect(await beto.page.locator('main').innerText()).toMatch(/El contenido de esta versión se eliminó el \d{2}-\d{2}-\d{4}/);
      expect(await beto.page.locator('[data-pdf]').count()).toBe(0);
      expect(await beto.page.getByRole('link', { name: /Descargar la versión/ }).count()).toBe(0);
      await checkPage(beto.page, 'documento-eliminado');
      expect(beto.problems).toEqual([]);
      await beto.context.close();
    },
    240_000,
  );

  itWithReferee(
    'chromium',
    'la validación de un paquete nombra la regla incumplida y acepta uno válido',
    async () => {
      const bad = tarFolder(sharedPath('samples/bagit-conformance-v1.0/invalid/notAllManifestsListAllFiles'), path.join(work, 'malo.tar'));
      const good = tarFolder(sharedPath('samples/bagit-conformance-v1.0/valid/basicBag'), path.join(work, 'bueno.tar'));
      const { page, context, problems } = await signIn(browser, baseUrl, ANA);
      await page.goto(`${baseUrl}/archivo/paquetes`);
      await checkPage(page, 'archivo-paquetes');
      await page.getByLabel('Paquete (tar o zip)').setInputFiles(bad);
      await page.getByRole('button', { name: 'Validar paquete' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const text = await alert.innerText();
      expect(text).toContain('Paquete inválido: 1 regla(s) incumplida(s)');
      expect(text).toContain('BAGIT-COMPLETENESS data/missingFromManifest.txt');
      // The whole report is drawn below the form, errors first, as text.
      const report = page.getByRole('table', { name: /Hallazgos del informe/ });
      expect(await report.locator('tbody tr').first().innerText()).toMatch(/Error\s+BAGIT-COMPLETENESS\s+data\/missingFromManifest\.txt/);
      await checkPage(page, 'archivo-paquetes-informe');
      expect(problems.filter((p) => !p.includes('422'))).toEqual([]);

      await page.getByLabel('Paquete (tar o zip)').setInputFiles(good);
      await page.getByRole('button', { name: 'Validar paquete' }).click();
      await page.getByRole('status').getByText(/^Paquete válido: \d+ archivos verificados/).waitFor();
      expect(await page.locator('#informe-paquete').innerText()).toContain('El informe no tiene hallazgos');
      // A CSIP 2.0 sample passes in tolerant mode, and its warnings are listed, not hidden.
      await page.getByLabel('Paquete (tar o zip)').setInputFiles(await zipFolder(sharedPath('samples/eark-csip-valid/minimal_IP_with_1_representation'), path.join(work, 'csip.zip')));
      await page.getByLabel('Modo').selectOption('false');
      await page.getByRole('button', { name: 'Validar paquete' }).click();
      await page.getByRole('status').getByText(/^Paquete válido: \d+ archivos verificados, con \d+ advertencia/).waitFor();
      expect(await page.getByRole('table', { name: /Hallazgos del informe/ }).locator('tbody tr').first().innerText()).toMatch(/^Advertencia/);
      await context.close();
    },
    120_000,
  );

  itWithReferee(
    'chromium',
    'series, reglas, retenciones legales e integridad desde el teclado y las páginas del archivo',
    async () => {
      const { page, context, problems } = await signIn(browser, baseUrl, ANA);
      await page.goto(`${baseUrl}/archivo`);
      await page.getByLabel('Código', { exact: true }).fill('09.01');
      await page.getByLabel('Título', { exact: true }).fill('Solicitudes <b>urgentes</b>');
      // Keyboard only: Enter in a field submits its form.
      await page.getByLabel('Título', { exact: true }).press('Enter');
      await page.getByRole('status').getByText('Serie creada.').waitFor();
      const scheme = page.getByRole('table', { name: /Series por código/ });
      expect(await scheme.innerText()).toContain('Solicitudes <b>urgentes</b>');

      await page.getByLabel('Serie', { exact: true }).selectOption('09');
      await page.getByLabel('Plazo de conservación (años)').fill('10');
      await page.getByLabel('Destino final').selectOption('transfer');
      await page.getByLabel('Fundamento').fill('Resolución 44/2026');
      await page.getByRole('button', { name: 'Fijar la nueva versión' }).click();
      await page.getByRole('status').getByText('Nueva versión de la regla vigente.').waitFor();
      expect(await scheme.innerText()).toMatch(/10 años desde el cierre del expediente; luego transferencia al Archivo Nacional/);
      await checkPage(page, 'archivo-series');

      // A refused request says what went wrong, in the form.
      await page.getByLabel('Código', { exact: true }).fill('77.01');
      await page.getByLabel('Título', { exact: true }).fill('Huérfana');
      await page.getByRole('button', { name: 'Crear serie' }).click();
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      expect(await refusal.innerText()).toContain('cuelga de 77, que no existe');

      await page.goto(`${baseUrl}/archivo/retenciones`);
      await page.getByLabel('Código de serie').fill('09');
      await page.getByLabel('Motivo', { exact: true }).fill('Causa rol C-123-2026');
      await page.getByRole('button', { name: 'Poner retención' }).click();
      await page.getByRole('status').getByText('Retención puesta.').waitFor();
      const active = page.getByRole('table', { name: /vigentes/ });
      expect(await active.innerText()).toContain('Causa rol C-123-2026');
      await checkPage(page, 'archivo-retenciones');
      await page.getByLabel('Motivo para levantarla').fill('Sentencia ejecutoriada');
      await page.getByRole('button', { name: 'Levantar' }).click();
      await page.getByRole('status').getByText('Retención levantada.').waitFor();
      expect(await page.getByRole('table', { name: /levantadas/ }).innerText()).toContain('Sentencia ejecutoriada');

      await page.goto(`${baseUrl}/archivo/fixity`);
      expect(await page.locator('main').innerText()).toContain('Ningún objeto de su agencia falló');
      await checkPage(page, 'archivo-integridad');
      expect(problems.filter((p) => !p.includes('422'))).toEqual([]);
      await context.close();

      const phone = await signIn(browser, baseUrl, ANA, PHONE);
      await phone.page.goto(`${baseUrl}/archivo/transferencias`);
      await checkPage(phone.page, 'archivo-transferencias-telefono');
      await phone.context.close();
    },
    180_000,
  );

  itWithReferee(
    'chromium',
    'sin el rol de archivero no hay acciones de archivo, sin rol lector se ve la página 403, y otra agencia recibe 404',
    async () => {
      const rita = await signIn(browser, baseUrl, RITA);
      await rita.page.goto(`${baseUrl}/archivo/transferencias`);
      expect(await rita.page.getByRole('heading', { name: 'Transferencias al Archivo Nacional' }).count()).toBe(1);
      expect(await rita.page.getByRole('button').allInnerTexts()).toEqual(['Salir']);
      await rita.page.goto(`${baseUrl}/archivo/disposiciones`);
      expect(await rita.page.getByRole('button', { name: 'Simular eliminación' }).count()).toBe(0);
      await rita.page.goto(`${baseUrl}/archivo`);
      expect(await rita.page.getByRole('button', { name: 'Crear serie' }).count()).toBe(0);
      await rita.context.close();

      const carla = await signIn(browser, baseUrl, CARLA);
      const res = await carla.page.goto(`${baseUrl}/archivo/transferencias`);
      expect(res!.status()).toBe(403);
      expect(await carla.page.locator('main').innerText()).toContain('Esta página requiere uno de estos roles: archivist, records_officer, auditor');
      await carla.context.close();

      const ana = await signIn(browser, baseUrl, ANA);
      const disposal = await ana.context.request.post(`${baseUrl}/v1/dispositions`, { data: {}, headers: { 'x-csrf-token': (await ana.page.locator('meta[name="csrf-token"]').getAttribute('content'))! } });
      expect(disposal.status()).toBe(201);
      const disposalId = ((await disposal.json()) as { id: string }).id;
      await ana.context.close();
      const otto = await signIn(browser, baseUrl, OTTO);
      expect((await otto.page.goto(`${baseUrl}/archivo/disposiciones/${disposalId}`))!.status()).toBe(404);
      expect((await otto.page.goto(`${baseUrl}/archivo/transferencias/no-es-un-id`))!.status()).toBe(404);
      await otto.context.close();
    },
    120_000,
  );

  itWithReferee(
    'chromium',
    'una transferencia cuyo contenido falta en el almacén dice por qué falló y qué hacer, y la integridad muestra el objeto faltante',
    async () => {
      const iuie = closed[1]!;
      const key = (await t.db.knex('document_versions').where({ document_id: documentOf.get(iuie)!, number: 1 }).first('object_key')).object_key as string;
      await t.store.delete(key);

      const { page, context, problems } = await signIn(browser, baseUrl, ANA);
      await page.goto(`${baseUrl}/archivo/transferencias`);
      await page.getByLabel(new RegExp(iuie)).check();
      await page.getByRole('button', { name: 'Transferir los expedientes elegidos' }).click();
      await page.waitForURL(/\/archivo\/transferencias\/[0-9a-f-]{36}$/);
      const held = heldBuilds.shift()!;
      await queue.enqueue(t.db.knex, 'transfer.build', held.data, held.opts);
      await page.getByRole('status').getByText('La transferencia falló; el motivo está en la página.').waitFor({ timeout: 120_000 });
      const progress = await page.locator('#avance').innerText();
      expect(progress).toContain('No se pudo construir el paquete: Falta en el almacén el contenido de');
      expect(progress).toContain('pida una nueva transferencia');
      expect(await page.getByRole('link', { name: 'Descargar paquete (tar)' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Confirmar recepción' }).count()).toBe(0);

      const run = await t.services.fixity.start('cli');
      await t.services.fixity.execute(run.id, { log });
      await page.goto(`${baseUrl}/archivo/fixity`);
      const damaged = page.getByRole('table', { name: /última verificación falló/ });
      expect(await damaged.innerText()).toContain('Falta en el almacén');
      expect(await damaged.getByRole('link', { name: 'Documento' }).getAttribute('href')).toBe(`/documentos/${documentOf.get(iuie)}`);
      expect(await page.getByRole('table', { name: /Verificaciones de integridad/ }).innerText()).toMatch(/Terminada/);
      await checkPage(page, 'archivo-integridad-alertas');
      expect(problems).toEqual([]);
      await context.close();
    },
    180_000,
  );
});
