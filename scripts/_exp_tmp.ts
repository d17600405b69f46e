import { Astrocyte, createRegistry, inMemory } from "@astrocyte/core";
import { libsql } from "@astrocyte/libsql";
const brain = await Astrocyte.fromConfig(await Deno.readTextFile("examples/astrocyte.yaml"), { registry: createRegistry(inMemory, libsql), env: { LIBSQL_URL: "file:.astrocyte/demo.db" }, logger: { warn: () => {} } });
for (const q of Deno.args) {
  for (const strategies of [["semantic"], ["keyword"], ["graph"], undefined] as const) {
    const r = await brain.recall(q, { bankId: "user-calvin", maxResults: 4, ...(strategies ? { strategies: [...strategies] } : {}) });
    console.log(q.slice(0, 30), strategies?.[0] ?? "hybrid", r.hits.map((h) => h.text.slice(0, 22) + "@" + h.score.toFixed(4)).join(" | "));
  }
}
await brain.close();
