/**
 * Fault injection for the Upstash adapter (vector store), through the fault proxy in front of
 * the Upstash emulator: bounded, idempotent retries on 429/5xx/resets/truncation; a failed
 * multi-request batch reports exactly the ids it wrote (`ProviderUnavailableError.writtenIds`)
 * and a retry converges; timeouts fire; `health()` reports an outage without throwing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ProviderUnavailableError, type VectorItem } from "@astrocyte/core";
import { createUpstashVectorStore, type UpstashOptions } from "../../adapters/upstash/mod.ts";
import { serveUpstashEmulator } from "../fixtures/upstash_emulator.ts";
import { type FaultProxy, startFaultProxy } from "../fixtures/fault_proxy.ts";
import { knownBug } from "../differential/known_bugs.ts";
import { assertRecords, collectFaults, newAudit, report, timed } from "./_audit.ts";

const DIM = 4;
const served = serveUpstashEmulator({ dimension: DIM });
const proxy: FaultProxy = await startFaultProxy({ upstream: served.url });
const audit = newAudit();
const opts = { sanitizeOps: false, sanitizeResources: false };
let n = 0;
const bank = (label: string) => `fault-${label}-${++n}:${crypto.randomUUID().slice(0, 6)}`;

function store(o: UpstashOptions = {}) {
  return createUpstashVectorStore({
    url: proxy.url,
    token: served.token,
    dimensions: DIM,
    retryBaseMs: 1,
    maxRetries: 2,
    timeoutMs: 2_000,
    ...o,
  });
}

/** A direct store (no proxy) to read the truth. */
const truth = createUpstashVectorStore({ url: served.url, token: served.token, dimensions: DIM });

function items(b: string, count: number, tag = "v"): VectorItem[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${tag}${i}`,
    bankId: b,
    vector: [1, i + 1, 0.5, (i % 3) + 1],
    text: `${tag} text ${i}`,
  }));
}

const expect = (xs: VectorItem[]) => new Map(xs.map((x) => [x.id, x.text]));
const isUpsert = (r: { path: string }) => r.path.startsWith("/upsert");
const upserts = () =>
  proxy.events.filter((e) => e.type === "request" && e.detail.includes("/upsert")).length;

async function withRule(fn: () => Promise<void>): Promise<void> {
  proxy.clear();
  proxy.events.length = 0;
  try {
    await fn();
  } finally {
    proxy.clear();
    collectFaults(audit, proxy);
  }
}

Deno.test({
  name: "upstash faults: a 503 on an upsert is retried and the batch lands exactly once",
  ...opts,
  fn: () =>
    withRule(async () => {
      const b = bank("503");
      const xs = items(b, 5);
      proxy.add({ match: isUpsert, action: { kind: "status", status: 503 } });
      const s = store();
      assert.deepEqual(await s.storeVectors(xs), xs.map((x) => x.id));
      assert.equal(upserts(), 2, "one failed attempt, one retry");
      assertRecords(audit, await truth.listVectors(b), expect(xs), "after a retried 503");
      await s.close();
    }),
});

Deno.test({
  name:
    "upstash faults: 429 with Retry-After, a reset after the server applied the upsert, and a truncated answer are all retried idempotently",
  ...opts,
  fn: () =>
    withRule(async () => {
      const b = bank("mixed");
      const xs = items(b, 3);
      proxy.add({ match: isUpsert, action: { kind: "status", status: 429, retryAfter: "0" } });
      proxy.add({ match: isUpsert, action: { kind: "reset-after-forward" } });
      proxy.add({ match: isUpsert, action: { kind: "truncate", bytes: 20 } });
      const s = store({ maxRetries: 3 });
      assert.deepEqual(await s.storeVectors(xs), xs.map((x) => x.id));
      assert.equal(upserts(), 4, "three faulted attempts, then success");
      assertRecords(audit, await truth.listVectors(b), expect(xs), "after 429 + reset + truncate");
      await s.close();
    }),
});

Deno.test({
  name: "upstash faults: retries are bounded (maxRetries + 1 attempts) and nothing is written",
  ...opts,
  fn: () =>
    withRule(async () => {
      const b = bank("bounded");
      proxy.add({ match: isUpsert, times: Infinity, action: { kind: "status", status: 500 } });
      const s = store({ maxRetries: 2 });
      const { error } = await timed(() => s.storeVectors(items(b, 4)));
      assert.ok(error instanceof ProviderUnavailableError, String(error));
      assert.equal(error.retryable, true);
      assert.deepEqual(error.writtenIds ?? [], []);
      assert.equal(upserts(), 3, "1 attempt + 2 retries");
      assertRecords(audit, await truth.listVectors(b), new Map(), "after a permanent 500");
      await s.close();
    }),
});

Deno.test({
  name:
    "upstash faults: a multi-request batch that fails part-way reports exactly the ids written; retrying the call converges",
  ...opts,
  fn: () =>
    withRule(async () => {
      for (const concurrency of [1, 3]) {
        const b = bank(`partial${concurrency}`);
        const xs = items(b, 8);
        // Batches of 2: the second upsert request fails for good.
        proxy.clear();
        proxy.add({ match: isUpsert, skip: 1, times: 1, action: { kind: "status", status: 500 } });
        const s = store({ batchSize: 2, maxConcurrency: concurrency, maxRetries: 0 });
        const { error } = await timed(() => s.storeVectors(xs));
        assert.ok(error instanceof ProviderUnavailableError, String(error));
        const written = error.writtenIds ?? [];
        const listed = await truth.listVectors(b);
        assert.deepEqual(
          [...written].sort(),
          listed.map((x) => x.id).sort(),
          `writtenIds must name exactly the ids in the bank (concurrency ${concurrency})`,
        );
        assert.ok(written.length < xs.length);
        assertRecords(
          audit,
          listed,
          expect(xs.filter((x) => written.includes(x.id))),
          "partial batch",
        );
        // The same call again converges to the whole batch, once.
        proxy.clear();
        await s.storeVectors(xs);
        assertRecords(audit, await truth.listVectors(b), expect(xs), "after retrying the call");
        await s.close();
      }
    }),
});

Deno.test({
  name:
    "upstash faults: an ambiguous failure (server applied, answer lost, no retries) never over-reports writtenIds",
  ...opts,
  fn: () =>
    withRule(async () => {
      const b = bank("ambiguous");
      const xs = items(b, 6);
      proxy.add({ match: isUpsert, skip: 1, action: { kind: "reset-after-forward" } });
      const s = store({ batchSize: 2, maxConcurrency: 1, maxRetries: 0 });
      const { error } = await timed(() => s.storeVectors(xs));
      assert.ok(error instanceof ProviderUnavailableError, String(error));
      const written = new Set(error.writtenIds ?? []);
      const listed = new Set((await truth.listVectors(b)).map((x) => x.id));
      for (const id of written) {
        assert.ok(listed.has(id), `writtenIds names ${id}, not in the bank`);
      }
      const unreported = [...listed].filter((id) => !written.has(id));
      // Only the batch whose answer was lost may be missing from writtenIds.
      assert.deepEqual(unreported.sort(), ["v2", "v3"].filter((id) => listed.has(id)));
      console.log(
        `ambiguous failure: writtenIds ${JSON.stringify([...written])}, also in the bank ` +
          `(answer lost): ${JSON.stringify(unreported)}`,
      );
      proxy.clear();
      await s.storeVectors(xs);
      assertRecords(audit, await truth.listVectors(b), expect(xs), "after retrying the call");
      await s.close();
    }),
});

Deno.test({
  name: "upstash faults: deletes and searches are retried; the delete count stays exact",
  ...opts,
  fn: () =>
    withRule(async () => {
      const b = bank("del");
      const xs = items(b, 4);
      await truth.storeVectors(xs);
      proxy.add({
        match: (r) => r.path.startsWith("/delete"),
        action: { kind: "reset-after-forward" },
      });
      proxy.add({
        match: (r) => r.path.startsWith("/query"),
        action: { kind: "status", status: 502 },
      });
      const s = store();
      const count = await s.delete(["v0", "v1", "nope"], b);
      if (count !== 2) {
        const bug = knownBug("upstash", "faults", `delete count ${count}, expected 2`);
        assert.ok(bug, `delete returned ${count} after a retried delete request, expected 2`);
        console.warn(`known adapter bug ${bug.id}: delete returned ${count}, expected 2`);
      }
      const hits = await s.searchSimilar(xs[2]!.vector, b, { limit: 10 });
      assert.deepEqual(hits.map((h) => h.id).sort(), ["v2", "v3"]);
      assertRecords(audit, await truth.listVectors(b), expect(xs.slice(2)), "after faulted delete");
      await s.close();
    }),
});

Deno.test({
  name: "upstash faults: timeouts fire (delayed and stalled answers), bounded by maxRetries",
  ...opts,
  fn: () =>
    withRule(async () => {
      const b = bank("timeout");
      await truth.storeVectors(items(b, 2));
      proxy.add({
        match: (r) => r.path.startsWith("/query"),
        times: Infinity,
        action: { kind: "delay", ms: 1_500 },
      });
      const s = store({ timeoutMs: 150, maxRetries: 1 });
      const r = await timed(() => s.searchSimilar([1, 1, 1, 1], b));
      assert.ok(r.error instanceof ProviderUnavailableError, String(r.error));
      assert.equal(r.error.retryable, true);
      assert.ok(r.ms < 1_400, `took ${Math.round(r.ms)} ms: the timeout did not fire`);
      proxy.clear();
      proxy.add({
        match: (r) => r.path.startsWith("/query"),
        times: Infinity,
        action: { kind: "stall" },
      });
      const r2 = await timed(() => s.searchSimilar([1, 1, 1, 1], b));
      assert.ok(r2.error instanceof ProviderUnavailableError, String(r2.error));
      assert.ok(r2.ms < 1_400, `stall took ${Math.round(r2.ms)} ms`);
      console.log(
        `upstash timeouts: delayed ${Math.round(r.ms)} ms, stalled ${Math.round(r2.ms)} ms ` +
          `(timeoutMs 150, maxRetries 1)`,
      );
      await s.close();
    }),
});

Deno.test({
  name:
    "upstash faults: health() reports an outage (refused, reset, 503, stalled) without throwing",
  ...opts,
  fn: () =>
    withRule(async () => {
      const s = store({ timeoutMs: 300, maxRetries: 1 });
      assert.equal((await s.health()).healthy, true);
      for (const mode of ["refuse", "reset"] as const) {
        await proxy.setDown(mode);
        const r = await timed(() => s.health());
        assert.equal(r.error, undefined, `health() threw while ${mode}`);
        assert.equal(r.value!.healthy, false, `healthy while ${mode}`);
        assert.ok(r.value!.message, "a message says why");
        await proxy.setDown(false);
      }
      proxy.add({ times: Infinity, action: { kind: "status", status: 503 } });
      const r503 = await timed(() => s.health());
      assert.equal(r503.value?.healthy, false);
      proxy.clear();
      proxy.add({ times: Infinity, action: { kind: "stall" } });
      const stalled = await timed(() => s.health());
      assert.equal(stalled.value?.healthy, false);
      assert.ok(stalled.ms < 3_000, `health took ${Math.round(stalled.ms)} ms while stalled`);
      proxy.clear();
      assert.equal((await s.health()).healthy, true, "healthy again after the outage");
      await s.close();
    }),
});

Deno.test({
  name: "upstash faults: summary and shutdown",
  ...opts,
  async fn() {
    collectFaults(audit, proxy);
    report("upstash", audit);
    await truth.close();
    await proxy.close();
    await served.close();
    assert.equal(audit.lost + audit.duplicated + audit.leaked, 0);
    assert.ok(audit.faults > 0);
  },
});
