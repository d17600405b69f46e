/**
 * The in-memory reference WikiStore: current pages and their archived revisions, kept per
 * bank in plain maps. It defines the semantics every WikiStore adapter must match
 * (`spi.md` §2.1, §2.8, §2.11): pages are keyed by `(bankId, pageId)`; the store assigns
 * `revision` (1 on create, whatever the caller sent; previous + 1 on each upsert), stamps
 * `revisedAt` and `bankId`; the prior revision is archived; `deletePage` removes the page
 * and its history, so a later upsert starts again at revision 1; `listPages` is ordered by
 * page id; missing means empty. Every returned object is a copy.
 *
 * @example
 * ```ts
 * import { createInMemoryWikiStore } from "@astrocyte/core";
 *
 * const wiki = createInMemoryWikiStore();
 * const page = {
 *   pageId: "topic:deploys",
 *   kind: "topic" as const,
 *   title: "Deploys",
 *   content: "## Deploys\n\nFridays are frozen.",
 *   scope: "team",
 *   sourceIds: ["m1"],
 *   crossLinks: [],
 * };
 * await wiki.upsertPage(page, "team-1");
 * await wiki.upsertPage({ ...page, content: "## Deploys\n\nThursdays too." }, "team-1");
 * console.log((await wiki.getPage("topic:deploys", "team-1"))?.revision); // 2
 * console.log((await wiki.pageHistory("topic:deploys", "team-1")).length); // 1
 * ```
 *
 * @module
 */
import type {
  ListPagesOptions,
  WikiPage,
  WikiPageInput,
  WikiPageKind,
  WikiStore,
  WikiStoreCapabilities,
} from "../spi/wiki_store.ts";
import type { HealthStatus } from "../types.ts";
import { compareIds, validateBankId, validateId } from "../util/validate.ts";
import { enforceInputRules } from "../util/input_rules.ts";
import {
  checkObject,
  checkOptionalMetadata,
  checkOptionalStringArray,
  checkString,
  checkStringArray,
  copyMetadata,
  fail,
  PREFIX,
  settle,
  stampAfter,
} from "./_record_checks.ts";

const KINDS: readonly WikiPageKind[] = ["entity", "topic", "concept"];

const CAPABILITIES: WikiStoreCapabilities = Object.freeze({
  consistency: "strong",
  atomicBatches: true,
  persistent: false,
});

/** A page's current revision and its archived revisions (oldest first). */
interface PageEntry {
  current: WikiPage;
  history: WikiPage[];
}

/** The validated caller fields of a page (everything the store does not assign). */
type PageFields = Omit<WikiPage, "revision" | "revisedAt" | "bankId">;

function checkPage(page: unknown): PageFields {
  const p = checkObject(page, "page");
  const pageId = validateId(p.pageId, "page.pageId", PREFIX);
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

function copyPage(page: WikiPage): WikiPage {
  const out: WikiPage = {
    pageId: page.pageId,
    bankId: page.bankId,
    kind: page.kind,
    title: page.title,
    content: page.content,
    scope: page.scope,
    sourceIds: [...page.sourceIds],
    crossLinks: [...page.crossLinks],
    revision: page.revision,
    revisedAt: new Date(page.revisedAt.getTime()),
  };
  if (page.tags !== undefined) out.tags = [...page.tags];
  if (page.metadata !== undefined) out.metadata = copyMetadata(page.metadata);
  return out;
}

/**
 * Create the in-memory reference WikiStore. Data lives in the instance and is lost when it
 * is garbage-collected; two instances share nothing.
 */
export function createInMemoryWikiStore(): WikiStore {
  /** bankId → pageId → entry. */
  const banks = new Map<string, Map<string, PageEntry>>();

  const entry = (pageId: string, bankId: string): PageEntry | undefined =>
    banks.get(bankId)?.get(pageId);

  const store: WikiStore = {
    capabilities: CAPABILITIES,

    upsertPage(page: WikiPageInput, bankId: string): Promise<string> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const fields = checkPage(page);
        let bank = banks.get(bankId);
        if (bank === undefined) {
          bank = new Map();
          banks.set(bankId, bank);
        }
        const existing = bank.get(fields.pageId);
        const next: WikiPage = {
          ...fields,
          bankId,
          revision: existing === undefined ? 1 : existing.current.revision + 1,
          revisedAt: stampAfter(existing?.current.revisedAt),
        };
        if (existing === undefined) {
          bank.set(fields.pageId, { current: next, history: [] });
        } else {
          existing.history.push(existing.current);
          existing.current = next;
        }
        return fields.pageId;
      });
    },

    getPage(pageId: string, bankId: string): Promise<WikiPage | null> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const e = entry(pageId, bankId);
        return e === undefined ? null : copyPage(e.current);
      });
    },

    listPages(bankId: string, options: ListPagesOptions = {}): Promise<WikiPage[]> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined) return [];
        const { scope, kind } = options ?? {};
        const out: WikiPage[] = [];
        for (const e of bank.values()) {
          if (scope != null && e.current.scope !== scope) continue;
          if (kind != null && e.current.kind !== kind) continue;
          out.push(copyPage(e.current));
        }
        return out.sort((a, b) => compareIds(a.pageId, b.pageId));
      });
    },

    pageHistory(pageId: string, bankId: string): Promise<WikiPage[]> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        return entry(pageId, bankId)?.history.map(copyPage) ?? [];
      });
    },

    deletePage(pageId: string, bankId: string): Promise<boolean> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined || !bank.delete(pageId)) return false;
        if (bank.size === 0) banks.delete(bankId);
        return true;
      });
    },

    deleteBank(bankId: string): Promise<number> {
      return settle(() => {
        validateBankId(bankId, PREFIX);
        const bank = banks.get(bankId);
        if (bank === undefined) return 0;
        banks.delete(bankId);
        return bank.size;
      });
    },

    health(): Promise<HealthStatus> {
      return Promise.resolve({
        healthy: true,
        message: "in-memory wiki store",
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
  return enforceInputRules("wikiStore", store, "[astrocyte/core]");
}
