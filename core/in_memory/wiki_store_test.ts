import assert from "node:assert/strict";
import type { WikiPage, WikiStore } from "../spi/wiki_store.ts";
import { registerDenoTests, runInline } from "../testing/harness.ts";
import { wikiStoreContract } from "../testing/wiki_store_contract.ts";
import { createInMemoryWikiStore } from "./wiki_store.ts";

registerDenoTests(wikiStoreContract({
  name: "WikiStore contract (in-memory reference)",
  create: () => Promise.resolve(createInMemoryWikiStore()),
}));

Deno.test("createInMemoryWikiStore keeps instances independent", async () => {
  const a = createInMemoryWikiStore();
  const b = createInMemoryWikiStore();
  await a.upsertPage({
    pageId: "topic:x",
    kind: "topic",
    title: "X",
    content: "",
    scope: "s",
    sourceIds: [],
    crossLinks: [],
  }, "bank");
  assert.equal((await a.listPages("bank")).length, 1);
  assert.deepEqual(await b.listPages("bank"), []);
  assert.equal(a.capabilities.consistency, "strong");
  assert.equal(a.capabilities.persistent, false);
});

// ---------------------------------------------------------------------------------------
// The harness can fail: deliberately broken stores
// ---------------------------------------------------------------------------------------

type Broken = (inner: WikiStore) => WikiStore;

async function failedCases(broken: Broken): Promise<Set<string>> {
  const report = await runInline([
    wikiStoreContract({
      name: "broken",
      create: () => Promise.resolve(broken(createInMemoryWikiStore())),
    }),
  ]);
  return new Set(report.suites[0]!.cases.filter((c) => c.status === "failed").map((c) => c.name));
}

function assertFails(failed: Set<string>, names: string[]): void {
  for (const name of names) {
    assert.ok(
      failed.has(name),
      `expected case to fail: ${name}; failed: ${[...failed].join(" | ")}`,
    );
  }
}

const key = (bankId: string, pageId: string) => JSON.stringify([bankId, pageId]);

Deno.test("the contract catches a store that keeps the caller's revision on create", async () => {
  const failed = await failedCases((inner) => {
    const offsets = new Map<string, number>();
    const shift = (p: WikiPage): WikiPage => ({
      ...p,
      revision: p.revision + (offsets.get(key(p.bankId, p.pageId)) ?? 0),
    });
    return {
      ...inner,
      async upsertPage(page, bankId) {
        const existed = (await inner.getPage(page.pageId, bankId)) !== null;
        if (!existed) offsets.set(key(bankId, page.pageId), (page.revision ?? 1) - 1);
        return await inner.upsertPage(page, bankId);
      },
      async getPage(pageId, bankId) {
        const p = await inner.getPage(pageId, bankId);
        return p === null ? null : shift(p);
      },
      async listPages(bankId, options) {
        return (await inner.listPages(bankId, options)).map(shift);
      },
      async pageHistory(pageId, bankId) {
        return (await inner.pageHistory(pageId, bankId)).map(shift);
      },
    };
  });
  assertFails(failed, [
    "upsertPage assigns revision 1, revisedAt and bankId whatever the caller sends",
  ]);
});

Deno.test("the contract catches a store whose deletePage keeps the history", async () => {
  const failed = await failedCases((inner) => {
    const kept = new Map<string, WikiPage[]>();
    return {
      ...inner,
      async deletePage(pageId, bankId) {
        const before = await inner.pageHistory(pageId, bankId);
        const current = await inner.getPage(pageId, bankId);
        if (current !== null) kept.set(key(bankId, pageId), [...before, current]);
        return await inner.deletePage(pageId, bankId);
      },
      async pageHistory(pageId, bankId) {
        return [
          ...(kept.get(key(bankId, pageId)) ?? []),
          ...await inner.pageHistory(pageId, bankId),
        ];
      },
    };
  });
  assertFails(failed, [
    "deletePage removes the page and its history (upstream)",
    "upsertPage after deletePage starts again at revision 1",
  ]);
});

Deno.test("the contract catches listPages in insertion order", async () => {
  const failed = await failedCases((inner) => {
    const order: string[] = [];
    return {
      ...inner,
      async upsertPage(page, bankId) {
        if (!order.includes(page.pageId)) order.push(page.pageId);
        return await inner.upsertPage(page, bankId);
      },
      async listPages(bankId, options) {
        const pages = await inner.listPages(bankId, options);
        return pages.sort((a, b) => order.indexOf(a.pageId) - order.indexOf(b.pageId));
      },
    };
  });
  assertFails(failed, ["listPages returns the bank's current pages ordered by page id (upstream)"]);
});

Deno.test("the contract catches a deleteBank that ignores the bank", async () => {
  const failed = await failedCases((inner) => {
    const banks = new Set<string>();
    return {
      ...inner,
      async upsertPage(page, bankId) {
        banks.add(bankId);
        return await inner.upsertPage(page, bankId);
      },
      async deleteBank(bankId) {
        let n = 0;
        for (const b of banks) {
          const removed = await inner.deleteBank(b);
          if (b === bankId) n = removed;
        }
        return n;
      },
    };
  });
  assertFails(failed, [
    "deleteBank removes every page and revision of that bank only",
    "every method is scoped to its bank, including hostile bank ids",
  ]);
});
