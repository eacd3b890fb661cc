import type { Attributes, XmlWriter } from '../../caseFile/xmlWriter.ts';

/** E-ARK SIP 2.2.0 profile (SIP2: every METS of a SIP names it). */
export const SIP_PROFILE = 'https://earksip.dilcis.eu/profile/E-ARK-SIP-v2-2-0.xml';
/** CSIP content category (CSIP2): records of administrative procedures are digital text. */
export const CONTENT_CATEGORY = 'Textual works – Digital';
/** No E-ARK content information type fits an expediente without an ERMS XML (archive-packages.md §2.3). */
export const CONTENT_INFORMATION_TYPE = 'CL-EXPEDIENTE-ELECTRONICO';

const CSIP_NS = 'https://DILCIS.eu/XML/METS/CSIPExtensionMETS';
const SIP_NS = 'https://DILCIS.eu/XML/METS/SIPExtensionMETS';

/** A file a METS document points at: its path is relative to the folder holding that METS.xml. */
export interface MetsFile {
  path: string;
  sha256: string;
  size: number;
  mediaType: string;
  created: Date;
}

/** The mets element's attributes: namespaces (case-sensitive DILCIS URIs), OBJID, TYPE, PROFILE, content type. */
export function metsRootAttributes(objid: string, label: string): Attributes {
  return [
    ['xmlns', 'http://www.loc.gov/METS/'],
    ['xmlns:csip', CSIP_NS],
    ['xmlns:sip', SIP_NS],
    ['xmlns:xlink', 'http://www.w3.org/1999/xlink'],
    ['xmlns:xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
    [
      'xsi:schemaLocation',
      `http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd http://www.w3.org/1999/xlink http://www.loc.gov/standards/xlink/xlink.xsd ${CSIP_NS} https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd ${SIP_NS} https://earksip.dilcis.eu/schema/DILCISExtensionSIPMETS.xsd`,
    ],
    ['OBJID', objid],
    ['LABEL', label],
    ['TYPE', CONTENT_CATEGORY],
    ['csip:CONTENTINFORMATIONTYPE', 'OTHER'],
    ['csip:OTHERCONTENTINFORMATIONTYPE', CONTENT_INFORMATION_TYPE],
    ['PROFILE', SIP_PROFILE],
  ];
}

export const contentTypeAttributes: Attributes = [
  ['csip:CONTENTINFORMATIONTYPE', 'OTHER'],
  ['csip:OTHERCONTENTINFORMATIONTYPE', CONTENT_INFORMATION_TYPE],
];

/** dateTime without fractions, as the E-ARK samples write it (still a valid xs:dateTime). */
export const metsDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The SHA-256 attributes every file and mdRef carries (CSIP66-72, CSIP17-30). */
export const fileAttributes = (f: MetsFile): Attributes => [
  ['MIMETYPE', f.mediaType],
  ['SIZE', String(f.size)],
  ['CREATED', metsDate(f.created)],
  ['CHECKSUM', f.sha256],
  ['CHECKSUMTYPE', 'SHA-256'],
];

export function mdRef(w: XmlWriter, f: MetsFile, mdType: string, otherMdType?: string): void {
  w.empty('mdRef', [
    ['LOCTYPE', 'URL'],
    ['xlink:type', 'simple'],
    ['xlink:href', f.path],
    ['MDTYPE', mdType],
    ['OTHERMDTYPE', otherMdType],
    ...fileAttributes(f),
  ]);
}

/** A fileGrp with one file element per file; ids are the group id plus the position, always valid NCNames. */
export function fileGrp(w: XmlWriter, id: string, use: string, files: MetsFile[], extra: Attributes = []): void {
  w.open('fileGrp', [['ID', id], ['USE', use], ...extra]);
  files.forEach((f, i) => {
    w.open('file', [['ID', `${id}-${i + 1}`], ...fileAttributes(f)]);
    w.empty('FLocat', [['LOCTYPE', 'URL'], ['xlink:type', 'simple'], ['xlink:href', f.path]]);
    w.close('file');
  });
  w.close('fileGrp');
}

/** The software agent every METS header must carry (CSIP10-16). */
export function softwareAgent(w: XmlWriter, software: { name: string; version: string }): void {
  w.open('agent', [['ROLE', 'CREATOR'], ['TYPE', 'OTHER'], ['OTHERTYPE', 'SOFTWARE']]);
  w.leaf('name', software.name);
  w.leaf('note', software.version, [['csip:NOTETYPE', 'SOFTWARE VERSION']]);
  w.close('agent');
}

/** Turns any label into an NCName usable as a METS ID. */
export const ncName = (prefix: string, s: string) => `${prefix}-${s.replace(/[^A-Za-z0-9._-]/g, '_')}`;
