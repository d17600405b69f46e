/**
 * The SourceStore SPI: provenance (source document → chunks), with content-hash dedup.
 *
 * @module
 */
import type { Metadata, Store, StoreCapabilities } from "../types.ts";

/** The SourceStore SPI version this core implements. */
export const SOURCE_STORE_SPI_VERSION = 1 as const;

/** An ingested source document. The key is `(bankId, id)`. */
export interface SourceDocument {
  /** Caller-supplied id, unique per bank. */
  id: string;
  /** Owning bank. */
  bankId: string;
  /** Title. */
  title?: string;
  /** Where the document came from. */
  sourceUri?: string;
  /** SHA-256 hex of the original content; the dedup key within the bank. */
  contentHash?: string;
  /** MIME type. */
  contentType?: string;
  /** Flat scalar metadata. */
  metadata?: Metadata;
  /**
   * Creation time; the store stamps it when absent (replacing a record without it keeps the
   * stored value).
   */
  createdAt?: Date;
}

/** A chunk of a source document. The key is `(bankId, id)`. */
export interface SourceChunk {
  /** Chunk id. */
  id: string;
  /** Owning bank. */
  bankId: string;
  /** Parent document id. */
  documentId: string;
  /**
   * 0-based position within the document: an integer in 0 … 2^31 − 1 (stores keep it in an
   * int32 column; anything else is a `ValidationError`).
   */
  chunkIndex: number;
  /** Chunk text. */
  text: string;
  /** SHA-256 hex of the text; the dedup key within the bank. */
  contentHash?: string;
  /** Flat scalar metadata. */
  metadata?: Metadata;
  /**
   * Creation time; the store stamps it when absent (replacing a record without it keeps the
   * stored value).
   */
  createdAt?: Date;
}

/** Options for {@linkcode SourceStore.listDocuments}. */
export interface ListSourceDocumentsOptions {
  /** Maximum number of documents. @default {100} */
  limit?: number;
}

/** What a SourceStore instance supports. */
export type SourceStoreCapabilities = StoreCapabilities;

/** Source document and chunk storage with hash dedup, scoped per bank. */
export interface SourceStore extends Store<SourceStoreCapabilities> {
  /**
   * Create or update a document. When `contentHash` matches a live document of the bank, the
   * existing id is returned and nothing is written.
   */
  storeDocument(document: SourceDocument): Promise<string>;
  /** The document, or `null`. */
  getDocument(documentId: string, bankId: string): Promise<SourceDocument | null>;
  /** The live document with that hash in the bank, or `null`. */
  findDocumentByHash(contentHash: string, bankId: string): Promise<SourceDocument | null>;
  /** The bank's documents, newest first, ties by insertion order (later first). */
  listDocuments(bankId: string, options?: ListSourceDocumentsOptions): Promise<SourceDocument[]>;
  /** Hard delete, cascading to the document's chunks and hash entries. `false` if missing. */
  deleteDocument(documentId: string, bankId: string): Promise<boolean>;
  /**
   * Insert chunks. Ids come back in input order; a chunk whose hash already exists in its
   * bank (also earlier in the same call) is not written and its slot holds the existing id.
   */
  storeChunks(chunks: SourceChunk[]): Promise<string[]>;
  /** The chunk, or `null`. */
  getChunk(chunkId: string, bankId: string): Promise<SourceChunk | null>;
  /** The document's chunks ordered by `chunkIndex`. */
  listChunks(documentId: string, bankId: string): Promise<SourceChunk[]>;
  /** The chunk with that hash in the bank, or `null`. */
  findChunkByHash(contentHash: string, bankId: string): Promise<SourceChunk | null>;
  /**
   * Remove every document and chunk of the bank. Returns the number of records removed
   * (documents plus chunks).
   */
  deleteBank(bankId: string): Promise<number>;
}
