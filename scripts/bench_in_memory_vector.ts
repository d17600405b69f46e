/**
 * Side-by-side timing of the in-memory vector store's exact search against a plain
 * `Float32Array` sum loop over the same amount of vector data, at 10k and 100k vectors × 384
 * dimensions in one bank. Prints a table with the bandwidth of vector data scanned per query
 * (n × 384 × 4 bytes) and its ratio to the sum loop's bandwidth, at the median and at the best
 * (minimum-time) round; the two are interleaved so both see the same machine noise.
 *
 * Run: `npx deno run -A scripts/bench_in_memory_vector.ts [rounds]`
 *
 * @module
 */
import { createInMemoryVectorStore } from "../core/in_memory/vector_store.ts";

const DIM = 384;
const BANK = "bench";
const SIZES = [10_000, 100_000];
const rounds = Number(Deno.args[0] ?? 25);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

function sumLoop(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const rows: string[][] = [];
for (const n of SIZES) {
  const next = rng(n);
  const store = createInMemoryVectorStore({ dimensions: DIM });
  const flat = new Float32Array(n * DIM);
  const t0 = performance.now();
  for (let start = 0; start < n; start += 1000) {
    const items = [];
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      const vector = new Array<number>(DIM);
      for (let j = 0; j < DIM; j++) vector[j] = flat[i * DIM + j] = next();
      items.push({ id: `v${i}`, bankId: BANK, vector, text: `item ${i}` });
    }
    await store.storeVectors(items);
  }
  const ingestMs = performance.now() - t0;
  const queries = Array.from({ length: 16 }, () => Array.from({ length: DIM }, next));
  // sanity: a stored vector finds itself first
  const probe = Array.from(flat.subarray(123 * DIM, 124 * DIM));
  const [top] = await store.searchSimilar(probe, BANK, { limit: 10 });
  if (top?.id !== "v123") throw new Error(`sanity check failed: top hit ${top?.id}`);

  const search: number[] = [];
  const sum: number[] = [];
  let sink = 0;
  for (let r = 0; r < rounds + 5; r++) {
    // interleaved, so both see the same machine noise; the first 5 rounds warm up
    let t = performance.now();
    sink += (await store.searchSimilar(queries[r % queries.length]!, BANK, { limit: 10 })).length;
    const ts = performance.now() - t;
    t = performance.now();
    sink += sumLoop(flat);
    const tl = performance.now() - t;
    if (r >= 5) {
      search.push(ts);
      sum.push(tl);
    }
  }
  if (sink === -1) console.log(sink);
  const bytes = n * DIM * 4;
  const gbps = (ms: number) => bytes / (ms / 1000) / 1e9;
  const s50 = quantile(search, 0.5);
  const l50 = quantile(sum, 0.5);
  const sMin = Math.min(...search);
  const lMin = Math.min(...sum);
  rows.push([
    `${n / 1000}k`,
    (bytes / 1e6).toFixed(1),
    s50.toFixed(2),
    quantile(search, 0.95).toFixed(2),
    `${gbps(s50).toFixed(2)} / ${gbps(sMin).toFixed(2)}`,
    l50.toFixed(2),
    `${gbps(l50).toFixed(2)} / ${gbps(lMin).toFixed(2)}`,
    `${(gbps(s50) / gbps(l50)).toFixed(2)} / ${(gbps(sMin) / gbps(lMin)).toFixed(2)}`,
    ((n / ingestMs) * 1000).toFixed(0),
  ]);
  await store.close();
}

const header = [
  "vectors",
  "MB/query",
  "search p50 ms",
  "search p95 ms",
  "search GB/s p50 / best",
  "sum loop p50 ms",
  "sum loop GB/s p50 / best",
  "ratio p50 / best",
  "ingest vec/s",
];
console.log(`In-memory VectorStore, exact top-10 search, ${DIM} dims, one bank, ${rounds} rounds`);
console.log(`Deno ${Deno.version.deno}, V8 ${Deno.version.v8}\n`);
console.log(
  "(GB/s = n × 384 × 4 bytes of vector data per query / time; ratio = search / sum loop)\n",
);
console.log(`| ${header.join(" | ")} |`);
console.log(`|${header.map(() => "---").join("|")}|`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
