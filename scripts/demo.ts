/**
 * `deno task demo`: load an inline `astrocyte.yaml`, resolve its stores through the explicit
 * registry, embed a few memories with the mock LLM, store them in two banks and search.
 *
 * A placeholder until the memory facade's walkthrough replaces it.
 *
 * @module
 */
import { createRegistry, inMemory, loadConfig } from "@astrocyte/core";

const YAML = `
# astrocyte.yaml — the same keys as upstream astrocyte-py
provider_tier: storage
vector_store: in_memory
vector_store_config:
  dimensions: \${EMBEDDING_DIMENSIONS:-128}
document_store: in_memory
llm_provider: mock
llm_provider_config:
  embedding_dimensions: \${EMBEDDING_DIMENSIONS:-128}
`;

const MEMORIES: { bankId: string; id: string; text: string; tags: string[] }[] = [
  { bankId: "user-alice", id: "a1", text: "Alice prefers dark mode in every editor", tags: ["ui"] },
  { bankId: "user-alice", id: "a2", text: "Alice is allergic to peanuts", tags: ["health"] },
  { bankId: "user-alice", id: "a3", text: "Alice's favourite editor is Helix", tags: ["tools"] },
  { bankId: "user-bob", id: "b1", text: "Bob prefers light mode and large fonts", tags: ["ui"] },
  { bankId: "user-bob", id: "b2", text: "Bob runs the Tuesday planning meeting", tags: ["work"] },
  { bankId: "user-bob", id: "b3", text: "Bob's favourite editor is Vim", tags: ["tools"] },
];

const QUERIES: { bankId: string; query: string }[] = [
  { bankId: "user-alice", query: "Which mode does Alice prefer?" },
  { bankId: "user-bob", query: "Which mode does Bob prefer?" },
  { bankId: "user-bob", query: "favourite editor" },
];

const env = Deno.env.toObject();
const config = loadConfig(YAML, { env });
console.log("Astrocyte demo: registry, config and the in-memory stores\n");
console.log(
  `1. Loaded astrocyte.yaml: provider_tier=${config.provider_tier}, ` +
    `vector_store=${config.vector_store}, document_store=${config.document_store}, ` +
    `llm_provider=${config.llm_provider}`,
);

const registry = createRegistry(inMemory);
console.log(
  `2. Registry: vector_store keys [${registry.keys("vectorStore").join(", ")}], ` +
    `llm_provider keys [${registry.keys("llmProvider").join(", ")}]`,
);

await using stores = await registry.resolve(config, { env });
const llm = stores.llmProvider!;
const vectors = stores.vectorStore!;
const documents = stores.documentStore!;
console.log(
  `3. Resolved ${stores.entries.length} instances: ` +
    stores.entries.map((e) => `${e.configKey}=${e.key}`).join(", "),
);

const embeddings = await llm.embed(MEMORIES.map((m) => m.text));
const perBank: string[] = [];
for (const bankId of new Set(MEMORIES.map((m) => m.bankId))) {
  const items = MEMORIES.flatMap((m, i) =>
    m.bankId === bankId ? [{ ...m, vector: embeddings[i]!, retainedAt: new Date() }] : []
  );
  await vectors.storeVectors(items);
  for (const item of items) {
    await documents.storeDocument({ id: item.id, text: item.text, tags: item.tags }, bankId);
  }
  perBank.push(`${items.length} in "${bankId}"`);
}
console.log(
  `4. Retained ${MEMORIES.length} memories (${perBank.join(", ")}): embedded by the mock LLM ` +
    `(${embeddings[0]!.length}-dimension hashed bag of words), stored as vectors and mirrored ` +
    `as documents with the same ids`,
);

console.log("5. Searches (semantic = cosine on mock embeddings, keyword = document store):");
for (const { bankId, query } of QUERIES) {
  const [queryVector] = await llm.embed([query]);
  const semantic = await vectors.searchSimilar(queryVector!, bankId, { limit: 2 });
  const keyword = await documents.searchFulltext(query, bankId, { limit: 2 });
  console.log(`\n   "${query}" in bank "${bankId}"`);
  for (const hit of semantic) {
    console.log(`   semantic ${hit.score.toFixed(3)}  ${hit.id}  ${hit.text}`);
  }
  for (const hit of keyword) {
    console.log(`   keyword  ${hit.score.toFixed(3)}  ${hit.documentId}  ${hit.text}`);
  }
}

const uiOnly = await vectors.searchSimilar((await llm.embed(["mode"]))[0]!, "user-alice", {
  limit: 5,
  filters: { tags: ["ui"] },
});
console.log(
  `\n6. Filter tags=[ui] in "user-alice": ${uiOnly.map((h) => h.id).join(", ")} ` +
    `(bank isolation: no "user-bob" ids appear)`,
);
console.log("7. Closing every store once (await using).");
