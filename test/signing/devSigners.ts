import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDevCertificates, type DevCertificates } from '../../server/features/signing/devCertificates.ts';
import { LocalSealSigner } from '../../server/features/signing/LocalSealSigner.ts';
import { nssDatabaseTrusting } from './pdfsig.ts';

export const DEV_PASSWORD = 'legajo-dev';
export const AGENCY = 'Subsecretaría de Pruebas';

/** A fresh development PKI for a test file: the agency seal and a person (Juana Pérez Soto, with a RUN). */
export async function devSigners(): Promise<{ dev: DevCertificates; seal: LocalSealSigner; person: LocalSealSigner }> {
  const dev = await ensureDevCertificates({
    dir: path.join(mkdtempSync(path.join(tmpdir(), 'legajo-signing-')), 'pki'),
    agencyName: AGENCY,
    password: DEV_PASSWORD,
  });
  return {
    dev,
    seal: await LocalSealSigner.open(dev.sealPkcs12Path, DEV_PASSWORD),
    person: await LocalSealSigner.open(dev.personPkcs12Path, DEV_PASSWORD),
  };
}

/** The dev PKI as pdfsig tests use it: both signers, the root as the only anchor, and an NSS database trusting it. */
export async function devPki(): Promise<{ seal: LocalSealSigner; person: LocalSealSigner; anchors: string[]; nssDir: string | null }> {
  const { dev, seal, person } = await devSigners();
  const anchors = [dev.rootCertificatePem];
  return { seal, person, anchors, nssDir: nssDatabaseTrusting(anchors) };
}
