/**
 * Fault injection for the OpenAI provider, through the fault proxy in front of the fake
 * OpenAI server: bounded retries on 429/5xx/drops/resets/truncation with identical results
 * (requests are idempotent reads), a multi-request embedding call fails as a whole (no partial
 * result), timeouts fire, and `health()` reports an outage without throwing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ProviderUnavailableError } from "@astrocyte/core";
import { createOpenAIProvider, type OpenAIProviderOptions } from "../../adapters/openai/mod.ts";
import { fakeEmbedding, startOpenAIFakeServer } from "../fixtures/openai_server.ts";
import { type FaultProxy, startFaultProxy } from "../fixtures/fault_proxy.ts";
import { collectFaults, newAudit, report, timed } from "./_audit.ts";

const DIM = 8;
const server = startOpenAIFakeServer({ dimensions: DIM });
const proxy: FaultProxy = await startFaultProxy({
  upstream: new URL(server.baseUrl).origin,
});
const audit = newAudit();
const opts = { sanitizeOps: false, sanitizeResources: false };

const provider = (o: OpenAIProviderOptions = {}) =>
  createOpenAIProvider({
    baseUrl: `${proxy.url}/v1`,
    apiKey: "sk-test",
    embeddingModel: "fake-embed",
    model: "fake-chat",
    dimensions: DIM,
    retryBaseDelayMs: 1,
    maxRetryDelayMs: 5,
    maxRetries: 3,
    timeoutMs: 2_000,
    ...o,
  });
const embeddings = (r: { path: string }) => r.path.includes("/embeddings");
const sent = () =>
  proxy.events.filter((e) => e.type === "request" && e.detail.includes("/embeddings")).length;

function assertEmbeddings(got: number[][], texts: string[]): void {
  audit.checks++;
  assert.equal(got.length, texts.length);
  texts.forEach((t, i) => {
    const want = fakeEmbedding(t, DIM);
    got[i]!.forEach((x, j) => assert.ok(Math.abs(x - want[j]!) < 1e-9, `${t}[${j}]`));
  });
}

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
  name:
    "openai faults: 503, 429 Retry-After, drop, reset and truncation are retried; results are identical",
  ...opts,
  fn: () =>
    withRule(async () => {
      const texts = ["alpha", "bravo charlie"];
      for (
        const fault of [
          { kind: "status", status: 503 },
          { kind: "status", status: 429, retryAfter: "0" },
          { kind: "drop" },
          { kind: "reset-after-forward" },
          { kind: "truncate", bytes: 60 },
        ] as const
      ) {
        proxy.clear();
        proxy.events.length = 0;
        proxy.add({ match: embeddings, action: fault });
        const got = await provider().embed(texts);
        assertEmbeddings(got, texts);
        assert.equal(sent(), 2, `${fault.kind}: one faulted attempt and one retry`);
      }
    }),
});

Deno.test({
  name: "openai faults: retries are bounded (maxRetries + 1 attempts), typed retryable error",
  ...opts,
  fn: () =>
    withRule(async () => {
      proxy.add({ match: embeddings, times: Infinity, action: { kind: "status", status: 500 } });
      const { error } = await timed(() => provider({ maxRetries: 2 }).embed(["x"]));
      assert.ok(error instanceof ProviderUnavailableError, String(error));
      assert.equal(error.retryable, true);
      assert.equal(sent(), 3);
      assert.ok(!error.message.includes("sk-test"), "no secret in the message");
    }),
});

Deno.test({
  name:
    "openai faults: a multi-request embedding call fails as a whole when one request keeps failing",
  ...opts,
  fn: () =>
    withRule(async () => {
      const texts = ["a1", "a2", "a3", "a4", "a5", "a6"];
      proxy.add({
        match: embeddings,
        skip: 1,
        times: Infinity,
        action: { kind: "status", status: 502 },
      });
      const p = provider({ embedBatchSize: 2, embedConcurrency: 1, maxRetries: 1 });
      const { error, value } = await timed(() => p.embed(texts));
      assert.equal(value, undefined, "no partial result");
      assert.ok(error instanceof ProviderUnavailableError, String(error));
      proxy.clear();
      assertEmbeddings(await p.embed(texts), texts);
    }),
});

Deno.test({
  name: "openai faults: timeouts fire for delayed and stalled answers",
  ...opts,
  fn: () =>
    withRule(async () => {
      const p = provider({ timeoutMs: 150, maxRetries: 1 });
      for (const fault of [{ kind: "delay", ms: 1_500 }, { kind: "stall" }] as const) {
        proxy.clear();
        proxy.add({ match: embeddings, times: Infinity, action: fault });
        const r = await timed(() => p.embed(["slow"]));
        assert.ok(r.error instanceof ProviderUnavailableError, `${fault.kind}: ${r.error}`);
        assert.equal(r.error.retryable, true);
        assert.ok(r.ms < 1_400, `${fault.kind}: took ${Math.round(r.ms)} ms`);
        console.log(
          `openai ${fault.kind}: failed after ${Math.round(r.ms)} ms (timeoutMs 150, maxRetries 1)`,
        );
      }
    }),
});

Deno.test({
  name: "openai faults: health() reports an outage without throwing",
  ...opts,
  fn: () =>
    withRule(async () => {
      const p = provider({ timeoutMs: 300, maxRetries: 0 });
      assert.equal((await p.health()).healthy, true);
      for (const mode of ["refuse", "reset"] as const) {
        await proxy.setDown(mode);
        const r = await timed(() => p.health());
        assert.equal(r.error, undefined);
        assert.equal(r.value!.healthy, false, mode);
        await proxy.setDown(false);
      }
      proxy.add({ times: Infinity, action: { kind: "stall" } });
      const stalled = await timed(() => p.health());
      assert.equal(stalled.value?.healthy, false);
      proxy.clear();
      assert.equal((await p.health()).healthy, true);
    }),
});

Deno.test({
  name: "openai faults: summary and shutdown",
  ...opts,
  async fn() {
    collectFaults(audit, proxy);
    report("openai", audit);
    await proxy.close();
    await server.close();
    assert.ok(audit.faults > 0);
  },
});
