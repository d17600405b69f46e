/**
 * Options of the Postgres adapter and their parsing from snake_case YAML config.
 *
 * @module
 */
import { ConfigError } from "@astrocyte/core";

/** The message prefix of every error raised by this package. */
export const PREFIX = "[astrocyte/postgres]";

/** How the adapter talks to Postgres. */
export type PostgresDriver = "neon-http" | "neon-ws" | "pglite";

/** The approximate-index policy of the vector store (see the package README). */
export type AnnIndexPolicy = "auto" | "always" | "never";

/** Values of pgvector's `hnsw.iterative_scan` setting. */
export type HnswIterativeScan = "relaxed_order" | "strict_order" | "off";

/**
 * A node-postgres style client supplied by the caller: anything with
 * `query(text, params)` that resolves to `{ rows }` or to an array of row objects — a
 * `pg.Pool`/`pg.Client`, a Neon `Pool`/`Client`, the Neon `neon()` function, or a PGlite
 * instance. The adapter never closes a client it did not create.
 */
export interface PostgresQueryable {
  /** Run one parameterised statement (`$1`, `$2`, … placeholders). */
  query(text: string, params?: unknown[]): PromiseLike<unknown>;
}

/** Options shared by every store of the Postgres adapter (camelCase, for code). */
export interface PostgresOptions {
  /**
   * Connection URL. `postgres://` / `postgresql://` selects `neon-http` unless `driver` says
   * otherwise; `pglite:<dir>`, `memory://` and `idb://<name>` select the embedded PGlite.
   * Falls back to the `DATABASE_URL` environment variable when the store is built from
   * config.
   */
  url?: string;
  /** The driver; derived from `url` when absent. */
  driver?: PostgresDriver;
  /** A caller-owned client (see {@linkcode PostgresQueryable}); overrides `url`/`driver`. */
  client?: PostgresQueryable;
  /** PGlite data directory (`memory://`, `idb://name` or a path). @default {"memory://"} */
  dataDir?: string;
  /** Vector dimension (required for the vector store). */
  dimensions?: number;
  /** Schema holding the tables (a plain identifier). @default {"public"} */
  schema?: string;
  /** Prefix of every table name (a plain identifier). @default {"astrocyte_"} */
  tablePrefix?: string;
  /**
   * Create extensions, the schema and tables on first use. Set to `false` for
   * least-privilege roles; the tables must then exist (see `postgresMigrationSql`).
   * @default {true}
   */
  createSchema?: boolean;
  /** Text-search configuration for full-text search. @default {"english"} */
  language?: string;
  /** Approximate (HNSW) index policy. @default {"auto"} */
  annIndex?: AnnIndexPolicy;
  /** HNSW `m`. @default {16} */
  hnswM?: number;
  /** HNSW `ef_construction`. @default {64} */
  hnswEfConstruction?: number;
  /** HNSW `ef_search` (raised to the query limit when smaller). @default {40} */
  hnswEfSearch?: number;
  /** pgvector `hnsw.iterative_scan` used by approximate searches. @default {"relaxed_order"} */
  hnswIterativeScan?: HnswIterativeScan;
  /**
   * Banks with fewer rows than this are searched exactly (bank index + exact sort) even when
   * an HNSW index exists; in `auto` mode, a bank reaching it triggers the index build.
   * @default {5000}
   */
  exactScanThreshold?: number;
  /** `fetch` for `neon-http` (overrides the adapter context's fetch). */
  fetch?: typeof fetch;
  /** Neon `fetchEndpoint`: the SQL-over-HTTP URL (local proxies, tests). */
  fetchEndpoint?: string;
  /** Neon `wsProxy` (`host:port/path`) for `neon-ws`. */
  wsProxy?: string;
  /** Neon `useSecureWebSocket` for `neon-ws`. @default {true} */
  useSecureWebSocket?: boolean;
  /** Neon `pipelineConnect` for `neon-ws`. @default {"password"} */
  pipelineConnect?: "password" | false;
  /** Neon `pipelineTLS` for `neon-ws`. @default {false} */
  pipelineTLS?: boolean;
  /** Neon `coalesceWrites` for `neon-ws`. @default {true} */
  coalesceWrites?: boolean;
  /** WebSocket constructor for `neon-ws` where there is no global one (Node 20: `ws`). */
  webSocketConstructor?: unknown;
  /** Pool size for `neon-ws`. @default {5} */
  maxConnections?: number;
  /**
   * Per-request timeout for `neon-http` (each HTTP request, body included) and `neon-ws`
   * (connecting, and each statement), in ms; `0` = none. Index builds (`CREATE INDEX`) are
   * exempt. A timeout is a retryable `ProviderUnavailableError` saying it timed out.
   * Statements on a caller-supplied `client` or on PGlite are not bounded; `health()` is
   * bounded by it on every driver. @default {30000}
   */
  timeoutMs?: number;
  /**
   * Retries after the first attempt for `neon-http` and `neon-ws`. Failures known to happen
   * before the server processed anything (connection refused, HTTP 429/503, a transaction
   * rolled back before `COMMIT`) are retried for every operation; ambiguous ones (timeout,
   * connection lost after sending, 502/504, truncated answer) only for reads and pure
   * upserts. @default {2}
   */
  maxRetries?: number;
  /**
   * Backoff base in ms: retry n waits up to `retry_base_ms`·2ⁿ (full jitter, ≤ 5 s), or the
   * server's `Retry-After` (≤ 30 s). @default {200}
   */
  retryBaseMs?: number;
}

/** Default of {@linkcode PostgresOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default of {@linkcode PostgresOptions.maxRetries}. */
export const DEFAULT_MAX_RETRIES = 2;
/** Default of {@linkcode PostgresOptions.retryBaseMs}. */
export const DEFAULT_RETRY_BASE_MS = 200;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LANGUAGE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Longest table name suffix used by the adapter (`pi_section_entities` + `_pkey`). */
const LONGEST_SUFFIX = 24;

const KEYS: Record<string, keyof PostgresOptions> = {
  url: "url",
  driver: "driver",
  data_dir: "dataDir",
  dimensions: "dimensions",
  embedding_dimensions: "dimensions",
  schema: "schema",
  table_prefix: "tablePrefix",
  create_schema: "createSchema",
  language: "language",
  ann_index: "annIndex",
  hnsw_m: "hnswM",
  hnsw_ef_construction: "hnswEfConstruction",
  hnsw_ef_search: "hnswEfSearch",
  hnsw_iterative_scan: "hnswIterativeScan",
  exact_scan_threshold: "exactScanThreshold",
  fetch_endpoint: "fetchEndpoint",
  ws_proxy: "wsProxy",
  use_secure_websocket: "useSecureWebSocket",
  pipeline_connect: "pipelineConnect",
  pipeline_tls: "pipelineTLS",
  coalesce_writes: "coalesceWrites",
  max_connections: "maxConnections",
  timeout_ms: "timeoutMs",
  max_retries: "maxRetries",
  retry_base_ms: "retryBaseMs",
};

function fail(field: string, what: string): never {
  throw new ConfigError(`${PREFIX} ${field}: ${what}`);
}

/** camelCase option → snake_case config key. */
const SNAKE: Record<string, string> = Object.fromEntries(
  Object.entries(KEYS).filter(([k]) => k !== "embedding_dimensions").map(([k, v]) => [v, k]),
);

function str(field: string, v: unknown): string {
  if (typeof v !== "string") fail(field, "expected a string");
  return v;
}

function bool(field: string, v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return fail(field, "expected a boolean");
}

function int(field: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    fail(field, `expected an integer from ${min} to ${max}`);
  }
  return n;
}

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    fail(field, `expected one of ${allowed.join(", ")}`);
  }
  return v as T;
}

/**
 * Validate an options object given in code (camelCase) and fill nothing in: the checks are
 * the same as for config, with the field names of {@linkcode PostgresOptions}.
 *
 * @throws {ConfigError} naming the offending field.
 */
export function validatePostgresOptions(
  options: PostgresOptions,
  fieldName: (key: string) => string = (key) => key,
): PostgresOptions {
  const o = options;
  const fail = (key: string, what: string): never => {
    throw new ConfigError(`${PREFIX} ${fieldName(key)}: ${what}`);
  };
  const str = (key: string, v: unknown): string => {
    if (typeof v !== "string") fail(key, "expected a string");
    return v as string;
  };
  const int = (key: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      fail(key, `expected an integer from ${min} to ${max}`);
    }
    return v as number;
  };
  const oneOf = (key: string, v: unknown, allowed: readonly string[]): void => {
    if (typeof v !== "string" || !allowed.includes(v)) {
      fail(key, `expected one of ${allowed.join(", ")}`);
    }
  };
  if (o === null || typeof o !== "object") fail("options", "expected an object");
  if (o.url !== undefined) str("url", o.url);
  if (o.driver !== undefined) oneOf("driver", o.driver, ["neon-http", "neon-ws", "pglite"]);
  if (o.client !== undefined) {
    const c = o.client as { query?: unknown };
    if (
      c === null || (typeof c !== "object" && typeof c !== "function") ||
      typeof c.query !== "function"
    ) {
      fail("client", "expected an object with a query(text, params) method");
    }
  }
  if (o.dataDir !== undefined) str("dataDir", o.dataDir);
  if (o.dimensions !== undefined) int("dimensions", o.dimensions, 1, 16_000);
  if (o.schema !== undefined && !IDENT.test(str("schema", o.schema))) {
    fail("schema", "expected a plain identifier ([A-Za-z_][A-Za-z0-9_]*)");
  }
  if (o.schema !== undefined && o.schema.length > 63) fail("schema", "at most 63 characters");
  if (o.tablePrefix !== undefined) {
    const p = str("tablePrefix", o.tablePrefix);
    if (p !== "" && !IDENT.test(p)) {
      fail("tablePrefix", "expected a plain identifier ([A-Za-z_][A-Za-z0-9_]*)");
    }
    if (p.length + LONGEST_SUFFIX > 63) {
      fail("tablePrefix", `at most ${63 - LONGEST_SUFFIX} characters`);
    }
  }
  if (o.createSchema !== undefined && typeof o.createSchema !== "boolean") {
    fail("createSchema", "expected a boolean");
  }
  if (o.language !== undefined && !LANGUAGE.test(str("language", o.language))) {
    fail("language", "expected a text search configuration name such as english");
  }
  if (o.annIndex !== undefined) oneOf("annIndex", o.annIndex, ["auto", "always", "never"]);
  if (o.hnswM !== undefined) int("hnswM", o.hnswM, 2, 100);
  if (o.hnswEfConstruction !== undefined) {
    int("hnswEfConstruction", o.hnswEfConstruction, 4, 1000);
  }
  if (o.hnswEfSearch !== undefined) int("hnswEfSearch", o.hnswEfSearch, 1, 1000);
  if (o.hnswIterativeScan !== undefined) {
    oneOf("hnswIterativeScan", o.hnswIterativeScan, ["relaxed_order", "strict_order", "off"]);
  }
  if (o.exactScanThreshold !== undefined) {
    int("exactScanThreshold", o.exactScanThreshold, 1);
  }
  if (o.fetch !== undefined && typeof o.fetch !== "function") fail("fetch", "expected a function");
  if (o.fetchEndpoint !== undefined) str("fetchEndpoint", o.fetchEndpoint);
  if (o.wsProxy !== undefined) str("wsProxy", o.wsProxy);
  for (const k of ["useSecureWebSocket", "pipelineTLS", "coalesceWrites"] as const) {
    if (o[k] !== undefined && typeof o[k] !== "boolean") fail(k, "expected a boolean");
  }
  if (
    o.pipelineConnect !== undefined && o.pipelineConnect !== false &&
    o.pipelineConnect !== "password"
  ) {
    fail("pipelineConnect", 'expected "password" or false');
  }
  if (o.maxConnections !== undefined) int("maxConnections", o.maxConnections, 1, 1000);
  if (o.timeoutMs !== undefined) int("timeoutMs", o.timeoutMs, 0, 3_600_000);
  if (o.maxRetries !== undefined) int("maxRetries", o.maxRetries, 0, 20);
  if (o.retryBaseMs !== undefined) int("retryBaseMs", o.retryBaseMs, 0, 60_000);
  return o;
}

/**
 * Parse a `*_config` mapping from `astrocyte.yaml` (snake_case keys) into
 * {@linkcode PostgresOptions}. Numbers and booleans may be given as strings (as `${VAR}`
 * substitution produces them). Unknown keys are reported through `onUnknownKey` (the plugin
 * logs a warning) and otherwise ignored.
 *
 * @example
 * ```ts
 * import { parsePostgresOptions } from "@astrocyte/postgres";
 *
 * const options = parsePostgresOptions({ url: "memory://", dimensions: "384" });
 * console.log(options.dimensions); // 384
 * ```
 *
 * @throws {ConfigError} with the offending key, e.g. `[astrocyte/postgres] vector_store_config.dimensions: expected an integer from 1 to 16000`.
 */
export function parsePostgresOptions(
  config: Readonly<Record<string, unknown>>,
  path = "config",
  onUnknownKey?: (key: string) => void,
): PostgresOptions {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    fail(path, "expected a mapping");
  }
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(config)) {
    const field = `${path}.${key}`;
    const target = KEYS[key];
    if (target === undefined) {
      onUnknownKey?.(key);
      continue;
    }
    if (raw === undefined || raw === null || raw === "") continue;
    switch (target) {
      case "dimensions":
        out[target] = int(field, raw, 1, 16_000);
        break;
      case "hnswM":
        out[target] = int(field, raw, 2, 100);
        break;
      case "hnswEfConstruction":
        out[target] = int(field, raw, 4, 1000);
        break;
      case "hnswEfSearch":
        out[target] = int(field, raw, 1, 1000);
        break;
      case "exactScanThreshold":
        out[target] = int(field, raw, 1);
        break;
      case "maxConnections":
        out[target] = int(field, raw, 1, 1000);
        break;
      case "timeoutMs":
        out[target] = int(field, raw, 0, 3_600_000);
        break;
      case "maxRetries":
        out[target] = int(field, raw, 0, 20);
        break;
      case "retryBaseMs":
        out[target] = int(field, raw, 0, 60_000);
        break;
      case "createSchema":
      case "useSecureWebSocket":
      case "pipelineTLS":
      case "coalesceWrites":
        out[target] = bool(field, raw);
        break;
      case "pipelineConnect":
        out[target] = raw === false || raw === "false"
          ? false
          : oneOf(field, raw, ["password"] as const);
        break;
      case "driver":
        out[target] = oneOf(field, raw, ["neon-http", "neon-ws", "pglite"] as const);
        break;
      case "annIndex":
        out[target] = oneOf(field, raw, ["auto", "always", "never"] as const);
        break;
      case "hnswIterativeScan":
        out[target] = oneOf(field, raw, ["relaxed_order", "strict_order", "off"] as const);
        break;
      default:
        out[target] = str(field, raw);
    }
  }
  return validatePostgresOptions(
    out as PostgresOptions,
    (key) => `${path}.${SNAKE[key] ?? key}`,
  );
}

/** Options after defaults are applied (internal). */
export interface ResolvedPostgresOptions extends PostgresOptions {
  schema: string;
  tablePrefix: string;
  createSchema: boolean;
  language: string;
  annIndex: AnnIndexPolicy;
  hnswM: number;
  hnswEfConstruction: number;
  hnswEfSearch: number;
  hnswIterativeScan: HnswIterativeScan;
  exactScanThreshold: number;
}

/** Apply defaults (internal). */
export function resolveOptions(options: PostgresOptions): ResolvedPostgresOptions {
  validatePostgresOptions(options);
  return {
    ...options,
    schema: options.schema ?? "public",
    tablePrefix: options.tablePrefix ?? "astrocyte_",
    createSchema: options.createSchema ?? true,
    language: options.language ?? "english",
    annIndex: options.annIndex ?? "auto",
    hnswM: options.hnswM ?? 16,
    hnswEfConstruction: options.hnswEfConstruction ?? 64,
    hnswEfSearch: options.hnswEfSearch ?? 40,
    hnswIterativeScan: options.hnswIterativeScan ?? "relaxed_order",
    exactScanThreshold: options.exactScanThreshold ?? 5000,
  };
}
