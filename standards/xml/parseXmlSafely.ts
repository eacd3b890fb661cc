import { DOMParser } from '@xmldom/xmldom';

/** An XML text refused before or while parsing; `reason` says why in words a sender can act on. */
export class XmlRejectedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'XmlRejectedError';
  }
}

export interface ParseLimits {
  /** Characters; larger texts are refused before parsing. */
  maxLength: number;
}

/**
 * Parses XML that came from outside. A document type declaration is refused outright: legajo's formats need none,
 * and refusing it closes external entities (XXE) and entity expansion (billion laughs) at once, whatever the
 * parser would do with them.
 */
export function parseXmlSafely(xml: string, limits: ParseLimits): Document {
  if (xml.length > limits.maxLength) throw new XmlRejectedError(`El XML supera ${limits.maxLength} caracteres.`);
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new XmlRejectedError('El XML trae una declaración DOCTYPE o ENTITY; no se aceptan (riesgo de entidades externas o expansión de entidades).');
  }
  const problems: string[] = [];
  const record = (msg: string) => void problems.push(msg.replace(/\s+/g, ' ').trim());
  const doc = new DOMParser({ locator: {}, errorHandler: { warning: record, error: record, fatalError: record } }).parseFromString(xml, 'application/xml');
  if (problems.length) throw new XmlRejectedError(`El XML está mal formado: ${problems[0]}`);
  if (!doc?.documentElement) throw new XmlRejectedError('El XML no tiene elemento raíz.');
  return doc as unknown as Document;
}
