// Child process for the crash test: opens the store described by argv[2], starts a put of an endless stream and
// says "writing" on stdout once `argv[3]` bytes have gone in, then waits to be killed.
import { generatedStream } from './generatedStream.ts';
import { openStore, type StoreSpec } from './storeSpec.ts';

const spec = JSON.parse(process.argv[2]!) as StoreSpec;
const announceAfter = Number(process.argv[3]);
const store = await openStore(spec);
let announced = false;
await store.put(
  generatedStream(Number.POSITIVE_INFINITY, {
    seed: 99,
    onProduced: (total) => {
      if (!announced && total >= announceAfter) {
        announced = true;
        process.stdout.write('writing\n');
      }
    },
  }),
);
