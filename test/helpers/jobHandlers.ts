import { JOB_NAMES, type JobName } from '../../server/queue/jobNames.ts';
import type { JobHandler } from '../../server/queue/Queue.ts';

/** A handler for every job name, doing nothing unless the test gives its own: workers refuse to start with one missing. */
export function jobHandlers(own: Partial<Record<JobName, JobHandler>> = {}): Record<JobName, JobHandler> {
  const idle: JobHandler = async () => {};
  return Object.fromEntries(JOB_NAMES.map((name) => [name, own[name] ?? idle])) as Record<JobName, JobHandler>;
}
