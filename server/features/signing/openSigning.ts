import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.ts';
import { ensureDevCertificates } from './devCertificates.ts';
import { FirmaGobSigner, type FirmaGobPurpose } from './FirmaGobSigner.ts';
import { LocalSealSigner } from './LocalSealSigner.ts';
import type { Signer } from './Signer.ts';
import type { XmlSealKey } from '../../../standards/xmldsig/XmlSealKey.ts';

export interface Signing {
  /** The agency seal: signs receipts, and documents when a signer asks for the seal. */
  seal: Signer;
  /** The same agency seal as an XML signer (sealed case-file indexes, ENI exports). */
  xmlSeal: XmlSealKey;
  /** PEM certificates whose signatures count as trusted when validating. */
  trustAnchors: string[];
  /** A FirmaGob signer for one official, or null when FirmaGob is not configured. */
  firmaGob(official: { run: string; name: string; purpose: FirmaGobPurpose }): Signer | null;
  maxBytes: number;
}

/** Opens the seal (generating the development PKI on first use when no seal is configured) and the trust anchors. */
export async function openSigning(config: Config['signing']): Promise<Signing> {
  const anchors = await Promise.all(config.trustAnchorFiles.map((f) => readFile(f, 'utf8')));
  let sealPath = config.seal.p12Path;
  if (config.seal.generateIfMissing) {
    const dev = await ensureDevCertificates({ dir: path.dirname(sealPath), agencyName: 'legajo (sello de desarrollo)', password: config.seal.password });
    sealPath = dev.sealPkcs12Path;
    anchors.push(dev.rootCertificatePem);
  }
  const seal = await LocalSealSigner.open(sealPath, config.seal.password);
  const fg = config.firmaGob;
  return {
    seal,
    xmlSeal: seal.xmlSealKey(),
    trustAnchors: anchors,
    maxBytes: config.maxBytes,
    firmaGob: (official) =>
      fg
        ? new FirmaGobSigner({ baseUrl: fg.url, apiTokenKey: fg.apiTokenKey, secret: fg.secret, entity: fg.entity, run: official.run, purpose: official.purpose, signerName: official.name })
        : null,
  };
}
