/**
 * The DocumentStore contract suite against the Upstash emulator's SPARSE index (served
 * in-process on 127.0.0.1, port 0), plus the index-type check.
 */
import assert from "node:assert/strict";
import { CapabilityNotSupportedError } from "@astrocyte/core";
import {
  assertRejectsWith,
  documentStoreContract,
  registerDenoTests,
} from "@astrocyte/core/testing";
import {
  serveUpstashEmulator,
  type UpstashEmulatorOptions,
} from "../../tests/fixtures/upstash_emulator.ts";
import { createUpstashDocumentStore, documentSparseVector, tokenIndex } from "./mod.ts";

function suite(name: string, emulatorOptions: UpstashEmulatorOptions) {
  let served: ReturnType<typeof serveUpstashEmulator> | undefined;
  const get = () => served ??= serveUpstashEmulator({ indexType: "SPARSE", ...emulatorOptions });
  registerDenoTests(
    documentStoreContract({
      name: `DocumentStore contract (upstash emulator, ${name})`,
      create: () => {
        const s = get();
        return Promise.resolve(
          createUpstashDocumentStore({ url: s.url, token: s.token, retryBaseMs: 1 }),
        );
      },
    }),
    { sanitize: false },
  );
  Deno.test({
    name: `stop the emulator (documents, ${name})`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      await served?.close();
    },
  });
}

suite("SPARSE", {});
suite("SPARSE, eventual indexing 5 ms, filter budget 2", { indexingDelayMs: 5, filterBudget: 2 });

Deno.test("sparse vectors: one dimension per distinct token, saturated term frequency", () => {
  const v = documentSparseVector("Dark dark MODE!");
  assert.equal(v.indices.length, 2);
  const dark = v.values[v.indices.indexOf(tokenIndex("dark"))]!;
  const mode = v.values[v.indices.indexOf(tokenIndex("mode"))]!;
  assert.ok(Math.abs(dark - (2 * 2.2) / 3.2) < 1e-12 && Math.abs(mode - 1) < 1e-12);
  assert.deepEqual(documentSparseVector("!!!"), { indices: [0], values: [1] });
  for (const t of ["a", "dark", "ünï", "🧠"]) {
    const ix = tokenIndex(t);
    assert.ok(Number.isInteger(ix) && ix >= 1 && ix < 2 ** 31);
  }
});

Deno.test({
  name: "document store on a dense index fails with CapabilityNotSupportedError",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const served = serveUpstashEmulator({ dimension: 3 });
    const docs = createUpstashDocumentStore({ url: served.url, token: served.token });
    try {
      await assertRejectsWith(
        () => docs.storeDocument({ id: "d", text: "x" }, "b"),
        CapabilityNotSupportedError,
        "needs a SPARSE",
      );
      assert.equal((await docs.health()).healthy, false);
    } finally {
      await docs.close();
      await served.close();
    }
  },
});
