/**
 * The Postgres {@linkcode SourceStore}: source documents and chunks with per-bank
 * content-hash dedup (partial unique indexes), hard deletes that cascade to chunks.
 *
 * @module
 */
import { validateBankId, validateCount, validateId, validateInt32 } from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  ListSourceDocumentsOptions,
  SourceChunk,
  SourceDocument,
  SourceStore,
  SourceStoreCapabilities,
} from "@astrocyte/core";
import { PREFIX } from "./options.ts";
import type { PostgresOptions } from "./options.ts";
import type { Row, SqlStatement } from "./_client.ts";
import { sqlState } from "./_errors.ts";
import {
  asDate,
  asInt,
  asMetadata,
  asString,
  codeUnitKey,
  dateParam,
  hasNul,
  jsonParam,
  multiRowStatements,
  textArrayParam,
} from "./_sql.ts";
import { createStoreBase } from "./_store.ts";
import {
  checkObject,
  checkOptionalDate,
  checkOptionalMetadata,
  checkOptionalString,
  checkString,
  fail,
} from "./_validate.ts";

function checkNonEmpty(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    fail(`${field} must be a non-empty string`, field);
  }
  return checkString(value, field);
}

function checkDocument(document: unknown): SourceDocument {
  const d = checkObject(document, "document");
  const out: SourceDocument = {
    id: validateId(d.id, "document.id", PREFIX),
    bankId: validateBankId(d.bankId, PREFIX),
  };
  checkString(out.id, "document.id");
  checkString(out.bankId, "document.bankId");
  const title = checkOptionalString(d.title, "document.title");
  if (title !== undefined) out.title = title;
  const sourceUri = checkOptionalString(d.sourceUri, "document.sourceUri");
  if (sourceUri !== undefined) out.sourceUri = sourceUri;
  const contentHash = checkNonEmpty(d.contentHash, "document.contentHash");
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
    chunkIndex,
    text: checkString(c.text, `${field}.text`),
  };
  checkString(out.id, `${field}.id`);
  checkString(out.bankId, `${field}.bankId`);
  checkString(out.documentId, `${field}.documentId`);
  const contentHash = checkNonEmpty(c.contentHash, `${field}.contentHash`);
  if (contentHash !== undefined) out.contentHash = contentHash;
  const metadata = checkOptionalMetadata(c.metadata, `${field}.metadata`);
  if (metadata !== undefined) out.metadata = metadata;
  const createdAt = checkOptionalDate(c.createdAt, `${field}.createdAt`);
  if (createdAt !== undefined) out.createdAt = createdAt;
  return out;
}

const DOC_COLUMNS =
  `bank_id, id, title, source_uri, content_hash, content_type, metadata, created_at`;
const CHUNK_COLUMNS =
  `bank_id, id, document_id, chunk_index, text, content_hash, metadata, created_at`;

function toDocument(r: Row): SourceDocument {
  const d: SourceDocument = { id: String(r.id), bankId: String(r.bank_id) };
  const title = asString(r.title);
  if (title !== undefined) d.title = title;
  const sourceUri = asString(r.source_uri);
  if (sourceUri !== undefined) d.sourceUri = sourceUri;
  const contentHash = asString(r.content_hash);
  if (contentHash !== undefined) d.contentHash = contentHash;
  const contentType = asString(r.content_type);
  if (contentType !== undefined) d.contentType = contentType;
  const metadata = asMetadata(r.metadata);
  if (metadata !== undefined) d.metadata = metadata;
  const createdAt = asDate(r.created_at);
  if (createdAt !== undefined) d.createdAt = createdAt;
  return d;
}

function toChunk(r: Row): SourceChunk {
  const c: SourceChunk = {
    id: String(r.id),
    bankId: String(r.bank_id),
    documentId: String(r.document_id),
    chunkIndex: asInt(r.chunk_index),
    text: String(r.text),
  };
  const contentHash = asString(r.content_hash);
  if (contentHash !== undefined) c.contentHash = contentHash;
  const metadata = asMetadata(r.metadata);
  if (metadata !== undefined) c.metadata = metadata;
  const createdAt = asDate(r.created_at);
  if (createdAt !== undefined) c.createdAt = createdAt;
  return c;
}

/** Retry once when a concurrent writer claimed the same hash first (unique violation). */
async function retryOnUniqueViolation<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const cause = (e as { cause?: unknown })?.cause;
    if (sqlState(cause) !== "23505" && sqlState(e) !== "23505") throw e;
    return await fn();
  }
}

/**
 * Create a Postgres {@linkcode SourceStore}: a document or chunk whose `contentHash` is
 * already live in its bank returns the existing id and writes nothing (checked inside the
 * write, backed by partial unique indexes on `(bank_id, content_hash)`); `deleteDocument`
 * is hard and removes the document's chunks; `listDocuments` is newest first, later
 * insertions first on ties.
 *
 * @example
 * ```ts ignore
 * import { createPostgresSourceStore } from "@astrocyte/postgres";
 *
 * const sources = createPostgresSourceStore({ url: "memory://" });
 * await sources.storeDocument({ id: "doc1", bankId: "b", contentHash: "abc" });
 * console.log(await sources.storeDocument({ id: "doc2", bankId: "b", contentHash: "abc" })); // "doc1"
 * ```
 */
export function createPostgresSourceStore(
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): SourceStore {
  const base = createStoreBase("source", options, context);
  const t = base.tables;

  const capabilities: SourceStoreCapabilities = Object.freeze(
    {
      consistency: "strong",
      atomicBatches: true,
      persistent: true,
    } as const,
  );

  const store: SourceStore = {
    capabilities,

    async storeDocument(document: SourceDocument): Promise<string> {
      const d = checkDocument(document);
      const now = new Date();
      const hash = d.contentHash ?? null;
      return await retryOnUniqueViolation(async () => {
        const statements: SqlStatement[] = [{
          text: `INSERT INTO ${t.sourceDocuments} (${DOC_COLUMNS})
            SELECT $1, $2, $3, $4, $5, $6, $7::jsonb, $8::timestamptz
            WHERE $5::text IS NULL OR NOT EXISTS (
              SELECT 1 FROM ${t.sourceDocuments} WHERE bank_id = $1 AND content_hash = $5)
            ON CONFLICT (bank_id, id) DO UPDATE SET title = EXCLUDED.title,
              source_uri = EXCLUDED.source_uri, content_hash = EXCLUDED.content_hash,
              content_type = EXCLUDED.content_type, metadata = EXCLUDED.metadata,
              created_at = CASE WHEN $9::boolean THEN EXCLUDED.created_at
                ELSE ${t.sourceDocuments}.created_at END`,
          params: [
            d.bankId,
            d.id,
            d.title ?? null,
            d.sourceUri ?? null,
            hash,
            d.contentType ?? null,
            jsonParam(d.metadata),
            (d.createdAt ?? now).toISOString(),
            d.createdAt !== undefined,
          ],
        }];
        if (hash !== null) {
          statements.push({
            text: `SELECT id FROM ${t.sourceDocuments} WHERE bank_id = $1 AND content_hash = $2`,
            params: [d.bankId, hash],
          });
        }
        const results = await base.transaction("Storing a source document", statements);
        const owner = hash === null ? undefined : results.at(-1)?.[0]?.id;
        return owner === undefined ? d.id : String(owner);
      });
    },

    async getDocument(documentId: string, bankId: string): Promise<SourceDocument | null> {
      validateBankId(bankId, PREFIX);
      if (typeof documentId !== "string" || hasNul(documentId)) return null;
      const rows = await base.query(
        "Reading a source document",
        `SELECT ${DOC_COLUMNS} FROM ${t.sourceDocuments} WHERE bank_id = $1 AND id = $2`,
        [bankId, documentId],
      );
      return rows.length === 0 ? null : toDocument(rows[0]!);
    },

    async findDocumentByHash(contentHash: string, bankId: string): Promise<SourceDocument | null> {
      validateBankId(bankId, PREFIX);
      if (typeof contentHash !== "string" || hasNul(contentHash)) return null;
      const rows = await base.query(
        "Finding a source document by hash",
        `SELECT ${DOC_COLUMNS} FROM ${t.sourceDocuments} WHERE bank_id = $1 AND content_hash = $2`,
        [bankId, contentHash],
      );
      return rows.length === 0 ? null : toDocument(rows[0]!);
    },

    async listDocuments(
      bankId: string,
      options: ListSourceDocumentsOptions = {},
    ): Promise<SourceDocument[]> {
      validateBankId(bankId, PREFIX);
      const limit = validateCount(options?.limit, 100, "limit", PREFIX);
      if (limit === 0) return [];
      const rows = await base.query(
        "Listing source documents",
        `SELECT ${DOC_COLUMNS} FROM ${t.sourceDocuments} WHERE bank_id = $1
          ORDER BY created_at DESC, seq DESC LIMIT $2::bigint`,
        [bankId, limit],
      );
      return rows.map(toDocument);
    },

    async deleteDocument(documentId: string, bankId: string): Promise<boolean> {
      validateBankId(bankId, PREFIX);
      if (typeof documentId !== "string" || hasNul(documentId)) return false;
      const [, deleted] = await base.transaction("Deleting a source document", [
        {
          // Only a document that exists cascades: chunks naming a missing document stay.
          text: `DELETE FROM ${t.sourceChunks} WHERE bank_id = $1 AND document_id = $2
              AND EXISTS (SELECT 1 FROM ${t.sourceDocuments} WHERE bank_id = $1 AND id = $2)`,
          params: [bankId, documentId],
        },
        {
          text: `WITH d AS (DELETE FROM ${t.sourceDocuments} WHERE bank_id = $1 AND id = $2
              RETURNING 1) SELECT count(*)::int AS n FROM d`,
          params: [bankId, documentId],
        },
      ]);
      return asInt(deleted?.[0]?.n) > 0;
    },

    async storeChunks(chunks: SourceChunk[]): Promise<string[]> {
      if (!Array.isArray(chunks)) fail("chunks must be an array", "chunks");
      const inputs = chunks.map((c, i) => checkChunk(c, `chunks[${i}]`));
      if (inputs.length === 0) return [];
      return await retryOnUniqueViolation(async () => {
        // What the bank already holds: owners of the call's hashes and the current hash of
        // each id the call writes (an overwrite releases the old hash).
        const hashed = inputs.filter((c) => c.contentHash !== undefined);
        const known = await base.query(
          "Reading chunk hashes",
          `SELECT c.bank_id, c.id, c.content_hash FROM ${t.sourceChunks} c
            JOIN unnest($1::text[], $2::text[]) AS k(b, h) ON c.bank_id = k.b AND c.content_hash = k.h
          UNION
          SELECT c.bank_id, c.id, c.content_hash FROM ${t.sourceChunks} c
            JOIN unnest($3::text[], $4::text[]) AS k(b, i) ON c.bank_id = k.b AND c.id = k.i`,
          [
            textArrayParam(hashed.map((c) => c.bankId)),
            textArrayParam(hashed.map((c) => c.contentHash!)),
            textArrayParam(inputs.map((c) => c.bankId)),
            textArrayParam(inputs.map((c) => c.id)),
          ],
        );
        // Replay the call in order, exactly as the reference does.
        const key = (bank: string, x: string) => JSON.stringify([bank, x]);
        const hashOwner = new Map<string, string>();
        const hashOf = new Map<string, string | undefined>();
        for (const r of known) {
          const bank = String(r.bank_id);
          const h = asString(r.content_hash);
          if (h !== undefined) hashOwner.set(key(bank, h), String(r.id));
          hashOf.set(key(bank, String(r.id)), h);
        }
        // The stored hash of each id before the call (`hashOf` moves on during the replay).
        const storedHash = new Map(hashOf);
        const ids: string[] = [];
        const writes = new Map<string, SourceChunk>();
        for (const c of inputs) {
          const h = c.contentHash;
          const owner = h === undefined ? undefined : hashOwner.get(key(c.bankId, h));
          if (owner !== undefined) {
            ids.push(owner);
            continue;
          }
          const idKey = key(c.bankId, c.id);
          const previous = hashOf.get(idKey);
          if (previous !== undefined && hashOwner.get(key(c.bankId, previous)) === c.id) {
            hashOwner.delete(key(c.bankId, previous));
          }
          hashOf.set(idKey, h);
          if (h !== undefined) hashOwner.set(key(c.bankId, h), c.id);
          // An overwrite without createdAt keeps the chunk's createdAt: the one an earlier
          // copy in this call gave it, else the stored one (or now for a new chunk).
          const createdAt = c.createdAt ?? writes.get(idKey)?.createdAt;
          writes.delete(idKey); // keep the final write last
          writes.set(idKey, createdAt === undefined ? c : { ...c, createdAt });
          ids.push(c.id);
        }
        if (writes.size === 0) return ids;
        // Hashes move between chunks within a call (an overwrite releases one, a later chunk
        // takes it), but the partial unique index on (bank_id, content_hash) is checked row by
        // row. So first clear the stored hash of every written chunk whose hash changes; the
        // replay guarantees the final hashes are unique and held by no chunk left untouched.
        const releasing = [...writes.values()].filter((c) => {
          const stored = storedHash.get(key(c.bankId, c.id));
          return stored !== undefined && stored !== c.contentHash;
        });
        const release: SqlStatement[] = releasing.length === 0 ? [] : [{
          text: `UPDATE ${t.sourceChunks} c SET content_hash = NULL
            FROM unnest($1::text[], $2::text[]) AS k(b, i) WHERE c.bank_id = k.b AND c.id = k.i`,
          params: [
            textArrayParam(releasing.map((c) => c.bankId)),
            textArrayParam(releasing.map((c) => c.id)),
          ],
        }];
        const now = new Date().toISOString();
        const update = `document_id = EXCLUDED.document_id, chunk_index = EXCLUDED.chunk_index,
          text = EXCLUDED.text, content_hash = EXCLUDED.content_hash, metadata = EXCLUDED.metadata`;
        const group = (list: SourceChunk[], keepCreatedAt: boolean) =>
          list.length === 0 ? [] : multiRowStatements(
            `INSERT INTO ${t.sourceChunks} (${CHUNK_COLUMNS})`,
            ["text", "text", "text", "int", "text", "text", "jsonb", "timestamptz"],
            list.map((c) => [
              c.bankId,
              c.id,
              c.documentId,
              c.chunkIndex,
              c.text,
              c.contentHash ?? null,
              jsonParam(c.metadata),
              dateParam(c.createdAt) ?? now,
            ]),
            // A caller createdAt replaces the stored one; otherwise an overwrite keeps it.
            `ON CONFLICT (bank_id, id) DO UPDATE SET ${update}${
              keepCreatedAt ? "" : ", created_at = EXCLUDED.created_at"
            }`,
          );
        const all = [...writes.values()];
        await base.transaction("Storing source chunks", [
          ...release,
          ...group(all.filter((c) => c.createdAt === undefined), true),
          ...group(all.filter((c) => c.createdAt !== undefined), false),
        ]);
        return ids;
      });
    },

    async getChunk(chunkId: string, bankId: string): Promise<SourceChunk | null> {
      validateBankId(bankId, PREFIX);
      if (typeof chunkId !== "string" || hasNul(chunkId)) return null;
      const rows = await base.query(
        "Reading a source chunk",
        `SELECT ${CHUNK_COLUMNS} FROM ${t.sourceChunks} WHERE bank_id = $1 AND id = $2`,
        [bankId, chunkId],
      );
      return rows.length === 0 ? null : toChunk(rows[0]!);
    },

    async listChunks(documentId: string, bankId: string): Promise<SourceChunk[]> {
      validateBankId(bankId, PREFIX);
      if (typeof documentId !== "string" || hasNul(documentId)) return [];
      const rows = await base.query(
        "Listing source chunks",
        `SELECT ${CHUNK_COLUMNS} FROM ${t.sourceChunks} WHERE bank_id = $1 AND document_id = $2
          ORDER BY chunk_index, ${codeUnitKey("id")}`,
        [bankId, documentId],
      );
      return rows.map(toChunk);
    },

    async findChunkByHash(contentHash: string, bankId: string): Promise<SourceChunk | null> {
      validateBankId(bankId, PREFIX);
      if (typeof contentHash !== "string" || hasNul(contentHash)) return null;
      const rows = await base.query(
        "Finding a source chunk by hash",
        `SELECT ${CHUNK_COLUMNS} FROM ${t.sourceChunks} WHERE bank_id = $1 AND content_hash = $2`,
        [bankId, contentHash],
      );
      return rows.length === 0 ? null : toChunk(rows[0]!);
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const count = (table: string) => ({
        text: `WITH d AS (DELETE FROM ${table} WHERE bank_id = $1 RETURNING 1)
          SELECT count(*)::int AS n FROM d`,
        params: [bankId],
      });
      const [c, d] = await base.transaction("Deleting a bank", [
        count(t.sourceChunks),
        count(t.sourceDocuments),
      ]);
      return asInt(c?.[0]?.n) + asInt(d?.[0]?.n);
    },

    health: () => base.health(),
    close: () => base.close(),
    [Symbol.asyncDispose]: () => base.close(),
  };
  return enforceInputRules("sourceStore", store, PREFIX);
}
