/**
 * The in-memory reference GraphStore: entities, entity links, memory associations and memory
 * links kept per bank in plain maps. It defines the semantics every GraphStore adapter must
 * match (`spi.md` §2.15): breadth-first `queryNeighbors` honouring `maxDepth`, trigram
 * (pg_trgm-compatible) candidate matching honouring `threshold`, idempotent edge inserts.
 *
 * @example
 * ```ts
 * import { createInMemoryGraphStore } from "@astrocyte/core";
 *
 * const graph = createInMemoryGraphStore();
 * await graph.storeEntities([
 *   { id: "alice", name: "Alice", entityType: "PERSON" },
 *   { id: "acme", name: "Acme Corp", entityType: "ORG" },
 * ], "user-1");
 * await graph.storeLinks([{ entityA: "alice", entityB: "acme", linkType: "works_at" }], "user-1");
 * await graph.linkMemoriesToEntities([
 *   { memoryId: "m1", entityId: "acme", memoryText: "Acme ships rockets" },
 * ], "user-1");
 * const hits = await graph.queryNeighbors(["alice"], "user-1", { maxDepth: 2 });
 * console.log(hits[0]?.memoryId, hits[0]?.depth); // "m1" 2
 * ```
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import type {
  Entity,
  EntityCandidateMatch,
  EntityLink,
  FindEntityCandidatesOptions,
  FindEntityCandidatesScoredOptions,
  FindMemoryLinksOptions,
  GraphHit,
  GraphStore,
  GraphStoreCapabilities,
  MemoryEntityAssociation,
  MemoryLink,
  QueryEntitiesOptions,
  QueryNeighborsOptions,
} from "../spi/graph_store.ts";
import type { HealthStatus, Metadata } from "../types.ts";
import { trigramSimilarity } from "../util/text.ts";
import {
  clampScore,
  compareIds,
  validateBankId,
  validateCount,
  validateId,
  validateInt32,
  validateVector,
} from "../util/validate.ts";
import { enforceInputRules } from "../util/input_rules.ts";
import { toStoredEmbedding, toStoredMetadata, toStoredNumber } from "../util/stored_values.ts";

const PREFIX = "[astrocyte/core]";

interface StoredLink {
  id: string;
  link: EntityLink;
}

interface StoredMemoryLink {
  id: string;
  link: MemoryLink;
}

interface BankGraph {
  entities: Map<string, Entity>;
  /** Keyed by the direction-neutral `(min(a, b), max(a, b), linkType)`. */
  links: Map<string, StoredLink>;
  /** Keyed by `(memoryId, entityId)`. */
  associations: Map<string, MemoryEntityAssociation>;
  /** The latest text given for a memory id by any association. */
  memoryTexts: Map<string, string>;
  /** Keyed by `(source, target, linkType)`. */
  memoryLinks: Map<string, StoredMemoryLink>;
}

const key = (...parts: string[]): string => JSON.stringify(parts);

/** Run a synchronous body so that a thrown error becomes a rejected promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

function fail(message: string, field: string): never {
  throw new ValidationError(`${PREFIX} ${message}`, { field });
}

function checkObject(value: unknown, field: string): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`${field} must be an object`, field);
  }
}

function checkArray(value: unknown, field: string): void {
  if (!Array.isArray(value)) fail(`${field} must be an array`, field);
}

function checkString(value: unknown, field: string): void {
  if (typeof value !== "string") fail(`${field} must be a string`, field);
}

function checkMetadata(metadata: unknown, field: string): void {
  if (metadata === undefined) return;
  checkObject(metadata, field);
  for (const [k, v] of Object.entries(metadata as Record<string, unknown>)) {
    const ok = v === null || typeof v === "string" || typeof v === "boolean" ||
      (typeof v === "number" && Number.isFinite(v));
    if (!ok) fail(`${field}.${k} must be a string, finite number, boolean or null`, field);
  }
}

function checkUnit(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    fail(`${field} must be a number in [0, 1]`, field);
  }
}

function checkDate(value: unknown, field: string): void {
  if (value === undefined) return;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    fail(`${field} must be a valid Date`, field);
  }
}

function checkEntity(entity: Entity, field: string): void {
  checkObject(entity, field);
  validateId(entity.id, `${field}.id`, PREFIX);
  checkString(entity.name, `${field}.name`);
  checkString(entity.entityType, `${field}.entityType`);
  if (entity.aliases !== undefined) {
    checkArray(entity.aliases, `${field}.aliases`);
    entity.aliases.forEach((a, i) => checkString(a, `${field}.aliases[${i}]`));
  }
  checkMetadata(entity.metadata, `${field}.metadata`);
  if (entity.embedding !== undefined) {
    validateVector(entity.embedding, null, `${field}.embedding`, PREFIX);
  }
  if (entity.mentionCount !== undefined) {
    validateInt32(entity.mentionCount, `${field}.mentionCount`, PREFIX);
  }
}

function checkEntityLink(link: EntityLink, field: string): void {
  checkObject(link, field);
  validateId(link.entityA, `${field}.entityA`, PREFIX);
  validateId(link.entityB, `${field}.entityB`, PREFIX);
  validateId(link.linkType, `${field}.linkType`, PREFIX);
  if (link.evidence !== undefined) checkString(link.evidence, `${field}.evidence`);
  checkUnit(link.confidence, `${field}.confidence`);
  checkDate(link.createdAt, `${field}.createdAt`);
  checkMetadata(link.metadata, `${field}.metadata`);
}

function checkMemoryLink(link: MemoryLink, field: string): void {
  checkObject(link, field);
  validateId(link.sourceMemoryId, `${field}.sourceMemoryId`, PREFIX);
  validateId(link.targetMemoryId, `${field}.targetMemoryId`, PREFIX);
  validateId(link.linkType, `${field}.linkType`, PREFIX);
  if (link.evidence !== undefined) checkString(link.evidence, `${field}.evidence`);
  checkUnit(link.confidence, `${field}.confidence`);
  if (link.weight !== undefined && (typeof link.weight !== "number" || !isFinite(link.weight))) {
    fail(`${field}.weight must be a finite number`, `${field}.weight`);
  }
  checkDate(link.createdAt, `${field}.createdAt`);
  checkMetadata(link.metadata, `${field}.metadata`);
}

function checkIdList(ids: unknown, field: string): string[] {
  checkArray(ids, field);
  (ids as unknown[]).forEach((id, i) => validateId(id, `${field}[${i}]`, PREFIX));
  return ids as string[];
}

function checkThreshold(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  checkUnit(value, field);
  return value as number;
}

const copyMetadata = (m: Metadata | undefined): { metadata?: Metadata } =>
  m === undefined ? {} : { metadata: { ...m } };

function copyEntity(e: Entity): Entity {
  return {
    id: e.id,
    name: e.name,
    entityType: e.entityType,
    ...(e.aliases === undefined ? {} : { aliases: [...e.aliases] }),
    ...copyMetadata(e.metadata),
    ...(e.embedding === undefined ? {} : { embedding: Array.from(e.embedding) }),
    mentionCount: e.mentionCount ?? 1,
  };
}

function copyEntityLink(l: EntityLink): EntityLink {
  return {
    entityA: l.entityA,
    entityB: l.entityB,
    linkType: l.linkType,
    evidence: l.evidence ?? "",
    confidence: l.confidence ?? 1,
    ...(l.createdAt === undefined ? {} : { createdAt: new Date(l.createdAt.getTime()) }),
    ...copyMetadata(l.metadata),
  };
}

/**
 * The entity as stored: embedding components as float32, −0 stored as 0 in every number
 * (core/README.md, "Input rules").
 */
function storedEntity(e: Entity): Entity {
  return {
    id: e.id,
    name: e.name,
    entityType: e.entityType,
    ...(e.aliases === undefined ? {} : { aliases: [...e.aliases] }),
    ...(e.metadata === undefined ? {} : { metadata: toStoredMetadata(e.metadata) }),
    ...(e.embedding === undefined ? {} : { embedding: toStoredEmbedding(e.embedding) }),
    mentionCount: toStoredNumber(e.mentionCount ?? 1),
  };
}

/** The entity link as stored: −0 stored as 0 in every number. */
function storedEntityLink(l: EntityLink): EntityLink {
  const out = copyEntityLink(l);
  out.confidence = toStoredNumber(out.confidence!);
  if (out.metadata !== undefined) out.metadata = toStoredMetadata(out.metadata);
  return out;
}

/** The memory link as stored: −0 stored as 0 in every number. */
function storedMemoryLink(l: MemoryLink): MemoryLink {
  const out = copyMemoryLink(l);
  out.confidence = toStoredNumber(out.confidence!);
  out.weight = toStoredNumber(out.weight!);
  if (out.metadata !== undefined) out.metadata = toStoredMetadata(out.metadata);
  return out;
}

function copyMemoryLink(l: MemoryLink): MemoryLink {
  return {
    sourceMemoryId: l.sourceMemoryId,
    targetMemoryId: l.targetMemoryId,
    linkType: l.linkType,
    evidence: l.evidence ?? "",
    confidence: l.confidence ?? 1,
    weight: l.weight ?? 1,
    ...(l.createdAt === undefined ? {} : { createdAt: new Date(l.createdAt.getTime()) }),
    ...copyMetadata(l.metadata),
  };
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

const CAPABILITIES: GraphStoreCapabilities = Object.freeze({
  consistency: "strong",
  atomicBatches: true,
  persistent: false,
  memoryLinks: true,
});

/**
 * Create the in-memory reference {@linkcode GraphStore}.
 *
 * Semantics (normative for adapters, `spi.md` §2):
 * - Every key is scoped per bank: the same entity id in two banks is two entities.
 * - `storeLinks` / `storeEntityLink` are idempotent on the direction-neutral
 *   `(entityA, entityB, linkType)`: a repeat (in either direction) keeps the stored link and
 *   returns its id. `storeMemoryLinks` is idempotent on the directional
 *   `(sourceMemoryId, targetMemoryId, linkType)` the same way. `linkMemoriesToEntities` is
 *   idempotent on `(memoryId, entityId)`.
 * - `queryNeighbors` walks entity links (undirected, any type) breadth-first: depth 1 = memories
 *   associated with a requested entity, depth d = memories associated with an entity d − 1
 *   link hops away, up to `maxDepth`. `score = 1 / depth`; `connectedEntities` = the sorted
 *   requested ids that reach the memory at its minimal depth; `text` = the latest
 *   `memoryText` given for the memory, or `""`. Sorted by score descending, then memory id.
 * - `queryEntities` is a case-insensitive substring match on the name or any alias, ordered
 *   by id. `findEntityCandidates` / `findEntityCandidatesScored` use {@linkcode trigramSimilarity}
 *   on names; a blank name gives `[]`.
 *
 * @example
 * ```ts
 * import { createInMemoryGraphStore } from "@astrocyte/core";
 *
 * const graph = createInMemoryGraphStore();
 * await graph.storeEntities([{ id: "e1", name: "Alice Smith", entityType: "PERSON" }], "b");
 * const found = await graph.findEntityCandidates("alice smith", "b", { threshold: 0.8 });
 * console.log(found.map((e) => e.id)); // ["e1"]
 * ```
 */
export function createInMemoryGraphStore(): GraphStore {
  const banks = new Map<string, BankGraph>();

  const read = (bankId: string): BankGraph | undefined => banks.get(bankId);
  const write = (bankId: string): BankGraph => {
    let bank = banks.get(bankId);
    if (bank === undefined) {
      bank = {
        entities: new Map(),
        links: new Map(),
        associations: new Map(),
        memoryTexts: new Map(),
        memoryLinks: new Map(),
      };
      banks.set(bankId, bank);
    }
    return bank;
  };

  const linkKey = (l: EntityLink): string => {
    const [a, b] = compareIds(l.entityA, l.entityB) <= 0
      ? [l.entityA, l.entityB]
      : [l.entityB, l.entityA];
    return key(a, b, l.linkType);
  };

  const putLink = (bank: BankGraph, link: EntityLink): string => {
    const k = linkKey(link);
    const existing = bank.links.get(k);
    if (existing !== undefined) return existing.id;
    const id = crypto.randomUUID();
    bank.links.set(k, { id, link: storedEntityLink(link) });
    return id;
  };

  const store: GraphStore = {
    capabilities: CAPABILITIES,

    storeEntities(entities, bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        checkArray(entities, "entities");
        entities.forEach((e, i) => checkEntity(e, `entities[${i}]`));
        if (entities.length === 0) return [];
        const bank = write(bankId);
        for (const e of entities) bank.entities.set(e.id, storedEntity(e));
        return entities.map((e) => e.id);
      });
    },

    storeLinks(links, bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        checkArray(links, "links");
        links.forEach((l, i) => checkEntityLink(l, `links[${i}]`));
        if (links.length === 0) return [];
        const bank = write(bankId);
        return links.map((l) => putLink(bank, l));
      });
    },

    storeEntityLink(link, bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        checkEntityLink(link, "link");
        return putLink(write(bankId), link);
      });
    },

    linkMemoriesToEntities(associations, bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        checkArray(associations, "associations");
        associations.forEach((a, i) => {
          const field = `associations[${i}]`;
          checkObject(a, field);
          validateId(a.memoryId, `${field}.memoryId`, PREFIX);
          validateId(a.entityId, `${field}.entityId`, PREFIX);
          if (a.memoryText !== undefined) checkString(a.memoryText, `${field}.memoryText`);
        });
        if (associations.length === 0) return;
        const bank = write(bankId);
        for (const a of associations) {
          const k = key(a.memoryId, a.entityId);
          if (!bank.associations.has(k)) {
            bank.associations.set(k, { memoryId: a.memoryId, entityId: a.entityId });
          }
          if (a.memoryText !== undefined && a.memoryText !== "") {
            bank.memoryTexts.set(a.memoryId, a.memoryText);
          }
        }
        return;
      });
    },

    storeMemoryLinks(links, bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        checkArray(links, "links");
        links.forEach((l, i) => checkMemoryLink(l, `links[${i}]`));
        if (links.length === 0) return [];
        const bank = write(bankId);
        return links.map((l) => {
          const k = key(l.sourceMemoryId, l.targetMemoryId, l.linkType);
          const existing = bank.memoryLinks.get(k);
          if (existing !== undefined) return existing.id;
          const id = crypto.randomUUID();
          bank.memoryLinks.set(k, { id, link: storedMemoryLink(l) });
          return id;
        });
      });
    },

    findMemoryLinks(seedMemoryIds, bankId, options: FindMemoryLinksOptions = {}) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const seeds = new Set(checkIdList(seedMemoryIds, "seedMemoryIds"));
        const limit = validateCount(options.limit, 200, "limit", PREFIX);
        let types: Set<string> | undefined;
        if (options.linkTypes !== undefined) {
          types = new Set(checkIdList(options.linkTypes, "linkTypes"));
        }
        const bank = read(bankId);
        if (bank === undefined || seeds.size === 0 || limit === 0) return [];
        const out = [...bank.memoryLinks.values()]
          .map((s) => s.link)
          .filter((l) =>
            (types === undefined || types.has(l.linkType)) &&
            (seeds.has(l.sourceMemoryId) || seeds.has(l.targetMemoryId))
          )
          .sort((a, b) =>
            compareIds(a.sourceMemoryId, b.sourceMemoryId) ||
            compareIds(a.targetMemoryId, b.targetMemoryId) ||
            compareIds(a.linkType, b.linkType)
          )
          .slice(0, limit)
          .map(copyMemoryLink);
        return out;
      });
    },

    queryNeighbors(entityIds, bankId, options: QueryNeighborsOptions = {}) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const requested = [...new Set(checkIdList(entityIds, "entityIds"))];
        const maxDepth = validateCount(options.maxDepth, 2, "maxDepth", PREFIX, 1);
        const limit = validateCount(options.limit, 20, "limit", PREFIX);
        const bank = read(bankId);
        if (bank === undefined || requested.length === 0 || limit === 0) {
          return [];
        }
        const adjacency = new Map<string, Set<string>>();
        const connect = (a: string, b: string) => {
          let set = adjacency.get(a);
          if (set === undefined) adjacency.set(a, set = new Set());
          set.add(b);
        };
        for (const { link } of bank.links.values()) {
          connect(link.entityA, link.entityB);
          connect(link.entityB, link.entityA);
        }
        const memoriesOf = new Map<string, string[]>();
        for (const a of bank.associations.values()) {
          const list = memoriesOf.get(a.entityId);
          if (list === undefined) memoriesOf.set(a.entityId, [a.memoryId]);
          else list.push(a.memoryId);
        }
        const best = new Map<string, { depth: number; origins: Set<string> }>();
        for (const origin of requested) {
          // Breadth-first from one requested entity: hops 0 … maxDepth − 1.
          const seen = new Set([origin]);
          let frontier = [origin];
          for (let hops = 0; hops < maxDepth && frontier.length > 0; hops++) {
            const depth = hops + 1;
            const next: string[] = [];
            for (const entity of frontier) {
              for (const memoryId of memoriesOf.get(entity) ?? []) {
                const current = best.get(memoryId);
                if (current === undefined || depth < current.depth) {
                  best.set(memoryId, { depth, origins: new Set([origin]) });
                } else if (depth === current.depth) {
                  current.origins.add(origin);
                }
              }
              for (const neighbour of adjacency.get(entity) ?? []) {
                if (!seen.has(neighbour)) {
                  seen.add(neighbour);
                  next.push(neighbour);
                }
              }
            }
            frontier = next;
          }
        }
        const hits: GraphHit[] = [...best.entries()]
          .map(([memoryId, { depth, origins }]) => ({
            memoryId,
            text: bank.memoryTexts.get(memoryId) ?? "",
            connectedEntities: [...origins].sort(compareIds),
            depth,
            score: 1 / depth,
          }))
          .sort((a, b) => a.depth - b.depth || compareIds(a.memoryId, b.memoryId))
          .slice(0, limit);
        return hits;
      });
    },

    queryEntities(query, bankId, options: QueryEntitiesOptions = {}) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        checkString(query, "query");
        const limit = validateCount(options.limit, 10, "limit", PREFIX);
        const bank = read(bankId);
        if (bank === undefined) return [];
        const q = query.toLowerCase();
        const out = [...bank.entities.values()]
          .filter((e) =>
            e.name.toLowerCase().includes(q) ||
            (e.aliases ?? []).some((a) => a.toLowerCase().includes(q))
          )
          .sort((a, b) => compareIds(a.id, b.id))
          .slice(0, limit)
          .map(copyEntity);
        return out;
      });
    },

    findEntityCandidates(name, bankId, options: FindEntityCandidatesOptions = {}) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        checkString(name, "name");
        const threshold = checkThreshold(options.threshold, 0.8, "threshold");
        const limit = validateCount(options.limit, 5, "limit", PREFIX);
        const bank = read(bankId);
        if (bank === undefined || name.trim() === "") return [];
        const out = [...bank.entities.values()]
          .map((entity) => ({ entity, sim: trigramSimilarity(name, entity.name) }))
          .filter((c) => c.sim >= threshold)
          .sort((a, b) => b.sim - a.sim || compareIds(a.entity.id, b.entity.id))
          .slice(0, limit)
          .map((c) => copyEntity(c.entity));
        return out;
      });
    },

    findEntityCandidatesScored(name, bankId, options: FindEntityCandidatesScoredOptions = {}) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        checkString(name, "name");
        const threshold = checkThreshold(options.trigramThreshold, 0.3, "trigramThreshold");
        const limit = validateCount(options.limit, 10, "limit", PREFIX);
        const nameEmbedding = options.nameEmbedding === undefined
          ? undefined
          : validateVector(options.nameEmbedding, null, "nameEmbedding", PREFIX);
        const bank = read(bankId);
        if (bank === undefined || name.trim() === "") return [];
        const coOccurring = new Map<string, string[]>();
        const addName = (entityId: string, otherId: string) => {
          const other = bank.entities.get(otherId);
          if (other === undefined) return;
          const list = coOccurring.get(entityId);
          const otherName = other.name.trim().toLowerCase();
          if (list === undefined) coOccurring.set(entityId, [otherName]);
          else list.push(otherName);
        };
        for (const { link } of bank.links.values()) {
          if (link.linkType !== "co_occurs") continue;
          addName(link.entityA, link.entityB);
          if (link.entityA !== link.entityB) addName(link.entityB, link.entityA);
        }
        const scored: { match: EntityCandidateMatch; score: number }[] = [];
        for (const entity of bank.entities.values()) {
          if (entity.name.trim() === "") continue;
          const nameSimilarity = trigramSimilarity(name, entity.name);
          if (nameSimilarity < threshold) continue;
          let embeddingSimilarity: number | undefined;
          if (
            nameEmbedding !== undefined && entity.embedding !== undefined &&
            entity.embedding.length === nameEmbedding.length
          ) {
            embeddingSimilarity = clampScore(cosine(nameEmbedding, entity.embedding));
          }
          let lastSeen: Date | undefined;
          const raw = entity.metadata?.["last_seen"];
          if (typeof raw === "string") {
            const parsed = new Date(raw);
            if (!Number.isNaN(parsed.getTime())) lastSeen = parsed;
          }
          const match: EntityCandidateMatch = {
            entity: copyEntity(entity),
            nameSimilarity,
            ...(embeddingSimilarity === undefined ? {} : { embeddingSimilarity }),
            coOccurringNames: [...(coOccurring.get(entity.id) ?? [])].sort(compareIds),
            ...(lastSeen === undefined ? {} : { lastSeen }),
            mentionCount: entity.mentionCount ?? 1,
          };
          scored.push({ match, score: Math.max(nameSimilarity, embeddingSimilarity ?? 0) });
        }
        scored.sort((a, b) =>
          b.score - a.score || compareIds(a.match.entity.id, b.match.entity.id)
        );
        return scored.slice(0, limit).map((s) => s.match);
      });
    },

    forgetMemories(memoryIds, bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const ids = new Set(checkIdList(memoryIds, "memoryIds"));
        const bank = read(bankId);
        if (bank === undefined || ids.size === 0) return 0;
        let removed = 0;
        for (const [k, a] of bank.associations) {
          if (ids.has(a.memoryId)) {
            bank.associations.delete(k);
            removed++;
          }
        }
        for (const [k, { link }] of bank.memoryLinks) {
          if (ids.has(link.sourceMemoryId) || ids.has(link.targetMemoryId)) {
            bank.memoryLinks.delete(k);
            removed++;
          }
        }
        for (const id of ids) bank.memoryTexts.delete(id);
        return removed;
      });
    },

    deleteBank(bankId) {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = read(bankId);
        if (bank === undefined) return 0;
        banks.delete(bankId);
        return bank.entities.size + bank.links.size + bank.associations.size +
          bank.memoryLinks.size;
      });
    },

    health(): Promise<HealthStatus> {
      return Promise.resolve({
        healthy: true,
        message: "in-memory graph store",
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
  return enforceInputRules("graphStore", store, "[astrocyte/core]");
}
