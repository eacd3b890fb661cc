import { createHmac } from 'node:crypto';
import { readSignedData } from '../../../standards/pades/readSignedData.ts';
import { parseRun, runCheckDigit } from '../../../standards/chile/run.ts';
import { systemClock, type Clock } from '../../clock.ts';
import type { DigestSignature, SignContext, Signer, SignerDescription } from './Signer.ts';
import { SignerRejectedError, SignerUnavailableError } from './signerErrors.ts';
import { zonedParts } from '../../../standards/pades/zonedParts.ts';

export type FirmaGobPurpose = 'Propósito General' | 'Desatendido';

export interface FirmaGobSignerOptions {
  /** e.g. https://api.firma.cert.digital.gob.cl (certification) or https://api.firma.digital.gob.cl (production); a path prefix is kept. */
  baseUrl: string;
  /** The application's id as registered with FirmaGob. */
  apiTokenKey: string;
  /** The application's secret: key of the HS256 JWT. */
  secret: string;
  /** The institution as registered with FirmaGob. */
  entity: string;
  /** The official's RUN, with or without check digit (12345678 or 12.345.678-5). */
  run: string;
  purpose: FirmaGobPurpose;
  /** The official's name, for the signature dictionary and the stamp. */
  signerName: string;
  timeoutMs?: number;
  /** FirmaGob reads the JWT expiration as local time without zone; Chile's unless told otherwise. */
  timeZone?: string;
  clock?: Clock;
}

/** The official example reserves 15 000 bytes for FirmaGob's PKCS#7 and its chain. */
const MAX_CMS_BYTES = 15_000;
const TOKEN_TTL_MS = 5 * 60 * 1000;

interface TicketResponse {
  hashes?: { content?: unknown; status?: unknown; documentStatus?: unknown }[];
  metadata?: { otpExpired?: unknown; signedFailed?: unknown };
  idSolicitud?: unknown;
  error?: unknown;
  message?: unknown;
}

/**
 * FirmaGob's hash flow (API v2): the digest of the PDF's byte range goes to /firma/v2/files/tickets with a JWT
 * naming the institution, the official's RUN and the certificate's purpose; FirmaGob answers with a detached
 * PKCS#7 for that digest.
 */
export class FirmaGobSigner implements Signer {
  private readonly runBody: string;
  private readonly clock: Clock;

  constructor(private readonly options: FirmaGobSignerOptions) {
    this.runBody = runBody(options.run);
    this.clock = options.clock ?? systemClock;
  }

  describe(): SignerDescription {
    return {
      kind: 'firmagob',
      name: this.options.signerName,
      run: `${this.runBody}-${runCheckDigit(this.runBody)}`,
      subFilter: 'adbe.pkcs7.detached',
      maxCmsBytes: MAX_CMS_BYTES,
    };
  }

  async signDigest(digest: Buffer, ctx: SignContext): Promise<DigestSignature> {
    const attended = this.options.purpose === 'Propósito General';
    if (attended && !ctx.otp) {
      throw new SignerRejectedError(
        'otp-required',
        'La firma con Propósito General requiere el OTP de su aplicación autenticadora; ingréselo y reintente.',
      );
    }
    const content = digest.toString('base64');
    const body = {
      api_token_key: this.options.apiTokenKey,
      token: this.token(),
      hashes: [
        {
          'content-type': 'application/pdf',
          content,
          description: ctx.description ?? 'Documento PDF',
          checksum: content,
        },
      ],
    };
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${this.options.baseUrl.replace(/\/+$/, '')}/firma/v2/files/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(attended ? { OTP: ctx.otp! } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw new SignerUnavailableError('timeout', `FirmaGob no respondió en ${Math.round(timeoutMs / 1000)} s; reintente en unos minutos.`);
      }
      const code = ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message) || 'error de red';
      throw new SignerUnavailableError('network', `No se pudo conectar con FirmaGob (${code}); reintente más tarde.`);
    }
    return this.interpret(status, text, digest);
  }

  /** Maps FirmaGob's answers, including its documented failure shapes, to a signature or a typed error. */
  private interpret(status: number, text: string, digest: Buffer): DigestSignature {
    const json = parseJson(text);
    const detail = json && (typeof json.error === 'string' ? json.error : typeof json.message === 'string' ? json.message : '');
    if (json?.metadata?.otpExpired === true) {
      throw new SignerRejectedError('otp-expired', 'El OTP expiró; solicite uno nuevo y reintente.');
    }
    if (status === 401 || status === 403) {
      throw new SignerRejectedError(
        'unauthorized',
        `FirmaGob rechazó la autorización${detail ? ` (${detail})` : ''}: revise api_token_key, secreto, entidad y que el RUN esté habilitado para este propósito.`,
      );
    }
    if (status === 400 || status === 422) {
      throw new SignerRejectedError('bad-request', `FirmaGob rechazó la solicitud${detail ? ` (${detail})` : ''}; revise los datos enviados.`);
    }
    if (status < 200 || status >= 300) {
      throw new SignerUnavailableError('http', `FirmaGob respondió HTTP ${status}${detail ? ` (${detail})` : ''}; reintente más tarde.`);
    }
    if (!json) throw new SignerUnavailableError('invalid-response', 'FirmaGob respondió algo que no es JSON; reintente más tarde.');
    const item = json.hashes?.[0];
    const failed = Number(json.metadata?.signedFailed ?? 0) > 0 || String(item?.status ?? '').toUpperCase() !== 'OK';
    if (failed) {
      const state = typeof item?.documentStatus === 'string' ? ` (${item.documentStatus})` : '';
      throw new SignerRejectedError(
        'signature-failed',
        `FirmaGob no pudo firmar el documento${state}; verifique que el certificado del firmante esté vigente y habilitado para este propósito, y reintente.`,
      );
    }
    const cms = typeof item?.content === 'string' ? Buffer.from(item.content, 'base64') : Buffer.alloc(0);
    let signedDigest: Buffer | null = null;
    try {
      signedDigest = readSignedData(cms).signer.messageDigest;
    } catch {
      // Reported below as an invalid response.
    }
    if (!signedDigest?.equals(digest)) {
      throw new SignerUnavailableError('invalid-response', 'FirmaGob devolvió una firma que no corresponde al documento enviado; reintente.');
    }
    if (cms.length > MAX_CMS_BYTES) {
      throw new SignerUnavailableError('invalid-response', `La firma de FirmaGob ocupa ${cms.length} bytes, más que los ${MAX_CMS_BYTES} reservados.`);
    }
    return { cms, ...(json.idSolicitud !== undefined && json.idSolicitud !== null ? { requestId: String(json.idSolicitud) } : {}) };
  }

  /** HS256 JWT with the claims FirmaGob reads; expiration in now + 5 min as local time without zone. */
  private token(): string {
    const now = this.clock.now();
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({
      entity: this.options.entity,
      run: this.runBody,
      purpose: this.options.purpose,
      expiration: localDateTime(new Date(now.getTime() + TOKEN_TTL_MS), this.options.timeZone ?? 'America/Santiago'),
      iat: Math.floor(now.getTime() / 1000),
    })}`;
    return `${unsigned}.${createHmac('sha256', this.options.secret).update(unsigned).digest('base64url')}`;
  }
}

/** FirmaGob wants the RUN without dots, dash or check digit; a full RUN is accepted only if its check digit is right. */
function runBody(run: string): string {
  if (/^\d{1,8}$/.test(run)) return run.replace(/^0+(?=\d)/, '');
  const parsed = parseRun(run);
  if (!parsed.ok) throw new SignerUnavailableError('configuration', `RUN de FirmaGob inválido (${parsed.reason}).`);
  return parsed.normalized.split('-')[0]!;
}

/** yyyy-MM-dd'T'HH:mm:ss in the given zone, as the official Java example's LocalDateTime produces. */
function localDateTime(date: Date, timeZone: string): string {
  const get = zonedParts(date, timeZone);
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}

function parseJson(text: string): TicketResponse | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as TicketResponse) : null;
  } catch {
    return null;
  }
}
