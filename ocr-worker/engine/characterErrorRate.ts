/** The scoring normalisation of shared/ocr-samples/README.md: Unicode NFC, every whitespace run collapsed to one space. */
export function normaliseForScoring(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/**
 * Character error rate: Levenshtein distance between reference and hypothesis over the reference length, both
 * normalised as above; case, accents and punctuation count. Compares code points so a ñ or an astral character is one.
 * Time O(n·m), memory O(min(n, m)): one row over the shorter string.
 */
export function characterErrorRate(reference: string, hypothesis: string): number {
  const ref = Array.from(normaliseForScoring(reference));
  const hyp = Array.from(normaliseForScoring(hypothesis));
  // The rate is undefined over an empty reference: score any output there as fully wrong rather than divide by zero.
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  return levenshtein(ref, hyp) / ref.length;
}

export function levenshtein(a: readonly string[], b: readonly string[]): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  let previous = new Uint32Array(short.length + 1).map((_, j) => j);
  let current = new Uint32Array(short.length + 1);
  for (let i = 1; i <= long.length; i++) {
    current[0] = i;
    const char = long[i - 1];
    for (let j = 1; j <= short.length; j++) {
      const substitution = previous[j - 1]! + (short[j - 1] === char ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    [previous, current] = [current, previous];
  }
  return previous[short.length]!;
}
