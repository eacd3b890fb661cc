import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from './oids.ts';

export interface SignedDataSigner {
  digestAlgorithm: string;
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
  signature: Buffer;
  /** The DER SET the signature covers, when signed attributes are present. */
  signedAttributes: Buffer | null;
  contentType: string | null;
  messageDigest: Buffer | null;
  signingTime: Date | null;
  /** Certificate hashes from ESS signing-certificate(-v2): what the signer bound its signature to. */
  essCertificates: { hashAlgorithm: string; hash: Buffer }[] | null;
  certificate: pkijs.Certificate | null;
  certificateDer: Buffer | null;
}

export interface SignedDataContents {
  signerCount: number;
  signer: SignedDataSigner;
  /** DER certificates carried in the CMS, the signer's included. */
  certificates: Buffer[];
  eContentType: string;
}

/**
 * Parses a CMS SignedData as found in a PDF's /Contents (zero padding after the DER is ignored) and picks out
 * what validation needs. Throws on anything that is not a SignedData with at least one signer.
 */
export function readSignedData(contents: Buffer): SignedDataContents {
  const der = contents.subarray(0, derLength(contents));
  const contentInfo = pkijs.ContentInfo.fromBER(new Uint8Array(der));
  if (contentInfo.contentType !== OID.signedData) throw new Error('el CMS no es SignedData');
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  const signerInfo = signedData.signerInfos[0];
  if (!signerInfo) throw new Error('el CMS no tiene firmantes');
  const certs = (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const certificate = certs.find((c) => identifies(signerInfo.sid, c)) ?? null;
  const attributes = signerInfo.signedAttrs?.attributes ?? [];
  const attribute = (oid: string) => attributes.find((a) => a.type === oid)?.values[0];
  const messageDigest = attribute(OID.messageDigest);
  const contentType = attribute(OID.contentType);
  const signingTime = attribute(OID.signingTime);
  const ess = attribute(OID.signingCertificateV2) ?? attribute(OID.signingCertificate);
  return {
    signerCount: signedData.signerInfos.length,
    eContentType: signedData.encapContentInfo.eContentType,
    certificates: certs.map((c) => Buffer.from(c.toSchema().toBER())),
    signer: {
      digestAlgorithm: signerInfo.digestAlgorithm.algorithmId,
      signatureAlgorithm: signerInfo.signatureAlgorithm,
      signature: Buffer.from(signerInfo.signature.valueBlock.valueHexView),
      signedAttributes: signerInfo.signedAttrs ? Buffer.from(signerInfo.signedAttrs.encodedValue) : null,
      contentType: contentType instanceof asn1js.ObjectIdentifier ? contentType.getValue() : null,
      messageDigest: messageDigest instanceof asn1js.OctetString ? Buffer.from(messageDigest.valueBlock.valueHexView) : null,
      signingTime:
        signingTime instanceof asn1js.UTCTime || signingTime instanceof asn1js.GeneralizedTime ? signingTime.toDate() : null,
      essCertificates: ess ? essCertificates(ess, attribute(OID.signingCertificateV2) !== undefined) : null,
      certificate,
      certificateDer: certificate ? Buffer.from(certificate.toSchema().toBER()) : null,
    },
  };
}

/** Length of the outer DER element, so the zeros padding /Contents are not parsed. */
function derLength(bytes: Buffer): number {
  if (bytes[0] !== 0x30 || bytes.length < 2) throw new Error('el contenido de la firma no es DER');
  const first = bytes[1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 4 || bytes.length < 2 + count) throw new Error('longitud DER inválida');
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + bytes[2 + i]!;
  if (2 + count + length > bytes.length) throw new Error('el CMS está truncado');
  return 2 + count + length;
}

/** SignerIdentifier: issuerAndSerialNumber, or [0] subjectKeyIdentifier. */
function identifies(sid: unknown, cert: pkijs.Certificate): boolean {
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return sid.issuer.isEqual(cert.issuer) && sid.serialNumber.isEqual(cert.serialNumber);
  }
  if (sid instanceof asn1js.Primitive || sid instanceof asn1js.Constructed) {
    const keyId = Buffer.from(
      sid instanceof asn1js.Primitive ? sid.valueBlock.valueHexView : (sid.valueBlock.value[0] as asn1js.OctetString).valueBlock.valueHexView,
    );
    const ski = cert.extensions?.find((e) => e.extnID === '2.5.29.14');
    const parsed = ski ? asn1js.fromBER(ski.extnValue.valueBlock.valueHexView).result : undefined;
    return parsed instanceof asn1js.OctetString && keyId.equals(Buffer.from(parsed.valueBlock.valueHexView));
  }
  return false;
}

/**
 * SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), ... }. ESSCertIDv2's hashAlgorithm is
 * optional (default SHA-256); ESSCertID always uses SHA-1.
 */
function essCertificates(value: unknown, v2: boolean): { hashAlgorithm: string; hash: Buffer }[] {
  if (!(value instanceof asn1js.Sequence)) return [];
  const certs = value.valueBlock.value[0];
  if (!(certs instanceof asn1js.Sequence)) return [];
  return certs.valueBlock.value.flatMap((id) => {
    if (!(id instanceof asn1js.Sequence)) return [];
    const [first, second] = id.valueBlock.value;
    if (first instanceof asn1js.OctetString) {
      return [{ hashAlgorithm: v2 ? OID.sha256 : OID.sha1, hash: Buffer.from(first.valueBlock.valueHexView) }];
    }
    if (v2 && first instanceof asn1js.Sequence && second instanceof asn1js.OctetString) {
      const algorithm = first.valueBlock.value[0];
      return algorithm instanceof asn1js.ObjectIdentifier
        ? [{ hashAlgorithm: algorithm.getValue(), hash: Buffer.from(second.valueBlock.valueHexView) }]
        : [];
    }
    return [];
  });
}
