/**
 * The PageIndexStore contract suite: every method of every PageIndex role, upstream's
 * `test_pageindex_store.py` cases (store level) and the fact, section-embedding and
 * session-filter store tests, adapted to `spi.md` §2.10–§2.11, plus bank isolation on every
 * method (including hostile bank ids and the same caller-supplied ids in several banks),
 * "missing means empty", idempotency, validation and `deleteBank`.
 *
 * Decisions the suite pins where upstream is silent or inconsistent (the in-memory reference
 * documents them too):
 * - section entities and links are written only for sections that exist in the bank;
 * - `saveSections` rejects sections whose `documentId` differs from the ref, and repeated
 *   line numbers, and writes nothing for a document that is not in the bank;
 * - `saveDocument` rejects a caller id already used by another source of the same bank;
 * - ties break by `documentId` then `lineNum` ascending (sections), fact id (facts) and page
 *   id (wiki hits); `searchFactsByEntity` matches an equal name ignoring case.
 *
 * @module
 */
import assert from "node:assert/strict";
import { InvalidVectorError, ValidationError } from "../errors.ts";
import { INT32_MIN } from "../util/validate.ts";
import type {
  DocumentRef,
  MemoryFact,
  PageIndexSection,
  PageIndexStore,
  SectionHit,
} from "../spi/pageindex_store.ts";
import type { WikiPage } from "../spi/wiki_store.ts";
import {
  integerFieldCases,
  NEGATIVE_ZERO_METADATA,
  NEGATIVE_ZERO_METADATA_STORED,
  storedValueCases,
  stringRuleCases,
} from "./_contract_helpers.ts";
import { assertClose, assertRejectsWith, cosine, oneHot } from "./fixtures.ts";
import {
  buildSuite,
  type CaseDefinition,
  type ContractOptions,
  type ContractSuite,
  hostileBankId,
} from "./harness.ts";

type S = PageIndexStore;

// ---------------------------------------------------------------------------------------------
// Fixtures

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `2024-03-<day>T12:00:00Z`. */
function mar(day: number): Date {
  return new Date(Date.UTC(2024, 2, day, 12));
}

function sec(
  documentId: string,
  lineNum: number,
  extra: Partial<PageIndexSection> = {},
): PageIndexSection {
  return {
    documentId,
    lineNum,
    nodeId: String(lineNum).padStart(4, "0"),
    title: `Section ${lineNum}`,
    ...extra,
  };
}

/** Save a document (caller id `id`, or generated when empty) and its sections. */
async function doc(
  store: S,
  bankId: string,
  sourceId: string,
  lines: ReadonlyArray<number | PageIndexSection>,
  id = "",
): Promise<DocumentRef> {
  const documentId = await store.saveDocument({ id, bankId, sourceId, mdText: `# ${sourceId}` });
  const sections = lines.map((l) =>
    typeof l === "number" ? sec(documentId, l) : { ...l, documentId }
  );
  await store.saveSections({ bankId, documentId }, sections);
  return { bankId, documentId };
}

function fact(bankId: string, id: string, extra: Partial<MemoryFact> = {}): MemoryFact {
  return { id, bankId, text: `fact ${id}`, factType: "world", ...extra };
}

function page(bankId: string, pageId: string, scope: string, extra: Partial<WikiPage> = {}) {
  return {
    pageId,
    bankId,
    kind: "topic" as const,
    title: `Page ${pageId}`,
    content: `Content of ${pageId}`,
    scope,
    sourceIds: ["m1"],
    crossLinks: [],
    revision: 1,
    revisedAt: mar(1),
    ...extra,
  };
}

function addr(hits: readonly SectionHit[]): string[] {
  return hits.map((h) => `${h.documentId}:${h.lineNum}`);
}

function lines(hits: readonly SectionHit[]): number[] {
  return hits.map((h) => h.lineNum);
}

function ids(hits: readonly { factId: string }[]): string[] {
  return hits.map((h) => h.factId);
}

function neg(v: number[]): number[] {
  return v.map((x) => -x);
}

/** A vector pointing mostly along axis 0 with `tilt` along axis 1. */
function tilted(dimensions: number, tilt: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  v[0] = 1 - tilt;
  v[1 % dimensions] = tilt;
  return v;
}

const DOC = "shared-doc";
const SOURCE = "shared-source.md";
const RANGE = { start: mar(10), end: mar(20) };

/**
 * Fill a bank with one of everything, using the same caller ids in every bank; `extra` adds
 * sections, facts and pages so that a leak from one bank into another changes what the other
 * bank reads.
 */
async function populate(store: S, bankId: string, dims: number, extra: number): Promise<void> {
  const documentId = await store.saveDocument({
    id: DOC,
    bankId,
    sourceId: SOURCE,
    mdText: `# Harbor ${extra}`,
  });
  assert.equal(documentId, DOC);
  const ref = { bankId, documentId };
  const count = 2 + extra;
  const sections: PageIndexSection[] = [];
  for (let l = 1; l <= count; l++) {
    sections.push(sec(DOC, l, {
      title: `Harbor ${l}`,
      summary: "harbor notes",
      summaryEmbedding: oneHot(dims, l),
      sessionDate: mar(15),
      sessionId: "s1",
    }));
  }
  assert.equal(await store.saveSections(ref, sections), count);
  await store.saveSectionEmbeddings(ref, [[1, oneHot(dims, 0)]]);
  await store.saveSectionEventDates(ref, [[1, mar(12), mar(13)]]);
  const entities = sections.map((s) => ({
    documentId: DOC,
    lineNum: s.lineNum,
    entityName: "Alice",
  }));
  entities.push({ documentId: DOC, lineNum: 1, entityName: "Bob" });
  assert.equal(await store.saveSectionEntities(bankId, entities), count + 1);
  const links = sections.slice(1).map((s) => ({
    fromDoc: DOC,
    fromLine: 1,
    toDoc: DOC,
    toLine: s.lineNum,
    linkType: "causal",
    weight: 0.5,
  }));
  assert.equal(await store.saveSectionLinks(bankId, links), count - 1);
  const facts: MemoryFact[] = [];
  for (let f = 0; f < 1 + extra; f++) {
    facts.push(fact(bankId, `fact-${f}`, {
      text: `harbor fact ${f}`,
      documentId: DOC,
      lineNum: 1,
      entities: ["Alice"],
      mentionedAt: mar(15),
    }));
  }
  assert.equal(await store.saveFacts(facts), facts.length);
  await store.updateFactEmbeddings(bankId, facts.map((f, i) => [f.id, oneHot(dims, i)]));
  for (let p = 0; p <= extra; p++) {
    await store.saveWikiPage({
      page: page(bankId, p === 0 ? "page-main" : `page-${p}`, `document:${DOC}`, {
        content: `Harbor ${extra}`,
      }),
      embedding: oneHot(dims, p),
      provenance: [[DOC, 1]],
    });
  }
}

/** Read a bank through every read method. */
async function snapshot(store: S, bankId: string, dims: number) {
  const ref = { bankId, documentId: DOC };
  const q = oneHot(dims, 0);
  return {
    document: await store.loadDocument(bankId, SOURCE),
    skeleton: await store.loadSkeleton(ref),
    withEmbeddings: await store.loadSectionsWithEmbeddings(ref),
    semantic: await store.searchSectionsSemantic(bankId, q),
    keyword: await store.searchSectionsKeyword(bankId, "harbor"),
    byEntities: await store.searchSectionsByEntities(bankId, ["Alice", "Bob"]),
    temporal: await store.searchSectionsTemporal(bankId, RANGE),
    links: await store.expandSectionLinks(bankId, [[DOC, 1]]),
    shared: await store.expandSectionsBySharedEntities(bankId, [[DOC, 1]]),
    factsSemantic: await store.searchFactsSemantic(bankId, q),
    factsByEntity: await store.searchFactsByEntity(bankId, "Alice"),
    factsTemporal: await store.searchFactsTemporal(bankId, RANGE),
    factsKeyword: await store.searchFactsKeyword(bankId, "harbor"),
    factCount: await store.countFactsMatching(ref),
    wikiSearch: await store.searchWikiPagesSemantic(bankId, q),
    wikiCount: await store.countWikiPagesForDoc(bankId, DOC),
    wikiList: await store.listWikiPagesForDoc(bankId, DOC),
    affected: await store.listWikisAffectedByEntities(bankId, ["Alice", "Bob"]),
    distinct: await store.listDistinctEntities(ref),
  };
}

const EMPTY_SNAPSHOT = {
  document: null,
  skeleton: [],
  withEmbeddings: [],
  semantic: [],
  keyword: [],
  byEntities: [],
  temporal: [],
  links: [],
  shared: [],
  factsSemantic: [],
  factsByEntity: [],
  factsTemporal: [],
  factsKeyword: [],
  factCount: 0,
  wikiSearch: [],
  wikiCount: 0,
  wikiList: [],
  affected: [],
  distinct: [],
};

/** Sanity check that a populated snapshot really saw the data. */
function assertPopulated(snap: Awaited<ReturnType<typeof snapshot>>, extra: number): void {
  assert.equal(snap.document?.mdText, `# Harbor ${extra}`);
  assert.equal(snap.skeleton.length, 2 + extra);
  assert.equal(snap.links.length, 1 + extra);
  assert.equal(snap.factCount, 1 + extra);
  assert.equal(snap.wikiCount, 1 + extra);
  assert.deepEqual(snap.distinct[0], { name: "Alice", count: 2 + extra });
}

// ---------------------------------------------------------------------------------------------
// Cases

const documentCases: CaseDefinition<S>[] = [
  {
    name: "saveDocument then loadDocument round-trips",
    async fn({ store, bank }) {
      const b = bank();
      const id = await store.saveDocument({
        id: "",
        bankId: b,
        sourceId: "conv-1",
        mdText: "# Hello\nworld",
        referenceDate: mar(3),
        builtAt: mar(4),
      });
      assert.ok(id.length > 0);
      const loaded = await store.loadDocument(b, "conv-1");
      assert.ok(loaded);
      assert.equal(loaded.id, id);
      assert.equal(loaded.bankId, b);
      assert.equal(loaded.sourceId, "conv-1");
      assert.equal(loaded.mdText, "# Hello\nworld");
      assert.equal(loaded.referenceDate?.getTime(), mar(3).getTime());
      assert.equal(loaded.builtAt?.getTime(), mar(4).getTime());
    },
  },
  {
    name: "loadDocument returns null when missing",
    async fn({ store, bank }) {
      await doc(store, bank(), "present.md", [1]);
      assert.equal(await store.loadDocument(bank(), "absent.md"), null);
      assert.equal(await store.loadDocument(bank("never-used"), "present.md"), null);
    },
  },
  {
    name: "saveDocument upserts on (bankId, sourceId) and keeps the id",
    async fn({ store, bank }) {
      const b = bank();
      const first = await store.saveDocument({ id: "", bankId: b, sourceId: "s", mdText: "v1" });
      const second = await store.saveDocument({
        id: "another-id",
        bankId: b,
        sourceId: "s",
        mdText: "v2",
      });
      assert.equal(second, first);
      const loaded = await store.loadDocument(b, "s");
      assert.equal(loaded?.id, first);
      assert.equal(loaded?.mdText, "v2");
    },
  },
  {
    name: "saveDocument honours a caller id for a new row and generates a UUID when empty",
    async fn({ store, bank }) {
      const b = bank();
      assert.equal(
        await store.saveDocument({ id: "my-doc", bankId: b, sourceId: "a", mdText: "a" }),
        "my-doc",
      );
      assert.equal((await store.loadDocument(b, "a"))?.id, "my-doc");
      const g1 = await store.saveDocument({ id: "", bankId: b, sourceId: "b", mdText: "b" });
      const g2 = await store.saveDocument({ id: "", bankId: b, sourceId: "c", mdText: "c" });
      assert.match(g1, UUID_RE);
      assert.match(g2, UUID_RE);
      assert.notEqual(g1, g2);
    },
  },
  {
    name: "the same caller document id in two banks stays two documents",
    async fn({ store, bank }) {
      const a = await doc(store, bank("a"), "src.md", [1, 2], "same-id");
      const b = await doc(store, bank("b"), "src.md", [7], "same-id");
      assert.equal(a.documentId, "same-id");
      assert.equal(b.documentId, "same-id");
      assert.deepEqual((await store.loadSkeleton(a)).map((s) => s.lineNum), [1, 2]);
      assert.deepEqual((await store.loadSkeleton(b)).map((s) => s.lineNum), [7]);
      await store.saveSections(b, [sec("same-id", 9), sec("same-id", 10)]);
      assert.deepEqual((await store.loadSkeleton(a)).map((s) => s.lineNum), [1, 2]);
      assert.deepEqual((await store.loadSkeleton(b)).map((s) => s.lineNum), [9, 10]);
      assert.equal((await store.loadDocument(a.bankId, "src.md"))?.bankId, a.bankId);
    },
  },
  {
    name: "saveDocument rejects a caller id used by another source of the bank",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveDocument({ id: "taken", bankId: b, sourceId: "one", mdText: "one" });
      await assertRejectsWith(
        () => store.saveDocument({ id: "taken", bankId: b, sourceId: "two", mdText: "two" }),
        ValidationError,
      );
      assert.equal(await store.loadDocument(b, "two"), null);
      assert.equal((await store.loadDocument(b, "one"))?.mdText, "one");
      // The same id in another bank is fine.
      assert.equal(
        await store.saveDocument({
          id: "taken",
          bankId: bank("other"),
          sourceId: "two",
          mdText: "",
        }),
        "taken",
      );
    },
  },
  {
    name: "saveDocument rejects invalid input and writes nothing",
    async fn({ store, bank }) {
      const b = bank();
      await assertRejectsWith(
        () => store.saveDocument({ id: "", bankId: b, sourceId: "", mdText: "x" }),
        ValidationError,
      );
      await assertRejectsWith(
        () => store.saveDocument({ id: "", bankId: "", sourceId: "s", mdText: "x" }),
        ValidationError,
      );
      assert.equal(await store.deleteBank(b), 0);
    },
  },
  {
    name: "saveSections replaces the tree atomically",
    async fn({ store, bank }) {
      const ref = await doc(store, bank(), "tree.md", []);
      const d = ref.documentId;
      assert.equal(await store.saveSections(ref, [sec(d, 1), sec(d, 5), sec(d, 10)]), 3);
      assert.equal(await store.saveSections(ref, [sec(d, 100), sec(d, 200)]), 2);
      assert.deepEqual((await store.loadSkeleton(ref)).map((s) => s.lineNum), [100, 200]);
      assert.deepEqual(
        (await store.loadSectionsWithEmbeddings(ref)).map((s) => s.lineNum),
        [100, 200],
      );
    },
  },
  {
    name: "saveSections with an empty list clears the tree",
    async fn({ store, bank }) {
      const ref = await doc(store, bank(), "tree.md", [1, 2, 3]);
      assert.equal(await store.saveSections(ref, []), 0);
      assert.deepEqual(await store.loadSkeleton(ref), []);
      assert.equal((await store.loadDocument(ref.bankId, "tree.md"))?.id, ref.documentId);
    },
  },
  {
    name: "saveSections cascades the document's section entities and links",
    async fn({ store, bank }) {
      const b = bank();
      const x = await doc(store, b, "x.md", [1, 2]);
      const y = await doc(store, b, "y.md", [1]);
      const X = x.documentId;
      const Y = y.documentId;
      assert.equal(
        await store.saveSectionEntities(b, [
          { documentId: X, lineNum: 1, entityName: "Alice" },
          { documentId: X, lineNum: 2, entityName: "Bob" },
          { documentId: Y, lineNum: 1, entityName: "Carol" },
        ]),
        3,
      );
      assert.equal(
        await store.saveSectionLinks(b, [
          { fromDoc: X, fromLine: 1, toDoc: X, toLine: 2, linkType: "causal", weight: 1 },
          { fromDoc: Y, fromLine: 1, toDoc: X, toLine: 1, linkType: "causal", weight: 1 },
          { fromDoc: X, fromLine: 2, toDoc: Y, toLine: 1, linkType: "elaborates", weight: 1 },
        ]),
        3,
      );
      assert.equal(await store.saveSections(x, [sec(X, 1), sec(X, 2)]), 2);
      assert.deepEqual(await store.listDistinctEntities(x), []);
      assert.deepEqual(await store.searchSectionsByEntities(b, ["Alice", "Bob"]), []);
      assert.deepEqual(await store.expandSectionLinks(b, [[X, 1], [X, 2]]), []);
      assert.deepEqual(await store.expandSectionLinks(b, [[Y, 1]]), []);
      assert.deepEqual(await store.listDistinctEntities(y), [{ name: "Carol", count: 1 }]);
      // Gone, not merely hidden: writing them again writes rows.
      assert.equal(
        await store.saveSectionEntities(b, [{ documentId: X, lineNum: 1, entityName: "Alice" }]),
        1,
      );
      assert.equal(
        await store.saveSectionLinks(b, [
          { fromDoc: X, fromLine: 1, toDoc: X, toLine: 2, linkType: "causal", weight: 1 },
        ]),
        1,
      );
    },
  },
  {
    name: "saveSections writes nothing for a document that is not in the bank",
    async fn({ store, bank }) {
      const a = await doc(store, bank("a"), "a.md", [1, 2]);
      const foreign = { bankId: bank("b"), documentId: a.documentId };
      assert.equal(await store.saveSections(foreign, [sec(a.documentId, 9)]), 0);
      assert.deepEqual(await store.loadSkeleton(foreign), []);
      assert.deepEqual((await store.loadSkeleton(a)).map((s) => s.lineNum), [1, 2]);
      const missing = { bankId: a.bankId, documentId: "no-such-doc" };
      assert.equal(await store.saveSections(missing, [sec("no-such-doc", 1)]), 0);
      assert.deepEqual(await store.loadSkeleton(missing), []);
    },
  },
  {
    name: "saveSections rejects invalid sections and keeps the previous tree",
    async fn({ store, bank, dimensions }) {
      const ref = await doc(store, bank(), "t.md", [1, 2]);
      const d = ref.documentId;
      const bad = oneHot(dimensions, 0);
      bad[0] = Number.NaN;
      await assertRejectsWith(
        () => store.saveSections(ref, [sec(d, 3), sec(d, 4, { summaryEmbedding: bad })]),
        InvalidVectorError,
      );
      await assertRejectsWith(
        () => store.saveSections(ref, [sec(d, 3), sec("some-other-doc", 4)]),
        ValidationError,
      );
      await assertRejectsWith(
        () => store.saveSections(ref, [sec(d, 3), sec(d, 3)]),
        ValidationError,
      );
      assert.deepEqual((await store.loadSkeleton(ref)).map((s) => s.lineNum), [1, 2]);
    },
  },
  {
    name: "loadSkeleton orders by lineNum",
    async fn({ store, bank }) {
      const ref = await doc(store, bank(), "order.md", [50, 1, 12]);
      assert.deepEqual((await store.loadSkeleton(ref)).map((s) => s.lineNum), [1, 12, 50]);
      assert.deepEqual(
        (await store.loadSectionsWithEmbeddings(ref)).map((s) => s.lineNum),
        [1, 12, 50],
      );
    },
  },
  {
    name: "loadSkeleton strips summaryEmbedding and round-trips every other field",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const d = await store.saveDocument({ id: "", bankId: b, sourceId: "f.md", mdText: "" });
      const ref = { bankId: b, documentId: d };
      const full = sec(d, 3, {
        title: "Full",
        summary: "A summary",
        summaryEmbedding: oneHot(dimensions, 2),
        speaker: "user",
        sessionDate: mar(5),
        parentNode: "0001",
        depth: 2,
        occurredStart: mar(6),
        occurredEnd: mar(7),
        sessionId: "session-9",
      });
      await store.saveSections(ref, [full, sec(d, 1)]);
      const [bare, loaded] = await store.loadSkeleton(ref);
      assert.ok(bare && loaded);
      assert.equal(loaded.summaryEmbedding, undefined);
      const { summaryEmbedding: _dropped, ...expected } = full;
      assert.deepEqual(loaded, expected);
      assert.equal(bare.summary, undefined);
      assert.equal(bare.speaker, undefined);
      assert.equal(bare.sessionDate, undefined);
      assert.equal(bare.parentNode, undefined);
      assert.equal(bare.sessionId, undefined);
      assert.equal(bare.occurredStart, undefined);
      assert.equal(bare.depth ?? 0, 0);
      const withEmbeddings = await store.loadSectionsWithEmbeddings(ref);
      assert.equal(withEmbeddings[0]?.summaryEmbedding, undefined);
      assert.deepEqual(withEmbeddings[1]?.summaryEmbedding, oneHot(dimensions, 2));
    },
  },
];

const writerCases: CaseDefinition<S>[] = [
  {
    name: "saveSectionEmbeddings updates existing sections and skips unknown lines",
    async fn({ store, bank, dimensions }) {
      const ref = await doc(store, bank(), "e.md", [1, 2, 3]);
      assert.equal(
        await store.saveSectionEmbeddings(ref, [
          [1, oneHot(dimensions, 1)],
          [3, oneHot(dimensions, 3)],
          [99, oneHot(dimensions, 4)],
        ]),
        2,
      );
      const loaded = await store.loadSectionsWithEmbeddings(ref);
      assert.deepEqual(loaded.map((s) => s.lineNum), [1, 2, 3]);
      assert.deepEqual(loaded[0]?.summaryEmbedding, oneHot(dimensions, 1));
      assert.equal(loaded[1]?.summaryEmbedding, undefined);
      assert.deepEqual(loaded[2]?.summaryEmbedding, oneHot(dimensions, 3));
      assert.equal((await store.loadSkeleton(ref))[0]?.summaryEmbedding, undefined);
      assert.equal(await store.saveSectionEmbeddings(ref, []), 0);
      const empty = await doc(store, ref.bankId, "empty.md", []);
      assert.equal(await store.saveSectionEmbeddings(empty, [[1, oneHot(dimensions, 1)]]), 0);
    },
  },
  {
    name: "saveSectionEmbeddings rejects invalid vectors and updates nothing",
    async fn({ store, bank, dimensions }) {
      const ref = await doc(store, bank(), "e.md", [1, 2]);
      const bad = oneHot(dimensions, 0);
      bad[1] = Number.POSITIVE_INFINITY;
      await assertRejectsWith(
        () => store.saveSectionEmbeddings(ref, [[1, oneHot(dimensions, 1)], [2, bad]]),
        InvalidVectorError,
      );
      const loaded = await store.loadSectionsWithEmbeddings(ref);
      assert.ok(loaded.every((s) => s.summaryEmbedding === undefined));
    },
  },
  {
    name: "saveSectionEntities is idempotent and case-sensitive",
    async fn({ store, bank }) {
      const ref = await doc(store, bank(), "ent.md", [1, 2]);
      const d = ref.documentId;
      const one = [{ documentId: d, lineNum: 1, entityName: "Alice" }];
      assert.equal(await store.saveSectionEntities(ref.bankId, one), 1);
      assert.equal(await store.saveSectionEntities(ref.bankId, one), 0);
      assert.equal(
        await store.saveSectionEntities(ref.bankId, [
          { documentId: d, lineNum: 1, entityName: "alice" },
          { documentId: d, lineNum: 2, entityName: "Alice" },
          { documentId: d, lineNum: 1, entityName: "Alice" },
        ]),
        2,
      );
      assert.deepEqual(await store.listDistinctEntities(ref), [
        { name: "Alice", count: 2 },
        { name: "alice", count: 1 },
      ]);
    },
  },
  {
    name: "saveSectionLinks is idempotent and keeps the first weight",
    async fn({ store, bank }) {
      const ref = await doc(store, bank(), "links.md", [1, 2]);
      const d = ref.documentId;
      const link = {
        fromDoc: d,
        fromLine: 1,
        toDoc: d,
        toLine: 2,
        linkType: "causal",
        weight: 0.7,
      };
      assert.equal(await store.saveSectionLinks(ref.bankId, [link]), 1);
      assert.equal(await store.saveSectionLinks(ref.bankId, [link]), 0);
      assert.equal(await store.saveSectionLinks(ref.bankId, [{ ...link, weight: 0.2 }]), 0);
      const hits = await store.expandSectionLinks(ref.bankId, [[d, 1]]);
      assert.deepEqual(addr(hits), [`${d}:2`]);
      assertClose(hits[0]!.score, 0.7);
      // Another link type on the same pair is another row.
      assert.equal(
        await store.saveSectionLinks(ref.bankId, [{
          ...link,
          linkType: "elaborates",
          weight: 0.1,
        }]),
        1,
      );
    },
  },
  {
    name: "saveSectionEntities and saveSectionLinks skip sections outside the bank",
    async fn({ store, bank }) {
      const a = await doc(store, bank("a"), "a.md", [1, 2]);
      const bBank = bank("b");
      const d = a.documentId;
      assert.equal(
        await store.saveSectionEntities(bBank, [{ documentId: d, lineNum: 1, entityName: "Eve" }]),
        0,
      );
      assert.equal(
        await store.saveSectionEntities(a.bankId, [{
          documentId: d,
          lineNum: 99,
          entityName: "Eve",
        }]),
        0,
      );
      assert.equal(
        await store.saveSectionLinks(bBank, [
          { fromDoc: d, fromLine: 1, toDoc: d, toLine: 2, linkType: "causal", weight: 1 },
        ]),
        0,
      );
      assert.equal(
        await store.saveSectionLinks(a.bankId, [
          { fromDoc: d, fromLine: 1, toDoc: d, toLine: 99, linkType: "causal", weight: 1 },
        ]),
        0,
      );
      assert.deepEqual(await store.listDistinctEntities(a), []);
      assert.deepEqual(await store.expandSectionLinks(a.bankId, [[d, 1]]), []);
      assert.deepEqual(await store.searchSectionsByEntities(bBank, ["Eve"]), []);
      assert.deepEqual(await store.expandSectionLinks(bBank, [[d, 1]]), []);
    },
  },
  {
    name: "saving empty lists is a no-op returning 0",
    async fn({ store, bank }) {
      const ref = await doc(store, bank(), "noop.md", [1]);
      assert.equal(await store.saveSectionEntities(ref.bankId, []), 0);
      assert.equal(await store.saveSectionLinks(ref.bankId, []), 0);
      assert.equal(await store.saveSectionEmbeddings(ref, []), 0);
      assert.equal(await store.saveSectionEventDates(ref, []), 0);
      assert.equal(await store.saveFacts([]), 0);
      assert.equal(await store.updateFactEmbeddings(ref.bankId, []), 0);
      assert.deepEqual((await store.loadSkeleton(ref)).map((s) => s.lineNum), [1]);
    },
  },
  {
    name: "populateSemanticKnnLinks links similar sections and is idempotent",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const v1 = tilted(dimensions, 0);
      const v2 = tilted(dimensions, 0.1);
      const v3 = tilted(dimensions, 0.2);
      const v4 = oneHot(dimensions, 1);
      const sections = [v1, v2, v3, v4].map((v, i) => sec("", i + 1, { summaryEmbedding: v }));
      const ref = await doc(store, b, "knn.md", [...sections, sec("", 5)]);
      const d = ref.documentId;
      // 1, 2 and 3 are pairwise similar (≥ 0.5); 4 is similar to none; 5 has no embedding.
      assert.equal(await store.populateSemanticKnnLinks(ref), 6);
      assert.equal(await store.populateSemanticKnnLinks(ref), 0);
      const hits = await store.expandSectionLinks(b, [[d, 1]], { linkTypes: ["semantic_knn"] });
      assert.deepEqual(lines(hits), [2, 3]);
      assertClose(hits[0]!.score, 2 * cosine(v1, v2), 1e-3);
      assertClose(hits[1]!.score, 2 * cosine(v1, v3), 1e-3);
      assert.deepEqual(await store.expandSectionLinks(b, [[d, 4]]), []);
      assert.deepEqual(await store.expandSectionLinks(b, [[d, 5]]), []);

      const limited = await doc(store, b, "knn-top1.md", sections);
      assert.equal(await store.populateSemanticKnnLinks(limited, { topK: 1 }), 3);
      const strict = await doc(store, b, "knn-strict.md", sections);
      assert.equal(await store.populateSemanticKnnLinks(strict, { minSimilarity: 0.999 }), 0);
      const single = await doc(store, b, "knn-one.md", [sections[0]!, sec("", 2)]);
      assert.equal(await store.populateSemanticKnnLinks(single), 0);
    },
  },
  {
    name: "saveSectionEventDates sets occurredStart and occurredEnd per line",
    async fn({ store, bank }) {
      const ref = await doc(store, bank(), "dates.md", [1, 2, 3]);
      assert.equal(
        await store.saveSectionEventDates(ref, [[1, mar(1), mar(2)], [2, mar(3), null], [
          99,
          mar(4),
          null,
        ]]),
        2,
      );
      let [s1, s2, s3] = await store.loadSkeleton(ref);
      assert.equal(s1?.occurredStart?.getTime(), mar(1).getTime());
      assert.equal(s1?.occurredEnd?.getTime(), mar(2).getTime());
      assert.equal(s2?.occurredStart?.getTime(), mar(3).getTime());
      assert.equal(s2?.occurredEnd, undefined);
      assert.equal(s3?.occurredStart, undefined);
      assert.equal(await store.saveSectionEventDates(ref, [[1, mar(8), null]]), 1);
      [s1] = await store.loadSkeleton(ref);
      assert.equal(s1?.occurredStart?.getTime(), mar(8).getTime());
      assert.equal(s1?.occurredEnd, undefined);
    },
  },
];

const searchCases: CaseDefinition<S>[] = [
  {
    name: "searchSectionsSemantic ranks by cosine clamped to [0, 1]",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const ref = await doc(store, b, "sem.md", [
        sec("", 1, { summaryEmbedding: oneHot(dimensions, 0) }),
        sec("", 2, { summaryEmbedding: tilted(dimensions, 0.5) }),
        sec("", 3, { summaryEmbedding: neg(oneHot(dimensions, 0)) }),
        sec("", 4),
        sec("", 5, { summaryEmbedding: oneHot(dimensions, 1) }),
      ]);
      const hits = await store.searchSectionsSemantic(b, oneHot(dimensions, 0));
      assert.deepEqual(lines(hits), [1, 2, 3, 5]);
      assert.ok(hits.every((h) => h.documentId === ref.documentId));
      assertClose(hits[0]!.score, 1);
      assertClose(hits[1]!.score, Math.SQRT1_2);
      assertClose(hits[2]!.score, 0);
      assertClose(hits[3]!.score, 0);
      assert.ok(hits.every((h) => h.score >= 0 && h.score <= 1));
      assert.deepEqual(
        lines(await store.searchSectionsSemantic(b, oneHot(dimensions, 0), { topK: 2 })),
        [1, 2],
      );
    },
  },
  {
    name: "searchSectionsSemantic breaks ties by documentId then lineNum",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const v = oneHot(dimensions, 0);
      await doc(store, b, "b.md", [sec("", 3, { summaryEmbedding: v })], "doc-b");
      await doc(store, b, "a.md", [
        sec("", 7, { summaryEmbedding: v }),
        sec("", 2, { summaryEmbedding: v }),
      ], "doc-a");
      assert.deepEqual(addr(await store.searchSectionsSemantic(b, v)), [
        "doc-a:2",
        "doc-a:7",
        "doc-b:3",
      ]);
    },
  },
  {
    name: "searchSectionsSemantic honours sessionFilter and rejects invalid queries",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const v = oneHot(dimensions, 0);
      await doc(store, b, "s.md", [
        sec("", 1, { summaryEmbedding: v, sessionId: "s1" }),
        sec("", 2, { summaryEmbedding: v, sessionId: "s2" }),
        sec("", 3, { summaryEmbedding: v }),
      ]);
      assert.deepEqual(lines(await store.searchSectionsSemantic(b, v, { sessionFilter: "s2" })), [
        2,
      ]);
      assert.deepEqual(await store.searchSectionsSemantic(b, v, { sessionFilter: "none" }), []);
      assert.deepEqual(lines(await store.searchSectionsSemantic(b, v)), [1, 2, 3]);
      const bad = [...v];
      bad[0] = Number.NaN;
      await assertRejectsWith(() => store.searchSectionsSemantic(b, bad), InvalidVectorError);
    },
  },
  {
    name: "searchSectionsKeyword matches title and summary with filters",
    async fn({ store, bank }) {
      const b = bank();
      const ref = await doc(store, b, "kw.md", [
        sec("", 1, { title: "Wedding plans", summary: "Budget for the venue", speaker: "user" }),
        sec("", 2, { title: "Travel", summary: "Flight to Paris for the wedding" }),
        sec("", 3, { title: "Groceries", summary: "Milk and bread" }),
        sec("", 4, {
          title: "Wedding venue",
          summary: "The venue is booked",
          speaker: "assistant",
          sessionId: "s2",
        }),
      ]);
      const other = await doc(store, b, "kw2.md", [sec("", 1, { title: "Wedding photos" })]);
      const all = await store.searchSectionsKeyword(b, "wedding");
      assert.deepEqual(
        new Set(addr(all)),
        new Set([1, 2, 4].map((l) => `${ref.documentId}:${l}`).concat(`${other.documentId}:1`)),
      );
      assert.ok(all.every((h) => h.score > 0));
      const both = await store.searchSectionsKeyword(b, "wedding venue");
      assert.deepEqual(new Set(lines(both.slice(0, 2))), new Set([1, 4]));
      assert.ok(!addr(both).includes(`${ref.documentId}:3`));
      assert.deepEqual(
        lines(await store.searchSectionsKeyword(b, "wedding", { speaker: "assistant" })),
        [4],
      );
      assert.deepEqual(
        lines(await store.searchSectionsKeyword(b, "wedding", { sessionFilter: "s2" })),
        [4],
      );
      assert.deepEqual(
        addr(await store.searchSectionsKeyword(b, "wedding", { documentId: other.documentId })),
        [`${other.documentId}:1`],
      );
      assert.equal((await store.searchSectionsKeyword(b, "wedding", { topK: 1 })).length, 1);
      assert.deepEqual(await store.searchSectionsKeyword(b, "   "), []);
      assert.deepEqual(await store.searchSectionsKeyword(b, "zeppelin"), []);
    },
  },
  {
    name: "searchSectionsByEntities scores distinct names ignoring case",
    async fn({ store, bank }) {
      const b = bank();
      const ref = await doc(store, b, "ent.md", [
        sec("", 1, { sessionId: "s1" }),
        sec("", 2, { sessionId: "s2" }),
        sec("", 3),
        sec("", 4),
      ]);
      const d = ref.documentId;
      await store.saveSectionEntities(b, [
        { documentId: d, lineNum: 1, entityName: "Alice" },
        { documentId: d, lineNum: 1, entityName: "Bob" },
        { documentId: d, lineNum: 2, entityName: "alice" },
        { documentId: d, lineNum: 2, entityName: "ALICE" },
        { documentId: d, lineNum: 3, entityName: "Bob" },
        { documentId: d, lineNum: 3, entityName: "Carol" },
        { documentId: d, lineNum: 4, entityName: "Dave" },
      ]);
      const hits = await store.searchSectionsByEntities(b, ["ALICE", "bob", " "]);
      assert.deepEqual(lines(hits), [1, 2, 3]);
      assert.deepEqual(hits.map((h) => h.score), [2, 1, 1]);
      assert.deepEqual(
        lines(await store.searchSectionsByEntities(b, ["alice"], { sessionFilter: "s2" })),
        [2],
      );
      assert.equal(
        (await store.searchSectionsByEntities(b, ["alice", "bob"], { topK: 1 })).length,
        1,
      );
      assert.deepEqual(await store.searchSectionsByEntities(b, []), []);
      assert.deepEqual(await store.searchSectionsByEntities(b, ["Zed"]), []);
    },
  },
  {
    name: "searchSectionsTemporal matches sessionDate inclusively with score 1",
    async fn({ store, bank }) {
      const b = bank();
      await doc(
        store,
        b,
        "t2.md",
        [sec("", 4, { sessionDate: mar(12), sessionId: "s2" })],
        "doc-2",
      );
      await doc(store, b, "t1.md", [
        sec("", 9, { sessionDate: RANGE.end }),
        sec("", 1, { sessionDate: RANGE.start }),
        sec("", 2, { sessionDate: mar(9) }),
        sec("", 3, { sessionDate: mar(21) }),
        sec("", 5),
      ], "doc-1");
      const hits = await store.searchSectionsTemporal(b, RANGE);
      assert.deepEqual(addr(hits), ["doc-1:1", "doc-1:9", "doc-2:4"]);
      assert.ok(hits.every((h) => h.score === 1));
      assert.deepEqual(
        addr(await store.searchSectionsTemporal(b, RANGE, { sessionFilter: "s2" })),
        ["doc-2:4"],
      );
      assert.equal((await store.searchSectionsTemporal(b, RANGE, { topK: 2 })).length, 2);
      assert.deepEqual(
        await store.searchSectionsTemporal(b, { start: mar(25), end: mar(26) }),
        [],
      );
    },
  },
  {
    name: "expandSectionLinks follows links both ways and sums weights",
    async fn({ store, bank }) {
      const b = bank();
      await doc(store, b, "x.md", [1, 2, 3, 4], "doc-x");
      await doc(store, b, "y.md", [1], "doc-y");
      const L = (from: number, to: number, weight: number, linkType = "causal") => ({
        fromDoc: "doc-x",
        fromLine: from,
        toDoc: "doc-x",
        toLine: to,
        linkType,
        weight,
      });
      assert.equal(
        await store.saveSectionLinks(b, [
          L(1, 2, 0.5),
          L(3, 2, 0.25),
          L(2, 4, 0.125, "supersedes"),
          {
            fromDoc: "doc-y",
            fromLine: 1,
            toDoc: "doc-x",
            toLine: 1,
            linkType: "causal",
            weight: 0.75,
          },
        ]),
        4,
      );
      const fromOne = await store.expandSectionLinks(b, [["doc-x", 1]]);
      assert.deepEqual(addr(fromOne), ["doc-y:1", "doc-x:2"]);
      assertClose(fromOne[0]!.score, 0.75);
      assertClose(fromOne[1]!.score, 0.5);
      const summed = await store.expandSectionLinks(b, [["doc-x", 1], ["doc-x", 3]]);
      assert.deepEqual(addr(summed), ["doc-x:2", "doc-y:1"]);
      assertClose(summed[0]!.score, 0.75);
      const fromTwo = await store.expandSectionLinks(b, [["doc-x", 2]]);
      assert.deepEqual(addr(fromTwo), ["doc-x:1", "doc-x:3", "doc-x:4"]);
      const typed = await store.expandSectionLinks(b, [["doc-x", 2]], {
        linkTypes: ["supersedes"],
      });
      assert.deepEqual(addr(typed), ["doc-x:4"]);
      assert.equal((await store.expandSectionLinks(b, [["doc-x", 2]], { topK: 1 })).length, 1);
      assert.deepEqual(await store.expandSectionLinks(b, []), []);
    },
  },
  {
    name: "expandSectionLinks is scoped to the bank",
    async fn({ store, bank }) {
      const a = bank("a");
      const b = bank("b");
      await doc(store, a, "s.md", [1, 2, 3], "same-doc");
      await doc(store, b, "s.md", [1, 2, 3], "same-doc");
      const link = (to: number) => ({
        fromDoc: "same-doc",
        fromLine: 1,
        toDoc: "same-doc",
        toLine: to,
        linkType: "causal",
        weight: 1,
      });
      assert.equal(await store.saveSectionLinks(a, [link(2)]), 1);
      assert.equal(await store.saveSectionLinks(b, [link(3)]), 1);
      assert.deepEqual(lines(await store.expandSectionLinks(a, [["same-doc", 1]])), [2]);
      assert.deepEqual(lines(await store.expandSectionLinks(b, [["same-doc", 1]])), [3]);
      assert.deepEqual(await store.expandSectionLinks(bank("c"), [["same-doc", 1]]), []);
    },
  },
  {
    name: "expandSectionsBySharedEntities scores shared names and excludes seeds",
    async fn({ store, bank }) {
      const b = bank();
      const ref = await doc(store, b, "sh.md", [1, 2, 3, 4, 5]);
      const d = ref.documentId;
      await store.saveSectionEntities(b, [
        { documentId: d, lineNum: 1, entityName: "Alice" },
        { documentId: d, lineNum: 1, entityName: "Bob" },
        { documentId: d, lineNum: 2, entityName: "alice" },
        { documentId: d, lineNum: 3, entityName: "Bob" },
        { documentId: d, lineNum: 3, entityName: "Carol" },
        { documentId: d, lineNum: 4, entityName: "Dave" },
        { documentId: d, lineNum: 5, entityName: "Alice" },
        { documentId: d, lineNum: 5, entityName: "Bob" },
      ]);
      const hits = await store.expandSectionsBySharedEntities(b, [[d, 1]]);
      assert.deepEqual(lines(hits), [5, 2, 3]);
      assert.deepEqual(hits.map((h) => h.score), [2, 1, 1]);
      const withSeeds = await store.expandSectionsBySharedEntities(b, [[d, 1]], {
        excludeSeeds: false,
      });
      assert.deepEqual(lines(withSeeds), [1, 5, 2, 3]);
      assert.equal(
        (await store.expandSectionsBySharedEntities(b, [[d, 1]], { topK: 1 })).length,
        1,
      );
      assert.deepEqual(await store.expandSectionsBySharedEntities(b, [[d, 99]]), []);
      assert.deepEqual(await store.expandSectionsBySharedEntities(bank("other"), [[d, 1]]), []);
    },
  },
];

/** Three facts of upstream's `TestFactTypeFilterSPI`. */
function typedFacts(b: string): MemoryFact[] {
  return [
    fact(b, "f-exp", {
      text: "Went to the wedding in Paris",
      factType: "experience",
      entities: ["Sarah"],
      occurredStart: mar(12),
    }),
    fact(b, "f-pref", {
      text: "Prefers a small wedding",
      factType: "preference",
      entities: ["Sarah"],
      mentionedAt: mar(14),
    }),
    fact(b, "f-world", {
      text: "The harbor opened in March",
      factType: "world",
      entities: ["Harbor"],
      occurredStart: mar(15),
    }),
  ];
}

const factCases: CaseDefinition<S>[] = [
  {
    name: "saveFacts persists and upserts by (bankId, id)",
    async fn({ store, bank }) {
      const b = bank();
      const ref = await doc(store, b, "f.md", [1]);
      const d = ref.documentId;
      assert.equal(
        await store.saveFacts([
          fact(b, "f1", {
            text: "Alice likes tea",
            documentId: d,
            lineNum: 1,
            entities: ["Alice"],
          }),
          fact(b, "f2", { text: "Bob likes coffee", documentId: d, lineNum: 1, entities: ["Bob"] }),
        ]),
        2,
      );
      assert.equal(await store.countFactsMatching(ref), 2);
      assert.equal(
        await store.saveFacts([
          fact(b, "f1", {
            text: "Alice loves tea",
            documentId: d,
            lineNum: 1,
            entities: ["Alice"],
          }),
        ]),
        1,
      );
      assert.equal(await store.countFactsMatching(ref), 2);
      const hits = await store.searchFactsByEntity(b, "Alice");
      assert.deepEqual(ids(hits), ["f1"]);
      assert.equal(hits[0]?.text, "Alice loves tea");
      assert.equal(hits[0]?.documentId, d);
      assert.equal(hits[0]?.lineNum, 1);
    },
  },
  {
    name: "the same fact id in two banks stays two facts",
    async fn({ store, bank }) {
      const a = bank("a");
      const b = bank("b");
      await store.saveFacts([fact(a, "same", { text: "alpha harbor", entities: ["X"] })]);
      await store.saveFacts([fact(b, "same", { text: "beta harbor", entities: ["X"] })]);
      assert.deepEqual((await store.searchFactsKeyword(a, "harbor")).map((h) => h.text), [
        "alpha harbor",
      ]);
      assert.deepEqual((await store.searchFactsKeyword(b, "harbor")).map((h) => h.text), [
        "beta harbor",
      ]);
    },
  },
  {
    name: "saveFacts round-trips every field on hits",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const ref = await doc(store, b, "rt.md", [3]);
      const full = fact(b, "full", {
        text: "Calvin moved to Lisbon",
        factType: "experience",
        documentId: ref.documentId,
        lineNum: 3,
        speaker: "user",
        occurredStart: mar(11),
        occurredEnd: mar(12),
        entities: ["Calvin", "Lisbon"],
        embedding: oneHot(dimensions, 0),
        confidenceScore: 0.75,
        mentionedAt: mar(13),
        eventDate: mar(11),
      });
      await store.saveFacts([full, fact(b, "bare", { embedding: oneHot(dimensions, 0) })]);
      const [bare, hit] = await store.searchFactsSemantic(b, oneHot(dimensions, 0));
      assert.ok(bare && hit);
      assert.deepEqual({ ...hit, score: 1 }, {
        factId: "full",
        text: "Calvin moved to Lisbon",
        factType: "experience",
        speaker: "user",
        occurredStart: mar(11),
        occurredEnd: mar(12),
        entities: ["Calvin", "Lisbon"],
        score: 1,
        documentId: ref.documentId,
        lineNum: 3,
        confidenceScore: 0.75,
        mentionedAt: mar(13),
        eventDate: mar(11),
      });
      assert.equal(bare.factId, "bare");
      assert.deepEqual(bare.entities, []);
      assert.equal(bare.documentId, undefined);
      assert.equal(bare.lineNum, undefined);
      assert.equal(bare.speaker, undefined);
      assert.equal(bare.mentionedAt, undefined);
    },
  },
  {
    name: "saveFacts validates the whole batch before writing",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const bad = oneHot(dimensions, 0);
      bad[0] = Number.NaN;
      await assertRejectsWith(
        () =>
          store.saveFacts([fact(b, "ok", { text: "harbor" }), fact(b, "bad", { embedding: bad })]),
        InvalidVectorError,
      );
      await assertRejectsWith(
        () => store.saveFacts([fact(b, "ok", { text: "harbor" }), fact(b, "")]),
        ValidationError,
      );
      assert.deepEqual(await store.searchFactsKeyword(b, "harbor"), []);
      assert.equal(await store.deleteBank(b), 0);
    },
  },
  {
    name: "updateFactEmbeddings sets embeddings by id within the bank",
    async fn({ store, bank, dimensions }) {
      const a = bank("a");
      const b = bank("b");
      await store.saveFacts([fact(a, "f1"), fact(a, "f2"), fact(b, "f3")]);
      assert.deepEqual(await store.searchFactsSemantic(a, oneHot(dimensions, 0)), []);
      assert.equal(
        await store.updateFactEmbeddings(a, [
          ["f1", oneHot(dimensions, 0)],
          ["f2", oneHot(dimensions, 1)],
          ["f3", oneHot(dimensions, 0)],
          ["missing", oneHot(dimensions, 0)],
        ]),
        2,
      );
      assert.deepEqual(ids(await store.searchFactsSemantic(a, oneHot(dimensions, 0))), [
        "f1",
        "f2",
      ]);
      assert.deepEqual(await store.searchFactsSemantic(b, oneHot(dimensions, 0)), []);
      const bad = oneHot(dimensions, 0);
      bad[2] = Number.NaN;
      await assertRejectsWith(
        () => store.updateFactEmbeddings(a, [["f2", oneHot(dimensions, 0)], ["f1", bad]]),
        InvalidVectorError,
      );
      const after = await store.searchFactsSemantic(a, oneHot(dimensions, 0));
      assert.deepEqual(ids(after), ["f1", "f2"]);
      assertClose(after[1]!.score, 0);
    },
  },
  {
    name: "searchFactsSemantic ranks by clamped cosine with filters and id tie-break",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const x = await doc(store, b, "x.md", [1]);
      const v = oneHot(dimensions, 0);
      await store.saveFacts([
        fact(b, "f-b", { embedding: v, documentId: x.documentId, lineNum: 1 }),
        fact(b, "f-a", { embedding: v, factType: "plan" }),
        fact(b, "f-c", { embedding: tilted(dimensions, 0.5) }),
        fact(b, "f-d", { embedding: neg(v) }),
        fact(b, "f-e"),
      ]);
      const hits = await store.searchFactsSemantic(b, v);
      assert.deepEqual(ids(hits), ["f-a", "f-b", "f-c", "f-d"]);
      assertClose(hits[0]!.score, 1);
      assertClose(hits[2]!.score, Math.SQRT1_2);
      assertClose(hits[3]!.score, 0);
      assert.deepEqual(ids(await store.searchFactsSemantic(b, v, { factType: "plan" })), ["f-a"]);
      assert.deepEqual(
        ids(await store.searchFactsSemantic(b, v, { documentId: x.documentId })),
        ["f-b"],
      );
      assert.deepEqual(ids(await store.searchFactsSemantic(b, v, { topK: 2 })), ["f-a", "f-b"]);
    },
  },
  {
    name: "searchFactsByEntity matches an equal name ignoring case",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts([
        fact(b, "f2", { entities: ["Sarah", "Paris"] }),
        fact(b, "f1", { entities: ["sarah"] }),
        fact(b, "f3", { entities: ["Sarah Connor"] }),
        fact(b, "f4"),
      ]);
      const hits = await store.searchFactsByEntity(b, "SARAH");
      assert.deepEqual(ids(hits), ["f1", "f2"]);
      assert.ok(hits.every((h) => h.score === 1));
      assert.deepEqual(hits[1]?.entities, ["Sarah", "Paris"]);
      assert.deepEqual(ids(await store.searchFactsByEntity(b, "sarah", { topK: 1 })), ["f1"]);
      assert.deepEqual(await store.searchFactsByEntity(b, "Nobody"), []);
    },
  },
  {
    name: "searchFactsTemporal filters by fact type",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts(typedFacts(b));
      assert.equal((await store.searchFactsTemporal(b, RANGE)).length, 3);
      assert.deepEqual(
        ids(await store.searchFactsTemporal(b, RANGE, { factType: "preference" })),
        ["f-pref"],
      );
    },
  },
  {
    name: "searchFactsKeyword filters by fact type",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts(typedFacts(b));
      assert.deepEqual(
        new Set(ids(await store.searchFactsKeyword(b, "wedding"))),
        new Set([
          "f-exp",
          "f-pref",
        ]),
      );
      assert.deepEqual(
        ids(await store.searchFactsKeyword(b, "wedding", { factType: "experience" })),
        ["f-exp"],
      );
    },
  },
  {
    name: "searchFactsByEntity filters by fact type",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts(typedFacts(b));
      assert.deepEqual(ids(await store.searchFactsByEntity(b, "Sarah")), ["f-exp", "f-pref"]);
      assert.deepEqual(
        ids(await store.searchFactsByEntity(b, "Sarah", { factType: "preference" })),
        ["f-pref"],
      );
    },
  },
  {
    name: "searchFactsTemporal matches a spanning event whose range contains the window",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts([fact(b, "span", { occurredStart: mar(1), occurredEnd: mar(30) })]);
      assert.deepEqual(ids(await store.searchFactsTemporal(b, RANGE)), ["span"]);
    },
  },
  {
    name: "searchFactsTemporal matches mentionedAt alone",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts([fact(b, "mention", { mentionedAt: mar(15) })]);
      assert.deepEqual(ids(await store.searchFactsTemporal(b, RANGE)), ["mention"]);
    },
  },
  {
    name: "searchFactsTemporal matches occurredEnd alone",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts([fact(b, "end", { occurredEnd: mar(15) })]);
      assert.deepEqual(ids(await store.searchFactsTemporal(b, RANGE)), ["end"]);
    },
  },
  {
    name: "searchFactsTemporal matches occurredStart in range",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts([
        fact(b, "start", { occurredStart: mar(15) }),
        fact(b, "before", { occurredStart: mar(2), occurredEnd: mar(5) }),
        fact(b, "after", { occurredStart: mar(25), mentionedAt: mar(26) }),
      ]);
      assert.deepEqual(ids(await store.searchFactsTemporal(b, RANGE)), ["start"]);
    },
  },
  {
    name: "searchFactsTemporal excludes facts without dates",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts([fact(b, "undated")]);
      assert.deepEqual(await store.searchFactsTemporal(b, RANGE), []);
    },
  },
  {
    name: "searchFactsTemporal sorts newest first by occurredStart, mentionedAt, occurredEnd",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts([
        fact(b, "oldest", { occurredStart: mar(11) }),
        fact(b, "newest", { occurredEnd: mar(19) }),
        fact(b, "middle", { mentionedAt: mar(15) }),
        fact(b, "start-wins", { occurredStart: mar(12), mentionedAt: mar(18) }),
      ]);
      const hits = await store.searchFactsTemporal(b, RANGE);
      assert.deepEqual(ids(hits), ["newest", "middle", "start-wins", "oldest"]);
      assert.ok(hits.every((h) => h.score === 1));
      assert.deepEqual(ids(await store.searchFactsTemporal(b, RANGE, { topK: 1 })), ["newest"]);
    },
  },
  {
    name: "searchFactsKeyword ranks facts matching more terms first",
    async fn({ store, bank }) {
      const b = bank();
      await store.saveFacts([
        fact(b, "one", { text: "The harbor was quiet" }),
        fact(b, "two", { text: "The harbor lighthouse was repainted" }),
        fact(b, "none", { text: "Nothing relevant here" }),
      ]);
      const hits = await store.searchFactsKeyword(b, "harbor lighthouse");
      assert.equal(hits[0]?.factId, "two");
      assert.ok(!ids(hits).includes("none"));
      assert.ok(hits.every((h) => h.score > 0));
      assert.deepEqual(
        new Set(ids(await store.searchFactsKeyword(b, "harbor"))),
        new Set([
          "one",
          "two",
        ]),
      );
      assert.deepEqual(await store.searchFactsKeyword(b, "  "), []);
      assert.deepEqual(await store.searchFactsKeyword(b, "zeppelin"), []);
    },
  },
  {
    name: "fact searches with sessionFilter keep only facts anchored in that session",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const ref = await doc(store, b, "sess.md", [
        sec("", 1, { sessionId: "s1" }),
        sec("", 2, { sessionId: "s2" }),
        sec("", 3),
      ]);
      const d = ref.documentId;
      const common = {
        text: "harbor trip",
        entities: ["Alice"],
        embedding: oneHot(dimensions, 0),
        mentionedAt: mar(15),
      };
      await store.saveFacts([
        fact(b, "in-s1", { ...common, documentId: d, lineNum: 1 }),
        fact(b, "in-s2", { ...common, documentId: d, lineNum: 2 }),
        fact(b, "no-session", { ...common, documentId: d, lineNum: 3 }),
        fact(b, "dangling", { ...common, documentId: d, lineNum: 99 }),
        fact(b, "top-level", common),
      ]);
      const opts = { sessionFilter: "s1" };
      const q = oneHot(dimensions, 0);
      assert.deepEqual(ids(await store.searchFactsSemantic(b, q, opts)), ["in-s1"]);
      assert.deepEqual(ids(await store.searchFactsByEntity(b, "Alice", opts)), ["in-s1"]);
      assert.deepEqual(ids(await store.searchFactsTemporal(b, RANGE, opts)), ["in-s1"]);
      assert.deepEqual(ids(await store.searchFactsKeyword(b, "harbor", opts)), ["in-s1"]);
      assert.deepEqual(await store.searchFactsSemantic(b, q, { sessionFilter: "nope" }), []);
      assert.equal((await store.searchFactsSemantic(b, q)).length, 5);
    },
  },
  {
    name: "countFactsMatching counts one document with entity pattern and fact type",
    async fn({ store, bank }) {
      const b = bank();
      const x = await doc(store, b, "x.md", [1]);
      const y = await doc(store, b, "y.md", [1]);
      await store.saveFacts([
        fact(b, "f1", { documentId: x.documentId, entities: ["Alice Smith"] }),
        fact(b, "f2", { documentId: x.documentId, entities: ["bob"], factType: "preference" }),
        fact(b, "f3", { documentId: x.documentId }),
        fact(b, "f4", { documentId: y.documentId, entities: ["Alice"] }),
        fact(b, "f5", { entities: ["Alice"] }),
      ]);
      assert.equal(await store.countFactsMatching(x), 3);
      assert.equal(await store.countFactsMatching(x, { entityPattern: "alice" }), 1);
      assert.equal(await store.countFactsMatching(x, { entityPattern: "%ALI%" }), 1);
      assert.equal(await store.countFactsMatching(x, { entityPattern: "smi" }), 1);
      assert.equal(await store.countFactsMatching(x, { factType: "world" }), 2);
      assert.equal(
        await store.countFactsMatching(x, { entityPattern: "bob", factType: "world" }),
        0,
      );
      assert.equal(await store.countFactsMatching(y), 1);
      assert.equal(await store.countFactsMatching({ bankId: b, documentId: "missing" }), 0);
      assert.equal(
        await store.countFactsMatching({ bankId: bank("other"), documentId: x.documentId }),
        0,
      );
    },
  },
];

/** Upstream's `TestInMemoryListDistinctEntities` fixture: doc1 Alice×3, Bob×2, Carol×1; doc2 Dave×1. */
async function distinctFixture(store: S, b: string): Promise<[DocumentRef, DocumentRef]> {
  const d1 = await doc(store, b, "d1.md", [1, 2, 3]);
  const d2 = await doc(store, b, "d2.md", [1]);
  const e = (ref: DocumentRef, lineNum: number, entityName: string) => ({
    documentId: ref.documentId,
    lineNum,
    entityName,
  });
  await store.saveSectionEntities(b, [
    e(d1, 1, "Alice"),
    e(d1, 2, "Alice"),
    e(d1, 3, "Alice"),
    e(d1, 1, "Bob"),
    e(d1, 2, "Bob"),
    e(d1, 3, "Carol"),
    e(d2, 1, "Dave"),
  ]);
  return [d1, d2];
}

const wikiCases: CaseDefinition<S>[] = [
  {
    name: "listDistinctEntities returns top entities by count",
    async fn({ store, bank }) {
      const [d1] = await distinctFixture(store, bank());
      assert.deepEqual(await store.listDistinctEntities(d1), [
        { name: "Alice", count: 3 },
        { name: "Bob", count: 2 },
        { name: "Carol", count: 1 },
      ]);
    },
  },
  {
    name: "listDistinctEntities pattern is case-insensitive",
    async fn({ store, bank }) {
      const [d1] = await distinctFixture(store, bank());
      for (const pattern of ["ALI", "ali"]) {
        assert.deepEqual(await store.listDistinctEntities(d1, { pattern }), [
          { name: "Alice", count: 3 },
        ]);
      }
    },
  },
  {
    name: "listDistinctEntities strips % wildcards to a substring",
    async fn({ store, bank }) {
      const [d1] = await distinctFixture(store, bank());
      assert.deepEqual(await store.listDistinctEntities(d1, { pattern: "%bo%" }), [
        { name: "Bob", count: 2 },
      ]);
    },
  },
  {
    name: "listDistinctEntities counts distinct sections",
    async fn({ store, bank }) {
      const b = bank();
      const [d1] = await distinctFixture(store, b);
      await store.saveSectionEntities(b, [
        { documentId: d1.documentId, lineNum: 1, entityName: "Alice" },
      ]);
      assert.deepEqual((await store.listDistinctEntities(d1))[0], { name: "Alice", count: 3 });
    },
  },
  {
    name: "listDistinctEntities isolates documents",
    async fn({ store, bank }) {
      const [d1, d2] = await distinctFixture(store, bank());
      assert.ok(!(await store.listDistinctEntities(d1)).some((e) => e.name === "Dave"));
      assert.deepEqual(await store.listDistinctEntities(d2), [{ name: "Dave", count: 1 }]);
    },
  },
  {
    name: "listDistinctEntities caps output at limit",
    async fn({ store, bank }) {
      const [d1] = await distinctFixture(store, bank());
      assert.deepEqual((await store.listDistinctEntities(d1, { limit: 2 })).map((e) => e.name), [
        "Alice",
        "Bob",
      ]);
    },
  },
  {
    name: "listDistinctEntities of an empty document is empty",
    async fn({ store, bank }) {
      const b = bank();
      await distinctFixture(store, b);
      const empty = await doc(store, b, "empty.md", [1]);
      assert.deepEqual(await store.listDistinctEntities(empty), []);
    },
  },
  {
    name: "listDistinctEntities with no match is empty",
    async fn({ store, bank }) {
      const [d1] = await distinctFixture(store, bank());
      assert.deepEqual(await store.listDistinctEntities(d1, { pattern: "zzz" }), []);
    },
  },
  {
    name: "listDistinctEntities orders equal counts by name",
    async fn({ store, bank }) {
      const b = bank();
      const ref = await doc(store, b, "n.md", [1]);
      await store.saveSectionEntities(
        b,
        ["Zoe", "Amy", "Mia"].map((entityName) => ({
          documentId: ref.documentId,
          lineNum: 1,
          entityName,
        })),
      );
      assert.deepEqual((await store.listDistinctEntities(ref)).map((e) => e.name), [
        "Amy",
        "Mia",
        "Zoe",
      ]);
    },
  },
  {
    name: "saveWikiPage, countWikiPagesForDoc and listWikiPagesForDoc",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const scope = "document:doc-x";
      const returned = await store.saveWikiPage({
        page: page(b, "p-b", scope, { tags: ["t"], metadata: { k: 1 } }),
        embedding: oneHot(dimensions, 0),
        provenance: [],
      });
      assert.equal(returned, "p-b");
      await store.saveWikiPage({ page: page(b, "p-a", scope), provenance: [] });
      await store.saveWikiPage({ page: page(b, "p-c", "document:doc-y"), provenance: [] });
      await store.saveWikiPage({ page: page(b, "p-d", "topic:general"), provenance: [] });
      assert.equal(await store.countWikiPagesForDoc(b, "doc-x"), 2);
      assert.equal(await store.countWikiPagesForDoc(b, "doc-y"), 1);
      assert.equal(await store.countWikiPagesForDoc(b, "doc-z"), 0);
      const listed = await store.listWikiPagesForDoc(b, "doc-x");
      assert.deepEqual(listed.map((p) => p.pageId), ["p-a", "p-b"]);
      assert.deepEqual(listed[1], page(b, "p-b", scope, { tags: ["t"], metadata: { k: 1 } }));
      // Upsert by page id.
      await store.saveWikiPage({
        page: page(b, "p-b", scope, { content: "rewritten" }),
        embedding: oneHot(dimensions, 0),
        provenance: [],
      });
      assert.equal(await store.countWikiPagesForDoc(b, "doc-x"), 2);
      const again = await store.listWikiPagesForDoc(b, "doc-x");
      assert.equal(again[1]?.content, "rewritten");
      assert.deepEqual(await store.listWikiPagesForDoc(b, "doc-z"), []);
    },
  },
  {
    name: "searchWikiPagesSemantic ranks by cosine and filters by document",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const v = oneHot(dimensions, 0);
      const save = (pageId: string, scope: string, embedding?: number[]) =>
        store.saveWikiPage({
          page: page(b, pageId, scope),
          ...(embedding === undefined ? {} : { embedding }),
          provenance: [],
        });
      await save("p-c", "document:doc-y", v);
      await save("p-b", "document:doc-x", v);
      await save("p-a", "document:doc-x", neg(v));
      await save("p-e", "topic:x", tilted(dimensions, 0.5));
      await save("p-d", "topic:x");
      const hits = await store.searchWikiPagesSemantic(b, v);
      assert.deepEqual(hits.map((h) => h.pageId), ["p-b", "p-c", "p-e", "p-a"]);
      assertClose(hits[0]!.score, 1);
      assertClose(hits[2]!.score, Math.SQRT1_2);
      assertClose(hits[3]!.score, 0);
      const { score: _s, ...rest } = hits[0]!;
      assert.deepEqual(rest, {
        pageId: "p-b",
        title: "Page p-b",
        content: "Content of p-b",
        scope: "document:doc-x",
        kind: "topic",
        sourceIds: ["m1"],
        bankId: b,
      });
      assert.deepEqual(
        (await store.searchWikiPagesSemantic(b, v, { documentId: "doc-x" })).map((h) => h.pageId),
        ["p-b", "p-a"],
      );
      assert.deepEqual(
        (await store.searchWikiPagesSemantic(b, v, { topK: 1 })).map((h) => h.pageId),
        ["p-b"],
      );
      for (let i = 0; i < 6; i++) await save(`q-${i}`, "topic:y", v);
      assert.equal((await store.searchWikiPagesSemantic(b, v)).length, 5);
    },
  },
  {
    name: "listWikisAffectedByEntities orders by overlap then page id",
    async fn({ store, bank }) {
      const b = bank();
      const ref = await doc(store, b, "w.md", [1, 2, 3]);
      const d = ref.documentId;
      await store.saveSectionEntities(b, [
        { documentId: d, lineNum: 1, entityName: "Alice" },
        { documentId: d, lineNum: 1, entityName: "Bob" },
        { documentId: d, lineNum: 2, entityName: "Alice" },
        { documentId: d, lineNum: 3, entityName: "Carol" },
      ]);
      const save = (pageId: string, lineNums: number[]) =>
        store.saveWikiPage({
          page: page(b, pageId, `document:${d}`),
          provenance: lineNums.map((l) => [d, l] as const),
        });
      await save("p2", [2]);
      await save("p1", [1]);
      await save("p0", [1, 3]);
      await save("p3", [3]);
      const hits = await store.listWikisAffectedByEntities(b, ["Bob", "Alice"]);
      assert.deepEqual(hits.map((h) => [h.page.pageId, h.overlap]), [["p0", 2], ["p1", 2], [
        "p2",
        1,
      ]]);
      assert.deepEqual(hits[0]?.sharedEntities, ["Alice", "Bob"]);
      assert.equal(hits[0]?.page.bankId, b);
      assert.deepEqual(
        (await store.listWikisAffectedByEntities(b, ["Alice", "Bob"], { minOverlap: 2 })).map(
          (h) => h.page.pageId,
        ),
        ["p0", "p1"],
      );
      assert.deepEqual(
        (await store.listWikisAffectedByEntities(b, ["Alice", "Bob"], { limit: 1 })).map(
          (h) => h.page.pageId,
        ),
        ["p0"],
      );
      // Re-saving replaces the provenance.
      await save("p2", [3]);
      assert.deepEqual(
        (await store.listWikisAffectedByEntities(b, ["Alice", "Bob"])).map((h) => h.page.pageId),
        ["p0", "p1"],
      );
      assert.deepEqual(await store.listWikisAffectedByEntities(b, ["Nobody"]), []);
      assert.deepEqual(await store.listWikisAffectedByEntities(b, []), []);
    },
  },
  {
    name: "saveWikiPage rejects an invalid embedding and writes nothing",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const bad = oneHot(dimensions, 0);
      bad[0] = Number.NEGATIVE_INFINITY;
      await assertRejectsWith(
        () =>
          store.saveWikiPage({ page: page(b, "p", "document:d"), embedding: bad, provenance: [] }),
        InvalidVectorError,
      );
      assert.equal(await store.countWikiPagesForDoc(b, "d"), 0);
    },
  },
];

const lifecycleCases: CaseDefinition<S>[] = [
  {
    name: "health reports healthy and close is idempotent",
    async fn({ createStore }) {
      const s = await createStore();
      const h = await s.health();
      assert.equal(h.healthy, true);
      assert.equal(typeof s[Symbol.asyncDispose], "function");
      await s.close();
      await s.close();
    },
  },
  {
    name: "capabilities are declared",
    fn({ store }) {
      const c = store.capabilities;
      assert.ok(c.consistency === "strong" || c.consistency === "eventual");
      assert.equal(typeof c.persistent, "boolean");
      assert.ok(
        c.atomicBatches === true ||
          (c.atomicBatches.supported === false && c.atomicBatches.reason.length > 0),
      );
      return Promise.resolve();
    },
  },
  {
    name: "missing means empty on every method",
    async fn({ store, bank, dimensions }) {
      const b = bank("never-written");
      assert.deepEqual(await snapshot(store, b, dimensions), EMPTY_SNAPSHOT);
      const ref = { bankId: b, documentId: DOC };
      const v = oneHot(dimensions, 0);
      assert.equal(await store.saveSections(ref, [sec(DOC, 1)]), 0);
      assert.equal(await store.saveSectionEmbeddings(ref, [[1, v]]), 0);
      assert.equal(
        await store.saveSectionEntities(b, [{ documentId: DOC, lineNum: 1, entityName: "A" }]),
        0,
      );
      assert.equal(
        await store.saveSectionLinks(b, [
          { fromDoc: DOC, fromLine: 1, toDoc: DOC, toLine: 2, linkType: "causal", weight: 1 },
        ]),
        0,
      );
      assert.equal(await store.populateSemanticKnnLinks(ref), 0);
      assert.equal(await store.saveSectionEventDates(ref, [[1, mar(1), null]]), 0);
      assert.equal(await store.updateFactEmbeddings(b, [["f", v]]), 0);
      assert.equal(await store.deleteBank(b), 0);
      assert.deepEqual(await snapshot(store, b, dimensions), EMPTY_SNAPSHOT);
    },
  },
  {
    name: "every method is isolated between banks sharing caller ids",
    async fn({ store, bank, dimensions }) {
      const a = bank("a");
      const b = bank("b");
      await populate(store, a, dimensions, 0);
      const before = await snapshot(store, a, dimensions);
      assertPopulated(before, 0);
      await populate(store, b, dimensions, 2);
      const bSnap = await snapshot(store, b, dimensions);
      assertPopulated(bSnap, 2);
      assert.deepEqual(await snapshot(store, a, dimensions), before);
    },
  },
  {
    name: "every method is isolated between hostile bank ids",
    async fn({ store, dimensions }) {
      const banks = Array.from({ length: 8 }, (_, i) => hostileBankId(i));
      const snaps: Awaited<ReturnType<typeof snapshot>>[] = [];
      for (const [i, b] of banks.entries()) {
        await populate(store, b, dimensions, i);
        snaps.push(await snapshot(store, b, dimensions));
        assertPopulated(snaps[i]!, i);
      }
      for (const [i, b] of banks.entries()) {
        assert.deepEqual(await snapshot(store, b, dimensions), snaps[i], `bank ${b}`);
      }
      assert.ok((await store.deleteBank(banks[0]!)) > 0);
      assert.deepEqual(await snapshot(store, banks[0]!, dimensions), EMPTY_SNAPSHOT);
      for (const [i, b] of banks.entries()) {
        if (i > 0) assert.deepEqual(await snapshot(store, b, dimensions), snaps[i], `bank ${b}`);
      }
    },
  },
  {
    name: "deleteBank removes only that bank",
    async fn({ store, bank, dimensions }) {
      const a = bank("a");
      const b = bank("b");
      await populate(store, a, dimensions, 1);
      await populate(store, b, dimensions, 0);
      const kept = await snapshot(store, b, dimensions);
      assert.ok((await store.deleteBank(a)) > 0);
      assert.deepEqual(await snapshot(store, a, dimensions), EMPTY_SNAPSHOT);
      assert.deepEqual(await snapshot(store, b, dimensions), kept);
      assert.equal(await store.deleteBank(a), 0);
      // The bank is usable again, starting from empty.
      await populate(store, a, dimensions, 0);
      assertPopulated(await snapshot(store, a, dimensions), 0);
    },
  },
  {
    name: "returned objects are copies and inputs are not retained",
    async fn({ store, bank, dimensions }) {
      const b = bank();
      const section = sec(DOC, 1, { summaryEmbedding: oneHot(dimensions, 0), title: "Kept" });
      const documentId = await store.saveDocument({
        id: DOC,
        bankId: b,
        sourceId: SOURCE,
        mdText: "m",
      });
      const ref = { bankId: b, documentId };
      await store.saveSections(ref, [section]);
      section.title = "Changed";
      section.summaryEmbedding![0] = 0.5;
      const entities = ["Alice"];
      await store.saveFacts([fact(b, "f", { entities, embedding: oneHot(dimensions, 0) })]);
      entities.push("Mallory");
      const wiki = page(b, "p", `document:${DOC}`);
      await store.saveWikiPage({ page: wiki, embedding: oneHot(dimensions, 0), provenance: [] });
      wiki.sourceIds.push("mutated");

      const loadedDoc = await store.loadDocument(b, SOURCE);
      loadedDoc!.mdText = "mutated";
      const skeleton = await store.loadSkeleton(ref);
      skeleton[0]!.title = "mutated";
      const withEmb = await store.loadSectionsWithEmbeddings(ref);
      withEmb[0]!.summaryEmbedding![0] = 42;
      const hits = await store.searchFactsByEntity(b, "Alice");
      hits[0]!.entities.push("mutated");
      const pages = await store.listWikiPagesForDoc(b, DOC);
      pages[0]!.sourceIds.push("mutated");

      assert.equal((await store.loadDocument(b, SOURCE))?.mdText, "m");
      assert.equal((await store.loadSkeleton(ref))[0]?.title, "Kept");
      assert.deepEqual(
        (await store.loadSectionsWithEmbeddings(ref))[0]?.summaryEmbedding,
        oneHot(dimensions, 0),
      );
      assert.deepEqual((await store.searchFactsByEntity(b, "Alice"))[0]?.entities, ["Alice"]);
      assert.deepEqual(await store.searchFactsByEntity(b, "Mallory"), []);
      assert.deepEqual((await store.listWikiPagesForDoc(b, DOC))[0]?.sourceIds, ["m1"]);
    },
  },
];

/** Cases that depend on the suite options. */
function scaleCases(largeBatchSize: number): CaseDefinition<S>[] {
  return [
    {
      name: "parallel upserts of the same document, facts and page converge",
      async fn({ store, bank, dimensions }) {
        const b = bank();
        const ids = await Promise.all(
          Array.from(
            { length: 8 },
            (_, i) =>
              store.saveDocument({ id: "", bankId: b, sourceId: "same.md", mdText: `v${i}` }),
          ),
        );
        assert.equal(new Set(ids).size, 1);
        const loaded = await store.loadDocument(b, "same.md");
        assert.equal(loaded?.id, ids[0]);
        const ref = { bankId: b, documentId: ids[0]! };
        await Promise.all(
          Array.from(
            { length: 4 },
            (_, i) =>
              store.saveSections(ref, [sec(ref.documentId, 1 + i), sec(ref.documentId, 10 + i)]),
          ),
        );
        assert.equal((await store.loadSkeleton(ref)).length, 2);
        await Promise.all(
          Array.from(
            { length: 4 },
            () => store.saveFacts([fact(b, "f1", { documentId: ref.documentId }), fact(b, "f2")]),
          ),
        );
        assert.equal(await store.countFactsMatching(ref), 1);
        await Promise.all(
          Array.from({ length: 4 }, () =>
            store.saveWikiPage({
              page: page(b, "p", `document:${ref.documentId}`),
              embedding: oneHot(dimensions, 0),
              provenance: [[ref.documentId, 1]],
            })),
        );
        assert.equal(await store.countWikiPagesForDoc(b, ref.documentId), 1);
      },
    },
    {
      name: `large batches of ${largeBatchSize} sections, entities and facts round-trip`,
      async fn({ store, bank, dimensions }) {
        const b = bank();
        const n = largeBatchSize;
        const documentId = await store.saveDocument({
          id: "",
          bankId: b,
          sourceId: "big.md",
          mdText: "",
        });
        const ref = { bankId: b, documentId };
        const sections = Array.from({ length: n }, (_, i) =>
          sec(documentId, i + 1, {
            summary: `summary ${i}`,
            summaryEmbedding: oneHot(dimensions, i),
          }));
        assert.equal(await store.saveSections(ref, sections), n);
        const skeleton = await store.loadSkeleton(ref);
        assert.equal(skeleton.length, n);
        assert.ok(skeleton.every((s, i) => s.lineNum === i + 1));
        assert.equal(
          await store.saveSectionEntities(
            b,
            sections.map((s) => ({ documentId, lineNum: s.lineNum, entityName: "Everyone" })),
          ),
          n,
        );
        assert.deepEqual(await store.listDistinctEntities(ref), [{ name: "Everyone", count: n }]);
        const facts = Array.from(
          { length: n },
          (_, i) =>
            fact(b, `f-${String(i).padStart(6, "0")}`, {
              documentId,
              lineNum: i + 1,
              embedding: oneHot(dimensions, i),
            }),
        );
        assert.equal(await store.saveFacts(facts), n);
        assert.equal(await store.countFactsMatching(ref), n);
        const top = await store.searchFactsSemantic(b, oneHot(dimensions, 0), { topK: 3 });
        assert.deepEqual(ids(top), [
          "f-000000",
          `f-${String(dimensions).padStart(6, "0")}`,
          `f-${String(2 * dimensions).padStart(6, "0")}`,
        ]);
        assert.equal(await store.saveSections(ref, []), 0);
        assert.deepEqual(await store.listDistinctEntities(ref), []);
      },
    },
  ];
}

/** Core's portable string rule (core/README.md, "Input rules") on every method. */
function inputRuleCases(): CaseDefinition<S>[] {
  return stringRuleCases<S>({
    seed: ({ store, dimensions }, b) => populate(store, b, dimensions, 0),
    snapshot: ({ store, dimensions }, b) => snapshot(store, b, dimensions),
    writes({ store, dimensions }, b, bad) {
      const ref = { bankId: b, documentId: DOC };
      const badRef = { bankId: b, documentId: `${DOC}${bad}` };
      const v = oneHot(dimensions, 2);
      const secs = (over: Partial<PageIndexSection>) => () =>
        store.saveSections(ref, [sec(DOC, 1, over)]);
      return {
        "saveDocument id": () =>
          store.saveDocument({ id: `${DOC}${bad}`, bankId: b, sourceId: "new.md", mdText: "x" }),
        "saveDocument sourceId": () =>
          store.saveDocument({ id: DOC, bankId: b, sourceId: `${SOURCE}${bad}`, mdText: "x" }),
        "saveDocument mdText": () =>
          store.saveDocument({ id: DOC, bankId: b, sourceId: SOURCE, mdText: bad }),
        "saveSections documentId": () => store.saveSections(badRef, [sec(`${DOC}${bad}`, 1)]),
        "saveSections nodeId": secs({ nodeId: bad }),
        "saveSections title": secs({ title: bad }),
        "saveSections summary": secs({ summary: bad }),
        "saveSections speaker": secs({ speaker: bad }),
        "saveSections parentNode": secs({ parentNode: bad }),
        "saveSections sessionId": secs({ sessionId: bad }),
        "saveSectionEmbeddings documentId": () => store.saveSectionEmbeddings(badRef, [[1, v]]),
        "saveSectionEntities entityName": () =>
          store.saveSectionEntities(b, [{ documentId: DOC, lineNum: 1, entityName: bad }]),
        "saveSectionEntities documentId": () =>
          store.saveSectionEntities(b, [{
            documentId: badRef.documentId,
            lineNum: 1,
            entityName: "A",
          }]),
        "saveSectionLinks linkType": () =>
          store.saveSectionLinks(b, [
            { fromDoc: DOC, fromLine: 1, toDoc: DOC, toLine: 2, linkType: bad, weight: 1 },
          ]),
        "saveSectionLinks toDoc": () =>
          store.saveSectionLinks(b, [
            {
              fromDoc: DOC,
              fromLine: 1,
              toDoc: badRef.documentId,
              toLine: 2,
              linkType: "causal",
              weight: 1,
            },
          ]),
        "populateSemanticKnnLinks documentId": () => store.populateSemanticKnnLinks(badRef),
        "saveSectionEventDates documentId": () =>
          store.saveSectionEventDates(badRef, [[1, mar(1), null]]),
        "saveFacts id": () => store.saveFacts([fact(b, `fact-0${bad}`)]),
        "saveFacts text": () => store.saveFacts([fact(b, "fact-0", { text: bad })]),
        "saveFacts factType": () => store.saveFacts([fact(b, "fact-0", { factType: bad })]),
        "saveFacts speaker": () => store.saveFacts([fact(b, "fact-0", { speaker: bad })]),
        "saveFacts entities": () => store.saveFacts([fact(b, "fact-0", { entities: [bad] })]),
        "saveFacts documentId": () =>
          store.saveFacts([fact(b, "fact-0", { documentId: badRef.documentId })]),
        "updateFactEmbeddings factId": () => store.updateFactEmbeddings(b, [[`fact-0${bad}`, v]]),
        "saveWikiPage title": () =>
          store.saveWikiPage({
            page: page(b, "page-main", `document:${DOC}`, { title: bad }),
            provenance: [[DOC, 1]],
          }),
        "saveWikiPage pageId": () =>
          store.saveWikiPage({
            page: page(b, `page-main${bad}`, `document:${DOC}`),
            provenance: [[DOC, 1]],
          }),
        "saveWikiPage provenance": () =>
          store.saveWikiPage({
            page: page(b, "page-main", `document:${DOC}`),
            provenance: [[badRef.documentId, 1]],
          }),
      };
    },
    reads({ store, dimensions }, b, bad) {
      const badRef = { bankId: b, documentId: `${DOC}${bad}` };
      const q = oneHot(dimensions, 0);
      return {
        "loadDocument sourceId": () => store.loadDocument(b, `${SOURCE}${bad}`),
        "loadSkeleton documentId": () => store.loadSkeleton(badRef),
        "loadSectionsWithEmbeddings documentId": () => store.loadSectionsWithEmbeddings(badRef),
        "searchSectionsSemantic sessionFilter": () =>
          store.searchSectionsSemantic(b, q, { sessionFilter: bad }),
        "searchSectionsKeyword query": () => store.searchSectionsKeyword(b, `harbor ${bad}`),
        "searchSectionsKeyword speaker": () =>
          store.searchSectionsKeyword(b, "harbor", { speaker: bad }),
        "searchSectionsByEntities names": () => store.searchSectionsByEntities(b, ["Alice", bad]),
        "searchSectionsTemporal sessionFilter": () =>
          store.searchSectionsTemporal(b, RANGE, { sessionFilter: bad }),
        "expandSectionLinks seeds": () => store.expandSectionLinks(b, [[badRef.documentId, 1]]),
        "expandSectionLinks linkTypes": () =>
          store.expandSectionLinks(b, [[DOC, 1]], { linkTypes: [bad] }),
        "expandSectionsBySharedEntities seeds": () =>
          store.expandSectionsBySharedEntities(b, [[badRef.documentId, 1]]),
        "searchFactsSemantic factType": () => store.searchFactsSemantic(b, q, { factType: bad }),
        "searchFactsByEntity name": () => store.searchFactsByEntity(b, bad),
        "searchFactsTemporal documentId": () =>
          store.searchFactsTemporal(b, RANGE, { documentId: badRef.documentId }),
        "searchFactsKeyword query": () => store.searchFactsKeyword(b, `harbor ${bad}`),
        "countFactsMatching entityPattern": () =>
          store.countFactsMatching({ bankId: b, documentId: DOC }, { entityPattern: bad }),
        "searchWikiPagesSemantic documentId": () =>
          store.searchWikiPagesSemantic(b, q, { documentId: badRef.documentId }),
        "countWikiPagesForDoc documentId": () => store.countWikiPagesForDoc(b, badRef.documentId),
        "listWikiPagesForDoc documentId": () => store.listWikiPagesForDoc(b, badRef.documentId),
        "listWikisAffectedByEntities entities": () =>
          store.listWikisAffectedByEntities(b, ["Alice", bad]),
        "listDistinctEntities pattern": () =>
          store.listDistinctEntities({ bankId: b, documentId: DOC }, { pattern: bad }),
      };
    },
    everyMethod({ store, dimensions }, b) {
      const ref = { bankId: b, documentId: DOC };
      const v = oneHot(dimensions, 0);
      const link = {
        fromDoc: DOC,
        fromLine: 1,
        toDoc: DOC,
        toLine: 2,
        linkType: "causal",
        weight: 1,
      };
      return {
        saveDocument: () =>
          store.saveDocument({ id: DOC, bankId: b, sourceId: SOURCE, mdText: "x" }),
        saveSections: () => store.saveSections(ref, [sec(DOC, 1)]),
        loadDocument: () => store.loadDocument(b, SOURCE),
        loadSkeleton: () => store.loadSkeleton(ref),
        loadSectionsWithEmbeddings: () => store.loadSectionsWithEmbeddings(ref),
        saveSectionEmbeddings: () => store.saveSectionEmbeddings(ref, [[1, v]]),
        saveSectionEntities: () =>
          store.saveSectionEntities(b, [{ documentId: DOC, lineNum: 1, entityName: "A" }]),
        saveSectionLinks: () => store.saveSectionLinks(b, [link]),
        populateSemanticKnnLinks: () => store.populateSemanticKnnLinks(ref),
        saveSectionEventDates: () => store.saveSectionEventDates(ref, [[1, mar(1), null]]),
        searchSectionsSemantic: () => store.searchSectionsSemantic(b, v),
        searchSectionsKeyword: () => store.searchSectionsKeyword(b, "harbor"),
        searchSectionsByEntities: () => store.searchSectionsByEntities(b, ["A"]),
        searchSectionsTemporal: () => store.searchSectionsTemporal(b, RANGE),
        expandSectionLinks: () => store.expandSectionLinks(b, [[DOC, 1]]),
        expandSectionsBySharedEntities: () => store.expandSectionsBySharedEntities(b, [[DOC, 1]]),
        saveFacts: () => store.saveFacts([fact(b, "f1")]),
        updateFactEmbeddings: () => store.updateFactEmbeddings(b, [["f1", v]]),
        searchFactsSemantic: () => store.searchFactsSemantic(b, v),
        searchFactsByEntity: () => store.searchFactsByEntity(b, "A"),
        searchFactsTemporal: () => store.searchFactsTemporal(b, RANGE),
        searchFactsKeyword: () => store.searchFactsKeyword(b, "harbor"),
        countFactsMatching: () => store.countFactsMatching(ref),
        saveWikiPage: () =>
          store.saveWikiPage({ page: page(b, "p1", `document:${DOC}`), provenance: [[DOC, 1]] }),
        searchWikiPagesSemantic: () => store.searchWikiPagesSemantic(b, v),
        countWikiPagesForDoc: () => store.countWikiPagesForDoc(b, DOC),
        listWikiPagesForDoc: () => store.listWikiPagesForDoc(b, DOC),
        listWikisAffectedByEntities: () => store.listWikisAffectedByEntities(b, ["A"]),
        listDistinctEntities: () => store.listDistinctEntities(ref),
        deleteBank: () => store.deleteBank(b),
      };
    },
    idCalls({ store }, b, id) {
      const ref = { bankId: b, documentId: id };
      return {
        "loadDocument sourceId": () => store.loadDocument(b, id),
        "loadSkeleton ref.documentId": () => store.loadSkeleton(ref),
        "loadSectionsWithEmbeddings ref.documentId": () => store.loadSectionsWithEmbeddings(ref),
        "countFactsMatching ref.documentId": () => store.countFactsMatching(ref),
        "countWikiPagesForDoc documentId": () => store.countWikiPagesForDoc(b, id),
        "listWikiPagesForDoc documentId": () => store.listWikiPagesForDoc(b, id),
        "listDistinctEntities ref.documentId": () => store.listDistinctEntities(ref),
      };
    },
    countCalls({ store, dimensions }, b, n) {
      const ref = { bankId: b, documentId: DOC };
      const v = oneHot(dimensions, 1);
      return {
        "searchSectionsSemantic topK": () => store.searchSectionsSemantic(b, v, { topK: n }),
        "searchSectionsKeyword topK": () => store.searchSectionsKeyword(b, "harbor", { topK: n }),
        "searchSectionsByEntities topK": () =>
          store.searchSectionsByEntities(b, ["Alice", "Bob"], { topK: n }),
        "searchSectionsTemporal topK": () => store.searchSectionsTemporal(b, RANGE, { topK: n }),
        "expandSectionLinks topK": () => store.expandSectionLinks(b, [[DOC, 1]], { topK: n }),
        "expandSectionsBySharedEntities topK": () =>
          store.expandSectionsBySharedEntities(b, [[DOC, 1]], { topK: n }),
        "searchFactsSemantic topK": () => store.searchFactsSemantic(b, v, { topK: n }),
        "searchFactsByEntity topK": () => store.searchFactsByEntity(b, "Alice", { topK: n }),
        "searchFactsTemporal topK": () => store.searchFactsTemporal(b, RANGE, { topK: n }),
        "searchFactsKeyword topK": () => store.searchFactsKeyword(b, "harbor", { topK: n }),
        "searchWikiPagesSemantic topK": () => store.searchWikiPagesSemantic(b, v, { topK: n }),
        "listWikisAffectedByEntities limit": () =>
          store.listWikisAffectedByEntities(b, ["Alice", "Bob"], { limit: n }),
        "listWikisAffectedByEntities minOverlap": () =>
          store.listWikisAffectedByEntities(b, ["Alice", "Bob"], { minOverlap: n }),
        "listDistinctEntities limit": () => store.listDistinctEntities(ref, { limit: n }),
      };
    },
  });
}

/**
 * Core's stored-integer rule (core/README.md, "Input rules"): line numbers (written or matched),
 * depths and wiki page revisions are int32.
 */
function integerCases(): CaseDefinition<S>[] {
  const ref = (b: string): DocumentRef => ({ bankId: b, documentId: DOC });
  const section = (lineNum: number) => sec(DOC, lineNum);
  const lineField = (
    field: string,
    roundTrip: (store: S, b: string, n: number, dims: number) => Promise<void>,
    call: (store: S, b: string, n: number, dims: number) => Promise<unknown>,
  ) => ({
    min: INT32_MIN,
    field,
    roundTrip: ({ store, dimensions }: { store: S; dimensions: number }, b: string, n: number) =>
      roundTrip(store, b, n, dimensions),
    call: ({ store, dimensions }: { store: S; dimensions: number }, b: string, n: number) =>
      call(store, b, n, dimensions),
  });
  return integerFieldCases<S>({
    seed: ({ store, dimensions }, b) => populate(store, b, dimensions, 0),
    snapshot: ({ store, dimensions }, b) => snapshot(store, b, dimensions),
    fields: {
      "saveSections lineNum": lineField(
        "lineNum",
        async (store, b, n) => {
          await doc(store, b, SOURCE, [section(n)], DOC);
          assert.deepEqual((await store.loadSkeleton(ref(b))).map((x) => x.lineNum), [n]);
          assert.deepEqual(
            (await store.loadSectionsWithEmbeddings(ref(b))).map((x) => x.lineNum),
            [n],
          );
        },
        (store, b, n) => store.saveSections(ref(b), [section(1), section(n)]),
      ),
      "saveSections depth": lineField(
        "depth",
        async (store, b, n) => {
          await doc(store, b, SOURCE, [sec(DOC, 1, { depth: n })], DOC);
          assert.deepEqual((await store.loadSkeleton(ref(b))).map((x) => x.depth), [n]);
        },
        (store, b, n) => store.saveSections(ref(b), [section(1), sec(DOC, 2, { depth: n })]),
      ),
      "saveSectionEmbeddings lineNum": lineField(
        "embeddings",
        async (store, b, n, dims) => {
          await doc(store, b, SOURCE, [section(n)], DOC);
          assert.equal(await store.saveSectionEmbeddings(ref(b), [[n, oneHot(dims, 1)]]), 1);
          const got = await store.loadSectionsWithEmbeddings(ref(b));
          assert.deepEqual(got.map((x) => [x.lineNum, x.summaryEmbedding]), [
            [n, oneHot(dims, 1)],
          ]);
        },
        (store, b, n, dims) =>
          store.saveSectionEmbeddings(ref(b), [[2, oneHot(dims, 3)], [n, oneHot(dims, 3)]]),
      ),
      "saveSectionEventDates lineNum": lineField(
        "eventDates",
        async (store, b, n) => {
          await doc(store, b, SOURCE, [section(n)], DOC);
          assert.equal(await store.saveSectionEventDates(ref(b), [[n, mar(3), mar(4)]]), 1);
          const got = await store.loadSkeleton(ref(b));
          assert.deepEqual(got.map((x) => [x.lineNum, x.occurredStart, x.occurredEnd]), [
            [n, mar(3), mar(4)],
          ]);
        },
        (store, b, n) =>
          store.saveSectionEventDates(ref(b), [[2, mar(3), null], [n, mar(3), null]]),
      ),
      "saveSectionEntities lineNum": lineField(
        "lineNum",
        async (store, b, n) => {
          await doc(store, b, SOURCE, [section(n)], DOC);
          const entity = { documentId: DOC, lineNum: n, entityName: "Zed" };
          assert.equal(await store.saveSectionEntities(b, [entity]), 1);
          assert.deepEqual(lines(await store.searchSectionsByEntities(b, ["Zed"])), [n]);
          assert.deepEqual(await store.listDistinctEntities(ref(b)), [{ name: "Zed", count: 1 }]);
        },
        (store, b, n) =>
          store.saveSectionEntities(b, [
            { documentId: DOC, lineNum: 2, entityName: "Zed" },
            { documentId: DOC, lineNum: n, entityName: "Zed" },
          ]),
      ),
      "saveSectionLinks fromLine": lineField(
        "fromLine",
        async (store, b, n) => {
          await doc(
            store,
            b,
            SOURCE,
            [section(1), section(n)].sort((x, y) => x.lineNum - y.lineNum),
            DOC,
          );
          const link = {
            fromDoc: DOC,
            fromLine: n,
            toDoc: DOC,
            toLine: 1,
            linkType: "causal",
            weight: 1,
          };
          assert.equal(await store.saveSectionLinks(b, [link]), 1);
          assert.deepEqual(lines(await store.expandSectionLinks(b, [[DOC, 1]])), [n]);
        },
        (store, b, n) =>
          store.saveSectionLinks(b, [
            { fromDoc: DOC, fromLine: 2, toDoc: DOC, toLine: 1, linkType: "elaborates", weight: 1 },
            { fromDoc: DOC, fromLine: n, toDoc: DOC, toLine: 1, linkType: "elaborates", weight: 1 },
          ]),
      ),
      "saveSectionLinks toLine": lineField(
        "toLine",
        async (store, b, n) => {
          await doc(
            store,
            b,
            SOURCE,
            [section(1), section(n)].sort((x, y) => x.lineNum - y.lineNum),
            DOC,
          );
          const link = {
            fromDoc: DOC,
            fromLine: 1,
            toDoc: DOC,
            toLine: n,
            linkType: "causal",
            weight: 1,
          };
          assert.equal(await store.saveSectionLinks(b, [link]), 1);
          assert.deepEqual(lines(await store.expandSectionLinks(b, [[DOC, 1]])), [n]);
        },
        (store, b, n) =>
          store.saveSectionLinks(b, [
            { fromDoc: DOC, fromLine: 2, toDoc: DOC, toLine: 1, linkType: "elaborates", weight: 1 },
            { fromDoc: DOC, fromLine: 1, toDoc: DOC, toLine: n, linkType: "elaborates", weight: 1 },
          ]),
      ),
      "expandSectionLinks seeds": lineField(
        "seeds",
        async (store, b, n) => {
          await doc(
            store,
            b,
            SOURCE,
            [section(1), section(n)].sort((x, y) => x.lineNum - y.lineNum),
            DOC,
          );
          const link = {
            fromDoc: DOC,
            fromLine: 1,
            toDoc: DOC,
            toLine: n,
            linkType: "causal",
            weight: 1,
          };
          await store.saveSectionLinks(b, [link]);
          assert.deepEqual(lines(await store.expandSectionLinks(b, [[DOC, n]])), [1]);
        },
        (store, b, n) => store.expandSectionLinks(b, [[DOC, 1], [DOC, n]]),
      ),
      "expandSectionsBySharedEntities seeds": lineField(
        "seeds",
        async (store, b, n) => {
          await doc(
            store,
            b,
            SOURCE,
            [section(1), section(n)].sort((x, y) => x.lineNum - y.lineNum),
            DOC,
          );
          await store.saveSectionEntities(b, [
            { documentId: DOC, lineNum: 1, entityName: "Zed" },
            { documentId: DOC, lineNum: n, entityName: "Zed" },
          ]);
          assert.deepEqual(lines(await store.expandSectionsBySharedEntities(b, [[DOC, n]])), [1]);
        },
        (store, b, n) => store.expandSectionsBySharedEntities(b, [[DOC, 1], [DOC, n]]),
      ),
      "saveFacts lineNum": lineField(
        "lineNum",
        async (store, b, n) => {
          await doc(store, b, SOURCE, [section(n)], DOC);
          const f = fact(b, "f-int", { documentId: DOC, lineNum: n, entities: ["Zed"] });
          assert.equal(await store.saveFacts([f]), 1);
          const hits = await store.searchFactsByEntity(b, "Zed");
          assert.deepEqual(hits.map((h) => [h.factId, h.lineNum]), [["f-int", n]]);
        },
        (store, b, n) =>
          store.saveFacts([
            fact(b, "f-new", { documentId: DOC, lineNum: 1 }),
            fact(b, "f-bad", { documentId: DOC, lineNum: n }),
          ]),
      ),
      "saveWikiPage page.revision": lineField(
        "revision",
        async (store, b, n) => {
          await doc(store, b, SOURCE, [section(1)], DOC);
          const p = page(b, "p-int", `document:${DOC}`, { revision: n });
          await store.saveWikiPage({ page: p, provenance: [[DOC, 1]] });
          assert.deepEqual((await store.listWikiPagesForDoc(b, DOC)).map((x) => x.revision), [n]);
        },
        (store, b, n) =>
          store.saveWikiPage({
            page: page(b, "p-bad", `document:${DOC}`, { revision: n }),
            provenance: [[DOC, 1]],
          }),
      ),
      "saveWikiPage provenance lineNum": lineField(
        "provenance",
        async (store, b, n) => {
          await doc(store, b, SOURCE, [section(n)], DOC);
          await store.saveSectionEntities(b, [{ documentId: DOC, lineNum: n, entityName: "Zed" }]);
          const p = page(b, "p-int", `document:${DOC}`);
          await store.saveWikiPage({ page: p, provenance: [[DOC, n]] });
          const got = await store.listWikisAffectedByEntities(b, ["Zed"]);
          assert.deepEqual(got.map((x) => [x.page.pageId, x.overlap]), [["p-int", 1]]);
        },
        (store, b, n) =>
          store.saveWikiPage({
            page: page(b, "p-bad", `document:${DOC}`),
            provenance: [[DOC, 1], [DOC, n]],
          }),
      ),
    },
  });
}

function allCases(largeBatchSize: number): CaseDefinition<S>[] {
  return [
    ...documentCases,
    ...writerCases,
    ...searchCases,
    ...factCases,
    ...wikiCases,
    ...lifecycleCases,
    ...scaleCases(largeBatchSize),
    ...inputRuleCases(),
    ...integerCases(),
    ...storedValueRuleCases(),
  ];
}

/**
 * Core's stored-value rules (core/README.md, "Input rules"): section embeddings are float32
 * and −0 is stored as 0. (Fact and wiki page embeddings are stored as float32 too, but no
 * method returns them.)
 */
function storedValueRuleCases(): CaseDefinition<S>[] {
  const ref = (b: string): DocumentRef => ({ bankId: b, documentId: DOC });
  const zeroed = (dims: number) => oneHot(dims, 0).map((x) => (x === 0 ? -0 : x));
  return storedValueCases<S>({
    embeddings: {
      "section summaryEmbedding (saveSections)": async ({ store }, b, embedding) => {
        await doc(store, b, SOURCE, [sec(DOC, 1, { summaryEmbedding: embedding })], DOC);
        return (await store.loadSectionsWithEmbeddings(ref(b)))[0]?.summaryEmbedding;
      },
      "section summaryEmbedding (saveSectionEmbeddings)": async ({ store }, b, embedding) => {
        await doc(store, b, SOURCE, [1], DOC);
        assert.equal(await store.saveSectionEmbeddings(ref(b), [[1, embedding]]), 1);
        return (await store.loadSectionsWithEmbeddings(ref(b)))[0]?.summaryEmbedding;
      },
    },
    negativeZero: {
      "section lineNum, depth and summaryEmbedding components": async (
        { store, dimensions },
        b,
      ) => {
        await doc(store, b, SOURCE, [
          sec(DOC, -0, { depth: -0, summaryEmbedding: zeroed(dimensions) }),
        ], DOC);
        const [skeleton] = await store.loadSkeleton(ref(b));
        const [full] = await store.loadSectionsWithEmbeddings(ref(b));
        const [hit] = await store.searchSectionsSemantic(b, oneHot(dimensions, 0));
        return [
          [skeleton?.lineNum, skeleton?.depth, full?.lineNum, full?.summaryEmbedding, hit?.lineNum],
          [0, 0, 0, oneHot(dimensions, 0), 0],
        ];
      },
      "section link lines and weight (expandSectionLinks)": async ({ store }, b) => {
        await doc(store, b, SOURCE, [0, 2], DOC);
        const link = { fromDoc: DOC, fromLine: -0, toDoc: DOC, toLine: 2, linkType: "causal" };
        assert.equal(await store.saveSectionLinks(b, [{ ...link, weight: -0 }]), 1);
        const forward = await store.expandSectionLinks(b, [[DOC, 0]]);
        const backward = await store.expandSectionLinks(b, [[DOC, 2]]);
        return [
          [forward.map((h) => [h.lineNum, h.score]), backward.map((h) => [h.lineNum, h.score])],
          [[[2, 0]], [[0, 0]]],
        ];
      },
      "fact lineNum and confidenceScore (searchFactsByEntity)": async ({ store }, b) => {
        await doc(store, b, SOURCE, [0], DOC);
        await store.saveFacts([
          fact(b, "f-nz", { documentId: DOC, lineNum: -0, confidenceScore: -0, entities: ["Zed"] }),
        ]);
        const [hit] = await store.searchFactsByEntity(b, "zed");
        return [[hit?.lineNum, hit?.confidenceScore], [0, 0]];
      },
      "wiki page revision and metadata (listWikiPagesForDoc)": async ({ store }, b) => {
        await doc(store, b, SOURCE, [0], DOC);
        await store.saveWikiPage({
          page: page(b, "p-nz", `document:${DOC}`, {
            revision: -0,
            metadata: { ...NEGATIVE_ZERO_METADATA },
          }),
          provenance: [[DOC, -0]],
        });
        const [got] = await store.listWikiPagesForDoc(b, DOC);
        return [[got?.revision, got?.metadata], [0, NEGATIVE_ZERO_METADATA_STORED]];
      },
    },
  });
}

/** Names of every contract case (at the default scale), for reports and broken-store tests. */
export const PAGEINDEX_STORE_CASE_NAMES: readonly string[] = allCases(2000).map((c) => c.name);

/**
 * The PageIndexStore contract suite. Every case works in fresh, uniquely named banks, so an
 * adapter may share one database between cases.
 *
 * @example
 * ```ts ignore
 * import { pageIndexStoreContract, registerDenoTests } from "@astrocyte/core/testing";
 * import { createInMemoryPageIndexStore } from "@astrocyte/core";
 *
 * registerDenoTests(pageIndexStoreContract({
 *   name: "PageIndexStore contract (in-memory)",
 *   create: () => Promise.resolve(createInMemoryPageIndexStore()),
 * }));
 * ```
 */
export function pageIndexStoreContract(options: ContractOptions<PageIndexStore>): ContractSuite {
  return buildSuite(
    "pageIndexStore",
    "PageIndexStore contract",
    options,
    allCases(options.largeBatchSize ?? 2000),
  );
}
