/**
 * ENI identifiers have the shape `ES_<Órgano>_<AAAA>_<ID_específico>` (NTI), which INSIDE checks as
 * `ES_[A-Z][0-9]{8}_[0-9]{4}_.*`, with `_EXP_` before the specific part of an expediente. The XSD types them as plain
 * xsd:string. legajo keeps the shape with the country code CL and the agency's Gestor de Códigos code in place of a
 * DIR3 code. A Chilean agency has no DIR3 code, and a made-up one could collide with a real Spanish body or pass for
 * one. The specific part is legajo's own identifier, kept whole, so the receiver can match the item in the remission
 * package and in legajo. A receiver that enforces DIR3 codes, as INSIDE does, will refuse these identifiers
 * unless it has agreed to a mapping with legajo.
 */
export function eniDocumentIdentifier(organo: string, year: number, documentIdentifier: string, version: number): string {
  return `CL_${organo}_${year}_${documentIdentifier}_v${version}`;
}

export function eniExpedienteIdentifier(organo: string, year: number, iuie: string): string {
  return `CL_${organo}_${year}_EXP_${iuie}`;
}
