/**
 * The PageIndex SPI family: section-grain recall over markdown trees, a fact layer and
 * document-scoped wiki pages. `PageIndexStore` is the union of six role interfaces; consumers
 * should depend on the narrowest role they use.
 *
 * TypeScript differs from upstream in one deliberate way: every method is scoped by bank.
 * Methods that upstream addresses by `document_id` alone take a {@linkcode DocumentRef}
 * (`{ bankId, documentId }`), and `expandSectionLinks`, `saveSectionEntities`,
 * `saveSectionLinks` and `updateFactEmbeddings` take the bank id first — because caller
 * supplied document ids may repeat across banks, and banks are tenants.
 *
 * @module
 */
import type { Store, StoreCapabilities, TimeRange } from "../types.ts";
import type { WikiPage, WikiPageHit } from "./wiki_store.ts";

/** The PageIndex SPI version this core implements. */
export const PAGEINDEX_STORE_SPI_VERSION = 1 as const;

/** Addresses one PageIndex document within a bank. */
export interface DocumentRef {
  /** Owning bank. */
  bankId: string;
  /** Document id (as returned by `saveDocument`). */
  documentId: string;
}

/** A section address: `[documentId, lineNum]`. */
export type SectionAddress = readonly [documentId: string, lineNum: number];

/** A PageIndex document. Upserted on `(bankId, sourceId)`. */
export interface PageIndexDocument {
  /** UUID; empty on insert to let the store generate one. */
  id: string;
  /** Owning bank. */
  bankId: string;
  /** Caller's source identifier; the natural key within the bank. */
  sourceId: string;
  /** The markdown text. */
  mdText: string;
  /** Anchor date for relative phrases. */
  referenceDate?: Date;
  /** When the tree was built. */
  builtAt?: Date;
}

/** One section (tree node) of a document. Addressed by `(documentId, lineNum)`. */
export interface PageIndexSection {
  /** Parent document id. */
  documentId: string;
  /**
   * Line number of the heading; the section key within the document. Line numbers everywhere
   * in this family (and `depth`) are int32 integers (−2^31 … 2^31 − 1): stores keep them in
   * int32 columns, and anything else is a `ValidationError`.
   */
  lineNum: number;
  /** Node id such as `0001`. */
  nodeId: string;
  /** Heading text. */
  title: string;
  /** Summary text. */
  summary?: string;
  /**
   * Embedding of the summary (never returned by `loadSkeleton`). Stored as float32: it reads
   * back as `Math.fround` of each component (−0 as 0) on every store.
   */
  summaryEmbedding?: number[];
  /** `user` / `assistant`, for conversations. */
  speaker?: string;
  /** Session date, matched by `searchSectionsTemporal`. */
  sessionDate?: Date;
  /** Parent node id. */
  parentNode?: string;
  /** Depth in the tree. @default {0} */
  depth?: number;
  /** Event start. */
  occurredStart?: Date;
  /** Event end. */
  occurredEnd?: Date;
  /** Opaque session id, matched by `sessionFilter`. */
  sessionId?: string;
}

/** An entity mention in a section; unique on `(documentId, lineNum, entityName)`. */
export interface PageIndexSectionEntity {
  /** Document id. */
  documentId: string;
  /** Section line number. */
  lineNum: number;
  /** Entity name (case-sensitive key). */
  entityName: string;
}

/** A link between sections; unique on `(fromDoc, fromLine, toDoc, toLine, linkType)`. */
export interface PageIndexSectionLink {
  /** Source document id. */
  fromDoc: string;
  /** Source line. */
  fromLine: number;
  /** Target document id. */
  toDoc: string;
  /** Target line. */
  toLine: number;
  /** `semantic_knn`, `causal`, `supersedes`, `elaborates`, … */
  linkType: string;
  /** Link weight (cosine for `semantic_knn`; −0 is stored as 0). */
  weight: number;
}

/** A fact extracted from a section (or unanchored). */
export interface MemoryFact {
  /** Fact id, unique within the bank. */
  id: string;
  /** Owning bank. */
  bankId: string;
  /** Fact text. */
  text: string;
  /** `experience`, `preference`, `world`, `plan`, `opinion`. */
  factType: string;
  /** Anchoring document. */
  documentId?: string;
  /** Anchoring section line. */
  lineNum?: number;
  /** Speaker. */
  speaker?: string;
  /** Event start. */
  occurredStart?: Date;
  /** Event end. */
  occurredEnd?: Date;
  /** Entity names mentioned. */
  entities?: string[];
  /**
   * Embedding (may be filled later with `updateFactEmbeddings`). Stored as float32
   * (`Math.fround` of each component, −0 as 0) and scored as such.
   */
  embedding?: number[];
  /** Confidence in `[0, 1]` (−0 is stored as 0). */
  confidenceScore?: number;
  /** When the fact was mentioned. */
  mentionedAt?: Date;
  /** Event date. */
  eventDate?: Date;
}

/** Alias of {@linkcode MemoryFact}. */
export type PageIndexFact = MemoryFact;

/** A fact search hit. */
export interface MemoryFactHit {
  /** Fact id. */
  factId: string;
  /** Fact text. */
  text: string;
  /** Fact type. */
  factType: string;
  /** Speaker. */
  speaker?: string;
  /** Event start. */
  occurredStart?: Date;
  /** Event end. */
  occurredEnd?: Date;
  /** Entity names. */
  entities: string[];
  /** Score (meaning depends on the search method). */
  score: number;
  /** Anchoring document. */
  documentId?: string;
  /** Anchoring line. */
  lineNum?: number;
  /** Confidence. */
  confidenceScore?: number;
  /** Mention time. */
  mentionedAt?: Date;
  /** Event date. */
  eventDate?: Date;
}

/** Alias of {@linkcode MemoryFactHit}. */
export type PageIndexFactHit = MemoryFactHit;

/** A section search hit. */
export interface SectionHit {
  /** Document id. */
  documentId: string;
  /** Section line. */
  lineNum: number;
  /** Score (meaning depends on the search method). */
  score: number;
}

/** A wiki page affected by entities, with the overlap. */
export interface AffectedWikiPage {
  /** The page. */
  page: WikiPage;
  /** Number of shared entity names. */
  overlap: number;
  /** The shared entity names, sorted. */
  sharedEntities: string[];
}

/** An entity name with the number of distinct sections mentioning it. */
export interface EntityCount {
  /** Entity name. */
  name: string;
  /** Number of distinct sections. */
  count: number;
}

/** Common search options. */
export interface SectionSearchOptions {
  /** Maximum results. @default {20} */
  topK?: number;
  /** Only sections whose `sessionId` equals this. */
  sessionFilter?: string;
}

/** Options for keyword section search. */
export interface SectionKeywordSearchOptions extends SectionSearchOptions {
  /** Exact speaker. */
  speaker?: string;
  /** Restrict to one document. */
  documentId?: string;
}

/** Options for fact searches. */
export interface FactSearchOptions {
  /** Maximum results. @default {20} (50 for entity and temporal search) */
  topK?: number;
  /** Restrict to one document. */
  documentId?: string;
  /** Exact fact type. */
  factType?: string;
  /** Only facts whose anchoring section has this session id (unanchored facts excluded). */
  sessionFilter?: string;
}

/** Options for `populateSemanticKnnLinks`. */
export interface KnnLinkOptions {
  /** Neighbours per section. @default {5} */
  topK?: number;
  /** Minimum cosine similarity. @default {0.5} */
  minSimilarity?: number;
}

/** Options for `expandSectionLinks`. */
export interface ExpandLinksOptions {
  /** Only these link types (all when absent). */
  linkTypes?: string[];
  /** Maximum results. @default {20} */
  topK?: number;
}

/** Options for `expandSectionsBySharedEntities`. */
export interface ExpandSharedEntitiesOptions {
  /** Maximum results. @default {20} */
  topK?: number;
  /** Drop the seeds from the result. @default {true} */
  excludeSeeds?: boolean;
}

/** Options for `countFactsMatching`. */
export interface CountFactsOptions {
  /** Case-insensitive substring matched against any entity (`%` stripped). */
  entityPattern?: string;
  /** Exact fact type. */
  factType?: string;
}

/** Options for `listWikisAffectedByEntities`. */
export interface AffectedWikisOptions {
  /** Minimum number of shared entities. @default {1} */
  minOverlap?: number;
  /** Maximum results. @default {8} */
  limit?: number;
}

/** Options for `listDistinctEntities`. */
export interface DistinctEntitiesOptions {
  /** Case-insensitive substring (`%` stripped). */
  pattern?: string;
  /** Maximum results. @default {50} */
  limit?: number;
}

/** Arguments of `saveWikiPage`. */
export interface SaveWikiPageArgs {
  /** The page (its `bankId` is the bank). */
  page: WikiPage;
  /**
   * Page embedding; `undefined` when the caller indexes later. Stored as float32
   * (`Math.fround` of each component, −0 as 0) and scored as such.
   */
  embedding?: number[];
  /** Section addresses the page was compiled from (replaces earlier provenance). */
  provenance: SectionAddress[];
}

/** Document lifecycle: save/load documents and section trees. */
export interface PageIndexDocumentStore {
  /** Upsert on `(bankId, sourceId)`: keeps the existing id; honours a caller id for a new row. */
  saveDocument(doc: PageIndexDocument): Promise<string>;
  /** Replace the document's sections atomically (cascading entities and links). */
  saveSections(ref: DocumentRef, sections: PageIndexSection[]): Promise<number>;
  /** The document, or `null`. */
  loadDocument(bankId: string, sourceId: string): Promise<PageIndexDocument | null>;
  /** Sections ordered by line number, without embeddings. */
  loadSkeleton(ref: DocumentRef): Promise<PageIndexSection[]>;
  /** Sections with embeddings, ordered by line number. */
  loadSectionsWithEmbeddings(ref: DocumentRef): Promise<PageIndexSection[]>;
}

/** Section enrichment writes. */
export interface PageIndexSectionWriter {
  /**
   * Set embeddings on existing sections (stored as float32, as `summaryEmbedding`); unknown
   * lines skipped. Returns rows updated.
   */
  saveSectionEmbeddings(
    ref: DocumentRef,
    embeddings: ReadonlyArray<readonly [lineNum: number, vector: number[]]>,
  ): Promise<number>;
  /** Idempotent insert. Returns rows actually written. */
  saveSectionEntities(bankId: string, entities: PageIndexSectionEntity[]): Promise<number>;
  /** Idempotent insert (weight not updated on repeat). Returns rows actually written. */
  saveSectionLinks(bankId: string, links: PageIndexSectionLink[]): Promise<number>;
  /** Link each section to its most similar others (`semantic_knn`). Returns rows inserted. */
  populateSemanticKnnLinks(ref: DocumentRef, options?: KnnLinkOptions): Promise<number>;
  /** Set `occurredStart`/`occurredEnd` per line. Returns rows updated. */
  saveSectionEventDates(
    ref: DocumentRef,
    eventDates: ReadonlyArray<readonly [lineNum: number, start: Date, end: Date | null]>,
  ): Promise<number>;
}

/** Section retrieval. */
export interface PageIndexSectionSearch {
  /** Cosine over summary embeddings (clamped to `[0, 1]`), descending. */
  searchSectionsSemantic(
    bankId: string,
    queryEmbedding: number[],
    options?: SectionSearchOptions,
  ): Promise<SectionHit[]>;
  /** Keyword search over title and summary. */
  searchSectionsKeyword(
    bankId: string,
    query: string,
    options?: SectionKeywordSearchOptions,
  ): Promise<SectionHit[]>;
  /** Score = number of distinct matching entity names (case-insensitive). */
  searchSectionsByEntities(
    bankId: string,
    entityNames: string[],
    options?: SectionSearchOptions,
  ): Promise<SectionHit[]>;
  /** Sections whose `sessionDate` lies in the range; score 1. */
  searchSectionsTemporal(
    bankId: string,
    dateRange: TimeRange,
    options?: SectionSearchOptions,
  ): Promise<SectionHit[]>;
  /** One-hop expansion over section links in both directions; score = summed weight. */
  expandSectionLinks(
    bankId: string,
    seeds: SectionAddress[],
    options?: ExpandLinksOptions,
  ): Promise<SectionHit[]>;
  /** Sections sharing entities with the seeds; score = distinct shared names. */
  expandSectionsBySharedEntities(
    bankId: string,
    seeds: SectionAddress[],
    options?: ExpandSharedEntitiesOptions,
  ): Promise<SectionHit[]>;
}

/** The fact-grain layer. */
export interface PageIndexFactStore {
  /** Upsert facts by `(bankId, id)`. Returns rows written. */
  saveFacts(facts: MemoryFact[]): Promise<number>;
  /** Set embeddings by fact id (stored as float32, as `embedding`). Returns rows updated. */
  updateFactEmbeddings(
    bankId: string,
    embeddings: ReadonlyArray<readonly [factId: string, vector: number[]]>,
  ): Promise<number>;
  /** Cosine over fact embeddings (clamped to `[0, 1]`), descending. */
  searchFactsSemantic(
    bankId: string,
    queryEmbedding: number[],
    options?: FactSearchOptions,
  ): Promise<MemoryFactHit[]>;
  /** Facts whose entities contain the name (case-insensitive). Score 1. */
  searchFactsByEntity(
    bankId: string,
    entityName: string,
    options?: FactSearchOptions,
  ): Promise<MemoryFactHit[]>;
  /** Facts overlapping the range (4-way OR), newest first. Score 1. */
  searchFactsTemporal(
    bankId: string,
    dateRange: TimeRange,
    options?: FactSearchOptions,
  ): Promise<MemoryFactHit[]>;
  /** Keyword search over fact text, descending. */
  searchFactsKeyword(
    bankId: string,
    query: string,
    options?: FactSearchOptions,
  ): Promise<MemoryFactHit[]>;
  /** Exact count of the document's facts matching the options. */
  countFactsMatching(ref: DocumentRef, options?: CountFactsOptions): Promise<number>;
}

/** Document-scoped wiki pages. */
export interface PageIndexWikiStore {
  /** Upsert the page, replace its provenance, set its embedding. Returns the page id. */
  saveWikiPage(args: SaveWikiPageArgs): Promise<string>;
  /** Cosine over page embeddings; `documentId` restricts to scope `document:<id>`. */
  searchWikiPagesSemantic(
    bankId: string,
    queryEmbedding: number[],
    options?: { topK?: number; documentId?: string },
  ): Promise<WikiPageHit[]>;
  /** Number of pages with scope `document:<id>`. */
  countWikiPagesForDoc(bankId: string, documentId: string): Promise<number>;
  /** Pages with scope `document:<id>`, ordered by page id. */
  listWikiPagesForDoc(bankId: string, documentId: string): Promise<WikiPage[]>;
  /** Pages whose provenance sections share entities; overlap desc, page id asc. */
  listWikisAffectedByEntities(
    bankId: string,
    entities: string[],
    options?: AffectedWikisOptions,
  ): Promise<AffectedWikiPage[]>;
  /** Entity names of a document with distinct-section counts; count desc, name asc. */
  listDistinctEntities(
    ref: DocumentRef,
    options?: DistinctEntitiesOptions,
  ): Promise<EntityCount[]>;
}

/** What a PageIndexStore instance supports. */
export type PageIndexStoreCapabilities = StoreCapabilities;

/** Lifecycle: capabilities, health, close, bank removal. */
export interface PageIndexLifecycle extends Store<PageIndexStoreCapabilities> {
  /** Remove every document, section, fact and wiki page of the bank. Returns records removed. */
  deleteBank(bankId: string): Promise<number>;
}

/** The full PageIndex store: the union of every role. */
export interface PageIndexStore
  extends
    PageIndexDocumentStore,
    PageIndexSectionWriter,
    PageIndexSectionSearch,
    PageIndexFactStore,
    PageIndexWikiStore,
    PageIndexLifecycle {}
