import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import type { DocumentStore } from "../spi/document_store.ts";
import { documentStoreContract } from "../testing/document_store_contract.ts";
import { assertClose } from "../testing/fixtures.ts";
import { type ContractReport, registerDenoTests, runInline } from "../testing/harness.ts";
import { unsupported } from "../types.ts";
import { createInMemoryDocumentStore, matchesDocumentFilters } from "./document_store.ts";

registerDenoTests(documentStoreContract({
  name: "DocumentStore contract (in-memory)",
  create: () => Promise.resolve(createInMemoryDocumentStore()),
}));

async function statuses(make: () => DocumentStore): Promise<Map<string, string>> {
  const report: ContractReport = await runInline([
    documentStoreContract({ create: () => Promise.resolve(make()) }),
  ]);
  return new Map(report.suites[0]!.cases.map((c) => [c.name, c.status]));
}

function assertFailed(result: Map<string, string>, names: string[]): void {
  for (const name of names) {
    assert.ok(result.has(name), `no contract case named ${name}`);
    assert.equal(result.get(name), "failed", `expected "${name}" to fail`);
  }
}

Deno.test("broken document store: ignoring the bank fails every isolation case", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryDocumentStore();
    const b = (_bank: string) => "shared";
    return {
      ...inner,
      storeDocument: (d, bank) => inner.storeDocument(d, b(bank)),
      searchFulltext: (q, bank, o) => inner.searchFulltext(q, b(bank), o),
      getDocument: (id, bank) => inner.getDocument(id, b(bank)),
      listDocuments: (bank, o) => inner.listDocuments(b(bank), o),
      deleteDocuments: (ids, bank) => inner.deleteDocuments(ids, b(bank)),
      deleteBank: (bank) => inner.deleteBank(b(bank)),
    };
  });
  assertFailed(result, [
    "the same document id in two banks is two records",
    "every method is isolated by bank",
    "hostile bank ids are safe on every method",
    "deleteBank removes only that bank and returns the number removed",
    "getDocument returns null for unknown ids and other banks",
    "deleteDocuments removes only existing documents of the bank and counts them",
  ]);
});

Deno.test("broken document store: unsorted hits fail the ranking cases", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryDocumentStore();
    return {
      ...inner,
      searchFulltext: async (q, bank, o) => (await inner.searchFulltext(q, bank, o)).reverse(),
    };
  });
  assertFailed(result, [
    "searchFulltext ranks documents matching more query terms first",
    "searchFulltext breaks score ties by id",
  ]);
});

Deno.test("broken document store: ignored filters fail the filter cases", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryDocumentStore();
    return {
      ...inner,
      searchFulltext: (q, bank, o) => inner.searchFulltext(q, bank, { ...o, filters: undefined }),
    };
  });
  assertFailed(result, [
    "tag filter is any-overlap and excludes untagged documents",
    "metadata filters require exact equality on every given key",
    "tag and metadata filters combine with AND",
    "filtered search returns min(limit, matching) when other documents rank higher",
  ]);
});

Deno.test("broken document store: filtering after the limit fails the crowded case", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryDocumentStore();
    return {
      ...inner,
      searchFulltext: async (q, bank, o = {}) => {
        const hits = await inner.searchFulltext(q, bank, { limit: o.limit });
        return hits.filter((h) => matchesDocumentFilters(h, o.filters));
      },
    };
  });
  assertFailed(result, [
    "filtered search returns min(limit, matching) when other documents rank higher",
  ]);
  assert.equal(result.get("tag filter is any-overlap and excludes untagged documents"), "passed");
});

Deno.test("broken document store: bad paging and delete counts fail", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryDocumentStore();
    return {
      ...inner,
      listDocuments: async (bank, o = {}) => {
        const all = (await inner.listDocuments(bank, { limit: 100_000 })).reverse();
        const offset = o.offset ?? 0;
        return all.slice(offset, offset + (o.limit ?? 100));
      },
      deleteDocuments: async (ids, bank) => {
        await inner.deleteDocuments(ids, bank);
        return ids.length;
      },
    };
  });
  assertFailed(result, [
    "listDocuments pages by id ascending and visits every document exactly once",
    "deleteDocuments removes only existing documents of the bank and counts them",
  ]);
});

Deno.test("document store without filters: filter cases skip with the reason", async () => {
  const report = await runInline([documentStoreContract({
    create: () => {
      const inner = createInMemoryDocumentStore();
      return Promise.resolve({
        ...inner,
        capabilities: {
          ...inner.capabilities,
          filters: { tags: unsupported("no tags"), metadataFilters: unsupported("no metadata") },
        },
      });
    },
  })]);
  const skipped = report.suites[0]!.cases.filter((c) => c.status === "skipped");
  assert.deepEqual(skipped.map((c) => c.detail), [
    "tags filter unsupported: no tags",
    "metadataFilters unsupported: no metadata",
    "tags filter unsupported: no tags",
    "tags filter unsupported: no tags",
  ]);
  assert.equal(report.failed, 0);
});

Deno.test("in-memory BM25: exact score on a tiny corpus", async () => {
  const store = createInMemoryDocumentStore();
  await store.storeDocument({ id: "d", text: "a b" }, "bank");
  const [hit] = await store.searchFulltext("a", "bank");
  // N = 1, df = 1: idf = ln(1 + 0.5 / 1.5); tf = 1 and |d| = avgdl, so the tf part is 1.
  assertClose(hit!.score, Math.log(1 + 0.5 / 1.5), 1e-12);
  assert.equal(store.capabilities.scoring, "bm25");
});

Deno.test("in-memory BM25: a rarer term outweighs a common one", async () => {
  const store = createInMemoryDocumentStore();
  for (let i = 0; i < 5; i++) {
    await store.storeDocument({ id: `c${i}`, text: `common filler ${i}` }, "bank");
  }
  await store.storeDocument({ id: "rare", text: "rare filler" }, "bank");
  const hits = await store.searchFulltext("common rare", "bank");
  assert.equal(hits[0]!.documentId, "rare");
  assert.equal(hits.length, 6);
});

Deno.test("in-memory BM25: shorter documents and repeated terms rank higher", async () => {
  const store = createInMemoryDocumentStore();
  await store.storeDocument({ id: "short", text: "dark mode" }, "b");
  await store.storeDocument({ id: "long", text: "dark mode with many more filler words" }, "b");
  await store.storeDocument({ id: "twice", text: "dark dark mode with many more words" }, "b");
  const ids = (await store.searchFulltext("dark", "b")).map((h) => h.documentId);
  assert.equal(ids[0], "short");
  assert.ok(ids.indexOf("twice") < ids.indexOf("long"));
});

Deno.test("in-memory BM25: repeated query terms and filters do not change scores", async () => {
  const store = createInMemoryDocumentStore();
  await store.storeDocument({ id: "d1", text: "dark mode", tags: ["x"] }, "b");
  await store.storeDocument({ id: "d2", text: "light mode" }, "b");
  const [once] = await store.searchFulltext("dark", "b");
  const [twice] = await store.searchFulltext("dark DARK dark!", "b");
  const [filtered] = await store.searchFulltext("dark", "b", { filters: { tags: ["x"] } });
  assert.equal(once!.score, twice!.score);
  assert.equal(once!.score, filtered!.score);
});

Deno.test("in-memory document store: stored and returned documents are copies", async () => {
  const store = createInMemoryDocumentStore();
  const input = { id: "d1", text: "hello", tags: ["a"], metadata: { k: "v" } };
  await store.storeDocument(input, "b");
  input.tags.push("mutated");
  input.metadata.k = "mutated";
  const got = await store.getDocument("d1", "b");
  assert.deepEqual([got!.tags, got!.metadata], [["a"], { k: "v" }]);
  got!.tags!.push("again");
  const [hit] = await store.searchFulltext("hello", "b");
  assert.deepEqual(hit!.tags, ["a"]);
});

Deno.test("in-memory document store: errors are typed, prefixed and reject", async () => {
  const store = createInMemoryDocumentStore();
  const pending = store.storeDocument({ id: "", text: "x" }, "b");
  await assert.rejects(pending, (e: unknown) => {
    assert.ok(e instanceof ValidationError);
    assert.match(e.message, /^\[astrocyte\/core\] document\.id must be a non-empty string$/);
    return true;
  });
  await assert.rejects(
    store.storeDocument({ id: "d", text: "x", metadata: { n: Infinity } }, "b"),
    ValidationError,
  );
  await assert.rejects(
    store.storeDocument({ id: "d", text: "x", tags: [1 as unknown as string] }, "b"),
    ValidationError,
  );
  await assert.rejects(
    store.searchFulltext("x", "b", { filters: { tags: "a" as unknown as string[] } }),
    ValidationError,
  );
  assert.deepEqual(await store.listDocuments("b"), []);
});

Deno.test("matchesDocumentFilters follows the strict filter reading", () => {
  const d = { tags: ["a", "b"], metadata: { lang: "en", n: 1 } };
  assert.equal(matchesDocumentFilters(d, undefined), true);
  assert.equal(matchesDocumentFilters(d, {}), true);
  assert.equal(matchesDocumentFilters(d, { tags: ["b", "z"] }), true);
  assert.equal(matchesDocumentFilters(d, { tags: [] }), false);
  assert.equal(matchesDocumentFilters({}, { tags: ["a"] }), false);
  assert.equal(matchesDocumentFilters(d, { metadataFilters: { lang: "en", n: 1 } }), true);
  assert.equal(matchesDocumentFilters(d, { metadataFilters: { n: "1" } }), false);
  assert.equal(matchesDocumentFilters({}, { metadataFilters: { lang: "en" } }), false);
});
