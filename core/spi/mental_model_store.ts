/**
 * The MentalModelStore SPI: curated, refreshable "saved reflect" summaries with revisions.
 *
 * @module
 */
import type { JsonValue, Store, StoreCapabilities } from "../types.ts";

/** The MentalModelStore SPI version this core implements. */
export const MENTAL_MODEL_STORE_SPI_VERSION = 1 as const;

/** One section of a structured mental-model document. */
export interface MentalModelSection {
  /** Stable section id within the document. */
  id: string;
  /** Section heading. */
  heading: string;
  /** Bullet items of the section. */
  items: string[];
}

/** The structured form of a mental model, from which `content` is rendered as markdown. */
export interface StructuredDoc {
  /** Ordered sections. */
  sections: MentalModelSection[];
}

/** A mental model revision as stored. The key is `(bankId, modelId)`. */
export interface MentalModel {
  /** Model id. */
  modelId: string;
  /** Owning bank. */
  bankId: string;
  /** Title. */
  title: string;
  /** Markdown content. */
  content: string;
  /** Scope, e.g. `bank` or `person:alice`. */
  scope: string;
  /** Memory ids the model summarises. */
  sourceIds: string[];
  /** Revision assigned by the store. */
  revision: number;
  /** When this revision was stored (stamped by the store). */
  refreshedAt: Date;
  /** `general` or `preference`. @default {"general"} */
  kind: string;
  /** Structured document, when the model has one. */
  structuredDoc?: StructuredDoc;
  /** Timestamps of the sources; same length as `sourceIds` (dropped otherwise). */
  sourceTimestamps?: Date[];
}

/**
 * A model as given to {@linkcode MentalModelStore.upsert}: `revision`, `refreshedAt` and
 * `bankId` are assigned by the store; `kind` defaults to `general`.
 */
export type MentalModelInput =
  & Omit<MentalModel, "revision" | "refreshedAt" | "bankId" | "kind">
  & Partial<Pick<MentalModel, "revision" | "refreshedAt" | "bankId" | "kind">>;

/**
 * A structured delta operation for {@linkcode MentalModelStore.updateViaOps}. Operations are
 * plain JSON objects so they can come from an LLM; invalid ones are skipped, not thrown.
 */
export type MentalModelOperation = { [key: string]: JsonValue };

/** What `updateViaOps` did. */
export interface UpdateViaOpsReport {
  /** Operations that changed the document. */
  applied: MentalModelOperation[];
  /** Operations that were dropped (invalid, unknown section, no effect). */
  skipped: MentalModelOperation[];
  /** Whether the document changed (and the revision was bumped). */
  changed: boolean;
}

/** Result of `updateViaOps`. */
export interface UpdateViaOpsResult {
  /** The current revision after the call. */
  revision: number;
  /** What was applied and skipped. */
  report: UpdateViaOpsReport;
}

/** Options for {@linkcode MentalModelStore.list}. */
export interface ListMentalModelsOptions {
  /** Exact scope match. */
  scope?: string;
  /** Exact kind match. */
  kind?: string;
}

/** What a MentalModelStore instance supports. */
export type MentalModelStoreCapabilities = StoreCapabilities;

/** Mental model storage with archived revisions, scoped per bank. */
export interface MentalModelStore extends Store<MentalModelStoreCapabilities> {
  /** Create (revision 1) or replace (previous + 1, archived). Returns the new revision. */
  upsert(model: MentalModelInput, bankId: string): Promise<number>;
  /** The current revision, or `null` if missing or deleted. */
  get(modelId: string, bankId: string): Promise<MentalModel | null>;
  /** Current models of the bank ordered by model id. */
  list(bankId: string, options?: ListMentalModelsOptions): Promise<MentalModel[]>;
  /** Archived revisions of a model, oldest first (kept after `delete`). */
  history(modelId: string, bankId: string): Promise<MentalModel[]>;
  /**
   * Remove the current row and keep its history. `false` if missing. An upsert afterwards
   * starts again at revision 1.
   */
  delete(modelId: string, bankId: string): Promise<boolean>;
  /**
   * Apply structured operations to the model's structured document, re-render `content` and
   * upsert when something changed. `null` when the model does not exist.
   */
  updateViaOps(
    modelId: string,
    bankId: string,
    operations: MentalModelOperation[],
  ): Promise<UpdateViaOpsResult | null>;
  /**
   * Merge new source ids (existing first, then new ones in order, deduplicated), bump the
   * revision and return the refreshed model; `null` when missing.
   */
  refresh(modelId: string, bankId: string, newSourceIds: string[]): Promise<MentalModel | null>;
  /** Remove every model and its history from the bank. Returns the number of models removed. */
  deleteBank(bankId: string): Promise<number>;
}
