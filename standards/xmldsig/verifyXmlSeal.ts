import { createHash, X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { SignedXml } from 'xml-crypto';
import { ExclusiveCanonicalization } from 'xml-crypto/lib/exclusive-canonicalization.js';
import { RsaSha256 } from 'xml-crypto/lib/signature-algorithms.js';
import { certificateIdentity } from '../pades/certificateIdentity.ts';
import { verifyCertificatePath } from '../pades/verifyCertificatePath.ts';
import { parseXmlSafely, XmlRejectedError } from '../xml/parseXmlSafely.ts';
import {
  DSIG_NS,
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  MAX_SEALED_XML_CHARS,
  RSA_SHA256,
  SHA256,
  elementsWithId,
  isInside,
  isNcName,
  processingInstructionsOutsideRoot,
} from './xmldsigProfile.ts';

export interface XmlSealReport {
  valid: boolean;            // signature cryptographically valid AND references match AND trusted chain
  signatureValid: boolean;   // SignatureValue verifies with the KeyInfo certificate
  referencesValid: boolean;  // every Reference digest matches
  trusted: boolean;          // chain reaches one of the anchors
  signer: { subject: string; commonName: string | null; serialNumber: string; notBefore: string; notAfter: string } | null;
  signedAt?: undefined;
  problems: string[];        // precise Spanish messages: which reference, expected vs computed digest, untrusted chain, missing signature, more than one signature, unexpected algorithm…
}

export interface VerifyXmlSealOptions {
  /** When the certificates must have been valid; defaults to now. */
  at?: Date;
  /** What the seal must cover; anything else is refused (signature wrapping). Without it either form is accepted. */
  expectReference?: 'document' | { id: string };
}

/** The one ds:Signature as read against legajo's profile, before any cryptography. */
interface SealParts {
  signedInfo: Element;
  uri: string;
  /** The reference declares the enveloped-signature transform. */
  enveloped: boolean;
  digestValue: string;
  signatureValue: string;
  certificates: Buffer[];
}

/**
 * Verifies an XMLDSig seal: exactly one ds:Signature in legajo's profile, its single reference pointing where it
 * must, the SignedInfo signature, the reference digest, and the KeyInfo chain up to the given anchors at `at`.
 * Bad input never throws: it yields valid=false with the reasons. A certificate that was not valid at `at`
 * also makes the seal invalid, though `trusted` only says whether the chain reached an anchor.
 */
export function verifyXmlSeal(
  xml: string,
  anchorsPem: string[],
  options: VerifyXmlSealOptions = {},
): XmlSealReport {
  const report: XmlSealReport = { valid: false, signatureValid: false, referencesValid: false, trusted: false, signer: null, problems: [] };
  const { problems } = report;

  let doc: Document;
  try {
    doc = parseXmlSafely(xml, { maxLength: MAX_SEALED_XML_CHARS });
  } catch (error) {
    if (!(error instanceof XmlRejectedError)) throw error;
    problems.push(error.reason);
    return report;
  }
  const signatures = Array.from(doc.getElementsByTagNameNS(DSIG_NS, 'Signature'));
  const [signature] = signatures;
  if (!signature) {
    problems.push('El XML no contiene ninguna firma XMLDSig (ds:Signature).');
    return report;
  }
  if (signatures.length > 1) {
    problems.push(`El XML contiene ${signatures.length} firmas ds:Signature; un sello válido es la única firma del documento.`);
    return report;
  }

  const parts = readSeal(signature, problems);
  if (!parts) return report;

  const certificates = parts.certificates.flatMap((der, index) => {
    try {
      return [new X509Certificate(der)];
    } catch {
      problems.push(`El certificado ${index + 1} de KeyInfo no es un certificado X.509 legible.`);
      return [];
    }
  });
  const [signerCertificate, ...carried] = certificates;
  if (!signerCertificate || certificates.length !== parts.certificates.length) return report;
  report.signer = describeSigner(parts.certificates[0]!, problems);

  const referenceOk = checkReferenceTarget(doc, signature, parts.uri, options.expectReference, problems);
  if (signerCertificate.publicKey.asymmetricKeyType !== 'rsa') {
    problems.push(`El certificado firmante tiene una clave ${signerCertificate.publicKey.asymmetricKeyType ?? 'desconocida'}; el sello exige RSA.`);
  } else {
    report.signatureValid = new RsaSha256().verifySignature(
      // Exclusive C14N without InclusiveNamespaces (refused above) needs nothing from outside SignedInfo.
      new SignedXml().getCanonXml([EXC_C14N], parts.signedInfo),
      signerCertificate.publicKey,
      parts.signatureValue,
    );
    if (!report.signatureValid) problems.push('El valor de la firma (SignatureValue) no corresponde a SignedInfo con la clave del certificado firmante.');
    if (referenceOk) report.referencesValid = checkReferenceDigest(doc, signature, parts, problems);
  }

  const anchors = anchorsPem.flatMap((pem, index) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      problems.push(`El ancla de confianza ${index + 1} no es un certificado PEM legible.`);
      return [];
    }
  });
  const path = verifyCertificatePath(signerCertificate, carried, anchors, options.at ?? new Date());
  report.trusted = path.trusted;
  problems.push(...path.problems);

  report.valid = report.signatureValid && report.referencesValid && path.trusted && path.validAtTime && problems.length === 0;
  return report;
}

/**
 * Checks the signature's shape element by element, so that xml-crypto (which looks descendants up by local name)
 * reads exactly what is checked here: SignedInfo, SignatureValue, KeyInfo with X509Data, and nothing else.
 */
function readSeal(signature: Element, problems: string[]): SealParts | null {
  const before = problems.length;
  const signatureChildren = dsChildren(signature, 'ds:Signature', problems);
  const [signedInfo, signatureValueElement, keyInfo] = inOrder(signatureChildren, 'ds:Signature', ['SignedInfo', 'SignatureValue', 'KeyInfo'], problems) ?? [];
  if (!signedInfo || !signatureValueElement || !keyInfo) return null;

  const info = dsChildren(signedInfo, 'ds:SignedInfo', problems);
  const referenceCount = info.filter((child) => child.localName === 'Reference').length;
  if (referenceCount !== 1) {
    problems.push(`ds:SignedInfo tiene ${referenceCount} referencias; el sello cubre exactamente una.`);
    return null;
  }
  const [c14n, method, reference] = inOrder(info, 'ds:SignedInfo', ['CanonicalizationMethod', 'SignatureMethod', 'Reference'], problems) ?? [];
  if (!c14n || !method || !reference) return null;
  expectAlgorithm(c14n, EXC_C14N, 'ds:CanonicalizationMethod', problems);
  expectAlgorithm(method, RSA_SHA256, 'ds:SignatureMethod', problems);

  const uri = reference.getAttribute('URI');
  if (uri === null) problems.push('La ds:Reference no tiene atributo URI.');
  const referenceChildren = dsChildren(reference, 'ds:Reference', problems);
  const [transformsElement, digestMethod, digestValueElement] = inOrder(referenceChildren, 'ds:Reference', ['Transforms', 'DigestMethod', 'DigestValue'], problems) ?? [];
  if (!transformsElement || !digestMethod || !digestValueElement) return null;
  const transforms = dsChildren(transformsElement, 'ds:Transforms', problems);
  const algorithms = transforms.map((transform) => {
    if (transform.localName !== 'Transform') problems.push(`ds:Transforms contiene el elemento inesperado <${transform.nodeName}>.`);
    noElementChildren(transform, 'ds:Transform', problems);
    return transform.getAttribute('Algorithm') ?? '(sin algoritmo)';
  });
  const allowed = uri === '' ? [[ENVELOPED_SIGNATURE, EXC_C14N]] : [[EXC_C14N], [ENVELOPED_SIGNATURE, EXC_C14N]];
  if (!allowed.some((list) => list.join(' ') === algorithms.join(' '))) {
    problems.push(
      `Transformaciones inesperadas en la referencia ${describeUri(uri ?? '')}: ${algorithms.join(' + ') || 'ninguna'}; se esperaba ${allowed.map((list) => list.join(' + ')).join(' o ')}.`,
    );
  }
  expectAlgorithm(digestMethod, SHA256, 'ds:DigestMethod', problems);
  const digestValue = base64Text(digestValueElement, 'ds:DigestValue', problems);
  const signatureValue = base64Text(signatureValueElement, 'ds:SignatureValue', problems);

  const certificates: Buffer[] = [];
  for (const data of dsChildren(keyInfo, 'ds:KeyInfo', problems)) {
    if (data.localName !== 'X509Data') {
      problems.push(`ds:KeyInfo contiene el elemento inesperado <${data.nodeName}>; solo se admite ds:X509Data.`);
      continue;
    }
    for (const element of dsChildren(data, 'ds:X509Data', problems)) {
      if (element.localName !== 'X509Certificate') problems.push(`ds:X509Data contiene el elemento inesperado <${element.nodeName}>.`);
      else certificates.push(Buffer.from(base64Text(element, 'ds:X509Certificate', problems), 'base64'));
    }
  }
  if (certificates.length === 0) problems.push('ds:KeyInfo no trae ningún ds:X509Certificate con el certificado firmante.');

  if (problems.length > before || uri === null) return null;
  return { signedInfo, uri, enveloped: algorithms[0] === ENVELOPED_SIGNATURE, digestValue, signatureValue, certificates };
}

/**
 * Wrapping defence: the reference must be the expected one and resolve to exactly one element outside the
 * signature. With URI="" no processing instruction may sit beside the root: xml-crypto leaves those unsigned.
 */
function checkReferenceTarget(
  doc: Document,
  signature: Element,
  uri: string,
  expected: VerifyXmlSealOptions['expectReference'],
  problems: string[],
): boolean {
  const expectedUri = expected === undefined ? null : expected === 'document' ? '' : `#${expected.id}`;
  if (expectedUri !== null && uri !== expectedUri) {
    problems.push(`La firma cubre ${describeUri(uri)}, pero se esperaba que cubriera ${describeUri(expectedUri)}.`);
    return false;
  }
  if (uri === '') {
    const outside = processingInstructionsOutsideRoot(doc);
    if (outside.length === 0) return true;
    problems.push(`El XML trae instrucciones de procesamiento fuera del elemento raíz (${outside.join(', ')}) que la firma no cubre.`);
    return false;
  }
  const id = uri.slice(1);
  if (!uri.startsWith('#') || !isNcName(id)) {
    problems.push(`La referencia ${describeUri(uri)} no es admitida: un sello cubre el documento completo (URI="") o un elemento por su Id (URI="#id").`);
    return false;
  }
  const targets = elementsWithId(doc, id);
  if (targets.length === 0) {
    problems.push(`La referencia ${describeUri(uri)} no apunta a ningún elemento: no hay un elemento con Id="${id}".`);
    return false;
  }
  if (targets.length > 1) {
    problems.push(`Hay ${targets.length} elementos con el identificador «${id}»; la referencia ${describeUri(uri)} es ambigua (posible ataque de envoltura de firma).`);
    return false;
  }
  if (isInside(targets[0]!, signature)) {
    problems.push(`La referencia ${describeUri(uri)} apunta a un elemento dentro de la propia ds:Signature.`);
    return false;
  }
  return true;
}

/**
 * Recomputes the reference digest: the referenced element (the root for URI=""), without the signature when the
 * enveloped-signature transform applies, in exclusive C14N, hashed with SHA-256. Done here rather than through
 * xml-crypto's reference check, whose XPath over every node of the document grows quadratically with its size.
 */
function checkReferenceDigest(doc: Document, signature: Element, parts: SealParts, problems: string[]): boolean {
  const target = parts.uri === '' ? doc.documentElement : elementsWithId(doc, parts.uri.slice(1))[0]!;
  // Declared without the transform, a signature inside what it signs can never verify: it is hashed as it stands.
  const enveloped = parts.enveloped && isInside(signature, target);
  const parent = signature.parentNode!;
  const next = signature.nextSibling;
  if (enveloped) parent.removeChild(signature);
  let canonical: string;
  try {
    canonical = new ExclusiveCanonicalization().process(target, {});
  } finally {
    if (enveloped) parent.insertBefore(signature, next);
  }
  const digest = createHash('sha256').update(canonical, 'utf8').digest('base64');
  if (digest !== parts.digestValue) {
    problems.push(
      `El resumen de la referencia ${describeUri(parts.uri)} no coincide: la firma declara ${parts.digestValue} y el contenido actual da ${digest}; el contenido firmado fue modificado.`,
    );
    return false;
  }
  return true;
}

function describeSigner(der: Buffer, problems: string[]): XmlSealReport['signer'] {
  try {
    const identity = certificateIdentity(pkijs.Certificate.fromBER(new Uint8Array(der)));
    return {
      subject: identity.subject,
      commonName: identity.commonName,
      serialNumber: identity.certificateSerial,
      notBefore: identity.notBefore.toISOString(),
      notAfter: identity.notAfter.toISOString(),
    };
  } catch (error) {
    problems.push(`No se pudo leer la identidad del certificado firmante: ${(error as Error).message}`);
    return null;
  }
}

function describeUri(uri: string): string {
  return uri === '' ? 'URI="" (documento completo)' : `URI="${uri}"`;
}

/** Element children of a ds element: only ds elements, comments and whitespace may appear inside a signature. */
function dsChildren(parent: Element, where: string, problems: string[]): Element[] {
  const elements: Element[] = [];
  for (const node of Array.from(parent.childNodes)) {
    if (node.nodeType === 1 && (node as Element).namespaceURI === DSIG_NS) elements.push(node as Element);
    else if (node.nodeType === 1) problems.push(`${where} contiene el elemento ajeno <${node.nodeName}>.`);
    else if (node.nodeType === 3 ? node.nodeValue?.trim() : node.nodeType !== 8) problems.push(`${where} contiene contenido inesperado fuera de sus elementos.`);
  }
  return elements;
}

/** `children`, required to be exactly the ds elements `names` in that order. */
function inOrder(children: Element[], where: string, names: string[], problems: string[]): Element[] | null {
  if (children.length === names.length && children.every((child, index) => child.localName === names[index])) return children;
  const found = children.map((child) => child.localName).join(', ') || 'nada';
  problems.push(`${where} debe contener ${names.map((name) => `ds:${name}`).join(', ')} en ese orden; contiene ${found}.`);
  return null;
}

function noElementChildren(element: Element, where: string, problems: string[]): void {
  if (Array.from(element.childNodes).some((node) => node.nodeType === 1)) {
    problems.push(`${where} tiene elementos hijos (parámetros), que el perfil del sello no admite.`);
  }
}

function expectAlgorithm(element: Element, expected: string, where: string, problems: string[]): void {
  noElementChildren(element, where, problems);
  const algorithm = element.getAttribute('Algorithm');
  if (algorithm !== expected) problems.push(`Algoritmo inesperado en ${where}: ${algorithm ?? '(ninguno)'}; se exige ${expected}.`);
}

/** Base64 content without whitespace; Buffer.from would silently skip anything that is not base64. */
function base64Text(element: Element, where: string, problems: string[]): string {
  noElementChildren(element, where, problems);
  const text = (element.textContent ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) problems.push(`${where} no contiene base64 válido.`);
  return text;
}
