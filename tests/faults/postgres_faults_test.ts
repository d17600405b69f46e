/**
 * Fault injection for the Postgres adapter's networked drivers, through the fault proxy:
 * `neon-http` (proxy in front of the SQL-over-HTTP shim) and `neon-ws` (proxy in front of the
 * WebSocket bridge), both to the PGlite test server. What the adapter documents, and what is
 * shown here, counting the attempts at the proxy:
 *
 * - bounded retries (`max_retries`): a 503/429 (with `Retry-After` honoured), or a connection
 *   that fails before any statement was sent, is retried for every operation; a persistent
 *   failure stops after `max_retries + 1` attempts with a retryable `ProviderUnavailableError`;
 * - idempotent retries: after an ambiguous failure (answer lost after commit, truncated
 *   answer, timeout, WebSocket lost while committing) upserts and reads are retried and
 *   converge exactly, deletes are not retried and the error says so; a WebSocket transaction
 *   that dies before `COMMIT` was rolled back, so it is retried whole;
 * - timeouts (`timeout_ms`): a stalled HTTP request, WebSocket statement or WebSocket connect
 *   fails within a bounded time, as a retryable typed error saying it timed out;
 * - writes are one transaction (all or nothing, also when the connection dies mid-way);
 * - `health()` reports an outage without throwing, within the timeout.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { VectorItem } from "@astrocyte/core";
import { createPostgresVectorStore, type PostgresOptions } from "../../adapters/postgres/mod.ts";
import { startPgTestServer } from "../fixtures/pg_server.ts";
import { type FaultProxy, type ProxiedRequest, startFaultProxy } from "../fixtures/fault_proxy.ts";
import { knownBug } from "../differential/known_bugs.ts";
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
const server = await startPgTestServer();
const httpProxy: FaultProxy = await startFaultProxy({
  upstream: new URL(server.fetchEndpoint).origin,
});
const wsProxy: FaultProxy = await startFaultProxy({
  upstream: server.wsProxy.replace(/\/$/, ""),
});
const audit = newAudit();

/**
 * Uncaught driver errors (an 'error' event nobody listens to) would kill the test process;
 * they are caught here, counted and checked against the known-bug list.
 */
const uncaught: string[] = [];
globalThis.addEventListener("error", (e) => {
  const msg = String((e as ErrorEvent).error?.message ?? (e as ErrorEvent).message);
  if (/Unexpected EOF|Connection terminated|WebSocket|socket/i.test(msg)) {
    uncaught.push(msg);
    e.preventDefault();
  }
});
const opts = { sanitizeOps: false, sanitizeResources: false };
let n = 0;
const bank = (label: string) => `fault-${label}-${++n}:${crypto.randomUUID().slice(0, 6)}`;

const resilience = { timeoutMs: 10_000, maxRetries: MAX_RETRIES, retryBaseMs: 20 };
const http: PostgresOptions = {
  url: server.neonUrl,
  driver: "neon-http",
  schema: "faults",
  dimensions: DIM,
};
const ws: PostgresOptions = {
  url: server.neonUrl,
  driver: "neon-ws",
  schema: "faults",
  dimensions: DIM,
  useSecureWebSocket: false,
  pipelineConnect: false,
  pipelineTLS: false,
  coalesceWrites: false,
  maxConnections: 1,
};
const ctx = () => ({ shared: new Map<string, unknown>(), env: {}, fetch: globalThis.fetch });
const viaHttp = (extra: Partial<PostgresOptions> = {}) =>
  createPostgresVectorStore(
    { ...http, ...resilience, ...extra, fetchEndpoint: `${httpProxy.url}/sql` },
    ctx(),
  );
const viaWs = (extra: Partial<PostgresOptions> = {}) =>
  createPostgresVectorStore(
    { ...ws, ...resilience, ...extra, wsProxy: `${wsProxy.hostPort}/` },
    ctx(),
  );
/** Reads the truth directly (no proxy). */
const truth = createPostgresVectorStore({ ...http, fetchEndpoint: server.fetchEndpoint }, ctx());
await truth.health();

function items(b: string, count: number): VectorItem[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `v${i}`,
    bankId: b,
    vector: [1, i + 1, 0.5, (i % 3) + 1],
    text: `text ${i}`,
  }));
}
const expect = (xs: VectorItem[]) => new Map(xs.map((x) => [x.id, x.text]));
const inserts = (r: ProxiedRequest) => r.body.includes("INSERT");
const deletes = (r: ProxiedRequest) => r.body.includes("DELETE");
const reads = (r: ProxiedRequest) => r.body.includes("SELECT") && !inserts(r) && !deletes(r);

async function withRules(fn: () => Promise<void>): Promise<void> {
  for (const p of [httpProxy, wsProxy]) p.clear();
  try {
    await fn();
  } finally {
    for (const p of [httpProxy, wsProxy]) {
      p.clear();
      collectFaults(audit, p);
    }
  }
}

const attempts: string[] = [];

Deno.test({
  name:
    "postgres neon-http faults: 503 and 429 (Retry-After honoured) are retried, a persistent 503 stops after max_retries + 1 attempts",
  ...opts,
  fn: () =>
    withRules(async () => {
      const s = viaHttp();
      await s.storeVectors(items(bank("warm-up"), 1)); // tables ready
      for (
        const [label, action] of [
          ["503", { kind: "status", status: 503 }],
          ["429 + Retry-After: 1", { kind: "status", status: 429, retryAfter: "1" }],
        ] as const
      ) {
        httpProxy.clear();
        const count = counter(httpProxy, inserts);
        httpProxy.add({ match: inserts, action });
        const b = bank("transient");
        const xs = items(b, 6);
        const r = await timed(() => s.storeVectors(xs));
        assert.equal(r.error, undefined, `${label}: ${r.error}`);
        assert.equal(count.n, 2, `${label}: write requests`);
        if (label.startsWith("429")) assert.ok(r.ms >= 900, `Retry-After honoured (${r.ms} ms)`);
        assertRecords(audit, await truth.listVectors(b), expect(xs), label);
        attempts.push(`neon-http ${label}: ${count.n}`);
      }
      // A delete after a 503 (nothing processed): retried, and its count is exact.
      httpProxy.clear();
      const b = bank("delete-503");
      const xs = items(b, 5);
      await s.storeVectors(xs);
      const delCount = counter(httpProxy, deletes);
      httpProxy.add({ match: deletes, action: { kind: "status", status: 503 } });
      assert.equal(await s.delete(["v0", "v1", "missing"], b), 2);
      assert.equal(delCount.n, 2, "delete requests");
      assertRecords(audit, await truth.listVectors(b), expect(xs.slice(2)), "delete after 503");
      // Persistent: bounded.
      httpProxy.clear();
      const count = counter(httpProxy, inserts);
      httpProxy.add({ match: inserts, times: Infinity, action: { kind: "status", status: 503 } });
      const b2 = bank("persistent");
      const { error } = await timed(() => s.storeVectors(items(b2, 6)));
      assertUnavailable(error, /HTTP status 503.*gave up after 3 attempts/, "persistent 503");
      assert.equal(count.n, MAX_RETRIES + 1, "persistent 503: attempts");
      attempts.push(`neon-http persistent 503: ${count.n}`);
      httpProxy.clear();
      assertRecords(audit, await truth.listVectors(b2), new Map(), "after a persistent 503");
      await s.close();
    }),
});

Deno.test({
  name:
    "postgres neon-http faults: an answer lost after commit: upserts are retried and converge exactly, a delete is not retried",
  ...opts,
  fn: () =>
    withRules(async () => {
      const s = viaHttp();
      await s.storeVectors(items(bank("warm-up"), 1)); // tables ready
      for (
        const [label, action] of [
          ["drop (never reached the server)", { kind: "drop" }],
          ["reset after the server committed", { kind: "reset-after-forward" }],
          ["truncated answer", { kind: "truncate", bytes: 40 }],
          ["truncated body", { kind: "truncate", bytes: 300 }],
        ] as const
      ) {
        httpProxy.clear();
        const count = counter(httpProxy, inserts);
        httpProxy.add({ match: inserts, action });
        const b = bank("lost");
        const xs = items(b, 6);
        const r = await timed(() => s.storeVectors(xs));
        assert.equal(r.error, undefined, `${label}: ${r.error}`);
        assert.equal(count.n, 2, `${label}: write requests`);
        assertRecords(audit, await truth.listVectors(b), expect(xs), label);
        attempts.push(`neon-http upsert, ${label}: ${count.n}`);
      }
      httpProxy.clear();
      const b = bank("lost-delete");
      const xs = items(b, 6);
      await s.storeVectors(xs);
      const count = counter(httpProxy, deletes);
      httpProxy.add({ match: deletes, action: { kind: "reset-after-forward" } });
      const { error } = await timed(() => s.delete(["v0", "v1", "v2"], b));
      assertUnavailable(error, /not retried/, "lost delete answer");
      assert.equal(count.n, 1, "delete requests");
      assertRecords(audit, await truth.listVectors(b), expect(xs.slice(3)), "delete committed");
      assert.equal(await s.delete(["v0", "v1", "v2"], b), 0, "the caller's retry");
      assertRecords(audit, await truth.listVectors(b), expect(xs.slice(3)), "caller's retry");
      await s.close();
    }),
});

Deno.test({
  name:
    "postgres neon-http faults: a stalled request times out within a bounded time; reads are retried, deletes are not; health() answers within the timeout",
  ...opts,
  fn: () =>
    withRules(async () => {
      const s = viaHttp({ timeoutMs: STALL_TIMEOUT_MS });
      await s.health();
      const b = bank("stall");
      const xs = items(b, 4);
      await s.storeVectors(xs);
      const stalls = await stallReadAndDelete({
        proxy: httpProxy,
        reads,
        deletes,
        read: () => s.listVectors(b),
        del: () => s.delete(["v0"], b),
      });
      assertRecords(audit, await truth.listVectors(b), expect(xs), "after the stalls");
      // health(): one attempt, bounded by the timeout.
      httpProxy.add({ times: Infinity, action: { kind: "stall" } });
      const h = await timed(() => s.health());
      assert.equal(h.error, undefined);
      assert.equal(h.value!.healthy, false);
      assert.match(h.value!.message!, /timed out/);
      assert.ok(h.ms < STALL_TIMEOUT_MS + SLACK_MS, `health took ${h.ms} ms`);
      httpProxy.clear();
      assert.equal((await s.health()).healthy, true);
      attempts.push(
        `neon-http stall: ${stalls}, health in ${Math.round(h.ms)} ms`,
      );
      await s.close();
    }),
});

Deno.test({
  name:
    "postgres neon-http faults: health() reports refused, reset and 503 outages without throwing",
  ...opts,
  fn: () =>
    withRules(async () => {
      const s = viaHttp();
      assert.equal((await s.health()).healthy, true);
      for (const mode of ["refuse", "reset"] as const) {
        await httpProxy.setDown(mode);
        const r = await timed(() => s.health());
        assert.equal(r.error, undefined);
        assert.equal(r.value!.healthy, false, mode);
        assert.ok(r.value!.message);
        await httpProxy.setDown(false);
      }
      httpProxy.add({ times: Infinity, action: { kind: "status", status: 503 } });
      assert.equal((await s.health()).healthy, false);
      httpProxy.clear();
      assert.equal((await s.health()).healthy, true);
      await s.close();
    }),
});

Deno.test({
  name:
    "postgres neon-ws faults: the WebSocket dying at any frame of a write leaves all or nothing, and the write is retried to completion",
  ...opts,
  fn: () =>
    withRules(async () => {
      // Measure the frames of a write on a fresh pool (one connection).
      const probe = viaWs();
      const h0 = wsProxy.stats.wsFrames;
      await probe.health();
      const before = wsProxy.stats.wsFrames;
      const setupFrames = before - h0; // the connection's frames so far
      await probe.storeVectors(items(bank("ws-probe"), 3));
      const used = wsProxy.stats.wsFrames - before;
      await probe.close();
      assert.ok(used >= 1, `a write used ${used} frames`);
      const outcomes: string[] = [];
      // A spread of kill points over the write (every frame with ASTROCYTE_FAULTS_FULL=1).
      const full = (() => {
        try {
          return Deno.env.get("ASTROCYTE_FAULTS_FULL") === "1";
        } catch {
          return false;
        }
      })();
      const frames = full
        ? Array.from({ length: used }, (_, i) => i + 1)
        : [...new Set([1, 2, 3, used >> 2, used >> 1, (3 * used) >> 2, used - 1, used])]
          .filter((k) => k >= 1 && k <= used);
      // Before frame k, or after the last one with its answer let through or lost (the server
      // committed, the client cannot know).
      const points = [
        ...frames.map((k) => [k, "before", false] as const),
        [used, "after", false] as const,
        [used, "after", true] as const,
      ];
      for (const [k, when, loseAnswer] of points) {
        const s = viaWs();
        // The next connection (this store's pool) dies before (or just after) client frame
        // setup + k.
        wsProxy.clear();
        wsProxy.add({ action: { kind: "ws-close", frame: setupFrames + k, when, loseAnswer } });
        await s.health();
        const b = bank("ws");
        const xs = items(b, 3);
        const connections = wsProxy.stats.wsConnections;
        const { error } = await timed(() => s.storeVectors(xs));
        const opened = wsProxy.stats.wsConnections - connections;
        wsProxy.clear();
        const listed = await truth.listVectors(b);
        // Upserts are idempotent and a transaction that died before COMMIT was rolled back:
        // the adapter retries on a new connection and the call succeeds.
        assert.equal(error, undefined, `frame ${k}: ${error}`);
        assertRecords(audit, listed, expect(xs), `ws frame ${k}`);
        if (loseAnswer) assert.equal(opened, 1, "a write whose answer was lost is retried once");
        outcomes.push(`${k}${when === "after" ? (loseAnswer ? "+lost" : "+") : ""}:${opened}`);
        await s.close();
      }
      attempts.push(
        `neon-ws: a write uses ${used} client frames; new connections per killed frame ` +
          `(1 = retried once): ${outcomes.join(" ")}`,
      );
      if (uncaught.length > 0) {
        const bug = knownBug("postgres-neon-ws", "faults", `uncaught: ${uncaught[0]}`);
        assert.ok(bug, `uncaught driver errors (would crash the process): ${uncaught.join("; ")}`);
        console.warn(`known adapter bug ${bug.id}: ${uncaught.length} uncaught driver errors`);
      }
    }),
});

Deno.test({
  name:
    "postgres neon-ws faults: a delete whose connection dies is retried only when nothing can have been applied, so its count is never under-reported",
  ...opts,
  fn: () =>
    withRules(async () => {
      // Frames of a first delete on a fresh pool (schema check + the delete statement).
      const pb = bank("ws-del-probe");
      await truth.storeVectors(items(pb, 3));
      const probe = viaWs();
      const h0 = wsProxy.stats.wsFrames;
      await probe.health();
      const setupFrames = wsProxy.stats.wsFrames - h0;
      const f0 = wsProxy.stats.wsFrames;
      await probe.delete(["v0"], pb);
      const used = wsProxy.stats.wsFrames - f0;
      await probe.close();
      const outcomes: string[] = [];
      const frames = [...new Set([1, 2, used >> 1, used - 1, used])].filter((k) =>
        k >= 1 && k <= used
      );
      const points = [
        ...frames.map((k) => [k, "before", false] as const),
        [used, "after", false] as const,
        [used, "after", true] as const,
      ];
      const seen = new Set<string>();
      for (const [k, when, loseAnswer] of points) {
        const b = bank("ws-del");
        const xs = items(b, 5);
        await truth.storeVectors(xs);
        const s = viaWs();
        wsProxy.clear();
        wsProxy.add({ action: { kind: "ws-close", frame: setupFrames + k, when, loseAnswer } });
        await s.health();
        const r = await timed(() => s.delete(["v0", "v1", "missing"], b));
        wsProxy.clear();
        const listed = await truth.listVectors(b);
        let outcome: string;
        if (r.error === undefined) {
          assert.equal(r.value, 2, `frame ${k}: the count of a retried delete`);
          assertRecords(audit, listed, expect(xs.slice(2)), `ws delete frame ${k}`);
          outcome = "ok";
        } else {
          assertUnavailable(r.error, /not retried/, `frame ${k}`);
          // All or nothing, and the caller's retry reports exactly what is left.
          const applied = listed.length === 3;
          assertRecords(audit, listed, applied ? expect(xs.slice(2)) : expect(xs), `frame ${k}`);
          assert.equal(await s.delete(["v0", "v1", "missing"], b), applied ? 0 : 2);
          assertRecords(audit, await truth.listVectors(b), expect(xs.slice(2)), `retry ${k}`);
          outcome = applied ? "not-retried(applied)" : "not-retried(none)";
        }
        seen.add(outcome);
        outcomes.push(`${k}${when === "after" ? (loseAnswer ? "+lost" : "+") : ""}:${outcome}`);
        await s.close();
      }
      // Every kind of outcome happened: retried before the statement, not retried (nothing
      // applied) while it was being sent, not retried (applied) when the answer was lost.
      for (const o of ["ok", "not-retried(none)", "not-retried(applied)"]) {
        assert.ok(seen.has(o), `outcome ${o} observed: ${outcomes.join(" ")}`);
      }
      attempts.push(
        `neon-ws delete (${used} frames), outcome per killed frame: ${outcomes.join(" ")}`,
      );
    }),
});

Deno.test({
  name:
    "postgres neon-ws faults: a stalled statement or connect times out within a bounded time; health() reports outages without throwing",
  ...opts,
  fn: () =>
    withRules(async () => {
      // Stalled statement on an open connection: times out, the connection is destroyed and
      // the read is retried on a new one.
      const probe = viaWs({ timeoutMs: STALL_TIMEOUT_MS });
      const h0 = wsProxy.stats.wsFrames;
      assert.equal((await probe.health()).healthy, true);
      const setupFrames = wsProxy.stats.wsFrames - h0;
      await probe.close();
      const b = bank("ws-stall");
      const xs = items(b, 3);
      await truth.storeVectors(xs);
      const s = viaWs({ timeoutMs: STALL_TIMEOUT_MS });
      wsProxy.add({ action: { kind: "ws-stall", frame: setupFrames + 1 } });
      assert.equal((await s.health()).healthy, true);
      const c0 = wsProxy.stats.wsConnections;
      const read = await timed(() => s.listVectors(b));
      assert.equal(read.error, undefined, `read after a stalled statement: ${read.error}`);
      assertRecords(audit, read.value!, expect(xs), "read retried on a new connection");
      assert.equal(wsProxy.stats.wsConnections - c0, 1, "one new connection");
      assert.ok(read.ms < STALL_TIMEOUT_MS + SLACK_MS, `read took ${read.ms} ms`);
      wsProxy.clear();
      await s.close();
      // Every connect stalls (a fresh pool): each attempt times out connecting, bounded.
      const s2 = viaWs({ timeoutMs: STALL_TIMEOUT_MS });
      const c1 = wsProxy.stats.wsConnections;
      wsProxy.add({ times: Infinity, action: { kind: "ws-stall", frame: 1 } });
      const stalled = await timed(() => s2.listVectors(b));
      assertUnavailable(stalled.error, /timed out/, "stalled connects");
      const connects = wsProxy.stats.wsConnections - c1;
      assert.equal(connects, MAX_RETRIES + 1, "connect attempts");
      const bound = STALL_TIMEOUT_MS * (MAX_RETRIES + 1) + SLACK_MS;
      assert.ok(stalled.ms < bound, `gave up after ${stalled.ms} ms (bound ${bound})`);
      // health(): one attempt, within the timeout.
      const h = await timed(() => s2.health());
      assert.equal(h.error, undefined);
      assert.equal(h.value!.healthy, false);
      assert.ok(h.ms < STALL_TIMEOUT_MS + SLACK_MS, `health took ${h.ms} ms`);
      wsProxy.clear();
      attempts.push(
        `neon-ws stall: statement retried on 1 new connection in ${Math.round(read.ms)} ms; ` +
          `stalled connects: ${connects} attempts in ${Math.round(stalled.ms)} ms; ` +
          `health in ${Math.round(h.ms)} ms`,
      );
      // Refused or reset bridge.
      for (const mode of ["refuse", "reset"] as const) {
        await wsProxy.setDown(mode);
        const r = await timed(() => s2.health());
        assert.equal(r.error, undefined, `health threw while ${mode}`);
        assert.equal(r.value!.healthy, false, mode);
        await wsProxy.setDown(false);
        const back = await s2.health();
        assert.equal(back.healthy, true, `recovers after ${mode}: ${back.message}`);
      }
      await s2.close();
    }),
});

Deno.test({
  name: "postgres faults: summary and shutdown",
  ...opts,
  async fn() {
    for (const p of [httpProxy, wsProxy]) collectFaults(audit, p);
    report("postgres neon-http + neon-ws", audit);
    console.log(
      `postgres attempts observed at the proxies:\n  ${attempts.join("\n  ")}\n` +
        `  uncaught driver errors: ${uncaught.length}`,
    );
    await truth.close();
    await httpProxy.close();
    await wsProxy.close();
    await server.close();
    assert.equal(audit.lost + audit.duplicated + audit.leaked, 0);
    assert.ok(audit.faults > 0);
  },
});
