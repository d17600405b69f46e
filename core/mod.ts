/**
 * Astrocyte core: SPI contracts, in-memory reference implementations, the adapter registry,
 * config loading and typed errors for the Astrocyte memory framework.
 *
 * @example
 * ```ts
 * import { createInMemoryVectorStore } from "@astrocyte/core";
 *
 * const store = createInMemoryVectorStore();
 * await store.storeVectors([{ id: "m1", bankId: "user-1", vector: [1, 0], text: "hello" }]);
 * const hits = await store.searchSimilar([1, 0], "user-1", { limit: 5 });
 * console.log(hits[0]?.id); // "m1"
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./spi/mod.ts";
export * from "./util/validate.ts";
export * from "./util/input_rules.ts";
export * from "./util/stored_values.ts";
export * from "./util/filters.ts";
export * from "./util/text.ts";
export * from "./util/retry.ts";
export * from "./registry.ts";
export * from "./config.ts";
export * from "./config_schema.ts";
export * from "./in_memory/plugin.ts";
export * from "./memory/astrocyte.ts";
export * from "./memory/chunking.ts";
export * from "./memory/fusion.ts";
export * from "./memory/entities.ts";
export * from "./in_memory/vector_store.ts";
export * from "./in_memory/pageindex_store.ts";
export * from "./in_memory/engine_provider.ts";
export * from "./in_memory/wiki_store.ts";
export * from "./in_memory/mental_model_store.ts";
export * from "./in_memory/source_store.ts";
export * from "./in_memory/_mental_model_ops.ts";
export * from "./in_memory/graph_store.ts";
export * from "./in_memory/document_store.ts";
export * from "./in_memory/mock_llm.ts";
export * from "./util/pageindex_checks.ts";
