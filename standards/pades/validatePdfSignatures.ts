import { constants, createHash, verify, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString } from 'pdf-lib';
import { certificateIdentity, type CertificateIdentity } from './certificateIdentity.ts';
import { describeLaterChanges, type LaterChanges } from './describeLaterChanges.ts';
import { listSignatureFields } from './listSignatureFields.ts';
import { DIGEST_BY_OID, OID } from './oids.ts';
import { readSignedData, type SignedDataContents } from './readSignedData.ts';
import { verifyCertificatePath, type CertificatePath } from './verifyCertificatePath.ts';

export interface ValidationOptions {
  /** Trusted root (or intermediate) certificates: PEM text (one or more blocks) or DER. */
  trustAnchors: (string | Buffer)[];
}

export interface PdfSignatureReport {
  fieldName: string | null;
  /** Every check passed: integrity, signer certificate, trust, validity at signing time, nothing but signatures after. */
  valid: boolean;
  /** In Spanish, what is wrong and, where it helps, what it means. */
  problems: string[];
  subFilter: string | null;
  byteRange: number[] | null;
  /** The signed range ends where the file ends (what pdfsig calls "Total document signed"). */
  coversWholeFile: boolean;
  laterChanges: LaterChanges | null;
  /** The hash of the signed byte ranges equals the CMS message digest. */
  digestMatches: boolean;
  /** The CMS signature verifies with the signer certificate's public key. */
  signatureVerified: boolean;
  digestAlgorithm: string | null;
  /** Claimed by the signer: the CMS signing-time attribute, else the dictionary's /M. Not a trusted timestamp. */
  signingTime: Date | null;
  signingTimeSource: 'cms' | 'pdf' | null;
  signer: CertificateIdentity | null;
  chain: CertificatePath | null;
  /** From the signature dictionary: what the signing application wrote. */
  name: string | null;
  reason: string | null;
  location: string | null;
}

export interface PdfSignaturesReport {
  /** In form-field order, as pdfsig lists them (normally signing order). */
  signatures: PdfSignatureReport[];
  /** Problems with the file or the configuration rather than with one signature. */
  problems: string[];
}

const SUPPORTED_SUBFILTERS = new Set(['adbe.pkcs7.detached', 'ETSI.CAdES.detached']);

/**
 * Checks every signature in a PDF: byte range and digest, CMS signature, signer certificate and its path to the
 * configured trust anchors, validity at signing time, and what was appended after signing. Pure: bytes in, report
 * out. Never throws on bad input: unreadable files and signatures are reported as problems.
 */
export async function validatePdfSignatures(pdf: Buffer, options: ValidationOptions): Promise<PdfSignaturesReport> {
  const problems: string[] = [];
  const anchors = parseAnchors(options.trustAnchors, problems);
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { ignoreEncryption: true, updateMetadata: false });
  } catch (error) {
    return { signatures: [], problems: [...problems, `El PDF no se puede leer: ${messageOf(error)}.`] };
  }
  const catalog = doc.context.lookup(doc.context.trailerInfo.Root);
  if (!(catalog instanceof PDFDict)) return { signatures: [], problems: [...problems, 'El PDF no tiene catálogo.'] };
  const signatures: PdfSignatureReport[] = [];
  let fields: ReturnType<typeof listSignatureFields> = [];
  try {
    fields = listSignatureFields(doc.context, catalog);
  } catch (error) {
    problems.push(`Los campos de firma del PDF no se pueden leer: ${messageOf(error)}.`);
  }
  for (const field of fields) {
    signatures.push(await validateSignature(pdf, doc, field.fieldName, field.signature, anchors));
  }
  return { signatures, problems };
}

async function validateSignature(
  pdf: Buffer,
  doc: PDFDocument,
  fieldName: string | null,
  dict: PDFDict,
  anchors: X509Certificate[],
): Promise<PdfSignatureReport> {
  const report: PdfSignatureReport = {
    fieldName,
    valid: false,
    problems: [],
    subFilter: nameOf(dict.lookup(PDFName.of('SubFilter'))),
    byteRange: null,
    coversWholeFile: false,
    laterChanges: null,
    digestMatches: false,
    signatureVerified: false,
    digestAlgorithm: null,
    signingTime: null,
    signingTimeSource: null,
    signer: null,
    chain: null,
    name: textOf(dict.lookup(PDFName.of('Name'))),
    reason: textOf(dict.lookup(PDFName.of('Reason'))),
    location: textOf(dict.lookup(PDFName.of('Location'))),
  };
  const problem = (text: string) => report.problems.push(text);
  try {
    const range = byteRangeOf(pdf, dict, problem);
    report.byteRange = range;
    const contents = bytesOf(dict.lookup(PDFName.of('Contents')));
    if (!contents) problem('La firma no tiene contenido (/Contents).');
    if (!range || !contents) return finish(report);

    const end = range[2]! + range[3]!;
    report.coversWholeFile = end === pdf.length;
    report.laterChanges = await describeLaterChanges(pdf, doc, end);
    if (report.laterChanges.kind === 'other') problem(report.laterChanges.description);
    // A document timestamp (ETSI.RFC3161) signs a TSTInfo, not the ranges: the checks below would mislead.
    if (!report.subFilter || !SUPPORTED_SUBFILTERS.has(report.subFilter)) {
      problem(`Tipo de firma (SubFilter) no soportado por este validador: ${report.subFilter ?? 'ausente'}.`);
      return finish(report);
    }

    let cms: SignedDataContents;
    try {
      cms = readSignedData(contents);
    } catch (error) {
      problem(`El contenido de la firma no es un CMS SignedData legible (${messageOf(error)}).`);
      return finish(report);
    }
    const { signer } = cms;
    if (cms.signerCount !== 1) problem(`El CMS tiene ${cms.signerCount} firmantes; una firma PDF debe tener exactamente uno.`);
    const hash = DIGEST_BY_OID[signer.digestAlgorithm];
    report.digestAlgorithm = hash ?? signer.digestAlgorithm;
    if (!hash) {
      problem(`Algoritmo de resumen no soportado: ${signer.digestAlgorithm}.`);
      return finish(report);
    }
    if (hash === 'sha1') problem('La firma usa SHA-1, un algoritmo de resumen que ya no es seguro.');

    const signedBytes = Buffer.concat([pdf.subarray(range[0]!, range[0]! + range[1]!), pdf.subarray(range[2]!, end)]);
    if (signer.signedAttributes) {
      const digest = createHash(hash).update(signedBytes).digest();
      report.digestMatches = signer.messageDigest !== null && digest.equals(signer.messageDigest);
      if (!report.digestMatches) {
        problem('El resumen del documento no coincide con el firmado: el contenido cubierto por la firma fue modificado.');
      }
      if (signer.contentType !== OID.data) problem('El atributo content-type del CMS no es id-data.');
    }

    report.signingTime = signer.signingTime ?? pdfDate(dict.lookup(PDFName.of('M')));
    report.signingTimeSource = signer.signingTime ? 'cms' : report.signingTime ? 'pdf' : null;
    if (!report.signingTime) problem('La firma no indica su fecha (ni atributo signing-time ni /M).');

    if (!signer.certificate || !signer.certificateDer) {
      problem('El CMS no incluye el certificado del firmante.');
      return finish(report);
    }
    report.signer = certificateIdentity(signer.certificate);
    const signerX509 = new X509Certificate(signer.certificateDer);
    report.signatureVerified = verifySignature(signerX509, signer, signer.signedAttributes ?? signedBytes, hash);
    if (!report.signatureVerified) problem('La firma criptográfica no se verifica con la clave pública del certificado del firmante.');
    // Without signed attributes (allowed in adbe.pkcs7.detached) the signature itself covers the ranges' digest.
    if (!signer.signedAttributes) report.digestMatches = report.signatureVerified;
    checkSigningCertificateBinding(signer.certificateDer, signer.essCertificates, report.subFilter, problem);
    checkKeyUsage(signer.certificate, problem);

    const carried = cms.certificates.map((der) => new X509Certificate(der));
    report.chain = verifyCertificatePath(signerX509, carried, anchors, report.signingTime);
    report.chain.problems.forEach(problem);
  } catch (error) {
    problem(`La firma no se pudo validar: ${messageOf(error)}.`);
  }
  return finish(report);
}

function finish(report: PdfSignatureReport): PdfSignatureReport {
  report.valid =
    report.problems.length === 0 &&
    report.digestMatches &&
    report.signatureVerified &&
    report.chain?.trusted === true &&
    report.chain.validAtTime;
  return report;
}

/** ByteRange must be [0 a b c] with the gap exactly this signature's hex /Contents and nothing beyond the file. */
function byteRangeOf(pdf: Buffer, dict: PDFDict, problem: (text: string) => void): number[] | null {
  const array = dict.lookup(PDFName.of('ByteRange'));
  const values = array instanceof PDFArray ? array.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : NaN)) : [];
  if (values.length !== 4 || !values.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    problem('El rango firmado (/ByteRange) falta o no tiene cuatro enteros.');
    return null;
  }
  const [start, length, gapEnd, tailLength] = values as [number, number, number, number];
  if (start !== 0 || gapEnd <= length || gapEnd + tailLength > pdf.length) {
    problem(
      gapEnd + tailLength > pdf.length
        ? 'El rango firmado (/ByteRange) va más allá del final del archivo: el archivo está truncado.'
        : 'El rango firmado (/ByteRange) no empieza en el byte 0 o está desordenado.',
    );
    return null;
  }
  const gap = pdf.subarray(length, gapEnd).toString('latin1');
  const contents = bytesOf(dict.lookup(PDFName.of('Contents')));
  const hex = /^<([0-9a-fA-F\s]*)>$/.exec(gap)?.[1]?.replace(/\s/g, '');
  if (!hex || hex.length % 2 !== 0 || !contents || !Buffer.from(hex, 'hex').equals(contents)) {
    problem('El rango firmado (/ByteRange) ya no delimita el contenido de esta firma: el archivo fue reescrito o alterado después de firmar.');
    return null;
  }
  return values;
}

function verifySignature(
  cert: X509Certificate,
  signer: SignedDataContents['signer'],
  data: Buffer,
  digestHash: string,
): boolean {
  const { algorithmId, algorithmParams } = signer.signatureAlgorithm;
  const rsaHash: Record<string, string> = {
    [OID.rsaEncryption]: digestHash,
    [OID.sha1WithRsa]: 'sha1',
    [OID.sha256WithRsa]: 'sha256',
    [OID.sha384WithRsa]: 'sha384',
    [OID.sha512WithRsa]: 'sha512',
  };
  const ecHash: Record<string, string> = {
    [OID.ecPublicKey]: digestHash,
    [OID.ecdsaWithSha256]: 'sha256',
    [OID.ecdsaWithSha384]: 'sha384',
    [OID.ecdsaWithSha512]: 'sha512',
  };
  const rsa = rsaHash[algorithmId];
  if (rsa) return verify(rsa, data, { key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, signer.signature);
  const ec = ecHash[algorithmId];
  if (ec) return verify(ec, data, cert.publicKey, signer.signature);
  if (algorithmId === OID.rsassaPss) {
    const params = new pkijs.RSASSAPSSParams({ schema: algorithmParams });
    const pssHash = DIGEST_BY_OID[params.hashAlgorithm.algorithmId] ?? 'sha1';
    return verify(
      pssHash,
      data,
      { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength },
      signer.signature,
    );
  }
  throw new Error(`algoritmo de firma no soportado: ${algorithmId}`);
}

/** ESS signing-certificate(-v2) must name the certificate that signed; CAdES (ETSI.CAdES.detached) requires it. */
function checkSigningCertificateBinding(
  certificateDer: Buffer,
  ess: SignedDataContents['signer']['essCertificates'],
  subFilter: string | null,
  problem: (text: string) => void,
): void {
  if (!ess) {
    if (subFilter === 'ETSI.CAdES.detached') {
      problem('Falta el atributo signing-certificate-v2, obligatorio en firmas CAdES/PAdES: el certificado no queda ligado a la firma.');
    }
    return;
  }
  const matches = ess.some(({ hashAlgorithm, hash }) => {
    const name = DIGEST_BY_OID[hashAlgorithm];
    return name !== undefined && createHash(name).update(certificateDer).digest().equals(hash);
  });
  if (!matches) problem('El atributo signing-certificate no corresponde al certificado del firmante: podría haberse sustituido el certificado.');
}

/** A signing certificate must allow digitalSignature or nonRepudiation when it restricts key usage at all. */
function checkKeyUsage(cert: pkijs.Certificate, problem: (text: string) => void): void {
  const extension = cert.extensions?.find((e) => e.extnID === '2.5.29.15');
  if (!extension) return;
  const bits = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView).result;
  const first = bits instanceof asn1js.BitString ? (bits.valueBlock.valueHexView[0] ?? 0) : 0;
  if ((first & 0xc0) === 0) problem('El certificado del firmante no está habilitado para firmar (keyUsage sin digitalSignature ni nonRepudiation).');
}

function parseAnchors(inputs: (string | Buffer)[], problems: string[]): X509Certificate[] {
  return inputs.flatMap((input, index) => {
    const text = typeof input === 'string' ? input : input.toString('latin1');
    const blocks = text.includes('-----BEGIN CERTIFICATE-----')
      ? (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
      : [typeof input === 'string' ? Buffer.from(input, 'base64') : input];
    return blocks.flatMap((block) => {
      try {
        return [new X509Certificate(block)];
      } catch {
        problems.push(`El ancla de confianza n.º ${index + 1} no es un certificado legible.`);
        return [];
      }
    });
  });
}

function bytesOf(value: unknown): Buffer | null {
  return value instanceof PDFHexString || value instanceof PDFString ? Buffer.from(value.asBytes()) : null;
}

function textOf(value: unknown): string | null {
  return value instanceof PDFHexString || value instanceof PDFString ? safely(() => value.decodeText(), null) : null;
}

function nameOf(value: unknown): string | null {
  return value instanceof PDFName ? value.decodeText() : null;
}

function pdfDate(value: unknown): Date | null {
  return value instanceof PDFString || value instanceof PDFHexString ? safely(() => value.decodeDate(), null) : null;
}

function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
