/**
 * The EngineProvider SPI (Tier 2): a full-stack memory engine that owns chunking, embedding,
 * retrieval and synthesis. Also holds the facade's request and result DTOs.
 *
 * @module
 */
import type { HealthStatus, Metadata, TimeRange } from "../types.ts";

/** The EngineProvider SPI version this core implements. */
export const ENGINE_PROVIDER_SPI_VERSION = 1 as const;

/** A retain request. */
export interface RetainRequest {
  /** The content to remember. */
  content: string;
  /** Target bank. */
  bankId: string;
  /** Flat scalar metadata. */
  metadata?: Metadata;
  /** Tags. */
  tags?: string[];
  /** When the remembered event happened. */
  occurredAt?: Date;
  /** Where the content came from. */
  source?: string;
  /** `text`, `conversation`, `document`, `email`, … @default {"text"} */
  contentType?: string;
  /** Extraction profile name. */
  extractionProfile?: string;
  /** Fact type of the stored chunks. */
  factType?: string;
}

/** A retain result. */
export interface RetainResult {
  /** Whether anything was stored. */
  stored: boolean;
  /** Id of the (first) stored memory. */
  memoryId?: string;
  /** Ids of every stored chunk. */
  memoryIds?: string[];
  /** Whether the content was a duplicate. */
  deduplicated?: boolean;
  /** Why nothing was stored. */
  error?: string;
  /** `add`, `update`, `merge`, `skip`, `delete`. */
  retentionAction?: string;
  /** Whether the memory was curated. */
  curated?: boolean;
  /** Memory layer of the stored chunks. */
  memoryLayer?: string;
}

/** A recalled memory. */
export interface MemoryHit {
  /** Memory text. */
  text: string;
  /** Relevance (RRF scale in the Tier-1 pipeline, engine-defined otherwise). */
  score: number;
  /** Fact type. */
  factType?: string;
  /** Metadata. */
  metadata?: Metadata;
  /** Tags. */
  tags?: string[];
  /** Event time. */
  occurredAt?: Date;
  /** Source. */
  source?: string;
  /** Memory id. */
  memoryId?: string;
  /** Bank the memory belongs to. */
  bankId?: string;
  /** Memory layer. */
  memoryLayer?: string;
  /** Utility score. */
  utilityScore?: number;
  /** Store time. */
  retainedAt?: Date;
  /** Source chunk. */
  chunkId?: string;
}

/** A recall request. */
export interface RecallRequest {
  /** The query. */
  query: string;
  /** Bank to search. */
  bankId: string;
  /** Maximum hits. @default {10} */
  maxResults?: number;
  /** Token budget for the hits' text. */
  maxTokens?: number;
  /** Fact-type filter. */
  factTypes?: string[];
  /** Tag filter (any overlap). */
  tags?: string[];
  /** Inclusive range on `occurredAt`. */
  timeRange?: TimeRange;
  /** Include source references. @default {false} */
  includeSources?: boolean;
  /** Time travel. */
  asOf?: Date;
  /** Anchor for relative phrases (not a filter). */
  queryReferenceDate?: Date;
  /** Session filter. */
  sessionId?: string;
  /** Extra hits to fuse in. */
  externalContext?: MemoryHit[];
}

/** Diagnostics of a recall. */
export interface RecallTrace {
  /** Strategies that ran. */
  strategiesUsed?: string[];
  /** Candidates before fusion. */
  totalCandidates?: number;
  /** `rrf`. */
  fusionMethod?: string;
  /** Total latency. */
  latencyMs?: number;
  /** Per-strategy latency. */
  strategyTimingsMs?: Record<string, number>;
  /** Per-strategy candidate counts. */
  strategyCandidateCounts?: Record<string, number>;
  /** Per-strategy errors (a failing strategy yields nothing). */
  strategyErrors?: Record<string, string>;
  /** Tier used. */
  tierUsed?: number;
}

/** A recall result. */
export interface RecallResult {
  /** Hits, best first. */
  hits: MemoryHit[];
  /** Candidates available before cutting. */
  totalAvailable: number;
  /** Whether hits were cut by `maxResults` or the token budget. */
  truncated: boolean;
  /** Diagnostics. */
  trace?: RecallTrace;
  /** Score of the best semantic hit. @default {0} */
  topSemanticScore?: number;
}

/** A reflect request. */
export interface ReflectRequest {
  /** The question. */
  query: string;
  /** Bank. */
  bankId: string;
  /** Token budget. */
  maxTokens?: number;
  /** Include sources. @default {true} */
  includeSources?: boolean;
  /** Tag filter. */
  tags?: string[];
  /** Time travel. */
  asOf?: Date;
  /** Anchor date. */
  queryReferenceDate?: Date;
}

/** A reflect result. */
export interface ReflectResult {
  /** The synthesised answer. */
  answer: string;
  /** Confidence in `[0, 1]`. */
  confidence?: number;
  /** Memories used. */
  sources?: MemoryHit[];
  /** Observations. */
  observations?: string[];
}

/** A forget request. Selectors combine with OR. */
export interface ForgetRequest {
  /** Bank. */
  bankId: string;
  /** Remove these memory ids. */
  memoryIds?: string[];
  /** Remove memories with any of these tags. */
  tags?: string[];
  /** Remove memories that occurred strictly before this date. */
  beforeDate?: Date;
  /** `all` removes everything in the bank. */
  scope?: "all";
}

/** A forget result. */
export interface ForgetResult {
  /** Number of memories removed. */
  deletedCount: number;
  /** Number archived instead. @default {0} */
  archivedCount?: number;
}

/** What an engine supports. */
export interface EngineCapabilities {
  /** `reflect` is implemented. */
  readonly supportsReflect: boolean;
  /** `forget` is implemented. */
  readonly supportsForget: boolean;
  /** Semantic search. */
  readonly supportsSemanticSearch: boolean;
  /** Keyword search. */
  readonly supportsKeywordSearch: boolean;
  /** Graph search. */
  readonly supportsGraphSearch: boolean;
  /** Temporal search. */
  readonly supportsTemporalSearch: boolean;
  /** Tags. */
  readonly supportsTags: boolean;
  /** Metadata. */
  readonly supportsMetadata: boolean;
  /** Largest retain payload in bytes. */
  readonly maxRetainBytes?: number;
  /** Largest `maxResults`. */
  readonly maxRecallResults?: number;
}

/** A Tier-2 memory engine. */
export interface EngineProvider extends AsyncDisposable {
  /** What this engine supports; read once at registration. */
  readonly capabilities: EngineCapabilities;
  /** Check the engine. Never throws. */
  health(): Promise<HealthStatus>;
  /** Store content. */
  retain(request: RetainRequest): Promise<RetainResult>;
  /** Retrieve memories. */
  recall(request: RecallRequest): Promise<RecallResult>;
  /** Synthesise an answer; throws `CapabilityNotSupportedError` when unsupported. */
  reflect(request: ReflectRequest): Promise<ReflectResult>;
  /** Remove memories; throws `CapabilityNotSupportedError` when unsupported. */
  forget(request: ForgetRequest): Promise<ForgetResult>;
  /** Release resources. Idempotent. */
  close(): Promise<void>;
}
