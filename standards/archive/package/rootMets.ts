import { XmlWriter } from '../../caseFile/xmlWriter.ts';
import { contentTypeAttributes, fileGrp, mdRef, metsDate, metsRootAttributes, ncName, softwareAgent, type MetsFile } from './metsParts.ts';

export interface Organization {
  name: string;
  /** Gestor de Códigos code of the agency. */
  code: string;
}

export interface RootMetsInput {
  /** urn:uuid:<uuid>, also the bag's base directory name with ':' → '+'. */
  objid: string;
  label: string;
  createdAt: Date;
  software: { name: string; version: string };
  /** The agency that produced the records (SIP9, ARCHIVIST) and the one submitting them (SIP15, CREATOR). */
  archivalCreator: Organization;
  submitter: Organization;
  /** The person who asked for the transfer (SIP21 contact), when known. */
  contact: string | null;
  /** Descriptive metadata of each case file (dmdSec); `otherMdType` for MDTYPE OTHER. */
  descriptive: Array<{ file: MetsFile; mdType: string; otherMdType?: string }>;
  /** Every PREMIS file of the package, the root one and each representation's (one digiprovMD each). */
  preservation: MetsFile[];
  documentation: MetsFile[];
  /** Empty when the schemas were not available (the README says why). */
  schemas: MetsFile[];
  representations: Array<{ name: string; mets: MetsFile }>;
}

/** The root METS.xml of an E-ARK SIP 2.2 (CSIP 2.2): header agents, dmdSecs, amdSec, fileSec and one CSIP structMap. */
export function buildRootMets(p: RootMetsInput): string {
  const w = new XmlWriter();
  w.open('mets', metsRootAttributes(p.objid, p.label));
  w.open('metsHdr', [['CREATEDATE', metsDate(p.createdAt)], ['RECORDSTATUS', 'NEW'], ['csip:OAISPACKAGETYPE', 'SIP']]);
  softwareAgent(w, p.software);
  const organization = (role: string, o: Organization) => {
    w.open('agent', [['ROLE', role], ['TYPE', 'ORGANIZATION']]);
    w.leaf('name', o.name);
    w.leaf('note', o.code, [['csip:NOTETYPE', 'IDENTIFICATIONCODE']]);
    w.close('agent');
  };
  organization('ARCHIVIST', p.archivalCreator);
  organization('CREATOR', p.submitter);
  if (p.contact) {
    w.open('agent', [['ROLE', 'OTHER'], ['OTHERROLE', 'SUBMITTER'], ['TYPE', 'INDIVIDUAL']]);
    w.leaf('name', p.contact);
    w.close('agent');
  }
  w.close('metsHdr');

  const dmdIds = p.descriptive.map((d) => ncName('dmd', d.file.path));
  p.descriptive.forEach((d, i) => {
    w.open('dmdSec', [['ID', dmdIds[i]], ['CREATED', metsDate(d.file.created)], ['STATUS', 'CURRENT']]);
    mdRef(w, d.file, d.mdType, d.otherMdType);
    w.close('dmdSec');
  });
  const admIds = p.preservation.map((f) => ncName('digiprov', f.path));
  w.open('amdSec');
  p.preservation.forEach((f, i) => {
    w.open('digiprovMD', [['ID', admIds[i]], ['STATUS', 'CURRENT']]);
    mdRef(w, f, 'PREMIS');
    w.close('digiprovMD');
  });
  w.close('amdSec');

  w.open('fileSec', [['ID', 'filesec']]);
  fileGrp(w, 'grp-documentation', 'Documentation', p.documentation);
  if (p.schemas.length) fileGrp(w, 'grp-schemas', 'Schemas', p.schemas);
  const repGroups = p.representations.map((r) => ncName('grp-rep', r.name));
  p.representations.forEach((r, i) => fileGrp(w, repGroups[i]!, `Representations/${r.name}`, [r.mets], contentTypeAttributes));
  w.close('fileSec');

  w.open('structMap', [['ID', 'structmap-csip'], ['TYPE', 'PHYSICAL'], ['LABEL', 'CSIP']]);
  w.open('div', [['ID', 'div-package'], ['LABEL', p.objid]]);
  w.empty('div', [['ID', 'div-metadata'], ['LABEL', 'Metadata'], ['DMDID', dmdIds.join(' ') || undefined], ['ADMID', admIds.join(' ') || undefined]]);
  w.open('div', [['ID', 'div-documentation'], ['LABEL', 'Documentation']]);
  w.empty('fptr', [['FILEID', 'grp-documentation']]);
  w.close('div');
  if (p.schemas.length) {
    w.open('div', [['ID', 'div-schemas'], ['LABEL', 'Schemas']]);
    w.empty('fptr', [['FILEID', 'grp-schemas']]);
    w.close('div');
  }
  p.representations.forEach((r, i) => {
    w.open('div', [['ID', ncName('div-rep', r.name)], ['LABEL', `Representations/${r.name}`]]);
    w.empty('mptr', [['LOCTYPE', 'URL'], ['xlink:type', 'simple'], ['xlink:href', r.mets.path], ['xlink:title', repGroups[i]]]);
    w.close('div');
  });
  w.close('div');
  w.close('structMap');
  w.close('mets');
  return w.toString();
}
