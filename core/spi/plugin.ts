/**
 * The adapter plugin contract: what an adapter package exports so that applications can
 * register it explicitly with `createRegistry(...)` and select it by config key.
 *
 * @module
 */
import type { SpiFamily, SpiFamilyTypes } from "./families.ts";

/** A minimal structured logger. Every method is optional except `warn`. */
export interface Logger {
  /** Debug detail. */
  debug?(message: string, data?: Record<string, unknown>): void;
  /** Informational message. */
  info?(message: string, data?: Record<string, unknown>): void;
  /** Something the operator should look at (e.g. unknown config keys). */
  warn(message: string, data?: Record<string, unknown>): void;
  /** A failure. */
  error?(message: string, data?: Record<string, unknown>): void;
}

/** The context every adapter factory receives. */
export interface AdapterContext {
  /**
   * The HTTP client to use for every outbound request (proxies, tests, Workers service
   * bindings). The edge form of upstream's OutboundTransport SPI. @default {globalThis.fetch}
   */
  fetch: typeof fetch;
  /** Environment variables (Deno/Node env, or the Workers `env` binding's string values). */
  env: Readonly<Record<string, string | undefined>>;
  /** Cancels start-up work (connecting, migrations). */
  signal?: AbortSignal;
  /** Where adapters report warnings. */
  logger?: Logger;
  /**
   * A cache shared by every factory call of the same plugin with equal config in one
   * registry resolution, so two families configured with the same key and config (e.g. a
   * libSQL vector store and document store on one URL) can share one connection.
   */
  shared: Map<string, unknown>;
  /**
   * The YAML key the instance is built for (`vector_store`, `llm_provider`,
   * `embedding_provider`, …), so adapters can name the right `<key>_config.<field>` in
   * error messages. Set by the registry; absent when an adapter is constructed directly.
   */
  configKey?: string;
}

/** Raw adapter configuration: the `*_config` mapping from `astrocyte.yaml` (snake_case keys). */
export type AdapterConfig = Readonly<Record<string, unknown>>;

/** A factory that builds an instance of one family from config. */
export type AdapterFactory<T> = (config: AdapterConfig, context: AdapterContext) => T | Promise<T>;

/** The factories a plugin may provide, one per SPI family. */
export type AdapterFactories = {
  [F in SpiFamily]?: AdapterFactory<SpiFamilyTypes[F]>;
};

/**
 * What an adapter package exports: a config key, the SPI version(s) it implements and one
 * factory per family it supports.
 *
 * @example
 * ```ts ignore
 * import type { AdapterPlugin } from "@astrocyte/core";
 * export const libsql: AdapterPlugin = {
 *   name: "libsql",
 *   spiVersion: 1,
 *   importHint: 'import { libsql } from "@astrocyte/libsql"',
 *   vectorStore: (config, ctx) => createLibsqlVectorStore(parseLibsqlOptions(config), ctx),
 * };
 * ```
 */
export interface AdapterPlugin extends AdapterFactories {
  /** The config key users write in YAML, e.g. `libsql` (lowercase, `[a-z0-9_-]+`). */
  readonly name: string;
  /**
   * The SPI version implemented: one number for every family, or one per family. The
   * registry rejects versions this core does not support.
   */
  readonly spiVersion: number | Readonly<Partial<Record<SpiFamily, number>>>;
  /** The import line that registers this plugin, shown in "unknown key" errors. */
  readonly importHint?: string;
  /**
   * Extra config keys that select the same factories (e.g. upstream's legacy `pgvector` for
   * `postgres`). Same syntax as {@linkcode AdapterPlugin.name}.
   */
  readonly aliases?: readonly string[];
}
