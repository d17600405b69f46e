/**
 * The DocumentStore SPI: full-text (BM25/lexical) storage, scoped per bank.
 *
 * @module
 */
import type { Capability, Metadata, Store, StoreCapabilities } from "../types.ts";

/** The DocumentStore SPI version this core implements. */
export const DOCUMENT_STORE_SPI_VERSION = 1 as const;

/** A document for full-text indexing. The key is `(bankId, id)`. */
export interface Document {
  /** Document id; the facade uses the same id as the vector record for fusion. */
  id: string;
  /** The text to index. */
  text: string;
  /** Flat scalar metadata. */
  metadata?: Metadata;
  /** Tags. */
  tags?: string[];
}

/** Full-text search filters. */
export interface DocumentFilters {
  /** Any overlap with the document's tags; untagged documents are excluded. */
  tags?: string[];
  /** Exact equality on every given metadata key (AND). */
  metadataFilters?: Metadata;
}

/** A full-text search result. */
export interface DocumentHit {
  /** Document id. */
  documentId: string;
  /** Document text. */
  text: string;
  /** Backend relevance, higher is better, unbounded (not comparable across backends). */
  score: number;
  /** Metadata as stored. */
  metadata?: Metadata;
  /** Tags as stored. */
  tags?: string[];
}

/** Options for {@linkcode DocumentStore.searchFulltext}. */
export interface SearchFulltextOptions {
  /** Maximum number of hits. @default {10} */
  limit?: number;
  /** Filters. */
  filters?: DocumentFilters;
}

/** Options for {@linkcode DocumentStore.listDocuments}. */
export interface ListDocumentsOptions {
  /** Number of documents to skip. @default {0} */
  offset?: number;
  /** Maximum number of documents. @default {100} */
  limit?: number;
}

/** What a DocumentStore instance supports. */
export interface DocumentStoreCapabilities extends StoreCapabilities {
  /** Filter fields honoured natively. */
  readonly filters: {
    /** `tags` filter. */
    readonly tags: Capability;
    /** `metadataFilters`. */
    readonly metadataFilters: Capability;
  };
  /** How scores are computed, e.g. `bm25`, `ts_rank`, `term-overlap`. */
  readonly scoring: string;
}

/** Full-text storage and search, scoped per bank. */
export interface DocumentStore extends Store<DocumentStoreCapabilities> {
  /** Upsert a document in the bank. Returns its id. */
  storeDocument(document: Document, bankId: string): Promise<string>;
  /**
   * Documents of the bank matching the query, by relevance descending (ties by id ascending).
   * A blank query or unknown bank gives `[]`. Query syntax characters are treated as text.
   */
  searchFulltext(
    query: string,
    bankId: string,
    options?: SearchFulltextOptions,
  ): Promise<DocumentHit[]>;
  /** The document, or `null` when it does not exist in this bank. */
  getDocument(documentId: string, bankId: string): Promise<Document | null>;
  /** A page of the bank's documents ordered by id ascending; `[]` past the end. */
  listDocuments(bankId: string, options?: ListDocumentsOptions): Promise<Document[]>;
  /** Hard-delete documents of this bank. Returns the number actually removed. */
  deleteDocuments(ids: string[], bankId: string): Promise<number>;
  /** Remove every document of the bank. Returns the number removed. */
  deleteBank(bankId: string): Promise<number>;
}
