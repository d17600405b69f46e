/**
 * Input checks shared by the stores, mirroring the in-memory references so that the adapter
 * rejects the same inputs with the same typed errors before anything is written.
 *
 * @module
 */
import { validateText, ValidationError } from "@astrocyte/core";
import type { Metadata } from "@astrocyte/core";
import { PREFIX } from "./options.ts";

/** Throw a validation error for `field`. */
export function fail(message: string, field: string): never {
  throw new ValidationError(`${PREFIX} ${message}`, { field });
}

/** Turn a synchronous throw into a rejected promise, awaiting async bodies. */
export async function guard<T>(fn: () => Promise<T> | T): Promise<T> {
  return await fn();
}

/** `value` must be a non-null, non-array object. */
export function checkObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`${field} must be an object`, field);
  }
  return value as Record<string, unknown>;
}

/** `value` must be an array. */
export function checkArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) fail(`${field} must be an array`, field);
  return value;
}

/**
 * `value` must be a string that follows core's portable string rule (well-formed UTF-16, no
 * U+0000, which Postgres text cannot hold): the same check and error as `validateText`.
 */
export function checkString(value: unknown, field: string): string {
  return validateText(value, field, PREFIX);
}

/** `value` must be absent (undefined or null) or a string. */
export function checkOptionalString(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : checkString(value, field);
}

/** `value` must be an array of strings. */
export function checkStringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) fail(`${field} must be an array of strings`, field);
  value.forEach((v, i) => checkString(v, `${field}[${i}]`));
  return [...value];
}

/** `value` must be absent or an array of strings. */
export function checkOptionalStringArray(value: unknown, field: string): string[] | undefined {
  return value === undefined || value === null ? undefined : checkStringArray(value, field);
}

/** `value` must be absent or flat scalar metadata. */
export function checkOptionalMetadata(value: unknown, field: string): Metadata | undefined {
  if (value === undefined || value === null) return undefined;
  const obj = checkObject(value, field);
  const out: Metadata = {};
  for (const [k, v] of Object.entries(obj)) {
    const ok = v === null || typeof v === "string" || typeof v === "boolean" ||
      (typeof v === "number" && Number.isFinite(v));
    if (!ok) fail(`${field}.${k} must be a string, finite number, boolean or null`, field);
    validateText(k, `${field} key`, PREFIX);
    if (typeof v === "string") validateText(v, `${field}.${k}`, PREFIX);
    out[k] = v as Metadata[string];
  }
  return out;
}

/** `value` must be a valid Date. */
export function checkDate(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    fail(`${field} must be a valid Date`, field);
  }
  return value;
}

/** `value` must be absent or a valid Date. */
export function checkOptionalDate(value: unknown, field: string): Date | undefined {
  return value === undefined || value === null ? undefined : checkDate(value, field);
}

/** `value` must be absent or a number in [0, 1]. */
export function checkOptionalUnit(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    fail(`${field} must be a number in [0, 1]`, field);
  }
  return value;
}

/** `value` must be absent or a finite number. */
export function checkOptionalFinite(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    fail(`${field} must be a finite number`, field);
  }
  return value;
}
