/**
 * Fault injection for the libSQL adapter over HTTP (`@libsql/client/web` → fault proxy →
 * Hrana server fixture). The adapter documents no retries and no timeouts (a gap reported to
 * the lead); what it documents, and what is shown here: every driver failure surfaces as a
 * typed `ProviderUnavailableError` (retryable for network errors and 5xx/429), writes are
 * atomic (one batch request, or one interactive transaction when split) so a failure leaves
 * all or nothing, a retried write converges, and `health()` reports an outage without throwing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ProviderUnavailableError, type VectorItem } from "@astrocyte/core";
import { createLibsqlVectorStore } from "../../adapters/libsql/mod.ts";
import { serveHrana } from "../fixtures/hrana_server.ts";
import { type FaultProxy, startFaultProxy } from "../fixtures/fault_proxy.ts";
import { assertRecords, collectFaults, newAudit, report, timed } from "./_audit.ts";

const DIM = 4;
const server = await serveHrana({ streamIdleMs: 1_000 });
const proxy: FaultProxy = await startFaultProxy({ upstream: server.url });
const audit = newAudit();
const opts = { sanitizeOps: false, sanitizeResources: false };
let n = 0;
const bank = (label: string) => `fault-${label}-${++n}:${crypto.randomUUID().slice(0, 6)}`;
const tablePrefix = "faults_";

const store = (maxRequestBytes?: number) =>
  createLibsqlVectorStore({
    url: proxy.url,
    dimensions: DIM,
    tablePrefix,
    ...(maxRequestBytes ? { maxRequestBytes } : {}),
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
const pipeline = (r: { path: string }) => r.path.includes("pipeline");

async function withRule(fn: () => Promise<void>): Promise<void> {
  proxy.clear();
  try {
    await fn();
  } finally {
    proxy.clear();
    collectFaults(audit, proxy);
  }
}

Deno.test({
  name:
    "libsql http faults: a 503 or a dropped write request is a retryable typed error and writes nothing",
  ...opts,
  fn: () =>
    withRule(async () => {
      const s = store();
      await s.health(); // schema ready
      for (const fault of [{ kind: "status", status: 503 } as const, { kind: "drop" } as const]) {
        const b = bank(fault.kind);
        proxy.add({ match: pipeline, action: fault });
        const { error } = await timed(() => s.storeVectors(items(b, 5)));
        assert.ok(error instanceof ProviderUnavailableError, `${fault.kind}: ${error}`);
        assert.equal(error.retryable, true, `${fault.kind}: ${error.message}`);
        assertRecords(audit, await truth.listVectors(b), new Map(), `after ${fault.kind}`);
        // The caller's retry converges.
        const xs = items(b, 5);
        await s.storeVectors(xs);
        assertRecords(audit, await truth.listVectors(b), expect(xs), `retry after ${fault.kind}`);
      }
      await s.close();
    }),
});

Deno.test({
  name:
    "libsql http faults: the answer lost after the server committed: all written, and a retry adds no duplicate",
  ...opts,
  fn: () =>
    withRule(async () => {
      const s = store();
      await s.health();
      const b = bank("lost-answer");
      const xs = items(b, 6);
      proxy.add({ match: pipeline, action: { kind: "reset-after-forward" } });
      const { error } = await timed(() => s.storeVectors(xs));
      assert.ok(error instanceof ProviderUnavailableError, String(error));
      assertRecords(audit, await truth.listVectors(b), expect(xs), "committed before the reset");
      await s.storeVectors(xs);
      assertRecords(audit, await truth.listVectors(b), expect(xs), "after the retry");
      await s.close();
    }),
});

Deno.test({
  name:
    "libsql http faults: a write split over several statements (one transaction) is all or nothing wherever the failure hits",
  ...opts,
  fn: () =>
    withRule(async () => {
      // ~30 items of ~400 bytes with maxRequestBytes 2048: several batches in one interactive
      // transaction (the client pipelines them; the last request carries COMMIT).
      const s = store(2048);
      await s.health();
      const writes = (r: { path: string; body: string }) =>
        pipeline(r) && r.body.includes("INSERT");
      const commit = (r: { path: string; body: string }) =>
        pipeline(r) && r.body.includes('"COMMIT"');
      const cases = [
        ["drop the first write request", writes, { kind: "drop" }, false],
        ["503 on the first write request", writes, { kind: "status", status: 503 }, false],
        ["drop the COMMIT request", commit, { kind: "drop" }, false],
        ["truncate the COMMIT answer", commit, { kind: "truncate", bytes: 30 }, true],
        ["reset after forwarding COMMIT", commit, { kind: "reset-after-forward" }, true],
      ] as const;
      for (const [label, match, fault, committed] of cases) {
        const b = bank("split");
        const xs = items(b, 30, 400);
        proxy.clear();
        proxy.add({ match, action: fault });
        const { error } = await timed(() => s.storeVectors(xs));
        assert.ok(error instanceof ProviderUnavailableError, `${label}: ${error}`);
        proxy.clear();
        assertRecords(
          audit,
          await truth.listVectors(b, { limit: 1000 }),
          committed ? expect(xs) : new Map(),
          label,
        );
        // The caller's retry converges (waits for an abandoned stream to expire).
        await s.storeVectors(xs);
        assertRecords(
          audit,
          await truth.listVectors(b, { limit: 1000 }),
          expect(xs),
          `retry: ${label}`,
        );
      }
      await s.close();
    }),
});

Deno.test({
  name: "libsql http faults: health() reports refused, reset and 503 outages without throwing",
  ...opts,
  fn: () =>
    withRule(async () => {
      const s = store();
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
      proxy.clear();
      assert.equal((await s.health()).healthy, true);
      await s.close();
    }),
});

Deno.test({
  name:
    "libsql http faults: no timeout option: a stalled request stays pending until the connection drops (gap)",
  ...opts,
  fn: () =>
    withRule(async () => {
      const s = store();
      await s.health();
      proxy.add({ match: pipeline, times: Infinity, action: { kind: "stall" } });
      let settled = false;
      const pending = s.health().then((h) => {
        settled = true;
        return h;
      });
      await new Promise((r) => setTimeout(r, 1_500));
      const stillPending = !settled;
      proxy.clear(); // releases the stalled connection: the client sees it close
      const h = await pending;
      assert.equal(h.healthy, false, "health() after the stalled connection closed");
      console.log(
        `libsql http: a stalled request ${
          stillPending ? "was still pending after 1.5 s (no timeout)" : "timed out"
        }`,
      );
      await s.close();
    }),
});

Deno.test({
  name: "libsql http faults: summary and shutdown",
  ...opts,
  async fn() {
    collectFaults(audit, proxy);
    report("libsql-http", audit);
    await truth.close();
    await proxy.close();
    await server.close();
    assert.equal(audit.lost + audit.duplicated + audit.leaked, 0);
    assert.ok(audit.faults > 0);
  },
});
