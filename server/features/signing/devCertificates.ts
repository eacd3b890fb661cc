import { generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import forge from 'node-forge';
import { runCheckDigit } from '../../../standards/chile/run.ts';
import { issueCertificate, type CertificateSubject } from './issueCertificate.ts';

export interface DevCertificatesOptions {
  /** Directory holding the development PKI; created on first use and reused afterwards. */
  dir: string;
  /** Goes into the seal's subject (CN and O). */
  agencyName: string;
  /** Protects the PKCS#12 files. Development only: never use these certificates in production. */
  password: string;
}

export interface DevCertificates {
  dir: string;
  /** The development root, to configure as a trust anchor (validator, pdfsig's NSS database). */
  rootCertificatePem: string;
  sealPkcs12Path: string;
  /** A person certificate with a RUN, for tests that need a named official. */
  personPkcs12Path: string;
  personRun: string;
}

const FILES = {
  rootPem: 'dev-root-ca.pem',
  rootP12: 'dev-root-ca.p12',
  sealP12: 'seal.p12',
  sealPem: 'seal.pem',
  personP12: 'person.p12',
  personPem: 'person.pem',
} as const;

const PERSON = { name: 'Juana Pérez Soto', runBody: '12345678', title: 'Jefa de Oficina de Partes' };

/**
 * A development root CA, an agency seal and a person certificate, written as PKCS#12 and PEM. Generated once: if
 * the directory exists it is reused as it is. Generation happens in a sibling directory renamed into place, so two
 * processes starting together end up sharing one complete set.
 */
export async function ensureDevCertificates(options: DevCertificatesOptions): Promise<DevCertificates> {
  const dir = path.resolve(options.dir);
  const personRun = `${PERSON.runBody}-${runCheckDigit(PERSON.runBody)}`;
  const rootPem = path.join(dir, FILES.rootPem);
  if (!(await exists(rootPem))) {
    await mkdir(path.dirname(dir), { recursive: true });
    const staging = `${dir}.tmp-${randomBytes(6).toString('hex')}`;
    await mkdir(staging);
    try {
      await writeDevPki(staging, options, personRun);
      await rename(staging, dir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      // Another process finished first: its set is as good as ours.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  }
  if (!(await exists(rootPem))) {
    throw new Error(`${dir} existe pero no contiene la PKI de desarrollo completa; bórrelo para que se genere de nuevo.`);
  }
  return {
    dir,
    rootCertificatePem: await readFile(rootPem, 'utf8'),
    sealPkcs12Path: path.join(dir, FILES.sealP12),
    personPkcs12Path: path.join(dir, FILES.personP12),
    personRun,
  };
}

async function writeDevPki(dir: string, options: DevCertificatesOptions, personRun: string): Promise<void> {
  const now = Date.now();
  const day = 24 * 60 * 60 * 1000;
  const root = newKey();
  const rootSubject: CertificateSubject = { commonName: 'legajo Dev Root CA', organization: 'legajo (desarrollo)' };
  const rootCert = issueCertificate({
    subject: rootSubject,
    publicKey: root.publicKey,
    signingKey: root.privateKey,
    kind: 'ca',
    notBefore: new Date(now - day),
    notAfter: new Date(now + 20 * 365 * day),
  });
  const leaf = (subject: CertificateSubject, run?: string) => {
    const key = newKey();
    const cert = issueCertificate({
      subject,
      publicKey: key.publicKey,
      signingKey: root.privateKey,
      issuerCertificate: rootCert,
      kind: 'signer',
      notBefore: new Date(now - day),
      notAfter: new Date(now + 5 * 365 * day),
      ...(run ? { run } : {}),
    });
    return { key, cert };
  };
  const seal = leaf({
    commonName: `${options.agencyName} (sello electrónico)`,
    organization: options.agencyName,
  });
  const person = leaf(
    { commonName: PERSON.name, organization: options.agencyName, title: PERSON.title, serialNumber: personRun },
    personRun,
  );

  await writeFile(path.join(dir, FILES.rootPem), pem(rootCert));
  await writeFile(path.join(dir, FILES.rootP12), pkcs12(root.privateKey, [rootCert], options.password, 'legajo Dev Root CA'));
  await writeFile(path.join(dir, FILES.sealPem), pem(seal.cert) + pem(rootCert));
  await writeFile(path.join(dir, FILES.sealP12), pkcs12(seal.key.privateKey, [seal.cert, rootCert], options.password, 'sello'));
  await writeFile(path.join(dir, FILES.personPem), pem(person.cert) + pem(rootCert));
  await writeFile(
    path.join(dir, FILES.personP12),
    pkcs12(person.key.privateKey, [person.cert, rootCert], options.password, PERSON.name),
  );
}

function newKey(): { publicKey: KeyObject; privateKey: KeyObject } {
  // 2048 bits keeps first start and tests quick; production seals come from the agency's own PKCS#12.
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function pem(der: Buffer): string {
  return new X509Certificate(der).toString();
}

function pkcs12(privateKey: KeyObject, certificates: Buffer[], password: string, friendlyName: string): Buffer {
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const certs = certificates.map((der) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary'))));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, password, { algorithm: 'aes256', friendlyName, generateLocalKeyId: true });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
