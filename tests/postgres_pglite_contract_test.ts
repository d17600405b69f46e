/**
 * Every Postgres contract suite against the embedded PGlite driver (in-process Postgres 18 +
 * pgvector), created from `url: "memory://"` through the plugin's shared-client path. One
 * PGlite instance serves the whole file (start-up costs seconds).
 *
 * @module
 */
import { registerDenoTests } from "@astrocyte/core/testing";
import { createPostgresVectorStore } from "../adapters/postgres/mod.ts";
import { postgresSuites } from "./fixtures/postgres_suites.ts";

const shared = new Map<string, unknown>();
const options = { url: "memory://" };
// A keeper store holds a reference on the shared PGlite, so it lives for the whole file.
const keeper = createPostgresVectorStore({ ...options, dimensions: 8 }, {
  shared,
  env: {},
  fetch: globalThis.fetch,
});
await keeper.health();

for (const suite of postgresSuites({ label: "pglite", options, shared })) {
  registerDenoTests(suite, { sanitize: false });
}

Deno.test({
  name: "postgres pglite: release the shared PGlite",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await keeper.close();
    if (shared.size !== 0) throw new Error("the shared client was not released");
  },
});
