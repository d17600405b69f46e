/**
 * Sentence- and paragraph-aware chunking for the Tier-1 retain pipeline.
 *
 * @module
 */

/** Options of {@linkcode chunkText}. */
export interface ChunkOptions {
  /** Target maximum chunk length in characters. @default {1000} */
  maxChars?: number;
  /** Characters of trailing context repeated at the start of the next chunk. @default {100} */
  overlap?: number;
}

const SENTENCE_END = /(?<=[.!?。！？])\s+(?=\S)/u;

/**
 * Split text into chunks of at most `maxChars` characters. Paragraphs (blank-line separated)
 * are kept whole when they fit; longer paragraphs are split at sentence boundaries; a sentence
 * longer than `maxChars` is split at whitespace (or hard-split as a last resort). Consecutive
 * chunks of a long paragraph overlap by up to `overlap` characters of whole words.
 *
 * @example
 * ```ts
 * import { chunkText } from "@astrocyte/core";
 * chunkText("One. Two.\n\nThree.", { maxChars: 10 }); // ["One. Two.", "Three."]
 * ```
 */
export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const maxChars = Math.max(20, options.maxChars ?? 1000);
  const overlap = Math.max(0, Math.min(options.overlap ?? 100, Math.floor(maxChars / 2)));
  const normalized = text.replace(/\r\n?/g, "\n").trim();
  if (normalized.length === 0) return [];
  const paragraphs = normalized.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p.length > 0);
  const chunks: string[] = [];
  let current = "";
  const flush = () => {
    if (current.length > 0) chunks.push(current);
    current = "";
  };
  for (const paragraph of paragraphs) {
    if (paragraph.length <= maxChars) {
      if (current.length === 0) current = paragraph;
      else if (current.length + 2 + paragraph.length <= maxChars) current += "\n\n" + paragraph;
      else {
        flush();
        current = paragraph;
      }
      continue;
    }
    flush();
    chunks.push(...splitLong(paragraph, maxChars, overlap));
  }
  flush();
  return chunks;
}

function splitLong(paragraph: string, maxChars: number, overlap: number): string[] {
  const pieces: string[] = [];
  for (const sentence of paragraph.split(SENTENCE_END)) {
    if (sentence.length <= maxChars) pieces.push(sentence);
    else pieces.push(...splitWords(sentence, maxChars));
  }
  const out: string[] = [];
  let current = "";
  for (const piece of pieces) {
    if (current.length === 0) {
      current = piece;
    } else if (current.length + 1 + piece.length <= maxChars) {
      current += " " + piece;
    } else {
      out.push(current);
      const tail = overlapTail(current, overlap);
      current = tail && tail.length + 1 + piece.length <= maxChars ? `${tail} ${piece}` : piece;
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

function splitWords(sentence: string, maxChars: number): string[] {
  const out: string[] = [];
  let current = "";
  for (const word of sentence.split(/\s+/)) {
    if (word.length > maxChars) {
      if (current) out.push(current);
      current = "";
      for (let i = 0; i < word.length; i += maxChars) out.push(word.slice(i, i + maxChars));
      continue;
    }
    if (current.length === 0) current = word;
    else if (current.length + 1 + word.length <= maxChars) current += " " + word;
    else {
      out.push(current);
      current = word;
    }
  }
  if (current) out.push(current);
  return out;
}

function overlapTail(text: string, overlap: number): string {
  if (overlap === 0) return "";
  const tail = text.slice(-overlap);
  const firstSpace = tail.indexOf(" ");
  return firstSpace < 0 ? "" : tail.slice(firstSpace + 1);
}
