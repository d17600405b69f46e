/**
 * Options of the Upstash adapter and their parsing from snake_case YAML config.
 *
 * @module
 */
import { ConfigError } from "@astrocyte/core";
import type { AdapterConfig, Logger } from "@astrocyte/core";
import { NAMESPACE_PREFIX_PATTERN } from "./namespace.ts";

/** Upstash dense similarity functions. */
export type UpstashMetric = "COSINE" | "EUCLIDEAN" | "DOT_PRODUCT";

/** Options of {@linkcode createUpstashVectorStore}. */
export interface UpstashOptions {
  /**
   * The index REST URL (`https://…-vector.upstash.io`). When absent, the factory reads
   * `UPSTASH_VECTOR_REST_URL` from the adapter context's `env`.
   */
  url?: string;
  /**
   * The index REST token. When absent, read from `UPSTASH_VECTOR_REST_TOKEN` in the context's
   * `env`. Never logged or put in messages.
   */
  token?: string;
  /**
   * The index dimension. When absent it is read from the index (`info`) on first use.
   * When given, it is checked against the index on first use.
   */
  dimensions?: number;
  /**
   * The index similarity function. When absent it is read from the index; when given it must
   * match. Scores are always converted to cosine similarity; EUCLIDEAN and DOT_PRODUCT indexes
   * store unit-normalised vectors (and the original norm) for that.
   */
  metric?: UpstashMetric;
  /**
   * Prepended to every namespace name (letters, digits, `_`, `-`; at most 64), so several
   * applications can share one index. @default {""}
   */
  namespacePrefix?: string;
  /**
   * After each write, wait until Upstash reports no pending (not yet indexed) vectors in the
   * namespaces written, so the next search sees the write (capabilities.consistency `strong`).
   * `false` skips the wait (one `info` request saved per write; consistency `eventual`).
   * @default {true}
   */
  readYourWrites?: boolean;
  /** Longest wait for indexing when `readYourWrites` is on, in ms. @default {30000} */
  consistencyTimeoutMs?: number;
  /** Vectors per upsert/fetch/delete request (Upstash recommends at most 1000). @default {1000} */
  batchSize?: number;
  /** Requests in flight at once for one call. @default {4} */
  maxConcurrency?: number;
  /** Retries on 429, 5xx, timeouts and network errors. @default {3} */
  maxRetries?: number;
  /** Backoff base in ms (attempt n waits up to base·2ⁿ, full jitter, ≤ 5 s). @default {200} */
  retryBaseMs?: number;
  /** Per-request timeout in ms. @default {30000} */
  timeoutMs?: number;
  /**
   * Upstash's filtered queries work within a candidate budget and may return fewer than
   * `topK` matches. When a filtered search returns fewer than asked, verify with an exact scan
   * of the bank (`range`, metadata only; vectors fetched only if matches were missed), so
   * results are `min(limit, matching)` as the SPI requires. @default {true}
   */
  exactFilterFallback?: boolean;
  /** Banks larger than this are not scanned by the exact fallback. @default {10000} */
  exactScanLimit?: number;
}

/** Keys accepted in `vector_store_config` (snake_case) and the option they set. */
const KEYS: Record<string, keyof UpstashOptions> = {
  url: "url",
  token: "token",
  dimensions: "dimensions",
  metric: "metric",
  namespace_prefix: "namespacePrefix",
  read_your_writes: "readYourWrites",
  consistency_timeout_ms: "consistencyTimeoutMs",
  batch_size: "batchSize",
  max_concurrency: "maxConcurrency",
  max_retries: "maxRetries",
  retry_base_ms: "retryBaseMs",
  timeout_ms: "timeoutMs",
  exact_filter_fallback: "exactFilterFallback",
  exact_scan_limit: "exactScanLimit",
};

const PREFIX = "[astrocyte/upstash]";

const INTEGER_LIMITS: Partial<Record<keyof UpstashOptions, [number, number]>> = {
  dimensions: [1, 100_000],
  consistencyTimeoutMs: [0, 3_600_000],
  batchSize: [1, 1000],
  maxConcurrency: [1, 64],
  maxRetries: [0, 20],
  retryBaseMs: [0, 60_000],
  timeoutMs: [1, 3_600_000],
  exactScanLimit: [0, 10_000_000],
};

/**
 * Check programmatic options (the same rules as config parsing).
 * @throws {ConfigError} naming the offending option.
 */
export function validateUpstashOptions(
  options: UpstashOptions,
  where = "options",
): UpstashOptions {
  const fail = (key: string, what: string): never => {
    throw new ConfigError(`${PREFIX} ${where}.${key}: ${what}`);
  };
  for (const k of ["url", "token"] as const) {
    const v = options[k];
    if (v !== undefined && (typeof v !== "string" || v.trim() === "")) {
      fail(k, "expected a non-empty string");
    }
  }
  if (options.url !== undefined && !/^https?:\/\/[^\s]+$/.test(options.url)) {
    fail("url", "expected an http(s) URL");
  }
  if (
    options.metric !== undefined &&
    !["COSINE", "EUCLIDEAN", "DOT_PRODUCT"].includes(options.metric)
  ) {
    fail("metric", "expected COSINE, EUCLIDEAN or DOT_PRODUCT");
  }
  if (
    options.namespacePrefix !== undefined &&
    (typeof options.namespacePrefix !== "string" ||
      !NAMESPACE_PREFIX_PATTERN.test(options.namespacePrefix))
  ) {
    fail("namespace_prefix", "expected at most 64 letters, digits, '_' or '-'");
  }
  for (const k of ["readYourWrites", "exactFilterFallback"] as const) {
    if (options[k] !== undefined && typeof options[k] !== "boolean") fail(k, "expected a boolean");
  }
  for (
    const [k, [min, max]] of Object.entries(INTEGER_LIMITS) as [
      keyof UpstashOptions,
      [number, number],
    ][]
  ) {
    const v = options[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      fail(k, `expected an integer from ${min} to ${max}`);
    }
  }
  return options;
}

/**
 * Parse `vector_store_config` (snake_case keys) into {@linkcode UpstashOptions}. Numbers and
 * booleans may also be given as strings (as `${VAR}` substitution produces). Unknown keys are
 * reported through `logger.warn`.
 *
 * @throws {ConfigError} naming the key, e.g. `vector_store_config.dimensions: expected an integer from 1 to 100000`.
 */
export function parseUpstashOptions(
  config: AdapterConfig,
  logger?: Logger,
  configKey = "vector_store",
): UpstashOptions {
  const where = `${configKey}_config`;
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError(`${PREFIX} ${where}: expected a mapping`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(config)) {
    const opt = KEYS[key];
    if (opt === undefined) {
      logger?.warn(`${PREFIX} Unknown key ${where}.${key} ignored`);
      continue;
    }
    if (raw === undefined || raw === null || raw === "") continue;
    let value: unknown = raw;
    if (
      INTEGER_LIMITS[opt] !== undefined && typeof raw === "string" && /^-?\d+$/.test(raw.trim())
    ) {
      value = Number(raw.trim());
    }
    if ((opt === "readYourWrites" || opt === "exactFilterFallback") && typeof raw === "string") {
      const s = raw.trim().toLowerCase();
      if (s === "true") value = true;
      else if (s === "false") value = false;
    }
    if (opt === "metric" && typeof raw === "string") value = raw.trim().toUpperCase();
    if (opt === "url" && typeof raw === "string") value = raw.trim().replace(/\/+$/, "");
    out[opt] = value;
  }
  // Re-validate with snake_case names in messages.
  try {
    return validateUpstashOptions(out as UpstashOptions, where);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const snake = Object.entries(KEYS).reduce(
      (msg, [s, c]) => msg.replace(`${where}.${c}:`, `${where}.${s}:`),
      e.message,
    );
    throw new ConfigError(snake, { cause: e });
  }
}
