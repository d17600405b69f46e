/**
 * The libSQL VectorStore: `F32_BLOB(dimensions)` rows keyed by `(bank_id, id)`, exact per-bank
 * cosine scans, and a DiskANN index (`libsql_vector_idx`) under an explicit policy.
 *
 * @module
 */
import {
  ConfigError,
  ProviderUnavailableError,
  validateBankId,
  validateCount,
  validateId,
  validateVector,
  validateVectorItems,
  ValidationError,
} from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  HealthStatus,
  ListVectorsOptions,
  SearchSimilarOptions,
  VectorHit,
  VectorItem,
  VectorStore,
  VectorStoreCapabilities,
} from "@astrocyte/core";
import {
  checkHealth,
  chunked,
  type Connection,
  f32Blob,
  fromF32Blob,
  guarded,
  idKey,
  leaseConnection,
  ms,
  optString,
  parseJson,
  placeholders,
  sized,
  type SizedStatement,
  toDate,
  writeAtomically,
} from "./_connection.ts";
import { ensureSchema } from "./_schema.ts";
import { metadataJson, optionalString, stringArrayJson, vectorFilterPredicate } from "./_sql.ts";
import {
  DEFAULT_TABLE_PREFIX,
  type LibsqlOptions,
  PREFIX,
  validateLibsqlOptions,
} from "./options.ts";

/** Default row count at which `ann_index: auto` builds the DiskANN index. */
export const DEFAULT_ANN_THRESHOLD = 50_000;
/** Default bank size up to which searches are exact even when the ANN index exists. */
export const DEFAULT_EXACT_SCAN_LIMIT = 5_000;

/**
 * Default DiskANN `max_neighbors`. libSQL's own default (3·√dims, 58 at 384) with uncompressed
 * neighbours stored ~80 KB per row (a 10k × 384 table grew past 750 MB) and built slower.
 */
export const DEFAULT_MAX_NEIGHBORS = 32;
/** Default DiskANN `compress_neighbors`. */
export const DEFAULT_COMPRESS_NEIGHBORS = "float8";

/** Rows per multi-row INSERT statement. */
const ROWS_PER_STATEMENT = 100;
/** Ids per DELETE statement. */
const IDS_PER_STATEMENT = 500;

const COLUMNS =
  "v.id, v.text, v.metadata, v.tags, v.fact_type, v.occurred_at, v.memory_layer, v.retained_at, v.chunk_id";

/** Which query shape answered the last search (for tests and diagnostics). */
export interface SearchPlan {
  /** `exact` (per-bank scan) or `ann` (`vector_top_k` with over-fetch). */
  shape: "exact" | "ann";
  /** `vector_top_k` candidate counts tried, in order (empty for exact). */
  annCandidates: number[];
  /** Whether an ANN attempt fell back to the exact scan. */
  fellBack: boolean;
}

/** A libSQL vector store, with index controls beyond the SPI. */
export interface LibsqlVectorStore extends VectorStore {
  /**
   * Build the DiskANN index now if it does not exist (a one-off cost proportional to the
   * table size; writes wait meanwhile). Afterwards banks larger than `exactScanLimit` are
   * searched with `vector_top_k`.
   */
  buildAnnIndex(): Promise<void>;
  /** Whether the DiskANN index exists (as last observed by this instance). */
  hasAnnIndex(): Promise<boolean>;
  /** The query shape used by the most recent `searchSimilar` call on this instance. */
  readonly lastSearchPlan: SearchPlan | undefined;
}

/** DiskANN index options in libSQL's `key=value` form. */
export function annIndexSettings(options: LibsqlOptions): string[] {
  const out = ["metric=cosine"];
  out.push(`max_neighbors=${options.maxNeighbors ?? DEFAULT_MAX_NEIGHBORS}`);
  out.push(`compress_neighbors=${options.compressNeighbors ?? DEFAULT_COMPRESS_NEIGHBORS}`);
  if (options.alpha !== undefined) out.push(`alpha=${options.alpha}`);
  if (options.searchL !== undefined) out.push(`search_l=${options.searchL}`);
  if (options.insertL !== undefined) out.push(`insert_l=${options.insertL}`);
  return out;
}

/**
 * Create a libSQL vector store.
 *
 * Searches scan the bank's rows exactly (through the `(bank_id, id)` index) unless the DiskANN
 * index exists and the bank holds more than `exactScanLimit` rows; then `vector_top_k` is
 * asked for candidates with an over-fetch sized by the bank's share of the table, widened
 * until `limit` matching hits are found, and replaced by the exact scan when widening stops
 * paying — so filtered and per-bank searches always return `min(limit, matching)` hits.
 *
 * @example
 * ```ts ignore
 * import { createLibsqlVectorStore } from "@astrocyte/libsql";
 * const store = createLibsqlVectorStore({ url: "file:.astrocyte/memory.db", dimensions: 3 });
 * await store.storeVectors([{ id: "m1", bankId: "user-1", vector: [1, 0, 0], text: "hi" }]);
 * console.log(await store.searchSimilar([1, 0, 0], "user-1", { limit: 5 }));
 * await store.close();
 * ```
 *
 * @throws {ConfigError} for invalid options (e.g. missing `dimensions`).
 */
export function createLibsqlVectorStore(
  options: LibsqlOptions,
  context?: Partial<AdapterContext>,
): LibsqlVectorStore {
  validateLibsqlOptions(options);
  if (options.dimensions === undefined) {
    throw new ConfigError(`${PREFIX} dimensions: required by the vector store`);
  }
  const dims = options.dimensions;
  const p = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  const table = `${p}vectors`;
  const indexName = `${p}vectors_ann`;
  const policy = options.annIndex ?? "auto";
  const annThreshold = options.annThreshold ?? DEFAULT_ANN_THRESHOLD;
  const exactScanLimit = options.exactScanLimit ?? DEFAULT_EXACT_SCAN_LIMIT;
  const createSchema = options.createSchema ?? true;
  const lease = leaseConnection(options, context);
  const persistent = options.client !== undefined || options.url?.trim() !== ":memory:";

  let closed = false;
  let readyPromise: Promise<Connection> | undefined;
  let annExists = false;
  let lastPlan: SearchPlan | undefined;
  /** Approximate row counts of the banks this instance wrote to (`auto` policy). */
  const bankSizes = new Map<string, number>();

  const createIndexSql =
    `CREATE INDEX IF NOT EXISTS ${indexName} ON ${table} (libsql_vector_idx(embedding, ${
      annIndexSettings(options).map((s) => `'${s}'`).join(", ")
    }))`;

  async function init(): Promise<Connection> {
    const conn = await lease.get();
    await ensureSchema(conn, { prefix: p, families: ["vectors"], createSchema, dimensions: dims });
    const [idx] = await guarded("Reading the vector index state", () =>
      conn.client.batch([
        { sql: "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", args: [indexName] },
      ], "read"));
    annExists = idx!.rows.length > 0;
    if (!annExists && policy === "always") await buildIndex(conn);
    return conn;
  }

  function ready(): Promise<Connection> {
    if (closed) {
      return Promise.reject(
        new ProviderUnavailableError(`${PREFIX} Vector store is closed`, {
          provider: "libsql",
          retryable: false,
        }),
      );
    }
    if (readyPromise === undefined) {
      readyPromise = init();
      readyPromise.catch(() => readyPromise = undefined);
    }
    return readyPromise;
  }

  async function buildIndex(conn: Connection): Promise<void> {
    if (!createSchema) {
      throw new ConfigError(
        `${PREFIX} The DiskANN index ${indexName} is missing and create_schema is false`,
      );
    }
    await guarded("Building the DiskANN index", () => conn.client.execute(createIndexSql));
    annExists = true;
  }

  /** `auto` policy: build the index once a bank written to has reached the threshold. */
  async function maybeBuildAfterWrite(conn: Connection, bankCounts: number[]): Promise<void> {
    if (policy !== "auto" || annExists || !createSchema) return;
    if (!bankCounts.some((n) => n >= annThreshold)) return;
    await buildIndex(conn);
  }

  function rowToHit(r: Record<string, unknown>): VectorHit {
    const hit: VectorHit = {
      id: String(r["id"]),
      text: String(r["text"]),
      score: Math.min(1, Math.max(0, Number(r["score"] ?? 0) || 0)),
    };
    return withOptional(hit, r);
  }

  function withOptional<T extends Partial<VectorItem> | VectorHit>(
    out: T,
    r: Record<string, unknown>,
  ): T {
    const o = out as Partial<VectorItem>;
    const metadata = parseJson<VectorItem["metadata"]>(r["metadata"]);
    if (metadata !== undefined) o.metadata = metadata;
    const tags = parseJson<string[]>(r["tags"]);
    if (tags !== undefined) o.tags = tags;
    const factType = optString(r["fact_type"]);
    if (factType !== undefined) o.factType = factType;
    const occurredAt = toDate(r["occurred_at"]);
    if (occurredAt !== undefined) o.occurredAt = occurredAt;
    const memoryLayer = optString(r["memory_layer"]);
    if (memoryLayer !== undefined) o.memoryLayer = memoryLayer;
    const retainedAt = toDate(r["retained_at"]);
    if (retainedAt !== undefined) o.retainedAt = retainedAt;
    const chunkId = optString(r["chunk_id"]);
    if (chunkId !== undefined) o.chunkId = chunkId;
    return out;
  }

  const capabilities: VectorStoreCapabilities = {
    consistency: "strong",
    atomicBatches: true,
    persistent,
    dimensions: dims,
    metric: "cosine",
    maxBatchSize: null,
    filters: {
      tags: true,
      factTypes: true,
      timeRange: true,
      asOf: true,
      sessionId: true,
      metadataFilters: true,
    },
  };

  const store: LibsqlVectorStore = {
    capabilities,

    get lastSearchPlan(): SearchPlan | undefined {
      return lastPlan;
    },

    async storeVectors(items: VectorItem[]): Promise<string[]> {
      if (!Array.isArray(items)) {
        throw new ValidationError(`${PREFIX} items must be an array`, { field: "items" });
      }
      if (items.length === 0) return [];
      validateVectorItems(items, dims, PREFIX);
      const rows = items.map((item, i) => {
        const f = `items[${i}]`;
        return [
          item.bankId,
          idKey(item.id),
          item.id,
          f32Blob(item.vector),
          item.text,
          metadataJson(item.metadata, `${f}.metadata`),
          stringArrayJson(item.tags, `${f}.tags`),
          optionalString(item.factType, `${f}.factType`),
          ms(item.occurredAt, `${f}.occurredAt`),
          optionalString(item.memoryLayer, `${f}.memoryLayer`),
          ms(item.retainedAt, `${f}.retainedAt`),
          optionalString(item.chunkId, `${f}.chunkId`),
        ];
      });
      const conn = await ready();
      const statements: SizedStatement[] = chunked(rows, ROWS_PER_STATEMENT).map((chunk) =>
        sized(
          `INSERT INTO ${table} (bank_id, id_key, id, embedding, text, metadata, tags, ` +
            `fact_type, occurred_at, memory_layer, retained_at, chunk_id) VALUES ${
              chunk.map(() => "(?, ?, ?, vector32(?), ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")
            } ON CONFLICT (bank_id, id_key) DO UPDATE SET id = excluded.id, ` +
            `embedding = excluded.embedding, ` +
            `text = excluded.text, metadata = excluded.metadata, tags = excluded.tags, ` +
            `fact_type = excluded.fact_type, occurred_at = excluded.occurred_at, ` +
            `memory_layer = excluded.memory_layer, retained_at = excluded.retained_at, ` +
            `chunk_id = excluded.chunk_id`,
          chunk.flat(),
        )
      );
      // `auto` policy: bank sizes are tracked approximately per instance and re-counted (in
      // the same request as the write, index-only) for banks seen for the first time or
      // whose estimate reaches the threshold.
      const watch = policy === "auto" && !annExists && createSchema;
      const recount: string[] = [];
      if (watch) {
        const added = new Map<string, number>();
        for (const it of items) added.set(it.bankId, (added.get(it.bankId) ?? 0) + 1);
        for (const [bank, n] of added) {
          const known = bankSizes.get(bank);
          if (known === undefined || known + n >= annThreshold) recount.push(bank);
          else bankSizes.set(bank, known + n);
        }
        if (recount.length > 0) {
          statements.push(sized(
            `SELECT bank_id, count(*) AS n FROM ${table} ` +
              `WHERE bank_id IN (SELECT value FROM json_each(?)) GROUP BY bank_id`,
            [JSON.stringify(recount)],
          ));
        }
      }
      const results = await writeAtomically(
        conn,
        statements,
        "Storing vectors",
        options.maxRequestBytes,
      );
      if (recount.length > 0) {
        const counts = results[results.length - 1]!.rows.map((r) => {
          bankSizes.set(String(r["bank_id"]), Number(r["n"]));
          return Number(r["n"]);
        });
        await maybeBuildAfterWrite(conn, counts);
      }
      return items.map((item) => item.id);
    },

    async searchSimilar(
      queryVector: number[],
      bankId: string,
      opts: SearchSimilarOptions = {},
    ): Promise<VectorHit[]> {
      validateVector(queryVector, dims, "queryVector", PREFIX);
      validateBankId(bankId, PREFIX);
      const limit = validateCount(opts.limit, 10, "limit", PREFIX);
      const where = vectorFilterPredicate(opts.filters);
      if (limit === 0) return [];
      const conn = await ready();
      const q = f32Blob(queryVector);
      const scoreSql =
        `COALESCE(MAX(0.0, 1.0 - vector_distance_cos(v.embedding, vector32(?))), 0.0)`;
      const exact = async (): Promise<VectorHit[]> => {
        const rs = await guarded("Searching vectors", () =>
          conn.client.execute({
            sql: `SELECT ${COLUMNS}, ${scoreSql} AS score FROM ${table} AS v ` +
              `WHERE v.bank_id = ? AND (${where.sql}) ORDER BY score DESC, v.id_key ASC LIMIT ?`,
            args: [q, bankId, ...where.args, limit],
          }));
        return rs.rows.map((r) => rowToHit(r as Record<string, unknown>));
      };
      const plan: SearchPlan = { shape: "exact", annCandidates: [], fellBack: false };
      lastPlan = plan;
      if (!annExists) return await exact();
      const [bankRs, totalRs] = await guarded("Counting vectors", () =>
        conn.client.batch([
          { sql: `SELECT count(*) AS n FROM ${table} WHERE bank_id = ?`, args: [bankId] },
          `SELECT max(rid) AS n FROM ${table}`,
        ], "read"));
      const bankRows = Number(bankRs!.rows[0]?.["n"] ?? 0);
      const total = Math.max(bankRows, Number(totalRs!.rows[0]?.["n"] ?? 0));
      if (bankRows === 0) return [];
      if (bankRows <= exactScanLimit) return await exact();
      plan.shape = "ann";
      // Over-fetch by the inverse of the bank's share of the table, more when filtered.
      const share = bankRows / Math.max(total, 1);
      const filtered = where.args.length > 0 || where.sql !== "1";
      let k = Math.ceil((limit / share) * (filtered ? 4 : 1.5)) + 10;
      for (let attempt = 0; attempt < 4; attempt++) {
        if (k >= total / 2) break;
        plan.annCandidates.push(k);
        const kk = k;
        const rs = await guarded("Searching vectors", () =>
          conn.client.execute({
            sql: `SELECT ${COLUMNS}, ${scoreSql} AS score ` +
              `FROM vector_top_k('${indexName}', vector32(?), ?) AS k ` +
              `JOIN ${table} AS v ON v.rid = k.id ` +
              `WHERE v.bank_id = ? AND (${where.sql}) ORDER BY score DESC, v.id_key ASC LIMIT ?`,
            args: [q, q, kk, bankId, ...where.args, limit],
          }));
        if (rs.rows.length >= limit) {
          return rs.rows.map((r) => rowToHit(r as Record<string, unknown>));
        }
        k *= 4;
      }
      plan.fellBack = true;
      return await exact();
    },

    async delete(ids: string[], bankId: string): Promise<number> {
      if (!Array.isArray(ids)) {
        throw new ValidationError(`${PREFIX} ids must be an array`, { field: "ids" });
      }
      validateBankId(bankId, PREFIX);
      ids.forEach((id, i) => validateId(id, `ids[${i}]`, PREFIX));
      if (ids.length === 0) return 0;
      const conn = await ready();
      const unique = [...new Set(ids)];
      const results = await writeAtomically(
        conn,
        chunked(unique, IDS_PER_STATEMENT).map((chunk) =>
          sized(
            `DELETE FROM ${table} WHERE bank_id = ? AND id_key IN (${placeholders(chunk.length)})`,
            [bankId, ...chunk.map(idKey)],
          )
        ),
        "Deleting vectors",
        options.maxRequestBytes,
      );
      return results.reduce((n, r) => n + r.rowsAffected, 0);
    },

    async listVectors(bankId: string, opts: ListVectorsOptions = {}): Promise<VectorItem[]> {
      validateBankId(bankId, PREFIX);
      const offset = validateCount(opts.offset, 0, "offset", PREFIX);
      const limit = validateCount(opts.limit, 100, "limit", PREFIX);
      if (limit === 0) return [];
      const conn = await ready();
      const rs = await guarded("Listing vectors", () =>
        conn.client.execute({
          sql: `SELECT ${COLUMNS}, v.embedding FROM ${table} AS v WHERE v.bank_id = ? ` +
            `ORDER BY v.id_key ASC LIMIT ? OFFSET ?`,
          args: [bankId, limit, offset],
        }));
      return rs.rows.map((row) => {
        const r = row as Record<string, unknown>;
        const item: VectorItem = {
          id: String(r["id"]),
          bankId,
          vector: fromF32Blob(r["embedding"]),
          text: String(r["text"]),
        };
        return withOptional(item, r);
      });
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

    async buildAnnIndex(): Promise<void> {
      const conn = await ready();
      if (!annExists) await buildIndex(conn);
    },

    async hasAnnIndex(): Promise<boolean> {
      await ready();
      return annExists;
    },

    health(): Promise<HealthStatus> {
      return checkHealth(lease, ready, "vector store");
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
  return enforceInputRules("vectorStore", store, PREFIX);
}
