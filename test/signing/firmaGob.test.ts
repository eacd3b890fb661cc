import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FirmaGobSigner, type FirmaGobSignerOptions } from '../../server/features/signing/FirmaGobSigner.ts';
import { SignerRejectedError, SignerUnavailableError } from '../../server/features/signing/signerErrors.ts';
import { signPdf } from '../../standards/pades/signPdf.ts';
import { validatePdfSignatures } from '../../standards/pades/validatePdfSignatures.ts';
import { startFirmaGobStandIn, type FirmaGobStandIn } from '../helpers/firmaGobStandIn.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { devSigners } from './devSigners.ts';
import { expectAcceptedByPdfsig, nssDatabaseTrusting, runPdfsig } from './pdfsig.ts';
import { samplePdf } from './samplePdf.ts';

let standIn: FirmaGobStandIn;
let nssDir: string | null;
let anchors: string[];

beforeAll(async () => {
  standIn = await startFirmaGobStandIn();
  const { dev } = await devSigners();
  anchors = [standIn.rootCertificatePem, dev.rootCertificatePem];
  nssDir = nssDatabaseTrusting(anchors);
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.scenario = { kind: 'sign' };
  standIn.requests.length = 0;
});

function signer(overrides: Partial<FirmaGobSignerOptions> = {}): FirmaGobSigner {
  return new FirmaGobSigner({
    baseUrl: standIn.url,
    apiTokenKey: standIn.apiTokenKey,
    secret: standIn.secret,
    entity: 'Subsecretaría General de la Presidencia',
    run: '22222222',
    purpose: 'Desatendido',
    signerName: 'Funcionario de Prueba',
    timeoutMs: 5_000,
    ...overrides,
  });
}

const digest = createHash('sha256').update('contenido').digest();
const ctx = { signingTime: new Date() };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('se esperaba un error'),
    (error: unknown) => error,
  );
}

describe('FirmaGob (flujo por hash) contra el doble local', () => {
  itWithReferee('pdfsig', 'firma un PDF que pdfsig y el validador aceptan', async () => {
    const signed = await signPdf(await samplePdf(), signer(), {
      reason: 'Firma de resolución',
      signerName: 'Funcionario de Prueba',
      signerPost: 'Analista',
      signingTime: new Date(),
      visibleStamp: true,
      description: 'Resolución exenta de prueba',
    });

    const [pdfsig] = runPdfsig(signed.pdf, nssDir);
    expectAcceptedByPdfsig(pdfsig, nssDir);
    expect(pdfsig).toMatchObject({ subFilter: 'adbe.pkcs7.detached', totalDocumentSigned: true, commonName: 'Funcionario de Prueba 22222222-2' });
    const report = await validatePdfSignatures(signed.pdf, { trustAnchors: anchors });
    expect(report.signatures[0]).toMatchObject({
      valid: true,
      signingTimeSource: 'cms',
      signer: { run: '22222222-2', organization: 'Subsecretaría General de la Presidencia' },
    });
    expect(report.signatures[0]!.chain?.subjects).toHaveLength(3);
    expect(signed.requestId).toMatch(/^\d+$/);

    const [request] = standIn.requests;
    expect(request!.claims).toMatchObject({ run: '22222222', purpose: 'Desatendido', entity: 'Subsecretaría General de la Presidencia' });
    expect(request!.claims!.expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(request!.body).toMatchObject({ hashes: [{ 'content-type': 'application/pdf', description: 'Resolución exenta de prueba' }] });
    expect(request!.headers.otp).toBeUndefined();
  });

  it('envía el OTP en la cabecera para Propósito General', async () => {
    const result = await signer({ purpose: 'Propósito General', run: '11.111.111-1' }).signDigest(digest, { ...ctx, otp: standIn.otp });
    expect(result.cms.length).toBeGreaterThan(1000);
    expect(standIn.requests[0]!.headers.otp).toBe(standIn.otp);
    expect(standIn.requests[0]!.claims).toMatchObject({ run: '11111111', purpose: 'Propósito General' });
  });

  it('sin OTP no llama a FirmaGob y pide ingresarlo', async () => {
    const error = await rejection(signer({ purpose: 'Propósito General' }).signDigest(digest, ctx));
    expect(error).toBeInstanceOf(SignerRejectedError);
    expect(error).toMatchObject({ reason: 'otp-required' });
    expect(standIn.requests).toHaveLength(0);
  });

  for (const httpStatus of [200, 400]) {
    it(`OTP expirado (HTTP ${httpStatus}) → SignerRejectedError con qué hacer`, async () => {
      standIn.scenario = { kind: 'otp-expired', httpStatus };
      const error = await rejection(signer({ purpose: 'Propósito General' }).signDigest(digest, { ...ctx, otp: standIn.otp }));
      expect(error).toBeInstanceOf(SignerRejectedError);
      expect(error).toMatchObject({ reason: 'otp-expired', message: 'El OTP expiró; solicite uno nuevo y reintente.', status: 422 });
    });
  }

  it('un OTP incorrecto se informa como expirado, como lo hace FirmaGob', async () => {
    const error = await rejection(signer({ purpose: 'Propósito General' }).signDigest(digest, { ...ctx, otp: '000000' }));
    expect(error).toMatchObject({ reason: 'otp-expired' });
  });

  it('firma fallida (signedFailed) → SignerRejectedError signature-failed', async () => {
    standIn.scenario = { kind: 'signature-failed' };
    const error = await rejection(signer().signDigest(digest, ctx));
    expect(error).toBeInstanceOf(SignerRejectedError);
    expect(error).toMatchObject({ reason: 'signature-failed' });
    expect((error as Error).message).toContain('reintente');
  });

  it('credenciales incorrectas (JWT con otro secreto) → SignerRejectedError unauthorized', async () => {
    const error = await rejection(signer({ secret: 'otro-secreto' }).signDigest(digest, ctx));
    expect(error).toBeInstanceOf(SignerRejectedError);
    expect(error).toMatchObject({ reason: 'unauthorized' });
    expect((error as Error).message).toContain('firma HS256 incorrecta');
  });

  it('un token vencido es rechazado por el doble', async () => {
    const past = { now: () => new Date(Date.now() - 10 * 60 * 1000) };
    const error = await rejection(signer({ clock: past }).signDigest(digest, ctx));
    expect(error).toMatchObject({ reason: 'unauthorized' });
    expect((error as Error).message).toContain('token expirado');
  });

  it('HTTP 500 → SignerUnavailableError http', async () => {
    standIn.scenario = { kind: 'http-error', status: 500 };
    const error = await rejection(signer().signDigest(digest, ctx));
    expect(error).toBeInstanceOf(SignerUnavailableError);
    expect(error).toMatchObject({ reason: 'http', status: 503 });
  });

  it('sin respuesta a tiempo → SignerUnavailableError timeout', async () => {
    standIn.scenario = { kind: 'hang' };
    const error = await rejection(signer({ timeoutMs: 300 }).signDigest(digest, ctx));
    expect(error).toBeInstanceOf(SignerUnavailableError);
    expect(error).toMatchObject({ reason: 'timeout' });
  });

  it('servicio inalcanzable → SignerUnavailableError network', async () => {
    const closed = await startFirmaGobStandIn();
    await closed.close();
    const error = await rejection(signer({ baseUrl: closed.url }).signDigest(digest, ctx));
    expect(error).toBeInstanceOf(SignerUnavailableError);
    expect(error).toMatchObject({ reason: 'network' });
  });

  it('el error del firmante llega tipado a quien firma el PDF', async () => {
    standIn.scenario = { kind: 'signature-failed' };
    const error = await rejection(
      signPdf(await samplePdf(), signer(), { reason: 'x', signerName: 'y', signerPost: 'z', signingTime: new Date() }),
    );
    expect(error).toBeInstanceOf(SignerRejectedError);
  });

  it('describe al firmante con su RUN completo', () => {
    expect(signer().describe()).toEqual({
      kind: 'firmagob',
      name: 'Funcionario de Prueba',
      run: '22222222-2',
      subFilter: 'adbe.pkcs7.detached',
      maxCmsBytes: 15_000,
    });
    expect(() => signer({ run: '12.345.678-9' })).toThrow(SignerUnavailableError);
  });
});
