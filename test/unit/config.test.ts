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

  it('runs the fixity check nightly without a rate limit unless told otherwise', () => {
    expect(loadConfig({}).fixity).toEqual({ cron: '0 6 * * *', maxBytesPerSecond: 0 });
    expect(loadConfig({ FIXITY_CRON: '30 2 * * 0', FIXITY_MAX_BYTES_PER_SECOND: '50mb' }).fixity).toEqual({ cron: '30 2 * * 0', maxBytesPerSecond: 50 * 1024 * 1024 });
    expect(() => loadConfig({ FIXITY_MAX_BYTES_PER_SECOND: 'rápido' })).toThrow(/FIXITY_MAX_BYTES_PER_SECOND/);
  });

  it('finds the archive schemas and rules beside the checkout, or takes them from ARCHIVE_XSD_DIR and ARCHIVE_SCHEMATRON_DIR', () => {
    const found = loadConfig({}).archive;
    // The workspace always has ../shared (or /work/shared); a checkout without it gets null, which validation reports.
    expect(found.xsdDir).toMatch(/shared\/xsd$/);
    expect(found.schematronDir).toMatch(/shared\/schematron\/eark-csip-2\.1\.0$/);
    expect(loadConfig({ ARCHIVE_XSD_DIR: 'esquemas', ARCHIVE_SCHEMATRON_DIR: '/opt/reglas' }).archive).toEqual({ xsdDir: path.resolve('esquemas'), schematronDir: '/opt/reglas' });
  });

  it('signs people in through the development provider unless an issuer is configured, never in production', () => {
    expect(loadConfig({}).web).toMatchObject({ oidc: null, devOidc: true, secureCookies: true, sessionTtlMs: 8 * 3_600_000 });
    expect(loadConfig({ NODE_ENV: 'production' }).web.devOidc).toBe(false);
    const real = loadConfig({ OIDC_ISSUER: 'https://accounts.claveunica.gob.cl/openid', OIDC_CLIENT_ID: 'id', OIDC_CLIENT_SECRET: 's', PUBLIC_BASE_URL: 'https://legajo.example.cl' });
    expect(real.web).toMatchObject({ devOidc: false, secureCookies: true, oidc: { issuer: 'https://accounts.claveunica.gob.cl/openid', scopes: 'openid run name' } });
    // Plain http on a real host cannot carry Secure cookies.
    expect(loadConfig({ PUBLIC_BASE_URL: 'http://intranet.local:3000' }).web.secureCookies).toBe(false);
    expect(() => loadConfig({ OIDC_ISSUER: 'https://idp.example.cl' })).toThrow(/OIDC_CLIENT_ID: es obligatorio[\s\S]*OIDC_CLIENT_SECRET: es obligatorio/);
    expect(() => loadConfig({ NODE_ENV: 'production', DEV_OIDC: 'true' })).toThrow(/DEV_OIDC: el proveedor de desarrollo no puede usarse en producción/);
    expect(() => loadConfig({ OIDC_ISSUER: 'https://idp.example.cl', OIDC_CLIENT_ID: 'a', OIDC_CLIENT_SECRET: 'b', DEV_OIDC: '1' })).toThrow(/DEV_OIDC: no puede activarse junto con OIDC_ISSUER/);
  });
});
