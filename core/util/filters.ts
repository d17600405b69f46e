/**
 * The reference semantics of {@linkcode VectorFilters} as a predicate, used by the in-memory
 * store, by adapters that post-filter, and by the facade when a store cannot honour a field.
 *
 * @module
 */
import type { VectorFilters } from "../spi/vector_store.ts";
import type { Metadata } from "../types.ts";

/** The fields of a record that filters look at. */
export interface FilterableRecord {
  /** Tags. */
  tags?: string[];
  /** Fact type. */
  factType?: string;
  /** Event time. */
  occurredAt?: Date;
  /** Store time. */
  retainedAt?: Date;
  /** Metadata. */
  metadata?: Metadata;
}

/**
 * Whether a record matches the filters, per `spi.md` §2.4 (strict reading): tags any-overlap
 * (untagged excluded); factTypes membership (absent excluded); timeRange inclusive on
 * occurredAt (absent excluded); asOf `retainedAt <= asOf` (absent included); sessionId exact on
 * `metadata.session_id` (absent excluded); metadataFilters exact equality on every key.
 */
export function matchesVectorFilters(
  record: FilterableRecord,
  filters: VectorFilters | undefined,
): boolean {
  if (!filters) return true;
  if (filters.tags !== undefined) {
    const tags = record.tags;
    if (!tags || tags.length === 0) return false;
    if (!filters.tags.some((t) => tags.includes(t))) return false;
  }
  if (filters.factTypes !== undefined) {
    if (record.factType === undefined || !filters.factTypes.includes(record.factType)) {
      return false;
    }
  }
  if (filters.timeRange !== undefined) {
    const t = record.occurredAt?.getTime();
    if (t === undefined) return false;
    if (t < filters.timeRange.start.getTime() || t > filters.timeRange.end.getTime()) {
      return false;
    }
  }
  if (filters.asOf !== undefined && record.retainedAt !== undefined) {
    if (record.retainedAt.getTime() > filters.asOf.getTime()) return false;
  }
  if (filters.sessionId !== undefined) {
    if (record.metadata?.["session_id"] !== filters.sessionId) return false;
  }
  if (filters.metadataFilters !== undefined) {
    const md = record.metadata;
    for (const [key, value] of Object.entries(filters.metadataFilters)) {
      if (!md || !Object.hasOwn(md, key) || md[key] !== value) return false;
    }
  }
  return true;
}
