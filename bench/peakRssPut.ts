// Child process of the storage benchmark: puts a generated stream of argv[3] bytes into a filesystem store at
// argv[2] and prints JSON with its RSS figures. A process of its own, so the figures belong to this put alone and
// not to whatever the benchmark did before. RSS is sampled rather than read from getrusage's maxRSS: on Linux that
// high-water mark survives fork+exec, so a child reports its parent's footprint when that was larger.
import { FilesystemObjectStore } from '../storage/FilesystemObjectStore.ts';
import { generatedStream } from '../test/storage/generatedStream.ts';
import { measurePeakRss } from './measurePeakRss.ts';

const root = process.argv[2]!;
const size = Number(process.argv[3]);
const store = new FilesystemObjectStore({ root });
await store.init();

const MiB = 1024 * 1024;
let nextReport = 0;
const { result, seconds, rssBeforeMiB, peakRssMiB } = await measurePeakRss(() =>
  store.put(
    generatedStream(size, {
      seed: 2024,
      onProduced: (total) => {
        if (total >= nextReport) {
          process.stderr.write(`  peak RSS put: ${(total / MiB).toFixed(0)} / ${(size / MiB).toFixed(0)} MiB\n`);
          nextReport += 256 * MiB;
        }
      },
    }),
  ),
);
process.stdout.write(
  JSON.stringify({
    size: result.size,
    seconds,
    rssBeforeMiB,
    peakRssMiB,
  }) + '\n',
);
