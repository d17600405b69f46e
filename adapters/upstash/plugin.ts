/**
 * The `upstash` adapter plugin for the registry.
 *
 * @module
 */
import type { AdapterPlugin } from "@astrocyte/core";
import { parseUpstashOptions } from "./options.ts";
import { createUpstashDocumentStore } from "./document_store.ts";
import { createUpstashVectorStore } from "./vector_store.ts";

/**
 * The Upstash adapter plugin: config key `upstash`, SPI version 1, VectorStore (on a dense
 * index) and DocumentStore (on a **sparse** index; any other index type fails on first use
 * with `CapabilityNotSupportedError`).
 *
 * `vector_store_config` / `document_store_config` keys: `url`, `token` (default: `UPSTASH_VECTOR_REST_URL` /
 * `UPSTASH_VECTOR_REST_TOKEN` from the registry's `env`), `dimensions`, `metric`,
 * `namespace_prefix`, `read_your_writes`, `consistency_timeout_ms`, `batch_size`,
 * `max_concurrency`, `max_retries`, `retry_base_ms`, `timeout_ms`, `exact_filter_fallback`,
 * `exact_scan_limit`.
 *
 * @example
 * ```ts ignore
 * import { createRegistry } from "@astrocyte/core";
 * import { upstash } from "@astrocyte/upstash";
 *
 * const registry = createRegistry(upstash);
 * ```
 */
export const upstash: AdapterPlugin = {
  name: "upstash",
  spiVersion: 1,
  importHint: 'import { upstash } from "@astrocyte/upstash"',
  vectorStore: (config, ctx) =>
    createUpstashVectorStore(
      parseUpstashOptions(config, ctx.logger, ctx.configKey ?? "vector_store"),
      ctx,
    ),
  documentStore: (config, ctx) =>
    createUpstashDocumentStore(
      parseUpstashOptions(config, ctx.logger, ctx.configKey ?? "document_store"),
      ctx,
    ),
};
