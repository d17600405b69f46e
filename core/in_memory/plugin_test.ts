import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { createRegistry } from "../registry.ts";
import { SPI_FAMILIES, type SpiFamily } from "../spi/families.ts";
import { inMemory, inMemoryStores, mockLLM } from "./plugin.ts";

const FAMILIES = Object.keys(SPI_FAMILIES) as SpiFamily[];

function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, warn: (message: string) => void warnings.push(message) };
}

Deno.test("inMemory plugin: in_memory for every store family and the engine, mock for the LLM", async () => {
  const registry = createRegistry(inMemory);
  for (const family of FAMILIES) {
    const expected = family === "llmProvider" ? ["mock"] : ["in_memory"];
    assert.deepEqual(registry.keys(family), expected, family);
    // create() asserts every required method and capabilities are present.
    const instance = await registry.create(family, expected[0]!);
    assert.equal(typeof instance.close, "function");
    await instance.close();
  }
  assert.deepEqual(inMemory.map((p) => p.name), ["in_memory", "mock"]);
  // The plugins register alone too, and alongside the array without duplicates.
  createRegistry(inMemoryStores, mockLLM, inMemory);
});

Deno.test("inMemory plugin: vector store dimensions are parsed with clear errors", async () => {
  const registry = createRegistry(inMemory);
  const fixed = await registry.create("vectorStore", "in_memory", { dimensions: 3 });
  await assert.rejects(
    fixed.storeVectors([{ id: "a", bankId: "b", vector: [1, 0], text: "x" }]),
    /Dimension mismatch: expected 3, got 2/,
  );
  const fromEnv = await registry.create("vectorStore", "in_memory", { dimensions: "4" });
  await fromEnv.storeVectors([{ id: "a", bankId: "b", vector: [1, 0, 0, 0], text: "x" }]);
  for (const bad of [0, -1, 1.5, "abc", [3], true]) {
    await assert.rejects(
      registry.create("vectorStore", "in_memory", { dimensions: bad }),
      (error) =>
        error instanceof ConfigError &&
        /^\[astrocyte\/core\] vector_store_config\.dimensions: expected a positive integer, got a \w+$/
          .test(error.message),
      String(bad),
    );
  }
});

Deno.test("inMemory plugin: mock LLM options (embedding_dimensions, default_response)", async () => {
  const registry = createRegistry(inMemory);
  const llm = await registry.create("llmProvider", "mock", {
    embedding_dimensions: 16,
    default_response: "hello",
  });
  const [vector] = await llm.embed(["the quick brown fox"]);
  assert.equal(vector!.length, 16);
  assert.equal((await llm.complete([{ role: "user", content: "hi" }])).text, "hello");
  const byAlias = await registry.create("llmProvider", "mock", { dimensions: "8" });
  assert.equal((await byAlias.embed(["x"]))[0]!.length, 8);
  const defaults = await registry.create("llmProvider", "mock");
  assert.equal((await defaults.embed(["x"]))[0]!.length, 128);
  await assert.rejects(
    registry.create("llmProvider", "mock", { dimensions: 8, embedding_dimensions: 16 }),
    /llm_provider_config: embedding_dimensions and dimensions disagree/,
  );
  await assert.rejects(
    registry.create("llmProvider", "mock", { default_response: 42 }, {
      configKey: "embedding_provider",
    }),
    /embedding_provider_config\.default_response: expected a string, got a number/,
  );
});

Deno.test("inMemory plugin: engine options and unknown-option warnings", async () => {
  const registry = createRegistry(inMemory);
  const logger = recordingLogger();
  const engine = await registry.create(
    "engineProvider",
    "in_memory",
    { supports_reflect: false, supports_forget: "true", url: "file:x.db" },
    { logger },
  );
  assert.equal(engine.capabilities.supportsReflect, false);
  assert.equal(engine.capabilities.supportsForget, true);
  assert.equal(logger.warnings.length, 1);
  assert.match(
    logger.warnings[0]!,
    /provider_config: option "url" ignored by the in-memory reference/,
  );
  await assert.rejects(
    registry.create("engineProvider", "in_memory", { supports_reflect: "maybe" }),
    /provider_config\.supports_reflect: expected a boolean, got a string/,
  );
});

Deno.test("inMemory plugin: resolves a whole config, nulls ignored", async () => {
  const logger = recordingLogger();
  const config = loadConfig(
    `
provider_tier: storage
vector_store: in_memory
vector_store_config:
  dimensions: \${DIMS:-8}
graph_store: in_memory
document_store: in_memory
wiki_store: in_memory
mental_model_store: in_memory
source_store: in_memory
pageindex_store: in_memory
provider: in_memory
llm_provider: mock
llm_provider_config:
  embedding_dimensions: \${DIMS:-8}
  model: null
embedding_provider: mock
`,
    { env: {}, logger },
  );
  const stores = await createRegistry(inMemory).resolve(config, { env: {}, logger });
  assert.equal(stores.entries.length, 10);
  assert.equal(stores.vectorStore!.capabilities.dimensions, 8);
  const [vector] = await stores.llmProvider!.embed(["memory"]);
  await stores.vectorStore!.storeVectors([{
    id: "m",
    bankId: "b",
    vector: vector!,
    text: "memory",
  }]);
  assert.equal((await stores.vectorStore!.searchSimilar(vector!, "b"))[0]!.id, "m");
  assert.deepEqual(logger.warnings, []);
  await stores.close();
});
