/**
 * The explicit adapter registry: `createRegistry(...plugins)` builds a map
 * family → config key → factory from the plugins you import. Nothing is discovered at run
 * time, so unused adapters are never imported and bundles stay small.
 *
 * Registration checks each plugin's name and the SPI version of **every** family it provides;
 * creating an instance checks that it has every required method of its family;
 * {@linkcode Registry.resolve} builds every store a loaded config names and shares one
 * `shared` cache between factory calls of the same plugin with equal config.
 *
 * @example
 * ```ts
 * import { createRegistry, inMemory, loadConfig } from "@astrocyte/core";
 *
 * const registry = createRegistry(inMemory);
 * const config = loadConfig("provider_tier: storage\nvector_store: in_memory\nllm_provider: mock\n");
 * const stores = await registry.resolve(config, { env: {} });
 * const [vector] = await stores.llmProvider!.embed(["hello"]);
 * await stores.vectorStore!.storeVectors([{ id: "m1", bankId: "b1", vector: vector!, text: "hello" }]);
 * await stores.close();
 * ```
 *
 * @module
 */
import type { AstrocyteConfig } from "./config_schema.ts";
import { AstrocyteError, ConfigError, SpiVersionError } from "./errors.ts";
import { SPI_FAMILIES, type SpiFamily, type SpiFamilyTypes } from "./spi/families.ts";
import type {
  AdapterConfig,
  AdapterContext,
  AdapterFactory,
  AdapterPlugin,
  Logger,
} from "./spi/plugin.ts";

/** What {@linkcode createRegistry} accepts: plugins, or readonly arrays of plugins. */
export type PluginInput = AdapterPlugin | readonly AdapterPlugin[];

/** The context fields a caller may supply to {@linkcode Registry.create}. */
export type AdapterContextInit = Partial<AdapterContext>;

/** Options of {@linkcode Registry.resolve}. */
export interface ResolveOptions {
  /** Environment variables handed to every factory (adapters may read defaults from it). */
  env: Readonly<Record<string, string | undefined>>;
  /** The HTTP client adapters must use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Where adapters report warnings. */
  logger?: Logger;
  /** Cancels start-up work (connecting, migrations). */
  signal?: AbortSignal;
}

/** The config keys {@linkcode Registry.resolve} reads, each with its family. */
export type ResolvableConfigKey =
  | "vector_store"
  | "graph_store"
  | "document_store"
  | "wiki_store"
  | "mental_model_store"
  | "source_store"
  | "pageindex_store"
  | "provider"
  | "llm_provider"
  | "embedding_provider";

/** One instance built by {@linkcode Registry.resolve}. */
export interface ResolvedEntry {
  /** The YAML key it was built for, e.g. `vector_store` or `embedding_provider`. */
  readonly configKey: ResolvableConfigKey;
  /** Its SPI family. */
  readonly family: SpiFamily;
  /** The adapter key from the config, e.g. `libsql`. */
  readonly key: string;
  /** The instance. */
  readonly instance: SpiFamilyTypes[SpiFamily];
}

/**
 * Every instance a config names, built by {@linkcode Registry.resolve}. A family the config does
 * not name is `undefined` (the registry applies no defaults; the facade decides them).
 */
export interface ResolvedStores extends AsyncDisposable {
  /** `vector_store`. */
  readonly vectorStore?: SpiFamilyTypes["vectorStore"];
  /** `graph_store`. */
  readonly graphStore?: SpiFamilyTypes["graphStore"];
  /** `document_store`. */
  readonly documentStore?: SpiFamilyTypes["documentStore"];
  /** `wiki_store`. */
  readonly wikiStore?: SpiFamilyTypes["wikiStore"];
  /** `mental_model_store`. */
  readonly mentalModelStore?: SpiFamilyTypes["mentalModelStore"];
  /** `source_store`. */
  readonly sourceStore?: SpiFamilyTypes["sourceStore"];
  /** `pageindex_store`. */
  readonly pageIndexStore?: SpiFamilyTypes["pageIndexStore"];
  /** `provider` (Tier-2 engine). */
  readonly engineProvider?: SpiFamilyTypes["engineProvider"];
  /** `llm_provider`. */
  readonly llmProvider?: SpiFamilyTypes["llmProvider"];
  /** `embedding_provider` (an LLMProvider used for embeddings only). */
  readonly embeddingProvider?: SpiFamilyTypes["llmProvider"];
  /** Every instance built, in creation order. */
  readonly entries: readonly ResolvedEntry[];
  /**
   * Close every distinct instance once, in reverse creation order. Idempotent. If any `close`
   * fails, the others still run and an {@linkcode AstrocyteError} reports the failures.
   */
  close(): Promise<void>;
}

/** An explicit map family → config key → factory, built by {@linkcode createRegistry}. */
export interface Registry {
  /** The keys registered for a family (plugin names and aliases), sorted. */
  keys(family: SpiFamily): string[];
  /** Whether `key` is registered for `family`. */
  has(family: SpiFamily, key: string): boolean;
  /**
   * Build one instance: runs the factory registered for `key` in `family`, then checks that
   * the instance has `capabilities` and every required method of the family.
   *
   * @throws {ConfigError} for an unknown key (listing the registered keys and the import line
   * that would register it), an instance missing methods, or a factory failure (wrapped, with
   * the original as `cause`; errors that are already `AstrocyteError`s pass through).
   */
  create<F extends SpiFamily>(
    family: F,
    key: string,
    config?: AdapterConfig,
    context?: AdapterContextInit,
  ): Promise<SpiFamilyTypes[F]>;
  /**
   * Build every store and provider a loaded config names (`vector_store`, `graph_store`,
   * `document_store`, `wiki_store`, `mental_model_store`, `source_store`, `pageindex_store`,
   * `provider`, `llm_provider`, `embedding_provider`), each with its `*_config`.
   *
   * Factory calls of the same plugin with deep-equal config receive the same
   * `context.shared` map, so e.g. a libSQL vector store and document store on one URL can
   * share a connection. Instances are built one after another; if one fails, those already
   * built are closed and the error is rethrown.
   */
  resolve(config: AstrocyteConfig, options: ResolveOptions): Promise<ResolvedStores>;
}

// ---------------------------------------------------------------------------------------------

const PREFIX = "[astrocyte/core]";

/** Plugin names and aliases: lowercase letters, digits, `_` and `-`, starting alphanumeric. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const FAMILIES = Object.keys(SPI_FAMILIES) as SpiFamily[];

/** Import lines of the first-party adapters, for "unknown key" errors. */
const KNOWN_IMPORTS: Readonly<Record<string, { plugin: string; line: string }>> = {
  in_memory: { plugin: "inMemory", line: 'import { inMemory } from "@astrocyte/core"' },
  mock: { plugin: "inMemory", line: 'import { inMemory } from "@astrocyte/core"' },
  libsql: { plugin: "libsql", line: 'import { libsql } from "@astrocyte/libsql"' },
  postgres: { plugin: "postgres", line: 'import { postgres } from "@astrocyte/postgres"' },
  pgvector: { plugin: "postgres", line: 'import { postgres } from "@astrocyte/postgres"' },
  upstash: { plugin: "upstash", line: 'import { upstash } from "@astrocyte/upstash"' },
  openai: { plugin: "openai", line: 'import { openai } from "@astrocyte/openai"' },
};

/** The YAML keys resolve() reads, in the order instances are built. */
const RESOLVE_PLAN: readonly {
  configKey: ResolvableConfigKey;
  family: SpiFamily;
  field: keyof Omit<ResolvedStores, "entries" | "close" | typeof Symbol.asyncDispose>;
}[] = [
  { configKey: "vector_store", family: "vectorStore", field: "vectorStore" },
  { configKey: "document_store", family: "documentStore", field: "documentStore" },
  { configKey: "graph_store", family: "graphStore", field: "graphStore" },
  { configKey: "wiki_store", family: "wikiStore", field: "wikiStore" },
  { configKey: "mental_model_store", family: "mentalModelStore", field: "mentalModelStore" },
  { configKey: "source_store", family: "sourceStore", field: "sourceStore" },
  { configKey: "pageindex_store", family: "pageIndexStore", field: "pageIndexStore" },
  { configKey: "provider", family: "engineProvider", field: "engineProvider" },
  { configKey: "llm_provider", family: "llmProvider", field: "llmProvider" },
  { configKey: "embedding_provider", family: "llmProvider", field: "embeddingProvider" },
];

interface Entry {
  plugin: AdapterPlugin;
  factory: AdapterFactory<unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function quoted(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/** `my_store` → `myStore`, for guessed import lines. */
function identifierFor(key: string): string {
  const camel = key.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return /^[0-9]/.test(camel) ? `_${camel}` : camel;
}

function importSuggestion(key: string): string {
  const known = KNOWN_IMPORTS[key];
  if (known !== undefined) {
    return `register it with ${known.line} and createRegistry(..., ${known.plugin})`;
  }
  const id = identifierFor(key);
  const pkg = key.replace(/_/g, "-");
  return `if it is an adapter package, register its plugin, e.g. ` +
    `import { ${id} } from "@astrocyte/${pkg}" and createRegistry(..., ${id})`;
}

function validateName(value: unknown, what: string): string {
  if (typeof value !== "string" || !NAME_PATTERN.test(value)) {
    const shown = typeof value === "string" ? ` ${quoted(value)}` : "";
    throw new ConfigError(
      `${PREFIX} Invalid adapter ${what}${shown}: expected 1 to 64 lowercase letters, digits, ` +
        `"_" or "-", starting with a letter or digit`,
    );
  }
  return value;
}

function declaredVersion(plugin: AdapterPlugin, family: SpiFamily): number {
  const info = SPI_FAMILIES[family];
  const declared = plugin.spiVersion;
  let version: unknown;
  if (typeof declared === "number") {
    version = declared;
  } else if (isPlainObject(declared)) {
    version = Object.hasOwn(declared, family) ? declared[family] : undefined;
    if (version === undefined) {
      throw new ConfigError(
        `${PREFIX} ${plugin.name}: spiVersion declares no version for ${info.interfaceName} ` +
          `(${family}), which the plugin provides`,
      );
    }
  } else {
    throw new ConfigError(
      `${PREFIX} ${plugin.name}: spiVersion must be a number or a mapping of family to number`,
    );
  }
  if (typeof version !== "number" || !Number.isInteger(version)) {
    throw new ConfigError(
      `${PREFIX} ${plugin.name}: ${info.interfaceName} SPI version must be an integer`,
    );
  }
  if (!info.supportedVersions.includes(version)) {
    throw new SpiVersionError(
      `${PREFIX} ${plugin.name}: ${info.interfaceName} SPI version ${version} is not supported. ` +
        `Supported versions: [${info.supportedVersions.join(", ")}]`,
      { family: info.configKey, version, supported: info.supportedVersions },
    );
  }
  return version;
}

/** Deep equality for configs: plain objects and arrays structurally, the rest by identity. */
function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b)) return true;
  if (depth > 64) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i], depth + 1));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ak = Object.keys(a);
    const bk = Object.keys(b);
    return ak.length === bk.length &&
      ak.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k], depth + 1));
  }
  return false;
}

function defaultFetch(): typeof fetch {
  // A wrapper, not the bare function: Workers throw "Illegal invocation" when `fetch` is
  // called with another `this`, as `context.fetch(...)` would.
  return (input, init) => {
    if (typeof globalThis.fetch !== "function") {
      throw new ConfigError(
        `${PREFIX} No global fetch in this runtime: pass fetch in the adapter context`,
      );
    }
    return globalThis.fetch(input, init);
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.name;
  return typeof error;
}

async function closeQuietly(instance: unknown): Promise<void> {
  try {
    const close = (instance as { close?: unknown } | null)?.close;
    if (typeof close === "function") await close.call(instance);
  } catch {
    // The original failure matters more than a failed cleanup.
  }
}

/**
 * Build an explicit registry from adapter plugins. Pass plugins or readonly arrays of plugins
 * (core's {@linkcode inMemory} is the array `[in_memory stores and engine, mock LLM]`).
 *
 * Registration fails with a {@linkcode ConfigError} when a plugin has an invalid name or
 * alias, provides no family, has a factory that is not a function, or registers a key already
 * taken in the same family by another plugin (passing the same plugin object twice is
 * harmless); and with a {@linkcode SpiVersionError} (a `ConfigError`) when any family it
 * provides declares an SPI version this core does not support.
 *
 * @example
 * ```ts
 * import { createRegistry, inMemory } from "@astrocyte/core";
 *
 * const registry = createRegistry(inMemory);
 * console.log(registry.keys("llmProvider")); // ["mock"]
 * const store = await registry.create("vectorStore", "in_memory", { dimensions: 3 });
 * await store.close();
 * ```
 */
export function createRegistry(...plugins: PluginInput[]): Registry {
  const table = new Map<SpiFamily, Map<string, Entry>>(FAMILIES.map((f) => [f, new Map()]));
  const seen = new Set<AdapterPlugin>();

  for (const plugin of plugins.flat() as AdapterPlugin[]) {
    if (plugin === null || typeof plugin !== "object") {
      throw new ConfigError(
        `${PREFIX} createRegistry expects adapter plugins, got ${typeof plugin}`,
      );
    }
    if (seen.has(plugin)) continue;
    seen.add(plugin);
    const name = validateName(plugin.name, "plugin name");
    const aliases: unknown = plugin.aliases ?? [];
    if (!Array.isArray(aliases)) {
      throw new ConfigError(`${PREFIX} ${name}: aliases must be an array of names`);
    }
    const keys = [name, ...aliases.map((a) => validateName(a, "alias"))];
    if (isPlainObject(plugin.spiVersion)) {
      for (const family of Object.keys(plugin.spiVersion)) {
        if (!(FAMILIES as string[]).includes(family)) {
          throw new ConfigError(
            `${PREFIX} ${name}: spiVersion names an unknown SPI family ${quoted(family)}`,
          );
        }
      }
    }
    const provided = FAMILIES.filter((family) => plugin[family] !== undefined);
    if (provided.length === 0) {
      throw new ConfigError(`${PREFIX} ${name}: the plugin provides no SPI family`);
    }
    for (const family of provided) {
      const factory = plugin[family];
      if (typeof factory !== "function") {
        throw new ConfigError(`${PREFIX} ${name}: ${family} must be a factory function`);
      }
      declaredVersion(plugin, family);
      const byKey = table.get(family)!;
      for (const key of keys) {
        const existing = byKey.get(key);
        if (existing !== undefined) {
          throw new ConfigError(
            `${PREFIX} Duplicate ${SPI_FAMILIES[family].configKey} key "${key}": registered by ` +
              `plugin "${existing.plugin.name}" and again by plugin "${name}"`,
          );
        }
        byKey.set(key, { plugin, factory: factory as AdapterFactory<unknown> });
      }
    }
  }

  function familyOf(family: SpiFamily): Map<string, Entry> {
    const byKey = table.get(family);
    if (byKey === undefined) {
      throw new ConfigError(
        `${PREFIX} Unknown SPI family ${quoted(String(family))}; expected one of ${
          FAMILIES.join(", ")
        }`,
      );
    }
    return byKey;
  }

  function unknownKey(family: SpiFamily, key: unknown, label: string): ConfigError {
    const byKey = familyOf(family);
    const registered = [...byKey.keys()].sort();
    const list = registered.length > 0
      ? `registered ${label} keys: ${registered.join(", ")}`
      : `no ${label} adapter is registered`;
    if (typeof key !== "string" || !NAME_PATTERN.test(key)) {
      return new ConfigError(
        `${PREFIX} Invalid ${label} key: expected an adapter name such as "in_memory" (${list})`,
      );
    }
    const providers = FAMILIES.filter((f) => table.get(f)!.has(key));
    if (providers.length > 0) {
      const names = providers.map((f) => SPI_FAMILIES[f].configKey).join(", ");
      return new ConfigError(
        `${PREFIX} Adapter "${key}" does not provide ${label}; it provides ${names} (${list})`,
      );
    }
    return new ConfigError(
      `${PREFIX} Unknown ${label} "${key}" (${list}); ${importSuggestion(key)}`,
    );
  }

  async function build(
    family: SpiFamily,
    key: string,
    config: AdapterConfig | undefined,
    init: AdapterContextInit | undefined,
    configKey: string,
  ): Promise<unknown> {
    const entry = familyOf(family).get(key);
    if (entry === undefined) throw unknownKey(family, key, configKey);
    const options = config ?? {};
    if (!isPlainObject(options)) {
      throw new ConfigError(`${PREFIX} ${configKey}_config: expected a mapping of adapter options`);
    }
    const context: AdapterContext = {
      fetch: init?.fetch ?? defaultFetch(),
      env: init?.env ?? {},
      shared: init?.shared ?? new Map(),
      configKey: init?.configKey ?? configKey,
    };
    if (init?.signal !== undefined) context.signal = init.signal;
    if (init?.logger !== undefined) context.logger = init.logger;

    let instance: unknown;
    try {
      instance = await entry.factory(options, context);
    } catch (error) {
      if (error instanceof AstrocyteError) throw error;
      throw new ConfigError(
        `${PREFIX} Failed to create ${configKey} "${key}": the adapter threw ${
          describeError(error)
        } (see cause)`,
        { cause: error },
      );
    }

    const info = SPI_FAMILIES[family];
    if (instance === null || typeof instance !== "object") {
      throw new ConfigError(
        `${PREFIX} Adapter "${key}" returned ${
          instance === null ? "null" : typeof instance
        } instead of a ${info.interfaceName} for ${configKey}`,
      );
    }
    const record = instance as Record<string, unknown>;
    const missing = info.requiredMethods.filter((m) => typeof record[m] !== "function");
    const capabilities = record.capabilities;
    if (capabilities === null || typeof capabilities !== "object") {
      missing.unshift("capabilities");
    }
    if (missing.length > 0) {
      await closeQuietly(instance);
      throw new ConfigError(
        `${PREFIX} Adapter "${key}" is not a valid ${info.interfaceName} for ${configKey}: ` +
          `missing ${missing.join(", ")}`,
      );
    }
    return instance;
  }

  const registry: Registry = {
    keys(family) {
      return [...familyOf(family).keys()].sort();
    },
    has(family, key) {
      return familyOf(family).has(key);
    },
    create<F extends SpiFamily>(
      family: F,
      key: string,
      config?: AdapterConfig,
      context?: AdapterContextInit,
    ): Promise<SpiFamilyTypes[F]> {
      return build(
        family,
        key,
        config,
        context,
        SPI_FAMILIES[family]?.configKey ?? family,
      ) as Promise<
        SpiFamilyTypes[F]
      >;
    },
    async resolve(config, options) {
      if (!isPlainObject(config)) {
        throw new ConfigError(`${PREFIX} resolve expects a loaded config (see loadConfig)`);
      }
      const source = config as Record<string, unknown>;
      const fetchFn = options.fetch ?? defaultFetch();
      const sharedCaches: {
        plugin: AdapterPlugin;
        config: unknown;
        shared: Map<string, unknown>;
      }[] = [];
      const entries: ResolvedEntry[] = [];
      const fields: Record<string, unknown> = {};
      try {
        for (const step of RESOLVE_PLAN) {
          const key = source[step.configKey];
          if (key === undefined || key === null) continue;
          const adapterConfig = source[`${step.configKey}_config`] ?? {};
          const entry = typeof key === "string" ? familyOf(step.family).get(key) : undefined;
          if (entry === undefined) throw unknownKey(step.family, key, step.configKey);
          let cache = sharedCaches.find((c) =>
            c.plugin === entry.plugin && deepEqual(c.config, adapterConfig)
          );
          if (cache === undefined) {
            cache = { plugin: entry.plugin, config: adapterConfig, shared: new Map() };
            sharedCaches.push(cache);
          }
          const context: AdapterContextInit = {
            fetch: fetchFn,
            env: options.env,
            shared: cache.shared,
            configKey: step.configKey,
          };
          if (options.signal !== undefined) context.signal = options.signal;
          if (options.logger !== undefined) context.logger = options.logger;
          const instance = await build(
            step.family,
            key as string,
            adapterConfig as AdapterConfig,
            context,
            step.configKey,
          );
          entries.push({
            configKey: step.configKey,
            family: step.family,
            key: key as string,
            instance: instance as SpiFamilyTypes[SpiFamily],
          });
          fields[step.field] = instance;
        }
      } catch (error) {
        const distinct = [...new Set(entries.map((e) => e.instance))].reverse();
        for (const instance of distinct) await closeQuietly(instance);
        throw error;
      }

      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => {
        closing ??= (async () => {
          const failures: { label: string; error: unknown }[] = [];
          const done = new Set<unknown>();
          for (const entry of [...entries].reverse()) {
            if (done.has(entry.instance)) continue;
            done.add(entry.instance);
            try {
              await entry.instance.close();
            } catch (error) {
              failures.push({ label: `${entry.configKey} "${entry.key}"`, error });
            }
          }
          if (failures.length > 0) {
            throw new AstrocyteError(
              `${PREFIX} Failed to close ${failures.map((f) => f.label).join(", ")}`,
              {
                cause: failures.length === 1
                  ? failures[0]!.error
                  : new AggregateError(failures.map((f) => f.error)),
              },
            );
          }
        })();
        return closing;
      };
      return {
        ...fields,
        entries,
        close,
        [Symbol.asyncDispose]: close,
      } as ResolvedStores;
    },
  };
  return registry;
}
