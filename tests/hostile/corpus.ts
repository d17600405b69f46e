/**
 * The shared hostile-input corpus: strings that break naive SQL, FTS5, tsquery, LIKE, JSON
 * path and Upstash filter handling, control characters, tricky unicode, empty and very long
 * strings, plus bad vectors, limits and batches. Every adapter and the in-memory reference
 * get exactly the same inputs (tests/hostile/hostile_test.ts).
 *
 * @module
 */

/** A named hostile string. */
export interface HostileString {
  /** Short label for reports. */
  name: string;
  /** The value. */
  value: string;
}

const s = (name: string, value: string): HostileString => ({ name, value });

/** Hostile strings used in every string-valued position (ids, texts, tags, metadata, …). */
export const HOSTILE_STRINGS: readonly HostileString[] = [
  // SQL and LIKE
  s("single quote", "'"),
  s("two single quotes", "''"),
  s("double quote", '"'),
  s("sql injection", "x'; DROP TABLE astrocyte_vectors; --"),
  s("sql tautology", `" OR 1=1 --`),
  s("backslash", "\\"),
  s("backslash quote", "\\'"),
  s("percent", "%"),
  s("underscore", "_"),
  s("like pattern", "%_%"),
  s("escaped like", "\\%\\_"),
  s("dollar", "$"),
  s("dollar quoting", "$$x$$"),
  s("positional parameter", "$1"),
  s("question mark", "?"),
  s("named parameter", ":name @p"),
  s("comment", "/* x */ -- y"),
  s("semicolon", ";"),
  // FTS5 query syntax
  s("fts unterminated quote", '"unterminated'),
  s("fts near", "NEAR(alpha bravo, 2)"),
  s("fts boolean", "alpha AND bravo OR NOT charlie"),
  s("fts star", "*"),
  s("fts prefix", "alp*"),
  s("fts caret", "^alpha"),
  s("fts column filter", "text:alpha"),
  s("fts parens", "((alpha)"),
  s("fts braces", "{text id}: alpha"),
  s("fts minus", "-alpha +bravo"),
  // tsquery syntax
  s("tsquery and", "alpha & bravo"),
  s("tsquery not", "!alpha"),
  s("tsquery or", "alpha | bravo"),
  s("tsquery follows", "alpha <-> bravo <2> charlie"),
  s("tsquery prefix", "alpha:*"),
  s("tsquery weights", "alpha:AB"),
  s("tsquery operators only", "& | ! <->"),
  // Upstash filter language and JSON paths
  s("upstash filter tautology", "x' OR 1 = 1 OR tags = 'y"),
  s("upstash has field", "HAS FIELD text"),
  s("upstash contains", "tags CONTAINS 'x'"),
  s("upstash glob", "GLOB '*' [a-z]?"),
  s("upstash in", "IN ('a', \"b\")"),
  s("json path", "$.metadata[0].k"),
  s("dot", "a.b.c"),
  s("brackets", "[0]"),
  s("hash", "#-1"),
  s("json object", '{"a":1}'),
  s("json escape", '\\u0000\\"'),
  // Control characters
  s("nul", "a\u0000b"),
  s("control chars", "\u0001\u0002\u001f\u007f"),
  s("tab newline", "a\tb\nc\r\nd"),
  s("ansi escape", "\u001b[31mred\u001b[0m"),
  s("unicode line separators", "a\u2028b\u2029c\u0085d"),
  // Unicode
  s("rtl override", "\u202Eevil.exe"),
  s("hebrew", "שלום עולם"),
  s("arabic", "مرحبا بالعالم"),
  s("combining", "e\u0301 n\u0303"),
  s("zalgo", "Z\u0334\u0321\u0327a\u0338l\u0336g\u0335o\u0337"),
  s("astral", "😀🧠𝔘𝔫𝔦"),
  s("bom zero width", "\uFEFF\u200B\u200D"),
  s("ligature", "ﬁle"),
  s("dotted capital i", "İstanbul"),
  s("sharp s", "straße"),
  s("cjk", "東京都"),
  s("fullwidth vs astral order", "\uFF01😀"),
  s("lone surrogate", "a\uD800b"),
  // Blank
  s("empty", ""),
  s("space", " "),
  s("spaces", "   "),
];

/** The documented length limits (`core/util/validate.ts`). */
export const LIMITS = { bankId: 255, id: 512 } as const;

/** A string of exactly `length` UTF-16 code units, starting with `head`. */
export function ofLength(head: string, length: number, fill = "x"): string {
  return (head + fill.repeat(Math.max(0, length))).slice(0, length);
}

/** Long strings (limits apply to ids and bank ids; texts and values have no SPI limit). */
export const LONG_STRINGS: readonly HostileString[] = [
  s("10k text", "long ".repeat(2_000)),
  s("100k text", ofLength("alpha ", 100_000, "abc ")),
  s("1k astral", "😀".repeat(500)),
];

/** Vectors that must be rejected (`InvalidVectorError` / `DimensionMismatchError`) or kept. */
export function hostileVectors(dim: number): { name: string; vector: number[] }[] {
  const base = Array.from({ length: dim }, (_, i) => (i % 3) + 1);
  const put = (i: number, x: number) => base.map((v, j) => (j === i ? x : v));
  return [
    { name: "NaN", vector: put(0, NaN) },
    { name: "Infinity", vector: put(1, Infinity) },
    { name: "-Infinity", vector: put(2, -Infinity) },
    { name: "largest float32", vector: put(0, 3.4e38) },
    { name: "past float32 range", vector: put(0, 1e39) },
    { name: "float64 max", vector: put(0, Number.MAX_VALUE) },
    { name: "float32 denormal", vector: put(0, 1e-40) },
    { name: "below float32 denormal", vector: put(0, 1e-46) },
    { name: "all tiny", vector: base.map(() => 1e-30) },
    { name: "negative zero", vector: put(0, -0) },
    { name: "all zero", vector: base.map(() => 0) },
    { name: "mixed signs", vector: base.map((v, j) => (j % 2 ? -v : v)) },
    { name: "empty", vector: [] },
    { name: "one short", vector: base.slice(1) },
    { name: "one long", vector: [...base, 1] },
    { name: "much longer", vector: [...base, ...base, ...base] },
  ];
}
