/**
 * The libSQL DocumentStore: documents keyed by `(bank_id, id)` in an ordinary table, indexed
 * by an FTS5 external-content table kept in sync by triggers, ranked by BM25.
 *
 * @module
 */
import {
  ProviderUnavailableError,
  tokenize,
  validateBankId,
  validateCount,
  validateId,
  ValidationError,
} from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  Document,
  DocumentHit,
  DocumentStore,
  DocumentStoreCapabilities,
  HealthStatus,
  ListDocumentsOptions,
  SearchFulltextOptions,
} from "@astrocyte/core";
import {
  checkHealth,
  chunked,
  type Connection,
  guarded,
  idKey,
  leaseConnection,
  parseJson,
  placeholders,
  sized,
  writeAtomically,
} from "./_connection.ts";
import { ensureSchema } from "./_schema.ts";
import { and, metadataFilters, metadataJson, stringArrayJson, tagsOverlap } from "./_sql.ts";
import {
  DEFAULT_TABLE_PREFIX,
  type LibsqlOptions,
  PREFIX,
  validateLibsqlOptions,
} from "./options.ts";

/** Most query terms used in one full-text search. */
const MAX_QUERY_TERMS = 64;

/**
 * Turn free text into an FTS5 query that cannot fail to parse: each word (letters and digits,
 * lowercased) becomes a quoted FTS5 string, joined with `OR`. Syntax characters in the input
 * (`"`, `*`, `:`, `^`, `(`, `NEAR`, `AND`…) are therefore plain text. Returns `null` when the
 * text holds no word.
 */
export function toFtsQuery(text: string): string | null {
  const terms = [...new Set(tokenize(text))].slice(0, MAX_QUERY_TERMS);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(" OR ");
}

/**
 * Create a libSQL document store (FTS5, BM25). Share a database with the vector store by
 * giving both the same URL (through the registry they share one client) or the same `client`.
 *
 * Scores are `-bm25()` (higher is better). FTS5 computes BM25 statistics over the whole
 * table, so a bank's scores also depend on other banks' documents; rankings within a bank
 * follow BM25 as usual.
 *
 * @example
 * ```ts ignore
 * import { createLibsqlDocumentStore } from "@astrocyte/libsql";
 * const docs = createLibsqlDocumentStore({ url: "file:.astrocyte/memory.db" });
 * await docs.storeDocument({ id: "m1", text: "Calvin prefers dark mode" }, "user-1");
 * console.log(await docs.searchFulltext("dark mode", "user-1"));
 * await docs.close();
 * ```
 *
 * @throws {ConfigError} for invalid options.
 */
export function createLibsqlDocumentStore(
  options: LibsqlOptions,
  context?: Partial<AdapterContext>,
): DocumentStore {
  validateLibsqlOptions(options);
  const p = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  const table = `${p}documents`;
  const fts = `${p}documents_fts`;
  const createSchema = options.createSchema ?? true;
  const lease = leaseConnection(options, context);
  const persistent = options.client !== undefined || options.url?.trim() !== ":memory:";
  let closed = false;
  let readyPromise: Promise<Connection> | undefined;

  function ready(): Promise<Connection> {
    if (closed) {
      return Promise.reject(
        new ProviderUnavailableError(`${PREFIX} Document store is closed`, {
          provider: "libsql",
          retryable: false,
        }),
      );
    }
    if (readyPromise === undefined) {
      readyPromise = (async () => {
        const conn = await lease.get();
        await ensureSchema(conn, { prefix: p, families: ["documents"], createSchema });
        return conn;
      })();
      readyPromise.catch(() => readyPromise = undefined);
    }
    return readyPromise;
  }

  function toDocument(r: Record<string, unknown>): Document {
    const doc: Document = { id: String(r["id"]), text: String(r["text"]) };
    const metadata = parseJson<Document["metadata"]>(r["metadata"]);
    if (metadata !== undefined) doc.metadata = metadata;
    const tags = parseJson<string[]>(r["tags"]);
    if (tags !== undefined) doc.tags = tags;
    return doc;
  }

  const capabilities: DocumentStoreCapabilities = {
    consistency: "strong",
    atomicBatches: true,
    persistent,
    filters: { tags: true, metadataFilters: true },
    scoring: "bm25",
  };

  const store: DocumentStore = {
    capabilities,

    async storeDocument(document: Document, bankId: string): Promise<string> {
      validateBankId(bankId, PREFIX);
      if (document === null || typeof document !== "object") {
        throw new ValidationError(`${PREFIX} document must be an object`, { field: "document" });
      }
      validateId(document.id, "document.id", PREFIX);
      if (typeof document.text !== "string") {
        throw new ValidationError(`${PREFIX} document.text must be a string`, {
          field: "document.text",
        });
      }
      const args = [
        bankId,
        idKey(document.id),
        document.id,
        document.text,
        metadataJson(document.metadata, "document.metadata"),
        stringArrayJson(document.tags, "document.tags"),
      ];
      const conn = await ready();
      await writeAtomically(
        conn,
        [sized(
          `INSERT INTO ${table} (bank_id, id_key, id, text, metadata, tags) ` +
            `VALUES (?, ?, ?, ?, ?, ?) ` +
            `ON CONFLICT (bank_id, id_key) DO UPDATE SET text = excluded.text, ` +
            `metadata = excluded.metadata, tags = excluded.tags`,
          args,
        )],
        "Storing a document",
      );
      return document.id;
    },

    async searchFulltext(
      query: string,
      bankId: string,
      opts: SearchFulltextOptions = {},
    ): Promise<DocumentHit[]> {
      if (typeof query !== "string") {
        throw new ValidationError(`${PREFIX} query must be a string`, { field: "query" });
      }
      validateBankId(bankId, PREFIX);
      const limit = validateCount(opts.limit, 10, "limit", PREFIX);
      const filters = opts.filters;
      const where = and([
        ...(filters?.tags !== undefined
          ? [tagsOverlap("d.tags", filters.tags, "filters.tags")]
          : []),
        ...metadataFilters("d.metadata", filters?.metadataFilters, "filters.metadataFilters"),
      ]);
      const match = toFtsQuery(query);
      if (match === null || limit === 0) return [];
      const conn = await ready();
      const rs = await guarded("Searching documents", () =>
        conn.client.execute({
          sql: `SELECT d.id, d.text, d.metadata, d.tags, -bm25(${fts}) AS score ` +
            `FROM ${fts} JOIN ${table} AS d ON d.rid = ${fts}.rowid ` +
            `WHERE ${fts} MATCH ? AND d.bank_id = ? AND (${where.sql}) ` +
            `ORDER BY score DESC, d.id_key ASC LIMIT ?`,
          args: [match, bankId, ...where.args, limit],
        }));
      return rs.rows.map((row) => {
        const r = row as Record<string, unknown>;
        const d = toDocument(r);
        const hit: DocumentHit = { documentId: d.id, text: d.text, score: Number(r["score"]) };
        if (d.metadata !== undefined) hit.metadata = d.metadata;
        if (d.tags !== undefined) hit.tags = d.tags;
        return hit;
      });
    },

    async getDocument(documentId: string, bankId: string): Promise<Document | null> {
      validateId(documentId, "documentId", PREFIX);
      validateBankId(bankId, PREFIX);
      const conn = await ready();
      const rs = await guarded("Reading a document", () =>
        conn.client.execute({
          sql: `SELECT id, text, metadata, tags FROM ${table} WHERE bank_id = ? AND id_key = ?`,
          args: [bankId, idKey(documentId)],
        }));
      const row = rs.rows[0];
      return row === undefined ? null : toDocument(row as Record<string, unknown>);
    },

    async listDocuments(bankId: string, opts: ListDocumentsOptions = {}): Promise<Document[]> {
      validateBankId(bankId, PREFIX);
      const offset = validateCount(opts.offset, 0, "offset", PREFIX);
      const limit = validateCount(opts.limit, 100, "limit", PREFIX);
      if (limit === 0) return [];
      const conn = await ready();
      const rs = await guarded("Listing documents", () =>
        conn.client.execute({
          sql: `SELECT id, text, metadata, tags FROM ${table} WHERE bank_id = ? ` +
            `ORDER BY id_key ASC LIMIT ? OFFSET ?`,
          args: [bankId, limit, offset],
        }));
      return rs.rows.map((r) => toDocument(r as Record<string, unknown>));
    },

    async deleteDocuments(ids: string[], bankId: string): Promise<number> {
      if (!Array.isArray(ids)) {
        throw new ValidationError(`${PREFIX} ids must be an array`, { field: "ids" });
      }
      validateBankId(bankId, PREFIX);
      ids.forEach((id, i) => validateId(id, `ids[${i}]`, PREFIX));
      if (ids.length === 0) return 0;
      const conn = await ready();
      const results = await writeAtomically(
        conn,
        chunked([...new Set(ids)], 500).map((chunk) =>
          sized(
            `DELETE FROM ${table} WHERE bank_id = ? AND id_key IN (${placeholders(chunk.length)})`,
            [bankId, ...chunk.map(idKey)],
          )
        ),
        "Deleting documents",
        options.maxRequestBytes,
      );
      return results.reduce((n, r) => n + r.rowsAffected, 0);
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const conn = await ready();
      const [rs] = await writeAtomically(
        conn,
        [sized(`DELETE FROM ${table} WHERE bank_id = ?`, [bankId])],
        "Deleting a bank",
      );
      return rs!.rowsAffected;
    },

    health(): Promise<HealthStatus> {
      return checkHealth(lease, ready, "document store");
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await lease.release();
    },

    [Symbol.asyncDispose](): Promise<void> {
      return store.close();
    },
  };
  return enforceInputRules("documentStore", store, PREFIX);
}
