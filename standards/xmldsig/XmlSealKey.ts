/**
 * A key that seals XML without handing over its private half: the holder (a PKCS#12 in memory today, an HSM
 * tomorrow) signs the canonical SignedInfo and publishes its certificates.
 */
export interface XmlSealKey {
  /** RSA PKCS#1 v1.5 signature over SHA-256 of data. */
  sign(data: Buffer): Buffer;
  /** DER certificates, signer first, then its chain (no need for the root). */
  certificates: Buffer[];
}
