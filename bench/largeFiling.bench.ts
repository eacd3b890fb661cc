// Peak RSS of the service while it files a 1 GiB PDF through the API: the upload is streamed into the object store
// and inspected by ranges, so memory should stay near the idle figure.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchResult } from './BenchResult.ts';
import { ReadableStream } from 'node:stream/web';

const SIZE = 1024 ** 3;
const CHUNK = Buffer.alloc(1024 * 1024, 0x20);

/** A valid PDF whose only content stream is SIZE bytes of spaces, produced chunk by chunk, never whole. */
function* hugePdf(): Generator<Buffer> {
  const parts: string[] = [];
  const offsets: number[] = [];
  let pos = 0;
  const emit = (s: string) => {
    parts.push(s);
    pos += Buffer.byteLength(s, 'latin1');
  };
  emit('%PDF-1.7\n');
  offsets[1] = pos;
  emit('1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n');
  offsets[2] = pos;
  emit('2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n');
  offsets[3] = pos;
  emit('3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n');
  offsets[4] = pos;
  emit(`4 0 obj\n<< /Length ${SIZE} >>\nstream\n`);
  yield Buffer.from(parts.join(''), 'latin1');
  for (let sent = 0; sent < SIZE; sent += CHUNK.length) yield CHUNK;
  pos += SIZE;
  const tail = ['\nendstream\nendobj\n'];
  const xref = pos + Buffer.byteLength(tail[0]!, 'latin1');
  tail.push('xref\n0 5\n0000000000 65535 f \n');
  for (let i = 1; i <= 4; i++) tail.push(`${String(offsets[i]).padStart(10, '0')} 00000 n \n`);
  tail.push(`trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  yield Buffer.from(tail.join(''), 'latin1');
}

async function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]);
}

export default async function largeFilingBench(): Promise<BenchResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'legajo-bench-large-'));
  const child = spawn(process.execPath, [resolve('bin/legajo.js'), 'start'], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', MAX_UPLOAD_BYTES: '2gb', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    const { url, token } = await new Promise<{ url: string; token: string }>((res, rej) => {
      child.stdout!.on('data', (c) => {
        out += c;
        const key = /(lgj_live_[A-Za-z0-9_-]+)/.exec(out);
        const running = /"url":"(http:\/\/[^"]+)".*"msg":"legajo en marcha"/.exec(out);
        if (key && running) res({ url: running[1]!, token: key[1]! });
      });
      child.on('exit', (code) => rej(new Error(`legajo start terminó (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 500));
    const idle = await statusKb(child.pid!, 'VmRSS');
    const boundary = 'legajoBench';
    const metadata = JSON.stringify({ MGDDE1_6: 'Grande', MGDDE3_2: ['grande'], MGDDE4_1: '2026-11-24T00:00:00Z', MGDDE5_3: 2, MGDDE61_2: 3, MGDDE7_1: 1, MGDDE7_2: 2, MGDDE8_3: 2 });
    async function* body() {
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${metadata}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="grande.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
      let sent = 0;
      for (const chunk of hugePdf()) {
        yield chunk;
        sent += chunk.length;
        if (sent % (128 * 1024 ** 2) < chunk.length) process.stderr.write(`bench: large filing ${Math.round(sent / 1024 ** 2)} MiB\n`);
      }
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    const started = performance.now();
    const res = await fetch(`${url}/v1/documents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body: ReadableStream.from(body()),
      duplex: 'half',
    } as RequestInit);
    const seconds = (performance.now() - started) / 1000;
    if (res.status !== 201) throw new Error(`filing failed: ${res.status} ${await res.text()}`);
    const peak = await statusKb(child.pid!, 'VmHWM');
    return {
      title: 'Filing a 1 GiB PDF through the API (legajo start, embedded defaults)',
      rows: [{ measure: '1 GiB PDF, one request', 'RSS idle (MiB)': (idle / 1024).toFixed(0), 'peak RSS (MiB)': (peak / 1024).toFixed(0), 'MB/s': (SIZE / 1e6 / seconds).toFixed(0) }],
      notes: ['Peak = VmHWM of the service process (a separate `legajo start` child), read from /proc after the request; idle = VmRSS before it. The PDF is generated on the fly by the client. The idle figure is mostly the embedded PGlite (WebAssembly heap) plus pg-boss; the filing itself is the difference.'],
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

