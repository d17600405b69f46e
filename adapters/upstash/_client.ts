/**
 * The HTTP side: an `@upstash/vector` `Index` whose requests go through the adapter
 * context's `fetch`, with per-request timeouts, retries with exponential backoff and jitter on
 * 429/5xx and network errors, and errors translated into Astrocyte's typed errors.
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
import { ProviderUnavailableError, ValidationError } from "@astrocyte/core";
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

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

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

/** Build a `Requester` for the SDK that goes through `opts.fetch`. */
export function createRequester(opts: TransportOptions): Requester & { stats: TransportStats } {
  const stats: TransportStats = { attempts: 0, retries: 0 };
  const headers = {
    "Content-Type": "application/json",
    Authorization: `Bearer ${opts.token}`,
  };
  const request = async <TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> => {
    const endpoint = (req.path ?? []).join("/");
    const url = [opts.url, ...(req.path ?? [])].join("/");
    const body = JSON.stringify(req.body);
    const name = endpoint.split("/")[0] ?? endpoint;
    for (let attempt = 0;; attempt++) {
      if (opts.signal.aborted) {
        throw unavailable(`Request to ${name} aborted`, false, opts.signal.reason);
      }
      const ac = new AbortController();
      const timer = setTimeout(
        () => ac.abort(new DOMException(`Timed out after ${opts.timeoutMs} ms`, "TimeoutError")),
        opts.timeoutMs,
      );
      const onAbort = (): void => ac.abort(opts.signal.reason);
      opts.signal.addEventListener("abort", onAbort, { once: true });
      let retryable: ProviderUnavailableError;
      let retryAfterMs: number | undefined;
      try {
        stats.attempts++;
        const res = await opts.fetch(url, { method: "POST", headers, body, signal: ac.signal });
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
        if (res.status === 429 || res.status >= 500 || (res.ok && parsed === undefined)) {
          retryable = unavailable(
            `Upstash ${name} failed with HTTP ${res.status}: ${message}`,
            true,
            cause,
          );
          const ra = Number(res.headers.get("retry-after"));
          if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra * 1000, 30_000);
        } else if (res.status === 400 || res.status === 422) {
          throw new ValidationError(`${PREFIX} Upstash rejected ${name}: ${message}`, { cause });
        } else {
          throw unavailable(
            `Upstash ${name} failed with HTTP ${res.status}: ${message}`,
            false,
            cause,
          );
        }
      } catch (e) {
        if (e instanceof ValidationError || e instanceof ProviderUnavailableError) throw e;
        if (opts.signal.aborted) throw unavailable(`Request to ${name} aborted`, false, e);
        const timedOut = ac.signal.aborted;
        retryable = unavailable(
          timedOut
            ? `Upstash ${name} timed out after ${opts.timeoutMs} ms`
            : `Upstash ${name} failed: ${
              scrub(e instanceof Error ? e.message : String(e), opts.token)
            }`,
          true,
          e,
        );
      } finally {
        clearTimeout(timer);
        opts.signal.removeEventListener("abort", onAbort);
      }
      if (attempt >= opts.maxRetries) throw retryable;
      stats.retries++;
      const backoff = retryAfterMs ??
        Math.random() * Math.min(5_000, opts.retryBaseMs * 2 ** attempt);
      opts.logger?.debug?.(`${PREFIX} Retrying ${name}`, {
        attempt: attempt + 1,
        backoffMs: backoff,
      });
      await sleep(backoff, opts.signal).catch((e) => {
        throw unavailable(`Request to ${name} aborted`, false, e);
      });
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
