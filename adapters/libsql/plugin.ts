/**
 * The `libsql` adapter plugin: register it with `createRegistry(libsql)` and select it with
 * `vector_store: libsql` (and the other `*_store` keys) in `astrocyte.yaml`.
 *
 * @module
 */
import type { AdapterConfig, AdapterContext, AdapterPlugin } from "@astrocyte/core";
import { createLibsqlDocumentStore } from "./document_store.ts";
import { createLibsqlGraphStore } from "./graph_store.ts";
import { createLibsqlMentalModelStore } from "./mental_model_store.ts";
import { createLibsqlPageIndexStore } from "./pageindex_store.ts";
import { createLibsqlSourceStore } from "./source_store.ts";
import { createLibsqlWikiStore } from "./wiki_store.ts";
import { type LibsqlOptions, parseLibsqlOptions } from "./options.ts";
import { createLibsqlVectorStore } from "./vector_store.ts";

/** The URL used when neither the config nor `LIBSQL_URL` names one. */
export const DEFAULT_LIBSQL_URL = "file:.astrocyte/memory.db";

function optionsFrom(config: AdapterConfig, ctx: AdapterContext): LibsqlOptions {
  const field = `${ctx.configKey ?? "libsql"}_config`;
  const hasUrl = (typeof config?.["url"] === "string" && config["url"] !== "") ||
    !!ctx.env?.["LIBSQL_URL"];
  return parseLibsqlOptions(hasUrl ? config : { ...config, url: DEFAULT_LIBSQL_URL }, {
    env: ctx.env,
    field,
    ...(ctx.logger ? { logger: ctx.logger } : {}),
  });
}

/**
 * The libSQL adapter plugin (config key `libsql`, SPI version 1). Families configured with
 * the same URL and token share one client through the registry's `shared` cache.
 *
 * @example
 * ```ts ignore
 * import { createRegistry, inMemory } from "@astrocyte/core";
 * import { libsql } from "@astrocyte/libsql";
 * const registry = createRegistry(inMemory, libsql);
 * ```
 */
export const libsql: AdapterPlugin = {
  name: "libsql",
  spiVersion: 1,
  importHint: 'import { libsql } from "@astrocyte/libsql"',
  vectorStore: (config, ctx) => createLibsqlVectorStore(optionsFrom(config, ctx), ctx),
  documentStore: (config, ctx) => createLibsqlDocumentStore(optionsFrom(config, ctx), ctx),
  graphStore: (config, ctx) => createLibsqlGraphStore(optionsFrom(config, ctx), ctx),
  wikiStore: (config, ctx) => createLibsqlWikiStore(optionsFrom(config, ctx), ctx),
  mentalModelStore: (config, ctx) => createLibsqlMentalModelStore(optionsFrom(config, ctx), ctx),
  sourceStore: (config, ctx) => createLibsqlSourceStore(optionsFrom(config, ctx), ctx),
  pageIndexStore: (config, ctx) => createLibsqlPageIndexStore(optionsFrom(config, ctx), ctx),
};
