/**
 * The VectorStore contract suite: every method and every `spi.md` §2 decision that concerns
 * vector stores, plus counterparts of upstream's vector store tests
 * (`test_spi_vector_store_contract.py`, `TestInMemoryVectorStore`, `TestVectorStoreAsOf`, the
 * session-filter cases).
 *
 * @example
 * ```ts ignore
 * import { registerDenoTests, vectorStoreContract } from "@astrocyte/core/testing";
 * import { createInMemoryVectorStore } from "@astrocyte/core";
 *
 * registerDenoTests(vectorStoreContract({
 *   name: "VectorStore contract (in-memory)",
 *   create: ({ dimensions }) => Promise.resolve(createInMemoryVectorStore({ dimensions })),
 * }));
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { DimensionMismatchError, InvalidVectorError, ValidationError } from "../errors.ts";
import { SPI_FAMILIES } from "../spi/families.ts";
import type {
  VectorFilterCapabilities,
  VectorFilters,
  VectorHit,
  VectorItem,
  VectorStore,
} from "../spi/vector_store.ts";
import { isSupported, type Metadata } from "../types.ts";
import { clampScore, compareIds } from "../util/validate.ts";
import {
  NEGATIVE_ZERO_METADATA,
  NEGATIVE_ZERO_METADATA_STORED,
  storedValueCases,
  stringRuleCases,
} from "./_contract_helpers.ts";
import { assertClose, assertRejectsWith, cosine, oneHot, seededVector } from "./fixtures.ts";
import {
  buildSuite,
  type CaseContext,
  type CaseDefinition,
  type ContractOptions,
  type ContractSuite,
  hostileBankId,
} from "./harness.ts";

type Ctx = CaseContext<VectorStore>;
type Def = CaseDefinition<VectorStore>;
type Extra = Omit<Partial<VectorItem>, "id" | "bankId" | "vector">;

const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function item(id: string, bankId: string, vector: number[], extra: Extra = {}): VectorItem {
  return { id, bankId, vector, text: `text of ${id}`, ...extra };
}

function idsOf(hits: readonly { id: string }[]): string[] {
  return hits.map((h) => h.id);
}

function sortedIds(hits: readonly { id: string }[]): string[] {
  return idsOf(hits).sort(compareIds);
}

/** A vector with mixed signs (so some cosines are negative). */
function signedVector(d: number, seed: number): number[] {
  return seededVector(d, seed).map((x) => x - 0.5);
}

/** A vector within a small angle of `oneHot(d, 0)` (cosine ≥ 0.998 with it). */
function nearVector(d: number, seed: number): number[] {
  const k = 0.05 / Math.sqrt(Math.max(1, d - 1));
  return seededVector(d, seed).map((x, j) => (j === 0 ? 1 : x * k));
}

/** A vector far from `oneHot(d, 0)` but still with a positive cosine (≤ 0.37). */
function farVector(d: number, seed: number): number[] {
  return seededVector(d, seed).map((x, j) => (j === 0 ? 0.2 : 0.5 + 0.5 * x));
}

/** Every item of the bank, page by page. */
async function listAll(store: VectorStore, bankId: string, pageSize = 500): Promise<VectorItem[]> {
  const out: VectorItem[] = [];
  for (let offset = 0;; offset += pageSize) {
    const page = await store.listVectors(bankId, { offset, limit: pageSize });
    out.push(...page);
    if (page.length < pageSize) return out;
    assert.ok(offset < 1_000_000, "listVectors never returned a short page");
  }
}

/** Assert hits are in the SPI order: score descending, ties by id ascending. */
function assertHitOrder(hits: readonly VectorHit[], what = "hits"): void {
  for (let i = 1; i < hits.length; i++) {
    const a = hits[i - 1]!;
    const b = hits[i]!;
    assert.ok(
      a.score > b.score || (a.score === b.score && a.id < b.id),
      `${what}: ${a.id} (${a.score}) must come after ${b.id} (${b.score}); ` +
        "order is score descending, ties by id ascending",
    );
  }
}

function assertScoreRange(hits: readonly VectorHit[]): void {
  for (const h of hits) {
    assert.ok(
      typeof h.score === "number" && h.score >= 0 && h.score <= 1,
      `score of ${h.id} must be in [0, 1], got ${h.score}`,
    );
  }
}

function assertVectorClose(actual: readonly number[], expected: readonly number[], what: string) {
  assert.ok(Array.isArray(actual), `${what}: vector must be an array`);
  assert.equal(actual.length, expected.length, `${what}: vector length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    assert.ok(
      Math.abs(actual[i]! - e) <= 1e-6 * Math.max(1, Math.abs(e)),
      `${what}: vector[${i}] expected ${e} (float32 precision), got ${actual[i]}`,
    );
  }
}

const OPTIONAL_FIELDS = [
  "metadata",
  "tags",
  "factType",
  "occurredAt",
  "memoryLayer",
  "retainedAt",
  "chunkId",
] as const;

/** Assert text and every optional field round-tripped (absent ones must be `undefined`). */
function assertFields(actual: VectorHit | VectorItem, expected: VectorItem, what: string): void {
  assert.equal(actual.id, expected.id, `${what}: id`);
  assert.equal(actual.text, expected.text, `${what}: text`);
  for (const field of OPTIONAL_FIELDS) {
    const e = expected[field];
    if (e === undefined) {
      assert.equal(actual[field], undefined, `${what}: absent ${field} must be undefined`);
    } else {
      assert.deepStrictEqual(actual[field], e, `${what}: ${field} must round-trip`);
    }
  }
}

function skipUnlessFilter(field: keyof VectorFilterCapabilities) {
  return (store: VectorStore): string | undefined => {
    const cap = store.capabilities.filters[field];
    return isSupported(cap)
      ? undefined
      : `filter ${field} is not supported: ${cap?.reason ?? "not declared"}`;
  };
}

async function search(
  ctx: Ctx,
  query: number[],
  bankId: string,
  filters?: VectorFilters,
  limit = 50,
): Promise<VectorHit[]> {
  const hits = await ctx.store.searchSimilar(
    query,
    bankId,
    filters ? { limit, filters } : { limit },
  );
  assertScoreRange(hits);
  assertHitOrder(hits);
  return hits;
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

function interfaceCases(): Def[] {
  return [
    {
      name:
        "interface: every VectorStore method exists (upstream test_isinstance_vector_store_protocol)",
      fn({ store }) {
        for (const m of SPI_FAMILIES.vectorStore.requiredMethods) {
          assert.equal(
            typeof (store as unknown as Record<string, unknown>)[m],
            "function",
            `missing method ${m}`,
          );
        }
        assert.equal(typeof store[Symbol.asyncDispose], "function", "missing asyncDispose");
        return Promise.resolve();
      },
    },
    {
      name: "capabilities: well formed, every unsupported capability carries a reason",
      async fn({ store, dimensions, bank }) {
        const check = () => {
          const c = store.capabilities;
          assert.ok(c.consistency === "strong" || c.consistency === "eventual", "consistency");
          assert.equal(typeof c.persistent, "boolean", "persistent");
          assert.equal(c.metric, "cosine", "metric");
          assert.ok(
            c.maxBatchSize === null || (Number.isInteger(c.maxBatchSize) && c.maxBatchSize > 0),
            "maxBatchSize must be null or a positive integer",
          );
          assert.ok(
            c.dimensions === null || c.dimensions === dimensions,
            `dimensions must be null or ${dimensions}, got ${c.dimensions}`,
          );
          const caps: [string, unknown][] = [
            ["atomicBatches", c.atomicBatches],
            ...Object.entries(c.filters),
          ];
          const fields = ["tags", "factTypes", "timeRange", "asOf", "sessionId", "metadataFilters"];
          for (const f of fields) assert.ok(f in c.filters, `filters.${f} must be declared`);
          for (const [name, cap] of caps) {
            if (cap === true) continue;
            const u = cap as { supported?: unknown; reason?: unknown };
            assert.ok(
              u !== null && typeof u === "object" && u.supported === false &&
                typeof u.reason === "string" && u.reason.length > 0,
              `capability ${name} must be true or unsupported("reason")`,
            );
          }
        };
        check();
        await store.storeVectors([item("a", bank(), seededVector(dimensions, 1))]);
        check();
      },
    },
    {
      name: "health: healthy (upstream test_health_returns_status)",
      async fn({ store }) {
        const h = await store.health();
        assert.equal(h.healthy, true, `health: ${h.message ?? ""}`);
        if (h.message !== undefined) assert.equal(typeof h.message, "string");
        if (h.latencyMs !== undefined) assert.ok(h.latencyMs >= 0);
      },
    },
    {
      name: "close: idempotent, asyncDispose works, health never throws after close",
      async fn({ createStore }) {
        const s = await createStore();
        await s.close();
        await s.close();
        await s[Symbol.asyncDispose]();
        const h = await s.health();
        assert.equal(typeof h.healthy, "boolean");
      },
    },
    {
      name: "missing means empty: unknown bank gives [] / 0 on every method",
      async fn({ store, bank, dimensions }) {
        await store.storeVectors([item("a", bank("other"), seededVector(dimensions, 1))]);
        const unknown = bank("never-written");
        assert.deepStrictEqual(await store.searchSimilar(seededVector(dimensions, 1), unknown), []);
        assert.deepStrictEqual(await store.listVectors(unknown), []);
        assert.equal(await store.delete(["a"], unknown), 0);
        assert.equal(await store.deleteBank(unknown), 0);
        assert.equal((await store.listVectors(bank("other"))).length, 1);
      },
    },
  ];
}

function storeCases(largeBatchSize: number): Def[] {
  return [
    {
      name: "storeVectors: empty input returns [] (upstream test_store_empty_returns_empty_ids)",
      async fn({ store, bank }) {
        assert.deepStrictEqual(await store.storeVectors([]), []);
        assert.deepStrictEqual(await store.listVectors(bank()), []);
      },
    },
    {
      name:
        "storeVectors: ids in input order, exact match first with score 1 (upstream test_store_and_search)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const items = ["m3", "m1", "m2"].map((id, i) => item(id, bank(), seededVector(d, i + 1)));
        assert.deepStrictEqual(await store.storeVectors(items), ["m3", "m1", "m2"]);
        const hits = await search(ctx, seededVector(d, 2), bank());
        assert.equal(hits.length, 3);
        assert.equal(hits[0]!.id, "m1");
        assertClose(hits[0]!.score, 1, 1e-4, "exact match score");
        assert.equal(hits[0]!.text, "text of m1");
      },
    },
    {
      name:
        "round trip: store, search, delete, list (upstream test_roundtrip_store_search_delete_list)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const v = seededVector(d, 7);
        assert.deepStrictEqual(
          await store.storeVectors([item("v1", bank(), v, { tags: ["t1", "t2"] })]),
          ["v1"],
        );
        assert.deepStrictEqual(idsOf(await search(ctx, v, bank())), ["v1"]);
        assert.equal(await store.delete(["v1"], bank()), 1);
        assert.deepStrictEqual(await store.searchSimilar(v, bank()), []);
        assert.deepStrictEqual(await store.listVectors(bank()), []);
      },
    },
    {
      name:
        "round trip: vector values within float32 precision at the configured dimension (upstream single-element / large vector cases)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const special = [0.1, -0.333333, 1e-3, 123.456, -7, 1e-7, 0.5, 3];
        const v = Array.from({ length: d }, (_, i) => special[i % special.length]! * (1 + i));
        await store.storeVectors([item("v", bank(), v)]);
        const [listed] = await store.listVectors(bank());
        assert.ok(listed, "stored item must be listed");
        assert.equal(listed.bankId, bank());
        assertVectorClose(listed.vector, v, "listed vector");
        const hits = await search(ctx, v, bank());
        assertClose(hits[0]!.score, 1, 1e-4, "self-similarity");
      },
    },
    {
      name:
        "round trip: every stored field on hits and on listVectors (upstream test_search_preserves_metadata)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const full = item("full", bank(), seededVector(d, 1), {
          text: `Zoë says "hi" — 🧠 'quoted' %_ \\ and a\nnewline`,
          metadata: {
            source: "chat",
            n: 42,
            pi: 3.25,
            neg: -1,
            flag: true,
            off: false,
            none: null,
            "a.b": "dot",
            "it's": 'O\'Brien "x" %_',
            "ключ": "значение",
          },
          tags: ["x", "y z", "ünï"],
          factType: "world",
          occurredAt: new Date("2024-02-29T12:34:56.789Z"),
          memoryLayer: "fact",
          retainedAt: new Date("2024-03-01T00:00:00.001Z"),
          chunkId: "chunk-1",
        });
        const bare = item("bare", bank(), seededVector(d, 2));
        await store.storeVectors([full, bare]);
        const hits = await search(ctx, seededVector(d, 1), bank());
        assert.equal(hits.length, 2);
        const byId = new Map(hits.map((h) => [h.id, h]));
        assertFields(byId.get("full")!, full, "hit full");
        assertFields(byId.get("bare")!, bare, "hit bare");
        const listed = await store.listVectors(bank());
        assert.deepStrictEqual(idsOf(listed), ["bare", "full"]);
        assertFields(listed[0]!, bare, "listed bare");
        assertFields(listed[1]!, full, "listed full");
        for (const it of listed) assert.equal(it.bankId, bank(), "listed bankId");
        assertVectorClose(listed[1]!.vector, full.vector, "listed full");
      },
    },
    {
      name: "copies: mutating inputs after storing or returned objects never changes the store",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const v = seededVector(d, 3);
        const occurredAt = new Date("2024-01-02T03:04:05.006Z");
        const retainedAt = new Date("2024-01-03T00:00:00.000Z");
        const input = item("m", bank(), [...v], {
          metadata: { k: "v" },
          tags: ["t"],
          occurredAt,
          retainedAt,
        });
        const expected = structuredClone(input);
        await store.storeVectors([input]);
        input.metadata!["k"] = "changed";
        input.tags!.push("extra");
        input.vector[0] = 999;
        input.text = "changed";
        occurredAt.setTime(0);
        retainedAt.setTime(0);
        const [first] = await store.listVectors(bank());
        assertFields(first!, expected, "after mutating the input");
        assertVectorClose(first!.vector, v, "after mutating the input");
        first!.metadata!["k"] = "mutated";
        first!.tags!.push("mutated");
        first!.vector[0] = -999;
        first!.occurredAt!.setTime(1);
        const [hit] = await store.searchSimilar(v, bank());
        hit!.metadata!["k"] = "mutated";
        hit!.tags!.push("mutated");
        hit!.retainedAt!.setTime(1);
        const [again] = await store.listVectors(bank());
        assertFields(again!, expected, "after mutating returned objects");
        assertVectorClose(again!.vector, v, "after mutating returned objects");
        const [hit2] = await store.searchSimilar(v, bank());
        assertFields(hit2!, expected, "hit after mutating returned objects");
      },
    },
    {
      name: "upsert: same id overwrites, one row (upstream test_upsert_overwrites)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        await store.storeVectors([item("u", bank(), seededVector(d, 1), { text: "v1" })]);
        await store.storeVectors([
          item("u", bank(), seededVector(d, 2), { text: "v2", tags: ["new"] }),
        ]);
        const listed = await store.listVectors(bank());
        assert.equal(listed.length, 1);
        assert.equal(listed[0]!.text, "v2");
        assert.deepStrictEqual(listed[0]!.tags, ["new"]);
        assertVectorClose(listed[0]!.vector, seededVector(d, 2), "upserted vector");
        const hits = await search(ctx, seededVector(d, 2), bank());
        assert.equal(hits.length, 1);
        assert.equal(hits[0]!.text, "v2");
        assertClose(hits[0]!.score, 1, 1e-4, "upserted vector is searched");
      },
    },
    {
      name: "upsert: duplicate ids in one call, the last one wins",
      async fn({ store, bank, dimensions: d }) {
        const ids = await store.storeVectors([
          item("x", bank(), seededVector(d, 1), { text: "first" }),
          item("y", bank(), seededVector(d, 3)),
          item("x", bank(), seededVector(d, 2), { text: "second" }),
        ]);
        assert.deepStrictEqual(ids, ["x", "y", "x"]);
        const listed = await store.listVectors(bank());
        assert.deepStrictEqual(idsOf(listed), ["x", "y"]);
        assert.equal(listed[0]!.text, "second");
        assertVectorClose(listed[0]!.vector, seededVector(d, 2), "last write");
      },
    },
    {
      name: "concurrency: parallel upserts of the same ids converge to one whole record each",
      async fn({ store, bank, dimensions: d }) {
        const writers = 8;
        const n = 20;
        const seed = (w: number, i: number) => 1000 * (w + 1) + i;
        await Promise.all(
          Array.from({ length: writers }, (_, w) =>
            store.storeVectors(
              Array.from({ length: n }, (_, i) =>
                item(`id-${String(i).padStart(2, "0")}`, bank(), seededVector(d, seed(w, i)), {
                  text: `w${w}-i${i}`,
                  metadata: { w },
                })),
            )),
        );
        const all = await listAll(store, bank());
        assert.equal(all.length, n, "one record per id");
        for (const it of all) {
          const m = /^w(\d+)-i(\d+)$/.exec(it.text);
          assert.ok(m, `text ${it.text}`);
          const w = Number(m[1]);
          const i = Number(m[2]);
          assert.equal(it.id, `id-${String(i).padStart(2, "0")}`);
          assert.deepStrictEqual(it.metadata, { w }, `${it.id}: metadata from the same write`);
          assertVectorClose(it.vector, seededVector(d, seed(w, i)), `${it.id}: same write`);
        }
        // parallel writes of distinct ids all land
        await Promise.all(
          Array.from(
            { length: writers },
            (_, w) => store.storeVectors([item(`solo-${w}`, bank("solo"), seededVector(d, w + 1))]),
          ),
        );
        assert.equal((await listAll(store, bank("solo"))).length, writers);
      },
    },
    {
      name: `large batch: options.largeBatchSize items in one call, all listed`,
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const n = largeBatchSize;
        const width = String(n).length;
        const items = Array.from(
          { length: n },
          (_, i) => item(`item-${String(i).padStart(width, "0")}`, bank(), seededVector(d, i + 1)),
        );
        const ids = await store.storeVectors(items);
        assert.deepStrictEqual(ids, items.map((it) => it.id));
        const all = await listAll(store, bank());
        assert.equal(all.length, n);
        assert.deepStrictEqual(idsOf(all), items.map((it) => it.id));
        assert.equal((await store.listVectors(bank())).length, Math.min(100, n), "default 100");
        const probe = items[Math.floor(n / 2)]!;
        const hits = await search(ctx, probe.vector, bank(), undefined, 10);
        assert.equal(hits.length, Math.min(10, n));
        assert.equal(hits[0]!.id, probe.id);
      },
    },
  ];
}

function validationCases(): Def[] {
  type Bad = {
    name: string;
    make: (d: number, bankId: string) => unknown;
    error: Parameters<typeof assertRejectsWith>[1];
  };
  const withAt = (d: number, x: unknown) => {
    const v: unknown[] = seededVector(d, 9);
    v[Math.floor(d / 2)] = x;
    return v;
  };
  const bads: Bad[] = [
    {
      name: "NaN component",
      make: (d, b) => item("bad", b, withAt(d, NaN) as number[]),
      error: InvalidVectorError,
    },
    {
      name: "Infinity component",
      make: (d, b) => item("bad", b, withAt(d, Infinity) as number[]),
      error: InvalidVectorError,
    },
    {
      name: "-Infinity component",
      make: (d, b) => item("bad", b, withAt(d, -Infinity) as number[]),
      error: InvalidVectorError,
    },
    {
      name: "non-number component",
      make: (d, b) => item("bad", b, withAt(d, "0.5") as number[]),
      error: InvalidVectorError,
    },
    {
      name: "empty vector",
      make: (_d, b) => item("bad", b, []),
      error: InvalidVectorError,
    },
    {
      name: "wrong dimension (dimensions + 1)",
      make: (d, b) => item("bad", b, seededVector(d + 1, 9)),
      error: DimensionMismatchError,
    },
    {
      name: "wrong dimension (dimensions - 1)",
      make: (d, b) => item("bad", b, seededVector(d - 1, 9)),
      error: DimensionMismatchError,
    },
    {
      name: "non-array vector",
      make: (_d, b) => item("bad", b, "0.1,0.2" as unknown as number[]),
      error: InvalidVectorError,
    },
    {
      name: "null vector",
      make: (_d, b) => item("bad", b, null as unknown as number[]),
      error: InvalidVectorError,
    },
    {
      name: "empty id",
      make: (d, b) => item("", b, seededVector(d, 9)),
      error: ValidationError,
    },
    {
      name: "empty bank id",
      make: (d) => item("bad", "", seededVector(d, 9)),
      error: ValidationError,
    },
  ];
  const cases: Def[] = bads.map((bad) => ({
    name: `validation: ${bad.name} fails the whole call, nothing written`,
    async fn(ctx: Ctx) {
      const { store, bank, dimensions: d } = ctx;
      const keep = item("keep", bank(), seededVector(d, 1), { text: "original" });
      await store.storeVectors([keep]);
      await assertRejectsWith(
        () =>
          store.storeVectors([
            item("new-1", bank(), seededVector(d, 2)),
            item("keep", bank(), seededVector(d, 3), { text: "changed" }),
            bad.make(d, bank()) as VectorItem,
            item("new-2", bank(), seededVector(d, 4)),
          ]),
        bad.error,
      );
      const listed = await store.listVectors(bank());
      assert.deepStrictEqual(idsOf(listed), ["keep"], "nothing from the failed call is listed");
      assert.equal(listed[0]!.text, "original", "the existing item is not overwritten");
      assertVectorClose(listed[0]!.vector, keep.vector, "existing vector unchanged");
      const hits = await search(ctx, seededVector(d, 2), bank());
      assert.deepStrictEqual(idsOf(hits), ["keep"], "nothing from the failed call is searchable");
      assert.equal(hits[0]!.text, "original");
    },
  }));
  cases.push({
    name: "validation: searchSimilar rejects a query of the wrong length, NaN or empty",
    async fn({ store, bank, dimensions: d }) {
      await store.storeVectors([item("a", bank(), seededVector(d, 1))]);
      await assertRejectsWith(
        () => store.searchSimilar(seededVector(d + 1, 1), bank()),
        DimensionMismatchError,
      );
      await assertRejectsWith(
        () => store.searchSimilar(withAt(d, NaN) as number[], bank()),
        InvalidVectorError,
      );
      await assertRejectsWith(() => store.searchSimilar([], bank()), InvalidVectorError);
    },
  });
  return cases;
}

/** Core's input rules (core/README.md): portable strings and bounded vector norms. */
function inputRuleCases(): Def[] {
  const cases = stringRuleCases<VectorStore>({
    async seed({ store, dimensions: d }, b) {
      await store.storeVectors([
        item("keep", b, seededVector(d, 1), {
          text: "original",
          tags: ["t"],
          metadata: { k: "v" },
        }),
      ]);
    },
    snapshot: ({ store }, b) => listAll(store, b),
    writes({ store, dimensions: d }, b, bad) {
      const v = seededVector(d, 2);
      const w = (extra: Partial<VectorItem>) => () =>
        store.storeVectors([{ ...item("keep", b, v), ...extra }]);
      return {
        "storeVectors id": w({ id: `keep${bad}` }),
        "storeVectors text": w({ text: bad }),
        "storeVectors tag": w({ tags: ["t", bad] }),
        "storeVectors metadata value": w({ metadata: { k: bad } }),
        "storeVectors metadata key": w({ metadata: { [`k${bad}`]: "v" } }),
        "storeVectors factType": w({ factType: bad }),
        "storeVectors memoryLayer": w({ memoryLayer: bad }),
        "storeVectors chunkId": w({ chunkId: bad }),
        "storeVectors second item": () =>
          store.storeVectors([item("new", b, v), item(`new${bad}`, b, v)]),
        "storeVectors bank id of the second item": () =>
          store.storeVectors([item("new", b, v), item("new", `${b}${bad}`, v)]),
        "delete ids": () => store.delete(["keep", `keep${bad}`], b),
      };
    },
    reads({ store, dimensions: d }, b, bad) {
      const q = seededVector(d, 1);
      const s = (filters: VectorFilters) => () => store.searchSimilar(q, b, { limit: 5, filters });
      return {
        "searchSimilar tags filter": s({ tags: [bad] }),
        "searchSimilar factTypes filter": s({ factTypes: [bad] }),
        "searchSimilar sessionId filter": s({ sessionId: bad }),
        "searchSimilar metadata filter value": s({ metadataFilters: { k: bad } }),
        "searchSimilar metadata filter key": s({ metadataFilters: { [`k${bad}`]: "v" } }),
      };
    },
    everyMethod({ store, dimensions: d }, b) {
      const v = seededVector(d, 1);
      return {
        storeVectors: () => store.storeVectors([item("a", b, v)]),
        searchSimilar: () => store.searchSimilar(v, b),
        delete: () => store.delete(["a"], b),
        listVectors: () => store.listVectors(b),
        deleteBank: () => store.deleteBank(b),
      };
    },
    idCalls: ({ store }, b, id) => ({
      "delete [id]": () => store.delete([id], b),
      "delete [seeded id, id]": () => store.delete(["keep", id], b),
    }),
    countCalls({ store, dimensions: d }, b, n) {
      const q = seededVector(d, 1);
      return {
        "searchSimilar limit": () => store.searchSimilar(q, b, { limit: n }),
        "searchSimilar limit, filtered": () =>
          store.searchSimilar(q, b, { limit: n, filters: { tags: ["t"] } }),
        "listVectors limit": () => store.listVectors(b, { limit: n }),
        "listVectors offset": () => store.listVectors(b, { offset: n }),
        "listVectors offset and limit": () => store.listVectors(b, { offset: n, limit: n }),
      };
    },
  });
  cases.push({
    name: "input rule: a vector norm outside [2^-30, 2^30] is an InvalidVectorError (stored " +
      "and query), nothing written; zero vectors and norms inside the range are accepted",
    async fn(ctx) {
      const { store, bank, dimensions: d } = ctx;
      const b = bank();
      await store.storeVectors([item("keep", b, seededVector(d, 1))]);
      const fill = (x: number) => new Array<number>(d).fill(x);
      const bads: [string, number[]][] = [
        ["huge norm (every component 1e9)", fill(1e9)],
        ["largest float32 component", seededVector(d, 3).map((x, i) => (i === 0 ? 3.4e38 : x))],
        ["norm just above 2^30", oneHot(d, 0).map((x) => x * 2 ** 30 * 1.001)],
        ["tiny norm (every component 1e-12)", fill(1e-12)],
        ["all components 1e-30", fill(1e-30)],
        ["norm just below 2^-30", oneHot(d, 1).map((x) => x * 2 ** -30 * 0.999)],
      ];
      for (const [name, v] of bads) {
        await assertRejectsWith(
          () => store.storeVectors([item("new", b, seededVector(d, 2)), item("bad", b, v)]),
          InvalidVectorError,
          "norm",
        ).catch((e) => assert.fail(`stored vector, ${name}: ${e.message}`));
        await assertRejectsWith(() => store.searchSimilar(v, b), InvalidVectorError, "norm")
          .catch((e) => assert.fail(`query vector, ${name}: ${e.message}`));
      }
      assert.deepStrictEqual(idsOf(await store.listVectors(b)), ["keep"], "nothing written");
      // Accepted: the zero vector, and norms of 2^29 and 2^-29 (inside the range).
      const big = oneHot(d, 0).map((x) => x * 2 ** 29);
      const small = oneHot(d, 1).map((x) => x * 2 ** -29);
      const zero = fill(0);
      await store.storeVectors([
        item("big", b, big),
        item("small", b, small),
        item("zero", b, zero),
      ]);
      const listed = await store.listVectors(b);
      assert.deepStrictEqual(idsOf(listed), ["big", "keep", "small", "zero"]);
      assertVectorClose(listed[0]!.vector, big, "big");
      assertVectorClose(listed[3]!.vector, zero, "zero");
      const hBig = await search(ctx, big, b);
      assert.equal(hBig[0]!.id, "big");
      assertClose(hBig[0]!.score, 1, 1e-4, "score of a norm-2^29 vector with itself");
      const hSmall = await search(ctx, small, b);
      assert.equal(hSmall[0]!.id, "small");
      assertClose(hSmall[0]!.score, 1, 1e-4, "score of a norm-2^-29 vector with itself");
      for (const h of hBig) if (h.id === "zero") assertClose(h.score, 0, 1e-4, "zero vector");
      for (const h of await search(ctx, zero, b)) {
        assertClose(h.score, 0, 1e-4, `score of ${h.id} for a zero query`);
      }
    },
  });
  return cases;
}

function scoreCases(): Def[] {
  return [
    {
      name: "scores: in [0, 1] and equal to max(0, cos) within 1e-4, the true top k",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const items = [
          ...Array.from({ length: 12 }, (_, i) => item(`p${i}`, bank(), seededVector(d, i + 1))),
          ...Array.from({ length: 12 }, (_, i) => item(`s${i}`, bank(), signedVector(d, i + 50))),
        ];
        await store.storeVectors(items);
        const q = signedVector(d, 999);
        const expected = new Map(items.map((it) => [it.id, clampScore(cosine(q, it.vector))]));
        const all = await search(ctx, q, bank(), undefined, items.length);
        assert.equal(all.length, items.length);
        assert.deepStrictEqual(sortedIds(all), [...expected.keys()].sort(compareIds));
        for (const h of all) {
          assertClose(h.score, expected.get(h.id)!, 1e-4, `score of ${h.id}`);
        }
        for (const k of [1, 3, 5]) {
          const top = await search(ctx, q, bank(), undefined, k);
          assert.equal(top.length, k);
          const returned = new Set(idsOf(top));
          const worstIn = Math.min(...top.map((h) => expected.get(h.id)!));
          for (const [id, s] of expected) {
            if (!returned.has(id)) {
              assert.ok(s <= worstIn + 1e-4, `top ${k} misses ${id} (score ${s} > ${worstIn})`);
            }
          }
        }
        const self = await search(ctx, items[14]!.vector, bank(), undefined, 1);
        assert.equal(self[0]!.id, items[14]!.id);
        assertClose(self[0]!.score, 1, 1e-4, "exact match");
      },
    },
    {
      name: "scores: opposite and orthogonal vectors score 0, never negative",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const q = oneHot(d, 0);
        await store.storeVectors([
          item("same", bank(), q),
          item("opposite", bank(), q.map((x) => -x)),
          item("orthogonal", bank(), oneHot(d, 1)),
          item("mostly-opposite", bank(), signedVector(d, 3).map((x, j) => (j === 0 ? -2 : x))),
        ]);
        const hits = await search(ctx, q, bank());
        assert.equal(hits.length, 4);
        assert.equal(hits[0]!.id, "same");
        assertClose(hits[0]!.score, 1, 1e-4, "same");
        for (const h of hits.slice(1)) {
          assert.ok(h.score >= 0, `${h.id} score must not be negative: ${h.score}`);
          assertClose(h.score, 0, 1e-4, h.id);
        }
      },
    },
    {
      name: "scores: all-negative cosines tie at 0 and are ordered by id",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const q = seededVector(d, 1);
        const ids = ["m", "B", "a", "Z", "_", "a1"];
        await store.storeVectors(
          ids.map((id, i) => item(id, bank(), seededVector(d, i + 10).map((x) => -x))),
        );
        const hits = await search(ctx, q, bank());
        assert.deepStrictEqual(idsOf(hits), [...ids].sort(compareIds));
        for (const h of hits) assert.equal(h.score, 0, `${h.id} clamps to exactly 0`);
      },
    },
    {
      name: "sorting: score descending, ties broken by id ascending (code-unit order)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const t = seededVector(d, 1);
        const q = seededVector(d, 2);
        const tieIds = ["delta", "Bravo", "alpha", "Charlie", "_under", "écho"];
        await store.storeVectors([
          item("zz-low", bank(), oneHot(d, 1)),
          ...tieIds.map((id, i) =>
            item(id, bank(), t.map((x) => x * (i % 3 === 0 ? 1 : i % 3 === 1 ? 2 : 0.5)))
          ),
          item("zz-best", bank(), q),
        ]);
        const hits = await search(ctx, q, bank());
        const expectedTies = [...tieIds].sort(compareIds);
        assert.deepStrictEqual(idsOf(hits), ["zz-best", ...expectedTies, "zz-low"]);
        const tieScores = new Set(hits.slice(1, 1 + tieIds.length).map((h) => h.score));
        assert.equal(tieScores.size, 1, "equal-direction vectors score the same");
        const cut = await search(ctx, q, bank(), undefined, 3);
        assert.deepStrictEqual(idsOf(cut), ["zz-best", ...expectedTies.slice(0, 2)]);
      },
    },
    {
      name: "limit: respected, default 10 (upstream test_search_limit)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        await store.storeVectors(
          Array.from({ length: 15 }, (_, i) => item(`i${i}`, bank(), seededVector(d, i + 1))),
        );
        const q = seededVector(d, 3);
        assert.equal((await store.searchSimilar(q, bank())).length, 10, "default limit");
        assert.equal((await search(ctx, q, bank(), undefined, 1)).length, 1);
        assert.equal((await search(ctx, q, bank(), undefined, 3)).length, 3);
        assert.equal((await search(ctx, q, bank(), undefined, 100)).length, 15);
        assert.deepStrictEqual(await store.searchSimilar(q, bank(), { limit: 0 }), []);
      },
    },
  ];
}

function filterCases(): Def[] {
  const q = (d: number) => oneHot(d, 0);
  /** Store items near the query so every one would be returned without filters. */
  const storeNear = async (ctx: Ctx, extras: Record<string, Extra>): Promise<void> => {
    const d = ctx.dimensions;
    await ctx.store.storeVectors(
      Object.entries(extras).map(([id, extra], i) =>
        item(id, ctx.bank(), nearVector(d, i + 1), extra)
      ),
    );
    const all = await search(ctx, q(d), ctx.bank(), undefined, 100);
    assert.equal(all.length, Object.keys(extras).length, "unfiltered search returns all");
  };
  const expectIds = async (ctx: Ctx, filters: VectorFilters, ids: string[]) => {
    const hits = await search(ctx, q(ctx.dimensions), ctx.bank(), filters, 100);
    assert.deepStrictEqual(
      sortedIds(hits),
      [...ids].sort(compareIds),
      `filters ${JSON.stringify(filters, (_k, v) => (v === undefined ? "<undefined>" : v))}`,
    );
  };
  const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
  return [
    // --- tags
    {
      name: "filter tags: keeps only the matching tag (upstream test_search_respects_tag_filter)",
      skipIf: skipUnlessFilter("tags"),
      async fn(ctx) {
        await storeNear(ctx, { x1: { tags: ["keep"] }, x2: { tags: ["drop"] } });
        await expectIds(ctx, { tags: ["keep"] }, ["x1"]);
      },
    },
    {
      name: "filter tags: any overlap, case-sensitive, untagged and empty-tag items excluded",
      skipIf: skipUnlessFilter("tags"),
      async fn(ctx) {
        await storeNear(ctx, {
          red: { tags: ["red"] },
          both: { tags: ["red", "blue"] },
          blue: { tags: ["blue"] },
          empty: { tags: [] },
          untagged: {},
          upper: { tags: ["Red"] },
          hostile: { tags: [`it's "x" %_ ,{}`] },
        });
        await expectIds(ctx, { tags: ["red"] }, ["red", "both"]);
        await expectIds(ctx, { tags: ["red", "blue"] }, ["red", "both", "blue"]);
        await expectIds(ctx, { tags: ["Red"] }, ["upper"]);
        await expectIds(ctx, { tags: ["green"] }, []);
        await expectIds(ctx, { tags: [`it's "x" %_ ,{}`] }, ["hostile"]);
      },
    },
    // --- factTypes
    {
      name:
        "filter factTypes: membership, items without a fact type excluded (upstream test_search_with_fact_type_filter)",
      skipIf: skipUnlessFilter("factTypes"),
      async fn(ctx) {
        await storeNear(ctx, {
          w: { factType: "world" },
          e: { factType: "experience" },
          o: { factType: "observation" },
          none: {},
        });
        await expectIds(ctx, { factTypes: ["world"] }, ["w"]);
        await expectIds(ctx, { factTypes: ["world", "observation"] }, ["w", "o"]);
        await expectIds(ctx, { factTypes: ["opinion"] }, []);
      },
    },
    // --- timeRange
    {
      name: "filter timeRange: inclusive on occurredAt, items without it excluded",
      skipIf: skipUnlessFilter("timeRange"),
      async fn(ctx) {
        const t0 = new Date("2023-12-31T23:59:59.999Z");
        const t1 = new Date("2024-01-01T00:00:00.000Z");
        const t2 = new Date("2024-06-15T12:00:00.000Z");
        const t3 = new Date("2024-12-31T23:59:59.999Z");
        const t4 = new Date("2025-01-01T00:00:00.000Z");
        await storeNear(ctx, {
          t0: { occurredAt: t0 },
          t1: { occurredAt: t1 },
          t2: { occurredAt: t2 },
          t3: { occurredAt: t3 },
          t4: { occurredAt: t4 },
          none: {},
        });
        await expectIds(ctx, { timeRange: { start: t1, end: t3 } }, ["t1", "t2", "t3"]);
        await expectIds(ctx, { timeRange: { start: t2, end: t2 } }, ["t2"]);
        await expectIds(ctx, {
          timeRange: { start: new Date(t1.getTime() + 1), end: new Date(t3.getTime() - 1) },
        }, ["t2"]);
        await expectIds(ctx, {
          timeRange: { start: new Date("2020-01-01"), end: new Date("2020-12-31") },
        }, []);
      },
    },
    // --- asOf (upstream TestVectorStoreAsOf)
    {
      name: "filter asOf: no filter returns all (upstream test_no_filter_returns_all)",
      async fn(ctx) {
        await storeNear(ctx, {
          m1: { retainedAt: daysAgo(10) },
          m2: { retainedAt: daysAgo(1) },
        });
        await expectIds(ctx, {}, ["m1", "m2"]);
      },
    },
    {
      name:
        "filter asOf: excludes items retained later (upstream test_as_of_excludes_future_items)",
      skipIf: skipUnlessFilter("asOf"),
      async fn(ctx) {
        await storeNear(ctx, {
          "m-past": { retainedAt: daysAgo(5) },
          "m-future": { retainedAt: daysAgo(-1) },
        });
        await expectIds(ctx, { asOf: new Date() }, ["m-past"]);
      },
    },
    {
      name: "filter asOf: a point in the past (upstream test_as_of_point_in_past)",
      skipIf: skipUnlessFilter("asOf"),
      async fn(ctx) {
        await storeNear(ctx, {
          "m-old": { retainedAt: daysAgo(30) },
          "m-recent": { retainedAt: daysAgo(2) },
        });
        await expectIds(ctx, { asOf: daysAgo(7) }, ["m-old"]);
      },
    },
    {
      name:
        "filter asOf: items without retainedAt always visible (upstream test_item_without_retained_at_always_visible)",
      skipIf: skipUnlessFilter("asOf"),
      async fn(ctx) {
        await storeNear(ctx, { "m-nots": {}, "m-new": { retainedAt: daysAgo(1) } });
        await expectIds(ctx, { asOf: daysAgo(365) }, ["m-nots"]);
      },
    },
    {
      name:
        "filter asOf: boundary inclusive to the millisecond (upstream test_as_of_exact_boundary_inclusive)",
      skipIf: skipUnlessFilter("asOf"),
      async fn(ctx) {
        const exact = new Date(Date.now() - 5 * DAY - 123);
        await storeNear(ctx, {
          "m-exact": { retainedAt: exact },
          "m-after": { retainedAt: new Date(exact.getTime() + 1) },
        });
        await expectIds(ctx, { asOf: new Date(exact.getTime()) }, ["m-exact"]);
        await expectIds(ctx, { asOf: new Date(exact.getTime() - 1) }, []);
      },
    },
    {
      name:
        "filter asOf: retainedAt propagated to hits (upstream test_retained_at_propagated_to_vector_hit)",
      async fn(ctx) {
        const ts = daysAgo(3);
        await storeNear(ctx, { m1: { retainedAt: ts } });
        const hits = await search(ctx, q(ctx.dimensions), ctx.bank());
        assert.deepStrictEqual(hits[0]!.retainedAt, ts);
      },
    },
    {
      name:
        "filter asOf: bank isolation respected (upstream test_bank_isolation_respected_with_as_of)",
      skipIf: skipUnlessFilter("asOf"),
      async fn(ctx) {
        const d = ctx.dimensions;
        await ctx.store.storeVectors([
          item("m1", ctx.bank("b1"), q(d), { retainedAt: daysAgo(1) }),
          item("m2", ctx.bank("b2"), q(d), { retainedAt: daysAgo(1) }),
        ]);
        const hits = await search(ctx, q(d), ctx.bank("b1"), { asOf: new Date() });
        assert.deepStrictEqual(idsOf(hits), ["m1"]);
      },
    },
    // --- sessionId (upstream test_session_filter_m31)
    {
      name:
        "filter sessionId: exact match on metadata.session_id (upstream test_vector_store_filters_by_session_id)",
      skipIf: skipUnlessFilter("sessionId"),
      async fn(ctx) {
        const d = ctx.dimensions;
        await ctx.store.storeVectors([
          item("v1", ctx.bank(), q(d), { text: "alpha", metadata: { session_id: "session-a" } }),
          item("v2", ctx.bank(), q(d), { text: "beta", metadata: { session_id: "session-b" } }),
          item("v3", ctx.bank(), q(d), { metadata: { session_id: "session-a-2" } }),
        ]);
        await expectIds(ctx, {}, ["v1", "v2", "v3"]);
        await expectIds(ctx, { sessionId: "session-a" }, ["v1"]);
        await expectIds(ctx, { sessionId: "session-b" }, ["v2"]);
        await expectIds(ctx, { sessionId: "session-c" }, []);
        await expectIds(ctx, { sessionId: "session-%" }, []);
      },
    },
    {
      name:
        "filter sessionId: items without session_id excluded (upstream test_vector_store_excludes_items_without_session_id)",
      skipIf: skipUnlessFilter("sessionId"),
      async fn(ctx) {
        await storeNear(ctx, {
          "v-untagged": { metadata: {} },
          "v-nometa": {},
          "v-null": { metadata: { session_id: null } },
        });
        await expectIds(ctx, { sessionId: "any" }, []);
      },
    },
    // --- metadataFilters
    {
      name: "filter metadataFilters: exact equality on every key (AND), typed values, null values",
      skipIf: skipUnlessFilter("metadataFilters"),
      async fn(ctx) {
        await storeNear(ctx, {
          a: { metadata: { kind: "note", n: 42, flag: true, maybe: null } },
          b: { metadata: { kind: "note", n: 7, flag: false } },
          c: { metadata: { kind: "task", n: 42, flag: true, maybe: "null" } },
          s: { metadata: { kind: "note", n: "42", flag: "true" } },
          one: { metadata: { kind: "note", n: 42.5, flag: 1 } },
          none: {},
        });
        await expectIds(ctx, { metadataFilters: { kind: "note" } }, ["a", "b", "s", "one"]);
        await expectIds(ctx, { metadataFilters: { kind: "note", n: 42 } }, ["a"]);
        await expectIds(ctx, { metadataFilters: { n: 42 } }, ["a", "c"]);
        await expectIds(ctx, { metadataFilters: { n: "42" } }, ["s"]);
        await expectIds(ctx, { metadataFilters: { n: 42.5 } }, ["one"]);
        await expectIds(ctx, { metadataFilters: { flag: true } }, ["a", "c"]);
        await expectIds(ctx, { metadataFilters: { flag: false } }, ["b"]);
        await expectIds(ctx, { metadataFilters: { maybe: null } }, ["a"]);
        await expectIds(ctx, { metadataFilters: { maybe: "null" } }, ["c"]);
        await expectIds(ctx, { metadataFilters: { kind: "note", flag: false, n: 42 } }, []);
        await expectIds(ctx, { metadataFilters: { missing: "x" } }, []);
        await expectIds(ctx, { metadataFilters: {} }, ["a", "b", "c", "s", "one", "none"]);
      },
    },
    {
      name: "filter metadataFilters: hostile keys and values",
      skipIf: skipUnlessFilter("metadataFilters"),
      async fn(ctx) {
        const hostile: Metadata = {
          "a.b": "dot",
          "$x": "dollar",
          "it's": `O'Brien "x"`,
          "k[0]": "bracket",
          '"q"': "quoted key",
          "with space": "s p",
          "%_": "%_",
          "ключ": "значение 🧠",
          "a->>'b'": "arrow",
          "back\\slash": "\\",
        };
        await storeNear(ctx, {
          h: { metadata: hostile },
          nested: { metadata: { a: "x", "a.b": "other" } },
          plain: { metadata: { a: "b" } },
        });
        for (const [key, value] of Object.entries(hostile)) {
          await expectIds(ctx, { metadataFilters: { [key]: value } }, ["h"]);
        }
        await expectIds(ctx, { metadataFilters: hostile }, ["h"]);
        await expectIds(ctx, { metadataFilters: { "a.b": "other" } }, ["nested"]);
        await expectIds(ctx, { metadataFilters: { "%_": "%" } }, []);
        await expectIds(ctx, { metadataFilters: { "it's": "O'Brien" } }, []);
      },
    },
    // --- combinations
    {
      name: "filters: fields combine with AND, an empty filters object filters nothing",
      skipIf: (s) =>
        skipUnlessFilter("tags")(s) ?? skipUnlessFilter("factTypes")(s) ??
          skipUnlessFilter("metadataFilters")(s),
      async fn(ctx) {
        await storeNear(ctx, {
          all: { tags: ["t"], factType: "world", metadata: { k: "v" } },
          noTag: { factType: "world", metadata: { k: "v" } },
          noType: { tags: ["t"], metadata: { k: "v" } },
          noMeta: { tags: ["t"], factType: "world" },
        });
        await expectIds(
          ctx,
          { tags: ["t"], factTypes: ["world"], metadataFilters: { k: "v" } },
          ["all"],
        );
        await expectIds(ctx, {}, ["all", "noTag", "noType", "noMeta"]);
      },
    },
  ];
}

function crowdedCases(largeBatchSize: number): Def[] {
  return [
    {
      name: "filtered search: min(limit, matching) hits with a crowded neighbouring bank",
      skipIf: (s) => skipUnlessFilter("tags")(s) ?? skipUnlessFilter("metadataFilters")(s),
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const target = bank("target");
        const crowd = bank("crowd");
        const q = oneHot(d, 0);
        // The crowd: many vectors nearer than anything in the target bank, all "rare".
        await store.storeVectors(
          Array.from(
            { length: largeBatchSize },
            (_, i) =>
              item(`c${i}`, crowd, nearVector(d, i + 1), {
                tags: ["rare"],
                metadata: { kind: "rare" },
              }),
          ),
        );
        const noise = Math.max(50, Math.floor(largeBatchSize / 10));
        const rare = 7;
        await store.storeVectors([
          ...Array.from(
            { length: noise },
            (_, i) =>
              item(`n${i}`, target, nearVector(d, 10_000 + i), {
                tags: ["noise"],
                metadata: { kind: "noise" },
              }),
          ),
          ...Array.from(
            { length: rare },
            (_, i) =>
              item(`r${i}`, target, farVector(d, 20_000 + i), {
                tags: ["rare"],
                metadata: { kind: "rare" },
              }),
          ),
        ]);
        const rareIds = Array.from({ length: rare }, (_, i) => `r${i}`);
        for (const filters of [{ tags: ["rare"] }, { metadataFilters: { kind: "rare" } }]) {
          const five = await search(ctx, q, target, filters, 5);
          assert.equal(five.length, 5, `limit 5 with ${JSON.stringify(filters)}`);
          for (const h of five) assert.ok(rareIds.includes(h.id), `${h.id} must be rare`);
          const all = await search(ctx, q, target, filters, 20);
          assert.deepStrictEqual(sortedIds(all), rareIds, "min(limit, matching) = all 7");
        }
        const unfiltered = await search(ctx, q, target, undefined, 10);
        assert.equal(unfiltered.length, 10);
        for (const h of unfiltered) assert.ok(h.id.startsWith("n"), `${h.id} is in the bank`);
        assert.deepStrictEqual(await search(ctx, q, crowd, { tags: ["noise"] }, 10), []);
        const crowdRare = await search(ctx, q, crowd, { tags: ["rare"] }, 10);
        assert.equal(crowdRare.length, Math.min(10, largeBatchSize));
        for (const h of crowdRare) assert.ok(h.id.startsWith("c"));
      },
    },
  ];
}

function deleteCases(): Def[] {
  return [
    {
      name: "delete: removes the item (upstream test_delete)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        await store.storeVectors([item("a", bank(), seededVector(d, 1))]);
        assert.equal(await store.delete(["a"], bank()), 1);
        assert.deepStrictEqual(await store.listVectors(bank()), []);
      },
    },
    {
      name: "delete: wrong bank returns 0 (upstream test_delete_wrong_bank)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        await store.storeVectors([item("a", bank("b1"), seededVector(d, 1))]);
        assert.equal(await store.delete(["a"], bank("b2")), 0);
        assert.equal((await store.listVectors(bank("b1"))).length, 1);
      },
    },
    {
      name: "delete: nonexistent returns 0 (upstream test_delete_nonexistent)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        await store.storeVectors([item("a", bank(), seededVector(d, 1))]);
        assert.equal(await store.delete(["nope"], bank()), 0);
        assert.equal((await store.listVectors(bank())).length, 1);
      },
    },
    {
      name: "delete: bank isolation (upstream test_bank_isolation_on_delete)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const v = seededVector(d, 1);
        await store.storeVectors([item("a", bank("b1"), v), item("b", bank("b2"), v)]);
        assert.equal(await store.delete(["a"], bank("b2")), 0);
        assert.equal((await store.searchSimilar(v, bank("b1"))).length, 1);
        assert.equal((await store.searchSimilar(v, bank("b2"))).length, 1);
      },
    },
    {
      name:
        "delete: counts only what is removed in that bank (empty, unknown, other bank, duplicates)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        await store.storeVectors([
          item("a", bank("A"), seededVector(d, 1)),
          item("b", bank("A"), seededVector(d, 2)),
          item("c", bank("A"), seededVector(d, 3)),
          item("z", bank("B"), seededVector(d, 4)),
          item("a", bank("B"), seededVector(d, 5)),
        ]);
        assert.equal(await store.delete([], bank("A")), 0, "empty input");
        assert.equal(await store.delete(["nope"], bank("A")), 0, "unknown id");
        assert.equal(await store.delete(["z"], bank("A")), 0, "id only in another bank");
        assert.equal(await store.delete(["a", "a", "b", "nope", "b"], bank("A")), 2, "duplicates");
        assert.deepStrictEqual(idsOf(await store.listVectors(bank("A"))), ["c"]);
        assert.deepStrictEqual(idsOf(await store.listVectors(bank("B"))), ["a", "z"]);
        assert.equal(await store.delete(["a", "b"], bank("A")), 0, "already deleted");
      },
    },
    {
      name: "delete: takes effect at once for search and list; the id can be stored again",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        await store.storeVectors(
          ["a", "b", "c"].map((id, i) => item(id, bank(), seededVector(d, i + 1))),
        );
        assert.equal(await store.delete(["b"], bank()), 1);
        assert.deepStrictEqual(sortedIds(await search(ctx, seededVector(d, 2), bank())), [
          "a",
          "c",
        ]);
        assert.deepStrictEqual(idsOf(await store.listVectors(bank())), ["a", "c"]);
        await store.storeVectors([item("b", bank(), seededVector(d, 9), { text: "again" })]);
        const hits = await search(ctx, seededVector(d, 9), bank());
        assert.equal(hits[0]!.id, "b");
        assert.equal(hits[0]!.text, "again");
        assert.deepStrictEqual(idsOf(await store.listVectors(bank())), ["a", "b", "c"]);
      },
    },
    {
      name: "deleteBank: removes only that bank and returns the count",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        await store.storeVectors([
          ...["a", "b", "c"].map((id, i) => item(id, bank("gone"), seededVector(d, i + 1))),
          ...["a", "x"].map((id, i) => item(id, bank("kept"), seededVector(d, i + 1))),
        ]);
        assert.equal(await store.deleteBank(bank("gone")), 3);
        assert.deepStrictEqual(await store.listVectors(bank("gone")), []);
        assert.deepStrictEqual(await store.searchSimilar(seededVector(d, 1), bank("gone")), []);
        assert.deepStrictEqual(idsOf(await store.listVectors(bank("kept"))), ["a", "x"]);
        assert.equal((await search(ctx, seededVector(d, 1), bank("kept"))).length, 2);
        assert.equal(await store.deleteBank(bank("gone")), 0, "second deleteBank");
        await store.storeVectors([item("new", bank("gone"), seededVector(d, 1))]);
        assert.deepStrictEqual(idsOf(await store.listVectors(bank("gone"))), ["new"]);
      },
    },
  ];
}

function listCases(): Def[] {
  const pagination = (name: string, ids: string[]): Def => ({
    name,
    async fn(ctx) {
      const { store, bank, dimensions: d } = ctx;
      const shuffled = ids.map((id, i) => ({ id, k: seededVector(1, i + 1)[0]! }))
        .sort((a, b) => a.k - b.k).map((x) => x.id);
      await store.storeVectors(shuffled.map((id, i) => item(id, bank(), seededVector(d, i + 1))));
      const expected = [...ids].sort(compareIds);
      const seen: string[] = [];
      const pageSize = 10;
      for (let offset = 0; offset < ids.length + pageSize; offset += pageSize) {
        const page = await store.listVectors(bank(), { offset, limit: pageSize });
        assert.ok(page.length <= pageSize, "page larger than limit");
        assert.deepStrictEqual(
          idsOf(page),
          expected.slice(offset, offset + pageSize),
          `page at offset ${offset}`,
        );
        seen.push(...idsOf(page));
      }
      assert.deepStrictEqual(seen, expected, "every item exactly once, in id order");
      assert.deepStrictEqual(await store.listVectors(bank(), { offset: ids.length }), []);
      assert.deepStrictEqual(await store.listVectors(bank(), { offset: ids.length + 7 }), []);
      assert.deepStrictEqual(
        idsOf(await store.listVectors(bank(), { offset: 3, limit: 4 })),
        expected.slice(3, 7),
      );
    },
  });
  const prefixes = [
    "a",
    "A",
    "b",
    "B",
    "z",
    "Z",
    "_",
    "0",
    "9",
    "é",
    "É",
    "ß",
    "中",
    "~",
    "-",
    "🧠",
  ];
  const mixed = [
    ...Array.from({ length: 44 }, (_, i) => `${prefixes[i % prefixes.length]}${i}`),
    "item",
    "Item",
    "ITEM",
    "item2",
    "item10",
    "item-1",
    "item_1",
    "item 1",
    "itém",
    "a",
    "aa",
    "a a",
    "🧠",
  ];
  return [
    {
      name: "listVectors: only the bank's items (upstream test_list_vectors)",
      async fn({ store, bank, dimensions: d }) {
        await store.storeVectors([
          item("a", bank("b1"), seededVector(d, 1)),
          item("b", bank("b1"), seededVector(d, 2)),
          item("c", bank("b2"), seededVector(d, 3)),
        ]);
        const listed = await store.listVectors(bank("b1"));
        assert.deepStrictEqual(idsOf(listed), ["a", "b"]);
        for (const it of listed) assert.equal(it.bankId, bank("b1"));
      },
    },
    {
      name: "listVectors: offset 2, limit 2 (upstream test_list_vectors_pagination)",
      async fn({ store, bank, dimensions: d }) {
        await store.storeVectors(
          ["e", "d", "c", "b", "a"].map((id, i) => item(id, bank(), seededVector(d, i + 1))),
        );
        const page = await store.listVectors(bank(), { offset: 2, limit: 2 });
        assert.deepStrictEqual(idsOf(page), ["c", "d"]);
      },
    },
    pagination(
      "listVectors: paging visits every item once in code-unit id order (mixed case, unicode)",
      mixed,
    ),
    pagination(
      "listVectors: code-unit order puts astral ids before U+E000–U+FFFF ids",
      ["a", "\u{1F600}", "\uE000x", "\uFFFD", "\u{10000}", "z", "\uFF21"],
    ),
    {
      name: "listVectors: deleted items vanish from paging at once",
      async fn({ store, bank, dimensions: d }) {
        const ids = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, "0")}`);
        await store.storeVectors(ids.map((id, i) => item(id, bank(), seededVector(d, i + 1))));
        const removed = ids.filter((_, i) => i % 3 === 0);
        assert.equal(await store.delete(removed, bank()), removed.length);
        const all = await listAll(store, bank(), 7);
        assert.deepStrictEqual(idsOf(all), ids.filter((id) => !removed.includes(id)));
      },
    },
  ];
}

function isolationCases(): Def[] {
  /** Store, search, list, delete and deleteBank across the given banks; none may leak. */
  const exercise = async (ctx: Ctx, banks: string[]): Promise<void> => {
    const { store, dimensions: d } = ctx;
    for (const [i, b] of banks.entries()) {
      const ids = await store.storeVectors([
        item("shared", b, seededVector(d, i + 1), { text: `bank ${i}` }),
        item(`own-${i}`, b, seededVector(d, i + 101), { text: `bank ${i}` }),
      ]);
      assert.deepStrictEqual(ids, ["shared", `own-${i}`]);
    }
    for (const [i, b] of banks.entries()) {
      const listed = await store.listVectors(b);
      assert.deepStrictEqual(idsOf(listed), [`own-${i}`, "shared"].sort(compareIds), `list ${b}`);
      for (const it of listed) {
        assert.equal(it.bankId, b, "bankId round-trips exactly");
        assert.equal(it.text, `bank ${i}`);
      }
      const hits = await search(ctx, seededVector(d, i + 1), b);
      assert.equal(hits.length, 2, `search ${b}`);
      assert.equal(hits[0]!.id, "shared");
      assertClose(hits[0]!.score, 1, 1e-4, `own shared vector in ${b}`);
      for (const h of hits) assert.equal(h.text, `bank ${i}`, `hit from ${b}`);
    }
    assert.equal(await store.delete(["shared", "own-1"], banks[0]!), 1, "delete in bank 0");
    assert.equal(await store.deleteBank(banks[1]!), 2, "deleteBank bank 1");
    for (const [i, b] of banks.entries()) {
      const expected = i === 0 ? ["own-0"] : i === 1 ? [] : [`own-${i}`, "shared"];
      assert.deepStrictEqual(
        idsOf(await store.listVectors(b)),
        expected.sort(compareIds),
        `after deletes: ${b}`,
      );
    }
    for (const b of banks) await store.deleteBank(b);
  };
  return [
    {
      name: "bank isolation: search only sees its bank (upstream test_search_filters_by_bank)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const v = seededVector(d, 1);
        await store.storeVectors([item("a", bank("b1"), v), item("b", bank("b2"), v)]);
        assert.deepStrictEqual(idsOf(await search(ctx, v, bank("b1"))), ["a"]);
        assert.deepStrictEqual(idsOf(await search(ctx, v, bank("b2"))), ["b"]);
      },
    },
    {
      name: "bank isolation: unknown bank search returns [] (upstream test_empty_search)",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        await store.storeVectors([item("a", bank("b1"), seededVector(d, 1))]);
        assert.deepStrictEqual(await store.searchSimilar(seededVector(d, 1), bank("none")), []);
      },
    },
    {
      name: "bank isolation: every method with hostile bank ids",
      fn: (ctx) => exercise(ctx, Array.from({ length: 8 }, (_, i) => hostileBankId(i))),
    },
    {
      name: "bank isolation: look-alike bank ids (LIKE wildcards, case, spaces, unicode forms)",
      fn(ctx) {
        const base = ctx.bank("Look");
        return exercise(ctx, [
          base,
          `${base}%`,
          `${base}_`,
          `${base}x`,
          base.toUpperCase(),
          base.toLowerCase(),
          `${base} `,
          `${base}\u00e9`,
          `${base}e\u0301`,
        ]);
      },
    },
    {
      name: "bank isolation: a 255-character bank id",
      fn(ctx) {
        const long = `${ctx.bank("long")}-`.padEnd(255, "x");
        assert.equal(long.length, 255);
        return exercise(ctx, [long, long.slice(0, 254), ctx.bank("short")]);
      },
    },
    {
      name: "ids per bank: the same id in two banks is two records, upsert never moves banks",
      async fn(ctx) {
        const { store, bank, dimensions: d } = ctx;
        const va = seededVector(d, 1);
        const vb = signedVector(d, 2);
        await store.storeVectors([item("x", bank("A"), va, { text: "in A" })]);
        await store.storeVectors([item("x", bank("B"), vb, { text: "in B" })]);
        const la = await store.listVectors(bank("A"));
        const lb = await store.listVectors(bank("B"));
        assert.equal(la.length, 1);
        assert.equal(la[0]!.text, "in A", "upsert in B must not move or overwrite A's record");
        assertVectorClose(la[0]!.vector, va, "A's vector");
        assert.equal(lb[0]!.text, "in B");
        const ha = await search(ctx, vb, bank("A"));
        assert.equal(ha[0]!.text, "in A");
        assertClose(ha[0]!.score, clampScore(cosine(vb, va)), 1e-4, "A's score uses A's vector");
        await store.storeVectors([item("x", bank("B"), vb, { text: "in B again" })]);
        assert.equal((await store.listVectors(bank("A")))[0]!.text, "in A");
        assert.equal(await store.delete(["x"], bank("A")), 1);
        assert.deepStrictEqual(idsOf(await store.listVectors(bank("B"))), ["x"]);
        assert.equal((await store.listVectors(bank("B")))[0]!.text, "in B again");
        assert.equal(await store.deleteBank(bank("B")), 1);
      },
    },
  ];
}

/**
 * The VectorStore contract suite. Run it against any {@linkcode VectorStore} factory with a
 * binder (`registerDenoTests`, `registerNodeTests`, `runInline`).
 *
 * Every case works in fresh, uniquely named banks, so suites can share one database. Filter
 * cases are skipped (with the store's reason) for fields the store declares unsupported in
 * `capabilities.filters`. The suite needs `dimensions ≥ 2`.
 *
 * @example
 * ```ts ignore
 * import { registerDenoTests, vectorStoreContract } from "@astrocyte/core/testing";
 * import { createInMemoryVectorStore } from "@astrocyte/core";
 *
 * registerDenoTests(vectorStoreContract({
 *   create: ({ dimensions }) => Promise.resolve(createInMemoryVectorStore({ dimensions })),
 * }));
 * ```
 */
export function vectorStoreContract(options: ContractOptions<VectorStore>): ContractSuite {
  const dimensions = options.dimensions ?? 8;
  if (!Number.isInteger(dimensions) || dimensions < 2) {
    throw new RangeError(
      `[astrocyte/testing] The VectorStore contract needs dimensions ≥ 2, got ${dimensions}`,
    );
  }
  const largeBatchSize = options.largeBatchSize ?? 2000;
  return buildSuite("vectorStore", "VectorStore contract", options, [
    ...interfaceCases(),
    ...storeCases(largeBatchSize),
    ...validationCases(),
    ...inputRuleCases(),
    ...scoreCases(),
    ...filterCases(),
    ...crowdedCases(largeBatchSize),
    ...deleteCases(),
    ...listCases(),
    ...isolationCases(),
    ...storedValueRuleCases(),
  ]);
}

/**
 * The stored-value rule: −0 is stored as 0. (Vectors are float32 on every store; the round-trip
 * case above checks them within float32 precision, since an adapter may normalise them — as
 * Upstash's for DOT_PRODUCT and EUCLIDEAN indexes — and scale them back within an ulp.)
 */
function storedValueRuleCases(): CaseDefinition<VectorStore>[] {
  return storedValueCases<VectorStore>({
    negativeZero: {
      "vector components and metadata (listVectors, searchSimilar)": async (ctx, b) => {
        const vector = oneHot(ctx.dimensions, 0).map((x) => (x === 0 ? -0 : x));
        await ctx.store.storeVectors([
          item("nz", b, vector, { metadata: { ...NEGATIVE_ZERO_METADATA } }),
        ]);
        const [listed] = await ctx.store.listVectors(b);
        const [hit] = await search(ctx, oneHot(ctx.dimensions, 0), b);
        return [
          [listed?.vector, listed?.metadata, hit?.metadata],
          [oneHot(ctx.dimensions, 0), NEGATIVE_ZERO_METADATA_STORED, NEGATIVE_ZERO_METADATA_STORED],
        ];
      },
    },
  });
}
