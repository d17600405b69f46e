/**
 * The Postgres adapter against the embedded PGlite driver (in-process Postgres 18 +
 * pgvector): every contract suite, created from `url: "memory://"` through the driver path,
 * plus adapter-specific cases — schema management, the HNSW index policy, atomic multi-chunk
 * writes and hostile inputs. One PGlite instance serves the whole file (start-up costs
 * seconds): stores on `memory://` share it, each case works in its own banks or tables.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ConfigError, ValidationError } from "@astrocyte/core";
import {
  assertRejectsWith,
  cosine,
  registerDenoTests,
  seededVector,
} from "@astrocyte/core/testing";
import {
  createPostgresDocumentStore,
  createPostgresGraphStore,
  createPostgresSourceStore,
  createPostgresVectorStore,
  type PostgresOptions,
  type PostgresVectorStore,
} from "../adapters/postgres/pglite.ts";
import { leaseClient } from "../adapters/postgres/_client.ts";
import { postgresSuites } from "./fixtures/postgres_suites.ts";

const shared = new Map<string, unknown>();
const options: PostgresOptions = { url: "memory://" };
// A keeper store holds a reference on the shared PGlite, so it lives for the whole file.
const keeper = createPostgresVectorStore({ ...options, dimensions: 8 });
await keeper.health();

for (const suite of postgresSuites({ label: "pglite", options, shared })) {
  registerDenoTests(suite, { sanitize: false });
}

let tables = 0;
/** Options with a fresh table prefix (for cases that need their own tables). */
const fresh = (extra: PostgresOptions = {}): PostgresOptions => ({
  ...options,
  tablePrefix: `t${++tables}_${crypto.randomUUID().slice(0, 6)}_`,
  ...extra,
});

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `postgres pglite: ${name}`, sanitizeOps: false, sanitizeResources: false, fn });

test("a table created with another dimension fails with a clear ConfigError", async () => {
  const o = fresh();
  const a = createPostgresVectorStore({ ...o, dimensions: 3 });
  await a.storeVectors([{ id: "x", bankId: "b", vector: [1, 0, 0], text: "x" }]);
  await a.close();
  const b = createPostgresVectorStore({ ...o, dimensions: 384 });
  const e = await assertRejectsWith(() => b.listVectors("b"), ConfigError, "Dimension mismatch");
  assert.match(e.message, /vector\(3\).*384/);
  await b.close();
});

test("create_schema false: a clear error before set-up, works once the tables exist", async () => {
  const o = fresh();
  const lean = createPostgresDocumentStore({ ...o, createSchema: false });
  await assertRejectsWith(() => lean.listDocuments("b"), ConfigError, "create_schema is false");
  const admin = createPostgresDocumentStore(o);
  await admin.storeDocument({ id: "d1", text: "hello" }, "b");
  await admin.close();
  const lean2 = createPostgresDocumentStore({ ...o, createSchema: false });
  assert.deepEqual((await lean2.listDocuments("b")).map((d) => d.id), ["d1"]);
  await lean.close();
  await lean2.close();
});

test("schema option: tables live in their own schema; identifiers are validated", async () => {
  const o = fresh({ schema: `s_${crypto.randomUUID().slice(0, 8)}` });
  const store = createPostgresVectorStore({ ...o, dimensions: 2 });
  await store.storeVectors([{ id: "a", bankId: "b", vector: [1, 0], text: "a" }]);
  assert.equal((await store.searchSimilar([1, 0], "b"))[0]?.id, "a");
  await store.close();
  for (const bad of [`public"; DROP TABLE x; --`, "a-b", "1abc", "ünï", "a b"]) {
    assert.throws(
      () => createPostgresVectorStore({ ...options, schema: bad, dimensions: 2 }),
      ConfigError,
    );
    assert.throws(
      () => createPostgresVectorStore({ ...options, tablePrefix: bad, dimensions: 2 }),
      ConfigError,
    );
  }
});

test("a multi-statement write that fails in the database leaves nothing behind", async () => {
  const o = fresh();
  const store = createPostgresVectorStore({ ...o, dimensions: 2 });
  await store.listVectors("b"); // creates the table
  // A constraint only the database knows about, violated by the very last row.
  // 7,000 rows × 11 parameters need two INSERT statements (< 65,535 parameters each).
  const items = Array.from({ length: 7000 }, (_, i) => ({
    id: `m${i}`,
    bankId: "b",
    vector: [1, i / 7000],
    text: i === 6999 ? "boom" : `t${i}`,
  }));
  await rawQuery(
    o,
    `ALTER TABLE "public"."${o.tablePrefix}vectors" ADD CONSTRAINT no_boom CHECK (text <> 'boom')`,
  );
  await assert.rejects(() => store.storeVectors(items));
  assert.deepEqual(await store.listVectors("b"), []);
  await store.storeVectors(items.slice(0, 6999));
  assert.equal((await store.listVectors("b", { limit: 10_000 })).length, 6999);
  await store.close();
});

test("HNSW policy always: large banks use the index; filtered searches return min(limit, matching)", async () => {
  const o = fresh({ annIndex: "always", exactScanThreshold: 50 });
  const store: PostgresVectorStore = createPostgresVectorStore({ ...o, dimensions: 8 });
  assert.equal(await store.hasAnnIndex(), true);
  const big = "big";
  const items = Array.from({ length: 400 }, (_, i) => ({
    id: `v${String(i).padStart(3, "0")}`,
    bankId: i < 300 ? big : "crowd",
    vector: seededVector(8, i + 1),
    text: `t${i}`,
    tags: i % 100 === 7 ? ["rare"] : ["common"],
  }));
  await store.storeVectors(items);
  const q = seededVector(8, 5);
  const hits = await store.searchSimilar(q, big, { limit: 10 });
  assert.equal(hits.length, 10);
  const exact = items.filter((it) => it.bankId === big)
    .map((it) => ({ id: it.id, score: Math.max(0, cosine(q, it.vector)) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  assert.equal(hits[0]!.id, exact[0]!.id);
  // 3 rare items in the big bank: the approximate scan cannot fill 10, the exact plan can.
  const rare = await store.searchSimilar(q, big, { limit: 10, filters: { tags: ["rare"] } });
  assert.deepEqual(rare.map((h) => h.id).sort(), ["v007", "v107", "v207"]);
  const small = await store.searchSimilar(q, "crowd", { limit: 200 });
  assert.equal(small.length, 100);
  await store.close();
});

test("HNSW policy auto: a bank reaching exact_scan_threshold builds the index", async () => {
  const o = fresh({ annIndex: "auto", exactScanThreshold: 30 });
  const store = createPostgresVectorStore({ ...o, dimensions: 4 });
  const mk = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: `a${from + i}`,
      bankId: "b",
      vector: seededVector(4, from + i + 1),
      text: "x",
    }));
  await store.storeVectors(mk(20, 0));
  assert.equal(await store.hasAnnIndex(), false);
  await store.storeVectors(mk(20, 20));
  assert.equal(await store.hasAnnIndex(), true);
  assert.equal((await store.searchSimilar(seededVector(4, 1), "b", { limit: 5 })).length, 5);
  const never = createPostgresVectorStore({ ...o, annIndex: "never", dimensions: 4 });
  assert.equal(await never.hasAnnIndex(), false, "never ignores an existing index");
  await never.close();
  await store.close();
});

test("hostile metadata keys and values are bound, never interpolated", async () => {
  const store = createPostgresVectorStore({ ...fresh(), dimensions: 2 });
  const bank = `hostile:${crypto.randomUUID()}`;
  const keys = [`a'b`, `k"; DROP TABLE x; --`, "$.x[0]", "%_", "->>", "ünï 🧠", "", " "];
  const items = keys.map((k, i) => ({
    id: `i${i}`,
    bankId: bank,
    vector: [1, i],
    text: "t",
    metadata: { [k]: `v'${i}"\\%_`, session_id: `s'${i}` },
  }));
  await store.storeVectors(items);
  for (const [i, k] of keys.entries()) {
    const hits = await store.searchSimilar([1, 0], bank, {
      limit: 20,
      filters: { metadataFilters: { [k]: `v'${i}"\\%_` } },
    });
    assert.deepEqual(hits.map((h) => h.id), [`i${i}`], `key ${JSON.stringify(k)}`);
    const bySession = await store.searchSimilar([1, 0], bank, { filters: { sessionId: `s'${i}` } });
    assert.deepEqual(bySession.map((h) => h.id), [`i${i}`]);
  }
  assert.equal(await store.deleteBank(bank), keys.length);
  await store.close();
});

test("hostile full-text queries and graph names never throw", async () => {
  const docs = createPostgresDocumentStore(options);
  const graph = createPostgresGraphStore(options);
  const bank = `q:${crypto.randomUUID()}`;
  await docs.storeDocument({ id: "d1", text: "O'Brien drops the table" }, bank);
  await graph.storeEntities([{ id: "e1", name: "O'Brien %_ (x)", entityType: "PERSON" }], bank);
  const queries = [
    `'`,
    `"`,
    `o'brien & | ! <-> :* ()`,
    `'); DROP TABLE x; --`,
    `\\`,
    `%_`,
    `NOT AND OR`,
    `"unterminated`,
    `🧠 ünï`,
    `-brien`,
    `*`,
  ];
  for (const q of queries) {
    await docs.searchFulltext(q, bank);
    await graph.queryEntities(q, bank);
    await graph.findEntityCandidates(q, bank, { threshold: 0 });
  }
  assert.deepEqual((await docs.searchFulltext("o'brien", bank)).map((h) => h.documentId), ["d1"]);
  assert.deepEqual((await graph.queryEntities("%_ (", bank)).map((e) => e.id), ["e1"]);
  await assertRejectsWith(
    () => docs.storeDocument({ id: "d\u0000", text: "x" }, bank),
    ValidationError,
  );
  // Core's input rule: NUL and lone surrogates in queries are a typed ValidationError too.
  for (const q of [`a\u0000b`, `a\ud800b`]) {
    await assertRejectsWith(() => docs.searchFulltext(q, bank), ValidationError);
    await assertRejectsWith(() => graph.queryEntities(q, bank), ValidationError);
  }
  await docs.close();
  await graph.close();
});

test("plugin: families on the same PGlite data directory share one instance", async () => {
  const { postgres } = await import("../adapters/postgres/pglite.ts");
  const ctx = { env: {}, fetch: globalThis.fetch, shared: new Map() };
  const vs = await postgres.vectorStore!({ url: "memory://", dimensions: "2" }, ctx);
  const ds = await postgres.documentStore!({ url: "memory://", table_prefix: "plug_" }, ctx);
  assert.equal((await vs.health()).healthy, true);
  assert.equal((await ds.health()).healthy, true);
  await vs.close();
  await ds.close();
  assert.equal(postgres.name, "postgres");
  assert.deepEqual(postgres.aliases, ["pgvector"]);
});

test("text starting with U+FEFF reads back intact (PGlite's decoder would strip it)", async () => {
  const bom = "\uFEFF";
  const values = [bom, `${bom}x`, `${bom}${bom}x`, `x${bom}`, `${bom}🧠 ünï`, ""];
  const lease = await leaseClient(options);
  try {
    const c = lease.client;
    for (const v of values) {
      const rows = await c.query(
        `SELECT $1::text AS t, $1::varchar AS v, $2::jsonb AS j, ARRAY[$1::text] AS a,
          NULL::text AS n, 7 AS i`,
        [v, JSON.stringify(v)],
      );
      assert.deepEqual(rows, [{ t: v, v, j: v, a: [v], n: null, i: 7 }], JSON.stringify(v));
    }
    // PGlite rebuilds its protocol parser after a database error: the fix must survive that,
    // and hold inside transactions too.
    await assert.rejects(() => c.query("SELECT 1/0"));
    const [first, second] = await c.transaction([
      { text: "SELECT $1::text AS t", params: [`${bom}a`] },
      { text: "SELECT $1::text || $2::text AS t FROM generate_series(1, 3)", params: [bom, "b"] },
    ]);
    assert.deepEqual(first, [{ t: `${bom}a` }]);
    assert.deepEqual(second, Array(3).fill({ t: `${bom}b` }));
  } finally {
    await lease.release();
  }
  // Through the stores: ids, bank ids, texts, tags, metadata, hashes.
  const o = fresh();
  const bank = `${bom}bank`;
  const vectors = createPostgresVectorStore({ ...o, dimensions: 2 });
  const item = {
    id: `${bom}v`,
    bankId: bank,
    vector: [1, 0],
    text: `${bom}${bom}text`,
    tags: [`${bom}tag`],
    metadata: { [`${bom}k`]: `${bom}v` },
  };
  await vectors.storeVectors([item]);
  assert.deepEqual(await vectors.listVectors(bank), [item]);
  assert.deepEqual((await vectors.searchSimilar([1, 0], bank))[0]?.id, item.id);
  await vectors.close();
  const sources = createPostgresSourceStore(o);
  const chunk = (id: string) => ({
    id,
    bankId: bank,
    documentId: `${bom}doc`,
    chunkIndex: 0,
    text: `${bom}t`,
    contentHash: `${bom}h`,
  });
  // The original symptom: the hash read back without U+FEFF missed, and the insert of the
  // duplicate hit the unique index (23505) instead of deduplicating.
  assert.deepEqual(await sources.storeChunks([chunk(`${bom}c1`)]), [`${bom}c1`]);
  assert.deepEqual(await sources.storeChunks([chunk(`${bom}c2`)]), [`${bom}c1`]);
  const stored = await sources.findChunkByHash(`${bom}h`, bank);
  assert.deepEqual({ ...stored, createdAt: undefined }, {
    ...chunk(`${bom}c1`),
    createdAt: undefined,
  });
  await sources.close();
});

/** Run one statement on the shared PGlite through a throwaway store's client. */
async function rawQuery(o: PostgresOptions, sql: string): Promise<void> {
  const lease = await leaseClient(o); // the process-wide PGlite of `memory://`

  try {
    await lease.client.query(sql);
  } finally {
    await lease.release();
  }
}

test("release the shared PGlite", async () => {
  await keeper.close();
  assert.ok(true);
});
