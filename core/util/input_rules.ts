/**
 * The portable string rule applied to every argument of every store method, the id shape
 * rule applied to the record ids of reads and deletes, and the int32 rule applied to the
 * integer fields stores persist, so that the in-memory references and every adapter reject
 * exactly the same inputs, with the same typed error, before any I/O (core/README.md,
 * "Input rules").
 *
 * @module
 */
import type { DocumentStore } from "../spi/document_store.ts";
import type { SpiFamily } from "../spi/families.ts";
import type { GraphStore } from "../spi/graph_store.ts";
import type { MentalModelStore } from "../spi/mental_model_store.ts";
import type { PageIndexStore } from "../spi/pageindex_store.ts";
import type { SourceStore } from "../spi/source_store.ts";
import type { VectorStore } from "../spi/vector_store.ts";
import type { WikiStore } from "../spi/wiki_store.ts";
import { ValidationError } from "../errors.ts";
import { INT32_MIN, validateId, validateInt32, validateStrings } from "./validate.ts";

/** The store families {@linkcode enforceInputRules} knows the methods of. */
export type StoreFamily = Exclude<SpiFamily, "engineProvider" | "llmProvider">;

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** The string-keyed methods of `T` (optional ones included). */
type MethodKeys<T> =
  & { [K in keyof T]-?: NonNullable<T[K]> extends AnyFunction ? K : never }[keyof T]
  & string;

/** One name per parameter of `F` (optional parameters included). */
type ParameterNames<F> = F extends (...args: infer A) => unknown
  ? { readonly [I in keyof A]-?: string }
  : never;

/** Parameter names of every method of `T` but `health` and `close`. */
type ParameterTable<T> = {
  readonly [K in Exclude<MethodKeys<T>, "health" | "close">]-?: ParameterNames<NonNullable<T[K]>>;
};

interface StoreTypes {
  vectorStore: VectorStore;
  documentStore: DocumentStore;
  graphStore: GraphStore;
  wikiStore: WikiStore;
  mentalModelStore: MentalModelStore;
  sourceStore: SourceStore;
  pageIndexStore: PageIndexStore;
}

/**
 * Parameter names of every SPI store method (the type makes the table complete: a method added
 * to an SPI interface fails to compile until it is listed here). Error messages name the
 * offending argument with them, e.g. `items[0].metadata.k`.
 */
const PARAMETERS: { readonly [F in StoreFamily]: ParameterTable<StoreTypes[F]> } = {
  vectorStore: {
    storeVectors: ["items"],
    searchSimilar: ["queryVector", "bankId", "options"],
    delete: ["ids", "bankId"],
    listVectors: ["bankId", "options"],
    deleteBank: ["bankId"],
  },
  documentStore: {
    storeDocument: ["document", "bankId"],
    searchFulltext: ["query", "bankId", "options"],
    getDocument: ["documentId", "bankId"],
    listDocuments: ["bankId", "options"],
    deleteDocuments: ["ids", "bankId"],
    deleteBank: ["bankId"],
  },
  graphStore: {
    storeEntities: ["entities", "bankId"],
    storeLinks: ["links", "bankId"],
    linkMemoriesToEntities: ["associations", "bankId"],
    storeMemoryLinks: ["links", "bankId"],
    findMemoryLinks: ["seedMemoryIds", "bankId", "options"],
    queryNeighbors: ["entityIds", "bankId", "options"],
    queryEntities: ["query", "bankId", "options"],
    findEntityCandidates: ["name", "bankId", "options"],
    findEntityCandidatesScored: ["name", "bankId", "options"],
    storeEntityLink: ["link", "bankId"],
    forgetMemories: ["memoryIds", "bankId"],
    deleteBank: ["bankId"],
  },
  wikiStore: {
    upsertPage: ["page", "bankId"],
    getPage: ["pageId", "bankId"],
    listPages: ["bankId", "options"],
    pageHistory: ["pageId", "bankId"],
    deletePage: ["pageId", "bankId"],
    deleteBank: ["bankId"],
  },
  mentalModelStore: {
    upsert: ["model", "bankId"],
    get: ["modelId", "bankId"],
    list: ["bankId", "options"],
    history: ["modelId", "bankId"],
    delete: ["modelId", "bankId"],
    updateViaOps: ["modelId", "bankId", "operations"],
    refresh: ["modelId", "bankId", "newSourceIds"],
    deleteBank: ["bankId"],
  },
  sourceStore: {
    storeDocument: ["document"],
    getDocument: ["documentId", "bankId"],
    findDocumentByHash: ["contentHash", "bankId"],
    listDocuments: ["bankId", "options"],
    deleteDocument: ["documentId", "bankId"],
    storeChunks: ["chunks"],
    getChunk: ["chunkId", "bankId"],
    listChunks: ["documentId", "bankId"],
    findChunkByHash: ["contentHash", "bankId"],
    deleteBank: ["bankId"],
  },
  pageIndexStore: {
    saveDocument: ["doc"],
    saveSections: ["ref", "sections"],
    loadDocument: ["bankId", "sourceId"],
    loadSkeleton: ["ref"],
    loadSectionsWithEmbeddings: ["ref"],
    saveSectionEmbeddings: ["ref", "embeddings"],
    saveSectionEntities: ["bankId", "entities"],
    saveSectionLinks: ["bankId", "links"],
    populateSemanticKnnLinks: ["ref", "options"],
    saveSectionEventDates: ["ref", "eventDates"],
    searchSectionsSemantic: ["bankId", "queryEmbedding", "options"],
    searchSectionsKeyword: ["bankId", "query", "options"],
    searchSectionsByEntities: ["bankId", "entityNames", "options"],
    searchSectionsTemporal: ["bankId", "dateRange", "options"],
    expandSectionLinks: ["bankId", "seeds", "options"],
    expandSectionsBySharedEntities: ["bankId", "seeds", "options"],
    saveFacts: ["facts"],
    updateFactEmbeddings: ["bankId", "embeddings"],
    searchFactsSemantic: ["bankId", "queryEmbedding", "options"],
    searchFactsByEntity: ["bankId", "entityName", "options"],
    searchFactsTemporal: ["bankId", "dateRange", "options"],
    searchFactsKeyword: ["bankId", "query", "options"],
    countFactsMatching: ["ref", "options"],
    saveWikiPage: ["args"],
    searchWikiPagesSemantic: ["bankId", "queryEmbedding", "options"],
    countWikiPagesForDoc: ["bankId", "documentId"],
    listWikiPagesForDoc: ["bankId", "documentId"],
    listWikisAffectedByEntities: ["bankId", "entities", "options"],
    listDistinctEntities: ["ref", "options"],
    deleteBank: ["bankId"],
  },
};

/** How a parameter names records: one record id, or an array of record ids. */
export type RecordIdShape = "id" | "ids";

/** Record-id parameters of one family's methods: method → parameter index → shape. */
type IdParameterTable<T> = {
  readonly [K in Exclude<MethodKeys<T>, "health" | "close">]?: Readonly<
    Record<number, RecordIdShape>
  >;
};

/**
 * The parameters of reads and deletes that name records by id (writes check the ids inside
 * their records themselves). {@linkcode enforceInputRules} applies the write-side id shape
 * (`validateId`: non-empty, at most 512 characters) to them, so a malformed id is a
 * `ValidationError` on every method of every store instead of "not found" on some backends
 * and an error on others.
 */
const RECORD_ID_PARAMETERS: { readonly [F in StoreFamily]: IdParameterTable<StoreTypes[F]> } = {
  vectorStore: { delete: { 0: "ids" } },
  documentStore: { getDocument: { 0: "id" }, deleteDocuments: { 0: "ids" } },
  graphStore: {
    findMemoryLinks: { 0: "ids" },
    queryNeighbors: { 0: "ids" },
    forgetMemories: { 0: "ids" },
  },
  wikiStore: { getPage: { 0: "id" }, pageHistory: { 0: "id" }, deletePage: { 0: "id" } },
  mentalModelStore: {
    get: { 0: "id" },
    history: { 0: "id" },
    delete: { 0: "id" },
    updateViaOps: { 0: "id" },
    refresh: { 0: "id" },
  },
  sourceStore: {
    getDocument: { 0: "id" },
    deleteDocument: { 0: "id" },
    getChunk: { 0: "id" },
    listChunks: { 0: "id" },
  },
  pageIndexStore: {
    loadDocument: { 1: "id" },
    countWikiPagesForDoc: { 1: "id" },
    listWikiPagesForDoc: { 1: "id" },
  },
};

/**
 * The record-id parameters of the SPI methods of `family` (method → parameter index →
 * `"id"` or `"ids"`) whose shape {@linkcode enforceInputRules} checks.
 */
export function storeMethodIdParameters(
  family: StoreFamily,
): Readonly<Record<string, Readonly<Record<number, RecordIdShape>>>> {
  return RECORD_ID_PARAMETERS[family] as unknown as Readonly<
    Record<string, Readonly<Record<number, RecordIdShape>>>
  >;
}

/**
 * Check the record ids handed to a read or a delete against the write-side id rule
 * (`validateId`: a non-empty portable string of at most 512 characters): a malformed id can
 * never name a stored record, so it is a caller error rather than an unknown id.
 *
 * @throws {ValidationError} naming the offending argument (e.g. `ids[3]`), or when an `"ids"`
 * argument is not an array.
 */
export function validateRecordIds(
  args: readonly unknown[],
  names: readonly string[],
  shapes: Readonly<Record<number, RecordIdShape>>,
  prefix = "[astrocyte/core]",
): void {
  for (const [key, shape] of Object.entries(shapes)) {
    const i = Number(key);
    const field = names[i] ?? `arguments[${i}]`;
    const value = args[i];
    if (shape === "id") {
      validateId(value, field, prefix);
      continue;
    }
    if (!Array.isArray(value)) {
      throw new ValidationError(`${prefix} ${field} must be an array of ids`, { field });
    }
    for (let k = 0; k < value.length; k++) validateId(value[k], `${field}[${k}]`, prefix);
  }
}

/**
 * One integer field inside an argument that stores persist (or match against persisted
 * values), checked by {@linkcode enforceInputRules} with `validateInt32`.
 */
export interface StoredIntegerField {
  /**
   * Path from the argument to the field: property names, tuple indexes, and `"*"` for every
   * element of an array (`["*", "mentionCount"]` is `entities[i].mentionCount`).
   */
  readonly path: readonly (string | number)[];
  /** Smallest valid value: 0 for counts and indexes, `INT32_MIN` for line numbers. */
  readonly min: number;
}

/** Integer-field parameters of one family's methods: method → parameter index → fields. */
type IntegerParameterTable<T> = {
  readonly [K in Exclude<MethodKeys<T>, "health" | "close">]?: Readonly<
    Record<number, readonly StoredIntegerField[]>
  >;
};

/** A count or index: 0 … 2^31 − 1. */
const count = (...path: (string | number)[]): StoredIntegerField => ({ path, min: 0 });
/** A signed int32 (line numbers, depths, PageIndex revisions): −2^31 … 2^31 − 1. */
const int32 = (...path: (string | number)[]): StoredIntegerField => ({ path, min: INT32_MIN });

/**
 * The integer fields stores persist in SQL `integer` (int32) columns, and the line numbers
 * reads match against them. {@linkcode enforceInputRules} requires each present value to be
 * an integer within [`min`, 2^31 − 1] (`validateInt32`), so a value Postgres would reject
 * (SQLSTATE 22003) is a `ValidationError` on every backend, before any I/O.
 */
const STORED_INTEGER_PARAMETERS: {
  readonly [F in StoreFamily]: IntegerParameterTable<StoreTypes[F]>;
} = {
  vectorStore: {},
  documentStore: {},
  graphStore: { storeEntities: { 0: [count("*", "mentionCount")] } },
  wikiStore: {},
  mentalModelStore: {},
  sourceStore: { storeChunks: { 0: [count("*", "chunkIndex")] } },
  pageIndexStore: {
    saveSections: { 1: [int32("*", "lineNum"), int32("*", "depth")] },
    saveSectionEmbeddings: { 1: [int32("*", 0)] },
    saveSectionEntities: { 1: [int32("*", "lineNum")] },
    saveSectionLinks: { 1: [int32("*", "fromLine"), int32("*", "toLine")] },
    saveSectionEventDates: { 1: [int32("*", 0)] },
    expandSectionLinks: { 1: [int32("*", 1)] },
    expandSectionsBySharedEntities: { 1: [int32("*", 1)] },
    saveFacts: { 0: [int32("*", "lineNum")] },
    saveWikiPage: { 0: [int32("page", "revision"), int32("provenance", "*", 1)] },
  },
};

/**
 * The integer fields of the SPI methods of `family` (method → parameter index → fields)
 * that {@linkcode enforceInputRules} checks against the int32 rule.
 */
export function storeMethodIntegerFields(
  family: StoreFamily,
): Readonly<Record<string, Readonly<Record<number, readonly StoredIntegerField[]>>>> {
  return STORED_INTEGER_PARAMETERS[family] as unknown as Readonly<
    Record<string, Readonly<Record<number, readonly StoredIntegerField[]>>>
  >;
}

function checkIntegerAt(
  value: unknown,
  path: readonly (string | number)[],
  step: number,
  at: string,
  min: number,
  prefix: string,
): void {
  if (step === path.length) {
    if (value !== undefined) validateInt32(value, at, prefix, min);
    return;
  }
  const key = path[step]!;
  if (key === "*") {
    if (!Array.isArray(value)) return;
    for (let i = 0; i < value.length; i++) {
      checkIntegerAt(value[i], path, step + 1, `${at}[${i}]`, min, prefix);
    }
    return;
  }
  if (value === null || typeof value !== "object") return;
  const next = typeof key === "number" ? `${at}[${key}]` : `${at}.${key}`;
  checkIntegerAt(
    (value as Record<string | number, unknown>)[key],
    path,
    step + 1,
    next,
    min,
    prefix,
  );
}

/**
 * Check the integer fields stores persist (see {@linkcode storeMethodIntegerFields}) against
 * the int32 rule: each present value must be an integer within [`min`, 2^31 − 1]. Absent
 * fields (`undefined`) and arguments of the wrong shape are left to the store's own checks.
 *
 * @throws {ValidationError} naming the offending path, e.g. `entities[1].mentionCount` or
 * `seeds[0][1]`.
 */
export function validateStoredIntegers(
  args: readonly unknown[],
  names: readonly string[],
  fields: Readonly<Record<number, readonly StoredIntegerField[]>>,
  prefix = "[astrocyte/core]",
): void {
  for (const [key, list] of Object.entries(fields)) {
    const i = Number(key);
    const name = names[i] ?? `arguments[${i}]`;
    for (const field of list) checkIntegerAt(args[i], field.path, 0, name, field.min, prefix);
  }
}

/**
 * Check every argument of a call against the portable string rule (see
 * {@linkcode validateStrings}), naming arguments with `names` (extra arguments are named
 * `arguments[i]`).
 *
 * @throws {ValidationError} naming the first offending argument path.
 */
export function validateArguments(
  args: readonly unknown[],
  names: readonly string[],
  prefix = "[astrocyte/core]",
): void {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === null || (typeof arg !== "string" && typeof arg !== "object")) continue;
    validateStrings(arg, names[i] ?? `arguments[${i}]`, prefix);
  }
}

/**
 * The parameter names of the SPI methods of `family` whose arguments
 * {@linkcode enforceInputRules} checks (every method but `health` and `close`).
 */
export function storeMethodParameters(
  family: StoreFamily,
): Readonly<Record<string, readonly string[]>> {
  return PARAMETERS[family] as unknown as Readonly<Record<string, readonly string[]>>;
}

/**
 * Enforce the portable string rule on a store: returns a view of `store` whose SPI methods
 * (every method of `family` but `health` and `close`) first check every string in every
 * argument — ids, bank ids, texts, tags, metadata keys and values, filter values, queries, on
 * writes and reads alike — and reject a string containing U+0000 or a lone UTF-16 surrogate
 * with a {@linkcode ValidationError} naming the argument path (e.g. `items[2].text`), before
 * the store does any I/O, so nothing is written. Record ids handed to reads and deletes
 * (`delete(ids)`, `getPage(pageId)`, `getChunk(chunkId)`, …; see
 * {@linkcode storeMethodIdParameters}) must also have the shape writes require (non-empty, at
 * most 512 characters; {@linkcode validateRecordIds}): a malformed id is a `ValidationError`,
 * not an unknown id.
 * Integer fields that stores persist in int32 columns (`mentionCount`, `chunkIndex`, PageIndex
 * line numbers, depths and revisions, and the line numbers reads match; see
 * {@linkcode storeMethodIntegerFields}) must be integers within int32 — counts and indexes
 * also ≥ 0 — or the call fails with a `ValidationError` naming the field
 * ({@linkcode validateStoredIntegers}).
 *
 * The in-memory references and every adapter wrap the store their factory returns with it,
 * so an application behaves the same on every backend. Other members (`capabilities`,
 * `health`, `close`, adapter extras) pass through unchanged; methods run with the original
 * store as `this`.
 *
 * @example
 * ```ts
 * import { createInMemoryVectorStore, enforceInputRules, ValidationError } from "@astrocyte/core";
 *
 * const store = enforceInputRules("vectorStore", createInMemoryVectorStore(), "[my/adapter]");
 * await store.listVectors("bank\u0000").catch((e) => console.log(e instanceof ValidationError));
 * ```
 */
export function enforceInputRules<S extends object>(
  family: StoreFamily,
  store: S,
  prefix = "[astrocyte/core]",
): S {
  const table = storeMethodParameters(family);
  const idTable = storeMethodIdParameters(family);
  const intTable = storeMethodIntegerFields(family);
  const cache = new Map<PropertyKey, { original: AnyFunction; wrapped: AnyFunction }>();
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      const hit = cache.get(key);
      if (hit !== undefined && hit.original === value) return hit.wrapped;
      const original = value as AnyFunction;
      const names = typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined;
      const ids = typeof key === "string" && Object.hasOwn(idTable, key) ? idTable[key] : undefined;
      const ints = typeof key === "string" && Object.hasOwn(intTable, key)
        ? intTable[key]
        : undefined;
      const wrapped: AnyFunction = names === undefined
        ? (...args: unknown[]) => original.apply(target, args)
        : (...args: unknown[]) => {
          try {
            validateArguments(args, names, prefix);
            if (ids !== undefined) validateRecordIds(args, names, ids, prefix);
            if (ints !== undefined) validateStoredIntegers(args, names, ints, prefix);
          } catch (e) {
            return Promise.reject(e);
          }
          return original.apply(target, args);
        };
      Object.defineProperty(wrapped, "name", { value: original.name });
      cache.set(key, { original, wrapped });
      return wrapped;
    },
  });
}
