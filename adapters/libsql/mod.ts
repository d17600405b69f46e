/**
 * @astrocyte/libsql — placeholder while the adapter is being built.
 *
 * @module
 */
export * from "./options.ts";
export * from "./vector_store.ts";
export * from "./document_store.ts";
export * from "./migrate.ts";
export * from "./plugin.ts";
export type { SchemaFamily } from "./_schema.ts";
export * from "./wiki_store.ts";
export * from "./source_store.ts";
export * from "./mental_model_store.ts";
