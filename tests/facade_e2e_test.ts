/**
 * End-to-end: the memory facade over every embedded configuration — in-memory, a libSQL file
 * and PGlite (Postgres + pgvector) — built from astrocyte.yaml text through the explicit
 * registry. retain → recall → reflect → forget, hybrid recall against semantic-only (asserted
 * on ranks), and forget({ scope: "all" }) proven by listing every configured store.
 */
import assert from "node:assert/strict";
import { Astrocyte, createRegistry, inMemory } from "@astrocyte/core";
import { libsql } from "@astrocyte/libsql";
import { postgres } from "../adapters/postgres/pglite.ts";

const STORES = [
  "vector_store",
  "document_store",
  "graph_store",
  "source_store",
  "wiki_store",
  "mental_model_store",
  "pageindex_store",
] as const;

function yamlFor(key: string, config: string): string {
  const lines = ["provider_tier: storage"];
  STORES.forEach((family, i) => {
    lines.push(`${family}: ${key}`);
    // One anchored config so every family shares one connection.
    lines.push(i === 0 ? `${family}_config: &db ${config}` : `${family}_config: *db`);
  });
  lines.push("llm_provider: mock", "llm_provider_config:", "  embedding_dimensions: 256");
  return lines.join("\n");
}

const tmp = await Deno.makeTempDir({ prefix: "astrocyte-e2e-" });
const CONFIGS: { name: string; yaml: string }[] = [
  { name: "in_memory", yaml: yamlFor("in_memory", "{ dimensions: 256 }") },
  {
    name: "libsql file:",
    yaml: yamlFor("libsql", `{ url: "file:${tmp}/e2e.db", dimensions: 256 }`),
  },
  {
    name: "postgres pglite",
    yaml: yamlFor("postgres", `{ url: "memory://", dimensions: 256 }`),
  },
];

const registry = createRegistry(inMemory, libsql, postgres);
const quiet = { warn: () => {} };

for (const { name, yaml } of CONFIGS) {
  Deno.test({
    name: `facade e2e (${name}): retain → recall → reflect → forget, hybrid, forget all`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const brain = await Astrocyte.fromConfig(yaml, { registry, env: {}, logger: quiet });
      try {
        const run = crypto.randomUUID().slice(0, 8);
        const bank = `e2e-${run}`;
        const other = `e2e-other-${run}`;

        await t.step("retain → recall → reflect → forget by id", async () => {
          const kept = await brain.retain("Calvin prefers dark mode in every editor.", {
            bankId: bank,
            tags: ["prefs"],
          });
          assert.equal(kept.stored, true);
          await brain.retain("Ada lives in London and likes tea.", { bankId: bank });
          await brain.retain("Calvin prefers light roast coffee.", { bankId: other });
          const recalled = await brain.recall("What does Calvin prefer?", { bankId: bank });
          assert.match(recalled.hits[0]!.text, /dark mode/);
          assert.ok(recalled.hits.every((h) => h.bankId === bank), "no other bank's memories");
          assert.deepEqual(recalled.trace?.strategyErrors, undefined);
          const reflected = await brain.reflect("What does Calvin prefer?", { bankId: bank });
          assert.match(reflected.answer, /dark mode/);
          const forgotten = await brain.forget({ bankId: bank, memoryIds: [kept.memoryId!] });
          assert.equal(forgotten.deletedCount, 1);
          const after = await brain.recall("dark mode editor", { bankId: bank });
          assert.ok(!after.hits.some((h) => /dark mode/.test(h.text)));
          assert.equal(await brain.stores.documentStore!.getDocument(kept.memoryId!, bank), null);
        });

        await t.step("hybrid recall beats semantic-only on an identifier query", async () => {
          const hb = `${bank}-hybrid`;
          for (let i = 0; i < 12; i++) {
            await brain.retain(`Invoice status update ${i}: the invoice status is pending.`, {
              bankId: hb,
            });
          }
          await brain.retain(
            "Payment reference ZX4471 was finally settled on Monday after a long delay with " +
              "the bank and several phone calls to the accounts department.",
            { bankId: hb },
          );
          const query = "invoice ZX4471 status";
          const rank = (hits: { text: string }[]) => hits.findIndex((h) => /ZX4471/.test(h.text));
          const semantic = await brain.recall(query, {
            bankId: hb,
            maxResults: 13,
            strategies: ["semantic"],
          });
          const hybrid = await brain.recall(query, { bankId: hb, maxResults: 13 });
          assert.ok(rank(hybrid.hits) >= 0);
          assert.ok(
            rank(hybrid.hits) < rank(semantic.hits),
            `hybrid rank ${rank(hybrid.hits)} vs semantic rank ${rank(semantic.hits)}`,
          );
          await brain.forget({ bankId: hb, scope: "all" });
        });

        await t.step("forget scope all leaves no row for the bank in any store", async () => {
          const s = brain.stores;
          for (const b of [bank, other]) {
            await brain.retain("Grace Hopper wrote the first compiler.", { bankId: b });
            await s.wikiStore!.upsertPage({
              pageId: "topic:x",
              kind: "topic",
              title: "X",
              content: "x",
              scope: "bank",
              sourceIds: [],
              crossLinks: [],
            }, b);
            await s.mentalModelStore!.upsert({
              modelId: "m1",
              title: "M",
              content: "m",
              scope: "bank",
              sourceIds: [],
            }, b);
            await s.pageIndexStore!.saveDocument({
              id: "",
              bankId: b,
              sourceId: "s1",
              mdText: "#",
            });
          }
          await brain.forget({ bankId: bank, scope: "all" });
          const census = async (b: string) => ({
            vectors: (await s.vectorStore!.listVectors(b)).length,
            documents: (await s.documentStore!.listDocuments(b)).length,
            entities: (await s.graphStore!.queryEntities("", b, { limit: 100 })).length,
            sources: (await s.sourceStore!.listDocuments(b)).length,
            wiki: (await s.wikiStore!.listPages(b)).length,
            models: (await s.mentalModelStore!.list(b)).length,
            pageindex: (await s.pageIndexStore!.loadDocument(b, "s1")) === null ? 0 : 1,
          });
          assert.deepEqual(await census(bank), {
            vectors: 0,
            documents: 0,
            entities: 0,
            sources: 0,
            wiki: 0,
            models: 0,
            pageindex: 0,
          });
          for (const [store, n] of Object.entries(await census(other))) {
            assert.ok(n > 0, `the other bank keeps its ${store}`);
          }
          await brain.forget({ bankId: other, scope: "all" });
        });
      } finally {
        await brain.close();
      }
    },
  });
}

Deno.test("facade e2e: remove the scratch directory", async () => {
  await Deno.remove(tmp, { recursive: true });
  await assert.rejects(Deno.stat(tmp));
});
