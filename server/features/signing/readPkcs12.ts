import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { SignerUnavailableError } from './signerErrors.ts';

export interface Pkcs12Contents {
  privateKey: KeyObject;
  /** DER: the certificate of the private key first, then its issuers in order up to the last one present. */
  certificates: Buffer[];
}

/**
 * Reads a PKCS#12 (an agency seal or a development certificate). Problems are configuration errors: the seal
 * cannot sign until an operator fixes the file or its password.
 */
export function readPkcs12(p12: Buffer, password: string): Pkcs12Contents {
  let parsed: forge.pkcs12.Pkcs12Pfx;
  try {
    parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12.toString('binary')), password);
  } catch (error) {
    const invalidPassword = /MAC could not be verified|wrong password|Invalid password/i.test(String(error));
    throw new SignerUnavailableError(
      'configuration',
      invalidPassword
        ? 'La contraseña del PKCS#12 del sello no es correcta; revise la configuración del firmante.'
        : `El archivo PKCS#12 del sello no se puede leer (${(error as Error).message}); reemplácelo por uno válido.`,
    );
  }
  const keyBags = [
    ...(parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(parsed.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const certBags = parsed.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const keyBag = keyBags[0];
  if (!keyBag || keyBags.length > 1) {
    throw new SignerUnavailableError('configuration', 'El PKCS#12 del sello debe contener exactamente una clave privada.');
  }
  const privateKey = keyBag.key
    ? createPrivateKey(forge.pki.privateKeyToPem(keyBag.key))
    : createPrivateKey({ key: derOf(keyBag.asn1), format: 'der', type: 'pkcs8' });
  // forge only models RSA certificates; for others it keeps the parsed ASN.1.
  const certificates = certBags.map((bag) =>
    bag.cert ? derOf(forge.pki.certificateToAsn1(bag.cert)) : derOf(bag.asn1),
  );
  return { privateKey, certificates: orderChain(privateKey, certificates) };
}

function derOf(node: forge.asn1.Asn1 | undefined): Buffer {
  if (!node) throw new SignerUnavailableError('configuration', 'El PKCS#12 del sello contiene un elemento vacío.');
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}

/**
 * Puts the key's certificate first and follows issuers. Each link is verified, which also guards against a
 * certificate altered while being read.
 */
function orderChain(privateKey: KeyObject, ders: Buffer[]): Buffer[] {
  const certs = ders.map((der) => ({ der, x509: new X509Certificate(der) }));
  const leaf = certs.find((c) => c.x509.checkPrivateKey(privateKey));
  if (!leaf) {
    throw new SignerUnavailableError(
      'configuration',
      'El PKCS#12 del sello no contiene el certificado de su clave privada; expórtelo con su certificado.',
    );
  }
  const chain = [leaf];
  for (let current = leaf; ; ) {
    if (current.x509.checkIssued(current.x509)) break;
    const issuer = certs.find((c) => !chain.includes(c) && current.x509.checkIssued(c.x509));
    if (!issuer) break;
    if (!current.x509.verify(issuer.x509.publicKey)) {
      throw new SignerUnavailableError(
        'configuration',
        `El certificado «${current.x509.subject.replace(/\n/g, ', ')}» del PKCS#12 no está firmado por «${issuer.x509.subject.replace(/\n/g, ', ')}»; revise la cadena.`,
      );
    }
    chain.push(issuer);
    current = issuer;
  }
  return chain.map((c) => c.der);
}
