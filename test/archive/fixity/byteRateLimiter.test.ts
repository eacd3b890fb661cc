import { describe, expect, it } from 'vitest';
import { byteRateLimiter, unlimited, type LimiterClock } from '../../../server/features/fixity/byteRateLimiter.ts';

/** A clock that only moves when the limiter sleeps (or the test says so), recording every sleep. */
function fakeClock(): LimiterClock & { sleeps: number[]; advance(ms: number): void } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance: (ms) => void (now += ms),
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('byteRateLimiter', () => {
  it('0 means no limit', () => {
    expect(byteRateLimiter(0)).toBe(unlimited);
  });

  it('makes the reader wait exactly as long as the bytes cost at the rate, after a one-second burst', async () => {
    const clock = fakeClock();
    const limiter = byteRateLimiter(1_000, clock);
    // The first second of bytes is banked: reading it costs no wait.
    await limiter.take(1_000);
    expect(clock.sleeps).toEqual([]);
    await limiter.take(500);
    await limiter.take(2_000);
    expect(clock.sleeps).toEqual([500, 2_000]);
    // Averaged over the run: 3 500 bytes in 2.5 s plus the 1 s bank.
    expect(clock.now()).toBe(2_500);
  });

  it('banks idle time for at most the burst, so a pause is not followed by an unbounded burst', async () => {
    const clock = fakeClock();
    const limiter = byteRateLimiter(1_000, clock);
    await limiter.take(1_000);
    clock.advance(60_000);
    await limiter.take(1_000);
    expect(clock.sleeps).toEqual([]);
    await limiter.take(1_000);
    expect(clock.sleeps).toEqual([1_000]);
  });

  it('an abort while waiting rejects with the reason', async () => {
    const limiter = byteRateLimiter(1, fakeClock());
    const abort = new AbortController();
    abort.abort(new Error('detenida'));
    await limiter.take(1);
    await expect(limiter.take(10, abort.signal)).rejects.toThrow('detenida');
  });

  it('really sleeps on the real clock, and an abort ends the sleep', async () => {
    const limiter = byteRateLimiter(1);
    await limiter.take(1);
    const abort = new AbortController();
    const waiting = limiter.take(3_600, abort.signal);
    abort.abort(new Error('fin'));
    await expect(waiting).rejects.toThrow();
  });
});
