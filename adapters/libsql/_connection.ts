/**
 * Connection handling shared by every libSQL store: picking the `@libsql/client` entry by URL,
 * sharing one client between stores, translating driver errors, chunked atomic writes and
 * versioned migrations.
 *
 * @module
 */
import {
  AstrocyteError,
  classifyTransportFailure,
  ConfigError,
  findTransportFailure,
  isIdempotentSql,
  ProviderUnavailableError,
  RetryError,
  timeoutFetch,
  TransportFailure,
  ValidationError,
  withRetries,
  withTimeout,
} from "@astrocyte/core";
import type { AdapterContext, FailureClass, HealthStatus } from "@astrocyte/core";
import type {
  Client,
  InArgs,
  InStatement,
  InValue,
  ResultSet,
  Transaction,
  TransactionMode,
} from "@libsql/client";
import {
  type ConnectionKind,
  connectionKind,
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_TIMEOUT_MS,
  type LibsqlOptions,
  PREFIX,
} from "./options.ts";

/**
 * Timeouts and retries of a remote connection the adapter opened. `client` (on the
 * {@linkcode Connection}) retries; `raw` is the same connection without retries, for
 * transactions (retried whole by {@linkcode writeAtomically}) and the health probe.
 */
export interface Resilience {
  /** The driver client, without retries (HTTP requests still time out). */
  readonly raw: Client;
  /** Per-request timeout in ms (0 = none). */
  readonly timeoutMs: number;
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** Backoff base in ms. */
  readonly retryBaseMs: number;
  /** `ws(s)://`: no fetch to abort, so waits are bounded by a race instead. */
  readonly websocket: boolean;
  /** A client without the per-request timeout, for index builds. */
  untimed(): Client;
}

/** A client plus what the stores need to know about it. */
export interface Connection {
  /**
   * The client. For remote connections the adapter opened, `execute` and `batch` apply the
   * timeout and bounded, idempotency-aware retries (see {@linkcode Resilience}).
   */
  readonly client: Client;
  /** `local` (native engine in-process) or `remote` (HTTP/WebSocket). */
  readonly kind: ConnectionKind;
  /** Migration runs already done (or under way) on this client, by table prefix. */
  readonly migrated: Map<string, Promise<void>>;
  /** Timeouts and retries (remote connections the adapter opened). */
  readonly resilience?: Resilience;
}

const connections = new WeakMap<Client, Connection>();

function connectionFor(client: Client, kind: ConnectionKind, resilience?: Resilience): Connection {
  let c = connections.get(client);
  if (c === undefined) {
    c = resilience === undefined
      ? { client, kind, migrated: new Map() }
      : { client: resilientClient(resilience), kind, migrated: new Map(), resilience };
    connections.set(client, c);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Timeouts and retries

const NOT_APPLIED_CODES = new Set(["SQLITE_BUSY", "SQLITE_LOCKED", "STREAM_EXPIRED"]);
const UNKNOWN_OUTCOME_CODES = new Set(["HRANA_WEBSOCKET_ERROR", "HRANA_CLOSED_ERROR"]);

/** Retry classification of a driver error. */
export function classifyLibsqlFailure(error: unknown): FailureClass {
  if (findTransportFailure(error) !== undefined) return classifyTransportFailure(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NOT_APPLIED_CODES.has(code)) return { retry: "always" };
  if (typeof code === "string" && UNKNOWN_OUTCOME_CODES.has(code)) {
    return { retry: "if-idempotent" };
  }
  return { retry: "never" };
}

function sqlOf(stmt: InStatement | [string, InArgs?]): string {
  if (typeof stmt === "string") return stmt;
  if (Array.isArray(stmt)) return stmt[0];
  return stmt.sql;
}

/** Index builds may legitimately run long: no per-request timeout for them. */
function isIndexBuild(sql: string): boolean {
  return /^\s*(CREATE\s+(UNIQUE\s+)?INDEX|REINDEX)\b/i.test(sql);
}

/** Bound a driver call by the timeout where no fetch can be aborted (WebSocket URLs). */
function deadline<T>(res: Resilience, work: Promise<T>, what = "Request"): Promise<T> {
  return res.websocket ? withTimeout(work, res.timeoutMs, what) : work;
}

/** Run `fn` with the connection's retry policy. */
function retrying<T>(res: Resilience, idempotent: boolean, fn: () => Promise<T>): Promise<T> {
  return withRetries(fn, {
    maxRetries: res.maxRetries,
    retryBaseMs: res.retryBaseMs,
    idempotent,
    classify: classifyLibsqlFailure,
  });
}

/**
 * The client the stores use: `execute` and `batch` are retried (reads and pure upserts also
 * after ambiguous failures, see `isIdempotentSql`); everything else is the driver's.
 */
function resilientClient(res: Resilience): Client {
  const raw = res.raw;
  const execute = (stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> => {
    const sql = sqlOf(stmtOrSql);
    const build = isIndexBuild(sql);
    return retrying(res, isIdempotentSql(sql), () => {
      const c = build ? res.untimed() : raw;
      const run = typeof stmtOrSql === "string" ? c.execute(stmtOrSql, args) : c.execute(stmtOrSql);
      return build ? run : deadline(res, run);
    });
  };
  const batch = (
    stmts: Array<InStatement | [string, InArgs?]>,
    mode?: TransactionMode,
  ): Promise<ResultSet[]> =>
    retrying(
      res,
      mode === "read" || stmts.every((s) => isIdempotentSql(sqlOf(s))),
      () => deadline(res, raw.batch(stmts, mode)),
    );
  return new Proxy(raw, {
    get(target, prop) {
      if (prop === "execute") return execute;
      if (prop === "batch") return batch;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

interface SharedEntry {
  conn: Promise<Connection>;
  refs: number;
}

/** A reference-counted lease on a connection. */
export interface Lease {
  /** Resolves to the connection (opening it on first use). */
  get(): Promise<Connection>;
  /** Release this lease; the last lease on a client the adapter opened closes it. */
  release(): Promise<void>;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.search = "";
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\?.*$/, "");
  }
}

async function mkdirFor(url: string): Promise<void> {
  const m = /^file:(?:\/\/)?([^?#]*)/i.exec(url.trim());
  const path = m?.[1];
  if (!path || path === ":memory:") return;
  const slash = path.lastIndexOf("/");
  if (slash <= 0) return;
  const dir = decodeURIComponent(path.slice(0, slash));
  // Runtime built-ins found at run time, never imported: a Workers bundle must not reference
  // `node:fs` (file: URLs are not used there), and Deno, Node 20.16+ and Bun all provide one.
  const g = globalThis as {
    Deno?: { mkdir(path: string, options: { recursive: boolean }): Promise<void> };
    process?: { getBuiltinModule?(id: string): unknown };
  };
  try {
    if (g.Deno?.mkdir) {
      await g.Deno.mkdir(dir, { recursive: true });
    } else {
      const fs = g.process?.getBuiltinModule?.("node:fs") as
        | { promises: { mkdir(path: string, options: { recursive: boolean }): Promise<unknown> } }
        | undefined;
      await fs?.promises.mkdir(dir, { recursive: true });
    }
  } catch {
    // Best effort: opening the database reports a clear error if the directory is missing.
  }
}

async function openClient(
  options: LibsqlOptions,
  ctx?: Partial<AdapterContext>,
): Promise<{ client: Client; resilience?: Resilience }> {
  const url = options.url!.trim();
  const kind = connectionKind(url);
  try {
    if (kind === "local") {
      await mkdirFor(url);
      // The default entry loads the native binding; only imported for file:/:memory: URLs.
      const mod = await import("@libsql/client");
      return {
        client: mod.createClient({
          url,
          ...(options.authToken ? { authToken: options.authToken } : {}),
          timeout: options.busyTimeoutMs ?? 5000,
        }),
      };
    }
    // The web entry speaks Hrana over HTTP with fetch: no native code, safe on Workers. Each
    // request goes through a fetch with the per-request timeout that reports failures as
    // `TransportFailure`s (refused / 429 / 503: not processed; the rest: outcome unknown).
    const mod = await import("@libsql/client/web");
    const base: typeof fetch = ctx?.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const create = (ms: number): Client =>
      mod.createClient({
        url,
        ...(options.authToken ? { authToken: options.authToken } : {}),
        fetch: timeoutFetch(base, { timeoutMs: ms }),
      });
    const raw = create(timeoutMs);
    let untimed: Client | undefined;
    const resilience: Resilience = {
      raw,
      timeoutMs,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
      retryBaseMs: options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
      websocket: /^wss?:/i.test(url),
      untimed() {
        if (timeoutMs === 0 || this.websocket) return raw;
        untimed ??= create(0);
        return untimed;
      },
    };
    const close = raw.close.bind(raw);
    raw.close = () => {
      untimed?.close();
      close();
    };
    return { client: raw, resilience };
  } catch (e) {
    if (e instanceof AstrocyteError) throw e;
    throw new ConfigError(
      `${PREFIX} Could not open ${redact(url)}: ${sanitize(errorMessage(e), options.authToken)}`,
      { cause: e },
    );
  }
}

/**
 * Lease a connection for the options: the user's client, a client shared through
 * `ctx.shared` (same URL and token), or a new one owned by the lease.
 */
export function leaseConnection(options: LibsqlOptions, ctx?: Partial<AdapterContext>): Lease {
  if (options.client !== undefined) {
    const client = options.client as unknown as Client;
    const conn = Promise.resolve(
      connectionFor(client, client.protocol === "file" ? "local" : "remote"),
    );
    return { get: () => conn, release: () => Promise.resolve() };
  }
  const shared = ctx?.shared;
  const key = [
    `@astrocyte/libsql:${options.url!.trim()}`,
    options.authToken ?? "",
    options.timeoutMs ?? "",
    options.maxRetries ?? "",
    options.retryBaseMs ?? "",
  ].join("\u0000");
  let entry = shared?.get(key) as SharedEntry | undefined;
  if (entry === undefined) {
    const opened = openClient(options, ctx).then(({ client, resilience }) =>
      connectionFor(client, connectionKind(options.url!), resilience)
    );
    opened.catch(() => {});
    entry = { conn: opened, refs: 0 };
    shared?.set(key, entry);
  }
  entry.refs++;
  const e = entry;
  let released = false;
  return {
    get: () => e.conn,
    async release() {
      if (released) return;
      released = true;
      e.refs--;
      if (e.refs > 0) return;
      if (shared?.get(key) === e) shared.delete(key);
      try {
        (await e.conn).client.close();
      } catch {
        // Opening failed or the client is already closed: nothing to release.
      }
    },
  };
}

/** The message of an unknown thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function sanitize(message: string, secret?: string): string {
  let m = message.replace(/(authToken|auth_token|token|jwt)=[^&\s"]+/gi, "$1=***");
  m = m.replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, "Bearer ***");
  if (secret) m = m.split(secret).join("***");
  return m.replace(/\.$/, "");
}

const RETRYABLE_CODES = new Set([
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_IOERR",
  "SQLITE_INTERRUPT",
  "STREAM_EXPIRED",
  "HRANA_WEBSOCKET_ERROR",
  "HRANA_CLOSED_ERROR",
  "SERVER_ERROR",
  "WEBSOCKETS_NOT_SUPPORTED",
]);

/**
 * Translate a driver error into a core error: constraint and mismatch errors become
 * `ValidationError`, a missing table with `create_schema: false` a `ConfigError`, anything
 * else `ProviderUnavailableError` (retryable for network failures, busy/locked databases and
 * HTTP 5xx/429). Messages never carry tokens.
 */
export function translateError(e: unknown, operation: string): AstrocyteError {
  if (e instanceof AstrocyteError) return e;
  if (e instanceof RetryError || e instanceof TransportFailure) {
    // A retryable failure the retry policy gave up on (attempts exhausted, or ambiguous and
    // not idempotent), or a single attempt's transport failure (health probe).
    return new ProviderUnavailableError(`${PREFIX} ${operation} failed: ${sanitize(e.message)}`, {
      provider: "libsql",
      retryable: true,
      cause: e,
    });
  }
  const err = e as { code?: unknown; message?: unknown; cause?: unknown };
  const code = typeof err?.code === "string" ? err.code : undefined;
  const message = sanitize(errorMessage(e));
  const detail = `${PREFIX} ${operation} failed: ${message}`;
  if (code === "SQLITE_CONSTRAINT" || code?.startsWith("SQLITE_CONSTRAINT_")) {
    return new ValidationError(detail, { cause: e });
  }
  if (code === "SQLITE_TOOBIG" || code === "SQLITE_RANGE" || code === "SQLITE_MISMATCH") {
    return new ValidationError(detail, { cause: e });
  }
  if (code === "SQLITE_ERROR" && /no such (table|column)/i.test(message)) {
    return new ConfigError(
      `${detail} (the schema is missing or outdated: run migrateLibsql or set create_schema: true)`,
      { cause: e },
    );
  }
  const status = /HTTP status (\d{3})/.exec(message)?.[1];
  const httpStatus = status === undefined ? undefined : Number(status);
  const network = e instanceof TypeError || code === undefined ||
    /fetch failed|ECONNREFUSED|ECONNRESET|connection (refused|reset|closed)|network|socket/i
      .test(message);
  const retryable = (code !== undefined && RETRYABLE_CODES.has(code) &&
    (httpStatus === undefined || httpStatus >= 500 || httpStatus === 429)) ||
    (httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429)) ||
    (httpStatus === undefined && network);
  return new ProviderUnavailableError(detail, { provider: "libsql", retryable, cause: e });
}

/** Run a driver call and translate its errors. */
export async function guarded<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw translateError(e, operation);
  }
}

/** A statement with an estimate of its serialised size, for chunking. */
export interface SizedStatement {
  /** The statement. */
  stmt: InStatement;
  /** Estimated request bytes. */
  bytes: number;
}

/** Default largest payload of one write request to a remote server. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Largest number of statements in one remote batch request. */
export const MAX_STATEMENTS_PER_REQUEST = 500;

/**
 * Execute write statements atomically with as few round trips as possible: one `batch`
 * (`BEGIN … COMMIT` in one request) when everything fits in one request (always on local
 * databases), otherwise one interactive transaction carrying the statements in chunks of at
 * most `maxBytes` / {@linkcode MAX_STATEMENTS_PER_REQUEST}. Either everything is written or
 * nothing is.
 */
export async function writeAtomically(
  conn: Connection,
  statements: readonly SizedStatement[],
  operation: string,
  maxBytes: number = DEFAULT_MAX_REQUEST_BYTES,
): Promise<ResultSet[]> {
  if (statements.length === 0) return [];
  const chunks: InStatement[][] = [];
  if (conn.kind === "local") {
    chunks.push(statements.map((s) => s.stmt));
  } else {
    let current: InStatement[] = [];
    let bytes = 0;
    for (const s of statements) {
      if (
        current.length > 0 &&
        (bytes + s.bytes > maxBytes || current.length >= MAX_STATEMENTS_PER_REQUEST)
      ) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(s.stmt);
      bytes += s.bytes;
    }
    chunks.push(current);
  }
  return await guarded(operation, async () => {
    // One request: the client retries it (after an ambiguous failure only if idempotent).
    if (chunks.length === 1) return await conn.client.batch(chunks[0]!, "write");
    const res = conn.resilience;
    if (res === undefined) return await interactiveWrite(conn.client, chunks);
    // Several requests in one interactive transaction: never resumed, retried whole.
    return await retrying(
      res,
      statements.every((s) => isIdempotentSql(sqlOf(s.stmt))),
      () => interactiveWrite(res.raw, chunks, res),
    );
  });
}

/**
 * One interactive write transaction carrying `chunks`. A transport failure before the COMMIT
 * request was sent means the transaction was rolled back (the stream is closed or expires
 * uncommitted), so it is reported as not processed: the whole transaction may be retried.
 */
async function interactiveWrite(
  client: Client,
  chunks: readonly InStatement[][],
  res?: Resilience,
): Promise<ResultSet[]> {
  const bounded = <T>(work: Promise<T>): Promise<T> => res ? deadline(res, work) : work;
  let tx: Transaction | undefined;
  let committing = false;
  try {
    tx = await bounded(client.transaction("write"));
    const results: ResultSet[] = [];
    for (const chunk of chunks) results.push(...await bounded(tx.batch(chunk)));
    committing = true;
    await bounded(tx.commit());
    return results;
  } catch (e) {
    try {
      await tx?.rollback();
    } catch {
      // The stream may already be gone; the server rolls back on close.
    }
    const failure = classifyLibsqlFailure(e);
    if (!committing && failure.retry === "if-idempotent") {
      const t = findTransportFailure(e);
      throw new TransportFailure(
        `${t?.message ?? errorMessage(e)} before COMMIT (the transaction was rolled back)`,
        { outcome: "not-processed", cause: e },
      );
    }
    throw e;
  } finally {
    tx?.close();
  }
}

/** `SELECT 1` health check; never throws. */
export async function checkHealth(
  lease: Lease,
  ready: () => Promise<unknown>,
  what: string,
): Promise<HealthStatus> {
  const t0 = performance.now();
  try {
    const conn = await lease.get();
    // One attempt, bounded by the timeout (no retries), so an outage is reported promptly.
    const res = conn.resilience;
    await guarded(
      "Health check",
      () => res ? deadline(res, res.raw.execute("SELECT 1")) : conn.client.execute("SELECT 1"),
    );
    await ready();
    return {
      healthy: true,
      message: `libsql ${what} connected (${conn.kind})`,
      latencyMs: performance.now() - t0,
      lastCheckAt: new Date(),
    };
  } catch (e) {
    const err = translateError(e, "Health check");
    return {
      healthy: false,
      message: err.message,
      latencyMs: performance.now() - t0,
      lastCheckAt: new Date(),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Value helpers

/**
 * Encode a vector as a little-endian float32 blob for `vector32(?)`; −0 is stored as 0
 * (core/README.md, "Input rules").
 */
export function f32Blob(vector: ArrayLike<number>): Uint8Array {
  const f = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) f[i] = vector[i]! + 0;
  return new Uint8Array(f.buffer);
}

/**
 * The ordering key of an id: its UTF-16 code units, big-endian. Byte order of these keys is
 * the code-unit order the SPI requires (`spi.md` §2.7), which SQLite's UTF-8 `BINARY`
 * collation does not give for astral characters; it is also a bijection, so it doubles as
 * the unique key.
 */
export function idKey(id: string): Uint8Array {
  const out = new Uint8Array(id.length * 2);
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    out[2 * i] = c >> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

/**
 * Decode a float32 blob column into numbers; a stored −0 (a row written before the
 * no-negative-zero rule) reads as 0.
 */
export function fromF32Blob(value: unknown): number[] {
  if (value === null || value === undefined) return [];
  const bytes = value instanceof ArrayBuffer
    ? new Uint8Array(value)
    : ArrayBuffer.isView(value)
    ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    : undefined;
  if (bytes === undefined) {
    if (typeof value === "string") {
      return (JSON.parse(value) as number[]).map((x) => Math.fround(x) + 0);
    }
    return [];
  }
  const n = Math.floor(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true) + 0;
  return out;
}

/** A JSON column value, or `undefined` for SQL NULL. */
export function parseJson<T>(value: unknown): T | undefined {
  if (value === null || value === undefined) return undefined;
  return JSON.parse(String(value)) as T;
}

/** A millisecond column as a `Date`, or `undefined`. */
export function toDate(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  return new Date(Number(value));
}

/** A `Date` as milliseconds for binding, or `null`. */
export function ms(date: Date | undefined | null, field = "date"): number | null {
  if (date === undefined || date === null) return null;
  const t = date instanceof Date ? date.getTime() : NaN;
  if (!Number.isFinite(t)) {
    throw new ValidationError(`${PREFIX} ${field} must be a valid Date`, { field });
  }
  return t;
}

/** A column as a string, or `undefined` for NULL. */
export function optString(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

/** `?, ?, ?` with `n` placeholders. */
export function placeholders(n: number): string {
  return new Array(n).fill("?").join(", ");
}

/** Split an array into chunks of at most `size`. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rough serialised size of a value in a Hrana JSON request. */
export function estimateBytes(value: unknown): number {
  if (value === null || value === undefined) return 16;
  if (typeof value === "string") return value.length * 2 + 32;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return 40;
  }
  if (value instanceof Uint8Array) return Math.ceil(value.byteLength * 4 / 3) + 40;
  return 64;
}

/** Estimated size of a statement with its arguments. */
export function sized(sql: string, args: readonly unknown[]): SizedStatement {
  let bytes = sql.length + 64;
  for (const a of args) bytes += estimateBytes(a);
  return { stmt: { sql, args: args as InValue[] }, bytes };
}
