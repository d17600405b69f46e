/**
 * The WikiStore contract suite (`spi.md` §2.1, §2.8, §2.11, §2.13): every method, revision
 * rules (the store assigns revisions and stamps, archives prior revisions, forgets them on
 * delete), ordering, exact filters, bank isolation with hostile bank ids, validation that
 * writes nothing, and the cases of upstream's `TestInMemoryWikiStore`.
 *
 * @example
 * ```ts ignore
 * import { registerDenoTests, wikiStoreContract } from "@astrocyte/core/testing";
 * import { createInMemoryWikiStore } from "@astrocyte/core";
 *
 * registerDenoTests(wikiStoreContract({ create: () => Promise.resolve(createInMemoryWikiStore()) }));
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import type { WikiPage, WikiPageInput, WikiStore } from "../spi/wiki_store.ts";
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
  NEGATIVE_ZERO_METADATA,
  NEGATIVE_ZERO_METADATA_STORED,
  storedValueCases,
  stringRuleCases,
} from "./_contract_helpers.ts";

function page(pageId: string, over: Partial<WikiPageInput> = {}): WikiPageInput {
  return {
    pageId,
    kind: "topic",
    title: "Test",
    content: "## Test\n\nContent.",
    scope: "test",
    sourceIds: ["m1"],
    crossLinks: [],
    ...over,
  };
}

async function mustGet(store: WikiStore, pageId: string, bankId: string): Promise<WikiPage> {
  const got = await store.getPage(pageId, bankId);
  assert.ok(got !== null, `expected page ${pageId} in bank ${bankId}`);
  return got;
}

const ids = (pages: readonly WikiPage[]): string[] => pages.map((p) => p.pageId);

/** Core's portable string rule (core/README.md, "Input rules") on every method. */
const INPUT_RULE_CASES: CaseDefinition<WikiStore>[] = stringRuleCases<WikiStore>({
  async seed({ store }, b) {
    await store.upsertPage(page("keep", { tags: ["t"], metadata: { k: "v" } }), b);
  },
  async snapshot({ store }, b) {
    return {
      pages: await store.listPages(b),
      history: await store.pageHistory("keep", b),
    };
  },
  writes({ store }, b, bad) {
    const w = (over: Partial<WikiPageInput>) => () => store.upsertPage(page("keep", over), b);
    return {
      "upsertPage pageId": w({ pageId: `keep${bad}` }),
      "upsertPage title": w({ title: bad }),
      "upsertPage content": w({ content: bad }),
      "upsertPage scope": w({ scope: bad }),
      "upsertPage sourceIds": w({ sourceIds: ["m1", bad] }),
      "upsertPage crossLinks": w({ crossLinks: [bad] }),
      "upsertPage tags": w({ tags: [bad] }),
      "upsertPage metadata value": w({ metadata: { k: bad } }),
      "upsertPage metadata key": w({ metadata: { [`k${bad}`]: "v" } }),
      "deletePage pageId": () => store.deletePage(`keep${bad}`, b),
    };
  },
  reads({ store }, b, bad) {
    return {
      "getPage pageId": () => store.getPage(`keep${bad}`, b),
      "pageHistory pageId": () => store.pageHistory(`keep${bad}`, b),
      "listPages scope": () => store.listPages(b, { scope: bad }),
    };
  },
  everyMethod({ store }, b) {
    return {
      upsertPage: () => store.upsertPage(page("p1"), b),
      getPage: () => store.getPage("p1", b),
      listPages: () => store.listPages(b),
      pageHistory: () => store.pageHistory("p1", b),
      deletePage: () => store.deletePage("p1", b),
      deleteBank: () => store.deleteBank(b),
    };
  },
  idCalls: ({ store }, b, id) => ({
    "getPage pageId": () => store.getPage(id, b),
    "pageHistory pageId": () => store.pageHistory(id, b),
    "deletePage pageId": () => store.deletePage(id, b),
  }),
});

/** Core's stored-value rule: −0 is stored as 0. */
const STORED_VALUE_CASES: CaseDefinition<WikiStore>[] = storedValueCases<WikiStore>({
  negativeZero: {
    "page metadata (getPage, listPages, pageHistory)": async ({ store }, b) => {
      await store.upsertPage(page("topic:nz", { metadata: { ...NEGATIVE_ZERO_METADATA } }), b);
      await store.upsertPage(page("topic:nz", { metadata: { ...NEGATIVE_ZERO_METADATA } }), b);
      const got = await store.getPage("topic:nz", b);
      const [listed] = await store.listPages(b);
      const history = await store.pageHistory("topic:nz", b);
      const want = NEGATIVE_ZERO_METADATA_STORED;
      return [
        [got?.metadata, listed?.metadata, history.map((p) => p.metadata)],
        [want, want, history.map(() => want)],
      ];
    },
  },
});

const CASES: CaseDefinition<WikiStore>[] = [
  {
    name: "upsertPage returns the page id and getPage round-trips every field",
    async fn({ store, bank }) {
      const b = bank();
      const input = page("topic:incident-response", {
        kind: "concept",
        title: "Incident response",
        content: "## Incident response\n\nPage the on-call, then write it up.",
        scope: "team:sre",
        sourceIds: ["m1", "m2", "m3"],
        crossLinks: ["entity:pagerduty", "topic:postmortems"],
        tags: ["ops", "process"],
        metadata: { owner: "sre", priority: 2, reviewed: true, note: null },
      });
      assert.equal(await store.upsertPage(input, b), "topic:incident-response");
      const got = await mustGet(store, "topic:incident-response", b);
      const { revisedAt, ...rest } = got;
      assert.deepEqual(defined(rest), { ...input, bankId: b, revision: 1 });
      assertRecentDate(revisedAt, "revisedAt");
    },
  },
  {
    name: "upsertPage assigns revision 1, revisedAt and bankId whatever the caller sends",
    async fn({ store, bank }) {
      const b = bank();
      const other = bank("other");
      await store.upsertPage(
        {
          ...page("topic:x"),
          revision: 7,
          revisedAt: new Date("2001-01-01T00:00:00Z"),
          bankId: other,
        },
        b,
      );
      const got = await mustGet(store, "topic:x", b);
      assert.equal(got.revision, 1);
      assert.equal(got.bankId, b);
      assertRecentDate(got.revisedAt, "revisedAt");
      assert.equal(await store.getPage("topic:x", other), null);
      assert.deepEqual(await store.listPages(other), []);
    },
  },
  {
    name: "upsertPage increments the revision and replaces the content (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsertPage(page("topic:test"), b);
      // The compile engine always passes revision 1; the store increments.
      await store.upsertPage(
        page("topic:test", {
          title: "Test Updated",
          content: "## Test\n\nNew content.",
          sourceIds: ["m1", "m2"],
          revision: 1,
        }),
        b,
      );
      const got = await mustGet(store, "topic:test", b);
      assert.equal(got.revision, 2);
      assert.equal(got.title, "Test Updated");
      assert.equal(got.content, "## Test\n\nNew content.");
      assert.deepEqual(got.sourceIds, ["m1", "m2"]);
    },
  },
  {
    name: "pageHistory holds the archived revisions oldest first (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsertPage(page("topic:test", { title: "Test" }), b);
      await store.upsertPage(
        page("topic:test", { title: "v2", content: "v2 content", sourceIds: [] }),
        b,
      );
      await store.upsertPage(page("topic:test", { title: "v3", revision: 99 }), b);
      const history = await store.pageHistory("topic:test", b);
      assert.deepEqual(history.map((p) => [p.revision, p.title]), [[1, "Test"], [2, "v2"]]);
      assert.equal(history[1]!.content, "v2 content");
      assert.deepEqual(history[1]!.sourceIds, []);
      assert.ok(history.every((p) => p.bankId === b && p.pageId === "topic:test"));
      const current = await mustGet(store, "topic:test", b);
      assert.equal(current.revision, 3);
      assert.equal(current.title, "v3");
      const stamps = [...history, current].map((p) => p.revisedAt.getTime());
      assert.ok(
        stamps.every((t, i) => i === 0 || t >= stamps[i - 1]!),
        `revisedAt must not decrease: ${stamps}`,
      );
    },
  },
  {
    name: "upsertPage replaces optional fields wholesale",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsertPage(page("topic:x", { tags: ["a"], metadata: { k: "v" } }), b);
      await store.upsertPage(page("topic:x"), b);
      const got = await mustGet(store, "topic:x", b);
      assert.equal(got.tags, undefined);
      assert.equal(got.metadata, undefined);
      const [archived] = await store.pageHistory("topic:x", b);
      assert.deepEqual(archived!.tags, ["a"]);
      assert.deepEqual(archived!.metadata, { k: "v" });
    },
  },
  {
    name: "optional fields never set stay absent and empty lists stay empty",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsertPage(page("topic:bare", { sourceIds: [], crossLinks: [], tags: [] }), b);
      const got = await mustGet(store, "topic:bare", b);
      assert.equal(got.metadata, undefined);
      assert.deepEqual(got.sourceIds, []);
      assert.deepEqual(got.crossLinks, []);
      assert.deepEqual(got.tags, []);
    },
  },
  {
    name: "getPage returns null for a missing page or an unknown bank (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      assert.equal(await store.getPage("topic:missing", b), null);
      await store.upsertPage(page("topic:present"), b);
      assert.equal(await store.getPage("topic:missing", b), null);
      assert.equal(await store.getPage("topic:present", bank("unknown")), null);
    },
  },
  {
    name: "listPages returns the bank's current pages ordered by page id (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      const other = bank("other");
      for (const id of ["topic:b", "topic:a", "entity:Zed", "concept:é", "Topic:c", "topic:a"]) {
        await store.upsertPage(page(id), b);
      }
      await store.upsertPage(page("topic:c"), other);
      const pages = await store.listPages(b);
      assert.deepEqual(ids(pages), ["Topic:c", "concept:é", "entity:Zed", "topic:a", "topic:b"]);
      assert.equal(pages.find((p) => p.pageId === "topic:a")!.revision, 2);
      assert.ok(pages.every((p) => p.bankId === b));
      assert.deepEqual(ids(await store.listPages(other)), ["topic:c"]);
    },
  },
  {
    name: "listPages filters by exact scope (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsertPage(
        page("topic:alpha", { title: "Alpha", content: "", scope: "alpha" }),
        b,
      );
      await store.upsertPage(page("topic:beta", { title: "Beta", content: "", scope: "beta" }), b);
      await store.upsertPage(page("topic:alpha2", { scope: "alpha2" }), b);
      await store.upsertPage(page("topic:Alpha", { scope: "Alpha" }), b);
      const pages = await store.listPages(b, { scope: "alpha" });
      assert.deepEqual(ids(pages), ["topic:alpha"]);
      assert.equal(pages[0]!.scope, "alpha");
      assert.deepEqual(await store.listPages(b, { scope: "gamma" }), []);
    },
  },
  {
    name: "listPages filters by exact kind, combined with scope",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsertPage(page("entity:alice", { kind: "entity", scope: "people" }), b);
      await store.upsertPage(page("topic:alice", { kind: "topic", scope: "people" }), b);
      await store.upsertPage(page("entity:acme", { kind: "entity", scope: "orgs" }), b);
      await store.upsertPage(page("concept:trust", { kind: "concept", scope: "people" }), b);
      assert.deepEqual(ids(await store.listPages(b, { kind: "entity" })), [
        "entity:acme",
        "entity:alice",
      ]);
      assert.deepEqual(ids(await store.listPages(b, { kind: "entity", scope: "people" })), [
        "entity:alice",
      ]);
      assert.deepEqual(ids(await store.listPages(b, { kind: "concept", scope: "orgs" })), []);
    },
  },
  {
    name: "listPages matches filter values literally, never as patterns",
    async fn({ store, bank }) {
      const b = bank();
      for (const scope of ["a%", "abc", "a_c", "aXc", "A%", "a.*"]) {
        await store.upsertPage(page(`topic:${scope}`, { scope }), b);
      }
      assert.deepEqual(ids(await store.listPages(b, { scope: "a%" })), ["topic:a%"]);
      assert.deepEqual(ids(await store.listPages(b, { scope: "a_c" })), ["topic:a_c"]);
      assert.deepEqual(ids(await store.listPages(b, { scope: "a.*" })), ["topic:a.*"]);
      assert.deepEqual(await store.listPages(b, { scope: "%" }), []);
    },
  },
  {
    name: "listPages and pageHistory of an unknown bank or page are empty",
    async fn({ store, bank }) {
      const b = bank();
      assert.deepEqual(await store.listPages(b), []);
      assert.deepEqual(await store.pageHistory("topic:none", b), []);
      await store.upsertPage(page("topic:once"), b);
      assert.deepEqual(await store.pageHistory("topic:once", b), []);
      assert.deepEqual(await store.pageHistory("topic:none", b), []);
    },
  },
  {
    name: "deletePage removes the page and its history (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsertPage(page("topic:test"), b);
      await store.upsertPage(page("topic:test", { title: "v2" }), b);
      await store.upsertPage(page("topic:keep"), b);
      assert.equal(await store.deletePage("topic:test", b), true);
      assert.equal(await store.getPage("topic:test", b), null);
      assert.deepEqual(await store.pageHistory("topic:test", b), []);
      assert.deepEqual(ids(await store.listPages(b)), ["topic:keep"]);
      assert.equal(await store.deletePage("topic:test", b), false);
    },
  },
  {
    name: "deletePage returns false for a missing page (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      assert.equal(await store.deletePage("topic:missing", b), false);
      await store.upsertPage(page("topic:x"), b);
      assert.equal(await store.deletePage("topic:missing", b), false);
      assert.ok(await store.getPage("topic:x", b));
    },
  },
  {
    name: "upsertPage after deletePage starts again at revision 1",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsertPage(page("topic:x", { title: "old" }), b);
      await store.upsertPage(page("topic:x", { title: "old2" }), b);
      await store.deletePage("topic:x", b);
      await store.upsertPage(page("topic:x", { title: "new" }), b);
      const got = await mustGet(store, "topic:x", b);
      assert.equal(got.revision, 1);
      assert.equal(got.title, "new");
      assert.deepEqual(await store.pageHistory("topic:x", b), []);
      await store.upsertPage(page("topic:x", { title: "new2" }), b);
      assert.deepEqual(
        (await store.pageHistory("topic:x", b)).map((p) => [p.revision, p.title]),
        [[1, "new"]],
      );
    },
  },
  {
    name: "the same page id in two banks is two records (upstream)",
    async fn({ store, bank }) {
      const a = bank("a");
      const b = bank("b");
      await store.upsertPage(page("topic:x", { title: "in a" }), a);
      await store.upsertPage(page("topic:x", { title: "in a, v2" }), a);
      await store.upsertPage(page("topic:x", { title: "in b" }), b);
      const ga = await mustGet(store, "topic:x", a);
      const gb = await mustGet(store, "topic:x", b);
      assert.deepEqual([ga.title, ga.revision, ga.bankId], ["in a, v2", 2, a]);
      assert.deepEqual([gb.title, gb.revision, gb.bankId], ["in b", 1, b]);
      assert.equal((await store.pageHistory("topic:x", a)).length, 1);
      assert.deepEqual(await store.pageHistory("topic:x", b), []);
    },
  },
  {
    name: "every method is scoped to its bank, including hostile bank ids",
    async fn({ store, bank }) {
      const plain = bank("plain");
      for (let i = 0; i < HOSTILE_BANK_PREFIXES.length; i++) {
        const h = hostileBankId(i);
        await store.upsertPage(page("topic:shared", { title: `hostile ${i}` }), h);
        await store.upsertPage(page("topic:shared", { title: `hostile ${i} v2` }), h);
        await store.upsertPage(page("topic:only-hostile"), h);
        await store.upsertPage(page("topic:shared", { title: "plain" }), plain);

        const got = await mustGet(store, "topic:shared", h);
        assert.deepEqual([got.title, got.revision, got.bankId], [`hostile ${i} v2`, 2, h]);
        assert.deepEqual(ids(await store.listPages(h)), ["topic:only-hostile", "topic:shared"]);
        assert.deepEqual(ids(await store.listPages(h, { scope: "test", kind: "topic" })), [
          "topic:only-hostile",
          "topic:shared",
        ]);
        assert.equal((await store.pageHistory("topic:shared", h)).length, 1);
        assert.equal(await store.getPage("topic:only-hostile", plain), null);
        assert.deepEqual(await store.pageHistory("topic:only-hostile", plain), []);
        assert.equal(await store.deletePage("topic:only-hostile", plain), false);

        // Deleting in the plain bank leaves the hostile bank alone, and vice versa.
        assert.equal(await store.deletePage("topic:shared", plain), true);
        assert.equal((await mustGet(store, "topic:shared", h)).revision, 2);
        assert.equal((await store.pageHistory("topic:shared", h)).length, 1);
        await store.upsertPage(page("topic:plain-only"), plain);
        assert.equal(await store.deleteBank(h), 2);
        assert.deepEqual(await store.listPages(h), []);
        assert.deepEqual(await store.pageHistory("topic:shared", h), []);
        assert.deepEqual(ids(await store.listPages(plain)), ["topic:plain-only"]);
        await store.deletePage("topic:plain-only", plain);
      }
    },
  },
  {
    name: "hostile page ids, titles and content round-trip exactly",
    async fn({ store, bank }) {
      const b = bank();
      for (const [i, id] of HOSTILE_IDS.entries()) {
        const text = HOSTILE_TEXTS[i % HOSTILE_TEXTS.length]!;
        await store.upsertPage(
          page(id, {
            title: text,
            content: text + "\n" + text,
            scope: `${text}|${i}`,
            sourceIds: [id, text],
            crossLinks: [text],
            tags: [text],
            metadata: { [text]: text },
          }),
          b,
        );
        const got = await mustGet(store, id, b);
        assert.equal(got.pageId, id);
        assert.equal(got.title, text);
        assert.equal(got.content, text + "\n" + text);
        assert.deepEqual(got.sourceIds, [id, text]);
        assert.deepEqual(got.metadata, { [text]: text });
        assert.deepEqual(ids(await store.listPages(b, { scope: `${text}|${i}` })), [id]);
      }
      assert.deepEqual(ids(await store.listPages(b)), [...HOSTILE_IDS].sort(codeUnitOrder));
      for (const id of HOSTILE_IDS) assert.equal(await store.deletePage(id, b), true);
      assert.deepEqual(await store.listPages(b), []);
    },
  },
  {
    name: "upsertPage rejects invalid input and writes nothing",
    async fn({ store, bank }) {
      const b = bank();
      const bad: unknown[] = [
        page(""),
        { ...page("topic:x"), kind: "wiki" },
        { ...page("topic:x"), sourceIds: "m1" },
        { ...page("topic:x"), title: 42 },
        { ...page("topic:x"), metadata: { nested: { no: true } } },
        null,
      ];
      for (const p of bad) {
        await assertRejectsWith(() => store.upsertPage(p as WikiPageInput, b), ValidationError);
      }
      await assertRejectsWith(() => store.upsertPage(page("topic:x"), ""), ValidationError);
      assert.deepEqual(await store.listPages(b), []);
      // A bad replacement leaves the existing page untouched.
      await store.upsertPage(page("topic:x", { title: "good" }), b);
      await assertRejectsWith(
        () => store.upsertPage({ ...page("topic:x"), kind: "wiki" } as unknown as WikiPageInput, b),
        ValidationError,
      );
      const got = await mustGet(store, "topic:x", b);
      assert.deepEqual([got.title, got.revision], ["good", 1]);
      assert.deepEqual(await store.pageHistory("topic:x", b), []);
    },
  },
  {
    name: "deleteBank removes every page and revision of that bank only",
    async fn({ store, bank }) {
      const a = bank("a");
      const b = bank("b");
      await store.upsertPage(page("topic:1"), a);
      await store.upsertPage(page("topic:1", { title: "v2" }), a);
      await store.upsertPage(page("topic:2"), a);
      await store.upsertPage(page("topic:1"), b);
      await store.upsertPage(page("topic:1", { title: "b v2" }), b);
      assert.equal(await store.deleteBank(a), 2);
      assert.deepEqual(await store.listPages(a), []);
      assert.equal(await store.getPage("topic:1", a), null);
      assert.deepEqual(await store.pageHistory("topic:1", a), []);
      assert.equal((await mustGet(store, "topic:1", b)).revision, 2);
      assert.equal((await store.pageHistory("topic:1", b)).length, 1);
      assert.equal(await store.deleteBank(a), 0);
      assert.equal(await store.deleteBank(bank("never-used")), 0);
      await store.upsertPage(page("topic:1"), a);
      assert.equal((await mustGet(store, "topic:1", a)).revision, 1);
    },
  },
  {
    name: "returned pages are copies and inputs are not retained",
    async fn({ store, bank }) {
      const b = bank();
      const input = page("topic:x", { tags: ["t"], metadata: { k: "v" } });
      await store.upsertPage(input, b);
      input.sourceIds.push("mutated");
      input.tags!.push("mutated");
      input.metadata!.k = "mutated";
      const got = await mustGet(store, "topic:x", b);
      assert.deepEqual([got.sourceIds, got.tags, got.metadata], [["m1"], ["t"], { k: "v" }]);
      got.sourceIds.push("x");
      got.crossLinks.push("x");
      got.revisedAt.setTime(0);
      const again = await mustGet(store, "topic:x", b);
      assert.deepEqual([again.sourceIds, again.crossLinks], [["m1"], []]);
      assert.notEqual(again.revisedAt.getTime(), 0);
      const [listed] = await store.listPages(b);
      listed!.title = "mutated";
      assert.equal((await mustGet(store, "topic:x", b)).title, "Test");
    },
  },
  {
    name: "concurrent upserts of one page converge with distinct revisions",
    async fn({ store, bank }) {
      const b = bank();
      const n = 8;
      await Promise.all(
        Array.from(
          { length: n },
          (_, i) => store.upsertPage(page("topic:hot", { title: `w${i}` }), b),
        ),
      );
      const got = await mustGet(store, "topic:hot", b);
      assert.equal(got.revision, n);
      const history = await store.pageHistory("topic:hot", b);
      assert.deepEqual(
        history.map((p) => p.revision),
        Array.from({ length: n - 1 }, (_, i) => i + 1),
      );
      const titles = new Set([...history, got].map((p) => p.title));
      assert.equal(titles.size, n, "every write must be kept exactly once");
    },
  },
  {
    name: "health reports healthy and close is idempotent",
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

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The WikiStore contract suite. Every case works in fresh, unique banks, so instances may
 * share one database.
 */
export function wikiStoreContract(options: ContractOptions<WikiStore>): ContractSuite {
  return buildSuite("wikiStore", "WikiStore contract", options, [
    ...CASES,
    ...INPUT_RULE_CASES,
    ...STORED_VALUE_CASES,
  ]);
}
