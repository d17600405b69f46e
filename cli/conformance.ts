/**
 * `astrocyte conformance`: run the SPI contract suites against every backend a config names,
 * then delete every bank the run used, so an operator can prove a real deployment conforms
 * without leaving test data behind.
 *
 * @example
 * ```ts ignore
 * import { loadConfig } from "@astrocyte/core";
 * import { createCliRegistry, runConformance } from "@astrocyte/cli";
 *
 * const report = await runConformance({
 *   registry: createCliRegistry(),
 *   config: loadConfig(await Deno.readTextFile("astrocyte.yaml"), { env: Deno.env.toObject() }),
 *   env: Deno.env.toObject(),
 * });
 * console.log(report.passed, report.failed, report.cleanup.banks);
 * ```
 *
 * @module
 */
import {
  type AdapterConfig,
  type AdapterContextInit,
  type AstrocyteConfig,
  CapabilityNotSupportedError,
  ConfigError,
  type EngineProvider,
  type Logger,
  type Registry,
  SPI_FAMILIES,
  type SpiFamily,
  ValidationError,
} from "@astrocyte/core";
import {
  type CaseReport,
  type ContractOptions,
  type ContractSuite,
  documentStoreContract,
  engineProviderContract,
  graphStoreContract,
  llmProviderContract,
  mentalModelStoreContract,
  pageIndexStoreContract,
  runInline,
  sourceStoreContract,
  vectorStoreContract,
  wikiStoreContract,
} from "@astrocyte/core/testing";

/** The config keys `conformance` checks, in run order, with their SPI family. */
export const CONFORMANCE_KEYS: readonly {
  configKey: string;
  family: SpiFamily;
}[] = [
  { configKey: "vector_store", family: "vectorStore" },
  { configKey: "document_store", family: "documentStore" },
  { configKey: "graph_store", family: "graphStore" },
  { configKey: "wiki_store", family: "wikiStore" },
  { configKey: "mental_model_store", family: "mentalModelStore" },
  { configKey: "source_store", family: "sourceStore" },
  { configKey: "pageindex_store", family: "pageIndexStore" },
  { configKey: "provider", family: "engineProvider" },
  { configKey: "llm_provider", family: "llmProvider" },
  { configKey: "embedding_provider", family: "llmProvider" },
];

// deno-lint-ignore no-explicit-any
type AnyContract = (options: ContractOptions<any>) => ContractSuite;

const CONTRACTS: Record<SpiFamily, AnyContract> = {
  vectorStore: vectorStoreContract,
  documentStore: documentStoreContract,
  graphStore: graphStoreContract,
  wikiStore: wikiStoreContract,
  mentalModelStore: mentalModelStoreContract,
  sourceStore: sourceStoreContract,
  pageIndexStore: pageIndexStoreContract,
  engineProvider: engineProviderContract,
  llmProvider: llmProviderContract,
};

/** One backend the run checks: a config key, its adapter key and its family. */
export interface ConformanceTarget {
  /** The YAML key, e.g. `vector_store`. */
  configKey: string;
  /** The adapter key, e.g. `libsql`. */
  key: string;
  /** The SPI family. */
  family: SpiFamily;
  /** The `*_config` mapping the instances are built with. */
  config: AdapterConfig;
  /** The vector dimension of the suite. */
  dimensions: number;
}

/** Options of {@linkcode runConformance}. */
export interface ConformanceOptions {
  /** The registry that builds the backends. */
  registry: Registry;
  /** The loaded config (see `loadConfig`). */
  config: AstrocyteConfig;
  /** Environment handed to the adapters. */
  env: Readonly<Record<string, string | undefined>>;
  /** The HTTP client adapters use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Where adapter warnings go (each distinct message once). */
  logger?: Logger;
  /** Only these config keys (e.g. `["vector_store"]`). @default {every key the config names} */
  only?: readonly string[];
  /** Vector dimension. @default {the vector_store_config's `dimensions`, else 8} */
  dimensions?: number;
  /** Items in the large-batch cases. @default {2000} */
  largeBatchSize?: number;
  /** Leave the scratch banks in place. @default {false} */
  keepBanks?: boolean;
  /** Called when a suite starts. */
  onSuite?: (target: ConformanceTarget, suiteName: string) => void;
  /** Called after every case. */
  onCase?: (suiteName: string, report: CaseReport) => void;
}

/** The result of one suite in a conformance run. */
export interface ConformanceSuiteReport {
  /** Suite label, e.g. `VectorStore contract (vector_store: libsql)`. */
  name: string;
  /** SPI family. */
  family: SpiFamily;
  /** YAML key. */
  configKey: string;
  /** Adapter key. */
  key: string;
  /** Per-case results. */
  cases: CaseReport[];
  /** Set when the suite could not run at all (e.g. the backend is unreachable). */
  error?: string;
  /** Scratch banks the suite used. */
  banks: number;
}

/** The JSON-serialisable result of {@linkcode runConformance}. */
export interface ConformanceReport {
  /** No failed case, no suite error, no cleanup error. */
  ok: boolean;
  /** Cases passed. */
  passed: number;
  /** Cases failed (a suite that could not run counts as one failure). */
  failed: number;
  /** Cases skipped (capabilities the backend does not declare). */
  skipped: number;
  /** Per-suite results. */
  suites: ConformanceSuiteReport[];
  /** What happened to the scratch banks. */
  cleanup: {
    /** Distinct scratch banks used by the run. */
    banks: number;
    /** Rows the deletes reported (`deleteBank` counts; engines report memories). */
    deletedRows: number;
    /** Whether the banks were left in place (`keepBanks`). */
    kept: boolean;
    /** Failed deletes. */
    errors: string[];
  };
  /** Wall time in milliseconds. */
  durationMs: number;
}

function numeric(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value > 0) {
    return value;
  }
  if (typeof value === "string" && /^\s*\d+\s*$/.test(value)) {
    return Number(value);
  }
  return undefined;
}

function sameConfig(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The backends a config names, deduplicated (an `embedding_provider` equal to the
 * `llm_provider` is checked once), filtered by `only`.
 *
 * @throws {ConfigError} when the config names no backend, `only` names a key the config does
 * not set, or a key is not registered.
 */
export function conformanceTargets(
  config: AstrocyteConfig,
  registry: Registry,
  options: { only?: readonly string[]; dimensions?: number } = {},
): ConformanceTarget[] {
  const source = config as Record<string, unknown>;
  const known = CONFORMANCE_KEYS.map((k) => k.configKey);
  for (const key of options.only ?? []) {
    if (!known.includes(key)) {
      throw new ConfigError(
        `[astrocyte/cli] Unknown config key ${JSON.stringify(key)} in --only: expected ${
          known.join(", ")
        }`,
      );
    }
    if (typeof source[key] !== "string") {
      throw new ConfigError(
        `[astrocyte/cli] --only ${key}: the config does not set ${key}`,
      );
    }
  }
  const vectorConfig = (source["vector_store_config"] ?? {}) as Record<
    string,
    unknown
  >;
  const defaultDimensions = options.dimensions ??
    numeric(vectorConfig["dimensions"]) ??
    numeric(vectorConfig["embedding_dimensions"]) ?? 8;
  const targets: ConformanceTarget[] = [];
  for (const { configKey, family } of CONFORMANCE_KEYS) {
    const key = source[configKey];
    if (typeof key !== "string") continue;
    if (options.only && !options.only.includes(configKey)) continue;
    if (!registry.has(family, key)) {
      throw new ConfigError(
        `[astrocyte/cli] ${configKey}: ${JSON.stringify(key)} is not a registered ${
          SPI_FAMILIES[family].interfaceName
        } (registered: ${registry.keys(family).join(", ") || "none"})`,
      );
    }
    let config = {
      ...((source[`${configKey}_config`] ?? {}) as AdapterConfig),
    };
    const own = numeric(config["dimensions"]) ??
      numeric(config["embedding_dimensions"]);
    let dimensions = own ?? defaultDimensions;
    if (family === "vectorStore") {
      // The suite and the store must agree; --dimensions overrides the config.
      dimensions = options.dimensions ?? own ?? defaultDimensions;
      const { embedding_dimensions: _ignored, ...rest } = config;
      config = { ...rest, dimensions };
    }
    if (
      targets.some((t) => t.family === family && t.key === key && sameConfig(t.config, config))
    ) continue;
    targets.push({ configKey, key, family, config, dimensions });
  }
  if (targets.length === 0) {
    throw new ConfigError(
      "[astrocyte/cli] The config names no backend to check (vector_store, document_store, " +
        "…, provider, llm_provider)",
    );
  }
  return targets;
}

/** Records bank ids seen in a store's arguments that derive from a harness-made bank. */
class BankCollector {
  readonly banks = new Set<string>();
  readonly #roots: string[] = [];

  /** A bank id the harness reported. */
  add(bankId: string): void {
    if (this.banks.has(bankId)) return;
    this.banks.add(bankId);
    this.#roots.push(bankId.toLowerCase());
  }

  /** A value passed to a store method: strings and `bankId` fields are checked. */
  observe(value: unknown, depth = 0): void {
    if (typeof value === "string") {
      if (this.banks.has(value)) return;
      const lower = value.toLowerCase();
      // Only ids containing a harness-made id (random per run) are recorded, so cleanup can
      // never touch a bank the run did not create.
      if (this.#roots.some((r) => lower.includes(r))) this.banks.add(value);
    } else if (Array.isArray(value) && depth === 0) {
      for (const v of value) this.observe(v, depth + 1);
    } else if (value !== null && typeof value === "object" && depth <= 1) {
      const bankId = (value as { bankId?: unknown }).bankId;
      if (typeof bankId === "string") this.observe(bankId, depth + 1);
    }
  }

  /** Wrap a store so every method call is observed. */
  wrap<S extends object>(store: S): S {
    return new Proxy(store, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          for (const a of args) this.observe(a);
          return value.apply(target, args);
        };
      },
    });
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

async function deleteBanks(
  target: ConformanceTarget,
  banks: readonly string[],
  create: () => Promise<unknown>,
): Promise<{ rows: number; errors: string[] }> {
  const errors: string[] = [];
  let rows = 0;
  if (target.family === "llmProvider" || banks.length === 0) {
    return { rows, errors };
  }
  let store: unknown;
  try {
    store = await create();
  } catch (e) {
    return {
      rows,
      errors: [`${target.configKey} ${target.key}: cleanup: ${errorText(e)}`],
    };
  }
  const one = async (bankId: string): Promise<void> => {
    try {
      if (target.family === "engineProvider") {
        const engine = store as EngineProvider;
        if (!engine.capabilities.supportsForget) return;
        rows += (await engine.forget({ bankId, scope: "all" })).deletedCount;
      } else {
        rows += await (store as { deleteBank(b: string): Promise<number> })
          .deleteBank(bankId);
      }
    } catch (e) {
      // A bank id the store rejects never held data.
      if (
        e instanceof ValidationError || e instanceof CapabilityNotSupportedError
      ) return;
      errors.push(
        `${target.configKey} ${target.key}: deleting bank ${JSON.stringify(bankId)}: ${
          errorText(e)
        }`,
      );
    }
  };
  try {
    const queue = [...banks];
    const workers = Array.from(
      { length: Math.min(8, queue.length) },
      async () => {
        for (
          let b = queue.shift();
          b !== undefined;
          b = queue.shift()
        ) await one(b);
      },
    );
    await Promise.all(workers);
  } finally {
    try {
      await (store as { close(): Promise<void> }).close();
    } catch (e) {
      errors.push(
        `${target.configKey} ${target.key}: closing after cleanup: ${errorText(e)}`,
      );
    }
  }
  return { rows, errors };
}

/**
 * Run the contract suite of every backend the config names (see
 * {@linkcode conformanceTargets}), one suite after another, then delete every scratch bank
 * the run used through each store's `deleteBank` (engines: `forget` with `scope: "all"`).
 *
 * Every case works in fresh banks made by the harness; ids a case derives from them are
 * caught by watching the store's arguments, and only ids containing a harness-made id are
 * ever deleted.
 *
 * @throws {ConfigError} when the config names nothing to check or an unregistered key.
 */
export async function runConformance(
  options: ConformanceOptions,
): Promise<ConformanceReport> {
  const t0 = performance.now();
  const targets = conformanceTargets(options.config, options.registry, {
    ...(options.only ? { only: options.only } : {}),
    ...(options.dimensions !== undefined ? { dimensions: options.dimensions } : {}),
  });
  const seen = new Set<string>();
  const logger: Logger = {
    warn(message, data) {
      if (seen.has(message)) return;
      seen.add(message);
      options.logger?.warn(message, data);
    },
  };
  const report: ConformanceReport = {
    ok: true,
    passed: 0,
    failed: 0,
    skipped: 0,
    suites: [],
    cleanup: {
      banks: 0,
      deletedRows: 0,
      kept: options.keepBanks ?? false,
      errors: [],
    },
    durationMs: 0,
  };
  for (const target of targets) {
    const collector = new BankCollector();
    const context: AdapterContextInit = {
      env: options.env,
      logger,
      configKey: target.configKey,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    };
    const create = () =>
      options.registry.create(target.family, target.key, target.config, {
        ...context,
        shared: new Map(),
      });
    const name = `${
      SPI_FAMILIES[target.family].interfaceName
    } contract (${target.configKey}: ${target.key})`;
    const suite = CONTRACTS[target.family]({
      name,
      dimensions: target.dimensions,
      ...(options.largeBatchSize !== undefined ? { largeBatchSize: options.largeBatchSize } : {}),
      create: async () => collector.wrap(await create() as object),
      onBank: (bankId: string) => collector.add(bankId),
    });
    options.onSuite?.(target, name);
    const entry: ConformanceSuiteReport = {
      name,
      family: target.family,
      configKey: target.configKey,
      key: target.key,
      cases: [],
      banks: 0,
    };
    try {
      const inline = await runInline([suite], {
        onCase: (_suite, c) => options.onCase?.(name, c),
      });
      entry.cases = inline.suites[0]?.cases ?? [];
      report.passed += inline.passed;
      report.failed += inline.failed;
      report.skipped += inline.skipped;
    } catch (e) {
      entry.error = errorText(e);
      report.failed += 1;
    }
    const banks = [...collector.banks];
    entry.banks = banks.length;
    report.cleanup.banks += banks.length;
    if (!options.keepBanks) {
      const { rows, errors } = await deleteBanks(target, banks, create);
      report.cleanup.deletedRows += rows;
      report.cleanup.errors.push(...errors);
    }
    report.suites.push(entry);
  }
  report.ok = report.failed === 0 && report.cleanup.errors.length === 0;
  report.durationMs = performance.now() - t0;
  return report;
}
