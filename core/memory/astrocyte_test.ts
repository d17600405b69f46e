import assert from "node:assert/strict";
import {
  Astrocyte,
  CapabilityNotSupportedError,
  ConfigError,
  createInMemoryDocumentStore,
  createInMemoryEngineProvider,
  createInMemoryGraphStore,
  createInMemoryVectorStore,
  createMockLLMProvider,
  createRegistry,
  type DocumentStore,
  inMemory,
  ValidationError,
} from "../mod.ts";
import { assertRejectsWith } from "../testing/fixtures.ts";

const CONFIG = `
provider_tier: storage
vector_store: in_memory
document_store: in_memory
graph_store: in_memory
source_store: in_memory
wiki_store: in_memory
mental_model_store: in_memory
pageindex_store: in_memory
llm_provider: mock
llm_provider_config:
  embedding_dimensions: 256
`;

async function brainFromConfig(): Promise<Astrocyte> {
  return await Astrocyte.fromConfig(CONFIG, {
    registry: createRegistry(inMemory),
    env: {},
    logger: { warn: () => {} },
  });
}

Deno.test("facade: retain → recall → reflect → forget on the in-memory stores", async () => {
  await using brain = await brainFromConfig();
  const r = await brain.retain("Calvin prefers dark mode in every editor.", {
    bankId: "user-123",
    tags: ["prefs"],
  });
  assert.equal(r.stored, true);
  await brain.retain("Ada lives in London and likes tea.", { bankId: "user-123" });
  await brain.retain("Calvin prefers light roast coffee.", { bankId: "user-999" });

  const recalled = await brain.recall("What does Calvin prefer?", { bankId: "user-123" });
  assert.ok(recalled.hits.length >= 1);
  assert.match(recalled.hits[0]!.text, /dark mode/);
  assert.ok(recalled.hits.every((h) => h.bankId === "user-123"), "no other bank's memories");
  assert.deepEqual(recalled.trace?.strategiesUsed?.sort(), ["graph", "keyword", "semantic"]);
  assert.equal(recalled.trace?.fusionMethod, "rrf");
  assert.ok(recalled.topSemanticScore! > 0);

  const reflected = await brain.reflect("What does Calvin prefer?", { bankId: "user-123" });
  assert.match(reflected.answer, /dark mode/);
  assert.ok(reflected.sources!.length > 0);

  const forgotten = await brain.forget({ bankId: "user-123", memoryIds: [r.memoryId!] });
  assert.equal(forgotten.deletedCount, 1);
  const after = await brain.recall("dark mode", { bankId: "user-123" });
  assert.ok(!after.hits.some((h) => /dark mode/.test(h.text)), "forgotten memory is gone");
  const docs = await brain.stores.documentStore!.getDocument(r.memoryId!, "user-123");
  assert.equal(docs, null, "the mirrored document is gone too");
});

Deno.test("facade: hybrid recall beats semantic-only on a query that needs the keyword path", async () => {
  await using brain = Astrocyte.create({
    vectorStore: createInMemoryVectorStore(),
    documentStore: createInMemoryDocumentStore(),
    llm: createMockLLMProvider({ dimensions: 512 }),
  }, { logger: { warn: () => {} } });
  const bankId = "hybrid";
  // Distractors share the common query words; the target shares only the rare identifier.
  for (let i = 0; i < 12; i++) {
    await brain.retain(`Invoice status update ${i}: the invoice status is pending review.`, {
      bankId,
    });
  }
  await brain.retain(
    "Payment reference ZX4471 was finally settled on Monday after a long delay with the bank " +
      "and several phone calls to the accounts department about the missing transfer.",
    { bankId },
  );
  const query = "invoice ZX4471 status";
  const rankOf = (hits: { text: string }[]) => hits.findIndex((h) => h.text.includes("ZX4471"));
  const semantic = await brain.recall(query, {
    bankId,
    maxResults: 13,
    strategies: ["semantic"],
  });
  const hybrid = await brain.recall(query, { bankId, maxResults: 13 });
  const semanticRank = rankOf(semantic.hits);
  const hybridRank = rankOf(hybrid.hits);
  assert.ok(hybridRank >= 0, "hybrid finds the target");
  assert.ok(semanticRank > 2, `semantic-only ranks it low (rank ${semanticRank})`);
  assert.ok(
    hybridRank < semanticRank,
    `hybrid rank ${hybridRank} should beat semantic rank ${semanticRank}`,
  );
});

Deno.test("facade: forget scope all leaves no row for the bank in any store", async () => {
  await using brain = await brainFromConfig();
  const s = brain.stores;
  for (const bankId of ["gone", "kept"]) {
    await brain.retain("Grace Hopper wrote the first compiler. Alan Turing broke codes.", {
      bankId,
      tags: ["history"],
    });
    await s.wikiStore!.upsertPage({
      pageId: "topic:x",
      kind: "topic",
      title: "X",
      content: "x",
      scope: "bank",
      sourceIds: [],
      crossLinks: [],
    }, bankId);
    await s.mentalModelStore!.upsert({
      modelId: "m1",
      title: "M",
      content: "m",
      scope: "bank",
      sourceIds: [],
    }, bankId);
    await s.pageIndexStore!.saveDocument({ id: "", bankId, sourceId: "s1", mdText: "# t" });
  }
  const result = await brain.forget({ bankId: "gone", scope: "all" });
  assert.ok(result.deletedCount >= 1);
  const check = async (bankId: string) => ({
    vectors: (await s.vectorStore!.listVectors(bankId)).length,
    documents: (await s.documentStore!.listDocuments(bankId)).length,
    entities: (await s.graphStore!.queryEntities("", bankId, { limit: 100 })).length,
    neighbours: (await s.graphStore!.queryNeighbors(["ent:grace hopper"], bankId)).length,
    sources: (await s.sourceStore!.listDocuments(bankId)).length,
    wiki: (await s.wikiStore!.listPages(bankId)).length,
    models: (await s.mentalModelStore!.list(bankId)).length,
    pageindex: (await s.pageIndexStore!.loadDocument(bankId, "s1")) === null ? 0 : 1,
  });
  const gone = await check("gone");
  assert.deepEqual(gone, {
    vectors: 0,
    documents: 0,
    entities: 0,
    neighbours: 0,
    sources: 0,
    wiki: 0,
    models: 0,
    pageindex: 0,
  });
  const kept = await check("kept");
  for (const [store, count] of Object.entries(kept)) {
    assert.ok(count > 0, `the other bank keeps its ${store}`);
  }
});

Deno.test("facade: forget by tags and by date, across vector and document stores", async () => {
  await using brain = await brainFromConfig();
  const bankId = "sel";
  await brain.retain("Old note about taxes.", {
    bankId,
    occurredAt: new Date("2020-01-01T00:00:00Z"),
  });
  await brain.retain("Tagged note about holidays.", { bankId, tags: ["tmp"] });
  const keep = await brain.retain("Recent note about lunch.", {
    bankId,
    occurredAt: new Date("2026-01-01T00:00:00Z"),
  });
  const r = await brain.forget({
    bankId,
    tags: ["tmp"],
    beforeDate: new Date("2021-01-01T00:00:00Z"),
  });
  assert.equal(r.deletedCount, 2);
  const left = await brain.stores.vectorStore!.listVectors(bankId);
  assert.deepEqual(left.map((i) => i.id), [keep.memoryId]);
  const docs = await brain.stores.documentStore!.listDocuments(bankId);
  assert.deepEqual(docs.map((d) => d.id), [keep.memoryId]);
});

Deno.test("facade: filters apply to keyword hits too; a failing strategy is reported, not fatal", async () => {
  const documents = createInMemoryDocumentStore();
  const failing: DocumentStore = Object.create(documents);
  failing.searchFulltext = () => Promise.reject(new Error("boom"));
  await using brain = Astrocyte.create({
    vectorStore: createInMemoryVectorStore(),
    documentStore: failing,
    llm: createMockLLMProvider(),
  }, { logger: { warn: () => {} } });
  await brain.retain("The launch code is blue.", { bankId: "f", factType: "world" });
  const r = await brain.recall("launch code", { bankId: "f" });
  assert.equal(r.hits.length, 1);
  assert.match(r.trace!.strategyErrors!.keyword!, /boom/);
  assert.equal(r.trace!.strategyCandidateCounts!.keyword, 0);

  await using brain2 = Astrocyte.create({
    vectorStore: createInMemoryVectorStore(),
    documentStore: createInMemoryDocumentStore(),
    llm: createMockLLMProvider(),
  });
  await brain2.retain("Experience: I visited Rome.", { bankId: "f", factType: "experience" });
  await brain2.retain("World: Rome is in Italy.", { bankId: "f", factType: "world" });
  const onlyWorld = await brain2.recall("Rome", { bankId: "f", factTypes: ["world"] });
  assert.deepEqual(onlyWorld.hits.map((h) => h.factType), ["world"]);
});

Deno.test("facade: maxResults and token budget truncate; multi-bank recall fuses banks", async () => {
  await using brain = await brainFromConfig();
  for (let i = 0; i < 6; i++) {
    await brain.retain(`Fact ${i} about gardening and tomatoes.`, { bankId: "a" });
    await brain.retain(`Fact ${i} about gardening and peppers.`, { bankId: "b" });
  }
  const few = await brain.recall("gardening", { bankId: "a", maxResults: 3 });
  assert.equal(few.hits.length, 3);
  assert.equal(few.truncated, true);
  const budget = await brain.recall("gardening", { bankId: "a", maxTokens: 12 });
  assert.ok(budget.hits.length >= 1 && budget.hits.length < 6);
  assert.equal(budget.truncated, true);
  const multi = await brain.recall("gardening", { banks: ["a", "b"], maxResults: 12 });
  assert.deepEqual(new Set(multi.hits.map((h) => h.bankId)), new Set(["a", "b"]));
  const single = await brain.recall("gardening", { bankId: "a", maxResults: 12 });
  assert.equal(
    multi.trace!.strategyCandidateCounts!.semantic,
    single.trace!.strategyCandidateCounts!.semantic! * 2,
    "multi-bank trace sums the banks' candidate counts",
  );
});

Deno.test("facade: invalid input is a typed error", async () => {
  await using brain = await brainFromConfig();
  await assertRejectsWith(() => brain.retain("x", { bankId: "bad bank!" }), ValidationError);
  await assertRejectsWith(() => brain.recall("x", { bankId: "" }), ValidationError);
  await assertRejectsWith(
    () => brain.retain("x".repeat(2_000_001), { bankId: "ok" }),
    ValidationError,
    "too large",
  );
  await assertRejectsWith(
    () => brain.retain("x", { bankId: "ok", tags: Array.from({ length: 101 }, (_, i) => `${i}`) }),
    ValidationError,
  );
  assert.deepEqual(await brain.retain("   ", { bankId: "ok" }), {
    stored: false,
    error: "No content after chunking",
  });
  const health = await brain.health();
  assert.equal(health.healthy, true);
  assert.ok("vectorStore" in health.components);
});

Deno.test("facade: Tier 2 engine passthrough and fallback strategies", async () => {
  await using brain = Astrocyte.create({ engine: createInMemoryEngineProvider() });
  assert.equal(brain.tier, "engine");
  await brain.retain("Engines remember things", { bankId: "e" });
  const r = await brain.recall("remember", { bankId: "e" });
  assert.equal(r.hits.length, 1);
  const reflected = await brain.reflect("remember", { bankId: "e" });
  assert.match(reflected.answer, /Engines remember/);

  const limited = createInMemoryEngineProvider({ supportsReflect: false, supportsForget: false });
  await using strict = Astrocyte.create({ engine: limited });
  await assertRejectsWith(
    () => strict.reflect("x", { bankId: "e" }),
    CapabilityNotSupportedError,
  );
  await assertRejectsWith(
    () => strict.forget({ bankId: "e", scope: "all" }),
    CapabilityNotSupportedError,
  );
  await using degrade = Astrocyte.create({
    engine: createInMemoryEngineProvider({ supportsReflect: false }),
  }, { fallbackStrategy: "degrade" });
  await degrade.retain("Degraded answers join recalled texts", { bankId: "e" });
  assert.match((await degrade.reflect("answers", { bankId: "e" })).answer, /Degraded answers/);

  assert.throws(() => Astrocyte.create({}), ConfigError);
});

Deno.test("facade: graph strategy surfaces memories linked through entities", async () => {
  await using brain = Astrocyte.create({
    vectorStore: createInMemoryVectorStore(),
    graphStore: createInMemoryGraphStore(),
    llm: createMockLLMProvider(),
  });
  await brain.retain("Marie Curie worked with Pierre Curie in Paris.", { bankId: "g" });
  const r = await brain.recall("Tell me about Marie Curie", { bankId: "g", strategies: ["graph"] });
  assert.equal(r.hits.length, 1);
  assert.match(r.hits[0]!.text, /Pierre Curie/);
});
