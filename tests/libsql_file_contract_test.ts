/**
 * Every libSQL contract suite against a local `file:` database (native engine, default entry).
 *
 * @module
 */
import { createClient } from "npm:@libsql/client@^0.18.0";
import { registerDenoTests } from "@astrocyte/core/testing";
import { libsqlSuites } from "./fixtures/libsql_suites.ts";

const dir = await Deno.makeTempDir({ prefix: "astrocyte-libsql-" });
const client = createClient({ url: `file:${dir}/contract.db` });

for (const suite of libsqlSuites(client, "file:")) registerDenoTests(suite);

globalThis.addEventListener("unload", () => {
  client.close();
  Deno.removeSync(dir, { recursive: true });
});
