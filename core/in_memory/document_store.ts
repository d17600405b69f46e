/**
 * The in-memory reference DocumentStore: documents kept per bank, ranked with real BM25
 * (k1 = 1.2, b = 0.75) over {@linkcode tokenize} tokens, with corpus statistics computed per
 * bank. Query syntax has no meaning here: every query is reduced to its word tokens.
 *
 * @example
 * ```ts
 * import { createInMemoryDocumentStore } from "@astrocyte/core";
 *
 * const docs = createInMemoryDocumentStore();
 * await docs.storeDocument({ id: "d1", text: "Calvin prefers dark mode" }, "user-1");
 * await docs.storeDocument({ id: "d2", text: "The office is dark" }, "user-1");
 * const hits = await docs.searchFulltext("dark mode", "user-1");
 * console.log(hits.map((h) => h.documentId)); // ["d1", "d2"]
 * ```
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import type {
  Document,
  DocumentFilters,
  DocumentStore,
  DocumentStoreCapabilities,
  ListDocumentsOptions,
  SearchFulltextOptions,
} from "../spi/document_store.ts";
import type { HealthStatus, Metadata } from "../types.ts";
import { matchesVectorFilters } from "../util/filters.ts";
import { tokenize } from "../util/text.ts";
import { compareIds, validateBankId, validateCount, validateId } from "../util/validate.ts";
import { enforceInputRules } from "../util/input_rules.ts";
import { toStoredMetadata } from "../util/stored_values.ts";

const PREFIX = "[astrocyte/core]";

/** BM25 term-frequency saturation. */
const BM25_K1 = 1.2;
/** BM25 length normalisation. */
const BM25_B = 0.75;

interface StoredDocument {
  document: Document;
  termFrequencies: Map<string, number>;
  length: number;
}

function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

function fail(message: string, field: string): never {
  throw new ValidationError(`${PREFIX} ${message}`, { field });
}

function checkObject(value: unknown, field: string): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`${field} must be an object`, field);
  }
}

function checkMetadata(metadata: unknown, field: string): void {
  if (metadata === undefined) return;
  checkObject(metadata, field);
  for (const [k, v] of Object.entries(metadata as Record<string, unknown>)) {
    const ok = v === null || typeof v === "string" || typeof v === "boolean" ||
      (typeof v === "number" && Number.isFinite(v));
    if (!ok) fail(`${field}.${k} must be a string, finite number, boolean or null`, field);
  }
}

function checkTags(tags: unknown, field: string): void {
  if (tags === undefined) return;
  if (!Array.isArray(tags)) fail(`${field} must be an array of strings`, field);
  tags.forEach((t, i) => {
    if (typeof t !== "string") fail(`${field}[${i}] must be a string`, `${field}[${i}]`);
  });
}

function checkFilters(filters: unknown): void {
  if (filters === undefined) return;
  checkObject(filters, "filters");
  const f = filters as DocumentFilters;
  checkTags(f.tags, "filters.tags");
  checkMetadata(f.metadataFilters, "filters.metadataFilters");
}

function copyDocument(d: Document): Document {
  return {
    id: d.id,
    text: d.text,
    ...(d.metadata === undefined ? {} : { metadata: { ...d.metadata } as Metadata }),
    ...(d.tags === undefined ? {} : { tags: [...d.tags] }),
  };
}

/**
 * Whether a document matches {@linkcode DocumentFilters} (`spi.md` §2.4 applied to documents):
 * `tags` is any-overlap with untagged documents excluded (an empty list matches nothing);
 * `metadataFilters` is exact equality on every given key (AND). For adapters that post-filter.
 */
export function matchesDocumentFilters(
  document: Pick<Document, "tags" | "metadata">,
  filters: DocumentFilters | undefined,
): boolean {
  if (filters === undefined) return true;
  return matchesVectorFilters(
    {
      ...(document.tags === undefined ? {} : { tags: document.tags }),
      ...(document.metadata === undefined ? {} : { metadata: document.metadata }),
    },
    {
      ...(filters.tags === undefined ? {} : { tags: filters.tags }),
      ...(filters.metadataFilters === undefined
        ? {}
        : { metadataFilters: filters.metadataFilters }),
    },
  );
}

const CAPABILITIES: DocumentStoreCapabilities = Object.freeze({
  consistency: "strong",
  atomicBatches: true,
  persistent: false,
  filters: Object.freeze({ tags: true, metadataFilters: true }),
  scoring: "bm25",
});

/**
 * Create the in-memory reference {@linkcode DocumentStore}.
 *
 * - Documents are keyed by `(bankId, id)`; `storeDocument` upserts.
 * - `searchFulltext` scores with BM25 (`k1` = 1.2, `b` = 0.75,
 *   idf = `ln(1 + (N − df + 0.5) / (df + 0.5))`) over the bank's documents, using the distinct
 *   {@linkcode tokenize} tokens of the query; a document matches when it contains at least one.
 *   Filters are applied after scoring, so corpus statistics do not depend on them. Hits are
 *   sorted by score descending, ties by id ascending. A query without tokens gives `[]`.
 * - `listDocuments` pages by id ascending.
 *
 * @example
 * ```ts
 * import { createInMemoryDocumentStore } from "@astrocyte/core";
 *
 * const docs = createInMemoryDocumentStore();
 * await docs.storeDocument({ id: "a", text: "alpha", tags: ["x"] }, "bank");
 * const hits = await docs.searchFulltext("alpha", "bank", { filters: { tags: ["y"] } });
 * console.log(hits.length); // 0
 * ```
 */
export function createInMemoryDocumentStore(): DocumentStore {
  const banks = new Map<string, Map<string, StoredDocument>>();

  const store: DocumentStore = {
    capabilities: CAPABILITIES,

    storeDocument(document, bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        checkObject(document, "document");
        validateId(document.id, "document.id", PREFIX);
        if (typeof document.text !== "string") {
          fail("document.text must be a string", "document.text");
        }
        checkMetadata(document.metadata, "document.metadata");
        checkTags(document.tags, "document.tags");
        const tokens = tokenize(document.text);
        const termFrequencies = new Map<string, number>();
        for (const t of tokens) termFrequencies.set(t, (termFrequencies.get(t) ?? 0) + 1);
        let bank = banks.get(bankId);
        if (bank === undefined) banks.set(bankId, bank = new Map());
        const stored = copyDocument(document);
        // −0 is stored as 0 (core/README.md, "Input rules").
        if (stored.metadata !== undefined) stored.metadata = toStoredMetadata(stored.metadata);
        bank.set(document.id, {
          document: stored,
          termFrequencies,
          length: tokens.length,
        });
        return document.id;
      });
    },

    searchFulltext(query, bankId, options: SearchFulltextOptions = {}) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        if (typeof query !== "string") fail("query must be a string", "query");
        const limit = validateCount(options.limit, 10, "limit", PREFIX);
        checkFilters(options.filters);
        const bank = banks.get(bankId);
        const terms = [...new Set(tokenize(query))];
        if (bank === undefined || bank.size === 0 || terms.length === 0 || limit === 0) return [];
        const n = bank.size;
        let totalLength = 0;
        const df = new Map<string, number>(terms.map((t) => [t, 0]));
        for (const { termFrequencies, length } of bank.values()) {
          totalLength += length;
          for (const t of terms) if (termFrequencies.has(t)) df.set(t, df.get(t)! + 1);
        }
        const avgLength = totalLength / n || 1;
        const idf = new Map(terms.map((t) => {
          const d = df.get(t)!;
          return [t, Math.log(1 + (n - d + 0.5) / (d + 0.5))];
        }));
        const hits = [];
        for (const { document, termFrequencies, length } of bank.values()) {
          let score = 0;
          for (const t of terms) {
            const tf = termFrequencies.get(t);
            if (tf === undefined) continue;
            const norm = BM25_K1 * (1 - BM25_B + BM25_B * (length / avgLength));
            score += idf.get(t)! * (tf * (BM25_K1 + 1)) / (tf + norm);
          }
          if (score <= 0 || !matchesDocumentFilters(document, options.filters)) continue;
          hits.push({
            documentId: document.id,
            text: document.text,
            score,
            ...(document.metadata === undefined ? {} : { metadata: { ...document.metadata } }),
            ...(document.tags === undefined ? {} : { tags: [...document.tags] }),
          });
        }
        hits.sort((a, b) => b.score - a.score || compareIds(a.documentId, b.documentId));
        return hits.slice(0, limit);
      });
    },

    getDocument(documentId, bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        validateId(documentId, "documentId", PREFIX);
        const stored = banks.get(bankId)?.get(documentId);
        return stored === undefined ? null : copyDocument(stored.document);
      });
    },

    listDocuments(bankId, options: ListDocumentsOptions = {}) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const offset = validateCount(options.offset, 0, "offset", PREFIX);
        const limit = validateCount(options.limit, 100, "limit", PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined) return [];
        return [...bank.keys()]
          .sort(compareIds)
          .slice(offset, offset + limit)
          .map((id) => copyDocument(bank.get(id)!.document));
      });
    },

    deleteDocuments(ids, bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        if (!Array.isArray(ids)) fail("ids must be an array", "ids");
        ids.forEach((id, i) => validateId(id, `ids[${i}]`, PREFIX));
        const bank = banks.get(bankId);
        if (bank === undefined) return 0;
        let removed = 0;
        for (const id of ids) if (bank.delete(id)) removed++;
        if (bank.size === 0) banks.delete(bankId);
        return removed;
      });
    },

    deleteBank(bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined) return 0;
        banks.delete(bankId);
        return bank.size;
      });
    },

    health(): Promise<HealthStatus> {
      return Promise.resolve({
        healthy: true,
        message: "in-memory document store",
        latencyMs: 0,
        lastCheckAt: new Date(),
      });
    },

    close(): Promise<void> {
      return Promise.resolve();
    },

    [Symbol.asyncDispose](): Promise<void> {
      return store.close();
    },
  };
  return enforceInputRules("documentStore", store, "[astrocyte/core]");
}
