import type { Clock } from '../clock.ts';
import { TooManyRequestsError } from '../errors.ts';

/**
 * Counts requests per key (a client address) in one-minute windows, in memory: enough to make guessing
 * verification codes slow from one address. Each API process counts on its own.
 */
export interface FixedWindowLimiter {
  /** Counts one request for `key`; throws 429 when its window is full. */
  take(key: string): void;
}

/** `what` names the requests in the 429 message, e.g. "consultas de verificación". */
export function fixedWindowLimiter(perMinute: number, clock: Clock, what: string): FixedWindowLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key: string): void {
      const now = clock.now().getTime();
      const window = windows.get(key);
      if (!window || now - window.start >= 60_000) {
        // Forget finished windows now and then, so the map cannot grow with every address ever seen.
        if (windows.size > 10_000) for (const [k, w] of windows) if (now - w.start >= 60_000) windows.delete(k);
        windows.set(key, { start: now, count: 1 });
        return;
      }
      if (++window.count > perMinute) {
        const wait = Math.ceil((window.start + 60_000 - now) / 1000);
        throw new TooManyRequestsError(`Demasiadas ${what} desde su dirección; espere ${wait} s y reintente.`, wait);
      }
    },
  };
}
