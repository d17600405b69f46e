/**
 * The EngineProvider (Tier 2) contract suite: upstream's `TestInMemoryEngineProvider` cases
 * written against the SPI rather than one engine's scoring, plus bank isolation (including
 * hostile bank ids), "missing means empty", validation and the optional capabilities.
 *
 * Cases for `reflect` and `forget` read `capabilities`: when an operation is supported its
 * behaviour is checked, otherwise the suite checks that it throws
 * `CapabilityNotSupportedError`. Queries share words with the remembered text, so engines
 * that rank by embeddings or by terms both apply.
 *
 * @module
 */
import assert from "node:assert/strict";
import { CapabilityNotSupportedError, ValidationError } from "../errors.ts";
import type { EngineProvider, MemoryHit } from "../spi/engine_provider.ts";
import { assertRejectsWith } from "./fixtures.ts";
import {
  buildSuite,
  type CaseDefinition,
  type ContractOptions,
  type ContractSuite,
  hostileBankId,
} from "./harness.ts";

type E = EngineProvider;

function texts(hits: readonly MemoryHit[]): string[] {
  return hits.map((h) => h.text);
}

async function retainAll(engine: E, bankId: string, contents: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const content of contents) {
    const r = await engine.retain({ content, bankId });
    assert.equal(r.stored, true);
    assert.ok(r.memoryId);
    ids.push(r.memoryId);
  }
  return ids;
}

const noReflect = (e: E) =>
  e.capabilities.supportsReflect ? undefined : "engine does not support reflect";
const hasReflect = (e: E) => e.capabilities.supportsReflect ? "engine supports reflect" : undefined;
const noForget = (e: E) =>
  e.capabilities.supportsForget ? undefined : "engine does not support forget";
const hasForget = (e: E) => e.capabilities.supportsForget ? "engine supports forget" : undefined;

const cases: CaseDefinition<E>[] = [
  {
    name: "health reports healthy and close is idempotent",
    async fn({ createStore }) {
      const e = await createStore();
      assert.equal((await e.health()).healthy, true);
      assert.equal(typeof e[Symbol.asyncDispose], "function");
      await e.close();
      await e.close();
    },
  },
  {
    name: "capabilities are declared as booleans",
    fn({ store }) {
      const c = store.capabilities;
      for (
        const key of [
          "supportsReflect",
          "supportsForget",
          "supportsSemanticSearch",
          "supportsKeywordSearch",
          "supportsGraphSearch",
          "supportsTemporalSearch",
          "supportsTags",
          "supportsMetadata",
        ] as const
      ) {
        assert.equal(typeof c[key], "boolean", key);
      }
      return Promise.resolve();
    },
  },
  {
    name: "retain then recall finds the memory",
    async fn({ store, bank }) {
      const b = bank();
      const r = await store.retain({ content: "Calvin prefers dark mode", bankId: b });
      assert.equal(r.stored, true);
      assert.ok(r.memoryId && r.memoryId.length > 0);
      const res = await store.recall({ query: "dark mode", bankId: b });
      assert.deepEqual(texts(res.hits), ["Calvin prefers dark mode"]);
      const hit = res.hits[0]!;
      assert.equal(hit.memoryId, r.memoryId);
      assert.ok(hit.score > 0);
      assert.ok(hit.bankId === undefined || hit.bankId === b);
      assert.equal(res.totalAvailable, 1);
      assert.equal(res.truncated, false);
    },
  },
  {
    name: "recall ranks the better match first with a higher score",
    async fn({ store, bank }) {
      const b = bank();
      await retainAll(store, b, ["dark", "dark mode settings"]);
      const { hits } = await store.recall({ query: "dark mode settings", bankId: b });
      assert.equal(hits[0]?.text, "dark mode settings");
      assert.ok(hits.length >= 1);
      if (hits.length > 1) assert.ok(hits[0]!.score > hits[1]!.score);
    },
  },
  {
    name: "recall of an empty or unknown bank returns nothing",
    async fn({ store, bank }) {
      await retainAll(store, bank("other"), ["something remembered"]);
      const res = await store.recall({ query: "something remembered", bankId: bank("empty") });
      assert.deepEqual(res.hits, []);
      assert.equal(res.totalAvailable, 0);
      assert.equal(res.truncated, false);
    },
  },
  {
    name: "recall with a tag filter excludes untagged and other tags",
    skipIf: (e) => e.capabilities.supportsTags ? undefined : "engine does not support tags",
    async fn({ store, bank }) {
      const b = bank();
      await store.retain({ content: "project alpha kickoff", bankId: b, tags: ["work"] });
      await store.retain({ content: "project alpha party", bankId: b, tags: ["fun"] });
      await store.retain({ content: "project alpha notes", bankId: b });
      const res = await store.recall({ query: "project alpha", bankId: b, tags: ["work"] });
      assert.deepEqual(texts(res.hits), ["project alpha kickoff"]);
      assert.deepEqual(res.hits[0]?.tags, ["work"]);
      const any = await store.recall({ query: "project alpha", bankId: b, tags: ["work", "fun"] });
      assert.deepEqual(
        new Set(texts(any.hits)),
        new Set(["project alpha kickoff", "project alpha party"]),
      );
    },
  },
  {
    name: "recall with a fact type filter",
    async fn({ store, bank }) {
      const b = bank();
      await store.retain({ content: "the sky is blue", bankId: b, factType: "world" });
      const world = await store.recall({ query: "sky blue", bankId: b, factTypes: ["world"] });
      assert.deepEqual(texts(world.hits), ["the sky is blue"]);
      const exp = await store.recall({ query: "sky blue", bankId: b, factTypes: ["experience"] });
      assert.deepEqual(exp.hits, []);
    },
  },
  {
    name: "recall with a time range is inclusive and excludes undated memories",
    skipIf: (e) =>
      e.capabilities.supportsTemporalSearch ? undefined : "engine does not support time ranges",
    async fn({ store, bank }) {
      const b = bank();
      const at = (d: number) => new Date(Date.UTC(2024, 0, d));
      await store.retain({ content: "meeting early", bankId: b, occurredAt: at(1) });
      await store.retain({ content: "meeting start", bankId: b, occurredAt: at(10) });
      await store.retain({ content: "meeting end", bankId: b, occurredAt: at(20) });
      await store.retain({ content: "meeting late", bankId: b, occurredAt: at(30) });
      await store.retain({ content: "meeting undated", bankId: b });
      const res = await store.recall({
        query: "meeting",
        bankId: b,
        timeRange: { start: at(10), end: at(20) },
      });
      assert.deepEqual(new Set(texts(res.hits)), new Set(["meeting start", "meeting end"]));
      assert.equal(
        res.hits.find((h) => h.text === "meeting start")?.occurredAt?.getTime(),
        at(10).getTime(),
      );
    },
  },
  {
    name: "recall caps hits at maxResults and reports truncation",
    async fn({ store, bank }) {
      const b = bank();
      await retainAll(store, b, [1, 2, 3, 4, 5].map((i) => `apple note ${i}`));
      const cut = await store.recall({ query: "apple note", bankId: b, maxResults: 3 });
      assert.equal(cut.hits.length, 3);
      assert.equal(cut.truncated, true);
      assert.equal(cut.totalAvailable, 5);
      const all = await store.recall({ query: "apple note", bankId: b, maxResults: 10 });
      assert.equal(all.hits.length, 5);
      assert.equal(all.truncated, false);
      for (let i = 1; i < all.hits.length; i++) {
        assert.ok(all.hits[i - 1]!.score >= all.hits[i]!.score, "hits sorted by score");
      }
    },
  },
  {
    name: "recall is isolated between banks",
    async fn({ store, bank }) {
      const a = bank("a");
      const b = bank("b");
      await store.retain({ content: "secret plan alpha", bankId: a });
      await store.retain({ content: "secret plan beta", bankId: b });
      assert.deepEqual(texts((await store.recall({ query: "secret plan", bankId: a })).hits), [
        "secret plan alpha",
      ]);
      assert.deepEqual(texts((await store.recall({ query: "secret plan", bankId: b })).hits), [
        "secret plan beta",
      ]);
    },
  },
  {
    name: "retain and recall are isolated between hostile bank ids",
    async fn({ store }) {
      const banks = Array.from({ length: 8 }, (_, i) => hostileBankId(i));
      for (const [i, b] of banks.entries()) {
        await store.retain({ content: `shared marker ${i}`, bankId: b });
      }
      for (const [i, b] of banks.entries()) {
        const res = await store.recall({ query: "shared marker", bankId: b });
        assert.deepEqual(texts(res.hits), [`shared marker ${i}`], `bank ${b}`);
      }
    },
  },
  {
    name: "retain preserves caller metadata, tags, source and occurredAt",
    skipIf: (e) => e.capabilities.supportsMetadata ? undefined : "engine does not support metadata",
    async fn({ store, bank }) {
      const b = bank();
      const occurredAt = new Date(Date.UTC(2024, 4, 1));
      await store.retain({
        content: "quarterly report filed",
        bankId: b,
        metadata: { team: "finance", priority: 2, urgent: false, note: null },
        tags: ["report"],
        source: "email",
        occurredAt,
      });
      const [hit] = (await store.recall({ query: "quarterly report", bankId: b })).hits;
      assert.ok(hit);
      assert.equal(hit.metadata?.["team"], "finance");
      assert.equal(hit.metadata?.["priority"], 2);
      assert.equal(hit.metadata?.["urgent"], false);
      assert.equal(hit.metadata?.["note"], null);
      assert.deepEqual(hit.tags, ["report"]);
      assert.equal(hit.source, "email");
      assert.equal(hit.occurredAt?.getTime(), occurredAt.getTime());
    },
  },
  {
    name: "parallel retains store every memory with a distinct id",
    async fn({ store, bank }) {
      const b = bank();
      const results = await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) => store.retain({ content: `parallel item ${i}`, bankId: b }),
        ),
      );
      const ids = new Set(results.map((r) => r.memoryId));
      assert.equal(ids.size, 20);
      const res = await store.recall({ query: "parallel item", bankId: b, maxResults: 50 });
      assert.equal(res.hits.length, 20);
      assert.deepEqual(new Set(res.hits.map((h) => h.memoryId)), ids);
    },
  },
  {
    name: "retain rejects an invalid bank id and stores nothing",
    async fn({ store, bank }) {
      await assertRejectsWith(() => store.retain({ content: "x", bankId: "" }), ValidationError);
      await assertRejectsWith(
        () => store.retain({ content: "x", bankId: "b".repeat(256) }),
        ValidationError,
      );
      assert.deepEqual((await store.recall({ query: "x", bankId: bank() })).hits, []);
    },
  },
  {
    name: "reflect synthesises from recalled memories",
    skipIf: noReflect,
    async fn({ store, bank }) {
      const b = bank();
      await retainAll(store, b, ["Calvin prefers dark mode"]);
      const r = await store.reflect({ query: "dark mode", bankId: b });
      assert.ok(r.answer.includes("Calvin prefers dark mode"), r.answer);
      assert.ok(r.sources?.some((s) => s.text === "Calvin prefers dark mode"));
      const other = await store.reflect({ query: "dark mode", bankId: bank("other") });
      assert.ok(!other.answer.includes("Calvin"));
    },
  },
  {
    name: "reflect throws CapabilityNotSupportedError when unsupported",
    skipIf: hasReflect,
    async fn({ store, bank }) {
      await assertRejectsWith(
        () => store.reflect({ query: "q", bankId: bank() }),
        CapabilityNotSupportedError,
      );
    },
  },
  {
    name: "forget with scope all clears only that bank",
    skipIf: noForget,
    async fn({ store, bank }) {
      const a = bank("a");
      const b = bank("b");
      await retainAll(store, a, ["forget me one", "forget me two"]);
      await retainAll(store, b, ["forget me kept"]);
      assert.equal((await store.forget({ bankId: a, scope: "all" })).deletedCount, 2);
      assert.deepEqual((await store.recall({ query: "forget me", bankId: a })).hits, []);
      assert.deepEqual(texts((await store.recall({ query: "forget me", bankId: b })).hits), [
        "forget me kept",
      ]);
      assert.equal((await store.forget({ bankId: a, scope: "all" })).deletedCount, 0);
    },
  },
  {
    name: "forget by memory ids removes only those in the bank",
    skipIf: noForget,
    async fn({ store, bank }) {
      const a = bank("a");
      const b = bank("b");
      const [first] = await retainAll(store, a, ["note red", "note blue"]);
      const [foreign] = await retainAll(store, b, ["note green"]);
      const res = await store.forget({ bankId: a, memoryIds: [first!, foreign!, "missing"] });
      assert.equal(res.deletedCount, 1);
      assert.deepEqual(texts((await store.recall({ query: "note", bankId: a })).hits), [
        "note blue",
      ]);
      assert.deepEqual(texts((await store.recall({ query: "note", bankId: b })).hits), [
        "note green",
      ]);
    },
  },
  {
    name: "forget by tags removes memories with any of them",
    skipIf: noForget,
    async fn({ store, bank }) {
      const b = bank();
      await store.retain({ content: "item temp", bankId: b, tags: ["temp"] });
      await store.retain({ content: "item keep", bankId: b, tags: ["keep"] });
      await store.retain({ content: "item plain", bankId: b });
      assert.equal((await store.forget({ bankId: b, tags: ["temp", "nope"] })).deletedCount, 1);
      assert.deepEqual(
        new Set(texts((await store.recall({ query: "item", bankId: b })).hits)),
        new Set(["item keep", "item plain"]),
      );
    },
  },
  {
    name: "forget by date removes memories that occurred strictly before it",
    skipIf: noForget,
    async fn({ store, bank }) {
      const b = bank();
      const cut = new Date(Date.UTC(2024, 5, 1));
      await store.retain({
        content: "event old",
        bankId: b,
        occurredAt: new Date(Date.UTC(2024, 0, 1)),
      });
      await store.retain({ content: "event boundary", bankId: b, occurredAt: cut });
      await store.retain({ content: "event undated", bankId: b });
      assert.equal((await store.forget({ bankId: b, beforeDate: cut })).deletedCount, 1);
      assert.deepEqual(
        new Set(texts((await store.recall({ query: "event", bankId: b })).hits)),
        new Set(["event boundary", "event undated"]),
      );
    },
  },
  {
    name: "forget combines tags and date with OR",
    skipIf: noForget,
    async fn({ store, bank }) {
      const b = bank();
      const cut = new Date(Date.UTC(2024, 5, 1));
      const old = new Date(Date.UTC(2024, 0, 1));
      await store.retain({ content: "entry tagged", bankId: b, tags: ["x"], occurredAt: cut });
      await store.retain({ content: "entry old", bankId: b, occurredAt: old });
      await store.retain({ content: "entry kept", bankId: b, tags: ["y"], occurredAt: cut });
      const res = await store.forget({ bankId: b, tags: ["x"], beforeDate: cut });
      assert.equal(res.deletedCount, 2);
      assert.deepEqual(texts((await store.recall({ query: "entry", bankId: b })).hits), [
        "entry kept",
      ]);
    },
  },
  {
    name: "forget in an unknown bank or with no selector removes nothing",
    skipIf: noForget,
    async fn({ store, bank }) {
      const b = bank();
      await retainAll(store, b, ["still here"]);
      assert.equal((await store.forget({ bankId: bank("unknown"), scope: "all" })).deletedCount, 0);
      assert.equal((await store.forget({ bankId: b })).deletedCount, 0);
      assert.equal((await store.forget({ bankId: b, tags: ["none"] })).deletedCount, 0);
      assert.deepEqual(texts((await store.recall({ query: "still here", bankId: b })).hits), [
        "still here",
      ]);
    },
  },
  {
    name: "forget throws CapabilityNotSupportedError when unsupported",
    skipIf: hasForget,
    async fn({ store, bank }) {
      const b = bank();
      await retainAll(store, b, ["durable memory"]);
      await assertRejectsWith(
        () => store.forget({ bankId: b, scope: "all" }),
        CapabilityNotSupportedError,
      );
      assert.equal((await store.recall({ query: "durable memory", bankId: b })).hits.length, 1);
    },
  },
];

/** Names of every EngineProvider contract case. */
export const ENGINE_PROVIDER_CASE_NAMES: readonly string[] = cases.map((c) => c.name);

/**
 * The EngineProvider contract suite. `create` receives `{ dimensions }` like every suite;
 * engines that embed internally may ignore it.
 *
 * @example
 * ```ts ignore
 * import { engineProviderContract, registerDenoTests } from "@astrocyte/core/testing";
 * import { createInMemoryEngineProvider } from "@astrocyte/core";
 *
 * registerDenoTests(engineProviderContract({
 *   name: "EngineProvider contract (in-memory)",
 *   create: () => Promise.resolve(createInMemoryEngineProvider()),
 * }));
 * ```
 */
export function engineProviderContract(options: ContractOptions<EngineProvider>): ContractSuite {
  return buildSuite("engineProvider", "EngineProvider contract", options, cases);
}
