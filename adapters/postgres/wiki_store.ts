/**
 * The Postgres {@linkcode WikiStore}: current pages plus archived revisions, revisions
 * assigned by the store inside one transaction per upsert.
 *
 * @module
 */
import { validateBankId, validateId } from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  ListPagesOptions,
  WikiPage,
  WikiPageInput,
  WikiPageKind,
  WikiStore,
  WikiStoreCapabilities,
} from "@astrocyte/core";
import { PREFIX } from "./options.ts";
import type { PostgresOptions } from "./options.ts";
import type { Row } from "./_client.ts";
import {
  asDate,
  asInt,
  asMetadata,
  asTextArray,
  codeUnitKey,
  hasNul,
  jsonParam,
  textArrayParam,
} from "./_sql.ts";
import { createStoreBase } from "./_store.ts";
import {
  checkObject,
  checkOptionalMetadata,
  checkOptionalStringArray,
  checkString,
  checkStringArray,
  fail,
} from "./_validate.ts";

const KINDS: readonly WikiPageKind[] = ["entity", "topic", "concept"];

type PageFields = Omit<WikiPage, "revision" | "revisedAt" | "bankId">;

/** Validate a page as the in-memory reference does. */
export function checkWikiPage(page: unknown): PageFields {
  const p = checkObject(page, "page");
  const pageId = validateId(p.pageId, "page.pageId", PREFIX);
  checkString(pageId, "page.pageId");
  if (!KINDS.includes(p.kind as WikiPageKind)) {
    fail(`page.kind must be one of ${KINDS.join(", ")}`, "page.kind");
  }
  const out: PageFields = {
    pageId,
    kind: p.kind as WikiPageKind,
    title: checkString(p.title, "page.title"),
    content: checkString(p.content, "page.content"),
    scope: checkString(p.scope, "page.scope"),
    sourceIds: checkStringArray(p.sourceIds, "page.sourceIds"),
    crossLinks: checkStringArray(p.crossLinks, "page.crossLinks"),
  };
  const tags = checkOptionalStringArray(p.tags, "page.tags");
  if (tags !== undefined) out.tags = tags;
  const metadata = checkOptionalMetadata(p.metadata, "page.metadata");
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}

/** Columns of a page row, in table order (shared with the history table). */
export const WIKI_COLUMNS =
  `page_id, kind, title, content, scope, source_ids, cross_links, revision, revised_at, tags, metadata`;

/** Decode a page row. */
export function toWikiPage(r: Row, bankId: string): WikiPage {
  const page: WikiPage = {
    pageId: String(r.page_id),
    bankId,
    kind: String(r.kind) as WikiPageKind,
    title: String(r.title),
    content: String(r.content),
    scope: String(r.scope),
    sourceIds: asTextArray(r.source_ids) ?? [],
    crossLinks: asTextArray(r.cross_links) ?? [],
    revision: asInt(r.revision),
    revisedAt: asDate(r.revised_at) ?? new Date(0),
  };
  const tags = asTextArray(r.tags);
  if (tags !== undefined) page.tags = tags;
  const metadata = asMetadata(r.metadata);
  if (metadata !== undefined) page.metadata = metadata;
  return page;
}

/**
 * Create a Postgres {@linkcode WikiStore}. Each `upsertPage` is one transaction: a
 * transaction-scoped advisory lock on the page serialises concurrent upserts, the current
 * revision is copied to the history table, and the page is written with revision 1 (new) or
 * previous + 1 and `revisedAt` never earlier than the previous revision's.
 *
 * @example
 * ```ts ignore
 * import { createPostgresWikiStore } from "@astrocyte/postgres";
 *
 * const wiki = createPostgresWikiStore({ url: "memory://" });
 * await wiki.upsertPage({
 *   pageId: "topic:tea", kind: "topic", title: "Tea", content: "…", scope: "bank",
 *   sourceIds: [], crossLinks: [],
 * }, "b");
 * console.log((await wiki.getPage("topic:tea", "b"))?.revision); // 1
 * ```
 */
export function createPostgresWikiStore(
  options: PostgresOptions,
  context?: Partial<AdapterContext>,
): WikiStore {
  const base = createStoreBase("wiki", options, context);
  const t = base.tables;
  const lockKey = (bankId: string, pageId: string) =>
    JSON.stringify(["wiki", base.options.schema, base.options.tablePrefix, bankId, pageId]);

  const capabilities: WikiStoreCapabilities = Object.freeze(
    {
      consistency: "strong",
      atomicBatches: true,
      persistent: true,
    } as const,
  );

  const store: WikiStore = {
    capabilities,

    async upsertPage(page: WikiPageInput, bankId: string): Promise<string> {
      validateBankId(bankId, PREFIX);
      const f = checkWikiPage(page);
      const key = [bankId, f.pageId];
      await base.transaction("Upserting a wiki page", [
        {
          text: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
          params: [lockKey(bankId, f.pageId)],
        },
        {
          text: `INSERT INTO ${t.wikiHistory} (bank_id, ${WIKI_COLUMNS})
            SELECT bank_id, ${WIKI_COLUMNS} FROM ${t.wikiPages} WHERE bank_id = $1 AND page_id = $2`,
          params: key,
        },
        {
          text: `INSERT INTO ${t.wikiPages} (bank_id, ${WIKI_COLUMNS})
            VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::text[], 1, $9::timestamptz,
              $10::text[], $11::jsonb)
            ON CONFLICT (bank_id, page_id) DO UPDATE SET kind = EXCLUDED.kind,
              title = EXCLUDED.title, content = EXCLUDED.content, scope = EXCLUDED.scope,
              source_ids = EXCLUDED.source_ids, cross_links = EXCLUDED.cross_links,
              revision = ${t.wikiPages}.revision + 1,
              revised_at = GREATEST(EXCLUDED.revised_at, ${t.wikiPages}.revised_at),
              tags = EXCLUDED.tags, metadata = EXCLUDED.metadata`,
          params: [
            ...key,
            f.kind,
            f.title,
            f.content,
            f.scope,
            textArrayParam(f.sourceIds),
            textArrayParam(f.crossLinks),
            new Date().toISOString(),
            textArrayParam(f.tags),
            jsonParam(f.metadata),
          ],
        },
      ]);
      return f.pageId;
    },

    async getPage(pageId: string, bankId: string): Promise<WikiPage | null> {
      validateBankId(bankId, PREFIX);
      if (typeof pageId !== "string" || hasNul(pageId)) return null;
      const rows = await base.query(
        "Reading a wiki page",
        `SELECT ${WIKI_COLUMNS} FROM ${t.wikiPages} WHERE bank_id = $1 AND page_id = $2`,
        [bankId, pageId],
      );
      return rows.length === 0 ? null : toWikiPage(rows[0]!, bankId);
    },

    async listPages(bankId: string, options: ListPagesOptions = {}): Promise<WikiPage[]> {
      validateBankId(bankId, PREFIX);
      const params: unknown[] = [bankId];
      let where = "";
      if (options?.scope != null) {
        params.push(options.scope);
        where += ` AND scope = $${params.length}`;
      }
      if (options?.kind != null) {
        params.push(options.kind);
        where += ` AND kind = $${params.length}`;
      }
      const rows = await base.query(
        "Listing wiki pages",
        `SELECT ${WIKI_COLUMNS} FROM ${t.wikiPages} WHERE bank_id = $1${where}
          ORDER BY ${codeUnitKey("page_id")}`,
        params,
      );
      return rows.map((r) => toWikiPage(r, bankId));
    },

    async pageHistory(pageId: string, bankId: string): Promise<WikiPage[]> {
      validateBankId(bankId, PREFIX);
      if (typeof pageId !== "string" || hasNul(pageId)) return [];
      const rows = await base.query(
        "Reading wiki page history",
        `SELECT ${WIKI_COLUMNS} FROM ${t.wikiHistory} WHERE bank_id = $1 AND page_id = $2
          ORDER BY seq`,
        [bankId, pageId],
      );
      return rows.map((r) => toWikiPage(r, bankId));
    },

    async deletePage(pageId: string, bankId: string): Promise<boolean> {
      validateBankId(bankId, PREFIX);
      if (typeof pageId !== "string" || hasNul(pageId)) return false;
      const [, deleted] = await base.transaction("Deleting a wiki page", [
        {
          text: `DELETE FROM ${t.wikiHistory} WHERE bank_id = $1 AND page_id = $2`,
          params: [bankId, pageId],
        },
        {
          text: `WITH d AS (DELETE FROM ${t.wikiPages} WHERE bank_id = $1 AND page_id = $2
              RETURNING 1) SELECT count(*)::int AS n FROM d`,
          params: [bankId, pageId],
        },
      ]);
      return asInt(deleted?.[0]?.n) > 0;
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const [, deleted] = await base.transaction("Deleting a bank", [
        { text: `DELETE FROM ${t.wikiHistory} WHERE bank_id = $1`, params: [bankId] },
        {
          text: `WITH d AS (DELETE FROM ${t.wikiPages} WHERE bank_id = $1 RETURNING 1)
            SELECT count(*)::int AS n FROM d`,
          params: [bankId],
        },
      ]);
      return asInt(deleted?.[0]?.n);
    },

    health: () => base.health(),
    close: () => base.close(),
    [Symbol.asyncDispose]: () => base.close(),
  };
  return enforceInputRules("wikiStore", store, PREFIX);
}
