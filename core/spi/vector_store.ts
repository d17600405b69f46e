/**
 * The VectorStore SPI: semantic storage and similarity search, scoped per bank.
 *
 * @module
 */
import type { Capability, Metadata, Store, StoreCapabilities, TimeRange } from "../types.ts";

/** The VectorStore SPI version this core implements. */
export const VECTOR_STORE_SPI_VERSION = 1 as const;

/** One stored memory chunk with its embedding. The key is `(bankId, id)`. */
export interface VectorItem {
  /** Record id, unique within the bank. */
  id: string;
  /** The bank (tenant) that owns the record. */
  bankId: string;
  /**
   * The embedding: finite numbers, length equal to the store's dimension. Stored as float32:
   * it reads back as `Math.fround` of each component (−0 as 0), or within one float32 ulp of
   * it where the adapter normalises vectors (Upstash DOT_PRODUCT and EUCLIDEAN indexes).
   */
  vector: number[];
  /** The chunk text. */
  text: string;
  /** Flat scalar metadata; `metadata.session_id` is what the `sessionId` filter matches. */
  metadata?: Metadata;
  /** Free-form tags, matched by the `tags` filter (any overlap). */
  tags?: string[];
  /** Fact type, commonly `world`, `experience`, `observation` or `wiki`. */
  factType?: string;
  /** When the remembered event happened (matched by `timeRange`). */
  occurredAt?: Date;
  /** Memory layer: `fact`, `observation`, `model` or `compiled`. */
  memoryLayer?: string;
  /** When the record was stored (matched by `asOf`). */
  retainedAt?: Date;
  /** Back-reference to a `SourceChunk.id`. */
  chunkId?: string;
}

/**
 * Search filters. Every field is honoured by every VectorStore that declares it in
 * {@linkcode VectorStoreCapabilities.filters}; the facade post-filters the rest.
 */
export interface VectorFilters {
  /** Any overlap with the item's tags; untagged items are excluded. */
  tags?: string[];
  /** Membership of the item's `factType`; items without one are excluded. */
  factTypes?: string[];
  /** Inclusive range on `occurredAt`; items without it are excluded. */
  timeRange?: TimeRange;
  /** Exact equality on every given metadata key (AND). */
  metadataFilters?: Metadata;
  /** Time travel: only items with `retainedAt <= asOf`; items without `retainedAt` pass. */
  asOf?: Date;
  /** Exact match on `metadata.session_id`; items without it are excluded. */
  sessionId?: string;
}

/** A search result. */
export interface VectorHit {
  /** Record id. */
  id: string;
  /** The chunk text. */
  text: string;
  /** Cosine similarity clamped to `[0, 1]` (`max(0, cos)`); 1 is an exact match. */
  score: number;
  /** Metadata as stored. */
  metadata?: Metadata;
  /** Tags as stored. */
  tags?: string[];
  /** Fact type as stored. */
  factType?: string;
  /** Event time as stored. */
  occurredAt?: Date;
  /** Memory layer as stored. */
  memoryLayer?: string;
  /** Store time as stored. */
  retainedAt?: Date;
  /** Source chunk reference as stored. */
  chunkId?: string;
}

/** Options for {@linkcode VectorStore.searchSimilar}. */
export interface SearchSimilarOptions {
  /** Maximum number of hits. @default {10} */
  limit?: number;
  /** Filters; see {@linkcode VectorFilters} for the exact semantics. */
  filters?: VectorFilters;
}

/** Options for {@linkcode VectorStore.listVectors}. */
export interface ListVectorsOptions {
  /** Number of items to skip. @default {0} */
  offset?: number;
  /** Maximum number of items. @default {100} */
  limit?: number;
}

/** Which {@linkcode VectorFilters} fields a store honours natively. */
export interface VectorFilterCapabilities {
  /** `tags` filter. */
  readonly tags: Capability;
  /** `factTypes` filter. */
  readonly factTypes: Capability;
  /** `timeRange` filter. */
  readonly timeRange: Capability;
  /** `asOf` filter. */
  readonly asOf: Capability;
  /** `sessionId` filter. */
  readonly sessionId: Capability;
  /** `metadataFilters`. */
  readonly metadataFilters: Capability;
}

/** What a VectorStore instance supports. */
export interface VectorStoreCapabilities extends StoreCapabilities {
  /** The fixed dimension, or `null` when it is set by the first write (in-memory store). */
  readonly dimensions: number | null;
  /** The similarity metric scores are derived from. */
  readonly metric: "cosine";
  /** Largest number of items one `storeVectors` call sends in a single request, if bounded. */
  readonly maxBatchSize: number | null;
  /** Filter fields honoured natively. */
  readonly filters: VectorFilterCapabilities;
}

/**
 * Vector storage and similarity search. Every method is scoped to one bank and must never
 * read, count, change or delete another bank's records.
 */
export interface VectorStore extends Store<VectorStoreCapabilities> {
  /**
   * Upsert items (same `(bankId, id)` overwrites). Every vector is validated first; one bad
   * item fails the whole call with `InvalidVectorError`/`DimensionMismatchError` and nothing
   * is written. Returns the ids in input order; `[]` for empty input.
   */
  storeVectors(items: VectorItem[]): Promise<string[]>;
  /**
   * The `limit` most similar items of the bank that match the filters, sorted by score
   * descending, ties by id ascending. Returns `min(limit, matching items)` hits. An unknown
   * bank gives `[]`; a query of the wrong length throws `DimensionMismatchError`.
   */
  searchSimilar(
    queryVector: number[],
    bankId: string,
    options?: SearchSimilarOptions,
  ): Promise<VectorHit[]>;
  /**
   * Hard-delete ids in this bank. Returns the number actually removed (0 for empty input,
   * unknown ids, or ids that exist only in other banks).
   */
  delete(ids: string[], bankId: string): Promise<number>;
  /** A page of the bank's items ordered by id ascending (code-unit order); `[]` past the end. */
  listVectors(bankId: string, options?: ListVectorsOptions): Promise<VectorItem[]>;
  /** Remove every record of the bank. Returns the number removed. Other banks are untouched. */
  deleteBank(bankId: string): Promise<number>;
}
