import { XmlWriter } from '../../caseFile/xmlWriter.ts';
import { contentTypeAttributes, fileGrp, mdRef, metsDate, metsRootAttributes, softwareAgent, type MetsFile } from './metsParts.ts';

export interface RepresentationMetsInput {
  /** The representation folder name (CSIP1 at representation level). */
  name: string;
  label: string;
  createdAt: Date;
  software: { name: string; version: string };
  /** The representation's PREMIS file. */
  premis: MetsFile;
  documentation: MetsFile[];
  schemas: MetsFile[];
  data: MetsFile[];
}

/** A representation's own METS.xml; every path is relative to the representation folder. */
export function buildRepresentationMets(r: RepresentationMetsInput): string {
  const w = new XmlWriter();
  w.open('mets', metsRootAttributes(r.name, r.label));
  w.open('metsHdr', [['CREATEDATE', metsDate(r.createdAt)], ['RECORDSTATUS', 'NEW'], ['csip:OAISPACKAGETYPE', 'SIP']]);
  softwareAgent(w, r.software);
  w.close('metsHdr');
  w.open('amdSec');
  w.open('digiprovMD', [['ID', 'digiprov-premis'], ['STATUS', 'CURRENT']]);
  mdRef(w, r.premis, 'PREMIS');
  w.close('digiprovMD');
  w.close('amdSec');

  const groups: Array<{ id: string; use: string; label: string; files: MetsFile[]; extra?: typeof contentTypeAttributes }> = [
    { id: 'grp-documentation', use: 'Documentation', label: 'Documentation', files: r.documentation },
    { id: 'grp-schemas', use: 'Schemas', label: 'Schemas', files: r.schemas },
    // CSIP114 holds in a representation's METS too: the content group's USE names the representation's folder.
    { id: 'grp-data', use: `Representations/${r.name}`, label: 'Data', files: r.data, extra: contentTypeAttributes },
  ].filter((g) => g.files.length > 0);
  w.open('fileSec', [['ID', 'filesec']]);
  for (const g of groups) fileGrp(w, g.id, g.use, g.files, g.extra);
  w.close('fileSec');

  w.open('structMap', [['ID', 'structmap-csip'], ['TYPE', 'PHYSICAL'], ['LABEL', 'CSIP']]);
  w.open('div', [['ID', 'div-representation'], ['LABEL', r.name]]);
  w.empty('div', [['ID', 'div-metadata'], ['LABEL', 'Metadata'], ['ADMID', 'digiprov-premis']]);
  for (const g of groups) {
    w.open('div', [['ID', `div-${g.id.slice(4)}`], ['LABEL', g.label]]);
    w.empty('fptr', [['FILEID', g.id]]);
    w.close('div');
  }
  w.close('div');
  w.close('structMap');
  w.close('mets');
  return w.toString();
}
