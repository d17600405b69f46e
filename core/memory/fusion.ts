/**
 * Reciprocal rank fusion and the token budget used by recall.
 *
 * @module
 */

/** The RRF constant used by upstream and by the facade. */
export const RRF_K = 60;

/** One ranked list to fuse. */
export interface RankedList<T extends { id: string }> {
  /** Strategy name (for traces). */
  name: string;
  /** Items best first. */
  items: readonly T[];
  /** List weight; 0 mutes the list. @default {1} */
  weight?: number;
}

/** A fused item. */
export interface FusedItem<T> {
  /** The item id. */
  id: string;
  /** The fused RRF score. */
  score: number;
  /** The item from the first list (in list order) that contained it. */
  item: T;
  /** Names of the lists that contained the item. */
  sources: string[];
}

/**
 * Fuse ranked lists with reciprocal rank fusion: each item scores
 * `Σ weight / (k + rank + 1)` over the lists that contain it (rank 0-based), deduplicated by
 * id. Sorted by fused score descending, ties by id ascending.
 *
 * @throws {RangeError} for a negative weight.
 */
export function fuseRrf<T extends { id: string }>(
  lists: readonly RankedList<T>[],
  k: number = RRF_K,
): FusedItem<T>[] {
  const fused = new Map<string, FusedItem<T>>();
  for (const list of lists) {
    const weight = list.weight ?? 1;
    if (weight < 0) throw new RangeError(`RRF weight must be ≥ 0, got ${weight}`);
    const seen = new Set<string>();
    list.items.forEach((item, rank) => {
      if (seen.has(item.id)) return;
      seen.add(item.id);
      const add = weight / (k + rank + 1);
      const existing = fused.get(item.id);
      if (existing) {
        existing.score += add;
        existing.sources.push(list.name);
      } else {
        fused.set(item.id, { id: item.id, score: add, item, sources: [list.name] });
      }
    });
  }
  return [...fused.values()].sort((a, b) =>
    b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]/gu;

/**
 * Estimate the token count of a text without a tokenizer (upstream's heuristic):
 * `max(1, max(chars / 4 (chars / 1.5 when over 30% CJK), words × 1.33))`.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 1;
  const cjk = text.match(CJK)?.length ?? 0;
  const byChars = cjk / text.length > 0.3 ? text.length / 1.5 : text.length / 4;
  const words = text.split(/\s+/).filter((w) => w.length > 0).length;
  return Math.max(1, Math.ceil(Math.max(byChars, words * 1.33)));
}

/**
 * Keep hits in rank order until the next one would exceed `maxTokens`; stop there (no
 * skipping ahead). Returns the kept hits and whether anything was cut.
 */
export function enforceTokenBudget<T extends { text: string }>(
  hits: readonly T[],
  maxTokens: number | undefined,
  count: (text: string) => number = estimateTokens,
): { hits: T[]; truncated: boolean } {
  if (maxTokens === undefined) return { hits: [...hits], truncated: false };
  const kept: T[] = [];
  let used = 0;
  for (const hit of hits) {
    const tokens = count(hit.text);
    if (used + tokens > maxTokens) return { hits: kept, truncated: true };
    used += tokens;
    kept.push(hit);
  }
  return { hits: kept, truncated: false };
}
