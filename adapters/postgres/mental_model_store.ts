/**
 * The Postgres {@linkcode MentalModelStore}: current models plus archived revisions, with the
 * structured-document operations and source merging of `@astrocyte/core`.
 *
 * @module
 */
import {
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
  ListMentalModelsOptions,
  MentalModel,
  MentalModelInput,
  MentalModelOperation,
  MentalModelStore,
  MentalModelStoreCapabilities,
  StructuredDoc,
  UpdateViaOpsResult,
} from "@astrocyte/core";
import { PREFIX } from "./options.ts";
import type { PostgresOptions } from "./options.ts";
import type { Row, SqlStatement } from "./_client.ts";
import { PROVIDER } from "./_errors.ts";
import {
  asDate,
  asDateArray,
  asInt,
  asJson,
  asTextArray,
  codeUnitKey,
  dateArrayParam,
  hasNul,
  jsonParam,
  textArrayParam,
} from "./_sql.ts";
import { createStoreBase } from "./_store.ts";
import {
  checkArray,
  checkDate,
  checkObject,
  checkString,
  checkStringArray,
  fail,
} from "./_validate.ts";

type ModelFields = Omit<MentalModel, "revision" | "refreshedAt" | "bankId">;

function checkModel(model: unknown): ModelFields {
  const m = checkObject(model, "model");
  const modelId = validateId(m.modelId, "model.modelId", PREFIX);
  checkString(modelId, "model.modelId");
  const sourceIds = checkStringArray(m.sourceIds, "model.sourceIds");
  const out: ModelFields = {
    modelId,
    title: checkString(m.title, "model.title"),
    content: checkString(m.content, "model.content"),
    scope: checkString(m.scope, "model.scope"),
    sourceIds,
    kind: m.kind === undefined ? "general" : checkString(m.kind, "model.kind"),
  };
  if (m.structuredDoc !== undefined && m.structuredDoc !== null) {
    out.structuredDoc = normalizeStructuredDoc(m.structuredDoc, "model.structuredDoc");
  }
  if (m.sourceTimestamps !== undefined && m.sourceTimestamps !== null) {
    if (!Array.isArray(m.sourceTimestamps)) {
      fail("model.sourceTimestamps must be an array of Dates", "model.sourceTimestamps");
    }
    const stamps = m.sourceTimestamps.map((d, i) => checkDate(d, `model.sourceTimestamps[${i}]`));
    // Upstream rule: a misaligned array is dropped rather than stored.
    if (stamps.length === sourceIds.length) out.sourceTimestamps = stamps;
  }
  return out;
}

const COLUMNS =
  `model_id, title, content, scope, source_ids, revision, refreshed_at, kind, structured_doc, source_timestamps`;

function toModel(r: Row, bankId: string): MentalModel {
  const m: MentalModel = {
    modelId: String(r.model_id),
    bankId,
    title: String(r.title),
    content: String(r.content),
    scope: String(r.scope),
    sourceIds: asTextArray(r.source_ids) ?? [],
    revision: asInt(r.revision),
    refreshedAt: asDate(r.refreshed_at) ?? new Date(0),
    kind: String(r.kind),
  };
  const doc = asJson<StructuredDoc>(r.structured_doc);
  if (doc !== undefined) m.structuredDoc = doc;
  const stamps = asDateArray(r.source_timestamps);
  if (stamps !== undefined) m.sourceTimestamps = stamps;
  return m;
}

/** How many times a read-modify-write retries when another writer got in between. */
const MAX_ATTEMPTS = 8;

/**
 * Create a Postgres {@linkcode MentalModelStore}. `upsert` is one transaction (advisory lock
 * on the model, archive the current row, write revision 1 or previous + 1). `updateViaOps`
 * and `refresh` read the model, compute the change with core's shared semantics
 * (`planMentalModelUpdate`, `mergeSourceIds`) and write it only if the revision is still the
 * one they read, retrying otherwise, so concurrent updates never lose each other.
 *
 * @example
 * ```ts ignore
 * import { createPostgresMentalModelStore } from "@astrocyte/postgres";
 *
 * const models = createPostgresMentalModelStore({ url: "memory://" });
 * const rev = await models.upsert({
 *   modelId: "m", title: "Alice", content: "…", scope: "bank", sourceIds: [],
 * }, "b");
 * console.log(rev); // 1
 * ```
 */
export function createPostgresMentalModelStore(
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): MentalModelStore {
  const base = createStoreBase("mental_model", options, context);
  const t = base.tables;
  const lockKey = (bankId: string, modelId: string) =>
    JSON.stringify([
      "mental_model",
      base.options.schema,
      base.options.tablePrefix,
      bankId,
      modelId,
    ]);

  const capabilities: MentalModelStoreCapabilities = Object.freeze(
    {
      consistency: "strong",
      atomicBatches: true,
      persistent: true,
    } as const,
  );

  const lock = (bankId: string, modelId: string): SqlStatement => ({
    text: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
    params: [lockKey(bankId, modelId)],
  });

  /** Archive statement; with `expected`, only when the current revision is that one. */
  const archive = (bankId: string, modelId: string, expected?: number): SqlStatement => ({
    text: `INSERT INTO ${t.mentalModelHistory} (bank_id, ${COLUMNS})
      SELECT bank_id, ${COLUMNS} FROM ${t.mentalModels} WHERE bank_id = $1 AND model_id = $2${
      expected === undefined ? "" : " AND revision = $3::int"
    }`,
    params: expected === undefined ? [bankId, modelId] : [bankId, modelId, expected],
  });

  const fieldParams = (f: ModelFields) => [
    f.title,
    f.content,
    f.scope,
    textArrayParam(f.sourceIds),
    f.kind,
    jsonParam(f.structuredDoc),
    dateArrayParam(f.sourceTimestamps),
    new Date().toISOString(),
  ];

  const read = async (modelId: string, bankId: string): Promise<MentalModel | null> => {
    const rows = await base.query(
      "Reading a mental model",
      `SELECT ${COLUMNS} FROM ${t.mentalModels} WHERE bank_id = $1 AND model_id = $2`,
      [bankId, modelId],
    );
    return rows.length === 0 ? null : toModel(rows[0]!, bankId);
  };

  /**
   * Write `fields` as the next revision if the current revision is still `expected`.
   * Returns the stored model, or `null` when another writer changed it first.
   */
  const writeIfCurrent = async (
    fields: ModelFields,
    bankId: string,
    expected: number,
  ): Promise<MentalModel | null> => {
    const results = await base.transaction("Updating a mental model", [
      lock(bankId, fields.modelId),
      archive(bankId, fields.modelId, expected),
      {
        text: `UPDATE ${t.mentalModels} m SET title = $4, content = $5, scope = $6,
            source_ids = $7::text[], kind = $8, structured_doc = $9::jsonb,
            source_timestamps = $10::timestamptz[], revision = m.revision + 1,
            refreshed_at = GREATEST($11::timestamptz, m.refreshed_at)
          WHERE m.bank_id = $1 AND m.model_id = $2 AND m.revision = $3::int
          RETURNING ${COLUMNS}`,
        params: [bankId, fields.modelId, expected, ...fieldParams(fields)],
      },
    ]);
    const rows = results.at(-1) ?? [];
    return rows.length === 0 ? null : toModel(rows[0]!, bankId);
  };

  /** Read, change, write-if-unchanged, retrying on a concurrent change. */
  const modify = async <T>(
    modelId: string,
    bankId: string,
    change: (current: MentalModel) => { fields: ModelFields; result: (m: MentalModel) => T } | {
      unchanged: T;
    },
  ): Promise<T | null> => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await read(modelId, bankId);
      if (current === null) return null;
      const plan = change(current);
      if ("unchanged" in plan) return plan.unchanged;
      const stored = await writeIfCurrent(plan.fields, bankId, current.revision);
      if (stored !== null) return plan.result(stored);
    }
    throw new ProviderUnavailableError(
      `${PREFIX} Updating mental model ${
        JSON.stringify(modelId)
      } kept conflicting with concurrent writers`,
      { provider: PROVIDER, retryable: true },
    );
  };

  const fieldsOf = (m: MentalModel): ModelFields => {
    const { revision: _r, refreshedAt: _t, bankId: _b, ...fields } = m;
    return fields;
  };

  const store: MentalModelStore = {
    capabilities,

    async upsert(model: MentalModelInput, bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const f = checkModel(model);
      const results = await base.transaction("Upserting a mental model", [
        lock(bankId, f.modelId),
        archive(bankId, f.modelId),
        {
          // A new row starts at revision 1 (also after a delete); its stamp never goes back
          // before the newest archived revision's.
          text: `INSERT INTO ${t.mentalModels} (bank_id, ${COLUMNS})
            VALUES ($1, $2, $3, $4, $5, $6::text[], 1,
              GREATEST($10::timestamptz, (SELECT max(refreshed_at) FROM ${t.mentalModelHistory}
                WHERE bank_id = $1 AND model_id = $2)),
              $7, $8::jsonb, $9::timestamptz[])
            ON CONFLICT (bank_id, model_id) DO UPDATE SET title = EXCLUDED.title,
              content = EXCLUDED.content, scope = EXCLUDED.scope,
              source_ids = EXCLUDED.source_ids, kind = EXCLUDED.kind,
              structured_doc = EXCLUDED.structured_doc,
              source_timestamps = EXCLUDED.source_timestamps,
              revision = ${t.mentalModels}.revision + 1,
              refreshed_at = GREATEST(EXCLUDED.refreshed_at, ${t.mentalModels}.refreshed_at)
            RETURNING revision`,
          params: [
            bankId,
            f.modelId,
            f.title,
            f.content,
            f.scope,
            textArrayParam(f.sourceIds),
            f.kind,
            jsonParam(f.structuredDoc),
            dateArrayParam(f.sourceTimestamps),
            new Date().toISOString(),
          ],
        },
      ]);
      return asInt(results.at(-1)?.[0]?.revision);
    },

    async get(modelId: string, bankId: string): Promise<MentalModel | null> {
      validateBankId(bankId, PREFIX);
      if (typeof modelId !== "string" || hasNul(modelId)) return null;
      return await read(modelId, bankId);
    },

    async list(bankId: string, options: ListMentalModelsOptions = {}): Promise<MentalModel[]> {
      validateBankId(bankId, PREFIX);
      const params: unknown[] = [bankId];
      let where = "";
      if (options?.scope != null) {
        params.push(options.scope);
        where += ` AND scope = $${params.length}`;
      }
      if (options?.kind != null) {
        params.push(options.kind);
        where += ` AND kind = $${params.length}`;
      }
      const rows = await base.query(
        "Listing mental models",
        `SELECT ${COLUMNS} FROM ${t.mentalModels} WHERE bank_id = $1${where}
          ORDER BY ${codeUnitKey("model_id")}`,
        params,
      );
      return rows.map((r) => toModel(r, bankId));
    },

    async history(modelId: string, bankId: string): Promise<MentalModel[]> {
      validateBankId(bankId, PREFIX);
      if (typeof modelId !== "string" || hasNul(modelId)) return [];
      const rows = await base.query(
        "Reading mental model history",
        `SELECT ${COLUMNS} FROM ${t.mentalModelHistory} WHERE bank_id = $1 AND model_id = $2
          ORDER BY seq`,
        [bankId, modelId],
      );
      return rows.map((r) => toModel(r, bankId));
    },

    async delete(modelId: string, bankId: string): Promise<boolean> {
      validateBankId(bankId, PREFIX);
      if (typeof modelId !== "string" || hasNul(modelId)) return false;
      const rows = await base.query(
        "Deleting a mental model",
        `WITH d AS (DELETE FROM ${t.mentalModels} WHERE bank_id = $1 AND model_id = $2
            RETURNING 1) SELECT count(*)::int AS n FROM d`,
        [bankId, modelId],
      );
      return asInt(rows[0]?.n) > 0;
    },

    async updateViaOps(
      modelId: string,
      bankId: string,
      operations: MentalModelOperation[],
    ): Promise<UpdateViaOpsResult | null> {
      validateBankId(bankId, PREFIX);
      if (typeof modelId !== "string" || hasNul(modelId)) return null;
      return await modify<UpdateViaOpsResult>(modelId, bankId, (m) => {
        const plan = planMentalModelUpdate(m, operations);
        if (!plan.changed) return { unchanged: { revision: m.revision, report: plan.report } };
        return {
          fields: { ...fieldsOf(m), content: plan.content, structuredDoc: plan.structuredDoc },
          result: (stored) => ({ revision: stored.revision, report: plan.report }),
        };
      });
    },

    async refresh(
      modelId: string,
      bankId: string,
      newSourceIds: string[],
    ): Promise<MentalModel | null> {
      validateBankId(bankId, PREFIX);
      checkArray(newSourceIds, "newSourceIds");
      const incoming = checkStringArray(newSourceIds, "newSourceIds");
      if (typeof modelId !== "string" || hasNul(modelId)) return null;
      return await modify<MentalModel>(modelId, bankId, (m) => {
        const sourceIds = mergeSourceIds(m.sourceIds, incoming);
        const fields: ModelFields = { ...fieldsOf(m), sourceIds };
        if (
          fields.sourceTimestamps !== undefined &&
          fields.sourceTimestamps.length !== sourceIds.length
        ) {
          delete fields.sourceTimestamps;
        }
        return { fields, result: (stored) => stored };
      });
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const [, deleted] = await base.transaction("Deleting a bank", [
        { text: `DELETE FROM ${t.mentalModelHistory} WHERE bank_id = $1`, params: [bankId] },
        {
          text: `WITH d AS (DELETE FROM ${t.mentalModels} WHERE bank_id = $1 RETURNING 1)
            SELECT count(*)::int AS n FROM d`,
          params: [bankId],
        },
      ]);
      return asInt(deleted?.[0]?.n);
    },

    health: () => base.health(),
    close: () => base.close(),
    [Symbol.asyncDispose]: () => base.close(),
  };
  return enforceInputRules("mentalModelStore", store, PREFIX);
}
