/**
 * The libSQL PageIndexStore: documents, section trees, section entities and links, the fact
 * layer and document-scoped wiki pages in ordinary tables, every row keyed by bank.
 *
 * Writes are single atomic batches (`saveSections` replaces a tree, its entities and its links
 * in one batch). Searches read the bank's rows for the role in one request and score them in
 * the adapter with the same rules as the in-memory reference (cosine clamped to `[0, 1]`,
 * substring keyword scores, entity overlap counts), so results match across stores.
 *
 * @module
 */
import {
  clampScore,
  compareIds,
  pageIndexInputChecks,
  toStoredEmbedding,
  validateBankId,
  validateCount,
  validateId,
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
  HealthStatus,
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
import {
  type Connection,
  guarded,
  optString,
  parseJson,
  sized,
  type SizedStatement,
  writeAtomically,
} from "./_connection.ts";
import { createRuntime, fail, json } from "./_runtime.ts";
import { type LibsqlOptions, PREFIX } from "./options.ts";

const P = PREFIX;
const {
  checkString,
  checkOptionalString,
  checkInteger,
  checkFinite,
  checkDate,
  checkOptionalDate,
  checkArray,
  checkObject,
  checkStringArray,
  checkRef,
  checkRange,
  checkTopK,
  checkSeeds,
  stripPattern,
  validateSection,
  validateFact,
  validatePage,
} = pageIndexInputChecks(P);

type Row = Record<string, unknown>;

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function sectionKey(documentId: string, lineNum: number): string {
  return JSON.stringify([documentId, lineNum]);
}

function compareSectionHits(a: SectionHit, b: SectionHit): number {
  if (a.score !== b.score) return b.score - a.score;
  const byDoc = compareIds(a.documentId, b.documentId);
  return byDoc !== 0 ? byDoc : a.lineNum - b.lineNum;
}

function compareFactHits(a: MemoryFactHit, b: MemoryFactHit): number {
  if (a.score !== b.score) return b.score - a.score;
  return compareIds(a.factId, b.factId);
}

// ---------------------------------------------------------------------------------------------
// Input checks (the same rules as the in-memory reference)

const ms = (d: Date | undefined | null): number | null => d == null ? null : d.getTime();
const date = (v: unknown): Date | undefined =>
  v === null || v === undefined ? undefined : new Date(Number(v));

function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined) {
  if (value !== undefined) target[key] = value;
}

/** JSON text of an embedding as stored: float32 components, −0 as 0. */
const embeddingJson = (v: readonly number[]): string => JSON.stringify(toStoredEmbedding(v));

/** A JSON embedding column as float32 (rows written before that rule are rounded on read). */
function storedEmbedding(value: unknown): number[] | undefined {
  const parsed = parseJson<number[]>(value);
  return parsed === undefined ? undefined : toStoredEmbedding(parsed);
}

const SECTION_COLUMNS =
  "document_id, line_num, node_id, title, summary, speaker, session_date, parent_node, depth, occurred_start, occurred_end, session_id";

function rowToSection(r: Row, withEmbedding: boolean): PageIndexSection {
  const s: PageIndexSection = {
    documentId: String(r["document_id"]),
    lineNum: Number(r["line_num"]),
    nodeId: String(r["node_id"]),
    title: String(r["title"]),
  };
  put(s, "summary", optString(r["summary"]));
  if (withEmbedding) put(s, "summaryEmbedding", storedEmbedding(r["summary_embedding"]));
  put(s, "speaker", optString(r["speaker"]));
  put(s, "sessionDate", date(r["session_date"]));
  put(s, "parentNode", optString(r["parent_node"]));
  s.depth = Number(r["depth"] ?? 0);
  put(s, "occurredStart", date(r["occurred_start"]));
  put(s, "occurredEnd", date(r["occurred_end"]));
  put(s, "sessionId", optString(r["session_id"]));
  return s;
}

const FACT_COLUMNS =
  "bank_id, id, text, fact_type, document_id, line_num, speaker, occurred_start, occurred_end, entities, embedding, confidence_score, mentioned_at, event_date";

function rowToFact(r: Row): MemoryFact {
  const f: MemoryFact = {
    id: String(r["id"]),
    bankId: String(r["bank_id"]),
    text: String(r["text"]),
    factType: String(r["fact_type"]),
  };
  put(f, "documentId", optString(r["document_id"]));
  put(f, "lineNum", r["line_num"] === null ? undefined : Number(r["line_num"]));
  put(f, "speaker", optString(r["speaker"]));
  put(f, "occurredStart", date(r["occurred_start"]));
  put(f, "occurredEnd", date(r["occurred_end"]));
  put(f, "entities", parseJson<string[]>(r["entities"]));
  put(f, "embedding", storedEmbedding(r["embedding"]));
  put(
    f,
    "confidenceScore",
    r["confidence_score"] === null ? undefined : Number(r["confidence_score"]),
  );
  put(f, "mentionedAt", date(r["mentioned_at"]));
  put(f, "eventDate", date(r["event_date"]));
  return f;
}

function factHit(f: MemoryFact, score: number): MemoryFactHit {
  const out: MemoryFactHit = {
    factId: f.id,
    text: f.text,
    factType: f.factType,
    entities: f.entities === undefined ? [] : [...f.entities],
    score,
  };
  put(out, "speaker", f.speaker);
  put(out, "occurredStart", f.occurredStart);
  put(out, "occurredEnd", f.occurredEnd);
  put(out, "documentId", f.documentId);
  put(out, "lineNum", f.lineNum);
  put(out, "confidenceScore", f.confidenceScore);
  put(out, "mentionedAt", f.mentionedAt);
  put(out, "eventDate", f.eventDate);
  return out;
}

function pageJson(p: WikiPage): string {
  const out: Record<string, unknown> = {
    pageId: p.pageId,
    bankId: p.bankId,
    kind: p.kind,
    title: p.title,
    content: p.content,
    scope: p.scope,
    sourceIds: [...p.sourceIds],
    crossLinks: [...p.crossLinks],
    revision: p.revision,
    revisedAt: p.revisedAt.getTime(),
  };
  if (p.tags !== undefined) out["tags"] = p.tags;
  if (p.metadata !== undefined) out["metadata"] = p.metadata;
  return JSON.stringify(out);
}

function rowToPage(value: unknown): WikiPage {
  const o = JSON.parse(String(value)) as WikiPage & { revisedAt: number };
  return { ...o, revisedAt: new Date(o.revisedAt) };
}

interface WikiRow {
  page: WikiPage;
  embedding?: number[];
  provenance: SectionAddress[];
}

function rowToWiki(r: Row): WikiRow {
  const w: WikiRow = {
    page: rowToPage(r["page"]),
    provenance: parseJson<SectionAddress[]>(r["provenance"]) ?? [],
  };
  put(w, "embedding", storedEmbedding(r["embedding"]));
  return w;
}

/**
 * Create a libSQL PageIndex store (every role: documents, section writer and search, facts,
 * wiki pages, lifecycle).
 *
 * @example
 * ```ts ignore
 * import { createLibsqlPageIndexStore } from "@astrocyte/libsql";
 * const store = createLibsqlPageIndexStore({ url: "file:.astrocyte/memory.db" });
 * const documentId = await store.saveDocument({ id: "", bankId: "b1", sourceId: "notes.md", mdText: "# Notes" });
 * ```
 */
export function createLibsqlPageIndexStore(
  options: LibsqlOptions,
  context?: Partial<AdapterContext>,
): PageIndexStore {
  const rt = createRuntime(options, context, ["pageindex"], "PageIndex store");
  const p = rt.prefix;
  const T = {
    docs: `${p}pi_documents`,
    sections: `${p}pi_sections`,
    entities: `${p}pi_section_entities`,
    links: `${p}pi_section_links`,
    facts: `${p}pi_facts`,
    wiki: `${p}pi_wiki`,
  };
  const capabilities: PageIndexStoreCapabilities = {
    consistency: "strong",
    atomicBatches: true,
    persistent: rt.persistent,
  };

  async function query(conn: Connection, what: string, sql: string, args: unknown[]) {
    const rs = await guarded(
      what,
      () => conn.client.execute({ sql, args: args as (string | number | null)[] }),
    );
    return rs.rows as unknown as Row[];
  }

  async function write(statements: SizedStatement[], what: string) {
    const conn = await rt.ready();
    return await writeAtomically(conn, statements, what, options.maxRequestBytes);
  }

  const sectionExists = `EXISTS (SELECT 1 FROM ${T.sections} ` +
    `WHERE bank_id = ? AND document_id = ? AND line_num = ?)`;

  function linkStatement(bankId: string, l: PageIndexSectionLink): SizedStatement {
    return sized(
      `INSERT INTO ${T.links} (bank_id, from_doc, from_line, to_doc, to_line, link_type, weight) ` +
        `SELECT ?, ?, ?, ?, ?, ?, ? WHERE ${sectionExists} AND ${sectionExists} ` +
        `ON CONFLICT DO NOTHING`,
      [
        bankId,
        l.fromDoc,
        l.fromLine,
        l.toDoc,
        l.toLine,
        l.linkType,
        l.weight,
        bankId,
        l.fromDoc,
        l.fromLine,
        bankId,
        l.toDoc,
        l.toLine,
      ],
    );
  }

  async function insertLinks(bankId: string, links: PageIndexSectionLink[]): Promise<number> {
    if (links.length === 0) return 0;
    const results = await write(links.map((l) => linkStatement(bankId, l)), "Saving section links");
    return results.reduce((n, r) => n + r.rowsAffected, 0);
  }

  async function bankSections(
    conn: Connection,
    bankId: string,
    withEmbedding: boolean,
  ): Promise<PageIndexSection[]> {
    const rows = await query(
      conn,
      "Reading sections",
      `SELECT ${SECTION_COLUMNS}${
        withEmbedding ? ", summary_embedding" : ""
      } FROM ${T.sections} WHERE bank_id = ?`,
      [bankId],
    );
    return rows.map((r) => rowToSection(r, withEmbedding));
  }

  /** Lowercased entity names per section key, for the bank. */
  async function entityNamesBySection(conn: Connection, bankId: string) {
    const rows = await query(
      conn,
      "Reading section entities",
      `SELECT document_id, line_num, entity_name FROM ${T.entities} WHERE bank_id = ?`,
      [bankId],
    );
    const out = new Map<string, Set<string>>();
    for (const r of rows) {
      const key = sectionKey(String(r["document_id"]), Number(r["line_num"]));
      let set = out.get(key);
      if (set === undefined) out.set(key, set = new Set());
      set.add(String(r["entity_name"]).toLowerCase());
    }
    return out;
  }

  function sessionFilterOk(s: PageIndexSection, filter: string | undefined): boolean {
    return filter === undefined || s.sessionId === filter;
  }

  async function factsFor(
    bankId: string,
    options: FactSearchOptions,
    fallback: number,
  ): Promise<{ facts: MemoryFact[]; topK: number }> {
    checkObject(options, "options");
    checkOptionalString(options.documentId, "documentId");
    checkOptionalString(options.factType, "factType");
    checkOptionalString(options.sessionFilter, "sessionFilter");
    const topK = checkTopK(options.topK, fallback);
    const conn = await rt.ready();
    const rows = await query(
      conn,
      "Reading facts",
      `SELECT ${FACT_COLUMNS} FROM ${T.facts} WHERE bank_id = ? ` +
        `AND (? IS NULL OR document_id = ?) AND (? IS NULL OR fact_type = ?)`,
      [
        bankId,
        options.documentId ?? null,
        options.documentId ?? null,
        options.factType ?? null,
        options.factType ?? null,
      ],
    );
    let facts = rows.map(rowToFact);
    if (options.sessionFilter !== undefined) {
      const sessions = await query(
        conn,
        "Reading sections",
        `SELECT document_id, line_num FROM ${T.sections} WHERE bank_id = ? AND session_id = ?`,
        [bankId, options.sessionFilter],
      );
      const keys = new Set(
        sessions.map((r) => sectionKey(String(r["document_id"]), Number(r["line_num"]))),
      );
      facts = facts.filter((f) =>
        f.documentId !== undefined && f.lineNum !== undefined &&
        keys.has(sectionKey(f.documentId, f.lineNum))
      );
    }
    return { facts, topK };
  }

  async function wikiRows(conn: Connection, bankId: string, scope?: string): Promise<WikiRow[]> {
    const rows = await query(
      conn,
      "Reading wiki pages",
      `SELECT page, embedding, provenance FROM ${T.wiki} WHERE bank_id = ? ` +
        `AND (? IS NULL OR scope = ?)`,
      [bankId, scope ?? null, scope ?? null],
    );
    return rows.map(rowToWiki);
  }

  const store: PageIndexStore = {
    capabilities,

    // ----------------------------------------------------------------- documents and trees

    async saveDocument(doc: PageIndexDocument): Promise<string> {
      const o = checkObject(doc, "doc");
      validateBankId(o["bankId"], P);
      validateId(o["sourceId"], "sourceId", P);
      checkString(o["id"], "id");
      if (doc.id !== "") validateId(doc.id, "id", P);
      checkString(o["mdText"], "mdText");
      checkOptionalDate(o["referenceDate"], "referenceDate");
      checkOptionalDate(o["builtAt"], "builtAt");
      const id = doc.id === "" ? crypto.randomUUID() : doc.id;
      const bySource = `bank_id = ? AND source_id = ?`;
      const statements = [
        sized(
          `UPDATE ${T.docs} SET md_text = ?, reference_date = ?, built_at = ? WHERE ${bySource}`,
          [doc.mdText, ms(doc.referenceDate), ms(doc.builtAt), doc.bankId, doc.sourceId],
        ),
        sized(
          `INSERT INTO ${T.docs} (bank_id, id, source_id, md_text, reference_date, built_at) ` +
            `SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM ${T.docs} WHERE ${bySource})`,
          [
            doc.bankId,
            id,
            doc.sourceId,
            doc.mdText,
            ms(doc.referenceDate),
            ms(doc.builtAt),
            doc.bankId,
            doc.sourceId,
          ],
        ),
        sized(`SELECT id FROM ${T.docs} WHERE ${bySource}`, [doc.bankId, doc.sourceId]),
      ];
      try {
        const results = await write(statements, "Saving a document");
        return String(results[2]!.rows[0]?.["id"]);
      } catch (e) {
        if (e instanceof ValidationError) {
          throw new ValidationError(
            `${P} Document id is already used by another source in this bank`,
            { field: "id", cause: e },
          );
        }
        throw e;
      }
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
      const { bankId, documentId } = ref;
      const docExists = `EXISTS (SELECT 1 FROM ${T.docs} WHERE bank_id = ? AND id = ?)`;
      const sorted = [...byLine.values()].sort((a, b) => a.lineNum - b.lineNum);
      const statements: SizedStatement[] = [
        sized(
          `DELETE FROM ${T.sections} WHERE bank_id = ? AND document_id = ? AND ${docExists}`,
          [bankId, documentId, bankId, documentId],
        ),
        sized(
          `DELETE FROM ${T.entities} WHERE bank_id = ? AND document_id = ? AND ${docExists}`,
          [bankId, documentId, bankId, documentId],
        ),
        sized(
          `DELETE FROM ${T.links} WHERE bank_id = ? AND (from_doc = ? OR to_doc = ?) ` +
            `AND ${docExists}`,
          [bankId, documentId, documentId, bankId, documentId],
        ),
        ...sorted.map((s) =>
          sized(
            `INSERT INTO ${T.sections} (bank_id, ${SECTION_COLUMNS}, summary_embedding) ` +
              `SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE ${docExists}`,
            [
              bankId,
              documentId,
              s.lineNum,
              s.nodeId,
              s.title,
              s.summary ?? null,
              s.speaker ?? null,
              ms(s.sessionDate),
              s.parentNode ?? null,
              s.depth ?? 0,
              ms(s.occurredStart),
              ms(s.occurredEnd),
              s.sessionId ?? null,
              s.summaryEmbedding === undefined ? null : embeddingJson(s.summaryEmbedding),
              bankId,
              documentId,
            ],
          )
        ),
        sized(`SELECT ${docExists} AS found`, [bankId, documentId]),
      ];
      const results = await write(statements, "Saving sections");
      return Number(results[results.length - 1]!.rows[0]?.["found"]) ? sorted.length : 0;
    },

    async loadDocument(bankId: string, sourceId: string): Promise<PageIndexDocument | null> {
      validateBankId(bankId, P);
      validateId(sourceId, "sourceId", P);
      const rows = await query(
        await rt.ready(),
        "Loading a document",
        `SELECT id, source_id, md_text, reference_date, built_at FROM ${T.docs} ` +
          `WHERE bank_id = ? AND source_id = ?`,
        [bankId, sourceId],
      );
      const r = rows[0];
      if (r === undefined) return null;
      const out: PageIndexDocument = {
        id: String(r["id"]),
        bankId,
        sourceId: String(r["source_id"]),
        mdText: String(r["md_text"]),
      };
      put(out, "referenceDate", date(r["reference_date"]));
      put(out, "builtAt", date(r["built_at"]));
      return out;
    },

    async loadSkeleton(ref: DocumentRef): Promise<PageIndexSection[]> {
      checkRef(ref);
      const rows = await query(
        await rt.ready(),
        "Loading sections",
        `SELECT ${SECTION_COLUMNS} FROM ${T.sections} WHERE bank_id = ? AND document_id = ? ` +
          `ORDER BY line_num`,
        [ref.bankId, ref.documentId],
      );
      return rows.map((r) => rowToSection(r, false));
    },

    async loadSectionsWithEmbeddings(ref: DocumentRef): Promise<PageIndexSection[]> {
      checkRef(ref);
      const rows = await query(
        await rt.ready(),
        "Loading sections",
        `SELECT ${SECTION_COLUMNS}, summary_embedding FROM ${T.sections} ` +
          `WHERE bank_id = ? AND document_id = ? ORDER BY line_num`,
        [ref.bankId, ref.documentId],
      );
      return rows.map((r) => rowToSection(r, true));
    },

    // ----------------------------------------------------------------- section writer

    async saveSectionEmbeddings(
      ref: DocumentRef,
      embeddings: ReadonlyArray<readonly [lineNum: number, vector: number[]]>,
    ): Promise<number> {
      checkRef(ref);
      checkArray(embeddings, "embeddings").forEach((pair, i) => {
        const pr = checkArray(pair, `embeddings[${i}]`);
        checkInteger(pr[0], `embeddings[${i}][0]`);
        validateVector(pr[1], null, `embeddings[${i}][1]`, P);
      });
      const last = new Map<number, number[]>();
      for (const [lineNum, vector] of embeddings) last.set(lineNum, vector);
      if (last.size === 0) return 0;
      const results = await write(
        [...last].map(([lineNum, vector]) =>
          sized(
            `UPDATE ${T.sections} SET summary_embedding = ? ` +
              `WHERE bank_id = ? AND document_id = ? AND line_num = ?`,
            [embeddingJson(vector), ref.bankId, ref.documentId, lineNum],
          )
        ),
        "Saving section embeddings",
      );
      return results.reduce((n, r) => n + r.rowsAffected, 0);
    },

    async saveSectionEntities(
      bankId: string,
      entities: PageIndexSectionEntity[],
    ): Promise<number> {
      validateBankId(bankId, P);
      checkArray(entities, "entities").forEach((e, i) => {
        const o = checkObject(e, `entities[${i}]`);
        validateId(o["documentId"], `entities[${i}].documentId`, P);
        checkInteger(o["lineNum"], `entities[${i}].lineNum`);
        validateId(o["entityName"], `entities[${i}].entityName`, P);
      });
      if (entities.length === 0) return 0;
      const results = await write(
        entities.map((e) =>
          sized(
            `INSERT INTO ${T.entities} (bank_id, document_id, line_num, entity_name) ` +
              `SELECT ?, ?, ?, ? WHERE ${sectionExists} ON CONFLICT DO NOTHING`,
            [bankId, e.documentId, e.lineNum, e.entityName, bankId, e.documentId, e.lineNum],
          )
        ),
        "Saving section entities",
      );
      return results.reduce((n, r) => n + r.rowsAffected, 0);
    },

    async saveSectionLinks(bankId: string, links: PageIndexSectionLink[]): Promise<number> {
      validateBankId(bankId, P);
      checkArray(links, "links").forEach((l, i) => {
        const f = `links[${i}]`;
        const o = checkObject(l, f);
        validateId(o["fromDoc"], `${f}.fromDoc`, P);
        checkInteger(o["fromLine"], `${f}.fromLine`);
        validateId(o["toDoc"], `${f}.toDoc`, P);
        checkInteger(o["toLine"], `${f}.toLine`);
        validateId(o["linkType"], `${f}.linkType`, P);
        checkFinite(o["weight"], `${f}.weight`);
      });
      return await insertLinks(bankId, links);
    },

    async populateSemanticKnnLinks(ref: DocumentRef, opts: KnnLinkOptions = {}): Promise<number> {
      checkRef(ref);
      checkObject(opts, "options");
      const topK = checkTopK(opts.topK, 5);
      const minSimilarity = opts.minSimilarity === undefined
        ? 0.5
        : checkFinite(opts.minSimilarity, "minSimilarity");
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
      for (const [lineNum, start, end] of eventDates) last.set(lineNum, [start, end ?? null]);
      if (last.size === 0) return 0;
      const results = await write(
        [...last].map(([lineNum, [start, end]]) =>
          sized(
            `UPDATE ${T.sections} SET occurred_start = ?, occurred_end = ? ` +
              `WHERE bank_id = ? AND document_id = ? AND line_num = ?`,
            [start.getTime(), ms(end), ref.bankId, ref.documentId, lineNum],
          )
        ),
        "Saving section event dates",
      );
      return results.reduce((n, r) => n + r.rowsAffected, 0);
    },

    // ----------------------------------------------------------------- section search

    async searchSectionsSemantic(
      bankId: string,
      queryEmbedding: number[],
      opts: SectionSearchOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, P);
      validateVector(queryEmbedding, null, "queryEmbedding", P);
      checkObject(opts, "options");
      const topK = checkTopK(opts.topK, 20);
      checkOptionalString(opts.sessionFilter, "sessionFilter");
      const sections = await bankSections(await rt.ready(), bankId, true);
      const hits: SectionHit[] = [];
      for (const s of sections) {
        const e = s.summaryEmbedding;
        if (e === undefined || e.length !== queryEmbedding.length) continue;
        if (!sessionFilterOk(s, opts.sessionFilter)) continue;
        hits.push({
          documentId: s.documentId,
          lineNum: s.lineNum,
          score: clampScore(cosine(queryEmbedding, e)),
        });
      }
      return hits.sort(compareSectionHits).slice(0, topK);
    },

    async searchSectionsKeyword(
      bankId: string,
      queryText: string,
      opts: SectionKeywordSearchOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, P);
      checkString(queryText, "query");
      checkObject(opts, "options");
      const topK = checkTopK(opts.topK, 20);
      checkOptionalString(opts.speaker, "speaker");
      checkOptionalString(opts.documentId, "documentId");
      checkOptionalString(opts.sessionFilter, "sessionFilter");
      const terms = queryText.toLowerCase().split(/\s+/).filter((t) => t.length > 0);
      if (terms.length === 0) return [];
      const sections = await bankSections(await rt.ready(), bankId, false);
      const hits: SectionHit[] = [];
      for (const s of sections) {
        if (opts.documentId !== undefined && s.documentId !== opts.documentId) continue;
        if (opts.speaker !== undefined && s.speaker !== opts.speaker) continue;
        if (!sessionFilterOk(s, opts.sessionFilter)) continue;
        const text = `${s.title} ${s.summary ?? ""}`.toLowerCase();
        const score = terms.filter((t) => text.includes(t)).length;
        if (score > 0) hits.push({ documentId: s.documentId, lineNum: s.lineNum, score });
      }
      return hits.sort(compareSectionHits).slice(0, topK);
    },

    async searchSectionsByEntities(
      bankId: string,
      entityNames: string[],
      opts: SectionSearchOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, P);
      checkStringArray(entityNames, "entityNames");
      checkObject(opts, "options");
      const topK = checkTopK(opts.topK, 20);
      checkOptionalString(opts.sessionFilter, "sessionFilter");
      const wanted = new Set(
        entityNames.filter((n) => n.trim().length > 0).map((n) => n.toLowerCase()),
      );
      if (wanted.size === 0) return [];
      const conn = await rt.ready();
      const names = await entityNamesBySection(conn, bankId);
      const sections = new Map(
        (await bankSections(conn, bankId, false)).map((
          s,
        ) => [sectionKey(s.documentId, s.lineNum), s]),
      );
      const hits: SectionHit[] = [];
      for (const [key, set] of names) {
        const s = sections.get(key);
        if (s === undefined || !sessionFilterOk(s, opts.sessionFilter)) continue;
        let score = 0;
        for (const n of set) if (wanted.has(n)) score++;
        if (score > 0) hits.push({ documentId: s.documentId, lineNum: s.lineNum, score });
      }
      return hits.sort(compareSectionHits).slice(0, topK);
    },

    async searchSectionsTemporal(
      bankId: string,
      dateRange: TimeRange,
      opts: SectionSearchOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, P);
      checkRange(dateRange, "dateRange");
      checkObject(opts, "options");
      const topK = checkTopK(opts.topK, 20);
      checkOptionalString(opts.sessionFilter, "sessionFilter");
      const rows = await query(
        await rt.ready(),
        "Searching sections",
        `SELECT ${SECTION_COLUMNS} FROM ${T.sections} WHERE bank_id = ? ` +
          `AND session_date BETWEEN ? AND ? AND (? IS NULL OR session_id = ?)`,
        [
          bankId,
          dateRange.start.getTime(),
          dateRange.end.getTime(),
          opts.sessionFilter ?? null,
          opts.sessionFilter ?? null,
        ],
      );
      return rows.map((r) => ({
        documentId: String(r["document_id"]),
        lineNum: Number(r["line_num"]),
        score: 1,
      })).sort(compareSectionHits).slice(0, topK);
    },

    async expandSectionLinks(
      bankId: string,
      seeds: SectionAddress[],
      opts: ExpandLinksOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, P);
      checkSeeds(seeds);
      checkObject(opts, "options");
      const topK = checkTopK(opts.topK, 20);
      if (opts.linkTypes !== undefined) checkStringArray(opts.linkTypes, "linkTypes");
      if (seeds.length === 0) return [];
      const seedKeys = new Set(seeds.map(([d, l]) => sectionKey(d, l)));
      const docs = JSON.stringify([...new Set(seeds.map(([d]) => d))]);
      const rows = await query(
        await rt.ready(),
        "Expanding section links",
        `SELECT from_doc, from_line, to_doc, to_line, link_type, weight FROM ${T.links} ` +
          `WHERE bank_id = ? AND (from_doc IN (SELECT value FROM json_each(?)) ` +
          `OR to_doc IN (SELECT value FROM json_each(?))) ORDER BY rowid`,
        [bankId, docs, docs],
      );
      const types = opts.linkTypes === undefined ? undefined : new Set(opts.linkTypes);
      const scores = new Map<string, SectionHit>();
      const add = (documentId: string, lineNum: number, weight: number) => {
        const key = sectionKey(documentId, lineNum);
        const hit = scores.get(key);
        if (hit === undefined) scores.set(key, { documentId, lineNum, score: weight });
        else hit.score += weight;
      };
      for (const r of rows) {
        const l = {
          fromDoc: String(r["from_doc"]),
          fromLine: Number(r["from_line"]),
          toDoc: String(r["to_doc"]),
          toLine: Number(r["to_line"]),
          linkType: String(r["link_type"]),
          weight: Number(r["weight"]),
        };
        if (types !== undefined && !types.has(l.linkType)) continue;
        if (seedKeys.has(sectionKey(l.fromDoc, l.fromLine))) add(l.toDoc, l.toLine, l.weight);
        if (seedKeys.has(sectionKey(l.toDoc, l.toLine))) add(l.fromDoc, l.fromLine, l.weight);
      }
      return [...scores.values()].sort(compareSectionHits).slice(0, topK);
    },

    async expandSectionsBySharedEntities(
      bankId: string,
      seeds: SectionAddress[],
      opts: ExpandSharedEntitiesOptions = {},
    ): Promise<SectionHit[]> {
      validateBankId(bankId, P);
      checkSeeds(seeds);
      checkObject(opts, "options");
      const topK = checkTopK(opts.topK, 20);
      const excludeSeeds = opts.excludeSeeds ?? true;
      if (seeds.length === 0) return [];
      const names = await entityNamesBySection(await rt.ready(), bankId);
      const seedKeys = new Set(seeds.map(([d, l]) => sectionKey(d, l)));
      const seedNames = new Set<string>();
      for (const key of seedKeys) for (const n of names.get(key) ?? []) seedNames.add(n);
      if (seedNames.size === 0) return [];
      const hits: SectionHit[] = [];
      for (const [key, set] of names) {
        if (excludeSeeds && seedKeys.has(key)) continue;
        let score = 0;
        for (const n of set) if (seedNames.has(n)) score++;
        if (score === 0) continue;
        const [documentId, lineNum] = JSON.parse(key) as [string, number];
        hits.push({ documentId, lineNum, score });
      }
      return hits.sort(compareSectionHits).slice(0, topK);
    },

    // ----------------------------------------------------------------- facts

    async saveFacts(facts: MemoryFact[]): Promise<number> {
      checkArray(facts, "facts").forEach((f, i) => validateFact(f, i));
      if (facts.length === 0) return 0;
      const written = new Set(facts.map((f) => JSON.stringify([f.bankId, f.id])));
      await write(
        facts.map((f) =>
          sized(
            `INSERT INTO ${T.facts} (${FACT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
              `ON CONFLICT (bank_id, id) DO UPDATE SET text = excluded.text, ` +
              `fact_type = excluded.fact_type, document_id = excluded.document_id, ` +
              `line_num = excluded.line_num, speaker = excluded.speaker, ` +
              `occurred_start = excluded.occurred_start, occurred_end = excluded.occurred_end, ` +
              `entities = excluded.entities, embedding = excluded.embedding, ` +
              `confidence_score = excluded.confidence_score, ` +
              `mentioned_at = excluded.mentioned_at, event_date = excluded.event_date`,
            [
              f.bankId,
              f.id,
              f.text,
              f.factType,
              f.documentId ?? null,
              f.lineNum ?? null,
              f.speaker ?? null,
              ms(f.occurredStart),
              ms(f.occurredEnd),
              json(f.entities),
              f.embedding === undefined ? null : embeddingJson(f.embedding),
              f.confidenceScore ?? null,
              ms(f.mentionedAt),
              ms(f.eventDate),
            ],
          )
        ),
        "Saving facts",
      );
      return written.size;
    },

    async updateFactEmbeddings(
      bankId: string,
      embeddings: ReadonlyArray<readonly [factId: string, vector: number[]]>,
    ): Promise<number> {
      validateBankId(bankId, P);
      checkArray(embeddings, "embeddings").forEach((pair, i) => {
        const pr = checkArray(pair, `embeddings[${i}]`);
        validateId(pr[0], `embeddings[${i}][0]`, P);
        validateVector(pr[1], null, `embeddings[${i}][1]`, P);
      });
      const last = new Map<string, number[]>();
      for (const [factId, vector] of embeddings) last.set(factId, vector);
      if (last.size === 0) return 0;
      const results = await write(
        [...last].map(([factId, vector]) =>
          sized(`UPDATE ${T.facts} SET embedding = ? WHERE bank_id = ? AND id = ?`, [
            embeddingJson(vector),
            bankId,
            factId,
          ])
        ),
        "Updating fact embeddings",
      );
      return results.reduce((n, r) => n + r.rowsAffected, 0);
    },

    async searchFactsSemantic(
      bankId: string,
      queryEmbedding: number[],
      opts: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      validateBankId(bankId, P);
      validateVector(queryEmbedding, null, "queryEmbedding", P);
      const { facts, topK } = await factsFor(bankId, opts, 20);
      const hits: MemoryFactHit[] = [];
      for (const f of facts) {
        const e = f.embedding;
        if (e === undefined || e.length !== queryEmbedding.length) continue;
        hits.push(factHit(f, clampScore(cosine(queryEmbedding, e))));
      }
      return hits.sort(compareFactHits).slice(0, topK);
    },

    async searchFactsByEntity(
      bankId: string,
      entityName: string,
      opts: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      validateBankId(bankId, P);
      checkString(entityName, "entityName");
      const needle = entityName.toLowerCase();
      const { facts, topK } = await factsFor(bankId, opts, 50);
      if (needle.trim().length === 0) return [];
      return facts
        .filter((f) => (f.entities ?? []).some((e) => e.toLowerCase() === needle))
        .map((f) => factHit(f, 1))
        .sort(compareFactHits)
        .slice(0, topK);
    },

    async searchFactsTemporal(
      bankId: string,
      dateRange: TimeRange,
      opts: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      validateBankId(bankId, P);
      checkRange(dateRange, "dateRange");
      const { facts, topK } = await factsFor(bankId, opts, 50);
      const start = dateRange.start.getTime();
      const end = dateRange.end.getTime();
      const inRange = (d: Date | undefined) =>
        d !== undefined && d.getTime() >= start && d.getTime() <= end;
      const matched: { hit: MemoryFactHit; key: number | undefined }[] = [];
      for (const f of facts) {
        const s = f.occurredStart;
        const e = f.occurredEnd;
        const spans = s !== undefined && e !== undefined && s.getTime() <= end &&
          e.getTime() >= start;
        if (!(spans || inRange(f.mentionedAt) || inRange(s) || inRange(e))) continue;
        matched.push({ hit: factHit(f, 1), key: (s ?? f.mentionedAt ?? e)?.getTime() });
      }
      matched.sort((a, b) => {
        if (a.key !== b.key) {
          if (a.key === undefined) return 1;
          if (b.key === undefined) return -1;
          return b.key - a.key;
        }
        return compareIds(a.hit.factId, b.hit.factId);
      });
      return matched.slice(0, topK).map((m) => m.hit);
    },

    async searchFactsKeyword(
      bankId: string,
      queryText: string,
      opts: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      validateBankId(bankId, P);
      checkString(queryText, "query");
      const terms = [
        ...new Set(queryText.toLowerCase().split(/\s+/).filter((t) => t.length > 1)),
      ];
      const { facts, topK } = await factsFor(bankId, opts, 20);
      if (terms.length === 0) return [];
      const hits: MemoryFactHit[] = [];
      for (const f of facts) {
        const text = f.text.toLowerCase();
        const score = terms.filter((t) => text.includes(t)).length;
        if (score > 0) hits.push(factHit(f, score));
      }
      return hits.sort(compareFactHits).slice(0, topK);
    },

    async countFactsMatching(ref: DocumentRef, opts: CountFactsOptions = {}): Promise<number> {
      checkRef(ref);
      checkObject(opts, "options");
      checkOptionalString(opts.entityPattern, "entityPattern");
      checkOptionalString(opts.factType, "factType");
      const pattern = opts.entityPattern === undefined
        ? undefined
        : stripPattern(opts.entityPattern);
      const rows = await query(
        await rt.ready(),
        "Counting facts",
        `SELECT entities FROM ${T.facts} WHERE bank_id = ? AND document_id = ? ` +
          `AND (? IS NULL OR fact_type = ?)`,
        [ref.bankId, ref.documentId, opts.factType ?? null, opts.factType ?? null],
      );
      if (pattern === undefined) return rows.length;
      return rows.filter((r) =>
        (parseJson<string[]>(r["entities"]) ?? []).some((e) => e.toLowerCase().includes(pattern))
      ).length;
    },

    // ----------------------------------------------------------------- wiki

    async saveWikiPage(args: SaveWikiPageArgs): Promise<string> {
      const a = checkObject(args, "args");
      const page = validatePage(a["page"]);
      if (args.embedding !== undefined) validateVector(args.embedding, null, "embedding", P);
      const provenance = checkSeeds(a["provenance"]);
      const seen = new Set<string>();
      const unique = provenance.filter(([d, l]) => {
        const key = sectionKey(d, l);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      }).map(([d, l]) => [d, l]);
      await write([
        sized(
          `INSERT INTO ${T.wiki} (bank_id, page_id, scope, page, embedding, provenance) ` +
            `VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (bank_id, page_id) DO UPDATE SET ` +
            `scope = excluded.scope, page = excluded.page, ` +
            `embedding = COALESCE(excluded.embedding, ${T.wiki}.embedding), ` +
            `provenance = excluded.provenance`,
          [
            page.bankId,
            page.pageId,
            page.scope,
            pageJson(page),
            args.embedding === undefined ? null : embeddingJson(args.embedding),
            JSON.stringify(unique),
          ],
        ),
      ], "Saving a wiki page");
      return page.pageId;
    },

    async searchWikiPagesSemantic(
      bankId: string,
      queryEmbedding: number[],
      opts: { topK?: number; documentId?: string } = {},
    ): Promise<WikiPageHit[]> {
      validateBankId(bankId, P);
      validateVector(queryEmbedding, null, "queryEmbedding", P);
      checkObject(opts, "options");
      const topK = checkTopK(opts.topK, 5);
      checkOptionalString(opts.documentId, "documentId");
      const scope = opts.documentId === undefined ? undefined : `document:${opts.documentId}`;
      const hits: WikiPageHit[] = [];
      for (const { page, embedding } of await wikiRows(await rt.ready(), bankId, scope)) {
        if (embedding === undefined || embedding.length !== queryEmbedding.length) continue;
        hits.push({
          pageId: page.pageId,
          title: page.title,
          content: page.content,
          scope: page.scope,
          kind: page.kind,
          score: clampScore(cosine(queryEmbedding, embedding)),
          sourceIds: [...page.sourceIds],
          bankId,
        });
      }
      hits.sort((a, b) => b.score - a.score || compareIds(a.pageId, b.pageId));
      return hits.slice(0, topK);
    },

    async countWikiPagesForDoc(bankId: string, documentId: string): Promise<number> {
      validateBankId(bankId, P);
      validateId(documentId, "documentId", P);
      const rows = await query(
        await rt.ready(),
        "Counting wiki pages",
        `SELECT count(*) AS n FROM ${T.wiki} WHERE bank_id = ? AND scope = ?`,
        [bankId, `document:${documentId}`],
      );
      return Number(rows[0]?.["n"] ?? 0);
    },

    async listWikiPagesForDoc(bankId: string, documentId: string): Promise<WikiPage[]> {
      validateBankId(bankId, P);
      validateId(documentId, "documentId", P);
      return (await wikiRows(await rt.ready(), bankId, `document:${documentId}`))
        .map((w) => w.page)
        .sort((a, b) => compareIds(a.pageId, b.pageId));
    },

    async listWikisAffectedByEntities(
      bankId: string,
      entities: string[],
      opts: AffectedWikisOptions = {},
    ): Promise<AffectedWikiPage[]> {
      validateBankId(bankId, P);
      checkStringArray(entities, "entities");
      checkObject(opts, "options");
      const minOverlap = Math.max(1, validateCount(opts.minOverlap, 1, "minOverlap", P));
      const limit = validateCount(opts.limit, 8, "limit", P);
      if (entities.length === 0) return [];
      const conn = await rt.ready();
      const wanted = new Set(entities);
      const entityRows = await query(
        conn,
        "Reading section entities",
        `SELECT document_id, line_num, entity_name FROM ${T.entities} WHERE bank_id = ?`,
        [bankId],
      );
      const bySection = new Map<string, string[]>();
      for (const r of entityRows) {
        const key = sectionKey(String(r["document_id"]), Number(r["line_num"]));
        const list = bySection.get(key);
        if (list === undefined) bySection.set(key, [String(r["entity_name"])]);
        else list.push(String(r["entity_name"]));
      }
      const out: AffectedWikiPage[] = [];
      for (const { page, provenance } of await wikiRows(conn, bankId)) {
        const names = new Set<string>();
        for (const [documentId, lineNum] of provenance) {
          for (const n of bySection.get(sectionKey(documentId, lineNum)) ?? []) names.add(n);
        }
        const shared = [...names].filter((n) => wanted.has(n)).sort(compareIds);
        if (shared.length < minOverlap) continue;
        out.push({ page, overlap: shared.length, sharedEntities: shared });
      }
      out.sort((a, b) => b.overlap - a.overlap || compareIds(a.page.pageId, b.page.pageId));
      return out.slice(0, limit);
    },

    async listDistinctEntities(
      ref: DocumentRef,
      opts: DistinctEntitiesOptions = {},
    ): Promise<EntityCount[]> {
      checkRef(ref);
      checkObject(opts, "options");
      checkOptionalString(opts.pattern, "pattern");
      const limit = validateCount(opts.limit, 50, "limit", P);
      const pattern = opts.pattern === undefined ? undefined : stripPattern(opts.pattern);
      const rows = await query(
        await rt.ready(),
        "Reading section entities",
        `SELECT line_num, entity_name FROM ${T.entities} WHERE bank_id = ? AND document_id = ?`,
        [ref.bankId, ref.documentId],
      );
      const lines = new Map<string, Set<number>>();
      for (const r of rows) {
        const name = String(r["entity_name"]);
        if (pattern !== undefined && !name.toLowerCase().includes(pattern)) continue;
        let set = lines.get(name);
        if (set === undefined) lines.set(name, set = new Set());
        set.add(Number(r["line_num"]));
      }
      const out = [...lines].map(([name, set]) => ({ name, count: set.size }));
      out.sort((a, b) => b.count - a.count || compareIds(a.name, b.name));
      return out.slice(0, limit);
    },

    // ----------------------------------------------------------------- lifecycle

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, P);
      const results = await write(
        Object.values(T).map((t) => sized(`DELETE FROM ${t} WHERE bank_id = ?`, [bankId])),
        "Deleting a bank",
      );
      return results.reduce((n, r) => n + r.rowsAffected, 0);
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
  return enforceInputRules("pageIndexStore", store, PREFIX);
}
