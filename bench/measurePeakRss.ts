const MiB = 1024 * 1024;

/**
 * Runs `work` while sampling this process's RSS every 5 ms (getrusage's maxrss would include start-up and earlier
 * work): the RSS before, the peak during, and how long it took.
 */
export async function measurePeakRss<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; rssBeforeMiB: number; peakRssMiB: number }> {
  const rssBeforeMiB = process.memoryUsage.rss() / MiB;
  let peak = 0;
  const sample = () => void (peak = Math.max(peak, process.memoryUsage.rss()));
  const sampler = setInterval(sample, 5);
  const started = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    sample();
    return { result, seconds, rssBeforeMiB, peakRssMiB: peak / MiB };
  } finally {
    clearInterval(sampler);
  }
}
