/** The one XMLDSig profile legajo writes and accepts: RSA-SHA256 over exclusive C14N, SHA-256 digests. */
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** Characters; far above any case-file index, low enough that a hostile upload cannot exhaust memory. */
export const MAX_SEALED_XML_CHARS = 64 * 1024 * 1024;

/** xml-crypto resolves URI="#x" against any attribute with one of these local names, so uniqueness is judged on all. */
const ID_ATTRIBUTE_NAMES = new Set(['Id', 'ID', 'id']);

/** XML NCName (without the rarer name characters): what an Id may be, and safe to place inside an XPath literal. */
export function isNcName(value: string): boolean {
  return /^[\p{L}_][\p{L}\p{N}_.\-\u00B7]*$/u.test(value);
}

/** Every element carrying `id` in an Id-like attribute: exactly one means a reference to it is unambiguous. */
export function elementsWithId(doc: Document, id: string): Element[] {
  return allElements(doc).filter((element) =>
    Array.from(element.attributes).some((attr) => ID_ATTRIBUTE_NAMES.has(attr.localName) && attr.value === id),
  );
}

export function allElements(doc: Document): Element[] {
  return Array.from(doc.getElementsByTagName('*'));
}

/** Processing instructions beside the root other than the XML declaration (xmldom keeps that one as a PI). */
export function processingInstructionsOutsideRoot(doc: Document): string[] {
  return Array.from(doc.childNodes)
    .filter((node) => node.nodeType === 7 && node.nodeName !== 'xml')
    .map((node) => node.nodeName);
}

export function isInside(node: Node, ancestor: Node): boolean {
  for (let current: Node | null = node; current; current = current.parentNode) if (current === ancestor) return true;
  return false;
}
