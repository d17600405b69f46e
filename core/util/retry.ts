/**
 * Bounded, idempotency-aware retries and per-request timeouts for networked adapters.
 *
 * The rules every networked adapter follows (see the adapter READMEs):
 *
 * - A failure known to have happened **before the server processed anything** (connection
 *   refused, DNS failure, HTTP 429 or 503, a transaction rolled back before `COMMIT` was
 *   sent) is retried for any operation.
 * - After an **ambiguous** failure (timeout, connection lost after the request was sent,
 *   HTTP 502/504/500, truncated response) only operations that are idempotent by
 *   construction are repeated: reads and pure upserts. Anything else fails at once with a
 *   {@linkcode RetryError} whose message says it was not retried.
 * - Attempts are bounded (`maxRetries` retries after the first attempt); waits use exponential
 *   backoff with full (or equal) jitter, or the server's `Retry-After` (capped).
 *
 * @example
 * ```ts
 * import { isIdempotentSql, timeoutFetch, withRetries } from "@astrocyte/core";
 *
 * const fetchWithTimeout = timeoutFetch(fetch, { timeoutMs: 5_000 });
 * const sql = "SELECT 1";
 * const run = () => Promise.resolve(sql); // e.g. a driver call that uses fetchWithTimeout
 * const result = await withRetries(run, {
 *   maxRetries: 2,
 *   retryBaseMs: 100,
 *   idempotent: isIdempotentSql(sql),
 * });
 * console.log(result, typeof fetchWithTimeout); // "SELECT 1" "function"
 * ```
 *
 * @module
 */

/**
 * Whether a failed attempt may have taken effect: `not-processed` (the server never acted on
 * it) or `unknown` (it may have).
 */
export type AttemptOutcome = "not-processed" | "unknown";

/** Options of {@linkcode TransportFailure}. */
export interface TransportFailureOptions {
  /** Whether the request may have taken effect. */
  outcome: AttemptOutcome;
  /** The HTTP status, when the server answered with an error status. */
  status?: number;
  /** The server's `Retry-After`, in milliseconds (uncapped). */
  retryAfterMs?: number;
  /** The timeout that fired, in milliseconds. */
  timeoutMs?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A request that produced no usable answer: it could not be sent, timed out, lost its
 * connection, was answered with HTTP 408/429/5xx, or its response was truncated. Thrown by
 * {@linkcode timeoutFetch} (and by adapters for non-HTTP transports) so that the retry logic
 * can tell whether repeating the request is safe. Adapters translate it into a
 * `ProviderUnavailableError`; it never reaches users directly.
 */
export class TransportFailure extends Error {
  /** Whether the request may have taken effect. */
  readonly outcome: AttemptOutcome;
  /** The HTTP status, when there was one. */
  readonly status?: number;
  /** The server's `Retry-After`, in milliseconds. */
  readonly retryAfterMs?: number;
  /** The timeout that fired, in milliseconds. */
  readonly timeoutMs?: number;
  /** Creates a transport failure. */
  constructor(message: string, options: TransportFailureOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TransportFailure";
    this.outcome = options.outcome;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.timeoutMs !== undefined) this.timeoutMs = options.timeoutMs;
  }
}

/** Options of {@linkcode RetryError}. */
export interface RetryErrorOptions {
  /** Attempts made (the first one included). */
  attempts: number;
  /** `exhausted`: every allowed attempt failed; `not-idempotent`: an ambiguous failure of an operation that must not be repeated. */
  reason: "exhausted" | "not-idempotent";
  /** The last attempt's error. */
  cause: unknown;
}

/**
 * Thrown by {@linkcode withRetries} when it gives up on a retryable failure: every allowed
 * attempt failed, or the failure was ambiguous and the operation is not idempotent. The
 * message names the failure and says which; `cause` is the last attempt's error. Adapters
 * translate it into a `ProviderUnavailableError` with `retryable: true`.
 */
export class RetryError extends Error {
  /** Attempts made (the first one included). */
  readonly attempts: number;
  /** Why retrying stopped. */
  readonly reason: "exhausted" | "not-idempotent";
  /** The transport failure behind the last error, when there is one. */
  readonly transport?: TransportFailure;
  /** The last error's string `code` (e.g. a SQLSTATE), when it has one. */
  readonly code?: string;
  /** Creates the error. */
  constructor(message: string, options: RetryErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "RetryError";
    this.attempts = options.attempts;
    this.reason = options.reason;
    const t = findTransportFailure(options.cause);
    if (t !== undefined) this.transport = t;
    const code = (options.cause as { code?: unknown } | null)?.code;
    if (typeof code === "string") this.code = code;
  }
}

/**
 * The {@linkcode TransportFailure} behind an error: the error itself, or one found by
 * following `cause` (and Neon's `sourceError`) links.
 */
export function findTransportFailure(error: unknown): TransportFailure | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e !== null && e !== undefined; depth++) {
    if (e instanceof TransportFailure) return e;
    if (e instanceof RetryError) return e.transport;
    const o = e as { cause?: unknown; sourceError?: unknown };
    e = o.sourceError ?? o.cause;
  }
  return undefined;
}

/** How a failed attempt may be retried. */
export interface FailureClass {
  /**
   * `always`: nothing was processed (or it was rolled back), retry any operation;
   * `if-idempotent`: the outcome is unknown, retry only idempotent operations;
   * `never`: a definite failure (bad SQL, constraint, auth…), rethrown unchanged.
   */
  retry: "always" | "if-idempotent" | "never";
  /** Wait this long before the next attempt (the server's `Retry-After`), in ms. */
  retryAfterMs?: number;
}

/**
 * The default classification: a {@linkcode TransportFailure} (found through `cause` links)
 * is retried `always` when it was not processed and `if-idempotent` otherwise; any other
 * error is `never` retried.
 */
export function classifyTransportFailure(error: unknown): FailureClass {
  const t = findTransportFailure(error);
  if (t === undefined) return { retry: "never" };
  return {
    retry: t.outcome === "not-processed" ? "always" : "if-idempotent",
    ...(t.retryAfterMs === undefined ? {} : { retryAfterMs: t.retryAfterMs }),
  };
}

/** Retry bounds. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = one attempt only). */
  maxRetries: number;
  /** Backoff base: the wait before retry n (from 0) is uniform in `[0, base·2ⁿ]`, capped. */
  retryBaseMs: number;
  /** Cap of the exponential backoff, in ms. @default {5000} */
  maxBackoffMs?: number;
  /** Cap of a server's `Retry-After`, in ms. @default {30000} */
  maxRetryAfterMs?: number;
  /**
   * How the backoff is randomised below its cap: `full` waits uniform in `[0, cap]`, `equal`
   * uniform in `[cap/2, cap]` (never much shorter than the exponential step).
   * @default {"full"}
   */
  jitter?: "full" | "equal";
}

/** What {@linkcode RetryOptions.onRetry} is told before each wait. */
export interface RetryInfo {
  /** The attempt that failed (0 = the first). */
  attempt: number;
  /** The wait before the next attempt, in ms. */
  delayMs: number;
  /** The attempt's error. */
  error: unknown;
  /** Its classification. */
  failure: FailureClass;
}

/** Options of {@linkcode withRetries}. */
export interface RetryOptions extends RetryPolicy {
  /**
   * Whether repeating the operation cannot change its result (reads, pure upserts). Decides
   * whether `if-idempotent` failures are retried.
   */
  idempotent: boolean;
  /** Classifies an attempt's error. @default {classifyTransportFailure} */
  classify?: (error: unknown) => FailureClass;
  /** Aborts the waits between attempts (the abort reason is thrown). */
  signal?: AbortSignal;
  /** Called before each wait (logging, metrics). */
  onRetry?: (info: RetryInfo) => void;
  /** Random source for the jitter, in `[0, 1)`. @default {Math.random} */
  random?: () => number;
}

/**
 * The jittered backoff before retry `attempt` (0 = after the first attempt), with
 * `cap = min(maxBackoffMs, retryBaseMs·2^attempt)`: uniform in `[0, cap]` (full jitter, the
 * default) or in `[cap/2, cap]` (`jitter: "equal"`).
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.max(
    0,
    Math.min(policy.maxBackoffMs ?? 5_000, policy.retryBaseMs * 2 ** attempt),
  );
  const floor = policy.jitter === "equal" ? cap / 2 : 0;
  return Math.floor(floor + random() * (cap - floor));
}

/**
 * A `Retry-After` header value (delay in seconds, or an HTTP date) in milliseconds, or
 * `undefined` when absent or unparseable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function messageOf(error: unknown): string {
  const t = findTransportFailure(error);
  if (t !== undefined) return t.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Run `fn` until it succeeds, retrying failures as their classification allows, at most
 * `maxRetries` times. A `never` failure is rethrown unchanged; a retryable failure that cannot
 * be retried (attempts exhausted, or ambiguous and not idempotent) becomes a
 * {@linkcode RetryError} whose message says so.
 *
 * @throws {RetryError} when it gives up on a retryable failure.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const classify = options.classify ?? classifyTransportFailure;
  const maxRetries = Math.max(0, Math.floor(options.maxRetries));
  for (let attempt = 0;; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const failure = classify(error);
      if (failure.retry === "never") throw error;
      const attempts = attempt + 1;
      if (failure.retry === "if-idempotent" && !options.idempotent) {
        throw new RetryError(
          `${messageOf(error)}; not retried: the request may have been applied and ` +
            `repeating it could change the result`,
          { attempts, reason: "not-idempotent", cause: error },
        );
      }
      if (attempt >= maxRetries) {
        throw new RetryError(
          `${messageOf(error)}; gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}`,
          { attempts, reason: "exhausted", cause: error },
        );
      }
      const delayMs = failure.retryAfterMs !== undefined
        ? Math.min(failure.retryAfterMs, options.maxRetryAfterMs ?? 30_000)
        : backoffDelay(attempt, options, options.random);
      options.onRetry?.({ attempt, delayMs, error, failure });
      await sleep(delayMs, options.signal);
    }
  }
}

/**
 * Settle with `work`, or reject with a {@linkcode TransportFailure} (`outcome: unknown`) once
 * `timeoutMs` has passed (`0` = no timeout). `onTimeout` runs when the timeout fires, to
 * release what the work holds (e.g. destroy its connection). The work itself is not
 * cancelled; its late outcome is ignored.
 */
export function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  what = "Request",
  onTimeout?: () => void,
): Promise<T> {
  if (!(timeoutMs > 0)) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      work.catch(() => {});
      try {
        onTimeout?.();
      } catch { /* best effort */ }
      reject(
        new TransportFailure(`${what} timed out after ${timeoutMs} ms`, {
          outcome: "unknown",
          timeoutMs,
        }),
      );
    }, timeoutMs);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Options of {@linkcode timeoutFetch}. */
export interface TimeoutFetchOptions {
  /** Per-request timeout in ms, covering the whole response body (`0` = none). */
  timeoutMs: number;
  /**
   * Throw a {@linkcode TransportFailure} for HTTP 408, 429 and 5xx answers. `false` returns
   * every answer (body read) for the caller to classify by its own rules: only failures to
   * get a whole answer (refused, timed out, connection lost, truncated) throw.
   * @default {true}
   */
  throwOnStatus?: boolean;
}

const CONNECT_PHASE =
  /\(Connect\)|tcp connect error|dns error|failed to lookup|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|getaddrinfo|connection refused|Connection refused/i;

function detailOf(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== null && e !== undefined; depth++) {
    const o = e as { message?: unknown; code?: unknown; cause?: unknown };
    const m = typeof o.message === "string" ? o.message : String(e);
    if (m && !parts.includes(m)) parts.push(m);
    if (typeof o.code === "string" && !parts.includes(o.code)) parts.push(o.code);
    e = o.cause;
  }
  const text = parts.join(": ").replace(/\?[^\s)]*/g, "");
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Wrap a `fetch` so that each request (including reading its whole response body) is
 * bounded by `timeoutMs`, and failures come out as {@linkcode TransportFailure}s that say
 * whether the request may have been processed:
 *
 * - a connection or DNS failure before sending: `not-processed`;
 * - HTTP 429 and 503: `not-processed`, with `Retry-After`; HTTP 408, 500 and other 5xx:
 *   `unknown` (the body text, shortened, goes into the message);
 * - a timeout, a connection lost after sending, a truncated body: `unknown`.
 *
 * Other responses (with `throwOnStatus: false`, every response) are returned with their body
 * already read (so truncation is caught here). An abort by the caller's own signal is
 * rethrown unchanged.
 */
export function timeoutFetch(
  inner: typeof globalThis.fetch,
  options: TimeoutFetchOptions,
): typeof globalThis.fetch {
  const timeoutMs = options.timeoutMs;
  const throwOnStatus = options.throwOnStatus ?? true;
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const ac = new AbortController();
    const outer = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const onOuterAbort = (): void => ac.abort(outer!.reason);
    if (outer?.aborted) throw outer.reason;
    outer?.addEventListener("abort", onOuterAbort, { once: true });
    let timedOut = false;
    const timer = timeoutMs > 0
      ? setTimeout(() => {
        timedOut = true;
        ac.abort(new DOMException(`Timed out after ${timeoutMs} ms`, "TimeoutError"));
      }, timeoutMs)
      : undefined;
    const fail = (error: unknown, phase: "send" | "body"): unknown => {
      if (timedOut) {
        return new TransportFailure(`Request timed out after ${timeoutMs} ms`, {
          outcome: "unknown",
          timeoutMs,
          cause: error,
        });
      }
      if (outer?.aborted) return error;
      const detail = detailOf(error);
      if (phase === "send" && CONNECT_PHASE.test(detail)) {
        return new TransportFailure(`Connection failed before the request was sent: ${detail}`, {
          outcome: "not-processed",
          cause: error,
        });
      }
      return new TransportFailure(
        phase === "send"
          ? `Connection lost before a response arrived: ${detail}`
          : `Response truncated (connection lost while reading it): ${detail}`,
        { outcome: "unknown", cause: error },
      );
    };
    try {
      let res: Response;
      try {
        res = await inner(input, { ...init, signal: ac.signal });
      } catch (e) {
        throw fail(e, "send");
      }
      let body: ArrayBuffer;
      try {
        body = await res.arrayBuffer();
      } catch (e) {
        throw fail(e, "body");
      }
      const status = res.status;
      if (throwOnStatus && (status === 408 || status === 429 || status >= 500)) {
        let text = new TextDecoder().decode(body).trim();
        if (text.length > 200) text = `${text.slice(0, 200)}…`;
        const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
        throw new TransportFailure(
          `HTTP status ${status}${res.statusText ? ` (${res.statusText})` : ""}${
            text ? `: ${text}` : ""
          }`,
          {
            outcome: status === 429 || status === 503 ? "not-processed" : "unknown",
            status,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          },
        );
      }
      return new Response(NULL_BODY.has(status) ? null : body, {
        status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// SQL idempotency

/** SQL text without comments and literals, upper-cased; `undefined` when it cannot be read. */
function normalizeSql(sql: string): string | undefined {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
      out += " ";
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) return undefined;
      i = end + 2;
      out += " ";
    } else if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      if (j >= sql.length) return undefined;
      out += c === "'" ? "''" : "_Q_";
      i = j + 1;
    } else if (c === "$" && /^\$[A-Za-z_]*\$/.test(sql.slice(i, i + 64))) {
      return undefined; // dollar quoting: not parsed
    } else {
      out += c;
      i++;
    }
  }
  const s = out.replace(/\s+/g, " ").trim().replace(/;\s*$/, "").toUpperCase();
  return s.includes(";") ? undefined : s;
}

const WRITE_WORDS =
  /\b(INSERT|UPDATE|DELETE|MERGE|UPSERT|REPLACE INTO|CREATE|DROP|ALTER|TRUNCATE|COPY|GRANT|REVOKE|VACUUM|REINDEX|CALL|DO|LOCK|NOTIFY|LISTEN|UNLISTEN|PREPARE|EXECUTE|DEALLOCATE|INTO|ATTACH|DETACH|NEXTVAL|SETVAL|PG_ADVISORY_\w+|PG_TRY_ADVISORY_\w+)\b/;
const VOLATILE =
  /\b(SELECT|NOW|RANDOM|RANDOMBLOB|GEN_RANDOM_UUID|UUID_GENERATE_V\d\w*|CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME|LOCALTIMESTAMP|LOCALTIME|CLOCK_TIMESTAMP|STATEMENT_TIMESTAMP|TRANSACTION_TIMESTAMP|TIMEOFDAY|LAST_INSERT_ROWID|CHANGES|TOTAL_CHANGES)\b|\b(DATE|TIME|DATETIME|JULIANDAY|STRFTIME|UNIXEPOCH)\s*\(/;
const UPSERT =
  /^INSERT INTO [\w.]+ ?\([^()]*\) ?VALUES (.*) ON CONFLICT ?\([^()]*\) ?DO UPDATE SET (.*)$/;
const OVERWRITE = /^\w+ ?= ?EXCLUDED\.\w+(?: ?, ?\w+ ?= ?EXCLUDED\.\w+)*$/;

/**
 * Whether one SQL statement (PostgreSQL or SQLite dialect) can be repeated without changing
 * its result, judged conservatively from its text:
 *
 * - reads: `SELECT`, `WITH`, `VALUES`, `SHOW`, `TABLE`, `EXPLAIN` with no data-modifying or
 *   side-effecting word anywhere (`INSERT`, `UPDATE`, `DELETE`, `INTO`, `nextval`, advisory
 *   locks…);
 * - transaction control and settings: `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`, `SET`…;
 * - pure upserts: `INSERT INTO t (…) VALUES … ON CONFLICT (…) DO UPDATE SET c = excluded.c,
 *   …` where every assignment overwrites a column with the inserted value, with no `WHERE`,
 *   no `RETURNING`, no sub-query and no volatile function (`now()`, `random()`…): applying it
 *   twice leaves the same rows as applying it once.
 *
 * Everything else (plain inserts, `DO NOTHING` inserts whose written-row count is reported,
 * deletes whose count is reported, updates, DDL) is not idempotent. Comments and literals
 * are ignored; statements with dollar quoting or several statements are not idempotent.
 */
export function isIdempotentSql(sql: string): boolean {
  const s = normalizeSql(sql);
  if (s === undefined || s === "") return false;
  if (/^(BEGIN|START TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|SET|RESET)\b/.test(s)) {
    return !/\b(INSERT|UPDATE|DELETE)\b/.test(s);
  }
  if (/^(SELECT|WITH|VALUES|SHOW|TABLE|EXPLAIN)\b/.test(s)) return !WRITE_WORDS.test(s);
  const m = UPSERT.exec(s);
  if (m === null) return false;
  if ((s.match(/\bINSERT\b/g) ?? []).length !== 1) return false;
  if ((s.match(/\bON CONFLICT\b/g) ?? []).length !== 1) return false;
  const values = m[1]!;
  if (WRITE_WORDS.test(values) || VOLATILE.test(values)) return false;
  return OVERWRITE.test(m[2]!.trim());
}
