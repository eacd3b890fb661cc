/** Attributes in the order they are written; undefined ones are left out. */
export type Attributes = ReadonlyArray<readonly [name: string, value: string | undefined]>;

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;', '\u0085': '&#133;', '\u2028': '&#8232;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, '"': '&quot;', '\t': '&#9;', '\n': '&#10;' };

/**
 * Escapes character data. A literal CR would reach the reader as LF (XML end-of-line handling), and so would NEL
 * and LINE SEPARATOR in readers that apply XML 1.1's rules to 1.0 documents, as xmldom does; in attributes tab and
 * LF would become spaces. Those go as character references, which no reader normalizes. The caller has already
 * refused characters XML 1.0 cannot carry.
 */
export const escapeText = (text: string) => text.replace(/[&<>\r\u0085\u2028]/g, (c) => TEXT_ESCAPES[c]!);
export const escapeAttribute = (text: string) => text.replace(/[&<>"\r\t\n\u0085\u2028]/g, (c) => ATTRIBUTE_ESCAPES[c]!);

/** Writes indented XML text, one element per line; element and attribute names are trusted, values are escaped. */
export class XmlWriter {
  private readonly parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  private depth = 0;

  open(name: string, attributes: Attributes = []): void {
    this.parts.push(`${this.indent()}<${name}${attrs(attributes)}>\n`);
    this.depth++;
  }

  close(name: string): void {
    this.depth--;
    this.parts.push(`${this.indent()}</${name}>\n`);
  }

  /** An element whose content is this text (possibly empty). */
  leaf(name: string, text: string, attributes: Attributes = []): void {
    this.parts.push(`${this.indent()}<${name}${attrs(attributes)}>${escapeText(text)}</${name}>\n`);
  }

  empty(name: string, attributes: Attributes = []): void {
    this.parts.push(`${this.indent()}<${name}${attrs(attributes)}/>\n`);
  }

  toString(): string {
    return this.parts.join('');
  }

  private indent(): string {
    return '  '.repeat(this.depth);
  }
}

function attrs(attributes: Attributes): string {
  let out = '';
  for (const [name, value] of attributes) if (value !== undefined) out += ` ${name}="${escapeAttribute(value)}"`;
  return out;
}
