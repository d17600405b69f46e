/**
 * What every store of this package shares: a leased client, resolved options, table names,
 * lazy schema preparation, error translation, `health` and idempotent `close`.
 *
 * @module
 */
import { ProviderUnavailableError } from "@astrocyte/core";
import type { AdapterContext, HealthStatus } from "@astrocyte/core";
import { PREFIX, resolveOptions } from "./options.ts";
import type { PostgresOptions, ResolvedPostgresOptions } from "./options.ts";
import { leaseClient } from "./_client.ts";
import type { ClientLease, Row, SqlClient, SqlStatement } from "./_client.ts";
import { PROVIDER, redact, translateError } from "./_errors.ts";
import { ensureSchema, tablesFor } from "./_schema.ts";
import type { SchemaFamily, SchemaState, Tables } from "./_schema.ts";

/** The shared machinery of one store instance. */
export interface StoreBase {
  /** Resolved options. */
  readonly options: ResolvedPostgresOptions;
  /** Table names. */
  readonly tables: Tables;
  /** The client, connected and with the family's schema ready. */
  ready(): Promise<{ client: SqlClient; state: SchemaState }>;
  /** Run one statement, translating errors. */
  query(what: string, text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Run statements atomically (a single statement runs on its own), translating errors. */
  transaction(what: string, statements: readonly SqlStatement[]): Promise<Row[][]>;
  /** `health()` for the store: the client's probe; never throws (unhealthy, with the reason). */
  health(): Promise<HealthStatus>;
  /** Release the client (idempotent); waits for `pending` work first. */
  close(): Promise<void>;
  /** Background work `close()` waits for. */
  readonly pending: Set<Promise<unknown>>;
}

/** Create the shared machinery (connects lazily, on first use). */
export function createStoreBase(
  family: SchemaFamily,
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): StoreBase {
  const o = resolveOptions(options);
  const tables = tablesFor(o);
  let lease: Promise<ClientLease> | undefined;
  let prepared: Promise<{ client: SqlClient; state: SchemaState }> | undefined;
  let closed = false;
  const pending = new Set<Promise<unknown>>();

  const getLease = (): Promise<ClientLease> => {
    lease ??= leaseClient(o, context).catch((e) => {
      lease = undefined;
      throw e;
    });
    return lease;
  };

  const ensureOpen = (): void => {
    if (closed) {
      throw new ProviderUnavailableError(`${PREFIX} The ${family} store is closed`, {
        provider: PROVIDER,
        retryable: false,
      });
    }
  };

  const base: StoreBase = {
    options: o,
    tables,
    pending,
    ready() {
      ensureOpen();
      prepared ??= (async () => {
        const { client } = await getLease();
        const state = await ensureSchema(client, family, o);
        return { client, state };
      })().catch((e) => {
        prepared = undefined;
        throw e;
      });
      return prepared;
    },
    async query(what, text, params = []) {
      const { client } = await base.ready();
      try {
        return await client.query(text, params);
      } catch (e) {
        throw translateError(e, what);
      }
    },
    async transaction(what, statements) {
      const { client } = await base.ready();
      try {
        if (statements.length === 1) {
          return [await client.query(statements[0]!.text, statements[0]!.params)];
        }
        return await client.transaction(statements);
      } catch (e) {
        throw translateError(e, what);
      }
    },
    async health() {
      const t0 = performance.now();
      try {
        if (closed) {
          return {
            healthy: false,
            message: `postgres ${family} store is closed`,
            lastCheckAt: new Date(),
          };
        }
        const { client } = await getLease();
        // One attempt, bounded by the timeout (no retries): an outage is reported promptly.
        await client.probe();
        return {
          healthy: true,
          message: `postgres (${client.driver}) reachable`,
          latencyMs: performance.now() - t0,
          lastCheckAt: new Date(),
        };
      } catch (e) {
        return {
          healthy: false,
          message: redact(`postgres unreachable: ${e instanceof Error ? e.message : String(e)}`)
            .slice(0, 300),
          latencyMs: performance.now() - t0,
          lastCheckAt: new Date(),
        };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...pending]);
      const l = lease;
      lease = undefined;
      if (l !== undefined) {
        try {
          await (await l).release();
        } catch { /* opening failed: nothing to release */ }
      }
    },
  };
  return base;
}
