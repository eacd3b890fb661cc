import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

describe('config', () => {
  it('defaults to the embedded setup under ./data', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(3000);
    expect(c.database).toEqual({ kind: 'pglite', dataDir: path.resolve('data/pg') });
    expect(c.storage).toEqual({ kind: 'filesystem', root: path.resolve('data/objects') });
    expect(c.http.jsonBodyLimit).toBe(1024 * 1024);
  });

  it('switches to PostgreSQL and S3 when configured', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/legajo',
      S3_ENDPOINT: 'https://minio.local:9000',
      S3_BUCKET: 'legajo-objetos',
      S3_ACCESS_KEY: 'a',
      S3_SECRET_KEY: 'b',
      JSON_BODY_LIMIT: '2mb',
    });
    expect(c.database).toMatchObject({ kind: 'postgres', url: 'postgres://u@db:5432/legajo' });
    expect(c.storage).toMatchObject({ kind: 's3', bucket: 'legajo-objetos' });
    expect(c.http.jsonBodyLimit).toBe(2 * 1024 * 1024);
  });

  it('names every invalid variable', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', S3_ENDPOINT: 'http://s3', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      for (const v of ['PORT', 'DATABASE_URL', 'S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'LOG_LEVEL']) expect(msg).toContain(v);
    }
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).database.kind).toBe('pglite');
  });
});
