/**
 * `@astrocyte/postgres/pglite`: everything in `@astrocyte/postgres`, plus the embedded
 * **PGlite** driver (Postgres compiled to WebAssembly, with pgvector and pg_trgm) for local
 * development, tests and single-process apps.
 *
 * PGlite lives in its own entry point so that the main entry — the Neon HTTP and WebSocket
 * drivers, which is what runs on Cloudflare Workers — never references it: a Workers bundle of
 * `@astrocyte/postgres` stays free of PGlite's WebAssembly and Node built-ins.
 *
 * @example
 * ```ts ignore
 * import { createRegistry, inMemory } from "@astrocyte/core";
 * import { postgres } from "@astrocyte/postgres/pglite";
 *
 * const registry = createRegistry(inMemory, postgres);
 * // astrocyte.yaml:  vector_store: postgres
 * //                  vector_store_config: { url: "pglite:.astrocyte/pg", dimensions: 384 }
 * ```
 *
 * @module
 */
import { registerPgliteLoader } from "./_client.ts";

registerPgliteLoader(async () => {
  const [{ PGlite }, { vector }, { pg_trgm }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite-pgvector"),
    import("@electric-sql/pglite/contrib/pg_trgm"),
  ]);
  return { PGlite, extensions: { vector, pg_trgm } };
});

export * from "./mod.ts";
