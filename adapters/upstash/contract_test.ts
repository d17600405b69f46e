/**
 * The VectorStore contract suite against the Upstash emulator, served in-process on
 * 127.0.0.1 (port 0): once on a plain COSINE index, once with eventual indexing and a
 * filter budget (the service's two documented sources of surprise), and once on a
 * DOT_PRODUCT index (normalised vectors, converted scores).
 */
import assert from "node:assert/strict";
import { registerDenoTests, runInline, vectorStoreContract } from "@astrocyte/core/testing";
import {
  serveUpstashEmulator,
  type UpstashEmulatorOptions,
} from "../../tests/fixtures/upstash_emulator.ts";
import { createUpstashVectorStore, type UpstashOptions } from "./mod.ts";

const DIM = 8;

function suite(name: string, emulatorOptions: UpstashEmulatorOptions) {
  let served: ReturnType<typeof serveUpstashEmulator> | undefined;
  const get = () => served ??= serveUpstashEmulator({ dimension: DIM, ...emulatorOptions });
  registerDenoTests(
    vectorStoreContract({
      name: `VectorStore contract (upstash emulator, ${name})`,
      dimensions: DIM,
      create: ({ dimensions }) => {
        const s = get();
        return Promise.resolve(
          createUpstashVectorStore({ url: s.url, token: s.token, dimensions, retryBaseMs: 1 }),
        );
      },
    }),
    { sanitize: false },
  );
  Deno.test({
    name: `stop the emulator (${name})`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      await served?.close();
    },
  });
}

suite("COSINE", {});
suite("COSINE, eventual indexing 5 ms, filter budget 8", { indexingDelayMs: 5, filterBudget: 8 });
suite("DOT_PRODUCT", { similarity: "DOT_PRODUCT" });
suite("EUCLIDEAN", { similarity: "EUCLIDEAN" });

/** The suite must catch an adapter whose safeguards against the service's behaviour are off. */
async function failuresWithout(
  emulatorOptions: UpstashEmulatorOptions,
  storeOptions: UpstashOptions,
): Promise<Set<string>> {
  const served = serveUpstashEmulator({ dimension: DIM, ...emulatorOptions });
  try {
    const report = await runInline([vectorStoreContract({
      dimensions: DIM,
      create: () =>
        Promise.resolve(
          createUpstashVectorStore({ url: served.url, token: served.token, ...storeOptions }),
        ),
    })]);
    return new Set(report.suites[0]!.cases.filter((c) => c.status === "failed").map((c) => c.name));
  } finally {
    await served.close();
  }
}

Deno.test({
  name:
    "the contract fails without read-your-writes on a slow index, or without the exact fallback under a filter budget",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const eventual = await failuresWithout({ indexingDelayMs: 60_000 }, { readYourWrites: false });
    assert.ok(
      eventual.has(
        "storeVectors: ids in input order, exact match first with score 1 (upstream test_store_and_search)",
      ),
      [...eventual].join("\n"),
    );
    const budget = await failuresWithout({ filterBudget: 8 }, { exactFilterFallback: false });
    assert.ok(
      budget.has("filtered search: min(limit, matching) hits with a crowded neighbouring bank"),
      [...budget].join("\n"),
    );
  },
});
