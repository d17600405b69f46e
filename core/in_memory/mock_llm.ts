/**
 * A deterministic mock {@linkcode LLMProvider} for tests and offline use: hashed
 * bag-of-words embeddings (texts that share words are close) and an extractive `complete`
 * that answers reflect-style prompts from their `<memories>` block. No network, no keys.
 *
 * @example
 * ```ts
 * import { createMockLLMProvider } from "@astrocyte/core";
 *
 * const llm = createMockLLMProvider({ dimensions: 64 });
 * const [a, b] = await llm.embed(["dark mode preference", "dark mode settings"]);
 * console.log(a!.length, b!.length); // 64 64
 * const answer = await llm.complete([{
 *   role: "user",
 *   content: "<memories>\n[Memory 1]: User likes dark mode\n</memories>\n" +
 *     "<query>What does the user like?</query>",
 * }]);
 * console.log(answer.text); // "User likes dark mode"
 * ```
 *
 * @module
 */
import { ConfigError, ValidationError } from "../errors.ts";
import type {
  CompleteOptions,
  Completion,
  EmbedOptions,
  LLMCapabilities,
  LLMProvider,
  Message,
} from "../spi/llm_provider.ts";
import type { HealthStatus } from "../types.ts";
import { tokenize } from "../util/text.ts";

const PREFIX = "[astrocyte/core]";

/** Options for {@linkcode createMockLLMProvider}. */
export interface MockLLMProviderOptions {
  /** Embedding dimension. @default {128} */
  dimensions?: number;
  /** The completion text when the prompt is neither entity extraction nor synthesis. @default {"Mock LLM response"} */
  defaultResponse?: string;
  /** The model name reported when the call does not override it. @default {"mock"} */
  model?: string;
}

/** One recorded `complete` call. */
export interface MockLLMCall {
  /** The messages passed (a shallow copy of the array). */
  messages: Message[];
  /** The options passed. */
  options: CompleteOptions;
}

/** The mock provider: an {@linkcode LLMProvider} that records its `complete` calls. */
export interface MockLLMProvider extends LLMProvider {
  /** Number of `complete` calls so far. */
  readonly callCount: number;
  /** Every `complete` call so far, oldest first. */
  readonly calls: readonly MockLLMCall[];
  /** The text of the last user message of the most recent `complete` call. */
  readonly lastUserMessage: string | undefined;
}

/** The completion returned for entity-extraction prompts (as upstream's mock). */
const ENTITY_RESPONSE = '[{"name": "Test Entity", "entity_type": "OTHER", "aliases": []}]';

const encoder = new TextEncoder();

/** FNV-1a, 32-bit, over the UTF-8 bytes of `text`. */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Hashed bag of words: one bucket per token (FNV-1a mod dimensions), L2-normalised. */
function embedText(text: string, dimensions: number): number[] {
  const vec = new Array<number>(dimensions).fill(0);
  for (const token of tokenize(text)) vec[fnv1a32(token) % dimensions]! += 1;
  let norm = 0;
  for (const x of vec) norm += x * x;
  if (norm === 0) return vec;
  norm = Math.sqrt(norm);
  return vec.map((x) => x / norm);
}

function messageText(message: Message): string {
  if (typeof message.content === "string") return message.content;
  return message.content
    .filter((p) => p.type === "text" && typeof p.text === "string")
    .map((p) => p.text)
    .join(" ");
}

/** Lowercased word tokens longer than two characters. */
function normalizeTerms(text: string): Set<string> {
  return new Set(tokenize(text).filter((t) => t.length > 2));
}

const MEMORY_HEADER = /^\[Memory \d+\]/;
const MEMORY_PREFIX = /^\[Memory \d+\](\s*\([^)]*\))?(\s*\[[^\]]*\])?\s*:\s*/;

/**
 * Upstream's extractive synthesis: parse `<query>` and `<memories>` (blocks start at
 * `[Memory N]` lines; other lines continue the current block), score blocks by shared terms
 * with the query, and join the best three.
 */
function extractiveSynthesize(prompt: string): string {
  const queryMatch = /<query>\s*([\s\S]*?)\s*<\/query>/.exec(prompt);
  if (!queryMatch) return "No query found.";
  const queryTerms = normalizeTerms(queryMatch[1]!.trim());
  const memoriesMatch = /<memories>\s*([\s\S]*?)\s*<\/memories>/.exec(prompt);
  if (!memoriesMatch) return "No memories found.";
  const blocks: string[] = [];
  for (const raw of memoriesMatch[1]!.trim().split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    if (MEMORY_HEADER.test(line)) blocks.push(line.replace(MEMORY_PREFIX, ""));
    else if (blocks.length > 0) blocks[blocks.length - 1] += " " + line;
    else blocks.push(line);
  }
  const scored: { overlap: number; text: string }[] = [];
  for (const text of blocks) {
    let overlap = 0;
    for (const t of normalizeTerms(text)) if (queryTerms.has(t)) overlap++;
    if (overlap > 0) scored.push({ overlap, text });
  }
  if (scored.length === 0) return "I don't have relevant information to answer this question.";
  scored.sort((a, b) => b.overlap - a.overlap); // stable: ties keep prompt order
  return scored.slice(0, 3).map((s) => s.text).join(" ");
}

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason ?? new DOMException("The operation was aborted", "AbortError");
  }
}

/**
 * Create a deterministic mock {@linkcode LLMProvider}.
 *
 * - `embed`: tokens are {@linkcode tokenize}'s; each token adds 1 to bucket
 *   `FNV-1a-32(token) mod dimensions`; the vector is L2-normalised, so it is non-negative
 *   with unit norm, and text without tokens gives the zero vector.
 * - `complete`: records the call; a prompt containing "extract named entities" gets a fixed
 *   JSON entity list; a prompt with `<memories>` and `<query>` blocks gets the (up to three)
 *   memory blocks sharing the most terms with the query; anything else gets `defaultResponse`.
 *   Usage is fixed; tools are ignored. An aborted `signal` rejects with its reason.
 *
 * @throws {ConfigError} when `dimensions` is not a positive integer.
 * @example
 * ```ts
 * import { createMockLLMProvider } from "@astrocyte/core";
 *
 * const llm = createMockLLMProvider({ defaultResponse: "ok" });
 * const { text } = await llm.complete([{ role: "user", content: "hi" }]);
 * console.log(text, llm.callCount); // "ok" 1
 * ```
 */
export function createMockLLMProvider(options: MockLLMProviderOptions = {}): MockLLMProvider {
  const dimensions = options.dimensions ?? 128;
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new ConfigError(`${PREFIX} Mock LLM dimensions must be a positive integer`);
  }
  const defaultResponse = options.defaultResponse ?? "Mock LLM response";
  const defaultModel = options.model ?? "mock";
  const calls: MockLLMCall[] = [];
  let lastUserMessage: string | undefined;

  const capabilities: LLMCapabilities = Object.freeze({
    supportsMultimodalCompletion: false,
    supportsMultimodalEmbedding: false,
    supportsBatchEmbed: true,
    supportsEmbedding: true,
    supportsCompletion: true,
    embeddingDimensions: dimensions,
  });

  const provider: MockLLMProvider = {
    capabilities,
    get callCount(): number {
      return calls.length;
    },
    get calls(): readonly MockLLMCall[] {
      return calls;
    },
    get lastUserMessage(): string | undefined {
      return lastUserMessage;
    },

    complete(messages: Message[], opts: CompleteOptions = {}): Promise<Completion> {
      try {
        checkSignal(opts.signal);
        if (!Array.isArray(messages)) {
          throw new ValidationError(`${PREFIX} messages must be an array`, { field: "messages" });
        }
        calls.push({ messages: [...messages], options: { ...opts } });
        for (let i = messages.length - 1; i >= 0; i--) {
          if (messages[i]!.role === "user") {
            lastUserMessage = messageText(messages[i]!);
            break;
          }
        }
        const allText = messages.map(messageText).join(" ");
        const model = opts.model ?? defaultModel;
        if (allText.toLowerCase().includes("extract named entities")) {
          return Promise.resolve({
            text: ENTITY_RESPONSE,
            model,
            usage: { inputTokens: 10, outputTokens: 20 },
          });
        }
        if (allText.includes("<memories>") && allText.includes("<query>")) {
          return Promise.resolve({
            text: extractiveSynthesize(allText),
            model,
            usage: { inputTokens: 50, outputTokens: 30 },
          });
        }
        return Promise.resolve({
          text: defaultResponse,
          model,
          usage: { inputTokens: 10, outputTokens: 20 },
        });
      } catch (e) {
        return Promise.reject(e);
      }
    },

    embed(texts: string[], opts: EmbedOptions = {}): Promise<number[][]> {
      try {
        checkSignal(opts.signal);
        if (!Array.isArray(texts)) {
          throw new ValidationError(`${PREFIX} texts must be an array`, { field: "texts" });
        }
        texts.forEach((t, i) => {
          if (typeof t !== "string") {
            throw new ValidationError(`${PREFIX} texts[${i}] must be a string`, {
              field: `texts[${i}]`,
            });
          }
        });
        return Promise.resolve(texts.map((t) => embedText(t, dimensions)));
      } catch (e) {
        return Promise.reject(e);
      }
    },

    health(): Promise<HealthStatus> {
      return Promise.resolve({
        healthy: true,
        message: "mock LLM provider",
        latencyMs: 0,
        lastCheckAt: new Date(),
      });
    },

    close(): Promise<void> {
      return Promise.resolve();
    },

    [Symbol.asyncDispose](): Promise<void> {
      return provider.close();
    },
  };
  return provider;
}
