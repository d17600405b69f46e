/**
 * The adapter's small internal SQL client: `query(text, params)` and an atomic
 * `transaction(statements)`, with one implementation per driver (Neon HTTP, Neon WebSocket
 * pool, PGlite) and wrappers for caller-supplied clients.
 *
 * Driver SDKs are imported lazily, so a Workers bundle that only uses `neon-http` never loads
 * PGlite.
 *
 * @module
 */
import {
  classifyTransportFailure,
  ConfigError,
  findTransportFailure,
  isIdempotentSql,
  timeoutFetch,
  TransportFailure,
  withRetries,
  withTimeout,
} from "@astrocyte/core";
import type { AdapterContext, FailureClass } from "@astrocyte/core";
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_TIMEOUT_MS,
  PREFIX,
} from "./options.ts";
import type { PostgresDriver, PostgresOptions, PostgresQueryable } from "./options.ts";
import { redact, sqlState, translateError } from "./_errors.ts";

/** One result row. */
export type Row = Record<string, unknown>;

/** A parameterised statement. */
export interface SqlStatement {
  /** SQL text with `$n` placeholders. */
  readonly text: string;
  /** Bound values. */
  readonly params?: readonly unknown[];
}

/**
 * What every store uses to talk to Postgres. For the networked drivers (`neon-http`,
 * `neon-ws`) `query` and `transaction` apply the timeout and the bounded, idempotency-aware
 * retries of {@linkcode Resilience}; {@linkcode SqlClient.probe} is the health check: one
 * attempt, without retries, bounded by the timeout.
 */
export interface SqlClient {
  /** The driver in use (`custom` for a caller-supplied client). */
  readonly driver: PostgresDriver | "custom";
  /** An object identifying the underlying database handle (keys the schema cache). */
  readonly identity: object;
  /** Run one statement. */
  query(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Run statements atomically (one transaction); rows per statement. */
  transaction(statements: readonly SqlStatement[]): Promise<Row[][]>;
  /**
   * The health probe: one `SELECT 1`, never retried, bounded by `timeoutMs` for every driver
   * (so `health()` answers within it). Rejects with the reason when the database is not
   * reachable.
   */
  probe(): Promise<void>;
  /** Release the underlying resources (no-op for caller-owned clients). */
  close(): Promise<void>;
}

function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? rows as Row[] : [];
}

/** A tiny FIFO mutex for single-connection clients. */
function mutex(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}

// deno-lint-ignore no-explicit-any
type Any = any;

/** Run statements inside BEGIN/COMMIT on one dedicated connection. */
async function runInTransaction(
  conn: { query(text: string, params?: unknown[]): PromiseLike<unknown> },
  statements: readonly SqlStatement[],
): Promise<Row[][]> {
  await conn.query("BEGIN");
  try {
    const out: Row[][] = [];
    for (const s of statements) out.push(rowsOf(await conn.query(s.text, [...(s.params ?? [])])));
    await conn.query("COMMIT");
    return out;
  } catch (e) {
    try {
      await conn.query("ROLLBACK");
    } catch { /* the connection is gone; the server rolls back */ }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Timeouts and retries (networked drivers)

/** Timeout and retry settings of a networked driver (defaults applied). */
export interface Resilience {
  /** Per-request timeout in ms (0 = none). */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Backoff base in ms. */
  retryBaseMs: number;
}

/** The resilience settings of the options, with defaults. */
export function resilienceOf(options: PostgresOptions): Resilience {
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    retryBaseMs: options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
  };
}

/** SQLSTATEs after which nothing was applied (rolled back, or never started). */
const NOT_APPLIED_STATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available
  "57014", // query_canceled
  "53300", // too_many_connections
  "57P03", // cannot_connect_now
  "08001", // sqlclient_unable_to_establish_sqlconnection
  "08004", // sqlserver_rejected_establishment_of_sqlconnection
]);

/** SQLSTATEs after which the outcome is unknown (the connection died). */
const UNKNOWN_OUTCOME_STATES = new Set(["08000", "08003", "08006", "08007", "57P01", "57P02"]);

/** Retry classification of a driver error. */
export function classifyPostgresFailure(error: unknown): FailureClass {
  if (findTransportFailure(error) !== undefined) return classifyTransportFailure(error);
  const state = sqlState(error);
  if (state !== undefined && NOT_APPLIED_STATES.has(state)) return { retry: "always" };
  if (state !== undefined && UNKNOWN_OUTCOME_STATES.has(state)) return { retry: "if-idempotent" };
  return { retry: "never" };
}

/** `probe` of a client: one `SELECT 1` (no retries), bounded by `timeoutMs` (0 = none). */
function prober(query: SqlClient["query"], timeoutMs: number): () => Promise<void> {
  return async () => {
    await withTimeout(query("SELECT 1"), timeoutMs, "Health probe");
  };
}

/** Index builds may legitimately run long: no per-request timeout for them. */
export function isIndexBuild(text: string): boolean {
  return /^\s*(CREATE\s+(UNIQUE\s+)?INDEX|REINDEX)\b/i.test(text);
}

/**
 * Add bounded retries to a networked driver's `query`/`transaction`: a call is repeated after
 * a failure that applied nothing; after an ambiguous failure only when every statement is
 * idempotent ({@linkcode isIdempotentSql}); never for a transaction in progress (a transaction
 * is retried whole).
 */
function withResilience(
  raw: Pick<SqlClient, "query" | "transaction">,
  r: Resilience,
): Pick<SqlClient, "query" | "transaction" | "probe"> {
  const retrying = <T>(texts: readonly string[], fn: () => Promise<T>): Promise<T> =>
    withRetries(fn, {
      maxRetries: r.maxRetries,
      retryBaseMs: r.retryBaseMs,
      idempotent: texts.every(isIdempotentSql),
      classify: classifyPostgresFailure,
    });
  return {
    query(text, params = []) {
      return retrying([text], () => raw.query(text, params));
    },
    transaction(statements) {
      return retrying(statements.map((s) => s.text), () => raw.transaction(statements));
    },
    probe: prober(raw.query, r.timeoutMs),
  };
}

/** A WebSocket `error` event (what the driver rejects with when its socket fails). */
function isSocketEvent(e: unknown): boolean {
  return typeof e === "object" && e !== null && !(e instanceof Error) &&
    (e as { type?: unknown }).type === "error";
}

/** Whether a driver error looks like a broken connection (not a SQL error). */
function isConnectionError(e: unknown): boolean {
  if (e instanceof TransportFailure || isSocketEvent(e)) return true;
  if (sqlState(e) !== undefined) return false;
  const m = e instanceof Error ? e.message : String(e);
  return /connect|terminat|socket|websocket|ECONN|EOF|closed|timeout|timed out|network|not queryable/i
    .test(m);
}

function messageOf(e: unknown): string {
  if (isSocketEvent(e)) {
    const ev = e as { message?: unknown; error?: { message?: unknown } };
    const m = typeof ev.message === "string" && ev.message !== ""
      ? ev.message
      : typeof ev.error?.message === "string"
      ? ev.error.message
      : "";
    return redact(`WebSocket error${m ? `: ${m}` : ""}`).slice(0, 300);
  }
  return redact(e instanceof Error ? e.message : String(e)).slice(0, 300);
}

/**
 * Wrap a caller-supplied client (never closed by the adapter). `probeTimeoutMs` bounds its
 * health probe only (0 = none); its statements run unbounded, as the caller configured them.
 */
export function wrapClient(raw: PostgresQueryable, probeTimeoutMs = 0): SqlClient {
  const c = raw as Any;
  const withProbe = (client: Omit<SqlClient, "probe">): SqlClient => ({
    ...client,
    probe: prober(client.query, probeTimeoutMs),
  });
  // Neon's `neon()` query function: `sql.query(text, params)` + `sql.transaction([...])`.
  if (typeof c === "function" && typeof c.transaction === "function") {
    return withProbe({
      driver: "custom",
      identity: c,
      async query(text, params = []) {
        return rowsOf(await c.query(text, [...params]));
      },
      async transaction(statements) {
        if (statements.length === 0) return [];
        const res = await c.transaction(
          statements.map((s) => c.query(s.text, [...(s.params ?? [])])),
        );
        return (res as unknown[]).map(rowsOf);
      },
      close: () => Promise.resolve(),
    });
  }
  // PGlite (and anything with an interactive `transaction(fn)` plus `exec`).
  if (typeof c.transaction === "function" && typeof c.exec === "function") {
    return withProbe({
      driver: "custom",
      identity: c,
      async query(text, params = []) {
        return rowsOf(await c.query(text, [...params]));
      },
      transaction(statements) {
        return c.transaction(async (tx: Any) => {
          const out: Row[][] = [];
          for (const s of statements) {
            out.push(rowsOf(await tx.query(s.text, [...(s.params ?? [])])));
          }
          return out;
        });
      },
      close: () => Promise.resolve(),
    });
  }
  // A pool (pg.Pool, Neon Pool): BEGIN/COMMIT on one checked-out client.
  if (typeof c.connect === "function" && ("totalCount" in c || "idleCount" in c)) {
    return withProbe({
      driver: "custom",
      identity: c,
      async query(text, params = []) {
        return rowsOf(await c.query(text, [...params]));
      },
      async transaction(statements) {
        const conn = await c.connect();
        let failed: unknown;
        try {
          return await runInTransaction(conn, statements);
        } catch (e) {
          failed = e;
          throw e;
        } finally {
          conn.release(failed instanceof Error && /connection|terminat/i.test(failed.message));
        }
      },
      close: () => Promise.resolve(),
    });
  }
  // A single connection: serialise everything so transactions never interleave.
  const lock = mutex();
  return withProbe({
    driver: "custom",
    identity: c,
    query: (text, params = []) => lock(async () => rowsOf(await c.query(text, [...params]))),
    transaction: (statements) => lock(() => runInTransaction(c, statements)),
    close: () => Promise.resolve(),
  });
}

/** The driver implied by the options (explicit `driver`, else the URL scheme). */
export function driverOf(options: PostgresOptions): PostgresDriver {
  if (options.driver) return options.driver;
  const url = options.url ?? "";
  if (url === "" || /^(pglite:|memory:|idb:|file:)/i.test(url)) return "pglite";
  if (/^postgres(ql)?:\/\//i.test(url)) return "neon-http";
  throw new ConfigError(
    `${PREFIX} url: expected a postgres:// or postgresql:// URL, or pglite:<dir>, memory:// or idb://<name>`,
  );
}

function pgliteDataDir(options: PostgresOptions): string | undefined {
  if (options.dataDir !== undefined) return options.dataDir;
  const url = options.url ?? "";
  if (url === "" || /^pglite:(\/\/)?(memory)?$/i.test(url)) return undefined;
  if (/^pglite:/i.test(url)) return url.replace(/^pglite:(\/\/)?/i, "");
  if (/^file:/i.test(url)) return url.replace(/^file:(\/\/)?/i, "");
  if (/^memory:\/\/$/i.test(url)) return undefined;
  return url; // idb://name
}

/** The PGlite modules the embedded driver needs, supplied by the `./pglite` entry point. */
export interface PgliteModules {
  /** `@electric-sql/pglite`'s `PGlite` class. */
  PGlite: {
    create(options: { dataDir?: string; extensions: Record<string, unknown> }): Promise<unknown>;
  };
  /** Extensions to load: `vector` (pgvector) and `pg_trgm`. */
  extensions: Record<string, unknown>;
}

let pgliteLoader: (() => Promise<PgliteModules>) | undefined;

/**
 * Called by `@astrocyte/postgres/pglite` when it is imported, so that the main entry point never
 * references PGlite and Workers bundles of `@astrocyte/postgres` stay free of it.
 */
export function registerPgliteLoader(loader: () => Promise<PgliteModules>): void {
  pgliteLoader = loader;
}

async function openPglite(options: PostgresOptions): Promise<SqlClient> {
  if (!pgliteLoader) {
    throw new ConfigError(
      `${PREFIX} driver pglite needs the embedded entry point: ` +
        `import { postgres } from "@astrocyte/postgres/pglite"`,
    );
  }
  const { PGlite, extensions } = await pgliteLoader();
  const dataDir = pgliteDataDir(options);
  const db = await PGlite.create({
    ...(dataDir === undefined ? {} : { dataDir }),
    extensions,
  }) as PostgresQueryable & { close(): Promise<void> };
  const inner = wrapClient(db, resilienceOf(options).timeoutMs);
  return {
    ...inner,
    driver: "pglite",
    close: () => db.close(),
  };
}

/** Keys of `neonConfig` the HTTP driver overrides per call (they are global in the SDK). */
interface NeonGlobals {
  fetchFunction?: unknown;
  fetchEndpoint?: unknown;
}

async function openNeonHttp(
  url: string,
  options: PostgresOptions,
  r: Resilience,
  fetchFn?: typeof fetch,
): Promise<SqlClient> {
  const { neon, neonConfig } = await import("@neondatabase/serverless");
  const sql = neon(url);
  // Every request goes through a fetch with the per-request timeout that reports failures as
  // `TransportFailure`s (refused / 429 / 503: not processed; the rest: outcome unknown).
  const base: typeof fetch = fetchFn ?? ((input, init) => globalThis.fetch(input, init));
  const timed = timeoutFetch(base, { timeoutMs: r.timeoutMs });
  const untimed = r.timeoutMs > 0 ? timeoutFetch(base, { timeoutMs: 0 }) : timed;
  const opts = (neonConfig as unknown as { opts: Record<string, unknown> }).opts;
  // `fetchFunction` and `fetchEndpoint` are global in the Neon SDK and read synchronously when
  // a query starts; set them around the synchronous start of each call and restore them, so
  // stores with different endpoints or fetch functions can coexist in one process.
  const scoped = <T>(fetchFunction: typeof fetch, start: () => PromiseLike<T>): Promise<T> => {
    const overrides: NeonGlobals = { fetchFunction };
    if (options.fetchEndpoint !== undefined) overrides.fetchEndpoint = options.fetchEndpoint;
    const keys = Object.keys(overrides) as (keyof NeonGlobals)[];
    const saved = keys.map((k) => [k, Object.hasOwn(opts, k), opts[k]] as const);
    for (const k of keys) opts[k] = overrides[k];
    try {
      return Promise.resolve(start());
    } finally {
      for (const [k, had, v] of saved) {
        if (had) opts[k] = v;
        else delete opts[k];
      }
    }
  };
  const raw: Pick<SqlClient, "query" | "transaction"> = {
    async query(text, params = []) {
      const f = isIndexBuild(text) ? untimed : timed;
      return rowsOf(await scoped(f, () => sql.query(text, [...params]).then((x: unknown) => x)));
    },
    async transaction(statements) {
      if (statements.length === 0) return [];
      if (statements.length === 1) {
        return [await raw.query(statements[0]!.text, statements[0]!.params)];
      }
      const f = statements.some((s) => isIndexBuild(s.text)) ? untimed : timed;
      const res = await scoped(
        f,
        () => sql.transaction(statements.map((s) => sql.query(s.text, [...(s.params ?? [])]))),
      );
      return (res as unknown[]).map(rowsOf);
    },
  };
  return {
    driver: "neon-http",
    identity: sql,
    ...withResilience(raw, r),
    close: () => Promise.resolve(),
  };
}

async function openNeonWs(
  url: string,
  options: PostgresOptions,
  r: Resilience,
): Promise<SqlClient> {
  const { Pool, Client } = await import("@neondatabase/serverless");
  const settings: Record<string, unknown> = {};
  if (options.wsProxy !== undefined) settings.wsProxy = options.wsProxy;
  if (options.useSecureWebSocket !== undefined) {
    settings.useSecureWebSocket = options.useSecureWebSocket;
  }
  if (options.pipelineConnect !== undefined) settings.pipelineConnect = options.pipelineConnect;
  if (options.pipelineTLS !== undefined) settings.pipelineTLS = options.pipelineTLS;
  if (options.coalesceWrites !== undefined) settings.coalesceWrites = options.coalesceWrites;
  if (options.webSocketConstructor !== undefined) {
    settings.webSocketConstructor = options.webSocketConstructor;
  }
  // Per-pool settings: a Client subclass that sets them on each connection's own config,
  // instead of mutating the SDK's global neonConfig.
  class ConfiguredClient extends (Client as Any) {
    constructor(config: unknown) {
      super(config);
      Object.assign((this as Any).neonConfig, settings);
      // A connection that dies while checked out (between the statements of a transaction)
      // emits 'error' on the client, where the pool's idle listener is not attached: without
      // a listener that event crashes the process. Pending and later queries still reject.
      (this as Any).on("error", () => {});
      // Timeouts (pg-pool's connect timeout, ours for statements) destroy the socket, but a
      // stalled WebSocket may never finish its close handshake, and pg only fails the pending
      // connect or statement (freeing the pool slot) once the socket reports `close`: report
      // it right away. A later real `close` is harmless (pg listens once).
      const stream = (this as Any).connection?.stream;
      if (stream && typeof stream.destroy === "function" && typeof stream.emit === "function") {
        const destroy = stream.destroy.bind(stream);
        let closed = false;
        stream.destroy = (...args: unknown[]) => {
          const result = destroy(...args);
          if (!closed) {
            closed = true;
            queueMicrotask(() => stream.emit("close"));
          }
          return result;
        };
      }
    }
  }
  const pool = new (Pool as Any)({
    connectionString: url,
    max: options.maxConnections ?? 5,
    // pg-pool: connecting (or waiting for a free connection) fails after this long.
    ...(r.timeoutMs > 0 ? { connectionTimeoutMillis: r.timeoutMs } : {}),
  });
  // Neon's Pool ignores the `Client` option; pg-pool reads `this.Client` per new connection.
  pool.Client = ConfiguredClient;
  // Idle connections that die must not crash the process; the next query reconnects.
  pool.on("error", () => {});

  /** Check out a connection; a failure here sent no statement. */
  const checkout = async (): Promise<Any> => {
    try {
      return await pool.connect();
    } catch (e) {
      if (sqlState(e) !== undefined) throw e; // e.g. authentication: a definite answer
      throw new TransportFailure(
        /timeout/i.test(messageOf(e))
          ? `Connecting timed out after ${r.timeoutMs} ms`
          : `Connection failed before any statement was sent: ${messageOf(e)}`,
        { outcome: "not-processed", cause: e },
      );
    }
  };
  /** Destroy a connection whose statement timed out (its socket may be stalled). */
  const destroy = (conn: Any): void => {
    try {
      conn.connection?.stream?.destroy?.();
    } catch { /* already gone */ }
  };
  /** One statement on a checked-out connection, bounded by the timeout. */
  const run = (conn: Any, text: string, params: readonly unknown[]): Promise<unknown> => {
    const work = Promise.resolve(conn.query(text, [...params]));
    return isIndexBuild(text) ? work : withTimeout(work, r.timeoutMs, "Query", () => destroy(conn));
  };
  const raw: Pick<SqlClient, "query" | "transaction"> = {
    async query(text, params = []) {
      const conn = await checkout();
      let broken: unknown;
      try {
        return rowsOf(await run(conn, text, params));
      } catch (e) {
        if (!isConnectionError(e)) throw e;
        broken = e;
        throw e instanceof TransportFailure ? e : new TransportFailure(
          `Connection lost during a statement: ${messageOf(e)}`,
          { outcome: "unknown", cause: e },
        );
      } finally {
        conn.release(broken === undefined ? undefined : broken);
      }
    },
    async transaction(statements) {
      if (statements.length === 0) return [];
      const conn = await checkout();
      let broken: unknown;
      let committing = false;
      try {
        await run(conn, "BEGIN", []);
        const out: Row[][] = [];
        for (const s of statements) out.push(rowsOf(await run(conn, s.text, s.params ?? [])));
        committing = true;
        await run(conn, "COMMIT", []);
        return out;
      } catch (e) {
        if (!isConnectionError(e)) {
          try {
            await run(conn, "ROLLBACK", []);
          } catch (rollbackError) {
            broken = rollbackError;
          }
          throw e;
        }
        broken = e;
        const what = e instanceof TransportFailure && e.timeoutMs !== undefined
          ? `A statement timed out after ${e.timeoutMs} ms`
          : `Connection lost: ${messageOf(e)}`;
        // Before COMMIT was sent, the server rolls the transaction back when the connection
        // goes: nothing was applied, so the whole transaction may be retried.
        throw committing
          ? new TransportFailure(`${what} while committing (outcome unknown)`, {
            outcome: "unknown",
            cause: e,
          })
          : new TransportFailure(`${what} before COMMIT (the transaction was rolled back)`, {
            outcome: "not-processed",
            cause: e,
          });
      } finally {
        conn.release(broken === undefined ? undefined : broken);
      }
    },
  };
  return {
    driver: "neon-ws",
    identity: pool,
    ...withResilience(raw, r),
    close: () => pool.end(),
  };
}

/** Open a client for the options (the caller closes it). */
export async function openClient(
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): Promise<SqlClient> {
  if (options.client !== undefined) {
    return wrapClient(options.client, resilienceOf(options).timeoutMs);
  }
  const driver = driverOf(options);
  try {
    if (driver === "pglite") return await openPglite(options);
    const url = options.url;
    if (url === undefined || !/^postgres(ql)?:\/\//i.test(url)) {
      throw new ConfigError(`${PREFIX} url: the ${driver} driver needs a postgres:// URL`);
    }
    const r = resilienceOf(options);
    if (driver === "neon-ws") return await openNeonWs(url, options, r);
    const ctxFetch = context?.fetch !== undefined && context.fetch !== globalThis.fetch
      ? context.fetch
      : undefined;
    return await openNeonHttp(url, options, r, options.fetch ?? ctxFetch);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw translateError(e, `Opening the ${driver} connection`);
  }
}

interface SharedEntry {
  client: Promise<SqlClient>;
  refs: number;
}

/** Open PGlite instances by data directory, reference counted. */
const pgliteInstances = new Map<string, unknown>();

/** A key for sharing clients between stores with equal connection settings. */
function shareKey(options: PostgresOptions): string {
  if (driverOf(options) === "pglite") return `pglite:${pgliteDataDir(options) ?? "memory://"}`;
  return "postgres:" + JSON.stringify([
    driverOf(options),
    options.url ?? "",
    options.dataDir ?? "",
    options.fetchEndpoint ?? "",
    options.wsProxy ?? "",
    options.useSecureWebSocket ?? null,
    options.pipelineConnect ?? null,
    options.pipelineTLS ?? null,
    options.coalesceWrites ?? null,
    options.maxConnections ?? null,
    options.timeoutMs ?? null,
    options.maxRetries ?? null,
    options.retryBaseMs ?? null,
  ]);
}

/** A client handle: the client plus how to give it back. */
export interface ClientLease {
  /** The client. */
  client: SqlClient;
  /** Give the client back (closes it when this was the last user and the adapter owns it). */
  release(): Promise<void>;
}

/**
 * Get a client for a store: the caller's own client, a client shared through
 * `context.shared` (reference counted), or a fresh one owned by the store.
 */
export async function leaseClient(
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): Promise<ClientLease> {
  if (options.client !== undefined) {
    return {
      client: wrapClient(options.client, resilienceOf(options).timeoutMs),
      release: () => Promise.resolve(),
    };
  }
  // PGlite instances are shared process-wide per data directory: two instances on one
  // directory would corrupt it, and the registry hands families with different configs
  // (e.g. `dimensions`) different `shared` maps.
  const shared = driverOf(options) === "pglite" ? pgliteInstances : context?.shared;
  const usable = shared !== undefined && options.fetch === undefined &&
    options.webSocketConstructor === undefined;
  if (!usable) {
    const client = await openClient(options, context);
    return { client, release: () => client.close() };
  }
  const key = shareKey(options);
  let entry = shared.get(key) as SharedEntry | undefined;
  if (entry === undefined) {
    entry = { client: openClient(options, context), refs: 0 };
    shared.set(key, entry);
  }
  entry.refs++;
  const e = entry;
  let client: SqlClient;
  try {
    client = await e.client;
  } catch (err) {
    e.refs--;
    if (shared.get(key) === e) shared.delete(key);
    throw err;
  }
  let released = false;
  return {
    client,
    async release() {
      if (released) return;
      released = true;
      e.refs--;
      if (e.refs === 0) {
        if (shared.get(key) === e) shared.delete(key);
        await client.close();
      }
    },
  };
}
