/**
 * The Upstash {@linkcode DocumentStore}: full-text search on an Upstash Vector **sparse**
 * index, one namespace per bank, with BM25-style sparse vectors computed client-side and
 * Upstash's IDF weighting at query time.
 *
 * @module
 */
import {
  CapabilityNotSupportedError,
  compareIds,
  matchesVectorFilters,
  tokenize,
  validateBankId,
  validateCount,
  validateId,
  ValidationError,
} from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  Document,
  DocumentFilters,
  DocumentHit,
  DocumentStore,
  DocumentStoreCapabilities,
  HealthStatus,
  ListDocumentsOptions,
  Metadata,
  SearchFulltextOptions,
} from "@astrocyte/core";
import {
  decodeKey,
  decodeString,
  decodeValue,
  encodeKey,
  encodeString,
  encodeValue,
  translateFilters,
} from "./_codec.ts";
import type { TransportStats } from "./_client.ts";
import {
  connect,
  deleteExisting,
  deleteNamespace,
  MAX_TOP_K,
  PREFIX,
  PROVIDER,
  type RawVector,
  type UpstashContext,
  utf8Length,
} from "./_shared.ts";
import { bankIdToNamespace } from "./namespace.ts";
import type { UpstashOptions } from "./options.ts";

/** BM25 term-frequency saturation used for document weights. */
const K1 = 1.2;
/** Sparse index reserved for documents without any token (never queried). */
const EMPTY_INDEX = 0;
const MAX_METADATA_BYTES = 48 * 1024;
const MAX_DATA_BYTES = 1024 * 1024;
const encoder = new TextEncoder();

/** An Upstash-backed DocumentStore, with Upstash-specific helpers. */
export interface UpstashDocumentStore extends DocumentStore {
  /** The Upstash namespace that holds `bankId`. */
  namespaceOf(bankId: string): string;
  /** Request counters (HTTP attempts and retries) since creation. */
  readonly stats: Readonly<TransportStats>;
}

/**
 * The sparse dimension of a token: FNV-1a (32-bit) of its UTF-8 bytes, mapped into
 * `[1, 2³¹ − 1]` (0 is reserved). Collisions are harmless: hits are re-checked against the
 * document text.
 */
export function tokenIndex(token: string): number {
  let h = 0x811c9dc5;
  for (const b of encoder.encode(token)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 0x7ffffffe) + 1;
}

/**
 * The sparse vector of a text: one dimension per distinct token, weighted by BM25's
 * term-frequency saturation `tf·(k1+1)/(tf+k1)` with `k1 = 1.2` (no length normalisation:
 * Upstash applies IDF at query time, the corpus average length is not known client-side).
 */
export function documentSparseVector(text: string): { indices: number[]; values: number[] } {
  const tf = new Map<number, number>();
  for (const t of tokenize(text)) {
    const ix = tokenIndex(t);
    tf.set(ix, (tf.get(ix) ?? 0) + 1);
  }
  if (tf.size === 0) return { indices: [EMPTY_INDEX], values: [1] };
  const indices = [...tf.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((ix) => (tf.get(ix)! * (K1 + 1)) / (tf.get(ix)! + K1)) };
}

function fail(message: string, field: string): never {
  throw new ValidationError(`${PREFIX} ${message}`, { field });
}

function checkMetadata(metadata: unknown, field: string): void {
  if (metadata === undefined) return;
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    fail(`${field} must be an object`, field);
  }
  for (const [k, v] of Object.entries(metadata as Record<string, unknown>)) {
    const ok = v === null || typeof v === "string" || typeof v === "boolean" ||
      (typeof v === "number" && Number.isFinite(v));
    if (!ok) fail(`${field}.${k} must be a string, finite number, boolean or null`, field);
  }
}

function checkTags(tags: unknown, field: string): void {
  if (tags === undefined) return;
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string")) {
    fail(`${field} must be an array of strings`, field);
  }
}

function checkFilters(filters: unknown): void {
  if (filters === undefined) return;
  if (filters === null || typeof filters !== "object" || Array.isArray(filters)) {
    fail("filters must be an object", "filters");
  }
  const f = filters as DocumentFilters;
  checkTags(f.tags, "filters.tags");
  checkMetadata(f.metadataFilters, "filters.metadataFilters");
}

function encodeDocument(d: Document): Record<string, unknown> {
  const md: Record<string, unknown> = {};
  if (d.tags !== undefined) md.tags = d.tags.map(encodeString);
  if (d.metadata !== undefined) {
    const out: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(d.metadata)) out[encodeKey(k)] = encodeValue(v);
    md.metadata = out;
  }
  return md;
}

function decodeDocument(raw: RawVector): Document {
  const md = raw.metadata ?? {};
  const out: Document = { id: String(raw.id), text: typeof raw.data === "string" ? raw.data : "" };
  if (md.metadata !== null && typeof md.metadata === "object" && !Array.isArray(md.metadata)) {
    const m: Metadata = {};
    for (const [k, v] of Object.entries(md.metadata as Record<string, unknown>)) {
      m[decodeKey(k)] = decodeValue(v);
    }
    out.metadata = m;
  }
  if (Array.isArray(md.tags)) {
    out.tags = md.tags.filter((t): t is string => typeof t === "string").map(decodeString);
  }
  return out;
}

const toHit = (d: Document, score: number): DocumentHit => ({
  documentId: d.id,
  text: d.text,
  score,
  ...(d.metadata === undefined ? {} : { metadata: d.metadata }),
  ...(d.tags === undefined ? {} : { tags: d.tags }),
});

const compareDocHits = (a: DocumentHit, b: DocumentHit): number =>
  b.score - a.score || compareIds(a.documentId, b.documentId);

/**
 * Create a {@linkcode DocumentStore} on an Upstash Vector **SPARSE** index (one namespace per
 * bank, same mapping and options as the vector store).
 *
 * - Documents are tokenised like the in-memory reference (lower-cased letters and digits);
 *   each distinct token becomes one sparse dimension (FNV-1a hash) weighted by BM25 term
 *   saturation. Queries send the distinct query tokens with `weightingStrategy: "IDF"`, so
 *   the score is a BM25-style relevance computed by Upstash. Query syntax is plain text.
 * - Hits are re-checked against the stored text (hash collisions) and the filters; ties are
 *   broken by id; filtered searches that return fewer than asked are completed by an exact
 *   client-side scoring of the bank (same formula) when `exactFilterFallback` is on.
 * - The index type is checked on first use: a DENSE or HYBRID index fails with
 *   `CapabilityNotSupportedError` (a hybrid index would need a dense embedding per document).
 *
 * @example
 * ```ts ignore
 * import { createUpstashDocumentStore } from "@astrocyte/upstash";
 *
 * const docs = createUpstashDocumentStore({ url: SPARSE_URL, token: SPARSE_TOKEN });
 * await docs.storeDocument({ id: "m1", text: "Calvin prefers dark mode" }, "user-1");
 * const hits = await docs.searchFulltext("dark mode", "user-1");
 * ```
 *
 * @throws {ConfigError} when the URL or token is missing or an option is invalid.
 */
export function createUpstashDocumentStore(
  options: UpstashOptions = {},
  context: UpstashContext = {},
): UpstashDocumentStore {
  const conn = connect(options, context, "document_store");
  const { index, prefix } = conn;
  const ns = (bankId: string): string => bankIdToNamespace(bankId, prefix);
  let ready: Promise<void> | undefined;

  const capabilities: DocumentStoreCapabilities = Object.freeze(
    {
      consistency: conn.readYourWrites ? "strong" : "eventual",
      atomicBatches: true,
      persistent: true,
      filters: Object.freeze({ tags: true, metadataFilters: true }),
      scoring: "bm25 (Upstash sparse vectors, IDF weighting)",
    } as const,
  );

  const ensureReady = (): Promise<void> =>
    ready ??= (async () => {
      const info = await index.info() as Awaited<ReturnType<typeof index.info>> & {
        indexType?: string;
      };
      const type = info.indexType ?? (info.sparseIndex && !info.denseIndex ? "SPARSE" : "DENSE");
      if (type !== "SPARSE") {
        throw new CapabilityNotSupportedError(
          `${PREFIX} The index is ${type}; the document store needs a SPARSE Upstash index`,
          { provider: PROVIDER, capability: "document_store" },
        );
      }
    })().catch((e) => {
      ready = undefined;
      throw e;
    });

  /** Exact client-side scoring of the whole bank (same IDF formula as the emulator/service). */
  const exactSearch = async (
    namespace: string,
    terms: readonly string[],
    limit: number,
    filters: DocumentFilters | undefined,
  ): Promise<DocumentHit[] | null> => {
    const all = await conn.rangeAll(
      namespace,
      { metadata: true, vectors: true, data: true },
      conn.exactScanLimit,
    );
    if (all === null) {
      conn.logger?.warn(
        `${PREFIX} Bank larger than exact_scan_limit (${conn.exactScanLimit}); returning approximate results`,
      );
      return null;
    }
    const q = [...new Set(terms.map(tokenIndex))];
    const df = new Map<number, number>(q.map((ix) => [ix, 0]));
    for (const r of all) {
      for (const ix of r.sparseVector?.indices ?? []) if (df.has(ix)) df.set(ix, df.get(ix)! + 1);
    }
    const n = all.length;
    const idf = new Map(
      q.map((ix) => [ix, Math.log((n - df.get(ix)! + 0.5) / (df.get(ix)! + 0.5) + 1)]),
    );
    const hits: DocumentHit[] = [];
    for (const r of all) {
      const d = decodeDocument(r);
      if (!matches(d, terms, filters)) continue;
      let score = 0;
      const sv = r.sparseVector ?? { indices: [], values: [] };
      sv.indices.forEach((ix, k) => {
        if (idf.has(ix)) score += idf.get(ix)! * sv.values[k]!;
      });
      hits.push(toHit(d, score));
    }
    hits.sort(compareDocHits);
    return hits.slice(0, limit);
  };

  const matches = (d: Document, terms: readonly string[], filters?: DocumentFilters): boolean => {
    const words = new Set(tokenize(d.text));
    if (!terms.some((t) => words.has(t))) return false;
    return matchesVectorFilters(
      {
        ...(d.tags === undefined ? {} : { tags: d.tags }),
        ...(d.metadata === undefined ? {} : { metadata: d.metadata }),
      },
      {
        ...(filters?.tags === undefined ? {} : { tags: filters.tags }),
        ...(filters?.metadataFilters === undefined
          ? {}
          : { metadataFilters: filters.metadataFilters }),
      },
    );
  };

  const store: UpstashDocumentStore = {
    capabilities,

    get stats(): Readonly<TransportStats> {
      return { ...conn.stats };
    },

    namespaceOf(bankId: string): string {
      return ns(validateBankId(bankId, PREFIX));
    },

    async storeDocument(document: Document, bankId: string): Promise<string> {
      conn.ensureOpen();
      validateBankId(bankId, PREFIX);
      if (document === null || typeof document !== "object" || Array.isArray(document)) {
        fail("document must be an object", "document");
      }
      validateId(document.id, "document.id", PREFIX);
      if (typeof document.text !== "string") {
        fail("document.text must be a string", "document.text");
      }
      checkMetadata(document.metadata, "document.metadata");
      checkTags(document.tags, "document.tags");
      const metadata = encodeDocument(document);
      const mdBytes = utf8Length(JSON.stringify(metadata));
      if (mdBytes > MAX_METADATA_BYTES) {
        fail(
          `document metadata and tags take ${mdBytes} bytes; Upstash allows ${MAX_METADATA_BYTES}`,
          "document.metadata",
        );
      }
      if (utf8Length(document.text) > MAX_DATA_BYTES) {
        fail("document.text is larger than Upstash's 1 MB data limit", "document.text");
      }
      await ensureReady();
      const namespace = ns(bankId);
      await index.namespace(namespace).upsert({
        id: document.id,
        sparseVector: documentSparseVector(document.text),
        metadata,
        data: document.text,
      });
      await conn.waitIndexed([namespace]);
      return document.id;
    },

    async searchFulltext(
      query: string,
      bankId: string,
      searchOptions: SearchFulltextOptions = {},
    ): Promise<DocumentHit[]> {
      conn.ensureOpen();
      validateBankId(bankId, PREFIX);
      if (typeof query !== "string") fail("query must be a string", "query");
      const limit = validateCount(searchOptions?.limit, 10, "limit", PREFIX);
      const filters = searchOptions?.filters ?? undefined;
      checkFilters(filters);
      const terms = [...new Set(tokenize(query))];
      if (terms.length === 0 || limit === 0) return [];
      const filter = translateFilters(
        filters === undefined ? undefined : {
          ...(filters.tags === undefined ? {} : { tags: filters.tags }),
          ...(filters.metadataFilters === undefined
            ? {}
            : { metadataFilters: filters.metadataFilters }),
        },
      );
      if (filter === false) return [];
      await ensureReady();
      const namespace = ns(bankId);
      if (limit >= MAX_TOP_K) {
        const exact = await exactSearch(namespace, terms, limit, filters);
        if (exact !== null) return exact;
      }
      const indices = [...new Set(terms.map(tokenIndex))].sort((a, b) => a - b);
      let topK = Math.min(MAX_TOP_K, limit + 1);
      let raw: RawVector[];
      for (;;) {
        raw = await index.namespace(namespace).query({
          sparseVector: { indices, values: indices.map(() => 1) },
          weightingStrategy: "IDF",
          topK,
          ...(filter === undefined ? {} : { filter }),
          includeMetadata: true,
          includeData: true,
        } as never) as RawVector[];
        const tie = raw.length > limit && raw[limit - 1]!.score === raw[limit]!.score;
        if (tie && raw.length === topK && topK < MAX_TOP_K) {
          topK = Math.min(MAX_TOP_K, topK * 2);
          continue;
        }
        break;
      }
      const exhausted = raw.length < topK;
      const hits = raw.map((r) => ({ d: decodeDocument(r), score: r.score ?? 0 }))
        .filter(({ d }) => matches(d, terms, filters))
        .map(({ d, score }) => toHit(d, score));
      hits.sort(compareDocHits);
      const result = hits.slice(0, limit);
      if (filter !== undefined && conn.exactFallback && exhausted && result.length < limit) {
        const exact = await exactSearch(namespace, terms, limit, filters);
        if (exact !== null && exact.length > result.length) return exact;
      }
      return result;
    },

    async getDocument(documentId: string, bankId: string): Promise<Document | null> {
      conn.ensureOpen();
      validateBankId(bankId, PREFIX);
      validateId(documentId, "documentId", PREFIX);
      const [found] = await index.namespace(ns(bankId)).fetch([documentId], {
        includeMetadata: true,
        includeData: true,
      });
      return found ? decodeDocument(found as RawVector) : null;
    },

    async listDocuments(
      bankId: string,
      listOptions: ListDocumentsOptions = {},
    ): Promise<Document[]> {
      conn.ensureOpen();
      validateBankId(bankId, PREFIX);
      const offset = validateCount(listOptions?.offset, 0, "offset", PREFIX);
      const limit = validateCount(listOptions?.limit, 100, "limit", PREFIX);
      if (limit === 0) return [];
      const namespace = ns(bankId);
      const ids = (await conn.rangeAll(namespace, {}))!.map((v) => String(v.id)).sort(compareIds);
      const page = ids.slice(offset, offset + limit);
      if (page.length === 0) return [];
      const byId = new Map((await conn.fetchAll(namespace, page)).map((r) => [String(r.id), r]));
      return page.map((id) => byId.get(id)).filter((r): r is RawVector => r !== undefined)
        .map(decodeDocument);
    },

    async deleteDocuments(ids: string[], bankId: string): Promise<number> {
      conn.ensureOpen();
      validateBankId(bankId, PREFIX);
      if (!Array.isArray(ids)) fail("ids must be an array", "ids");
      ids.forEach((id, i) => validateId(id, `ids[${i}]`, PREFIX));
      return await deleteExisting(conn, ns(bankId), ids);
    },

    async deleteBank(bankId: string): Promise<number> {
      conn.ensureOpen();
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
          healthy: type === "SPARSE",
          message: type === "SPARSE"
            ? "Upstash SPARSE index"
            : `Upstash ${type} index: the document store needs a SPARSE index`,
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
  return enforceInputRules("documentStore", store, PREFIX);
}
