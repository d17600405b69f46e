/**
 * Fault injection for the Postgres adapter's networked drivers, through the fault proxy:
 * `neon-http` (proxy in front of the SQL-over-HTTP shim) and `neon-ws` (proxy in front of the
 * WebSocket bridge), both to the PGlite test server. The adapter documents no retries and no
 * timeouts (gap reported); shown here: driver failures surface as typed
 * `ProviderUnavailableError`s, writes are one transaction (all or nothing, also when the
 * connection dies mid-transaction), a retried write converges, and `health()` reports an
 * outage without throwing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ProviderUnavailableError, type VectorItem } from "@astrocyte/core";
import { createPostgresVectorStore, type PostgresOptions } from "../../adapters/postgres/mod.ts";
import { startPgTestServer } from "../fixtures/pg_server.ts";
import { type FaultProxy, startFaultProxy } from "../fixtures/fault_proxy.ts";
import { knownBug } from "../differential/known_bugs.ts";
import { assertRecords, collectFaults, newAudit, report, timed } from "./_audit.ts";

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
const viaHttp = () =>
  createPostgresVectorStore({ ...http, fetchEndpoint: `${httpProxy.url}/sql` }, ctx());
const viaWs = () => createPostgresVectorStore({ ...ws, wsProxy: `${wsProxy.hostPort}/` }, ctx());
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

Deno.test({
  name:
    "postgres neon-http faults: 503, drop, lost answer and truncated answer: typed errors, all or nothing, retry converges",
  ...opts,
  fn: () =>
    withRules(async () => {
      const s = viaHttp();
      await s.health();
      const writes = (r: { body: string }) => r.body.includes("INSERT");
      const cases = [
        ["503", { kind: "status", status: 503 }, false, true],
        ["drop", { kind: "drop" }, false, true],
        ["reset after the server committed", { kind: "reset-after-forward" }, true, true],
        ["truncated answer", { kind: "truncate", bytes: 40 }, true, undefined],
      ] as const;
      for (const [label, fault, committed, retryable] of cases) {
        const b = bank("http");
        const xs = items(b, 6);
        httpProxy.clear();
        httpProxy.add({ match: writes, action: fault });
        const { error } = await timed(() => s.storeVectors(xs));
        assert.ok(error instanceof ProviderUnavailableError, `${label}: ${error}`);
        if (retryable !== undefined) {
          assert.equal(error.retryable, retryable, `${label}: ${error.message}`);
        }
        httpProxy.clear();
        assertRecords(audit, await truth.listVectors(b), committed ? expect(xs) : new Map(), label);
        await s.storeVectors(xs);
        assertRecords(audit, await truth.listVectors(b), expect(xs), `retry after ${label}`);
      }
      await s.close();
    }),
});

Deno.test({
  name:
    "postgres neon-http faults: health() reports refused, reset and 503 outages without throwing; no timeout for a stalled request (gap)",
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
      httpProxy.add({ times: Infinity, action: { kind: "stall" } });
      let settled = false;
      const pending = s.health().then((h) => (settled = true, h));
      await new Promise((r) => setTimeout(r, 1_500));
      const stillPending = !settled;
      httpProxy.clear();
      assert.equal((await pending).healthy, false);
      console.log(
        `neon-http: a stalled request ${
          stillPending ? "was still pending after 1.5 s (no timeout)" : "timed out"
        }`,
      );
      assert.equal((await s.health()).healthy, true);
      await s.close();
    }),
});

Deno.test({
  name:
    "postgres neon-ws faults: the WebSocket dying at any frame of a write leaves all or nothing; the pool recovers",
  ...opts,
  fn: () =>
    withRules(async () => {
      // Measure the frames of a write on a fresh pool (one connection).
      const probe = viaWs();
      await probe.health();
      const before = wsProxy.stats.wsFrames;
      const setupFrames = before; // the first connection's frames so far
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
      const points = [
        ...frames.map((k) => [k, "before"] as const),
        [used, "after"] as const,
      ];
      for (const [k, when] of points) {
        const s = viaWs();
        // The next connection (this store's pool) dies before (or just after) client frame
        // setup + k.
        wsProxy.clear();
        wsProxy.add({ action: { kind: "ws-close", frame: setupFrames + k, when } });
        await s.health();
        const b = bank("ws");
        const xs = items(b, 3);
        const { error } = await timed(() => s.storeVectors(xs));
        wsProxy.clear();
        const listed = await truth.listVectors(b);
        if (error === undefined) {
          assertRecords(audit, listed, expect(xs), `ws frame ${k}: call succeeded`);
          outcomes.push(`${k}${when === "after" ? "+" : ""}:ok`);
        } else {
          assert.ok(error instanceof ProviderUnavailableError, `frame ${k}: ${error}`);
          // All or nothing.
          assertRecords(
            audit,
            listed,
            listed.length === 0 ? new Map() : expect(xs),
            `ws frame ${k}`,
          );
          outcomes.push(
            `${k}${when === "after" ? "+" : ""}:${listed.length === 0 ? "none" : "all"}`,
          );
          // The same store recovers (new connection) and the retry converges.
          await s.storeVectors(xs);
          assertRecords(audit, await truth.listVectors(b), expect(xs), `retry after ws frame ${k}`);
        }
        await s.close();
      }
      console.log(
        `neon-ws: a write uses ${used} client frames; outcome per killed frame: ${
          outcomes.join(" ")
        }; uncaught driver errors: ${uncaught.length}`,
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
    "postgres neon-ws faults: health() reports a refused or reset bridge without throwing, and recovers",
  ...opts,
  fn: () =>
    withRules(async () => {
      const s = viaWs();
      assert.equal((await s.health()).healthy, true);
      for (const mode of ["refuse", "reset"] as const) {
        await wsProxy.setDown(mode);
        const r = await timed(() => s.health());
        assert.equal(r.error, undefined, `health threw while ${mode}`);
        assert.equal(r.value!.healthy, false, mode);
        await wsProxy.setDown(false);
        const back = await s.health();
        assert.equal(back.healthy, true, `recovers after ${mode}: ${back.message}`);
      }
      await s.close();
    }),
});

Deno.test({
  name: "postgres faults: summary and shutdown",
  ...opts,
  async fn() {
    for (const p of [httpProxy, wsProxy]) collectFaults(audit, p);
    report("postgres neon-http + neon-ws", audit);
    await truth.close();
    await httpProxy.close();
    await wsProxy.close();
    await server.close();
    assert.equal(audit.lost + audit.duplicated + audit.leaked, 0);
    assert.ok(audit.faults > 0);
  },
});
