import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Byte sizes accept a plain number or a number with kb/mb/gb (binary multiples). */
const byteSize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'debe ser un tamaño como 1mb, 512kb o 1048576')
  .transform((s) => {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(s)!;
    const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
    return Math.floor(Number(m[1]) * unit);
  });

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'nombre de bucket S3 inválido').optional(),
    S3_ACCESS_KEY: z.string().min(1).optional(),
    S3_SECRET_KEY: z.string().min(1).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    JSON_BODY_LIMIT: byteSize.default(1024 * 1024),
    OBJECT_SWEEP_GRACE_HOURS: z.coerce.number().min(0).default(24),
    OBJECT_SWEEP_CRON: z.string().min(9).default('17 * * * *'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
    DEMO_AGENCY: bool.default(true),
    MAX_UPLOAD_BYTES: byteSize.default(1024 ** 3),
    MAX_PDF_PAGES: z.coerce.number().int().min(1).default(10_000),
    SIGNING_MAX_BYTES: byteSize.default(200 * 1024 ** 2),
    SEAL_P12_PATH: z.string().min(1).optional(),
    SEAL_P12_PASSWORD: z.string().optional(),
    TRUST_ANCHORS: z.string().min(1).optional(),
    FIRMAGOB_URL: z.url({ protocol: /^https?$/ }).optional(),
    FIRMAGOB_API_TOKEN_KEY: z.string().min(1).optional(),
    FIRMAGOB_SECRET: z.string().min(1).optional(),
    FIRMAGOB_ENTITY: z.string().min(1).optional(),
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    LINK_FETCH_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
    LINK_FETCH_MAX_BYTES: byteSize.default(100 * 1024 ** 2),
    VERIFY_RATE_LIMIT: z.coerce.number().int().min(1).default(30),
    OCR_REVIEW_BELOW: z.coerce.number().min(0).max(100).default(70),
    OCR_PAGE_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(120_000),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    ARCHIVE_XSD_DIR: z.string().min(1).optional(),
    ARCHIVE_SCHEMATRON_DIR: z.string().min(1).optional(),
    // 06:00 UTC is 02:00 or 03:00 in Chile: the quietest hours for the store.
    FIXITY_CRON: z.string().min(9).default('0 6 * * *'),
    FIXITY_MAX_BYTES_PER_SECOND: byteSize.default(0),
    OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_SCOPES: z.string().min(1).default('openid run name'),
    // Without OIDC_ISSUER, development and test processes sign people in through a provider of their own at /dev-oidc.
    DEV_OIDC: bool.optional(),
    SESSION_TTL_HOURS: z.coerce.number().min(0.1).max(24 * 7).default(8),
  });

/** Checked on the raw environment so these are reported together with any other invalid variable. */
function missingS3Settings(env: Record<string, string | undefined>): string[] {
  if (!env.S3_ENDPOINT) return [];
  return ['S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY']
    .filter((key) => !env[key])
    .map((key) => `${key}: es obligatorio cuando S3_ENDPOINT está definido`);
}

function missingOidcSettings(env: Record<string, string | undefined>): string[] {
  if (!env.OIDC_ISSUER) return [];
  return ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']
    .filter((key) => !env[key])
    .map((key) => `${key}: es obligatorio cuando OIDC_ISSUER está definido`);
}

function missingFirmaGobSettings(env: Record<string, string | undefined>): string[] {
  if (!env.FIRMAGOB_URL) return [];
  return ['FIRMAGOB_API_TOKEN_KEY', 'FIRMAGOB_SECRET', 'FIRMAGOB_ENTITY']
    .filter((key) => !env[key])
    .map((key) => `${key}: es obligatorio cuando FIRMAGOB_URL está definido`);
}

export interface Config {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number; jsonBodyLimit: number; shutdownTimeoutMs: number };
  logLevel: string;
  database:
    | { kind: 'pglite'; dataDir: string }
    | { kind: 'postgres'; url: string; poolMax: number };
  storage:
    | { kind: 'filesystem'; root: string }
    | { kind: 's3'; endpoint: URL; bucket: string; accessKey: string; secretKey: string; region: string };
  sweep: { graceMs: number; cron: string };
  demoAgency: boolean;
  /** Base of the URLs legajo prints (case-file URIs, verification links on authorized copies). */
  publicBaseUrl: string;
  /** Fetching a persistent link to hash it: 0 ms disables it; bodies over maxBytes are not hashed. */
  linkFetch: { timeoutMs: number; maxBytes: number };
  /** Lookups per minute and client address on the public /verify/{code}. */
  verifyRateLimit: number;
  /** OCR: pages whose mean word confidence is below reviewBelow (0-100) go to the review queue; each page's time bound. */
  ocr: { reviewBelow: number; pageTimeoutMs: number };
  /** One webhook delivery try, from connecting to reading the whole answer. */
  webhooks: { timeoutMs: number };
  /** Fixity: when the nightly re-hash runs (cron, UTC) and its read rate in bytes per second (0 = no limit). */
  fixity: { cron: string; maxBytesPerSecond: number };
  /**
   * The public schemas (METS, PREMIS, E-ARK XSDs) and E-ARK Schematron rules the package validator uses; they live
   * outside the project. null when neither configured nor found: validation then reports that it could not run them.
   */
  archive: { xsdDir: string | null; schematronDir: string | null };
  documents: { maxUploadBytes: number; maxPdfPages: number };
  /**
   * People's sign-in. `oidc` is the external provider (ClaveÚnica or an agency's own); without one, `devOidc` serves
   * a local provider with test people under /dev-oidc (never in production). Cookies are Secure unless the public
   * URL is plain http on a host other than localhost (browsers treat localhost as secure).
   */
  web: {
    oidc: { issuer: string; clientId: string; clientSecret: string; scopes: string } | null;
    devOidc: boolean;
    sessionTtlMs: number;
    secureCookies: boolean;
  };
  signing: {
    maxBytes: number;
    /** Agency seal (PKCS#12). Without SEAL_P12_PATH a development CA and seal are generated under DATA_DIR/seal. */
    seal: { p12Path: string; password: string; generateIfMissing: boolean };
    /** PEM files of the CAs whose signatures count as trusted, besides the seal's own CA. */
    trustAnchorFiles: string[];
    firmaGob: { url: string; apiTokenKey: string; secret: string; entity: string } | null;
  };
}

/** Public data beside the checkout (../shared, as in the project workspace), else the workspace's own; null if neither exists. */
function sharedDataDir(relative: string): string | null {
  const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  return [path.resolve(checkout, '../shared', relative), path.join('/work/shared', relative)].find((dir) => existsSync(dir)) ?? null;
}

/** Where the archive schemas and rules are found when ARCHIVE_XSD_DIR / ARCHIVE_SCHEMATRON_DIR are not set. */
export function defaultArchiveDirs(): Config['archive'] {
  return { xsdDir: sharedDataDir('xsd'), schematronDir: sharedDataDir('schematron/eark-csip-2.1.0') };
}

function webSettings(e: z.output<typeof envSchema>): Config['web'] {
  const publicUrl = new URL(e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`);
  return {
    oidc: e.OIDC_ISSUER ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID!, clientSecret: e.OIDC_CLIENT_SECRET!, scopes: e.OIDC_SCOPES } : null,
    devOidc: !e.OIDC_ISSUER && (e.DEV_OIDC ?? e.NODE_ENV !== 'production'),
    sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
    secureCookies: publicUrl.protocol === 'https:' || publicUrl.hostname === 'localhost',
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuración inválida:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The only place that reads the environment; everything else receives a Config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(entorno)'}: ${i.message}`)),
    ...missingS3Settings(cleaned),
    ...missingFirmaGobSettings(cleaned),
    ...missingOidcSettings(cleaned),
    ...(cleaned.OIDC_ISSUER && cleaned.DEV_OIDC && bool.parse(cleaned.DEV_OIDC) ? ['DEV_OIDC: no puede activarse junto con OIDC_ISSUER'] : []),
    ...(cleaned.NODE_ENV === 'production' && !cleaned.OIDC_ISSUER && cleaned.DEV_OIDC && bool.parse(cleaned.DEV_OIDC) ? ['DEV_OIDC: el proveedor de desarrollo no puede usarse en producción'] : []),
    ...(cleaned.SEAL_P12_PATH && cleaned.SEAL_P12_PASSWORD === undefined ? ['SEAL_P12_PASSWORD: es obligatorio cuando SEAL_P12_PATH está definido'] : []),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, jsonBodyLimit: e.JSON_BODY_LIMIT, shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pg') },
    storage: e.S3_ENDPOINT
      ? {
          kind: 's3',
          endpoint: new URL(e.S3_ENDPOINT),
          bucket: e.S3_BUCKET!,
          accessKey: e.S3_ACCESS_KEY!,
          secretKey: e.S3_SECRET_KEY!,
          region: e.S3_REGION,
        }
      : { kind: 'filesystem', root: path.join(dataDir, 'objects') },
    sweep: { graceMs: e.OBJECT_SWEEP_GRACE_HOURS * 3_600_000, cron: e.OBJECT_SWEEP_CRON },
    demoAgency: e.DEMO_AGENCY,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    linkFetch: { timeoutMs: e.LINK_FETCH_TIMEOUT_MS, maxBytes: e.LINK_FETCH_MAX_BYTES },
    verifyRateLimit: e.VERIFY_RATE_LIMIT,
    ocr: { reviewBelow: e.OCR_REVIEW_BELOW, pageTimeoutMs: e.OCR_PAGE_TIMEOUT_MS },
    webhooks: { timeoutMs: e.WEBHOOK_TIMEOUT_MS },
    fixity: { cron: e.FIXITY_CRON, maxBytesPerSecond: e.FIXITY_MAX_BYTES_PER_SECOND },
    archive: {
      xsdDir: e.ARCHIVE_XSD_DIR ? path.resolve(e.ARCHIVE_XSD_DIR) : defaultArchiveDirs().xsdDir,
      schematronDir: e.ARCHIVE_SCHEMATRON_DIR ? path.resolve(e.ARCHIVE_SCHEMATRON_DIR) : defaultArchiveDirs().schematronDir,
    },
    documents: { maxUploadBytes: e.MAX_UPLOAD_BYTES, maxPdfPages: e.MAX_PDF_PAGES },
    web: webSettings(e),
    signing: {
      maxBytes: e.SIGNING_MAX_BYTES,
      seal: e.SEAL_P12_PATH
        ? { p12Path: path.resolve(e.SEAL_P12_PATH), password: e.SEAL_P12_PASSWORD ?? '', generateIfMissing: false }
        : { p12Path: path.join(dataDir, 'seal', 'seal.p12'), password: 'legajo-dev', generateIfMissing: true },
      trustAnchorFiles: e.TRUST_ANCHORS ? e.TRUST_ANCHORS.split(',').map((f) => path.resolve(f.trim())) : [],
      firmaGob: e.FIRMAGOB_URL
        ? { url: e.FIRMAGOB_URL, apiTokenKey: e.FIRMAGOB_API_TOKEN_KEY!, secret: e.FIRMAGOB_SECRET!, entity: e.FIRMAGOB_ENTITY! }
        : null,
    },
  };
}
