/**
 * The memory facade: `retain`, `recall`, `reflect`, `forget` over the configured stores
 * (Tier 1, the built-in pipeline) or a Tier-2 engine.
 *
 * @module
 */
import {
  AstrocyteError,
  CapabilityNotSupportedError,
  ConfigError,
  ValidationError,
} from "../errors.ts";
import type { DocumentHit, DocumentStore } from "../spi/document_store.ts";
import type {
  EngineProvider,
  ForgetResult,
  MemoryHit,
  RecallResult,
  RecallTrace,
  ReflectResult,
  RetainResult,
} from "../spi/engine_provider.ts";
import type { GraphHit, GraphStore } from "../spi/graph_store.ts";
import type { LLMProvider } from "../spi/llm_provider.ts";
import type { MentalModelStore } from "../spi/mental_model_store.ts";
import type { PageIndexStore } from "../spi/pageindex_store.ts";
import type { Logger } from "../spi/plugin.ts";
import type { SourceStore } from "../spi/source_store.ts";
import type { VectorFilters, VectorHit, VectorItem, VectorStore } from "../spi/vector_store.ts";
import type { WikiStore } from "../spi/wiki_store.ts";
import type { Registry } from "../registry.ts";
import { type AstrocyteConfig, configFromObject } from "../config_schema.ts";
import type { HealthStatus, Metadata, TimeRange } from "../types.ts";
import { matchesVectorFilters } from "../util/filters.ts";
import { FACADE_BANK_ID_PATTERN } from "../util/validate.ts";
import { type ChunkOptions, chunkText } from "./chunking.ts";
import { entityIdFor, extractEntities } from "./entities.ts";
import { enforceTokenBudget, fuseRrf, type RankedList } from "./fusion.ts";

const PREFIX = "[astrocyte/core]";

/** The stores and providers a facade works with. Only `vectorStore` + `llm` (Tier 1) or `engine` (Tier 2) are required. */
export interface AstrocyteStores {
  /** Semantic store (Tier 1, required). */
  vectorStore?: VectorStore;
  /** Keyword store; mirrored on retain with the same ids. */
  documentStore?: DocumentStore;
  /** Entity graph; filled on retain, traversed on recall. */
  graphStore?: GraphStore;
  /** Wiki pages (cleared by `forget({ scope: "all" })`). */
  wikiStore?: WikiStore;
  /** Mental models (cleared by `forget({ scope: "all" })`). */
  mentalModelStore?: MentalModelStore;
  /** Provenance: the original content and its chunks. */
  sourceStore?: SourceStore;
  /** PageIndex (cleared by `forget({ scope: "all" })`). */
  pageIndexStore?: PageIndexStore;
  /** Embeddings and completions (Tier 1, required). */
  llm?: LLMProvider;
  /** Separate embedding provider; defaults to `llm`. */
  embeddingProvider?: LLMProvider;
  /** Tier-2 engine. */
  engine?: EngineProvider;
}

/** Facade options. */
export interface AstrocyteOptions {
  /** `storage` (built-in pipeline) or `engine` (Tier 2). @default {"storage" unless only an engine is given} */
  providerTier?: "storage" | "engine";
  /** What `reflect` does when the engine cannot: `error`, `degrade` or `local_llm`. @default {"error"} */
  fallbackStrategy?: "error" | "degrade" | "local_llm";
  /** Chunking of retained content. */
  chunking?: ChunkOptions;
  /** Largest retained content in UTF-8 bytes. @default {1000000} */
  maxContentBytes?: number;
  /** Default token budget for recall hits (none when absent). */
  recallMaxTokens?: number;
  /** Texts per embedding call. @default {64} */
  embedBatchSize?: number;
  /** Where warnings go. @default {console} */
  logger?: Logger;
  /** Extra resources to release on `close()` (e.g. the registry's resolved stores). */
  onClose?: () => Promise<void>;
}

/** Options of {@linkcode Astrocyte.fromConfig}. */
export interface FromConfigOptions {
  /** The explicit adapter registry (`createRegistry(inMemory, libsql, …)`). */
  registry: Registry;
  /** Environment for `${VAR}` substitution and adapter defaults (Workers: the `env` binding). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The HTTP client adapters use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Where warnings go. */
  logger?: Logger;
  /** Cancels start-up. */
  signal?: AbortSignal;
}

/** Options of {@linkcode Astrocyte.retain}. */
export interface RetainOptions {
  /** Target bank. */
  bankId: string;
  /** Flat scalar metadata stored with every chunk. */
  metadata?: Metadata;
  /** Tags (at most 100). */
  tags?: string[];
  /** When the remembered event happened. */
  occurredAt?: Date;
  /** Fact type of the chunks. @default {"world"} */
  factType?: string;
  /** Where the content came from (stored as the source document's URI). */
  source?: string;
  /** Entities mentioned, in addition to the heuristic extractor's. */
  entities?: { name: string; entityType?: string }[];
}

/** Options of {@linkcode Astrocyte.recall}. */
export interface RecallOptions {
  /** The bank to search. Exactly one of `bankId` and `banks` is required. */
  bankId?: string;
  /** Several banks searched in parallel and fused with RRF. */
  banks?: string[];
  /** Maximum hits. @default {10} */
  maxResults?: number;
  /** Token budget: hits are kept in rank order until the next would overflow. */
  maxTokens?: number;
  /** Tag filter (any overlap). */
  tags?: string[];
  /** Fact-type filter. */
  factTypes?: string[];
  /** Inclusive range on `occurredAt`. */
  timeRange?: TimeRange;
  /** Time travel: only memories retained at or before this instant. */
  asOf?: Date;
  /** Only memories whose `metadata.session_id` equals this. */
  sessionId?: string;
  /** Which strategies run. @default {all that are configured} */
  strategies?: ("semantic" | "keyword" | "graph")[];
}

/** Options of {@linkcode Astrocyte.reflect}. */
export interface ReflectOptions extends RecallOptions {
  /** Maximum completion tokens. @default {512} */
  maxAnswerTokens?: number;
}

/** Options of {@linkcode Astrocyte.forget}. Selectors combine with OR. */
export interface ForgetOptions {
  /** Bank. */
  bankId: string;
  /** Remove these memory ids. */
  memoryIds?: string[];
  /** Remove memories with any of these tags. */
  tags?: string[];
  /** Remove memories that occurred strictly before this date. */
  beforeDate?: Date;
  /** `all`: remove everything of the bank from every configured store. */
  scope?: "all";
}

interface Candidate {
  id: string;
  text: string;
  bankId: string;
  hit: MemoryHit;
  semanticScore?: number;
}

/** Validate a bank id as the facade does (upstream's pattern). */
function checkBankId(bankId: unknown): string {
  if (typeof bankId !== "string" || !FACADE_BANK_ID_PATTERN.test(bankId)) {
    throw new ValidationError(
      `${PREFIX} Invalid bank id: must match ${FACADE_BANK_ID_PATTERN.source}`,
      { field: "bankId" },
    );
  }
  return bankId;
}

function newMemoryId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 16);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Document metadata keys the facade adds so keyword hits can be filtered like vectors. */
const DOC_META = {
  factType: "_fact_type",
  occurredAt: "_occurred_at",
  retainedAt: "_retained_at",
  memoryLayer: "_memory_layer",
} as const;

const DOC_META_KEYS: ReadonlySet<string> = new Set(Object.values(DOC_META));

function documentMetadata(item: VectorItem): Metadata {
  const md: Metadata = { ...(item.metadata ?? {}) };
  if (item.factType !== undefined) md[DOC_META.factType] = item.factType;
  if (item.occurredAt !== undefined) md[DOC_META.occurredAt] = item.occurredAt.toISOString();
  if (item.retainedAt !== undefined) md[DOC_META.retainedAt] = item.retainedAt.toISOString();
  if (item.memoryLayer !== undefined) md[DOC_META.memoryLayer] = item.memoryLayer;
  return md;
}

function hitFromDocument(hit: DocumentHit, bankId: string): MemoryHit {
  const raw = hit.metadata ?? {};
  const metadata: Metadata = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!DOC_META_KEYS.has(k)) metadata[k] = v;
  }
  const out: MemoryHit = { text: hit.text, score: hit.score, memoryId: hit.documentId, bankId };
  if (Object.keys(metadata).length > 0) out.metadata = metadata;
  if (hit.tags && hit.tags.length > 0) out.tags = [...hit.tags];
  if (typeof raw[DOC_META.factType] === "string") out.factType = raw[DOC_META.factType] as string;
  if (typeof raw[DOC_META.occurredAt] === "string") {
    out.occurredAt = new Date(raw[DOC_META.occurredAt] as string);
  }
  if (typeof raw[DOC_META.retainedAt] === "string") {
    out.retainedAt = new Date(raw[DOC_META.retainedAt] as string);
  }
  if (typeof raw[DOC_META.memoryLayer] === "string") {
    out.memoryLayer = raw[DOC_META.memoryLayer] as string;
  }
  return out;
}

function hitFromVector(hit: VectorHit, bankId: string): MemoryHit {
  const out: MemoryHit = { text: hit.text, score: hit.score, memoryId: hit.id, bankId };
  if (hit.metadata) out.metadata = hit.metadata;
  if (hit.tags) out.tags = hit.tags;
  if (hit.factType !== undefined) out.factType = hit.factType;
  if (hit.occurredAt) out.occurredAt = hit.occurredAt;
  if (hit.memoryLayer !== undefined) out.memoryLayer = hit.memoryLayer;
  if (hit.retainedAt) out.retainedAt = hit.retainedAt;
  if (hit.chunkId !== undefined) out.chunkId = hit.chunkId;
  return out;
}

function filtersOf(options: RecallOptions): VectorFilters | undefined {
  const f: VectorFilters = {};
  if (options.tags) f.tags = options.tags;
  if (options.factTypes) f.factTypes = options.factTypes;
  if (options.timeRange) f.timeRange = options.timeRange;
  if (options.asOf) f.asOf = options.asOf;
  if (options.sessionId !== undefined) f.sessionId = options.sessionId;
  return Object.keys(f).length > 0 ? f : undefined;
}

/**
 * The Astrocyte memory facade.
 *
 * @example
 * ```ts
 * import { Astrocyte, createInMemoryDocumentStore, createInMemoryVectorStore, createMockLLMProvider } from "@astrocyte/core";
 *
 * const brain = Astrocyte.create({
 *   vectorStore: createInMemoryVectorStore(),
 *   documentStore: createInMemoryDocumentStore(),
 *   llm: createMockLLMProvider(),
 * });
 * await brain.retain("Calvin prefers dark mode", { bankId: "user-123" });
 * const { hits } = await brain.recall("What does Calvin prefer?", { bankId: "user-123" });
 * console.log(hits[0]?.text);
 * await brain.close();
 * ```
 */
export class Astrocyte implements AsyncDisposable {
  /** The configured stores and providers. */
  readonly stores: Readonly<AstrocyteStores>;
  readonly #options: AstrocyteOptions;
  readonly #logger: Logger;
  readonly #tier: "storage" | "engine";
  #closed = false;

  /** Use {@linkcode Astrocyte.create} or `Astrocyte.fromConfig`. */
  constructor(stores: AstrocyteStores, options: AstrocyteOptions = {}) {
    this.stores = { ...stores };
    this.#options = options;
    this.#logger = options.logger ?? { warn: (m) => console.warn(m) };
    this.#tier = options.providerTier ??
      (stores.engine && !stores.vectorStore ? "engine" : "storage");
    if (this.#tier === "storage") {
      if (!stores.vectorStore) {
        throw new ConfigError(`${PREFIX} provider_tier storage needs a vector_store`);
      }
      if (!(stores.embeddingProvider ?? stores.llm)) {
        throw new ConfigError(
          `${PREFIX} provider_tier storage needs an llm_provider for embeddings`,
        );
      }
    } else if (!stores.engine) {
      throw new ConfigError(`${PREFIX} provider_tier engine needs a provider (EngineProvider)`);
    }
  }

  /** Build a facade from store and provider instances. */
  static create(stores: AstrocyteStores, options: AstrocyteOptions = {}): Astrocyte {
    return new Astrocyte(stores, options);
  }

  /**
   * Build a facade from `astrocyte.yaml` text or an equivalent object (upstream's snake_case
   * keys), resolving every configured store through the explicit registry.
   *
   * Defaults follow upstream's reference wiring: `provider_tier` is `engine` when only a
   * `provider` is configured and `storage` otherwise; with no `vector_store` or
   * `llm_provider`, `in_memory` and `mock` are used when registered (with a warning).
   */
  static async fromConfig(
    config: string | Readonly<Record<string, unknown>>,
    options: FromConfigOptions,
  ): Promise<Astrocyte> {
    const env = options.env ?? {};
    const logger = options.logger ?? { warn: (m: string) => console.warn(m) };
    const loaded: AstrocyteConfig = typeof config === "string"
      ? (await import("../config.ts")).loadConfig(config, { env, logger })
      : configFromObject(config, { env, logger });
    const tier = loaded.provider_tier ??
      (loaded.provider && !loaded.vector_store ? "engine" : "storage");
    const effective: Record<string, unknown> = { ...loaded };
    if (tier === "storage") {
      if (!loaded.vector_store && options.registry.has("vectorStore", "in_memory")) {
        logger.warn(`${PREFIX} No vector_store configured: using in_memory (nothing persists)`);
        effective.vector_store = "in_memory";
      }
      if (!loaded.llm_provider && options.registry.has("llmProvider", "mock")) {
        logger.warn(`${PREFIX} No llm_provider configured: using the mock provider`);
        effective.llm_provider = "mock";
      }
    }
    const resolved = await options.registry.resolve(effective as AstrocyteConfig, {
      env,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      logger,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const homeostasis = loaded.homeostasis ?? {};
    try {
      return new Astrocyte({
        ...(resolved.vectorStore ? { vectorStore: resolved.vectorStore } : {}),
        ...(resolved.documentStore ? { documentStore: resolved.documentStore } : {}),
        ...(resolved.graphStore ? { graphStore: resolved.graphStore } : {}),
        ...(resolved.wikiStore ? { wikiStore: resolved.wikiStore } : {}),
        ...(resolved.mentalModelStore ? { mentalModelStore: resolved.mentalModelStore } : {}),
        ...(resolved.sourceStore ? { sourceStore: resolved.sourceStore } : {}),
        ...(resolved.pageIndexStore ? { pageIndexStore: resolved.pageIndexStore } : {}),
        ...(resolved.llmProvider ? { llm: resolved.llmProvider } : {}),
        ...(resolved.embeddingProvider ? { embeddingProvider: resolved.embeddingProvider } : {}),
        ...(resolved.engineProvider ? { engine: resolved.engineProvider } : {}),
      }, {
        providerTier: tier,
        ...(loaded.fallback_strategy ? { fallbackStrategy: loaded.fallback_strategy } : {}),
        ...(typeof homeostasis.recall_max_tokens === "number"
          ? { recallMaxTokens: homeostasis.recall_max_tokens }
          : {}),
        ...(typeof homeostasis.retain_max_content_bytes === "number"
          ? { maxContentBytes: homeostasis.retain_max_content_bytes }
          : {}),
        logger,
        onClose: () => resolved.close(),
      });
    } catch (e) {
      await resolved.close();
      throw e;
    }
  }

  /** `storage` (Tier 1 pipeline) or `engine` (Tier 2). */
  get tier(): "storage" | "engine" {
    return this.#tier;
  }

  #assertOpen(): void {
    if (this.#closed) throw new AstrocyteError(`${PREFIX} This Astrocyte instance is closed`);
  }

  async #embed(texts: string[]): Promise<number[][]> {
    const provider = (this.stores.embeddingProvider ?? this.stores.llm)!;
    const size = this.#options.embedBatchSize ?? 64;
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += size) {
      out.push(...await provider.embed(texts.slice(i, i + size)));
    }
    return out;
  }

  /**
   * Remember content: chunk, embed in batches, store in the vector store, mirror to the
   * document store with the same ids, record provenance and graph links when configured.
   */
  async retain(content: string, options: RetainOptions): Promise<RetainResult> {
    this.#assertOpen();
    const bankId = checkBankId(options.bankId);
    if (typeof content !== "string") {
      throw new ValidationError(`${PREFIX} content must be a string`, { field: "content" });
    }
    const bytes = new TextEncoder().encode(content).length;
    const maxBytes = this.#options.maxContentBytes ?? 1_000_000;
    if (bytes > maxBytes) {
      throw new ValidationError(
        `${PREFIX} Content is too large: ${bytes} bytes, at most ${maxBytes}`,
        { field: "content" },
      );
    }
    if (options.tags && options.tags.length > 100) {
      throw new ValidationError(`${PREFIX} At most 100 tags, got ${options.tags.length}`, {
        field: "tags",
      });
    }
    if (this.#tier === "engine") {
      return await this.stores.engine!.retain({
        content,
        bankId,
        ...(options.metadata ? { metadata: options.metadata } : {}),
        ...(options.tags ? { tags: options.tags } : {}),
        ...(options.occurredAt ? { occurredAt: options.occurredAt } : {}),
        ...(options.source ? { source: options.source } : {}),
        ...(options.factType ? { factType: options.factType } : {}),
      });
    }
    const chunks = chunkText(content, this.#options.chunking);
    if (chunks.length === 0) return { stored: false, error: "No content after chunking" };
    const vectors = await this.#embed(chunks);
    const now = new Date();
    const ids = chunks.map(() => newMemoryId());

    let chunkIds: (string | undefined)[] = chunks.map(() => undefined);
    const source = this.stores.sourceStore;
    if (source) {
      const documentId = await source.storeDocument({
        id: `src-${ids[0]}`,
        bankId,
        contentHash: await sha256Hex(content),
        contentType: "text/plain",
        ...(options.source ? { sourceUri: options.source } : {}),
        ...(options.metadata ? { metadata: options.metadata } : {}),
      });
      chunkIds = await source.storeChunks(
        await Promise.all(chunks.map(async (text, i) => ({
          id: `${documentId}:${i}`,
          bankId,
          documentId,
          chunkIndex: i,
          text,
          contentHash: await sha256Hex(text),
        }))),
      );
    }

    const items: VectorItem[] = chunks.map((text, i) => {
      const item: VectorItem = {
        id: ids[i]!,
        bankId,
        vector: vectors[i]!,
        text,
        metadata: { ...(options.metadata ?? {}), _created_at: now.toISOString() },
        factType: options.factType ?? "world",
        memoryLayer: "fact",
        retainedAt: now,
      };
      if (options.tags && options.tags.length > 0) item.tags = [...options.tags];
      if (options.occurredAt) item.occurredAt = options.occurredAt;
      if (chunkIds[i] !== undefined) item.chunkId = chunkIds[i];
      return item;
    });
    await this.stores.vectorStore!.storeVectors(items);

    const warnings: string[] = [];
    const documents = this.stores.documentStore;
    if (documents) {
      for (const item of items) {
        try {
          await documents.storeDocument({
            id: item.id,
            text: item.text,
            metadata: documentMetadata(item),
            ...(item.tags ? { tags: item.tags } : {}),
          }, bankId);
        } catch (e) {
          warnings.push(`store_document failed: ${errorText(e)}`);
        }
      }
    }
    const graph = this.stores.graphStore;
    if (graph) {
      try {
        await this.#linkEntities(graph, items, options, bankId);
      } catch (e) {
        warnings.push(`graph linking failed: ${errorText(e)}`);
      }
    }
    for (const w of warnings) this.#logger.warn(`${PREFIX} ${w}`);
    return { stored: true, memoryId: ids[0]!, memoryIds: ids, memoryLayer: "fact" };
  }

  async #linkEntities(
    graph: GraphStore,
    items: VectorItem[],
    options: RetainOptions,
    bankId: string,
  ): Promise<void> {
    const extra = (options.entities ?? []).map((e) => ({
      name: e.name,
      entityType: e.entityType ?? "OTHER",
    }));
    const entities = new Map<string, { id: string; name: string; entityType: string }>();
    const associations: { memoryId: string; entityId: string; memoryText: string }[] = [];
    for (const item of items) {
      const found = extractEntities(item.text);
      for (const e of extra) found.push({ id: entityIdFor(e.name), ...e });
      for (const e of found) {
        entities.set(e.id, e);
        associations.push({ memoryId: item.id, entityId: e.id, memoryText: item.text });
      }
    }
    if (entities.size === 0) return;
    await graph.storeEntities([...entities.values()], bankId);
    await graph.linkMemoriesToEntities(associations, bankId);
    const ids = [...entities.keys()];
    const links = [];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length && links.length < 200; j++) {
        links.push({ entityA: ids[i]!, entityB: ids[j]!, linkType: "co_occurs" });
      }
    }
    if (links.length > 0) await graph.storeLinks(links, bankId);
  }

  /**
   * Find relevant memories: semantic, keyword and graph retrieval in parallel (a failing
   * strategy yields nothing and is reported in the trace), fused with RRF (k = 60), cut by
   * `maxResults` and the token budget.
   */
  async recall(query: string, options: RecallOptions): Promise<RecallResult> {
    this.#assertOpen();
    const banks = options.banks ?? (options.bankId !== undefined ? [options.bankId] : []);
    if (banks.length === 0) {
      throw new ValidationError(`${PREFIX} recall needs bankId or banks`, { field: "bankId" });
    }
    banks.forEach(checkBankId);
    const maxResults = options.maxResults ?? 10;
    if (!Number.isInteger(maxResults) || maxResults < 1) {
      throw new ValidationError(`${PREFIX} maxResults must be an integer ≥ 1`, {
        field: "maxResults",
      });
    }
    const maxTokens = options.maxTokens ?? this.#options.recallMaxTokens;
    if (this.#tier === "engine") {
      const results = await Promise.all(banks.map((bankId) =>
        this.stores.engine!.recall({
          query,
          bankId,
          maxResults,
          ...(maxTokens !== undefined ? { maxTokens } : {}),
          ...(options.tags ? { tags: options.tags } : {}),
          ...(options.factTypes ? { factTypes: options.factTypes } : {}),
          ...(options.timeRange ? { timeRange: options.timeRange } : {}),
          ...(options.asOf ? { asOf: options.asOf } : {}),
          ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}),
        })
      ));
      if (results.length === 1) return results[0]!;
      const fused = fuseRrf(results.map((r, i) => ({
        name: banks[i]!,
        items: r.hits.map((h, rank) => ({ id: `${banks[i]}\u0000${h.memoryId ?? rank}`, hit: h })),
      })));
      const hits = fused.slice(0, maxResults).map((f) => ({ ...f.item.hit, score: f.score }));
      const budget = enforceTokenBudget(hits, maxTokens);
      return {
        hits: budget.hits,
        totalAvailable: fused.length,
        truncated: budget.truncated || fused.length > maxResults,
        trace: { fusionMethod: "rrf", strategiesUsed: ["engine"] },
      };
    }
    const t0 = performance.now();
    const [vector] = await this.#embed([query]);
    const perBank = await Promise.all(
      banks.map((bankId) => this.#recallBank(query, vector!, bankId, options, maxResults)),
    );
    let fused: { id: string; score: number; candidate: Candidate }[];
    const trace: RecallTrace = perBank[0]!.trace;
    if (perBank.length === 1) {
      fused = perBank[0]!.fused;
    } else {
      fused = fuseRrf(perBank.map((r, i) => ({
        name: banks[i]!,
        items: r.fused.map((f) => ({ id: `${banks[i]}\u0000${f.id}`, candidate: f.candidate })),
      }))).map((f) => ({ id: f.id, score: f.score, candidate: f.item.candidate }));
      trace.strategiesUsed = [...new Set(perBank.flatMap((r) => r.trace.strategiesUsed ?? []))];
      trace.totalCandidates = perBank.reduce((n, r) => n + (r.trace.totalCandidates ?? 0), 0);
      // Banks run in parallel: a strategy's time is its slowest bank, its count the sum.
      const timings: Record<string, number> = {};
      const counts: Record<string, number> = {};
      const errors: Record<string, string> = {};
      perBank.forEach((r, i) => {
        for (const [k, v] of Object.entries(r.trace.strategyTimingsMs ?? {})) {
          timings[k] = Math.max(timings[k] ?? 0, v);
        }
        for (const [k, v] of Object.entries(r.trace.strategyCandidateCounts ?? {})) {
          counts[k] = (counts[k] ?? 0) + v;
        }
        for (const [k, v] of Object.entries(r.trace.strategyErrors ?? {})) {
          errors[`${banks[i]}/${k}`] = v;
        }
      });
      trace.strategyTimingsMs = timings;
      trace.strategyCandidateCounts = counts;
      if (Object.keys(errors).length > 0) trace.strategyErrors = errors;
      else delete trace.strategyErrors;
    }
    const cut = fused.slice(0, maxResults).map((f) => ({ ...f.candidate.hit, score: f.score }));
    const budget = enforceTokenBudget(cut, maxTokens);
    trace.latencyMs = performance.now() - t0;
    const topSemantic = Math.max(0, ...perBank.map((r) => r.topSemanticScore));
    return {
      hits: budget.hits,
      totalAvailable: fused.length,
      truncated: budget.truncated || fused.length > maxResults,
      trace,
      topSemanticScore: topSemantic,
    };
  }

  async #recallBank(
    query: string,
    vector: number[],
    bankId: string,
    options: RecallOptions,
    maxResults: number,
  ): Promise<{
    fused: { id: string; score: number; candidate: Candidate }[];
    trace: RecallTrace;
    topSemanticScore: number;
  }> {
    const filters = filtersOf(options);
    const overfetch = maxResults * 5;
    const wanted = new Set(options.strategies ?? ["semantic", "keyword", "graph"]);
    const vectorStore = this.stores.vectorStore!;
    const strategies: { name: string; run: () => Promise<Candidate[]> }[] = [];
    if (wanted.has("semantic")) {
      strategies.push({
        name: "semantic",
        run: async () => {
          const caps = vectorStore.capabilities.filters;
          const native = filters &&
            Object.keys(filters).every((k) => caps[k as keyof typeof caps] === true);
          const hits = await vectorStore.searchSimilar(vector, bankId, {
            limit: native || !filters ? overfetch : overfetch * 4,
            ...(filters ? { filters } : {}),
          });
          // Post-filter what the store could not honour natively.
          const kept = native ? hits : hits.filter((h) => matchesVectorFilters(h, filters));
          return kept.slice(0, overfetch).map((h) => ({
            id: h.id,
            text: h.text,
            bankId,
            hit: hitFromVector(h, bankId),
            semanticScore: h.score,
          }));
        },
      });
    }
    const documents = this.stores.documentStore;
    if (documents && wanted.has("keyword")) {
      strategies.push({
        name: "keyword",
        run: async () => {
          const hits = await documents.searchFulltext(query, bankId, {
            limit: overfetch,
            ...(options.tags ? { filters: { tags: options.tags } } : {}),
          });
          return hits.map((h) => ({
            id: h.documentId,
            text: h.text,
            bankId,
            hit: hitFromDocument(h, bankId),
          })).filter((c) => matchesVectorFilters(c.hit, filters));
        },
      });
    }
    const graph = this.stores.graphStore;
    if (graph && wanted.has("graph")) {
      strategies.push({
        name: "graph",
        run: async () => {
          const names = extractEntities(query).map((e) => e.name);
          if (names.length === 0) return [];
          const found = await Promise.all(
            names.map((n) => graph.queryEntities(n, bankId, { limit: 3 })),
          );
          const entityIds = [...new Set(found.flat().map((e) => e.id))];
          if (entityIds.length === 0) return [];
          const hits: GraphHit[] = await graph.queryNeighbors(entityIds, bankId, {
            maxDepth: 2,
            limit: overfetch,
          });
          // Graph hits carry no filterable fields: with filters, only keep them when another
          // strategy also returns them (fusion adds their rank there).
          // Memories reached from more of the query's entities rank first (an entity linked
          // to every memory of the bank says little on its own), then by depth.
          const ranked = hits
            .filter((h) => h.text.length > 0)
            .map((h, i) => ({ h, i }))
            .sort((a, b) =>
              b.h.connectedEntities.length - a.h.connectedEntities.length ||
              b.h.score - a.h.score || a.i - b.i
            )
            .map(({ h }) => h);
          return ranked.map((h) => ({
            id: h.memoryId,
            text: h.text,
            bankId,
            hit: { text: h.text, score: h.score, memoryId: h.memoryId, bankId },
          }));
        },
      });
    }
    const timings: Record<string, number> = {};
    const counts: Record<string, number> = {};
    const errors: Record<string, string> = {};
    const lists = await Promise.all(strategies.map(async (s) => {
      const t = performance.now();
      try {
        const items = await s.run();
        counts[s.name] = items.length;
        return { name: s.name, items };
      } catch (e) {
        errors[s.name] = errorText(e);
        counts[s.name] = 0;
        this.#logger.warn(`${PREFIX} recall strategy ${s.name} failed: ${errorText(e)}`);
        return { name: s.name, items: [] as Candidate[] };
      } finally {
        timings[s.name] = performance.now() - t;
      }
    }));
    const byStrategy = new Map(lists.map((l) => [l.name, l.items]));
    let rankedLists: RankedList<Candidate>[] = lists;
    if (filters && byStrategy.has("graph")) {
      const allowed = new Set(
        lists.filter((l) => l.name !== "graph").flatMap((l) => l.items.map((c) => c.id)),
      );
      rankedLists = lists.map((l) =>
        l.name === "graph" ? { ...l, items: l.items.filter((c) => allowed.has(c.id)) } : l
      );
    }
    // Prefer the semantic payload (richest) for each id.
    const semantic = new Map((byStrategy.get("semantic") ?? []).map((c) => [c.id, c]));
    const fused = fuseRrf(rankedLists).map((f) => ({
      id: f.id,
      score: f.score,
      candidate: semantic.get(f.id) ?? f.item,
    }));
    const trace: RecallTrace = {
      strategiesUsed: lists.map((l) => l.name),
      totalCandidates: lists.reduce((n, l) => n + l.items.length, 0),
      fusionMethod: "rrf",
      strategyTimingsMs: timings,
      strategyCandidateCounts: counts,
      tierUsed: 1,
    };
    if (Object.keys(errors).length > 0) trace.strategyErrors = errors;
    const top = byStrategy.get("semantic")?.[0]?.semanticScore ?? 0;
    return { fused, trace, topSemanticScore: top };
  }

  /**
   * Answer a question from memory: recall, then complete with the LLM; without a completion
   * model, an extractive answer from the best memories.
   */
  async reflect(query: string, options: ReflectOptions): Promise<ReflectResult> {
    this.#assertOpen();
    if (this.#tier === "engine") {
      const engine = this.stores.engine!;
      const bankId = checkBankId(options.bankId);
      if (engine.capabilities.supportsReflect) {
        return await engine.reflect({
          query,
          bankId,
          ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
          ...(options.tags ? { tags: options.tags } : {}),
          ...(options.asOf ? { asOf: options.asOf } : {}),
        });
      }
      const strategy = this.#options.fallbackStrategy ?? "error";
      if (strategy === "error") {
        throw new CapabilityNotSupportedError(
          `${PREFIX} The engine does not support reflect (fallback_strategy: error)`,
          { provider: "engine", capability: "reflect" },
        );
      }
      const recalled = await this.recall(query, { ...options, maxResults: 10 });
      if (strategy === "degrade" || !this.stores.llm?.capabilities.supportsCompletion) {
        return {
          answer: recalled.hits.map((h) => h.text).join("\n"),
          sources: recalled.hits,
        };
      }
      return await this.#synthesise(query, recalled.hits, options);
    }
    const recalled = await this.recall(query, { ...options, maxResults: options.maxResults ?? 8 });
    return await this.#synthesise(query, recalled.hits, options);
  }

  async #synthesise(
    query: string,
    hits: MemoryHit[],
    options: ReflectOptions,
  ): Promise<ReflectResult> {
    if (hits.length === 0) {
      return {
        answer: "I have no memories relevant to that question.",
        sources: [],
        confidence: 0,
      };
    }
    const llm = this.stores.llm;
    if (!llm || !llm.capabilities.supportsCompletion) {
      return {
        answer: hits.slice(0, 3).map((h) => h.text).join("\n"),
        sources: hits,
      };
    }
    const memories = hits.map((h, i) => `[${i + 1}] ${h.text}`).join("\n");
    const completion = await llm.complete([
      {
        role: "system",
        content:
          "Answer the question using only the memories provided. Cite memory numbers like [1]. " +
          "If the memories do not contain the answer, say so.",
      },
      {
        role: "user",
        content: `<memories>\n${memories}\n</memories>\n<query>${query}</query>`,
      },
    ], { maxTokens: options.maxAnswerTokens ?? 512, temperature: 0 });
    return { answer: completion.text, sources: hits };
  }

  /**
   * Remove memories from every configured store: by ids, tags, `beforeDate` (OR-ed), or the
   * whole bank with `scope: "all"`.
   */
  async forget(options: ForgetOptions): Promise<ForgetResult> {
    this.#assertOpen();
    const bankId = checkBankId(options.bankId);
    if (this.#tier === "engine") {
      const engine = this.stores.engine!;
      if (!engine.capabilities.supportsForget) {
        throw new CapabilityNotSupportedError(`${PREFIX} The engine does not support forget`, {
          provider: "engine",
          capability: "forget",
        });
      }
      return await engine.forget({
        bankId,
        ...(options.memoryIds ? { memoryIds: options.memoryIds } : {}),
        ...(options.tags ? { tags: options.tags } : {}),
        ...(options.beforeDate ? { beforeDate: options.beforeDate } : {}),
        ...(options.scope ? { scope: options.scope } : {}),
      });
    }
    const s = this.stores;
    if (options.scope === "all") {
      const deleted = await s.vectorStore!.deleteBank(bankId);
      await Promise.all([
        s.documentStore?.deleteBank(bankId),
        s.graphStore?.deleteBank(bankId),
        s.sourceStore?.deleteBank(bankId),
        s.wikiStore?.deleteBank(bankId),
        s.mentalModelStore?.deleteBank(bankId),
        s.pageIndexStore?.deleteBank(bankId),
      ]);
      return { deletedCount: deleted };
    }
    const ids = new Set(options.memoryIds ?? []);
    if (options.tags !== undefined || options.beforeDate !== undefined) {
      const tags = options.tags ?? [];
      const before = options.beforeDate?.getTime();
      const page = 500;
      for (let offset = 0;; offset += page) {
        const items = await s.vectorStore!.listVectors(bankId, { offset, limit: page });
        for (const item of items) {
          const byTag = tags.length > 0 && (item.tags ?? []).some((t) => tags.includes(t));
          const byDate = before !== undefined && item.occurredAt !== undefined &&
            item.occurredAt.getTime() < before;
          if (byTag || byDate) ids.add(item.id);
        }
        if (items.length < page) break;
      }
    }
    if (ids.size === 0) return { deletedCount: 0 };
    const list = [...ids];
    const deleted = await s.vectorStore!.delete(list, bankId);
    await Promise.all([
      s.documentStore?.deleteDocuments(list, bankId),
      s.graphStore?.forgetMemories(list, bankId),
    ]);
    return { deletedCount: deleted };
  }

  /** Health of every configured store and provider; healthy only when all are. Never throws. */
  async health(): Promise<HealthStatus & { components: Record<string, HealthStatus> }> {
    const t0 = performance.now();
    const components: Record<string, HealthStatus> = {};
    const entries = Object.entries(this.stores).filter(([, v]) => v !== undefined) as [
      string,
      { health(): Promise<HealthStatus> },
    ][];
    const seen = new Set<unknown>();
    await Promise.all(entries.map(async ([name, store]) => {
      if (seen.has(store)) return;
      seen.add(store);
      try {
        components[name] = await store.health();
      } catch (e) {
        components[name] = { healthy: false, message: errorText(e) };
      }
    }));
    const unhealthy = Object.entries(components).filter(([, h]) => !h.healthy);
    return {
      healthy: unhealthy.length === 0,
      message: unhealthy.length === 0
        ? "all components healthy"
        : `unhealthy: ${
          unhealthy.map(([n, h]) => `${n} (${h.message ?? "no detail"})`).join(", ")
        }`,
      latencyMs: performance.now() - t0,
      lastCheckAt: new Date(),
      components,
    };
  }

  /** Close every store and provider once. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#options.onClose) {
      await this.#options.onClose();
      return;
    }
    const seen = new Set<unknown>();
    for (const store of Object.values(this.stores)) {
      if (!store || seen.has(store)) continue;
      seen.add(store);
      await (store as { close(): Promise<void> }).close();
    }
  }

  /** Same as {@linkcode Astrocyte.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
