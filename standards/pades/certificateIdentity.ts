import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { parseRun } from '../chile/run.ts';
import { OID } from './oids.ts';

export interface CertificateIdentity {
  commonName: string | null;
  organization: string | null;
  organizationalUnit: string | null;
  title: string | null;
  /** X.520 serialNumber of the subject as written. */
  serialNumber: string | null;
  /** Normalised RUN (12345678-5) from subjectAltName otherName 1.3.6.1.4.1.8321.1 or a RUN-shaped serialNumber. */
  run: string | null;
  /** Subject and issuer as "CN=…, O=…, C=…" (most specific first). */
  subject: string;
  issuer: string;
  /** Certificate serial in hexadecimal. */
  certificateSerial: string;
  notBefore: Date;
  notAfter: Date;
}

const SHORT_NAMES: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.serialNumber]: 'SERIALNUMBER',
  [OID.country]: 'C',
  [OID.organization]: 'O',
  [OID.organizationalUnit]: 'OU',
  [OID.title]: 'T',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '1.2.840.113549.1.9.1': 'E',
};

/** Who a certificate names, read from a pkijs certificate. */
export function certificateIdentity(cert: pkijs.Certificate): CertificateIdentity {
  const attribute = (oid: string) => cert.subject.typesAndValues.find((tv) => tv.type === oid);
  const text = (oid: string) => {
    const found = attribute(oid);
    return found ? attributeText(found) : null;
  };
  const serialNumber = text(OID.serialNumber);
  return {
    commonName: text(OID.commonName),
    organization: text(OID.organization),
    organizationalUnit: text(OID.organizationalUnit),
    title: text(OID.title),
    serialNumber,
    run: rutFromAltName(cert) ?? runFromSerialNumber(serialNumber),
    subject: nameText(cert.subject),
    issuer: nameText(cert.issuer),
    certificateSerial: Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString('hex'),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
  };
}

function nameText(name: pkijs.RelativeDistinguishedNames): string {
  return [...name.typesAndValues]
    .reverse()
    .map((tv) => `${SHORT_NAMES[tv.type] ?? tv.type}=${attributeText(tv)}`)
    .join(', ');
}

function attributeText(tv: pkijs.AttributeTypeAndValue): string {
  return tv.value instanceof asn1js.BaseStringBlock ? tv.value.getValue() : '';
}

function runFromSerialNumber(serialNumber: string | null): string | null {
  // Chilean CAs write the RUN bare, dotted, or behind a prefix such as "RUN " or "CL-".
  const match = serialNumber ? /(\d{1,2}\.?\d{3}\.?\d{3}-?[\dkK])$/.exec(serialNumber.trim()) : null;
  if (!match) return null;
  const parsed = parseRun(match[1]!);
  return parsed.ok ? parsed.normalized : null;
}

function rutFromAltName(cert: pkijs.Certificate): string | null {
  const extension = cert.extensions?.find((e) => e.extnID === OID.subjectAltName);
  if (!extension) return null;
  const names = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView).result;
  if (!(names instanceof asn1js.Sequence)) return null;
  for (const name of names.valueBlock.value) {
    // otherName [0] { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }
    if (name.idBlock.tagClass !== 3 || name.idBlock.tagNumber !== 0 || !(name instanceof asn1js.Constructed)) continue;
    const [typeId, wrapped] = name.valueBlock.value;
    if (!(typeId instanceof asn1js.ObjectIdentifier) || typeId.getValue() !== OID.chileanRut) continue;
    const inner = wrapped instanceof asn1js.Constructed ? wrapped.valueBlock.value[0] : undefined;
    if (!(inner instanceof asn1js.BaseStringBlock)) continue;
    const parsed = parseRun(inner.getValue());
    if (parsed.ok) return parsed.normalized;
  }
  return null;
}
