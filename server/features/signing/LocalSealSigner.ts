import { readFile } from 'node:fs/promises';
import { sign, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { buildSignedData } from '../../../standards/pades/buildSignedData.ts';
import { certificateIdentity, type CertificateIdentity } from '../../../standards/pades/certificateIdentity.ts';
import type { XmlSealKey } from '../../../standards/xmldsig/XmlSealKey.ts';
import type { DigestSignature, SignContext, Signer, SignerDescription } from './Signer.ts';
import { readPkcs12 } from './readPkcs12.ts';
import { SignerRejectedError, SignerUnavailableError } from './signerErrors.ts';

/** Room for the signed attributes, algorithm identifiers and CMS framing around the certificates and signature. */
const CMS_OVERHEAD_BYTES = 2048;

/**
 * The agency's electronic seal: a PKCS#12 held by the service. Produces CAdES-BES CMS (PAdES baseline B-B):
 * content-type, message-digest and signing-certificate-v2, with the certificate chain; no signing-time attribute,
 * which PAdES baseline forbids (the time is the signature dictionary's /M).
 */
export class LocalSealSigner implements Signer {
  private readonly identity: CertificateIdentity;

  private constructor(
    private readonly privateKey: KeyObject,
    private readonly certificates: Buffer[],
  ) {
    this.identity = certificateIdentity(pkijs.Certificate.fromBER(new Uint8Array(certificates[0]!)));
  }

  static fromPkcs12(p12: Buffer, password: string): LocalSealSigner {
    const { privateKey, certificates } = readPkcs12(p12, password);
    return new LocalSealSigner(privateKey, certificates);
  }

  static async open(path: string, password: string): Promise<LocalSealSigner> {
    let p12: Buffer;
    try {
      p12 = await readFile(path);
    } catch (error) {
      throw new SignerUnavailableError(
        'configuration',
        `No se pudo leer el PKCS#12 del sello en ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); revise la ruta configurada.`,
      );
    }
    return LocalSealSigner.fromPkcs12(p12, password);
  }

  describe(): SignerDescription {
    const keyBytes = Math.ceil((this.privateKey.asymmetricKeyDetails?.modulusLength ?? 1024) / 8);
    return {
      kind: 'local-seal',
      name: this.identity.commonName ?? this.identity.organization ?? 'Sello electrónico',
      ...(this.identity.run ? { run: this.identity.run } : {}),
      subFilter: 'ETSI.CAdES.detached',
      maxCmsBytes: this.certificates.reduce((sum, der) => sum + der.length, 0) + keyBytes + CMS_OVERHEAD_BYTES,
    };
  }

  async signDigest(digest: Buffer, ctx: SignContext): Promise<DigestSignature> {
    const { notBefore, notAfter } = this.identity;
    if (ctx.signingTime < notBefore || ctx.signingTime > notAfter) {
      throw new SignerRejectedError(
        'certificate-expired',
        `El certificado del sello solo es válido entre ${notBefore.toISOString()} y ${notAfter.toISOString()}; renueve el sello de la institución y reintente.`,
      );
    }
    return { cms: buildSignedData({ digest, privateKey: this.privateKey, certificates: this.certificates }) };
  }

  /** The seal for XMLDSig: signs through this object, so the private key never leaves it. */
  xmlSealKey(): XmlSealKey {
    if (this.privateKey.asymmetricKeyType !== 'rsa') {
      throw new SignerUnavailableError(
        'configuration',
        `El sello XML requiere una clave RSA y la del PKCS#12 es ${this.privateKey.asymmetricKeyType ?? 'desconocida'}; configure un sello RSA.`,
      );
    }
    return { sign: (data) => sign('sha256', data, this.privateKey), certificates: [...this.certificates] };
  }
}
