import type { Db } from '../db/Db.ts';
import type { JobName } from './jobNames.ts';

/** What services need of the queue: enqueue a job in the caller's transaction, so it exists exactly when its row does. */
export interface JobQueue {
  enqueue(db: Db, name: JobName, data: Record<string, unknown>, opts?: { singletonKey?: string; startAfter?: Date }): Promise<string | null>;
}

/** For processes that run no queue (one-shot CLI commands): anything that would enqueue is refused, loudly. */
export const noJobQueue: JobQueue = {
  async enqueue(_db, name) {
    throw new Error(`Este proceso no tiene cola de trabajos; el trabajo ${name} debe encolarse desde \`legajo start\`, \`serve\` o \`worker\`.`);
  },
};
