// Throughput of the object store adapters against the raw operations they wrap, and peak memory of a 2 GiB put.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Client } from 'minio';
import { FilesystemObjectStore } from '../storage/FilesystemObjectStore.ts';
import { S3ObjectStore } from '../storage/S3ObjectStore.ts';
import { generatedStream, readAll } from '../test/storage/generatedStream.ts';
import type { BenchResult } from './BenchResult.ts';

const MiB = 1024 * 1024;
const MB = 1e6;
const CHUNK = 64 * 1024;
const SIZES = [
  { label: '1 MB', bytes: 1 * MB, runs: 50 },
  { label: '100 MB', bytes: 100 * MB, runs: 5 },
];
const LARGE_PUT = 2 * 1024 * MiB;
const S3_BUCKET = 'bench';

type Row = BenchResult['rows'][number];

export default async function storageBench(): Promise<BenchResult> {
  const work = await mkdtemp(join(tmpdir(), 'legajo-bench-'));
  const s3rver = await startS3rverProcess();
  try {
    const rows: Row[] = [];
    rows.push(...(await filesystemRows(join(work, 'fs'))));
    rows.push(...(await s3Rows(s3rver.port)));
    rows.push(await peakRssRow(join(work, 'large')));
    return {
      title: 'Object storage adapters (storage/)',
      rows,
      notes: [
        'MB/s = 10^6 bytes per second, total bytes over total time of the timed runs (one untimed warm-up run first).',
        'ratio = adapter MB/s ÷ baseline MB/s (1.00 = as fast as the raw operation).',
        'Sources are in-memory buffers fed as 64 KiB chunks, different bytes each run (so no put deduplicates).',
        'filesystem baseline: the same bytes through fs.createWriteStream with flush (fsync), the durability the ' +
          'adapter also gives; reads: fs.createReadStream. Both read from the page cache.',
        'S3 figures are against s3rver 3.7.1 (a filesystem-backed S3 emulator, in a child process on loopback); ' +
          'they measure the protocol path, not a production MinIO. The raw minio putObject baseline sends each ' +
          'object in one PUT (raw client part size 128 MiB: s3rver lacks the upload listing the client does before ' +
          'multipart); the adapter sends objects over its 16 MiB part size as a multipart upload to a temporary key, ' +
          'then completes, copies server-side to the final key and deletes the temporary object.',
        'peak RSS: a 2 GiB generated stream put through the filesystem adapter in a fresh child process; RSS ' +
          'sampled every 5 ms during the put (getrusage maxRSS is not used: on Linux it survives fork+exec and ' +
          'reported the parent benchmark process), next to the RSS just before the put.',
      ],
    };
  } finally {
    await s3rver.stop();
    await rm(work, { recursive: true, force: true });
  }
}

async function filesystemRows(root: string): Promise<Row[]> {
  const store = new FilesystemObjectStore({ root: join(root, 'store') });
  await store.init();
  const rawDir = join(root, 'raw');
  await mkdir(rawDir, { recursive: true });
  const rows: Row[] = [];
  for (const size of SIZES) {
    const put = await compare(
      `filesystem put ${size.label}`,
      size,
      async (bytes) => void (await store.put(chunked(bytes))),
      async (bytes, run) => pipeline(chunked(bytes), createWriteStream(join(rawDir, `put-${run}`), { flush: true })),
    );
    rows.push(row('filesystem', 'put', size.label, put, 'fs write + fsync'));

    const bytes = await distinctBytes(size.bytes, 0);
    const { key } = await store.put(chunked(bytes));
    const rawPath = join(rawDir, 'read');
    await pipeline(chunked(bytes), createWriteStream(rawPath));
    const get = await compare(
      `filesystem get ${size.label}`,
      size,
      async () => drain(await store.get(key)),
      async () => drain(createReadStream(rawPath)),
    );
    rows.push(row('filesystem', 'get', size.label, get, 'fs read'));
  }
  return rows;
}

async function s3Rows(port: number): Promise<Row[]> {
  const connection = { endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'S3RVER', secretKey: 'S3RVER' };
  const store = new S3ObjectStore({ ...connection, bucket: S3_BUCKET });
  await store.init();
  const raw = new Client({ ...connection, region: 'us-east-1', partSize: 128 * MiB });
  const rows: Row[] = [];
  for (const size of SIZES) {
    const put = await compare(
      `s3 put ${size.label}`,
      size,
      async (bytes) => void (await store.put(chunked(bytes))),
      async (bytes, run) => void (await raw.putObject(S3_BUCKET, `raw/put-${run}`, chunked(bytes), bytes.length)),
    );
    rows.push(row('s3 (s3rver)', 'put', size.label, put, 'minio putObject'));

    const bytes = await distinctBytes(size.bytes, 0);
    const { key } = await store.put(chunked(bytes));
    await raw.putObject(S3_BUCKET, 'raw/read', bytes);
    const get = await compare(
      `s3 get ${size.label}`,
      size,
      async () => drain(await store.get(key)),
      async () => drain(await raw.getObject(S3_BUCKET, 'raw/read')),
    );
    rows.push(row('s3 (s3rver)', 'get', size.label, get, 'minio getObject'));
  }
  return rows;
}

async function peakRssRow(root: string): Promise<Row> {
  process.stderr.write('  peak RSS put: starting child process\n');
  const script = fileURLToPath(new URL('./peakRssPut.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, root, String(LARGE_PUT)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [output, code] = await Promise.all([
    readAll(child.stdout),
    new Promise<number | null>((resolve) => child.once('exit', resolve)),
  ]);
  if (code !== 0) throw new Error(`peakRssPut exited with ${code}`);
  const figures = JSON.parse(output.toString()) as { seconds: number; rssBeforeMiB: number; peakRssMiB: number };
  return {
    adapter: 'filesystem',
    operation: 'put (child process)',
    size: '2 GiB',
    'adapter MB/s': (LARGE_PUT / MB / figures.seconds).toFixed(0),
    'RSS before put MiB': figures.rssBeforeMiB.toFixed(0),
    'peak RSS MiB': figures.peakRssMiB.toFixed(0),
  };
}

interface Measured {
  adapter: number;
  baseline: number;
}

/** Alternates adapter and baseline runs (so drift in disk or cache state hits both alike) and returns MB/s. */
async function compare(
  label: string,
  size: { bytes: number; runs: number },
  adapter: (bytes: Buffer, run: number) => Promise<void>,
  baseline: (bytes: Buffer, run: number) => Promise<void>,
): Promise<Measured> {
  const totals = { adapter: 0, baseline: 0 };
  for (let run = 0; run <= size.runs; run++) {
    const bytes = await distinctBytes(size.bytes, run + 1);
    for (const [name, fn] of [
      ['adapter', adapter],
      ['baseline', baseline],
    ] as const) {
      const started = performance.now();
      await fn(bytes, run);
      if (run > 0) totals[name] += performance.now() - started; // run 0 warms up
    }
    if (size.bytes >= 100 * MB) process.stderr.write(`  ${label}: run ${run}/${size.runs}\n`);
  }
  const mbps = (ms: number): number => (size.bytes * size.runs) / MB / (ms / 1000);
  return { adapter: mbps(totals.adapter), baseline: mbps(totals.baseline) };
}

function row(adapter: string, operation: string, size: string, measured: Measured, baseline: string): Row {
  return {
    adapter,
    operation,
    size,
    'adapter MB/s': measured.adapter.toFixed(0),
    baseline,
    'baseline MB/s': measured.baseline.toFixed(0),
    ratio: (measured.adapter / measured.baseline).toFixed(2),
  };
}

/** `size` bytes that differ per `seed`, so each put stores a new object. */
async function distinctBytes(size: number, seed: number): Promise<Buffer> {
  return readAll(generatedStream(size, { seed }));
}

function chunked(bytes: Buffer): Readable {
  let offset = 0;
  return new Readable({
    read() {
      this.push(offset < bytes.length ? bytes.subarray(offset, (offset += CHUNK)) : null);
    },
  });
}

async function drain(stream: Readable): Promise<void> {
  await finished(stream.resume());
}

async function startS3rverProcess(): Promise<{ port: number; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./s3rverProcess.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (data: Buffer) => {
      buffered += data.toString();
      if (buffered.includes('\n')) resolve(buffered.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`s3rver process exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    port,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
