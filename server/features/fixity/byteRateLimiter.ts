import { setTimeout as sleep } from 'node:timers/promises';

/** Paces reads: `take` resolves once the bytes may be consumed without exceeding the rate. */
export interface ByteRateLimiter {
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

export const unlimited: ByteRateLimiter = { take: async () => {} };

export interface LimiterClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: LimiterClock = { now: () => performance.now(), sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : undefined) };

/**
 * At most `bytesPerSecond` on average (0 = no limit). Time not used is banked for at most `burstMs`, so a pause
 * (a slow database round trip, a small object) is not followed by an unbounded burst.
 */
export function byteRateLimiter(bytesPerSecond: number, clock: LimiterClock = realClock, burstMs = 1_000): ByteRateLimiter {
  if (bytesPerSecond <= 0) return unlimited;
  let availableAt = clock.now() - burstMs;
  return {
    async take(bytes, signal) {
      const now = clock.now();
      availableAt = Math.max(availableAt, now - burstMs) + (bytes * 1_000) / bytesPerSecond;
      const wait = availableAt - now;
      if (wait > 0) await clock.sleep(wait, signal);
    },
  };
}
