/**
 * Versioned migrations, kept in code and recorded in `<prefix>migrations`.
 *
 * Records are keyed by `(bank_id, id_key)` where `id_key` is the id's UTF-16 code units
 * (big-endian): a bijection of the id whose byte order is the SPI's code-unit order.
 *
 * Each family has its own ordered list; a store applies its family's pending migrations on
 * first use (one read, plus one write batch when something is pending). Statements are
 * idempotent (`IF NOT EXISTS`), so two processes migrating at once converge.
 *
 * @module
 */
import { ConfigError, DimensionMismatchError } from "@astrocyte/core";
import { type Connection, guarded, translateError } from "./_connection.ts";
import { PREFIX } from "./options.ts";

/** Schema families, one migration list each. */
export type SchemaFamily =
  | "vectors"
  | "documents"
  | "graph"
  | "wiki"
  | "mental_models"
  | "sources"
  | "pageindex";

/** One migration: a stable id and its statements. */
export interface Migration {
  /** Stable id, e.g. `vectors/001_create`. */
  readonly id: string;
  /** The statements, given the table prefix and (for vectors) the dimension. */
  readonly statements: (p: string, dimensions: number) => string[];
}

/** Every migration, per family, in order. */
export const MIGRATIONS: Readonly<Record<SchemaFamily, readonly Migration[]>> = {
  vectors: [{
    id: "vectors/001_create",
    statements: (p, d) => [
      `CREATE TABLE IF NOT EXISTS ${p}vectors (
        rid INTEGER PRIMARY KEY,
        bank_id TEXT NOT NULL,
        id_key BLOB NOT NULL,
        id TEXT NOT NULL,
        embedding F32_BLOB(${d}) NOT NULL,
        text TEXT NOT NULL,
        metadata TEXT,
        tags TEXT,
        fact_type TEXT,
        occurred_at INTEGER,
        memory_layer TEXT,
        retained_at INTEGER,
        chunk_id TEXT,
        UNIQUE (bank_id, id_key)
      )`,
      `INSERT OR IGNORE INTO ${p}meta (key, value) VALUES ('vectors.dimensions', '${d}')`,
    ],
  }],
  documents: [{
    id: "documents/001_create",
    statements: (p) => [
      `CREATE TABLE IF NOT EXISTS ${p}documents (
        rid INTEGER PRIMARY KEY,
        bank_id TEXT NOT NULL,
        id_key BLOB NOT NULL,
        id TEXT NOT NULL,
        text TEXT NOT NULL,
        metadata TEXT,
        tags TEXT,
        UNIQUE (bank_id, id_key)
      )`,
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${p}documents_fts USING fts5(
        text, content='${p}documents', content_rowid='rid',
        tokenize='unicode61 remove_diacritics 2'
      )`,
      `CREATE TRIGGER IF NOT EXISTS ${p}documents_ai AFTER INSERT ON ${p}documents BEGIN
        INSERT INTO ${p}documents_fts (rowid, text) VALUES (new.rid, new.text);
      END`,
      `CREATE TRIGGER IF NOT EXISTS ${p}documents_ad AFTER DELETE ON ${p}documents BEGIN
        INSERT INTO ${p}documents_fts (${p}documents_fts, rowid, text)
          VALUES ('delete', old.rid, old.text);
      END`,
      `CREATE TRIGGER IF NOT EXISTS ${p}documents_au AFTER UPDATE ON ${p}documents BEGIN
        INSERT INTO ${p}documents_fts (${p}documents_fts, rowid, text)
          VALUES ('delete', old.rid, old.text);
        INSERT INTO ${p}documents_fts (rowid, text) VALUES (new.rid, new.text);
      END`,
    ],
  }],
  graph: [{
    id: "graph/001_create",
    statements: (p) => [
      `CREATE TABLE IF NOT EXISTS ${p}graph_entities (
        bank_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        aliases TEXT,
        metadata TEXT,
        embedding TEXT,
        mention_count INTEGER NOT NULL,
        PRIMARY KEY (bank_id, id)
      )`,
      `CREATE TABLE IF NOT EXISTS ${p}graph_links (
        bank_id TEXT NOT NULL,
        entity_lo TEXT NOT NULL,
        entity_hi TEXT NOT NULL,
        link_type TEXT NOT NULL,
        id TEXT NOT NULL,
        entity_a TEXT NOT NULL,
        entity_b TEXT NOT NULL,
        evidence TEXT NOT NULL,
        confidence REAL NOT NULL,
        created_at INTEGER,
        metadata TEXT,
        PRIMARY KEY (bank_id, entity_lo, entity_hi, link_type)
      )`,
      `CREATE INDEX IF NOT EXISTS ${p}graph_links_a ON ${p}graph_links (bank_id, entity_a)`,
      `CREATE INDEX IF NOT EXISTS ${p}graph_links_b ON ${p}graph_links (bank_id, entity_b)`,
      `CREATE TABLE IF NOT EXISTS ${p}graph_associations (
        bank_id TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        PRIMARY KEY (bank_id, memory_id, entity_id)
      )`,
      `CREATE INDEX IF NOT EXISTS ${p}graph_associations_entity
        ON ${p}graph_associations (bank_id, entity_id)`,
      `CREATE TABLE IF NOT EXISTS ${p}graph_memory_texts (
        bank_id TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (bank_id, memory_id)
      )`,
      `CREATE TABLE IF NOT EXISTS ${p}graph_memory_links (
        bank_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        target_id TEXT NOT NULL,
        link_type TEXT NOT NULL,
        id TEXT NOT NULL,
        evidence TEXT NOT NULL,
        confidence REAL NOT NULL,
        weight REAL NOT NULL,
        created_at INTEGER,
        metadata TEXT,
        PRIMARY KEY (bank_id, source_id, target_id, link_type)
      )`,
      `CREATE INDEX IF NOT EXISTS ${p}graph_memory_links_target
        ON ${p}graph_memory_links (bank_id, target_id)`,
    ],
  }],
  wiki: [{
    id: "wiki/001_create",
    statements: (p) => {
      const cols = `bank_id TEXT NOT NULL,
        page_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        content TEXT NOT NULL,
        scope TEXT NOT NULL,
        source_ids TEXT NOT NULL,
        cross_links TEXT NOT NULL,
        revision INTEGER NOT NULL,
        revised_at INTEGER NOT NULL,
        tags TEXT,
        metadata TEXT`;
      return [
        `CREATE TABLE IF NOT EXISTS ${p}wiki_pages (${cols}, PRIMARY KEY (bank_id, page_id))`,
        `CREATE TABLE IF NOT EXISTS ${p}wiki_revisions (${cols},
          PRIMARY KEY (bank_id, page_id, revision))`,
      ];
    },
  }],
  mental_models: [{
    id: "mental_models/001_create",
    statements: (p) => {
      const cols = `bank_id TEXT NOT NULL,
        model_id TEXT NOT NULL,
        title TEXT NOT NULL,
        content TEXT NOT NULL,
        scope TEXT NOT NULL,
        source_ids TEXT NOT NULL,
        revision INTEGER NOT NULL,
        refreshed_at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        structured_doc TEXT,
        source_timestamps TEXT`;
      return [
        `CREATE TABLE IF NOT EXISTS ${p}mental_models (${cols}, PRIMARY KEY (bank_id, model_id))`,
        `CREATE TABLE IF NOT EXISTS ${p}mental_model_revisions (rid INTEGER PRIMARY KEY, ${cols})`,
        `CREATE INDEX IF NOT EXISTS ${p}mental_model_revisions_model
          ON ${p}mental_model_revisions (bank_id, model_id, rid)`,
      ];
    },
  }],
  sources: [{
    id: "sources/001_create",
    statements: (p) => [
      `CREATE TABLE IF NOT EXISTS ${p}source_documents (
        rid INTEGER PRIMARY KEY,
        bank_id TEXT NOT NULL,
        id TEXT NOT NULL,
        title TEXT,
        source_uri TEXT,
        content_hash TEXT,
        content_type TEXT,
        metadata TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (bank_id, id)
      )`,
      `CREATE UNIQUE INDEX IF NOT EXISTS ${p}source_documents_hash
        ON ${p}source_documents (bank_id, content_hash) WHERE content_hash IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${p}source_documents_recent
        ON ${p}source_documents (bank_id, created_at DESC, rid DESC)`,
      `CREATE TABLE IF NOT EXISTS ${p}source_chunks (
        rid INTEGER PRIMARY KEY,
        bank_id TEXT NOT NULL,
        id TEXT NOT NULL,
        document_id TEXT NOT NULL,
        chunk_index INTEGER NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT,
        metadata TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (bank_id, id)
      )`,
      `CREATE UNIQUE INDEX IF NOT EXISTS ${p}source_chunks_hash
        ON ${p}source_chunks (bank_id, content_hash) WHERE content_hash IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ${p}source_chunks_document
        ON ${p}source_chunks (bank_id, document_id)`,
    ],
  }],
  pageindex: [{
    id: "pageindex/001_create",
    statements: (p) => [
      `CREATE TABLE IF NOT EXISTS ${p}pi_documents (
        bank_id TEXT NOT NULL,
        id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        md_text TEXT NOT NULL,
        reference_date INTEGER,
        built_at INTEGER,
        PRIMARY KEY (bank_id, id),
        UNIQUE (bank_id, source_id)
      )`,
      `CREATE TABLE IF NOT EXISTS ${p}pi_sections (
        bank_id TEXT NOT NULL,
        document_id TEXT NOT NULL,
        line_num INTEGER NOT NULL,
        node_id TEXT NOT NULL,
        title TEXT NOT NULL,
        summary TEXT,
        summary_embedding TEXT,
        speaker TEXT,
        session_date INTEGER,
        parent_node TEXT,
        depth INTEGER NOT NULL DEFAULT 0,
        occurred_start INTEGER,
        occurred_end INTEGER,
        session_id TEXT,
        PRIMARY KEY (bank_id, document_id, line_num)
      )`,
      `CREATE TABLE IF NOT EXISTS ${p}pi_section_entities (
        bank_id TEXT NOT NULL,
        document_id TEXT NOT NULL,
        line_num INTEGER NOT NULL,
        entity_name TEXT NOT NULL,
        PRIMARY KEY (bank_id, document_id, line_num, entity_name)
      )`,
      `CREATE TABLE IF NOT EXISTS ${p}pi_section_links (
        bank_id TEXT NOT NULL,
        from_doc TEXT NOT NULL,
        from_line INTEGER NOT NULL,
        to_doc TEXT NOT NULL,
        to_line INTEGER NOT NULL,
        link_type TEXT NOT NULL,
        weight REAL NOT NULL,
        PRIMARY KEY (bank_id, from_doc, from_line, to_doc, to_line, link_type)
      )`,
      `CREATE INDEX IF NOT EXISTS ${p}pi_section_links_to
        ON ${p}pi_section_links (bank_id, to_doc, to_line)`,
      `CREATE TABLE IF NOT EXISTS ${p}pi_facts (
        bank_id TEXT NOT NULL,
        id TEXT NOT NULL,
        text TEXT NOT NULL,
        fact_type TEXT NOT NULL,
        document_id TEXT,
        line_num INTEGER,
        speaker TEXT,
        occurred_start INTEGER,
        occurred_end INTEGER,
        entities TEXT,
        embedding TEXT,
        confidence_score REAL,
        mentioned_at INTEGER,
        event_date INTEGER,
        PRIMARY KEY (bank_id, id)
      )`,
      `CREATE INDEX IF NOT EXISTS ${p}pi_facts_document ON ${p}pi_facts (bank_id, document_id)`,
      `CREATE TABLE IF NOT EXISTS ${p}pi_wiki (
        bank_id TEXT NOT NULL,
        page_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        page TEXT NOT NULL,
        embedding TEXT,
        provenance TEXT NOT NULL,
        PRIMARY KEY (bank_id, page_id)
      )`,
    ],
  }],
};

function bootstrap(p: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${p}migrations (
      id TEXT PRIMARY KEY,
      applied_at INTEGER NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS ${p}meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  ];
}

interface SchemaState {
  applied: Set<string>;
  meta: Map<string, string>;
}

async function readState(conn: Connection, p: string): Promise<SchemaState | null> {
  try {
    const [m, meta] = await conn.client.batch([
      `SELECT id FROM ${p}migrations`,
      `SELECT key, value FROM ${p}meta`,
    ], "read");
    return {
      applied: new Set(m!.rows.map((r) => String(r["id"]))),
      meta: new Map(meta!.rows.map((r) => [String(r["key"]), String(r["value"])])),
    };
  } catch (e) {
    if (/no such table/i.test(String((e as Error)?.message))) return null;
    throw translateError(e, "Reading the schema version");
  }
}

/** Options of {@linkcode ensureSchema}. */
export interface EnsureSchemaOptions {
  /** Table prefix. */
  prefix: string;
  /** Families whose migrations must be applied. */
  families: readonly SchemaFamily[];
  /** Whether missing migrations may be applied. */
  createSchema: boolean;
  /** Vector dimension (required for the `vectors` family). */
  dimensions?: number;
}

/**
 * Apply pending migrations for the families (once per client and prefix), or check they are
 * applied when `createSchema` is false. Checks the vector table's dimension.
 *
 * @throws {ConfigError} when the schema is missing and may not be created.
 * @throws {DimensionMismatchError} when the vector table has another dimension.
 */
export function ensureSchema(conn: Connection, options: EnsureSchemaOptions): Promise<void> {
  const key = `${options.prefix}\u0000${options.families.join(",")}\u0000${
    options.dimensions ?? ""
  }\u0000${options.createSchema}`;
  let done = conn.migrated.get(key);
  if (done === undefined) {
    done = migrate(conn, options);
    conn.migrated.set(key, done);
    done.catch(() => conn.migrated.delete(key));
  }
  return done;
}

async function migrate(conn: Connection, options: EnsureSchemaOptions): Promise<void> {
  const p = options.prefix;
  const dims = options.dimensions ?? 0;
  const state = await readState(conn, p);
  if (options.families.includes("vectors")) {
    const existing = state?.meta.get("vectors.dimensions");
    if (existing !== undefined && dims !== 0 && Number(existing) !== dims) {
      throw new DimensionMismatchError(
        `${PREFIX} Dimension mismatch: expected ${existing}, got ${dims} (table ${p}vectors ` +
          `was created for ${existing}-dimensional vectors; use another table_prefix or database)`,
        { field: "dimensions", expected: Number(existing), actual: dims },
      );
    }
  }
  const pending = options.families.flatMap((f) => MIGRATIONS[f]).filter((m) =>
    !state?.applied.has(m.id)
  );
  if (pending.length === 0) return;
  if (!options.createSchema) {
    throw new ConfigError(
      `${PREFIX} Schema is not up to date (missing migrations: ${
        pending.map((m) => m.id).join(", ")
      }) and create_schema is false: run migrateLibsql with a privileged user`,
    );
  }
  const now = Date.now();
  const statements = [
    ...bootstrap(p),
    ...pending.flatMap((m) => [
      ...m.statements(p, dims),
      {
        sql: `INSERT OR IGNORE INTO ${p}migrations (id, applied_at) VALUES (?, ?)`,
        args: [m.id, now],
      },
    ]),
  ];
  await guarded("Applying migrations", () => conn.client.batch(statements, "write"));
  if (options.families.includes("vectors")) {
    // Another process may have created the table first with another dimension.
    const after = await readState(conn, p);
    const stored = after?.meta.get("vectors.dimensions");
    if (stored !== undefined && dims !== 0 && Number(stored) !== dims) {
      throw new DimensionMismatchError(
        `${PREFIX} Dimension mismatch: expected ${stored}, got ${dims} (table ${p}vectors)`,
        { field: "dimensions", expected: Number(stored), actual: dims },
      );
    }
  }
}

/** Every schema family, in dependency order. */
export const SCHEMA_FAMILIES: readonly SchemaFamily[] = [
  "vectors",
  "documents",
  "graph",
  "wiki",
  "mental_models",
  "sources",
  "pageindex",
];
