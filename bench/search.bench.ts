// GET /v1/search latency over 100,000 documents with OCR-like Spanish text on real PostgreSQL, by query class,
// against a plain indexed lookup (GET /v1/documents/{id}) through the same HTTP stack in the same run.
// BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; the corpus is loaded
// into a database of its own, kept between runs when it already holds the same corpus (BENCH_SEARCH_RELOAD=1 rebuilds).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { migrateLatest } from '../server/db/migrations/index.ts';
import { openDatabase, type Database } from '../server/db/openDatabase.ts';
import { metadataText } from '../server/features/search/indexDocumentText.ts';
import { createApp } from '../server/http/createApp.ts';
import { createLogger } from '../server/logger.ts';
import type { BenchResult } from './BenchResult.ts';
import { benchServices } from './benchServices.ts';
import { runFormats, seeded, spanishCorpus, tailWord } from './spanishCorpus.ts';

const DOCUMENTS = 100_000;
const BATCH = 1_000;
/** Bumped whenever the corpus or its loading changes, so a kept database is rebuilt. */
const CORPUS_VERSION = 'v1';
const DB_NAME = 'legajo_bench_search';
const SAMPLES_PER_QUERY = 5;
const SERIES = ['SER-01', 'SER-02', 'SER-03', 'SER-04', 'SER-05'];

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

interface Loaded {
  token: string;
  agencyId: string;
  /** Some documents' ids and identifiers, and RUNs that appear in their text. */
  sampleIds: string[];
  identifiers: string[];
  runs: number[];
  loadSeconds: number | null;
}

async function load(db: Database, work: string): Promise<Loaded> {
  const { services } = await benchServices(db, work);
  const started = performance.now();
  const { token, agency, admin } = await services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code: 'BUSQ', name: 'Banco de búsqueda', adminRoles: ['clerk'] });
  const next = spanishCorpus(42);
  const random = seeded(7);
  const sample: Loaded = { token, agencyId: agency.id, sampleIds: [], identifiers: [], runs: [], loadSeconds: null };
  let batchNo = 0;
  const batches = DOCUMENTS / BATCH;
  // Two batches in flight: PostgreSQL tokenises, stems and indexes on as many cores.
  const insertBatch = async (b: number) => {
    const docs: Array<{ id: string; versionId: string; identifier: string; title: string; seriesCode: string; type: number; created: Date; metadata: Record<string, unknown> }> = [];
    const texts: Array<{ versionId: string; id: string; source: string; text: string }> = [];
    for (let i = 0; i < BATCH; i++) {
      const n = b * BATCH + i + 1;
      const c = next();
      const id = randomUUID();
      const versionId = randomUUID();
      const identifier = `DOCU-2026${String(1 + (n % 12)).padStart(2, '0')}01-${String(n).padStart(6, '0')}-BUSQ`;
      const seriesCode = SERIES[n % SERIES.length]!;
      const created = new Date(Date.UTC(2020 + Math.floor(random() * 7), Math.floor(random() * 12), 1 + Math.floor(random() * 28)));
      const metadata = { MGDDE1_1: identifier, MGDDE1_6: c.title, MGDDE1_2: seriesCode, MGDDE3_2: ['digitalización'], MGDDE4_1: created.toISOString() };
      docs.push({ id, versionId, identifier, title: c.title, seriesCode, type: 1 + (n % 42), created, metadata });
      texts.push({ versionId, id, source: 'metadata', text: metadataText({ identifier, title: c.title, seriesCode, metadata }) });
      texts.push({ versionId, id, source: 'ocr', text: c.text });
      if (n % 997 === 0) {
        sample.sampleIds.push(id);
        sample.identifiers.push(identifier);
        if (c.runs.length) sample.runs.push(c.runs[0]!);
      }
    }
    await db.knex.transaction(async (trx) => {
      await trx.raw(
        `INSERT INTO documents (id, agency_id, identifier, title, document_type, series_code, access_level, sensitive, document_created_at, metadata, search_text, current_version, created_by)
         SELECT id, :agency, identifier, title, type, series, 1, false, created, metadata, lower(title), 1, :principal
         FROM unnest(:ids::uuid[], :identifiers::text[], :titles::text[], :types::int[], :series::text[], :created::timestamptz[], :metadata::jsonb[])
           AS u(id, identifier, title, type, series, created, metadata)`,
        {
          agency: agency.id,
          principal: admin.id,
          ids: docs.map((d) => d.id),
          identifiers: docs.map((d) => d.identifier),
          titles: docs.map((d) => d.title),
          types: docs.map((d) => d.type),
          series: docs.map((d) => d.seriesCode),
          created: docs.map((d) => d.created.toISOString()),
          metadata: docs.map((d) => JSON.stringify(d.metadata)),
        },
      );
      await trx.raw(
        `INSERT INTO document_versions (id, document_id, agency_id, number, status, sha256, size, media_type, object_key, page_count, origin, created_by)
         SELECT v, d, :agency, 1, 'draft', repeat('0', 64), 1000, 'application/pdf', 'sha256/00/00/' || repeat('0', 64), 1, 'upload', :principal
         FROM unnest(:versions::uuid[], :docs::uuid[]) AS u(v, d)`,
        { agency: agency.id, principal: admin.id, versions: docs.map((d) => d.versionId), docs: docs.map((d) => d.id) },
      );
      await trx.raw(
        `INSERT INTO document_texts (version_id, source, document_id, agency_id, text)
         SELECT v, s, d, :agency, t FROM unnest(:versions::uuid[], :sources::text[], :docs::uuid[], :texts::text[]) AS u(v, s, d, t)`,
        { agency: agency.id, versions: texts.map((t) => t.versionId), sources: texts.map((t) => t.source), docs: texts.map((t) => t.id), texts: texts.map((t) => t.text) },
      );
    });
  };
  await Promise.all(
    [0, 1].map(async () => {
      while (batchNo < batches) {
        const b = batchNo++;
        await insertBatch(b);
        if (b % 10 === 0) process.stderr.write(`bench search: batch ${b + 1}/${batches}\n`);
      }
    }),
  );
  await db.knex.raw('VACUUM ANALYZE');
  sample.loadSeconds = (performance.now() - started) / 1000;
  await db.knex.raw('CREATE TABLE bench_corpus (version text, loaded jsonb)');
  await db.knex('bench_corpus').insert({ version: CORPUS_VERSION, loaded: JSON.stringify(sample) });
  return sample;
}

async function openCorpus(serverUrl: string, work: string): Promise<{ db: Database; loaded: Loaded; close(): Promise<void> }> {
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  const url = new URL(serverUrl);
  url.pathname = `/${DB_NAME}`;
  const exists = (await admin.raw('SELECT 1 FROM pg_database WHERE datname = ?', [DB_NAME])).rows.length > 0;
  let db: Database | null = null;
  if (exists && process.env.BENCH_SEARCH_RELOAD !== '1') {
    db = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 4 });
    const kept = await db.knex.raw(`SELECT loaded FROM bench_corpus WHERE version = ?`, [CORPUS_VERSION]).catch(() => ({ rows: [] }));
    if (kept.rows.length) {
      await migrateLatest(db.knex);
      return { db, loaded: { ...(kept.rows[0].loaded as Loaded), loadSeconds: null }, close: async () => { await db!.close(); await admin.destroy(); } };
    }
    await db.close();
  }
  await admin.raw(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.raw(`CREATE DATABASE ${DB_NAME}`);
  db = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 4 });
  await migrateLatest(db.knex);
  const loaded = await load(db, work);
  return { db, loaded, close: async () => { await db!.close(); await admin.destroy(); } };
}

export default async function searchBench(): Promise<BenchResult> {
  const work = await mkdtemp(join(tmpdir(), 'legajo-bench-search-'));
  const corpus = await openCorpus(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', work);
  const { db, loaded } = corpus;
  const { services, store } = await benchServices(db, work);
  const app = createApp({ log: createLogger('silent'), knex: db.knex, services, store, documentLimits: { maxUploadBytes: 1024 ** 3, maxPdfPages: 10_000 }, jsonBodyLimit: 1024 ** 2, version: 'bench', readiness: {}, verifyRateLimit: 1000 });
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const get = async (path: string): Promise<{ ms: number; body: { items?: unknown[]; mode?: string } }> => {
      const started = performance.now();
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${loaded.token}` } });
      const body = (await res.json()) as { items?: unknown[]; mode?: string };
      const ms = performance.now() - started;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
      return { ms, body };
    };
    const search = (q: string, extra = '') => `/v1/search?q=${encodeURIComponent(q)}&limit=20${extra}`;
    const tail = (i: number) => tailWord(i);
    // A tail word with one letter read as a digit: the full text finds nothing, so the trigram fallback answers.
    const damage = (w: string) => w.slice(0, 3) + '4' + w.slice(4);
    const classes: Array<{ name: string; paths: string[] }> = [
      { name: 'baseline: GET /v1/documents/{id}', paths: loaded.sampleIds.slice(0, 20).map((id) => `/v1/documents/${id}`) },
      { name: 'frequent word, accents folded', paths: ['resolucion', 'licitacion', 'informacion', 'establecimiento', 'region', 'notificacion', 'jubilacion', 'sancion', 'pension', 'funcionaria'].map((q) => search(q)) },
      { name: 'rare word (in < 1% of documents)', paths: [1200, 2500, 4100, 9000, 15000, 21000, 30000, 38000, 44000, 49000].map((i) => search(tail(i))) },
      { name: 'two words', paths: ['subsidio habitacional', 'recurso reposicion', 'licencia medica', 'boleta garantia', 'sumario administrativo'].map((q) => search(q)) },
      { name: 'OCR-damaged word (trigram fallback)', paths: [1200, 2500, 4100, 9000, 15000, 21000, 30000, 38000, 44000, 49000].map((i) => search(damage(tail(i)))) },
      ...(['12.345.678-5', '12345678-5', '123456785'] as const).map((shape, f) => ({ name: `RUN as ${shape}`, paths: loaded.runs.slice(0, 10).map((r) => search(runFormats(r)[f]!)) })),
      { name: 'document identifier, compacted', paths: loaded.identifiers.slice(0, 10).map((id) => search(id.replaceAll('-', '').toLowerCase())) },
      {
        name: 'frequent word + series, type and dates',
        paths: ['resolucion', 'licitacion', 'convenio', 'pension', 'permiso'].map((q, i) => search(q, `&series=SER-0${i + 1}&type=${i + 10}&from=2022-01-01T00:00:00Z&to=2024-01-01T00:00:00Z`)),
      },
    ];
    // One pass to warm caches and plans, then the measured samples.
    for (const c of classes) for (const p of c.paths) await get(p);
    const rows: BenchResult['rows'] = [];
    let baselineP50 = 0;
    for (const c of classes) {
      const times: number[] = [];
      const hits: number[] = [];
      const modes = new Set<string>();
      for (let s = 0; s < SAMPLES_PER_QUERY; s++) {
        for (const p of c.paths) {
          const { ms, body } = await get(p);
          times.push(ms);
          if (body.items) hits.push(body.items.length);
          if (body.mode) modes.add(body.mode);
        }
      }
      const p50 = percentile(times, 50);
      if (!rows.length) baselineP50 = p50;
      rows.push({
        query: c.name,
        requests: times.length,
        'p50 ms': p50.toFixed(1),
        'p95 ms': percentile(times, 95).toFixed(1),
        'max ms': Math.max(...times).toFixed(1),
        'p50 / baseline': (p50 / baselineP50).toFixed(1),
        'mean hits (of 20)': hits.length ? (hits.reduce((a, b) => a + b, 0) / hits.length).toFixed(1) : '—',
        mode: [...modes].join(', ') || '—',
      });
    }
    const stats = (await db.knex.raw(`SELECT count(*)::int AS texts, pg_size_pretty(sum(length(text))::bigint) AS text_size, pg_size_pretty(pg_total_relation_size('document_texts')) AS table_size FROM document_texts`)).rows[0];
    return {
      title: `Search latency over ${DOCUMENTS.toLocaleString('en')} documents with OCR-like text (real PostgreSQL)`,
      rows,
      notes: [
        `Corpus: ${stats.texts} texts (metadata and OCR text of each document), ${stats.text_size} of text, document_texts with indexes ${stats.table_size}. Generated by bench/spanishCorpus.ts (seeded): 300-2,000 words per document, Zipf-weighted administrative Spanish with accents, a 50,000-word long tail, RUNs in three formats, numbers, dates, amounts, 3 % OCR-damaged words.`,
        loaded.loadSeconds === null ? 'Corpus kept from an earlier run (same corpus version).' : `Loaded in ${loaded.loadSeconds.toFixed(0)} s (bulk SQL inserts, 2 in flight, then VACUUM ANALYZE).`,
        `One client, requests one after another, ${SAMPLES_PER_QUERY} samples of each query after a warm-up pass; limit 20 (the default page). Times include HTTP on loopback, authentication, the query and JSON.`,
      ],
    };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await corpus.close();
    await rm(work, { recursive: true, force: true });
  }
}
