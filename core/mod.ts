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
export * from "./util/filters.ts";
export * from "./util/text.ts";
