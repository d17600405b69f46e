/**
 * Input validation shared by the in-memory references and every adapter, so that all stores
 * reject the same inputs with the same typed errors before writing anything.
 *
 * @module
 */
import { DimensionMismatchError, InvalidVectorError, ValidationError } from "../errors.ts";

/** The largest finite float32: stores keep vectors as float32, so larger values would overflow. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Longest bank id adapters accept (`spi.md` §2.13). */
export const MAX_BANK_ID_LENGTH = 255;

/** Upstream's bank id pattern, enforced by the facade (adapters accept any non-empty id). */
export const FACADE_BANK_ID_PATTERN: RegExp = /^[a-zA-Z0-9][a-zA-Z0-9._:@-]{0,254}$/;

/**
 * Check a bank id as adapters must: a non-empty string of at most 255 characters. Any content
 * is allowed (quotes, `%`, `_`, `:`, unicode); adapters must bind or escape it.
 *
 * @throws {ValidationError} when the id is not a non-empty string of at most 255 characters.
 */
export function validateBankId(bankId: unknown, prefix = "[astrocyte/core]"): string {
  if (typeof bankId !== "string" || bankId.length === 0) {
    throw new ValidationError(`${prefix} Bank id must be a non-empty string`, { field: "bankId" });
  }
  if (bankId.length > MAX_BANK_ID_LENGTH) {
    throw new ValidationError(
      `${prefix} Bank id is too long: ${bankId.length} characters, at most ${MAX_BANK_ID_LENGTH}`,
      { field: "bankId" },
    );
  }
  return bankId;
}

/**
 * Check a record id: a non-empty string of at most `maxLength` characters.
 *
 * @throws {ValidationError} otherwise.
 */
export function validateId(
  id: unknown,
  field = "id",
  prefix = "[astrocyte/core]",
  maxLength = 512,
): string {
  if (typeof id !== "string" || id.length === 0) {
    throw new ValidationError(`${prefix} ${field} must be a non-empty string`, { field });
  }
  if (id.length > maxLength) {
    throw new ValidationError(
      `${prefix} ${field} is too long: ${id.length} characters, at most ${maxLength}`,
      { field },
    );
  }
  return id;
}

/**
 * Check one vector: a non-empty array of finite numbers whose length equals `dimensions`
 * (when given).
 *
 * @throws {InvalidVectorError} for non-arrays, empty vectors, NaN or ±Infinity.
 * @throws {DimensionMismatchError} when the length differs from `dimensions`.
 */
export function validateVector(
  vector: unknown,
  dimensions: number | null | undefined,
  field = "vector",
  prefix = "[astrocyte/core]",
): number[] {
  if (!Array.isArray(vector) && !ArrayBuffer.isView(vector)) {
    throw new InvalidVectorError(`${prefix} ${field} must be an array of numbers`, { field });
  }
  const v = vector as ArrayLike<unknown>;
  if (v.length === 0) {
    throw new InvalidVectorError(`${prefix} ${field} must not be empty`, { field });
  }
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number" || !Number.isFinite(x) || Math.abs(x) > FLOAT32_MAX) {
      throw new InvalidVectorError(
        `${prefix} ${field}[${i}] must be a finite float32 number, got ${
          typeof x === "number" ? String(x) : typeof x
        }`,
        { field: `${field}[${i}]` },
      );
    }
  }
  if (dimensions !== null && dimensions !== undefined && v.length !== dimensions) {
    throw new DimensionMismatchError(
      `${prefix} Dimension mismatch: expected ${dimensions}, got ${v.length}`,
      { field, expected: dimensions, actual: v.length },
    );
  }
  return vector as number[];
}

/** Items validated by {@linkcode validateVectorItems}: anything with id, bankId, vector, text. */
export interface ValidatableItem {
  /** Record id. */
  id: string;
  /** Bank id. */
  bankId: string;
  /** Embedding. */
  vector: number[];
  /** Text. */
  text: string;
}

/**
 * Validate a whole batch before anything is written: ids, bank ids, text, and every vector
 * against `dimensions` (or, when `dimensions` is null, against the first item's length).
 * Returns the dimension of the batch (or `null` for an empty batch).
 *
 * @throws {ValidationError} (or a subclass) naming the first offending item.
 */
export function validateVectorItems(
  items: readonly ValidatableItem[],
  dimensions: number | null | undefined,
  prefix = "[astrocyte/core]",
): number | null {
  if (!Array.isArray(items)) {
    throw new ValidationError(`${prefix} items must be an array`, { field: "items" });
  }
  let dim = dimensions ?? null;
  items.forEach((item, i) => {
    if (item === null || typeof item !== "object") {
      throw new ValidationError(`${prefix} items[${i}] must be an object`, {
        field: `items[${i}]`,
      });
    }
    validateId(item.id, `items[${i}].id`, prefix);
    validateBankId(item.bankId, prefix);
    if (typeof item.text !== "string") {
      throw new ValidationError(`${prefix} items[${i}].text must be a string`, {
        field: `items[${i}].text`,
      });
    }
    validateVector(item.vector, dim, `items[${i}].vector`, prefix);
    dim ??= item.vector.length;
  });
  return dim;
}

/**
 * Normalise a `limit`/`offset` style option: an integer ≥ `min`, or the default.
 *
 * @throws {ValidationError} for negative, fractional or non-numeric values.
 */
export function validateCount(
  value: unknown,
  fallback: number,
  field: string,
  prefix = "[astrocyte/core]",
  min = 0,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ValidationError(`${prefix} ${field} must be an integer ≥ ${min}`, { field });
  }
  return value;
}

/**
 * Clamp a cosine similarity to the SPI score range `[0, 1]`; NaN becomes 0.
 */
export function clampScore(cosine: number): number {
  if (!(cosine > 0)) return 0;
  return cosine > 1 ? 1 : cosine;
}

/** Sort comparator for hits: score descending, then id ascending (code-unit order). */
export function compareHits(
  a: { score: number; id: string },
  b: { score: number; id: string },
): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Code-unit string comparison (the order `listVectors` uses). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
