/**
 * Every libSQL contract suite against the real libSQL engine over HTTP: a local Hrana server
 * (tests/fixtures/hrana_server.ts) reached through `@libsql/client/web`, as on Workers.
 *
 * @module
 */
import { createClient } from "npm:@libsql/client@^0.18.0/web";
import { registerDenoTests } from "@astrocyte/core/testing";
import { libsqlSuites } from "./fixtures/libsql_suites.ts";
import { serveHrana } from "./fixtures/hrana_server.ts";

const server = await serveHrana();
const client = createClient({ url: server.url });

// The HTTP client keeps pooled sockets between requests, so resource sanitizers are off.
for (const suite of libsqlSuites(client, "http: via /web")) {
  registerDenoTests(suite, { sanitize: false });
}

globalThis.addEventListener("unload", () => {
  client.close();
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      Deno.removeSync(server.path + suffix);
    } catch { /* already gone */ }
  }
});
