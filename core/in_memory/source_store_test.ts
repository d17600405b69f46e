import assert from "node:assert/strict";
import type { SourceStore } from "../spi/source_store.ts";
import { registerDenoTests, runInline } from "../testing/harness.ts";
import { sourceStoreContract } from "../testing/source_store_contract.ts";
import { createInMemorySourceStore } from "./source_store.ts";

registerDenoTests(sourceStoreContract({
  name: "SourceStore contract (in-memory reference)",
  create: () => Promise.resolve(createInMemorySourceStore()),
}));

Deno.test("createInMemorySourceStore keeps instances independent", async () => {
  const a = createInMemorySourceStore();
  const b = createInMemorySourceStore();
  await a.storeDocument({ id: "d", bankId: "bank", contentHash: "h" });
  assert.equal((await a.findDocumentByHash("h", "bank"))?.id, "d");
  assert.equal(await b.findDocumentByHash("h", "bank"), null);
  assert.equal(a.capabilities.atomicBatches, true);
});

// ---------------------------------------------------------------------------------------
// The harness can fail: deliberately broken stores
// ---------------------------------------------------------------------------------------

type Broken = (inner: SourceStore) => SourceStore;

async function failedCases(broken: Broken): Promise<Set<string>> {
  const report = await runInline([
    sourceStoreContract({
      name: "broken",
      largeBatchSize: 50,
      create: () => Promise.resolve(broken(createInMemorySourceStore())),
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

Deno.test("the contract catches hash dedup that crosses banks", async () => {
  const failed = await failedCases((inner) => {
    const docOwner = new Map<string, string>();
    const chunkOwner = new Map<string, string>();
    return {
      ...inner,
      async storeDocument(document) {
        const hash = document.contentHash;
        if (hash !== undefined && docOwner.has(hash)) return docOwner.get(hash)!;
        const id = await inner.storeDocument(document);
        if (hash !== undefined) docOwner.set(hash, id);
        return id;
      },
      async storeChunks(chunks) {
        const out: string[] = [];
        for (const c of chunks) {
          const hash = c.contentHash;
          if (hash !== undefined && chunkOwner.has(hash)) {
            out.push(chunkOwner.get(hash)!);
            continue;
          }
          const [id] = await inner.storeChunks([c]);
          if (hash !== undefined) chunkOwner.set(hash, id!);
          out.push(id!);
        }
        return out;
      },
    };
  });
  assertFails(failed, [
    "document dedup never crosses banks (upstream)",
    "chunk dedup never crosses banks (upstream)",
  ]);
});

Deno.test("the contract catches a deleteDocument that does not cascade", async () => {
  const failed = await failedCases((inner) => ({
    ...inner,
    async deleteDocument(documentId, bankId) {
      const orphans = await inner.listChunks(documentId, bankId);
      const existed = await inner.deleteDocument(documentId, bankId);
      if (orphans.length > 0) await inner.storeChunks(orphans);
      return existed;
    },
  }));
  assertFails(failed, [
    "deleteDocument cascades to the document's chunks (upstream)",
    "deleteDocument releases the document and chunk hashes",
  ]);
});

Deno.test("the contract catches listDocuments ties in insertion order, oldest first", async () => {
  const failed = await failedCases((inner) => ({
    ...inner,
    async listDocuments(bankId, options) {
      const all = (await inner.listDocuments(bankId, { limit: 1_000_000 })).reverse();
      all.sort((a, b) => b.createdAt!.getTime() - a.createdAt!.getTime());
      return all.slice(0, options?.limit ?? 100);
    },
  }));
  assertFails(failed, ["listDocuments breaks createdAt ties by insertion order, later first"]);
});

Deno.test("the contract catches a storeChunks that writes before validating the batch", async () => {
  const failed = await failedCases((inner) => ({
    ...inner,
    async storeChunks(chunks) {
      const out: string[] = [];
      for (const c of chunks) out.push(...await inner.storeChunks([c]));
      return out;
    },
  }));
  assertFails(failed, ["storeChunks validates the whole batch before writing anything"]);
});
