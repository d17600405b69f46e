/**
 * Builds the contract suites a leg runs, the way users reach adapters: through the adapter's
 * plugin factories with snake_case config and an adapter context (the registry path). Also
 * a small facade suite (`Astrocyte.fromConfig` → retain → recall → forget) and the harness
 * canary (a deliberately broken store whose cases must fail in every runtime).
 *
 * No runtime-specific API: bundled into every runtime.
 *
 * @module
 */
import {
  type AdapterConfig,
  type AdapterContext,
  type AdapterPlugin,
  Astrocyte,
  createInMemoryVectorStore,
  createRegistry,
  inMemory,
  type Registry,
  SPI_FAMILIES,
  type SpiFamily,
  type VectorStore,
} from "@astrocyte/core";
import {
  type ContractCase,
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

// deno-lint-ignore no-explicit-any
type AnyContract = (options: ContractOptions<any>) => ContractSuite;

/** The contract suite of every SPI family. */
export const CONTRACTS: Readonly<Record<SpiFamily, AnyContract>> = {
  vectorStore: vectorStoreContract,
  graphStore: graphStoreContract,
  documentStore: documentStoreContract,
  wikiStore: wikiStoreContract,
  mentalModelStore: mentalModelStoreContract,
  sourceStore: sourceStoreContract,
  pageIndexStore: pageIndexStoreContract,
  engineProvider: engineProviderContract,
  llmProvider: llmProviderContract,
};

/** Families in the order suites are run and listed. */
export const FAMILY_ORDER: readonly SpiFamily[] = [
  "vectorStore",
  "documentStore",
  "graphStore",
  "wikiStore",
  "mentalModelStore",
  "sourceStore",
  "pageIndexStore",
  "engineProvider",
  "llmProvider",
];

/** Options of {@linkcode pluginSuites}. */
export interface PluginSuitesOptions {
  /** Group label, used in suite names (`VectorStore (libsql http)`). */
  label: string;
  /** The `*_config` object for a family (snake_case keys). */
  config(family: SpiFamily, dimensions: number): AdapterConfig;
  /** The adapter context shared by every instance of the group. */
  context: AdapterContext;
  /** Vector dimension per family. @default {8; 128 for llmProvider} */
  dimensions?: Partial<Record<SpiFamily, number>>;
  /** Only these families (when the plugin has them). */
  families?: readonly SpiFamily[];
  /** `largeBatchSize` passed to every suite. @default {the harness default (2000)} */
  largeBatchSize?: number;
}

/** One contract suite per family the plugin(s) provide, built through the plugin factories. */
export function pluginSuites(
  plugins: readonly AdapterPlugin[],
  options: PluginSuitesOptions,
): ContractSuite[] {
  const suites: ContractSuite[] = [];
  for (const family of FAMILY_ORDER) {
    if (options.families && !options.families.includes(family)) continue;
    const plugin = plugins.find((p) => typeof p[family] === "function");
    if (plugin === undefined) continue;
    const factory = plugin[family]!;
    const dimensions = options.dimensions?.[family] ?? (family === "llmProvider" ? 128 : 8);
    const context: AdapterContext = {
      ...options.context,
      configKey: SPI_FAMILIES[family].configKey,
    };
    suites.push(CONTRACTS[family]({
      name: `${SPI_FAMILIES[family].interfaceName} (${options.label})`,
      dimensions,
      ...(options.largeBatchSize === undefined ? {} : { largeBatchSize: options.largeBatchSize }),
      create: async ({ dimensions }: { dimensions: number }) =>
        await factory(options.config(family, dimensions), context),
    }));
  }
  return suites;
}

/** An adapter context for tests: the runtime's fetch, no env, one shared-client map. */
export function testContext(env: Record<string, string | undefined> = {}): AdapterContext {
  return {
    fetch: (input, init) => globalThis.fetch(input, init),
    env,
    shared: new Map(),
    logger: { warn: () => {} },
  };
}

/** Options of {@linkcode adapterSetup}. */
export interface AdapterSetupOptions {
  /** Group label. */
  label: string;
  /** The store config shared by every family (snake_case); `dimensions` is added per suite. */
  config: AdapterConfig;
  /** Also run the facade with this adapter as every store family it provides. */
  facade?: boolean;
  /** Only these families. */
  families?: readonly SpiFamily[];
  /** Config of particular families, replacing `config` for them. */
  familyConfig?: Partial<Record<SpiFamily, AdapterConfig>>;
}

/**
 * The suites of one adapter configuration through its plugin, with one shared context. A
 * "keeper" instance holds the shared client open for the whole group (so each case does
 * not reconnect, migrate or, for PGlite, boot a database), and is closed at the end.
 */
export async function adapterSetup(
  plugin: AdapterPlugin,
  options: AdapterSetupOptions,
): Promise<{ suites: ContractSuite[]; close(): Promise<void> }> {
  const context = testContext();
  const configOf = (family: SpiFamily): AdapterConfig =>
    options.familyConfig?.[family] ?? options.config;
  const keeperFamily = FAMILY_ORDER.find((f) =>
    typeof plugin[f] === "function" && (!options.families || options.families.includes(f))
  );
  if (keeperFamily === undefined) throw new Error(`plugin ${plugin.name} has no factory`);
  const keeper = await plugin[keeperFamily]!({ ...configOf(keeperFamily), dimensions: 8 }, {
    ...context,
    configKey: SPI_FAMILIES[keeperFamily].configKey,
  }) as { health(): Promise<{ healthy: boolean; message?: string }>; close(): Promise<void> };
  const health = await keeper.health();
  if (!health.healthy) {
    await keeper.close();
    throw new Error(`${options.label} is not healthy: ${health.message ?? "no message"}`);
  }
  const suites = pluginSuites([plugin], {
    label: options.label,
    context,
    config: (family, dimensions) =>
      family === "vectorStore" ? { ...configOf(family), dimensions } : configOf(family),
    ...(options.families ? { families: options.families } : {}),
  });
  if (options.facade) {
    const config: Record<string, unknown> = {
      llm_provider: "mock",
      llm_provider_config: { dimensions: 8 },
    };
    for (const family of ["vectorStore", "documentStore", "graphStore"] as const) {
      if (typeof plugin[family] !== "function") continue;
      if (options.families && !options.families.includes(family)) continue;
      const key = SPI_FAMILIES[family].configKey;
      config[key] = plugin.name;
      config[`${key}_config`] = family === "vectorStore"
        ? { ...configOf(family), dimensions: 8 }
        : configOf(family);
    }
    suites.push(facadeSuite({
      label: `${options.label}, mock LLM`,
      registry: createRegistry(...inMemory, plugin),
      config,
    }));
  }
  return { suites, close: () => keeper.close() };
}

function fail(message: string): never {
  throw new Error(message);
}

/** A suite whose cases are plain functions (not bound to a store factory). */
export function plainSuite(
  family: SpiFamily,
  name: string,
  cases: { name: string; run(): Promise<void> }[],
): ContractSuite {
  const list: ContractCase[] = cases.map((c) => ({ name: c.name, run: c.run }));
  return { family, name, cases: list, resolve: () => Promise.resolve(list) };
}

/** Options of {@linkcode facadeSuite}. */
export interface FacadeSuiteOptions {
  /** Row label. */
  label: string;
  /** The registry with every plugin the config names. */
  registry: Registry;
  /** `astrocyte.yaml` text or the equivalent object. */
  config: string | Record<string, unknown>;
  /** Environment for `${VAR}` substitution. */
  env?: Record<string, string | undefined>;
}

/**
 * The facade end to end through the registry: `Astrocyte.fromConfig`, `retain` into two
 * banks, `recall` finds the right memory and only in its bank, `forget` removes it.
 */
export function facadeSuite(options: FacadeSuiteOptions): ContractSuite {
  const run = async (): Promise<void> => {
    const brain = await Astrocyte.fromConfig(options.config, {
      registry: options.registry,
      env: options.env ?? {},
      logger: { warn: () => {} },
    });
    try {
      const suffix = crypto.randomUUID().slice(0, 8);
      const bank = `rt-facade-${suffix}`;
      const other = `rt-facade-other-${suffix}`;
      const kept = await brain.retain("Calvin prefers dark mode in every editor", {
        bankId: bank,
        tags: ["pref"],
      });
      if (!kept.stored) fail(`retain stored nothing: ${kept.error ?? "no reason"}`);
      await brain.retain("The deploy pipeline runs on Fridays", { bankId: bank });
      await brain.retain("Calvin prefers light mode", { bankId: other });
      const { hits } = await brain.recall("What does Calvin prefer?", {
        bankId: bank,
        maxResults: 5,
      });
      if (hits.length === 0) fail("recall returned no hits");
      if (!hits.some((h) => h.text.includes("dark mode"))) {
        fail(`recall missed the memory: ${JSON.stringify(hits.map((h) => h.text))}`);
      }
      if (hits.some((h) => h.text.includes("light mode"))) fail("recall leaked another bank");
      const tagged = await brain.recall("preferences", { bankId: bank, tags: ["pref"] });
      if (tagged.hits.some((h) => h.text.includes("deploy"))) fail("tag filter ignored");
      await brain.forget({ bankId: bank, scope: "all" });
      const after = await brain.recall("What does Calvin prefer?", { bankId: bank });
      if (after.hits.length !== 0) fail(`forget left ${after.hits.length} hits`);
      const untouched = await brain.recall("What does Calvin prefer?", { bankId: other });
      if (!untouched.hits.some((h) => h.text.includes("light mode"))) {
        fail("forget removed another bank's memory");
      }
      await brain.forget({ bankId: other, scope: "all" });
    } finally {
      await brain.close();
    }
  };
  return plainSuite("engineProvider", `Astrocyte facade (${options.label})`, [{
    name: "fromConfig → retain → recall (bank-scoped, tag filter) → forget",
    run,
  }]);
}

/**
 * The harness canary: the VectorStore contract against a deliberately broken store (hits
 * returned in reverse order). The canary passes only when the
 * contract FAILS the relevant cases with assertion errors — proof that assertions throw
 * and failures travel back from this runtime.
 */
export function canarySuite(): ContractSuite {
  const broken = (): VectorStore => {
    const inner = createInMemoryVectorStore();
    return {
      ...inner,
      async searchSimilar(vector, bankId, options) {
        return (await inner.searchSimilar(vector, bankId, options)).reverse();
      },
    };
  };
  return plainSuite("vectorStore", "Harness canary (broken VectorStore must fail)", [{
    name: "reversed hits are caught",
    async run() {
      const report = await runInline([vectorStoreContract({
        name: "canary",
        largeBatchSize: 50,
        create: () => Promise.resolve(broken()),
      })]);
      const cases = report.suites[0]?.cases ?? [];
      const failed = cases.filter((c) => c.status === "failed");
      const sorting = failed.find((c) => c.name.startsWith("sorting:"));
      if (sorting === undefined) {
        fail(`the sorting case did not fail (${failed.length} failures)`);
      }
      if (!/AssertionError/.test(sorting.detail ?? "")) {
        fail(`the sorting failure is not an AssertionError: ${sorting.detail}`);
      }
      if (report.passed === 0) fail("nothing passed: the canary store is too broken");
    },
  }]);
}
