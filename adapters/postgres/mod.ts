/**
 * `@astrocyte/postgres` — Astrocyte storage on Postgres with pgvector, through Neon's
 * serverless driver (SQL over HTTP or WebSocket), the embedded PGlite, or any
 * node-postgres style client. Every storage family: vector, document (full text), graph,
 * wiki, mental model, source and PageIndex stores.
 *
 * ```ts ignore
 * import { createPostgresVectorStore } from "@astrocyte/postgres";
 *
 * // Embedded (PGlite, in memory); use a postgres:// URL for Neon.
 * const store = createPostgresVectorStore({ url: "memory://", dimensions: 3 });
 * await store.storeVectors([
 *   { id: "m1", bankId: "user-1", vector: [1, 0, 0], text: "Calvin prefers dark mode" },
 * ]);
 * const hits = await store.searchSimilar([1, 0.1, 0], "user-1", { limit: 5 });
 * console.log(hits[0]?.id); // "m1"
 * await store.close();
 * ```
 *
 * With a registry and `astrocyte.yaml`, register the {@linkcode postgres} plugin and name
 * `postgres` as the store of each family.
 *
 * @module
 */
export {
  type AnnIndexPolicy,
  type HnswIterativeScan,
  parsePostgresOptions,
  type PostgresDriver,
  type PostgresOptions,
  type PostgresQueryable,
  validatePostgresOptions,
} from "./options.ts";
export * from "./plugin.ts";
export * from "./vector_store.ts";
export * from "./document_store.ts";
export * from "./graph_store.ts";
export { createPostgresWikiStore } from "./wiki_store.ts";
export * from "./mental_model_store.ts";
export * from "./source_store.ts";
export * from "./pageindex_store.ts";
export * from "./migrate.ts";
