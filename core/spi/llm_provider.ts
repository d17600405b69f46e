/**
 * The LLMProvider SPI: chat completion and embeddings.
 *
 * @module
 */
import type { HealthStatus, JsonValue } from "../types.ts";

/** The LLMProvider SPI version this core implements. */
export const LLM_PROVIDER_SPI_VERSION = 1 as const;

/** One part of a multimodal message. */
export interface ContentPart {
  /** `text`, `image_url`, `image_base64`, `audio_url` or `audio_base64`. */
  type: string;
  /** Text, for `text` parts. */
  text?: string;
  /** Image URL. */
  imageUrl?: string;
  /** Base64 image data. */
  imageBase64?: string;
  /** Audio URL. */
  audioUrl?: string;
  /** Base64 audio data. */
  audioBase64?: string;
  /** MIME type of base64 data. */
  mediaType?: string;
}

/** A tool call requested by the model. */
export interface ToolCall {
  /** Call id. */
  id: string;
  /** Tool name. */
  name: string;
  /** Parsed arguments. */
  arguments: { [key: string]: JsonValue };
}

/** A chat message. */
export interface Message {
  /** `system`, `user`, `assistant` or `tool`. */
  role: "system" | "user" | "assistant" | "tool";
  /** Text or multimodal parts. */
  content: string | ContentPart[];
  /** Tool calls (assistant messages). */
  toolCalls?: ToolCall[];
  /** The call this message answers (tool messages). */
  toolCallId?: string;
  /** Optional author name. */
  name?: string;
}

/** A tool the model may call. */
export interface ToolDefinition {
  /** Tool name. */
  name: string;
  /** What it does. */
  description: string;
  /** JSON Schema of the arguments. */
  parameters: { [key: string]: JsonValue };
}

/** Token usage of a completion. */
export interface TokenUsage {
  /** Prompt tokens. */
  inputTokens: number;
  /** Completion tokens. */
  outputTokens: number;
}

/** A completion result. */
export interface Completion {
  /** Generated text. */
  text: string;
  /** The model that answered. */
  model: string;
  /** Token usage, when reported. */
  usage?: TokenUsage;
  /** Tool calls, when the model requested any. */
  toolCalls?: ToolCall[];
}

/** Options for {@linkcode LLMProvider.complete}. */
export interface CompleteOptions {
  /** Model override. */
  model?: string;
  /** Maximum output tokens. @default {1024} */
  maxTokens?: number;
  /** Sampling temperature. @default {0} */
  temperature?: number;
  /** Tools; providers without tool support ignore them. */
  tools?: ToolDefinition[];
  /** `auto` (default with tools), `required`, or a tool name. */
  toolChoice?: string;
  /** OpenAI-style response format, passed through; ignored when unsupported. */
  responseFormat?: { [key: string]: JsonValue };
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** Options for {@linkcode LLMProvider.embed}. */
export interface EmbedOptions {
  /** Model override. */
  model?: string;
  /** Cancels the request. */
  signal?: AbortSignal;
}

/** What an LLMProvider supports. */
export interface LLMCapabilities {
  /** Whether `complete` accepts image/audio parts. */
  readonly supportsMultimodalCompletion: boolean;
  /** Modalities accepted, when multimodal. */
  readonly modalitiesSupported?: readonly string[];
  /** Whether `embed` accepts non-text input. */
  readonly supportsMultimodalEmbedding: boolean;
  /** Whether `embed` takes many texts per request. */
  readonly supportsBatchEmbed: boolean;
  /** Whether `embed` is available at all. */
  readonly supportsEmbedding: boolean;
  /** Whether `complete` is available at all. */
  readonly supportsCompletion: boolean;
  /** The embedding dimension, when known up front. */
  readonly embeddingDimensions: number | null;
}

/** A chat-completion and embedding provider. */
export interface LLMProvider extends AsyncDisposable {
  /** What this provider supports. */
  readonly capabilities: LLMCapabilities;
  /** Generate a completion. */
  complete(messages: Message[], options?: CompleteOptions): Promise<Completion>;
  /** One embedding per text, in input order. */
  embed(texts: string[], options?: EmbedOptions): Promise<number[][]>;
  /** Check the provider. Never throws. */
  health(): Promise<HealthStatus>;
  /** Release resources. Idempotent. */
  close(): Promise<void>;
}
