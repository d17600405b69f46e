import assert from "node:assert/strict";
import type { PageIndexStore } from "../spi/pageindex_store.ts";
import { type ContractReport, registerDenoTests, runInline } from "../testing/harness.ts";
import { oneHot } from "../testing/fixtures.ts";
import { pageIndexStoreContract } from "../testing/pageindex_store_contract.ts";
import { createInMemoryPageIndexStore } from "./pageindex_store.ts";

registerDenoTests(pageIndexStoreContract({
  name: "PageIndexStore contract (in-memory)",
  create: () => Promise.resolve(createInMemoryPageIndexStore()),
}));

/** The in-memory store with some methods replaced. */
function broken(
  patch: (inner: PageIndexStore) => Partial<PageIndexStore>,
): () => Promise<PageIndexStore> {
  return () => {
    const inner = createInMemoryPageIndexStore();
    return Promise.resolve({ ...inner, ...patch(inner) });
  };
}

async function failedCases(create: () => Promise<PageIndexStore>): Promise<Set<string>> {
  const report: ContractReport = await runInline([pageIndexStoreContract({ create })]);
  return new Set(
    report.suites[0]!.cases.filter((c) => c.status === "failed").map((c) => c.name),
  );
}

function assertFailed(failed: Set<string>, expected: string[]): void {
  for (const name of expected) assert.ok(failed.has(name), `expected "${name}" to fail`);
}

Deno.test("contract fails a store whose saveSections appends instead of replacing", async () => {
  const failed = await failedCases(broken((inner) => ({
    async saveSections(ref, sections) {
      const kept = (await inner.loadSectionsWithEmbeddings(ref))
        .filter((old) => !sections.some((s) => s.lineNum === old.lineNum));
      await inner.saveSections(ref, [...kept, ...sections]);
      return sections.length;
    },
  })));
  assertFailed(failed, [
    "saveSections replaces the tree atomically",
    "saveSections with an empty list clears the tree",
  ]);
  assert.ok(!failed.has("loadSkeleton orders by lineNum"));
});

Deno.test("contract fails a store whose expandSectionLinks leaks other banks", async () => {
  const banks = new Set<string>();
  const failed = await failedCases(broken((inner) => ({
    async saveDocument(doc) {
      const id = await inner.saveDocument(doc);
      banks.add(doc.bankId);
      return id;
    },
    async expandSectionLinks(bankId, seeds, options) {
      const all = [];
      for (const b of new Set([bankId, ...banks])) {
        all.push(...await inner.expandSectionLinks(b, seeds, options));
      }
      return all;
    },
  })));
  assertFailed(failed, [
    "expandSectionLinks is scoped to the bank",
    "every method is isolated between banks sharing caller ids",
    "every method is isolated between hostile bank ids",
  ]);
  assert.ok(!failed.has("expandSectionLinks follows links both ways and sums weights"));
});

Deno.test("contract fails a store that counts attempted rather than written edges", async () => {
  const failed = await failedCases(broken((inner) => ({
    async saveSectionEntities(bankId, entities) {
      await inner.saveSectionEntities(bankId, entities);
      return entities.length;
    },
    async saveSectionLinks(bankId, links) {
      await inner.saveSectionLinks(bankId, links);
      return links.length;
    },
  })));
  assertFailed(failed, [
    "saveSectionEntities is idempotent and case-sensitive",
    "saveSectionLinks is idempotent and keeps the first weight",
    "saveSectionEntities and saveSectionLinks skip sections outside the bank",
  ]);
});

Deno.test("contract fails a store that keys section trees by document id alone", async () => {
  // A store keyed by document id alone (upstream's in-memory bucket layout): the second bank's
  // sections overwrite the first bank's tree.
  const failed = await failedCases(broken((inner) => {
    const owner = new Map<string, string>();
    return {
      async saveSections(ref, sections) {
        const first = owner.get(ref.documentId) ?? ref.bankId;
        owner.set(ref.documentId, first);
        const n = await inner.saveSections(ref, sections);
        if (first !== ref.bankId) await inner.saveSections({ ...ref, bankId: first }, sections);
        return n;
      },
    };
  }));
  assertFailed(failed, ["the same caller document id in two banks stays two documents"]);
});

Deno.test("in-memory: saveWikiPage without an embedding keeps the previous one", async () => {
  const store = createInMemoryPageIndexStore();
  const page = {
    pageId: "p",
    bankId: "b",
    kind: "topic" as const,
    title: "T",
    content: "v1",
    scope: "document:d",
    sourceIds: [],
    crossLinks: [],
    revision: 1,
    revisedAt: new Date(0),
  };
  await store.saveWikiPage({ page, embedding: oneHot(4, 0), provenance: [] });
  await store.saveWikiPage({ page: { ...page, content: "v2" }, provenance: [] });
  const hits = await store.searchWikiPagesSemantic("b", oneHot(4, 0));
  assert.deepEqual(hits.map((h) => [h.pageId, h.content, h.score]), [["p", "v2", 1]]);
});

Deno.test("in-memory: keyword scores count query terms found as substrings", async () => {
  const store = createInMemoryPageIndexStore();
  const documentId = await store.saveDocument({ id: "d", bankId: "b", sourceId: "s", mdText: "" });
  await store.saveSections({ bankId: "b", documentId }, [
    { documentId, lineNum: 1, nodeId: "1", title: "Weddings", summary: "venues and budgets" },
  ]);
  const [hit] = await store.searchSectionsKeyword("b", "wedding venue budget zeppelin");
  assert.equal(hit?.score, 3);
  await store.saveFacts([{ id: "f", bankId: "b", text: "a wedding venue", factType: "world" }]);
  const [fact] = await store.searchFactsKeyword("b", "wedding wedding venue a");
  assert.equal(fact?.score, 2);
});

Deno.test("in-memory: deleteBank counts every record it removes", async () => {
  const store = createInMemoryPageIndexStore();
  const documentId = await store.saveDocument({ id: "d", bankId: "b", sourceId: "s", mdText: "" });
  const ref = { bankId: "b", documentId };
  await store.saveSections(ref, [
    { documentId, lineNum: 1, nodeId: "1", title: "a" },
    { documentId, lineNum: 2, nodeId: "2", title: "b" },
  ]);
  await store.saveSectionEntities("b", [{ documentId, lineNum: 1, entityName: "A" }]);
  await store.saveSectionLinks("b", [
    { fromDoc: documentId, fromLine: 1, toDoc: documentId, toLine: 2, linkType: "x", weight: 1 },
  ]);
  await store.saveFacts([{ id: "f", bankId: "b", text: "t", factType: "world" }]);
  // 1 document + 2 sections + 1 entity + 1 link + 1 fact.
  assert.equal(await store.deleteBank("b"), 6);
  assert.equal(await store.deleteBank("b"), 0);
});
