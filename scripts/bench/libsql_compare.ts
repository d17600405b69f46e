/**
 * Side-by-side benchmark of libSQL vector stores on the same data, in one run:
 * `@astrocyte/libsql` (default policy: exact per-bank scans; and with a DiskANN index forced),
 * Mastra's `LibSQLVector` and LangChain's `LibSQLVectorStore`.
 *
 * Data: N × 384 deterministic vectors (default N = 10,000) spread over 100 banks, so the
 * queried bank holds 1 % of the rows. Measures ingest throughput, query latency p50/p95 for
 * top-10 in one bank, and recall@10 against an exact in-process scan of that bank.
 *
 * Run (the competitor packages come from the npm registry into Deno's cache, pinned to
 * versions that install on Node 20; they are not workspace dependencies):
 *
 * ```sh
 * npx deno run -A --node-modules-dir=none --no-lock scripts/bench/libsql_compare.ts
 * BENCH_N=2000 BENCH_QUERIES=50 npx deno run -A --node-modules-dir=none --no-lock scripts/bench/libsql_compare.ts
 * ```
 *
 * @module
 */
import { createLibsqlVectorStore } from "../../adapters/libsql/mod.ts";

// Loaded by specifier strings so that `deno check` of the workspace never resolves them.
const MASTRA = "npm:@mastra/libsql@0.16.4";
const LANGCHAIN = "npm:@langchain/community@1.1.29/vectorstores/libsql";
const LIBSQL_CLIENT = "npm:@libsql/client@0.17.0";

const N = Number(Deno.env.get("BENCH_N") ?? 10_000);
const DIMS = 384;
const BANKS = 100;
const QUERIES = Number(Deno.env.get("BENCH_QUERIES") ?? 100);
const QUERY_BANK = "bank-7";
const K = 10;

/** xorshift32 vectors with mixed signs, deterministic per seed. */
function vector(seed: number): number[] {
  let x = (seed * 2654435761) >>> 0 || 1;
  const out = new Array<number>(DIMS);
  for (let i = 0; i < DIMS; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x % 20_000) / 10_000 - 1;
  }
  return out;
}

interface Row {
  id: string;
  bank: string;
  vector: number[];
  text: string;
}

const rows: Row[] = Array.from({ length: N }, (_, i) => ({
  id: `m${i}`,
  bank: `bank-${i % BANKS}`,
  vector: vector(i + 1),
  text: `memory ${i}`,
}));
const queries = Array.from({ length: QUERIES }, (_, i) => vector(1_000_000 + i));

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

const bankRows = rows.filter((r) => r.bank === QUERY_BANK);
const truth = queries.map((q) =>
  bankRows.map((r) => ({ id: r.id, s: cosine(q, r.vector) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, K)
    .map((h) => h.id)
);

interface Result {
  name: string;
  ingestPerSecond: number;
  ingestSeconds: number;
  p50: number;
  p95: number;
  recall: number;
  meanHits: number;
  note: string;
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

async function measure(
  name: string,
  note: string,
  ingest: () => Promise<void>,
  search: (q: number[]) => Promise<string[]>,
): Promise<Result> {
  const t0 = performance.now();
  await ingest();
  const ingestMs = performance.now() - t0;
  await search(queries[0]!); // warm-up
  const times: number[] = [];
  let recall = 0;
  let hits = 0;
  for (const [i, q] of queries.entries()) {
    const t = performance.now();
    const ids = await search(q);
    times.push(performance.now() - t);
    hits += ids.length;
    recall += ids.filter((id) => truth[i]!.includes(id)).length / truth[i]!.length;
  }
  const r: Result = {
    name,
    ingestPerSecond: N / (ingestMs / 1000),
    ingestSeconds: ingestMs / 1000,
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    recall: recall / queries.length,
    meanHits: hits / queries.length,
    note,
  };
  console.error(`  ${name}: ${JSON.stringify(r)}`);
  return r;
}

const dir = await Deno.makeTempDir({ prefix: "libsql-bench-" });
const results: Result[] = [];
const BATCH = 1000;

// 1. @astrocyte/libsql, default policy (`auto`: no index at this size, exact per-bank scans).
{
  const store = createLibsqlVectorStore({ url: `file:${dir}/astrocyte.db`, dimensions: DIMS });
  results.push(
    await measure(
      "@astrocyte/libsql (default: exact per-bank scan)",
      "ann_index auto (no index below 50k rows per bank)",
      async () => {
        for (let i = 0; i < N; i += BATCH) {
          await store.storeVectors(
            rows.slice(i, i + BATCH).map((r) => ({
              id: r.id,
              bankId: r.bank,
              vector: r.vector,
              text: r.text,
            })),
          );
        }
      },
      async (q) => (await store.searchSimilar(q, QUERY_BANK, { limit: K })).map((h) => h.id),
    ),
  );
  await store.close();
}

// 2. @astrocyte/libsql with DiskANN built after the load and forced for every bank.
if (Deno.env.get("BENCH_SKIP_ANN") !== "1") {
  const store = createLibsqlVectorStore({
    url: `file:${dir}/astrocyte-ann.db`,
    dimensions: DIMS,
    annIndex: "never",
    exactScanLimit: 0,
  });
  let buildSeconds = 0;
  const forced = createLibsqlVectorStore({
    url: `file:${dir}/astrocyte-ann.db`,
    dimensions: DIMS,
    exactScanLimit: 0,
  });
  results.push(
    await measure(
      "@astrocyte/libsql (DiskANN, forced for the bank)",
      "bulk load, then buildAnnIndex() (float8, 32 neighbours); vector_top_k + over-fetch",
      async () => {
        for (let i = 0; i < N; i += BATCH) {
          await store.storeVectors(
            rows.slice(i, i + BATCH).map((r) => ({
              id: r.id,
              bankId: r.bank,
              vector: r.vector,
              text: r.text,
            })),
          );
        }
        const t = performance.now();
        await forced.buildAnnIndex();
        buildSeconds = (performance.now() - t) / 1000;
      },
      async (q) => (await forced.searchSimilar(q, QUERY_BANK, { limit: K })).map((h) => h.id),
    ),
  );
  results[results.length - 1]!.note += ` (index build ${buildSeconds.toFixed(1)} s of the ingest)`;
  await store.close();
  await forced.close();
}

// 3. Mastra LibSQLVector (createIndex makes the table and its DiskANN index).
{
  // deno-lint-ignore no-explicit-any
  const { LibSQLVector } = await import(MASTRA) as any;
  const mastra = new LibSQLVector({ connectionUrl: `file:${dir}/mastra.db` });
  await mastra.createIndex({ indexName: "bench", dimension: DIMS, metric: "cosine" });
  results.push(
    await measure(
      "@mastra/libsql 0.16.4 LibSQLVector",
      "createIndex (DiskANN) + upsert of 1,000; query filter { bank }",
      async () => {
        for (let i = 0; i < N; i += BATCH) {
          const chunk = rows.slice(i, i + BATCH);
          await mastra.upsert({
            indexName: "bench",
            vectors: chunk.map((r) => r.vector),
            metadata: chunk.map((r) => ({ bank: r.bank, text: r.text })),
            ids: chunk.map((r) => r.id),
          });
        }
      },
      async (q) =>
        (await mastra.query({
          indexName: "bench",
          queryVector: q,
          topK: K,
          filter: { bank: QUERY_BANK },
        })).map((h: { id: string }) => String(h.id)),
    ),
  );
  mastra.turso?.close?.();
}

// 4. LangChain LibSQLVectorStore (table and DiskANN index as its documentation creates them).
{
  // deno-lint-ignore no-explicit-any
  const { LibSQLVectorStore } = await import(LANGCHAIN) as any;
  // deno-lint-ignore no-explicit-any
  const { createClient } = await import(LIBSQL_CLIENT) as any;
  const db = createClient({ url: `file:${dir}/langchain.db` });
  await db.execute(
    `CREATE TABLE IF NOT EXISTS vectors (content TEXT, metadata TEXT, embedding F32_BLOB(${DIMS}))`,
  );
  await db.execute(
    "CREATE INDEX IF NOT EXISTS idx_vectors_embedding ON vectors (libsql_vector_idx(embedding))",
  );
  const embeddings = {
    embedDocuments: () => Promise.resolve([]),
    embedQuery: () => Promise.resolve([]),
  };
  const store = new LibSQLVectorStore(embeddings, { db, table: "vectors", column: "embedding" });
  const rowidToId = new Map<string, string>();
  results.push(
    await measure(
      "@langchain/community 1.1.29 LibSQLVectorStore",
      "addVectors (batches of 100, DiskANN index); filter { bank } applied after vector_top_k(k)",
      async () => {
        for (let i = 0; i < N; i += BATCH) {
          const chunk = rows.slice(i, i + BATCH);
          const ids: string[] = await store.addVectors(
            chunk.map((r) => r.vector),
            chunk.map((r) => ({ pageContent: r.text, metadata: { bank: r.bank, id: r.id } })),
          );
          ids.forEach((rowid, j) => rowidToId.set(rowid, chunk[j]!.id));
        }
      },
      async (q) =>
        (await store.similaritySearchVectorWithScore(q, K, {
          bank: { operator: "=", value: QUERY_BANK },
        }))
          .map(([doc]: [{ metadata: { id: string } }]) => doc.metadata.id),
    ),
  );
  db.close();
}

await Deno.remove(dir, { recursive: true }).catch(() => {});

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(
  `\nlibSQL vector stores, ${N} × ${DIMS}, ${BANKS} banks (${bankRows.length} rows = ${
    fmt(100 / BANKS, 0)
  } % in the queried bank), top-${K}, ${QUERIES} queries, local file\n`,
);
console.log(
  "| store | ingest (vectors/s) | query p50 (ms) | query p95 (ms) | recall@10 | hits/query | notes |",
);
console.log("|---|---:|---:|---:|---:|---:|---|");
for (const r of results) {
  console.log(
    `| ${r.name} | ${fmt(r.ingestPerSecond, 0)} (${fmt(r.ingestSeconds)} s) | ${fmt(r.p50, 2)} | ${
      fmt(r.p95, 2)
    } | ${fmt(r.recall, 3)} | ${fmt(r.meanHits, 1)} | ${r.note} |`,
  );
}
