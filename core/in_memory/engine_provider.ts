/**
 * The in-memory reference {@linkcode EngineProvider} (Tier 2): a toy engine that keeps
 * memories per bank and recalls them by term overlap. It is what the engine contract suite is
 * proven against and a stand-in engine for tests of the facade.
 *
 * Semantics (upstream's `InMemoryEngineProvider`):
 * - `retain` stores the content with a 16-hex-character id, `factType` (default `world`) and
 *   `metadata._created_at` (ISO time, unless the caller supplied that key).
 * - `recall` scores `|query terms ∩ memory terms| / |query terms|` over lowercase whitespace
 *   terms and returns only matches; the query `*` returns every memory with score 1. Filters:
 *   `tags` any-overlap (untagged memories excluded), `factTypes` membership, `timeRange`
 *   inclusive on `occurredAt` (memories without it excluded), `asOf` on the retain time,
 *   `sessionId` on `metadata.session_id`. Ties keep retain order. `maxResults` (default 10)
 *   cuts the list; `truncated` and `totalAvailable` report the cut. `maxTokens` and
 *   `externalContext` are not applied.
 * - `reflect` answers `"Synthesis: "` followed by the top five recalled texts joined by `"; "`.
 * - `forget` removes the whole bank with `scope: "all"`, otherwise every memory selected by
 *   `memoryIds`, by any of `tags`, or by `occurredAt < beforeDate` (selectors OR-ed).
 * - Unsupported `reflect` / `forget` throw {@linkcode CapabilityNotSupportedError}.
 *
 * @example
 * ```ts
 * import { createInMemoryEngineProvider } from "@astrocyte/core";
 *
 * const engine = createInMemoryEngineProvider();
 * await engine.retain({ content: "Calvin prefers dark mode", bankId: "user-1" });
 * const { hits } = await engine.recall({ query: "dark mode", bankId: "user-1" });
 * console.log(hits[0]?.text); // "Calvin prefers dark mode"
 * ```
 *
 * @module
 */
import { CapabilityNotSupportedError, ValidationError } from "../errors.ts";
import type {
  EngineCapabilities,
  EngineProvider,
  ForgetRequest,
  ForgetResult,
  MemoryHit,
  RecallRequest,
  RecallResult,
  ReflectRequest,
  ReflectResult,
  RetainRequest,
  RetainResult,
} from "../spi/engine_provider.ts";
import type { HealthStatus, Metadata } from "../types.ts";
import { matchesVectorFilters } from "../util/filters.ts";
import { validateBankId, validateCount } from "../util/validate.ts";

const P = "[astrocyte/core]";

/** Options for {@linkcode createInMemoryEngineProvider}. */
export interface InMemoryEngineProviderOptions {
  /** Whether `reflect` is implemented. @default {true} */
  supportsReflect?: boolean;
  /** Whether `forget` is implemented. @default {true} */
  supportsForget?: boolean;
}

interface MemoryRow {
  id: string;
  text: string;
  terms: Set<string>;
  factType: string;
  metadata: Metadata;
  tags?: string[];
  occurredAt?: Date;
  source?: string;
  retainedAt: Date;
}

/** Run a synchronous body as a promise: thrown errors become rejections. */
function run<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

function terms(text: string): Set<string> {
  return new Set(text.toLowerCase().split(/\s+/).filter((t) => t.length > 0));
}

function checkDate(value: unknown, field: string): void {
  if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
    throw new ValidationError(`${P} ${field} must be a valid Date`, { field });
  }
}

function checkStrings(value: unknown, field: string): void {
  if (
    value !== undefined &&
    (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
  ) {
    throw new ValidationError(`${P} ${field} must be an array of strings`, { field });
  }
}

function toHit(m: MemoryRow, score: number, bankId: string): MemoryHit {
  const hit: MemoryHit = {
    text: m.text,
    score,
    factType: m.factType,
    metadata: { ...m.metadata },
    memoryId: m.id,
    bankId,
    retainedAt: new Date(m.retainedAt.getTime()),
  };
  if (m.tags !== undefined) hit.tags = [...m.tags];
  if (m.occurredAt !== undefined) hit.occurredAt = new Date(m.occurredAt.getTime());
  if (m.source !== undefined) hit.source = m.source;
  return hit;
}

/**
 * Create the in-memory reference {@linkcode EngineProvider}. `supportsReflect` and
 * `supportsForget` switch the optional operations off (they then throw
 * {@linkcode CapabilityNotSupportedError}), for testing fallback paths.
 *
 * @example
 * ```ts
 * import { createInMemoryEngineProvider } from "@astrocyte/core";
 *
 * const engine = createInMemoryEngineProvider({ supportsReflect: false });
 * console.log(engine.capabilities.supportsReflect); // false
 * ```
 */
export function createInMemoryEngineProvider(
  options: InMemoryEngineProviderOptions = {},
): EngineProvider {
  const banks = new Map<string, Map<string, MemoryRow>>();
  const capabilities: EngineCapabilities = {
    supportsReflect: options.supportsReflect ?? true,
    supportsForget: options.supportsForget ?? true,
    supportsSemanticSearch: true,
    supportsKeywordSearch: false,
    supportsGraphSearch: false,
    supportsTemporalSearch: true,
    supportsTags: true,
    supportsMetadata: true,
  };

  const unsupported = (capability: string): never => {
    throw new CapabilityNotSupportedError(
      `${P} The in-memory engine was created without ${capability} support`,
      { provider: "in_memory", capability },
    );
  };

  const recallSync = (request: RecallRequest): RecallResult => {
    if (request === null || typeof request !== "object") {
      throw new ValidationError(`${P} request must be an object`, { field: "request" });
    }
    validateBankId(request.bankId, P);
    if (typeof request.query !== "string") {
      throw new ValidationError(`${P} query must be a string`, { field: "query" });
    }
    const maxResults = validateCount(request.maxResults, 10, "maxResults", P);
    checkStrings(request.tags, "tags");
    checkStrings(request.factTypes, "factTypes");
    checkDate(request.asOf, "asOf");
    if (request.timeRange !== undefined) {
      checkDate(request.timeRange.start, "timeRange.start");
      checkDate(request.timeRange.end, "timeRange.end");
    }
    const bank = banks.get(request.bankId);
    const wildcard = request.query.trim() === "*";
    const queryTerms = terms(request.query);
    const matches: MemoryHit[] = [];
    for (const m of bank?.values() ?? []) {
      const record = {
        factType: m.factType,
        metadata: m.metadata,
        retainedAt: m.retainedAt,
        ...(m.tags === undefined ? {} : { tags: m.tags }),
        ...(m.occurredAt === undefined ? {} : { occurredAt: m.occurredAt }),
      };
      const filters = {
        ...(request.tags === undefined ? {} : { tags: request.tags }),
        ...(request.factTypes === undefined ? {} : { factTypes: request.factTypes }),
        ...(request.timeRange === undefined ? {} : { timeRange: request.timeRange }),
        ...(request.asOf === undefined ? {} : { asOf: request.asOf }),
        ...(request.sessionId === undefined ? {} : { sessionId: request.sessionId }),
      };
      if (!matchesVectorFilters(record, filters)) continue;
      let score = 1;
      if (!wildcard) {
        if (queryTerms.size === 0) continue;
        let shared = 0;
        for (const t of queryTerms) if (m.terms.has(t)) shared++;
        if (shared === 0) continue;
        score = shared / queryTerms.size;
      }
      matches.push(toHit(m, score, request.bankId));
    }
    // Array.prototype.sort is stable: ties keep retain order.
    matches.sort((a, b) => b.score - a.score);
    const hits = matches.slice(0, maxResults);
    return {
      hits,
      totalAvailable: matches.length,
      truncated: matches.length > maxResults,
      trace: {
        strategiesUsed: ["term_overlap"],
        totalCandidates: matches.length,
        tierUsed: 2,
      },
      topSemanticScore: hits[0]?.score ?? 0,
    };
  };

  const engine: EngineProvider = {
    capabilities,

    health(): Promise<HealthStatus> {
      return Promise.resolve({
        healthy: true,
        message: "in-memory engine provider",
        latencyMs: 0,
        lastCheckAt: new Date(),
      });
    },

    retain(request: RetainRequest): Promise<RetainResult> {
      return run(() => {
        if (request === null || typeof request !== "object") {
          throw new ValidationError(`${P} request must be an object`, { field: "request" });
        }
        validateBankId(request.bankId, P);
        if (typeof request.content !== "string") {
          throw new ValidationError(`${P} content must be a string`, { field: "content" });
        }
        checkStrings(request.tags, "tags");
        checkDate(request.occurredAt, "occurredAt");
        if (
          request.metadata !== undefined &&
          (request.metadata === null || typeof request.metadata !== "object")
        ) {
          throw new ValidationError(`${P} metadata must be an object`, { field: "metadata" });
        }
        const now = new Date();
        const metadata: Metadata = { ...request.metadata };
        if (!Object.hasOwn(metadata, "_created_at")) metadata["_created_at"] = now.toISOString();
        const id = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
        const row: MemoryRow = {
          id,
          text: request.content,
          terms: terms(request.content),
          factType: request.factType ?? "world",
          metadata,
          retainedAt: now,
        };
        if (request.tags !== undefined) row.tags = [...request.tags];
        if (request.occurredAt !== undefined) {
          row.occurredAt = new Date(request.occurredAt.getTime());
        }
        if (request.source !== undefined) row.source = request.source;
        let bank = banks.get(request.bankId);
        if (bank === undefined) {
          bank = new Map();
          banks.set(request.bankId, bank);
        }
        bank.set(id, row);
        return { stored: true, memoryId: id, memoryIds: [id] };
      });
    },

    recall(request: RecallRequest): Promise<RecallResult> {
      return run(() => recallSync(request));
    },

    reflect(request: ReflectRequest): Promise<ReflectResult> {
      return run(() => {
        if (!capabilities.supportsReflect) unsupported("reflect");
        if (request === null || typeof request !== "object") {
          throw new ValidationError(`${P} request must be an object`, { field: "request" });
        }
        const recalled = recallSync({
          query: request.query,
          bankId: request.bankId,
          ...(request.tags === undefined ? {} : { tags: request.tags }),
          ...(request.asOf === undefined ? {} : { asOf: request.asOf }),
        });
        const top = recalled.hits.slice(0, 5);
        const result: ReflectResult = {
          answer: `Synthesis: ${top.map((h) => h.text).join("; ")}`,
        };
        if (request.includeSources ?? true) result.sources = top;
        return result;
      });
    },

    forget(request: ForgetRequest): Promise<ForgetResult> {
      return run(() => {
        if (!capabilities.supportsForget) unsupported("forget");
        if (request === null || typeof request !== "object") {
          throw new ValidationError(`${P} request must be an object`, { field: "request" });
        }
        validateBankId(request.bankId, P);
        checkStrings(request.memoryIds, "memoryIds");
        checkStrings(request.tags, "tags");
        checkDate(request.beforeDate, "beforeDate");
        const bank = banks.get(request.bankId);
        if (bank === undefined) return { deletedCount: 0 };
        if (request.scope === "all") {
          const n = bank.size;
          banks.delete(request.bankId);
          return { deletedCount: n };
        }
        const ids = new Set(request.memoryIds ?? []);
        const tags = new Set(request.tags ?? []);
        const before = request.beforeDate?.getTime();
        let deleted = 0;
        for (const [id, m] of bank) {
          const selected = ids.has(id) ||
            (m.tags ?? []).some((t) => tags.has(t)) ||
            (before !== undefined && m.occurredAt !== undefined &&
              m.occurredAt.getTime() < before);
          if (selected) {
            bank.delete(id);
            deleted++;
          }
        }
        return { deletedCount: deleted };
      });
    },

    close(): Promise<void> {
      return Promise.resolve();
    },

    [Symbol.asyncDispose](): Promise<void> {
      return engine.close();
    },
  };
  return engine;
}
