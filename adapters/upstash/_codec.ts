/**
 * How a {@linkcode VectorItem} is laid out in an Upstash vector, and how {@linkcode VectorFilters}
 * become an Upstash filter string.
 *
 * Layout (`metadata` of the Upstash vector; the text goes in `data`):
 *
 * | field          | content                                                           |
 * |----------------|-------------------------------------------------------------------|
 * | `tags`         | array of encoded strings (filtered with `CONTAINS`)               |
 * | `fact_type`    | encoded string (filtered with `IN`)                               |
 * | `occurred_at`  | epoch milliseconds (filtered with `>=` / `<=`)                    |
 * | `retained_at`  | epoch milliseconds, or {@linkcode RETAINED_AT_ABSENT} (`<=`)      |
 * | `memory_layer` | encoded string                                                    |
 * | `chunk_id`     | encoded string                                                    |
 * | `metadata`     | object: encoded key → encoded value (filtered with `=`)           |
 * | `norm`         | original vector norm (EUCLIDEAN / DOT_PRODUCT indexes only)       |
 *
 * Encoded strings: a string is stored as-is when it is "filter-safe" — non-empty, no quote,
 * backslash or control character, no lone surrogate, not starting with `~`. Any other string is
 * stored as `~u:` + base64url of its UTF-16 code units. Non-string metadata values: plain
 * decimal numbers stay JSON numbers; other numbers become `~n:<String(n)>`; booleans
 * `~b:1` / `~b:0`; `null` is `~z`. So every string literal that reaches a filter is made of
 * characters that need no escaping at all, whatever the service's escape rules are, and typed
 * equality is preserved (`"1"`, `1` and `true` never compare equal).
 *
 * Metadata keys: `^[a-zA-Z][a-zA-Z0-9_]{0,63}$` is kept; any other key becomes `_` + the hex of
 * its UTF-16 code units, so filter paths are always plain identifiers (`metadata.session_id`,
 * `metadata._00270041`). Both encodings are injective and reversible.
 *
 * @module
 */
import { toStoredEmbedding, ValidationError } from "@astrocyte/core";
import type { Metadata, MetadataValue, VectorFilters, VectorItem } from "@astrocyte/core";

const PREFIX = "[astrocyte/upstash]";

/** `retained_at` of an item without `retainedAt`: below every valid `Date`, so `<=` keeps it. */
export const RETAINED_AT_ABSENT = -8_640_000_000_000_001;

const SAFE_KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/;

/** Whether a string can appear verbatim inside a quoted filter literal. */
export function isFilterSafe(s: string): boolean {
  if (s.length === 0 || s.charCodeAt(0) === 0x7e /* ~ */) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x22 || c === 0x27 || c === 0x5c) return false;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return false;
    }
  }
  return true;
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Encode a string so it is filter-safe (identity for strings that already are). */
export function encodeString(s: string): string {
  if (isFilterSafe(s)) return s;
  const bytes = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    bytes[2 * i] = c >> 8;
    bytes[2 * i + 1] = c & 0xff;
  }
  return "~u:" + toBase64Url(bytes);
}

/** Reverse {@linkcode encodeString}; strings not in the encoded form are returned as-is. */
export function decodeString(s: string): string {
  if (!s.startsWith("~u:")) return s;
  const bytes = fromBase64Url(s.slice(3));
  let out = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
  }
  return out;
}

/** Encode a metadata value (see the module doc). */
export function encodeValue(v: MetadataValue): string | number {
  if (v === null) return "~z";
  if (typeof v === "boolean") return v ? "~b:1" : "~b:0";
  if (typeof v === "number") {
    const s = String(v);
    return PLAIN_NUMBER.test(s) ? v : "~n:" + s;
  }
  return encodeString(v);
}

/** Reverse {@linkcode encodeValue}. */
export function decodeValue(v: unknown): MetadataValue {
  if (typeof v === "number" || typeof v === "boolean" || v === null) return v;
  if (typeof v !== "string") return null;
  if (v === "~z") return null;
  if (v === "~b:1") return true;
  if (v === "~b:0") return false;
  if (v.startsWith("~n:")) return Number(v.slice(3));
  return decodeString(v);
}

/** Encode a metadata key into a plain identifier segment. */
export function encodeKey(key: string): string {
  if (SAFE_KEY.test(key)) return key;
  let out = "_";
  for (let i = 0; i < key.length; i++) out += key.charCodeAt(i).toString(16).padStart(4, "0");
  return out;
}

/** Reverse {@linkcode encodeKey}. */
export function decodeKey(key: string): string {
  if (!key.startsWith("_")) return key;
  let out = "";
  for (let i = 1; i + 4 <= key.length; i += 4) {
    out += String.fromCharCode(parseInt(key.slice(i, i + 4), 16));
  }
  return out;
}

/** A quoted filter string literal. Inputs are filter-safe already; escaping is defence in depth. */
export function quote(s: string): string {
  return "'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
}

function literal(v: string | number): string {
  return typeof v === "number" ? String(v) : quote(v);
}

/** The Upstash representation of one item. */
export interface UpstashRecord {
  /** Vector id. */
  id: string;
  /** The (possibly normalised) vector. */
  vector: number[];
  /** Layout metadata. */
  metadata: Record<string, unknown>;
  /** The text. */
  data: string;
}

/** Options of {@linkcode encodeItem}. */
export interface EncodeOptions {
  /** Normalise to unit length and keep the norm (EUCLIDEAN / DOT_PRODUCT indexes). */
  normalise: boolean;
}

/** Encode one item into its Upstash record. */
export function encodeItem(item: VectorItem, opts: EncodeOptions): UpstashRecord {
  const md: Record<string, unknown> = {};
  if (item.tags !== undefined && item.tags !== null) md.tags = item.tags.map(encodeString);
  if (item.factType !== undefined && item.factType !== null) {
    md.fact_type = encodeString(item.factType);
  }
  if (item.occurredAt !== undefined && item.occurredAt !== null) {
    md.occurred_at = item.occurredAt.getTime();
  }
  md.retained_at = item.retainedAt !== undefined && item.retainedAt !== null
    ? item.retainedAt.getTime()
    : RETAINED_AT_ABSENT;
  if (item.memoryLayer !== undefined && item.memoryLayer !== null) {
    md.memory_layer = encodeString(item.memoryLayer);
  }
  if (item.chunkId !== undefined && item.chunkId !== null) md.chunk_id = encodeString(item.chunkId);
  if (item.metadata !== undefined && item.metadata !== null) {
    const out: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(item.metadata)) out[encodeKey(k)] = encodeValue(v);
    md.metadata = out;
  }
  let vector = [...item.vector];
  if (opts.normalise) {
    const norm = Math.hypot(...vector);
    md.norm = norm;
    if (norm > 0) vector = vector.map((x) => x / norm);
  }
  return { id: item.id, vector, metadata: md, data: item.text };
}

/** The decoded, bank-less fields of a stored vector. */
export type DecodedRecord = Omit<VectorItem, "bankId" | "vector"> & {
  /** The stored vector scaled back to its original norm (when the vector was fetched). */
  vector?: number[];
  /** Original norm for normalised indexes (`undefined` for COSINE). */
  norm?: number;
};

/** Decode an Upstash vector (`id`, `metadata`, `data`, `vector?`) into item fields. */
export function decodeRecord(raw: {
  id: string | number;
  metadata?: Record<string, unknown> | null;
  data?: string | null;
  vector?: number[] | null;
}): DecodedRecord {
  const md = raw.metadata ?? {};
  const out: DecodedRecord = {
    id: String(raw.id),
    text: typeof raw.data === "string" ? raw.data : "",
  };
  if (Array.isArray(md.tags)) {
    out.tags = md.tags.filter((t): t is string => typeof t === "string").map(decodeString);
  }
  if (typeof md.fact_type === "string") out.factType = decodeString(md.fact_type);
  if (typeof md.occurred_at === "number") out.occurredAt = new Date(md.occurred_at);
  if (typeof md.retained_at === "number" && md.retained_at !== RETAINED_AT_ABSENT) {
    out.retainedAt = new Date(md.retained_at);
  }
  if (typeof md.memory_layer === "string") out.memoryLayer = decodeString(md.memory_layer);
  if (typeof md.chunk_id === "string") out.chunkId = decodeString(md.chunk_id);
  if (md.metadata !== null && typeof md.metadata === "object" && !Array.isArray(md.metadata)) {
    const m: Metadata = {};
    for (const [k, v] of Object.entries(md.metadata as Record<string, unknown>)) {
      m[decodeKey(k)] = decodeValue(v);
    }
    out.metadata = m;
  }
  if (typeof md.norm === "number") out.norm = md.norm;
  if (Array.isArray(raw.vector)) {
    const n = out.norm;
    // Vectors read back as float32, −0 as 0 (core/README.md, "Input rules").
    out.vector = n === undefined || n === 0
      ? toStoredEmbedding(raw.vector)
      : raw.vector.map((x) => Math.fround(x * n) + 0);
  }
  return out;
}

/** A translated filter: the Upstash filter string, or `false` when nothing can match. */
export type TranslatedFilter = string | undefined | false;

/**
 * Translate {@linkcode VectorFilters} into an Upstash filter string (`undefined` = no filter,
 * `false` = provably matches nothing, e.g. `tags: []`).
 */
export function translateFilters(filters: VectorFilters | undefined): TranslatedFilter {
  if (filters === undefined || filters === null) return undefined;
  const parts: string[] = [];
  if (filters.tags !== undefined) {
    const tags = [...new Set(filters.tags)];
    if (tags.length === 0) return false;
    const ors = tags.map((t) => `tags CONTAINS ${quote(encodeString(t))}`);
    parts.push(ors.length === 1 ? ors[0]! : `(${ors.join(" OR ")})`);
  }
  if (filters.factTypes !== undefined) {
    const types = [...new Set(filters.factTypes)];
    if (types.length === 0) return false;
    parts.push(`fact_type IN (${types.map((t) => quote(encodeString(t))).join(", ")})`);
  }
  if (filters.timeRange !== undefined) {
    const start = filters.timeRange.start.getTime();
    const end = filters.timeRange.end.getTime();
    if (start > end) return false;
    parts.push(`occurred_at >= ${start} AND occurred_at <= ${end}`);
  }
  if (filters.asOf !== undefined) parts.push(`retained_at <= ${filters.asOf.getTime()}`);
  if (filters.sessionId !== undefined) {
    parts.push(`metadata.session_id = ${quote(encodeString(filters.sessionId))}`);
  }
  if (filters.metadataFilters !== undefined) {
    for (const [k, v] of Object.entries(filters.metadataFilters)) {
      if (v !== null && !["string", "number", "boolean"].includes(typeof v)) {
        throw new ValidationError(
          `${PREFIX} filters.metadataFilters.${k} must be a string, number, boolean or null`,
          { field: `filters.metadataFilters.${k}` },
        );
      }
      if (typeof v === "number" && !Number.isFinite(v)) return false;
      parts.push(`metadata.${encodeKey(k)} = ${literal(encodeValue(v))}`);
    }
  }
  return parts.length === 0 ? undefined : parts.join(" AND ");
}
