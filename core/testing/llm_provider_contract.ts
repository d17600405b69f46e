/**
 * The LLMProvider contract suite: capabilities, health, idempotent close, `embed` (one finite
 * vector per text, in input order, one consistent dimension, `[]` for no texts) and `complete`
 * (text and model, well-formed usage and tool calls), plus cancellation through `signal`.
 * Embedding cases skip when `supportsEmbedding` is false; completion cases when
 * `supportsCompletion` is false.
 *
 * @example
 * ```ts ignore
 * import { llmProviderContract, registerDenoTests } from "@astrocyte/core/testing";
 * import { createMockLLMProvider } from "@astrocyte/core";
 *
 * registerDenoTests(llmProviderContract({
 *   create: ({ dimensions }) => Promise.resolve(createMockLLMProvider({ dimensions })),
 * }));
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Completion, LLMProvider, ToolDefinition } from "../spi/llm_provider.ts";
import { cosine } from "./fixtures.ts";
import {
  buildSuite,
  type CaseDefinition,
  type ContractOptions,
  type ContractSuite,
} from "./harness.ts";

type Ctx = Parameters<CaseDefinition<LLMProvider>["fn"]>[0];

const skipUnlessEmbedding = (p: LLMProvider): string | undefined =>
  p.capabilities.supportsEmbedding ? undefined : "provider does not support embeddings";

const skipUnlessCompletion = (p: LLMProvider): string | undefined =>
  p.capabilities.supportsCompletion ? undefined : "provider does not support completion";

const TEXTS: readonly string[] = [
  "Calvin prefers dark mode in every editor",
  "A banana smoothie recipe with oats and honey",
  "Quantum physics lecture notes on entanglement",
];

function assertVectors(vectors: unknown, count: number, what: string): number {
  assert.ok(Array.isArray(vectors), `${what}: expected an array`);
  assert.equal(vectors.length, count, `${what}: one vector per text`);
  let dim = -1;
  (vectors as unknown[]).forEach((v, i) => {
    assert.ok(Array.isArray(v), `${what}[${i}] must be an array`);
    assert.ok(v.length > 0, `${what}[${i}] must not be empty`);
    if (dim < 0) dim = v.length;
    assert.equal(v.length, dim, `${what}[${i}] has a different dimension`);
    for (const x of v) assert.ok(typeof x === "number" && Number.isFinite(x), `${what}[${i}]`);
  });
  return dim;
}

function assertCompletion(c: Completion, tools: readonly ToolDefinition[] = []): void {
  assert.equal(typeof c.text, "string");
  assert.ok(typeof c.model === "string" && c.model.length > 0, "model must be a non-empty string");
  if (c.usage !== undefined) {
    for (const n of [c.usage.inputTokens, c.usage.outputTokens]) {
      assert.ok(Number.isInteger(n) && n >= 0, `token counts must be non-negative integers`);
    }
  }
  if (c.toolCalls !== undefined) {
    assert.ok(Array.isArray(c.toolCalls));
    for (const call of c.toolCalls) {
      assert.ok(typeof call.id === "string" && call.id.length > 0);
      assert.ok(tools.some((t) => t.name === call.name), `unknown tool ${call.name}`);
      assert.ok(call.arguments !== null && typeof call.arguments === "object");
    }
  }
}

function cases(): CaseDefinition<LLMProvider>[] {
  return [
    {
      name: "capabilities are well-formed",
      fn({ store }: Ctx) {
        const caps = store.capabilities;
        for (
          const key of [
            "supportsMultimodalCompletion",
            "supportsMultimodalEmbedding",
            "supportsBatchEmbed",
            "supportsEmbedding",
            "supportsCompletion",
          ] as const
        ) {
          assert.equal(typeof caps[key], "boolean", key);
        }
        const dims = caps.embeddingDimensions;
        assert.ok(dims === null || (Number.isInteger(dims) && dims > 0), "embeddingDimensions");
        if (caps.modalitiesSupported !== undefined) {
          for (const m of caps.modalitiesSupported) assert.equal(typeof m, "string");
        }
        return Promise.resolve();
      },
    },
    {
      name: "health reports healthy",
      async fn({ store }: Ctx) {
        const health = await store.health();
        assert.equal(health.healthy, true, health.message ?? "unhealthy");
      },
    },
    {
      name: "close is idempotent and asyncDispose is available",
      async fn(ctx: Ctx) {
        const extra = await ctx.createStore();
        assert.equal(typeof extra[Symbol.asyncDispose], "function");
        await extra.close();
        await extra.close();
      },
    },
    {
      name: "embed returns one finite vector per text, in input order, with one dimension",
      skipIf: skipUnlessEmbedding,
      async fn({ store }: Ctx) {
        const batch = await store.embed([...TEXTS]);
        const dim = assertVectors(batch, TEXTS.length, "embed(texts)");
        const expected = store.capabilities.embeddingDimensions;
        if (expected !== null) assert.equal(dim, expected, "capabilities.embeddingDimensions");
        const singles: number[][] = [];
        for (const t of TEXTS) {
          const one = await store.embed([t]);
          assert.equal(assertVectors(one, 1, "embed([text])"), dim);
          singles.push(one[0]!);
        }
        const reversed = await store.embed([...TEXTS].reverse());
        assert.equal(assertVectors(reversed, TEXTS.length, "embed(reversed)"), dim);
        TEXTS.forEach((_, i) => {
          const mine = cosine(batch[i]!, singles[i]!);
          assert.ok(mine > 0.99, `batch[${i}] must embed texts[${i}] (cosine ${mine})`);
          for (let j = 0; j < TEXTS.length; j++) {
            if (j !== i) {
              assert.ok(
                cosine(batch[i]!, singles[j]!) < mine,
                `batch[${i}] is closer to texts[${j}]: vectors out of order`,
              );
            }
          }
          const back = cosine(reversed[TEXTS.length - 1 - i]!, singles[i]!);
          assert.ok(back > 0.99, `reversed order must be preserved (cosine ${back})`);
        });
      },
    },
    {
      name: "embed of no texts returns []",
      skipIf: skipUnlessEmbedding,
      async fn({ store }: Ctx) {
        assert.deepEqual(await store.embed([]), []);
      },
    },
    {
      name: "embed handles a batch of many texts",
      skipIf: skipUnlessEmbedding,
      async fn({ store }: Ctx) {
        const texts = Array.from({ length: 64 }, (_, i) => `note ${i}: item number ${i * 7}`);
        const vectors = await store.embed(texts);
        const dim = assertVectors(vectors, texts.length, "embed(64 texts)");
        const [single] = await store.embed([texts[63]!]);
        assert.equal(single!.length, dim);
        assert.ok(cosine(vectors[63]!, single!) > 0.99, "the last vector embeds the last text");
      },
    },
    {
      name: "complete returns text and model",
      skipIf: skipUnlessCompletion,
      async fn({ store }: Ctx) {
        const result = await store.complete([
          { role: "system", content: "You are a terse assistant." },
          { role: "user", content: "Reply with the single word: hello" },
        ], { maxTokens: 16, temperature: 0 });
        assertCompletion(result);
      },
    },
    {
      name: "complete accepts tools and returns well-formed tool calls or text",
      skipIf: skipUnlessCompletion,
      async fn({ store }: Ctx) {
        const tools: ToolDefinition[] = [{
          name: "get_weather",
          description: "Current weather for a city",
          parameters: {
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
          },
        }];
        const result = await store.complete(
          [{ role: "user", content: "What is the weather in Paris?" }],
          { tools, toolChoice: "auto", maxTokens: 64 },
        );
        assertCompletion(result, tools);
      },
    },
    {
      name: "an aborted signal rejects complete and embed",
      async fn({ store }: Ctx) {
        const controller = new AbortController();
        controller.abort();
        const { signal } = controller;
        if (store.capabilities.supportsCompletion) {
          await assert.rejects(() =>
            store.complete([{ role: "user", content: "hello" }], { signal })
          );
        }
        if (store.capabilities.supportsEmbedding) {
          await assert.rejects(() => store.embed(["hello"], { signal }));
        }
      },
    },
  ];
}

/**
 * The LLMProvider contract suite. The factory receives the suite's `dimensions`; providers
 * with a fixed model dimension may ignore it (the cases read `capabilities` instead).
 *
 * @example
 * ```ts ignore
 * import { llmProviderContract, runInline } from "@astrocyte/core/testing";
 * import { createMockLLMProvider } from "@astrocyte/core";
 *
 * const report = await runInline([llmProviderContract({
 *   create: ({ dimensions }) => Promise.resolve(createMockLLMProvider({ dimensions })),
 * })]);
 * console.log(report.failed); // 0
 * ```
 */
export function llmProviderContract(options: ContractOptions<LLMProvider>): ContractSuite {
  return buildSuite("llmProvider", "LLMProvider contract", options, cases());
}
