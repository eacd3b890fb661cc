import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { jobHandlers, openRuntime, type Runtime } from '../../server/runtime.ts';

describe('storage.sweep job', () => {
  let dir: string;
  let rt: Runtime;
  const ctx = () => ({ jobId: 'test', log: createLogger('silent'), signal: new AbortController().signal, retryCount: 0, retryLimit: 3 });

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-sweep-'));
  });
  afterAll(async () => {
    await rt?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps unreferenced objects inside the grace period and removes them after it', async () => {
    rt = await openRuntime(loadConfig({ DATA_DIR: dir, OBJECT_SWEEP_GRACE_HOURS: '1' }), createLogger('silent'));
    const { key } = await rt.store.put(Readable.from([Buffer.from('huérfano')]));
    await jobHandlers(rt)['storage.sweep']({}, ctx());
    expect(await rt.store.exists(key)).toBe(true);
    const later = { ...rt, clock: { now: () => new Date(Date.now() + 2 * 3_600_000) } };
    await jobHandlers(later)['storage.sweep']({}, ctx());
    expect(await rt.store.exists(key)).toBe(false);
  });
});
