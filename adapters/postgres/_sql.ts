/**
 * SQL helpers shared by every store: identifier quoting, parameter encoding (every value is
 * bound as a string or number, so all drivers behave alike), row decoding and multi-row
 * statement building with chunking below Postgres' 65,535-parameter limit.
 *
 * @module
 */
import { toStoredEmbedding, validateText } from "@astrocyte/core";
import type { Metadata } from "@astrocyte/core";
import { PREFIX } from "./options.ts";
import type { Row, SqlStatement } from "./_client.ts";

/** Quote an identifier that was already validated as `[A-Za-z_][A-Za-z0-9_]*`. */
export function qi(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A schema-qualified, quoted table name. */
export function table(schema: string, prefix: string, name: string): string {
  return `${qi(schema)}.${qi(prefix + name)}`;
}

/**
 * A SQL expression whose `COLLATE "C"` (code point) order equals JavaScript's UTF-16
 * code-unit order of `column`: every astral character gets U+D7FF in front of it, which
 * sorts it after U+0000–U+D7FF and before U+E000–U+FFFF, as its surrogate pair does. The
 * mapping is injective, so it can also serve as a unique sort key.
 */
export function codeUnitKey(column: string): string {
  return `regexp_replace(${column}, '([\\U00010000-\\U0010FFFF])', '\uD7FF\\1', 'g')`;
}

/**
 * pgvector's text form of a vector. pgvector stores float32, so each component is sent as
 * the float32 it becomes, with the 9 significant digits that identify a float32 exactly
 * (about half the payload of JavaScript's float64 text).
 */
export function vectorParam(v: readonly number[]): string {
  let out = "[";
  for (let i = 0; i < v.length; i++) {
    if (i > 0) out += ",";
    const f = Math.fround(v[i]!);
    out += f === 0 || Number.isInteger(f) ? String(f) : f.toPrecision(9);
  }
  return out + "]";
}

/** A Postgres array literal for `text[]` (every element quoted), or null. */
export function textArrayParam(values: readonly string[] | undefined | null): string | null {
  if (values === undefined || values === null) return null;
  return `{${
    values.map((v) => `"${String(v).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")
  }}`;
}

/** A Postgres array literal for `timestamptz[]`, or null. */
export function dateArrayParam(values: readonly Date[] | undefined | null): string | null {
  if (values === undefined || values === null) return null;
  return `{${values.map((d) => `"${d.toISOString()}"`).join(",")}}`;
}

/** JSON text for a `jsonb` parameter, or null. */
export function jsonParam(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** ISO text for a `timestamptz` parameter, or null. */
export function dateParam(d: Date | undefined | null): string | null {
  return d === undefined || d === null ? null : d.toISOString();
}

/** Decode a timestamp column (Date or text). */
export function asDate(v: unknown): Date | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return new Date(v.getTime());
  const d = new Date(String(v));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Decode a `jsonb` column (object or text). */
export function asJson<T>(v: unknown): T | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "string") return JSON.parse(v) as T;
  return v as T;
}

/** Decode metadata. */
export function asMetadata(v: unknown): Metadata | undefined {
  return asJson<Metadata>(v);
}

/** Parse a Postgres array literal of text (a fallback for drivers that return raw text). */
function parseArrayLiteral(s: string): (string | null)[] {
  const out: (string | null)[] = [];
  let i = 1; // skip '{'
  if (s === "{}") return out;
  while (i < s.length) {
    if (s[i] === '"') {
      let v = "";
      i++;
      while (s[i] !== '"') {
        if (s[i] === "\\") i++;
        v += s[i];
        i++;
      }
      out.push(v);
      i += 2; // closing quote and separator
    } else {
      let j = i;
      while (s[j] !== "," && s[j] !== "}") j++;
      const v = s.slice(i, j);
      out.push(v === "NULL" ? null : v);
      i = j + 1;
    }
  }
  return out;
}

/** Decode a `text[]` column. */
export function asTextArray(v: unknown): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (typeof v === "string") return parseArrayLiteral(v).map((x) => x ?? "");
  return undefined;
}

/** Decode a `timestamptz[]` column. */
export function asDateArray(v: unknown): Date[] | undefined {
  if (v === null || v === undefined) return undefined;
  const items = Array.isArray(v) ? v : typeof v === "string" ? parseArrayLiteral(v) : [];
  return items.map((x) => asDate(x) ?? new Date(NaN));
}

/**
 * Decode a `vector` column (text `[1,2,3]`, or an array from drivers that parse it) into the
 * exact float32 values pgvector stores: its text form prints the shortest digits that identify
 * each float32 (`0.1`), which `Math.fround` turns back into that float32 (0.10000000149011612),
 * the value the in-memory reference and the other adapters return. A −0 reads as 0
 * (core/README.md, "Input rules": `toStoredEmbedding`).
 */
export function asVector(v: unknown): number[] | undefined {
  if (v === null || v === undefined) return undefined;
  if (ArrayBuffer.isView(v)) return toStoredEmbedding(v as unknown as ArrayLike<number>);
  const items: unknown[] = Array.isArray(v) ? v : JSON.parse(String(v));
  return items.map((x) => Math.fround(Number(x)) + 0);
}

/** Decode an integer column (int4, int8 text or number). */
export function asInt(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : Number(v);
}

/** Decode a float column (a −0 reads as 0, as in every store). */
export function asNumber(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  return (typeof v === "number" ? v : Number(v)) + 0;
}

/** `undefined` for SQL NULL, the string otherwise. */
export function asString(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

/** Postgres' hard limit is 65,535 bound parameters per statement; stay well below it. */
export const MAX_PARAMS = 60_000;
/** Soft cap on the bound payload of one statement (characters). */
export const MAX_STATEMENT_CHARS = 8_000_000;

/** A value slot of a multi-row statement: its SQL type cast. */
export type ColumnCast = string;

/**
 * Build multi-row statements `head VALUES (…), (…) tail`, each under {@linkcode MAX_PARAMS}
 * parameters and {@linkcode MAX_STATEMENT_CHARS} characters of payload.
 */
export function multiRowStatements(
  head: string,
  casts: readonly ColumnCast[],
  rows: readonly (readonly unknown[])[],
  tail: string,
): SqlStatement[] {
  const out: SqlStatement[] = [];
  const perRow = casts.length;
  const maxRows = Math.max(1, Math.floor(MAX_PARAMS / perRow));
  let i = 0;
  while (i < rows.length) {
    const params: unknown[] = [];
    const tuples: string[] = [];
    let chars = 0;
    while (i < rows.length && tuples.length < maxRows) {
      const row = rows[i]!;
      let rowChars = 0;
      for (const v of row) rowChars += typeof v === "string" ? v.length : 8;
      if (tuples.length > 0 && chars + rowChars > MAX_STATEMENT_CHARS) break;
      chars += rowChars;
      const base = params.length;
      tuples.push(`(${casts.map((c, j) => `$${base + j + 1}::${c}`).join(",")})`);
      params.push(...row);
      i++;
    }
    out.push({ text: `${head} VALUES ${tuples.join(",")} ${tail}`, params });
  }
  return out;
}

/** Strip NUL characters, which Postgres text cannot hold (used for search queries only). */
export function stripNul(s: string): string {
  return s.includes("\u0000") ? s.replaceAll("\u0000", " ") : s;
}

/** Whether a string holds a NUL character (no stored value can: lookups then find nothing). */
export function hasNul(s: string): boolean {
  return s.includes("\u0000");
}

/**
 * Reject values that break core's portable string rule (NUL, which Postgres text cannot hold,
 * or a lone surrogate), with core's validation error (`validateText`).
 */
export function checkNoNul(value: string, field: string): void {
  validateText(value, field, PREFIX);
}

/** Read the first row's column, or `undefined`. */
export function first(rows: Row[], column: string): unknown {
  return rows[0]?.[column];
}
