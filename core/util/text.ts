/**
 * Text helpers with the same semantics across stores: pg_trgm-compatible trigram similarity
 * and a simple lexical tokenizer.
 *
 * @module
 */

/**
 * The trigram set of a string as PostgreSQL's pg_trgm builds it: lowercase, split into words
 * on non-alphanumeric characters, each word padded with two spaces before and one after.
 */
export function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word.length === 0) continue;
    const padded = `  ${word} `;
    const chars = Array.from(padded);
    for (let i = 0; i + 3 <= chars.length; i++) out.add(chars.slice(i, i + 3).join(""));
  }
  return out;
}

/**
 * Trigram similarity in `[0, 1]` as pg_trgm's `similarity()`: shared trigrams divided by the
 * size of the union. Two strings without trigrams have similarity 0.
 */
export function trigramSimilarity(a: string, b: string): number {
  const ta = trigrams(a);
  const tb = trigrams(b);
  if (ta.size === 0 || tb.size === 0) return 0;
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return shared / (ta.size + tb.size - shared);
}

/** Lowercased word tokens (letters and digits), punctuation dropped. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}
