/**
 * Every libSQL contract suite against a live libSQL server (Turso or sqld), through
 * `@libsql/client/web`. Runs when `LIBSQL_URL` (and, for Turso, `LIBSQL_AUTH_TOKEN`) are set;
 * otherwise skips with the reason. Tables use the prefix `astrocyte_ct_` so a real
 * `astrocyte_` schema in the same database is never touched; every case uses fresh banks.
 *
 * @module
 */
import { createClient } from "npm:@libsql/client@^0.18.0/web";
import { registerDenoTests } from "@astrocyte/core/testing";
import { libsqlSuites } from "./fixtures/libsql_suites.ts";

const url = Deno.env.get("LIBSQL_URL");
const authToken = Deno.env.get("LIBSQL_AUTH_TOKEN");
const remote = url !== undefined && /^(libsql|https?|wss?):\/\//i.test(url);
const skip = url === undefined
  ? "LIBSQL_URL is not set (set LIBSQL_URL and LIBSQL_AUTH_TOKEN to run against Turso/sqld)"
  : remote
  ? undefined
  : "LIBSQL_URL is not a libsql://, http(s):// or ws(s):// URL";

// Without a server the client is never used: creating it opens no connection.
const client = createClient({
  url: skip === undefined ? url! : "http://127.0.0.1:9",
  ...(authToken ? { authToken } : {}),
});

for (const suite of libsqlSuites(client, "live", "astrocyte_ct_")) {
  registerDenoTests(suite, { sanitize: false, ...(skip === undefined ? {} : { skip }) });
}

globalThis.addEventListener("unload", () => client.close());
