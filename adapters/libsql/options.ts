/**
 * Options of the libSQL adapter and their parsing from snake_case YAML config.
 *
 * @module
 */
import { ConfigError } from "@astrocyte/core";
import type { AdapterConfig, Logger } from "@astrocyte/core";

/** Package prefix used in every message this adapter raises. */
export const PREFIX = "[astrocyte/libsql]";

/** Default prefix of table and index names. */
export const DEFAULT_TABLE_PREFIX = "astrocyte_";

/** When the DiskANN index (`libsql_vector_idx`) is created. */
export type AnnIndexPolicy = "auto" | "always" | "never";

/** How DiskANN compresses neighbour vectors (`compress_neighbors`). */
export type CompressNeighbors = "float1bit" | "float8" | "float16" | "floatb16" | "float32";

/**
 * An `@libsql/client` client (the result of `createClient` from `@libsql/client` or
 * `@libsql/client/web`). Only the members named here are part of this package's public
 * types; the adapter uses the client's `execute`, `batch` and `transaction` methods.
 */
export interface LibsqlClient {
  /** The client's protocol: `file`, `http`, `https`, `ws`, `wss` or `libsql`. */
  readonly protocol: string;
  /** Whether the client is closed. */
  readonly closed: boolean;
  /** Close the client. */
  close(): void;
}

/** Options shared by every libSQL store. */
export interface LibsqlOptions {
  /**
   * Database URL: `file:path.db`, `:memory:`, `libsql://…` (Turso), `http(s)://…` or
   * `ws(s)://…`. `file:` and `:memory:` use `@libsql/client`'s default entry (native engine);
   * every other scheme uses `@libsql/client/web` (fetch only, safe on Workers). Required
   * unless {@linkcode LibsqlOptions.client} is given.
   */
  url?: string;
  /** Auth token for Turso/sqld. Never logged or put in messages. */
  authToken?: string;
  /**
   * An existing `@libsql/client` client to use instead of opening one. The store never
   * closes a client it did not open.
   */
  client?: LibsqlClient;
  /** Vector dimension (required by the vector store; fixed when its table is created). */
  dimensions?: number;
  /**
   * Prefix of every table and index name: letters, digits and `_`, starting with a letter or
   * `_`, at most 40 characters. @default {"astrocyte_"}
   */
  tablePrefix?: string;
  /**
   * Create tables and apply migrations on first use. Set to `false` for least-privilege users
   * once {@linkcode migrateLibsql} (or an operator) has created the schema. @default {true}
   */
  createSchema?: boolean;
  /**
   * DiskANN index policy: `never` (exact per-bank scans only), `always` (index created with the
   * table and maintained on every write), `auto` (built once, by the write that makes a bank
   * reach {@linkcode LibsqlOptions.annThreshold} rows). @default {"auto"}
   */
  annIndex?: AnnIndexPolicy;
  /** Rows in one bank at which `annIndex: auto` builds the index. @default {50000} */
  annThreshold?: number;
  /**
   * Banks with at most this many rows are always searched by an exact scan, even when the
   * ANN index exists; larger banks use `vector_top_k` with adaptive over-fetch. @default {5000}
   */
  exactScanLimit?: number;
  /** DiskANN `max_neighbors`. @default {32} */
  maxNeighbors?: number;
  /** DiskANN `compress_neighbors`. @default {"float8"} */
  compressNeighbors?: CompressNeighbors;
  /** DiskANN `alpha` (graph density, ≥ 1). @default {libSQL's default (1.2)} */
  alpha?: number;
  /** DiskANN `search_l` (query-time beam width). @default {libSQL's default (200)} */
  searchL?: number;
  /** DiskANN `insert_l` (insert-time beam width). @default {libSQL's default (70)} */
  insertL?: number;
  /** Busy timeout for local `file:` databases, in milliseconds. @default {5000} */
  busyTimeoutMs?: number;
  /**
   * Largest estimated payload of one write request to a remote server, in bytes. Larger
   * writes are split into several batches inside one interactive transaction. @default {4194304}
   */
  maxRequestBytes?: number;
  /**
   * Per-request timeout for remote URLs, in ms (`0` = none): each HTTP request, response body
   * included, is aborted after this long (for `ws(s)://` URLs the wait is bounded but the
   * request is not cancelled). Index builds (`CREATE INDEX`) are exempt. A timeout is a
   * retryable `ProviderUnavailableError` saying it timed out. Not applied to local files or to
   * a caller-supplied `client`. @default {30000}
   */
  timeoutMs?: number;
  /**
   * Retries after the first attempt, for remote URLs. Failures known to happen before the
   * server processed anything (connection refused, HTTP 429/503, `SQLITE_BUSY`, a transaction
   * that never reached `COMMIT`) are retried for every operation; ambiguous ones (timeout,
   * connection lost after sending, 500/502/504, truncated answer) only for reads and pure
   * upserts. A multi-request transaction is retried whole, never resumed. @default {2}
   */
  maxRetries?: number;
  /**
   * Backoff base in ms: retry n waits up to `retry_base_ms`·2ⁿ (full jitter, ≤ 5 s), or the
   * server's `Retry-After` (≤ 30 s). @default {200}
   */
  retryBaseMs?: number;
}

/** Default of {@linkcode LibsqlOptions.timeoutMs}. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default of {@linkcode LibsqlOptions.maxRetries}. */
export const DEFAULT_MAX_RETRIES = 2;
/** Default of {@linkcode LibsqlOptions.retryBaseMs}. */
export const DEFAULT_RETRY_BASE_MS = 200;

const KEYS: Record<string, keyof LibsqlOptions> = {
  url: "url",
  auth_token: "authToken",
  dimensions: "dimensions",
  embedding_dimensions: "dimensions",
  table_prefix: "tablePrefix",
  create_schema: "createSchema",
  ann_index: "annIndex",
  ann_threshold: "annThreshold",
  exact_scan_limit: "exactScanLimit",
  max_neighbors: "maxNeighbors",
  compress_neighbors: "compressNeighbors",
  alpha: "alpha",
  search_l: "searchL",
  insert_l: "insertL",
  busy_timeout_ms: "busyTimeoutMs",
  max_request_bytes: "maxRequestBytes",
  timeout_ms: "timeoutMs",
  max_retries: "maxRetries",
  retry_base_ms: "retryBaseMs",
};

const TABLE_PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const POLICIES: readonly AnnIndexPolicy[] = ["auto", "always", "never"];
const COMPRESSIONS: readonly CompressNeighbors[] = [
  "float1bit",
  "float8",
  "float16",
  "floatb16",
  "float32",
];

function fail(field: string, message: string): never {
  throw new ConfigError(`${PREFIX} ${field}: ${message}`);
}

function intOption(value: unknown, field: string, min: number): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    fail(field, `expected an integer ≥ ${min}`);
  }
  return n;
}

function boundedInt(value: unknown, field: string, min: number, max: number): number {
  const n = intOption(value, field, min);
  if (n > max) fail(field, `expected an integer from ${min} to ${max}`);
  return n;
}

function numberOption(value: unknown, field: string, min: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < min) {
    fail(field, `expected a number ≥ ${min}`);
  }
  return n;
}

function boolOption(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return fail(field, "expected true or false");
}

function stringOption(value: unknown, field: string): string {
  if (typeof value !== "string") fail(field, "expected a string");
  return value;
}

/**
 * Check typed options (also used for direct construction) and fill nothing in: defaults are
 * applied by the stores. Returns the same object.
 *
 * @throws {ConfigError} naming the offending option.
 */
export function validateLibsqlOptions(options: LibsqlOptions, field = "options"): LibsqlOptions {
  if (options === null || typeof options !== "object") fail(field, "expected an object");
  const o = options;
  if (o.client === undefined) {
    if (typeof o.url !== "string" || o.url.trim() === "") {
      fail(`${field}.url`, "expected a non-empty string (or pass a client)");
    }
    connectionKind(o.url, `${field}.url`);
  }
  if (o.authToken !== undefined && typeof o.authToken !== "string") {
    fail(`${field}.auth_token`, "expected a string");
  }
  if (o.dimensions !== undefined) intOption(o.dimensions, `${field}.dimensions`, 1);
  if (o.dimensions !== undefined && o.dimensions > 65536) {
    fail(`${field}.dimensions`, "expected at most 65536");
  }
  if (o.tablePrefix !== undefined) {
    if (typeof o.tablePrefix !== "string" || !TABLE_PREFIX.test(o.tablePrefix)) {
      fail(
        `${field}.table_prefix`,
        "expected an identifier: letters, digits and _, not starting with a digit, at most 40 characters",
      );
    }
  }
  if (o.createSchema !== undefined && typeof o.createSchema !== "boolean") {
    fail(`${field}.create_schema`, "expected true or false");
  }
  if (o.annIndex !== undefined && !POLICIES.includes(o.annIndex)) {
    fail(`${field}.ann_index`, `expected one of ${POLICIES.join(", ")}`);
  }
  if (o.annThreshold !== undefined) intOption(o.annThreshold, `${field}.ann_threshold`, 1);
  if (o.exactScanLimit !== undefined) intOption(o.exactScanLimit, `${field}.exact_scan_limit`, 0);
  if (o.maxNeighbors !== undefined) intOption(o.maxNeighbors, `${field}.max_neighbors`, 2);
  if (o.compressNeighbors !== undefined && !COMPRESSIONS.includes(o.compressNeighbors)) {
    fail(`${field}.compress_neighbors`, `expected one of ${COMPRESSIONS.join(", ")}`);
  }
  if (o.alpha !== undefined) numberOption(o.alpha, `${field}.alpha`, 1);
  if (o.searchL !== undefined) intOption(o.searchL, `${field}.search_l`, 1);
  if (o.insertL !== undefined) intOption(o.insertL, `${field}.insert_l`, 1);
  if (o.busyTimeoutMs !== undefined) intOption(o.busyTimeoutMs, `${field}.busy_timeout_ms`, 0);
  if (o.maxRequestBytes !== undefined) {
    intOption(o.maxRequestBytes, `${field}.max_request_bytes`, 1024);
  }
  if (o.timeoutMs !== undefined) boundedInt(o.timeoutMs, `${field}.timeout_ms`, 0, 3_600_000);
  if (o.maxRetries !== undefined) boundedInt(o.maxRetries, `${field}.max_retries`, 0, 20);
  if (o.retryBaseMs !== undefined) boundedInt(o.retryBaseMs, `${field}.retry_base_ms`, 0, 60_000);
  return o;
}

/** Context for {@linkcode parseLibsqlOptions}. */
export interface ParseLibsqlOptionsContext {
  /** Environment used for `LIBSQL_URL` / `LIBSQL_AUTH_TOKEN` fallbacks. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives a warning for each unknown key. */
  logger?: Logger;
  /** Name of the config mapping, used in messages. @default {"libsql"} */
  field?: string;
}

/**
 * Parse a snake_case config mapping (`vector_store_config` etc.) into {@linkcode LibsqlOptions}.
 * `url` falls back to `env.LIBSQL_URL` (and then `auth_token` to `env.LIBSQL_AUTH_TOKEN`); an empty
 * `auth_token` means none. Numbers and booleans may be given as strings (after `${VAR}`
 * substitution). Unknown keys are reported to the logger and ignored.
 *
 * @example
 * ```ts
 * import { parseLibsqlOptions } from "@astrocyte/libsql";
 * const options = parseLibsqlOptions({ url: "file:memory.db", dimensions: 384, ann_index: "never" });
 * console.log(options.annIndex); // "never"
 * ```
 *
 * @throws {ConfigError} with the offending key, e.g. `vector_store_config.dimensions: expected an integer ≥ 1`.
 */
export function parseLibsqlOptions(
  config: AdapterConfig,
  context: ParseLibsqlOptionsContext = {},
): LibsqlOptions {
  const field = context.field ?? "libsql";
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    fail(field, "expected a mapping");
  }
  const out: LibsqlOptions = {};
  for (const [key, raw] of Object.entries(config)) {
    const name = KEYS[key];
    if (name === undefined) {
      context.logger?.warn(`${PREFIX} ${field}.${key}: unknown option, ignored`);
      continue;
    }
    if (raw === undefined || raw === null) continue;
    const f = `${field}.${key}`;
    switch (name) {
      case "url":
        out.url = stringOption(raw, f);
        break;
      case "authToken": {
        const token = stringOption(raw, f);
        if (token !== "") out.authToken = token;
        break;
      }
      case "dimensions":
        out.dimensions = intOption(raw, f, 1);
        break;
      case "tablePrefix":
        out.tablePrefix = stringOption(raw, f);
        break;
      case "createSchema":
        out.createSchema = boolOption(raw, f);
        break;
      case "annIndex":
        out.annIndex = stringOption(raw, f) as AnnIndexPolicy;
        break;
      case "compressNeighbors":
        out.compressNeighbors = stringOption(raw, f) as CompressNeighbors;
        break;
      case "alpha":
        out.alpha = numberOption(raw, f, 1);
        break;
      case "annThreshold":
      case "maxNeighbors":
      case "searchL":
      case "insertL":
      case "busyTimeoutMs":
      case "maxRequestBytes":
        out[name] = intOption(raw, f, 0);
        break;
      case "exactScanLimit":
        out.exactScanLimit = intOption(raw, f, 0);
        break;
      case "timeoutMs":
        out.timeoutMs = boundedInt(raw, f, 0, 3_600_000);
        break;
      case "maxRetries":
        out.maxRetries = boundedInt(raw, f, 0, 20);
        break;
      case "retryBaseMs":
        out.retryBaseMs = boundedInt(raw, f, 0, 60_000);
        break;
    }
  }
  if ((out.url === undefined || out.url === "") && context.env?.["LIBSQL_URL"]) {
    // The env token only goes with the env URL, never to a URL written in the config.
    out.url = context.env["LIBSQL_URL"];
    if (out.authToken === undefined && context.env["LIBSQL_AUTH_TOKEN"]) {
      out.authToken = context.env["LIBSQL_AUTH_TOKEN"];
    }
  }
  if (out.url === undefined) fail(`${field}.url`, "expected a string (or set LIBSQL_URL)");
  return validateLibsqlOptions(out, field);
}

/** Which `@libsql/client` entry a URL needs. */
export type ConnectionKind = "local" | "remote";

/**
 * `local` for `file:` and `:memory:` URLs (default entry, native engine); `remote` for
 * `libsql:`, `http(s):` and `ws(s):` (the `/web` entry, fetch-based).
 *
 * @throws {ConfigError} for any other scheme.
 */
export function connectionKind(url: string, field = "url"): ConnectionKind {
  const u = url.trim();
  if (u === ":memory:" || /^file:/i.test(u)) return "local";
  if (/^(libsql|https?|wss?):\/\//i.test(u)) return "remote";
  return fail(
    field,
    "expected a file:, :memory:, libsql://, http(s):// or ws(s):// URL",
  );
}
