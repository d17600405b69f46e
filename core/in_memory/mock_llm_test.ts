import assert from "node:assert/strict";
import { ConfigError, ValidationError } from "../errors.ts";
import type { LLMProvider } from "../spi/llm_provider.ts";
import { assertClose, cosine } from "../testing/fixtures.ts";
import { type ContractReport, registerDenoTests, runInline } from "../testing/harness.ts";
import { llmProviderContract } from "../testing/llm_provider_contract.ts";
import { createMockLLMProvider } from "./mock_llm.ts";

registerDenoTests(llmProviderContract({
  name: "LLMProvider contract (mock)",
  dimensions: 128,
  create: ({ dimensions }) => Promise.resolve(createMockLLMProvider({ dimensions })),
}));

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const user = (content: string) => [{ role: "user" as const, content }];

Deno.test("mock LLM embed: 128 dimensions by default, or as configured", async () => {
  const [v] = await createMockLLMProvider().embed(["hello world"]);
  assert.equal(v!.length, 128);
  assert.equal(createMockLLMProvider().capabilities.embeddingDimensions, 128);
  const [w] = await createMockLLMProvider({ dimensions: 16 }).embed(["hello world"]);
  assert.equal(w!.length, 16);
  for (const dimensions of [0, -1, 1.5, NaN]) {
    assert.throws(() => createMockLLMProvider({ dimensions }), ConfigError);
  }
});

Deno.test("mock LLM embed: unit norm and non-negative components", async () => {
  const llm = createMockLLMProvider();
  const [a, b] = await llm.embed(["some text with words", "arbitrary text with many varied words"]);
  assertClose(norm(a!), 1, 1e-9);
  assertClose(norm(b!), 1, 1e-9);
  assert.ok(b!.every((x) => x >= 0));
});

Deno.test("mock LLM embed: text without tokens gives the zero vector", async () => {
  const [empty, punct] = await createMockLLMProvider().embed(["", " ?!... "]);
  assert.ok(empty!.every((x) => x === 0));
  assert.ok(punct!.every((x) => x === 0));
  assert.equal(empty!.length, 128);
});

Deno.test("mock LLM embed: shared words are similar, unrelated texts are not", async () => {
  const llm = createMockLLMProvider();
  const [a, b, c, d] = await llm.embed([
    "dark mode preference",
    "dark mode settings",
    "quantum physics lecture",
    "banana smoothie recipe",
  ]);
  assert.ok(cosine(a!, b!) > 0.5);
  assert.ok(cosine(c!, d!) < 0.3);
});

Deno.test("mock LLM embed: one vector per text, deterministic and case-insensitive", async () => {
  const one = createMockLLMProvider();
  const two = createMockLLMProvider();
  const vs = await one.embed(["one", "two", "three"]);
  assert.equal(vs.length, 3);
  assert.deepEqual(await two.embed(["one", "two", "three"]), vs);
  assert.deepEqual(await one.embed(["ONE"]), [vs[0]]);
  assert.deepEqual(await one.embed([]), []);
});

Deno.test("mock LLM embed: buckets are FNV-1a 32-bit mod dimensions (stable everywhere)", async () => {
  // FNV-1a("hello") = 0x4f9f2cab; 0x4f9f2cab mod 128 = 43.
  const [v] = await createMockLLMProvider().embed(["hello"]);
  assert.equal(v![43], 1);
  assert.equal(v!.filter((x) => x !== 0).length, 1);
  // Two occurrences of a word weigh twice as much as one.
  const [w] = await createMockLLMProvider({ dimensions: 1024 }).embed(["hello hello world"]);
  const nonZero = w!.filter((x) => x > 0).sort();
  assert.equal(nonZero.length, 2);
  assertClose(nonZero[1]! / nonZero[0]!, 2, 1e-9);
});

Deno.test("mock LLM embed: rejects non-string texts with ValidationError", async () => {
  const llm = createMockLLMProvider();
  await assert.rejects(llm.embed([42 as unknown as string]), ValidationError);
});

Deno.test("mock LLM complete: default response, configurable, with usage", async () => {
  const result = await createMockLLMProvider().complete(user("hello"));
  assert.equal(result.text, "Mock LLM response");
  assert.equal(result.model, "mock");
  assert.ok(result.usage!.inputTokens > 0 && result.usage!.outputTokens > 0);
  const custom = createMockLLMProvider({ defaultResponse: "test reply", model: "m-1" });
  const reply = await custom.complete(user("hello"));
  assert.deepEqual([reply.text, reply.model], ["test reply", "m-1"]);
  assert.equal((await custom.complete(user("hi"), { model: "override" })).model, "override");
  assert.equal(reply.toolCalls, undefined, "tools are ignored");
});

Deno.test("mock LLM complete: entity extraction prompts get a JSON entity list", async () => {
  const result = await createMockLLMProvider().complete([
    { role: "system", content: "Extract named entities from text" },
    { role: "user", content: "Alice works at Acme Corp" },
  ]);
  assert.ok(result.text.includes("Test Entity"));
  assert.deepEqual(JSON.parse(result.text), [
    { name: "Test Entity", entity_type: "OTHER", aliases: [] },
  ]);
});

Deno.test("mock LLM complete: extractive synthesis from <memories> and <query>", async () => {
  const llm = createMockLLMProvider();
  const ask = async (prompt: string) => (await llm.complete(user(prompt))).text;
  assert.ok(
    (await ask(
      "<memories>\n[Memory 1]: User likes dark mode\n</memories>\n\n<query>\nWhat does the user prefer?\n</query>",
    )).toLowerCase().includes("dark mode"),
  );
  assert.ok(
    (await ask(
      "<memories>\n[Memory 1]: The sky is blue\n</memories>\n\n<query>\nsky color\n</query>",
    ))
      .toLowerCase().includes("sky"),
  );
  const multiline = await ask(
    "<memories>\n[Memory 1]: Speaker A said hello\nSpeaker B replied goodbye\n" +
      "[Memory 2]: Unrelated content here\n</memories>\n\n<query>\nWhat did Speaker A say?\n</query>",
  );
  assert.equal(multiline, "Speaker A said hello Speaker B replied goodbye");
  assert.equal(await ask("<memories>stuff</memories> <query>"), "No query found.");
  assert.equal(await ask("<query>test</query> <memories>"), "No memories found.");
  assert.ok(
    (await ask(
      "<memories>\n[Memory 1]: completely different content\n</memories>\n\n<query>\nxyzzy\n</query>",
    )).toLowerCase().includes("don't have relevant"),
  );
  const memories = Array.from({ length: 5 }, (_, i) => `[Memory ${i}]: word${i} shared`).join("\n");
  assert.equal(
    await ask(`<memories>\n${memories}\n</memories>\n\n<query>\nshared\n</query>`),
    "word0 shared word1 shared word2 shared",
    "the top three blocks, ties in prompt order",
  );
  assert.equal(
    await ask(
      "<memories>\n[Memory 1] (2024-01-01) [work]: Calvin joined Acme\n[Memory 2]: Calvin joined Acme as CTO\n" +
        "</memories><query>When did Calvin join Acme as CTO?</query>",
    ),
    "Calvin joined Acme as CTO Calvin joined Acme",
    "better overlap first; the header, date and tag are stripped",
  );
  assert.ok(
    (await ask("<memories>\n[Memory 1]: am I a\n</memories><query>I am a big dog</query>"))
      .includes("don't have relevant"),
    "terms of two characters or fewer are ignored",
  );
});

Deno.test("mock LLM complete: records calls and the last user message", async () => {
  const llm = createMockLLMProvider();
  assert.equal(llm.callCount, 0);
  await llm.complete(user("hi"));
  assert.equal(llm.callCount, 1);
  await llm.complete([
    { role: "system", content: "system" },
    { role: "user", content: "the query" },
    { role: "assistant", content: "an answer" },
  ], { maxTokens: 5 });
  assert.equal(llm.callCount, 2);
  assert.equal(llm.lastUserMessage, "the query");
  assert.equal(llm.calls[1]!.messages.length, 3);
  assert.equal(llm.calls[1]!.options.maxTokens, 5);
  await llm.complete([{
    role: "user",
    content: [{ type: "text", text: "part one" }, { type: "image_url", imageUrl: "x" }, {
      type: "text",
      text: "part two",
    }],
  }]);
  assert.equal(llm.lastUserMessage, "part one part two");
});

Deno.test("mock LLM: aborted signals reject; capabilities, health and close", async () => {
  const llm = createMockLLMProvider();
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  await assert.rejects(llm.complete(user("x"), { signal: controller.signal }), /stop/);
  await assert.rejects(llm.embed(["x"], { signal: controller.signal }), /stop/);
  assert.equal(llm.callCount, 0, "an aborted call is not recorded");
  assert.deepEqual(llm.capabilities, {
    supportsMultimodalCompletion: false,
    supportsMultimodalEmbedding: false,
    supportsBatchEmbed: true,
    supportsEmbedding: true,
    supportsCompletion: true,
    embeddingDimensions: 128,
  });
  assert.equal((await llm.health()).healthy, true);
  await llm.close();
  await llm.close();
  await llm[Symbol.asyncDispose]();
});

async function statuses(make: () => LLMProvider): Promise<Map<string, string>> {
  const report: ContractReport = await runInline([
    llmProviderContract({ create: () => Promise.resolve(make()) }),
  ]);
  return new Map(report.suites[0]!.cases.map((c) => [c.name, c.status]));
}

Deno.test("broken LLM providers fail the relevant contract cases", async () => {
  const reversed = await statuses(() => {
    const inner = createMockLLMProvider({ dimensions: 32 });
    return { ...inner, embed: async (t, o) => (await inner.embed(t, o)).reverse() };
  });
  assert.equal(
    reversed.get("embed returns one finite vector per text, in input order, with one dimension"),
    "failed",
  );
  assert.equal(reversed.get("complete returns text and model"), "passed");

  const ragged = await statuses(() => {
    const inner = createMockLLMProvider({ dimensions: 32 });
    return {
      ...inner,
      embed: async (t, o) => (await inner.embed(t, o)).map((v, i) => (i === 1 ? v.slice(1) : v)),
    };
  });
  assert.equal(
    ragged.get("embed returns one finite vector per text, in input order, with one dimension"),
    "failed",
  );

  const sloppy = await statuses(() => {
    const inner = createMockLLMProvider({ dimensions: 32 });
    return {
      ...inner,
      embed: async (t) => t.length === 0 ? [[]] : await inner.embed(t),
      complete: async (m) => ({ ...(await inner.complete(m)), model: "" }),
    };
  });
  for (
    const name of [
      "embed of no texts returns []",
      "complete returns text and model",
      "an aborted signal rejects complete and embed",
    ]
  ) {
    assert.equal(sloppy.get(name), "failed", name);
  }

  const noEmbeddings = await runInline([llmProviderContract({
    create: () => {
      const inner = createMockLLMProvider();
      return Promise.resolve({
        ...inner,
        capabilities: { ...inner.capabilities, supportsEmbedding: false },
      });
    },
  })]);
  assert.equal(noEmbeddings.skipped, 3);
  assert.equal(noEmbeddings.failed, 0);
});
