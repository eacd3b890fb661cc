import { posix } from 'node:path';
import { parseXmlSafely, XmlRejectedError } from '../../xml/parseXmlSafely.ts';
import { finding, type Finding } from './PackageReport.ts';

const METS_NS = 'http://www.loc.gov/METS/';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** METS 1.12 CHECKSUMTYPE values that Node can compute; the others (Adler-32, CRC32, HAVAL, MNP, TIGER, WHIRLPOOL) are reported unchecked. */
export const METS_CHECKSUM_ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

export interface MetsReference {
  kind: 'file' | 'mdRef' | 'mptr';
  href: string;
  /** The referenced path relative to the package root; null when the href leaves the package or is not a relative path. */
  target: string | null;
  checksum?: string;
  checksumType?: string;
  size?: number;
  mdType?: string;
}

export interface MetsReading {
  references: MetsReference[];
  findings: Finding[];
}

/** Resolves a METS href (a relative URL) against the folder of the METS that holds it. */
export function resolveHref(metsPath: string, href: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('/') || href.includes('\\')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(href.split('#')[0]!.split('?')[0]!);
  } catch {
    return null;
  }
  const joined = posix.normalize(posix.join(posix.dirname(metsPath), decoded));
  if (joined === '.' || joined.startsWith('../') || joined === '..' || joined.startsWith('/')) return null;
  return joined;
}

/** Every file, metadata and METS pointer a METS document makes, with the fixity it declares. */
export function readMetsReferences(xml: string, metsPath: string, maxLength: number): MetsReading {
  const findings: Finding[] = [];
  let doc: Document;
  try {
    doc = parseXmlSafely(xml, { maxLength });
  } catch (err) {
    if (!(err instanceof XmlRejectedError)) throw err;
    return { references: [], findings: [finding('error', 'XML-WELLFORMED', metsPath, err.reason)] };
  }
  const references: MetsReference[] = [];
  const add = (kind: MetsReference['kind'], el: Element, holder: Element) => {
    const href = el.getAttributeNS(XLINK_NS, 'href');
    if (!href) return;
    const target = resolveHref(metsPath, href);
    if (target === null) findings.push(finding('error', 'METS-HREF', metsPath, `${kind} xlink:href="${href}" no es una ruta relativa dentro del paquete`));
    const ref: MetsReference = { kind, href, target };
    const checksum = holder.getAttribute('CHECKSUM');
    if (checksum) ref.checksum = checksum.trim().toLowerCase();
    const checksumType = holder.getAttribute('CHECKSUMTYPE');
    if (checksumType) ref.checksumType = checksumType;
    const size = holder.getAttribute('SIZE');
    if (size && /^\d+$/.test(size.trim())) ref.size = Number(size.trim());
    const mdType = holder.getAttribute('MDTYPE');
    if (mdType) ref.mdType = mdType;
    references.push(ref);
  };
  const all = (name: string) => Array.from(doc.getElementsByTagNameNS(METS_NS, name));
  for (const file of all('file')) for (const loc of Array.from(file.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).localName === 'FLocat')) add('file', loc, file);
  for (const ref of all('mdRef')) add('mdRef', ref, ref);
  for (const ptr of all('mptr')) add('mptr', ptr, ptr);
  return { references, findings };
}

/** The namespace of an XML document's root element (PREMIS 2 and 3 differ only there), or null if it cannot be read. */
export function rootNamespace(xml: string, maxLength: number): string | null {
  try {
    return parseXmlSafely(xml, { maxLength }).documentElement.namespaceURI;
  } catch {
    return null;
  }
}
