import { createLibsqlVectorStore } from "../adapters/libsql/vector_store.ts";
import { serveHrana } from "./fixtures/hrana_server.ts";
const srv = await serveHrana();
for (const url of ["file:/tmp/lsq/smoke.db", srv.url]) {
  const s = createLibsqlVectorStore({ url, dimensions: 3 });
  await s.storeVectors([
    { id: "a", bankId: "o'b%_$.[ü", vector: [1, 0, 0], text: "A", tags: ["x"], metadata: { "we'ird.key[0]$": true, n: 2 }, occurredAt: new Date(5) },
    { id: "b", bankId: "o'b%_$.[ü", vector: [0, 1, 0], text: "B" },
  ]);
  console.log(url, await s.searchSimilar([1, 0.1, 0], "o'b%_$.[ü", { limit: 5 }));
  console.log(await s.searchSimilar([1, 0.1, 0], "o'b%_$.[ü", { filters: { metadataFilters: { "we'ird.key[0]$": true } } }));
  console.log(await s.listVectors("o'b%_$.[ü"));
  console.log(await s.delete(["a", "zz"], "o'b%_$.[ü"), await s.deleteBank("o'b%_$.[ü"), await s.health());
  await s.close();
}
await srv.close();
