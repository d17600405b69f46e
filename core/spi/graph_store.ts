/**
 * The GraphStore SPI: entities, entity links and memory associations, scoped per bank.
 *
 * @module
 */
import type { Capability, Metadata, Store, StoreCapabilities } from "../types.ts";

/** The GraphStore SPI version this core implements. */
export const GRAPH_STORE_SPI_VERSION = 1 as const;

/** A named entity. The key is `(bankId, id)`. */
export interface Entity {
  /** Entity id, unique within the bank. */
  id: string;
  /** Display name. */
  name: string;
  /** Type such as `PERSON`, `ORG`, `LOCATION`. */
  entityType: string;
  /** Alternative names. */
  aliases?: string[];
  /** Flat scalar metadata (`last_seen` as an ISO string is read by scored candidates). */
  metadata?: Metadata;
  /**
   * Name embedding, used by {@linkcode GraphStore.findEntityCandidatesScored}. Stored as
   * float32: it reads back as `Math.fround` of each component (−0 as 0) on every store.
   */
  embedding?: number[];
  /**
   * How often the entity was mentioned: an integer in 0 … 2^31 − 1 (stores keep it in an
   * int32 column; anything else is a `ValidationError`). @default {1}
   */
  mentionCount?: number;
}

/** A direction-neutral link between two entities of one bank. */
export interface EntityLink {
  /** One endpoint entity id. */
  entityA: string;
  /** The other endpoint entity id. */
  entityB: string;
  /** Link type: `alias_of`, `co_occurs`, `works_at`, … */
  linkType: string;
  /** Evidence text. @default {""} */
  evidence?: string;
  /** Confidence in `[0, 1]`; 1 means rule-derived (−0 is stored as 0). @default {1} */
  confidence?: number;
  /** When the link was created. */
  createdAt?: Date;
  /** Flat scalar metadata. */
  metadata?: Metadata;
}

/** Associates a memory (a VectorStore record id) with an entity. */
export interface MemoryEntityAssociation {
  /** Memory id. */
  memoryId: string;
  /** Entity id. */
  entityId: string;
  /**
   * The memory's text, kept so graph hits can carry it. A TypeScript addition; when absent
   * the hit's `text` is `""` and the facade hydrates it from the vector store.
   */
  memoryText?: string;
}

/** A directional memory → memory link. For `caused_by`, source is the effect. */
export interface MemoryLink {
  /** Source memory id. */
  sourceMemoryId: string;
  /** Target memory id. */
  targetMemoryId: string;
  /** Link type: `caused_by`, `semantic`, … */
  linkType: string;
  /** Evidence text. @default {""} */
  evidence?: string;
  /** Confidence in `[0, 1]` (−0 is stored as 0). @default {1} */
  confidence?: number;
  /** Link weight (−0 is stored as 0). @default {1} */
  weight?: number;
  /** When the link was created. */
  createdAt?: Date;
  /** Flat scalar metadata. */
  metadata?: Metadata;
}

/** A memory reached by graph traversal. */
export interface GraphHit {
  /** Memory id. */
  memoryId: string;
  /** Memory text when known (the latest `memoryText` given for the memory), otherwise `""`. */
  text: string;
  /** The requested entity ids from which this memory was reached, sorted. */
  connectedEntities: string[];
  /** Hops: 1 = directly associated with a requested entity. */
  depth: number;
  /** Relevance in `(0, 1]`, decreasing with depth (`1 / depth`). */
  score: number;
}

/** A scored entity-resolution candidate. */
export interface EntityCandidateMatch {
  /** The candidate entity. */
  entity: Entity;
  /** Trigram similarity of the names in `[0, 1]` (as pg_trgm). */
  nameSimilarity: number;
  /** Cosine similarity of the embeddings clamped to `[0, 1]`, when both sides have one. */
  embeddingSimilarity?: number;
  /** Lowercased names of entities linked to the candidate by `co_occurs`. */
  coOccurringNames: string[];
  /** Parsed from `entity.metadata.last_seen` when present. */
  lastSeen?: Date;
  /** The entity's mention count. */
  mentionCount: number;
}

/** Options for {@linkcode GraphStore.queryNeighbors}. */
export interface QueryNeighborsOptions {
  /** Maximum hops (1 = only memories linked to the given entities). @default {2} */
  maxDepth?: number;
  /** Maximum number of hits. @default {20} */
  limit?: number;
}

/** Options for {@linkcode GraphStore.queryEntities}. */
export interface QueryEntitiesOptions {
  /** Maximum number of entities. @default {10} */
  limit?: number;
}

/** Options for {@linkcode GraphStore.findEntityCandidates}. */
export interface FindEntityCandidatesOptions {
  /** Minimum trigram similarity in `[0, 1]`. @default {0.8} */
  threshold?: number;
  /** Maximum number of candidates. @default {5} */
  limit?: number;
}

/** Options for {@linkcode GraphStore.findEntityCandidatesScored}. */
export interface FindEntityCandidatesScoredOptions {
  /** Embedding of the name, to fill `embeddingSimilarity`. */
  nameEmbedding?: number[];
  /** Candidates with name similarity strictly below this are dropped. @default {0.3} */
  trigramThreshold?: number;
  /** Maximum number of candidates. @default {10} */
  limit?: number;
}

/** Options for {@linkcode GraphStore.findMemoryLinks}. */
export interface FindMemoryLinksOptions {
  /** Only these link types (all when absent; an empty list matches none). */
  linkTypes?: string[];
  /** Maximum number of links. @default {200} */
  limit?: number;
}

/** What a GraphStore instance supports. */
export interface GraphStoreCapabilities extends StoreCapabilities {
  /** Whether the optional `storeMemoryLinks` / `findMemoryLinks` methods are implemented. */
  readonly memoryLinks: Capability;
}

/** Entity graph storage and traversal, scoped per bank. */
export interface GraphStore extends Store<GraphStoreCapabilities> {
  /** Upsert entities by id within the bank. Returns ids in input order. */
  storeEntities(entities: Entity[], bankId: string): Promise<string[]>;
  /**
   * Store entity links (idempotent on `(entityA, entityB, linkType)`, direction-neutral: a
   * repeat in either direction keeps the stored link and returns its id).
   * Returns one link id per input, in order.
   */
  storeLinks(links: EntityLink[], bankId: string): Promise<string[]>;
  /** Associate memories with entities (idempotent on `(memoryId, entityId)`). */
  linkMemoriesToEntities(associations: MemoryEntityAssociation[], bankId: string): Promise<void>;
  /**
   * Optional: store directional memory links. Present when `capabilities.memoryLinks` is
   * `true`. Idempotent on `(source, target, linkType)`: a repeat keeps the stored link and
   * returns its id. Returns one id per input.
   */
  storeMemoryLinks?(links: MemoryLink[], bankId: string): Promise<string[]>;
  /**
   * Optional: links touching any seed memory in either direction, ordered by
   * `(sourceMemoryId, targetMemoryId, linkType)`.
   */
  findMemoryLinks?(
    seedMemoryIds: string[],
    bankId: string,
    options?: FindMemoryLinksOptions,
  ): Promise<MemoryLink[]>;
  /**
   * Memories reachable from the entities within `maxDepth` hops, breadth-first over entity
   * links. Sorted by score descending, then memory id ascending.
   */
  queryNeighbors(
    entityIds: string[],
    bankId: string,
    options?: QueryNeighborsOptions,
  ): Promise<GraphHit[]>;
  /**
   * Entities whose name or an alias contains the query, case-insensitively, ordered by id.
   * The query is literal text (`%`, `_`, `*` match themselves); an empty query matches all.
   */
  queryEntities(query: string, bankId: string, options?: QueryEntitiesOptions): Promise<Entity[]>;
  /**
   * Entities whose name has trigram similarity ≥ `threshold` with `name`, by similarity
   * descending then id ascending. A blank name gives `[]`.
   */
  findEntityCandidates(
    name: string,
    bankId: string,
    options?: FindEntityCandidatesOptions,
  ): Promise<Entity[]>;
  /**
   * Scored candidates for entity resolution, best first (`max(name, embedding)` similarity),
   * ties by entity id. A blank name gives `[]`.
   */
  findEntityCandidatesScored(
    name: string,
    bankId: string,
    options?: FindEntityCandidatesScoredOptions,
  ): Promise<EntityCandidateMatch[]>;
  /** Store one typed, evidence-backed link. Returns its id. */
  storeEntityLink(link: EntityLink, bankId: string): Promise<string>;
  /**
   * Remove memories from the graph: their entity associations and memory links. Entities are
   * kept. Returns the number of associations and links removed.
   */
  forgetMemories(memoryIds: string[], bankId: string): Promise<number>;
  /**
   * Remove every entity, entity link, association and memory link of the bank. Returns the
   * number of those rows removed.
   */
  deleteBank(bankId: string): Promise<number>;
}
