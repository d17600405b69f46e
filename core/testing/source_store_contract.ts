/**
 * The SourceStore contract suite (`spi.md` §2.1, §2.9, §2.11, §2.12, §2.13): every method,
 * hash dedup per bank (documents and chunks, also within one call), hard deletes that cascade
 * to chunks and hash entries, newest-first listing with insertion-order ties, bank isolation
 * with hostile bank ids, validation that writes nothing, a large chunk batch, and every case
 * of upstream's `test_source_store.py`.
 *
 * @example
 * ```ts ignore
 * import { registerDenoTests, sourceStoreContract } from "@astrocyte/core/testing";
 * import { createInMemorySourceStore } from "@astrocyte/core";
 *
 * registerDenoTests(sourceStoreContract({ create: () => Promise.resolve(createInMemorySourceStore()) }));
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import type { SourceChunk, SourceDocument, SourceStore } from "../spi/source_store.ts";
import { assertRejectsWith } from "./fixtures.ts";
import {
  buildSuite,
  type CaseDefinition,
  type ContractOptions,
  type ContractSuite,
  HOSTILE_BANK_PREFIXES,
  hostileBankId,
} from "./harness.ts";
import {
  assertRecentDate,
  defined,
  HOSTILE_IDS,
  HOSTILE_TEXTS,
  integerFieldCases,
  NEGATIVE_ZERO_METADATA,
  NEGATIVE_ZERO_METADATA_STORED,
  storedValueCases,
  stringRuleCases,
} from "./_contract_helpers.ts";

function doc(id: string, bankId: string, over: Partial<SourceDocument> = {}): SourceDocument {
  return {
    id,
    bankId,
    title: `doc ${id}`,
    sourceUri: `memory://${id}`,
    contentType: "text/plain",
    metadata: { k: "v" },
    ...over,
  };
}

function chunk(
  id: string,
  documentId: string,
  bankId: string,
  over: Partial<SourceChunk> = {},
): SourceChunk {
  return {
    id,
    bankId,
    documentId,
    chunkIndex: 0,
    text: `text for ${id}`,
    metadata: {},
    ...over,
  };
}

const docIds = (docs: readonly SourceDocument[]): string[] => docs.map((d) => d.id);
const chunkIds = (chunks: readonly SourceChunk[]): string[] => chunks.map((c) => c.id);

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Core's portable string rule (core/README.md, "Input rules") on every method. */
function inputRuleCases(): CaseDefinition<SourceStore>[] {
  return stringRuleCases<SourceStore>({
    async seed({ store }, b) {
      await store.storeDocument(doc("keep", b, { contentHash: "h-keep" }));
      await store.storeChunks([chunk("c-keep", "keep", b, { contentHash: "hc-keep" })]);
    },
    async snapshot({ store }, b) {
      return {
        documents: await store.listDocuments(b, { limit: 1000 }),
        chunks: await store.listChunks("keep", b),
      };
    },
    writes({ store }, b, bad) {
      const d = (over: Partial<SourceDocument>) => () => store.storeDocument(doc("keep", b, over));
      const c = (over: Partial<SourceChunk>) => () =>
        store.storeChunks([chunk("c-keep", "keep", b, over)]);
      return {
        "storeDocument id": d({ id: `keep${bad}` }),
        "storeDocument title": d({ title: bad }),
        "storeDocument sourceUri": d({ sourceUri: bad }),
        "storeDocument contentHash": d({ contentHash: bad }),
        "storeDocument contentType": d({ contentType: bad }),
        "storeDocument metadata value": d({ metadata: { k: bad } }),
        "storeDocument metadata key": d({ metadata: { [`k${bad}`]: "v" } }),
        "storeChunks id": c({ id: `c-keep${bad}` }),
        "storeChunks documentId": c({ documentId: `keep${bad}` }),
        "storeChunks text": c({ text: bad }),
        "storeChunks contentHash": c({ contentHash: bad }),
        "storeChunks metadata value": c({ metadata: { k: bad } }),
        "storeChunks metadata key": c({ metadata: { [`k${bad}`]: "v" } }),
        "storeChunks second chunk": () =>
          store.storeChunks([chunk("c-new", "keep", b), chunk(`c-new${bad}`, "keep", b)]),
        "deleteDocument id": () => store.deleteDocument(`keep${bad}`, b),
      };
    },
    reads({ store }, b, bad) {
      return {
        "getDocument id": () => store.getDocument(`keep${bad}`, b),
        "findDocumentByHash hash": () => store.findDocumentByHash(`h-keep${bad}`, b),
        "getChunk id": () => store.getChunk(`c-keep${bad}`, b),
        "listChunks documentId": () => store.listChunks(`keep${bad}`, b),
        "findChunkByHash hash": () => store.findChunkByHash(`hc-keep${bad}`, b),
      };
    },
    everyMethod({ store }, b) {
      return {
        storeDocument: () => store.storeDocument(doc("d1", b)),
        getDocument: () => store.getDocument("d1", b),
        findDocumentByHash: () => store.findDocumentByHash("h1", b),
        listDocuments: () => store.listDocuments(b),
        deleteDocument: () => store.deleteDocument("d1", b),
        storeChunks: () => store.storeChunks([chunk("c1", "d1", b)]),
        getChunk: () => store.getChunk("c1", b),
        listChunks: () => store.listChunks("d1", b),
        findChunkByHash: () => store.findChunkByHash("h1", b),
        deleteBank: () => store.deleteBank(b),
      };
    },
    idCalls: ({ store }, b, id) => ({
      "getDocument documentId": () => store.getDocument(id, b),
      "deleteDocument documentId": () => store.deleteDocument(id, b),
      "getChunk chunkId": () => store.getChunk(id, b),
      "listChunks documentId": () => store.listChunks(id, b),
    }),
    countCalls: ({ store }, b, n) => ({
      "listDocuments limit": () => store.listDocuments(b, { limit: n }),
    }),
  });
}

/** Core's stored-integer rule (core/README.md, "Input rules"): `chunkIndex` is int32, ≥ 0. */
function integerCases(): CaseDefinition<SourceStore>[] {
  return integerFieldCases<SourceStore>({
    async seed({ store }, b) {
      await store.storeDocument(doc("keep", b, { contentHash: "h-keep" }));
      await store.storeChunks([chunk("c-keep", "keep", b, { contentHash: "hc-keep" })]);
    },
    snapshot: async ({ store }, b) => ({
      documents: await store.listDocuments(b, { limit: 1000 }),
      chunks: await store.listChunks("keep", b),
    }),
    fields: {
      "storeChunks chunkIndex": {
        min: 0,
        field: "chunkIndex",
        async roundTrip({ store }, b, n) {
          await store.storeDocument(doc("d-int", b));
          const stored = chunk("c-int", "d-int", b, { chunkIndex: n });
          assert.deepEqual(await store.storeChunks([stored]), ["c-int"]);
          assert.equal((await store.getChunk("c-int", b))?.chunkIndex, n);
          assert.deepEqual((await store.listChunks("d-int", b)).map((c) => c.chunkIndex), [n]);
        },
        call: ({ store }, b, n) =>
          store.storeChunks([
            chunk("c-new", "keep", b, { chunkIndex: 1 }),
            chunk("c-bad", "keep", b, { chunkIndex: n }),
          ]),
      },
    },
  });
}

/** Core's stored-value rule: −0 is stored as 0. */
function storedValueRuleCases(): CaseDefinition<SourceStore>[] {
  return storedValueCases<SourceStore>({
    negativeZero: {
      "document metadata (getDocument, listDocuments, findDocumentByHash)": async (
        { store },
        b,
      ) => {
        await store.storeDocument(
          doc("d-nz", b, { contentHash: "h-nz", metadata: { ...NEGATIVE_ZERO_METADATA } }),
        );
        const got = await store.getDocument("d-nz", b);
        const [listed] = await store.listDocuments(b);
        const byHash = await store.findDocumentByHash("h-nz", b);
        const want = NEGATIVE_ZERO_METADATA_STORED;
        return [[got?.metadata, listed?.metadata, byHash?.metadata], [want, want, want]];
      },
      "chunk metadata and chunkIndex (getChunk, listChunks, findChunkByHash)": async (
        { store },
        b,
      ) => {
        await store.storeDocument(doc("d-nz", b));
        await store.storeChunks([
          chunk("c-nz", "d-nz", b, {
            chunkIndex: -0,
            contentHash: "hc-nz",
            metadata: { ...NEGATIVE_ZERO_METADATA },
          }),
        ]);
        const view = (c: SourceChunk | null | undefined) => [c?.chunkIndex, c?.metadata];
        const got = await store.getChunk("c-nz", b);
        const [listed] = await store.listChunks("d-nz", b);
        const byHash = await store.findChunkByHash("hc-nz", b);
        const want = [0, NEGATIVE_ZERO_METADATA_STORED];
        return [[view(got), view(listed), view(byHash)], [want, want, want]];
      },
    },
  });
}

function cases(largeBatch: number): CaseDefinition<SourceStore>[] {
  return [
    {
      name: "storeDocument returns the id and getDocument finds it (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        assert.equal(await store.storeDocument(doc("d1", b)), "d1");
        const got = await store.getDocument("d1", b);
        assert.equal(got?.id, "d1");
        assert.equal(got?.title, "doc d1");
        assert.equal(got?.bankId, b);
      },
    },
    {
      name: "storeDocument round-trips every field and keeps a caller createdAt",
      async fn({ store, bank }) {
        const b = bank();
        const input = doc("d1", b, {
          contentHash: "a".repeat(64),
          metadata: { author: "Ann", pages: 12, draft: false, reviewer: null },
          createdAt: new Date("2023-04-05T06:07:08.009Z"),
        });
        await store.storeDocument(input);
        assert.deepEqual(defined(await store.getDocument("d1", b)), input);
        const bare: SourceDocument = { id: "bare", bankId: b };
        await store.storeDocument(bare);
        const got = await store.getDocument("bare", b);
        assert.ok(got !== null);
        const { createdAt, ...rest } = got;
        assert.deepEqual(defined(rest), bare);
        assertRecentDate(createdAt, "createdAt");
      },
    },
    {
      name: "getDocument returns null for a missing document or an unknown bank (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        assert.equal(await store.getDocument("nope", b), null);
        await store.storeDocument(doc("d1", b));
        assert.equal(await store.getDocument("nope", b), null);
        assert.equal(await store.getDocument("d1", bank("unknown")), null);
      },
    },
    {
      name: "the same document id in two banks is two records (upstream)",
      async fn({ store, bank }) {
        const a = bank("a");
        const b = bank("b");
        await store.storeDocument(doc("d1", a));
        await store.storeDocument(doc("d1", b, { title: "other" }));
        assert.equal((await store.getDocument("d1", a))?.title, "doc d1");
        assert.equal((await store.getDocument("d1", b))?.title, "other");
        assert.equal((await store.getDocument("d1", b))?.bankId, b);
      },
    },
    {
      name: "listDocuments lists the most recent first (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("oldest", b));
        await store.storeDocument(doc("middle", b));
        await store.storeDocument(doc("newest", b));
        assert.deepEqual(docIds(await store.listDocuments(b)), ["newest", "middle", "oldest"]);
      },
    },
    {
      name: "listDocuments breaks createdAt ties by insertion order, later first",
      async fn({ store, bank }) {
        const b = bank();
        const n = 30;
        for (let i = 0; i < n; i++) {
          await store.storeDocument(doc(`rapid-${String(i).padStart(2, "0")}`, b));
        }
        const expected = Array.from(
          { length: n },
          (_, i) => `rapid-${String(n - 1 - i).padStart(2, "0")}`,
        );
        assert.deepEqual(docIds(await store.listDocuments(b)), expected);
        const same = new Date("2020-01-01T00:00:00.000Z");
        const t = bank("ties");
        for (const id of ["z", "a", "m"]) {
          await store.storeDocument(doc(id, t, { createdAt: same }));
        }
        assert.deepEqual(docIds(await store.listDocuments(t)), ["m", "a", "z"]);
      },
    },
    {
      name: "listDocuments orders by createdAt before insertion order",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("y2020", b, { createdAt: new Date("2020-01-01T00:00:00Z") }));
        await store.storeDocument(doc("y2022", b, { createdAt: new Date("2022-01-01T00:00:00Z") }));
        await store.storeDocument(doc("y2021", b, { createdAt: new Date("2021-01-01T00:00:00Z") }));
        await store.storeDocument(doc("now", b));
        await store.storeDocument(doc("y2019", b, { createdAt: new Date("2019-01-01T00:00:00Z") }));
        assert.deepEqual(docIds(await store.listDocuments(b)), [
          "now",
          "y2022",
          "y2021",
          "y2020",
          "y2019",
        ]);
      },
    },
    {
      name: "listDocuments honours limit (default 100) and is empty for an unknown bank",
      async fn({ store, bank }) {
        const b = bank();
        const base = Date.parse("2024-01-01T00:00:00Z");
        for (let i = 0; i < 105; i++) {
          await store.storeDocument(doc(`d${i}`, b, { createdAt: new Date(base + i * 1000) }));
        }
        const all = await store.listDocuments(b);
        assert.equal(all.length, 100);
        assert.equal(all[0]!.id, "d104");
        assert.equal(all[99]!.id, "d5");
        assert.deepEqual(docIds(await store.listDocuments(b, { limit: 3 })), [
          "d104",
          "d103",
          "d102",
        ]);
        assert.equal((await store.listDocuments(b, { limit: 1000 })).length, 105);
        assert.deepEqual(await store.listDocuments(b, { limit: 0 }), []);
        assert.deepEqual(await store.listDocuments(bank("unknown")), []);
      },
    },
    {
      name: "storeDocument with an existing id replaces the document in place",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("a", b, { createdAt: new Date("2024-01-01T00:00:00Z") }));
        await store.storeDocument(doc("b", b, { createdAt: new Date("2024-02-01T00:00:00Z") }));
        assert.equal(
          await store.storeDocument({ id: "a", bankId: b, title: "replaced", contentHash: "h-a" }),
          "a",
        );
        const got = await store.getDocument("a", b);
        assert.deepEqual(defined(got), {
          id: "a",
          bankId: b,
          title: "replaced",
          contentHash: "h-a",
          createdAt: new Date("2024-01-01T00:00:00Z"),
        });
        assert.deepEqual(docIds(await store.listDocuments(b)), ["b", "a"]);
      },
    },
    {
      name: "document dedup returns the existing id and writes nothing (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        assert.equal(
          await store.storeDocument(doc("d-first", b, { contentHash: "hash-A" })),
          "d-first",
        );
        assert.equal(
          await store.storeDocument(doc("d-DIFFERENT", b, { contentHash: "hash-A", title: "dup" })),
          "d-first",
        );
        assert.equal(
          await store.storeDocument(doc("d-first", b, { contentHash: "hash-A", title: "changed" })),
          "d-first",
        );
        assert.equal(await store.getDocument("d-DIFFERENT", b), null);
        assert.equal((await store.getDocument("d-first", b))?.title, "doc d-first");
        assert.deepEqual(docIds(await store.listDocuments(b)), ["d-first"]);
      },
    },
    {
      name: "document dedup never crosses banks (upstream)",
      async fn({ store, bank }) {
        const a = bank("a");
        const b = bank("b");
        assert.equal(await store.storeDocument(doc("d-a", a, { contentHash: "h" })), "d-a");
        assert.equal(await store.storeDocument(doc("d-b", b, { contentHash: "h" })), "d-b");
        assert.equal((await store.findDocumentByHash("h", a))?.id, "d-a");
        assert.equal((await store.findDocumentByHash("h", b))?.id, "d-b");
      },
    },
    {
      name: "documents without a hash are never deduplicated (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        assert.equal(await store.storeDocument(doc("d1", b)), "d1");
        assert.equal(await store.storeDocument(doc("d2", b)), "d2");
        assert.equal((await store.listDocuments(b)).length, 2);
      },
    },
    {
      name: "findDocumentByHash finds the live document or returns null (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        assert.equal(await store.findDocumentByHash("hash-X", b), null);
        await store.storeDocument(doc("d1", b, { contentHash: "hash-X" }));
        const found = await store.findDocumentByHash("hash-X", b);
        assert.deepEqual(defined(found), defined(await store.getDocument("d1", b)));
        assert.equal(await store.findDocumentByHash("no-such", b), null);
        assert.equal(await store.findDocumentByHash("hash-X", bank("other")), null);
      },
    },
    {
      name: "a document's hash follows its current content",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("d1", b, { contentHash: "h1" }));
        await store.storeDocument(doc("d1", b, { contentHash: "h2" }));
        assert.equal(await store.findDocumentByHash("h1", b), null);
        assert.equal((await store.findDocumentByHash("h2", b))?.id, "d1");
        assert.equal(await store.storeDocument(doc("d2", b, { contentHash: "h1" })), "d2");
        await store.storeDocument(doc("d2", b));
        assert.equal(await store.findDocumentByHash("h1", b), null);
        assert.equal(await store.storeDocument(doc("d3", b, { contentHash: "h1" })), "d3");
      },
    },
    {
      name: "deleteDocument removes the document (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("d1", b));
        await store.storeDocument(doc("d2", b));
        assert.equal(await store.deleteDocument("d1", b), true);
        assert.equal(await store.getDocument("d1", b), null);
        assert.deepEqual(docIds(await store.listDocuments(b)), ["d2"]);
        assert.equal(await store.deleteDocument("d1", b), false);
        assert.equal(await store.deleteDocument("nope", b), false);
        assert.equal(await store.deleteDocument("d2", bank("other")), false);
        assert.ok(await store.getDocument("d2", b));
      },
    },
    {
      name: "deleteDocument cascades to the document's chunks (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("d1", b));
        await store.storeChunks([0, 1, 2].map((i) => chunk(`c${i}`, "d1", b, { chunkIndex: i })));
        assert.equal((await store.listChunks("d1", b)).length, 3);
        await store.deleteDocument("d1", b);
        assert.deepEqual(await store.listChunks("d1", b), []);
        for (const id of ["c0", "c1", "c2"]) assert.equal(await store.getChunk(id, b), null);
      },
    },
    {
      name: "deleteDocument releases the document and chunk hashes",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("d1", b, { contentHash: "doc-h" }));
        await store.storeChunks([chunk("c1", "d1", b, { contentHash: "chunk-h" })]);
        await store.deleteDocument("d1", b);
        assert.equal(await store.findDocumentByHash("doc-h", b), null);
        assert.equal(await store.findChunkByHash("chunk-h", b), null);
        assert.equal(
          await store.storeDocument(doc("d1-again", b, { contentHash: "doc-h" })),
          "d1-again",
        );
        assert.deepEqual(
          await store.storeChunks([chunk("c1-again", "d1-again", b, { contentHash: "chunk-h" })]),
          ["c1-again"],
        );
        assert.equal((await store.findChunkByHash("chunk-h", b))?.id, "c1-again");
      },
    },
    {
      name: "deleteDocument leaves other documents and banks alone",
      async fn({ store, bank }) {
        const a = bank("a");
        const b = bank("b");
        for (const [bankId, docId] of [[a, "d1"], [a, "d2"], [b, "d1"]] as const) {
          await store.storeDocument(doc(docId, bankId, { contentHash: `${docId}-h` }));
          await store.storeChunks(
            [0, 1].map((i) =>
              chunk(`${docId}-c${i}`, docId, bankId, {
                chunkIndex: i,
                contentHash: `${docId}-c${i}-h`,
              })
            ),
          );
        }
        assert.equal(await store.deleteDocument("d1", a), true);
        assert.deepEqual(chunkIds(await store.listChunks("d2", a)), ["d2-c0", "d2-c1"]);
        assert.deepEqual(chunkIds(await store.listChunks("d1", b)), ["d1-c0", "d1-c1"]);
        assert.equal((await store.findDocumentByHash("d1-h", b))?.id, "d1");
        assert.equal((await store.findChunkByHash("d1-c0-h", b))?.id, "d1-c0");
        assert.ok(await store.getDocument("d1", b));
      },
    },
    {
      name: "storeChunks returns ids in input order and listChunks orders by chunkIndex (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("d1", b));
        const ids = await store.storeChunks([
          chunk("c2", "d1", b, { chunkIndex: 2 }),
          chunk("c0", "d1", b, { chunkIndex: 0 }),
          chunk("c1", "d1", b, { chunkIndex: 1 }),
          chunk("other", "d2", b, { chunkIndex: 0 }),
        ]);
        assert.deepEqual(ids, ["c2", "c0", "c1", "other"]);
        const listed = await store.listChunks("d1", b);
        assert.deepEqual(listed.map((c) => c.chunkIndex), [0, 1, 2]);
        assert.deepEqual(chunkIds(listed), ["c0", "c1", "c2"]);
        assert.deepEqual(await store.listChunks("nope", b), []);
        assert.deepEqual(await store.listChunks("d1", bank("other")), []);
      },
    },
    {
      name: "storeChunks round-trips every field and stamps createdAt when absent",
      async fn({ store, bank }) {
        const b = bank();
        const full = chunk("c1", "d1", b, {
          chunkIndex: 7,
          text: "full text\nwith lines",
          contentHash: "f".repeat(64),
          metadata: { page: 3, heading: "Intro", ocr: false, lang: null },
          createdAt: new Date("2022-02-02T02:02:02.002Z"),
        });
        await store.storeChunks([full, {
          id: "c2",
          bankId: b,
          documentId: "d1",
          chunkIndex: 8,
          text: "",
        }]);
        assert.deepEqual(defined(await store.getChunk("c1", b)), full);
        const bare = await store.getChunk("c2", b);
        assert.ok(bare !== null);
        const { createdAt, ...rest } = bare;
        assert.deepEqual(defined(rest), {
          id: "c2",
          bankId: b,
          documentId: "d1",
          chunkIndex: 8,
          text: "",
        });
        assertRecentDate(createdAt, "createdAt");
      },
    },
    {
      name: "getChunk finds a chunk or returns null (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("d1", b));
        await store.storeChunks([chunk("c0", "d1", b)]);
        assert.equal((await store.getChunk("c0", b))?.id, "c0");
        assert.equal(await store.getChunk("nope", b), null);
        assert.equal(await store.getChunk("c0", bank("other")), null);
      },
    },
    {
      name: "chunk dedup returns the existing id and writes nothing (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("d1", b));
        assert.deepEqual(
          await store.storeChunks([chunk("c-orig", "d1", b, { contentHash: "h0" })]),
          [
            "c-orig",
          ],
        );
        assert.deepEqual(
          await store.storeChunks([
            chunk("c-DIFFERENT", "d1", b, { chunkIndex: 99, contentHash: "h0" }),
          ]),
          ["c-orig"],
        );
        assert.equal(await store.getChunk("c-DIFFERENT", b), null);
        assert.deepEqual(chunkIds(await store.listChunks("d1", b)), ["c-orig"]);
      },
    },
    {
      name: "chunk dedup applies within one call and across documents of the bank",
      async fn({ store, bank }) {
        const b = bank();
        const ids = await store.storeChunks([
          chunk("a", "d1", b, { chunkIndex: 0, contentHash: "h1" }),
          chunk("b", "d1", b, { chunkIndex: 1, contentHash: "h1" }),
          chunk("c", "d1", b, { chunkIndex: 2, contentHash: "h2" }),
          chunk("d", "d2", b, { chunkIndex: 0, contentHash: "h2" }),
          chunk("e", "d2", b, { chunkIndex: 1 }),
          chunk("f", "d2", b, { chunkIndex: 2 }),
        ]);
        assert.deepEqual(ids, ["a", "a", "c", "c", "e", "f"]);
        assert.deepEqual(chunkIds(await store.listChunks("d1", b)), ["a", "c"]);
        assert.deepEqual(chunkIds(await store.listChunks("d2", b)), ["e", "f"]);
        assert.equal(await store.getChunk("b", b), null);
        assert.equal(await store.getChunk("d", b), null);
      },
    },
    {
      name: "findChunkByHash finds the chunk or returns null (upstream)",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("d1", b));
        await store.storeChunks([chunk("c0", "d1", b, { contentHash: "hash-Y" })]);
        assert.deepEqual(
          defined(await store.findChunkByHash("hash-Y", b)),
          defined(await store.getChunk("c0", b)),
        );
        assert.equal(await store.findChunkByHash("no-such", b), null);
        assert.equal(await store.findChunkByHash("hash-Y", bank("other")), null);
      },
    },
    {
      name: "chunk dedup never crosses banks (upstream)",
      async fn({ store, bank }) {
        const a = bank("a");
        const b = bank("b");
        await store.storeDocument(doc("d-a", a));
        await store.storeDocument(doc("d-b", b));
        assert.deepEqual(await store.storeChunks([chunk("c-a", "d-a", a, { contentHash: "h" })]), [
          "c-a",
        ]);
        assert.deepEqual(await store.storeChunks([chunk("c-b", "d-b", b, { contentHash: "h" })]), [
          "c-b",
        ]);
        assert.deepEqual(
          await store.storeChunks([
            chunk("c-a2", "d-a", a, { contentHash: "h2" }),
            chunk("c-b2", "d-b", b, { contentHash: "h2" }),
          ]),
          ["c-a2", "c-b2"],
        );
        assert.equal((await store.findChunkByHash("h", b))?.id, "c-b");
      },
    },
    {
      name: "storeChunks with an existing id replaces the chunk",
      async fn({ store, bank }) {
        const b = bank();
        await store.storeChunks([chunk("c1", "d1", b, { text: "old", contentHash: "old-h" })]);
        assert.deepEqual(
          await store.storeChunks([chunk("c1", "d1", b, { text: "new", contentHash: "new-h" })]),
          ["c1"],
        );
        const listed = await store.listChunks("d1", b);
        assert.deepEqual(listed.map((c) => [c.id, c.text]), [["c1", "new"]]);
        assert.equal(await store.findChunkByHash("old-h", b), null);
        assert.equal((await store.findChunkByHash("new-h", b))?.id, "c1");
        assert.deepEqual(await store.storeChunks([]), []);
      },
    },
    {
      name: "storeChunks applies a call in order: repeated ids keep createdAt, hashes move",
      async fn({ store, bank }) {
        const b = bank();
        const t0 = new Date(Date.UTC(2020, 0, 1));
        const t1 = new Date(Date.UTC(2021, 0, 1));
        const t2 = new Date(Date.UTC(2022, 0, 1));
        await store.storeChunks([
          chunk("a", "d1", b, { contentHash: "h-a", createdAt: t0 }),
          chunk("x", "d1", b, { chunkIndex: 9, contentHash: "h-x", createdAt: t0 }),
        ]);
        const ids = await store.storeChunks([
          // A repeated id without createdAt keeps the one its first copy gave (new and
          // existing chunks alike).
          chunk("n", "d1", b, { chunkIndex: 1, createdAt: t1, contentHash: "h-n1" }),
          chunk("n", "d1", b, { chunkIndex: 1, text: "n again", contentHash: "h-n2" }),
          chunk("x", "d1", b, { chunkIndex: 9, createdAt: t2, contentHash: "h-x2" }),
          chunk("x", "d1", b, { chunkIndex: 9, text: "x again", contentHash: "h-x3" }),
          // "a" releases h-a, "b" takes it, then "a" is overwritten once more.
          chunk("a", "d1", b, { text: "a moved", contentHash: "h-a2" }),
          chunk("b", "d1", b, { chunkIndex: 2, contentHash: "h-a" }),
          chunk("a", "d1", b, { text: "a final", contentHash: "h-a3" }),
          chunk("c", "d1", b, { chunkIndex: 3, contentHash: "h-a2" }),
          chunk("dup", "d1", b, { chunkIndex: 4, contentHash: "h-a" }),
          chunk("dup", "d1", b, { chunkIndex: 4, contentHash: "h-n2" }),
        ]);
        assert.deepEqual(ids, ["n", "n", "x", "x", "a", "b", "a", "c", "b", "n"]);
        const got = await store.listChunks("d1", b);
        assert.deepEqual(
          got.map((c) => [c.id, c.text, c.contentHash, c.createdAt?.toISOString()]),
          [
            ["a", "a final", "h-a3", t0.toISOString()],
            ["n", "n again", "h-n2", t1.toISOString()],
            ["b", "text for b", "h-a", got[2]?.createdAt?.toISOString()],
            ["c", "text for c", "h-a2", got[3]?.createdAt?.toISOString()],
            ["x", "x again", "h-x3", t2.toISOString()],
          ],
        );
        assertRecentDate(got[2]?.createdAt, "b.createdAt");
        for (const [hash, id] of [["h-a", "b"], ["h-a2", "c"], ["h-a3", "a"], ["h-n2", "n"]]) {
          assert.equal((await store.findChunkByHash(hash!, b))?.id, id, hash);
        }
        for (const hash of ["h-n1", "h-x", "h-x2"]) {
          assert.equal(await store.findChunkByHash(hash, b), null, hash);
        }
        assert.equal(await store.getChunk("dup", b), null);
      },
    },
    {
      name: "storeChunks validates the whole batch before writing anything",
      async fn({ store, bank }) {
        const b = bank();
        const good = chunk("good", "d1", b, { contentHash: "good-h" });
        const bad: unknown[] = [
          chunk("", "d1", b),
          chunk("x", "", b),
          chunk("x", "d1", ""),
          chunk("x", "d1", b, { chunkIndex: -1 }),
          chunk("x", "d1", b, { chunkIndex: 1.5 }),
          { ...chunk("x", "d1", b), text: 3 },
          { ...chunk("x", "d1", b), metadata: { deep: [1] } },
          null,
        ];
        for (const c of bad) {
          await assertRejectsWith(
            () => store.storeChunks([good, c as SourceChunk]),
            ValidationError,
          );
        }
        assert.equal(await store.getChunk("good", b), null);
        assert.equal(await store.findChunkByHash("good-h", b), null);
        assert.deepEqual(await store.listChunks("d1", b), []);
      },
    },
    {
      name: "storeDocument rejects invalid input and writes nothing",
      async fn({ store, bank }) {
        const b = bank();
        const bad: unknown[] = [
          doc("", b),
          doc("d", ""),
          { ...doc("d", b), title: 5 },
          { ...doc("d", b), metadata: { nested: { a: 1 } } },
          { ...doc("d", b), createdAt: new Date("not a date") },
          { ...doc("d", b), createdAt: "2024-01-01" },
          undefined,
        ];
        for (const d of bad) {
          await assertRejectsWith(() => store.storeDocument(d as SourceDocument), ValidationError);
        }
        assert.deepEqual(await store.listDocuments(b), []);
        assert.equal(await store.getDocument("d", b), null);
      },
    },
    {
      name: "every method is scoped to its bank, including hostile bank ids",
      async fn({ store, bank }) {
        const plain = bank("plain");
        for (let i = 0; i < HOSTILE_BANK_PREFIXES.length; i++) {
          const h = hostileBankId(i);
          for (const bankId of [h, plain]) {
            await store.storeDocument(
              doc("shared", bankId, { title: bankId, contentHash: "doc-h" }),
            );
            await store.storeChunks(
              [0, 1].map((k) =>
                chunk(`shared-c${k}`, "shared", bankId, {
                  chunkIndex: k,
                  text: bankId,
                  contentHash: `c${k}-h`,
                })
              ),
            );
          }
          await store.storeDocument(doc("only-hostile", h, { contentHash: "only-h" }));
          await store.storeChunks([
            chunk("only-c", "only-hostile", h, { contentHash: "only-c-h" }),
          ]);

          assert.equal((await store.getDocument("shared", h))?.title, h);
          assert.deepEqual(docIds(await store.listDocuments(h)), ["only-hostile", "shared"]);
          assert.equal((await store.findDocumentByHash("doc-h", h))?.bankId, h);
          assert.deepEqual((await store.listChunks("shared", h)).map((c) => c.text), [h, h]);
          assert.equal((await store.getChunk("shared-c0", h))?.bankId, h);
          assert.equal((await store.findChunkByHash("c1-h", h))?.text, h);
          assert.equal(await store.getDocument("only-hostile", plain), null);
          assert.equal(await store.findDocumentByHash("only-h", plain), null);
          assert.equal(await store.getChunk("only-c", plain), null);
          assert.equal(await store.findChunkByHash("only-c-h", plain), null);
          assert.deepEqual(await store.listChunks("only-hostile", plain), []);
          assert.equal(await store.deleteDocument("only-hostile", plain), false);

          assert.equal(await store.deleteDocument("shared", plain), true);
          assert.equal((await store.getDocument("shared", h))?.title, h);
          assert.equal((await store.listChunks("shared", h)).length, 2);
          assert.equal((await store.findChunkByHash("c0-h", h))?.id, "shared-c0");
          await store.storeDocument(doc("plain-only", plain));
          assert.equal(await store.deleteBank(h), 5);
          assert.deepEqual(await store.listDocuments(h), []);
          assert.equal(await store.findDocumentByHash("doc-h", h), null);
          assert.equal(await store.getChunk("only-c", h), null);
          assert.deepEqual(docIds(await store.listDocuments(plain)), ["plain-only"]);
          await store.deleteBank(plain);
        }
      },
    },
    {
      name: "hostile ids, hashes and text round-trip exactly",
      async fn({ store, bank }) {
        const b = bank();
        for (const [i, id] of HOSTILE_IDS.entries()) {
          const text = HOSTILE_TEXTS[i % HOSTILE_TEXTS.length]!;
          const d = doc(id, b, {
            title: text,
            sourceUri: text,
            contentType: text,
            contentHash: `${text}|doc|${i}`,
            metadata: { [text]: text },
            createdAt: new Date(Date.UTC(2024, 0, 1) + i),
          });
          assert.equal(await store.storeDocument(d), id);
          assert.deepEqual(defined(await store.getDocument(id, b)), d);
          assert.deepEqual(defined(await store.findDocumentByHash(`${text}|doc|${i}`, b)), d);
          const c = chunk(id, id, b, {
            text,
            contentHash: `${text}|chunk|${i}`,
            metadata: { [text]: text },
            createdAt: new Date(Date.UTC(2024, 0, 1)),
          });
          assert.deepEqual(await store.storeChunks([c]), [id]);
          assert.deepEqual(defined(await store.getChunk(id, b)), c);
          assert.deepEqual(defined(await store.listChunks(id, b)), [c]);
          assert.deepEqual(defined(await store.findChunkByHash(`${text}|chunk|${i}`, b)), c);
        }
        assert.deepEqual(
          [...docIds(await store.listDocuments(b))].sort(codeUnitOrder),
          [...HOSTILE_IDS].sort(codeUnitOrder),
        );
        for (const id of HOSTILE_IDS) {
          assert.equal(await store.deleteDocument(id, b), true);
          assert.equal(await store.getChunk(id, b), null);
        }
        assert.deepEqual(await store.listDocuments(b), []);
      },
    },
    {
      name: "deleteBank removes every document, chunk and hash of that bank only",
      async fn({ store, bank }) {
        const a = bank("a");
        const b = bank("b");
        for (const bankId of [a, b]) {
          await store.storeDocument(doc("d1", bankId, { contentHash: "h" }));
          await store.storeDocument(doc("d2", bankId));
          await store.storeChunks([
            chunk("c1", "d1", bankId, { contentHash: "ch" }),
            chunk("c2", "d1", bankId, { chunkIndex: 1 }),
            chunk("c3", "d2", bankId),
          ]);
        }
        assert.equal(await store.deleteBank(a), 5);
        assert.deepEqual(await store.listDocuments(a), []);
        assert.deepEqual(await store.listChunks("d1", a), []);
        assert.equal(await store.findDocumentByHash("h", a), null);
        assert.equal(await store.findChunkByHash("ch", a), null);
        assert.equal(await store.getChunk("c3", a), null);
        assert.equal((await store.listDocuments(b)).length, 2);
        assert.equal((await store.listChunks("d1", b)).length, 2);
        assert.equal((await store.findChunkByHash("ch", b))?.id, "c1");
        assert.equal(await store.deleteBank(a), 0);
        assert.equal(await store.deleteBank(bank("never-used")), 0);
        assert.equal(await store.storeDocument(doc("new", a, { contentHash: "h" })), "new");
      },
    },
    {
      name: "returned records are copies and inputs are not retained",
      async fn({ store, bank }) {
        const b = bank();
        const d = doc("d1", b, {
          metadata: { k: "v" },
          createdAt: new Date("2024-01-01T00:00:00Z"),
        });
        const c = chunk("c1", "d1", b, {
          metadata: { k: "v" },
          createdAt: new Date("2024-01-01T00:00:00Z"),
        });
        await store.storeDocument(d);
        await store.storeChunks([c]);
        d.metadata!.k = "mutated";
        d.title = "mutated";
        d.createdAt!.setTime(0);
        c.metadata!.k = "mutated";
        c.text = "mutated";
        const gd = await store.getDocument("d1", b);
        const gc = await store.getChunk("c1", b);
        assert.deepEqual([gd?.title, gd?.metadata, gd?.createdAt?.getTime()], [
          "doc d1",
          { k: "v" },
          Date.parse("2024-01-01T00:00:00Z"),
        ]);
        assert.deepEqual([gc?.text, gc?.metadata], ["text for c1", { k: "v" }]);
        gd!.metadata!.k = "x";
        gd!.createdAt!.setTime(0);
        gc!.metadata!.k = "x";
        const [listed] = await store.listDocuments(b);
        listed!.title = "x";
        const [listedChunk] = await store.listChunks("d1", b);
        listedChunk!.text = "x";
        assert.deepEqual((await store.getDocument("d1", b))?.metadata, { k: "v" });
        assert.equal((await store.getDocument("d1", b))?.title, "doc d1");
        assert.equal(
          (await store.getDocument("d1", b))?.createdAt?.getTime(),
          Date.parse("2024-01-01T00:00:00Z"),
        );
        assert.deepEqual((await store.getChunk("c1", b))?.metadata, { k: "v" });
        assert.equal((await store.getChunk("c1", b))?.text, "text for c1");
      },
    },
    {
      name: "parallel stores of the same hash converge on one document",
      async fn({ store, bank }) {
        const b = bank();
        const n = 6;
        const ids = await Promise.all(
          Array.from(
            { length: n },
            (_, i) => store.storeDocument(doc(`p${i}`, b, { contentHash: "same" })),
          ),
        );
        assert.equal(new Set(ids).size, 1, `all calls must return one id, got ${ids}`);
        assert.deepEqual(docIds(await store.listDocuments(b)), [ids[0]!]);
        const chunkRuns = await Promise.all(
          Array.from(
            { length: n },
            (_, i) => store.storeChunks([chunk(`pc${i}`, ids[0]!, b, { contentHash: "same-c" })]),
          ),
        );
        assert.equal(new Set(chunkRuns.flat()).size, 1);
        assert.equal((await store.listChunks(ids[0]!, b)).length, 1);
      },
    },
    {
      name: `storeChunks stores a large batch (${largeBatch} chunks) in one call`,
      async fn({ store, bank }) {
        const b = bank();
        await store.storeDocument(doc("big", b));
        const batch = Array.from({ length: largeBatch }, (_, i) =>
          chunk(`big-${i}`, "big", b, {
            chunkIndex: largeBatch - 1 - i,
            text: `chunk ${i}`,
            contentHash: `big-h-${i}`,
          }));
        const ids = await store.storeChunks(batch);
        assert.deepEqual(ids, batch.map((c) => c.id));
        const listed = await store.listChunks("big", b);
        assert.equal(listed.length, largeBatch);
        assert.ok(listed.every((c, i) => c.chunkIndex === i));
        assert.equal(listed[0]!.id, `big-${largeBatch - 1}`);
        assert.equal(await store.deleteDocument("big", b), true);
        assert.deepEqual(await store.listChunks("big", b), []);
      },
    },
    {
      name: "health reports healthy and close is idempotent (upstream)",
      async fn({ store, createStore }) {
        const h = await store.health();
        assert.equal(h.healthy, true, h.message ?? "unhealthy");
        const extra = await createStore();
        assert.equal((await extra.health()).healthy, true);
        await extra.close();
        await extra.close();
      },
    },
  ];
}

/**
 * The SourceStore contract suite. Every case works in fresh, unique banks, so instances may
 * share one database. `largeBatchSize` sets the size of the large `storeChunks` batch.
 */
export function sourceStoreContract(options: ContractOptions<SourceStore>): ContractSuite {
  return buildSuite(
    "sourceStore",
    "SourceStore contract",
    options,
    [
      ...cases(options.largeBatchSize ?? 2000),
      ...inputRuleCases(),
      ...integerCases(),
      ...storedValueRuleCases(),
    ],
  );
}
