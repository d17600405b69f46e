import assert from "node:assert/strict";
import { ConfigError, ProviderUnavailableError, ValidationError } from "@astrocyte/core";
import { assertRejectsWith } from "@astrocyte/core/testing";
import { fakeEmbedding, startOpenAIFakeServer } from "../../tests/fixtures/openai_server.ts";
import { createOpenAIProvider, openai, parseOpenAIOptions } from "./mod.ts";

const KEY = "sk-test-SECRET-0123456789";

Deno.test("embed: one vector per text, in input order, batched", async () => {
  const server = startOpenAIFakeServer({ apiKey: KEY });
  try {
    const llm = createOpenAIProvider({
      apiKey: KEY,
      baseUrl: server.baseUrl,
      embedBatchSize: 4,
      dimensions: 8,
    });
    const texts = Array.from({ length: 10 }, (_, i) => `text number ${i}`);
    const vectors = await llm.embed(texts);
    assert.equal(vectors.length, 10);
    vectors.forEach((v, i) => assert.deepEqual(v, fakeEmbedding(texts[i]!, 8)));
    const calls = server.requests.filter((r) => r.path === "/v1/embeddings");
    assert.equal(calls.length, 3, "ceil(10 / 4) requests");
    assert.equal(calls[0]!.body!.dimensions, 8);
    assert.equal(calls[0]!.headers.get("authorization"), `Bearer ${KEY}`);
    assert.deepEqual(await llm.embed([]), []);
    assert.equal(server.requests.length, 3, "empty input sends nothing");
  } finally {
    await server.close();
  }
});

Deno.test("embed: empty strings are sent as a space (OpenAI rejects empty input)", async () => {
  const server = startOpenAIFakeServer();
  try {
    const llm = createOpenAIProvider({ baseUrl: server.baseUrl });
    const [v] = await llm.embed([""]);
    assert.ok(v && v.length > 0);
  } finally {
    await server.close();
  }
});

Deno.test("complete: messages, usage, tools and tool calls map to the wire shape", async () => {
  const server = startOpenAIFakeServer();
  try {
    const llm = createOpenAIProvider({ baseUrl: server.baseUrl, model: "fake-chat" });
    const plain = await llm.complete([
      { role: "system", content: "be brief" },
      { role: "user", content: "hello" },
    ], { maxTokens: 50, temperature: 0.2 });
    assert.equal(plain.text, "echo: hello");
    assert.equal(plain.model, "fake-chat");
    assert.deepEqual(plain.usage, { inputTokens: 11, outputTokens: 7 });
    const sent = server.requests.at(-1)!.body!;
    assert.equal(sent.max_tokens, 50);
    assert.equal(sent.temperature, 0.2);

    const withTools = await llm.complete([{ role: "user", content: "find cats" }], {
      tools: [{ name: "search", description: "search memory", parameters: { type: "object" } }],
      toolChoice: "search",
      responseFormat: { type: "json_object" },
    });
    assert.deepEqual(withTools.toolCalls, [{
      id: "call_1",
      name: "search",
      arguments: { query: "find cats" },
    }]);
    const wire = server.requests.at(-1)!.body!;
    assert.deepEqual(wire.tool_choice, { type: "function", function: { name: "search" } });
    assert.deepEqual(wire.response_format, { type: "json_object" });

    await llm.complete([
      {
        role: "user",
        content: [{ type: "text", text: "what is this" }, {
          type: "image_base64",
          imageBase64: "AAAA",
          mediaType: "image/jpeg",
        }],
      },
    ]);
    const parts = (server.requests.at(-1)!.body!.messages as { content: unknown }[])[0]!.content;
    assert.deepEqual(parts, [
      { type: "text", text: "what is this" },
      { type: "image_url", image_url: { url: "data:image/jpeg;base64,AAAA" } },
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("retries 429 and 5xx with backoff, honouring Retry-After", async () => {
  const server = startOpenAIFakeServer();
  try {
    const llm = createOpenAIProvider({
      baseUrl: server.baseUrl,
      maxRetries: 3,
      retryBaseDelayMs: 1,
    });
    server.inject({ status: 429, retryAfter: "0.2" }, { status: 503 });
    const t0 = performance.now();
    const [v] = await llm.embed(["x"]);
    assert.ok(v);
    const calls = server.requests.filter((r) => r.path === "/v1/embeddings");
    assert.equal(calls.length, 3, "two failures, then success");
    assert.ok(
      calls[1]!.at - calls[0]!.at >= 190,
      `second attempt waited for Retry-After (${calls[1]!.at - calls[0]!.at} ms)`,
    );
    assert.ok(performance.now() - t0 >= 190);
  } finally {
    await server.close();
  }
});

Deno.test("retries are bounded: the last failure is a retryable ProviderUnavailableError", async () => {
  const server = startOpenAIFakeServer();
  try {
    const llm = createOpenAIProvider({
      baseUrl: server.baseUrl,
      maxRetries: 2,
      retryBaseDelayMs: 1,
    });
    server.inject({ status: 500 }, { status: 502 }, { status: 503 }, { status: 500 });
    const err = await assertRejectsWith(() => llm.embed(["x"]), ProviderUnavailableError, "503");
    assert.equal((err as ProviderUnavailableError).retryable, true);
    assert.equal(server.requests.length, 3, "1 attempt + 2 retries");
  } finally {
    await server.close();
  }
});

Deno.test("timeouts fire per attempt and are retried", async () => {
  const server = startOpenAIFakeServer();
  try {
    const llm = createOpenAIProvider({
      baseUrl: server.baseUrl,
      timeoutMs: 100,
      maxRetries: 1,
      retryBaseDelayMs: 1,
    });
    server.inject({ delayMs: 400, status: 200 }, { delayMs: 400, status: 200 });
    await assertRejectsWith(() => llm.embed(["x"]), ProviderUnavailableError, "timed out");
    // let the delayed handlers finish before closing
    await new Promise((r) => setTimeout(r, 450));
  } finally {
    await server.close();
  }
});

Deno.test("errors never contain the API key", async () => {
  const server = startOpenAIFakeServer({ apiKey: "another-key" });
  try {
    const llm = createOpenAIProvider({ apiKey: KEY, baseUrl: server.baseUrl, maxRetries: 0 });
    server.inject({ status: 400, message: `bad request for key ${KEY}` });
    const bad = await assertRejectsWith(() => llm.embed(["x"]), ValidationError);
    assert.ok(!bad.message.includes(KEY), bad.message);
    assert.ok(bad.message.includes("[redacted]"));
    const auth = await assertRejectsWith(() => llm.embed(["x"]), ProviderUnavailableError, "401");
    assert.equal((auth as ProviderUnavailableError).retryable, false);
    assert.ok(!auth.message.includes(KEY));
  } finally {
    await server.close();
  }
});

Deno.test("unreachable server: retryable error, health reports without throwing", async () => {
  const llm = createOpenAIProvider({
    apiKey: KEY,
    baseUrl: "http://127.0.0.1:9/v1",
    maxRetries: 1,
    retryBaseDelayMs: 1,
  });
  const err = await assertRejectsWith(() => llm.embed(["x"]), ProviderUnavailableError);
  assert.equal((err as ProviderUnavailableError).retryable, true);
  assert.ok(!err.message.includes(KEY));
  const health = await llm.health();
  assert.equal(health.healthy, false);
  assert.ok(!String(health.message).includes(KEY));
});

Deno.test("health against a live server", async () => {
  const server = startOpenAIFakeServer();
  try {
    const health = await createOpenAIProvider({ baseUrl: server.baseUrl }).health();
    assert.equal(health.healthy, true);
    assert.equal(typeof health.latencyMs, "number");
  } finally {
    await server.close();
  }
});

Deno.test("config parsing: snake_case keys, env fallback, clear errors without values", () => {
  const opts = parseOpenAIOptions({
    base_url: "http://localhost:11434/v1",
    model: "llama3",
    embedding_model: "nomic-embed-text",
    dimensions: "768",
    headers: { "x-gateway": "1" },
    max_retries: 0,
  }, { OPENAI_API_KEY: "from-env" });
  assert.deepEqual(opts, {
    apiKey: "from-env",
    baseUrl: "http://localhost:11434/v1",
    model: "llama3",
    embeddingModel: "nomic-embed-text",
    dimensions: 768,
    headers: { "x-gateway": "1" },
    maxRetries: 0,
  });
  assert.throws(() => parseOpenAIOptions({ dimensions: -1 }), ConfigError);
  assert.throws(() => parseOpenAIOptions({ api_key: 42 }), ConfigError);
  assert.throws(() => parseOpenAIOptions({ apikey: "x" }), /unknown option/);
  try {
    parseOpenAIOptions({ api_key: 12345678 });
  } catch (e) {
    assert.ok(!(e as Error).message.includes("12345678"));
  }
  assert.throws(() => createOpenAIProvider({ baseUrl: "not a url" }), ConfigError);
});

Deno.test("plugin builds a provider that uses the context fetch", async () => {
  const server = startOpenAIFakeServer();
  try {
    let calls = 0;
    const countingFetch: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const llm = await openai.llmProvider!({ base_url: server.baseUrl }, {
      fetch: countingFetch,
      env: {},
      shared: new Map(),
    });
    await llm.embed(["a", "b"]);
    assert.equal(calls, 1);
    assert.equal(openai.name, "openai");
    assert.equal(llm.capabilities.embeddingDimensions, 1536);
  } finally {
    await server.close();
  }
});

Deno.test("LLMProvider contract against the local OpenAI-compatible server", async (t) => {
  const server = startOpenAIFakeServer({ apiKey: KEY });
  try {
    const { llmProviderContract, runInline } = await import("@astrocyte/core/testing");
    const report = await runInline([llmProviderContract({
      name: "LLMProvider contract (openai)",
      create: () =>
        Promise.resolve(
          createOpenAIProvider({ apiKey: KEY, baseUrl: server.baseUrl, dimensions: 16 }),
        ),
    })]);
    for (const c of report.suites[0]!.cases) {
      await t.step({
        name: c.status === "skipped" ? `${c.name} [skipped: ${c.detail}]` : c.name,
        ignore: c.status === "skipped",
        fn: () => assert.equal(c.status, "passed", c.detail ?? ""),
      });
    }
    assert.equal(report.failed, 0);
    assert.ok(report.passed > 0);
  } finally {
    await server.close();
  }
});
