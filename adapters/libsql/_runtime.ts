/**
 * The lifecycle every libSQL store shares: option checks, a leased connection, migrations on
 * first use, health and idempotent close, plus the input checks of the record stores.
 *
 * @module
 */
import { ProviderUnavailableError, ValidationError } from "@astrocyte/core";
import type { AdapterContext, HealthStatus, Metadata } from "@astrocyte/core";
import { checkHealth, type Connection, leaseConnection } from "./_connection.ts";
import { ensureSchema, type SchemaFamily } from "./_schema.ts";
import {
  DEFAULT_TABLE_PREFIX,
  type LibsqlOptions,
  PREFIX,
  validateLibsqlOptions,
} from "./options.ts";

/** A store's connection lifecycle. */
export interface StoreRuntime {
  /** The connection, with the family's migrations applied. */
  ready(): Promise<Connection>;
  /** `SELECT 1` health; never throws. */
  health(): Promise<HealthStatus>;
  /** Release the connection lease. Idempotent. */
  close(): Promise<void>;
  /** Whether data outlives the process. */
  readonly persistent: boolean;
  /** Table prefix. */
  readonly prefix: string;
  /** The options. */
  readonly options: LibsqlOptions;
}

/** Build the runtime of a store of `families`, named `what` in messages. */
export function createRuntime(
  options: LibsqlOptions,
  context: Partial<AdapterContext> | undefined,
  families: readonly SchemaFamily[],
  what: string,
): StoreRuntime {
  validateLibsqlOptions(options);
  const prefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  const createSchema = options.createSchema ?? true;
  const lease = leaseConnection(options, context);
  let closed = false;
  let readyPromise: Promise<Connection> | undefined;
  const ready = (): Promise<Connection> => {
    if (closed) {
      return Promise.reject(
        new ProviderUnavailableError(`${PREFIX} ${what} is closed`, {
          provider: "libsql",
          retryable: false,
        }),
      );
    }
    if (readyPromise === undefined) {
      readyPromise = (async () => {
        const conn = await lease.get();
        await ensureSchema(conn, { prefix, families, createSchema });
        return conn;
      })();
      readyPromise.catch(() => readyPromise = undefined);
    }
    return readyPromise;
  };
  return {
    ready,
    health: () => checkHealth(lease, ready, what.toLowerCase()),
    async close() {
      if (closed) return;
      closed = true;
      await lease.release();
    },
    persistent: options.client !== undefined || options.url?.trim() !== ":memory:",
    prefix,
    options,
  };
}

/** Throw a validation error for `field`. */
export function fail(message: string, field: string): never {
  throw new ValidationError(`${PREFIX} ${message}`, { field });
}

/** `value` must be a non-null, non-array object. */
export function checkObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`${field} must be an object`, field);
  }
  return value as Record<string, unknown>;
}

/** `value` must be a string. */
export function checkString(value: unknown, field: string): string {
  if (typeof value !== "string") fail(`${field} must be a string`, field);
  return value;
}

/** `value` must be absent or a string. */
export function checkOptionalString(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : checkString(value, field);
}

/** `value` must be an array of strings; returns a copy. */
export function checkStringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) fail(`${field} must be an array of strings`, field);
  value.forEach((v, i) => checkString(v, `${field}[${i}]`));
  return [...value];
}

/** `value` must be absent or an array of strings. */
export function checkOptionalStringArray(value: unknown, field: string): string[] | undefined {
  return value === undefined ? undefined : checkStringArray(value, field);
}

/** `value` must be absent or flat scalar metadata. */
export function checkOptionalMetadata(value: unknown, field: string): Metadata | undefined {
  if (value === undefined) return undefined;
  const obj = checkObject(value, field);
  for (const [k, v] of Object.entries(obj)) {
    const ok = v === null || typeof v === "string" || typeof v === "boolean" ||
      (typeof v === "number" && Number.isFinite(v));
    if (!ok) fail(`${field}.${k} must be a string, finite number, boolean or null`, field);
  }
  return obj as Metadata;
}

/** `value` must be a valid `Date`. */
export function checkDate(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    fail(`${field} must be a valid Date`, field);
  }
  return value;
}

/** `value` must be absent or a valid `Date`. */
export function checkOptionalDate(value: unknown, field: string): Date | undefined {
  return value === undefined ? undefined : checkDate(value, field);
}

/** JSON text of a value, or `null` for `undefined`. */
export function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
