/**
 * The DDL the adapter applies on first use, as SQL text, for deployments whose runtime role
 * may not create objects (`create_schema: false`): run it once with a privileged role.
 *
 * @module
 */
import { resolveOptions } from "./options.ts";
import type { PostgresOptions } from "./options.ts";
import { setupStatements } from "./_schema.ts";
import type { SchemaFamily } from "./_schema.ts";

/** A family whose tables the adapter manages. */
export type PostgresFamily = SchemaFamily;

const ALL: readonly PostgresFamily[] = [
  "vector",
  "document",
  "graph",
  "wiki",
  "mental_model",
  "source",
  "pageindex",
];

/**
 * The SQL script that creates (idempotently) every table, index and extension the given
 * families need with these options, and records the migrations. The `vector` family is
 * included only when `dimensions` is set. pg_trgm is optional and not included.
 *
 * @example
 * ```ts
 * import { postgresMigrationSql } from "@astrocyte/postgres";
 *
 * const sql = postgresMigrationSql({ dimensions: 384, schema: "memory" });
 * console.log(sql.includes("vector(384)")); // true
 * ```
 *
 * @throws {ConfigError} for invalid options.
 */
export function postgresMigrationSql(
  options: PostgresOptions,
  families: readonly PostgresFamily[] = ALL,
): string {
  const o = resolveOptions(options);
  const out: string[] = [];
  for (const family of families) {
    if (family === "vector" && o.dimensions === undefined) continue;
    for (const s of setupStatements(family, o)) {
      if (!out.includes(s)) out.push(s);
    }
  }
  return out.map((s) => `${s.replace(/\n\s+/g, "\n  ")};`).join("\n\n") + "\n";
}
