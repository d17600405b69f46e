import { bundle, stopBundler, ROOT } from "./_esbuild.ts";
import { gzipSync } from "node:zlib";
const m = async (name: string, contents: string, external: string[] = []) => {
  const r = await bundle({ entry: { contents, resolveDir: ROOT }, target: "workerd", minify: true, external });
  console.log(name, r.code.length, gzipSync(r.code, {level: 9}).length, gzipSync(r.code).length, r.unresolved.length, r.nodeBuiltins);
};
await m("fromConfig(object)+inMemory", `import { Astrocyte, createRegistry, inMemory } from "@astrocyte/core";
const registry = createRegistry(...inMemory);
export default { async fetch(req, env) {
  const brain = await Astrocyte.fromConfig({ vector_store: "in_memory", llm_provider: "mock" }, { registry, env });
  await brain.retain("hello", { bankId: "b" });
  return Response.json(await brain.recall("hello", { bankId: "b" }));
}};`);
await m("same, js-yaml external", `import { Astrocyte, createRegistry, inMemory } from "@astrocyte/core";
const registry = createRegistry(...inMemory);
export default { async fetch(req, env) {
  const brain = await Astrocyte.fromConfig({ vector_store: "in_memory", llm_provider: "mock" }, { registry, env });
  await brain.retain("hello", { bankId: "b" });
  return Response.json(await brain.recall("hello", { bankId: "b" }));
}};`, ["js-yaml"]);
await m("Astrocyte.create(vector+mock)", `import { Astrocyte, createInMemoryVectorStore, createMockLLMProvider } from "@astrocyte/core";
export default { async fetch(req, env) {
  const brain = Astrocyte.create({ vectorStore: createInMemoryVectorStore(), llm: createMockLLMProvider() });
  await brain.retain("hello", { bankId: "b" });
  return Response.json(await brain.recall("hello", { bankId: "b" }));
}};`);
await m("js-yaml alone", `import { load } from "js-yaml"; export default { fetch(r) { return Response.json(load("a: 1")) } };`);
await m("libsql web alone", `import { createClient } from "@libsql/client/web"; export default { async fetch(r, env) { return Response.json((await createClient({url: env.U}).execute("select 1")).rows) } };`);
await m("neon alone", `import { neon, Pool } from "@neondatabase/serverless"; export default { async fetch(r, env) { const p = new Pool({connectionString: env.U}); return Response.json([await neon(env.U)\`select 1\`, (await p.query("select 1")).rows]) } };`);
await m("upstash cf alone", `import { Index } from "@upstash/vector/cloudflare"; export default { async fetch(r, env) { return Response.json(await new Index({url: env.U, token: env.T}).info()) } };`);
await m("postgres adapter", `import { Astrocyte, createRegistry, inMemory } from "@astrocyte/core"; import { postgres } from "@astrocyte/postgres";
const registry = createRegistry(...inMemory, postgres);
export default { async fetch(req, env) {
  const brain = await Astrocyte.fromConfig({ vector_store: "postgres", vector_store_config: { url: env.U }, llm_provider: "mock" }, { registry, env });
  return Response.json(await brain.recall("hello", { bankId: "b" }));
}};`);
await stopBundler();
