import { createHash, sign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from './oids.ts';

export interface SignedDataInput {
  /** SHA-256 of the signed content (for PDFs: of the ByteRange). */
  digest: Buffer;
  privateKey: KeyObject;
  /** DER certificates: the signer's first, then its chain. All are embedded so validators can build the path. */
  certificates: Buffer[];
  /**
   * When given, a signing-time attribute is added. PAdES baseline forbids it (the time goes in the signature
   * dictionary's /M), but adbe.pkcs7.detached signers such as FirmaGob include it.
   */
  signingTime?: Date;
}

/**
 * Builds a detached CMS SignedData (DER) over a precomputed SHA-256 digest, with the signed attributes CAdES-BES
 * requires: content-type, message-digest and ESS signing-certificate-v2 binding the signer certificate.
 */
export function buildSignedData(input: SignedDataInput): Buffer {
  if (input.digest.length !== 32) throw new Error('Se esperaba un resumen SHA-256 de 32 bytes');
  const [signerDer] = input.certificates;
  if (!signerDer) throw new Error('Falta el certificado del firmante');
  const signerCert = pkijs.Certificate.fromBER(new Uint8Array(signerDer));
  const certificates = input.certificates.map((der) => pkijs.Certificate.fromBER(new Uint8Array(der)));

  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: input.digest })] }),
    new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(signerDer, signerCert)] }),
  ];
  if (input.signingTime) {
    attributes.push(new pkijs.Attribute({ type: OID.signingTime, values: [asn1Time(input.signingTime)] }));
  }
  // DER sorts SET OF by encoding. NSS (pdfsig, Firefox) re-encodes the attributes before verifying, so an
  // unsorted set would make a correct signature look broken there.
  const sorted = attributes
    .map((attribute) => ({ attribute, der: Buffer.from(attribute.toSchema().toBER()) }))
    .sort((a, b) => Buffer.compare(a.der, b.der))
    .map((entry) => entry.attribute);
  const signedAttributesDer = Buffer.from(new asn1js.Set({ value: sorted.map((a) => a.toSchema()) }).toBER());

  const { algorithmId, algorithmParams, signature } = signAttributes(signedAttributesDer, input.privateKey);
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: signerCert.issuer, serialNumber: signerCert.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sorted }),
    signatureAlgorithm: new pkijs.AlgorithmIdentifier(algorithmParams ? { algorithmId, algorithmParams } : { algorithmId }),
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates,
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema() });
  return Buffer.from(contentInfo.toSchema().toBER());
}

/** SigningCertificateV2 with one ESSCertIDv2; hashAlgorithm is omitted because SHA-256 is its DEFAULT. */
function signingCertificateV2(signerDer: Buffer, cert: pkijs.Certificate): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })],
      }),
      new asn1js.Integer({ valueHex: cert.serialNumber.valueBlock.valueHexView }),
    ],
  });
  const essCertId = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: createHash('sha256').update(signerDer).digest() }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertId] })] });
}

/** RFC 5280 rule also used by CMS: UTCTime through 2049, GeneralizedTime after. */
function asn1Time(date: Date): asn1js.UTCTime | asn1js.GeneralizedTime {
  const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
  return date.getUTCFullYear() < 2050
    ? new asn1js.UTCTime({ valueDate: whole })
    : new asn1js.GeneralizedTime({ valueDate: whole });
}

function signAttributes(
  data: Buffer,
  key: KeyObject,
): { algorithmId: string; algorithmParams: asn1js.Null | undefined; signature: Buffer } {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { algorithmId: OID.sha256WithRsa, algorithmParams: new asn1js.Null(), signature: sign('sha256', data, key) };
    case 'ec':
      return { algorithmId: OID.ecdsaWithSha256, algorithmParams: undefined, signature: sign('sha256', data, key) };
    default:
      throw new Error(`Tipo de clave no soportado para firmar: ${key.asymmetricKeyType ?? 'desconocido'}`);
  }
}
