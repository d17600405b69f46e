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
