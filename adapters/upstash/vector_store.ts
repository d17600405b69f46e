/**
 * The Upstash {@linkcode VectorStore}: one Upstash namespace per bank.
 *
 * @module
 */
import {
  clampScore,
  compareHits,
  compareIds,
  ConfigError,
  matchesVectorFilters,
  ProviderUnavailableError,
  unsupported,
  validateBankId,
  validateCount,
  validateVector,
  validateVectorItems,
  ValidationError,
} from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  HealthStatus,
  ListVectorsOptions,
  SearchSimilarOptions,
  VectorFilters,
  VectorHit,
  VectorItem,
  VectorStore,
  VectorStoreCapabilities,
} from "@astrocyte/core";
import {
  type DecodedRecord,
  decodeRecord,
  encodeItem,
  translateFilters,
  type UpstashRecord,
} from "./_codec.ts";
import type { TransportStats } from "./_client.ts";
import {
  chunk,
  connect,
  deleteExisting,
  deleteNamespace,
  isPresent,
  MAX_TOP_K,
  PREFIX,
  PROVIDER,
  type RawVector,
  runBounded,
  type UpstashContext,
  utf8Length,
} from "./_shared.ts";
import { bankIdToNamespace, namespaceToBankId } from "./namespace.ts";
import type { UpstashMetric, UpstashOptions } from "./options.ts";

export type { UpstashContext };

/** Upstash limits per vector (documented): metadata 48 KB, data 1 MB. */
const MAX_METADATA_BYTES = 48 * 1024;
const MAX_DATA_BYTES = 1024 * 1024;

/** An Upstash-backed VectorStore, with a few Upstash-specific helpers. */
export interface UpstashVectorStore extends VectorStore {
  /** The Upstash namespace that holds `bankId`. */
  namespaceOf(bankId: string): string;
  /** Bank ids that have a namespace in the index (namespaces with this store's prefix). */
  listBanks(): Promise<string[]>;
  /** Request counters (HTTP attempts and retries) since creation. */
  readonly stats: Readonly<TransportStats>;
}

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
  if (isPresent(tags) && (!Array.isArray(tags) || tags.some((t) => typeof t !== "string"))) {
    fail("tags", "an array of strings");
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

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Create a {@linkcode VectorStore} on an Upstash Vector **dense** index, one namespace per bank
 * (see {@linkcode bankIdToNamespace}).
 *
 * - Scores: Upstash's normalised score `s` is converted to cosine similarity, clamped to
 *   `[0, 1]`: COSINE `2s − 1`; DOT_PRODUCT `2s − 1` and EUCLIDEAN `1 − (1/s − 1)/2` on
 *   unit-normalised vectors (the adapter normalises them and keeps the norm). Ties are broken by
 *   id: when equal scores straddle the `limit` boundary, the query is repeated with a larger
 *   `topK` so the right ids are chosen.
 * - Filters: every {@linkcode VectorFilters} field is translated into Upstash's filter
 *   language (see the README); every string literal is made of characters that need no
 *   escaping, so hostile tags and metadata match only themselves. Results are re-checked
 *   client-side.
 * - Filtered searches that return fewer than asked are verified by an exact scan of the bank
 *   (`exactFilterFallback`), because Upstash filters within a candidate budget.
 * - `listVectors` ranges over every id of the bank's namespace, sorts them (code-unit order),
 *   and fetches the page: `ceil(n / 1000)` range requests plus one fetch per page.
 * - `storeVectors` sends `ceil(n / batchSize)` upserts per bank, `maxConcurrency` at a time.
 *   Batches are **not atomic**: on failure the error is a `ProviderUnavailableError` whose
 *   `writtenIds` lists the ids written; retrying the same call is safe (upserts are idempotent).
 * - `delete` fetches the ids first and deletes only those that exist in the bank, so the count
 *   is exact. `deleteBank` counts the namespace's ids and deletes the namespace.
 * - Consistency: with `readYourWrites` (default) each write waits until Upstash reports no
 *   pending vectors in the namespaces written.
 *
 * @example
 * ```ts ignore
 * import { createUpstashVectorStore } from "@astrocyte/upstash";
 *
 * const store = createUpstashVectorStore(
 *   { dimensions: 384, namespacePrefix: "app_" },
 *   { env: Deno.env.toObject() }, // UPSTASH_VECTOR_REST_URL / UPSTASH_VECTOR_REST_TOKEN
 * );
 * await store.storeVectors([{ id: "m1", bankId: "user-1", vector: embedding, text: "hi" }]);
 * ```
 *
 * @throws {ConfigError} when the URL or token is missing or an option is invalid.
 */
export function createUpstashVectorStore(
  options: UpstashOptions = {},
  context: UpstashContext = {},
): UpstashVectorStore {
  const conn = connect(options, context, "vector_store");
  const { index, prefix, readYourWrites, batchSize, maxConcurrency, logger } = conn;
  const opts = conn.options;
  const exactFallback = conn.exactFallback;
  const exactScanLimit = conn.exactScanLimit;

  let dim: number | null = opts.dimensions ?? null;
  let metric: UpstashMetric | null = opts.metric ?? null;
  let ready: Promise<void> | undefined;

  const makeCapabilities = (): VectorStoreCapabilities =>
    Object.freeze(
      {
        consistency: readYourWrites ? "strong" : "eventual",
        atomicBatches: unsupported(
          "Upstash applies each upsert request on its own and batches above the per-request " +
            "limit span several requests; a failed storeVectors reports the ids written in " +
            "ProviderUnavailableError.writtenIds and can be retried idempotently",
        ),
        persistent: true,
        dimensions: dim,
        metric: "cosine",
        maxBatchSize: batchSize,
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

  const ensureOpen = (): void => conn.ensureOpen();

  /** Read the index's type, dimension and metric once, and check them against the options. */
  const ensureReady = (): Promise<void> =>
    ready ??= (async () => {
      const info = await index.info() as Awaited<ReturnType<typeof index.info>> & {
        indexType?: string;
      };
      if (info.indexType !== undefined && info.indexType !== "DENSE") {
        throw new ConfigError(
          `${PREFIX} The index is ${info.indexType}; the vector store needs a DENSE index`,
        );
      }
      const d = info.denseIndex?.dimension ?? info.dimension;
      const m = (info.denseIndex?.similarityFunction ?? info.similarityFunction) as UpstashMetric;
      if (dim !== null && d !== dim) {
        throw new ConfigError(
          `${PREFIX} Dimension mismatch: dimensions is ${dim} but the index has ${d}`,
        );
      }
      if (metric !== null && m !== metric) {
        throw new ConfigError(
          `${PREFIX} Metric mismatch: metric is ${metric} but the index uses ${m}`,
        );
      }
      if (dim === null) {
        dim = d;
        capabilities = makeCapabilities();
      }
      metric = m;
    })().catch((e) => {
      ready = undefined;
      throw e;
    });

  const normalised = (): boolean => metric !== null && metric !== "COSINE";
  const ns = (bankId: string): string => bankIdToNamespace(bankId, prefix);

  /** Upstash score → SPI score (cosine clamped to [0, 1]). */
  const toScore = (s: number, rec: DecodedRecord, queryIsZero: boolean): number => {
    if (queryIsZero || rec.norm === 0) return 0;
    if (metric === "EUCLIDEAN") return clampScore(s > 0 ? 1 - (1 / s - 1) / 2 : 0);
    return clampScore(2 * s - 1);
  };

  const toHit = (rec: DecodedRecord, score: number): VectorHit => {
    const hit: VectorHit = { id: rec.id, text: rec.text, score };
    if (rec.metadata !== undefined) hit.metadata = rec.metadata;
    if (rec.tags !== undefined) hit.tags = rec.tags;
    if (rec.factType !== undefined) hit.factType = rec.factType;
    if (rec.occurredAt !== undefined) hit.occurredAt = rec.occurredAt;
    if (rec.memoryLayer !== undefined) hit.memoryLayer = rec.memoryLayer;
    if (rec.retainedAt !== undefined) hit.retainedAt = rec.retainedAt;
    if (rec.chunkId !== undefined) hit.chunkId = rec.chunkId;
    return hit;
  };

  const toItem = (rec: DecodedRecord, bankId: string): VectorItem => {
    const { norm: _norm, vector, ...rest } = rec;
    return { ...rest, id: rec.id, bankId, vector: vector ?? [], text: rec.text };
  };

  /**
   * Exact search over the bank: range the namespace (metadata only), keep the matching ids,
   * fetch their vectors, score client-side. `null` when the bank exceeds `exactScanLimit`.
   * When `known` hits already cover every match, they are returned without fetching.
   */
  const exactSearch = async (
    namespace: string,
    query: readonly number[],
    limit: number,
    filters: VectorFilters | undefined,
    known?: VectorHit[],
  ): Promise<VectorHit[] | null> => {
    const all = await conn.rangeAll(namespace, { metadata: true }, exactScanLimit);
    if (all === null) {
      logger?.warn(
        `${PREFIX} Bank larger than exact_scan_limit (${exactScanLimit}); returning approximate results`,
      );
      return null;
    }
    const matching = all.map(decodeRecord).filter((r) => matchesVectorFilters(r, filters));
    if (known !== undefined && matching.length <= known.length) return known;
    const full = await conn.fetchAll(namespace, matching.map((r) => r.id));
    const hits = full.map((raw) => {
      const rec = decodeRecord(raw);
      return { rec, hit: toHit(rec, clampScore(cosine(query, rec.vector ?? []))) };
    }).filter(({ rec }) => matchesVectorFilters(rec, filters)).map(({ hit }) => hit);
    hits.sort(compareHits);
    return hits.slice(0, limit);
  };

  const store: UpstashVectorStore = {
    get capabilities(): VectorStoreCapabilities {
      return capabilities;
    },

    get stats(): Readonly<TransportStats> {
      return { ...conn.stats };
    },

    namespaceOf(bankId: string): string {
      return ns(validateBankId(bankId, PREFIX));
    },

    async listBanks(): Promise<string[]> {
      ensureOpen();
      const names = await index.listNamespaces();
      return names.map((n) => namespaceToBankId(n, prefix)).filter(isPresent).sort(compareIds);
    },

    async storeVectors(items: VectorItem[]): Promise<string[]> {
      ensureOpen();
      validateVectorItems(items, dim, PREFIX);
      items.forEach(validateOptionalFields);
      if (items.length === 0) return [];
      await ensureReady();
      validateVectorItems(items, dim, PREFIX);
      const byNamespace = new Map<string, Map<string, UpstashRecord>>();
      items.forEach((item, i) => {
        const rec = encodeItem(item, { normalise: normalised() });
        const mdBytes = utf8Length(JSON.stringify(rec.metadata));
        if (mdBytes > MAX_METADATA_BYTES) {
          throw new ValidationError(
            `${PREFIX} items[${i}] metadata, tags and fields take ${mdBytes} bytes; Upstash allows ${MAX_METADATA_BYTES}`,
            { field: `items[${i}].metadata` },
          );
        }
        if (rec.data.length * 3 > MAX_DATA_BYTES && utf8Length(rec.data) > MAX_DATA_BYTES) {
          throw new ValidationError(
            `${PREFIX} items[${i}].text is larger than Upstash's 1 MB data limit`,
            { field: `items[${i}].text` },
          );
        }
        const name = ns(item.bankId);
        let group = byNamespace.get(name);
        if (group === undefined) byNamespace.set(name, group = new Map());
        group.delete(item.id); // the last occurrence of an id wins
        group.set(item.id, rec);
      });
      const batches: { namespace: string; records: UpstashRecord[] }[] = [];
      for (const [namespace, group] of byNamespace) {
        for (const records of chunk([...group.values()], batchSize)) {
          batches.push({ namespace, records });
        }
      }
      const { done, error } = await runBounded(
        batches.map((b) => () => index.namespace(b.namespace).upsert(b.records)),
        maxConcurrency,
      );
      if (error !== undefined) {
        const written = new Set<string>();
        batches.forEach((b, i) => {
          if (done[i]) { for (const r of b.records) written.add(`${b.namespace}\u0000${r.id}`); }
        });
        const writtenIds = items.filter((it) => written.has(`${ns(it.bankId)}\u0000${it.id}`))
          .map((it) => it.id);
        if (writtenIds.length === 0 && error instanceof ValidationError) throw error;
        const retryable = error instanceof ProviderUnavailableError ? error.retryable : false;
        throw new ProviderUnavailableError(
          `${PREFIX} storeVectors failed after writing ${writtenIds.length} of ${items.length} items (${
            error instanceof Error ? error.message : String(error)
          }); retrying the same call is safe`,
          { provider: PROVIDER, retryable, writtenIds, cause: error },
        );
      }
      await conn.waitIndexed(byNamespace.keys());
      return items.map((it) => it.id);
    },

    async searchSimilar(
      queryVector: number[],
      bankId: string,
      searchOptions: SearchSimilarOptions = {},
    ): Promise<VectorHit[]> {
      ensureOpen();
      validateBankId(bankId, PREFIX);
      const limit = validateCount(searchOptions?.limit, 10, "limit", PREFIX);
      validateVector(queryVector, dim, "queryVector", PREFIX);
      const filters = searchOptions?.filters ?? undefined;
      validateFilters(filters);
      await ensureReady();
      validateVector(queryVector, dim, "queryVector", PREFIX);
      const filter = translateFilters(filters);
      if (limit === 0 || filter === false) return [];
      const namespace = ns(bankId);
      const qNorm = Math.hypot(...queryVector);
      const queryIsZero = qNorm === 0;
      const q = normalised() && !queryIsZero ? queryVector.map((x) => x / qNorm) : queryVector;

      if (limit >= MAX_TOP_K) {
        const exact = await exactSearch(namespace, queryVector, limit, filters);
        if (exact !== null) return exact;
      }
      let topK = Math.min(MAX_TOP_K, limit + 1);
      let raw: RawVector[];
      for (;;) {
        raw = await index.namespace(namespace).query({
          vector: q,
          topK,
          ...(filter === undefined ? {} : { filter }),
          includeMetadata: true,
          includeData: true,
        }) as RawVector[];
        const tieAtBoundary = raw.length > limit && raw[limit - 1]!.score === raw[limit]!.score;
        if (tieAtBoundary && raw.length === topK && topK < MAX_TOP_K) {
          topK = Math.min(MAX_TOP_K, topK * 2);
          continue;
        }
        break;
      }
      const exhausted = raw.length < topK;
      const hits = raw.map((r) => {
        const rec = decodeRecord(r);
        return { rec, hit: toHit(rec, toScore(r.score ?? 0, rec, queryIsZero)) };
      }).filter(({ rec }) => matchesVectorFilters(rec, filters)).map(({ hit }) => hit);
      hits.sort(compareHits);
      const result = hits.slice(0, limit);
      // Upstash filters within a candidate budget: fewer hits than asked may hide matches.
      const mayMissMatches = filter !== undefined && exactFallback && exhausted &&
        result.length < limit;
      // Clamped scores: negative cosines all become 0 and are then ordered by id, which the
      // service's ranking cannot know.
      const clampedBoundary = !exhausted && result.length === limit &&
        result[limit - 1]!.score === 0;
      if (mayMissMatches || clampedBoundary) {
        const exact = await exactSearch(
          namespace,
          queryVector,
          limit,
          filters,
          mayMissMatches ? result : undefined,
        );
        if (exact !== null) return exact;
      }
      return result;
    },

    async delete(ids: string[], bankId: string): Promise<number> {
      ensureOpen();
      validateBankId(bankId, PREFIX);
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) {
        throw new ValidationError(`${PREFIX} ids must be an array of strings`, { field: "ids" });
      }
      return await deleteExisting(conn, ns(bankId), ids);
    },

    async listVectors(bankId: string, listOptions: ListVectorsOptions = {}): Promise<VectorItem[]> {
      ensureOpen();
      validateBankId(bankId, PREFIX);
      const offset = validateCount(listOptions?.offset, 0, "offset", PREFIX);
      const limit = validateCount(listOptions?.limit, 100, "limit", PREFIX);
      if (limit === 0) return [];
      const namespace = ns(bankId);
      const all = await conn.rangeAll(namespace, {});
      const ids = all!.map((v) => String(v.id)).sort(compareIds);
      const page = ids.slice(offset, offset + limit);
      if (page.length === 0) return [];
      const fetched = await conn.fetchAll(namespace, page);
      const byId = new Map(fetched.map((raw) => [String(raw.id), raw]));
      return page.map((id) => byId.get(id)).filter(isPresent).map((raw) =>
        toItem(decodeRecord(raw), bankId)
      );
    },

    async deleteBank(bankId: string): Promise<number> {
      ensureOpen();
      validateBankId(bankId, PREFIX);
      return await deleteNamespace(conn, ns(bankId));
    },

    async health(): Promise<HealthStatus> {
      const t0 = performance.now();
      const lastCheckAt = new Date();
      if (conn.closed) return { healthy: false, message: `${PREFIX} Store is closed`, lastCheckAt };
      try {
        const info = await index.info() as Awaited<ReturnType<typeof index.info>> & {
          indexType?: string;
        };
        const type = info.indexType ?? "DENSE";
        return {
          healthy: type === "DENSE",
          message: type === "DENSE"
            ? `Upstash DENSE index, dimension ${info.dimension}, ${info.similarityFunction}`
            : `Upstash ${type} index: the vector store needs a DENSE index`,
          latencyMs: performance.now() - t0,
          lastCheckAt,
        };
      } catch (e) {
        return {
          healthy: false,
          message: e instanceof Error ? e.message : String(e),
          latencyMs: performance.now() - t0,
          lastCheckAt,
        };
      }
    },

    close(): Promise<void> {
      conn.close();
      return Promise.resolve();
    },

    [Symbol.asyncDispose](): Promise<void> {
      return store.close();
    },
  };
  return enforceInputRules("vectorStore", store, PREFIX);
}
