/**
 * The in-memory reference SourceStore: source documents, their chunks and content-hash
 * indexes, kept per bank. It defines the semantics every SourceStore adapter must match
 * (`spi.md` §2.1, §2.9, §2.11):
 *
 * - Documents and chunks are keyed by `(bankId, id)`; storing an existing id replaces the
 *   record (keeping its `createdAt` and list position unless a new `createdAt` is given).
 * - Hash dedup per bank: a document or chunk whose `contentHash` is already held by a live
 *   record of the same bank is not written and the existing id is returned — also for
 *   chunks earlier in the same `storeChunks` call. Dedup never crosses banks; no hash, no
 *   dedup. A hash belongs to the record that currently carries it.
 * - `deleteDocument` is hard and cascades to the document's chunks and hash entries.
 * - `listDocuments` is newest `createdAt` first, ties broken by insertion order (later
 *   first) through an insertion sequence, since `Date` has only millisecond resolution.
 * - `createdAt` is stamped when absent; `listChunks` is ordered by `chunkIndex` (then id).
 * - A chunk's document need not exist; `storeChunks` validates the whole batch first, so a
 *   bad chunk leaves nothing written. Every returned object is a copy.
 *
 * @example
 * ```ts
 * import { createInMemorySourceStore } from "@astrocyte/core";
 *
 * const sources = createInMemorySourceStore();
 * await sources.storeDocument({ id: "d1", bankId: "b1", title: "Notes", contentHash: "abc" });
 * console.log(await sources.storeDocument({ id: "d2", bankId: "b1", contentHash: "abc" })); // "d1"
 * await sources.storeChunks([{ id: "c1", bankId: "b1", documentId: "d1", chunkIndex: 0, text: "Hi" }]);
 * await sources.deleteDocument("d1", "b1");
 * console.log(await sources.listChunks("d1", "b1")); // []
 * ```
 *
 * @module
 */
import type {
  ListSourceDocumentsOptions,
  SourceChunk,
  SourceDocument,
  SourceStore,
  SourceStoreCapabilities,
} from "../spi/source_store.ts";
import type { HealthStatus } from "../types.ts";
import {
  compareIds,
  validateBankId,
  validateCount,
  validateId,
  validateInt32,
} from "../util/validate.ts";
import { enforceInputRules } from "../util/input_rules.ts";
import {
  checkObject,
  checkOptionalDate,
  checkOptionalMetadata,
  checkOptionalNonEmpty,
  checkOptionalString,
  checkString,
  copyMetadata,
  fail,
  PREFIX,
  settle,
} from "./_record_checks.ts";

const CAPABILITIES: SourceStoreCapabilities = Object.freeze({
  consistency: "strong",
  atomicBatches: true,
  persistent: false,
});

/** A stored document with its insertion sequence (the tiebreaker of `listDocuments`). */
interface DocRecord {
  doc: SourceDocument & { createdAt: Date };
  seq: number;
}

interface BankSources {
  docs: Map<string, DocRecord>;
  /** contentHash → document id, for live documents carrying that hash. */
  docHashes: Map<string, string>;
  chunks: Map<string, SourceChunk & { createdAt: Date }>;
  /** contentHash → chunk id, for live chunks carrying that hash. */
  chunkHashes: Map<string, string>;
}

function checkDocument(document: unknown): SourceDocument {
  const d = checkObject(document, "document");
  const out: SourceDocument = {
    id: validateId(d.id, "document.id", PREFIX),
    bankId: validateBankId(d.bankId, PREFIX),
  };
  const title = checkOptionalString(d.title, "document.title");
  if (title !== undefined) out.title = title;
  const sourceUri = checkOptionalString(d.sourceUri, "document.sourceUri");
  if (sourceUri !== undefined) out.sourceUri = sourceUri;
  const contentHash = checkOptionalNonEmpty(d.contentHash, "document.contentHash");
  if (contentHash !== undefined) out.contentHash = contentHash;
  const contentType = checkOptionalString(d.contentType, "document.contentType");
  if (contentType !== undefined) out.contentType = contentType;
  const metadata = checkOptionalMetadata(d.metadata, "document.metadata");
  if (metadata !== undefined) out.metadata = metadata;
  const createdAt = checkOptionalDate(d.createdAt, "document.createdAt");
  if (createdAt !== undefined) out.createdAt = createdAt;
  return out;
}

function checkChunk(chunk: unknown, field: string): SourceChunk {
  const c = checkObject(chunk, field);
  const chunkIndex = validateInt32(c.chunkIndex, `${field}.chunkIndex`, PREFIX);
  const out: SourceChunk = {
    id: validateId(c.id, `${field}.id`, PREFIX),
    bankId: validateBankId(c.bankId, PREFIX),
    documentId: validateId(c.documentId, `${field}.documentId`, PREFIX),
    chunkIndex: chunkIndex + 0, // −0 is stored as 0
    text: checkString(c.text, `${field}.text`),
  };
  const contentHash = checkOptionalNonEmpty(c.contentHash, `${field}.contentHash`);
  if (contentHash !== undefined) out.contentHash = contentHash;
  const metadata = checkOptionalMetadata(c.metadata, `${field}.metadata`);
  if (metadata !== undefined) out.metadata = metadata;
  const createdAt = checkOptionalDate(c.createdAt, `${field}.createdAt`);
  if (createdAt !== undefined) out.createdAt = createdAt;
  return out;
}

function copyDocument(doc: SourceDocument): SourceDocument {
  const out: SourceDocument = { ...doc };
  if (doc.metadata !== undefined) out.metadata = copyMetadata(doc.metadata);
  if (doc.createdAt !== undefined) out.createdAt = new Date(doc.createdAt.getTime());
  return out;
}

function copyChunk(chunk: SourceChunk): SourceChunk {
  const out: SourceChunk = { ...chunk };
  if (chunk.metadata !== undefined) out.metadata = copyMetadata(chunk.metadata);
  if (chunk.createdAt !== undefined) out.createdAt = new Date(chunk.createdAt.getTime());
  return out;
}

/** Remove `hash → id` from `index` when it still points at `id`. */
function releaseHash(index: Map<string, string>, hash: string | undefined, id: string): void {
  if (hash !== undefined && index.get(hash) === id) index.delete(hash);
}

/**
 * Create the in-memory reference SourceStore. Data lives in the instance; two instances
 * share nothing.
 */
export function createInMemorySourceStore(): SourceStore {
  const banks = new Map<string, BankSources>();
  let sequence = 0;

  const bankFor = (bankId: string): BankSources => {
    let bank = banks.get(bankId);
    if (bank === undefined) {
      bank = { docs: new Map(), docHashes: new Map(), chunks: new Map(), chunkHashes: new Map() };
      banks.set(bankId, bank);
    }
    return bank;
  };

  const store: SourceStore = {
    capabilities: CAPABILITIES,

    storeDocument(document: SourceDocument): Promise<string> {
      return settle(() => {
        const input = checkDocument(document);
        const hash = input.contentHash;
        const existingBank = banks.get(input.bankId);
        if (hash !== undefined) {
          const owner = existingBank?.docHashes.get(hash);
          if (owner !== undefined) return owner;
        }
        const bank = existingBank ?? bankFor(input.bankId);
        const previous = bank.docs.get(input.id);
        if (previous !== undefined) releaseHash(bank.docHashes, previous.doc.contentHash, input.id);
        const createdAt = input.createdAt ?? previous?.doc.createdAt ?? new Date();
        bank.docs.set(input.id, {
          doc: { ...input, createdAt },
          seq: previous?.seq ?? ++sequence,
        });
        if (hash !== undefined) bank.docHashes.set(hash, input.id);
        return input.id;
      });
    },

    getDocument(documentId: string, bankId: string): Promise<SourceDocument | null> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const rec = banks.get(bankId)?.docs.get(documentId);
        return rec === undefined ? null : copyDocument(rec.doc);
      });
    },

    findDocumentByHash(contentHash: string, bankId: string): Promise<SourceDocument | null> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        const id = bank?.docHashes.get(contentHash);
        const rec = id === undefined ? undefined : bank?.docs.get(id);
        return rec === undefined ? null : copyDocument(rec.doc);
      });
    },

    listDocuments(
      bankId: string,
      options: ListSourceDocumentsOptions = {},
    ): Promise<SourceDocument[]> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const limit = validateCount(options?.limit, 100, "limit", PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined || limit === 0) return [];
        return [...bank.docs.values()]
          .sort((a, b) => b.doc.createdAt.getTime() - a.doc.createdAt.getTime() || b.seq - a.seq)
          .slice(0, limit)
          .map((r) => copyDocument(r.doc));
      });
    },

    deleteDocument(documentId: string, bankId: string): Promise<boolean> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        const rec = bank?.docs.get(documentId);
        if (bank === undefined || rec === undefined) return false;
        bank.docs.delete(documentId);
        releaseHash(bank.docHashes, rec.doc.contentHash, documentId);
        for (const [id, chunk] of bank.chunks) {
          if (chunk.documentId !== documentId) continue;
          bank.chunks.delete(id);
          releaseHash(bank.chunkHashes, chunk.contentHash, id);
        }
        return true;
      });
    },

    storeChunks(chunks: SourceChunk[]): Promise<string[]> {
      return settle(() => {
        if (!Array.isArray(chunks)) fail("chunks must be an array", "chunks");
        const inputs = chunks.map((c, i) => checkChunk(c, `chunks[${i}]`));
        const ids: string[] = [];
        for (const input of inputs) {
          const bank = bankFor(input.bankId);
          const hash = input.contentHash;
          const owner = hash === undefined ? undefined : bank.chunkHashes.get(hash);
          if (owner !== undefined) {
            ids.push(owner);
            continue;
          }
          const previous = bank.chunks.get(input.id);
          if (previous !== undefined) releaseHash(bank.chunkHashes, previous.contentHash, input.id);
          const createdAt = input.createdAt ?? previous?.createdAt ?? new Date();
          bank.chunks.set(input.id, { ...input, createdAt });
          if (hash !== undefined) bank.chunkHashes.set(hash, input.id);
          ids.push(input.id);
        }
        return ids;
      });
    },

    getChunk(chunkId: string, bankId: string): Promise<SourceChunk | null> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const chunk = banks.get(bankId)?.chunks.get(chunkId);
        return chunk === undefined ? null : copyChunk(chunk);
      });
    },

    listChunks(documentId: string, bankId: string): Promise<SourceChunk[]> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined) return [];
        const out: SourceChunk[] = [];
        for (const chunk of bank.chunks.values()) {
          if (chunk.documentId === documentId) out.push(copyChunk(chunk));
        }
        return out.sort((a, b) => a.chunkIndex - b.chunkIndex || compareIds(a.id, b.id));
      });
    },

    findChunkByHash(contentHash: string, bankId: string): Promise<SourceChunk | null> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        const id = bank?.chunkHashes.get(contentHash);
        const chunk = id === undefined ? undefined : bank?.chunks.get(id);
        return chunk === undefined ? null : copyChunk(chunk);
      });
    },

    deleteBank(bankId: string): Promise<number> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined) return 0;
        banks.delete(bankId);
        return bank.docs.size + bank.chunks.size;
      });
    },

    health(): Promise<HealthStatus> {
      return Promise.resolve({
        healthy: true,
        message: "in-memory source store",
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
  return enforceInputRules("sourceStore", store, "[astrocyte/core]");
}
