/**
 * Fault injection for the libSQL adapter over HTTP (`@libsql/client/web` → fault proxy →
 * Hrana server fixture). What the adapter documents, and what is shown here, counting the
 * attempts at the proxy:
 *
 * - bounded retries (`max_retries`): a 503/429 (with `Retry-After` honoured) or a request that
 *   never reached the server is retried for every operation, and the call succeeds on the
 *   second attempt; a persistent failure stops after `max_retries + 1` attempts with a
 *   retryable `ProviderUnavailableError`;
 * - idempotent retries: after an ambiguous failure (answer lost after commit, truncated
 *   answer, timeout) upserts and reads are retried and converge exactly (no duplicates),
 *   while deletes are not retried and the error says so (so no count is under-reported);
 * - timeouts (`timeout_ms`): a stalled request fails within a bounded time, as a retryable
 *   typed error saying it timed out;
 * - atomic writes: one batch request, or one interactive transaction when split, retried whole
 *   and never resumed, so a failure leaves all or nothing;
 * - `health()` reports an outage without throwing, within the timeout.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { VectorItem } from "@astrocyte/core";
import { createLibsqlVectorStore, type LibsqlOptions } from "../../adapters/libsql/mod.ts";
import { serveHrana } from "../fixtures/hrana_server.ts";
import { type FaultProxy, type ProxiedRequest, startFaultProxy } from "../fixtures/fault_proxy.ts";
import {
  assertRecords,
  assertUnavailable,
  collectFaults,
  counter,
  MAX_RETRIES,
  newAudit,
  report,
  SLACK_MS,
  STALL_TIMEOUT_MS,
  stallReadAndDelete,
  timed,
} from "./_audit.ts";

const DIM = 4;
const server = await serveHrana({ streamIdleMs: 1_000 });
const proxy: FaultProxy = await startFaultProxy({ upstream: server.url });
const audit = newAudit();
const opts = { sanitizeOps: false, sanitizeResources: false };
let n = 0;
const bank = (label: string) => `fault-${label}-${++n}:${crypto.randomUUID().slice(0, 6)}`;
const tablePrefix = "faults_";

const store = (extra: Partial<LibsqlOptions> = {}) =>
  createLibsqlVectorStore({
    url: proxy.url,
    dimensions: DIM,
    tablePrefix,
    timeoutMs: 10_000,
    maxRetries: MAX_RETRIES,
    retryBaseMs: 20,
    ...extra,
  });
/** Reads the truth directly from the server. */
const truth = createLibsqlVectorStore({ url: server.url, dimensions: DIM, tablePrefix });
await truth.health();

function items(b: string, count: number, textBytes = 10): VectorItem[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `v${i}`,
    bankId: b,
    vector: [1, i + 1, 0.5, (i % 3) + 1],
    text: `${i}:${"t".repeat(textBytes)}`,
  }));
}
const expect = (xs: VectorItem[]) => new Map(xs.map((x) => [x.id, x.text]));
const pipeline = (r: ProxiedRequest) => r.path.includes("pipeline");
const inserts = (r: ProxiedRequest) => pipeline(r) && r.body.includes("INSERT");
const deletes = (r: ProxiedRequest) => pipeline(r) && r.body.includes("DELETE");
const begins = (r: ProxiedRequest) => pipeline(r) && r.body.includes('"BEGIN');
const commit = (r: ProxiedRequest) => pipeline(r) && r.body.includes('"COMMIT"');
const reads = (r: ProxiedRequest) => pipeline(r) && r.body.includes("SELECT");

async function withRule(fn: () => Promise<void>): Promise<void> {
  proxy.clear();
  try {
    await fn();
  } finally {
    proxy.clear();
    collectFaults(audit, proxy);
  }
}

const attempts: string[] = [];

Deno.test({
  name:
    "libsql http faults: a 503 or 429 (Retry-After honoured) is retried and the call succeeds on the second attempt",
  ...opts,
  fn: () =>
    withRule(async () => {
      const s = store();
      await s.health(); // schema ready
      for (
        const [label, action] of [
          ["503", { kind: "status", status: 503 }],
          ["429 + Retry-After: 1", { kind: "status", status: 429, retryAfter: "1" }],
        ] as const
      ) {
        proxy.clear();
        const count = counter(proxy, inserts);
        proxy.add({ match: inserts, action });
        const b = bank("transient");
        const xs = items(b, 5);
        const r = await timed(() => s.storeVectors(xs));
        assert.equal(r.error, undefined, `${label}: ${r.error}`);
        assert.equal(count.n, 2, `${label}: write requests`);
        if (label.startsWith("429")) assert.ok(r.ms >= 900, `Retry-After honoured (${r.ms} ms)`);
        assertRecords(audit, await truth.listVectors(b), expect(xs), `after ${label}`);
        attempts.push(`${label}: ${count.n}`);
      }
      // A delete is not idempotent, but a 503 means nothing was processed: retried, exact count.
      proxy.clear();
      const b = bank("delete-503");
      const xs = items(b, 5);
      await s.storeVectors(xs);
      const count = counter(proxy, deletes);
      proxy.add({ match: deletes, action: { kind: "status", status: 503 } });
      assert.equal(await s.delete(["v0", "v1", "missing"], b), 2);
      assert.equal(count.n, 2, "delete requests");
      assertRecords(audit, await truth.listVectors(b), expect(xs.slice(2)), "delete after 503");
      attempts.push(`delete after 503: ${count.n}`);
      await s.close();
    }),
});

Deno.test({
  name:
    "libsql http faults: a persistent 503 stops after max_retries + 1 attempts with a retryable typed error and writes nothing",
  ...opts,
  fn: () =>
    withRule(async () => {
      for (const maxRetries of [MAX_RETRIES, 0]) {
        const s = store({ maxRetries });
        await s.health();
        proxy.clear();
        const count = counter(proxy, inserts);
        proxy.add({ match: inserts, times: Infinity, action: { kind: "status", status: 503 } });
        const b = bank("persistent");
        const { error } = await timed(() => s.storeVectors(items(b, 5)));
        assertUnavailable(error, /HTTP status 503.*gave up after \d attempts?/, "persistent 503");
        assert.equal(count.n, maxRetries + 1, `attempts with max_retries ${maxRetries}`);
        attempts.push(`persistent 503 (max_retries ${maxRetries}): ${count.n}`);
        proxy.clear();
        assertRecords(audit, await truth.listVectors(b), new Map(), "after a persistent 503");
        await s.close();
      }
    }),
});

Deno.test({
  name:
    "libsql http faults: a stalled request times out within a bounded time; reads are retried, deletes are not",
  ...opts,
  fn: () =>
    withRule(async () => {
      const s = store({ timeoutMs: STALL_TIMEOUT_MS });
      await s.health();
      const b = bank("stall");
      const xs = items(b, 4);
      await s.storeVectors(xs);
      const stalls = await stallReadAndDelete({
        proxy,
        reads,
        deletes,
        read: () => s.listVectors(b),
        del: () => s.delete(["v0"], b),
      });
      // The stalled request was never forwarded: nothing deleted.
      assertRecords(audit, await truth.listVectors(b), expect(xs), "after the stalls");
      attempts.push(
        `stall: ${stalls}`,
      );
      await s.close();
    }),
});

Deno.test({
  name:
    "libsql http faults: an answer lost after commit: upserts are retried and converge exactly, a delete is not retried",
  ...opts,
  fn: () =>
    withRule(async () => {
      const s = store();
      await s.health();
      for (
        const [label, action] of [
          ["reset after the server committed", { kind: "reset-after-forward" }],
          ["truncated answer", { kind: "truncate", bytes: 60 }],
          ["truncated body", { kind: "truncate", bytes: 400 }],
          ["request dropped before the server", { kind: "drop" }],
        ] as const
      ) {
        proxy.clear();
        const count = counter(proxy, inserts);
        proxy.add({ match: inserts, action });
        const b = bank("lost");
        const xs = items(b, 6);
        const r = await timed(() => s.storeVectors(xs));
        assert.equal(r.error, undefined, `${label}: ${r.error}`);
        assert.equal(count.n, 2, `${label}: write requests`);
        assertRecords(audit, await truth.listVectors(b), expect(xs), label);
        attempts.push(`upsert, ${label}: ${count.n}`);
      }
      // The delete committed but its answer was lost: not retried (a retry would report 0).
      proxy.clear();
      const b = bank("lost-delete");
      const xs = items(b, 6);
      await s.storeVectors(xs);
      const count = counter(proxy, deletes);
      proxy.add({ match: deletes, action: { kind: "reset-after-forward" } });
      const { error } = await timed(() => s.delete(["v0", "v1", "v2"], b));
      assertUnavailable(error, /not retried/, "lost delete answer");
      assert.equal(count.n, 1, "delete requests");
      assertRecords(audit, await truth.listVectors(b), expect(xs.slice(3)), "delete committed");
      // The caller's own retry: nothing left to delete, and nothing else touched.
      assert.equal(await s.delete(["v0", "v1", "v2"], b), 0);
      assertRecords(audit, await truth.listVectors(b), expect(xs.slice(3)), "caller's retry");
      await s.close();
    }),
});

Deno.test({
  name:
    "libsql http faults: a write split over several requests (one transaction) is retried whole, never resumed, and is all or nothing",
  ...opts,
  fn: () =>
    withRule(async () => {
      // ~30 items of ~400 bytes with maxRequestBytes 2048: several batches in one interactive
      // transaction (the first request carries BEGIN, the last one COMMIT).
      const s = store({ maxRequestBytes: 2048 });
      await s.health();
      const cases = [
        ["drop the first write request", inserts, { kind: "drop" }, 1],
        ["503 on the first write request", inserts, { kind: "status", status: 503 }, 1],
        ["drop the COMMIT request", commit, { kind: "drop" }, 1],
        ["truncate the COMMIT answer", commit, { kind: "truncate", bytes: 30 }, 1],
        ["reset after forwarding COMMIT", commit, { kind: "reset-after-forward" }, 1],
        ["503 on every write request", inserts, { kind: "status", status: 503 }, Infinity],
      ] as const;
      for (const [label, match, fault, times] of cases) {
        const b = bank("split");
        const xs = items(b, 30, 400);
        proxy.clear();
        const tx = counter(proxy, begins);
        proxy.add({ match, times, action: fault });
        const { error } = await timed(() => s.storeVectors(xs));
        proxy.clear();
        const listed = await truth.listVectors(b, { limit: 1000 });
        if (times === Infinity) {
          assertUnavailable(error, /gave up after 3 attempts/, label);
          assert.equal(tx.n, MAX_RETRIES + 1, `${label}: transactions`);
          assertRecords(audit, listed, new Map(), label);
        } else {
          assert.equal(error, undefined, `${label}: ${error}`);
          assert.equal(tx.n, 2, `${label}: transactions`);
          assertRecords(audit, listed, expect(xs), label);
        }
        attempts.push(`split upsert, ${label}: ${tx.n} transactions`);
      }
      // A split delete (two DELETE statements of 500 ids, one transaction each attempt).
      const ids = Array.from({ length: 600 }, (_, i) => `v${i}`);
      const deleteCases = [
        ["drop the first DELETE request", deletes, { kind: "drop" }, "retried"],
        ["drop the COMMIT request", commit, { kind: "drop" }, "nothing"],
        ["reset after forwarding COMMIT", commit, { kind: "reset-after-forward" }, "all"],
      ] as const;
      for (const [label, match, fault, outcome] of deleteCases) {
        const b = bank("split-delete");
        const xs = items(b, 30);
        await s.storeVectors(xs);
        proxy.clear();
        const tx = counter(proxy, begins);
        proxy.add({ match, action: fault });
        const r = await timed(() => s.delete(ids, b));
        proxy.clear();
        const listed = await truth.listVectors(b, { limit: 1000 });
        if (outcome === "retried") {
          assert.equal(r.error, undefined, `${label}: ${r.error}`);
          assert.equal(r.value, 30, `${label}: count`);
          assert.equal(tx.n, 2, `${label}: transactions`);
          assertRecords(audit, listed, new Map(), label);
        } else {
          assertUnavailable(r.error, /not retried/, label);
          assert.equal(tx.n, 1, `${label}: transactions`);
          assertRecords(audit, listed, outcome === "all" ? new Map() : expect(xs), label);
          // The caller's retry reports exactly what is left.
          assert.equal(await s.delete(ids, b), outcome === "all" ? 0 : 30, `${label}: retry`);
          assertRecords(audit, await truth.listVectors(b), new Map(), `${label}: retry`);
        }
        attempts.push(`split delete, ${label}: ${tx.n} transactions`);
      }
      await s.close();
    }),
});

Deno.test({
  name:
    "libsql http faults: health() reports refused, reset, 503 and stalled outages without throwing, within the timeout",
  ...opts,
  fn: () =>
    withRule(async () => {
      const s = store({ timeoutMs: STALL_TIMEOUT_MS });
      assert.equal((await s.health()).healthy, true);
      for (const mode of ["refuse", "reset"] as const) {
        await proxy.setDown(mode);
        const r = await timed(() => s.health());
        assert.equal(r.error, undefined);
        assert.equal(r.value!.healthy, false, mode);
        assert.ok(r.value!.message);
        await proxy.setDown(false);
      }
      proxy.add({ times: Infinity, action: { kind: "status", status: 503 } });
      const r = await timed(() => s.health());
      assert.equal(r.value?.healthy, false);
      assert.match(r.value!.message!, /503/);
      proxy.clear();
      proxy.add({ match: pipeline, times: Infinity, action: { kind: "stall" } });
      const stalled = await timed(() => s.health());
      assert.equal(stalled.error, undefined);
      assert.equal(stalled.value!.healthy, false);
      assert.match(stalled.value!.message!, new RegExp(`timed out after ${STALL_TIMEOUT_MS} ms`));
      assert.ok(stalled.ms < STALL_TIMEOUT_MS + SLACK_MS, `health took ${stalled.ms} ms`);
      proxy.clear();
      assert.equal((await s.health()).healthy, true);
      await s.close();
    }),
});

Deno.test({
  name: "libsql http faults: summary and shutdown",
  ...opts,
  async fn() {
    collectFaults(audit, proxy);
    report("libsql-http", audit);
    console.log(`libsql-http attempts observed at the proxy:\n  ${attempts.join("\n  ")}`);
    await truth.close();
    await proxy.close();
    await server.close();
    assert.equal(audit.lost + audit.duplicated + audit.leaked, 0);
    assert.ok(audit.faults > 0);
  },
});
