/**
 * `@astrocyte/upstash`: an Astrocyte `VectorStore` on an
 * [Upstash Vector](https://upstash.com/docs/vector) dense index and a `DocumentStore` (BM25-style
 * full-text search) on a sparse index, one Upstash namespace per bank.
 *
 * Works on Deno, Node, Bun and Cloudflare Workers (no `nodejs_compat` needed): every request
 * goes through the `fetch` you inject (the registry's adapter context, or the `fetch` option).
 *
 * @example
 * ```ts ignore
 * import { createUpstashVectorStore } from "@astrocyte/upstash";
 *
 * const store = createUpstashVectorStore(
 *   { dimensions: 3 },
 *   { env: { UPSTASH_VECTOR_REST_URL: "https://…", UPSTASH_VECTOR_REST_TOKEN: "…" } },
 * );
 * await store.storeVectors([
 *   { id: "m1", bankId: "user-1", vector: [1, 0, 0], text: "likes tea", tags: ["pref"] },
 * ]);
 * const hits = await store.searchSimilar([1, 0, 0], "user-1", { filters: { tags: ["pref"] } });
 * ```
 *
 * With a config file: `vector_store: upstash` and register the plugin,
 * `createRegistry(upstash)`.
 *
 * @module
 */
export { upstash } from "./plugin.ts";
export type { TransportStats } from "./_client.ts";
export {
  createUpstashVectorStore,
  type UpstashContext,
  type UpstashVectorStore,
} from "./vector_store.ts";
export {
  createUpstashDocumentStore,
  documentSparseVector,
  tokenIndex,
  type UpstashDocumentStore,
} from "./document_store.ts";
export {
  parseUpstashOptions,
  type UpstashMetric,
  type UpstashOptions,
  validateUpstashOptions,
} from "./options.ts";
export {
  bankIdToNamespace,
  escapeBankId,
  NAMESPACE_PREFIX_PATTERN,
  namespaceToBankId,
  unescapeBankId,
} from "./namespace.ts";
