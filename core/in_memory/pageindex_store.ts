/**
 * The in-memory reference {@linkcode PageIndexStore}: section trees, section entities and
 * links, the fact layer and document-scoped wiki pages, all scoped per bank.
 *
 * It is the executable specification of the PageIndex family (`spi.md` §2.10, §2.11) and the
 * store the contract suite is proven against. Decisions where upstream is silent or
 * self-contradictory:
 * - Every record lives in its bank: the same caller-supplied document, fact or page id in two
 *   banks is two records.
 * - `saveDocument` upserts on `(bankId, sourceId)` and keeps the existing id; a new row keeps a
 *   caller id (a `ValidationError` if that id already belongs to another source of the bank)
 *   or gets `crypto.randomUUID()` when the id is empty.
 * - `saveSections` replaces the tree atomically (an empty list clears it) and drops every
 *   section entity of the document and every link that starts or ends in it. Facts and wiki
 *   provenance that reference the document are kept. A document that is not in the bank gets
 *   nothing written (0).
 * - Section entities and links are written only for sections that exist in the bank; inserts
 *   are idempotent and return the rows actually written (0 on an exact repeat; a repeated link
 *   keeps its first weight). Entity names are case-sensitive keys.
 * - Scores of semantic searches are cosine similarity clamped to `[0, 1]`. Ties in section
 *   searches break by `documentId` then `lineNum` ascending; in fact searches by fact id; in
 *   wiki searches by page id.
 * - Keyword search (sections): lowercase whitespace terms, score = number of terms found as a
 *   substring of `title + " " + summary`. Keyword search (facts): distinct lowercase terms of
 *   two or more characters, score = number found as a substring of the text.
 * - `searchFactsByEntity` matches an entity equal to the name ignoring case; the entity
 *   patterns of `countFactsMatching` and `listDistinctEntities` are case-insensitive
 *   substrings with `%` stripped.
 * - `searchFactsTemporal` is the 4-way OR, newest first by
 *   `occurredStart ?? mentionedAt ?? occurredEnd`, facts without any of them last.
 * - `saveWikiPage` without an embedding keeps the page's previous embedding.
 * - Returned objects are copies; absent optional fields are omitted (sections always carry
 *   `depth`, 0 by default).
 *
 * @example
 * ```ts
 * import { createInMemoryPageIndexStore } from "@astrocyte/core";
 *
 * const store = createInMemoryPageIndexStore();
 * const documentId = await store.saveDocument({
 *   id: "",
 *   bankId: "user-1",
 *   sourceId: "notes.md",
 *   mdText: "# Notes\nDark mode",
 * });
 * const ref = { bankId: "user-1", documentId };
 * await store.saveSections(ref, [{ documentId, lineNum: 1, nodeId: "0001", title: "Notes" }]);
 * const skeleton = await store.loadSkeleton(ref);
 * console.log(skeleton[0]?.title); // "Notes"
 * ```
 *
 * @module
 */
import type {
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
} from "../spi/pageindex_store.ts";
import type { WikiPage, WikiPageHit } from "../spi/wiki_store.ts";
import type { HealthStatus, Metadata, TimeRange } from "../types.ts";
import {
  clampScore,
  compareIds,
  validateBankId,
  validateCount,
  validateId,
  validateVector,
} from "../util/validate.ts";
import { enforceInputRules } from "../util/input_rules.ts";
import { toStoredEmbedding, toStoredMetadata, toStoredNumber } from "../util/stored_values.ts";
import { pageIndexInputChecks } from "../util/pageindex_checks.ts";

const P = "[astrocyte/core]";
const {
  fail,
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

interface DocumentRow {
  id: string;
  sourceId: string;
  mdText: string;
  referenceDate?: Date;
  builtAt?: Date;
}

interface WikiRow {
  page: WikiPage;
  embedding?: number[];
  provenance: SectionAddress[];
}

interface BankState {
  docsBySource: Map<string, DocumentRow>;
  docsById: Map<string, DocumentRow>;
  /** documentId → lineNum → section (stored with `documentId` set to the document). */
  sections: Map<string, Map<number, PageIndexSection>>;
  /** documentId → key `[lineNum, entityName]` → entity, in insertion order. */
  entities: Map<string, Map<string, PageIndexSectionEntity>>;
  /** key of the 5-tuple → link, in insertion order. */
  links: Map<string, PageIndexSectionLink>;
  /** fact id → fact, in insertion order. */
  facts: Map<string, MemoryFact>;
  /** page id → page, embedding and provenance. */
  wiki: Map<string, WikiRow>;
}

function newBank(): BankState {
  return {
    docsBySource: new Map(),
    docsById: new Map(),
    sections: new Map(),
    entities: new Map(),
    links: new Map(),
    facts: new Map(),
    wiki: new Map(),
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

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

function copyDate(d: Date | undefined): Date | undefined {
  return d === undefined ? undefined : new Date(d.getTime());
}

/** Assign `value` to `target[key]` only when it is defined (absent fields stay omitted). */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined) {
  if (value !== undefined) target[key] = value;
}

/** Run a synchronous body as a promise: thrown errors become rejections. */
function run<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

function sectionKey(documentId: string, lineNum: number): string {
  return JSON.stringify([documentId, lineNum]);
}

function entityKey(lineNum: number, entityName: string): string {
  return JSON.stringify([lineNum, entityName]);
}

function linkKey(l: PageIndexSectionLink): string {
  return JSON.stringify([l.fromDoc, l.fromLine, l.toDoc, l.toLine, l.linkType]);
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

function copySection(s: PageIndexSection, withEmbedding: boolean): PageIndexSection {
  const out: PageIndexSection = {
    documentId: s.documentId,
    lineNum: s.lineNum,
    nodeId: s.nodeId,
    title: s.title,
  };
  put(out, "summary", s.summary);
  if (withEmbedding && s.summaryEmbedding !== undefined) {
    out.summaryEmbedding = [...s.summaryEmbedding];
  }
  put(out, "speaker", s.speaker);
  put(out, "sessionDate", copyDate(s.sessionDate));
  put(out, "parentNode", s.parentNode);
  out.depth = s.depth ?? 0;
  put(out, "occurredStart", copyDate(s.occurredStart));
  put(out, "occurredEnd", copyDate(s.occurredEnd));
  put(out, "sessionId", s.sessionId);
  return out;
}

/**
 * The section as stored: `summaryEmbedding` as float32, −0 stored as 0 in every number
 * (core/README.md, "Input rules").
 */
function storedSection(s: PageIndexSection): PageIndexSection {
  const out = copySection(s, false);
  out.lineNum = toStoredNumber(out.lineNum);
  out.depth = toStoredNumber(out.depth!);
  if (s.summaryEmbedding !== undefined) {
    out.summaryEmbedding = toStoredEmbedding(s.summaryEmbedding);
  }
  return out;
}

/** The fact as stored: `embedding` as float32, −0 stored as 0 in every number. */
function storedFact(f: MemoryFact): MemoryFact {
  const out = copyFact(f);
  if (out.lineNum !== undefined) out.lineNum = toStoredNumber(out.lineNum);
  if (f.embedding !== undefined) out.embedding = toStoredEmbedding(f.embedding);
  if (out.confidenceScore !== undefined) {
    out.confidenceScore = toStoredNumber(out.confidenceScore);
  }
  return out;
}

function copyFact(f: MemoryFact): MemoryFact {
  const out: MemoryFact = { id: f.id, bankId: f.bankId, text: f.text, factType: f.factType };
  put(out, "documentId", f.documentId);
  put(out, "lineNum", f.lineNum);
  put(out, "speaker", f.speaker);
  put(out, "occurredStart", copyDate(f.occurredStart));
  put(out, "occurredEnd", copyDate(f.occurredEnd));
  put(out, "entities", f.entities === undefined ? undefined : [...f.entities]);
  put(out, "embedding", f.embedding === undefined ? undefined : [...f.embedding]);
  put(out, "confidenceScore", f.confidenceScore);
  put(out, "mentionedAt", copyDate(f.mentionedAt));
  put(out, "eventDate", copyDate(f.eventDate));
  return out;
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
  put(out, "occurredStart", copyDate(f.occurredStart));
  put(out, "occurredEnd", copyDate(f.occurredEnd));
  put(out, "documentId", f.documentId);
  put(out, "lineNum", f.lineNum);
  put(out, "confidenceScore", f.confidenceScore);
  put(out, "mentionedAt", copyDate(f.mentionedAt));
  put(out, "eventDate", copyDate(f.eventDate));
  return out;
}

function copyPage(p: WikiPage): WikiPage {
  const out: WikiPage = {
    pageId: p.pageId,
    bankId: p.bankId,
    kind: p.kind,
    title: p.title,
    content: p.content,
    scope: p.scope,
    sourceIds: [...p.sourceIds],
    crossLinks: [...p.crossLinks],
    revision: p.revision,
    revisedAt: new Date(p.revisedAt.getTime()),
  };
  put(out, "tags", p.tags === undefined ? undefined : [...p.tags]);
  put(out, "metadata", p.metadata === undefined ? undefined : { ...p.metadata } as Metadata);
  return out;
}

function copyDocument(bankId: string, d: DocumentRow): PageIndexDocument {
  const out: PageIndexDocument = {
    id: d.id,
    bankId,
    sourceId: d.sourceId,
    mdText: d.mdText,
  };
  put(out, "referenceDate", copyDate(d.referenceDate));
  put(out, "builtAt", copyDate(d.builtAt));
  return out;
}

/**
 * Create the in-memory reference {@linkcode PageIndexStore}. Data lives in the instance and
 * is lost when it is garbage collected; `close()` is a no-op kept for the interface.
 *
 * @example
 * ```ts
 * import { createInMemoryPageIndexStore } from "@astrocyte/core";
 *
 * const store = createInMemoryPageIndexStore();
 * await store.saveFacts([
 *   { id: "f1", bankId: "user-1", text: "Calvin prefers dark mode", factType: "preference" },
 * ]);
 * const hits = await store.searchFactsKeyword("user-1", "dark mode");
 * console.log(hits[0]?.factId); // "f1"
 * ```
 */
export function createInMemoryPageIndexStore(): PageIndexStore {
  const banks = new Map<string, BankState>();

  const capabilities: PageIndexStoreCapabilities = {
    consistency: "strong",
    atomicBatches: true,
    persistent: false,
  };

  const bankOf = (bankId: string): BankState | undefined => banks.get(bankId);
  const ensureBank = (bankId: string): BankState => {
    let b = banks.get(bankId);
    if (b === undefined) {
      b = newBank();
      banks.set(bankId, b);
    }
    return b;
  };
  const sectionOf = (
    bank: BankState | undefined,
    documentId: string | undefined,
    lineNum: number | undefined,
  ): PageIndexSection | undefined => {
    if (bank === undefined || documentId === undefined || lineNum === undefined) return undefined;
    return bank.sections.get(documentId)?.get(lineNum);
  };
  const allSections = function* (bank: BankState): Generator<PageIndexSection> {
    for (const byLine of bank.sections.values()) yield* byLine.values();
  };
  /** Lowercased entity names per section key, for the bank. */
  const entityNamesBySection = (bank: BankState): Map<string, Set<string>> => {
    const out = new Map<string, Set<string>>();
    for (const [documentId, entities] of bank.entities) {
      for (const e of entities.values()) {
        const key = sectionKey(documentId, e.lineNum);
        let set = out.get(key);
        if (set === undefined) {
          set = new Set();
          out.set(key, set);
        }
        set.add(e.entityName.toLowerCase());
      }
    }
    return out;
  };
  const factPasses = (bank: BankState, f: MemoryFact, options: FactSearchOptions): boolean => {
    if (options.documentId !== undefined && f.documentId !== options.documentId) return false;
    if (options.factType !== undefined && f.factType !== options.factType) return false;
    if (options.sessionFilter !== undefined) {
      const s = sectionOf(bank, f.documentId, f.lineNum);
      if (s === undefined || s.sessionId !== options.sessionFilter) return false;
    }
    return true;
  };
  const checkFactOptions = (options: FactSearchOptions, fallback: number): number => {
    checkObject(options, "options");
    checkOptionalString(options.documentId, "documentId");
    checkOptionalString(options.factType, "factType");
    checkOptionalString(options.sessionFilter, "sessionFilter");
    return checkTopK(options.topK, fallback);
  };
  const insertLinks = (bank: BankState, links: readonly PageIndexSectionLink[]): number => {
    let written = 0;
    for (const l of links) {
      if (sectionOf(bank, l.fromDoc, l.fromLine) === undefined) continue;
      if (sectionOf(bank, l.toDoc, l.toLine) === undefined) continue;
      const key = linkKey(l);
      if (bank.links.has(key)) continue;
      bank.links.set(key, {
        fromDoc: l.fromDoc,
        fromLine: toStoredNumber(l.fromLine),
        toDoc: l.toDoc,
        toLine: toStoredNumber(l.toLine),
        linkType: l.linkType,
        weight: toStoredNumber(l.weight),
      });
      written++;
    }
    return written;
  };

  const store: PageIndexStore = {
    capabilities,

    // ----------------------------------------------------------------- documents and trees

    saveDocument(doc: PageIndexDocument): Promise<string> {
      return run(() => {
        const o = checkObject(doc, "doc");
        validateBankId(o.bankId, P);
        validateId(o.sourceId, "sourceId", P);
        checkString(o.id, "id");
        if (doc.id !== "") validateId(doc.id, "id", P);
        checkString(o.mdText, "mdText");
        checkOptionalDate(o.referenceDate, "referenceDate");
        checkOptionalDate(o.builtAt, "builtAt");
        const existing = bankOf(doc.bankId)?.docsBySource.get(doc.sourceId);
        if (existing !== undefined) {
          existing.mdText = doc.mdText;
          if (doc.referenceDate === undefined) delete existing.referenceDate;
          else existing.referenceDate = copyDate(doc.referenceDate)!;
          if (doc.builtAt === undefined) delete existing.builtAt;
          else existing.builtAt = copyDate(doc.builtAt)!;
          return existing.id;
        }
        if (doc.id !== "" && bankOf(doc.bankId)?.docsById.has(doc.id)) {
          fail("Document id is already used by another source in this bank", "id");
        }
        const bank = ensureBank(doc.bankId);
        const row: DocumentRow = {
          id: doc.id === "" ? crypto.randomUUID() : doc.id,
          sourceId: doc.sourceId,
          mdText: doc.mdText,
        };
        put(row, "referenceDate", copyDate(doc.referenceDate));
        put(row, "builtAt", copyDate(doc.builtAt));
        bank.docsBySource.set(row.sourceId, row);
        bank.docsById.set(row.id, row);
        return row.id;
      });
    },

    saveSections(ref: DocumentRef, sections: PageIndexSection[]): Promise<number> {
      return run(() => {
        checkRef(ref);
        const list = checkArray(sections, "sections");
        const byLine = new Map<number, PageIndexSection>();
        list.forEach((s, i) => {
          const section = validateSection(s, i, ref.documentId);
          if (byLine.has(section.lineNum)) {
            fail(
              `sections[${i}].lineNum repeats line ${section.lineNum}`,
              `sections[${i}].lineNum`,
            );
          }
          byLine.set(section.lineNum, section);
        });
        const bank = bankOf(ref.bankId);
        if (bank === undefined || !bank.docsById.has(ref.documentId)) return 0;
        const sorted = [...byLine.values()].sort((a, b) => a.lineNum - b.lineNum);
        const stored = new Map<number, PageIndexSection>();
        for (const s of sorted) stored.set(s.lineNum, storedSection(s));
        bank.sections.set(ref.documentId, stored);
        bank.entities.delete(ref.documentId);
        for (const [key, l] of bank.links) {
          if (l.fromDoc === ref.documentId || l.toDoc === ref.documentId) bank.links.delete(key);
        }
        return sorted.length;
      });
    },

    loadDocument(bankId: string, sourceId: string): Promise<PageIndexDocument | null> {
      return run(() => {
        validateBankId(bankId, P);
        validateId(sourceId, "sourceId", P);
        const row = bankOf(bankId)?.docsBySource.get(sourceId);
        return row === undefined ? null : copyDocument(bankId, row);
      });
    },

    loadSkeleton(ref: DocumentRef): Promise<PageIndexSection[]> {
      return run(() => {
        checkRef(ref);
        const byLine = bankOf(ref.bankId)?.sections.get(ref.documentId);
        if (byLine === undefined) return [];
        return [...byLine.values()].sort((a, b) => a.lineNum - b.lineNum).map((s) =>
          copySection(s, false)
        );
      });
    },

    loadSectionsWithEmbeddings(ref: DocumentRef): Promise<PageIndexSection[]> {
      return run(() => {
        checkRef(ref);
        const byLine = bankOf(ref.bankId)?.sections.get(ref.documentId);
        if (byLine === undefined) return [];
        return [...byLine.values()].sort((a, b) => a.lineNum - b.lineNum).map((s) =>
          copySection(s, true)
        );
      });
    },

    // ----------------------------------------------------------------- section writer

    saveSectionEmbeddings(
      ref: DocumentRef,
      embeddings: ReadonlyArray<readonly [lineNum: number, vector: number[]]>,
    ): Promise<number> {
      return run(() => {
        checkRef(ref);
        checkArray(embeddings, "embeddings").forEach((pair, i) => {
          const p = checkArray(pair, `embeddings[${i}]`);
          checkInteger(p[0], `embeddings[${i}][0]`);
          validateVector(p[1], null, `embeddings[${i}][1]`, P);
        });
        const byLine = bankOf(ref.bankId)?.sections.get(ref.documentId);
        if (byLine === undefined) return 0;
        const updated = new Set<number>();
        for (const [lineNum, vector] of embeddings) {
          const s = byLine.get(lineNum);
          if (s === undefined) continue;
          s.summaryEmbedding = toStoredEmbedding(vector);
          updated.add(lineNum);
        }
        return updated.size;
      });
    },

    saveSectionEntities(bankId: string, entities: PageIndexSectionEntity[]): Promise<number> {
      return run(() => {
        validateBankId(bankId, P);
        checkArray(entities, "entities").forEach((e, i) => {
          const o = checkObject(e, `entities[${i}]`);
          validateId(o.documentId, `entities[${i}].documentId`, P);
          checkInteger(o.lineNum, `entities[${i}].lineNum`);
          validateId(o.entityName, `entities[${i}].entityName`, P);
        });
        const bank = bankOf(bankId);
        if (bank === undefined) return 0;
        let written = 0;
        for (const e of entities) {
          if (sectionOf(bank, e.documentId, e.lineNum) === undefined) continue;
          let byKey = bank.entities.get(e.documentId);
          if (byKey === undefined) {
            byKey = new Map();
            bank.entities.set(e.documentId, byKey);
          }
          const key = entityKey(e.lineNum, e.entityName);
          if (byKey.has(key)) continue;
          byKey.set(key, {
            documentId: e.documentId,
            lineNum: toStoredNumber(e.lineNum),
            entityName: e.entityName,
          });
          written++;
        }
        return written;
      });
    },

    saveSectionLinks(bankId: string, links: PageIndexSectionLink[]): Promise<number> {
      return run(() => {
        validateBankId(bankId, P);
        checkArray(links, "links").forEach((l, i) => {
          const f = `links[${i}]`;
          const o = checkObject(l, f);
          validateId(o.fromDoc, `${f}.fromDoc`, P);
          checkInteger(o.fromLine, `${f}.fromLine`);
          validateId(o.toDoc, `${f}.toDoc`, P);
          checkInteger(o.toLine, `${f}.toLine`);
          validateId(o.linkType, `${f}.linkType`, P);
          checkFinite(o.weight, `${f}.weight`);
        });
        const bank = bankOf(bankId);
        return bank === undefined ? 0 : insertLinks(bank, links);
      });
    },

    populateSemanticKnnLinks(ref: DocumentRef, options: KnnLinkOptions = {}): Promise<number> {
      return run(() => {
        checkRef(ref);
        checkObject(options, "options");
        const topK = checkTopK(options.topK, 5);
        const minSimilarity = options.minSimilarity === undefined
          ? 0.5
          : checkFinite(options.minSimilarity, "minSimilarity");
        const bank = bankOf(ref.bankId);
        const byLine = bank?.sections.get(ref.documentId);
        if (bank === undefined || byLine === undefined) return 0;
        const embedded = [...byLine.values()]
          .filter((s) => s.summaryEmbedding !== undefined)
          .sort((a, b) => a.lineNum - b.lineNum);
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
        return insertLinks(bank, links);
      });
    },

    saveSectionEventDates(
      ref: DocumentRef,
      eventDates: ReadonlyArray<readonly [lineNum: number, start: Date, end: Date | null]>,
    ): Promise<number> {
      return run(() => {
        checkRef(ref);
        checkArray(eventDates, "eventDates").forEach((row, i) => {
          const r = checkArray(row, `eventDates[${i}]`);
          checkInteger(r[0], `eventDates[${i}][0]`);
          checkDate(r[1], `eventDates[${i}][1]`);
          if (r[2] !== null && r[2] !== undefined) checkDate(r[2], `eventDates[${i}][2]`);
        });
        const byLine = bankOf(ref.bankId)?.sections.get(ref.documentId);
        if (byLine === undefined) return 0;
        const updated = new Set<number>();
        for (const [lineNum, start, end] of eventDates) {
          const s = byLine.get(lineNum);
          if (s === undefined) continue;
          s.occurredStart = new Date(start.getTime());
          if (end === null || end === undefined) delete s.occurredEnd;
          else s.occurredEnd = new Date(end.getTime());
          updated.add(lineNum);
        }
        return updated.size;
      });
    },

    // ----------------------------------------------------------------- section search

    searchSectionsSemantic(
      bankId: string,
      queryEmbedding: number[],
      options: SectionSearchOptions = {},
    ): Promise<SectionHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        validateVector(queryEmbedding, null, "queryEmbedding", P);
        checkObject(options, "options");
        const topK = checkTopK(options.topK, 20);
        checkOptionalString(options.sessionFilter, "sessionFilter");
        const bank = bankOf(bankId);
        if (bank === undefined) return [];
        const hits: SectionHit[] = [];
        for (const s of allSections(bank)) {
          const e = s.summaryEmbedding;
          if (e === undefined || e.length !== queryEmbedding.length) continue;
          if (options.sessionFilter !== undefined && s.sessionId !== options.sessionFilter) {
            continue;
          }
          hits.push({
            documentId: s.documentId,
            lineNum: s.lineNum,
            score: clampScore(cosine(queryEmbedding, e)),
          });
        }
        return hits.sort(compareSectionHits).slice(0, topK);
      });
    },

    searchSectionsKeyword(
      bankId: string,
      query: string,
      options: SectionKeywordSearchOptions = {},
    ): Promise<SectionHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        checkString(query, "query");
        checkObject(options, "options");
        const topK = checkTopK(options.topK, 20);
        checkOptionalString(options.speaker, "speaker");
        checkOptionalString(options.documentId, "documentId");
        checkOptionalString(options.sessionFilter, "sessionFilter");
        const terms = query.toLowerCase().split(/\s+/).filter((t) => t.length > 0);
        const bank = bankOf(bankId);
        if (bank === undefined || terms.length === 0) return [];
        const hits: SectionHit[] = [];
        for (const s of allSections(bank)) {
          if (options.documentId !== undefined && s.documentId !== options.documentId) continue;
          if (options.speaker !== undefined && s.speaker !== options.speaker) continue;
          if (options.sessionFilter !== undefined && s.sessionId !== options.sessionFilter) {
            continue;
          }
          const text = `${s.title} ${s.summary ?? ""}`.toLowerCase();
          const score = terms.filter((t) => text.includes(t)).length;
          if (score > 0) hits.push({ documentId: s.documentId, lineNum: s.lineNum, score });
        }
        return hits.sort(compareSectionHits).slice(0, topK);
      });
    },

    searchSectionsByEntities(
      bankId: string,
      entityNames: string[],
      options: SectionSearchOptions = {},
    ): Promise<SectionHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        checkStringArray(entityNames, "entityNames");
        checkObject(options, "options");
        const topK = checkTopK(options.topK, 20);
        checkOptionalString(options.sessionFilter, "sessionFilter");
        const wanted = new Set(
          entityNames.filter((n) => n.trim().length > 0).map((n) => n.toLowerCase()),
        );
        const bank = bankOf(bankId);
        if (bank === undefined || wanted.size === 0) return [];
        const hits: SectionHit[] = [];
        for (const [key, names] of entityNamesBySection(bank)) {
          const [documentId, lineNum] = JSON.parse(key) as [string, number];
          const s = sectionOf(bank, documentId, lineNum);
          if (s === undefined) continue;
          if (options.sessionFilter !== undefined && s.sessionId !== options.sessionFilter) {
            continue;
          }
          let score = 0;
          for (const n of names) if (wanted.has(n)) score++;
          if (score > 0) hits.push({ documentId, lineNum, score });
        }
        return hits.sort(compareSectionHits).slice(0, topK);
      });
    },

    searchSectionsTemporal(
      bankId: string,
      dateRange: TimeRange,
      options: SectionSearchOptions = {},
    ): Promise<SectionHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        checkRange(dateRange, "dateRange");
        checkObject(options, "options");
        const topK = checkTopK(options.topK, 20);
        checkOptionalString(options.sessionFilter, "sessionFilter");
        const bank = bankOf(bankId);
        if (bank === undefined) return [];
        const start = dateRange.start.getTime();
        const end = dateRange.end.getTime();
        const hits: SectionHit[] = [];
        for (const s of allSections(bank)) {
          const t = s.sessionDate?.getTime();
          if (t === undefined || t < start || t > end) continue;
          if (options.sessionFilter !== undefined && s.sessionId !== options.sessionFilter) {
            continue;
          }
          hits.push({ documentId: s.documentId, lineNum: s.lineNum, score: 1 });
        }
        return hits.sort(compareSectionHits).slice(0, topK);
      });
    },

    expandSectionLinks(
      bankId: string,
      seeds: SectionAddress[],
      options: ExpandLinksOptions = {},
    ): Promise<SectionHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        checkSeeds(seeds);
        checkObject(options, "options");
        const topK = checkTopK(options.topK, 20);
        if (options.linkTypes !== undefined) checkStringArray(options.linkTypes, "linkTypes");
        const bank = bankOf(bankId);
        if (bank === undefined || seeds.length === 0) return [];
        const seedKeys = new Set(seeds.map(([d, l]) => sectionKey(d, l)));
        const types = options.linkTypes === undefined ? undefined : new Set(options.linkTypes);
        const scores = new Map<string, SectionHit>();
        const add = (documentId: string, lineNum: number, weight: number) => {
          const key = sectionKey(documentId, lineNum);
          const hit = scores.get(key);
          if (hit === undefined) scores.set(key, { documentId, lineNum, score: weight });
          else hit.score += weight;
        };
        for (const l of bank.links.values()) {
          if (types !== undefined && !types.has(l.linkType)) continue;
          if (seedKeys.has(sectionKey(l.fromDoc, l.fromLine))) add(l.toDoc, l.toLine, l.weight);
          if (seedKeys.has(sectionKey(l.toDoc, l.toLine))) add(l.fromDoc, l.fromLine, l.weight);
        }
        return [...scores.values()].sort(compareSectionHits).slice(0, topK);
      });
    },

    expandSectionsBySharedEntities(
      bankId: string,
      seeds: SectionAddress[],
      options: ExpandSharedEntitiesOptions = {},
    ): Promise<SectionHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        checkSeeds(seeds);
        checkObject(options, "options");
        const topK = checkTopK(options.topK, 20);
        const excludeSeeds = options.excludeSeeds ?? true;
        const bank = bankOf(bankId);
        if (bank === undefined || seeds.length === 0) return [];
        const names = entityNamesBySection(bank);
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
      });
    },

    // ----------------------------------------------------------------- facts

    saveFacts(facts: MemoryFact[]): Promise<number> {
      return run(() => {
        checkArray(facts, "facts").forEach((f, i) => validateFact(f, i));
        const written = new Set<string>();
        for (const f of facts) {
          ensureBank(f.bankId).facts.set(f.id, storedFact(f));
          written.add(JSON.stringify([f.bankId, f.id]));
        }
        return written.size;
      });
    },

    updateFactEmbeddings(
      bankId: string,
      embeddings: ReadonlyArray<readonly [factId: string, vector: number[]]>,
    ): Promise<number> {
      return run(() => {
        validateBankId(bankId, P);
        checkArray(embeddings, "embeddings").forEach((pair, i) => {
          const p = checkArray(pair, `embeddings[${i}]`);
          validateId(p[0], `embeddings[${i}][0]`, P);
          validateVector(p[1], null, `embeddings[${i}][1]`, P);
        });
        const bank = bankOf(bankId);
        if (bank === undefined) return 0;
        const updated = new Set<string>();
        for (const [factId, vector] of embeddings) {
          const f = bank.facts.get(factId);
          if (f === undefined) continue;
          f.embedding = toStoredEmbedding(vector);
          updated.add(factId);
        }
        return updated.size;
      });
    },

    searchFactsSemantic(
      bankId: string,
      queryEmbedding: number[],
      options: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        validateVector(queryEmbedding, null, "queryEmbedding", P);
        const topK = checkFactOptions(options, 20);
        const bank = bankOf(bankId);
        if (bank === undefined) return [];
        const hits: MemoryFactHit[] = [];
        for (const f of bank.facts.values()) {
          const e = f.embedding;
          if (e === undefined || e.length !== queryEmbedding.length) continue;
          if (!factPasses(bank, f, options)) continue;
          hits.push(factHit(f, clampScore(cosine(queryEmbedding, e))));
        }
        return hits.sort(compareFactHits).slice(0, topK);
      });
    },

    searchFactsByEntity(
      bankId: string,
      entityName: string,
      options: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        checkString(entityName, "entityName");
        const topK = checkFactOptions(options, 50);
        const needle = entityName.toLowerCase();
        const bank = bankOf(bankId);
        if (bank === undefined || needle.trim().length === 0) return [];
        const hits: MemoryFactHit[] = [];
        for (const f of bank.facts.values()) {
          if (!(f.entities ?? []).some((e) => e.toLowerCase() === needle)) continue;
          if (!factPasses(bank, f, options)) continue;
          hits.push(factHit(f, 1));
        }
        return hits.sort(compareFactHits).slice(0, topK);
      });
    },

    searchFactsTemporal(
      bankId: string,
      dateRange: TimeRange,
      options: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        checkRange(dateRange, "dateRange");
        const topK = checkFactOptions(options, 50);
        const bank = bankOf(bankId);
        if (bank === undefined) return [];
        const start = dateRange.start.getTime();
        const end = dateRange.end.getTime();
        const inRange = (d: Date | undefined) =>
          d !== undefined && d.getTime() >= start && d.getTime() <= end;
        const matched: { hit: MemoryFactHit; key: number | undefined }[] = [];
        for (const f of bank.facts.values()) {
          const s = f.occurredStart;
          const e = f.occurredEnd;
          const spans = s !== undefined && e !== undefined && s.getTime() <= end &&
            e.getTime() >= start;
          if (!(spans || inRange(f.mentionedAt) || inRange(s) || inRange(e))) continue;
          if (!factPasses(bank, f, options)) continue;
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
      });
    },

    searchFactsKeyword(
      bankId: string,
      query: string,
      options: FactSearchOptions = {},
    ): Promise<MemoryFactHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        checkString(query, "query");
        const topK = checkFactOptions(options, 20);
        const terms = [
          ...new Set(query.toLowerCase().split(/\s+/).filter((t) => t.length > 1)),
        ];
        const bank = bankOf(bankId);
        if (bank === undefined || terms.length === 0) return [];
        const hits: MemoryFactHit[] = [];
        for (const f of bank.facts.values()) {
          const text = f.text.toLowerCase();
          const score = terms.filter((t) => text.includes(t)).length;
          if (score === 0 || !factPasses(bank, f, options)) continue;
          hits.push(factHit(f, score));
        }
        return hits.sort(compareFactHits).slice(0, topK);
      });
    },

    countFactsMatching(ref: DocumentRef, options: CountFactsOptions = {}): Promise<number> {
      return run(() => {
        checkRef(ref);
        checkObject(options, "options");
        checkOptionalString(options.entityPattern, "entityPattern");
        checkOptionalString(options.factType, "factType");
        const bank = bankOf(ref.bankId);
        if (bank === undefined) return 0;
        const pattern = options.entityPattern === undefined
          ? undefined
          : stripPattern(options.entityPattern);
        let count = 0;
        for (const f of bank.facts.values()) {
          if (f.documentId !== ref.documentId) continue;
          if (options.factType !== undefined && f.factType !== options.factType) continue;
          if (
            pattern !== undefined &&
            !(f.entities ?? []).some((e) => e.toLowerCase().includes(pattern))
          ) continue;
          count++;
        }
        return count;
      });
    },

    // ----------------------------------------------------------------- wiki

    saveWikiPage(args: SaveWikiPageArgs): Promise<string> {
      return run(() => {
        const a = checkObject(args, "args");
        const page = validatePage(a.page);
        if (args.embedding !== undefined) validateVector(args.embedding, null, "embedding", P);
        const provenance = checkSeeds(a.provenance);
        const bank = ensureBank(page.bankId);
        const previous = bank.wiki.get(page.pageId);
        const seen = new Set<string>();
        const stored = copyPage(page);
        stored.revision = toStoredNumber(stored.revision);
        if (stored.metadata !== undefined) stored.metadata = toStoredMetadata(stored.metadata);
        const row: WikiRow = {
          page: stored,
          provenance: provenance
            .filter(([d, l]) => {
              const key = sectionKey(d, l);
              if (seen.has(key)) return false;
              seen.add(key);
              return true;
            })
            .map(([d, l]) => [d, toStoredNumber(l)] as const),
        };
        if (args.embedding !== undefined) row.embedding = toStoredEmbedding(args.embedding);
        else if (previous?.embedding !== undefined) row.embedding = previous.embedding;
        bank.wiki.set(page.pageId, row);
        return page.pageId;
      });
    },

    searchWikiPagesSemantic(
      bankId: string,
      queryEmbedding: number[],
      options: { topK?: number; documentId?: string } = {},
    ): Promise<WikiPageHit[]> {
      return run(() => {
        validateBankId(bankId, P);
        validateVector(queryEmbedding, null, "queryEmbedding", P);
        checkObject(options, "options");
        const topK = checkTopK(options.topK, 5);
        checkOptionalString(options.documentId, "documentId");
        const bank = bankOf(bankId);
        if (bank === undefined) return [];
        const scope = options.documentId === undefined
          ? undefined
          : `document:${options.documentId}`;
        const hits: WikiPageHit[] = [];
        for (const { page, embedding } of bank.wiki.values()) {
          if (embedding === undefined || embedding.length !== queryEmbedding.length) continue;
          if (scope !== undefined && page.scope !== scope) continue;
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
      });
    },

    countWikiPagesForDoc(bankId: string, documentId: string): Promise<number> {
      return run(() => {
        validateBankId(bankId, P);
        validateId(documentId, "documentId", P);
        const scope = `document:${documentId}`;
        let n = 0;
        for (const { page } of bankOf(bankId)?.wiki.values() ?? []) if (page.scope === scope) n++;
        return n;
      });
    },

    listWikiPagesForDoc(bankId: string, documentId: string): Promise<WikiPage[]> {
      return run(() => {
        validateBankId(bankId, P);
        validateId(documentId, "documentId", P);
        const scope = `document:${documentId}`;
        const pages = [...bankOf(bankId)?.wiki.values() ?? []]
          .filter(({ page }) => page.scope === scope)
          .map(({ page }) => copyPage(page))
          .sort((a, b) => compareIds(a.pageId, b.pageId));
        return pages;
      });
    },

    listWikisAffectedByEntities(
      bankId: string,
      entities: string[],
      options: AffectedWikisOptions = {},
    ): Promise<AffectedWikiPage[]> {
      return run(() => {
        validateBankId(bankId, P);
        checkStringArray(entities, "entities");
        checkObject(options, "options");
        const minOverlap = Math.max(1, validateCount(options.minOverlap, 1, "minOverlap", P));
        const limit = validateCount(options.limit, 8, "limit", P);
        const bank = bankOf(bankId);
        if (bank === undefined || entities.length === 0) return [];
        const wanted = new Set(entities);
        const out: AffectedWikiPage[] = [];
        for (const { page, provenance } of bank.wiki.values()) {
          const names = new Set<string>();
          for (const [documentId, lineNum] of provenance) {
            for (const e of bank.entities.get(documentId)?.values() ?? []) {
              if (e.lineNum === lineNum) names.add(e.entityName);
            }
          }
          const shared = [...names].filter((n) => wanted.has(n)).sort(compareIds);
          if (shared.length < minOverlap) continue;
          out.push({ page: copyPage(page), overlap: shared.length, sharedEntities: shared });
        }
        out.sort((a, b) => b.overlap - a.overlap || compareIds(a.page.pageId, b.page.pageId));
        return out.slice(0, limit);
      });
    },

    listDistinctEntities(
      ref: DocumentRef,
      options: DistinctEntitiesOptions = {},
    ): Promise<EntityCount[]> {
      return run(() => {
        checkRef(ref);
        checkObject(options, "options");
        checkOptionalString(options.pattern, "pattern");
        const limit = validateCount(options.limit, 50, "limit", P);
        const entities = bankOf(ref.bankId)?.entities.get(ref.documentId);
        if (entities === undefined) return [];
        const pattern = options.pattern === undefined ? undefined : stripPattern(options.pattern);
        const lines = new Map<string, Set<number>>();
        for (const e of entities.values()) {
          if (pattern !== undefined && !e.entityName.toLowerCase().includes(pattern)) continue;
          let set = lines.get(e.entityName);
          if (set === undefined) {
            set = new Set();
            lines.set(e.entityName, set);
          }
          set.add(e.lineNum);
        }
        const out = [...lines].map(([name, set]) => ({ name, count: set.size }));
        out.sort((a, b) => b.count - a.count || compareIds(a.name, b.name));
        return out.slice(0, limit);
      });
    },

    // ----------------------------------------------------------------- lifecycle

    deleteBank(bankId: string): Promise<number> {
      return run(() => {
        validateBankId(bankId, P);
        const bank = bankOf(bankId);
        if (bank === undefined) return 0;
        let n = bank.docsById.size + bank.links.size + bank.facts.size + bank.wiki.size;
        for (const byLine of bank.sections.values()) n += byLine.size;
        for (const byKey of bank.entities.values()) n += byKey.size;
        banks.delete(bankId);
        return n;
      });
    },

    health(): Promise<HealthStatus> {
      return Promise.resolve({
        healthy: true,
        message: "in-memory pageindex store",
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
  return enforceInputRules("pageIndexStore", store, "[astrocyte/core]");
}
