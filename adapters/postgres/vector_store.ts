/**
 * The Postgres {@linkcode VectorStore}: pgvector `vector(dimensions)` rows keyed by
 * `(bank_id, id)`, exact per-bank search by default and an HNSW index policy for large banks.
 *
 * @module
 */
import {
  compareHits,
  ConfigError,
  validateBankId,
  validateCount,
  validateId,
  validateVector,
  validateVectorItems,
} from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  ListVectorsOptions,
  SearchSimilarOptions,
  VectorFilters,
  VectorHit,
  VectorItem,
  VectorStore,
  VectorStoreCapabilities,
} from "@astrocyte/core";
import { PREFIX } from "./options.ts";
import type { PostgresOptions } from "./options.ts";
import type { Row, SqlStatement } from "./_client.ts";
import { translateError } from "./_errors.ts";
import { forgetSchemaState, hnswIndexSql, versionAtLeast } from "./_schema.ts";
import {
  asDate,
  asInt,
  asMetadata,
  asString,
  asTextArray,
  asVector,
  dateParam,
  jsonParam,
  multiRowStatements,
  textArrayParam,
  vectorParam,
} from "./_sql.ts";
import { createStoreBase } from "./_store.ts";
import {
  checkArray,
  checkDate,
  checkObject,
  checkOptionalDate,
  checkOptionalMetadata,
  checkOptionalString,
  checkOptionalStringArray,
  checkString,
  fail,
} from "./_validate.ts";

/** A Postgres vector store: the SPI plus index management. */
export interface PostgresVectorStore extends VectorStore {
  /**
   * Build the HNSW index now (cosine ops, `hnsw_m`, `hnsw_ef_construction`), e.g. after a
   * bulk load. `CREATE INDEX CONCURRENTLY` on servers; a plain build on PGlite. Idempotent.
   */
  buildAnnIndex(): Promise<void>;
  /** Whether this store currently searches large banks through the HNSW index. */
  hasAnnIndex(): Promise<boolean>;
}

const COLUMNS = [
  "bank_id",
  "id",
  "embedding",
  "text",
  "metadata",
  "tags",
  "fact_type",
  "occurred_at",
  "memory_layer",
  "retained_at",
  "chunk_id",
] as const;
const CASTS = [
  "text",
  "text",
  "vector",
  "text",
  "jsonb",
  "text[]",
  "text",
  "timestamptz",
  "text",
  "timestamptz",
  "text",
];

const HIT_COLUMNS =
  `id, text, metadata, tags, fact_type, occurred_at, memory_layer, retained_at, chunk_id`;

/** The clamped cosine score of the row for query parameter `$q` (NaN → 0). */
function scoreSql(q: number): string {
  const d = `(embedding <=> $${q}::vector)`;
  return `(CASE WHEN ${d} IS NULL OR ${d} = 'NaN'::float8 THEN 0::float8 ELSE GREATEST(0::float8, LEAST(1::float8, 1 - ${d})) END)`;
}

function checkItemFields(item: VectorItem, i: number): void {
  const f = `items[${i}]`;
  checkString(item.id, `${f}.id`);
  checkString(item.bankId, `${f}.bankId`);
  checkString(item.text, `${f}.text`);
  checkOptionalMetadata(item.metadata, `${f}.metadata`);
  checkOptionalStringArray(item.tags, `${f}.tags`);
  checkOptionalString(item.factType, `${f}.factType`);
  checkOptionalString(item.memoryLayer, `${f}.memoryLayer`);
  checkOptionalString(item.chunkId, `${f}.chunkId`);
  checkOptionalDate(item.occurredAt, `${f}.occurredAt`);
  checkOptionalDate(item.retainedAt, `${f}.retainedAt`);
}

function checkFilters(filters: VectorFilters | undefined): void {
  if (filters === undefined || filters === null) return;
  checkObject(filters, "filters");
  if (filters.tags !== undefined) checkOptionalStringArray(filters.tags, "filters.tags");
  if (filters.factTypes !== undefined) {
    checkOptionalStringArray(filters.factTypes, "filters.factTypes");
  }
  if (filters.timeRange !== undefined) {
    const tr = filters.timeRange as unknown;
    if (tr === null || typeof tr !== "object") {
      fail("filters.timeRange must be { start: Date, end: Date }", "filters.timeRange");
    }
    checkDate(filters.timeRange.start, "filters.timeRange.start");
    checkDate(filters.timeRange.end, "filters.timeRange.end");
  }
  if (filters.asOf !== undefined) checkDate(filters.asOf, "filters.asOf");
  if (filters.sessionId !== undefined) checkString(filters.sessionId, "filters.sessionId");
  if (filters.metadataFilters !== undefined) {
    checkObject(filters.metadataFilters, "filters.metadataFilters");
    checkOptionalMetadata(filters.metadataFilters, "filters.metadataFilters");
  }
}

/**
 * SQL conditions for the filters (`spi.md` §2.4), binding every value. Metadata keys travel
 * inside a bound JSON document (`metadata @> $n::jsonb`), never in the SQL text.
 */
export function vectorFilterSql(filters: VectorFilters | undefined, params: unknown[]): string {
  if (!filters) return "";
  const conds: string[] = [];
  const bind = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (filters.tags !== undefined) {
    conds.push(`tags && ${bind(textArrayParam(filters.tags))}::text[]`);
  }
  if (filters.factTypes !== undefined) {
    conds.push(`fact_type = ANY(${bind(textArrayParam(filters.factTypes))}::text[])`);
  }
  if (filters.timeRange !== undefined) {
    conds.push(
      `occurred_at >= ${bind(dateParam(filters.timeRange.start))}::timestamptz AND occurred_at <= ${
        bind(dateParam(filters.timeRange.end))
      }::timestamptz`,
    );
  }
  if (filters.asOf !== undefined) {
    conds.push(
      `(retained_at IS NULL OR retained_at <= ${bind(dateParam(filters.asOf))}::timestamptz)`,
    );
  }
  if (filters.sessionId !== undefined) {
    conds.push(`metadata @> jsonb_build_object('session_id', ${bind(filters.sessionId)}::text)`);
  }
  if (filters.metadataFilters !== undefined) {
    conds.push(
      `coalesce(metadata, '{}'::jsonb) @> ${bind(JSON.stringify(filters.metadataFilters))}::jsonb`,
    );
  }
  return conds.map((c) => ` AND ${c}`).join("");
}

function toHit(r: Row): VectorHit {
  const hit: VectorHit = { id: String(r.id), text: String(r.text), score: Number(r.score) };
  const metadata = asMetadata(r.metadata);
  if (metadata !== undefined) hit.metadata = metadata;
  const tags = asTextArray(r.tags);
  if (tags !== undefined) hit.tags = tags;
  const factType = asString(r.fact_type);
  if (factType !== undefined) hit.factType = factType;
  const occurredAt = asDate(r.occurred_at);
  if (occurredAt !== undefined) hit.occurredAt = occurredAt;
  const memoryLayer = asString(r.memory_layer);
  if (memoryLayer !== undefined) hit.memoryLayer = memoryLayer;
  const retainedAt = asDate(r.retained_at);
  if (retainedAt !== undefined) hit.retainedAt = retainedAt;
  const chunkId = asString(r.chunk_id);
  if (chunkId !== undefined) hit.chunkId = chunkId;
  return hit;
}

/**
 * Create a Postgres {@linkcode VectorStore}. `dimensions` is required. Tables are created on
 * first use (unless `createSchema` is false); a table created earlier with another dimension
 * fails with a {@linkcode ConfigError}.
 *
 * Search policy: banks with fewer than `exactScanThreshold` rows are searched exactly (the
 * primary key on `(bank_id, id)` finds the bank's rows; they are sorted by score). When an
 * HNSW index exists (`annIndex: "always"`, or built by `auto` once a bank reaches the
 * threshold), larger banks are searched through it with `hnsw.iterative_scan`, and a short
 * result falls back to the exact plan, so a search returns `min(limit, matching)` hits.
 *
 * @example
 * ```ts ignore
 * import { createPostgresVectorStore } from "@astrocyte/postgres";
 *
 * const store = createPostgresVectorStore({ url: "memory://", dimensions: 3 });
 * await store.storeVectors([{ id: "a", bankId: "b1", vector: [1, 0, 0], text: "tea" }]);
 * console.log((await store.searchSimilar([1, 0, 0], "b1"))[0]?.id); // "a"
 * await store.close();
 * ```
 *
 * @throws {ConfigError} when `dimensions` is missing or an option is invalid.
 */
export function createPostgresVectorStore(
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): PostgresVectorStore {
  if (options?.dimensions === undefined) {
    throw new ConfigError(`${PREFIX} dimensions: required for the vector store`);
  }
  const base = createStoreBase("vector", options, context);
  const o = base.options;
  const dim = options.dimensions;
  const T = base.tables.vectors;
  /** `null` until known; true once the index exists. */
  let hnsw: boolean | null = null;
  /** Bank sizes known to be below the threshold (bounded counts), per bank. */
  const smallBanks = new Map<string, number>();
  let building: Promise<void> | undefined;

  const capabilities: VectorStoreCapabilities = Object.freeze(
    {
      consistency: "strong",
      atomicBatches: true,
      persistent: true,
      dimensions: dim,
      metric: "cosine",
      maxBatchSize: null,
      filters: Object.freeze({
        tags: true,
        factTypes: true,
        timeRange: true,
        asOf: true,
        sessionId: true,
        metadataFilters: true,
      }),
    } as const,
  );

  const ready = async () => {
    const r = await base.ready();
    if (hnsw === null) {
      hnsw = r.state.hasHnsw;
      if (!hnsw && o.annIndex === "always") {
        await buildIndex();
      }
    }
    return r;
  };

  const buildIndex = async (): Promise<void> => {
    const { client } = await base.ready();
    if (hnsw === true) return;
    const concurrently = client.driver !== "pglite" &&
      !(client.driver === "custom" &&
        typeof (client.identity as { exec?: unknown }).exec === "function");
    try {
      await client.query(hnswIndexSql(o, concurrently));
      // Fresh statistics let the planner weigh the index against the bank's btree.
      await client.query(`ANALYZE ${T}`);
    } catch (e) {
      throw translateError(e, "Building the HNSW index");
    }
    hnsw = true;
    forgetSchemaState(client.identity);
  };

  const startBackgroundBuild = (): void => {
    if (building !== undefined || hnsw === true) return;
    building = buildIndex().catch((e) => {
      context?.logger?.warn(`${PREFIX} Building the HNSW index failed`, {
        error: e instanceof Error ? e.message : String(e),
      });
      building = undefined;
    });
    base.pending.add(building);
  };

  const exactSearch = async (
    query: number[],
    bankId: string,
    limit: number,
    filters: VectorFilters | undefined,
  ): Promise<VectorHit[]> => {
    const params: unknown[] = [bankId, vectorParam(query), limit];
    const where = vectorFilterSql(filters, params);
    const rows = await base.query(
      "Searching vectors",
      `SELECT ${HIT_COLUMNS}, ${scoreSql(2)} AS score FROM ${T}
        WHERE bank_id = $1${where} ORDER BY score DESC, id_key LIMIT $3::bigint`,
      params,
    );
    return rows.map(toHit);
  };

  /**
   * Search when an HNSW index exists. One statement counts the bank (bounded at the
   * threshold) and, for a small bank, runs the exact plan; for a large bank it returns only a
   * marker row, and the approximate plan runs in a transaction with `hnsw.ef_search` and
   * `hnsw.iterative_scan` set locally. A short approximate result falls back to the exact
   * plan, so the result is always `min(limit, matching)` hits.
   */
  const annSearch = async (
    query: number[],
    bankId: string,
    limit: number,
    filters: VectorFilters | undefined,
    vectorVersion: string | null,
  ): Promise<VectorHit[]> => {
    const params: unknown[] = [bankId, vectorParam(query), limit, o.exactScanThreshold];
    const where = vectorFilterSql(filters, params);
    const rows = await base.query(
      "Searching vectors",
      `WITH n AS MATERIALIZED (
          SELECT count(*)::int AS c FROM (SELECT 1 FROM ${T} WHERE bank_id = $1 LIMIT $4::int) s)
        (SELECT 'exact' AS plan, ${HIT_COLUMNS}, ${scoreSql(2)} AS score FROM ${T}
          WHERE bank_id = $1${where} AND (SELECT c FROM n) < $4::int
          ORDER BY score DESC, id_key LIMIT $3::bigint)
        UNION ALL
        SELECT 'ann', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
          WHERE (SELECT c FROM n) >= $4::int`,
      params,
    );
    if (rows[0]?.plan !== "ann") return rows.map(toHit);
    const statements: SqlStatement[] = [
      {
        text: `SELECT set_config('hnsw.ef_search', $1, true)`,
        params: [String(Math.min(1000, Math.max(o.hnswEfSearch, limit)))],
      },
    ];
    if (o.hnswIterativeScan !== "off" && versionAtLeast(vectorVersion, "0.8.0")) {
      statements.push({
        text: `SELECT set_config('hnsw.iterative_scan', $1, true)`,
        params: [o.hnswIterativeScan],
      });
    }
    const annParams: unknown[] = [bankId, vectorParam(query), limit];
    const annWhere = vectorFilterSql(filters, annParams);
    statements.push({
      text: `SELECT ${HIT_COLUMNS}, ${scoreSql(2)} AS score FROM ${T}
        WHERE bank_id = $1${annWhere} ORDER BY embedding <=> $2::vector LIMIT $3::bigint`,
      params: annParams,
    });
    const results = await base.transaction("Searching vectors", statements);
    const ann = results.at(-1) ?? [];
    // A short approximate result (selective filters): the exact plan is authoritative.
    if (ann.length < limit) return exactSearch(query, bankId, limit, filters);
    // relaxed_order may return near-ties out of order: sort by the SPI order.
    return ann.map(toHit).sort(compareHits);
  };

  const store: PostgresVectorStore = {
    capabilities,

    async storeVectors(items: VectorItem[]): Promise<string[]> {
      validateVectorItems(items, dim, PREFIX);
      items.forEach(checkItemFields);
      if (items.length === 0) return [];
      await ready();
      // Last write wins within a call; one row per key, sorted to keep lock order stable.
      const byKey = new Map<string, VectorItem>();
      for (const it of items) byKey.set(JSON.stringify([it.bankId, it.id]), it);
      const unique = [...byKey.values()].sort((a, b) =>
        a.bankId < b.bankId ? -1 : a.bankId > b.bankId ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
      );
      const rows = unique.map((it) => [
        it.bankId,
        it.id,
        vectorParam(it.vector),
        it.text,
        jsonParam(it.metadata),
        textArrayParam(it.tags),
        it.factType ?? null,
        dateParam(it.occurredAt),
        it.memoryLayer ?? null,
        dateParam(it.retainedAt),
        it.chunkId ?? null,
      ]);
      const update = COLUMNS.slice(2).map((c) => `${c} = EXCLUDED.${c}`).join(", ");
      const statements = multiRowStatements(
        `INSERT INTO ${T} (${COLUMNS.join(", ")})`,
        CASTS,
        rows,
        `ON CONFLICT (bank_id, id) DO UPDATE SET ${update}`,
      );
      // Auto index policy: learn whether a written bank may have reached the threshold, in
      // the same transaction (same request over HTTP).
      const banks = [...new Set(unique.map((it) => it.bankId))];
      const toCheck = o.annIndex === "auto" && hnsw !== true
        ? banks.filter((b) => {
          const known = smallBanks.get(b);
          return known === undefined ||
            known + unique.filter((it) => it.bankId === b).length >= o.exactScanThreshold;
        })
        : [];
      if (toCheck.length > 0) {
        statements.push({
          text: `SELECT b AS bank_id, (SELECT count(*)::int FROM (SELECT 1 FROM ${T}
              WHERE bank_id = b LIMIT $2::int) s) AS n
            FROM unnest($1::text[]) AS b`,
          params: [textArrayParam(toCheck), o.exactScanThreshold],
        });
      }
      const results = await base.transaction("Storing vectors", statements);
      if (toCheck.length > 0) {
        for (const r of results.at(-1) ?? []) {
          const n = asInt(r.n);
          if (n >= o.exactScanThreshold) startBackgroundBuild();
          else smallBanks.set(String(r.bank_id), n);
        }
      } else {
        for (const b of banks) {
          const known = smallBanks.get(b);
          if (known !== undefined) {
            smallBanks.set(b, known + unique.filter((it) => it.bankId === b).length);
          }
        }
      }
      return items.map((it) => it.id);
    },

    async searchSimilar(
      queryVector: number[],
      bankId: string,
      options: SearchSimilarOptions = {},
    ): Promise<VectorHit[]> {
      validateBankId(bankId, PREFIX);
      const limit = validateCount(options?.limit, 10, "limit", PREFIX);
      validateVector(queryVector, dim, "queryVector", PREFIX);
      checkFilters(options?.filters);
      if (limit === 0) return [];
      const { state } = await ready();
      if (hnsw === true && o.annIndex !== "never") {
        return annSearch(queryVector, bankId, limit, options?.filters, state.vectorVersion);
      }
      return exactSearch(queryVector, bankId, limit, options?.filters);
    },

    async delete(ids: string[], bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      checkArray(ids, "ids");
      ids.forEach((id, i) => validateId(id, `ids[${i}]`, PREFIX));
      if (ids.length === 0) return 0;
      await ready();
      const rows = await base.query(
        "Deleting vectors",
        `WITH d AS (DELETE FROM ${T} WHERE bank_id = $1 AND id = ANY($2::text[]) RETURNING 1)
          SELECT count(*)::int AS n FROM d`,
        [bankId, textArrayParam(ids)],
      );
      smallBanks.delete(bankId);
      return asInt(rows[0]?.n);
    },

    async listVectors(bankId: string, options: ListVectorsOptions = {}): Promise<VectorItem[]> {
      validateBankId(bankId, PREFIX);
      const offset = validateCount(options?.offset, 0, "offset", PREFIX);
      const limit = validateCount(options?.limit, 100, "limit", PREFIX);
      if (limit === 0) return [];
      await ready();
      const rows = await base.query(
        "Listing vectors",
        `SELECT ${HIT_COLUMNS}, embedding::text AS embedding FROM ${T}
          WHERE bank_id = $1 ORDER BY id_key LIMIT $2::bigint OFFSET $3::bigint`,
        [bankId, limit, offset],
      );
      return rows.map((r) => {
        const { score: _score, ...rest } = toHit({ ...r, score: 0 });
        return { ...rest, bankId, vector: asVector(r.embedding) ?? [] } as VectorItem;
      });
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      await ready();
      const rows = await base.query(
        "Deleting a bank",
        `WITH d AS (DELETE FROM ${T} WHERE bank_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d`,
        [bankId],
      );
      smallBanks.delete(bankId);
      return asInt(rows[0]?.n);
    },

    async buildAnnIndex(): Promise<void> {
      await ready();
      await buildIndex();
    },

    async hasAnnIndex(): Promise<boolean> {
      await ready();
      if (building !== undefined) await building;
      return hnsw === true && o.annIndex !== "never";
    },

    health: () => base.health(),
    close: () => base.close(),
    [Symbol.asyncDispose]: () => base.close(),
  };
  return enforceInputRules("vectorStore", store, PREFIX);
}
