/**
 * The in-memory reference {@linkcode VectorStore}: exact cosine search over contiguous
 * `Float32Array` storage, one per bank, with the SPI semantics of `spi.md` §2 to the letter.
 *
 * It is the executable specification the contract harness is checked against, and a fast
 * store for tests, demos and small deployments (nothing is persisted).
 *
 * @example
 * ```ts
 * import { createInMemoryVectorStore } from "@astrocyte/core";
 *
 * const store = createInMemoryVectorStore({ dimensions: 3 });
 * await store.storeVectors([
 *   { id: "a", bankId: "user-1", vector: [1, 0, 0], text: "likes tea", tags: ["pref"] },
 *   { id: "b", bankId: "user-1", vector: [0, 1, 0], text: "lives in Oslo" },
 * ]);
 * const hits = await store.searchSimilar([1, 0.1, 0], "user-1", {
 *   limit: 5,
 *   filters: { tags: ["pref"] },
 * });
 * console.log(hits.map((h) => h.id)); // ["a"]
 * await store.close();
 * ```
 *
 * @module
 */
import { ProviderUnavailableError, ValidationError } from "../errors.ts";
import type {
  ListVectorsOptions,
  SearchSimilarOptions,
  VectorFilters,
  VectorHit,
  VectorItem,
  VectorStore,
  VectorStoreCapabilities,
} from "../spi/vector_store.ts";
import type { HealthStatus, Metadata } from "../types.ts";
import { matchesVectorFilters } from "../util/filters.ts";
import {
  compareIds,
  validateBankId,
  validateCount,
  validateVector,
  validateVectorItems,
} from "../util/validate.ts";
import { enforceInputRules } from "../util/input_rules.ts";
import { toStoredMetadata } from "../util/stored_values.ts";
import { TopKHeap } from "./_vector_top_k.ts";

/** Options for {@linkcode createInMemoryVectorStore}. */
export interface InMemoryVectorStoreOptions {
  /**
   * The vector dimension. When absent, the first successful `storeVectors` call fixes it for
   * the life of the store (and `capabilities.dimensions` reports it from then on).
   * @default {undefined}
   */
  dimensions?: number;
}

const PREFIX = "[astrocyte/core]";
const PROVIDER = "in_memory";
const INITIAL_CAPACITY = 16;

/** The non-vector fields of a stored item (always private copies). */
interface StoredRecord {
  id: string;
  text: string;
  metadata?: Metadata;
  tags?: string[];
  factType?: string;
  occurredAt?: Date;
  memoryLayer?: string;
  retainedAt?: Date;
  chunkId?: string;
}

/**
 * One bank: vectors packed slot after slot in one `Float32Array` (`capacity × stride`, where
 * the stride is the dimension rounded up to a multiple of 4 and the padding stays zero, so the
 * scan's unrolled loop needs no tail), the inverse norm of each vector, the record and id of
 * each slot, and id → slot. Deletes swap the last slot into the hole, so slots `0 … size-1`
 * are always dense.
 */
interface Bank {
  data: Float32Array;
  invNorms: Float64Array;
  records: StoredRecord[];
  ids: string[];
  slotOf: Map<string, number>;
  size: number;
  capacity: number;
  /** Ids in code-unit order, rebuilt lazily after inserts and deletes. */
  sortedIds: string[] | null;
}

/** Floats per stored vector: the dimension rounded up to a multiple of 4. */
function strideOf(dim: number): number {
  return (dim + 3) & ~3;
}

function newBank(stride: number, capacity: number): Bank {
  return {
    data: new Float32Array(capacity * stride),
    invNorms: new Float64Array(capacity),
    records: [],
    ids: [],
    slotOf: new Map(),
    size: 0,
    capacity,
    sortedIds: null,
  };
}

function resize(bank: Bank, stride: number, capacity: number): void {
  const data = new Float32Array(capacity * stride);
  data.set(bank.data.subarray(0, bank.size * stride));
  const invNorms = new Float64Array(capacity);
  invNorms.set(bank.invNorms.subarray(0, bank.size));
  bank.data = data;
  bank.invNorms = invNorms;
  bank.capacity = capacity;
}

function copyDate(d: Date | undefined | null): Date | undefined {
  return d === undefined || d === null ? undefined : new Date(d.getTime());
}

function isPresent<T>(v: T | undefined | null): v is T {
  return v !== undefined && v !== null;
}

/** Check the optional fields of one item so a bad one fails the call before any write. */
function validateOptionalFields(item: VectorItem, i: number): void {
  const fail = (field: string, what: string): never => {
    throw new ValidationError(`${PREFIX} items[${i}].${field} must be ${what}`, {
      field: `items[${i}].${field}`,
    });
  };
  const md: unknown = item.metadata;
  if (isPresent(md)) {
    if (typeof md !== "object" || Array.isArray(md)) fail("metadata", "an object");
    for (const [key, value] of Object.entries(md as Record<string, unknown>)) {
      if (
        value !== null && typeof value !== "string" && typeof value !== "boolean" &&
        !(typeof value === "number" && Number.isFinite(value))
      ) {
        fail(`metadata.${key}`, "a string, finite number, boolean or null");
      }
    }
  }
  const tags: unknown = item.tags;
  if (isPresent(tags)) {
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string")) {
      fail("tags", "an array of strings");
    }
  }
  for (const field of ["factType", "memoryLayer", "chunkId"] as const) {
    const v: unknown = item[field];
    if (isPresent(v) && typeof v !== "string") fail(field, "a string");
  }
  for (const field of ["occurredAt", "retainedAt"] as const) {
    const v: unknown = item[field];
    if (isPresent(v) && !(v instanceof Date && Number.isFinite(v.getTime()))) {
      fail(field, "a valid Date");
    }
  }
}

function validateFilters(filters: VectorFilters | undefined): void {
  if (!isPresent(filters)) return;
  const fail = (field: string, what: string): never => {
    throw new ValidationError(`${PREFIX} filters.${field} must be ${what}`, {
      field: `filters.${field}`,
    });
  };
  if (typeof filters !== "object") fail("", "an object");
  for (const field of ["tags", "factTypes"] as const) {
    const v: unknown = filters[field];
    if (v !== undefined && (!Array.isArray(v) || v.some((t) => typeof t !== "string"))) {
      fail(field, "an array of strings");
    }
  }
  const isDate = (v: unknown): boolean => v instanceof Date && Number.isFinite(v.getTime());
  if (filters.timeRange !== undefined) {
    const tr: unknown = filters.timeRange;
    if (
      tr === null || typeof tr !== "object" ||
      !isDate((tr as { start?: unknown }).start) || !isDate((tr as { end?: unknown }).end)
    ) {
      fail("timeRange", "{ start: Date, end: Date }");
    }
  }
  if (filters.asOf !== undefined && !isDate(filters.asOf)) fail("asOf", "a valid Date");
  if (filters.sessionId !== undefined && typeof filters.sessionId !== "string") {
    fail("sessionId", "a string");
  }
  const mf: unknown = filters.metadataFilters;
  if (mf !== undefined && (mf === null || typeof mf !== "object" || Array.isArray(mf))) {
    fail("metadataFilters", "an object");
  }
}

/** A private copy of the non-vector fields, with absent (or null) optionals omitted. */
function toRecord(item: VectorItem): StoredRecord {
  const rec: StoredRecord = { id: item.id, text: item.text };
  if (isPresent(item.metadata)) rec.metadata = toStoredMetadata(item.metadata);
  if (isPresent(item.tags)) rec.tags = [...item.tags];
  if (isPresent(item.factType)) rec.factType = item.factType;
  if (isPresent(item.occurredAt)) rec.occurredAt = copyDate(item.occurredAt);
  if (isPresent(item.memoryLayer)) rec.memoryLayer = item.memoryLayer;
  if (isPresent(item.retainedAt)) rec.retainedAt = copyDate(item.retainedAt);
  if (isPresent(item.chunkId)) rec.chunkId = item.chunkId;
  return rec;
}

/** Copy the optional fields of a record onto `out` (fresh objects, absent fields omitted). */
function copyOptionals<T extends Partial<StoredRecord>>(rec: StoredRecord, out: T): T {
  if (rec.metadata !== undefined) out.metadata = { ...rec.metadata };
  if (rec.tags !== undefined) out.tags = [...rec.tags];
  if (rec.factType !== undefined) out.factType = rec.factType;
  if (rec.occurredAt !== undefined) out.occurredAt = new Date(rec.occurredAt.getTime());
  if (rec.memoryLayer !== undefined) out.memoryLayer = rec.memoryLayer;
  if (rec.retainedAt !== undefined) out.retainedAt = new Date(rec.retainedAt.getTime());
  if (rec.chunkId !== undefined) out.chunkId = rec.chunkId;
  return out;
}

function hasAnyFilter(filters: VectorFilters | undefined): filters is VectorFilters {
  if (!isPresent(filters)) return false;
  return filters.tags !== undefined || filters.factTypes !== undefined ||
    filters.timeRange !== undefined || filters.asOf !== undefined ||
    filters.sessionId !== undefined || filters.metadataFilters !== undefined;
}

/**
 * Create the in-memory reference {@linkcode VectorStore}.
 *
 * - Ids are scoped per bank: the key is `(bankId, id)`.
 * - Search is an exact cosine scan of the bank's contiguous `Float32Array` storage with a
 *   bounded top-k heap; scores are `max(0, cos)`, ties broken by id ascending. Vectors are
 *   kept as float32, so values read back are float32-rounded.
 * - Every filter field is honoured natively (strict reading of `spi.md` §2.4).
 * - Every returned object is a fresh copy; items are copied on the way in as well.
 * - `close()` drops all data; later calls (except `health` and `close`) throw
 *   {@linkcode ProviderUnavailableError}.
 *
 * @example
 * ```ts
 * import { createInMemoryVectorStore } from "@astrocyte/core";
 *
 * await using store = createInMemoryVectorStore();
 * await store.storeVectors([{ id: "m1", bankId: "b", vector: [0.6, 0.8], text: "hi" }]);
 * console.log(store.capabilities.dimensions); // 2 (fixed by the first write)
 * ```
 */
export function createInMemoryVectorStore(
  options: InMemoryVectorStoreOptions = {},
): VectorStore {
  const configured = options.dimensions;
  if (
    configured !== undefined &&
    (typeof configured !== "number" || !Number.isInteger(configured) || configured < 1)
  ) {
    throw new ValidationError(`${PREFIX} dimensions must be a positive integer`, {
      field: "dimensions",
    });
  }
  let dim: number | null = configured ?? null;
  const banks = new Map<string, Bank>();
  let closed = false;

  const makeCapabilities = (): VectorStoreCapabilities =>
    Object.freeze(
      {
        consistency: "strong",
        atomicBatches: true,
        persistent: false,
        dimensions: dim,
        metric: "cosine",
        maxBatchSize: null,
        filters: Object.freeze({
          tags: true,
          factTypes: true,
          timeRange: true,
          asOf: true,
          sessionId: true,
          metadataFilters: true,
        }),
      } as const,
    );
  let capabilities = makeCapabilities();

  const ensureOpen = (): void => {
    if (closed) {
      throw new ProviderUnavailableError(`${PREFIX} In-memory vector store is closed`, {
        provider: PROVIDER,
        retryable: false,
      });
    }
  };

  /** Write one validated item into its bank (upsert on `(bankId, id)`). */
  const put = (item: VectorItem, rec: StoredRecord, d: number): void => {
    const stride = strideOf(d);
    let bank = banks.get(item.bankId);
    if (bank === undefined) {
      bank = newBank(stride, INITIAL_CAPACITY);
      banks.set(item.bankId, bank);
    }
    let slot = bank.slotOf.get(item.id);
    if (slot === undefined) {
      if (bank.size === bank.capacity) resize(bank, stride, bank.capacity * 2);
      slot = bank.size++;
      bank.slotOf.set(item.id, slot);
      bank.ids[slot] = item.id;
      bank.sortedIds = null;
    }
    bank.records[slot] = rec;
    const base = slot * stride;
    const data = bank.data;
    const v = item.vector;
    let sq = 0;
    for (let j = 0; j < d; j++) {
      // Stored as float32, with −0 stored as 0 (core/README.md, "Input rules").
      const x = Math.fround(v[j]!) + 0;
      data[base + j] = x;
      sq += x * x;
    }
    bank.invNorms[slot] = sq > 0 ? 1 / Math.sqrt(sq) : 0;
  };

  /** Swap-remove one slot. */
  const removeSlot = (bank: Bank, slot: number, stride: number): void => {
    const last = bank.size - 1;
    const id = bank.ids[slot]!;
    if (slot !== last) {
      bank.data.copyWithin(slot * stride, last * stride, last * stride + stride);
      bank.invNorms[slot] = bank.invNorms[last]!;
      const movedId = bank.ids[last]!;
      bank.ids[slot] = movedId;
      bank.records[slot] = bank.records[last]!;
      bank.slotOf.set(movedId, slot);
    }
    bank.ids.length = last;
    bank.records.length = last;
    bank.slotOf.delete(id);
    bank.size = last;
    bank.sortedIds = null;
  };

  const store: VectorStore = {
    get capabilities(): VectorStoreCapabilities {
      return capabilities;
    },

    storeVectors(items: VectorItem[]): Promise<string[]> {
      try {
        ensureOpen();
        const batchDim = validateVectorItems(items, dim, PREFIX);
        items.forEach(validateOptionalFields);
        if (items.length === 0 || batchDim === null) return Promise.resolve([]);
        // Everything is validated: from here on nothing can fail, so the batch is atomic.
        const records = items.map(toRecord);
        if (dim === null) {
          dim = batchDim;
          capabilities = makeCapabilities();
        }
        for (let i = 0; i < items.length; i++) put(items[i]!, records[i]!, batchDim);
        return Promise.resolve(items.map((it) => it.id));
      } catch (e) {
        return Promise.reject(e);
      }
    },

    searchSimilar(
      queryVector: number[],
      bankId: string,
      opts: SearchSimilarOptions = {},
    ): Promise<VectorHit[]> {
      try {
        ensureOpen();
        validateBankId(bankId, PREFIX);
        const limit = validateCount(opts?.limit, 10, "limit", PREFIX);
        validateVector(queryVector, dim, "queryVector", PREFIX);
        const filters = opts?.filters;
        validateFilters(filters);
        const bank = banks.get(bankId);
        if (bank === undefined || dim === null || limit === 0) return Promise.resolve([]);
        return Promise.resolve(search(bank, dim, queryVector, limit, filters));
      } catch (e) {
        return Promise.reject(e);
      }
    },

    delete(ids: string[], bankId: string): Promise<number> {
      try {
        ensureOpen();
        validateBankId(bankId, PREFIX);
        if (!Array.isArray(ids)) {
          throw new ValidationError(`${PREFIX} ids must be an array of strings`, {
            field: "ids",
          });
        }
        const bank = banks.get(bankId);
        if (bank === undefined || dim === null) return Promise.resolve(0);
        let removed = 0;
        for (const id of ids) {
          const slot = bank.slotOf.get(id);
          if (slot === undefined) continue;
          removeSlot(bank, slot, strideOf(dim));
          removed++;
        }
        if (bank.size === 0) {
          banks.delete(bankId);
        } else if (bank.capacity > INITIAL_CAPACITY && bank.size <= bank.capacity / 4) {
          resize(bank, strideOf(dim), Math.max(INITIAL_CAPACITY, bank.capacity >> 1));
        }
        return Promise.resolve(removed);
      } catch (e) {
        return Promise.reject(e);
      }
    },

    listVectors(bankId: string, opts: ListVectorsOptions = {}): Promise<VectorItem[]> {
      try {
        ensureOpen();
        validateBankId(bankId, PREFIX);
        const offset = validateCount(opts?.offset, 0, "offset", PREFIX);
        const limit = validateCount(opts?.limit, 100, "limit", PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined || dim === null) return Promise.resolve([]);
        bank.sortedIds ??= [...bank.ids].sort(compareIds);
        const d = dim;
        const stride = strideOf(d);
        const page = bank.sortedIds.slice(offset, offset + limit);
        return Promise.resolve(page.map((id) => {
          const slot = bank.slotOf.get(id)!;
          const rec = bank.records[slot]!;
          const base = slot * stride;
          const vector = Array.from(bank.data.subarray(base, base + d));
          return copyOptionals(rec, { id, bankId, vector, text: rec.text } as VectorItem);
        }));
      } catch (e) {
        return Promise.reject(e);
      }
    },

    deleteBank(bankId: string): Promise<number> {
      try {
        ensureOpen();
        validateBankId(bankId, PREFIX);
        const n = banks.get(bankId)?.size ?? 0;
        banks.delete(bankId);
        return Promise.resolve(n);
      } catch (e) {
        return Promise.reject(e);
      }
    },

    health(): Promise<HealthStatus> {
      try {
        const t0 = performance.now();
        return Promise.resolve(
          closed
            ? {
              healthy: false,
              message: "in-memory vector store is closed",
              latencyMs: performance.now() - t0,
              lastCheckAt: new Date(),
            }
            : {
              healthy: true,
              message: "in-memory vector store",
              latencyMs: performance.now() - t0,
              lastCheckAt: new Date(),
            },
        );
      } catch (e) {
        return Promise.resolve({ healthy: false, message: `health check failed: ${e}` });
      }
    },

    close(): Promise<void> {
      closed = true;
      banks.clear();
      return Promise.resolve();
    },

    [Symbol.asyncDispose](): Promise<void> {
      return store.close();
    },
  };
  return enforceInputRules("vectorStore", store, "[astrocyte/core]");
}

/**
 * Exact top-`limit` search of one bank: one pass over the contiguous vectors, a bounded heap,
 * and the filter predicate evaluated only for candidates that would enter the heap.
 */
function search(
  bank: Bank,
  dim: number,
  queryVector: readonly number[],
  limit: number,
  filters: VectorFilters | undefined,
): VectorHit[] {
  const n = bank.size;
  const stride = strideOf(dim);
  const q = new Float64Array(stride); // zero padding matches the stored padding
  let qsq = 0;
  for (let j = 0; j < dim; j++) {
    const x = Math.fround(queryVector[j]!);
    q[j] = x;
    qsq += x * x;
  }
  const invQ = qsq > 0 ? 1 / Math.sqrt(qsq) : 0;
  const filtered = hasAnyFilter(filters);
  const { data, invNorms, records, ids } = bank;
  const heap = new TopKHeap(Math.min(limit, n), ids);
  // Scores are ≥ 0, so -1 admits everything until the heap is full.
  let threshold = -1;
  for (let slot = 0, base = 0; slot < n; slot++, base += stride) {
    let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    for (let j = 0; j < stride; j += 4) {
      const b = base + j;
      d0 += data[b]! * q[j]!;
      d1 += data[b + 1]! * q[j + 1]!;
      d2 += data[b + 2]! * q[j + 2]!;
      d3 += data[b + 3]! * q[j + 3]!;
    }
    let score = ((d0 + d1) + (d2 + d3)) * invQ * invNorms[slot]!;
    // clamp to [0, 1] (NaN → 0)
    if (!(score > 0)) score = 0;
    else if (score > 1) score = 1;
    if (score < threshold) continue;
    if (score === threshold && !heap.accepts(slot, score)) continue;
    if (filtered && !matchesVectorFilters(records[slot]!, filters)) continue;
    heap.push(slot, score);
    if (heap.full) threshold = heap.scores[0]!;
  }
  return heap.drain().map(({ slot, score }) => {
    const rec = records[slot]!;
    return copyOptionals(rec, { id: rec.id, text: rec.text, score } as VectorHit);
  });
}
