import assert from "node:assert/strict";
import {
  backoffDelay,
  classifyTransportFailure,
  findTransportFailure,
  isIdempotentSql,
  parseRetryAfter,
  RetryError,
  timeoutFetch,
  TransportFailure,
  withRetries,
  withTimeout,
} from "./retry.ts";

const notProcessed = () => new TransportFailure("HTTP status 503", { outcome: "not-processed" });
const unknown = () => new TransportFailure("Connection lost", { outcome: "unknown" });

Deno.test("withRetries: bounded attempts, idempotency decides ambiguous failures, others rethrown unchanged", async () => {
  const run = async (errors: unknown[], idempotent: boolean, maxRetries = 2) => {
    let calls = 0;
    try {
      const v = await withRetries(() => {
        const e = errors[calls++];
        return e === undefined ? Promise.resolve("done") : Promise.reject(e);
      }, { maxRetries, retryBaseMs: 1, idempotent });
      return { calls, v };
    } catch (error) {
      return { calls, error };
    }
  };
  // Not processed: retried for anything, then succeeds.
  assert.deepEqual(await run([notProcessed()], false), { calls: 2, v: "done" });
  // Ambiguous: retried only when idempotent.
  assert.deepEqual(await run([unknown(), unknown()], true), { calls: 3, v: "done" });
  const refused = await run([unknown()], false);
  assert.equal(refused.calls, 1);
  assert.ok(refused.error instanceof RetryError);
  assert.equal(refused.error.reason, "not-idempotent");
  assert.match(refused.error.message, /^Connection lost; not retried/);
  // Exhausted after maxRetries + 1 attempts.
  const failures = Array.from({ length: 10 }, notProcessed);
  const exhausted = await run(failures, false, 3);
  assert.equal(exhausted.calls, 4);
  assert.ok(exhausted.error instanceof RetryError);
  assert.equal(exhausted.error.attempts, 4);
  assert.match(exhausted.error.message, /gave up after 4 attempts$/);
  assert.ok(exhausted.error.transport instanceof TransportFailure);
  // Definite failures are not retried and not wrapped.
  const sqlError = Object.assign(new Error("syntax error"), { code: "42601" });
  const definite = await run([sqlError], true);
  assert.deepEqual(definite, { calls: 1, error: sqlError });
  // maxRetries 0: one attempt.
  assert.equal((await run([notProcessed()], true, 0)).calls, 1);
});

Deno.test("withRetries: Retry-After is honoured (capped) and a custom classifier is used", async () => {
  const delays: number[] = [];
  let calls = 0;
  const v = await withRetries(() => {
    calls++;
    if (calls === 1) {
      return Promise.reject(
        new TransportFailure("429", { outcome: "not-processed", retryAfterMs: 60_000 }),
      );
    }
    if (calls === 2) return Promise.reject(Object.assign(new Error("busy"), { code: "BUSY" }));
    return Promise.resolve(calls);
  }, {
    maxRetries: 5,
    retryBaseMs: 10,
    maxRetryAfterMs: 30,
    idempotent: false,
    classify: (e) =>
      (e as { code?: string }).code === "BUSY" ? { retry: "always" } : classifyTransportFailure(e),
    onRetry: (info) => delays.push(info.delayMs),
    random: () => 0.5,
  });
  assert.equal(v, 3);
  assert.deepEqual(delays, [30, 10]); // Retry-After capped at 30; then 0.5 · 10 · 2¹
});

Deno.test("backoffDelay and parseRetryAfter", () => {
  const policy = { maxRetries: 9, retryBaseMs: 100, maxBackoffMs: 1_000 };
  assert.equal(backoffDelay(0, policy, () => 0.999), 99);
  assert.equal(backoffDelay(3, policy, () => 0.5), 400);
  assert.equal(backoffDelay(9, policy, () => 0.5), 500); // capped at 1000
  assert.equal(backoffDelay(2, policy, () => 0), 0);
  assert.equal(parseRetryAfter("2"), 2_000);
  assert.equal(parseRetryAfter("0.5"), 500);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter("soon"), undefined);
  const now = Date.parse("2030-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Tue, 01 Jan 2030 00:00:03 GMT", now), 3_000);
});

Deno.test("findTransportFailure follows cause and sourceError links", () => {
  const t = unknown();
  const neonLike = Object.assign(new Error("Error connecting to database"), { sourceError: t });
  assert.equal(findTransportFailure(new Error("outer", { cause: neonLike })), t);
  assert.equal(findTransportFailure(new Error("plain")), undefined);
  assert.deepEqual(classifyTransportFailure(new Error("plain")), { retry: "never" });
});

Deno.test("withTimeout rejects with a transport failure and runs the release hook", async () => {
  let released = false;
  const never = new Promise<never>(() => {});
  const t0 = performance.now();
  await assert.rejects(
    withTimeout(never, 30, "Query", () => released = true),
    (e: unknown) =>
      e instanceof TransportFailure && e.outcome === "unknown" && e.timeoutMs === 30 &&
      e.message === "Query timed out after 30 ms",
  );
  assert.ok(performance.now() - t0 >= 25);
  assert.equal(released, true);
  assert.equal(await withTimeout(Promise.resolve(7), 0), 7);
});

Deno.test("timeoutFetch: statuses, refused connections, timeouts, truncated bodies, caller aborts", async () => {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/503") {
      return new Response("busy", { status: 503, headers: { "retry-after": "2" } });
    }
    if (path === "/502") return new Response("bad gateway", { status: 502 });
    if (path === "/404") return new Response("nope", { status: 404 });
    if (path === "/204") return new Response(null, { status: 204 });
    if (path === "/slow") await new Promise((r) => setTimeout(r, 1_000));
    return Response.json({ ok: true });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  // A raw server that promises 100 bytes and sends 7.
  const raw = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of raw) {
      await conn.read(new Uint8Array(4096));
      await conn.write(
        new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"),
      );
      conn.close();
    }
  })().catch(() => {});
  const f = timeoutFetch(fetch, { timeoutMs: 300 });
  try {
    assert.deepEqual(await (await f(`${base}/ok`)).json(), { ok: true });
    assert.equal((await f(`${base}/404`)).status, 404); // a definite answer: the driver's
    assert.equal((await f(`${base}/204`)).status, 204);
    await assert.rejects(f(`${base}/503`), (e: unknown) => {
      assert.ok(e instanceof TransportFailure);
      assert.equal(e.outcome, "not-processed");
      assert.equal(e.status, 503);
      assert.equal(e.retryAfterMs, 2_000);
      assert.match(e.message, /^HTTP status 503.*busy/);
      return true;
    });
    await assert.rejects(
      f(new Request(`${base}/502`, { method: "POST", body: "x" })),
      (e: unknown) => e instanceof TransportFailure && e.outcome === "unknown" && e.status === 502,
    );
    // (The slow answer would succeed after 1 s: rejecting proves the timeout fired.)
    await assert.rejects(
      f(`${base}/slow`),
      (e: unknown) =>
        e instanceof TransportFailure && e.outcome === "unknown" && e.timeoutMs === 300 &&
        /timed out after 300 ms/.test(e.message),
    );
    await assert.rejects(
      f(`http://127.0.0.1:${(raw.addr as Deno.NetAddr).port}/`),
      (e: unknown) =>
        e instanceof TransportFailure && e.outcome === "unknown" && /truncated/.test(e.message),
    );
    const ac = new AbortController();
    const callerAbort = new Error("caller gave up");
    setTimeout(() => ac.abort(callerAbort), 20);
    await assert.rejects(
      f(`${base}/slow`, { signal: ac.signal }),
      (e: unknown) => e === callerAbort,
    );
  } finally {
    raw.close();
    await server.shutdown();
  }
  // Nothing listens on the port any more: refused before sending.
  await assert.rejects(
    f(`${base}/ok`),
    (e: unknown) => e instanceof TransportFailure && e.outcome === "not-processed",
  );
});

Deno.test("isIdempotentSql: reads, transaction control and pure upserts only", () => {
  const yes = [
    "SELECT 1",
    "select v.id from t v where bank_id = ? -- a comment with DELETE",
    "WITH x AS (SELECT 1) SELECT * FROM x",
    "SELECT 'INSERT INTO t' AS s",
    "BEGIN",
    "COMMIT;",
    "SET LOCAL hnsw.ef_search = 40",
    "INSERT INTO faults.astrocyte_vectors (bank_id, id, embedding) VALUES ($1::text,$2::text,$3::vector),($4::text,$5::text,$6::vector) ON CONFLICT (bank_id, id) DO UPDATE SET embedding = EXCLUDED.embedding",
    "INSERT INTO astrocyte_vectors (bank_id, id_key, id, embedding, text) VALUES (?, ?, ?, vector32(?), ?) ON CONFLICT (bank_id, id_key) DO UPDATE SET id = excluded.id, embedding = excluded.embedding, text = excluded.text",
    `INSERT INTO docs (bank_id, id, text, tsv) VALUES ($1, $2, $3, to_tsvector($4::regconfig, $3) || to_tsvector('simple'::regconfig, $3)) ON CONFLICT (bank_id, id) DO UPDATE SET text = EXCLUDED.text, tsv = EXCLUDED.tsv`,
  ];
  const no = [
    "DELETE FROM t WHERE bank_id = ?",
    "WITH d AS (DELETE FROM t WHERE bank_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d",
    "INSERT INTO t (a) VALUES (1)",
    "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING",
    "INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a) DO UPDATE SET b = t.b + 1",
    "INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b RETURNING b",
    "INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b WHERE t.b < 3",
    "INSERT INTO t (a, b) VALUES (1, now()) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b",
    "INSERT INTO t (a, b) VALUES ((SELECT max(a) FROM t), 2) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b",
    "UPDATE t SET revision = revision + 1",
    "SELECT nextval('s')",
    "SELECT pg_advisory_xact_lock(42)",
    "SELECT * INTO t2 FROM t",
    "SELECT * FROM t FOR UPDATE",
    "CREATE TABLE IF NOT EXISTS t (a int)",
    "SELECT 1; DELETE FROM t",
    "DO $$ BEGIN PERFORM 1; END $$",
    "/* unterminated",
    "",
  ];
  for (const sql of yes) assert.equal(isIdempotentSql(sql), true, sql);
  for (const sql of no) assert.equal(isIdempotentSql(sql), false, sql);
});

Deno.test("backoffDelay: equal jitter waits between half the step and the step", () => {
  const policy = { maxRetries: 9, retryBaseMs: 100, maxBackoffMs: 1_000, jitter: "equal" as const };
  assert.equal(backoffDelay(0, policy, () => 0), 50);
  assert.equal(backoffDelay(0, policy, () => 0.999), 99);
  assert.equal(backoffDelay(3, policy, () => 0.5), 600); // 400 + 0.5 · 400
  assert.equal(backoffDelay(9, policy, () => 0), 500); // capped at 1000
});

Deno.test("timeoutFetch: throwOnStatus false returns error statuses, still bounds the body", async () => {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    if (new URL(req.url).pathname === "/slow") await new Promise((r) => setTimeout(r, 1_000));
    return new Response("busy", { status: 503, headers: { "retry-after": "2" } });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const f = timeoutFetch(fetch, { timeoutMs: 300, throwOnStatus: false });
  try {
    const res = await f(`${base}/503`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "2");
    assert.equal(await res.text(), "busy");
    await assert.rejects(
      f(`${base}/slow`),
      (e: unknown) => e instanceof TransportFailure && e.timeoutMs === 300,
    );
  } finally {
    await server.shutdown();
  }
});
