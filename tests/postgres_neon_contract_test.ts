/**
 * Every Postgres contract suite through Neon's serverless driver against a real Postgres
 * (PGlite 18 + pgvector served on TCP, tests/fixtures/pg_server.ts):
 * - `neon-ws`: the driver's `Pool` over WebSocket, through a local WebSocket → TCP bridge;
 * - `neon-http`: `neon()` SQL over HTTP, through a local shim that speaks Neon's protocol.
 * Both legs share one PGlite (its start-up costs seconds) and use separate schemas, which
 * also exercises the `schema` option. Plus the round-trip count of a 2,500-item write.
 *
 * @module
 */
import assert from "node:assert/strict";
import { registerDenoTests, seededVector } from "@astrocyte/core/testing";
import { createPostgresVectorStore, type PostgresOptions } from "../adapters/postgres/mod.ts";
import { postgresSuites } from "./fixtures/postgres_suites.ts";
import { startPgTestServer } from "./fixtures/pg_server.ts";

const server = await startPgTestServer();
const ctx = (shared: Map<string, unknown>) => ({ shared, env: {}, fetch: globalThis.fetch });

const legs: { label: string; options: PostgresOptions }[] = [
  {
    label: "neon-ws",
    options: {
      url: server.neonUrl,
      driver: "neon-ws",
      schema: "astro_ws",
      wsProxy: server.wsProxy,
      useSecureWebSocket: false,
      pipelineConnect: false,
      pipelineTLS: false,
      coalesceWrites: false,
    },
  },
  {
    label: "neon-http",
    options: {
      url: server.neonUrl,
      driver: "neon-http",
      schema: "astro_http",
      fetchEndpoint: server.fetchEndpoint,
    },
  },
];

const keepers: { close(): Promise<void> }[] = [];
for (const leg of legs) {
  const shared = new Map<string, unknown>();
  // A keeper store holds a reference on the shared client (the ws pool) for the whole file.
  const keeper = createPostgresVectorStore({ ...leg.options, dimensions: 8 }, ctx(shared));
  await keeper.health();
  keepers.push(keeper);
  for (const suite of postgresSuites({ label: leg.label, options: leg.options, shared })) {
    registerDenoTests(suite, { sanitize: false });
  }
}

Deno.test({
  name: "postgres neon-http: storeVectors of 2,500 items is one HTTP request (after set-up)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const store = createPostgresVectorStore({
      ...legs[1]!.options,
      schema: "astro_count",
      dimensions: 384,
      fetch: counting,
    });
    const items = (bank: string) =>
      Array.from({ length: 2500 }, (_, i) => ({
        id: `m${i}`,
        bankId: bank,
        vector: seededVector(384, i + 1),
        text: `memory ${i}`,
        tags: ["t"],
        metadata: { i },
      }));
    try {
      // First call on a fresh schema: probe, migration version, one migration transaction,
      // re-probe, then the write (multi-row INSERTs + the bank-size check in one transaction).
      await store.storeVectors(items("count-a"));
      const first = requests;
      assert.ok(first <= 5, `first call took ${first} requests`);
      requests = 0;
      await store.storeVectors(items("count-b"));
      assert.equal(requests, 1, "a 2,500-item write is one HTTP request");
      requests = 0;
      assert.equal((await store.listVectors("count-b", { limit: 5000 })).length, 2500);
      assert.equal(requests, 1);
      console.log(`neon-http requests: first call ${first} (with schema set-up), then 1 per call`);
    } finally {
      await store.close();
    }
  },
});

Deno.test({
  name: "postgres neon: release clients and stop the local Postgres",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    for (const k of keepers) await k.close();
    await server.close();
    assert.ok(true);
  },
});
