/**
 * The `postgres` adapter plugin: config key `postgres` for every storage family.
 *
 * @module
 */
import type { AdapterConfig, AdapterContext, AdapterPlugin } from "@astrocyte/core";
import { parsePostgresOptions } from "./options.ts";
import type { PostgresOptions } from "./options.ts";
import { createPostgresVectorStore } from "./vector_store.ts";
import { createPostgresDocumentStore } from "./document_store.ts";
import { createPostgresGraphStore } from "./graph_store.ts";
import { createPostgresWikiStore } from "./wiki_store.ts";
import { createPostgresMentalModelStore } from "./mental_model_store.ts";
import { createPostgresSourceStore } from "./source_store.ts";
import { createPostgresPageIndexStore } from "./pageindex_store.ts";

/**
 * Parse a family's `*_config` for the plugin: snake_case keys, unknown keys reported to the
 * context's logger, and `DATABASE_URL` from the context's env when no `url` is given (and no
 * PGlite driver is selected).
 */
export function postgresOptionsFromConfig(
  config: AdapterConfig,
  context: Partial<AdapterContext>,
  path: string,
): PostgresOptions {
  const options = parsePostgresOptions(config ?? {}, path, (key) => {
    context.logger?.warn(`[astrocyte/postgres] ${path}.${key}: unknown option, ignored`);
  });
  if (options.url === undefined && options.driver !== "pglite") {
    const env = context.env?.["DATABASE_URL"];
    if (env !== undefined && env !== "") options.url = env;
  }
  return options;
}

/**
 * The plugin to register with `createRegistry(...)`. Families configured with the key
 * `postgres` and equal connection settings share one client (PGlite instance, Neon pool).
 *
 * @example
 * ```ts ignore
 * import { createRegistry, inMemory } from "@astrocyte/core";
 * import { postgres } from "@astrocyte/postgres";
 *
 * const registry = createRegistry(inMemory, postgres);
 * // astrocyte.yaml: vector_store: postgres / vector_store_config: { url: ..., dimensions: 384 }
 * ```
 */
export const postgres: AdapterPlugin = {
  name: "postgres",
  aliases: ["pgvector"],
  spiVersion: 1,
  importHint: 'import { postgres } from "@astrocyte/postgres"',
  vectorStore: (config, ctx) =>
    createPostgresVectorStore(postgresOptionsFromConfig(config, ctx, "vector_store_config"), ctx),
  documentStore: (config, ctx) =>
    createPostgresDocumentStore(
      postgresOptionsFromConfig(config, ctx, "document_store_config"),
      ctx,
    ),
  graphStore: (config, ctx) =>
    createPostgresGraphStore(postgresOptionsFromConfig(config, ctx, "graph_store_config"), ctx),
  wikiStore: (config, ctx) =>
    createPostgresWikiStore(postgresOptionsFromConfig(config, ctx, "wiki_store_config"), ctx),
  mentalModelStore: (config, ctx) =>
    createPostgresMentalModelStore(
      postgresOptionsFromConfig(config, ctx, "mental_model_store_config"),
      ctx,
    ),
  sourceStore: (config, ctx) =>
    createPostgresSourceStore(postgresOptionsFromConfig(config, ctx, "source_store_config"), ctx),
  pageIndexStore: (config, ctx) =>
    createPostgresPageIndexStore(
      postgresOptionsFromConfig(config, ctx, "pageindex_store_config"),
      ctx,
    ),
};
