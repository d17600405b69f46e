import assert from "node:assert/strict";
import { CapabilityNotSupportedError } from "../errors.ts";
import type { EngineProvider } from "../spi/engine_provider.ts";
import { engineProviderContract } from "../testing/engine_provider_contract.ts";
import { assertRejectsWith } from "../testing/fixtures.ts";
import { registerDenoTests, runInline } from "../testing/harness.ts";
import { createInMemoryEngineProvider } from "./engine_provider.ts";

registerDenoTests(engineProviderContract({
  name: "EngineProvider contract (in-memory)",
  create: () => Promise.resolve(createInMemoryEngineProvider()),
}));

registerDenoTests(engineProviderContract({
  name: "EngineProvider contract (in-memory, reflect and forget disabled)",
  create: () =>
    Promise.resolve(
      createInMemoryEngineProvider({ supportsReflect: false, supportsForget: false }),
    ),
}));

async function failedCases(create: () => Promise<EngineProvider>): Promise<Set<string>> {
  const report = await runInline([engineProviderContract({ create })]);
  return new Set(report.suites[0]!.cases.filter((c) => c.status === "failed").map((c) => c.name));
}

Deno.test("contract fails an engine that ignores the bank", async () => {
  const failed = await failedCases(() => {
    const inner = createInMemoryEngineProvider();
    const shared = "one-bank-for-all";
    return Promise.resolve({
      ...inner,
      retain: (r) => inner.retain({ ...r, bankId: r.bankId === "" ? "" : shared }),
      recall: (r) => inner.recall({ ...r, bankId: shared }),
      reflect: (r) => inner.reflect({ ...r, bankId: shared }),
      forget: (r) => inner.forget({ ...r, bankId: shared }),
    });
  });
  for (
    const name of [
      "recall is isolated between banks",
      "retain and recall are isolated between hostile bank ids",
      "recall of an empty or unknown bank returns nothing",
      "forget with scope all clears only that bank",
      "forget by memory ids removes only those in the bank",
      "reflect synthesises from recalled memories",
    ]
  ) {
    assert.ok(failed.has(name), `expected "${name}" to fail`);
  }
  assert.ok(failed.has("retain then recall finds the memory"), "hits carry the wrong bankId");
  assert.ok(!failed.has("recall ranks the better match first with a higher score"));
});

Deno.test("contract fails an engine that ignores maxResults and tag filters", async () => {
  const failed = await failedCases(() => {
    const inner = createInMemoryEngineProvider();
    return Promise.resolve({
      ...inner,
      recall: ({ maxResults: _m, tags: _t, ...rest }) => inner.recall(rest),
    });
  });
  assert.ok(failed.has("recall caps hits at maxResults and reports truncation"));
  assert.ok(failed.has("recall with a tag filter excludes untagged and other tags"));
});

Deno.test("in-memory engine: ids, _created_at and the term-overlap score", async () => {
  const engine = createInMemoryEngineProvider();
  const r = await engine.retain({ content: "dark mode on", bankId: "b", metadata: { k: "v" } });
  assert.match(r.memoryId!, /^[0-9a-f]{16}$/);
  assert.deepEqual(r.memoryIds, [r.memoryId]);
  await engine.retain({
    content: "light theme",
    bankId: "b",
    metadata: { _created_at: "2020-01-01T00:00:00.000Z" },
  });
  const { hits } = await engine.recall({ query: "dark mode off entirely", bankId: "b" });
  assert.equal(hits.length, 1);
  assert.equal(hits[0]!.score, 0.5);
  assert.equal(hits[0]!.factType, "world");
  assert.equal(hits[0]!.metadata?.["k"], "v");
  assert.ok(!Number.isNaN(Date.parse(String(hits[0]!.metadata?.["_created_at"]))));
  const [light] = (await engine.recall({ query: "theme", bankId: "b" })).hits;
  assert.equal(light?.metadata?.["_created_at"], "2020-01-01T00:00:00.000Z");
  assert.deepEqual((await engine.recall({ query: "zeppelin", bankId: "b" })).hits, []);
});

Deno.test("in-memory engine: the * query returns every memory with score 1", async () => {
  const engine = createInMemoryEngineProvider();
  await engine.retain({ content: "one", bankId: "b" });
  await engine.retain({ content: "two", bankId: "b" });
  await engine.retain({ content: "elsewhere", bankId: "c" });
  const res = await engine.recall({ query: "*", bankId: "b" });
  assert.deepEqual(res.hits.map((h) => [h.text, h.score]), [["one", 1], ["two", 1]]);
  assert.equal(res.totalAvailable, 2);
});

Deno.test("in-memory engine: reflect joins the top five texts", async () => {
  const engine = createInMemoryEngineProvider();
  for (let i = 1; i <= 7; i++) await engine.retain({ content: `fact ${i}`, bankId: "b" });
  const r = await engine.reflect({ query: "fact", bankId: "b" });
  assert.equal(r.answer, "Synthesis: fact 1; fact 2; fact 3; fact 4; fact 5");
  assert.equal(r.sources?.length, 5);
  const bare = await engine.reflect({ query: "fact", bankId: "b", includeSources: false });
  assert.equal(bare.sources, undefined);
});

Deno.test("in-memory engine: capabilities follow the options", async () => {
  const on = createInMemoryEngineProvider();
  assert.equal(on.capabilities.supportsReflect, true);
  assert.equal(on.capabilities.supportsForget, true);
  const off = createInMemoryEngineProvider({ supportsReflect: false, supportsForget: false });
  assert.equal(off.capabilities.supportsReflect, false);
  assert.equal(off.capabilities.supportsForget, false);
  const e = await assertRejectsWith(
    () => off.reflect({ query: "q", bankId: "b" }),
    CapabilityNotSupportedError,
  ) as CapabilityNotSupportedError;
  assert.equal(e.capability, "reflect");
  assert.equal(e.provider, "in_memory");
  assert.match(e.message, /^\[astrocyte\/core\] /);
});
