/**
 * The libSQL MentalModelStore: current models in `<prefix>mental_models`, archived revisions
 * in `<prefix>mental_model_revisions`. Upserts archive and replace in one atomic batch;
 * `updateViaOps` and `refresh` are read-modify-write with an optimistic revision check, so
 * concurrent writers never lose an update.
 *
 * @module
 */
import {
  compareIds,
  mergeSourceIds,
  normalizeStructuredDoc,
  planMentalModelUpdate,
  ProviderUnavailableError,
  validateBankId,
  validateId,
} from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  HealthStatus,
  ListMentalModelsOptions,
  MentalModel,
  MentalModelInput,
  MentalModelOperation,
  MentalModelStore,
  MentalModelStoreCapabilities,
  StructuredDoc,
  UpdateViaOpsResult,
} from "@astrocyte/core";
import { type Connection, guarded, parseJson, sized, writeAtomically } from "./_connection.ts";
import {
  checkDate,
  checkObject,
  checkString,
  checkStringArray,
  createRuntime,
  fail,
  json,
} from "./_runtime.ts";
import { type LibsqlOptions, PREFIX } from "./options.ts";

type ModelFields = Omit<MentalModel, "revision" | "refreshedAt" | "bankId">;

const COLUMNS =
  "bank_id, model_id, title, content, scope, source_ids, revision, refreshed_at, kind, structured_doc, source_timestamps";

/** Attempts of an optimistic read-modify-write before giving up. */
const MAX_ATTEMPTS = 20;

function checkModel(model: unknown): ModelFields {
  const m = checkObject(model, "model");
  const modelId = validateId(m["modelId"], "model.modelId", PREFIX);
  const sourceIds = checkStringArray(m["sourceIds"], "model.sourceIds");
  const out: ModelFields = {
    modelId,
    title: checkString(m["title"], "model.title"),
    content: checkString(m["content"], "model.content"),
    scope: checkString(m["scope"], "model.scope"),
    sourceIds,
    kind: m["kind"] === undefined ? "general" : checkString(m["kind"], "model.kind"),
  };
  if (m["structuredDoc"] !== undefined && m["structuredDoc"] !== null) {
    out.structuredDoc = normalizeStructuredDoc(m["structuredDoc"], "model.structuredDoc");
  }
  const stamps = m["sourceTimestamps"];
  if (stamps !== undefined && stamps !== null) {
    if (!Array.isArray(stamps)) {
      fail("model.sourceTimestamps must be an array of Dates", "model.sourceTimestamps");
    }
    const dates = stamps.map((d, i) => checkDate(d, `model.sourceTimestamps[${i}]`));
    // Upstream rule: a misaligned array is dropped rather than stored.
    if (dates.length === sourceIds.length) out.sourceTimestamps = dates;
  }
  return out;
}

function rowToModel(r: Record<string, unknown>): MentalModel {
  const m: MentalModel = {
    modelId: String(r["model_id"]),
    bankId: String(r["bank_id"]),
    title: String(r["title"]),
    content: String(r["content"]),
    scope: String(r["scope"]),
    sourceIds: parseJson<string[]>(r["source_ids"]) ?? [],
    revision: Number(r["revision"]),
    refreshedAt: new Date(Number(r["refreshed_at"])),
    kind: String(r["kind"]),
  };
  const doc = parseJson<StructuredDoc>(r["structured_doc"]);
  if (doc !== undefined) m.structuredDoc = doc;
  const stamps = parseJson<number[]>(r["source_timestamps"]);
  if (stamps !== undefined) m.sourceTimestamps = stamps.map((t) => new Date(t));
  return m;
}

function fieldsOf(m: MentalModel): ModelFields {
  const { revision: _r, refreshedAt: _t, bankId: _b, ...fields } = m;
  return fields;
}

/**
 * Create a libSQL mental model store. `updateViaOps` uses core's `planMentalModelUpdate`, so
 * operation semantics are identical to the in-memory reference.
 *
 * @example
 * ```ts ignore
 * import { createLibsqlMentalModelStore } from "@astrocyte/libsql";
 * const models = createLibsqlMentalModelStore({ url: "file:.astrocyte/memory.db" });
 * await models.upsert({ modelId: "alice", title: "Alice", content: "# Alice", scope: "bank", sourceIds: [] }, "b1");
 * ```
 */
export function createLibsqlMentalModelStore(
  options: LibsqlOptions,
  context?: Partial<AdapterContext>,
): MentalModelStore {
  const rt = createRuntime(options, context, ["mental_models"], "Mental model store");
  const p = rt.prefix;
  const models = `${p}mental_models`;
  const revisions = `${p}mental_model_revisions`;
  const capabilities: MentalModelStoreCapabilities = {
    consistency: "strong",
    atomicBatches: true,
    persistent: rt.persistent,
  };

  function values(bankId: string, f: ModelFields): (string | number | null)[] {
    return [
      bankId,
      f.modelId,
      f.title,
      f.content,
      f.scope,
      JSON.stringify(f.sourceIds),
      f.kind,
      json(f.structuredDoc),
      f.sourceTimestamps === undefined ? null : JSON.stringify(f.sourceTimestamps.map(Number)),
    ];
  }

  async function current(conn: Connection, modelId: string, bankId: string) {
    const rs = await guarded("Reading a mental model", () =>
      conn.client.execute({
        sql: `SELECT ${COLUMNS} FROM ${models} WHERE bank_id = ? AND model_id = ?`,
        args: [bankId, modelId],
      }));
    const row = rs.rows[0];
    return row === undefined ? null : rowToModel(row as Record<string, unknown>);
  }

  /**
   * Replace revision `expected` of a model with `fields` (revision + 1), archiving it. Returns
   * the new model, or `null` when another writer changed the model first.
   */
  async function replaceIf(
    conn: Connection,
    bankId: string,
    expected: number,
    fields: ModelFields,
  ): Promise<MentalModel | null> {
    const [, updated, after] = await writeAtomically(conn, [
      sized(
        `INSERT INTO ${revisions} (${COLUMNS}) SELECT ${COLUMNS} FROM ${models} ` +
          `WHERE bank_id = ? AND model_id = ? AND revision = ?`,
        [bankId, fields.modelId, expected],
      ),
      sized(
        `UPDATE ${models} SET title = ?, content = ?, scope = ?, source_ids = ?, kind = ?, ` +
          `structured_doc = ?, source_timestamps = ?, revision = revision + 1, ` +
          `refreshed_at = MAX(?, refreshed_at) WHERE bank_id = ? AND model_id = ? AND revision = ?`,
        [...values(bankId, fields).slice(2), Date.now(), bankId, fields.modelId, expected],
      ),
      sized(`SELECT ${COLUMNS} FROM ${models} WHERE bank_id = ? AND model_id = ?`, [
        bankId,
        fields.modelId,
      ]),
    ], "Updating a mental model");
    if (updated!.rowsAffected === 0) return null;
    return rowToModel(after!.rows[0] as Record<string, unknown>);
  }

  /** Read-modify-write with retries on concurrent changes. */
  async function modify<T>(
    modelId: string,
    bankId: string,
    change: (m: MentalModel) => { fields: ModelFields; result: (next: MentalModel) => T } | {
      done: T;
    },
  ): Promise<T | null> {
    const conn = await rt.ready();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const m = await current(conn, modelId, bankId);
      if (m === null) return null;
      const plan = change(m);
      if ("done" in plan) return plan.done;
      const next = await replaceIf(conn, bankId, m.revision, plan.fields);
      if (next !== null) return plan.result(next);
    }
    throw new ProviderUnavailableError(
      `${PREFIX} Mental model ${
        JSON.stringify(modelId)
      } kept changing; gave up after ${MAX_ATTEMPTS} attempts`,
      { provider: "libsql", retryable: true },
    );
  }

  const store: MentalModelStore = {
    capabilities,

    async upsert(model: MentalModelInput, bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const f = checkModel(model);
      const conn = await rt.ready();
      const v = values(bankId, f);
      const results = await writeAtomically(conn, [
        sized(
          `INSERT INTO ${revisions} (${COLUMNS}) SELECT ${COLUMNS} FROM ${models} ` +
            `WHERE bank_id = ? AND model_id = ?`,
          [bankId, f.modelId],
        ),
        sized(
          `INSERT INTO ${models} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 1, ` +
            `MAX(?, COALESCE((SELECT MAX(refreshed_at) FROM ${revisions} ` +
            `WHERE bank_id = ? AND model_id = ?), 0)), ?, ?, ?) ` +
            `ON CONFLICT (bank_id, model_id) DO UPDATE SET title = excluded.title, ` +
            `content = excluded.content, scope = excluded.scope, source_ids = excluded.source_ids, ` +
            `kind = excluded.kind, structured_doc = excluded.structured_doc, ` +
            `source_timestamps = excluded.source_timestamps, revision = ${models}.revision + 1, ` +
            `refreshed_at = MAX(excluded.refreshed_at, ${models}.refreshed_at)`,
          [...v.slice(0, 6), Date.now(), bankId, f.modelId, ...v.slice(6)],
        ),
        sized(`SELECT revision FROM ${models} WHERE bank_id = ? AND model_id = ?`, [
          bankId,
          f.modelId,
        ]),
      ], "Upserting a mental model");
      return Number(results[2]!.rows[0]?.["revision"]);
    },

    async get(modelId: string, bankId: string): Promise<MentalModel | null> {
      validateBankId(bankId, PREFIX);
      return await current(await rt.ready(), String(modelId), bankId);
    },

    async list(bankId: string, opts: ListMentalModelsOptions = {}): Promise<MentalModel[]> {
      validateBankId(bankId, PREFIX);
      const { scope, kind } = opts ?? {};
      const conn = await rt.ready();
      const rs = await guarded("Listing mental models", () =>
        conn.client.execute({
          sql: `SELECT ${COLUMNS} FROM ${models} WHERE bank_id = ? ` +
            `AND (? IS NULL OR scope = ?) AND (? IS NULL OR kind = ?)`,
          args: [bankId, scope ?? null, scope ?? null, kind ?? null, kind ?? null],
        }));
      return rs.rows.map((r) => rowToModel(r as Record<string, unknown>)).sort((a, b) =>
        compareIds(a.modelId, b.modelId)
      );
    },

    async history(modelId: string, bankId: string): Promise<MentalModel[]> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const rs = await guarded("Reading mental model history", () =>
        conn.client.execute({
          sql: `SELECT ${COLUMNS} FROM ${revisions} WHERE bank_id = ? AND model_id = ? ` +
            `ORDER BY rid ASC`,
          args: [bankId, String(modelId)],
        }));
      return rs.rows.map((r) => rowToModel(r as Record<string, unknown>));
    },

    async delete(modelId: string, bankId: string): Promise<boolean> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const id = String(modelId);
      // The archived revisions stay; the current row goes.
      const [deleted] = await writeAtomically(conn, [
        sized(`DELETE FROM ${models} WHERE bank_id = ? AND model_id = ?`, [bankId, id]),
      ], "Deleting a mental model");
      return deleted!.rowsAffected > 0;
    },

    async updateViaOps(
      modelId: string,
      bankId: string,
      operations: MentalModelOperation[],
    ): Promise<UpdateViaOpsResult | null> {
      validateBankId(bankId, PREFIX);
      return await modify<UpdateViaOpsResult>(String(modelId), bankId, (m) => {
        const plan = planMentalModelUpdate(m, operations);
        if (!plan.changed) return { done: { revision: m.revision, report: plan.report } };
        return {
          fields: { ...fieldsOf(m), content: plan.content, structuredDoc: plan.structuredDoc },
          result: (next) => ({ revision: next.revision, report: plan.report }),
        };
      });
    },

    async refresh(
      modelId: string,
      bankId: string,
      newSourceIds: string[],
    ): Promise<MentalModel | null> {
      validateBankId(bankId, PREFIX);
      const incoming = checkStringArray(newSourceIds, "newSourceIds");
      return await modify<MentalModel>(String(modelId), bankId, (m) => {
        const sourceIds = mergeSourceIds(m.sourceIds, incoming);
        const fields: ModelFields = { ...fieldsOf(m), sourceIds };
        if (
          fields.sourceTimestamps !== undefined &&
          fields.sourceTimestamps.length !== sourceIds.length
        ) {
          delete fields.sourceTimestamps;
        }
        return { fields, result: (next) => next };
      });
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const [live] = await writeAtomically(conn, [
        sized(`DELETE FROM ${models} WHERE bank_id = ?`, [bankId]),
        sized(`DELETE FROM ${revisions} WHERE bank_id = ?`, [bankId]),
      ], "Deleting a bank");
      return live!.rowsAffected;
    },

    health(): Promise<HealthStatus> {
      return rt.health();
    },

    close(): Promise<void> {
      return rt.close();
    },

    [Symbol.asyncDispose](): Promise<void> {
      return store.close();
    },
  };
  return enforceInputRules("mentalModelStore", store, PREFIX);
}
