/**
 * Schema management: versioned migrations per SPI family, recorded in
 * `<prefix>migrations`, applied on first use inside one transaction under an advisory lock;
 * the dimension check of the vector table; the HNSW index policy's DDL.
 *
 * @module
 */
import { ConfigError } from "@astrocyte/core";
import { PREFIX } from "./options.ts";
import type { ResolvedPostgresOptions } from "./options.ts";
import type { SqlClient, SqlStatement } from "./_client.ts";
import { translateError } from "./_errors.ts";
import { codeUnitKey, qi, table } from "./_sql.ts";

/** A family whose tables this adapter manages. */
export type SchemaFamily =
  | "vector"
  | "document"
  | "graph"
  | "wiki"
  | "mental_model"
  | "source"
  | "pageindex";

/** One migration: a version and its DDL statements. */
export interface Migration {
  /** Version within the family, from 1. */
  readonly version: number;
  /** What it does. */
  readonly description: string;
  /** DDL statements (idempotent where possible). */
  readonly statements: readonly string[];
}

/** Table names for a schema and prefix. */
export interface Tables {
  migrations: string;
  vectors: string;
  documents: string;
  entities: string;
  entityLinks: string;
  memoryEntities: string;
  memoryTexts: string;
  memoryLinks: string;
  wikiPages: string;
  wikiHistory: string;
  mentalModels: string;
  mentalModelHistory: string;
  sourceDocuments: string;
  sourceChunks: string;
  piDocuments: string;
  piSections: string;
  piSectionEntities: string;
  piSectionLinks: string;
  piFacts: string;
  piWikiPages: string;
  piWikiProvenance: string;
  /** Unqualified name of the HNSW index on the vector table. */
  hnswIndexName: string;
  /** Qualified, quoted name of the HNSW index. */
  hnswIndex: string;
}

/** Build the table names for options. */
export function tablesFor(o: { schema: string; tablePrefix: string }): Tables {
  const t = (n: string) => table(o.schema, o.tablePrefix, n);
  return {
    migrations: t("migrations"),
    vectors: t("vectors"),
    documents: t("documents"),
    entities: t("entities"),
    entityLinks: t("entity_links"),
    memoryEntities: t("memory_entities"),
    memoryTexts: t("memory_texts"),
    memoryLinks: t("memory_links"),
    wikiPages: t("wiki_pages"),
    wikiHistory: t("wiki_history"),
    mentalModels: t("mental_models"),
    mentalModelHistory: t("mental_model_history"),
    sourceDocuments: t("source_documents"),
    sourceChunks: t("source_chunks"),
    piDocuments: t("pi_documents"),
    piSections: t("pi_sections"),
    piSectionEntities: t("pi_section_entities"),
    piSectionLinks: t("pi_section_links"),
    piFacts: t("pi_facts"),
    piWikiPages: t("pi_wiki_pages"),
    piWikiProvenance: t("pi_wiki_provenance"),
    hnswIndexName: `${o.tablePrefix}vectors_hnsw`,
    hnswIndex: `${qi(o.schema)}.${qi(`${o.tablePrefix}vectors_hnsw`)}`,
  };
}

const C = `COLLATE "C"`;

/** The migrations of every family. `dimensions` only matters for the vector family. */
export function migrationsFor(
  family: SchemaFamily,
  t: Tables,
  o: { tablePrefix: string; dimensions?: number },
): Migration[] {
  const p = o.tablePrefix;
  const ix = (name: string) => qi(`${p}${name}`);
  switch (family) {
    case "vector":
      return [{
        version: 1,
        description: "vectors table with a btree on the bank",
        statements: [
          `CREATE TABLE IF NOT EXISTS ${t.vectors} (
            bank_id text ${C} NOT NULL,
            id text ${C} NOT NULL,
            embedding vector(${o.dimensions}) NOT NULL,
            text text NOT NULL,
            metadata jsonb,
            tags text[],
            fact_type text,
            occurred_at timestamptz,
            memory_layer text,
            retained_at timestamptz,
            chunk_id text,
            id_key text ${C} GENERATED ALWAYS AS (${codeUnitKey("id")}) STORED,
            PRIMARY KEY (bank_id, id)
          )`,
          `CREATE INDEX IF NOT EXISTS ${ix("vectors_order")} ON ${t.vectors} (bank_id, id_key)`,
        ],
      }];
    case "document":
      return [{
        version: 1,
        description: "documents table with a tsvector column and a GIN index",
        statements: [
          `CREATE TABLE IF NOT EXISTS ${t.documents} (
            bank_id text ${C} NOT NULL,
            id text ${C} NOT NULL,
            text text NOT NULL,
            metadata jsonb,
            tags text[],
            tsv tsvector NOT NULL,
            id_key text ${C} GENERATED ALWAYS AS (${codeUnitKey("id")}) STORED,
            PRIMARY KEY (bank_id, id)
          )`,
          `CREATE INDEX IF NOT EXISTS ${ix("documents_order")} ON ${t.documents} (bank_id, id_key)`,
          `CREATE INDEX IF NOT EXISTS ${ix("documents_tsv")} ON ${t.documents} USING gin (tsv)`,
        ],
      }];
    case "graph":
      return [{
        version: 1,
        description: "entities, entity links, memory associations and memory links",
        statements: [
          `CREATE TABLE IF NOT EXISTS ${t.entities} (
            bank_id text ${C} NOT NULL,
            id text ${C} NOT NULL,
            name text NOT NULL,
            name_lower text NOT NULL,
            entity_type text NOT NULL,
            aliases text[],
            aliases_lower text[],
            metadata jsonb,
            embedding vector,
            mention_count integer NOT NULL DEFAULT 1,
            PRIMARY KEY (bank_id, id)
          )`,
          `CREATE TABLE IF NOT EXISTS ${t.entityLinks} (
            bank_id text ${C} NOT NULL,
            id text ${C} NOT NULL,
            entity_lo text ${C} NOT NULL,
            entity_hi text ${C} NOT NULL,
            entity_a text ${C} NOT NULL,
            entity_b text ${C} NOT NULL,
            link_type text ${C} NOT NULL,
            evidence text NOT NULL DEFAULT '',
            confidence double precision NOT NULL DEFAULT 1,
            created_at timestamptz,
            metadata jsonb,
            PRIMARY KEY (bank_id, entity_lo, entity_hi, link_type)
          )`,
          `CREATE INDEX IF NOT EXISTS ${
            ix("entity_links_hi")
          } ON ${t.entityLinks} (bank_id, entity_hi)`,
          `CREATE TABLE IF NOT EXISTS ${t.memoryEntities} (
            bank_id text ${C} NOT NULL,
            memory_id text ${C} NOT NULL,
            entity_id text ${C} NOT NULL,
            PRIMARY KEY (bank_id, memory_id, entity_id)
          )`,
          `CREATE INDEX IF NOT EXISTS ${
            ix("memory_entities_entity")
          } ON ${t.memoryEntities} (bank_id, entity_id)`,
          `CREATE TABLE IF NOT EXISTS ${t.memoryTexts} (
            bank_id text ${C} NOT NULL,
            memory_id text ${C} NOT NULL,
            text text NOT NULL,
            PRIMARY KEY (bank_id, memory_id)
          )`,
          `CREATE TABLE IF NOT EXISTS ${t.memoryLinks} (
            bank_id text ${C} NOT NULL,
            id text ${C} NOT NULL,
            source_id text ${C} NOT NULL,
            target_id text ${C} NOT NULL,
            link_type text ${C} NOT NULL,
            evidence text NOT NULL DEFAULT '',
            confidence double precision NOT NULL DEFAULT 1,
            weight double precision NOT NULL DEFAULT 1,
            created_at timestamptz,
            metadata jsonb,
            PRIMARY KEY (bank_id, source_id, target_id, link_type)
          )`,
          `CREATE INDEX IF NOT EXISTS ${
            ix("memory_links_target")
          } ON ${t.memoryLinks} (bank_id, target_id)`,
        ],
      }];
    case "wiki":
      return [{
        version: 1,
        description: "wiki pages and archived revisions",
        statements: [
          `CREATE TABLE IF NOT EXISTS ${t.wikiPages} (
            bank_id text ${C} NOT NULL,
            page_id text ${C} NOT NULL,
            kind text NOT NULL,
            title text NOT NULL,
            content text NOT NULL,
            scope text NOT NULL,
            source_ids text[] NOT NULL,
            cross_links text[] NOT NULL,
            revision integer NOT NULL,
            revised_at timestamptz NOT NULL,
            tags text[],
            metadata jsonb,
            PRIMARY KEY (bank_id, page_id)
          )`,
          `CREATE TABLE IF NOT EXISTS ${t.wikiHistory} (
            seq bigserial PRIMARY KEY,
            bank_id text ${C} NOT NULL,
            page_id text ${C} NOT NULL,
            kind text NOT NULL,
            title text NOT NULL,
            content text NOT NULL,
            scope text NOT NULL,
            source_ids text[] NOT NULL,
            cross_links text[] NOT NULL,
            revision integer NOT NULL,
            revised_at timestamptz NOT NULL,
            tags text[],
            metadata jsonb
          )`,
          `CREATE INDEX IF NOT EXISTS ${
            ix("wiki_history_page")
          } ON ${t.wikiHistory} (bank_id, page_id, seq)`,
        ],
      }];
    case "mental_model":
      return [{
        version: 1,
        description: "mental models and archived revisions",
        statements: [
          `CREATE TABLE IF NOT EXISTS ${t.mentalModels} (
            bank_id text ${C} NOT NULL,
            model_id text ${C} NOT NULL,
            title text NOT NULL,
            content text NOT NULL,
            scope text NOT NULL,
            source_ids text[] NOT NULL,
            revision integer NOT NULL,
            refreshed_at timestamptz NOT NULL,
            kind text NOT NULL,
            structured_doc jsonb,
            source_timestamps timestamptz[],
            PRIMARY KEY (bank_id, model_id)
          )`,
          `CREATE TABLE IF NOT EXISTS ${t.mentalModelHistory} (
            seq bigserial PRIMARY KEY,
            bank_id text ${C} NOT NULL,
            model_id text ${C} NOT NULL,
            title text NOT NULL,
            content text NOT NULL,
            scope text NOT NULL,
            source_ids text[] NOT NULL,
            revision integer NOT NULL,
            refreshed_at timestamptz NOT NULL,
            kind text NOT NULL,
            structured_doc jsonb,
            source_timestamps timestamptz[]
          )`,
          `CREATE INDEX IF NOT EXISTS ${
            ix("mental_model_history_model")
          } ON ${t.mentalModelHistory} (bank_id, model_id, seq)`,
        ],
      }];
    case "source":
      return [{
        version: 1,
        description: "source documents and chunks",
        statements: [
          `CREATE TABLE IF NOT EXISTS ${t.sourceDocuments} (
            bank_id text ${C} NOT NULL,
            id text ${C} NOT NULL,
            seq bigserial,
            title text,
            source_uri text,
            content_hash text ${C},
            content_type text,
            metadata jsonb,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (bank_id, id)
          )`,
          `CREATE UNIQUE INDEX IF NOT EXISTS ${
            ix("source_documents_hash")
          } ON ${t.sourceDocuments} (bank_id, content_hash) WHERE content_hash IS NOT NULL`,
          `CREATE TABLE IF NOT EXISTS ${t.sourceChunks} (
            bank_id text ${C} NOT NULL,
            id text ${C} NOT NULL,
            document_id text ${C} NOT NULL,
            chunk_index integer NOT NULL,
            text text NOT NULL,
            content_hash text ${C},
            metadata jsonb,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (bank_id, id)
          )`,
          `CREATE UNIQUE INDEX IF NOT EXISTS ${
            ix("source_chunks_hash")
          } ON ${t.sourceChunks} (bank_id, content_hash) WHERE content_hash IS NOT NULL`,
          `CREATE INDEX IF NOT EXISTS ${
            ix("source_chunks_doc")
          } ON ${t.sourceChunks} (bank_id, document_id, chunk_index)`,
        ],
      }];
    case "pageindex":
      return [{
        version: 1,
        description: "PageIndex documents, sections, entities, links, facts and wiki pages",
        statements: pageIndexDdl(t, ix),
      }];
  }
}

function pageIndexDdl(t: Tables, ix: (n: string) => string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${t.piDocuments} (
      bank_id text ${C} NOT NULL,
      id text ${C} NOT NULL,
      source_id text ${C} NOT NULL,
      md_text text NOT NULL,
      reference_date timestamptz,
      built_at timestamptz,
      PRIMARY KEY (bank_id, id),
      UNIQUE (bank_id, source_id)
    )`,
    `CREATE TABLE IF NOT EXISTS ${t.piSections} (
      bank_id text ${C} NOT NULL,
      document_id text ${C} NOT NULL,
      line_num integer NOT NULL,
      node_id text NOT NULL,
      title text NOT NULL,
      summary text,
      summary_embedding vector,
      speaker text,
      session_date timestamptz,
      parent_node text,
      depth integer NOT NULL DEFAULT 0,
      occurred_start timestamptz,
      occurred_end timestamptz,
      session_id text,
      search_text text NOT NULL,
      PRIMARY KEY (bank_id, document_id, line_num)
    )`,
    `CREATE TABLE IF NOT EXISTS ${t.piSectionEntities} (
      bank_id text ${C} NOT NULL,
      document_id text ${C} NOT NULL,
      line_num integer NOT NULL,
      entity_name text ${C} NOT NULL,
      entity_lower text ${C} NOT NULL,
      PRIMARY KEY (bank_id, document_id, line_num, entity_name)
    )`,
    `CREATE INDEX IF NOT EXISTS ${
      ix("pi_section_entities_name")
    } ON ${t.piSectionEntities} (bank_id, entity_lower)`,
    `CREATE TABLE IF NOT EXISTS ${t.piSectionLinks} (
      bank_id text ${C} NOT NULL,
      from_doc text ${C} NOT NULL,
      from_line integer NOT NULL,
      to_doc text ${C} NOT NULL,
      to_line integer NOT NULL,
      link_type text ${C} NOT NULL,
      weight double precision NOT NULL,
      PRIMARY KEY (bank_id, from_doc, from_line, to_doc, to_line, link_type)
    )`,
    `CREATE INDEX IF NOT EXISTS ${
      ix("pi_section_links_to")
    } ON ${t.piSectionLinks} (bank_id, to_doc, to_line)`,
    `CREATE TABLE IF NOT EXISTS ${t.piFacts} (
      bank_id text ${C} NOT NULL,
      id text ${C} NOT NULL,
      seq bigserial,
      text text NOT NULL,
      text_lower text NOT NULL,
      fact_type text NOT NULL,
      document_id text ${C},
      line_num integer,
      speaker text,
      occurred_start timestamptz,
      occurred_end timestamptz,
      entities text[],
      entities_lower text[],
      embedding vector,
      confidence_score double precision,
      mentioned_at timestamptz,
      event_date timestamptz,
      PRIMARY KEY (bank_id, id)
    )`,
    `CREATE INDEX IF NOT EXISTS ${ix("pi_facts_doc")} ON ${t.piFacts} (bank_id, document_id)`,
    `CREATE TABLE IF NOT EXISTS ${t.piWikiPages} (
      bank_id text ${C} NOT NULL,
      page_id text ${C} NOT NULL,
      kind text NOT NULL,
      title text NOT NULL,
      content text NOT NULL,
      scope text NOT NULL,
      source_ids text[] NOT NULL,
      cross_links text[] NOT NULL,
      revision integer NOT NULL,
      revised_at timestamptz NOT NULL,
      tags text[],
      metadata jsonb,
      embedding vector,
      PRIMARY KEY (bank_id, page_id)
    )`,
    `CREATE TABLE IF NOT EXISTS ${t.piWikiProvenance} (
      bank_id text ${C} NOT NULL,
      page_id text ${C} NOT NULL,
      document_id text ${C} NOT NULL,
      line_num integer NOT NULL,
      PRIMARY KEY (bank_id, page_id, document_id, line_num)
    )`,
  ];
}

/** Families whose tables use the `vector` type. */
const NEEDS_VECTOR: ReadonlySet<SchemaFamily> = new Set([
  "vector",
  "graph",
  "pageindex",
]);

/** What the schema check learned about the database. */
export interface SchemaState {
  /** pgvector's version, e.g. `0.8.7` (null when not installed). */
  vectorVersion: string | null;
  /** pg_trgm's version (null when not installed). */
  trgmVersion: string | null;
  /** Whether the HNSW index on the vector table exists. */
  hasHnsw: boolean;
}

const cache = new WeakMap<object, Map<string, Promise<SchemaState>>>();

/** Drop cached schema state for a client (used when a store learns the index changed). */
export function forgetSchemaState(identity: object): void {
  cache.delete(identity);
}

/** Compare dotted versions: `a >= b`. */
export function versionAtLeast(a: string | null, b: string): boolean {
  if (a === null) return false;
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

function lockKey(o: ResolvedPostgresOptions): string {
  return `astrocyte:migrate:${o.schema}.${o.tablePrefix}`;
}

/** The statements that create everything for a family (used by `postgresMigrationSql`). */
export function setupStatements(
  family: SchemaFamily,
  o: ResolvedPostgresOptions,
  fromVersion = 0,
  withExtensions = true,
): string[] {
  const t = tablesFor(o);
  const out: string[] = [];
  if (withExtensions && NEEDS_VECTOR.has(family)) {
    out.push(`CREATE EXTENSION IF NOT EXISTS vector`);
  }
  if (o.schema !== "public") out.push(`CREATE SCHEMA IF NOT EXISTS ${qi(o.schema)}`);
  out.push(
    `CREATE TABLE IF NOT EXISTS ${t.migrations} (
      family text NOT NULL,
      version integer NOT NULL,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, version)
    )`,
  );
  for (const m of migrationsFor(family, t, o)) {
    if (m.version <= fromVersion) continue;
    out.push(...m.statements);
    out.push(
      `INSERT INTO ${t.migrations} (family, version, description) VALUES ('${family}', ${m.version}, '${
        m.description.replaceAll("'", "''")
      }') ON CONFLICT DO NOTHING`,
    );
  }
  return out;
}

async function inspect(
  client: SqlClient,
  family: SchemaFamily,
  o: ResolvedPostgresOptions,
): Promise<SchemaState> {
  const t = tablesFor(o);
  const mig = `${qi(o.schema)}.${qi(o.tablePrefix + "migrations")}`;
  const vec = `${qi(o.schema)}.${qi(o.tablePrefix + "vectors")}`;
  const probe = async () =>
    (await client.query(
      `SELECT
        (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector_version,
        (SELECT extversion FROM pg_extension WHERE extname = 'pg_trgm') AS trgm_version,
        to_regclass($1) IS NOT NULL AS has_migrations,
        to_regclass($2) IS NOT NULL AS has_hnsw,
        (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
          WHERE a.attrelid = to_regclass($3) AND a.attname = 'embedding' AND NOT a.attisdropped)
          AS embedding_type`,
      [mig, t.hnswIndex, vec],
    ))[0] ?? {};
  let row = await probe();
  let applied = 0;
  if (row.has_migrations === true) {
    const rows = await client.query(
      `SELECT coalesce(max(version), 0)::int AS v FROM ${t.migrations} WHERE family = $1`,
      [family],
    );
    applied = Number(rows[0]?.v ?? 0);
  }
  const wanted = migrationsFor(family, t, o);
  const latest = wanted.at(-1)?.version ?? 0;
  if (applied < latest) {
    if (!o.createSchema) {
      throw new ConfigError(
        `${PREFIX} The ${family} tables in schema ${o.schema} (prefix ${o.tablePrefix}) are missing or outdated (version ${applied}, need ${latest}) and create_schema is false; run the SQL from postgresMigrationSql() with a privileged role`,
      );
    }
    const needsVector = NEEDS_VECTOR.has(family) && row.vector_version == null;
    const statements: SqlStatement[] = [
      { text: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, params: [lockKey(o)] },
      ...setupStatements(family, o, applied, needsVector).map((text) => ({ text })),
    ];
    try {
      await client.transaction(statements);
    } catch (e) {
      // Two processes creating the extension at once: the loser retries once.
      const again = /already exists|duplicate key/i.test(String((e as Error)?.message));
      if (!again) throw e;
      await client.transaction(statements);
    }
    row = await probe();
  }
  if (family === "vector") {
    const type = row.embedding_type as string | null | undefined;
    const expected = `vector(${o.dimensions})`;
    if (type && type !== expected) {
      throw new ConfigError(
        `${PREFIX} Dimension mismatch: table ${t.vectors} has column embedding ${type}, but dimensions is ${o.dimensions}`,
      );
    }
  }
  if (family === "graph" && row.trgm_version == null && o.createSchema) {
    // pg_trgm is optional: without it, candidates are scored in JavaScript.
    try {
      await client.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
      row = await probe();
    } catch { /* not available on this server */ }
  }
  return {
    vectorVersion: (row.vector_version as string | null) ?? null,
    trgmVersion: (row.trgm_version as string | null) ?? null,
    hasHnsw: row.has_hnsw === true,
  };
}

/**
 * Make sure a family's tables exist and are current (once per client, schema, prefix and
 * family in this process), and return what was learned about the database.
 */
export function ensureSchema(
  client: SqlClient,
  family: SchemaFamily,
  o: ResolvedPostgresOptions,
): Promise<SchemaState> {
  let perClient = cache.get(client.identity);
  if (perClient === undefined) cache.set(client.identity, perClient = new Map());
  const key = `${family}|${o.schema}|${o.tablePrefix}|${o.dimensions ?? ""}`;
  let p = perClient.get(key);
  if (p === undefined) {
    p = inspect(client, family, o).catch((e) => {
      perClient!.delete(key);
      throw translateError(e, `Preparing the ${family} tables`);
    });
    perClient.set(key, p);
  }
  return p;
}

/** The DDL of the HNSW index on the vector table. */
export function hnswIndexSql(o: ResolvedPostgresOptions, concurrently: boolean): string {
  const t = tablesFor(o);
  return `CREATE INDEX ${concurrently ? "CONCURRENTLY " : ""}IF NOT EXISTS ${
    qi(t.hnswIndexName)
  } ON ${t.vectors} USING hnsw (embedding vector_cosine_ops) WITH (m = ${o.hnswM}, ef_construction = ${o.hnswEfConstruction})`;
}
