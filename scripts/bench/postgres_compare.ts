/**
 * Side-by-side benchmark on the same PGlite-backed Postgres (Postgres 18 + pgvector, served
 * on TCP by pglite-socket): this adapter vs `@mastra/pg` `PgVector`, both over TCP through a
 * node-postgres pool, on 10,000 × 384 vectors in 100 banks of 100 (the queried bank holds
 * 1% of the rows). Reports ingest throughput, query latency p50/p95 over 100 queries and
 * recall@10 against an exact search of the bank.
 *
 * Run: ./node_modules/.bin/deno run -A scripts/bench/postgres_compare.ts
 * (N, DIM, QUERIES env vars override the sizes.)
 *
 * Each connection multiplexes onto PGlite's single session, so every client gets one
 * connection (test-infra.md §1, pitfall 3); that is the same for both adapters.
 *
 * @module
 */
import pg from "npm:pg@^8.16.0";
import { PgVector } from "npm:@mastra/pg@1.27.1";
import { PGlite } from "npm:@electric-sql/pglite@0.5.14";
import { vector } from "npm:@electric-sql/pglite-pgvector@0.0.15";
import { PGLiteSocketServer } from "npm:@electric-sql/pglite-socket@0.2.17";
import { createPostgresVectorStore } from "../../adapters/postgres/pglite.ts";

const N = Number(Deno.env.get("N") ?? 10_000);
const DIM = Number(Deno.env.get("DIM") ?? 384);
const QUERIES = Number(Deno.env.get("QUERIES") ?? 100);
const BANKS = 100;
const BATCH = 500;
const QUERY_BANK = "bank-42";

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}
const rand = rng(12345);
const randomVector = () => Array.from({ length: DIM }, () => rand() * 2 - 1);

const rows = Array.from({ length: N }, (_, i) => ({
  id: `v${String(i).padStart(6, "0")}`,
  bankId: `bank-${i % BANKS}`,
  vector: randomVector(),
  text: `memory ${i}`,
}));
const queries = Array.from({ length: QUERIES }, () => randomVector());

function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
const bankRows = rows.filter((r) => r.bankId === QUERY_BANK);
const truth = queries.map((q) =>
  bankRows.map((r) => ({ id: r.id, s: cosine(q, r.vector) }))
    .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1)).slice(0, 10).map((x) => x.id)
);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

interface Result {
  name: string;
  ingestPerSec: number;
  extra: string;
  p50: number;
  p95: number;
  recall: number;
}
const results: Result[] = [];

async function measure(
  name: string,
  ingest: () => Promise<string>,
  search: (q: number[]) => Promise<string[]>,
) {
  const t0 = performance.now();
  const extra = await ingest();
  const ingestMs = performance.now() - t0;
  for (const q of queries.slice(0, 5)) await search(q); // warm-up
  const times: number[] = [];
  let hit = 0;
  for (const [i, q] of queries.entries()) {
    const t = performance.now();
    const ids = await search(q);
    times.push(performance.now() - t);
    hit += ids.filter((id) => truth[i]!.includes(id)).length;
  }
  const r = {
    name,
    ingestPerSec: N / (ingestMs / 1000),
    extra,
    p50: pct(times, 50),
    p95: pct(times, 95),
    recall: hit / (10 * queries.length),
  };
  results.push(r);
  console.error(JSON.stringify(r));
}

const t0 = performance.now();
const db = await PGlite.create({ extensions: { vector } });
await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
const port = (() => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p = (l.addr as Deno.NetAddr).port;
  l.close();
  return p;
})();
const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 8 });
await server.start();
const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
console.error(`PGlite on TCP in ${Math.round(performance.now() - t0)} ms; N=${N} DIM=${DIM}`);

// --- this adapter, default policy (auto: banks below the threshold are searched exactly)
{
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const store = createPostgresVectorStore({ client: pool, dimensions: DIM, tablePrefix: "a_" });
  await measure("@astrocyte/postgres (ann_index auto → exact per bank)", async () => {
    for (let i = 0; i < N; i += BATCH) await store.storeVectors(rows.slice(i, i + BATCH));
    return "";
  }, async (q) => (await store.searchSimilar(q, QUERY_BANK, { limit: 10 })).map((h) => h.id));
  // Same data, HNSW built after the bulk load; 1% banks still take the exact branch.
  const t = performance.now();
  await store.buildAnnIndex();
  const build = performance.now() - t;
  const times: number[] = [];
  let hit = 0;
  for (const [i, q] of queries.entries()) {
    const s = performance.now();
    const ids = (await store.searchSimilar(q, QUERY_BANK, { limit: 10 })).map((h) => h.id);
    times.push(performance.now() - s);
    hit += ids.filter((id) => truth[i]!.includes(id)).length;
  }
  results.push({
    name: "@astrocyte/postgres + HNSW built after load",
    ingestPerSec: N /
      ((results.at(-1)!.ingestPerSec ? N / results.at(-1)!.ingestPerSec : 0) + build / 1000),
    extra: `index build ${(build / 1000).toFixed(1)} s`,
    p50: pct(times, 50),
    p95: pct(times, 95),
    recall: hit / (10 * queries.length),
  });
  console.error(JSON.stringify(results.at(-1)));
  await store.close();
  await pool.end();
}

// --- this adapter, ann_index always (HNSW maintained during ingest)
{
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const store = createPostgresVectorStore({
    client: pool,
    dimensions: DIM,
    tablePrefix: "b_",
    annIndex: "always",
  });
  await measure("@astrocyte/postgres (ann_index always)", async () => {
    for (let i = 0; i < N; i += BATCH) await store.storeVectors(rows.slice(i, i + BATCH));
    return "";
  }, async (q) => (await store.searchSimilar(q, QUERY_BANK, { limit: 10 })).map((h) => h.id));
  await store.close();
  await pool.end();
}

// --- @mastra/pg PgVector: default index (ivfflat), then HNSW
for (
  const [label, indexConfig] of [
    ["@mastra/pg 1.27.1 PgVector (default index: ivfflat)", undefined],
    ["@mastra/pg 1.27.1 PgVector (hnsw m=16 ef_construction=64)", {
      type: "hnsw" as const,
      hnsw: { m: 16, efConstruction: 64 },
    }],
  ] as const
) {
  const indexName = indexConfig === undefined ? "mastra_default" : "mastra_hnsw";
  const mastra = new PgVector({ id: indexName, connectionString: url, pgPoolOptions: { max: 1 } });
  await measure(
    label,
    async () => {
      await mastra.createIndex({
        indexName,
        dimension: DIM,
        metric: "cosine",
        ...(indexConfig === undefined ? {} : { indexConfig }),
      });
      for (let i = 0; i < N; i += BATCH) {
        const chunk = rows.slice(i, i + BATCH);
        await mastra.upsert({
          indexName,
          vectors: chunk.map((r) => r.vector),
          ids: chunk.map((r) => r.id),
          metadata: chunk.map((r) => ({ bank: r.bankId, text: r.text })),
        });
      }
      return "";
    },
    async (q) =>
      (await mastra.query({ indexName, queryVector: q, topK: 10, filter: { bank: QUERY_BANK } }))
        .map((h) => h.id),
  );
  await mastra.disconnect();
}

console.log(
  `\nPGlite 0.5.14 (Postgres 18, pgvector 0.8.7) over TCP; ${N} × ${DIM}, ${BANKS} banks, queried bank = 1% of rows, ${QUERIES} queries, top 10\n`,
);
console.log("| store | ingest (vectors/s) | p50 ms | p95 ms | recall@10 | note |");
console.log("|---|---:|---:|---:|---:|---|");
for (const r of results) {
  console.log(
    `| ${r.name} | ${r.ingestPerSec.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${
      r.recall.toFixed(3)
    } | ${r.extra} |`,
  );
}
await server.stop();
await db.close();
