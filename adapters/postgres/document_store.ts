/**
 * The Postgres {@linkcode DocumentStore}: full-text search with a `tsvector` column, a GIN
 * index and `ts_rank`, scoped per bank.
 *
 * @module
 */
import { validateBankId, validateCount, validateId } from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  Document,
  DocumentFilters,
  DocumentHit,
  DocumentStore,
  DocumentStoreCapabilities,
  ListDocumentsOptions,
  SearchFulltextOptions,
} from "@astrocyte/core";
import { PREFIX } from "./options.ts";
import type { PostgresOptions } from "./options.ts";
import type { Row } from "./_client.ts";
import {
  asInt,
  asMetadata,
  asTextArray,
  hasNul,
  jsonParam,
  stripNul,
  textArrayParam,
} from "./_sql.ts";
import { createStoreBase } from "./_store.ts";
import {
  checkArray,
  checkObject,
  checkOptionalMetadata,
  checkOptionalStringArray,
  checkString,
  fail,
} from "./_validate.ts";

/** Most distinct query words used in one full-text search. */
const MAX_QUERY_WORDS = 64;
/**
 * The stored `tsvector`: the text in the configured language (stemmed, without stop words)
 * plus its plain tokens (`simple`), so exact words and stop words are searchable too.
 * Parameters: `$3` text, `$6` language.
 */
const TSV_SQL = `to_tsvector($6::regconfig, $3) || to_tsvector('simple'::regconfig, $3)`;

function toDocument(r: Row): Document {
  const d: Document = { id: String(r.id), text: String(r.text) };
  const metadata = asMetadata(r.metadata);
  if (metadata !== undefined) d.metadata = metadata;
  const tags = asTextArray(r.tags);
  if (tags !== undefined) d.tags = tags;
  return d;
}

function checkFilters(filters: DocumentFilters | undefined): void {
  if (filters === undefined || filters === null) return;
  checkObject(filters, "filters");
  if (filters.tags !== undefined) checkOptionalStringArray(filters.tags, "filters.tags");
  if (filters.metadataFilters !== undefined) {
    checkObject(filters.metadataFilters, "filters.metadataFilters");
    checkOptionalMetadata(filters.metadataFilters, "filters.metadataFilters");
  }
}

/**
 * Create a Postgres {@linkcode DocumentStore}.
 *
 * - Each document's `tsvector` is computed at write time with the `language` text-search
 *   configuration (default `english`) plus the unstemmed `simple` tokens (so stop words and
 *   exact forms match too), and indexed with GIN.
 * - Queries are parsed with `plainto_tsquery` (so operators and quotes in the query are plain
 *   text and a query never fails to parse) and the terms are OR-ed: a document matches when it
 *   contains at least one term. Scores are `ts_rank` (higher is better); ties by id.
 *
 * @example
 * ```ts ignore
 * import { createPostgresDocumentStore } from "@astrocyte/postgres";
 *
 * const docs = createPostgresDocumentStore({ url: "memory://" });
 * await docs.storeDocument({ id: "d1", text: "Calvin prefers dark mode" }, "user-1");
 * console.log((await docs.searchFulltext("dark", "user-1"))[0]?.documentId); // "d1"
 * ```
 */
export function createPostgresDocumentStore(
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): DocumentStore {
  const base = createStoreBase("document", options, context);
  const T = base.tables.documents;
  const lang = base.options.language;

  const capabilities: DocumentStoreCapabilities = Object.freeze(
    {
      consistency: "strong",
      atomicBatches: true,
      persistent: true,
      filters: Object.freeze({ tags: true, metadataFilters: true }),
      scoring: "ts_rank",
    } as const,
  );

  const store: DocumentStore = {
    capabilities,

    async storeDocument(document: Document, bankId: string): Promise<string> {
      validateBankId(bankId, PREFIX);
      checkObject(document, "document");
      validateId(document.id, "document.id", PREFIX);
      checkString(document.id, "document.id");
      checkString(document.text, "document.text");
      checkOptionalMetadata(document.metadata, "document.metadata");
      checkOptionalStringArray(document.tags, "document.tags");
      await base.query(
        "Storing a document",
        `INSERT INTO ${T} (bank_id, id, text, metadata, tags, tsv)
          VALUES ($1, $2, $3, $4::jsonb, $5::text[], ${TSV_SQL})
          ON CONFLICT (bank_id, id) DO UPDATE SET text = EXCLUDED.text,
            metadata = EXCLUDED.metadata, tags = EXCLUDED.tags, tsv = EXCLUDED.tsv`,
        [
          bankId,
          document.id,
          document.text,
          jsonParam(document.metadata),
          textArrayParam(document.tags),
          lang,
        ],
      );
      return document.id;
    },

    async searchFulltext(
      query: string,
      bankId: string,
      options: SearchFulltextOptions = {},
    ): Promise<DocumentHit[]> {
      validateBankId(bankId, PREFIX);
      if (typeof query !== "string") fail("query must be a string", "query");
      const limit = validateCount(options?.limit, 10, "limit", PREFIX);
      checkFilters(options?.filters);
      // At most 64 distinct words (as the libSQL adapter): a huge query text would otherwise
      // build a tsquery Postgres cannot evaluate (PGlite crashed on 70k characters).
      const q = [...new Set(stripNul(query).split(/\s+/).filter((w) => w.length > 0))]
        .slice(0, MAX_QUERY_WORDS).join(" ");
      if (q.trim() === "" || limit === 0) return [];
      const params: unknown[] = [bankId, q, lang, limit];
      const conds: string[] = [];
      const filters = options?.filters;
      if (filters?.tags !== undefined) {
        params.push(textArrayParam(filters.tags));
        conds.push(`d.tags && $${params.length}::text[]`);
      }
      if (filters?.metadataFilters !== undefined) {
        params.push(JSON.stringify(filters.metadataFilters));
        conds.push(`coalesce(d.metadata, '{}'::jsonb) @> $${params.length}::jsonb`);
      }
      // plainto_tsquery ANDs the terms; turning `&` into `|` makes any term match (phrases
      // from hyphenated words keep their `<->`). Lexemes are quoted, so the rewrite is safe.
      // The stemmed query is OR-ed with the unstemmed (`simple`) one, which also finds
      // stop words.
      const rows = await base.query(
        "Searching documents",
        `WITH q AS (
            SELECT (replace(plainto_tsquery($3::regconfig, $2)::text, ' & ', ' | ')::tsquery ||
              replace(plainto_tsquery('simple'::regconfig, $2)::text, ' & ', ' | ')::tsquery)
              AS tq)
          SELECT d.id, d.text, d.metadata, d.tags, ts_rank(d.tsv, q.tq)::float8 AS score
          FROM ${T} d, q
          WHERE d.bank_id = $1 AND numnode(q.tq) > 0 AND d.tsv @@ q.tq${
          conds.map((c) => ` AND ${c}`).join("")
        }
          ORDER BY score DESC, d.id_key LIMIT $4::bigint`,
        params,
      );
      return rows.map((r) => {
        const doc = toDocument(r);
        const hit: DocumentHit = { documentId: doc.id, text: doc.text, score: Number(r.score) };
        if (doc.metadata !== undefined) hit.metadata = doc.metadata;
        if (doc.tags !== undefined) hit.tags = doc.tags;
        return hit;
      });
    },

    async getDocument(documentId: string, bankId: string): Promise<Document | null> {
      validateBankId(bankId, PREFIX);
      validateId(documentId, "documentId", PREFIX);
      if (hasNul(documentId) || hasNul(bankId)) return null;
      const rows = await base.query(
        "Reading a document",
        `SELECT id, text, metadata, tags FROM ${T} WHERE bank_id = $1 AND id = $2`,
        [bankId, documentId],
      );
      return rows.length === 0 ? null : toDocument(rows[0]!);
    },

    async listDocuments(bankId: string, options: ListDocumentsOptions = {}): Promise<Document[]> {
      validateBankId(bankId, PREFIX);
      const offset = validateCount(options?.offset, 0, "offset", PREFIX);
      const limit = validateCount(options?.limit, 100, "limit", PREFIX);
      if (limit === 0) return [];
      const rows = await base.query(
        "Listing documents",
        `SELECT id, text, metadata, tags FROM ${T} WHERE bank_id = $1
          ORDER BY id_key LIMIT $2::bigint OFFSET $3::bigint`,
        [bankId, limit, offset],
      );
      return rows.map(toDocument);
    },

    async deleteDocuments(ids: string[], bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      checkArray(ids, "ids");
      ids.forEach((id, i) => validateId(id, `ids[${i}]`, PREFIX));
      if (ids.length === 0) return 0;
      const rows = await base.query(
        "Deleting documents",
        `WITH d AS (DELETE FROM ${T} WHERE bank_id = $1 AND id = ANY($2::text[]) RETURNING 1)
          SELECT count(*)::int AS n FROM d`,
        [bankId, textArrayParam(ids.filter((id) => !hasNul(id)))],
      );
      return asInt(rows[0]?.n);
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const rows = await base.query(
        "Deleting a bank",
        `WITH d AS (DELETE FROM ${T} WHERE bank_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d`,
        [bankId],
      );
      return asInt(rows[0]?.n);
    },

    health: () => base.health(),
    close: () => base.close(),
    [Symbol.asyncDispose]: () => base.close(),
  };
  return enforceInputRules("documentStore", store, PREFIX);
}
