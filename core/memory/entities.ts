/**
 * A small, deterministic entity extractor used by the Tier-1 pipeline when no LLM-based
 * extraction is configured: capitalised word sequences (proper nouns) with a stopword list.
 *
 * @module
 */

/** An extracted entity mention. */
export interface ExtractedEntity {
  /** Stable id derived from the lowercased name. */
  id: string;
  /** The name as it appears. */
  name: string;
  /** Entity type; the heuristic extractor cannot tell, so `OTHER`. */
  entityType: string;
}

const STOP = new Set(
  ("a an and are as at be but by can could did do does for from had has have he her his how i " +
    "if in is it its me my no not of on or our she so than that the their them then there these " +
    "they this to was we were what when where which who why will with would you your yes " +
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday")
    .split(" "),
);

/** Stable entity id for a name: `ent:` + the lowercased, whitespace-collapsed name. */
export function entityIdFor(name: string): string {
  return `ent:${name.toLowerCase().replace(/\s+/g, " ").trim()}`;
}

/**
 * Extract proper-noun entities: maximal runs of capitalised words, minus stopwords. Returns
 * each distinct entity once, in order of first appearance.
 */
export function extractEntities(text: string): ExtractedEntity[] {
  const out = new Map<string, ExtractedEntity>();
  const words = text.split(/[^\p{L}\p{N}'’-]+/u);
  let run: string[] = [];
  const flush = () => {
    while (run.length > 0 && STOP.has(run[0]!.toLowerCase())) run.shift();
    if (run.length > 0) {
      const name = run.join(" ");
      const id = entityIdFor(name);
      if (!out.has(id) && name.length > 1) out.set(id, { id, name, entityType: "OTHER" });
    }
    run = [];
  };
  for (const raw of words) {
    const word = raw.replace(/['’]s$/u, "");
    if (/^\p{Lu}/u.test(word) && !STOP.has(word.toLowerCase())) run.push(word);
    else flush();
  }
  flush();
  return [...out.values()];
}
