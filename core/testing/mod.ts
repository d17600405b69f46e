/**
 * The Astrocyte contract harness: one suite per SPI family that any adapter runs to prove
 * conformance, plus binders for `Deno.test`, `node:test`/Bun, and inline (JSON) runs.
 *
 * @example
 * ```ts ignore
 * import { registerDenoTests, vectorStoreContract } from "@astrocyte/core/testing";
 * import { createMyVectorStore } from "./mod.ts";
 *
 * registerDenoTests(vectorStoreContract({
 *   name: "VectorStore contract (my backend)",
 *   create: ({ dimensions }) => Promise.resolve(createMyVectorStore({ dimensions })),
 * }));
 * ```
 *
 * @module
 */
export * from "./harness.ts";
export * from "./fixtures.ts";
export * from "./vector_store_contract.ts";
export * from "./pageindex_store_contract.ts";
export * from "./engine_provider_contract.ts";
export * from "./wiki_store_contract.ts";
export * from "./mental_model_store_contract.ts";
export * from "./source_store_contract.ts";
export * from "./graph_store_contract.ts";
export * from "./document_store_contract.ts";
export * from "./llm_provider_contract.ts";
