/**
 * A bounded binary heap that keeps the `k` best `(slot, score)` pairs in the SPI hit order
 * (score descending, then id ascending in code-unit order), without sorting everything.
 *
 * Private to the in-memory vector store; exported only for its unit tests.
 *
 * @module
 */

/**
 * Keeps the best `k` candidates. The root is the *worst* kept candidate, so a scan can reject
 * most items with one comparison against {@linkcode TopKHeap.threshold}.
 */
export class TopKHeap {
  /** Slot numbers, heap-ordered (root = worst kept candidate). */
  readonly slots: Int32Array;
  /** Scores parallel to {@linkcode TopKHeap.slots}. */
  readonly scores: Float64Array;
  /** How many candidates are kept (≤ capacity). */
  size = 0;
  readonly #capacity: number;
  readonly #ids: ArrayLike<string>;

  /**
   * @param capacity the `k` to keep (≥ 0).
   * @param ids slot → id, used to break score ties (smaller id wins).
   */
  constructor(capacity: number, ids: ArrayLike<string>) {
    this.#capacity = capacity;
    this.#ids = ids;
    this.slots = new Int32Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  /** Whether the heap holds `k` candidates (a new one must beat the root to get in). */
  get full(): boolean {
    return this.size === this.#capacity;
  }

  /**
   * Whether a candidate would be kept: the heap is not full, or it ranks before the root.
   */
  accepts(slot: number, score: number): boolean {
    if (this.size < this.#capacity) return true;
    if (this.#capacity === 0) return false;
    const root = this.scores[0]!;
    if (score !== root) return score > root;
    return this.#ids[slot]! < this.#ids[this.slots[0]!]!;
  }

  /** Add a candidate that {@linkcode TopKHeap.accepts} returned `true` for. */
  push(slot: number, score: number): void {
    if (this.size < this.#capacity) {
      let i = this.size++;
      // sift up: move the new (possibly worse) candidate towards the root
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.#worse(score, slot, this.scores[parent]!, this.slots[parent]!)) break;
        this.scores[i] = this.scores[parent]!;
        this.slots[i] = this.slots[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.slots[i] = slot;
      return;
    }
    this.#siftDown(slot, score);
  }

  /** Remove every candidate and return them best first. */
  drain(): { slot: number; score: number }[] {
    const out = new Array<{ slot: number; score: number }>(this.size);
    while (this.size > 0) {
      const slot = this.slots[0]!;
      const score = this.scores[0]!;
      const n = --this.size;
      out[n] = { slot, score };
      if (n > 0) this.#siftDown(this.slots[n]!, this.scores[n]!);
    }
    return out;
  }

  /** Place `(slot, score)` at the root and restore the heap over the first `size` entries. */
  #siftDown(slot: number, score: number): void {
    const n = this.size;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let child = left;
      const right = left + 1;
      if (
        right < n &&
        this.#worse(this.scores[right]!, this.slots[right]!, this.scores[left]!, this.slots[left]!)
      ) {
        child = right;
      }
      if (!this.#worse(this.scores[child]!, this.slots[child]!, score, slot)) break;
      this.scores[i] = this.scores[child]!;
      this.slots[i] = this.slots[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.slots[i] = slot;
  }

  /** `a` ranks after `b`: lower score, or equal score and larger id. */
  #worse(scoreA: number, slotA: number, scoreB: number, slotB: number): boolean {
    if (scoreA !== scoreB) return scoreA < scoreB;
    return this.#ids[slotA]! > this.#ids[slotB]!;
  }
}
