/**
 * `@astrocyte/libsql` — Astrocyte's embedded default (a local `file:` database, nothing to
 * install) and its Turso/sqld path at the edge, on `@libsql/client`.
 *
 * Every SPI store family is implemented on one database: vectors in `F32_BLOB` columns with
 * exact per-bank scans and an optional DiskANN index, documents in FTS5 (BM25), and graph,
 * wiki, mental-model, source and PageIndex records in ordinary tables. `file:` and `:memory:`
 * URLs use the client's default entry (native engine); `libsql://`, `http(s)://` and
 * `ws(s)://` use `@libsql/client/web` (fetch only, safe on Cloudflare Workers).
 *
 * @example Register the plugin and select it in `astrocyte.yaml`
 * ```ts ignore
 * import { createRegistry, inMemory } from "@astrocyte/core";
 * import { libsql } from "@astrocyte/libsql";
 *
 * const registry = createRegistry(inMemory, libsql);
 * // vector_store: libsql
 * // vector_store_config: { url: "file:.astrocyte/memory.db", dimensions: 384 }
 * ```
 *
 * @example Direct use
 * ```ts ignore
 * import { createLibsqlVectorStore } from "@astrocyte/libsql";
 *
 * const store = createLibsqlVectorStore({ url: "file:.astrocyte/memory.db", dimensions: 3 });
 * await store.storeVectors([{ id: "m1", bankId: "user-1", vector: [1, 0, 0], text: "hello" }]);
 * console.log(await store.searchSimilar([1, 0, 0], "user-1", { limit: 5 }));
 * await store.close();
 * ```
 *
 * @module
 */
export {
  type AnnIndexPolicy,
  type CompressNeighbors,
  type ConnectionKind,
  connectionKind,
  DEFAULT_TABLE_PREFIX,
  type LibsqlClient,
  type LibsqlOptions,
  parseLibsqlOptions,
  type ParseLibsqlOptionsContext,
  validateLibsqlOptions,
} from "./options.ts";
export {
  annIndexSettings,
  createLibsqlVectorStore,
  DEFAULT_ANN_THRESHOLD,
  DEFAULT_COMPRESS_NEIGHBORS,
  DEFAULT_EXACT_SCAN_LIMIT,
  DEFAULT_MAX_NEIGHBORS,
  type LibsqlVectorStore,
  type SearchPlan,
} from "./vector_store.ts";
export { createLibsqlDocumentStore, toFtsQuery } from "./document_store.ts";
export { createLibsqlGraphStore } from "./graph_store.ts";
export { createLibsqlWikiStore } from "./wiki_store.ts";
export { createLibsqlMentalModelStore } from "./mental_model_store.ts";
export { createLibsqlSourceStore } from "./source_store.ts";
export { createLibsqlPageIndexStore } from "./pageindex_store.ts";
export { migrateLibsql, type MigrateLibsqlOptions, type MigrateLibsqlResult } from "./migrate.ts";
export { DEFAULT_LIBSQL_URL, libsql } from "./plugin.ts";
export type { SchemaFamily } from "./_schema.ts";
