/** Every job the service knows. A name without a handler stops the worker at startup (see Queue.work). */
export const JOB_NAMES = ['storage.sweep'] as const;
export type JobName = (typeof JOB_NAMES)[number];
