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
import pg from "npm:pg@^8.16.0";
import { ProviderUnavailableError } from "@astrocyte/core";
import { assertRejectsWith, registerDenoTests, seededVector } from "@astrocyte/core/testing";
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
      // pglite-socket multiplexes every connection onto one Postgres session, and under
      // load another connection's Parse can replace the unnamed prepared statement between
      // this connection's Parse and Bind ("bind message supplies 4 parameters, but prepared
      // statement requires 8"). Real Postgres has one session per connection; the fixture
      // gets one connection.
      maxConnections: 1,
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
  name: "postgres neon-http: a multi-statement write failing in the database leaves nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const o = { ...legs[1]!.options, schema: "astro_atomic", dimensions: 2 };
    const store = createPostgresVectorStore(o);
    await store.listVectors("b");
    const pool = new pg.Pool({ connectionString: server.pgUrl, max: 1 });
    await pool.query(
      `ALTER TABLE "astro_atomic"."astrocyte_vectors" ADD CONSTRAINT no_boom CHECK (text <> 'boom')`,
    );
    await pool.end();
    const items = Array.from({ length: 7000 }, (_, i) => ({
      id: `m${i}`,
      bankId: "b",
      vector: [1, i / 7000],
      text: i === 6999 ? "boom" : `t${i}`,
    }));
    await assert.rejects(() => store.storeVectors(items));
    assert.deepEqual(await store.listVectors("b"), []);
    await store.close();
  },
});

Deno.test({
  name: "postgres neon: caller-supplied clients (pg.Pool, neon() function) work unchanged",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const pool = new pg.Pool({ connectionString: server.pgUrl, max: 1 });
    const { neon, neonConfig } = await import("npm:@neondatabase/serverless@^1.2.0");
    const saved = neonConfig.fetchEndpoint;
    neonConfig.fetchEndpoint = server.fetchEndpoint;
    try {
      for (
        const [label, client] of [["pg.Pool", pool], ["neon()", neon(server.neonUrl)]] as const
      ) {
        const store = createPostgresVectorStore({
          client,
          schema: "astro_clients",
          dimensions: 2,
        });
        const bank = `${label}:${crypto.randomUUID()}`;
        await store.storeVectors([
          { id: "a", bankId: bank, vector: [1, 0], text: "a" },
          { id: "b", bankId: bank, vector: [0, 1], text: "b" },
        ]);
        assert.deepEqual((await store.searchSimilar([1, 0.1], bank)).map((h) => h.id), ["a", "b"]);
        assert.equal(await store.deleteBank(bank), 2);
        await store.close();
      }
    } finally {
      neonConfig.fetchEndpoint = saved;
      await pool.end();
    }
  },
});

Deno.test({
  name: "postgres neon: an unreachable endpoint is a retryable ProviderUnavailableError",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const http = createPostgresVectorStore({
      url: server.neonUrl,
      driver: "neon-http",
      fetchEndpoint: "http://127.0.0.1:9/sql",
      dimensions: 2,
    });
    const e = await assertRejectsWith(() => http.listVectors("b"), ProviderUnavailableError);
    assert.equal((e as ProviderUnavailableError).retryable, true);
    assert.ok(!e.message.includes("secret"), "no password in the message");
    assert.equal((await http.health()).healthy, false);
    await http.close();
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
