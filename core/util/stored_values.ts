/**
 * The portable value rules for numbers a store persists (core/README.md, "Input rules"), so
 * that a value reads back identically from the in-memory references and every adapter:
 *
 * - **Embeddings are stored as float32.** Every embedding a store keeps — a `VectorItem`'s
 *   `vector`, an entity's `embedding`, a PageIndex section's `summaryEmbedding`, a fact's
 *   `embedding`, a PageIndex wiki page's embedding — reads back as `Math.fround` of each
 *   component given ({@linkcode toStoredEmbedding}): pgvector and libSQL's `F32_BLOB` keep
 *   float32, so every store does (an adapter that normalises vectors, as Upstash's does for
 *   DOT_PRODUCT and EUCLIDEAN indexes, returns a `vector` within one float32 ulp).
 * - **No negative zero.** −0 is stored (and read back) as 0 in every persisted number:
 *   metadata values, confidences, weights, scores, integer fields and embedding components
 *   ({@linkcode toStoredNumber}, {@linkcode toStoredMetadata}). JSON cannot carry −0, and
 *   SQL backends return 0.
 *
 * @module
 */
import type { Metadata } from "../types.ts";

/**
 * The number a store persists for `x`: `x` itself, except that −0 becomes 0 (`x + 0`).
 *
 * @example
 * ```ts
 * import { toStoredNumber } from "@astrocyte/core";
 *
 * console.log(Object.is(toStoredNumber(-0), 0)); // true
 * ```
 */
export function toStoredNumber(x: number): number {
  return x + 0;
}

/**
 * The float32 a store persists for an embedding component `x`: `Math.fround(x)`, with −0
 * stored as 0.
 *
 * @example
 * ```ts
 * import { toFloat32 } from "@astrocyte/core";
 *
 * console.log(toFloat32(0.1)); // 0.10000000149011612
 * ```
 */
export function toFloat32(x: number): number {
  return Math.fround(x) + 0;
}

/**
 * A fresh array of the float32 values a store persists for `embedding`
 * ({@linkcode toFloat32} of each component): what every store returns for it.
 *
 * @example
 * ```ts
 * import { toStoredEmbedding } from "@astrocyte/core";
 *
 * console.log(toStoredEmbedding([0.5, -0, 1 / 3])); // [0.5, 0, 0.3333333432674408]
 * ```
 */
export function toStoredEmbedding(embedding: ArrayLike<number>): number[] {
  const n = embedding.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(embedding[i]!) + 0;
  return out;
}

/**
 * A shallow copy of flat metadata as a store persists it: number values with −0 stored as 0,
 * every other value unchanged.
 *
 * @example
 * ```ts
 * import { toStoredMetadata } from "@astrocyte/core";
 *
 * console.log(Object.is(toStoredMetadata({ n: -0 }).n, 0)); // true
 * ```
 */
export function toStoredMetadata(metadata: Metadata): Metadata {
  const out: Metadata = {};
  for (const key of Object.keys(metadata)) {
    const v = metadata[key]!;
    out[key] = typeof v === "number" ? v + 0 : v;
  }
  return out;
}
