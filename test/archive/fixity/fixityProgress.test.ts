import { describe, expect, it } from 'vitest';
import { formatProgress, progressReporter } from '../../../server/features/fixity/fixityProgress.ts';
import type { FixityProgress } from '../../../server/features/fixity/fixityService.ts';

const at = (objectsChecked: number, bytesChecked: number, extra: Partial<FixityProgress> = {}): FixityProgress => ({
  runId: 'r',
  objectsChecked,
  objectsTotal: 1_200,
  bytesChecked,
  bytesTotal: 800e6,
  mismatches: 0,
  missing: 0,
  ...extra,
});

function sink(isTTY: boolean) {
  let text = '';
  return { isTTY, write: (chunk: string) => ((text += chunk), true), text: () => text } as unknown as NodeJS.WritableStream & { isTTY: boolean; text(): string };
}

describe('fixity progress', () => {
  it('shows objects and MB done of the total, the rate and the time left, in es-CL', () => {
    expect(formatProgress(at(300, 200e6), 10_000, 0, 10)).toBe('[###-------]  25 % · 300/1.200 objetos · 200,0/800,0 MB · 20,0 MB/s · quedan 0:00:30');
    expect(formatProgress(at(300, 200e6, { mismatches: 1, missing: 2 }), 10_000, 0, 10)).toMatch(/ · 3 dañado\(s\)$/);
    // The rate is this process's own: what a resumed run had checked before does not count.
    expect(formatProgress(at(300, 200e6), 10_000, 100e6, 10)).toMatch(/· 10,0 MB\/s · quedan 0:01:00$/);
    expect(formatProgress(at(0, 0), 0, 0, 10)).toMatch(/^\[----------\]   0 % .* 0,0 MB\/s · quedan —$/);
    // No bytes stored (every referenced object missing): progress by objects.
    expect(formatProgress(at(600, 0, { bytesTotal: 0 }), 1_000, 0, 10)).toMatch(/^\[#####-----\]  50 %/);
  });

  it('redraws one line on a terminal, at most ten times a second, and ends it', () => {
    let now = 0;
    const out = sink(true);
    const r = progressReporter(out, () => now);
    r.update(at(1, 1e6));
    now += 50;
    r.update(at(2, 2e6));
    now += 60;
    r.update(at(3, 3e6));
    r.done();
    const frames = out.text().split('\r').filter(Boolean);
    expect(frames.map((f) => /(\d+)\/1\.200 objetos/.exec(f)![1])).toEqual(['1', '3', '3']);
    expect(out.text().endsWith('\x1b[K\n')).toBe(true);
  });

  it('writes plain lines elsewhere, one every interval, and the final state once', () => {
    let now = 0;
    const out = sink(false);
    const r = progressReporter(out, () => now, 5_000);
    for (let i = 1; i <= 12; i++) {
      r.update(at(i * 100, i * 50e6));
      now += 1_000;
    }
    r.done();
    const lines = out.text().trimEnd().split('\n');
    expect(out.text()).not.toMatch(/\r|\x1b/);
    expect(lines.map((l) => /(\d[\d.]*)\/1\.200 objetos/.exec(l)![1])).toEqual(['100', '600', '1.100', '1.200']);
    r.done();
    expect(out.text().trimEnd().split('\n')).toHaveLength(4);
  });
});
