import type { BinaryLike } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { RsaSha256 } from 'xml-crypto/lib/signature-algorithms.js';
import { parseXmlSafely } from '../xml/parseXmlSafely.ts';
import type { XmlSealKey } from './XmlSealKey.ts';
import {
  DSIG_NS,
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  MAX_SEALED_XML_CHARS,
  RSA_SHA256,
  SHA256,
  allElements,
  elementsWithId,
  isInside,
  isNcName,
  processingInstructionsOutsideRoot,
} from './xmldsigProfile.ts';

export interface SealOptions {
  /** 'document': enveloped signature over the whole document (Reference URI="", transforms enveloped-signature + exc-c14n).
   *  {id}: signature over the element whose attribute `Id` equals id (Reference URI="#id", exc-c14n; plus enveloped-signature transform only if the signature ends up inside that element). */
  reference: 'document' | { id: string };
  /** Where the ds:Signature goes: as last child of the element matched by this local name + namespace URI (first match in document order). Default for 'document': last child of the root element. */
  placeInside?: { localName: string; namespaceUri: string };
  /** Value of the ds:Signature Id attribute. */
  signatureId?: string;
}

/**
 * Seals an XML document legajo produced with an XMLDSig signature (ds prefix, certificates in KeyInfo). Callers pass
 * their own output, so anything that cannot be sealed as asked is a programming error and throws; without
 * `placeInside` the signature goes last in the root element, in both modes.
 */
export function sealXml(xml: string, key: XmlSealKey, options: SealOptions): string {
  const doc = parseXmlSafely(xml, { maxLength: MAX_SEALED_XML_CHARS });
  if (doc.getElementsByTagNameNS(DSIG_NS, 'Signature').length > 0) {
    throw new Error('El XML ya contiene una firma ds:Signature; un sello de legajo debe ser la única firma del documento.');
  }
  if (key.certificates.length === 0) throw new Error('La clave de sello no trae certificados para KeyInfo.');
  if (options.signatureId !== undefined && (!isNcName(options.signatureId) || elementsWithId(doc, options.signatureId).length > 0)) {
    throw new Error(`El Id de la firma «${options.signatureId}» no es un nombre XML válido o ya lo usa otro elemento.`);
  }

  const root = doc.documentElement;
  let signed: Element = root;
  if (options.reference === 'document') {
    // xml-crypto digests the root element while URI="" also covers these, so the seal would not verify elsewhere.
    const outside = processingInstructionsOutsideRoot(doc);
    if (outside.length > 0) {
      throw new Error(`El XML trae instrucciones de procesamiento fuera del elemento raíz (${outside.join(', ')}); no se puede sellar completo.`);
    }
  } else {
    const { id } = options.reference;
    if (!isNcName(id)) throw new Error(`El Id «${id}» no es un nombre XML válido.`);
    const matches = elementsWithId(doc, id);
    const [element] = matches;
    if (!element || matches.length > 1 || element.getAttribute('Id') !== id) {
      throw new Error(`Se esperaba exactamente un elemento con Id="${id}" y hay ${matches.length} con ese identificador.`);
    }
    signed = element;
  }

  let container: Element = root;
  let containerXPath = '/*';
  if (options.placeInside) {
    const { localName, namespaceUri } = options.placeInside;
    // xmldom leaves namespaceURI undefined on elements in no namespace.
    const sameName = allElements(doc).filter((element) => element.localName === localName);
    const position = sameName.findIndex((element) => (element.namespaceURI ?? '') === namespaceUri);
    if (position < 0 || !isNcName(localName)) throw new Error(`No hay un elemento {${namespaceUri}}${localName} donde colocar la firma.`);
    container = sameName[position]!;
    // xml-crypto parses the same text again, so the n-th element with this local name is the same one there; a
    // namespace test in the XPath would not do, as the xpath package misreads xmldom's missing namespace.
    containerXPath = `(//*[local-name()='${localName}'])[${position + 1}]`;
  }

  const signer = new SignedXml({
    // computeSignature refuses to run without a private key; the algorithm registered below signs through `key`
    // and never reads this one.
    privateKey: 'firma-mediante-XmlSealKey',
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
    getKeyInfoContent: ({ prefix } = {}) => x509Data(key.certificates, prefix ? `${prefix}:` : ''),
  });
  signer.SignatureAlgorithms[RSA_SHA256] = class extends RsaSha256 {
    constructor() {
      super();
      this.getSignature = (signedInfo: BinaryLike) => key.sign(toBuffer(signedInfo)).toString('base64');
    }
  };
  signer.addReference(
    options.reference === 'document'
      ? { xpath: '/*', isEmptyUri: true, transforms: [ENVELOPED_SIGNATURE, EXC_C14N], digestAlgorithm: SHA256 }
      : {
          xpath: `//*[@Id='${options.reference.id}']`,
          transforms: isInside(container, signed) ? [ENVELOPED_SIGNATURE, EXC_C14N] : [EXC_C14N],
          digestAlgorithm: SHA256,
        },
  );
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: containerXPath, action: 'append' },
    ...(options.signatureId !== undefined ? { attrs: { Id: options.signatureId } } : {}),
  });
  return signer.getSignedXml();
}

function x509Data(certificates: Buffer[], prefix: string): string {
  const each = certificates.map((der) => `<${prefix}X509Certificate>${der.toString('base64')}</${prefix}X509Certificate>`);
  return `<${prefix}X509Data>${each.join('')}</${prefix}X509Data>`;
}

function toBuffer(data: BinaryLike): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
