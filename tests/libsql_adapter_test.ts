/**
 * libSQL adapter behaviour beyond the contract suites: round trips per write over HTTP,
 * atomicity of chunked writes, schema management (migrations, `create_schema`, dimension
 * check), the DiskANN index policy, error translation, hostile identifiers, and the plugin.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createClient } from "npm:@libsql/client@^0.18.0";
import {
  ConfigError,
  createRegistry,
  DimensionMismatchError,
  inMemory,
  loadConfig,
  ProviderUnavailableError,
  ValidationError,
  type VectorItem,
} from "@astrocyte/core";
import { assertRejectsWith, oneHot, seededVector } from "@astrocyte/core/testing";
import {
  createLibsqlDocumentStore,
  createLibsqlVectorStore,
  libsql,
  migrateLibsql,
} from "@astrocyte/libsql";
import { serveHrana } from "./fixtures/hrana_server.ts";

const dir = await Deno.makeTempDir({ prefix: "astrocyte-libsql-adapter-" });
const fileUrl = `file:${dir}/adapter.db`;
const server = await serveHrana({ authToken: "test-token" });
const httpOptions = { url: server.url, authToken: "test-token" };
let prefixCounter = 0;
/** A fresh table prefix, so each test starts from an empty schema. */
const freshPrefix = () => `t${++prefixCounter}_${crypto.randomUUID().slice(0, 6)}_`;

globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      Deno.removeSync(server.path + suffix);
    } catch { /* already gone */ }
  }
});

const T = { sanitizeOps: false, sanitizeResources: false };

function items(n: number, bankId: string, dims: number, extra: Partial<VectorItem> = {}) {
  return Array.from({ length: n }, (_, i): VectorItem => ({
    id: `id-${i}`,
    bankId,
    vector: seededVector(dims, i + 1),
    text: `text ${i}`,
    ...extra,
  }));
}

Deno.test({
  name: "http: storeVectors of 2,500 × 384 takes a small constant number of requests",
  ...T,
  async fn() {
    let requests = 0;
    const countingFetch: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const store = createLibsqlVectorStore(
      { ...httpOptions, dimensions: 384, tablePrefix: freshPrefix(), annIndex: "never" },
      { fetch: countingFetch },
    );
    try {
      await store.health(); // connect and migrate first; count the write alone
      requests = 0;
      server.resetStats();
      await store.storeVectors(items(2500, "bulk", 384, { metadata: { k: "v" }, tags: ["t"] }));
      // ≈6 MB of Hrana JSON: split at 4 MiB into 2 batches in one transaction.
      console.log(
        `storeVectors(2500 × 384) over HTTP: ${requests} requests ` +
          `(server saw ${server.stats.pipelines} pipelines: ${
            JSON.stringify(server.stats.requests)
          })`,
      );
      assert.ok(requests <= 4, `expected at most 4 HTTP requests, got ${requests}`);
      assert.equal(server.stats.pipelines, requests);
      assert.equal((await store.listVectors("bulk", { limit: 5000 })).length, 2500);
      // A small write is a single request.
      requests = 0;
      await store.storeVectors(items(100, "small", 384));
      assert.equal(requests, 1, "100 items: one batch request");
      requests = 0;
      assert.equal(await store.delete(items(2500, "bulk", 384).map((i) => i.id), "bulk"), 2500);
      assert.equal(requests, 1, "deleting 2,500 ids: one batch request");
    } finally {
      await store.close();
    }
  },
});

async function assertAtomic(url: string, authToken: string | undefined, maxRequestBytes?: number) {
  const prefix = freshPrefix();
  const store = createLibsqlVectorStore({
    url,
    ...(authToken ? { authToken } : {}),
    dimensions: 8,
    tablePrefix: prefix,
    ...(maxRequestBytes ? { maxRequestBytes } : {}),
  });
  const client = createClient({ url, ...(authToken ? { authToken } : {}) });
  try {
    await store.health();
    // A trigger that fails the write of one specific id, late in the call.
    await client.execute(
      `CREATE TRIGGER ${prefix}boom BEFORE INSERT ON ${prefix}vectors ` +
        `WHEN new.id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`,
    );
    const batch = [...items(1200, "atomic", 8), {
      id: "boom",
      bankId: "atomic",
      vector: oneHot(8, 0),
      text: "x",
    }];
    await assert.rejects(() => store.storeVectors(batch));
    assert.deepStrictEqual(await store.listVectors("atomic"), [], "nothing written");
  } finally {
    client.close();
    await store.close();
  }
}

Deno.test({
  name: "atomicity: a failing call leaves nothing written (file:, one batch)",
  ...T,
  fn: () => assertAtomic(fileUrl, undefined),
});

Deno.test({
  name: "atomicity: a failing call leaves nothing written (http:, chunked transaction)",
  ...T,
  fn: () => assertAtomic(server.url, "test-token", 64 * 1024),
});

Deno.test({
  name: "schema: dimension mismatch on an existing table is a clear error",
  ...T,
  async fn() {
    const tablePrefix = freshPrefix();
    const a = createLibsqlVectorStore({ url: fileUrl, dimensions: 3, tablePrefix });
    await a.storeVectors([{ id: "x", bankId: "b", vector: [1, 0, 0], text: "x" }]);
    await a.close();
    const b = createLibsqlVectorStore({ url: fileUrl, dimensions: 4, tablePrefix });
    const err = await assertRejectsWith(
      () => b.searchSimilar([1, 0, 0, 0], "b"),
      DimensionMismatchError,
      "Dimension mismatch: expected 3, got 4",
    ) as DimensionMismatchError;
    assert.equal(err.expected, 3);
    assert.equal(err.actual, 4);
    assert.ok(err.message.startsWith("[astrocyte/libsql] "));
    assert.equal((await b.health()).healthy, false);
    await b.close();
  },
});

Deno.test({
  name: "schema: create_schema false needs migrateLibsql, which records its migrations",
  ...T,
  async fn() {
    const tablePrefix = freshPrefix();
    const store = createLibsqlVectorStore({
      url: fileUrl,
      dimensions: 3,
      tablePrefix,
      createSchema: false,
    });
    await assertRejectsWith(() => store.listVectors("b"), ConfigError, "create_schema is false");
    const { migrations } = await migrateLibsql({ url: fileUrl, dimensions: 3, tablePrefix });
    assert.ok(migrations.includes("vectors/001_create"));
    assert.ok(migrations.includes("documents/001_create"));
    await store.storeVectors([{ id: "x", bankId: "b", vector: [1, 0, 0], text: "x" }]);
    assert.equal((await store.listVectors("b")).length, 1);
    await store.close();
    const client = createClient({ url: fileUrl });
    const rs = await client.execute(`SELECT id FROM ${tablePrefix}migrations ORDER BY id`);
    client.close();
    assert.deepStrictEqual(rs.rows.map((r) => r["id"]), migrations.toSorted());
    // Running it again is a no-op.
    await migrateLibsql({ url: fileUrl, dimensions: 3, tablePrefix });
  },
});

Deno.test({
  name: "ann index: always → vector_top_k with over-fetch still returns min(limit, matching)",
  ...T,
  async fn() {
    for (const url of [fileUrl, server.url]) {
      const store = createLibsqlVectorStore({
        url,
        authToken: "test-token",
        dimensions: 8,
        tablePrefix: freshPrefix(),
        annIndex: "always",
        exactScanLimit: 0,
      });
      try {
        assert.equal(await store.hasAnnIndex(), true);
        // A crowded bank of near vectors and a target bank with 5 rare, far items.
        await store.storeVectors(
          items(300, "crowd", 8, { tags: ["rare"] }).map((it, i) => ({
            ...it,
            vector: seededVector(8, 1000 + i).map((x, j) => (j === 0 ? 1 : 0.05 * x)),
          })),
        );
        await store.storeVectors([
          ...items(60, "target", 8, { tags: ["noise"] }),
          ...Array.from({ length: 5 }, (_, i): VectorItem => ({
            id: `rare-${i}`,
            bankId: "target",
            vector: oneHot(8, 7 - (i % 2)),
            text: "rare",
            tags: ["rare"],
          })),
        ]);
        const hits = await store.searchSimilar(oneHot(8, 0), "target", {
          limit: 10,
          filters: { tags: ["rare"] },
        });
        assert.equal(store.lastSearchPlan?.shape, "ann");
        assert.deepStrictEqual(
          hits.map((h) => h.id).sort(),
          [0, 1, 2, 3, 4].map((i) => `rare-${i}`),
        );
        const top = await store.searchSimilar(seededVector(8, 3), "target", { limit: 3 });
        assert.equal(top.length, 3);
        assert.equal(top[0]!.id, "id-2", "exact match first");
      } finally {
        await store.close();
      }
    }
  },
});

Deno.test({
  name: "ann index: auto builds it once a bank reaches ann_threshold; never never does",
  ...T,
  async fn() {
    const auto = createLibsqlVectorStore({
      url: fileUrl,
      dimensions: 8,
      tablePrefix: freshPrefix(),
      annThreshold: 50,
    });
    await auto.storeVectors(items(30, "a", 8));
    assert.equal(await auto.hasAnnIndex(), false, "below the threshold");
    await auto.storeVectors(items(30, "b", 8));
    assert.equal(await auto.hasAnnIndex(), false, "the table is large, no bank is");
    await auto.storeVectors(items(60, "a", 8));
    assert.equal(await auto.hasAnnIndex(), true, "bank a reached 60 ≥ 50");
    const hits = await auto.searchSimilar(seededVector(8, 5), "a", { limit: 3 });
    assert.equal(hits[0]!.id, "id-4");
    assert.equal(auto.lastSearchPlan?.shape, "exact", "bank of 60 ≤ exact_scan_limit");
    await auto.close();
    const never = createLibsqlVectorStore({
      url: fileUrl,
      dimensions: 8,
      tablePrefix: freshPrefix(),
      annIndex: "never",
      annThreshold: 1,
    });
    await never.storeVectors(items(10, "a", 8));
    assert.equal(await never.hasAnnIndex(), false);
    await never.close();
  },
});

Deno.test({
  name: "errors: an unreachable server is ProviderUnavailableError (retryable); health reports it",
  ...T,
  async fn() {
    const store = createLibsqlVectorStore({ url: "http://127.0.0.1:9", dimensions: 3 });
    const err = await assertRejectsWith(
      () => store.listVectors("b"),
      ProviderUnavailableError,
    ) as ProviderUnavailableError;
    assert.equal(err.retryable, true);
    assert.equal(err.provider, "libsql");
    assert.ok(err.message.startsWith("[astrocyte/libsql] "));
    const health = await store.health();
    assert.equal(health.healthy, false);
    await store.close();
  },
});

Deno.test({
  name: "errors: a wrong token is ProviderUnavailableError (not retryable) and never echoed",
  ...T,
  async fn() {
    const secret = "wrong-secret-token-123";
    const store = createLibsqlVectorStore({ url: server.url, authToken: secret, dimensions: 3 });
    const err = await assertRejectsWith(
      () => store.listVectors("b"),
      ProviderUnavailableError,
    ) as ProviderUnavailableError;
    assert.equal(err.retryable, false);
    assert.ok(!err.message.includes(secret));
    const health = await store.health();
    assert.equal(health.healthy, false);
    assert.ok(!health.message!.includes(secret));
    await store.close();
  },
});

const HOSTILE = [
  `o'brien"; DROP TABLE x; --`,
  "100%_match\\_%",
  "$.key[0]",
  "a.b.c",
  "[bracket]",
  "ünïcødé-银行-🧠",
  "",
];

Deno.test({
  name: "hostile bank ids and metadata keys: quotes, %, _, $, ., [, unicode (file: and http:)",
  ...T,
  async fn() {
    for (const url of [fileUrl, server.url]) {
      const tablePrefix = freshPrefix();
      const vectors = createLibsqlVectorStore({
        url,
        authToken: "test-token",
        dimensions: 4,
        tablePrefix,
      });
      const docs = createLibsqlDocumentStore({ url, authToken: "test-token", tablePrefix });
      try {
        const banks = HOSTILE.filter((h) => h !== "").map((h) => `${h}#bank`);
        for (const [i, bankId] of banks.entries()) {
          const metadata = Object.fromEntries(HOSTILE.map((k, j) => [k, `${i}:${j}`]));
          await vectors.storeVectors([
            { id: `v-${i}`, bankId, vector: [1, i, 0, 1], text: "x", metadata },
            { id: `w-${i}`, bankId, vector: [0, 1, i, 1], text: "y" },
          ]);
          await docs.storeDocument({ id: `d-${i}`, text: `hostile ${i}`, metadata }, bankId);
        }
        for (const [i, bankId] of banks.entries()) {
          for (const [j, key] of HOSTILE.entries()) {
            const hits = await vectors.searchSimilar([1, 0, 0, 0], bankId, {
              filters: { metadataFilters: { [key]: `${i}:${j}` } },
            });
            assert.deepStrictEqual(hits.map((h) => h.id), [`v-${i}`], `key ${key} in ${bankId}`);
            const other = await vectors.searchSimilar([1, 0, 0, 0], bankId, {
              filters: { metadataFilters: { [key]: `${i + 1}:${j}` } },
            });
            assert.deepStrictEqual(other, []);
            const found = await docs.searchFulltext("hostile", bankId, {
              filters: { metadataFilters: { [key]: `${i}:${j}` } },
            });
            assert.deepStrictEqual(found.map((h) => h.documentId), [`d-${i}`]);
          }
          assert.equal((await vectors.listVectors(bankId)).length, 2);
          assert.equal((await docs.listDocuments(bankId)).length, 1);
        }
        // LIKE-style look-alikes of a bank id see nothing.
        assert.deepStrictEqual(await vectors.listVectors("100%"), []);
        assert.deepStrictEqual(await vectors.listVectors("100__match%"), []);
        assert.equal(await vectors.deleteBank(banks[1]!), 2);
        assert.equal((await vectors.listVectors(banks[0]!)).length, 2);
      } finally {
        await vectors.close();
        await docs.close();
      }
    }
  },
});

Deno.test({
  name: "document search: FTS5 syntax in queries is text, never an error",
  ...T,
  async fn() {
    const docs = createLibsqlDocumentStore({ url: fileUrl, tablePrefix: freshPrefix() });
    await docs.storeDocument({ id: "a", text: "NEAR the AND gate, col:umn ^star*" }, "b");
    for (
      const q of [
        `"unbalanced`,
        "NEAR(a b)",
        "col:umn",
        "^star*",
        "AND OR NOT",
        "a - b + (c",
        "''",
        "🧠",
      ]
    ) {
      const hits = await docs.searchFulltext(q, "b");
      assert.ok(Array.isArray(hits), q);
    }
    // Core's input rule: NUL and lone surrogates are a typed ValidationError on every store.
    await assertRejectsWith(() => docs.searchFulltext("a\u0000b", "b"), ValidationError);
    await assertRejectsWith(() => docs.searchFulltext("a\ud800b", "b"), ValidationError);
    assert.equal((await docs.searchFulltext("near AND", "b"))[0]?.documentId, "a");
    await docs.close();
  },
});

Deno.test({
  name: "plugin: key libsql, spiVersion 1, families on one URL share one client",
  ...T,
  async fn() {
    assert.equal(libsql.name, "libsql");
    assert.equal(libsql.spiVersion, 1);
    assert.match(libsql.importHint!, /@astrocyte\/libsql/);
    const config = { url: fileUrl, dimensions: 8, table_prefix: freshPrefix() };
    const shared = new Map<string, unknown>();
    const ctx = { fetch, env: {}, shared };
    const vectors = await libsql.vectorStore!(config, ctx);
    const docs = await libsql.documentStore!(config, ctx);
    assert.equal(shared.size, 1, "one shared client for both families");
    await vectors.storeVectors([{
      id: "m1",
      bankId: "b",
      vector: oneHot(8, 1),
      text: "dark mode",
    }]);
    await docs.storeDocument({ id: "m1", text: "dark mode" }, "b");
    await vectors.close();
    // The document store keeps working on the shared client after the vector store closed.
    assert.equal((await docs.searchFulltext("dark", "b"))[0]?.documentId, "m1");
    await docs.close();
    assert.equal(shared.size, 0, "the last close released the client");
    // Config errors name the key.
    await assertRejectsWith(
      () => Promise.resolve(libsql.vectorStore!({ url: fileUrl, dimensions: "x" }, ctx)),
      ConfigError,
      "dimensions",
    );
    await assertRejectsWith(
      () =>
        Promise.resolve(
          libsql.vectorStore!({ url: fileUrl, dimensions: 3, table_prefix: "x; drop" }, {
            ...ctx,
            configKey: "vector_store",
          }),
        ),
      ConfigError,
      "vector_store_config.table_prefix",
    );
  },
});

Deno.test({
  name: "registry: astrocyte.yaml selects libsql for every store family on one database",
  ...T,
  async fn() {
    const prefix = freshPrefix();
    const yaml = `
provider_tier: storage
vector_store: libsql
vector_store_config: &db
  url: \${LIBSQL_URL}
  dimensions: 8
  table_prefix: ${prefix}
document_store: libsql
document_store_config: *db
graph_store: libsql
graph_store_config: *db
wiki_store: libsql
wiki_store_config: *db
mental_model_store: libsql
mental_model_store_config: *db
source_store: libsql
source_store_config: *db
pageindex_store: libsql
pageindex_store_config: *db
llm_provider: mock
llm_provider_config:
  embedding_dimensions: 8
`;
    const env = { LIBSQL_URL: fileUrl };
    const registry = createRegistry(inMemory, libsql);
    const stores = await registry.resolve(loadConfig(yaml, { env }), { env });
    try {
      const [vector] = await stores.llmProvider!.embed(["dark mode"]);
      await stores.vectorStore!.storeVectors([
        { id: "m1", bankId: "b", vector: vector!, text: "dark mode" },
      ]);
      await stores.documentStore!.storeDocument({ id: "m1", text: "dark mode" }, "b");
      assert.equal((await stores.vectorStore!.searchSimilar(vector!, "b"))[0]?.id, "m1");
      assert.equal((await stores.documentStore!.searchFulltext("dark", "b"))[0]?.documentId, "m1");
      for (const e of stores.entries) {
        assert.equal((await e.instance.health()).healthy, true, e.configKey);
      }
    } finally {
      await stores.close();
    }
  },
});
