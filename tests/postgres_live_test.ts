/**
 * The Postgres contract suites against a real Neon database, through both Neon drivers
 * (`neon-http` and `neon-ws`). Runs when `DATABASE_URL` points at Neon (`*.neon.tech`) and
 * skips with a one-line reason otherwise. Each run works in its own schema, dropped at the
 * end.
 *
 * @module
 */
import assert from "node:assert/strict";
import { registerDenoTests } from "@astrocyte/core/testing";
import type { PostgresOptions } from "../adapters/postgres/mod.ts";
import { leaseClient } from "../adapters/postgres/_client.ts";
import { postgresSuites } from "./fixtures/postgres_suites.ts";

const url = Deno.env.get("DATABASE_URL") ?? "";
let host = "";
try {
  host = url === "" ? "" : new URL(url).hostname;
} catch { /* not a URL */ }
const skip = url === ""
  ? "DATABASE_URL is not set"
  : !host.endsWith(".neon.tech")
  ? "DATABASE_URL does not point at Neon (*.neon.tech)"
  : undefined;

const schema = `astro_live_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
const legs: { label: string; options: PostgresOptions }[] = [
  { label: "live neon-http", options: { url, driver: "neon-http", schema } },
  { label: "live neon-ws", options: { url, driver: "neon-ws", schema } },
];

for (const leg of legs) {
  const shared = new Map<string, unknown>();
  for (const suite of postgresSuites({ label: leg.label, options: leg.options, shared })) {
    registerDenoTests(suite, { sanitize: false, ...(skip === undefined ? {} : { skip }) });
  }
}

Deno.test({
  name: "postgres live: drop the run's schema",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const lease = await leaseClient(legs[0]!.options);
    try {
      await lease.client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      const rows = await lease.client.query(
        `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1`,
        [schema],
      );
      assert.equal(rows[0]?.n, 0);
    } finally {
      await lease.release();
    }
  },
});
