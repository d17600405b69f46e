/**
 * Input validation shared by the in-memory references and every adapter, so that all stores
 * reject the same inputs with the same typed errors before writing anything.
 *
 * The portable input rules (core/README.md, "Input rules"):
 *
 * - **Strings**: every string an application hands to a store (ids, bank ids, texts, tags,
 *   metadata keys and values, filter values, queries, …), on writes and reads, must be
 *   well-formed UTF-16 and contain no U+0000 ({@linkcode isPortableString},
 *   {@linkcode validateText}, {@linkcode validateStrings}); stores apply this to every
 *   argument with `enforceInputRules`.
 * - **Vectors**: finite float32 components and a Euclidean norm of exactly 0 or within
 *   [{@linkcode MIN_VECTOR_NORM}, {@linkcode MAX_VECTOR_NORM}] ({@linkcode validateVector}).
 * - **Stored integers**: integer fields a store persists (`mentionCount`, `chunkIndex`,
 *   PageIndex line numbers, depths and revisions) are integers within int32
 *   ({@linkcode validateInt32}); counts and indexes also ≥ 0.
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
 * Smallest non-zero Euclidean norm a vector may have: 2^-30 (≈ 9.3e-10). With norms in
 * `[MIN_VECTOR_NORM, MAX_VECTOR_NORM]`, the squared norm of a vector and the product of two
 * squared norms stay normal, finite float32 values, so backends that accumulate cosine in
 * float32 (libSQL, pgvector) score exactly like the float64 in-memory reference. A norm of
 * exactly 0 (the zero vector) is also allowed and scores 0.
 */
export const MIN_VECTOR_NORM: number = 2 ** -30;

/**
 * Largest Euclidean norm a vector may have: 2^30 (≈ 1.07e9). See
 * {@linkcode MIN_VECTOR_NORM}.
 */
export const MAX_VECTOR_NORM: number = 2 ** 30;

/**
 * How deeply nested (arrays and plain objects) an argument {@linkcode validateStrings} walks
 * may be; deeper (or cyclic) values are rejected with a {@linkcode ValidationError}.
 */
export const MAX_INPUT_DEPTH = 64;

const P = "[astrocyte/core]";

const nativeIsWellFormed: ((this: string) => boolean) | undefined =
  (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/**
 * Index of the first lone (unpaired) UTF-16 surrogate in `value`, or -1 when the string is
 * well-formed. Uses `String.prototype.isWellFormed` when the runtime has it.
 */
export function loneSurrogateIndex(value: string): number {
  if (nativeIsWellFormed !== undefined && nativeIsWellFormed.call(value)) return -1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const next = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/**
 * Whether `value` satisfies the portable string rule every store enforces: well-formed UTF-16
 * (no lone surrogates) and no U+0000. Such strings round-trip exactly through UTF-8 backends
 * (Postgres text, SQLite, JSON over HTTP).
 */
export function isPortableString(value: string): boolean {
  return value.indexOf("\u0000") < 0 &&
    (nativeIsWellFormed !== undefined
      ? nativeIsWellFormed.call(value)
      : loneSurrogateIndex(value) < 0);
}

/** Throw the rule's {@linkcode ValidationError} for a string that is not portable. */
function rejectString(value: string, field: string, prefix: string, what = field): never {
  const nul = value.indexOf("\u0000");
  if (nul >= 0) {
    throw new ValidationError(
      `${prefix} ${what} must not contain U+0000 (NUL), found at index ${nul}`,
      { field },
    );
  }
  const i = loneSurrogateIndex(value);
  const unit = value.charCodeAt(i).toString(16).toUpperCase();
  throw new ValidationError(
    `${prefix} ${what} must be well-formed UTF-16, found a lone surrogate U+${unit} at index ${i}`,
    { field },
  );
}

/**
 * Check a string argument: a string that is well-formed UTF-16 and contains no U+0000 (the
 * portable string rule, see {@linkcode isPortableString}). Empty strings are allowed.
 *
 * @throws {ValidationError} naming `field` when `value` is not a string, contains NUL or a lone
 * surrogate.
 */
export function validateText(value: unknown, field = "text", prefix: string = P): string {
  if (typeof value !== "string") {
    throw new ValidationError(`${prefix} ${field} must be a string`, { field });
  }
  if (!isPortableString(value)) rejectString(value, field, prefix);
  return value;
}

/** One step of a path to an offending value. */
type Step = string | number;

/** What {@linkcode findBadString} found. */
interface BadString {
  path: Step[];
  kind: "value" | "key" | "depth";
  value: string;
}

function findBadString(value: unknown, depth: number): BadString | undefined {
  if (typeof value === "string") {
    return isPortableString(value) ? undefined : { path: [], kind: "value", value };
  }
  if (value === null || typeof value !== "object") return undefined;
  if (depth >= MAX_INPUT_DEPTH) return { path: [], kind: "depth", value: "" };
  if (Array.isArray(value)) {
    for (let i = 0, n = value.length; i < n; i++) {
      const x: unknown = value[i];
      // Numbers first: vectors are by far the longest arrays a store is handed.
      if (typeof x === "number" || x === null || (typeof x !== "string" && typeof x !== "object")) {
        continue;
      }
      const bad = findBadString(x, depth + 1);
      if (bad !== undefined) {
        bad.path.unshift(i);
        return bad;
      }
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value);
  // Plain objects only: Dates, typed arrays and class instances carry no application strings.
  if (proto !== Object.prototype && proto !== null) return undefined;
  for (const key of Object.keys(value)) {
    if (!isPortableString(key)) return { path: [key], kind: "key", value: key };
    const x: unknown = (value as Record<string, unknown>)[key];
    if (x === null || (typeof x !== "string" && typeof x !== "object")) continue;
    const bad = findBadString(x, depth + 1);
    if (bad !== undefined) {
      bad.path.unshift(key);
      return bad;
    }
  }
  return undefined;
}

function formatPath(field: string, path: readonly Step[]): string {
  let out = field;
  for (const step of path) {
    out += typeof step === "number"
      ? `[${step}]`
      : /^[A-Za-z_$][\w$]*$/.test(step)
      ? `.${step}`
      : `[${JSON.stringify(step)}]`;
  }
  return out;
}

/**
 * Apply the portable string rule (see {@linkcode isPortableString}) to every string inside
 * `value`: the value itself, array elements, and the keys and values of plain objects, at any
 * depth up to {@linkcode MAX_INPUT_DEPTH}. Numbers, booleans, `Date`s, typed arrays and class
 * instances are skipped (checking their types is the caller's job). The error names the
 * offending path, e.g. `items[2].metadata.k`.
 *
 * Cheap: it allocates nothing unless it finds a bad string.
 *
 * @throws {ValidationError} for a string (or object key) with U+0000 or a lone surrogate, or a
 * value nested more than {@linkcode MAX_INPUT_DEPTH} levels deep (or cyclic).
 */
export function validateStrings(value: unknown, field: string, prefix: string = P): void {
  const bad = findBadString(value, 0);
  if (bad === undefined) return;
  const at = formatPath(field, bad.path);
  if (bad.kind === "depth") {
    throw new ValidationError(
      `${prefix} ${at} is nested more than ${MAX_INPUT_DEPTH} levels deep (or is cyclic)`,
      { field: at },
    );
  }
  rejectString(bad.value, at, prefix, bad.kind === "key" ? `The key ${at}` : at);
}

/**
 * Check a bank id as adapters must: a non-empty string of at most 255 characters that follows
 * the portable string rule (well-formed UTF-16, no U+0000; see {@linkcode isPortableString}).
 * Any other content is allowed (quotes, `%`, `_`, `:`, unicode); adapters must bind or escape
 * it.
 *
 * @throws {ValidationError} when the id is not a non-empty string of at most 255 characters,
 * or contains U+0000 or a lone surrogate.
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
  if (!isPortableString(bankId)) rejectString(bankId, "bankId", prefix, "Bank id");
  return bankId;
}

/**
 * Check a record id: a non-empty string of at most `maxLength` characters that follows the
 * portable string rule (well-formed UTF-16, no U+0000; see {@linkcode isPortableString}).
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
  if (!isPortableString(id)) rejectString(id, field, prefix);
  return id;
}

/**
 * Check one vector (stored or query): a non-empty array of finite float32-range numbers whose
 * Euclidean norm is exactly 0 or within [{@linkcode MIN_VECTOR_NORM},
 * {@linkcode MAX_VECTOR_NORM}] (2^-30 … 2^30), and whose length equals `dimensions` (when
 * given). The norm is that of the float32-rounded components (what every store keeps),
 * computed in float64.
 *
 * @throws {InvalidVectorError} for non-arrays, empty vectors, NaN, ±Infinity, components
 * beyond the float32 range, or a non-zero norm outside the allowed range.
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
  let squares = 0;
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
    const f = Math.fround(x);
    squares += f * f;
  }
  if (squares !== 0) {
    const norm = Math.sqrt(squares);
    if (!(norm >= MIN_VECTOR_NORM && norm <= MAX_VECTOR_NORM)) {
      throw new InvalidVectorError(
        `${prefix} ${field} has norm ${norm}: the norm must be 0 or within [2^-30, 2^30] ` +
          `(${MIN_VECTOR_NORM} … ${MAX_VECTOR_NORM}) so that float32 backends score it exactly`,
        { field },
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
    validateText(item.text, `items[${i}].text`, prefix);
    validateVector(item.vector, dim, `items[${i}].vector`, prefix);
    dim ??= item.vector.length;
  });
  return dim;
}

/**
 * Largest count {@linkcode validateCount} returns: `Number.MAX_SAFE_INTEGER` (2^53 − 1). A
 * larger integer `limit`, `offset`, `topK` or depth is clamped to it, which changes no result
 * (no store holds that many items) and keeps every count exact and within the 64-bit integers
 * SQL backends bind (`LIMIT`, `OFFSET`).
 */
export const MAX_COUNT: number = Number.MAX_SAFE_INTEGER;

/**
 * Normalise a `limit`/`offset` style option: an integer ≥ `min`, or the default. Any integer
 * is valid, however large; values above {@linkcode MAX_COUNT} are clamped to it, so a `limit`
 * of 2^31 or 1e300 means "everything" on every backend.
 *
 * @throws {ValidationError} for negative, fractional, infinite or non-numeric values.
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
  return value > MAX_COUNT ? MAX_COUNT : value;
}

/**
 * Largest value an integer field a store persists may hold: 2^31 − 1 (2147483647), the
 * largest SQL `integer` (int32). See {@linkcode validateInt32}.
 */
export const INT32_MAX: number = 2 ** 31 - 1;

/**
 * Smallest value a signed integer field a store persists may hold: −2^31 (−2147483648), the
 * smallest SQL `integer` (int32). See {@linkcode validateInt32}.
 */
export const INT32_MIN: number = -(2 ** 31);

/**
 * Check an integer field that stores persist (an entity's `mentionCount`, a chunk's
 * `chunkIndex`, a PageIndex line number, depth or page revision): a number that is an integer
 * within [`min`, {@linkcode INT32_MAX}], so that every backend keeps it exactly (Postgres
 * stores these fields in `integer` columns, which reject anything beyond int32). `min` is 0
 * for counts and indexes, {@linkcode INT32_MIN} for line numbers, depths and PageIndex
 * revisions. Unlike {@linkcode validateCount} it never clamps: a value out of range would be
 * stored, so it is a caller error.
 *
 * @throws {ValidationError} naming `field` for non-numbers, NaN, ±Infinity, fractions and
 * integers outside [`min`, 2^31 − 1].
 */
export function validateInt32(
  value: unknown,
  field: string,
  prefix: string = P,
  min: number = 0,
): number {
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < min || value > INT32_MAX
  ) {
    throw new ValidationError(
      `${prefix} ${field} must be an integer from ${min} to ${INT32_MAX}, got ${
        typeof value === "number" ? String(value) : value === null ? "null" : typeof value
      }`,
      { field },
    );
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
