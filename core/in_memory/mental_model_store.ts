/**
 * The in-memory reference MentalModelStore: current models and archived revisions kept per
 * bank. It defines the semantics every MentalModelStore adapter must match (`spi.md` §2.1,
 * §2.8, §2.11): models are keyed by `(bankId, modelId)`; the store assigns `revision` (1 on
 * create, previous + 1 on each upsert), stamps `refreshedAt` and `bankId`, defaults `kind`
 * to `general` and drops `sourceTimestamps` whose length differs from `sourceIds`; the
 * prior revision is archived; `delete` removes the current row but keeps its history, and a
 * later upsert starts again at revision 1; `list` is ordered by model id; `refresh` merges
 * source ids (order-preserving dedup) and bumps the revision; `updateViaOps` follows
 * `planMentalModelUpdate`. Every returned object is a copy.
 *
 * @example
 * ```ts
 * import { createInMemoryMentalModelStore } from "@astrocyte/core";
 *
 * const models = createInMemoryMentalModelStore();
 * await models.upsert({
 *   modelId: "alice",
 *   title: "Alice",
 *   content: "## Tools\n\n- Slack",
 *   scope: "person:alice",
 *   sourceIds: ["m1"],
 * }, "user-1");
 * const result = await models.updateViaOps("alice", "user-1", [
 *   { op: "append_block", section_id: "tools", block: { type: "bullet_list", items: ["Linear"] } },
 * ]);
 * console.log(result?.revision, result?.report.changed); // 2 true
 * ```
 *
 * @module
 */
import type {
  ListMentalModelsOptions,
  MentalModel,
  MentalModelInput,
  MentalModelOperation,
  MentalModelStore,
  MentalModelStoreCapabilities,
  StructuredDoc,
  UpdateViaOpsResult,
} from "../spi/mental_model_store.ts";
import type { HealthStatus } from "../types.ts";
import { compareIds, validateBankId, validateId } from "../util/validate.ts";
import { enforceInputRules } from "../util/input_rules.ts";
import {
  mergeSourceIds,
  normalizeStructuredDoc,
  planMentalModelUpdate,
} from "./_mental_model_ops.ts";
import {
  checkDate,
  checkObject,
  checkString,
  checkStringArray,
  fail,
  PREFIX,
  settle,
  stampAfter,
} from "./_record_checks.ts";

const CAPABILITIES: MentalModelStoreCapabilities = Object.freeze({
  consistency: "strong",
  atomicBatches: true,
  persistent: false,
});

/** A model's current revision (null after `delete`) and its archived revisions. */
interface ModelEntry {
  current: MentalModel | null;
  history: MentalModel[];
}

/** The validated caller fields of a model (everything the store does not assign). */
type ModelFields = Omit<MentalModel, "revision" | "refreshedAt" | "bankId">;

function checkModel(model: unknown): ModelFields {
  const m = checkObject(model, "model");
  const modelId = validateId(m.modelId, "model.modelId", PREFIX);
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

function copyDoc(doc: StructuredDoc): StructuredDoc {
  return structuredClone(doc);
}

function copyModel(model: MentalModel): MentalModel {
  const out: MentalModel = {
    modelId: model.modelId,
    bankId: model.bankId,
    title: model.title,
    content: model.content,
    scope: model.scope,
    sourceIds: [...model.sourceIds],
    revision: model.revision,
    refreshedAt: new Date(model.refreshedAt.getTime()),
    kind: model.kind,
  };
  if (model.structuredDoc !== undefined) out.structuredDoc = copyDoc(model.structuredDoc);
  if (model.sourceTimestamps !== undefined) {
    out.sourceTimestamps = model.sourceTimestamps.map((d) => new Date(d.getTime()));
  }
  return out;
}

/**
 * Create the in-memory reference MentalModelStore. Data lives in the instance; two instances
 * share nothing.
 */
export function createInMemoryMentalModelStore(): MentalModelStore {
  /** bankId → modelId → entry. */
  const banks = new Map<string, Map<string, ModelEntry>>();

  const current = (modelId: string, bankId: string): MentalModel | null =>
    banks.get(bankId)?.get(modelId)?.current ?? null;

  /** Store validated fields as the next revision; returns the stored model. */
  const put = (fields: ModelFields, bankId: string): MentalModel => {
    let bank = banks.get(bankId);
    if (bank === undefined) {
      bank = new Map();
      banks.set(bankId, bank);
    }
    let e = bank.get(fields.modelId);
    if (e === undefined) {
      e = { current: null, history: [] };
      bank.set(fields.modelId, e);
    }
    const prev = e.current;
    const next: MentalModel = {
      ...fields,
      bankId,
      revision: prev === null ? 1 : prev.revision + 1,
      refreshedAt: stampAfter(prev?.refreshedAt ?? e.history.at(-1)?.refreshedAt),
    };
    if (prev !== null) e.history.push(prev);
    e.current = next;
    return next;
  };

  const store: MentalModelStore = {
    capabilities: CAPABILITIES,

    upsert(model: MentalModelInput, bankId: string): Promise<number> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        return put(checkModel(model), bankId).revision;
      });
    },

    get(modelId: string, bankId: string): Promise<MentalModel | null> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const m = current(modelId, bankId);
        return m === null ? null : copyModel(m);
      });
    },

    list(bankId: string, options: ListMentalModelsOptions = {}): Promise<MentalModel[]> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined) return [];
        const { scope, kind } = options ?? {};
        const out: MentalModel[] = [];
        for (const e of bank.values()) {
          const m = e.current;
          if (m === null) continue;
          if (scope != null && m.scope !== scope) continue;
          if (kind != null && m.kind !== kind) continue;
          out.push(copyModel(m));
        }
        return out.sort((a, b) => compareIds(a.modelId, b.modelId));
      });
    },

    history(modelId: string, bankId: string): Promise<MentalModel[]> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        return banks.get(bankId)?.get(modelId)?.history.map(copyModel) ?? [];
      });
    },

    delete(modelId: string, bankId: string): Promise<boolean> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const e = banks.get(bankId)?.get(modelId);
        if (e === undefined || e.current === null) return false;
        e.current = null;
        return true;
      });
    },

    updateViaOps(
      modelId: string,
      bankId: string,
      operations: MentalModelOperation[],
    ): Promise<UpdateViaOpsResult | null> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const m = current(modelId, bankId);
        if (m === null) return null;
        const plan = planMentalModelUpdate(m, operations);
        if (!plan.changed) return { revision: m.revision, report: plan.report };
        const { revision: _r, refreshedAt: _t, bankId: _b, ...fields } = m;
        const next = put(
          { ...fields, content: plan.content, structuredDoc: plan.structuredDoc },
          bankId,
        );
        return { revision: next.revision, report: plan.report };
      });
    },

    refresh(modelId: string, bankId: string, newSourceIds: string[]): Promise<MentalModel | null> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const incoming = checkStringArray(newSourceIds, "newSourceIds");
        const m = current(modelId, bankId);
        if (m === null) return null;
        const { revision: _r, refreshedAt: _t, bankId: _b, ...fields } = m;
        const sourceIds = mergeSourceIds(m.sourceIds, incoming);
        const next: ModelFields = { ...fields, sourceIds };
        if (
          next.sourceTimestamps !== undefined && next.sourceTimestamps.length !== sourceIds.length
        ) {
          delete next.sourceTimestamps;
        }
        return copyModel(put(next, bankId));
      });
    },

    deleteBank(bankId: string): Promise<number> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined) return 0;
        banks.delete(bankId);
        let live = 0;
        for (const e of bank.values()) if (e.current !== null) live++;
        return live;
      });
    },

    health(): Promise<HealthStatus> {
      return Promise.resolve({
        healthy: true,
        message: "in-memory mental model store",
        latencyMs: 0,
        lastCheckAt: new Date(),
      });
    },

    close(): Promise<void> {
      return Promise.resolve();
    },

    [Symbol.asyncDispose](): Promise<void> {
      return store.close();
    },
  };
  return enforceInputRules("mentalModelStore", store, "[astrocyte/core]");
}
