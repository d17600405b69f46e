/**
 * The registry plugins of core's in-memory references: `in_memory` for every store family and
 * the Tier-2 engine, and `mock` for the LLMProvider family (upstream's two built-in keys).
 *
 * A plugin has one name, so {@linkcode inMemory} is a readonly array of the two plugins;
 * `createRegistry` accepts plugins and arrays of plugins alike.
 *
 * @example
 * ```ts
 * import { createRegistry, inMemory } from "@astrocyte/core";
 *
 * const registry = createRegistry(inMemory);
 * const llm = await registry.create("llmProvider", "mock", { embedding_dimensions: 8 });
 * const [vector] = await llm.embed(["hello world"]);
 * console.log(vector!.length); // 8
 * ```
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { AdapterConfig, AdapterContext, AdapterPlugin } from "../spi/plugin.ts";
import { createInMemoryDocumentStore } from "./document_store.ts";
import { createInMemoryEngineProvider } from "./engine_provider.ts";
import { createInMemoryGraphStore } from "./graph_store.ts";
import { createInMemoryMentalModelStore } from "./mental_model_store.ts";
import { createMockLLMProvider } from "./mock_llm.ts";
import { createInMemoryPageIndexStore } from "./pageindex_store.ts";
import { createInMemorySourceStore } from "./source_store.ts";
import { createInMemoryVectorStore } from "./vector_store.ts";
import { createInMemoryWikiStore } from "./wiki_store.ts";

const PREFIX = "[astrocyte/core]";
const IMPORT_HINT = 'import { inMemory } from "@astrocyte/core"';

/** Reads the options an in-memory factory knows; warns about (and ignores) the rest. */
class Options {
  readonly #config: AdapterConfig;
  readonly #section: string;

  constructor(config: AdapterConfig, ctx: AdapterContext, fallbackKey: string, known: string[]) {
    this.#config = config;
    this.#section = `${ctx.configKey ?? fallbackKey}_config`;
    const unknown = Object.keys(config).filter((k) => !known.includes(k));
    if (unknown.length > 0) {
      ctx.logger?.warn(
        `${PREFIX} ${this.#section}: option${unknown.length > 1 ? "s" : ""} ${
          unknown.map((k) => JSON.stringify(k)).join(", ")
        } ignored by the in-memory reference (it knows ${known.join(", ") || "no options"})`,
        { keys: unknown },
      );
    }
  }

  #value(key: string): unknown {
    const value = Object.hasOwn(this.#config, key) ? this.#config[key] : undefined;
    return value === null ? undefined : value;
  }

  #fail(key: string, expected: string, value: unknown): never {
    const got = Array.isArray(value)
      ? "a list"
      : typeof value === "object"
      ? "a mapping"
      : `a ${typeof value}`;
    throw new ConfigError(`${PREFIX} ${this.#section}.${key}: expected ${expected}, got ${got}`);
  }

  /** A positive integer; numeric strings (e.g. from `${DIMS}`) are accepted. */
  positiveInteger(key: string): number | undefined {
    const value = this.#value(key);
    if (value === undefined) return undefined;
    const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
      this.#fail(key, "a positive integer", value);
    }
    return n;
  }

  /** A boolean; `"true"` / `"false"` strings (e.g. from `${FLAG}`) are accepted. */
  boolean(key: string): boolean | undefined {
    const value = this.#value(key);
    if (value === undefined || typeof value === "boolean") return value;
    if (typeof value === "string" && /^\s*(true|false)\s*$/i.test(value)) {
      return value.trim().toLowerCase() === "true";
    }
    this.#fail(key, "a boolean", value);
  }

  /** A string. */
  string(key: string): string | undefined {
    const value = this.#value(key);
    if (value === undefined || typeof value === "string") return value;
    this.#fail(key, "a string", value);
  }

  /** The section name used in messages, e.g. `llm_provider_config`. */
  get section(): string {
    return this.#section;
  }
}

/**
 * The `in_memory` plugin: every store family (`vector_store`, `graph_store`,
 * `document_store`, `wiki_store`, `mental_model_store`, `source_store`, `pageindex_store`)
 * and the Tier-2 engine (`provider: in_memory`).
 *
 * Options: `vector_store_config.dimensions` (positive integer; fixed by the first write when
 * absent); `provider_config.supports_reflect` / `supports_forget` (booleans, default true).
 * The other families take no options. Unknown options are ignored with a warning through the
 * context's logger.
 */
export const inMemoryStores: AdapterPlugin = {
  name: "in_memory",
  spiVersion: 1,
  importHint: IMPORT_HINT,
  vectorStore: (config, ctx) => {
    const options = new Options(config, ctx, "vector_store", ["dimensions"]);
    const dimensions = options.positiveInteger("dimensions");
    return createInMemoryVectorStore(dimensions === undefined ? {} : { dimensions });
  },
  graphStore: (config, ctx) => {
    new Options(config, ctx, "graph_store", []);
    return createInMemoryGraphStore();
  },
  documentStore: (config, ctx) => {
    new Options(config, ctx, "document_store", []);
    return createInMemoryDocumentStore();
  },
  wikiStore: (config, ctx) => {
    new Options(config, ctx, "wiki_store", []);
    return createInMemoryWikiStore();
  },
  mentalModelStore: (config, ctx) => {
    new Options(config, ctx, "mental_model_store", []);
    return createInMemoryMentalModelStore();
  },
  sourceStore: (config, ctx) => {
    new Options(config, ctx, "source_store", []);
    return createInMemorySourceStore();
  },
  pageIndexStore: (config, ctx) => {
    new Options(config, ctx, "pageindex_store", []);
    return createInMemoryPageIndexStore();
  },
  engineProvider: (config, ctx) => {
    const options = new Options(config, ctx, "provider", ["supports_reflect", "supports_forget"]);
    const supportsReflect = options.boolean("supports_reflect");
    const supportsForget = options.boolean("supports_forget");
    return createInMemoryEngineProvider({
      ...(supportsReflect === undefined ? {} : { supportsReflect }),
      ...(supportsForget === undefined ? {} : { supportsForget }),
    });
  },
};

/**
 * The `mock` plugin: the deterministic mock LLMProvider (`llm_provider: mock`, also usable as
 * `embedding_provider: mock`).
 *
 * Options: `embedding_dimensions` (upstream's name) or `dimensions` (positive integer,
 * default 128), `default_response` (string), `model` (string).
 */
export const mockLLM: AdapterPlugin = {
  name: "mock",
  spiVersion: 1,
  importHint: IMPORT_HINT,
  llmProvider: (config, ctx) => {
    const options = new Options(config, ctx, "llm_provider", [
      "embedding_dimensions",
      "dimensions",
      "default_response",
      "model",
    ]);
    const upstreamDimensions = options.positiveInteger("embedding_dimensions");
    const dimensions = options.positiveInteger("dimensions");
    if (
      upstreamDimensions !== undefined && dimensions !== undefined &&
      upstreamDimensions !== dimensions
    ) {
      throw new ConfigError(
        `${PREFIX} ${options.section}: embedding_dimensions and dimensions disagree; set one`,
      );
    }
    const defaultResponse = options.string("default_response");
    const model = options.string("model");
    const chosen = dimensions ?? upstreamDimensions;
    return createMockLLMProvider({
      ...(chosen === undefined ? {} : { dimensions: chosen }),
      ...(defaultResponse === undefined ? {} : { defaultResponse }),
      ...(model === undefined ? {} : { model }),
    });
  },
};

/**
 * Core's built-in adapters for `createRegistry`: `in_memory` (every store family and the
 * engine) and `mock` (the LLM). Upstream's gateway defaults are `vector_store: in_memory` and
 * `llm_provider: mock`.
 */
export const inMemory: readonly [AdapterPlugin, AdapterPlugin] = Object.freeze(
  [
    inMemoryStores,
    mockLLM,
  ] as const,
);
