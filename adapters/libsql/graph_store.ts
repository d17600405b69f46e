/**
 * The libSQL GraphStore: entities, direction-neutral entity links, memory associations and
 * memory links in ordinary tables, scoped per bank. Traversal runs breadth-first with one
 * read batch per hop; name matching (substring and pg_trgm-style trigram similarity) runs
 * over the bank's entities in the adapter, with the same code as the in-memory reference.
 *
 * @module
 */
import {
  clampScore,
  compareIds,
  toStoredEmbedding,
  trigramSimilarity,
  validateBankId,
  validateCount,
  validateId,
  validateInt32,
  validateVector,
} from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  Entity,
  EntityCandidateMatch,
  EntityLink,
  FindEntityCandidatesOptions,
  FindEntityCandidatesScoredOptions,
  FindMemoryLinksOptions,
  GraphHit,
  GraphStore,
  GraphStoreCapabilities,
  HealthStatus,
  MemoryEntityAssociation,
  MemoryLink,
  QueryEntitiesOptions,
  QueryNeighborsOptions,
} from "@astrocyte/core";
import {
  type Connection,
  guarded,
  parseJson,
  sized,
  type SizedStatement,
  writeAtomically,
} from "./_connection.ts";
import {
  checkObject,
  checkOptionalMetadata,
  checkString,
  createRuntime,
  fail,
  json,
} from "./_runtime.ts";
import { type LibsqlOptions, PREFIX } from "./options.ts";

function checkArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) fail(`${field} must be an array`, field);
  return value;
}

function checkUnit(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    fail(`${field} must be a number in [0, 1]`, field);
  }
}

function checkOptionalDate(value: unknown, field: string): void {
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
    checkArray(entity.aliases, `${field}.aliases`).forEach((a, i) =>
      checkString(a, `${field}.aliases[${i}]`)
    );
  }
  checkOptionalMetadata(entity.metadata, `${field}.metadata`);
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
  checkOptionalDate(link.createdAt, `${field}.createdAt`);
  checkOptionalMetadata(link.metadata, `${field}.metadata`);
}

function checkMemoryLink(link: MemoryLink, field: string): void {
  checkObject(link, field);
  validateId(link.sourceMemoryId, `${field}.sourceMemoryId`, PREFIX);
  validateId(link.targetMemoryId, `${field}.targetMemoryId`, PREFIX);
  validateId(link.linkType, `${field}.linkType`, PREFIX);
  if (link.evidence !== undefined) checkString(link.evidence, `${field}.evidence`);
  checkUnit(link.confidence, `${field}.confidence`);
  if (
    link.weight !== undefined && (typeof link.weight !== "number" || !isFinite(link.weight))
  ) {
    fail(`${field}.weight must be a finite number`, `${field}.weight`);
  }
  checkOptionalDate(link.createdAt, `${field}.createdAt`);
  checkOptionalMetadata(link.metadata, `${field}.metadata`);
}

function checkIdList(ids: unknown, field: string): string[] {
  checkArray(ids, field).forEach((id, i) => validateId(id, `${field}[${i}]`, PREFIX));
  return ids as string[];
}

function checkThreshold(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  checkUnit(value, field);
  return value as number;
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

function rowToEntity(r: Record<string, unknown>): Entity {
  const e: Entity = {
    id: String(r["id"]),
    name: String(r["name"]),
    entityType: String(r["entity_type"]),
  };
  const aliases = parseJson<string[]>(r["aliases"]);
  if (aliases !== undefined) e.aliases = aliases;
  const metadata = parseJson<Entity["metadata"]>(r["metadata"]);
  if (metadata !== undefined) e.metadata = metadata;
  const embedding = parseJson<number[]>(r["embedding"]);
  // Stored as float32 (rows written before that rule are rounded on read).
  if (embedding !== undefined) e.embedding = toStoredEmbedding(embedding);
  e.mentionCount = Number(r["mention_count"]);
  return e;
}

function rowToMemoryLink(r: Record<string, unknown>): MemoryLink {
  const l: MemoryLink = {
    sourceMemoryId: String(r["source_id"]),
    targetMemoryId: String(r["target_id"]),
    linkType: String(r["link_type"]),
    evidence: String(r["evidence"]),
    confidence: Number(r["confidence"]),
    weight: Number(r["weight"]),
  };
  if (r["created_at"] !== null && r["created_at"] !== undefined) {
    l.createdAt = new Date(Number(r["created_at"]));
  }
  const metadata = parseJson<MemoryLink["metadata"]>(r["metadata"]);
  if (metadata !== undefined) l.metadata = metadata;
  return l;
}

const ENTITY_COLUMNS = "id, name, entity_type, aliases, metadata, embedding, mention_count";

/**
 * Create a libSQL graph store.
 *
 * @example
 * ```ts ignore
 * import { createLibsqlGraphStore } from "@astrocyte/libsql";
 * const graph = createLibsqlGraphStore({ url: "file:.astrocyte/memory.db" });
 * await graph.storeEntities([{ id: "e1", name: "Calvin", entityType: "PERSON" }], "b1");
 * ```
 */
export function createLibsqlGraphStore(
  options: LibsqlOptions,
  context?: Partial<AdapterContext>,
): GraphStore {
  const rt = createRuntime(options, context, ["graph"], "Graph store");
  const p = rt.prefix;
  const T = {
    entities: `${p}graph_entities`,
    links: `${p}graph_links`,
    assoc: `${p}graph_associations`,
    texts: `${p}graph_memory_texts`,
    mlinks: `${p}graph_memory_links`,
  };
  const capabilities: GraphStoreCapabilities = {
    consistency: "strong",
    atomicBatches: true,
    persistent: rt.persistent,
    memoryLinks: true,
  };

  function linkStatements(bankId: string, l: EntityLink): SizedStatement[] {
    const [lo, hi] = compareIds(l.entityA, l.entityB) <= 0
      ? [l.entityA, l.entityB]
      : [l.entityB, l.entityA];
    return [
      sized(
        `INSERT INTO ${T.links} (bank_id, entity_lo, entity_hi, link_type, id, entity_a, ` +
          `entity_b, evidence, confidence, created_at, metadata) ` +
          `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [
          bankId,
          lo,
          hi,
          l.linkType,
          crypto.randomUUID(),
          l.entityA,
          l.entityB,
          l.evidence ?? "",
          l.confidence ?? 1,
          l.createdAt?.getTime() ?? null,
          json(l.metadata),
        ],
      ),
      sized(
        `SELECT id FROM ${T.links} WHERE bank_id = ? AND entity_lo = ? AND entity_hi = ? ` +
          `AND link_type = ?`,
        [bankId, lo, hi, l.linkType],
      ),
    ];
  }

  async function putLinks(bankId: string, links: EntityLink[]): Promise<string[]> {
    const conn = await rt.ready();
    const results = await writeAtomically(
      conn,
      links.flatMap((l) => linkStatements(bankId, l)),
      "Storing entity links",
      options.maxRequestBytes,
    );
    return links.map((_, i) => String(results[2 * i + 1]!.rows[0]?.["id"]));
  }

  async function bankEntities(conn: Connection, bankId: string): Promise<Entity[]> {
    const rs = await guarded("Reading entities", () =>
      conn.client.execute({
        sql: `SELECT ${ENTITY_COLUMNS} FROM ${T.entities} WHERE bank_id = ?`,
        args: [bankId],
      }));
    return rs.rows.map((r) => rowToEntity(r as Record<string, unknown>));
  }

  const store: GraphStore = {
    capabilities,

    async storeEntities(entities: Entity[], bankId: string): Promise<string[]> {
      validateBankId(bankId, PREFIX);
      checkArray(entities, "entities");
      entities.forEach((e, i) => checkEntity(e, `entities[${i}]`));
      if (entities.length === 0) return [];
      const conn = await rt.ready();
      await writeAtomically(
        conn,
        entities.map((e) =>
          sized(
            `INSERT INTO ${T.entities} (bank_id, ${ENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ` +
              `ON CONFLICT (bank_id, id) DO UPDATE SET name = excluded.name, ` +
              `entity_type = excluded.entity_type, aliases = excluded.aliases, ` +
              `metadata = excluded.metadata, embedding = excluded.embedding, ` +
              `mention_count = excluded.mention_count`,
            [
              bankId,
              e.id,
              e.name,
              e.entityType,
              json(e.aliases),
              json(e.metadata),
              e.embedding === undefined ? null : JSON.stringify(toStoredEmbedding(e.embedding)),
              e.mentionCount ?? 1,
            ],
          )
        ),
        "Storing entities",
        options.maxRequestBytes,
      );
      return entities.map((e) => e.id);
    },

    async storeLinks(links: EntityLink[], bankId: string): Promise<string[]> {
      validateBankId(bankId, PREFIX);
      checkArray(links, "links");
      links.forEach((l, i) => checkEntityLink(l, `links[${i}]`));
      if (links.length === 0) return [];
      return await putLinks(bankId, links);
    },

    async storeEntityLink(link: EntityLink, bankId: string): Promise<string> {
      validateBankId(bankId, PREFIX);
      checkEntityLink(link, "link");
      return (await putLinks(bankId, [link]))[0]!;
    },

    async linkMemoriesToEntities(
      associations: MemoryEntityAssociation[],
      bankId: string,
    ): Promise<void> {
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
      const statements: SizedStatement[] = [];
      for (const a of associations) {
        statements.push(sized(
          `INSERT INTO ${T.assoc} (bank_id, memory_id, entity_id) VALUES (?, ?, ?) ` +
            `ON CONFLICT DO NOTHING`,
          [bankId, a.memoryId, a.entityId],
        ));
        if (a.memoryText !== undefined && a.memoryText !== "") {
          statements.push(sized(
            `INSERT INTO ${T.texts} (bank_id, memory_id, text) VALUES (?, ?, ?) ` +
              `ON CONFLICT (bank_id, memory_id) DO UPDATE SET text = excluded.text`,
            [bankId, a.memoryId, a.memoryText],
          ));
        }
      }
      const conn = await rt.ready();
      await writeAtomically(conn, statements, "Linking memories", options.maxRequestBytes);
    },

    async storeMemoryLinks(links: MemoryLink[], bankId: string): Promise<string[]> {
      validateBankId(bankId, PREFIX);
      checkArray(links, "links");
      links.forEach((l, i) => checkMemoryLink(l, `links[${i}]`));
      if (links.length === 0) return [];
      const conn = await rt.ready();
      const results = await writeAtomically(
        conn,
        links.flatMap((l) => [
          sized(
            `INSERT INTO ${T.mlinks} (bank_id, source_id, target_id, link_type, id, evidence, ` +
              `confidence, weight, created_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
              `ON CONFLICT DO NOTHING`,
            [
              bankId,
              l.sourceMemoryId,
              l.targetMemoryId,
              l.linkType,
              crypto.randomUUID(),
              l.evidence ?? "",
              l.confidence ?? 1,
              l.weight ?? 1,
              l.createdAt?.getTime() ?? null,
              json(l.metadata),
            ],
          ),
          sized(
            `SELECT id FROM ${T.mlinks} WHERE bank_id = ? AND source_id = ? AND target_id = ? ` +
              `AND link_type = ?`,
            [bankId, l.sourceMemoryId, l.targetMemoryId, l.linkType],
          ),
        ]),
        "Storing memory links",
        options.maxRequestBytes,
      );
      return links.map((_, i) => String(results[2 * i + 1]!.rows[0]?.["id"]));
    },

    async findMemoryLinks(
      seedMemoryIds: string[],
      bankId: string,
      opts: FindMemoryLinksOptions = {},
    ): Promise<MemoryLink[]> {
      validateBankId(bankId, PREFIX);
      const seeds = [...new Set(checkIdList(seedMemoryIds, "seedMemoryIds"))];
      const limit = validateCount(opts.limit, 200, "limit", PREFIX);
      const types = opts.linkTypes === undefined
        ? undefined
        : new Set(checkIdList(opts.linkTypes, "linkTypes"));
      if (seeds.length === 0 || limit === 0) return [];
      const conn = await rt.ready();
      const rs = await guarded("Finding memory links", () =>
        conn.client.execute({
          sql: `SELECT * FROM ${T.mlinks} WHERE bank_id = ? AND (` +
            `source_id IN (SELECT value FROM json_each(?)) OR ` +
            `target_id IN (SELECT value FROM json_each(?)))`,
          args: [bankId, JSON.stringify(seeds), JSON.stringify(seeds)],
        }));
      return rs.rows.map((r) => rowToMemoryLink(r as Record<string, unknown>))
        .filter((l) => types === undefined || types.has(l.linkType))
        .sort((a, b) =>
          compareIds(a.sourceMemoryId, b.sourceMemoryId) ||
          compareIds(a.targetMemoryId, b.targetMemoryId) ||
          compareIds(a.linkType, b.linkType)
        )
        .slice(0, limit);
    },

    async queryNeighbors(
      entityIds: string[],
      bankId: string,
      opts: QueryNeighborsOptions = {},
    ): Promise<GraphHit[]> {
      validateBankId(bankId, PREFIX);
      const requested = [...new Set(checkIdList(entityIds, "entityIds"))];
      const maxDepth = validateCount(opts.maxDepth, 2, "maxDepth", PREFIX, 1);
      const limit = validateCount(opts.limit, 20, "limit", PREFIX);
      if (requested.length === 0 || limit === 0) return [];
      const conn = await rt.ready();
      // Breadth-first from every requested entity at once, one read batch per hop.
      const seen = new Map(requested.map((o) => [o, new Set([o])]));
      let frontier = new Map(requested.map((o) => [o, [o]]));
      const best = new Map<string, { depth: number; origins: Set<string> }>();
      for (let hops = 0; hops < maxDepth; hops++) {
        const depth = hops + 1;
        const entities = [...new Set([...frontier.values()].flat())];
        if (entities.length === 0) break;
        const list = JSON.stringify(entities);
        const [assocRs, linkRs] = await guarded("Traversing the graph", () =>
          conn.client.batch([
            {
              sql: `SELECT entity_id, memory_id FROM ${T.assoc} WHERE bank_id = ? ` +
                `AND entity_id IN (SELECT value FROM json_each(?))`,
              args: [bankId, list],
            },
            {
              sql: `SELECT entity_a, entity_b FROM ${T.links} WHERE bank_id = ? AND (` +
                `entity_a IN (SELECT value FROM json_each(?)) OR ` +
                `entity_b IN (SELECT value FROM json_each(?)))`,
              args: [bankId, list, list],
            },
          ], "read"));
        const memoriesOf = new Map<string, string[]>();
        for (const r of assocRs!.rows) {
          const e = String(r["entity_id"]);
          const m = String(r["memory_id"]);
          const l = memoriesOf.get(e);
          if (l === undefined) memoriesOf.set(e, [m]);
          else l.push(m);
        }
        const adjacency = new Map<string, Set<string>>();
        const connect = (a: string, b: string) => {
          let set = adjacency.get(a);
          if (set === undefined) adjacency.set(a, set = new Set());
          set.add(b);
        };
        for (const r of linkRs!.rows) {
          connect(String(r["entity_a"]), String(r["entity_b"]));
          connect(String(r["entity_b"]), String(r["entity_a"]));
        }
        const nextFrontier = new Map<string, string[]>();
        for (const [origin, nodes] of frontier) {
          const seenHere = seen.get(origin)!;
          const next: string[] = [];
          for (const entity of nodes) {
            for (const memoryId of memoriesOf.get(entity) ?? []) {
              const current = best.get(memoryId);
              if (current === undefined || depth < current.depth) {
                best.set(memoryId, { depth, origins: new Set([origin]) });
              } else if (depth === current.depth) {
                current.origins.add(origin);
              }
            }
            for (const neighbour of adjacency.get(entity) ?? []) {
              if (!seenHere.has(neighbour)) {
                seenHere.add(neighbour);
                next.push(neighbour);
              }
            }
          }
          if (next.length > 0) nextFrontier.set(origin, next);
        }
        frontier = nextFrontier;
      }
      const ranked = [...best.entries()]
        .sort((a, b) => a[1].depth - b[1].depth || compareIds(a[0], b[0]))
        .slice(0, limit);
      if (ranked.length === 0) return [];
      const textRs = await guarded("Reading memory texts", () =>
        conn.client.execute({
          sql: `SELECT memory_id, text FROM ${T.texts} WHERE bank_id = ? ` +
            `AND memory_id IN (SELECT value FROM json_each(?))`,
          args: [bankId, JSON.stringify(ranked.map(([m]) => m))],
        }));
      const texts = new Map(textRs.rows.map((r) => [String(r["memory_id"]), String(r["text"])]));
      return ranked.map(([memoryId, { depth, origins }]) => ({
        memoryId,
        text: texts.get(memoryId) ?? "",
        connectedEntities: [...origins].sort(compareIds),
        depth,
        score: 1 / depth,
      }));
    },

    async queryEntities(
      query: string,
      bankId: string,
      opts: QueryEntitiesOptions = {},
    ): Promise<Entity[]> {
      validateBankId(bankId, PREFIX);
      checkString(query, "query");
      const limit = validateCount(opts.limit, 10, "limit", PREFIX);
      if (limit === 0) return [];
      const q = query.toLowerCase();
      const all = await bankEntities(await rt.ready(), bankId);
      return all
        .filter((e) =>
          e.name.toLowerCase().includes(q) ||
          (e.aliases ?? []).some((a) => a.toLowerCase().includes(q))
        )
        .sort((a, b) => compareIds(a.id, b.id))
        .slice(0, limit);
    },

    async findEntityCandidates(
      name: string,
      bankId: string,
      opts: FindEntityCandidatesOptions = {},
    ): Promise<Entity[]> {
      validateBankId(bankId, PREFIX);
      checkString(name, "name");
      const threshold = checkThreshold(opts.threshold, 0.8, "threshold");
      const limit = validateCount(opts.limit, 5, "limit", PREFIX);
      if (name.trim() === "" || limit === 0) return [];
      const all = await bankEntities(await rt.ready(), bankId);
      return all
        .map((entity) => ({ entity, sim: trigramSimilarity(name, entity.name) }))
        .filter((c) => c.sim >= threshold)
        .sort((a, b) => b.sim - a.sim || compareIds(a.entity.id, b.entity.id))
        .slice(0, limit)
        .map((c) => c.entity);
    },

    async findEntityCandidatesScored(
      name: string,
      bankId: string,
      opts: FindEntityCandidatesScoredOptions = {},
    ): Promise<EntityCandidateMatch[]> {
      validateBankId(bankId, PREFIX);
      checkString(name, "name");
      const threshold = checkThreshold(opts.trigramThreshold, 0.3, "trigramThreshold");
      const limit = validateCount(opts.limit, 10, "limit", PREFIX);
      const nameEmbedding = opts.nameEmbedding === undefined
        ? undefined
        : validateVector(opts.nameEmbedding, null, "nameEmbedding", PREFIX);
      if (name.trim() === "" || limit === 0) return [];
      const conn = await rt.ready();
      const [entityRs, linkRs] = await guarded("Reading entities", () =>
        conn.client.batch([
          { sql: `SELECT ${ENTITY_COLUMNS} FROM ${T.entities} WHERE bank_id = ?`, args: [bankId] },
          {
            sql: `SELECT entity_a, entity_b FROM ${T.links} WHERE bank_id = ? ` +
              `AND link_type = 'co_occurs'`,
            args: [bankId],
          },
        ], "read"));
      const entities = new Map(
        entityRs!.rows.map((r) => {
          const e = rowToEntity(r as Record<string, unknown>);
          return [e.id, e] as const;
        }),
      );
      const coOccurring = new Map<string, string[]>();
      const addName = (entityId: string, otherId: string) => {
        const other = entities.get(otherId);
        if (other === undefined) return;
        const list = coOccurring.get(entityId);
        const otherName = other.name.trim().toLowerCase();
        if (list === undefined) coOccurring.set(entityId, [otherName]);
        else list.push(otherName);
      };
      for (const r of linkRs!.rows) {
        const a = String(r["entity_a"]);
        const b = String(r["entity_b"]);
        addName(a, b);
        if (a !== b) addName(b, a);
      }
      const scored: { match: EntityCandidateMatch; score: number }[] = [];
      for (const entity of entities.values()) {
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
          entity,
          nameSimilarity,
          ...(embeddingSimilarity === undefined ? {} : { embeddingSimilarity }),
          coOccurringNames: [...(coOccurring.get(entity.id) ?? [])].sort(compareIds),
          ...(lastSeen === undefined ? {} : { lastSeen }),
          mentionCount: entity.mentionCount ?? 1,
        };
        scored.push({ match, score: Math.max(nameSimilarity, embeddingSimilarity ?? 0) });
      }
      scored.sort((a, b) => b.score - a.score || compareIds(a.match.entity.id, b.match.entity.id));
      return scored.slice(0, limit).map((s) => s.match);
    },

    async forgetMemories(memoryIds: string[], bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const ids = [...new Set(checkIdList(memoryIds, "memoryIds"))];
      if (ids.length === 0) return 0;
      const list = JSON.stringify(ids);
      const inList = "IN (SELECT value FROM json_each(?))";
      const conn = await rt.ready();
      const [a, l] = await writeAtomically(conn, [
        sized(`DELETE FROM ${T.assoc} WHERE bank_id = ? AND memory_id ${inList}`, [bankId, list]),
        sized(
          `DELETE FROM ${T.mlinks} WHERE bank_id = ? AND (source_id ${inList} OR target_id ${inList})`,
          [bankId, list, list],
        ),
        sized(`DELETE FROM ${T.texts} WHERE bank_id = ? AND memory_id ${inList}`, [bankId, list]),
      ], "Forgetting memories");
      return a!.rowsAffected + l!.rowsAffected;
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const results = await writeAtomically(conn, [
        sized(`DELETE FROM ${T.entities} WHERE bank_id = ?`, [bankId]),
        sized(`DELETE FROM ${T.links} WHERE bank_id = ?`, [bankId]),
        sized(`DELETE FROM ${T.assoc} WHERE bank_id = ?`, [bankId]),
        sized(`DELETE FROM ${T.mlinks} WHERE bank_id = ?`, [bankId]),
        sized(`DELETE FROM ${T.texts} WHERE bank_id = ?`, [bankId]),
      ], "Deleting a bank");
      return results.slice(0, 4).reduce((n, r) => n + r.rowsAffected, 0);
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
  return enforceInputRules("graphStore", store, PREFIX);
}
