/**
 * Private input checks and copy helpers shared by the in-memory WikiStore, MentalModelStore
 * and SourceStore. Every check throws a {@linkcode ValidationError} naming the field, before
 * anything is written.
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import type { Metadata } from "../types.ts";

/** The message prefix of every error raised by the in-memory references. */
export const PREFIX = "[astrocyte/core]";

/** Throw a validation error for `field`. */
export function fail(message: string, field: string): never {
  throw new ValidationError(`${PREFIX} ${message}`, { field });
}

/** Run a synchronous body so that a thrown error becomes a rejected promise. */
export function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
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

/** `value` must be absent or a non-empty string. */
export function checkOptionalNonEmpty(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    fail(`${field} must be a non-empty string`, field);
  }
  return value;
}

/** `value` must be an array of strings; returns a copy. */
export function checkStringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) fail(`${field} must be an array of strings`, field);
  value.forEach((v, i) => checkString(v, `${field}[${i}]`));
  return [...value];
}

/** `value` must be absent or an array of strings; returns a copy. */
export function checkOptionalStringArray(value: unknown, field: string): string[] | undefined {
  return value === undefined ? undefined : checkStringArray(value, field);
}

/**
 * `value` must be absent or flat scalar metadata; returns the copy to store (a number −0 is
 * stored as 0, core/README.md "Input rules").
 */
export function checkOptionalMetadata(value: unknown, field: string): Metadata | undefined {
  if (value === undefined) return undefined;
  const obj = checkObject(value, field);
  const out: Metadata = {};
  for (const [k, v] of Object.entries(obj)) {
    const ok = v === null || typeof v === "string" || typeof v === "boolean" ||
      (typeof v === "number" && Number.isFinite(v));
    if (!ok) fail(`${field}.${k} must be a string, finite number, boolean or null`, field);
    out[k] = typeof v === "number" ? v + 0 : v as Metadata[string];
  }
  return out;
}

/** `value` must be a valid `Date`; returns a copy. */
export function checkDate(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    fail(`${field} must be a valid Date`, field);
  }
  return new Date(value.getTime());
}

/** `value` must be absent or a valid `Date`; returns a copy. */
export function checkOptionalDate(value: unknown, field: string): Date | undefined {
  return value === undefined ? undefined : checkDate(value, field);
}

/** A shallow copy of flat metadata, or `undefined`. */
export function copyMetadata(metadata: Metadata | undefined): Metadata | undefined {
  return metadata === undefined ? undefined : { ...metadata };
}

/**
 * A `Date` for "now" that is never earlier than `previous`, so stamps of successive
 * revisions never go backwards even if the wall clock does.
 */
export function stampAfter(previous: Date | undefined): Date {
  const now = Date.now();
  return new Date(previous === undefined ? now : Math.max(now, previous.getTime()));
}
