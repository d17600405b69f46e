/**
 * The table of SPI families: config key, plugin field, SPI version, supported versions and
 * required methods. The registry and the contract harness both read it.
 *
 * @module
 */
import type { DocumentStore } from "./document_store.ts";
import type { EngineProvider } from "./engine_provider.ts";
import type { GraphStore } from "./graph_store.ts";
import type { LLMProvider } from "./llm_provider.ts";
import type { MentalModelStore } from "./mental_model_store.ts";
import type { PageIndexStore } from "./pageindex_store.ts";
import type { SourceStore } from "./source_store.ts";
import type { VectorStore } from "./vector_store.ts";
import type { WikiStore } from "./wiki_store.ts";

/** The SPI families, named by their plugin field. */
export type SpiFamily =
  | "vectorStore"
  | "graphStore"
  | "documentStore"
  | "wikiStore"
  | "mentalModelStore"
  | "sourceStore"
  | "pageIndexStore"
  | "engineProvider"
  | "llmProvider";

/** Maps each family to its instance type. */
export interface SpiFamilyTypes {
  /** VectorStore. */
  vectorStore: VectorStore;
  /** GraphStore. */
  graphStore: GraphStore;
  /** DocumentStore. */
  documentStore: DocumentStore;
  /** WikiStore. */
  wikiStore: WikiStore;
  /** MentalModelStore. */
  mentalModelStore: MentalModelStore;
  /** SourceStore. */
  sourceStore: SourceStore;
  /** PageIndexStore. */
  pageIndexStore: PageIndexStore;
  /** EngineProvider. */
  engineProvider: EngineProvider;
  /** LLMProvider. */
  llmProvider: LLMProvider;
}

/** Static description of one SPI family. */
export interface SpiFamilyInfo {
  /** The YAML key that selects the adapter, e.g. `vector_store`. */
  readonly configKey: string;
  /** The interface name, e.g. `VectorStore`. */
  readonly interfaceName: string;
  /** The version this core implements. */
  readonly spiVersion: number;
  /** The versions this core accepts from adapters. */
  readonly supportedVersions: readonly number[];
  /** Methods every instance must have. */
  readonly requiredMethods: readonly string[];
}

const STORE_BASE = ["health", "close"] as const;

/** Every SPI family with its config key, version and required methods. */
export const SPI_FAMILIES: Readonly<Record<SpiFamily, SpiFamilyInfo>> = {
  vectorStore: {
    configKey: "vector_store",
    interfaceName: "VectorStore",
    spiVersion: 1,
    supportedVersions: [1],
    requiredMethods: [
      ...STORE_BASE,
      "storeVectors",
      "searchSimilar",
      "delete",
      "listVectors",
      "deleteBank",
    ],
  },
  graphStore: {
    configKey: "graph_store",
    interfaceName: "GraphStore",
    spiVersion: 1,
    supportedVersions: [1],
    requiredMethods: [
      ...STORE_BASE,
      "storeEntities",
      "storeLinks",
      "linkMemoriesToEntities",
      "queryNeighbors",
      "queryEntities",
      "findEntityCandidates",
      "findEntityCandidatesScored",
      "storeEntityLink",
      "forgetMemories",
      "deleteBank",
    ],
  },
  documentStore: {
    configKey: "document_store",
    interfaceName: "DocumentStore",
    spiVersion: 1,
    supportedVersions: [1],
    requiredMethods: [
      ...STORE_BASE,
      "storeDocument",
      "searchFulltext",
      "getDocument",
      "listDocuments",
      "deleteDocuments",
      "deleteBank",
    ],
  },
  wikiStore: {
    configKey: "wiki_store",
    interfaceName: "WikiStore",
    spiVersion: 1,
    supportedVersions: [1],
    requiredMethods: [
      ...STORE_BASE,
      "upsertPage",
      "getPage",
      "listPages",
      "pageHistory",
      "deletePage",
      "deleteBank",
    ],
  },
  mentalModelStore: {
    configKey: "mental_model_store",
    interfaceName: "MentalModelStore",
    spiVersion: 1,
    supportedVersions: [1],
    requiredMethods: [
      ...STORE_BASE,
      "upsert",
      "get",
      "list",
      "history",
      "delete",
      "updateViaOps",
      "refresh",
      "deleteBank",
    ],
  },
  sourceStore: {
    configKey: "source_store",
    interfaceName: "SourceStore",
    spiVersion: 1,
    supportedVersions: [1],
    requiredMethods: [
      ...STORE_BASE,
      "storeDocument",
      "getDocument",
      "findDocumentByHash",
      "listDocuments",
      "deleteDocument",
      "storeChunks",
      "getChunk",
      "listChunks",
      "findChunkByHash",
      "deleteBank",
    ],
  },
  pageIndexStore: {
    configKey: "pageindex_store",
    interfaceName: "PageIndexStore",
    spiVersion: 1,
    supportedVersions: [1],
    requiredMethods: [
      ...STORE_BASE,
      "saveDocument",
      "saveSections",
      "loadDocument",
      "loadSkeleton",
      "loadSectionsWithEmbeddings",
      "saveSectionEmbeddings",
      "saveSectionEntities",
      "saveSectionLinks",
      "populateSemanticKnnLinks",
      "saveSectionEventDates",
      "searchSectionsSemantic",
      "searchSectionsKeyword",
      "searchSectionsByEntities",
      "searchSectionsTemporal",
      "expandSectionLinks",
      "expandSectionsBySharedEntities",
      "saveFacts",
      "updateFactEmbeddings",
      "searchFactsSemantic",
      "searchFactsByEntity",
      "searchFactsTemporal",
      "searchFactsKeyword",
      "countFactsMatching",
      "saveWikiPage",
      "searchWikiPagesSemantic",
      "countWikiPagesForDoc",
      "listWikiPagesForDoc",
      "listWikisAffectedByEntities",
      "listDistinctEntities",
      "deleteBank",
    ],
  },
  engineProvider: {
    configKey: "provider",
    interfaceName: "EngineProvider",
    spiVersion: 1,
    supportedVersions: [1],
    requiredMethods: [...STORE_BASE, "retain", "recall", "reflect", "forget"],
  },
  llmProvider: {
    configKey: "llm_provider",
    interfaceName: "LLMProvider",
    spiVersion: 1,
    supportedVersions: [1],
    requiredMethods: [...STORE_BASE, "complete", "embed"],
  },
};

/** `SPI_VERSION` of every family, keyed by family. All are 1. */
export const SPI_VERSION = 1 as const;
