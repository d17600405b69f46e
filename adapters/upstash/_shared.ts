/**
 * Plumbing shared by the Upstash stores: settings resolution (options + env), the SDK index
 * over the injected fetch, bounded concurrency, `range` over a namespace, chunked `fetch`, and
 * the read-your-writes wait.
 *
 * @module
 */
import { ConfigError, ProviderUnavailableError } from "@astrocyte/core";
import type { Logger } from "@astrocyte/core";
import { createIndex, createRequester, type Index, type TransportStats } from "./_client.ts";
import { type UpstashOptions, validateUpstashOptions } from "./options.ts";

/** Package prefix of every message. */
export const PREFIX = "[astrocyte/upstash]";
/** Provider name in typed errors. */
export const PROVIDER = "upstash";
/** Largest `topK` and `range` page Upstash serves. */
export const MAX_TOP_K = 1000;
/** `range` page size. */
export const RANGE_PAGE = 1000;

/** The context the store factories use (a subset of `AdapterContext`). */
export interface UpstashContext {
  /** HTTP client for every request. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /** Where `UPSTASH_VECTOR_REST_URL` / `UPSTASH_VECTOR_REST_TOKEN` are read from. @default {{}} */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives warnings (e.g. indexing did not finish in time). */
  logger?: Logger;
}

/** A raw vector as the service returns it. */
export interface RawVector {
  /** Id. */
  id: string | number;
  /** Score (query only). */
  score?: number;
  /** Dense vector. */
  vector?: number[] | null;
  /** Sparse vector. */
  sparseVector?: { indices: number[]; values: number[] } | null;
  /** Metadata. */
  metadata?: Record<string, unknown> | null;
  /** Data. */
  data?: string | null;
}

/** `value` is neither `undefined` nor `null`. */
export const isPresent = <T>(v: T | undefined | null): v is T => v !== undefined && v !== null;

/** Split into chunks of `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** UTF-8 byte length. */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/**
 * Run tasks with at most `limit` in flight. After the first failure no new task starts; the
 * ones in flight finish. Returns which tasks completed and the first error.
 */
export async function runBounded<T>(
  tasks: readonly (() => Promise<T>)[],
  limit: number,
): Promise<{ results: (T | undefined)[]; done: boolean[]; error?: unknown }> {
  const results: (T | undefined)[] = new Array(tasks.length);
  const done = new Array<boolean>(tasks.length).fill(false);
  let next = 0;
  let failed = false;
  let error: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      const i = next++;
      try {
        results[i] = await tasks[i]!();
        done[i] = true;
      } catch (e) {
        if (!failed) error = e;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return failed ? { results, done, error } : { results, done };
}

/** Resolved settings and the connection of one store instance. */
export interface Connection {
  /** The SDK index (requests go through the injected fetch). */
  readonly index: Index;
  /** Transport counters. */
  readonly stats: TransportStats;
  /** Namespace prefix. */
  readonly prefix: string;
  /** Wait for indexing after writes. */
  readonly readYourWrites: boolean;
  /** Items per request. */
  readonly batchSize: number;
  /** Requests in flight per call. */
  readonly maxConcurrency: number;
  /** Complete filtered searches by an exact scan. */
  readonly exactFallback: boolean;
  /** Largest bank the exact scan visits. */
  readonly exactScanLimit: number;
  /** Logger. */
  readonly logger: Logger | undefined;
  /** The validated options. */
  readonly options: UpstashOptions;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /** Abort everything in flight and refuse new calls. */
  close(): void;
  /** Throw if closed. */
  ensureOpen(): void;
  /** Wait until the namespaces have no pending vectors (no-op without read-your-writes). */
  waitIndexed(namespaces: Iterable<string>): Promise<void>;
  /** Every vector of a namespace; `null` when there are more than `limit`. */
  rangeAll(
    namespace: string,
    include: { metadata?: boolean; vectors?: boolean; data?: boolean },
    limit?: number,
  ): Promise<RawVector[] | null>;
  /** Fetch ids (any number, chunked) with everything included; missing ids are skipped. */
  fetchAll(namespace: string, ids: readonly string[]): Promise<RawVector[]>;
}

/**
 * Resolve settings (options, then `UPSTASH_VECTOR_REST_URL` / `_TOKEN` from `env`) and open
 * the connection.
 * @throws {ConfigError} when the URL or token is missing or an option is invalid.
 */
export function connect(
  options: UpstashOptions,
  context: UpstashContext,
  configKey: string,
): Connection {
  const opts = validateUpstashOptions({ ...options });
  const env = context.env ?? {};
  const url = (opts.url ?? env.UPSTASH_VECTOR_REST_URL)?.trim().replace(/\/+$/, "");
  const token = (opts.token ?? env.UPSTASH_VECTOR_REST_TOKEN)?.trim();
  if (!url) {
    throw new ConfigError(
      `${PREFIX} Missing url: set ${configKey}_config.url or UPSTASH_VECTOR_REST_URL`,
    );
  }
  if (!/^https?:\/\/\S+$/.test(url)) throw new ConfigError(`${PREFIX} url must be an http(s) URL`);
  if (!token) {
    throw new ConfigError(
      `${PREFIX} Missing token: set ${configKey}_config.token or UPSTASH_VECTOR_REST_TOKEN`,
    );
  }
  const logger = context.logger;
  const closer = new AbortController();
  const requester = createRequester({
    url,
    token,
    fetch: context.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: opts.timeoutMs ?? 30_000,
    maxRetries: opts.maxRetries ?? 3,
    retryBaseMs: opts.retryBaseMs ?? 200,
    signal: closer.signal,
    ...(logger === undefined ? {} : { logger }),
  });
  const index = createIndex(requester);
  const batchSize = opts.batchSize ?? 1000;
  const maxConcurrency = opts.maxConcurrency ?? 4;
  const readYourWrites = opts.readYourWrites ?? true;
  const consistencyTimeoutMs = opts.consistencyTimeoutMs ?? 30_000;
  let closed = false;

  const conn: Connection = {
    index,
    stats: requester.stats,
    prefix: opts.namespacePrefix ?? "",
    readYourWrites,
    batchSize,
    maxConcurrency,
    exactFallback: opts.exactFilterFallback ?? true,
    exactScanLimit: opts.exactScanLimit ?? 10_000,
    logger,
    options: opts,
    get closed() {
      return closed;
    },
    close() {
      if (closed) return;
      closed = true;
      closer.abort(new DOMException("Store closed", "AbortError"));
    },
    ensureOpen() {
      if (closed) {
        throw new ProviderUnavailableError(`${PREFIX} Upstash store is closed`, {
          provider: PROVIDER,
          retryable: false,
        });
      }
    },
    async waitIndexed(namespaces) {
      if (!readYourWrites) return;
      const wanted = [...new Set(namespaces)];
      if (wanted.length === 0) return;
      const deadline = Date.now() + consistencyTimeoutMs;
      let delay = 10;
      for (;;) {
        const info = await index.info();
        const pending = wanted.reduce(
          (n, name) => n + (info.namespaces?.[name]?.pendingVectorCount ?? 0),
          0,
        );
        if (pending === 0) return;
        if (Date.now() + delay > deadline) {
          logger?.warn(
            `${PREFIX} ${pending} vectors still pending indexing after ${consistencyTimeoutMs} ms`,
          );
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 500);
      }
    },
    async rangeAll(namespace, include, limit = Infinity) {
      const out: RawVector[] = [];
      let cursor = "0";
      for (;;) {
        const page = await index.namespace(namespace).range({
          cursor,
          limit: RANGE_PAGE,
          includeMetadata: include.metadata ?? false,
          includeVectors: include.vectors ?? false,
          includeData: include.data ?? false,
        });
        out.push(...(page.vectors as RawVector[]));
        if (out.length > limit) return null;
        if (!page.nextCursor) return out;
        cursor = String(page.nextCursor);
      }
    },
    async fetchAll(namespace, ids) {
      const { results, error } = await runBounded(
        chunk(ids, batchSize).map((part) => () =>
          index.namespace(namespace).fetch([...part], {
            includeMetadata: true,
            includeVectors: true,
            includeData: true,
          })
        ),
        maxConcurrency,
      );
      if (error !== undefined) throw error;
      return results.flatMap((r) => (r ?? []).filter(isPresent) as RawVector[]);
    },
  };
  return conn;
}

/** Whether an error is Upstash's HTTP 404 (e.g. a namespace that does not exist). */
export function isNotFound(e: unknown): boolean {
  return e instanceof Error && (e.cause as { status?: number } | undefined)?.status === 404;
}

/**
 * Delete a bank's namespace and return how many vectors it held (counted with `range`
 * first; vectors written concurrently with the call are deleted but may not be counted).
 */
export async function deleteNamespace(conn: Connection, namespace: string): Promise<number> {
  let count: number;
  try {
    count = (await conn.rangeAll(namespace, {}))!.length;
  } catch (e) {
    if (isNotFound(e)) return 0;
    throw e;
  }
  try {
    await conn.index.deleteNamespace(namespace);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  return count;
}

/** Fetch the ids that exist, delete those, and return how many were removed. */
export async function deleteExisting(
  conn: Connection,
  namespace: string,
  ids: readonly string[],
): Promise<number> {
  const unique = [...new Set(ids)].filter((id) => id.length > 0);
  if (unique.length === 0) return 0;
  const { results, error } = await runBounded(
    chunk(unique, conn.batchSize).map((part) => async () => {
      const found = await conn.index.namespace(namespace).fetch([...part]);
      const existing = found.filter(isPresent).map((v) => String(v.id));
      if (existing.length === 0) return 0;
      // Count what the fetch saw: when the transport retries a delete whose first answer was
      // lost, the server's `deleted` for the retry is 0 although the ids were removed.
      await conn.index.namespace(namespace).delete(existing);
      return existing.length;
    }),
    conn.maxConcurrency,
  );
  if (error !== undefined) throw error;
  const removed = results.reduce<number>((n, r) => n + (r ?? 0), 0);
  if (removed > 0) await conn.waitIndexed([namespace]);
  return removed;
}
