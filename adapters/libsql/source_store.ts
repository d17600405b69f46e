/**
 * The libSQL SourceStore: source documents and chunks in ordinary tables with per-bank
 * content-hash dedup (unique partial indexes), each write one atomic batch.
 *
 * @module
 */
import {
  compareIds,
  validateBankId,
  validateCount,
  validateId,
  validateInt32,
  ValidationError,
} from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  HealthStatus,
  ListSourceDocumentsOptions,
  SourceChunk,
  SourceDocument,
  SourceStore,
  SourceStoreCapabilities,
} from "@astrocyte/core";
import {
  guarded,
  optString,
  parseJson,
  sized,
  type SizedStatement,
  writeAtomically,
} from "./_connection.ts";
import {
  checkObject,
  checkOptionalDate,
  checkOptionalMetadata,
  checkOptionalString,
  checkString,
  createRuntime,
  fail,
  json,
} from "./_runtime.ts";
import { type LibsqlOptions, PREFIX } from "./options.ts";

function checkHash(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    fail(`${field} must be a non-empty string`, field);
  }
  return value;
}

function checkDocument(document: unknown): SourceDocument {
  const d = checkObject(document, "document");
  const out: SourceDocument = {
    id: validateId(d["id"], "document.id", PREFIX),
    bankId: validateBankId(d["bankId"], PREFIX),
  };
  const title = checkOptionalString(d["title"], "document.title");
  if (title !== undefined) out.title = title;
  const sourceUri = checkOptionalString(d["sourceUri"], "document.sourceUri");
  if (sourceUri !== undefined) out.sourceUri = sourceUri;
  const contentHash = checkHash(d["contentHash"], "document.contentHash");
  if (contentHash !== undefined) out.contentHash = contentHash;
  const contentType = checkOptionalString(d["contentType"], "document.contentType");
  if (contentType !== undefined) out.contentType = contentType;
  const metadata = checkOptionalMetadata(d["metadata"], "document.metadata");
  if (metadata !== undefined) out.metadata = metadata;
  const createdAt = checkOptionalDate(d["createdAt"], "document.createdAt");
  if (createdAt !== undefined) out.createdAt = createdAt;
  return out;
}

function checkChunk(chunk: unknown, field: string): SourceChunk {
  const c = checkObject(chunk, field);
  const chunkIndex = validateInt32(c["chunkIndex"], `${field}.chunkIndex`, PREFIX);
  const out: SourceChunk = {
    id: validateId(c["id"], `${field}.id`, PREFIX),
    bankId: validateBankId(c["bankId"], PREFIX),
    documentId: validateId(c["documentId"], `${field}.documentId`, PREFIX),
    chunkIndex,
    text: checkString(c["text"], `${field}.text`),
  };
  const contentHash = checkHash(c["contentHash"], `${field}.contentHash`);
  if (contentHash !== undefined) out.contentHash = contentHash;
  const metadata = checkOptionalMetadata(c["metadata"], `${field}.metadata`);
  if (metadata !== undefined) out.metadata = metadata;
  const createdAt = checkOptionalDate(c["createdAt"], `${field}.createdAt`);
  if (createdAt !== undefined) out.createdAt = createdAt;
  return out;
}

const DOC_COLUMNS =
  "bank_id, id, title, source_uri, content_hash, content_type, metadata, created_at";
const CHUNK_COLUMNS =
  "bank_id, id, document_id, chunk_index, text, content_hash, metadata, created_at";

function rowToDocument(r: Record<string, unknown>): SourceDocument {
  const doc: SourceDocument = { id: String(r["id"]), bankId: String(r["bank_id"]) };
  const title = optString(r["title"]);
  if (title !== undefined) doc.title = title;
  const sourceUri = optString(r["source_uri"]);
  if (sourceUri !== undefined) doc.sourceUri = sourceUri;
  const contentHash = optString(r["content_hash"]);
  if (contentHash !== undefined) doc.contentHash = contentHash;
  const contentType = optString(r["content_type"]);
  if (contentType !== undefined) doc.contentType = contentType;
  const metadata = parseJson<SourceDocument["metadata"]>(r["metadata"]);
  if (metadata !== undefined) doc.metadata = metadata;
  doc.createdAt = new Date(Number(r["created_at"]));
  return doc;
}

function rowToChunk(r: Record<string, unknown>): SourceChunk {
  const chunk: SourceChunk = {
    id: String(r["id"]),
    bankId: String(r["bank_id"]),
    documentId: String(r["document_id"]),
    chunkIndex: Number(r["chunk_index"]),
    text: String(r["text"]),
  };
  const contentHash = optString(r["content_hash"]);
  if (contentHash !== undefined) chunk.contentHash = contentHash;
  const metadata = parseJson<SourceChunk["metadata"]>(r["metadata"]);
  if (metadata !== undefined) chunk.metadata = metadata;
  chunk.createdAt = new Date(Number(r["created_at"]));
  return chunk;
}

/**
 * Create a libSQL source store. Dedup is per bank: a document or chunk whose hash already
 * belongs to a live record of the bank returns that record's id and writes nothing.
 *
 * @example
 * ```ts ignore
 * import { createLibsqlSourceStore } from "@astrocyte/libsql";
 * const sources = createLibsqlSourceStore({ url: "file:.astrocyte/memory.db" });
 * await sources.storeDocument({ id: "d1", bankId: "b1", title: "Notes", contentHash: "abc" });
 * ```
 */
export function createLibsqlSourceStore(
  options: LibsqlOptions,
  context?: Partial<AdapterContext>,
): SourceStore {
  const rt = createRuntime(options, context, ["sources"], "Source store");
  const p = rt.prefix;
  const docs = `${p}source_documents`;
  const chunks = `${p}source_chunks`;
  const capabilities: SourceStoreCapabilities = {
    consistency: "strong",
    atomicBatches: true,
    persistent: rt.persistent,
  };

  async function one<T>(
    what: string,
    sql: string,
    args: (string | number)[],
    map: (r: Record<string, unknown>) => T,
  ): Promise<T | null> {
    const conn = await rt.ready();
    const rs = await guarded(what, () => conn.client.execute({ sql, args }));
    const row = rs.rows[0];
    return row === undefined ? null : map(row as Record<string, unknown>);
  }

  const store: SourceStore = {
    capabilities,

    async storeDocument(document: SourceDocument): Promise<string> {
      const d = checkDocument(document);
      const explicit = d.createdAt?.getTime() ?? null;
      const values = [
        d.bankId,
        d.id,
        d.title ?? null,
        d.sourceUri ?? null,
        d.contentHash ?? null,
        d.contentType ?? null,
        json(d.metadata),
        explicit ?? Date.now(),
      ];
      const statements: SizedStatement[] = [
        sized(
          `INSERT INTO ${docs} (${DOC_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ? ` +
            `WHERE ? IS NULL OR NOT EXISTS (SELECT 1 FROM ${docs} ` +
            `WHERE bank_id = ? AND content_hash = ?) ` +
            `ON CONFLICT (bank_id, id) DO UPDATE SET title = excluded.title, ` +
            `source_uri = excluded.source_uri, content_hash = excluded.content_hash, ` +
            `content_type = excluded.content_type, metadata = excluded.metadata, ` +
            `created_at = COALESCE(?, ${docs}.created_at)`,
          [...values, d.contentHash ?? null, d.bankId, d.contentHash ?? null, explicit],
        ),
      ];
      if (d.contentHash !== undefined) {
        statements.push(
          sized(`SELECT id FROM ${docs} WHERE bank_id = ? AND content_hash = ?`, [
            d.bankId,
            d.contentHash,
          ]),
        );
      }
      const conn = await rt.ready();
      const results = await writeAtomically(conn, statements, "Storing a source document");
      return d.contentHash === undefined ? d.id : String(results[1]!.rows[0]?.["id"] ?? d.id);
    },

    getDocument(documentId: string, bankId: string): Promise<SourceDocument | null> {
      validateBankId(bankId, PREFIX);
      return one(
        "Reading a source document",
        `SELECT ${DOC_COLUMNS} FROM ${docs} WHERE bank_id = ? AND id = ?`,
        [bankId, String(documentId)],
        rowToDocument,
      );
    },

    findDocumentByHash(contentHash: string, bankId: string): Promise<SourceDocument | null> {
      validateBankId(bankId, PREFIX);
      return one(
        "Finding a source document",
        `SELECT ${DOC_COLUMNS} FROM ${docs} WHERE bank_id = ? AND content_hash = ?`,
        [bankId, String(contentHash)],
        rowToDocument,
      );
    },

    async listDocuments(
      bankId: string,
      opts: ListSourceDocumentsOptions = {},
    ): Promise<SourceDocument[]> {
      validateBankId(bankId, PREFIX);
      const limit = validateCount(opts?.limit, 100, "limit", PREFIX);
      if (limit === 0) return [];
      const conn = await rt.ready();
      const rs = await guarded("Listing source documents", () =>
        conn.client.execute({
          sql: `SELECT ${DOC_COLUMNS} FROM ${docs} WHERE bank_id = ? ` +
            `ORDER BY created_at DESC, rid DESC LIMIT ?`,
          args: [bankId, limit],
        }));
      return rs.rows.map((r) => rowToDocument(r as Record<string, unknown>));
    },

    async deleteDocument(documentId: string, bankId: string): Promise<boolean> {
      validateBankId(bankId, PREFIX);
      const id = String(documentId);
      const conn = await rt.ready();
      const [, deleted] = await writeAtomically(conn, [
        sized(
          `DELETE FROM ${chunks} WHERE bank_id = ? AND document_id = ? ` +
            `AND EXISTS (SELECT 1 FROM ${docs} WHERE bank_id = ? AND id = ?)`,
          [bankId, id, bankId, id],
        ),
        sized(`DELETE FROM ${docs} WHERE bank_id = ? AND id = ?`, [bankId, id]),
      ], "Deleting a source document");
      return deleted!.rowsAffected > 0;
    },

    async storeChunks(input: SourceChunk[]): Promise<string[]> {
      if (!Array.isArray(input)) {
        throw new ValidationError(`${PREFIX} chunks must be an array`, { field: "chunks" });
      }
      const checked = input.map((c, i) => checkChunk(c, `chunks[${i}]`));
      if (checked.length === 0) return [];
      const now = Date.now();
      const statements: SizedStatement[] = [];
      /** Index of the owner-lookup statement of each chunk with a hash. */
      const lookups: (number | undefined)[] = [];
      for (const c of checked) {
        const explicit = c.createdAt?.getTime() ?? null;
        statements.push(sized(
          `INSERT INTO ${chunks} (${CHUNK_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ? ` +
            `WHERE ? IS NULL OR NOT EXISTS (SELECT 1 FROM ${chunks} ` +
            `WHERE bank_id = ? AND content_hash = ?) ` +
            `ON CONFLICT (bank_id, id) DO UPDATE SET document_id = excluded.document_id, ` +
            `chunk_index = excluded.chunk_index, text = excluded.text, ` +
            `content_hash = excluded.content_hash, metadata = excluded.metadata, ` +
            `created_at = COALESCE(?, ${chunks}.created_at)`,
          [
            c.bankId,
            c.id,
            c.documentId,
            c.chunkIndex,
            c.text,
            c.contentHash ?? null,
            json(c.metadata),
            explicit ?? now,
            c.contentHash ?? null,
            c.bankId,
            c.contentHash ?? null,
            explicit,
          ],
        ));
        if (c.contentHash === undefined) {
          lookups.push(undefined);
        } else {
          lookups.push(statements.length);
          statements.push(sized(
            `SELECT id FROM ${chunks} WHERE bank_id = ? AND content_hash = ?`,
            [c.bankId, c.contentHash],
          ));
        }
      }
      const conn = await rt.ready();
      const results = await writeAtomically(
        conn,
        statements,
        "Storing source chunks",
        options.maxRequestBytes,
      );
      return checked.map((c, i) => {
        const at = lookups[i];
        return at === undefined ? c.id : String(results[at]!.rows[0]?.["id"] ?? c.id);
      });
    },

    getChunk(chunkId: string, bankId: string): Promise<SourceChunk | null> {
      validateBankId(bankId, PREFIX);
      return one(
        "Reading a source chunk",
        `SELECT ${CHUNK_COLUMNS} FROM ${chunks} WHERE bank_id = ? AND id = ?`,
        [bankId, String(chunkId)],
        rowToChunk,
      );
    },

    async listChunks(documentId: string, bankId: string): Promise<SourceChunk[]> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const rs = await guarded("Listing source chunks", () =>
        conn.client.execute({
          sql: `SELECT ${CHUNK_COLUMNS} FROM ${chunks} WHERE bank_id = ? AND document_id = ?`,
          args: [bankId, String(documentId)],
        }));
      return rs.rows.map((r) => rowToChunk(r as Record<string, unknown>)).sort((a, b) =>
        a.chunkIndex - b.chunkIndex || compareIds(a.id, b.id)
      );
    },

    findChunkByHash(contentHash: string, bankId: string): Promise<SourceChunk | null> {
      validateBankId(bankId, PREFIX);
      return one(
        "Finding a source chunk",
        `SELECT ${CHUNK_COLUMNS} FROM ${chunks} WHERE bank_id = ? AND content_hash = ?`,
        [bankId, String(contentHash)],
        rowToChunk,
      );
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const [a, b] = await writeAtomically(conn, [
        sized(`DELETE FROM ${chunks} WHERE bank_id = ?`, [bankId]),
        sized(`DELETE FROM ${docs} WHERE bank_id = ?`, [bankId]),
      ], "Deleting a bank");
      return a!.rowsAffected + b!.rowsAffected;
    },

    health(): Promise<HealthStatus> {
      return rt.health();
    },

    close(): Promise<void> {
      return rt.close();
    },

    [Symbol.asyncDispose](): Promise<void> {
      return store.close();
    },
  };
  return enforceInputRules("sourceStore", store, PREFIX);
}
