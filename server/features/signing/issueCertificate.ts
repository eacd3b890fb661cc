import { randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { OID } from '../../../standards/pades/oids.ts';

export interface CertificateSubject {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  title?: string;
  /** X.520 serialNumber; Chilean person certificates carry the RUN here. */
  serialNumber?: string;
  country?: string;
}

export interface CertificateRequest {
  subject: CertificateSubject;
  publicKey: KeyObject;
  /** The issuer's private key; for a self-signed root, the subject's own. */
  signingKey: KeyObject;
  /** DER certificate of the issuer; omitted for a self-signed root. */
  issuerCertificate?: Buffer;
  kind: 'ca' | 'signer';
  notBefore: Date;
  notAfter: Date;
  /** Normalised RUN (12345678-5) also written as subjectAltName otherName 1.3.6.1.4.1.8321.1, as Chilean CAs do. */
  run?: string;
}

/**
 * Issues an RSA certificate (DER) for the development and test PKIs. Signer certificates get digitalSignature and
 * nonRepudiation and no extendedKeyUsage, which NSS (pdfsig) accepts for document signing.
 */
export function issueCertificate(request: CertificateRequest): Buffer {
  const cert = forge.pki.createCertificate();
  const publicKey = forge.pki.publicKeyFromPem(request.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.publicKey = publicKey;
  // 16 random bytes, first byte in 0x40–0x7f: positive and minimally encoded (no 0x00 padding), as DER requires.
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = request.notBefore;
  cert.validity.notAfter = request.notAfter;
  const subject = nameAttributes(request.subject);
  cert.setSubject(subject);

  const issuerCert = request.issuerCertificate
    ? forge.pki.certificateFromAsn1(forge.asn1.fromDer(request.issuerCertificate.toString('binary')))
    : undefined;
  cert.setIssuer(issuerCert ? reencodable(issuerCert.subject.attributes) : subject);
  const issuerKeyId = forge.pki.getPublicKeyFingerprint(issuerCert ? issuerCert.publicKey : publicKey).getBytes();

  const extensions: object[] = [
    { name: 'basicConstraints', cA: request.kind === 'ca', critical: true },
    request.kind === 'ca'
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: issuerKeyId },
  ];
  if (request.run) extensions.push({ id: OID.subjectAltName, value: rutAltName(request.run) });
  cert.setExtensions(extensions);

  cert.sign(forge.pki.privateKeyFromPem(request.signingKey.export({ type: 'pkcs8', format: 'pem' }).toString()), forge.md.sha256.create());
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

function nameAttributes(subject: CertificateSubject): forge.pki.CertificateField[] {
  // @types/node-forge types valueTagClass as a tag class; forge reads it as the string type (UTF8String etc.).
  const field = (type: string, value: string, tag: forge.asn1.Type) =>
    ({ type, value, valueTagClass: tag }) as unknown as forge.pki.CertificateField;
  const utf8 = (type: string, value: string) => field(type, value, forge.asn1.Type.UTF8);
  const printable = (type: string, value: string) => field(type, value, forge.asn1.Type.PRINTABLESTRING);
  const attributes = [printable(OID.country, subject.country ?? 'CL')];
  if (subject.organization) attributes.push(utf8(OID.organization, subject.organization));
  if (subject.organizationalUnit) attributes.push(utf8(OID.organizationalUnit, subject.organizationalUnit));
  if (subject.title) attributes.push(utf8(OID.title, subject.title));
  if (subject.serialNumber) attributes.push(printable(OID.serialNumber, subject.serialNumber));
  attributes.push(utf8(OID.commonName, subject.commonName));
  return attributes;
}

/** forge parses UTF8String values as raw bytes but UTF-8-encodes them again on output: decode them first. */
function reencodable(attributes: forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  return attributes.map((a) =>
    (a.valueTagClass as unknown) === forge.asn1.Type.UTF8 ? { ...a, value: forge.util.decodeUtf8(String(a.value)) } : a,
  );
}

/** GeneralNames with one otherName { 1.3.6.1.4.1.8321.1, [0] IA5String RUN }. */
function rutAltName(run: string): forge.asn1.Asn1 {
  const { asn1 } = forge;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID.chileanRut).getBytes()),
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.IA5STRING, false, run)]),
    ]),
  ]);
}
