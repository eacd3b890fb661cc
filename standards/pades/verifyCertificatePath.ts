import type { X509Certificate } from 'node:crypto';

export interface CertificatePath {
  /** The path reached one of the configured trust anchors. */
  trusted: boolean;
  /** Subjects from the signer up to the anchor (or as far as the path goes). */
  subjects: string[];
  /** Every certificate on the path was within its validity period at the time given. */
  validAtTime: boolean;
  problems: string[];
}

const MAX_DEPTH = 8;

/**
 * Builds a path from the signer's certificate to a trust anchor using the certificates the CMS carried, checking
 * each link's signature, that issuers are CAs and that each certificate was valid at the signing time. FirmaGob's
 * chain is on no public trust list, so anchors are always explicit configuration. Revocation is not checked here.
 */
export function verifyCertificatePath(
  signer: X509Certificate,
  carried: X509Certificate[],
  anchors: X509Certificate[],
  at: Date | null,
): CertificatePath {
  const isAnchor = (c: X509Certificate) => anchors.some((a) => a.fingerprint256 === c.fingerprint256);
  const path: X509Certificate[] = [signer];
  const problems: string[] = [];
  let trusted = isAnchor(signer);
  for (let current = signer; !trusted && path.length <= MAX_DEPTH; ) {
    const issuedBy = (c: X509Certificate) => current.checkIssued(c) && current.verify(c.publicKey);
    const issuer = anchors.find(issuedBy) ?? carried.find((c) => !path.includes(c) && c.ca && issuedBy(c));
    if (!issuer) break;
    path.push(issuer);
    trusted = isAnchor(issuer);
    current = issuer;
  }
  const top = path[path.length - 1]!;
  if (!trusted) {
    problems.push(
      anchors.length === 0
        ? 'No hay anclas de confianza configuradas: la cadena del certificado no se puede validar.'
        : `La cadena del certificado no llega a un ancla de confianza configurada (último emisor: ${subjectText(top.issuer)}).`,
    );
  }
  let validAtTime = at !== null;
  if (at) {
    for (const cert of path) {
      const from = new Date(cert.validFrom);
      const to = new Date(cert.validTo);
      if (at < from || at > to) {
        validAtTime = false;
        problems.push(
          `El certificado «${subjectText(cert.subject)}» no era válido en la fecha de firma ${at.toISOString()} (vigente del ${from.toISOString()} al ${to.toISOString()}).`,
        );
      }
    }
  }
  return { trusted, subjects: path.map((c) => subjectText(c.subject)), validAtTime, problems };
}

/** Node prints names one attribute per line, most general first; reports read better most specific first. */
function subjectText(name: string): string {
  return name.split('\n').reverse().join(', ');
}
