/**
 * The VectorStore contract against a real Upstash Vector index, when
 * `UPSTASH_VECTOR_REST_URL` and `UPSTASH_VECTOR_REST_TOKEN` are set (skipped otherwise).
 *
 * The index must be DENSE with dimension ≥ 2 (any metric). Every run works under its own
 * namespace prefix and deletes its namespaces afterwards; nothing else in the index is touched.
 * Upstash bills upserts per vector, so the large-batch and crowded-bank cases use 1,200 items
 * (still above the 1,000-per-request limit, so chunking is exercised) instead of 2,000.
 */
import { registerDenoTests, vectorStoreContract } from "@astrocyte/core/testing";
import { createUpstashVectorStore } from "./mod.ts";

const url = Deno.env.get("UPSTASH_VECTOR_REST_URL");
const token = Deno.env.get("UPSTASH_VECTOR_REST_TOKEN");
const prefix = `astro_ct_${crypto.randomUUID().slice(0, 8)}_`;

let skip: string | undefined;
let dimensions = 8;
if (!url || !token) {
  skip = "UPSTASH_VECTOR_REST_URL and UPSTASH_VECTOR_REST_TOKEN are not set";
} else {
  const probe = createUpstashVectorStore({ url, token });
  const health = await probe.health();
  await probe.close();
  const m = /dimension (\d+)/.exec(health.message ?? "");
  if (!health.healthy || !m) skip = `Upstash index not usable: ${health.message}`;
  else dimensions = Number(m[1]);
  if (dimensions < 2) skip = `the contract needs a dense index of dimension ≥ 2, got ${dimensions}`;
}

registerDenoTests(
  vectorStoreContract({
    name: "VectorStore contract (upstash live)",
    dimensions,
    largeBatchSize: 1200,
    create: () =>
      Promise.resolve(createUpstashVectorStore({ url, token, namespacePrefix: prefix })),
  }),
  { sanitize: false, ...(skip === undefined ? {} : { skip }) },
);

Deno.test({
  name: "upstash live: delete this run's namespaces",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const store = createUpstashVectorStore({ url, token, namespacePrefix: prefix });
    try {
      for (const bank of await store.listBanks()) await store.deleteBank(bank);
    } finally {
      await store.close();
    }
  },
});
