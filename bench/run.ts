// Runs every bench/*.bench.ts (or those whose name contains an argument) and appends one dated section, with the
// machine it ran on, to bench/RESULTS.md. Usage: npx tsx bench/run.ts [name-filter...]
import { appendFile, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './BenchResult.ts';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = (await readdir(here))
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

const results: BenchResult[] = [];
for (const file of files) {
  process.stderr.write(`bench: running ${file}\n`);
  const module = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<BenchResult> };
  results.push(await module.default());
}

const resultsFile = join(here, 'RESULTS.md');
const exists = await stat(resultsFile).then(
  () => true,
  () => false,
);
const header = exists ? '' : '# Benchmark results\n\nAppended by `npx tsx bench/run.ts`; newest last.\n';
await appendFile(resultsFile, header + renderSection(results));
process.stderr.write(`bench: appended ${results.length} result(s) to ${resultsFile}\n`);

function renderSection(benchResults: BenchResult[]): string {
  const cpus = os.cpus();
  const machine = [
    `CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores`,
    `RAM: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `Node ${process.version}`,
    `${os.platform()} ${os.release()} ${os.arch()}`,
  ].join(' · ');
  const parts = [`\n## ${new Date().toISOString()}\n\n${machine}\n`];
  for (const result of benchResults) {
    parts.push(`\n### ${result.title}\n\n${renderTable(result.rows)}`);
    if (result.notes?.length) parts.push('\n' + result.notes.map((n) => `- ${n}`).join('\n') + '\n');
  }
  return parts.join('');
}

function renderTable(rows: BenchResult['rows']): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |\n`;
  return (
    line(columns) +
    line(columns.map(() => '---')) +
    rows.map((row) => line(columns.map((c) => String(row[c] ?? '—')))).join('')
  );
}
