/**
 * Translation of driver errors (Neon, node-postgres, PGlite, fetch/WebSocket failures) into
 * the typed errors of `@astrocyte/core`. Messages never carry credentials.
 *
 * @module
 */
import {
  AstrocyteError,
  ConfigError,
  ProviderUnavailableError,
  ValidationError,
} from "@astrocyte/core";
import { PREFIX } from "./options.ts";

/** The provider name used in errors. */
export const PROVIDER = "postgres";

/** Remove credentials from URLs and connection strings in a message. */
export function redact(message: string): string {
  return message
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, "$1***@")
    .replace(/(password\s*[=:]\s*)\S+/gi, "$1***");
}

const RETRYABLE_STATES = new Set(["40001", "40P01", "55P03", "57P01", "57P02", "57P03", "57014"]);

/** The SQLSTATE of a driver error, when it has one. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Map a driver error to a core error. `what` describes the operation (`Searching vectors`).
 * Already-typed Astrocyte errors pass through unchanged.
 */
export function translateError(e: unknown, what: string): AstrocyteError {
  if (e instanceof AstrocyteError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  const message = redact(raw).slice(0, 500);
  const state = sqlState(e);
  const text = `${PREFIX} ${what} failed: ${message}${state ? ` (SQLSTATE ${state})` : ""}`;
  if (state !== undefined) {
    const cls = state.slice(0, 2);
    if (cls === "08" || cls === "53" || RETRYABLE_STATES.has(state)) {
      return new ProviderUnavailableError(text, { provider: PROVIDER, retryable: true, cause: e });
    }
    if (cls === "22") return new ValidationError(text, { cause: e });
    if (cls === "28" || cls === "3D" || cls === "3F" || state === "42501" || state === "42P01") {
      return new ConfigError(text, { cause: e });
    }
    return new ProviderUnavailableError(text, { provider: PROVIDER, retryable: false, cause: e });
  }
  const httpStatus = /HTTP status (\d{3})/.exec(raw)?.[1];
  if (httpStatus !== undefined) {
    const status = Number(httpStatus);
    const retryable = status === 408 || status === 429 || status >= 500;
    if (status === 401 || status === 403) return new ConfigError(text, { cause: e });
    return new ProviderUnavailableError(text, { provider: PROVIDER, retryable, cause: e });
  }
  const network =
    /fetch failed|error connecting|econnrefused|econnreset|etimedout|enotfound|websocket|socket|connection (terminated|refused|closed|reset)|network|timed? ?out|connect/i
      .test(raw) || (e instanceof TypeError && /fetch/i.test(raw));
  return new ProviderUnavailableError(text, {
    provider: PROVIDER,
    retryable: network,
    cause: e,
  });
}
