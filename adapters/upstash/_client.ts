/**
 * The HTTP side: an `@upstash/vector` `Index` whose requests go through the adapter
 * context's `fetch`, with per-request timeouts, retries with exponential backoff and jitter on
 * 429/5xx and network errors (core's `timeoutFetch` and `withRetries`), and errors translated
 * into Astrocyte's typed errors.
 *
 * The SDK's own transport calls the global `fetch` and drops HTTP status codes (so it cannot tell
 * a 429 from a 400); we keep its `Index` (command shapes, endpoints, namespaces) and replace its
 * `Requester`. The `/cloudflare` entry is used because it never touches `process.env`, so it
 * runs on Workers without `nodejs_compat`.
 *
 * @module
 */
import { Index } from "@upstash/vector/cloudflare";
import type { Requester, UpstashRequest, UpstashResponse } from "@upstash/vector/cloudflare";
import {
  findTransportFailure,
  ProviderUnavailableError,
  RetryError,
  timeoutFetch,
  TransportFailure,
  ValidationError,
  withRetries,
} from "@astrocyte/core";
import type { Logger } from "@astrocyte/core";

const PREFIX = "[astrocyte/upstash]";
const PROVIDER = "upstash";

/** An HTTP error answered by Upstash, kept as the `cause` of the typed error. */
export class UpstashHttpError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Creates the error. */
  constructor(message: string, status: number) {
    super(message);
    this.name = "UpstashHttpError";
    this.status = status;
  }
}

/** Transport options. */
export interface TransportOptions {
  /** REST URL without trailing slash. */
  url: string;
  /** REST token (only ever put in the Authorization header). */
  token: string;
  /** The fetch to use. */
  fetch: typeof fetch;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Backoff base; attempt n waits up to `base * 2^n` ms (full jitter), capped at 5 s. */
  retryBaseMs: number;
  /** Aborts every request (store closed, or the context's signal). */
  signal: AbortSignal;
  /** Where retries are reported. */
  logger?: Logger;
}

/** Counters, for health messages and tests. */
export interface TransportStats {
  /** HTTP attempts made. */
  attempts: number;
  /** Retries made. */
  retries: number;
}

function unavailable(
  message: string,
  retryable: boolean,
  cause?: unknown,
): ProviderUnavailableError {
  return new ProviderUnavailableError(`${PREFIX} ${message}`, {
    provider: PROVIDER,
    retryable,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Strip anything that looks like a bearer token from a service message. */
function scrub(message: string, token: string): string {
  const cut = message.length > 300 ? message.slice(0, 300) + "…" : message;
  return token ? cut.split(token).join("***") : cut;
}

/**
 * Build a `Requester` for the SDK that goes through `opts.fetch`. Every command is retried as
 * idempotent (upserts and deletes by id, reads): 429, 5xx, an unreadable answer, timeouts and
 * network errors, through the core {@linkcode withRetries}.
 */
export function createRequester(opts: TransportOptions): Requester & { stats: TransportStats } {
  const stats: TransportStats = { attempts: 0, retries: 0 };
  const headers = {
    "Content-Type": "application/json",
    Authorization: `Bearer ${opts.token}`,
  };
  // Status answers are classified here (e.g. 408 and 4xx are final, 200 with an unreadable
  // body is retried); the wrapped fetch only throws when no whole answer arrived.
  const fetchOnce = timeoutFetch(opts.fetch, { timeoutMs: opts.timeoutMs, throwOnStatus: false });

  /** One attempt: the result, a typed final error, or a `TransportFailure` to retry. */
  const attempt = async <TResult>(
    name: string,
    url: string,
    body: string,
  ): Promise<UpstashResponse<TResult>> => {
    if (opts.signal.aborted) {
      throw unavailable(`Request to ${name} aborted`, false, opts.signal.reason);
    }
    stats.attempts++;
    let res: Response;
    try {
      res = await fetchOnce(url, { method: "POST", headers, body, signal: opts.signal });
    } catch (e) {
      if (opts.signal.aborted) throw unavailable(`Request to ${name} aborted`, false, e);
      const t = findTransportFailure(e);
      const cause = t?.cause ?? e;
      throw new TransportFailure(
        t?.timeoutMs !== undefined
          ? `Upstash ${name} timed out after ${t.timeoutMs} ms`
          : `Upstash ${name} failed: ${
            scrub(cause instanceof Error ? cause.message : String(cause), opts.token)
          }`,
        { outcome: t?.outcome ?? "unknown", cause },
      );
    }
    const text = await res.text();
    let parsed: { result?: unknown; error?: unknown } | undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok && parsed !== undefined && parsed.error === undefined) {
      return { result: parsed.result as TResult };
    }
    const message = scrub(
      typeof parsed?.error === "string" ? parsed.error : text || res.statusText,
      opts.token,
    );
    const cause = new UpstashHttpError(message, res.status);
    const failed = `Upstash ${name} failed with HTTP ${res.status}: ${message}`;
    if (res.status === 429 || res.status >= 500 || (res.ok && parsed === undefined)) {
      const ra = Number(res.headers.get("retry-after"));
      throw new TransportFailure(failed, {
        outcome: res.status === 429 || res.status === 503 ? "not-processed" : "unknown",
        status: res.status,
        ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}),
        cause,
      });
    }
    if (res.status === 400 || res.status === 422) {
      throw new ValidationError(`${PREFIX} Upstash rejected ${name}: ${message}`, { cause });
    }
    throw unavailable(failed, false, cause);
  };

  const request = async <TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> => {
    const endpoint = (req.path ?? []).join("/");
    const url = [opts.url, ...(req.path ?? [])].join("/");
    const body = JSON.stringify(req.body);
    const name = endpoint.split("/")[0] ?? endpoint;
    try {
      return await withRetries(() => attempt<TResult>(name, url, body), {
        maxRetries: opts.maxRetries,
        retryBaseMs: opts.retryBaseMs,
        maxBackoffMs: 5_000,
        maxRetryAfterMs: 30_000,
        idempotent: true,
        signal: opts.signal,
        onRetry: ({ attempt, delayMs }) => {
          stats.retries++;
          opts.logger?.debug?.(`${PREFIX} Retrying ${name}`, {
            attempt: attempt + 1,
            backoffMs: delayMs,
          });
        },
      });
    } catch (e) {
      // Retries exhausted: the last attempt's failure, as a retryable typed error.
      const t = e instanceof RetryError ? e.transport : undefined;
      if (t !== undefined) throw unavailable(t.message, true, t.cause);
      // The wait between attempts was aborted (store closed): rejected with the signal's reason.
      if (opts.signal.aborted && e === opts.signal.reason) {
        throw unavailable(`Request to ${name} aborted`, false, e);
      }
      throw e;
    }
  };
  return { request, stats };
}

/** An SDK `Index` whose transport is the given requester. */
class InjectedIndex extends Index {
  constructor(requester: Requester) {
    // The base constructor needs a URL and token; they are unused because the requester is
    // replaced right away (the real ones stay inside the requester).
    super({
      url: "https://upstash.invalid",
      token: "unused",
      enableTelemetry: false,
      retry: false,
    });
    this.client = requester;
  }
}

/** Create an `@upstash/vector` `Index` that sends every request through `requester`. */
export function createIndex(requester: Requester): Index {
  return new InjectedIndex(requester);
}

export type { Index };
