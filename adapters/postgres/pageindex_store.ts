/**
 * The Postgres {@linkcode PageIndexStore}: documents, section trees, section entities and
 * links, facts and document-scoped wiki pages on tables, every row keyed by bank. Semantic
 * searches run in SQL with pgvector; lexical matching uses lowercase columns computed in
 * JavaScript at write time, so case folding is identical to every other store.
 *
 * @module
 */
import {
  clampScore,
  compareIds,
  INT32_MIN,
  validateBankId,
  validateCount,
  validateId,
  validateInt32,
  validateVector,
  ValidationError,
} from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  AffectedWikiPage,
  AffectedWikisOptions,
  CountFactsOptions,
  DistinctEntitiesOptions,
  DocumentRef,
  EntityCount,
  ExpandLinksOptions,
  ExpandSharedEntitiesOptions,
  FactSearchOptions,
  KnnLinkOptions,
  MemoryFact,
  MemoryFactHit,
  PageIndexDocument,
  PageIndexSection,
  PageIndexSectionEntity,
  PageIndexSectionLink,
  PageIndexStore,
  PageIndexStoreCapabilities,
  SaveWikiPageArgs,
  SectionAddress,
  SectionHit,
  SectionKeywordSearchOptions,
  SectionSearchOptions,
  TimeRange,
  WikiPage,
  WikiPageHit,
} from "@astrocyte/core";
import { PREFIX } from "./options.ts";
import type { PostgresOptions } from "./options.ts";
import type { Row, SqlStatement } from "./_client.ts";
import {
  asDate,
  asInt,
  asNumber,
  asString,
  asTextArray,
  asVector,
  codeUnitKey,
  dateParam,
  jsonParam,
  multiRowStatements,
  textArrayParam,
  vectorParam,
} from "./_sql.ts";
import { createStoreBase } from "./_store.ts";
import { WIKI_COLUMNS } from "./wiki_store.ts";
import { toWikiPage } from "./wiki_store.ts";
import {
  checkArray,
  checkDate,
  checkObject,
  checkOptionalDate,
  checkOptionalMetadata,
  checkOptionalString,
  checkString,
  checkStringArray,
  fail,
} from "./_validate.ts";

// ------------------------------------------------------------------------------- validation

/** Line numbers, depths and revisions: integers within int32 (core's stored-integer rule). */
function checkInteger(value: unknown, field: string): number {
  return validateInt32(value, field, PREFIX, INT32_MIN);
}

function checkFinite(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    fail(`${field} must be a finite number`, field);
  }
  return value;
}

function checkRef(ref: DocumentRef): void {
  checkObject(ref, "ref");
  validateBankId(ref.bankId, PREFIX);
  validateId(ref.documentId, "documentId", PREFIX);
  checkString(ref.documentId, "documentId");
}

function checkRange(range: TimeRange, field: string): void {
  checkObject(range, field);
  checkDate(range.start, `${field}.start`);
  checkDate(range.end, `${field}.end`);
}

function checkOptions(options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== "object") fail("options must be an object", "options");
  return options as Record<string, unknown>;
}

function checkTopK(value: unknown, fallback: number): number {
  return validateCount(value, fallback, "topK", PREFIX);
}

function checkSeeds(seeds: unknown): SectionAddress[] {
  const arr = checkArray(seeds, "seeds");
  arr.forEach((s, i) => {
    const pair = checkArray(s, `seeds[${i}]`);
    checkString(pair[0], `seeds[${i}][0]`);
    checkInteger(pair[1], `seeds[${i}][1]`);
  });
  return arr as SectionAddress[];
}

function validateSection(s: unknown, i: number, documentId: string): PageIndexSection {
  const f = `sections[${i}]`;
  const o = checkObject(s, f);
  if (o.documentId !== documentId) {
    fail(`${f}.documentId must equal the document id of the ref`, `${f}.documentId`);
  }
  checkInteger(o.lineNum, `${f}.lineNum`);
  checkString(o.nodeId, `${f}.nodeId`);
  checkString(o.title, `${f}.title`);
  checkOptionalString(o.summary, `${f}.summary`);
  if (o.summaryEmbedding !== undefined) {
    validateVector(o.summaryEmbedding, null, `${f}.summaryEmbedding`, PREFIX);
  }
  checkOptionalString(o.speaker, `${f}.speaker`);
  checkOptionalDate(o.sessionDate, `${f}.sessionDate`);
  checkOptionalString(o.parentNode, `${f}.parentNode`);
  if (o.depth !== undefined) checkInteger(o.depth, `${f}.depth`);
  checkOptionalDate(o.occurredStart, `${f}.occurredStart`);
  checkOptionalDate(o.occurredEnd, `${f}.occurredEnd`);
  checkOptionalString(o.sessionId, `${f}.sessionId`);
  return s as PageIndexSection;
}

function validateFact(x: unknown, i: number): MemoryFact {
  const f = `facts[${i}]`;
  const o = checkObject(x, f);
  validateId(o.id, `${f}.id`, PREFIX);
  checkString(o.id, `${f}.id`);
  validateBankId(o.bankId, PREFIX);
  checkString(o.bankId, `${f}.bankId`);
  checkString(o.text, `${f}.text`);
  checkString(o.factType, `${f}.factType`);
  if (o.documentId !== undefined) {
    validateId(o.documentId, `${f}.documentId`, PREFIX);
    checkString(o.documentId, `${f}.documentId`);
  }
  if (o.lineNum !== undefined) checkInteger(o.lineNum, `${f}.lineNum`);
  checkOptionalString(o.speaker, `${f}.speaker`);
  checkOptionalDate(o.occurredStart, `${f}.occurredStart`);
  checkOptionalDate(o.occurredEnd, `${f}.occurredEnd`);
  if (o.entities !== undefined) checkStringArray(o.entities, `${f}.entities`);
  if (o.embedding !== undefined) validateVector(o.embedding, null, `${f}.embedding`, PREFIX);
  if (o.confidenceScore !== undefined) checkFinite(o.confidenceScore, `${f}.confidenceScore`);
  checkOptionalDate(o.mentionedAt, `${f}.mentionedAt`);
  checkOptionalDate(o.eventDate, `${f}.eventDate`);
  return x as MemoryFact;
}

function validatePage(x: unknown): WikiPage {
  const o = checkObject(x, "page");
  validateId(o.pageId, "page.pageId", PREFIX);
  checkString(o.pageId, "page.pageId");
  validateBankId(o.bankId, PREFIX);
  checkString(o.kind, "page.kind");
  checkString(o.title, "page.title");
  checkString(o.content, "page.content");
  checkString(o.scope, "page.scope");
  checkStringArray(o.sourceIds, "page.sourceIds");
  checkStringArray(o.crossLinks, "page.crossLinks");
  checkInteger(o.revision, "page.revision");
  checkDate(o.revisedAt, "page.revisedAt");
  if (o.tags !== undefined) checkStringArray(o.tags, "page.tags");
  if (o.metadata !== undefined) checkOptionalMetadata(o.metadata, "page.metadata");
  return x as WikiPage;
}

/** Lowercase `%`-free substring pattern, as the reference strips LIKE wildcards. */
function stripPattern(pattern: string): string {
  return pattern.replaceAll("%", "").toLowerCase();
}

// ------------------------------------------------------------------------------- decoding

const SECTION_COLUMNS =
  `document_id, line_num, node_id, title, summary, speaker, session_date, parent_node, depth,
   occurred_start, occurred_end, session_id`;

function toSection(r: Row, withEmbedding: boolean): PageIndexSection {
  const s: PageIndexSection = {
    documentId: String(r.document_id),
    lineNum: asInt(r.line_num),
    nodeId: String(r.node_id),
    title: String(r.title),
  };
  const summary = asString(r.summary);
  if (summary !== undefined) s.summary = summary;
  if (withEmbedding) {
    const e = asVector(r.summary_embedding);
    if (e !== undefined) s.summaryEmbedding = e;
  }
  const speaker = asString(r.speaker);
  if (speaker !== undefined) s.speaker = speaker;
  const sessionDate = asDate(r.session_date);
  if (sessionDate !== undefined) s.sessionDate = sessionDate;
  const parentNode = asString(r.parent_node);
  if (parentNode !== undefined) s.parentNode = parentNode;
  s.depth = asInt(r.depth);
  const occurredStart = asDate(r.occurred_start);
  if (occurredStart !== undefined) s.occurredStart = occurredStart;
  const occurredEnd = asDate(r.occurred_end);
  if (occurredEnd !== undefined) s.occurredEnd = occurredEnd;
  const sessionId = asString(r.session_id);
  if (sessionId !== undefined) s.sessionId = sessionId;
  return s;
}

const FACT_COLUMNS =
  `f.id, f.text, f.fact_type, f.document_id, f.line_num, f.speaker, f.occurred_start,
   f.occurred_end, f.entities, f.confidence_score, f.mentioned_at, f.event_date`;

function toFactHit(r: Row): MemoryFactHit {
  const h: MemoryFactHit = {
    factId: String(r.id),
    text: String(r.text),
    factType: String(r.fact_type),
    entities: asTextArray(r.entities) ?? [],
    score: Number(r.score),
  };
  const speaker = asString(r.speaker);
  if (speaker !== undefined) h.speaker = speaker;
  const occurredStart = asDate(r.occurred_start);
  if (occurredStart !== undefined) h.occurredStart = occurredStart;
  const occurredEnd = asDate(r.occurred_end);
  if (occurredEnd !== undefined) h.occurredEnd = occurredEnd;
  const documentId = asString(r.document_id);
  if (documentId !== undefined) h.documentId = documentId;
  if (r.line_num !== null && r.line_num !== undefined) h.lineNum = asInt(r.line_num);
  const confidence = asNumber(r.confidence_score);
  if (confidence !== undefined) h.confidenceScore = confidence;
  const mentionedAt = asDate(r.mentioned_at);
  if (mentionedAt !== undefined) h.mentionedAt = mentionedAt;
  const eventDate = asDate(r.event_date);
  if (eventDate !== undefined) h.eventDate = eventDate;
  return h;
}

function toSectionHit(r: Row): SectionHit {
  return { documentId: String(r.document_id), lineNum: asInt(r.line_num), score: Number(r.score) };
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

/** The clamped cosine score of `column` against `$q` (NaN → 0). */
function scoreSql(column: string, q: number): string {
  const d = `(${column} <=> $${q}::vector)`;
  return `(CASE WHEN ${d} IS NULL OR ${d} = 'NaN'::float8 THEN 0::float8 ELSE GREATEST(0::float8, LEAST(1::float8, 1 - ${d})) END)`;
}

/** Hit order: score descending, document id (code units), line. */
const SECTION_ORDER = `score DESC, ${codeUnitKey("document_id")}, line_num`;

// ------------------------------------------------------------------------------- the store

/**
 * Create a Postgres {@linkcode PageIndexStore} with the semantics of the in-memory
 * reference: `saveDocument` upserts on `(bankId, sourceId)`, `saveSections` replaces a tree
 * atomically and cascades its entities and links, idempotent inserts return the rows actually
 * written, semantic searches use pgvector (cosine clamped to `[0, 1]`), and every method is
 * scoped to its bank (caller document ids may repeat across banks).
 *
 * @example
 * ```ts ignore
 * import { createPostgresPageIndexStore } from "@astrocyte/postgres";
 *
 * const pi = createPostgresPageIndexStore({ url: "memory://" });
 * const documentId = await pi.saveDocument({ id: "", bankId: "b", sourceId: "conv-1", mdText: "# Hi" });
 * await pi.saveSections({ bankId: "b", documentId }, [
 *   { documentId, lineNum: 1, nodeId: "0001", title: "Hi" },
 * ]);
 * ```
 */
export function createPostgresPageIndexStore(
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): PageIndexStore {
  const base = createStoreBase("pageindex", options, context);
  const t = base.tables;

  const capabilities: PageIndexStoreCapabilities = Object.freeze(
    {
      consistency: "strong",
      atomicBatches: true,
      persistent: true,
    } as const,
  );

  const count = async (what: string, text: string, params: unknown[]): Promise<number> =>
    asInt((await base.query(what, text, params))[0]?.n);

  /** Insert links whose endpoint sections exist in the bank; returns rows written. */
  const insertLinks = async (bankId: string, links: PageIndexSectionLink[]): Promise<number> => {
    const seen = new Set<string>();
    const unique = links.filter((l) => {
      const k = JSON.stringify([l.fromDoc, l.fromLine, l.toDoc, l.toLine, l.linkType]);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (unique.length === 0) return 0;
    return await count(
      "Saving section links",
      `WITH k AS (
          SELECT * FROM unnest($2::text[], $3::int[], $4::text[], $5::int[], $6::text[],
            $7::float8[]) WITH ORDINALITY AS k(fd, fl, td, tl, ty, w, ord)),
        i AS (
          INSERT INTO ${t.piSectionLinks}
            (bank_id, from_doc, from_line, to_doc, to_line, link_type, weight)
          SELECT $1, k.fd, k.fl, k.td, k.tl, k.ty, k.w FROM k
          WHERE EXISTS (SELECT 1 FROM ${t.piSections} s
              WHERE s.bank_id = $1 AND s.document_id = k.fd AND s.line_num = k.fl)
            AND EXISTS (SELECT 1 FROM ${t.piSections} s
              WHERE s.bank_id = $1 AND s.document_id = k.td AND s.line_num = k.tl)
          ORDER BY k.ord
          ON CONFLICT DO NOTHING RETURNING 1)
        SELECT count(*)::int AS n FROM i`,
      [
        bankId,
        textArrayParam(unique.map((l) => l.fromDoc)),
        `{${unique.map((l) => l.fromLine).join(",")}}`,
        textArrayParam(unique.map((l) => l.toDoc)),
        `{${unique.map((l) => l.toLine).join(",")}}`,
        textArrayParam(unique.map((l) => l.linkType)),
        `{${unique.map((l) => l.weight).join(",")}}`,
      ],
    );
  };

  /** Conditions for FactSearchOptions on facts aliased `f`; appends params. */
  const factFilters = (options: FactSearchOptions, params: unknown[]): string => {
    let sql = "";
    if (options.documentId !== undefined) {
      params.push(options.documentId);
      sql += ` AND f.document_id = $${params.length}`;
    }
    if (options.factType !== undefined) {
      params.push(options.factType);
      sql += ` AND f.fact_type = $${params.length}`;
    }
    if (options.sessionFilter !== undefined) {
      params.push(options.sessionFilter);
      sql += ` AND EXISTS (SELECT 1 FROM ${t.piSections} s WHERE s.bank_id = f.bank_id
        AND s.document_id = f.document_id AND s.line_num = f.line_num
        AND s.session_id = $${params.length})`;
    }
    return sql;
  };

  const checkFactOptions = (options: FactSearchOptions, fallback: number): number => {
    checkOptions(options);
    checkOptionalString(options.documentId, "documentId");
    checkOptionalString(options.factType, "factType");
    checkOptionalString(options.sessionFilter, "sessionFilter");
    return checkTopK(options.topK, fallback);
  };

  const sessionCond = (filter: string | undefined, params: unknown[], alias = "s"): string => {
    if (filter === undefined) return "";
    params.push(filter);
    return ` AND ${alias}.session_id = $${params.length}`;
  };

  const store: PageIndexStore = {
    capabilities,

    // ----------------------------------------------------------- documents and trees

    async saveDocument(doc: PageIndexDocument): Promise<string> {
      const o = checkObject(doc, "doc");
      validateBankId(o.bankId, PREFIX);
      validateId(o.sourceId, "sourceId", PREFIX);
      checkString(o.sourceId, "sourceId");
      checkString(o.id, "id");
      if (doc.id !== "") validateId(doc.id, "id", PREFIX);
      checkString(o.mdText, "mdText");
      checkOptionalDate(o.referenceDate, "referenceDate");
      checkOptionalDate(o.builtAt, "builtAt");
      for (let attempt = 0; attempt < 3; attempt++) {
        const id = doc.id === "" ? crypto.randomUUID() : doc.id;
        const rows = await base.query(
          "Saving a PageIndex document",
          `WITH upd AS (
              UPDATE ${t.piDocuments} SET md_text = $3, reference_date = $4::timestamptz,
                built_at = $5::timestamptz
              WHERE bank_id = $1 AND source_id = $2 RETURNING id),
            ins AS (
              INSERT INTO ${t.piDocuments} (bank_id, id, source_id, md_text, reference_date, built_at)
              SELECT $1, $6, $2, $3, $4::timestamptz, $5::timestamptz
              WHERE NOT EXISTS (SELECT 1 FROM upd)
              ON CONFLICT DO NOTHING RETURNING id)
          SELECT id FROM upd UNION ALL SELECT id FROM ins`,
          [
            doc.bankId,
            doc.sourceId,
            doc.mdText,
            dateParam(doc.referenceDate),
            dateParam(doc.builtAt),
            id,
          ],
        );
        if (rows.length > 0) return String(rows[0]!.id);
        // Nothing written: the id belongs to another source, or the source appeared meanwhile.
        const owner = await base.query(
          "Saving a PageIndex document",
          `SELECT source_id FROM ${t.piDocuments} WHERE bank_id = $1 AND id = $2`,
          [doc.bankId, id],
        );
        if (owner.length > 0 && String(owner[0]!.source_id) !== doc.sourceId) {
          throw new ValidationError(
            `${PREFIX} Document id is already used by another source in this bank`,
            { field: "id" },
          );
        }
      }
      throw new ValidationError(`${PREFIX} Document id conflicts with concurrent writers`, {
        field: "id",
      });
    },

    async saveSections(ref: DocumentRef, sections: PageIndexSection[]): Promise<number> {
      checkRef(ref);
      const list = checkArray(sections, "sections");
      const byLine = new Map<number, PageIndexSection>();
      list.forEach((s, i) => {
        const section = validateSection(s, i, ref.documentId);
        if (byLine.has(section.lineNum)) {
          fail(`sections[${i}].lineNum repeats line ${section.lineNum}`, `sections[${i}].lineNum`);
        }
        byLine.set(section.lineNum, section);
      });
      const exists = await count(
        "Saving sections",
        `SELECT count(*)::int AS n FROM ${t.piDocuments} WHERE bank_id = $1 AND id = $2`,
        [ref.bankId, ref.documentId],
      );
      if (exists === 0) return 0;
      const p = [ref.bankId, ref.documentId];
      const sorted = [...byLine.values()].sort((a, b) => a.lineNum - b.lineNum);
      const statements: SqlStatement[] = [
        {
          text: `DELETE FROM ${t.piSectionEntities} WHERE bank_id = $1 AND document_id = $2`,
          params: p,
        },
        {
          text:
            `DELETE FROM ${t.piSectionLinks} WHERE bank_id = $1 AND (from_doc = $2 OR to_doc = $2)`,
          params: p,
        },
        { text: `DELETE FROM ${t.piSections} WHERE bank_id = $1 AND document_id = $2`, params: p },
        ...multiRowStatements(
          `INSERT INTO ${t.piSections} (bank_id, document_id, line_num, node_id, title, summary,
            summary_embedding, speaker, session_date, parent_node, depth, occurred_start,
            occurred_end, session_id, search_text)`,
          [
            "text",
            "text",
            "int",
            "text",
            "text",
            "text",
            "vector",
            "text",
            "timestamptz",
            "text",
            "int",
            "timestamptz",
            "timestamptz",
            "text",
            "text",
          ],
          sorted.map((s) => [
            ref.bankId,
            ref.documentId,
            s.lineNum,
            s.nodeId,
            s.title,
            s.summary ?? null,
            s.summaryEmbedding === undefined ? null : vectorParam(s.summaryEmbedding),
            s.speaker ?? null,
            dateParam(s.sessionDate),
            s.parentNode ?? null,
            s.depth ?? 0,
            dateParam(s.occurredStart),
            dateParam(s.occurredEnd),
            s.sessionId ?? null,
            `${s.title} ${s.summary ?? ""}`.toLowerCase(),
          ]),
          "",
        ),
      ];
      await base.transaction("Saving sections", statements);
      return sorted.length;
    },

    async loadDocument(bankId: string, sourceId: string): Promise<PageIndexDocument | null> {
      validateBankId(bankId, PREFIX);
      validateId(sourceId, "sourceId", PREFIX);
      const rows = await base.query(
        "Loading a PageIndex document",
        `SELECT id, source_id, md_text, reference_date, built_at FROM ${t.piDocuments}
          WHERE bank_id = $1 AND source_id = $2`,
        [bankId, sourceId],
      );
      if (rows.length === 0) return null;
      const r = rows[0]!;
      const out: PageIndexDocument = {
        id: String(r.id),
        bankId,
        sourceId: String(r.source_id),
        mdText: String(r.md_text),
      };
      const referenceDate = asDate(r.reference_date);
      if (referenceDate !== undefined) out.referenceDate = referenceDate;
      const builtAt = asDate(r.built_at);
      if (builtAt !== undefined) out.builtAt = builtAt;
      return out;
    },

    async loadSkeleton(ref: DocumentRef): Promise<PageIndexSection[]> {
      checkRef(ref);
      const rows = await base.query(
        "Loading a section tree",
        `SELECT ${SECTION_COLUMNS} FROM ${t.piSections} WHERE bank_id = $1 AND document_id = $2
          ORDER BY line_num`,
        [ref.bankId, ref.documentId],
      );
      return rows.map((r) => toSection(r, false));
    },

    async loadSectionsWithEmbeddings(ref: DocumentRef): Promise<PageIndexSection[]> {
      checkRef(ref);
      const rows = await base.query(
        "Loading sections",
        `SELECT ${SECTION_COLUMNS}, summary_embedding::text AS summary_embedding
          FROM ${t.piSections} WHERE bank_id = $1 AND document_id = $2 ORDER BY line_num`,
        [ref.bankId, ref.documentId],
      );
      return rows.map((r) => toSection(r, true));
    },

    // ----------------------------------------------------------- section writer

    async saveSectionEmbeddings(
      ref: DocumentRef,
      embeddings: ReadonlyArray<readonly [lineNum: number, vector: number[]]>,
    ): Promise<number> {
      checkRef(ref);
      checkArray(embeddings, "embeddings").forEach((pair, i) => {
        const p = checkArray(pair, `embeddings[${i}]`);
        checkInteger(p[0], `embeddings[${i}][0]`);
        validateVector(p[1], null, `embeddings[${i}][1]`, PREFIX);
      });
      const last = new Map<number, number[]>();
      for (const [line, v] of embeddings) last.set(line, v);
      if (last.size === 0) return 0;
      return await count(
        "Saving section embeddings",
        `WITH u AS (
            UPDATE ${t.piSections} s SET summary_embedding = k.v::vector
            FROM unnest($3::int[], $4::text[]) AS k(l, v)
            WHERE s.bank_id = $1 AND s.document_id = $2 AND s.line_num = k.l RETURNING 1)
          SELECT count(*)::int AS n FROM u`,
        [
          ref.bankId,
          ref.documentId,
          `{${[...last.keys()].join(",")}}`,
          textArrayParam([...last.values()].map(vectorParam)),
        ],
      );
    },

    async saveSectionEntities(
      bankId: string,
      entities: PageIndexSectionEntity[],
    ): Promise<number> {
      validateBankId(bankId, PREFIX);
      checkArray(entities, "entities").forEach((e, i) => {
        const o = checkObject(e, `entities[${i}]`);
        validateId(o.documentId, `entities[${i}].documentId`, PREFIX);
        checkString(o.documentId, `entities[${i}].documentId`);
        checkInteger(o.lineNum, `entities[${i}].lineNum`);
        validateId(o.entityName, `entities[${i}].entityName`, PREFIX);
        checkString(o.entityName, `entities[${i}].entityName`);
      });
      const seen = new Set<string>();
      const unique = entities.filter((e) => {
        const k = JSON.stringify([e.documentId, e.lineNum, e.entityName]);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      if (unique.length === 0) return 0;
      return await count(
        "Saving section entities",
        `WITH i AS (
            INSERT INTO ${t.piSectionEntities} (bank_id, document_id, line_num, entity_name,
              entity_lower)
            SELECT $1, k.d, k.l, k.n, k.lo
            FROM unnest($2::text[], $3::int[], $4::text[], $5::text[]) WITH ORDINALITY
              AS k(d, l, n, lo, ord)
            WHERE EXISTS (SELECT 1 FROM ${t.piSections} s
              WHERE s.bank_id = $1 AND s.document_id = k.d AND s.line_num = k.l)
            ORDER BY k.ord
            ON CONFLICT DO NOTHING RETURNING 1)
          SELECT count(*)::int AS n FROM i`,
        [
          bankId,
          textArrayParam(unique.map((e) => e.documentId)),
          `{${unique.map((e) => e.lineNum).join(",")}}`,
          textArrayParam(unique.map((e) => e.entityName)),
          textArrayParam(unique.map((e) => e.entityName.toLowerCase())),
        ],
      );
    },

    async saveSectionLinks(bankId: string, links: PageIndexSectionLink[]): Promise<number> {
      validateBankId(bankId, PREFIX);
      checkArray(links, "links").forEach((l, i) => {
        const f = `links[${i}]`;
        const o = checkObject(l, f);
        validateId(o.fromDoc, `${f}.fromDoc`, PREFIX);
        checkString(o.fromDoc, `${f}.fromDoc`);
        checkInteger(o.fromLine, `${f}.fromLine`);
        validateId(o.toDoc, `${f}.toDoc`, PREFIX);
        checkString(o.toDoc, `${f}.toDoc`);
        checkInteger(o.toLine, `${f}.toLine`);
        validateId(o.linkType, `${f}.linkType`, PREFIX);
        checkString(o.linkType, `${f}.linkType`);
        checkFinite(o.weight, `${f}.weight`);
      });
      return await insertLinks(bankId, links);
    },

    async populateSemanticKnnLinks(
      ref: DocumentRef,
      options: KnnLinkOptions = {},
    ): Promise<number> {
      checkRef(ref);
      checkOptions(options);
      const topK = checkTopK(options.topK, 5);
      const minSimilarity = options.minSimilarity === undefined
        ? 0.5
        : checkFinite(options.minSimilarity, "minSimilarity");
      const embedded = (await store.loadSectionsWithEmbeddings(ref))
        .filter((s) => s.summaryEmbedding !== undefined);
      if (embedded.length < 2) return 0;
      const links: PageIndexSectionLink[] = [];
      for (const s of embedded) {
        const v = s.summaryEmbedding!;
        const candidates: { lineNum: number; sim: number }[] = [];
        for (const o of embedded) {
          if (o === s || o.summaryEmbedding!.length !== v.length) continue;
          const sim = cosine(v, o.summaryEmbedding!);
          if (sim >= minSimilarity) candidates.push({ lineNum: o.lineNum, sim });
        }
        candidates.sort((a, b) => b.sim - a.sim || a.lineNum - b.lineNum);
        for (const c of candidates.slice(0, topK)) {
          links.push({
            fromDoc: ref.documentId,
            fromLine: s.lineNum,
            toDoc: ref.documentId,
            toLine: c.lineNum,
            linkType: "semantic_knn",
            weight: clampScore(c.sim),
          });
        }
      }
      return await insertLinks(ref.bankId, links);
    },

    async saveSectionEventDates(
      ref: DocumentRef,
      eventDates: ReadonlyArray<readonly [lineNum: number, start: Date, end: Date | null]>,
    ): Promise<number> {
      checkRef(ref);
      checkArray(eventDates, "eventDates").forEach((row, i) => {
        const r = checkArray(row, `eventDates[${i}]`);
        checkInteger(r[0], `eventDates[${i}][0]`);
        checkDate(r[1], `eventDates[${i}][1]`);
        if (r[2] !== null && r[2] !== undefined) checkDate(r[2], `eventDates[${i}][2]`);
      });
      const last = new Map<number, [Date, Date | null]>();
      for (const [line, start, end] of eventDates) last.set(line, [start, end ?? null]);
      if (last.size === 0) return 0;
      const values = [...last.entries()];
      return await count(
        "Saving section event dates",
        `WITH u AS (
            UPDATE ${t.piSections} s SET occurred_start = k.st, occurred_end = k.en
            FROM unnest($3::int[], $4::timestamptz[], $5::timestamptz[]) AS k(l, st, en)
            WHERE s.bank_id = $1 AND s.document_id = $2 AND s.line_num = k.l RETURNING 1)
          SELECT count(*)::int AS n FROM u`,
        [
          ref.bankId,
          ref.documentId,
          `{${values.map(([l]) => l).join(",")}}`,
          `{${values.map(([, [s]]) => `"${s.toISOString()}"`).join(",")}}`,
          `{${
            values.map(([, [, e]]) => (e === null ? "NULL" : `"${e.toISOString()}"`)).join(",")
          }}`,
        ],
      );
    },

    // ----------------------------------------------------------- section search

    async searchSectionsSemantic(
      bankId: string,
      queryEmbedding: number[],
      options: SectionSearchOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, PREFIX);
      validateVector(queryEmbedding, null, "queryEmbedding", PREFIX);
      checkOptions(options);
      const topK = checkTopK(options.topK, 20);
      checkOptionalString(options.sessionFilter, "sessionFilter");
      if (topK === 0) return [];
      const params: unknown[] = [bankId, vectorParam(queryEmbedding), queryEmbedding.length, topK];
      const session = sessionCond(options.sessionFilter, params);
      const rows = await base.query(
        "Searching sections",
        `SELECT s.document_id, s.line_num, ${scoreSql("s.summary_embedding", 2)} AS score
          FROM ${t.piSections} s
          WHERE s.bank_id = $1 AND s.summary_embedding IS NOT NULL
            AND vector_dims(s.summary_embedding) = $3::int${session}
          ORDER BY ${SECTION_ORDER} LIMIT $4::bigint`,
        params,
      );
      return rows.map(toSectionHit);
    },

    async searchSectionsKeyword(
      bankId: string,
      query: string,
      options: SectionKeywordSearchOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, PREFIX);
      checkString(query, "query");
      checkOptions(options);
      const topK = checkTopK(options.topK, 20);
      checkOptionalString(options.speaker, "speaker");
      checkOptionalString(options.documentId, "documentId");
      checkOptionalString(options.sessionFilter, "sessionFilter");
      const terms = query.toLowerCase().split(/\s+/).filter((x) => x.length > 0);
      if (terms.length === 0 || topK === 0) return [];
      const params: unknown[] = [bankId, textArrayParam(terms), topK];
      let where = sessionCond(options.sessionFilter, params);
      if (options.documentId !== undefined) {
        params.push(options.documentId);
        where += ` AND s.document_id = $${params.length}`;
      }
      if (options.speaker !== undefined) {
        params.push(options.speaker);
        where += ` AND s.speaker = $${params.length}`;
      }
      const rows = await base.query(
        "Searching sections",
        `SELECT * FROM (
            SELECT s.document_id, s.line_num,
              (SELECT count(*) FROM unnest($2::text[]) AS q(term)
                WHERE strpos(s.search_text, q.term) > 0)::float8 AS score
            FROM ${t.piSections} s WHERE s.bank_id = $1${where}) x
          WHERE score > 0 ORDER BY ${SECTION_ORDER} LIMIT $3::bigint`,
        params,
      );
      return rows.map(toSectionHit);
    },

    async searchSectionsByEntities(
      bankId: string,
      entityNames: string[],
      options: SectionSearchOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, PREFIX);
      checkStringArray(entityNames, "entityNames");
      checkOptions(options);
      const topK = checkTopK(options.topK, 20);
      checkOptionalString(options.sessionFilter, "sessionFilter");
      const wanted = [
        ...new Set(entityNames.filter((n) => n.trim().length > 0).map((n) => n.toLowerCase())),
      ];
      if (wanted.length === 0 || topK === 0) return [];
      const params: unknown[] = [bankId, textArrayParam(wanted), topK];
      const session = sessionCond(options.sessionFilter, params);
      const rows = await base.query(
        "Searching sections by entities",
        `SELECT * FROM (
            SELECT e.document_id, e.line_num, count(DISTINCT e.entity_lower)::float8 AS score
            FROM ${t.piSectionEntities} e
            JOIN ${t.piSections} s ON s.bank_id = e.bank_id AND s.document_id = e.document_id
              AND s.line_num = e.line_num
            WHERE e.bank_id = $1 AND e.entity_lower = ANY($2::text[])${session}
            GROUP BY e.document_id, e.line_num) x
          ORDER BY ${SECTION_ORDER} LIMIT $3::bigint`,
        params,
      );
      return rows.map(toSectionHit);
    },

    async searchSectionsTemporal(
      bankId: string,
      dateRange: TimeRange,
      options: SectionSearchOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, PREFIX);
      checkRange(dateRange, "dateRange");
      checkOptions(options);
      const topK = checkTopK(options.topK, 20);
      checkOptionalString(options.sessionFilter, "sessionFilter");
      if (topK === 0) return [];
      const params: unknown[] = [
        bankId,
        dateParam(dateRange.start),
        dateParam(dateRange.end),
        topK,
      ];
      const session = sessionCond(options.sessionFilter, params);
      const rows = await base.query(
        "Searching sections by date",
        `SELECT s.document_id, s.line_num, 1::float8 AS score FROM ${t.piSections} s
          WHERE s.bank_id = $1 AND s.session_date >= $2::timestamptz
            AND s.session_date <= $3::timestamptz${session}
          ORDER BY ${SECTION_ORDER} LIMIT $4::bigint`,
        params,
      );
      return rows.map(toSectionHit);
    },

    async expandSectionLinks(
      bankId: string,
      seeds: SectionAddress[],
      options: ExpandLinksOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, PREFIX);
      checkSeeds(seeds);
      checkOptions(options);
      const topK = checkTopK(options.topK, 20);
      if (options.linkTypes !== undefined) checkStringArray(options.linkTypes, "linkTypes");
      if (seeds.length === 0 || topK === 0) return [];
      const params: unknown[] = [
        bankId,
        textArrayParam(seeds.map(([d]) => d)),
        `{${seeds.map(([, l]) => l).join(",")}}`,
        topK,
      ];
      let types = "";
      if (options.linkTypes !== undefined) {
        params.push(textArrayParam(options.linkTypes));
        types = ` AND l.link_type = ANY($${params.length}::text[])`;
      }
      const rows = await base.query(
        "Expanding section links",
        `WITH seeds AS (SELECT DISTINCT d, n FROM unnest($2::text[], $3::int[]) AS k(d, n)),
          hits AS (
            SELECT l.to_doc AS document_id, l.to_line AS line_num, l.weight FROM ${t.piSectionLinks} l
              JOIN seeds ON seeds.d = l.from_doc AND seeds.n = l.from_line
              WHERE l.bank_id = $1${types}
            UNION ALL
            SELECT l.from_doc, l.from_line, l.weight FROM ${t.piSectionLinks} l
              JOIN seeds ON seeds.d = l.to_doc AND seeds.n = l.to_line
              WHERE l.bank_id = $1${types})
        SELECT document_id, line_num, sum(weight)::float8 AS score FROM hits
        GROUP BY document_id, line_num ORDER BY ${SECTION_ORDER} LIMIT $4::bigint`,
        params,
      );
      return rows.map(toSectionHit);
    },

    async expandSectionsBySharedEntities(
      bankId: string,
      seeds: SectionAddress[],
      options: ExpandSharedEntitiesOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, PREFIX);
      checkSeeds(seeds);
      checkOptions(options);
      const topK = checkTopK(options.topK, 20);
      const excludeSeeds = options.excludeSeeds ?? true;
      if (seeds.length === 0 || topK === 0) return [];
      const rows = await base.query(
        "Expanding sections by shared entities",
        `WITH seeds AS (SELECT DISTINCT d, n FROM unnest($2::text[], $3::int[]) AS k(d, n)),
          names AS (
            SELECT DISTINCT e.entity_lower FROM ${t.piSectionEntities} e
            JOIN seeds ON seeds.d = e.document_id AND seeds.n = e.line_num
            WHERE e.bank_id = $1)
        SELECT e.document_id, e.line_num, count(DISTINCT e.entity_lower)::float8 AS score
        FROM ${t.piSectionEntities} e
        WHERE e.bank_id = $1 AND e.entity_lower IN (SELECT entity_lower FROM names)
          AND NOT ($4::boolean AND EXISTS (SELECT 1 FROM seeds
            WHERE seeds.d = e.document_id AND seeds.n = e.line_num))
        GROUP BY e.document_id, e.line_num
        ORDER BY ${SECTION_ORDER} LIMIT $5::bigint`,
        [
          bankId,
          textArrayParam(seeds.map(([d]) => d)),
          `{${seeds.map(([, l]) => l).join(",")}}`,
          excludeSeeds,
          topK,
        ],
      );
      return rows.map(toSectionHit);
    },

    // ----------------------------------------------------------- facts

    async saveFacts(facts: MemoryFact[]): Promise<number> {
      checkArray(facts, "facts").forEach((f, i) => validateFact(f, i));
      const byKey = new Map<string, MemoryFact>();
      for (const f of facts) byKey.set(JSON.stringify([f.bankId, f.id]), f);
      if (byKey.size === 0) return 0;
      const cols = [
        "bank_id",
        "id",
        "text",
        "text_lower",
        "fact_type",
        "document_id",
        "line_num",
        "speaker",
        "occurred_start",
        "occurred_end",
        "entities",
        "entities_lower",
        "embedding",
        "confidence_score",
        "mentioned_at",
        "event_date",
      ];
      await base.transaction(
        "Saving facts",
        multiRowStatements(
          `INSERT INTO ${t.piFacts} (${cols.join(", ")})`,
          [
            "text",
            "text",
            "text",
            "text",
            "text",
            "text",
            "int",
            "text",
            "timestamptz",
            "timestamptz",
            "text[]",
            "text[]",
            "vector",
            "float8",
            "timestamptz",
            "timestamptz",
          ],
          [...byKey.values()].map((f) => [
            f.bankId,
            f.id,
            f.text,
            f.text.toLowerCase(),
            f.factType,
            f.documentId ?? null,
            f.lineNum ?? null,
            f.speaker ?? null,
            dateParam(f.occurredStart),
            dateParam(f.occurredEnd),
            textArrayParam(f.entities),
            textArrayParam(f.entities?.map((e) => e.toLowerCase())),
            f.embedding === undefined ? null : vectorParam(f.embedding),
            f.confidenceScore ?? null,
            dateParam(f.mentionedAt),
            dateParam(f.eventDate),
          ]),
          `ON CONFLICT (bank_id, id) DO UPDATE SET ${
            cols.slice(2).map((c) => `${c} = EXCLUDED.${c}`).join(", ")
          }`,
        ),
      );
      return byKey.size;
    },

    async updateFactEmbeddings(
      bankId: string,
      embeddings: ReadonlyArray<readonly [factId: string, vector: number[]]>,
    ): Promise<number> {
      validateBankId(bankId, PREFIX);
      checkArray(embeddings, "embeddings").forEach((pair, i) => {
        const p = checkArray(pair, `embeddings[${i}]`);
        validateId(p[0], `embeddings[${i}][0]`, PREFIX);
        checkString(p[0], `embeddings[${i}][0]`);
        validateVector(p[1], null, `embeddings[${i}][1]`, PREFIX);
      });
      const last = new Map<string, number[]>();
      for (const [id, v] of embeddings) last.set(id, v);
      if (last.size === 0) return 0;
      return await count(
        "Saving fact embeddings",
        `WITH u AS (
            UPDATE ${t.piFacts} f SET embedding = k.v::vector
            FROM unnest($2::text[], $3::text[]) AS k(i, v)
            WHERE f.bank_id = $1 AND f.id = k.i RETURNING 1)
          SELECT count(*)::int AS n FROM u`,
        [
          bankId,
          textArrayParam([...last.keys()]),
          textArrayParam([...last.values()].map(vectorParam)),
        ],
      );
    },

    async searchFactsSemantic(
      bankId: string,
      queryEmbedding: number[],
      options: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      validateBankId(bankId, PREFIX);
      validateVector(queryEmbedding, null, "queryEmbedding", PREFIX);
      const topK = checkFactOptions(options, 20);
      if (topK === 0) return [];
      const params: unknown[] = [bankId, vectorParam(queryEmbedding), queryEmbedding.length, topK];
      const where = factFilters(options, params);
      const rows = await base.query(
        "Searching facts",
        `SELECT ${FACT_COLUMNS}, ${scoreSql("f.embedding", 2)} AS score FROM ${t.piFacts} f
          WHERE f.bank_id = $1 AND f.embedding IS NOT NULL
            AND vector_dims(f.embedding) = $3::int${where}
          ORDER BY score DESC, ${codeUnitKey("f.id")} LIMIT $4::bigint`,
        params,
      );
      return rows.map(toFactHit);
    },

    async searchFactsByEntity(
      bankId: string,
      entityName: string,
      options: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      validateBankId(bankId, PREFIX);
      checkString(entityName, "entityName");
      const topK = checkFactOptions(options, 50);
      const needle = entityName.toLowerCase();
      if (needle.trim().length === 0 || topK === 0) return [];
      const params: unknown[] = [bankId, needle, topK];
      const where = factFilters(options, params);
      const rows = await base.query(
        "Searching facts by entity",
        `SELECT ${FACT_COLUMNS}, 1::float8 AS score FROM ${t.piFacts} f
          WHERE f.bank_id = $1 AND $2 = ANY(f.entities_lower)${where}
          ORDER BY ${codeUnitKey("f.id")} LIMIT $3::bigint`,
        params,
      );
      return rows.map(toFactHit);
    },

    async searchFactsTemporal(
      bankId: string,
      dateRange: TimeRange,
      options: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      validateBankId(bankId, PREFIX);
      checkRange(dateRange, "dateRange");
      const topK = checkFactOptions(options, 50);
      if (topK === 0) return [];
      const params: unknown[] = [
        bankId,
        dateParam(dateRange.start),
        dateParam(dateRange.end),
        topK,
      ];
      const where = factFilters(options, params);
      const inRange = (c: string) => `(f.${c} >= $2::timestamptz AND f.${c} <= $3::timestamptz)`;
      const rows = await base.query(
        "Searching facts by date",
        `SELECT ${FACT_COLUMNS}, 1::float8 AS score FROM ${t.piFacts} f
          WHERE f.bank_id = $1 AND (
            (f.occurred_start <= $3::timestamptz AND f.occurred_end >= $2::timestamptz)
            OR ${inRange("mentioned_at")} OR ${inRange("occurred_start")}
            OR ${inRange("occurred_end")})${where}
          ORDER BY coalesce(f.occurred_start, f.mentioned_at, f.occurred_end) DESC NULLS LAST,
            ${codeUnitKey("f.id")}
          LIMIT $4::bigint`,
        params,
      );
      return rows.map(toFactHit);
    },

    async searchFactsKeyword(
      bankId: string,
      query: string,
      options: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      validateBankId(bankId, PREFIX);
      checkString(query, "query");
      const topK = checkFactOptions(options, 20);
      const terms = [...new Set(query.toLowerCase().split(/\s+/).filter((x) => x.length > 1))];
      if (terms.length === 0 || topK === 0) return [];
      const params: unknown[] = [bankId, textArrayParam(terms), topK];
      const where = factFilters(options, params);
      const rows = await base.query(
        "Searching facts",
        `SELECT * FROM (
            SELECT ${FACT_COLUMNS}, (SELECT count(*) FROM unnest($2::text[]) AS q(term)
                WHERE strpos(f.text_lower, q.term) > 0)::float8 AS score
            FROM ${t.piFacts} f WHERE f.bank_id = $1${where}) x
          WHERE score > 0 ORDER BY score DESC, ${codeUnitKey("id")} LIMIT $3::bigint`,
        params,
      );
      return rows.map(toFactHit);
    },

    async countFactsMatching(ref: DocumentRef, options: CountFactsOptions = {}): Promise<number> {
      checkRef(ref);
      checkOptions(options);
      checkOptionalString(options.entityPattern, "entityPattern");
      checkOptionalString(options.factType, "factType");
      const params: unknown[] = [ref.bankId, ref.documentId];
      let where = "";
      if (options.factType !== undefined) {
        params.push(options.factType);
        where += ` AND f.fact_type = $${params.length}`;
      }
      if (options.entityPattern !== undefined) {
        params.push(stripPattern(options.entityPattern));
        where += ` AND EXISTS (SELECT 1 FROM unnest(f.entities_lower) AS e(n)
          WHERE strpos(e.n, $${params.length}) > 0)`;
      }
      return await count(
        "Counting facts",
        `SELECT count(*)::int AS n FROM ${t.piFacts} f
          WHERE f.bank_id = $1 AND f.document_id = $2${where}`,
        params,
      );
    },

    // ----------------------------------------------------------- wiki

    async saveWikiPage(args: SaveWikiPageArgs): Promise<string> {
      const a = checkObject(args, "args");
      const page = validatePage(a.page);
      if (args.embedding !== undefined) validateVector(args.embedding, null, "embedding", PREFIX);
      const provenance = checkSeeds(a.provenance);
      const seen = new Set<string>();
      const prov = provenance.filter(([d, l]) => {
        const k = JSON.stringify([d, l]);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      const p = [page.bankId, page.pageId];
      const statements: SqlStatement[] = [
        {
          text: `INSERT INTO ${t.piWikiPages} (bank_id, ${WIKI_COLUMNS}, embedding)
            VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::text[], $9::int, $10::timestamptz,
              $11::text[], $12::jsonb, $13::vector)
            ON CONFLICT (bank_id, page_id) DO UPDATE SET kind = EXCLUDED.kind,
              title = EXCLUDED.title, content = EXCLUDED.content, scope = EXCLUDED.scope,
              source_ids = EXCLUDED.source_ids, cross_links = EXCLUDED.cross_links,
              revision = EXCLUDED.revision, revised_at = EXCLUDED.revised_at,
              tags = EXCLUDED.tags, metadata = EXCLUDED.metadata,
              embedding = coalesce(EXCLUDED.embedding, ${t.piWikiPages}.embedding)`,
          params: [
            ...p,
            page.kind,
            page.title,
            page.content,
            page.scope,
            textArrayParam(page.sourceIds),
            textArrayParam(page.crossLinks),
            page.revision,
            dateParam(page.revisedAt),
            textArrayParam(page.tags),
            jsonParam(page.metadata),
            args.embedding === undefined ? null : vectorParam(args.embedding),
          ],
        },
        {
          text: `DELETE FROM ${t.piWikiProvenance} WHERE bank_id = $1 AND page_id = $2`,
          params: p,
        },
      ];
      if (prov.length > 0) {
        statements.push({
          text: `INSERT INTO ${t.piWikiProvenance} (bank_id, page_id, document_id, line_num)
            SELECT $1, $2, k.d, k.l FROM unnest($3::text[], $4::int[]) AS k(d, l)`,
          params: [
            ...p,
            textArrayParam(prov.map(([d]) => d)),
            `{${prov.map(([, l]) => l).join(",")}}`,
          ],
        });
      }
      await base.transaction("Saving a wiki page", statements);
      return page.pageId;
    },

    async searchWikiPagesSemantic(
      bankId: string,
      queryEmbedding: number[],
      options: { topK?: number; documentId?: string } = {},
    ): Promise<WikiPageHit[]> {
      validateBankId(bankId, PREFIX);
      validateVector(queryEmbedding, null, "queryEmbedding", PREFIX);
      checkOptions(options);
      const topK = checkTopK(options.topK, 5);
      checkOptionalString(options.documentId, "documentId");
      if (topK === 0) return [];
      const params: unknown[] = [bankId, vectorParam(queryEmbedding), queryEmbedding.length, topK];
      let scope = "";
      if (options.documentId !== undefined) {
        params.push(`document:${options.documentId}`);
        scope = ` AND scope = $${params.length}`;
      }
      const rows = await base.query(
        "Searching wiki pages",
        `SELECT page_id, title, content, scope, kind, source_ids,
            ${scoreSql("embedding", 2)} AS score
          FROM ${t.piWikiPages}
          WHERE bank_id = $1 AND embedding IS NOT NULL AND vector_dims(embedding) = $3::int${scope}
          ORDER BY score DESC, ${codeUnitKey("page_id")} LIMIT $4::bigint`,
        params,
      );
      return rows.map((r) => ({
        pageId: String(r.page_id),
        title: String(r.title),
        content: String(r.content),
        scope: String(r.scope),
        kind: String(r.kind),
        score: Number(r.score),
        sourceIds: asTextArray(r.source_ids) ?? [],
        bankId,
      }));
    },

    async countWikiPagesForDoc(bankId: string, documentId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      validateId(documentId, "documentId", PREFIX);
      return await count(
        "Counting wiki pages",
        `SELECT count(*)::int AS n FROM ${t.piWikiPages} WHERE bank_id = $1 AND scope = $2`,
        [bankId, `document:${documentId}`],
      );
    },

    async listWikiPagesForDoc(bankId: string, documentId: string): Promise<WikiPage[]> {
      validateBankId(bankId, PREFIX);
      validateId(documentId, "documentId", PREFIX);
      const rows = await base.query(
        "Listing wiki pages",
        `SELECT ${WIKI_COLUMNS} FROM ${t.piWikiPages} WHERE bank_id = $1 AND scope = $2
          ORDER BY ${codeUnitKey("page_id")}`,
        [bankId, `document:${documentId}`],
      );
      return rows.map((r) => toWikiPage(r, bankId));
    },

    async listWikisAffectedByEntities(
      bankId: string,
      entities: string[],
      options: AffectedWikisOptions = {},
    ): Promise<AffectedWikiPage[]> {
      validateBankId(bankId, PREFIX);
      checkStringArray(entities, "entities");
      checkOptions(options);
      const minOverlap = Math.max(1, validateCount(options.minOverlap, 1, "minOverlap", PREFIX));
      const limit = validateCount(options.limit, 8, "limit", PREFIX);
      if (entities.length === 0 || limit === 0) return [];
      const rows = await base.query(
        "Listing affected wiki pages",
        `SELECT ${WIKI_COLUMNS.split(", ").map((c) => `p.${c}`).join(", ")},
            array_agg(DISTINCT e.entity_name) AS shared, count(DISTINCT e.entity_name)::int AS overlap
          FROM ${t.piWikiPages} p
          JOIN ${t.piWikiProvenance} v ON v.bank_id = p.bank_id AND v.page_id = p.page_id
          JOIN ${t.piSectionEntities} e ON e.bank_id = p.bank_id
            AND e.document_id = v.document_id AND e.line_num = v.line_num
          WHERE p.bank_id = $1 AND e.entity_name = ANY($2::text[])
          GROUP BY p.bank_id, p.page_id
          HAVING count(DISTINCT e.entity_name) >= $3::bigint
          ORDER BY overlap DESC, ${codeUnitKey("p.page_id")} LIMIT $4::bigint`,
        [bankId, textArrayParam(entities), minOverlap, limit],
      );
      return rows.map((r) => ({
        page: toWikiPage(r, bankId),
        overlap: asInt(r.overlap),
        sharedEntities: (asTextArray(r.shared) ?? []).sort(compareIds),
      }));
    },

    async listDistinctEntities(
      ref: DocumentRef,
      options: DistinctEntitiesOptions = {},
    ): Promise<EntityCount[]> {
      checkRef(ref);
      checkOptions(options);
      checkOptionalString(options.pattern, "pattern");
      const limit = validateCount(options.limit, 50, "limit", PREFIX);
      if (limit === 0) return [];
      const params: unknown[] = [ref.bankId, ref.documentId, limit];
      let where = "";
      if (options.pattern !== undefined) {
        params.push(stripPattern(options.pattern));
        where = ` AND strpos(entity_lower, $4) > 0`;
      }
      const rows = await base.query(
        "Listing entities",
        `SELECT entity_name, count(DISTINCT line_num)::int AS n FROM ${t.piSectionEntities}
          WHERE bank_id = $1 AND document_id = $2${where}
          GROUP BY entity_name ORDER BY n DESC, ${codeUnitKey("entity_name")} LIMIT $3::bigint`,
        params,
      );
      return rows.map((r) => ({ name: String(r.entity_name), count: asInt(r.n) }));
    },

    // ----------------------------------------------------------- lifecycle

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const del = (table: string): SqlStatement => ({
        text: `WITH d AS (DELETE FROM ${table} WHERE bank_id = $1 RETURNING 1)
          SELECT count(*)::int AS n FROM d`,
        params: [bankId],
      });
      const results = await base.transaction("Deleting a bank", [
        del(t.piDocuments),
        del(t.piSections),
        del(t.piSectionEntities),
        del(t.piSectionLinks),
        del(t.piFacts),
        del(t.piWikiPages),
        { text: `DELETE FROM ${t.piWikiProvenance} WHERE bank_id = $1`, params: [bankId] },
      ]);
      return results.slice(0, 6).reduce((n, rows) => n + asInt(rows[0]?.n), 0);
    },

    health: () => base.health(),
    close: () => base.close(),
    [Symbol.asyncDispose]: () => base.close(),
  };
  return enforceInputRules("pageIndexStore", store, PREFIX);
}
