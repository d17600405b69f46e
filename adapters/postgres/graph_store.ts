/**
 * The Postgres {@linkcode GraphStore}: entities, direction-neutral entity links, memory
 * associations and directional memory links on tables, breadth-first traversal with a
 * recursive CTE, and trigram candidate matching (pg_trgm prefilter where available, exact
 * pg_trgm-compatible scores from core's `trigramSimilarity`).
 *
 * @module
 */
import {
  clampScore,
  compareIds,
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
  MemoryEntityAssociation,
  MemoryLink,
  QueryEntitiesOptions,
  QueryNeighborsOptions,
} from "@astrocyte/core";
import { PREFIX } from "./options.ts";
import type { PostgresOptions } from "./options.ts";
import type { Row, SqlStatement } from "./_client.ts";
import {
  asDate,
  asInt,
  asMetadata,
  asNumber,
  asTextArray,
  asVector,
  codeUnitKey,
  dateParam,
  hasNul,
  jsonParam,
  multiRowStatements,
  textArrayParam,
  vectorParam,
} from "./_sql.ts";
import { createStoreBase } from "./_store.ts";
import {
  checkArray,
  checkObject,
  checkOptionalDate,
  checkOptionalFinite,
  checkOptionalMetadata,
  checkOptionalString,
  checkOptionalStringArray,
  checkOptionalUnit,
  checkString,
} from "./_validate.ts";

function checkEntity(e: Entity, f: string): void {
  checkObject(e, f);
  validateId(e.id, `${f}.id`, PREFIX);
  checkString(e.id, `${f}.id`);
  checkString(e.name, `${f}.name`);
  checkString(e.entityType, `${f}.entityType`);
  checkOptionalStringArray(e.aliases, `${f}.aliases`);
  checkOptionalMetadata(e.metadata, `${f}.metadata`);
  if (e.embedding !== undefined) validateVector(e.embedding, null, `${f}.embedding`, PREFIX);
  if (e.mentionCount !== undefined) validateInt32(e.mentionCount, `${f}.mentionCount`, PREFIX);
}

function checkEntityLink(l: EntityLink, f: string): void {
  checkObject(l, f);
  for (const k of ["entityA", "entityB", "linkType"] as const) {
    validateId(l[k], `${f}.${k}`, PREFIX);
    checkString(l[k], `${f}.${k}`);
  }
  checkOptionalString(l.evidence, `${f}.evidence`);
  checkOptionalUnit(l.confidence, `${f}.confidence`);
  checkOptionalDate(l.createdAt, `${f}.createdAt`);
  checkOptionalMetadata(l.metadata, `${f}.metadata`);
}

function checkMemoryLink(l: MemoryLink, f: string): void {
  checkObject(l, f);
  for (const k of ["sourceMemoryId", "targetMemoryId", "linkType"] as const) {
    validateId(l[k], `${f}.${k}`, PREFIX);
    checkString(l[k], `${f}.${k}`);
  }
  checkOptionalString(l.evidence, `${f}.evidence`);
  checkOptionalUnit(l.confidence, `${f}.confidence`);
  checkOptionalFinite(l.weight, `${f}.weight`);
  checkOptionalDate(l.createdAt, `${f}.createdAt`);
  checkOptionalMetadata(l.metadata, `${f}.metadata`);
}

function checkIdList(ids: unknown, f: string): string[] {
  checkArray(ids, f);
  (ids as unknown[]).forEach((id, i) => validateId(id, `${f}[${i}]`, PREFIX));
  return ids as string[];
}

function checkThreshold(value: unknown, fallback: number, f: string): number {
  if (value === undefined) return fallback;
  return checkOptionalUnit(value, f) ?? fallback;
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

const ENTITY_COLUMNS =
  `id, name, entity_type, aliases, metadata, embedding::text AS embedding, mention_count`;

function toEntity(r: Row): Entity {
  const e: Entity = {
    id: String(r.id),
    name: String(r.name),
    entityType: String(r.entity_type),
    mentionCount: asInt(r.mention_count),
  };
  const aliases = asTextArray(r.aliases);
  if (aliases !== undefined) e.aliases = aliases;
  const metadata = asMetadata(r.metadata);
  if (metadata !== undefined) e.metadata = metadata;
  const embedding = asVector(r.embedding);
  if (embedding !== undefined) e.embedding = embedding;
  return e;
}

function toMemoryLink(r: Row): MemoryLink {
  const l: MemoryLink = {
    sourceMemoryId: String(r.source_id),
    targetMemoryId: String(r.target_id),
    linkType: String(r.link_type),
    evidence: String(r.evidence ?? ""),
    confidence: asNumber(r.confidence) ?? 1,
    weight: asNumber(r.weight) ?? 1,
  };
  const createdAt = asDate(r.created_at);
  if (createdAt !== undefined) l.createdAt = createdAt;
  const metadata = asMetadata(r.metadata);
  if (metadata !== undefined) l.metadata = metadata;
  return l;
}

const isAscii = (s: string): boolean =>
  [...s].every((c) => c.charCodeAt(0) > 0 && c.charCodeAt(0) < 128);

/**
 * Create a Postgres {@linkcode GraphStore} with the semantics of the in-memory reference
 * (`spi.md` §2.15): idempotent edge inserts that keep the stored link and return its id,
 * breadth-first `queryNeighbors` over undirected entity links up to `maxDepth` (one
 * recursive CTE), case-insensitive substring `queryEntities`, and trigram similarity
 * candidates. With pg_trgm installed, `similarity()` prefilters candidates in SQL; scores are
 * always computed with core's pg_trgm-compatible `trigramSimilarity`, so results match every
 * other store exactly.
 *
 * @example
 * ```ts ignore
 * import { createPostgresGraphStore } from "@astrocyte/postgres";
 *
 * const graph = createPostgresGraphStore({ url: "memory://" });
 * await graph.storeEntities([{ id: "alice", name: "Alice", entityType: "PERSON" }], "b");
 * await graph.linkMemoriesToEntities([{ memoryId: "m1", entityId: "alice" }], "b");
 * console.log((await graph.queryNeighbors(["alice"], "b"))[0]?.memoryId); // "m1"
 * ```
 */
export function createPostgresGraphStore(
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): GraphStore {
  const base = createStoreBase("graph", options, context);
  const t = base.tables;

  const capabilities: GraphStoreCapabilities = Object.freeze(
    {
      consistency: "strong",
      atomicBatches: true,
      persistent: true,
      memoryLinks: true,
    } as const,
  );

  /** Insert entity links (first occurrence wins, stored links kept) and map inputs to ids. */
  const putLinks = async (links: EntityLink[], bankId: string): Promise<string[]> => {
    const keyOf = (l: EntityLink) => {
      const [lo, hi] = compareIds(l.entityA, l.entityB) <= 0
        ? [l.entityA, l.entityB]
        : [l.entityB, l.entityA];
      return [lo, hi, l.linkType] as const;
    };
    const unique = new Map<string, { link: EntityLink; key: readonly [string, string, string] }>();
    for (const l of links) {
      const key = keyOf(l);
      const k = JSON.stringify(key);
      if (!unique.has(k)) unique.set(k, { link: l, key });
    }
    const rows = [...unique.values()].map(({ link: l, key }) => [
      bankId,
      crypto.randomUUID(),
      key[0],
      key[1],
      l.entityA,
      l.entityB,
      l.linkType,
      l.evidence ?? "",
      l.confidence ?? 1,
      dateParam(l.createdAt),
      jsonParam(l.metadata),
    ]);
    const keys = [...unique.values()].map((u) => u.key);
    const statements: SqlStatement[] = [
      ...multiRowStatements(
        `INSERT INTO ${t.entityLinks} (bank_id, id, entity_lo, entity_hi, entity_a, entity_b,
          link_type, evidence, confidence, created_at, metadata)`,
        [
          "text",
          "text",
          "text",
          "text",
          "text",
          "text",
          "text",
          "text",
          "float8",
          "timestamptz",
          "jsonb",
        ],
        rows,
        `ON CONFLICT (bank_id, entity_lo, entity_hi, link_type) DO NOTHING`,
      ),
      {
        text: `SELECT l.entity_lo, l.entity_hi, l.link_type, l.id FROM ${t.entityLinks} l
          JOIN unnest($2::text[], $3::text[], $4::text[]) AS k(lo, hi, ty)
            ON l.entity_lo = k.lo AND l.entity_hi = k.hi AND l.link_type = k.ty
          WHERE l.bank_id = $1`,
        params: [
          bankId,
          textArrayParam(keys.map((k) => k[0])),
          textArrayParam(keys.map((k) => k[1])),
          textArrayParam(keys.map((k) => k[2])),
        ],
      },
    ];
    const results = await base.transaction("Storing entity links", statements);
    const ids = new Map<string, string>();
    for (const r of results.at(-1) ?? []) {
      ids.set(JSON.stringify([r.entity_lo, r.entity_hi, r.link_type]), String(r.id));
    }
    return links.map((l) => ids.get(JSON.stringify(keyOf(l)))!);
  };

  /** Entities of the bank that may reach `threshold` with `name` (SQL prefilter when possible). */
  const candidates = async (name: string, bankId: string, threshold: number) => {
    const { state } = await base.ready();
    const lower = name.toLowerCase();
    const usePrefilter = state.trgmVersion !== null && threshold > 0.02 && isAscii(name);
    const rows = await base.query(
      "Finding entity candidates",
      `SELECT ${ENTITY_COLUMNS} FROM ${t.entities}
        WHERE bank_id = $1${
        usePrefilter
          ? ` AND (similarity(name_lower, $2) >= $3::float8 OR name_lower !~ '^[\\x01-\\x7f]*$')`
          : ""
      }`,
      usePrefilter ? [bankId, lower, threshold - 0.01] : [bankId],
    );
    return rows.map(toEntity);
  };

  const store: GraphStore = {
    capabilities,

    async storeEntities(entities: Entity[], bankId: string): Promise<string[]> {
      validateBankId(bankId, PREFIX);
      checkArray(entities, "entities");
      entities.forEach((e, i) => checkEntity(e, `entities[${i}]`));
      if (entities.length === 0) return [];
      const byId = new Map<string, Entity>();
      for (const e of entities) byId.set(e.id, e);
      const rows = [...byId.values()].sort((a, b) => compareIds(a.id, b.id)).map((e) => [
        bankId,
        e.id,
        e.name,
        e.name.toLowerCase(),
        e.entityType,
        textArrayParam(e.aliases),
        textArrayParam(e.aliases?.map((a) => a.toLowerCase())),
        jsonParam(e.metadata),
        e.embedding === undefined ? null : vectorParam(e.embedding),
        e.mentionCount ?? 1,
      ]);
      const cols = [
        "bank_id",
        "id",
        "name",
        "name_lower",
        "entity_type",
        "aliases",
        "aliases_lower",
        "metadata",
        "embedding",
        "mention_count",
      ];
      await base.transaction(
        "Storing entities",
        multiRowStatements(
          `INSERT INTO ${t.entities} (${cols.join(", ")})`,
          ["text", "text", "text", "text", "text", "text[]", "text[]", "jsonb", "vector", "int"],
          rows,
          `ON CONFLICT (bank_id, id) DO UPDATE SET ${
            cols.slice(2).map((c) => `${c} = EXCLUDED.${c}`).join(", ")
          }`,
        ),
      );
      return entities.map((e) => e.id);
    },

    async storeLinks(links: EntityLink[], bankId: string): Promise<string[]> {
      validateBankId(bankId, PREFIX);
      checkArray(links, "links");
      links.forEach((l, i) => checkEntityLink(l, `links[${i}]`));
      if (links.length === 0) return [];
      return await putLinks(links, bankId);
    },

    async storeEntityLink(link: EntityLink, bankId: string): Promise<string> {
      validateBankId(bankId, PREFIX);
      checkEntityLink(link, "link");
      return (await putLinks([link], bankId))[0]!;
    },

    async linkMemoriesToEntities(
      associations: MemoryEntityAssociation[],
      bankId: string,
    ): Promise<void> {
      validateBankId(bankId, PREFIX);
      checkArray(associations, "associations");
      associations.forEach((a, i) => {
        const f = `associations[${i}]`;
        checkObject(a, f);
        validateId(a.memoryId, `${f}.memoryId`, PREFIX);
        validateId(a.entityId, `${f}.entityId`, PREFIX);
        checkString(a.memoryId, `${f}.memoryId`);
        checkString(a.entityId, `${f}.entityId`);
        checkOptionalString(a.memoryText, `${f}.memoryText`);
      });
      if (associations.length === 0) return;
      const pairs = new Map<string, [string, string]>();
      const texts = new Map<string, string>();
      for (const a of associations) {
        pairs.set(JSON.stringify([a.memoryId, a.entityId]), [a.memoryId, a.entityId]);
        if (a.memoryText !== undefined && a.memoryText !== "") texts.set(a.memoryId, a.memoryText);
      }
      const statements: SqlStatement[] = multiRowStatements(
        `INSERT INTO ${t.memoryEntities} (bank_id, memory_id, entity_id)`,
        ["text", "text", "text"],
        [...pairs.values()].sort((a, b) => compareIds(a[0], b[0]) || compareIds(a[1], b[1]))
          .map(([m, e]) => [bankId, m, e]),
        `ON CONFLICT DO NOTHING`,
      );
      if (texts.size > 0) {
        statements.push(...multiRowStatements(
          `INSERT INTO ${t.memoryTexts} (bank_id, memory_id, text)`,
          ["text", "text", "text"],
          [...texts.entries()].sort((a, b) => compareIds(a[0], b[0]))
            .map(([m, text]) => [bankId, m, text]),
          `ON CONFLICT (bank_id, memory_id) DO UPDATE SET text = EXCLUDED.text`,
        ));
      }
      await base.transaction("Linking memories to entities", statements);
    },

    async storeMemoryLinks(links: MemoryLink[], bankId: string): Promise<string[]> {
      validateBankId(bankId, PREFIX);
      checkArray(links, "links");
      links.forEach((l, i) => checkMemoryLink(l, `links[${i}]`));
      if (links.length === 0) return [];
      const keyOf = (l: MemoryLink) => [l.sourceMemoryId, l.targetMemoryId, l.linkType] as const;
      const unique = new Map<string, MemoryLink>();
      for (const l of links) {
        const k = JSON.stringify(keyOf(l));
        if (!unique.has(k)) unique.set(k, l);
      }
      const list = [...unique.values()];
      const results = await base.transaction("Storing memory links", [
        ...multiRowStatements(
          `INSERT INTO ${t.memoryLinks} (bank_id, id, source_id, target_id, link_type, evidence,
            confidence, weight, created_at, metadata)`,
          [
            "text",
            "text",
            "text",
            "text",
            "text",
            "text",
            "float8",
            "float8",
            "timestamptz",
            "jsonb",
          ],
          list.map((l) => [
            bankId,
            crypto.randomUUID(),
            l.sourceMemoryId,
            l.targetMemoryId,
            l.linkType,
            l.evidence ?? "",
            l.confidence ?? 1,
            l.weight ?? 1,
            dateParam(l.createdAt),
            jsonParam(l.metadata),
          ]),
          `ON CONFLICT (bank_id, source_id, target_id, link_type) DO NOTHING`,
        ),
        {
          text: `SELECT l.source_id, l.target_id, l.link_type, l.id FROM ${t.memoryLinks} l
            JOIN unnest($2::text[], $3::text[], $4::text[]) AS k(s, d, ty)
              ON l.source_id = k.s AND l.target_id = k.d AND l.link_type = k.ty
            WHERE l.bank_id = $1`,
          params: [
            bankId,
            textArrayParam(list.map((l) => l.sourceMemoryId)),
            textArrayParam(list.map((l) => l.targetMemoryId)),
            textArrayParam(list.map((l) => l.linkType)),
          ],
        },
      ]);
      const ids = new Map<string, string>();
      for (const r of results.at(-1) ?? []) {
        ids.set(JSON.stringify([r.source_id, r.target_id, r.link_type]), String(r.id));
      }
      return links.map((l) => ids.get(JSON.stringify(keyOf(l)))!);
    },

    async findMemoryLinks(
      seedMemoryIds: string[],
      bankId: string,
      options: FindMemoryLinksOptions = {},
    ): Promise<MemoryLink[]> {
      validateBankId(bankId, PREFIX);
      const seeds = checkIdList(seedMemoryIds, "seedMemoryIds");
      const limit = validateCount(options?.limit, 200, "limit", PREFIX);
      const types = options?.linkTypes === undefined
        ? undefined
        : checkIdList(options.linkTypes, "linkTypes");
      if (seeds.length === 0 || limit === 0) return [];
      const params: unknown[] = [bankId, textArrayParam(seeds), limit];
      let typeCond = "";
      if (types !== undefined) {
        params.push(textArrayParam(types));
        typeCond = ` AND link_type = ANY($4::text[])`;
      }
      const rows = await base.query(
        "Finding memory links",
        `SELECT source_id, target_id, link_type, evidence, confidence, weight, created_at, metadata
          FROM ${t.memoryLinks}
          WHERE bank_id = $1 AND (source_id = ANY($2::text[]) OR target_id = ANY($2::text[]))${typeCond}
          ORDER BY ${codeUnitKey("source_id")}, ${codeUnitKey("target_id")}, ${
          codeUnitKey("link_type")
        }
          LIMIT $3::bigint`,
        params,
      );
      return rows.map(toMemoryLink);
    },

    async queryNeighbors(
      entityIds: string[],
      bankId: string,
      options: QueryNeighborsOptions = {},
    ): Promise<GraphHit[]> {
      validateBankId(bankId, PREFIX);
      const requested = [...new Set(checkIdList(entityIds, "entityIds"))];
      const maxDepth = validateCount(options?.maxDepth, 2, "maxDepth", PREFIX, 1);
      const limit = validateCount(options?.limit, 20, "limit", PREFIX);
      if (requested.length === 0 || limit === 0) return [];
      // Breadth-first per requested entity: `hops` = link distance (0 … maxDepth − 1); a
      // memory's depth is 1 + the smallest distance of an associated entity. The walk revisits
      // entities around cycles, so it stops at the bank's link count too (no shortest distance
      // is longer): a huge maxDepth (2^31, MAX_SAFE_INTEGER) terminates like the reference.
      const rows = await base.query(
        "Querying neighbours",
        `WITH RECURSIVE walk(origin, entity, hops) AS (
            SELECT o COLLATE "C", o COLLATE "C", 0 FROM unnest($2::text[]) AS o
          UNION
            SELECT w.origin,
              CASE WHEN l.entity_lo = w.entity THEN l.entity_hi ELSE l.entity_lo END,
              w.hops + 1
            FROM walk w JOIN ${t.entityLinks} l
              ON l.bank_id = $1 AND (l.entity_lo = w.entity OR l.entity_hi = w.entity)
            WHERE w.hops + 1 < LEAST($3::bigint,
              (SELECT count(*) FROM ${t.entityLinks} WHERE bank_id = $1) + 1)
        ),
        reach AS (SELECT origin, entity, min(hops) AS hops FROM walk GROUP BY origin, entity),
        mem AS (
          SELECT a.memory_id, r.origin, min(r.hops) + 1 AS depth
          FROM reach r JOIN ${t.memoryEntities} a ON a.bank_id = $1 AND a.entity_id = r.entity
          GROUP BY a.memory_id, r.origin
        ),
        best AS (SELECT memory_id, min(depth) AS depth FROM mem GROUP BY memory_id)
        SELECT b.memory_id, b.depth::int AS depth,
          array_agg(m.origin ORDER BY ${codeUnitKey("m.origin")}) AS origins,
          coalesce(max(tx.text), '') AS text
        FROM best b
          JOIN mem m ON m.memory_id = b.memory_id AND m.depth = b.depth
          LEFT JOIN ${t.memoryTexts} tx ON tx.bank_id = $1 AND tx.memory_id = b.memory_id
        GROUP BY b.memory_id, b.depth
        ORDER BY b.depth, ${codeUnitKey("b.memory_id")}
        LIMIT $4::bigint`,
        [bankId, textArrayParam(requested), maxDepth, limit],
      );
      return rows.map((r) => {
        const depth = asInt(r.depth);
        return {
          memoryId: String(r.memory_id),
          text: String(r.text ?? ""),
          connectedEntities: asTextArray(r.origins) ?? [],
          depth,
          score: 1 / depth,
        };
      });
    },

    async queryEntities(
      query: string,
      bankId: string,
      options: QueryEntitiesOptions = {},
    ): Promise<Entity[]> {
      validateBankId(bankId, PREFIX);
      if (typeof query !== "string") checkString(query, "query");
      const limit = validateCount(options?.limit, 10, "limit", PREFIX);
      if (limit === 0 || hasNul(query)) return [];
      const rows = await base.query(
        "Querying entities",
        `SELECT ${ENTITY_COLUMNS} FROM ${t.entities}
          WHERE bank_id = $1 AND (strpos(name_lower, $2) > 0
            OR EXISTS (SELECT 1 FROM unnest(aliases_lower) AS a WHERE strpos(a, $2) > 0))
          ORDER BY ${codeUnitKey("id")} LIMIT $3::bigint`,
        [bankId, query.toLowerCase(), limit],
      );
      return rows.map(toEntity);
    },

    async findEntityCandidates(
      name: string,
      bankId: string,
      options: FindEntityCandidatesOptions = {},
    ): Promise<Entity[]> {
      validateBankId(bankId, PREFIX);
      if (typeof name !== "string") checkString(name, "name");
      const threshold = checkThreshold(options?.threshold, 0.8, "threshold");
      const limit = validateCount(options?.limit, 5, "limit", PREFIX);
      if (name.trim() === "" || limit === 0) return [];
      return (await candidates(name, bankId, threshold))
        .map((entity) => ({ entity, sim: trigramSimilarity(name, entity.name) }))
        .filter((c) => c.sim >= threshold)
        .sort((a, b) => b.sim - a.sim || compareIds(a.entity.id, b.entity.id))
        .slice(0, limit)
        .map((c) => c.entity);
    },

    async findEntityCandidatesScored(
      name: string,
      bankId: string,
      options: FindEntityCandidatesScoredOptions = {},
    ): Promise<EntityCandidateMatch[]> {
      validateBankId(bankId, PREFIX);
      if (typeof name !== "string") checkString(name, "name");
      const threshold = checkThreshold(options?.trigramThreshold, 0.3, "trigramThreshold");
      const limit = validateCount(options?.limit, 10, "limit", PREFIX);
      const nameEmbedding = options?.nameEmbedding === undefined
        ? undefined
        : validateVector(options.nameEmbedding, null, "nameEmbedding", PREFIX);
      if (name.trim() === "" || limit === 0) return [];
      const matches = (await candidates(name, bankId, threshold))
        .filter((e) => e.name.trim() !== "")
        .map((entity) => ({ entity, nameSimilarity: trigramSimilarity(name, entity.name) }))
        .filter((c) => c.nameSimilarity >= threshold);
      if (matches.length === 0) return [];
      const coRows = await base.query(
        "Finding co-occurring entities",
        `SELECT c.id AS entity_id, o.name AS other_name
          FROM unnest($2::text[]) AS c(id)
          JOIN ${t.entityLinks} l ON l.bank_id = $1 AND l.link_type = 'co_occurs'
            AND (l.entity_lo = c.id OR l.entity_hi = c.id)
          JOIN ${t.entities} o ON o.bank_id = $1
            AND o.id = CASE WHEN l.entity_lo = c.id THEN l.entity_hi ELSE l.entity_lo END`,
        [bankId, textArrayParam(matches.map((m) => m.entity.id))],
      );
      const coOccurring = new Map<string, string[]>();
      for (const r of coRows) {
        const id = String(r.entity_id);
        const list = coOccurring.get(id) ?? [];
        list.push(String(r.other_name).trim().toLowerCase());
        coOccurring.set(id, list);
      }
      const scored = matches.map(({ entity, nameSimilarity }) => {
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
        return { match, score: Math.max(nameSimilarity, embeddingSimilarity ?? 0) };
      });
      scored.sort((a, b) => b.score - a.score || compareIds(a.match.entity.id, b.match.entity.id));
      return scored.slice(0, limit).map((s) => s.match);
    },

    async forgetMemories(memoryIds: string[], bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const ids = checkIdList(memoryIds, "memoryIds");
      if (ids.length === 0) return 0;
      const p = [bankId, textArrayParam(ids)];
      const [a, l] = await base.transaction("Forgetting memories", [
        {
          text: `WITH d AS (DELETE FROM ${t.memoryEntities}
              WHERE bank_id = $1 AND memory_id = ANY($2::text[]) RETURNING 1)
            SELECT count(*)::int AS n FROM d`,
          params: p,
        },
        {
          text: `WITH d AS (DELETE FROM ${t.memoryLinks} WHERE bank_id = $1
              AND (source_id = ANY($2::text[]) OR target_id = ANY($2::text[])) RETURNING 1)
            SELECT count(*)::int AS n FROM d`,
          params: p,
        },
        {
          text: `DELETE FROM ${t.memoryTexts} WHERE bank_id = $1 AND memory_id = ANY($2::text[])`,
          params: p,
        },
      ]);
      return asInt(a?.[0]?.n) + asInt(l?.[0]?.n);
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const count = (table: string) => ({
        text: `WITH d AS (DELETE FROM ${table} WHERE bank_id = $1 RETURNING 1)
          SELECT count(*)::int AS n FROM d`,
        params: [bankId],
      });
      const results = await base.transaction("Deleting a bank", [
        count(t.entities),
        count(t.entityLinks),
        count(t.memoryEntities),
        count(t.memoryLinks),
        count(t.memoryTexts),
      ]);
      return results.slice(0, 4).reduce((n, rows) => n + asInt(rows[0]?.n), 0);
    },

    health: () => base.health(),
    close: () => base.close(),
    [Symbol.asyncDispose]: () => base.close(),
  };
  return enforceInputRules("graphStore", store, PREFIX);
}
