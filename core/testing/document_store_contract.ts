/**
 * The DocumentStore contract suite: every method, per-bank keys, backend-neutral full-text
 * ranking (documents matching more query terms first, ties by id), query syntax treated as
 * text, filters, pagination completeness, bank isolation on every method including hostile
 * bank ids, validation that writes nothing, and missing means empty. Exact scores are never
 * asserted: `DocumentHit.score` is the backend's own relevance.
 *
 * @example
 * ```ts ignore
 * import { documentStoreContract, registerDenoTests } from "@astrocyte/core/testing";
 * import { createInMemoryDocumentStore } from "@astrocyte/core";
 *
 * registerDenoTests(documentStoreContract({
 *   create: () => Promise.resolve(createInMemoryDocumentStore()),
 * }));
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import type { Document, DocumentHit, DocumentStore } from "../spi/document_store.ts";
import type { Capability } from "../types.ts";
import {
  NEGATIVE_ZERO_METADATA,
  NEGATIVE_ZERO_METADATA_STORED,
  storedValueCases,
  stringRuleCases,
} from "./_contract_helpers.ts";
import { assertRejectsWith } from "./fixtures.ts";
import {
  buildSuite,
  type CaseDefinition,
  type ContractOptions,
  type ContractSuite,
  HOSTILE_BANK_PREFIXES,
  hostileBankId,
} from "./harness.ts";

type Ctx = Parameters<CaseDefinition<DocumentStore>["fn"]>[0];

const doc = (id: string, text: string, extra: Partial<Document> = {}): Document => ({
  id,
  text,
  ...extra,
});

const hitIds = (hits: readonly DocumentHit[]): string[] => hits.map((h) => h.documentId);
const docIds = (docs: readonly Document[]): string[] => docs.map((d) => d.id);

async function storeAll(store: DocumentStore, bank: string, docs: Document[]): Promise<void> {
  for (const d of docs) assert.equal(await store.storeDocument(d, bank), d.id);
}

function assertCapability(value: Capability | undefined, name: string): void {
  if (value === true) return;
  assert.ok(
    value !== undefined && value.supported === false && typeof value.reason === "string" &&
      value.reason.length > 0,
    `capability ${name} must be true or carry a reason`,
  );
}

function assertRanked(hits: readonly DocumentHit[]): void {
  for (const h of hits) {
    assert.ok(Number.isFinite(h.score), `score of ${h.documentId} must be finite`);
  }
  for (let i = 1; i < hits.length; i++) {
    const a = hits[i - 1]!;
    const b = hits[i]!;
    assert.ok(
      a.score > b.score || (a.score === b.score && a.documentId < b.documentId),
      `hits must be sorted by score desc then id asc: ${a.documentId}(${a.score}) before ${b.documentId}(${b.score})`,
    );
  }
}

const skipUnlessTags = (store: DocumentStore): string | undefined => {
  const cap = store.capabilities.filters.tags;
  return cap === true ? undefined : `tags filter unsupported: ${cap.reason}`;
};

const skipUnlessMetadata = (store: DocumentStore): string | undefined => {
  const cap = store.capabilities.filters.metadataFilters;
  return cap === true ? undefined : `metadataFilters unsupported: ${cap.reason}`;
};

/** Three documents whose texts, tags and metadata carry `variant`, for isolation checks. */
async function populate(store: DocumentStore, bank: string, variant: string): Promise<void> {
  await storeAll(store, bank, [
    doc("d1", `shared words ${variant} first`, { tags: [`t${variant}`], metadata: { v: variant } }),
    doc("d2", `shared words ${variant} second`, { tags: [`t${variant}`] }),
    doc("d3", `distinct text ${variant}`, { metadata: { v: variant } }),
  ]);
}

async function assertPopulated(store: DocumentStore, bank: string, variant: string) {
  assert.deepEqual(
    (await store.listDocuments(bank)).map((d) => [d.id, d.text]),
    [
      ["d1", `shared words ${variant} first`],
      ["d2", `shared words ${variant} second`],
      ["d3", `distinct text ${variant}`],
    ],
  );
  assert.equal((await store.getDocument("d2", bank))?.text, `shared words ${variant} second`);
  const hits = await store.searchFulltext("shared words", bank);
  assert.deepEqual([...hitIds(hits)].sort(), ["d1", "d2"]);
  const other = await store.searchFulltext("distinct", bank);
  assert.deepEqual(hitIds(other), ["d3"]);
  for (const h of [...hits, ...other]) assert.ok(h.text.includes(variant));
  if (store.capabilities.filters.tags === true) {
    const tagged = await store.searchFulltext(`words ${variant}`, bank, {
      filters: { tags: [`t${variant}`] },
    });
    assert.deepEqual([...hitIds(tagged)].sort(), ["d1", "d2"]);
  }
  if (store.capabilities.filters.metadataFilters === true) {
    const filtered = await store.searchFulltext(variant, bank, {
      filters: { metadataFilters: { v: variant } },
    });
    assert.deepEqual([...hitIds(filtered)].sort(), ["d1", "d3"]);
  }
}

async function assertEmpty(store: DocumentStore, bank: string): Promise<void> {
  assert.deepEqual(await store.listDocuments(bank), []);
  assert.equal(await store.getDocument("d1", bank), null);
  assert.deepEqual(await store.searchFulltext("shared words distinct text", bank), []);
}

/** Query strings full of FTS5, tsquery, Lucene and SQL syntax. None may throw. */
const HOSTILE_QUERIES: readonly string[] = [
  '"dark',
  'dark"',
  '"dark mode"',
  '""',
  "dark*",
  "*",
  "-dark",
  "dark -mode",
  "NOT dark",
  "dark OR",
  "OR",
  "AND",
  "NEAR",
  "NEAR(dark mode)",
  "dark NEAR/2 mode",
  "text:dark",
  "col:value",
  "(dark",
  "dark)",
  "()",
  "^dark",
  "dark^2",
  "{dark}",
  "[dark]",
  "dark & mode | settings",
  "!dark",
  "dark:*",
  "'dark'",
  "''",
  "\\",
  "%",
  "_",
  "dark; DROP TABLE documents; --",
  "$1",
  "?",
  ":",
  "-",
  "a' OR '1'='1",
  "dark~2",
  "+dark +mode",
  "🧠 dark",
];

/** Single words wrapped in syntax: each must find exactly the document containing the word. */
const WRAPPED_QUERIES: readonly [string, string][] = [
  ['"dark"', "d1"],
  ['"dark', "d1"],
  ["dark*", "d1"],
  ["(dark)", "d1"],
  ["dark:", "d1"],
  ["-dark", "d1"],
  ["'dark'", "d1"],
  ["^dark", "d1"],
  ["[dark]", "d1"],
  ["{dark}", "d1"],
  ["!dark", "d1"],
  ["dark:*", "d1"],
  ["dark;", "d1"],
  ["NEAR", "d2"],
  ["near:", "d2"],
  ["col:value", "d3"],
  ["(parenthesised)", "d3"],
];

function cases(): CaseDefinition<DocumentStore>[] {
  return [
    {
      name: "capabilities are declared and health reports healthy",
      async fn({ store }: Ctx) {
        const caps = store.capabilities;
        assert.ok(caps.consistency === "strong" || caps.consistency === "eventual");
        assert.equal(typeof caps.persistent, "boolean");
        assertCapability(caps.atomicBatches, "atomicBatches");
        assertCapability(caps.filters.tags, "filters.tags");
        assertCapability(caps.filters.metadataFilters, "filters.metadataFilters");
        assert.ok(typeof caps.scoring === "string" && caps.scoring.length > 0);
        const health = await store.health();
        assert.equal(health.healthy, true, health.message ?? "unhealthy");
      },
    },
    {
      name: "close is idempotent and asyncDispose is available",
      async fn(ctx: Ctx) {
        const extra = await ctx.createStore();
        assert.equal(typeof extra[Symbol.asyncDispose], "function");
        await extra.close();
        await extra.close();
      },
    },
    {
      name: "storeDocument returns the id and getDocument round-trips every field",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const metadata = { s: 'it\'s "quoted"', n: 2.5, i: -1, t: true, f: false, z: null };
        const full = doc("d1", "Calvin prefers dark mode — ünïcødé 🧠 'quotes' \"too\"", {
          metadata,
          tags: ["a", "b c", "it's"],
        });
        assert.equal(await store.storeDocument(full, b), "d1");
        const got = await store.getDocument("d1", b);
        assert.equal(got?.id, "d1");
        assert.equal(got!.text, full.text);
        assert.deepEqual(got!.metadata, metadata);
        assert.deepEqual(got!.tags, ["a", "b c", "it's"]);
        assert.equal(await store.storeDocument(doc("d2", "plain text"), b), "d2");
        const plain = await store.getDocument("d2", b);
        assert.equal(plain?.text, "plain text");
        assert.deepEqual(plain!.metadata ?? {}, {});
        assert.deepEqual(plain!.tags ?? [], []);
      },
    },
    {
      name: "storeDocument upserts by id and an exact repeat is a no-op",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeDocument(doc("d1", "alpha beta", { tags: ["old"] }), b);
        await store.storeDocument(doc("d1", "alpha beta", { tags: ["old"] }), b);
        assert.equal((await store.listDocuments(b)).length, 1);
        await store.storeDocument(doc("d1", "gamma delta", { tags: ["new"] }), b);
        const got = await store.getDocument("d1", b);
        assert.equal(got?.text, "gamma delta");
        assert.deepEqual(got!.tags, ["new"]);
        assert.deepEqual(await store.searchFulltext("alpha", b), []);
        assert.deepEqual(hitIds(await store.searchFulltext("gamma", b)), ["d1"]);
        assert.deepEqual(docIds(await store.listDocuments(b)), ["d1"]);
      },
    },
    {
      name: "the same document id in two banks is two records",
      async fn({ store, bank }: Ctx) {
        const a = bank("a");
        const b = bank("b");
        await store.storeDocument(doc("d1", "apples in bank a"), a);
        await store.storeDocument(doc("d1", "oranges in bank b"), b);
        assert.equal((await store.getDocument("d1", a))?.text, "apples in bank a");
        assert.equal((await store.getDocument("d1", b))?.text, "oranges in bank b");
        assert.deepEqual(hitIds(await store.searchFulltext("apples", a)), ["d1"]);
        assert.deepEqual(await store.searchFulltext("apples", b), []);
        assert.equal(await store.deleteDocuments(["d1"], b), 1);
        assert.equal((await store.getDocument("d1", a))?.text, "apples in bank a");
        assert.equal(await store.getDocument("d1", b), null);
      },
    },
    {
      name: "searchFulltext finds matching documents with finite scores and the stored fields",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await storeAll(store, b, [
          doc("d1", "dark mode preferences for the app", {
            metadata: { source: "chat", n: 1 },
            tags: ["ui"],
          }),
          doc("d2", "completely unrelated content"),
        ]);
        const hits = await store.searchFulltext("dark mode", b);
        assert.deepEqual(hitIds(hits), ["d1"]);
        const [hit] = hits;
        assert.equal(hit!.text, "dark mode preferences for the app");
        assert.ok(Number.isFinite(hit!.score) && hit!.score > 0, `score ${hit!.score}`);
        assert.deepEqual(hit!.metadata, { source: "chat", n: 1 });
        assert.deepEqual(hit!.tags ?? ["ui"], ["ui"]);
        assert.deepEqual(hitIds(await store.searchFulltext("DARK", b)), ["d1"]);
      },
    },
    {
      name: "searchFulltext returns [] for no match, a blank query or an unknown bank",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeDocument(doc("d1", "completely unrelated content"), b);
        assert.deepEqual(await store.searchFulltext("quantum physics", b), []);
        assert.deepEqual(await store.searchFulltext("", b), []);
        assert.deepEqual(await store.searchFulltext("   \t\n", b), []);
        assert.deepEqual(await store.searchFulltext("!!! ???", b), []);
        assert.deepEqual(await store.searchFulltext("unrelated", bank("unknown")), []);
      },
    },
    {
      name: "searchFulltext ranks documents matching more query terms first",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await storeAll(store, b, [
          doc("d1", "dark"),
          doc("d2", "dark mode settings"),
          doc("x1", "alpha"),
          doc("x2", "alpha beta"),
          doc("x3", "alpha beta gamma"),
          doc("x4", "unrelated filler"),
        ]);
        const dark = await store.searchFulltext("dark mode", b);
        assert.equal(dark[0]?.documentId, "d2", "more overlap ranks first");
        assertRanked(dark);
        const greek = await store.searchFulltext("alpha beta gamma", b);
        assertRanked(greek);
        assert.equal(greek[0]?.documentId, "x3");
        const order = hitIds(greek);
        assert.ok(!order.includes("x4"));
        // Whatever subset a backend returns, fewer matched terms never rank higher.
        const rank = (id: string) => order.indexOf(id);
        if (rank("x2") >= 0) assert.ok(rank("x2") > rank("x3"));
        if (rank("x1") >= 0) assert.ok(rank("x1") > rank("x2") && rank("x2") >= 0);
      },
    },
    {
      name: "searchFulltext breaks score ties by id",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await storeAll(store, b, [
          doc("c", "identical words here"),
          doc("a", "identical words here"),
          doc("b", "identical words here"),
        ]);
        const hits = await store.searchFulltext("identical words", b);
        assert.deepEqual(hitIds(hits), ["a", "b", "c"]);
        assert.equal(hits[0]!.score, hits[2]!.score);
      },
    },
    {
      name: "searchFulltext honours limit",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        for (let i = 0; i < 15; i++) {
          await store.storeDocument(
            doc(`d${String(i).padStart(2, "0")}`, `common word item ${i}`),
            b,
          );
        }
        assert.equal((await store.searchFulltext("common", b, { limit: 2 })).length, 2);
        assert.equal((await store.searchFulltext("common", b)).length, 10, "default limit is 10");
        assert.equal((await store.searchFulltext("common", b, { limit: 100 })).length, 15);
        assert.deepEqual(await store.searchFulltext("common", b, { limit: 0 }), []);
        assertRanked(await store.searchFulltext("common", b, { limit: 100 }));
      },
    },
    {
      name: "query syntax characters are treated as text and never throw",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await storeAll(store, b, [
          doc("d1", "dark mode settings"),
          doc("d2", "near the old mill"),
          doc("d3", "col:value pairs with (parenthesised) text"),
        ]);
        const known = new Set(["d1", "d2", "d3"]);
        for (const q of HOSTILE_QUERIES) {
          let hits: DocumentHit[];
          try {
            hits = await store.searchFulltext(q, b);
          } catch (e) {
            assert.fail(`query ${JSON.stringify(q)} threw: ${e instanceof Error ? e.message : e}`);
          }
          assert.ok(Array.isArray(hits));
          for (const h of hits) assert.ok(known.has(h.documentId), `query ${JSON.stringify(q)}`);
          assertRanked(hits);
        }
        for (const [q, id] of WRAPPED_QUERIES) {
          assert.deepEqual(
            hitIds(await store.searchFulltext(q, b)),
            [id],
            `query ${JSON.stringify(q)}`,
          );
        }
        for (const q of ["OR", "AND", "NOT", "*", "()", '""']) {
          assert.deepEqual(await store.searchFulltext(q, b), [], `query ${JSON.stringify(q)}`);
        }
      },
    },
    {
      name: "tag filter is any-overlap and excludes untagged documents",
      skipIf: skipUnlessTags,
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const text = "shared searchable words";
        await storeAll(store, b, [
          doc("d1", text, { tags: ["a"] }),
          doc("d2", text, { tags: ["b"] }),
          doc("d3", text, { tags: ["a", "c"] }),
          doc("d4", text),
          doc("d5", text, { tags: [] }),
          doc("d6", text, { tags: ['it\'s "x" AND 1=1'] }),
        ]);
        const search = async (tags: string[]) =>
          hitIds(await store.searchFulltext("searchable", b, { filters: { tags } }));
        assert.deepEqual(await search(["a"]), ["d1", "d3"]);
        assert.deepEqual(await search(["b", "c"]), ["d2", "d3"]);
        assert.deepEqual(await search(["zzz"]), []);
        assert.deepEqual(await search([]), [], "an empty tag list matches nothing");
        assert.deepEqual(await search(['it\'s "x" AND 1=1']), ["d6"]);
        assert.deepEqual(await search(["it's"]), []);
        assert.equal((await store.searchFulltext("searchable", b)).length, 6);
      },
    },
    {
      name: "metadata filters require exact equality on every given key",
      skipIf: skipUnlessMetadata,
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const text = "shared searchable words";
        await storeAll(store, b, [
          doc("d1", text, { metadata: { lang: "en", v: 1, ok: true } }),
          doc("d2", text, { metadata: { lang: "fr", v: 1 } }),
          doc("d3", text, { metadata: { lang: "en", v: 2 } }),
          doc("d4", text),
          doc("d5", text, { metadata: { q: 'it\'s "x" AND 1=1' } }),
        ]);
        const search = async (metadataFilters: Record<string, string | number | boolean>) =>
          hitIds(await store.searchFulltext("searchable", b, { filters: { metadataFilters } }));
        assert.deepEqual(await search({ lang: "en" }), ["d1", "d3"]);
        assert.deepEqual(await search({ lang: "en", v: 1 }), ["d1"]);
        assert.deepEqual(await search({ v: 1 }), ["d1", "d2"]);
        assert.deepEqual(await search({ ok: true }), ["d1"]);
        assert.deepEqual(await search({ lang: "de" }), []);
        assert.deepEqual(await search({ missing: "x" }), []);
        assert.deepEqual(await search({ q: 'it\'s "x" AND 1=1' }), ["d5"]);
        assert.deepEqual(await search({ q: "it's" }), []);
      },
    },
    {
      name: "tag and metadata filters combine with AND",
      skipIf: (s) => skipUnlessTags(s) ?? skipUnlessMetadata(s),
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const text = "shared searchable words";
        await storeAll(store, b, [
          doc("d1", text, { tags: ["a"], metadata: { lang: "en" } }),
          doc("d2", text, { tags: ["a"], metadata: { lang: "fr" } }),
          doc("d3", text, { tags: ["b"], metadata: { lang: "en" } }),
        ]);
        const hits = await store.searchFulltext("searchable", b, {
          filters: { tags: ["a"], metadataFilters: { lang: "en" } },
        });
        assert.deepEqual(hitIds(hits), ["d1"]);
      },
    },
    {
      name: "filtered search returns min(limit, matching) when other documents rank higher",
      skipIf: skipUnlessTags,
      async fn({ store, bank }: Ctx) {
        const b = bank("main");
        const crowded = bank("crowded");
        for (let i = 0; i < 30; i++) {
          const id = `hi-${String(i).padStart(2, "0")}`;
          await store.storeDocument(doc(id, "alpha alpha alpha"), b);
          await store.storeDocument(doc(id, "alpha alpha alpha", { tags: ["keep"] }), crowded);
        }
        for (let i = 0; i < 4; i++) {
          await store.storeDocument(
            doc(`lo-${i}`, "alpha followed by many other filler words", { tags: ["keep"] }),
            b,
          );
        }
        const three = await store.searchFulltext("alpha", b, {
          limit: 3,
          filters: { tags: ["keep"] },
        });
        assert.equal(three.length, 3);
        for (const h of three) assert.ok(h.documentId.startsWith("lo-"));
        const all = await store.searchFulltext("alpha", b, {
          limit: 10,
          filters: { tags: ["keep"] },
        });
        assert.deepEqual(hitIds(all), ["lo-0", "lo-1", "lo-2", "lo-3"]);
      },
    },
    {
      name: "getDocument returns null for unknown ids and other banks",
      async fn({ store, bank }: Ctx) {
        const b = bank("main");
        await store.storeDocument(doc("d1", "hello"), b);
        assert.equal(await store.getDocument("nope", b), null);
        assert.equal(await store.getDocument("d1", bank("other")), null);
        assert.equal(await store.getDocument("D1", b), null, "ids are case-sensitive");
      },
    },
    {
      name: "listDocuments pages by id ascending and visits every document exactly once",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const all = Array.from({ length: 105 }, (_, i) => `doc-${String(i).padStart(3, "0")}`);
        const shuffled = [...all].sort((x, y) => (x.charCodeAt(6) % 4) - (y.charCodeAt(6) % 4));
        for (const id of shuffled) await store.storeDocument(doc(id, `text of ${id}`), b);
        await store.storeDocument(doc("other", "elsewhere"), bank("other"));
        const first = await store.listDocuments(b);
        assert.deepEqual(docIds(first), all.slice(0, 100), "default limit is 100");
        assert.equal(first[0]!.text, "text of doc-000");
        const seen: string[] = [];
        for (let offset = 0;; offset += 7) {
          const page = await store.listDocuments(b, { offset, limit: 7 });
          if (page.length === 0) break;
          assert.ok(page.length <= 7);
          seen.push(...docIds(page));
        }
        assert.deepEqual(seen, all);
        assert.deepEqual(await store.listDocuments(b, { offset: 105 }), []);
        assert.deepEqual(await store.listDocuments(b, { offset: 1000, limit: 5 }), []);
        assert.deepEqual(await store.listDocuments(b, { limit: 0 }), []);
        assert.deepEqual(docIds(await store.listDocuments(b, { offset: 103, limit: 10 })), [
          "doc-103",
          "doc-104",
        ]);
      },
    },
    {
      name: "deleteDocuments removes only existing documents of the bank and counts them",
      async fn({ store, bank }: Ctx) {
        const a = bank("a");
        const b = bank("b");
        await storeAll(store, a, [
          doc("d1", "alpha one"),
          doc("d2", "alpha two"),
          doc("d3", "alpha three"),
        ]);
        await store.storeDocument(doc("d1", "alpha elsewhere"), b);
        assert.equal(await store.deleteDocuments([], a), 0);
        assert.equal(await store.deleteDocuments(["d1", "d1", "nope"], a), 1);
        assert.equal(await store.getDocument("d1", a), null);
        assert.deepEqual(docIds(await store.listDocuments(a)), ["d2", "d3"]);
        assert.deepEqual([...hitIds(await store.searchFulltext("alpha", a))].sort(), ["d2", "d3"]);
        assert.deepEqual(hitIds(await store.searchFulltext("alpha", b)), ["d1"]);
        assert.equal(await store.deleteDocuments(["d2"], b), 0, "other bank's id");
        assert.equal(await store.deleteDocuments(["d1"], a), 0, "already deleted");
        assert.equal(await store.deleteDocuments(["d2", "d3"], a), 2);
        assert.deepEqual(await store.listDocuments(a), []);
        await store.storeDocument(doc("d1", "alpha reborn"), a);
        assert.equal((await store.getDocument("d1", a))?.text, "alpha reborn");
      },
    },
    {
      name: "deleteBank removes only that bank and returns the number removed",
      async fn({ store, bank }: Ctx) {
        const a = bank("a");
        const b = bank("b");
        await populate(store, a, "alpha");
        await populate(store, b, "beta");
        assert.equal(await store.deleteBank(a), 3);
        await assertEmpty(store, a);
        await assertPopulated(store, b, "beta");
        assert.equal(await store.deleteBank(a), 0);
        assert.equal(await store.deleteBank(bank("never-used")), 0);
        await populate(store, a, "gamma");
        await assertPopulated(store, a, "gamma");
      },
    },
    {
      name: "every method is isolated by bank",
      async fn({ store, bank }: Ctx) {
        const a = bank("a");
        const b = bank("b");
        await populate(store, a, "alpha");
        await populate(store, b, "beta");
        await assertPopulated(store, a, "alpha");
        await assertPopulated(store, b, "beta");
        await assertEmpty(store, bank("empty"));
        assert.deepEqual(await store.searchFulltext("beta", a), []);
        assert.deepEqual(await store.searchFulltext("alpha", b), []);
        await store.storeDocument(doc("d1", "changed beta"), b);
        assert.equal(await store.deleteDocuments(["d2"], b), 1);
        await assertPopulated(store, a, "alpha");
        assert.equal(await store.deleteBank(b), 2);
        await assertPopulated(store, a, "alpha");
      },
    },
    {
      name: "hostile bank ids are safe on every method",
      async fn({ store, bank }: Ctx) {
        const plain = bank("plain");
        await populate(store, plain, "plain");
        const hostile = HOSTILE_BANK_PREFIXES.map((_, i) => hostileBankId(i));
        for (const [i, h] of hostile.entries()) await populate(store, h, `h${i}`);
        for (const [i, h] of hostile.entries()) await assertPopulated(store, h, `h${i}`);
        await assertPopulated(store, plain, "plain");
        for (const [i, h] of hostile.entries()) {
          assert.equal(await store.deleteDocuments(["d1"], h), 1, `bank #${i}`);
          assert.equal(await store.deleteBank(h), 2, `bank #${i}`);
          await assertEmpty(store, h);
        }
        await assertPopulated(store, plain, "plain");
      },
    },
    {
      name: "invalid input is rejected with ValidationError and writes nothing",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await assertRejectsWith(() => store.storeDocument(doc("", "empty id"), b), ValidationError);
        await assertRejectsWith(
          () => store.storeDocument({ id: "d1", text: 42 as unknown as string }, b),
          ValidationError,
        );
        assert.deepEqual(await store.listDocuments(b), []);
        for (const bad of ["", "x".repeat(256)]) {
          const calls: (() => Promise<unknown>)[] = [
            () => store.storeDocument(doc("d1", "text"), bad),
            () => store.searchFulltext("text", bad),
            () => store.getDocument("d1", bad),
            () => store.listDocuments(bad),
            () => store.deleteDocuments(["d1"], bad),
            () => store.deleteBank(bad),
          ];
          for (const call of calls) await assertRejectsWith(call, ValidationError);
        }
        await assertRejectsWith(() => store.searchFulltext("x", b, { limit: -1 }), ValidationError);
        await assertRejectsWith(() => store.listDocuments(b, { offset: 1.5 }), ValidationError);
        await assertRejectsWith(() => store.listDocuments(b, { limit: -1 }), ValidationError);
        assert.deepEqual(await store.listDocuments(b), []);
      },
    },
    {
      name: "unknown banks read as empty (missing means empty)",
      async fn({ store, bank }: Ctx) {
        const b = bank("never-written");
        await assertEmpty(store, b);
        assert.deepEqual(await store.searchFulltext("anything", b), []);
        assert.equal(await store.deleteDocuments(["d1"], b), 0);
        assert.equal(await store.deleteBank(b), 0);
      },
    },
    {
      name: "parallel upserts of the same ids converge",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await Promise.all([0, 1, 2, 3, 4].map((v) =>
          Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              store.storeDocument(doc(`d${i}`, `version ${v}`), b)),
          )
        ));
        const all = await store.listDocuments(b);
        assert.deepEqual(docIds(all), Array.from({ length: 10 }, (_, i) => `d${i}`));
        assert.equal((await store.searchFulltext("version", b, { limit: 100 })).length, 10);
      },
    },
  ];
}

/** Core's portable string rule (core/README.md, "Input rules") on every method. */
function inputRuleCases(): CaseDefinition<DocumentStore>[] {
  return stringRuleCases<DocumentStore>({
    async seed({ store }, b) {
      await store.storeDocument(
        doc("keep", "alpha original", { tags: ["t"], metadata: { k: "v" } }),
        b,
      );
    },
    snapshot: ({ store }, b) => store.listDocuments(b, { limit: 1000 }),
    writes({ store }, b, bad) {
      const w = (extra: Partial<Document>) => () =>
        store.storeDocument({ ...doc("keep", "alpha changed"), ...extra }, b);
      return {
        "storeDocument id": w({ id: `keep${bad}` }),
        "storeDocument text": w({ text: `alpha ${bad}` }),
        "storeDocument tag": w({ tags: ["t", bad] }),
        "storeDocument metadata value": w({ metadata: { k: bad } }),
        "storeDocument metadata key": w({ metadata: { [`k${bad}`]: "v" } }),
        "deleteDocuments ids": () => store.deleteDocuments(["keep", `keep${bad}`], b),
      };
    },
    reads({ store }, b, bad) {
      return {
        "searchFulltext query": () => store.searchFulltext(`alpha ${bad}`, b),
        "searchFulltext tags filter": () =>
          store.searchFulltext("alpha", b, { filters: { tags: [bad] } }),
        "searchFulltext metadata filter value": () =>
          store.searchFulltext("alpha", b, { filters: { metadataFilters: { k: bad } } }),
        "searchFulltext metadata filter key": () =>
          store.searchFulltext("alpha", b, { filters: { metadataFilters: { [`k${bad}`]: "v" } } }),
        "getDocument id": () => store.getDocument(`keep${bad}`, b),
      };
    },
    everyMethod({ store }, b) {
      return {
        storeDocument: () => store.storeDocument(doc("d1", "alpha"), b),
        searchFulltext: () => store.searchFulltext("alpha", b),
        getDocument: () => store.getDocument("d1", b),
        listDocuments: () => store.listDocuments(b),
        deleteDocuments: () => store.deleteDocuments(["d1"], b),
        deleteBank: () => store.deleteBank(b),
      };
    },
    idCalls: ({ store }, b, id) => ({
      "getDocument id": () => store.getDocument(id, b),
      "deleteDocuments [id]": () => store.deleteDocuments([id], b),
      "deleteDocuments [seeded id, id]": () => store.deleteDocuments(["keep", id], b),
    }),
    countCalls: ({ store }, b, n) => ({
      "searchFulltext limit": () => store.searchFulltext("alpha", b, { limit: n }),
      "searchFulltext limit, filtered": () =>
        store.searchFulltext("alpha", b, { limit: n, filters: { tags: ["t"] } }),
      "listDocuments limit": () => store.listDocuments(b, { limit: n }),
      "listDocuments offset": () => store.listDocuments(b, { offset: n }),
      "listDocuments offset and limit": () => store.listDocuments(b, { offset: n, limit: n }),
    }),
  });
}

/**
 * The DocumentStore contract suite. Filter cases skip when the store declares the filter
 * field unsupported in `capabilities.filters`.
 *
 * @example
 * ```ts ignore
 * import { documentStoreContract, runInline } from "@astrocyte/core/testing";
 * import { createInMemoryDocumentStore } from "@astrocyte/core";
 *
 * const report = await runInline([documentStoreContract({
 *   create: () => Promise.resolve(createInMemoryDocumentStore()),
 * })]);
 * console.log(report.failed); // 0
 * ```
 */
export function documentStoreContract(options: ContractOptions<DocumentStore>): ContractSuite {
  return buildSuite("documentStore", "DocumentStore contract", options, [
    ...cases(),
    ...inputRuleCases(),
    ...storedValueCases<DocumentStore>({
      negativeZero: {
        "metadata (getDocument, listDocuments, searchFulltext)": async ({ store }, b) => {
          await store.storeDocument(
            doc("nz", "negative zero", { metadata: { ...NEGATIVE_ZERO_METADATA } }),
            b,
          );
          const got = await store.getDocument("nz", b);
          const [listed] = await store.listDocuments(b);
          const [hit] = await store.searchFulltext("negative", b);
          const want = NEGATIVE_ZERO_METADATA_STORED;
          return [[got?.metadata, listed?.metadata, hit?.metadata], [want, want, want]];
        },
      },
    }),
  ]);
}
