/**
 * `deno bench` for the in-memory vector store: one exact top-10 search over 10k and 100k
 * vectors × 384 dimensions in one bank, each beside a baseline `Float32Array` sum loop over the
 * same amount of vector data (a practical ceiling for a scalar JS scan).
 *
 * Run: `npx deno bench core/in_memory/vector_store_bench.ts`
 *
 * @module
 */
import { createInMemoryVectorStore } from "./vector_store.ts";
import type { VectorStore } from "../spi/vector_store.ts";

const DIM = 384;
const BANK = "bench";

/** Deterministic PRNG (mulberry32) giving values in [-1, 1). */
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

async function build(n: number): Promise<{ store: VectorStore; flat: Float32Array }> {
  const next = rng(n);
  const store = createInMemoryVectorStore({ dimensions: DIM });
  const flat = new Float32Array(n * DIM);
  for (let start = 0; start < n; start += 1000) {
    const items = [];
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      const vector = new Array<number>(DIM);
      for (let j = 0; j < DIM; j++) vector[j] = flat[i * DIM + j] = next();
      items.push({ id: `v${i}`, bankId: BANK, vector, text: `item ${i}` });
    }
    await store.storeVectors(items);
  }
  return { store, flat };
}

function sumLoop(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

for (const n of [10_000, 100_000]) {
  const { store, flat } = await build(n);
  const next = rng(7 * n);
  const queries = Array.from({ length: 16 }, () => Array.from({ length: DIM }, next));
  let k = 0;
  let sink = 0;
  const label = `${n / 1000}k x ${DIM}`;
  Deno.bench({
    name: `searchSimilar top 10, ${label}`,
    group: label,
    async fn() {
      const hits = await store.searchSimilar(queries[k++ % queries.length]!, BANK, { limit: 10 });
      sink += hits.length;
    },
  });
  Deno.bench({
    name: `Float32Array sum loop, ${label}`,
    group: label,
    baseline: true,
    fn() {
      sink += sumLoop(flat);
    },
  });
  if (sink < 0) console.log(sink);
}
