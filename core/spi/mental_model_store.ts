/**
 * The MentalModelStore SPI: curated, refreshable "saved reflect" summaries with revisions.
 *
 * @module
 */
import type { JsonValue, Store, StoreCapabilities } from "../types.ts";

/** The MentalModelStore SPI version this core implements. */
export const MENTAL_MODEL_STORE_SPI_VERSION = 1 as const;

/** A paragraph block of a structured document; rendered as its text. */
export type ParagraphBlock = {
  /** Block type. */
  type: "paragraph";
  /** Paragraph text (trailing whitespace is dropped when rendered). */
  text: string;
};

/** A bullet list block; rendered as `- item` lines. */
export type BulletListBlock = {
  /** Block type. */
  type: "bullet_list";
  /** List items. @default {[]} */
  items: string[];
};

/** An ordered list block; rendered as `1. item` lines. */
export type OrderedListBlock = {
  /** Block type. */
  type: "ordered_list";
  /** List items. @default {[]} */
  items: string[];
};

/** A fenced code block; rendered as ```` ```language ```` … ```` ``` ````. */
export type CodeBlock = {
  /** Block type. */
  type: "code";
  /** Fence language. @default {""} */
  language?: string;
  /** Code, without the fences. */
  text: string;
};

/**
 * One block of a section. The JSON shape is upstream astrocyte-py's structured-doc schema
 * (v1), so documents stored by either implementation read the same.
 */
export type StructuredDocBlock = ParagraphBlock | BulletListBlock | OrderedListBlock | CodeBlock;

/** One section of a structured mental-model document. */
export type MentalModelSection = {
  /** Stable section id within the document (a slug of the heading); ops target it. */
  id: string;
  /** Heading text, without the `#` prefix. */
  heading: string;
  /** Heading level 1–6. @default {2} */
  level?: number;
  /** Ordered blocks. @default {[]} */
  blocks: StructuredDocBlock[];
};

/**
 * The structured form of a mental model, from which `content` is rendered as markdown (see
 * `renderStructuredDoc`). Plain JSON, the same shape as upstream's `structured_doc`.
 * Stores return it normalised: `version`, every `level`, `language` and `items` filled in.
 */
export type StructuredDoc = {
  /** Schema version. @default {1} */
  version?: 1;
  /** Ordered sections. */
  sections: MentalModelSection[];
};

/** Append a block at the end of an existing section. */
export type AppendBlockOperation = {
  /** Operation name. */
  op: "append_block";
  /** Target section id. */
  section_id: string;
  /** The new block. */
  block: StructuredDocBlock;
};

/** Insert a block at `index` (0 ≤ index ≤ number of blocks) of an existing section. */
export type InsertBlockOperation = {
  /** Operation name. */
  op: "insert_block";
  /** Target section id. */
  section_id: string;
  /** Position, an integer from 0 to the section's block count. */
  index: number;
  /** The new block. */
  block: StructuredDocBlock;
};

/** Replace the block at `index` of an existing section. */
export type ReplaceBlockOperation = {
  /** Operation name. */
  op: "replace_block";
  /** Target section id. */
  section_id: string;
  /** Position of an existing block. */
  index: number;
  /** The replacement block. */
  block: StructuredDocBlock;
};

/** Remove the block at `index` of an existing section. */
export type RemoveBlockOperation = {
  /** Operation name. */
  op: "remove_block";
  /** Target section id. */
  section_id: string;
  /** Position of an existing block. */
  index: number;
};

/**
 * Add a section after `after_section_id` (at the end when absent or null). Its id is
 * `new_id` or the slug of the heading, made unique with `-2`, `-3`, …; the applied entry of
 * the report carries it as `assigned_id`.
 */
export type AddSectionOperation = {
  /** Operation name. */
  op: "add_section";
  /** Heading text. */
  heading: string;
  /** Heading level 1–6. @default {2} */
  level?: number;
  /** Initial blocks. @default {[]} */
  blocks?: StructuredDocBlock[];
  /** Insert after this section; the end when absent or null. */
  after_section_id?: string | null;
  /** Preferred id; the heading's slug when absent, null or empty. */
  new_id?: string | null;
};

/** Remove a section by id. */
export type RemoveSectionOperation = {
  /** Operation name. */
  op: "remove_section";
  /** Target section id. */
  section_id: string;
};

/** Replace every block of a section, keeping its id and heading. */
export type ReplaceSectionBlocksOperation = {
  /** Operation name. */
  op: "replace_section_blocks";
  /** Target section id. */
  section_id: string;
  /** The new blocks. @default {[]} */
  blocks?: StructuredDocBlock[];
};

/** Rename a section's heading; its id stays, so later operations still resolve. */
export type RenameSectionOperation = {
  /** Operation name. */
  op: "rename_section";
  /** Target section id. */
  section_id: string;
  /** New heading text. */
  new_heading: string;
};

/**
 * The typed grammar of {@linkcode MentalModelStore.updateViaOps} operations: upstream
 * astrocyte-py's delta operations, with its JSON keys (snake_case, because operations are
 * usually emitted by an LLM from upstream's prompts). Unknown keys make an operation invalid.
 */
export type StructuredDocOperation =
  | AppendBlockOperation
  | InsertBlockOperation
  | ReplaceBlockOperation
  | RemoveBlockOperation
  | AddSectionOperation
  | RemoveSectionOperation
  | ReplaceSectionBlocksOperation
  | RenameSectionOperation;

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
 * plain JSON objects so they can come from an LLM; {@linkcode StructuredDocOperation} is the
 * grammar they are checked against. Invalid ones are skipped, not thrown.
 */
export type MentalModelOperation = { [key: string]: JsonValue };

/**
 * What `updateViaOps` did. Entries are summaries of the caller's operations: the operation
 * object without its `block` / `blocks` payload, plus `assigned_id` (applied `add_section`)
 * or `reason` (skipped).
 */
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
   *
   * A model without `structuredDoc` is first parsed from its markdown `content`. Invalid
   * operations are skipped one by one; a list that is not an array of objects changes
   * nothing. When the document ends up unchanged the revision stays and `changed` is false.
   * Adapters implement it with `planMentalModelUpdate` so every store has the same semantics.
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
  /**
   * Remove every model and its history from the bank. Returns the number of current models
   * removed (deleted models that only had history are not counted).
   */
  deleteBank(bankId: string): Promise<number>;
}
