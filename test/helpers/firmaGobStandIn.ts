import { createHmac, generateKeyPairSync, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCheckDigit } from '../../standards/chile/run.ts';
import { buildSignedData } from '../../standards/pades/buildSignedData.ts';
import { issueCertificate } from '../../server/features/signing/issueCertificate.ts';

/** How the stand-in answers the next requests (until changed). */
export type StandInScenario =
  | { kind: 'sign' }
  | { kind: 'otp-expired'; httpStatus?: number }
  | { kind: 'signature-failed' }
  | { kind: 'http-error'; status: number }
  | { kind: 'hang' };

export interface StandInRequest {
  headers: IncomingHttpHeaders;
  body: unknown;
  claims: Record<string, unknown> | null;
}

export interface FirmaGobStandIn {
  /** Base URL (http://127.0.0.1:port); the API lives under /firma/v2/files/tickets. */
  url: string;
  apiTokenKey: string;
  secret: string;
  /** The OTP that "Propósito General" requests must carry; any other is answered as expired. */
  otp: string;
  /** The "FirmaGob test" root CA, to configure as a trust anchor. */
  rootCertificatePem: string;
  scenario: StandInScenario;
  requests: StandInRequest[];
  close(): Promise<void>;
}

const PURPOSES = new Set(['Propósito General', 'Desatendido']);
const TIME_ZONE = 'America/Santiago';

/**
 * A local stand-in for FirmaGob's API v2 hash flow (standards/chile.md §1.6), on loopback with a random port. It
 * checks what the real service documents (api_token_key, HS256 JWT with entity, run, purpose and a zone-less
 * expiration, OTP for "Propósito General", hashes) and signs each hash into a real CMS with a certificate issued
 * for the JWT's RUN by a "FirmaGob test" CA. It can be told to answer with the documented failure shapes.
 */
export async function startFirmaGobStandIn(options: { apiTokenKey?: string; secret?: string; otp?: string } = {}): Promise<FirmaGobStandIn> {
  const pki = testPki();
  const state: Omit<FirmaGobStandIn, 'url' | 'close'> = {
    apiTokenKey: options.apiTokenKey ?? 'legajo-test',
    secret: options.secret ?? 'secreto-de-prueba-firmagob',
    otp: options.otp ?? '123456',
    rootCertificatePem: new X509Certificate(pki.root.cert).toString(),
    scenario: { kind: 'sign' },
    requests: [],
  };
  let requestCounter = 1000;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => reply(res, 500, { status: 500, error: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/firma/v2/files/tickets') return reply(res, 404, { status: 404, error: 'Not Found' });
    const body = parseJson(await readBody(req));
    const record: StandInRequest = { headers: req.headers, body, claims: null };
    state.requests.push(record);
    if (state.scenario.kind === 'hang') return; // never answers: the client's timeout must fire
    if (!isObject(body)) return reply(res, 400, { status: 400, error: 'El cuerpo debe ser JSON' });
    if (body.api_token_key !== state.apiTokenKey) return reply(res, 401, { status: 401, error: 'api_token_key inválido' });
    const claims = verifyJwt(body.token, state.secret);
    if (typeof claims === 'string') return reply(res, 401, { status: 401, error: `Token inválido: ${claims}` });
    record.claims = claims;
    const hashes = Array.isArray(body.hashes) ? body.hashes : [];
    const invalid = hashes.length === 0 ? 'hashes vacío' : hashes.map(checkHash).find((problem) => problem !== null);
    if (invalid) return reply(res, 400, { status: 400, error: invalid });
    const idSolicitud = requestCounter++;
    const count = hashes.length;
    const failure = (documentStatus: string, otpExpired: boolean) => ({
      hashes: hashes.map((h: Record<string, unknown>) => ({ content: null, status: 'error', contentType: 'application/pdf', documentStatus, hashOriginal: h.content })),
      metadata: { otpExpired, hashesSigned: 0, signedFailed: count, hashesReceived: count },
      idSolicitud,
    });
    const otpHeader = req.headers.otp;
    if (claims.purpose === 'Propósito General' && otpHeader === undefined) return reply(res, 400, { status: 400, error: 'Falta el OTP' });
    if (state.scenario.kind === 'otp-expired' || (claims.purpose === 'Propósito General' && otpHeader !== state.otp)) {
      const status = state.scenario.kind === 'otp-expired' ? (state.scenario.httpStatus ?? 200) : 200;
      return reply(res, status, failure('OTP expirado', true));
    }
    if (state.scenario.kind === 'signature-failed') return reply(res, 200, failure('Error al firmar', false));
    if (state.scenario.kind === 'http-error') return reply(res, state.scenario.status, { status: state.scenario.status, error: 'Error del servicio' });

    const signer = pki.personFor(String(claims.run), String(claims.entity));
    const signed = hashes.map((h: Record<string, unknown>) => ({
      content: buildSignedData({
        digest: Buffer.from(String(h.content), 'base64'),
        privateKey: signer.key,
        certificates: [signer.cert, pki.intermediate.cert, pki.root.cert],
        signingTime: new Date(),
      }).toString('base64'),
      status: 'OK',
      contentType: 'application/pdf',
      documentStatus: 'Firmado',
      hashOriginal: h.content,
      checksum_original: h.checksum ?? null,
      description: h.description ?? null,
    }));
    reply(res, 200, { hashes: signed, metadata: { otpExpired: false, hashesSigned: count, signedFailed: 0, hashesReceived: count }, idSolicitud });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // hanging requests would otherwise keep the server open
        server.close(() => resolve());
      }),
  });
}

/** Returns the claims, or why the token is refused. */
function verifyJwt(token: unknown, secret: string): Record<string, unknown> | string {
  if (typeof token !== 'string') return 'falta token';
  const [header, payload, signature, ...rest] = token.split('.');
  if (!header || !payload || !signature || rest.length > 0) return 'formato JWT inválido';
  const head = parseJson(Buffer.from(header, 'base64url').toString());
  if (!isObject(head) || head.alg !== 'HS256') return 'algoritmo distinto de HS256';
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'firma HS256 incorrecta';
  const claims = parseJson(Buffer.from(payload, 'base64url').toString());
  if (!isObject(claims)) return 'payload ilegible';
  if (typeof claims.entity !== 'string' || claims.entity === '') return 'falta entity';
  if (typeof claims.run !== 'string' || !/^\d{1,8}$/.test(claims.run)) return 'run debe ir sin puntos, guion ni dígito verificador';
  if (typeof claims.purpose !== 'string' || !PURPOSES.has(claims.purpose)) return 'purpose desconocido';
  if (typeof claims.iat !== 'number') return 'falta iat';
  if (typeof claims.expiration !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(claims.expiration)) {
    return "expiration debe ser yyyy-MM-dd'T'HH:mm:ss sin zona";
  }
  // Same fixed-width format on both sides, so comparing the strings compares the times.
  if (claims.expiration <= chileNow()) return 'token expirado';
  return claims;
}

function checkHash(item: unknown): string | null {
  if (!isObject(item)) return 'cada hash debe ser un objeto';
  if (item['content-type'] !== 'application/pdf') return 'content-type debe ser application/pdf';
  if (typeof item.content !== 'string' || Buffer.from(item.content, 'base64').length !== 32) return 'content debe ser un SHA-256 en base64';
  if (item.checksum !== undefined && item.checksum !== item.content) return 'checksum no coincide con content';
  return null;
}

function chileNow(): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: TIME_ZONE, dateStyle: 'short', timeStyle: 'medium' }).format(new Date()).replace(' ', 'T');
}

/** Root, intermediate ("FirmaGob Test CA") and, on demand, one person certificate per RUN. */
function testPki() {
  const now = Date.now();
  const day = 86_400_000;
  const validity = { notBefore: new Date(now - day), notAfter: new Date(now + 365 * day) };
  const key = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rootKey = key();
  const root = {
    key: rootKey.privateKey,
    cert: issueCertificate({
      subject: { commonName: 'FirmaGob Test Root CA', organization: 'Gobierno de Chile (pruebas)' },
      publicKey: rootKey.publicKey,
      signingKey: rootKey.privateKey,
      kind: 'ca',
      ...validity,
    }),
  };
  const intermediateKey = key();
  const intermediate = {
    key: intermediateKey.privateKey,
    cert: issueCertificate({
      subject: { commonName: 'FirmaGob Test CA', organization: 'Gobierno de Chile (pruebas)' },
      publicKey: intermediateKey.publicKey,
      signingKey: root.key,
      issuerCertificate: root.cert,
      kind: 'ca',
      ...validity,
    }),
  };
  const people = new Map<string, { key: KeyObject; cert: Buffer }>();
  const personFor = (runBody: string, entity: string) => {
    const run = `${runBody}-${runCheckDigit(runBody)}`;
    let person = people.get(run);
    if (!person) {
      const personKey = key();
      person = {
        key: personKey.privateKey,
        cert: issueCertificate({
          subject: { commonName: `Funcionario de Prueba ${run}`, organization: entity, serialNumber: run },
          publicKey: personKey.publicKey,
          signingKey: intermediate.key,
          issuerCertificate: intermediate.cert,
          kind: 'signer',
          run,
          ...validity,
        }),
      };
      people.set(run, person);
    }
    return person;
  };
  return { root, intermediate, personFor };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
