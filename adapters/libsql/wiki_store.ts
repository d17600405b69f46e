/**
 * The libSQL WikiStore: current pages in `<prefix>wiki_pages`, archived revisions in
 * `<prefix>wiki_revisions`; each upsert archives and replaces in one atomic batch.
 *
 * @module
 */
import { compareIds, validateBankId, validateId } from "@astrocyte/core";
import { enforceInputRules } from "@astrocyte/core";
import type {
  AdapterContext,
  HealthStatus,
  ListPagesOptions,
  WikiPage,
  WikiPageInput,
  WikiPageKind,
  WikiStore,
  WikiStoreCapabilities,
} from "@astrocyte/core";
import { guarded, parseJson, sized, writeAtomically } from "./_connection.ts";
import {
  checkObject,
  checkOptionalMetadata,
  checkOptionalStringArray,
  checkString,
  checkStringArray,
  createRuntime,
  fail,
  json,
} from "./_runtime.ts";
import { type LibsqlOptions, PREFIX } from "./options.ts";

const KINDS: readonly WikiPageKind[] = ["entity", "topic", "concept"];

/** Columns shared by the page and revision tables, in insert order. */
const WIKI_COLUMNS =
  "bank_id, page_id, kind, title, content, scope, source_ids, cross_links, revision, revised_at, tags, metadata";

type PageFields = Omit<WikiPage, "revision" | "revisedAt" | "bankId">;

function checkPage(page: unknown): PageFields {
  const p = checkObject(page, "page");
  const pageId = validateId(p["pageId"], "page.pageId", PREFIX);
  if (!KINDS.includes(p["kind"] as WikiPageKind)) {
    fail(`page.kind must be one of ${KINDS.join(", ")}`, "page.kind");
  }
  const out: PageFields = {
    pageId,
    kind: p["kind"] as WikiPageKind,
    title: checkString(p["title"], "page.title"),
    content: checkString(p["content"], "page.content"),
    scope: checkString(p["scope"], "page.scope"),
    sourceIds: checkStringArray(p["sourceIds"], "page.sourceIds"),
    crossLinks: checkStringArray(p["crossLinks"], "page.crossLinks"),
  };
  const tags = checkOptionalStringArray(p["tags"], "page.tags");
  if (tags !== undefined) out.tags = tags;
  const metadata = checkOptionalMetadata(p["metadata"], "page.metadata");
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}

/** A wiki row as a {@linkcode WikiPage}. */
function rowToPage(r: Record<string, unknown>): WikiPage {
  const page: WikiPage = {
    pageId: String(r["page_id"]),
    bankId: String(r["bank_id"]),
    kind: String(r["kind"]) as WikiPageKind,
    title: String(r["title"]),
    content: String(r["content"]),
    scope: String(r["scope"]),
    sourceIds: parseJson<string[]>(r["source_ids"]) ?? [],
    crossLinks: parseJson<string[]>(r["cross_links"]) ?? [],
    revision: Number(r["revision"]),
    revisedAt: new Date(Number(r["revised_at"])),
  };
  const tags = parseJson<string[]>(r["tags"]);
  if (tags !== undefined) page.tags = tags;
  const metadata = parseJson<WikiPage["metadata"]>(r["metadata"]);
  if (metadata !== undefined) page.metadata = metadata;
  return page;
}

/**
 * The statements that upsert a page: archive the current revision (if any), then insert or
 * replace it with revision `previous + 1` (1 when new) and `revisedAt` never earlier than the
 * previous stamp. Run them in one write batch.
 */
function upsertPageStatements(
  p: string,
  bankId: string,
  page: PageFields,
  now: number,
): { sql: string; args: (string | number | null)[] }[] {
  return [
    {
      sql: `INSERT INTO ${p}wiki_revisions (${WIKI_COLUMNS}) SELECT ${WIKI_COLUMNS} ` +
        `FROM ${p}wiki_pages WHERE bank_id = ? AND page_id = ?`,
      args: [bankId, page.pageId],
    },
    {
      sql:
        `INSERT INTO ${p}wiki_pages (${WIKI_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) ` +
        `ON CONFLICT (bank_id, page_id) DO UPDATE SET kind = excluded.kind, ` +
        `title = excluded.title, content = excluded.content, scope = excluded.scope, ` +
        `source_ids = excluded.source_ids, cross_links = excluded.cross_links, ` +
        `revision = ${p}wiki_pages.revision + 1, ` +
        `revised_at = MAX(excluded.revised_at, ${p}wiki_pages.revised_at), ` +
        `tags = excluded.tags, metadata = excluded.metadata`,
      args: [
        bankId,
        page.pageId,
        page.kind,
        page.title,
        page.content,
        page.scope,
        JSON.stringify(page.sourceIds),
        JSON.stringify(page.crossLinks),
        now,
        json(page.tags),
        json(page.metadata),
      ],
    },
  ];
}

/**
 * Create a libSQL wiki store.
 *
 * @example
 * ```ts ignore
 * import { createLibsqlWikiStore } from "@astrocyte/libsql";
 * const wiki = createLibsqlWikiStore({ url: "file:.astrocyte/memory.db" });
 * await wiki.upsertPage({
 *   pageId: "topic:dark-mode", kind: "topic", title: "Dark mode", content: "…",
 *   scope: "bank", sourceIds: [], crossLinks: [],
 * }, "user-1");
 * ```
 */
export function createLibsqlWikiStore(
  options: LibsqlOptions,
  context?: Partial<AdapterContext>,
): WikiStore {
  const rt = createRuntime(options, context, ["wiki"], "Wiki store");
  const p = rt.prefix;
  const capabilities: WikiStoreCapabilities = {
    consistency: "strong",
    atomicBatches: true,
    persistent: rt.persistent,
  };

  const store: WikiStore = {
    capabilities,

    async upsertPage(page: WikiPageInput, bankId: string): Promise<string> {
      validateBankId(bankId, PREFIX);
      const fields = checkPage(page);
      const conn = await rt.ready();
      await writeAtomically(
        conn,
        upsertPageStatements(p, bankId, fields, Date.now()).map((s) => sized(s.sql, s.args)),
        "Upserting a wiki page",
      );
      return fields.pageId;
    },

    async getPage(pageId: string, bankId: string): Promise<WikiPage | null> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const rs = await guarded("Reading a wiki page", () =>
        conn.client.execute({
          sql: `SELECT ${WIKI_COLUMNS} FROM ${p}wiki_pages WHERE bank_id = ? AND page_id = ?`,
          args: [bankId, String(pageId)],
        }));
      const row = rs.rows[0];
      return row === undefined ? null : rowToPage(row as Record<string, unknown>);
    },

    async listPages(bankId: string, opts: ListPagesOptions = {}): Promise<WikiPage[]> {
      validateBankId(bankId, PREFIX);
      const { scope, kind } = opts ?? {};
      const conn = await rt.ready();
      const rs = await guarded("Listing wiki pages", () =>
        conn.client.execute({
          sql: `SELECT ${WIKI_COLUMNS} FROM ${p}wiki_pages WHERE bank_id = ? ` +
            `AND (? IS NULL OR scope = ?) AND (? IS NULL OR kind = ?)`,
          args: [bankId, scope ?? null, scope ?? null, kind ?? null, kind ?? null],
        }));
      return rs.rows.map((r) => rowToPage(r as Record<string, unknown>)).sort((a, b) =>
        compareIds(a.pageId, b.pageId)
      );
    },

    async pageHistory(pageId: string, bankId: string): Promise<WikiPage[]> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const rs = await guarded("Reading wiki history", () =>
        conn.client.execute({
          sql: `SELECT ${WIKI_COLUMNS} FROM ${p}wiki_revisions WHERE bank_id = ? AND page_id = ? ` +
            `ORDER BY revision ASC`,
          args: [bankId, String(pageId)],
        }));
      return rs.rows.map((r) => rowToPage(r as Record<string, unknown>));
    },

    async deletePage(pageId: string, bankId: string): Promise<boolean> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const [pages] = await writeAtomically(conn, [
        sized(`DELETE FROM ${p}wiki_pages WHERE bank_id = ? AND page_id = ?`, [
          bankId,
          String(pageId),
        ]),
        sized(`DELETE FROM ${p}wiki_revisions WHERE bank_id = ? AND page_id = ?`, [
          bankId,
          String(pageId),
        ]),
      ], "Deleting a wiki page");
      return pages!.rowsAffected > 0;
    },

    async deleteBank(bankId: string): Promise<number> {
      validateBankId(bankId, PREFIX);
      const conn = await rt.ready();
      const [pages] = await writeAtomically(conn, [
        sized(`DELETE FROM ${p}wiki_pages WHERE bank_id = ?`, [bankId]),
        sized(`DELETE FROM ${p}wiki_revisions WHERE bank_id = ?`, [bankId]),
      ], "Deleting a bank");
      return pages!.rowsAffected;
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
  return enforceInputRules("wikiStore", store, PREFIX);
}
