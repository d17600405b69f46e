/**
 * The registry the `astrocyte` CLI uses: core's in-memory stores and mock LLM plus every
 * first-party adapter plugin.
 *
 * @module
 */
import { createRegistry, inMemory, type Registry } from "@astrocyte/core";
import { libsql } from "@astrocyte/libsql";
import { openai } from "@astrocyte/openai";
import { postgres } from "@astrocyte/postgres/pglite";
import { upstash } from "@astrocyte/upstash";

/**
 * A registry with every first-party plugin: `in_memory` and `mock` (core), `libsql`,
 * `postgres`, `upstash` and `openai`.
 *
 * @example
 * ```ts ignore
 * import { createCliRegistry } from "@astrocyte/cli";
 * console.log(createCliRegistry().keys("vectorStore")); // ["in_memory", "libsql", "postgres", "upstash"]
 * ```
 */
export function createCliRegistry(): Registry {
  return createRegistry(inMemory, libsql, postgres, upstash, openai);
}
