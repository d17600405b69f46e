/**
 * SQL fragments shared by the stores: filters compiled to bound predicates, metadata and tag
 * validation. Every value is bound; metadata keys are compared as bound values through
 * `json_each`, so no key ever becomes part of a JSON path or SQL text.
 *
 * @module
 */
import { ValidationError } from "@astrocyte/core";
import type { Metadata, MetadataValue, VectorFilters } from "@astrocyte/core";
import { ms, placeholders } from "./_connection.ts";
import { PREFIX } from "./options.ts";

/** A WHERE fragment with its arguments. */
export interface Predicate {
  /** SQL text (`1` when there is nothing to filter). */
  sql: string;
  /** Arguments in order. */
  args: (string | number | null)[];
}

/** Check flat scalar metadata and return it as JSON text (or `null`). */
export function metadataJson(metadata: unknown, field: string): string | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new ValidationError(`${PREFIX} ${field} must be an object of scalars`, { field });
  }
  for (const [k, v] of Object.entries(metadata as Record<string, unknown>)) {
    checkScalar(v, `${field}.${k}`);
  }
  return JSON.stringify(metadata);
}

function checkScalar(v: unknown, field: string): MetadataValue {
  if (
    v === null || typeof v === "string" || typeof v === "boolean" ||
    (typeof v === "number" && Number.isFinite(v))
  ) return v;
  throw new ValidationError(
    `${PREFIX} ${field} must be a string, finite number, boolean or null`,
    { field },
  );
}

/** Check a string array (tags, ids) and return it as JSON text (or `null`). */
export function stringArrayJson(values: unknown, field: string): string | null {
  if (values === undefined || values === null) return null;
  return JSON.stringify(stringArray(values, field));
}

/** Check that a value is an array of strings. */
export function stringArray(values: unknown, field: string): string[] {
  if (!Array.isArray(values) || values.some((t) => typeof t !== "string")) {
    throw new ValidationError(`${PREFIX} ${field} must be an array of strings`, { field });
  }
  return values as string[];
}

/** Check an optional string field. */
export function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    throw new ValidationError(`${PREFIX} ${field} must be a string`, { field });
  }
  return value;
}

/** Predicate: the JSON object column `column` has `key` equal to `value` (type-exact). */
export function metadataEquals(
  column: string,
  key: string,
  value: unknown,
  field: string,
): Predicate {
  const v = checkScalar(value, field);
  const base = `EXISTS (SELECT 1 FROM json_each(${column}) AS m WHERE m.key = ? AND `;
  if (v === null) return { sql: `${base}m.type = 'null')`, args: [key] };
  if (v === true) return { sql: `${base}m.type = 'true')`, args: [key] };
  if (v === false) return { sql: `${base}m.type = 'false')`, args: [key] };
  if (typeof v === "number") {
    return { sql: `${base}m.type IN ('integer', 'real') AND m.value = ?)`, args: [key, v] };
  }
  return { sql: `${base}m.type = 'text' AND m.value = ?)`, args: [key, v] };
}

/** Predicate: the JSON array column `column` shares at least one element with `tags`. */
export function tagsOverlap(column: string, tags: unknown, field: string): Predicate {
  const list = stringArray(tags, field);
  if (list.length === 0) return { sql: "0", args: [] };
  return {
    sql: `EXISTS (SELECT 1 FROM json_each(${column}) AS t WHERE t.value IN (${
      placeholders(list.length)
    }))`,
    args: list,
  };
}

/** AND of predicates. */
export function and(parts: Predicate[]): Predicate {
  if (parts.length === 0) return { sql: "1", args: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(" AND "), args: parts.flatMap((p) => p.args) };
}

/** Metadata filters (exact equality on every key) over a JSON column. */
export function metadataFilters(column: string, filters: unknown, field: string): Predicate[] {
  if (filters === undefined) return [];
  if (filters === null || typeof filters !== "object" || Array.isArray(filters)) {
    throw new ValidationError(`${PREFIX} ${field} must be an object of scalars`, { field });
  }
  return Object.entries(filters as Metadata).map(([k, v]) =>
    metadataEquals(column, k, v, `${field}.${k}`)
  );
}

/** Compile {@linkcode VectorFilters} (spi.md §2.4, strict reading) for the vectors table `v`. */
export function vectorFilterPredicate(filters: VectorFilters | undefined): Predicate {
  if (filters === undefined || filters === null) return and([]);
  if (typeof filters !== "object") {
    throw new ValidationError(`${PREFIX} filters must be an object`, { field: "filters" });
  }
  const parts: Predicate[] = [];
  if (filters.tags !== undefined) parts.push(tagsOverlap("v.tags", filters.tags, "filters.tags"));
  if (filters.factTypes !== undefined) {
    const types = stringArray(filters.factTypes, "filters.factTypes");
    parts.push(
      types.length === 0
        ? { sql: "0", args: [] }
        : { sql: `v.fact_type IN (${placeholders(types.length)})`, args: types },
    );
  }
  if (filters.timeRange !== undefined) {
    const tr = filters.timeRange;
    if (tr === null || typeof tr !== "object") {
      throw new ValidationError(`${PREFIX} filters.timeRange must have start and end`, {
        field: "filters.timeRange",
      });
    }
    parts.push({
      sql: "v.occurred_at IS NOT NULL AND v.occurred_at BETWEEN ? AND ?",
      args: [
        ms(tr.start, "filters.timeRange.start")!,
        ms(tr.end, "filters.timeRange.end")!,
      ],
    });
  }
  if (filters.asOf !== undefined) {
    parts.push({
      sql: "v.retained_at IS NULL OR v.retained_at <= ?",
      args: [ms(filters.asOf, "filters.asOf")!],
    });
  }
  if (filters.sessionId !== undefined) {
    if (typeof filters.sessionId !== "string") {
      throw new ValidationError(`${PREFIX} filters.sessionId must be a string`, {
        field: "filters.sessionId",
      });
    }
    parts.push(metadataEquals("v.metadata", "session_id", filters.sessionId, "filters.sessionId"));
  }
  parts.push(...metadataFilters("v.metadata", filters.metadataFilters, "filters.metadataFilters"));
  return and(parts);
}
