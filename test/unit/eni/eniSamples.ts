import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import forge from 'node-forge';
import type { CaseFileIndex, DocumentEntry, IndexEntry, LinkEntry, NestedEntry } from '../../../standards/caseFile/CaseFileIndex.ts';
import type { CaseFileMetadata } from '../../../standards/chile/caseFileMetadata.ts';
import { runCheckDigit } from '../../../standards/chile/run.ts';
import type { XmlSealKey } from '../../../standards/xmldsig/XmlSealKey.ts';
import { sharedPath } from '../../helpers/sharedData.ts';

/** The official schemas stay in shared/, next to the repository; they are never copied into it. */
export const ENI_XSD = sharedPath('xsd/eni/ExpedienteEni.xsd');

/** xmllint's verdict on an expediente against ExpedienteEni.xsd, offline. */
export function xmllintEni(xml: string): { valid: boolean; output: string } {
  const run = spawnSync('xmllint', ['--nonet', '--noout', '--schema', ENI_XSD, '-'], { input: xml, encoding: 'utf8' });
  if (run.error) throw run.error;
  return { valid: run.status === 0, output: run.stderr };
}

export const run = (body: string) => `${body}-${runCheckDigit(body)}`;

/** Hex SHA-256 of a seed, standing in for stored bytes; `base64Of` gives what ENI must show for the same seed. */
export const hexOf = (seed: string) => createHash('sha256').update(seed).digest('hex');
export const base64Of = (seed: string) => createHash('sha256').update(seed).digest('base64');

const at = (day: number) => new Date(Date.UTC(2026, 10, day, 12, 0, 0));

export function metadata(iuie: string, overrides: Partial<CaseFileMetadata> = {}): CaseFileMetadata {
  return {
    MGDEE1_1: iuie,
    MGDEE1_4: 'abierto',
    MGDEE1_5: 'Solicitud de subsidio habitacional',
    MGDEE2_2: 'Vivienda',
    MGDEE3_1: '2026-11-20T10:00:00Z',
    MGDEE4_1: 2,
    MGDEE4_2: `https://legajo.example/v1/case-files/${iuie}`,
    MGDEE51_1: 'AB01',
    MGDEE51_2: 'Servicio de prueba',
    MGDEE51: [],
    MGDEE52: [
      { relation: 1, actorType: 4, id: run('11111111'), name: 'Funcionaria responsable' },
      { relation: 2, actorType: 1, id: run('12345678'), name: 'Persona interesada' },
    ],
    MGDEE6_1: 1,
    MGDEE6_4: 2,
    MGDEE7_1: 'CPAT-0042',
    MGDEE8_1: '001',
    ...overrides,
  };
}

const base = (order: number) => ({ order, incorporatedAt: at(20 + (order % 5)), addedBy: 'p-1', removed: null });

export function doc(order: number, overrides: Partial<DocumentEntry> = {}): DocumentEntry {
  return {
    ...base(order),
    kind: 'document',
    documentIdentifier: `DOCU-20261121-${String(order).padStart(6, '0')}-AB01`,
    version: 1,
    title: `Documento ${order}`,
    mediaType: 'application/pdf',
    size: 1000,
    sha256: hexOf(`documento ${order}`),
    firstFolio: order,
    lastFolio: order,
    fields: { MGDDE61_1: 'AB01', MGDDE4_1: '2025-06-01T09:00:00Z' },
    ...overrides,
  };
}

export function link(order: number, uri: string, sha256: string | null): LinkEntry {
  return { ...base(order), kind: 'link', uri, description: `Enlace ${order}`, sha256 };
}

export function nested(order: number, index: CaseFileIndex): NestedEntry {
  return { ...base(order), kind: 'case-file', index, indexVersion: 3, sha256: hexOf(`índice ${index.metadata.MGDEE1_1}`), firstFolio: order, lastFolio: order };
}

export const removed = <E extends IndexEntry>(e: E): E => ({ ...e, removed: { at: at(28), by: 'p-2', reason: 'desglose solicitado' } });

export function caseFile(iuie: string, entries: IndexEntry[], overrides: Partial<CaseFileMetadata> = {}): CaseFileIndex {
  return { metadata: metadata(iuie, overrides), indexVersion: 1, generatedAt: at(29), entries };
}

/**
 * A seal key like the agency's: RSA key from node:crypto, self-signed certificate from node-forge. Its PEM is the
 * trust anchor for verifying what it seals.
 */
export function testSealKey(): { key: XmlSealKey; certificatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const name = [
    { name: 'commonName', value: 'Sello de prueba ENI' },
    { name: 'organizationName', value: 'Servicio de prueba' },
    { name: 'countryName', value: 'CL' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyCertSign: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    key: { sign: (data) => sign('sha256', data, privateKey), certificates: [der] },
    certificatePem: forge.pki.certificateToPem(cert),
  };
}
