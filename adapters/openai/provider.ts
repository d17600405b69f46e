/**
 * An LLMProvider for any OpenAI-compatible HTTP API (OpenAI, Azure-style gateways, vLLM,
 * Ollama, LM Studio, OpenRouter, …) over `fetch`: chat completions and embeddings with request
 * batching, bounded retries with backoff that honour `Retry-After`, timeouts, and errors that
 * never contain the API key.
 *
 * @module
 */
import {
  type AdapterConfig,
  type CompleteOptions,
  type Completion,
  ConfigError,
  type ContentPart,
  type EmbedOptions,
  findTransportFailure,
  type HealthStatus,
  InvalidVectorError,
  type JsonValue,
  type LLMCapabilities,
  type LLMProvider,
  type Message,
  parseRetryAfter,
  ProviderUnavailableError,
  RetryError,
  timeoutFetch,
  type ToolCall,
  TransportFailure,
  ValidationError,
  withRetries,
} from "@astrocyte/core";

const PREFIX = "[astrocyte/openai]";

/** Options of {@linkcode createOpenAIProvider}. */
export interface OpenAIProviderOptions {
  /** API key sent as `Authorization: Bearer …`; optional for local servers. */
  apiKey?: string;
  /** Base URL of the API, up to and including the version segment. @default {"https://api.openai.com/v1"} */
  baseUrl?: string;
  /** Chat model for `complete`. @default {"gpt-4o-mini"} */
  model?: string;
  /** Embedding model for `embed`. @default {"text-embedding-3-small"} */
  embeddingModel?: string;
  /** Requested embedding dimension (sent as `dimensions`), when the model supports it. */
  dimensions?: number;
  /** Extra headers sent with every request (e.g. `OpenAI-Organization`, gateway keys). */
  headers?: Record<string, string>;
  /** Per-attempt timeout in milliseconds. @default {60000} */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx, timeouts and network errors. @default {3} */
  maxRetries?: number;
  /** Base delay of the exponential backoff in milliseconds. @default {500} */
  retryBaseDelayMs?: number;
  /** Upper bound for any single wait, including `Retry-After`. @default {20000} */
  maxRetryDelayMs?: number;
  /** Texts per embeddings request. @default {256} */
  embedBatchSize?: number;
  /** Embedding requests in flight at once. @default {2} */
  embedConcurrency?: number;
  /** The HTTP client. @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

const KNOWN_EMBEDDING_DIMENSIONS: Record<string, number> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};

const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/**
 * Create an OpenAI-compatible LLM provider.
 *
 * @example
 * ```ts ignore
 * import { createOpenAIProvider } from "@astrocyte/openai";
 * const llm = createOpenAIProvider({ apiKey: Deno.env.get("OPENAI_API_KEY") });
 * const [vector] = await llm.embed(["Calvin prefers dark mode"]);
 * ```
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): LLMProvider {
  const baseUrl = (options.baseUrl ?? "https://api.openai.com/v1").replace(/\/+$/, "");
  try {
    new URL(baseUrl);
  } catch (cause) {
    throw new ConfigError(`${PREFIX} base_url is not a valid URL`, { cause });
  }
  const apiKey = options.apiKey;
  const model = options.model ?? "gpt-4o-mini";
  const embeddingModel = options.embeddingModel ?? "text-embedding-3-small";
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 3;
  const baseDelay = options.retryBaseDelayMs ?? 500;
  const maxDelay = options.maxRetryDelayMs ?? 20_000;
  const batchSize = options.embedBatchSize ?? 256;
  const concurrency = Math.max(1, options.embedConcurrency ?? 2);
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let closed = false;

  /** Remove the API key from any text that may reach a message or log. */
  const redact = (text: string): string =>
    apiKey && apiKey.length >= 4 ? text.split(apiKey).join("[redacted]") : text;

  const headers = (): Headers => {
    const h = new Headers(options.headers ?? {});
    h.set("content-type", "application/json");
    h.set("accept", "application/json");
    if (apiKey) h.set("authorization", `Bearer ${apiKey}`);
    return h;
  };

  // Statuses are classified below by the provider's own rules; the wrapped fetch bounds each
  // attempt (body included) and throws only when no whole answer arrived.
  const fetchOnce = timeoutFetch(doFetch, { timeoutMs, throwOnStatus: false });

  /** One attempt: the parsed body, a final typed error, or a `TransportFailure` to retry. */
  async function attempt(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetchOnce(`${baseUrl}${path}`, {
        method,
        headers: headers(),
        body: body === undefined ? undefined : JSON.stringify(body),
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      const t = signal?.aborted ? undefined : findTransportFailure(e);
      if (t === undefined) throw e;
      const cause = t.cause ?? e;
      throw new TransportFailure(
        t.timeoutMs !== undefined
          ? `${PREFIX} Request timed out after ${timeoutMs} ms calling ${path}`
          : `${PREFIX} Network error calling ${path}: ${redact(String((cause as Error)?.message))}`,
        { outcome: t.outcome, cause },
      );
    }
    if (response.ok) {
      try {
        return await response.json() as Record<string, unknown>;
      } catch (cause) {
        throw new ProviderUnavailableError(`${PREFIX} Invalid JSON in response from ${path}`, {
          provider: "openai",
          retryable: true,
          cause,
        });
      }
    }
    const text = await response.text().catch(() => "");
    const detail = redact(errorDetail(text)).slice(0, 300);
    if (RETRYABLE_STATUS.has(response.status)) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      throw new TransportFailure(
        `${PREFIX} HTTP ${response.status} from ${path}${detail ? `: ${detail}` : ""}`,
        {
          outcome: "unknown",
          status: response.status,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        },
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new ProviderUnavailableError(
        `${PREFIX} Authentication failed (HTTP ${response.status}) at ${path}: check api_key`,
        { provider: "openai", retryable: false },
      );
    }
    if (response.status === 404) {
      throw new ConfigError(
        `${PREFIX} Not found (HTTP 404) at ${path}: check base_url and model${
          detail ? `: ${detail}` : ""
        }`,
      );
    }
    throw new ValidationError(
      `${PREFIX} Request rejected (HTTP ${response.status}) at ${path}${
        detail ? `: ${detail}` : ""
      }`,
    );
  }

  /**
   * POST/GET with a timeout per attempt and bounded retries (core `withRetries`: equal-jitter
   * exponential backoff, `Retry-After` honoured, both capped at `maxRetryDelayMs`) for 408,
   * 409, 425, 429, 500, 502, 503, 504, timeouts and network errors; returns the parsed body.
   */
  async function request(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, unknown>> {
    if (closed) throw new ValidationError(`${PREFIX} Provider is closed`);
    try {
      return await withRetries(() => attempt(method, path, body, signal), {
        maxRetries,
        retryBaseMs: baseDelay,
        maxBackoffMs: maxDelay,
        maxRetryAfterMs: maxDelay,
        jitter: "equal",
        idempotent: true,
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      // Retries exhausted: the last attempt's failure, as a retryable typed error.
      const t = e instanceof RetryError ? e.transport : undefined;
      if (t === undefined) throw e;
      throw new ProviderUnavailableError(t.message, {
        provider: "openai",
        retryable: true,
        ...(t.cause === undefined ? {} : { cause: t.cause }),
      });
    }
  }

  async function embedBatch(
    texts: string[],
    modelName: string,
    signal?: AbortSignal,
  ): Promise<number[][]> {
    const body: Record<string, unknown> = { model: modelName, input: texts };
    if (options.dimensions !== undefined) body.dimensions = options.dimensions;
    const json = await request("POST", "/embeddings", body, signal);
    const data = json.data;
    if (!Array.isArray(data) || data.length !== texts.length) {
      throw new ProviderUnavailableError(
        `${PREFIX} Embeddings response has ${
          Array.isArray(data) ? data.length : "no"
        } items for ${texts.length} inputs`,
        { provider: "openai", retryable: false },
      );
    }
    const out = new Array<number[]>(texts.length);
    data.forEach((row: { index?: number; embedding?: unknown }, i: number) => {
      const index = typeof row.index === "number" ? row.index : i;
      const v = row.embedding;
      if (!Array.isArray(v) || v.length === 0 || v.some((x) => !Number.isFinite(x))) {
        throw new InvalidVectorError(`${PREFIX} Embedding ${index} is not a finite vector`);
      }
      out[index] = v as number[];
    });
    return out;
  }

  const dims = options.dimensions ?? KNOWN_EMBEDDING_DIMENSIONS[embeddingModel] ?? null;
  const capabilities: LLMCapabilities = {
    supportsMultimodalCompletion: true,
    modalitiesSupported: ["text", "image"],
    supportsMultimodalEmbedding: false,
    supportsBatchEmbed: true,
    supportsEmbedding: true,
    supportsCompletion: true,
    embeddingDimensions: dims,
  };

  return {
    capabilities,
    async embed(texts: string[], opts: EmbedOptions = {}): Promise<number[][]> {
      if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) {
        throw new ValidationError(`${PREFIX} embed() takes an array of strings`);
      }
      if (texts.length === 0) return [];
      const modelName = opts.model ?? embeddingModel;
      const batches: string[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) batches.push(texts.slice(i, i + batchSize));
      const results = new Array<number[][]>(batches.length);
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const i = next++;
          // Empty strings are rejected by OpenAI; embed a single space instead.
          results[i] = await embedBatch(
            batches[i]!.map((t) => (t.length === 0 ? " " : t)),
            modelName,
            opts.signal,
          );
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
      return results.flat();
    },
    async complete(messages: Message[], opts: CompleteOptions = {}): Promise<Completion> {
      if (!Array.isArray(messages) || messages.length === 0) {
        throw new ValidationError(`${PREFIX} complete() needs at least one message`);
      }
      const body: Record<string, unknown> = {
        model: opts.model ?? model,
        messages: messages.map(toWireMessage),
        max_tokens: opts.maxTokens ?? 1024,
        temperature: opts.temperature ?? 0,
      };
      if (opts.tools && opts.tools.length > 0) {
        body.tools = opts.tools.map((t) => ({
          type: "function",
          function: { name: t.name, description: t.description, parameters: t.parameters },
        }));
        const choice = opts.toolChoice ?? "auto";
        body.tool_choice = choice === "auto" || choice === "required" || choice === "none"
          ? choice
          : { type: "function", function: { name: choice } };
      }
      if (opts.responseFormat) body.response_format = opts.responseFormat;
      const json = await request("POST", "/chat/completions", body, opts.signal);
      const choice = (json.choices as { message?: Record<string, unknown> }[] | undefined)?.[0];
      const message = choice?.message;
      if (!message) {
        throw new ProviderUnavailableError(`${PREFIX} Completion response has no choices`, {
          provider: "openai",
          retryable: false,
        });
      }
      const completion: Completion = {
        text: typeof message.content === "string" ? message.content : "",
        model: typeof json.model === "string" ? json.model : String(body.model),
      };
      const usage = json.usage as
        | { prompt_tokens?: number; completion_tokens?: number }
        | undefined;
      if (usage) {
        completion.usage = {
          inputTokens: usage.prompt_tokens ?? 0,
          outputTokens: usage.completion_tokens ?? 0,
        };
      }
      const calls = message.tool_calls as
        | { id: string; function: { name: string; arguments: string } }[]
        | undefined;
      if (Array.isArray(calls) && calls.length > 0) {
        completion.toolCalls = calls.map((c): ToolCall => ({
          id: c.id,
          name: c.function.name,
          arguments: parseArguments(c.function.arguments),
        }));
      }
      return completion;
    },
    async health(): Promise<HealthStatus> {
      const t0 = performance.now();
      try {
        const response = await doFetch(`${baseUrl}/models`, {
          headers: headers(),
          signal: AbortSignal.timeout(Math.min(timeoutMs, 10_000)),
        });
        await response.body?.cancel();
        const latencyMs = performance.now() - t0;
        if (response.ok || response.status === 404 || response.status === 405) {
          return { healthy: true, message: `reachable (HTTP ${response.status})`, latencyMs };
        }
        return {
          healthy: false,
          message: `HTTP ${response.status} from ${new URL(baseUrl).host}`,
          latencyMs,
        };
      } catch (e) {
        return {
          healthy: false,
          message: redact(`unreachable: ${(e as Error)?.message ?? String(e)}`),
          latencyMs: performance.now() - t0,
        };
      }
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
    [Symbol.asyncDispose](): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}

function errorDetail(text: string): string {
  try {
    const json = JSON.parse(text);
    const message = json?.error?.message ?? json?.message ?? json?.error;
    return typeof message === "string" ? message : "";
  } catch {
    return text.length < 200 ? text : "";
  }
}

function parseArguments(raw: string): { [key: string]: JsonValue } {
  try {
    const value = JSON.parse(raw);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {
      value,
    };
  } catch {
    return { raw };
  }
}

function toWirePart(part: ContentPart): Record<string, unknown> {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text ?? "" };
    case "image_url":
      return { type: "image_url", image_url: { url: part.imageUrl ?? "" } };
    case "image_base64":
      return {
        type: "image_url",
        image_url: {
          url: `data:${part.mediaType ?? "image/png"};base64,${part.imageBase64 ?? ""}`,
        },
      };
    case "audio_base64":
      return {
        type: "input_audio",
        input_audio: {
          data: part.audioBase64 ?? "",
          format: part.mediaType?.split("/")[1] ?? "wav",
        },
      };
    default:
      throw new ValidationError(`${PREFIX} Unsupported content part type: ${part.type}`);
  }
}

function toWireMessage(m: Message): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    role: m.role,
    content: typeof m.content === "string" ? m.content : m.content.map(toWirePart),
  };
  if (m.name !== undefined) wire.name = m.name;
  if (m.toolCallId !== undefined) wire.tool_call_id = m.toolCallId;
  if (m.toolCalls && m.toolCalls.length > 0) {
    wire.tool_calls = m.toolCalls.map((c) => ({
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: JSON.stringify(c.arguments) },
    }));
  }
  return wire;
}

/**
 * Parse `llm_provider_config` (snake_case YAML keys) into {@linkcode OpenAIProviderOptions}.
 * `api_key` falls back to the `OPENAI_API_KEY` environment variable.
 *
 * @throws {ConfigError} naming the offending key (never its value).
 */
export function parseOpenAIOptions(
  config: AdapterConfig,
  env: Readonly<Record<string, string | undefined>> = {},
): OpenAIProviderOptions {
  const known = new Set([
    "api_key",
    "base_url",
    "model",
    "embedding_model",
    "dimensions",
    "headers",
    "timeout_ms",
    "max_retries",
    "retry_base_delay_ms",
    "max_retry_delay_ms",
    "embed_batch_size",
    "embed_concurrency",
  ]);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) {
      throw new ConfigError(
        `${PREFIX} llm_provider_config.${key}: unknown option (known: ${[...known].join(", ")})`,
      );
    }
  }
  const str = (key: string): string | undefined => {
    const v = config[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") {
      throw new ConfigError(`${PREFIX} llm_provider_config.${key}: expected a string`);
    }
    return v;
  };
  const int = (key: string, min: number): number | undefined => {
    const v = config[key];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "string" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
      throw new ConfigError(
        `${PREFIX} llm_provider_config.${key}: expected an integer ≥ ${min}`,
      );
    }
    return n;
  };
  let headers: Record<string, string> | undefined;
  if (config.headers !== undefined && config.headers !== null) {
    const h = config.headers;
    if (typeof h !== "object" || Array.isArray(h)) {
      throw new ConfigError(`${PREFIX} llm_provider_config.headers: expected a mapping`);
    }
    headers = {};
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
      if (typeof v !== "string") {
        throw new ConfigError(`${PREFIX} llm_provider_config.headers.${k}: expected a string`);
      }
      headers[k] = v;
    }
  }
  const out: OpenAIProviderOptions = {};
  const apiKey = str("api_key") ?? env["OPENAI_API_KEY"];
  if (apiKey) out.apiKey = apiKey;
  const assign = <K extends keyof OpenAIProviderOptions>(
    k: K,
    v: OpenAIProviderOptions[K] | undefined,
  ) => {
    if (v !== undefined) out[k] = v;
  };
  assign("baseUrl", str("base_url"));
  assign("model", str("model"));
  assign("embeddingModel", str("embedding_model"));
  assign("dimensions", int("dimensions", 1));
  assign("headers", headers);
  assign("timeoutMs", int("timeout_ms", 1));
  assign("maxRetries", int("max_retries", 0));
  assign("retryBaseDelayMs", int("retry_base_delay_ms", 0));
  assign("maxRetryDelayMs", int("max_retry_delay_ms", 0));
  assign("embedBatchSize", int("embed_batch_size", 1));
  assign("embedConcurrency", int("embed_concurrency", 1));
  return out;
}
