import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalSealSigner } from '../../server/features/signing/LocalSealSigner.ts';
import type { Signer } from '../../server/features/signing/Signer.ts';
import { signPdf, type SignPdfOptions } from '../../standards/pades/signPdf.ts';
import { validatePdfSignatures } from '../../standards/pades/validatePdfSignatures.ts';
import { startFirmaGobStandIn } from '../helpers/firmaGobStandIn.ts';
import { devSigners } from './devSigners.ts';
import { samplePdf } from './samplePdf.ts';

let seal: LocalSealSigner;
let devRoot: string;
let signed: Buffer;
let gap: [number, number];

const options: SignPdfOptions = { reason: 'Prueba', signerName: 'Sello', signerPost: 'Oficina de Partes', signingTime: new Date() };

beforeAll(async () => {
  const signers = await devSigners();
  seal = signers.seal;
  devRoot = signers.dev.rootCertificatePem;
  signed = (await signPdf(await samplePdf({ pages: 1 }), seal, { ...options, visibleStamp: true })).pdf;
  const report = await validatePdfSignatures(signed, { trustAnchors: [devRoot] });
  const range = report.signatures[0]!.byteRange!;
  gap = [range[1]!, range[2]!];
});

describe('validatePdfSignatures', () => {
  afterEach(() => vi.restoreAllMocks());
  // pdf-lib reports every unparsable object on the console; broken input is the point of the fuzz tests below.
  const quietPdfLib = () => vi.spyOn(console, 'warn').mockImplementation(() => undefined);

  it('un PDF sin firmas no tiene firmas ni problemas', async () => {
    expect(await validatePdfSignatures(await samplePdf(), { trustAnchors: [devRoot] })).toEqual({ signatures: [], problems: [] });
  });

  it('sin anclas de confianza, o con otras, la firma íntegra no es válida y dice por qué', async () => {
    const untrusted = await validatePdfSignatures(signed, { trustAnchors: [] });
    expect(untrusted.signatures[0]).toMatchObject({ valid: false, digestMatches: true, signatureVerified: true, chain: { trusted: false } });
    expect(untrusted.signatures[0]!.problems).toEqual(['No hay anclas de confianza configuradas: la cadena del certificado no se puede validar.']);

    const standIn = await startFirmaGobStandIn();
    await standIn.close();
    const other = await validatePdfSignatures(signed, { trustAnchors: [standIn.rootCertificatePem] });
    expect(other.signatures[0]!.problems[0]).toContain('no llega a un ancla de confianza');
  });

  it('un ancla ilegible es un problema del informe, no una excepción', async () => {
    const report = await validatePdfSignatures(signed, { trustAnchors: ['no es un certificado', devRoot] });
    expect(report.problems).toEqual(['El ancla de confianza n.º 1 no es un certificado legible.']);
    expect(report.signatures[0]!.valid).toBe(true);
  });

  it('un certificado fuera de vigencia en la fecha de firma invalida la firma', async () => {
    // The seal signs now, but the dictionary claims 2001: the certificate did not exist then.
    const backdating: Signer = { describe: () => seal.describe(), signDigest: (digest) => seal.signDigest(digest, { signingTime: new Date() }) };
    const { pdf } = await signPdf(await samplePdf({ pages: 1 }), backdating, { ...options, signingTime: new Date('2001-01-01T00:00:00Z') });
    const [signature] = (await validatePdfSignatures(pdf, { trustAnchors: [devRoot] })).signatures;
    expect(signature).toMatchObject({ valid: false, digestMatches: true, signatureVerified: true, chain: { trusted: true, validAtTime: false } });
    expect(signature!.problems.join(' ')).toContain('no era válido en la fecha de firma 2001-01-01');
  });

  it('un PDF truncado se informa como inválido, nunca con una excepción', async () => {
    quietPdfLib();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: signed.length - 1 }), async (length) => {
        const report = await validatePdfSignatures(signed.subarray(0, length), { trustAnchors: [devRoot] });
        expect(report.signatures.some((s) => s.valid)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('un byte alterado fuera de /Contents nunca deja una firma válida, ni lanza', async () => {
    quietPdfLib();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: signed.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const mutated = Buffer.from(signed);
        mutated[at] = mutated[at]! ^ xor;
        const report = await validatePdfSignatures(mutated, { trustAnchors: [devRoot] });
        const inGap = at >= gap[0] && at < gap[1];
        if (!inGap) expect(report.signatures.some((s) => s.valid)).toBe(false);
      }),
      { numRuns: 80 },
    );
  });

  it('bytes basura o PDFs rotos dan un informe, no una excepción', async () => {
    quietPdfLib();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        const report = await validatePdfSignatures(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(bytes)]), { trustAnchors: [devRoot] });
        expect(report.signatures.some((s) => s.valid)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});
