/**
 * BagIt 1.0 (RFC 8493) tag files. Paths are written as given: the package layout only produces names without
 * spaces, CR, LF or '%', so no percent-encoding is needed and the manifests stay `sha256sum -c` compatible.
 */
export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

export interface BagInfo {
  sourceOrganization: string;
  externalIdentifier: string;
  externalDescription: string;
  /** Bagging date (UTC); written as YYYY-MM-DD. */
  baggingDate: Date;
  payloadBytes: number;
  payloadFiles: number;
  internalSenderIdentifier: string;
}

/** Human size for Bag-Size, as bagit.py writes it (binary multiples, one decimal). */
export function bagSize(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Labels in a fixed order (order MUST be preserved); values never carry line breaks. */
export function bagInfoTxt(info: BagInfo): string {
  const oneLine = (v: string) => v.replace(/[\r\n]+/g, ' ');
  return [
    ['Source-Organization', info.sourceOrganization],
    ['External-Identifier', info.externalIdentifier],
    ['External-Description', info.externalDescription],
    ['Bagging-Date', info.baggingDate.toISOString().slice(0, 10)],
    ['Payload-Oxum', `${info.payloadBytes}.${info.payloadFiles}`],
    ['Bag-Size', bagSize(info.payloadBytes)],
    ['Internal-Sender-Identifier', info.internalSenderIdentifier],
  ]
    .map(([label, value]) => `${label}: ${oneLine(value!)}\n`)
    .join('');
}

/** `<hex>  <path>` lines (two spaces, as coreutils writes them), in the order given. */
export const bagManifest = (entries: ReadonlyArray<{ path: string; digest: string }>) => entries.map((e) => `${e.digest}  ${e.path}\n`).join('');

/** E-ARK AIP21/22 container naming: the bag's base directory is the OBJID with ':' turned into '+'. */
export const bagBaseDir = (objid: string) => objid.replaceAll(':', '+');
