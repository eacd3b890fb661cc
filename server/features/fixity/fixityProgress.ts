import type { FixityProgress } from './fixityService.ts';

const MB = 1e6;
const decimal = new Intl.NumberFormat('es-CL', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const integer = new Intl.NumberFormat('es-CL');

const duration = (seconds: number): string => {
  const s = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
};

/**
 * One progress line: bar, objects and MB done of the total, rate and time left. `bytesAtStart` is what the run had
 * already checked before this process took it, so the rate is this process's own.
 */
export function formatProgress(p: FixityProgress, elapsedMs: number, bytesAtStart = 0, barWidth = 24): string {
  const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytesChecked / p.bytesTotal) : p.objectsTotal > 0 ? Math.min(1, p.objectsChecked / p.objectsTotal) : 1;
  const filled = Math.round(fraction * barWidth);
  const rate = elapsedMs > 0 ? ((p.bytesChecked - bytesAtStart) / elapsedMs) * 1000 : 0;
  const left = rate > 0 ? duration(Math.max(0, p.bytesTotal - p.bytesChecked) / rate) : '—';
  const damaged = p.mismatches + p.missing;
  return [
    `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)} %`,
    `${integer.format(p.objectsChecked)}/${integer.format(p.objectsTotal)} objetos`,
    `${decimal.format(p.bytesChecked / MB)}/${decimal.format(p.bytesTotal / MB)} MB`,
    `${decimal.format(rate / MB)} MB/s`,
    `quedan ${left}`,
    ...(damaged ? [`${damaged} dañado(s)`] : []),
  ].join(' · ');
}

export interface ProgressReporter {
  update(p: FixityProgress): void;
  /** Writes the last state and ends the line. */
  done(): void;
}

/**
 * Progress on a terminal is one line redrawn in place (at most 10 times a second); anywhere else (a log file, a
 * pipe) it is a plain line every `plainEveryMs`, so logs stay readable.
 */
export function progressReporter(out: NodeJS.WritableStream & { isTTY?: boolean }, now: () => number = Date.now, plainEveryMs = 5_000): ProgressReporter {
  const startedAt = now();
  let bytesAtStart: number | null = null;
  let last: FixityProgress | null = null;
  let written: FixityProgress | null = null;
  let writtenAt = -Infinity;
  const line = (p: FixityProgress) => formatProgress(p, now() - startedAt, bytesAtStart ?? 0);
  return {
    update(p) {
      bytesAtStart ??= p.bytesChecked;
      last = p;
      const t = now();
      if (t - writtenAt < (out.isTTY ? 100 : plainEveryMs)) return;
      writtenAt = t;
      written = p;
      out.write(out.isTTY ? `\r${line(p)}\x1b[K` : `${line(p)}\n`);
    },
    done() {
      if (!last) return;
      if (out.isTTY) out.write(`\r${line(last)}\x1b[K\n`);
      else if (last !== written) out.write(`${line(last)}\n`);
      last = null;
    },
  };
}
