import assert from "node:assert/strict";
import { AstrocyteError, ConfigError, SpiVersionError, ValidationError } from "./errors.ts";
import { createRegistry } from "./registry.ts";
import { SPI_FAMILIES, type SpiFamily } from "./spi/families.ts";
import type { AdapterConfig, AdapterContext, AdapterPlugin } from "./spi/plugin.ts";

const FAMILIES = Object.keys(SPI_FAMILIES) as SpiFamily[];

/** A fake instance with every required method of the given families (minus `omit`). */
function fakeInstance(
  families: SpiFamily[],
  omit: string[] = [],
  onClose?: () => void,
): Record<string, unknown> {
  const instance: Record<string, unknown> = { capabilities: {} };
  for (const family of families) {
    for (const method of SPI_FAMILIES[family].requiredMethods) {
      instance[method] = () => Promise.resolve(undefined);
    }
  }
  instance.close = () => {
    onClose?.();
    return Promise.resolve();
  };
  for (const name of omit) delete instance[name];
  return instance;
}

/** A plugin providing `families`; each factory records its config and context. */
function fakePlugin(
  name: string,
  families: SpiFamily[],
  extra: Partial<AdapterPlugin> = {},
): AdapterPlugin & { calls: { family: SpiFamily; config: AdapterConfig; ctx: AdapterContext }[] } {
  const calls: { family: SpiFamily; config: AdapterConfig; ctx: AdapterContext }[] = [];
  const plugin: Record<string, unknown> = { name, spiVersion: 1, calls, ...extra };
  for (const family of families) {
    plugin[family] = (config: AdapterConfig, ctx: AdapterContext) => {
      calls.push({ family, config, ctx });
      return fakeInstance([family]);
    };
  }
  return plugin as unknown as ReturnType<typeof fakePlugin>;
}

function throwsConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error;
  }
  assert.fail("expected a ConfigError");
}

async function rejectsConfigError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("registry: unsupported SPI versions are rejected for every family", () => {
  for (const family of FAMILIES) {
    const info = SPI_FAMILIES[family];
    for (const version of [99, 42]) {
      const error = throwsConfigError(() =>
        createRegistry(fakePlugin("libsql", [family], { spiVersion: version }))
      );
      assert.ok(error instanceof SpiVersionError, family);
      assert.equal(
        error.message,
        `[astrocyte/core] libsql: ${info.interfaceName} SPI version ${version} is not supported. ` +
          "Supported versions: [1]",
      );
      assert.equal(error.family, info.configKey);
      assert.equal(error.version, version);
      assert.deepEqual(error.supported, [1]);
    }
  }
});

Deno.test("registry: per-family spiVersion maps are checked family by family", () => {
  for (const bad of FAMILIES) {
    const versions = Object.fromEntries(FAMILIES.map((f) => [f, f === bad ? 99 : 1]));
    const error = throwsConfigError(() =>
      createRegistry(fakePlugin("multi", FAMILIES, { spiVersion: versions }))
    );
    assert.ok(error instanceof SpiVersionError);
    assert.match(error.message, new RegExp(`${SPI_FAMILIES[bad].interfaceName} SPI version 99`));
  }
  // Every family at version 1, as a number and as a map, registers.
  const all = createRegistry(fakePlugin("multi", FAMILIES));
  for (const family of FAMILIES) assert.deepEqual(all.keys(family), ["multi"]);
  createRegistry(
    fakePlugin("multi", FAMILIES, {
      spiVersion: Object.fromEntries(FAMILIES.map((f) => [f, 1])),
    }),
  );
  // A map that forgets a provided family, names an unknown one, or holds a non-integer.
  assert.match(
    throwsConfigError(() =>
      createRegistry(
        fakePlugin("x", ["vectorStore", "graphStore"], { spiVersion: { vectorStore: 1 } }),
      )
    ).message,
    /declares no version for GraphStore/,
  );
  assert.match(
    throwsConfigError(() =>
      createRegistry(
        fakePlugin("x", ["vectorStore"], {
          spiVersion: { vectorStore: 1, vectorStores: 1 } as Record<string, number>,
        }),
      )
    ).message,
    /unknown SPI family "vectorStores"/,
  );
  assert.match(
    throwsConfigError(() => createRegistry(fakePlugin("x", ["vectorStore"], { spiVersion: 1.5 })))
      .message,
    /VectorStore SPI version must be an integer/,
  );
});

Deno.test("registry: invalid plugins are ConfigErrors", () => {
  for (const name of ["LibSQL", "", "has space", "-x", "a".repeat(65), 42, undefined]) {
    const error = throwsConfigError(() =>
      createRegistry(fakePlugin(name as string, ["vectorStore"]))
    );
    assert.match(error.message, /Invalid adapter plugin name/);
  }
  assert.match(
    throwsConfigError(() => createRegistry(fakePlugin("empty", []))).message,
    /provides no SPI family/,
  );
  assert.match(
    throwsConfigError(() =>
      createRegistry({ name: "x", spiVersion: 1, vectorStore: 5 } as unknown as AdapterPlugin)
    ).message,
    /vectorStore must be a factory function/,
  );
  assert.match(
    throwsConfigError(() =>
      createRegistry(fakePlugin("x", ["vectorStore"], { aliases: ["Bad Alias"] }))
    ).message,
    /Invalid adapter alias "Bad Alias"/,
  );
  assert.match(
    throwsConfigError(() => createRegistry(null as unknown as AdapterPlugin)).message,
    /expects adapter plugins/,
  );
});

Deno.test("registry: duplicate keys in one family are ConfigErrors", () => {
  const error = throwsConfigError(() =>
    createRegistry(fakePlugin("libsql", ["vectorStore"]), fakePlugin("libsql", ["vectorStore"]))
  );
  assert.equal(
    error.message,
    '[astrocyte/core] Duplicate vector_store key "libsql": registered by plugin "libsql" and again by plugin "libsql"',
  );
  // An alias colliding with another plugin's name.
  assert.match(
    throwsConfigError(() =>
      createRegistry(
        fakePlugin("postgres", ["vectorStore"], { aliases: ["pgvector"] }),
        fakePlugin("pgvector", ["vectorStore"]),
      )
    ).message,
    /Duplicate vector_store key "pgvector"/,
  );
  // The same key in different families is fine; the same plugin object twice is harmless.
  const a = fakePlugin("shared", ["vectorStore"]);
  const registry = createRegistry(a, [a], fakePlugin("shared", ["graphStore"]));
  assert.deepEqual(registry.keys("vectorStore"), ["shared"]);
  assert.deepEqual(registry.keys("graphStore"), ["shared"]);
});

Deno.test("registry: keys, has and aliases", async () => {
  const postgres = fakePlugin("postgres", ["vectorStore", "documentStore"], {
    aliases: ["pgvector"],
  });
  const registry = createRegistry([fakePlugin("zeta", ["vectorStore"])], postgres);
  assert.deepEqual(registry.keys("vectorStore"), ["pgvector", "postgres", "zeta"]);
  assert.deepEqual(registry.keys("graphStore"), []);
  assert.ok(registry.has("documentStore", "pgvector"));
  assert.ok(!registry.has("graphStore", "postgres"));
  await registry.create("vectorStore", "pgvector");
  assert.equal(postgres.calls.length, 1);
});

Deno.test("registry: unknown keys list the registered keys and the import line", async () => {
  const inMem = fakePlugin("in_memory", ["vectorStore", "graphStore"]);
  const registry = createRegistry(inMem, fakePlugin("libsql", ["vectorStore"]));
  const upstash = await rejectsConfigError(registry.create("vectorStore", "upstash"));
  assert.equal(
    upstash.message,
    '[astrocyte/core] Unknown vector_store "upstash" (registered vector_store keys: in_memory, libsql); ' +
      'register it with import { upstash } from "@astrocyte/upstash" and createRegistry(..., upstash)',
  );
  for (
    const [key, line] of [
      ["libsql", 'import { libsql } from "@astrocyte/libsql"'],
      ["postgres", 'import { postgres } from "@astrocyte/postgres"'],
      ["pgvector", 'import { postgres } from "@astrocyte/postgres"'],
      ["openai", 'import { openai } from "@astrocyte/openai"'],
      ["mock", 'import { inMemory } from "@astrocyte/core"'],
    ]
  ) {
    const error = await rejectsConfigError(createRegistry(inMem).create("llmProvider", key!));
    assert.ok(error.message.includes(line!), `${key}: ${error.message}`);
    assert.match(error.message, /no llm_provider adapter is registered/);
  }
  const guess = await rejectsConfigError(registry.create("graphStore", "neo4j_aura"));
  assert.match(guess.message, /registered graph_store keys: in_memory/);
  assert.match(guess.message, /import \{ neo4jAura \} from "@astrocyte\/neo4j-aura"/);
  const elsewhere = await rejectsConfigError(registry.create("graphStore", "libsql"));
  assert.match(
    elsewhere.message,
    /Adapter "libsql" does not provide graph_store; it provides vector_store/,
  );
  const invalid = await rejectsConfigError(registry.create("vectorStore", "my.module:Class"));
  assert.match(invalid.message, /Invalid vector_store key: expected an adapter name/);
  assert.ok(!invalid.message.includes("my.module"), "invalid keys are not echoed");
});

Deno.test("registry: instances missing required methods are ConfigErrors", async () => {
  for (const family of FAMILIES) {
    const required = SPI_FAMILIES[family].requiredMethods;
    const omitted = [required[required.length - 1]!, required[0]!];
    let closed = 0;
    const plugin = {
      name: "broken",
      spiVersion: 1,
      [family]: () => fakeInstance([family], omitted.slice(0, 1), () => closed++),
    } as AdapterPlugin;
    const error = await rejectsConfigError(createRegistry(plugin).create(family, "broken"));
    assert.equal(
      error.message,
      `[astrocyte/core] Adapter "broken" is not a valid ${
        SPI_FAMILIES[family].interfaceName
      } for ` +
        `${SPI_FAMILIES[family].configKey}: missing ${omitted[0]}`,
    );
    assert.equal(closed, 1, "a rejected instance is closed");

    const noCaps = {
      name: "nocaps",
      spiVersion: 1,
      [family]: () => fakeInstance([family], ["capabilities", omitted[1]!]),
    } as AdapterPlugin;
    const missing = await rejectsConfigError(createRegistry(noCaps).create(family, "nocaps"));
    assert.match(missing.message, new RegExp(`missing capabilities, ${omitted[1]}$`));
  }
  const nothing = {
    name: "nothing",
    spiVersion: 1,
    vectorStore: () => null,
  } as unknown as AdapterPlugin;
  assert.match(
    (await rejectsConfigError(createRegistry(nothing).create("vectorStore", "nothing"))).message,
    /returned null instead of a VectorStore/,
  );
});

Deno.test("registry: factory errors are wrapped without leaking config values", async () => {
  const secret = "postgres://admin:s3cr3t@db.internal/prod";
  const plugin = {
    name: "leaky",
    spiVersion: 1,
    vectorStore: (config: AdapterConfig) => {
      throw new TypeError(`cannot connect to ${config.dsn}`);
    },
    graphStore: () => Promise.reject(new ValidationError("[astrocyte/leaky] bad option")),
  } as unknown as AdapterPlugin;
  const registry = createRegistry(plugin);
  const wrapped = await rejectsConfigError(
    registry.create("vectorStore", "leaky", { dsn: secret }),
  );
  assert.equal(
    wrapped.message,
    '[astrocyte/core] Failed to create vector_store "leaky": the adapter threw TypeError (see cause)',
  );
  assert.ok(wrapped.cause instanceof TypeError);
  assert.ok(!wrapped.message.includes("s3cr3t"));
  await assert.rejects(
    registry.create("graphStore", "leaky"),
    (error) => error instanceof ValidationError && error.message.includes("bad option"),
  );
  await rejectsConfigError(
    registry.create("vectorStore", "leaky", [] as unknown as AdapterConfig),
  );
});

Deno.test("registry: create passes config and context", async () => {
  const plugin = fakePlugin("probe", ["llmProvider"]);
  const registry = createRegistry(plugin);
  const logger = { warn: () => {} };
  const signal = new AbortController().signal;
  const customFetch = (() => Promise.resolve(new Response("x"))) as typeof fetch;
  await registry.create("llmProvider", "probe", { model: "m" }, {
    env: { A: "1" },
    logger,
    signal,
    fetch: customFetch,
  });
  await registry.create("llmProvider", "probe");
  const [first, second] = plugin.calls;
  assert.deepEqual(first!.config, { model: "m" });
  assert.deepEqual(first!.ctx.env, { A: "1" });
  assert.equal(first!.ctx.logger, logger);
  assert.equal(first!.ctx.signal, signal);
  assert.equal(first!.ctx.fetch, customFetch);
  assert.equal(first!.ctx.configKey, "llm_provider");
  assert.deepEqual(second!.config, {});
  assert.deepEqual(second!.ctx.env, {});
  assert.equal(typeof second!.ctx.fetch, "function");
  assert.ok(second!.ctx.shared instanceof Map);
  assert.notEqual(first!.ctx.shared, second!.ctx.shared);
});

Deno.test("registry: resolve shares `shared` for the same plugin and equal config only", async () => {
  const libsql = fakePlugin("libsql", ["vectorStore", "documentStore", "graphStore", "wikiStore"]);
  const other = fakePlugin("other", ["sourceStore"]);
  const registry = createRegistry(libsql, other);
  const url = { url: "file:a.db", options: { wal: true, list: [1, 2] } };
  const stores = await registry.resolve(
    {
      vector_store: "libsql",
      vector_store_config: url,
      document_store: "libsql",
      document_store_config: { options: { list: [1, 2], wal: true }, url: "file:a.db" },
      graph_store: "libsql",
      graph_store_config: { url: "file:b.db", options: { wal: true, list: [1, 2] } },
      wiki_store: "libsql",
      wiki_store_config: { url: "file:a.db", options: { wal: true, list: [2, 1] } },
      source_store: "other",
      source_store_config: url,
    },
    { env: { X: "1" } },
  );
  const ctxOf = (family: SpiFamily) => libsql.calls.find((c) => c.family === family)!.ctx;
  assert.equal(ctxOf("vectorStore").shared, ctxOf("documentStore").shared, "equal config shares");
  assert.notEqual(ctxOf("vectorStore").shared, ctxOf("graphStore").shared, "other url");
  assert.notEqual(ctxOf("vectorStore").shared, ctxOf("wikiStore").shared, "list order differs");
  assert.notEqual(ctxOf("vectorStore").shared, other.calls[0]!.ctx.shared, "other plugin");
  assert.equal(ctxOf("documentStore").configKey, "document_store");
  assert.deepEqual(ctxOf("vectorStore").env, { X: "1" });
  assert.ok(stores.vectorStore && stores.documentStore && stores.graphStore && stores.sourceStore);
  assert.equal(stores.llmProvider, undefined);
  assert.deepEqual(
    stores.entries.map((e) => e.configKey),
    ["vector_store", "document_store", "graph_store", "wiki_store", "source_store"],
  );
  await stores.close();
});

Deno.test("registry: resolve builds engine, llm and embedding providers", async () => {
  const plugin = fakePlugin("mock", ["llmProvider", "engineProvider"]);
  const registry = createRegistry(plugin);
  const stores = await registry.resolve(
    {
      provider_tier: "engine",
      provider: "mock",
      llm_provider: "mock",
      llm_provider_config: { model: "a" },
      embedding_provider: "mock",
      embedding_provider_config: { model: "a" },
    },
    { env: {} },
  );
  assert.ok(stores.engineProvider && stores.llmProvider && stores.embeddingProvider);
  assert.notEqual(stores.llmProvider, stores.embeddingProvider);
  const keys = plugin.calls.map((c) => c.ctx.configKey);
  assert.deepEqual(keys, ["provider", "llm_provider", "embedding_provider"]);
  assert.equal(plugin.calls[1]!.ctx.shared, plugin.calls[2]!.ctx.shared);
  assert.notEqual(plugin.calls[0]!.ctx.shared, plugin.calls[1]!.ctx.shared);
  await stores.close();
});

Deno.test("registry: close closes each distinct instance once, in reverse order", async () => {
  const closed: string[] = [];
  const combined = fakeInstance(
    ["vectorStore", "documentStore"],
    [],
    () => closed.push("combined"),
  );
  const plugin = {
    name: "combo",
    spiVersion: 1,
    vectorStore: (_c: AdapterConfig, ctx: AdapterContext) => {
      ctx.shared.set("db", combined);
      return combined;
    },
    documentStore: (_c: AdapterConfig, ctx: AdapterContext) => ctx.shared.get("db") ?? combined,
    llmProvider: () => fakeInstance(["llmProvider"], [], () => closed.push("llm")),
  } as unknown as AdapterPlugin;
  const registry = createRegistry(plugin);
  const stores = await registry.resolve(
    { vector_store: "combo", document_store: "combo", llm_provider: "combo" },
    { env: {} },
  );
  assert.equal(stores.vectorStore, stores.documentStore as unknown);
  await Promise.all([stores.close(), stores.close()]);
  await stores[Symbol.asyncDispose]();
  assert.deepEqual(closed, ["llm", "combined"]);
});

Deno.test("registry: close reports failures after closing everything", async () => {
  const closed: string[] = [];
  const plugin = {
    name: "flaky",
    spiVersion: 1,
    vectorStore: () => ({
      ...fakeInstance(["vectorStore"]),
      close: () => Promise.reject(new Error("boom")),
    }),
    llmProvider: () => fakeInstance(["llmProvider"], [], () => closed.push("llm")),
  } as unknown as AdapterPlugin;
  const stores = await createRegistry(plugin).resolve(
    { vector_store: "flaky", llm_provider: "flaky" },
    { env: {} },
  );
  await assert.rejects(
    stores.close(),
    (error) =>
      error instanceof AstrocyteError &&
      error.message === '[astrocyte/core] Failed to close vector_store "flaky"',
  );
  assert.deepEqual(closed, ["llm"]);
});

Deno.test("registry: a failing resolve closes what it already built", async () => {
  const closed: string[] = [];
  const plugin = {
    name: "half",
    spiVersion: 1,
    vectorStore: () => fakeInstance(["vectorStore"], [], () => closed.push("vector")),
    documentStore: () => {
      throw new RangeError("nope");
    },
  } as unknown as AdapterPlugin;
  const error = await rejectsConfigError(
    createRegistry(plugin).resolve({ vector_store: "half", document_store: "half" }, { env: {} }),
  );
  assert.match(error.message, /Failed to create document_store "half"/);
  assert.deepEqual(closed, ["vector"]);

  const unknown = await rejectsConfigError(
    createRegistry(plugin).resolve({ vector_store: "half", graph_store: "neo4j" }, { env: {} }),
  );
  assert.match(
    unknown.message,
    /Unknown graph_store "neo4j" \(no graph_store adapter is registered\)/,
  );
  assert.deepEqual(closed, ["vector", "vector"]);
});
