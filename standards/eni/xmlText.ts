/**
 * Code points XML 1.0 cannot carry even as character references: C0 controls other than tab, LF and CR, lone
 * surrogates, U+FFFE and U+FFFF. A parser must refuse a document that holds one, so they never reach the output.
 * With the u flag a well-formed surrogate pair is one code point, so the surrogate range matches lone halves only.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/gu;

export interface XmlText {
  /** The value escaped for element content. */
  xml: string;
  /** Whether some character had to be replaced by U+FFFD (the value then no longer reads exactly as given). */
  replaced: boolean;
}

/**
 * Escapes a value for element content. A CR is written as a reference because a parser would otherwise turn it
 * into LF; `>` is always escaped so that `]]>` can never appear.
 */
export function xmlText(value: string): XmlText {
  let replaced = false;
  const clean = value.replace(NOT_XML, () => {
    replaced = true;
    return '\uFFFD';
  });
  const xml = clean.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;'));
  return { xml, replaced };
}
