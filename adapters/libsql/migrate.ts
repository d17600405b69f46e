/**
 * Explicit schema migration, for deployments where the application's database user may not
 * create tables (`create_schema: false`).
 *
 * @module
 */
import { ConfigError } from "@astrocyte/core";
import type { AdapterContext } from "@astrocyte/core";
import { leaseConnection } from "./_connection.ts";
import { ensureSchema, MIGRATIONS, SCHEMA_FAMILIES, type SchemaFamily } from "./_schema.ts";
import {
  DEFAULT_TABLE_PREFIX,
  type LibsqlOptions,
  PREFIX,
  validateLibsqlOptions,
} from "./options.ts";

/** Options of {@linkcode migrateLibsql}. */
export interface MigrateLibsqlOptions extends LibsqlOptions {
  /** Families to migrate. @default {every family; `vectors` only when `dimensions` is set} */
  families?: readonly SchemaFamily[];
}

/** What {@linkcode migrateLibsql} did. */
export interface MigrateLibsqlResult {
  /** Migration ids known for the migrated families, in order (all applied afterwards). */
  migrations: string[];
}

/**
 * Apply every pending migration (idempotent), recording each in `<prefix>migrations`. Run it
 * once with a privileged token, then run the application with `create_schema: false`.
 *
 * @example
 * ```ts ignore
 * import { migrateLibsql } from "@astrocyte/libsql";
 * await migrateLibsql({ url: "libsql://db.turso.io", authToken: "…", dimensions: 384 });
 * ```
 *
 * @throws {ConfigError} for invalid options; {@linkcode DimensionMismatchError} when the
 * vector table exists with another dimension.
 */
export async function migrateLibsql(
  options: MigrateLibsqlOptions,
  context?: Partial<AdapterContext>,
): Promise<MigrateLibsqlResult> {
  validateLibsqlOptions(options);
  const families = options.families ??
    SCHEMA_FAMILIES.filter((f) => f !== "vectors" || options.dimensions !== undefined);
  if (families.includes("vectors") && options.dimensions === undefined) {
    throw new ConfigError(`${PREFIX} dimensions: required to create the vector table`);
  }
  const lease = leaseConnection(options, context);
  try {
    const conn = await lease.get();
    await ensureSchema(conn, {
      prefix: options.tablePrefix ?? DEFAULT_TABLE_PREFIX,
      families,
      createSchema: true,
      ...(options.dimensions !== undefined ? { dimensions: options.dimensions } : {}),
    });
    return { migrations: families.flatMap((f) => MIGRATIONS[f].map((m) => m.id)) };
  } finally {
    await lease.release();
  }
}
