import { createClient } from "npm:@libsql/client@^0.18.0";
import { seededVector } from "@astrocyte/core/testing";
const c = createClient({ url: "file:/tmp/lsq/dbg.db" });
await c.execute("drop table if exists t");
await c.execute("create table t (rid integer primary key, id text, e F32_BLOB(8))");
for (const opts of ["'metric=cosine'", "'metric=cosine','max_neighbors=32','compress_neighbors=float8'"]) {
  await c.execute("drop index if exists ti");
  await c.execute("delete from t");
  await c.execute(`create index ti on t(libsql_vector_idx(e, ${opts}))`);
  const stmts = [];
  for (let i = 0; i < 60; i++) stmts.push({ sql: "insert into t (id, e) values (?, vector32(?))", args: [`id-${i}`, JSON.stringify(seededVector(8, i + 1))] });
  await c.batch(stmts, "write");
  const r = await c.execute({ sql: "select t.id, vector_distance_cos(t.e, vector32(?)) d from vector_top_k('ti', vector32(?), 5) k join t on t.rid = k.id", args: [JSON.stringify(seededVector(8, 3)), JSON.stringify(seededVector(8, 3))] });
  console.log(opts, r.rows.map((x) => [x.id, x.d]));
}
