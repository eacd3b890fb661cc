/** Every job the service knows. A name without a handler stops the worker at startup (see Queue.work). */
export const JOB_NAMES = ['storage.sweep'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** Retry policy of each job's queue (pg-boss): tries after the first, the first delay in seconds, doubling or not. */
export const QUEUE_POLICIES: Record<JobName, { retryLimit: number; retryDelay?: number; retryBackoff: boolean }> = {
  'storage.sweep': { retryLimit: 3, retryBackoff: true },
};
