/**
 * The fault proxy fixture itself: every HTTP fault and the WebSocket faults behave as
 * documented, against a tiny upstream that counts what reached it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startFaultProxy } from "../fixtures/fault_proxy.ts";

function upstream() {
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(`echo:${e.data}`);
      return response;
    }
    hits++;
    return new Response(
      JSON.stringify({ ok: true, path: new URL(req.url).pathname, pad: "x".repeat(2000) }),
      {
        headers: { "content-type": "application/json" },
      },
    );
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    hits: () => hits,
    close: () => server.shutdown(),
  };
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "fault proxy: forwards, answers statuses, drops, resets, truncates, delays and stalls",
  ...opts,
  async fn() {
    const up = upstream();
    const proxy = await startFaultProxy({ upstream: up.url });
    try {
      const get = (path: string, init?: RequestInit) => fetch(`${proxy.url}${path}`, init);
      const ok = await get("/a");
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).path, "/a");
      assert.equal(up.hits(), 1);

      proxy.add({
        match: (r) => r.path === "/b",
        action: { kind: "status", status: 503, retryAfter: "1" },
      });
      const s = await get("/b");
      assert.equal(s.status, 503);
      assert.equal(s.headers.get("retry-after"), "1");
      await s.body?.cancel();
      assert.equal(up.hits(), 1, "a status fault does not reach the upstream");

      proxy.add({ match: (r) => r.path === "/c", action: { kind: "drop" } });
      await assert.rejects(get("/c"));
      assert.equal(up.hits(), 1, "a drop does not reach the upstream");

      proxy.add({ match: (r) => r.path === "/d", action: { kind: "reset-after-forward" } });
      await assert.rejects(get("/d"));
      assert.equal(up.hits(), 2, "reset-after-forward reaches the upstream");

      proxy.add({ match: (r) => r.path === "/e", action: { kind: "truncate", bytes: 200 } });
      await assert.rejects(async () => await (await get("/e")).json());
      assert.equal(up.hits(), 3);

      proxy.add({ match: (r) => r.path === "/f", action: { kind: "delay", ms: 300 } });
      const t0 = performance.now();
      const delayed = await get("/f", { method: "POST", body: "x".repeat(10_000) });
      assert.equal(delayed.status, 200);
      await delayed.body?.cancel();
      assert.ok(performance.now() - t0 >= 290);

      proxy.add({ match: (r) => r.path === "/g", skip: 1, action: { kind: "stall" } });
      (await get("/g")).body?.cancel();
      await assert.rejects(get("/g", { signal: AbortSignal.timeout(200) }));
      proxy.clear();

      await proxy.setDown("refuse");
      await assert.rejects(get("/h"));
      await proxy.setDown("reset");
      await assert.rejects(get("/h"));
      await proxy.setDown(false);
      const back = await get("/h");
      assert.equal(back.status, 200);
      await back.body?.cancel();
      assert.equal(proxy.stats.faults, 7, JSON.stringify(proxy.events));
    } finally {
      await proxy.close();
      await up.close();
    }
  },
});

Deno.test({
  name: "fault proxy: WebSocket pass-through, close after the n-th client frame",
  ...opts,
  async fn() {
    const up = upstream();
    const proxy = await startFaultProxy({ upstream: up.url });
    const connect = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://${proxy.hostPort}/`);
        ws.onopen = () => resolve(ws);
        ws.onerror = () => reject(new Error("ws error"));
      });
    const next = (ws: WebSocket) =>
      new Promise<string>((resolve, reject) => {
        ws.onmessage = (e) => resolve(String(e.data));
        ws.onclose = () => reject(new Error("closed"));
      });
    try {
      const ws = await connect();
      ws.send("one");
      assert.equal(await next(ws), "echo:one");
      ws.close();

      proxy.add({ action: { kind: "ws-close", frame: 2, when: "before" } });
      const ws2 = await connect();
      ws2.send("a");
      assert.equal(await next(ws2), "echo:a");
      const closed = new Promise<void>((resolve) => (ws2.onclose = () => resolve()));
      ws2.send("b");
      await closed;
      assert.equal(proxy.stats.wsConnections, 2);
      assert.equal(proxy.stats.faults, 1);
    } finally {
      await proxy.close();
      await up.close();
    }
  },
});
