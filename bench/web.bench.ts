// The web application's heaviest page, a case file's index (200 entries a page) with its history, against the JSON
// API calls a client would make to draw the same view (the case file, its entries, its traceability record), both
// over HTTP with the same session cookie. Real services on an on-disk PGlite; the server runs in this process.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../server/http/createApp.ts';
import { createLogger } from '../server/logger.ts';
import { webSetup } from '../server/web/webSetup.ts';
import type { BenchResult } from './BenchResult.ts';
import { addEntriesDirectly, filePool, openBenchApp, openCaseFile } from './caseFileFixture.ts';

const ENTRIES = 200;
const ROUNDS = 60;
const WARM_UP = 5;

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

export default async function bench(): Promise<BenchResult> {
  const app = await openBenchApp();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  try {
    const pool = await filePool(app, 20, 4096);
    const iuie = await openCaseFile(app);
    await addEntriesDirectly(app, iuie, pool, 0, ENTRIES);
    const admin = { ...app.actor, roles: ['admin' as const] };
    await app.services.principals.create(admin, { kind: 'person', name: 'Persona de banco', run: '11111111-1', roles: ['clerk'] });
    const { token } = await app.services.webSessions.open({ run: '11111111-1', requestId: null });
    const koa = createApp({
      log: createLogger('silent'),
      knex: app.db.knex,
      services: app.services,
      store: app.store,
      documentLimits: { maxUploadBytes: 1024 ** 3, maxPdfPages: 10_000 },
      readiness: { database: async () => {}, objectStore: async () => {} },
      jsonBodyLimit: 1024 * 1024,
      version: 'bench',
      verifyRateLimit: 1000,
      web: await webSetup({ oidc: null, devOidc: false, sessionTtlMs: 3_600_000, secureCookies: true }, base, app.db.knex),
    });
    server.on('request', koa.callback());
    const headers = { cookie: `__Host-legajo_sesion=${token}` };
    const get = async (path: string) => {
      const res = await fetch(base + path, { headers });
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      return (await res.arrayBuffer()).byteLength;
    };
    const page = () => get(`/expedientes/${iuie}`);
    const json = async () =>
      (await get(`/v1/case-files/${iuie}`)) + (await get(`/v1/case-files/${iuie}/entries?limit=${ENTRIES}`)) + (await get(`/v1/case-files/${iuie}/history?record=traceability&limit=200`));
    const times = { page: [] as number[], json: [] as number[] };
    const sizes = { page: 0, json: 0 };
    for (let i = 0; i < WARM_UP + ROUNDS; i++) {
      // Alternated, so both see the same state of the machine and the same growth of the access record.
      for (const kind of ['page', 'json'] as const) {
        const started = performance.now();
        sizes[kind] = await (kind === 'page' ? page() : json());
        if (i >= WARM_UP) times[kind].push(performance.now() - started);
      }
    }
    const row = (kind: 'page' | 'json', label: string) => ({
      view: label,
      'p50 ms': percentile(times[kind], 0.5).toFixed(1),
      'p95 ms': percentile(times[kind], 0.95).toFixed(1),
      'KiB transferred': (sizes[kind] / 1024).toFixed(0),
    });
    const ratio = percentile(times.page, 0.5) / percentile(times.json, 0.5);
    return {
      title: `Web: case-file page (${ENTRIES} entries) against the JSON calls behind it`,
      rows: [row('page', 'HTML page /expedientes/{iuie}'), row('json', 'JSON: case file + entries + history (3 calls)'), { view: 'page / JSON (p50)', 'p50 ms': ratio.toFixed(2) }],
      notes: [
        `${ROUNDS} rounds after ${WARM_UP} warm-up, page and JSON alternated; session cookie on both; PGlite on disk, server in the bench process.`,
        'Aim: the server-rendered page costs no more than 1.5× the API calls a browser application would make for the same view.',
      ],
    };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
  }
}
