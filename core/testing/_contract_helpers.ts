/**
 * Private helpers shared by the WikiStore, MentalModelStore and SourceStore contract suites.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Record ids that every adapter must store and find exactly: quotes, SQL and filter
 * metacharacters, LIKE wildcards, JSON-path syntax, whitespace, control characters and
 * unicode.
 */
export const HOSTILE_IDS: readonly string[] = [
  `topic:o'brien"; DROP TABLE pages; --`,
  "100%_match\\_%",
  "ünïcødé:银行:🧠",
  "path/with/slashes?x=1&y=2#frag",
  "$.key[0] AND 1=1 OR tags CONTAINS 'x'",
  "line\nbreak\ttab",
  "  leading and trailing  ",
  "glob*?[a-z]{1,2}",
];

/** Text values (titles, scopes, hashes, metadata) with the same hazards as the ids. */
export const HOSTILE_TEXTS: readonly string[] = [
  `it's "quoted" \\ back\\slash`,
  "50% off_under_score",
  "emoji 🧠 and 中文 and ﬁ ligature",
  "'); DELETE FROM t; --",
  "multi\nline\r\ntext\twith tabs",
  "${VAR} {{template}} <tag>&amp;",
];

/**
 * Assert `value` is a valid `Date` within `toleranceMs` of now (store-stamped times; the
 * tolerance absorbs clock skew between the test and a database server).
 */
export function assertRecentDate(value: unknown, what: string, toleranceMs = 5 * 60_000): void {
  assert.ok(value instanceof Date, `${what} must be a Date, got ${String(value)}`);
  const t = value.getTime();
  assert.ok(!Number.isNaN(t), `${what} must be a valid Date`);
  assert.ok(
    Math.abs(Date.now() - t) <= toleranceMs,
    `${what} must be stamped by the store (near now), got ${value.toISOString()}`,
  );
}

/**
 * A record without its `undefined`-valued keys (and an array of such records), so that a
 * store may return an absent optional field either omitted or as `undefined`.
 */
export function defined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(defined) as T;
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined),
  ) as T;
}
