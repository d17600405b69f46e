/**
 * All SPI families, their DTOs and versions, plus the family table used by the registry.
 *
 * @module
 */
export * from "./vector_store.ts";
export * from "./graph_store.ts";
export * from "./document_store.ts";
export * from "./wiki_store.ts";
export * from "./mental_model_store.ts";
export * from "./source_store.ts";
export * from "./pageindex_store.ts";
export * from "./engine_provider.ts";
export * from "./llm_provider.ts";
export * from "./families.ts";
export * from "./plugin.ts";
