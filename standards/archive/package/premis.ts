import { XmlWriter } from '../../caseFile/xmlWriter.ts';
import type { FileFormat } from './pronomFormat.ts';

export const PREMIS_NS = 'http://www.loc.gov/premis/v3';

export interface PremisId {
  type: string;
  value: string;
}

export interface PremisRelationship {
  type: 'structural' | 'derivation';
  /** PREMIS relationshipSubType vocabulary: "has part", "is part of", "has source", "represents"… */
  subType: string;
  related: PremisId;
}

interface ObjectBase {
  id: PremisId;
  originalName?: string | null | undefined;
  relationships?: PremisRelationship[] | undefined;
  events?: PremisId[] | undefined;
}

export type PremisObject =
  | (ObjectBase & { kind: 'intellectualEntity' })
  | (ObjectBase & { kind: 'representation' })
  | (ObjectBase & { kind: 'file'; sha256: string; size: number; format: FileFormat });

export interface PremisEvent {
  id: PremisId;
  /** eventType, from the Library of Congress vocabulary where one fits (ingestion, migration, fixity check…). */
  type: string;
  at: Date;
  detail?: string | null | undefined;
  outcome?: string | null | undefined;
  outcomeDetail?: string | null | undefined;
  agents: Array<{ id: PremisId; role: string }>;
  objects: Array<{ id: PremisId; role?: string | undefined }>;
}

export interface PremisAgent {
  id: PremisId;
  name: string;
  /** person, organization or software. */
  type: string;
  version?: string | null | undefined;
  note?: string | null | undefined;
}

export interface PremisDocument {
  objects: PremisObject[];
  events: PremisEvent[];
  agents: PremisAgent[];
}

/** A PREMIS 3.0 document (objects, then events, then agents, the order the schema requires). */
export function buildPremis(doc: PremisDocument): string {
  const w = new XmlWriter();
  w.open('premis:premis', [
    ['xmlns:premis', PREMIS_NS],
    ['xmlns:xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
    ['xsi:schemaLocation', `${PREMIS_NS} http://www.loc.gov/standards/premis/v3/premis-v3-0.xsd`],
    ['version', '3.0'],
  ]);
  for (const o of doc.objects) writeObject(w, o);
  for (const e of doc.events) writeEvent(w, e);
  for (const a of doc.agents) writeAgent(w, a);
  w.close('premis:premis');
  return w.toString();
}

function identifier(w: XmlWriter, element: string, prefix: string, id: PremisId, extra?: () => void) {
  w.open(`premis:${element}`);
  w.leaf(`premis:${prefix}Type`, id.type);
  w.leaf(`premis:${prefix}Value`, id.value);
  extra?.();
  w.close(`premis:${element}`);
}

function writeObject(w: XmlWriter, o: PremisObject) {
  w.open('premis:object', [['xsi:type', `premis:${o.kind}`]]);
  identifier(w, 'objectIdentifier', 'objectIdentifier', o.id);
  if (o.kind === 'file') {
    w.open('premis:objectCharacteristics');
    w.leaf('premis:compositionLevel', '0');
    w.open('premis:fixity');
    w.leaf('premis:messageDigestAlgorithm', 'SHA-256');
    w.leaf('premis:messageDigest', o.sha256);
    w.leaf('premis:messageDigestOriginator', 'legajo');
    w.close('premis:fixity');
    w.leaf('premis:size', String(o.size));
    w.open('premis:format');
    w.open('premis:formatDesignation');
    w.leaf('premis:formatName', o.format.name);
    if (o.format.version) w.leaf('premis:formatVersion', o.format.version);
    w.close('premis:formatDesignation');
    if (o.format.puid) {
      w.open('premis:formatRegistry');
      w.leaf('premis:formatRegistryName', 'PRONOM');
      w.leaf('premis:formatRegistryKey', o.format.puid);
      w.leaf('premis:formatRegistryRole', 'specification');
      w.close('premis:formatRegistry');
    }
    w.close('premis:format');
    w.close('premis:objectCharacteristics');
  }
  if (o.originalName) w.leaf('premis:originalName', o.originalName);
  for (const r of o.relationships ?? []) {
    w.open('premis:relationship');
    w.leaf('premis:relationshipType', r.type);
    w.leaf('premis:relationshipSubType', r.subType);
    identifier(w, 'relatedObjectIdentifier', 'relatedObjectIdentifier', r.related);
    w.close('premis:relationship');
  }
  for (const e of o.events ?? []) identifier(w, 'linkingEventIdentifier', 'linkingEventIdentifier', e);
  w.close('premis:object');
}

function writeEvent(w: XmlWriter, e: PremisEvent) {
  w.open('premis:event');
  identifier(w, 'eventIdentifier', 'eventIdentifier', e.id);
  w.leaf('premis:eventType', e.type);
  w.leaf('premis:eventDateTime', e.at.toISOString());
  if (e.detail) {
    w.open('premis:eventDetailInformation');
    w.leaf('premis:eventDetail', e.detail);
    w.close('premis:eventDetailInformation');
  }
  if (e.outcome) {
    w.open('premis:eventOutcomeInformation');
    w.leaf('premis:eventOutcome', e.outcome);
    if (e.outcomeDetail) {
      w.open('premis:eventOutcomeDetail');
      w.leaf('premis:eventOutcomeDetailNote', e.outcomeDetail);
      w.close('premis:eventOutcomeDetail');
    }
    w.close('premis:eventOutcomeInformation');
  }
  for (const a of e.agents) identifier(w, 'linkingAgentIdentifier', 'linkingAgentIdentifier', a.id, () => w.leaf('premis:linkingAgentRole', a.role));
  for (const o of e.objects) identifier(w, 'linkingObjectIdentifier', 'linkingObjectIdentifier', o.id, () => o.role && w.leaf('premis:linkingObjectRole', o.role));
  w.close('premis:event');
}

function writeAgent(w: XmlWriter, a: PremisAgent) {
  w.open('premis:agent');
  identifier(w, 'agentIdentifier', 'agentIdentifier', a.id);
  w.leaf('premis:agentName', a.name);
  w.leaf('premis:agentType', a.type);
  if (a.version) w.leaf('premis:agentVersion', a.version);
  if (a.note) w.leaf('premis:agentNote', a.note);
  w.close('premis:agent');
}
