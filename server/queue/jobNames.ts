/** Every job the service knows. A name without a handler stops the worker at startup (see Queue.work). */
export const JOB_NAMES = ['storage.sweep', 'webhook.deliver', 'ocr.batch', 'disposition.run', 'fixity.check', 'transfer.build', 'text.extract'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/**
 * Retry policy of each job's queue (pg-boss): tries after the first, the first delay in seconds, doubling or not;
 * for long jobs, how long one try may run and the heartbeat whose absence marks its worker dead.
 */
export const QUEUE_POLICIES: Record<JobName, { retryLimit: number; retryDelay?: number; retryBackoff: boolean; expireInSeconds?: number; heartbeatSeconds?: number }> = {
  'storage.sweep': { retryLimit: 3, retryBackoff: true },
  // 9 tries; retry n waits 2^(n-1) min plus up to as much again: the 7th try comes 63 min to 2 h 6 min after the
  // first, so a receiver down for an hour still gets the event; the 9th and last 4 h 15 min to 8 h 30 min after.
  'webhook.deliver': { retryLimit: 8, retryDelay: 60, retryBackoff: true },
  // A retry redoes only the pages left pending, so a crash mid-batch costs little to try again.
  'ocr.batch': { retryLimit: 3, retryDelay: 30, retryBackoff: true },
  // Done items are never redone, so a retry only continues where the last try stopped.
  'disposition.run': { retryLimit: 5, retryDelay: 60, retryBackoff: true },
  // A pass over a large store takes hours; a try that overruns 6 h is interrupted and the retry continues from the
  // cursor. A dead worker is noticed within a minute; the first retry comes after the run's 60 s lease has lapsed.
  'fixity.check': { retryLimit: 5, retryDelay: 120, retryBackoff: true, expireInSeconds: 6 * 3600, heartbeatSeconds: 60 },
  // A retry rebuilds the package from the records; a multi-gigabyte package may take hours to stream.
  'transfer.build': { retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 6 * 3600, heartbeatSeconds: 60 },
  // A file that cannot be read is an outcome, not an error: retries are for the store or the database being away.
  'text.extract': { retryLimit: 3, retryDelay: 30, retryBackoff: true },
};

/**
 * How each queue is worked in one process: jobs fetched per round trip (a full batch fetches again at once instead
 * of waiting for the next poll) and independent workers, so one slow job (a receiver that never answers) does not
 * hold up the others.
 */
export const WORKER_POLICIES: Record<JobName, { batchSize: number; workers: number }> = {
  'storage.sweep': { batchSize: 1, workers: 1 },
  'webhook.deliver': { batchSize: 20, workers: 4 },
  // One batch at a time per process: its pages already fill the OCR engine's pool.
  'ocr.batch': { batchSize: 1, workers: 1 },
  'disposition.run': { batchSize: 1, workers: 1 },
  'fixity.check': { batchSize: 1, workers: 1 },
  'transfer.build': { batchSize: 1, workers: 1 },
  // Each job reads one PDF in a bounded worker thread of its own; two at a time keep up with filings beside OCR.
  'text.extract': { batchSize: 1, workers: 2 },
};
