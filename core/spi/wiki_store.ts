/**
 * The WikiStore SPI: compiled wiki pages with revision history, scoped per bank.
 *
 * @module
 */
import type { Metadata, Store, StoreCapabilities } from "../types.ts";

/** The WikiStore SPI version this core implements. */
export const WIKI_STORE_SPI_VERSION = 1 as const;

/** The kind of a wiki page. */
export type WikiPageKind = "entity" | "topic" | "concept";

/** A wiki page revision as stored. The key is `(bankId, pageId)`. */
export interface WikiPage {
  /** Page id, e.g. `topic:incident-response`. */
  pageId: string;
  /** Owning bank. */
  bankId: string;
  /** Page kind. */
  kind: WikiPageKind;
  /** Title. */
  title: string;
  /** Markdown content. */
  content: string;
  /** Scope, matched exactly by `listPages`. */
  scope: string;
  /** Memory ids the page was compiled from. */
  sourceIds: string[];
  /** Other page ids this page links to. */
  crossLinks: string[];
  /** Revision number assigned by the store: 1 on create, previous + 1 on each upsert. */
  revision: number;
  /** When this revision was stored (stamped by the store). */
  revisedAt: Date;
  /** Tags. */
  tags?: string[];
  /** Flat scalar metadata. */
  metadata?: Metadata;
}

/**
 * A page as given to {@linkcode WikiStore.upsertPage}. `revision`, `revisedAt` and `bankId`
 * may be sent but are ignored: the store assigns them.
 */
export type WikiPageInput =
  & Omit<WikiPage, "revision" | "revisedAt" | "bankId">
  & Partial<Pick<WikiPage, "revision" | "revisedAt" | "bankId">>;

/** A semantic wiki search hit. */
export interface WikiPageHit {
  /** Page id. */
  pageId: string;
  /** Title. */
  title: string;
  /** Content. */
  content: string;
  /** Scope. */
  scope: string;
  /** Kind. */
  kind: string;
  /** Cosine similarity clamped to `[0, 1]`. */
  score: number;
  /** Source memory ids. */
  sourceIds: string[];
  /** Owning bank. */
  bankId: string;
}

/** Options for {@linkcode WikiStore.listPages}. */
export interface ListPagesOptions {
  /** Exact scope match. */
  scope?: string;
  /** Exact kind match. */
  kind?: WikiPageKind;
}

/** What a WikiStore instance supports. */
export type WikiStoreCapabilities = StoreCapabilities;

/** Wiki page storage with archived revisions, scoped per bank. */
export interface WikiStore extends Store<WikiStoreCapabilities> {
  /**
   * Create (revision 1) or replace (previous + 1, prior revision archived) a page.
   * Returns the page id.
   */
  upsertPage(page: WikiPageInput, bankId: string): Promise<string>;
  /** The current revision, or `null`. */
  getPage(pageId: string, bankId: string): Promise<WikiPage | null>;
  /** Current revisions of the bank's pages, ordered by page id. */
  listPages(bankId: string, options?: ListPagesOptions): Promise<WikiPage[]>;
  /** Archived (non-current) revisions of a page, oldest first; `[]` when none. */
  pageHistory(pageId: string, bankId: string): Promise<WikiPage[]>;
  /** Delete a page and its history. `true` if it existed. */
  deletePage(pageId: string, bankId: string): Promise<boolean>;
  /** Remove every page and revision of the bank. Returns the number of pages removed. */
  deleteBank(bankId: string): Promise<number>;
}
