/**
 * Result comparison for the differential tester: a deep diff with per-key numeric
 * tolerances, and the ranking comparison used for similarity searches.
 *
 * What is compared, per kind of result:
 * - records (lists, gets, entity lists, pages, source documents, chunks): every field exactly
 *   (ids, texts, order, counts, metadata values and types, dates by instant, vector and
 *   embedding components — every store returns them as float32 — and the sign of zero: −0 and
 *   0 differ, and no store may return −0), except the numeric keys listed in
 *   {@linkcode TOLERANCES};
 * - vector / scored-candidate rankings ({@linkcode compareRanking}): same count; the hit at
 *   each position belongs to the same tie group of the reference's full ranking (reference
 *   scores within {@linkcode TIE_EPS} are interchangeable, also at the `limit` boundary);
 *   scores within 1e-4 of the reference score of the same id; the target's own order is
 *   score-descending with exactly equal scores broken by id ascending;
 * - full-text hits ({@linkcode compareTextHits}): ranking legitimately differs (BM25 over the
 *   bank, FTS5 BM25 over the table, ts_rank), so ids are compared as a set: the count is
 *   `min(limit, |M|)` where M is the reference's full match set, every id is in M, none twice,
 *   and the target's own order is score-descending with ties by id ascending.
 *
 * @module
 */

/** Float tolerance per key (anything not listed is compared exactly). */
export const TOLERANCES: Readonly<Record<string, number>> = {
  score: 1e-4,
  nameSimilarity: 1e-4,
  embeddingSimilarity: 1e-4,
};

/** Reference scores closer than this are treated as ties (float32 noise across backends). */
export const TIE_EPS = 1e-5;

/** Render a value compactly for mismatch messages. */
export function show(v: unknown, max = 300): string {
  let s: string;
  try {
    s = JSON.stringify(v, (_k, x) => {
      if (typeof x === "number" && !Number.isFinite(x)) return String(x);
      if (typeof x === "string" && x.length > 80) return `${x.slice(0, 60)}…(${x.length})`;
      return x;
    });
  } catch {
    s = String(v);
  }
  if (s === undefined) s = String(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** A number with the sign of zero visible. */
const show0 = (x: number): string => (Object.is(x, -0) ? "-0" : String(x));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * The first difference between `actual` and `expected` as `path: message`, or `undefined`
 * when equal. Keys whose value is `undefined` count as absent.
 */
export function diff(actual: unknown, expected: unknown, path = "$", key = ""): string | undefined {
  if (typeof expected === "number" && typeof actual === "number") {
    const tol = TOLERANCES[key];
    if (Number.isNaN(expected) && Number.isNaN(actual)) return undefined;
    // The sign of zero counts, also under a tolerance: no store may return −0.
    if (Object.is(actual, -0) !== Object.is(expected, -0)) {
      return `${path}: expected ${show0(expected)}, got ${show0(actual)}`;
    }
    if (tol !== undefined ? Math.abs(actual - expected) <= tol : Object.is(actual, expected)) {
      return undefined;
    }
    return `${path}: expected ${expected}, got ${actual}`;
  }
  if (expected instanceof Date || actual instanceof Date) {
    if (!(expected instanceof Date) || !(actual instanceof Date)) {
      return `${path}: expected ${show(expected)}, got ${show(actual)}`;
    }
    return expected.getTime() === actual.getTime() || (Number.isNaN(expected.getTime()) &&
        Number.isNaN(actual.getTime()))
      ? undefined
      : `${path}: expected ${expected.toISOString()}, got ${actual.toISOString()}`;
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) {
      return `${path}: expected ${show(expected)}, got ${show(actual)}`;
    }
    if (expected.length !== actual.length) {
      return `${path}: expected length ${expected.length}, got ${actual.length}: expected ${
        show(expected)
      }, got ${show(actual)}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = diff(actual[i], expected[i], `${path}[${i}]`, key);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isPlainObject(expected) || isPlainObject(actual)) {
    if (!isPlainObject(expected) || !isPlainObject(actual)) {
      return `${path}: expected ${show(expected)}, got ${show(actual)}`;
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of [...keys].sort()) {
      const e = expected[k];
      const a = actual[k];
      if (e === undefined && a === undefined) continue;
      if (e === undefined) return `${path}.${k}: unexpected ${show(a)}`;
      if (a === undefined) return `${path}.${k}: missing, expected ${show(e)}`;
      const d = diff(a, e, `${path}.${k}`, k);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return Object.is(actual, expected)
    ? undefined
    : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

/** One ranked entry: an id and its score. */
export interface Ranked {
  /** Id. */
  id: string;
  /** Score. */
  score: number;
}

/**
 * Compare a target's ranking with the reference (see the module doc). `full` is the
 * reference's complete ranking (every matching item), `top` its first `limit` entries.
 */
export function compareRanking(
  actual: readonly Ranked[],
  top: readonly Ranked[],
  full: readonly Ranked[],
  scoreTolerance = 1e-4,
): string | undefined {
  if (actual.length !== top.length) {
    return `expected ${top.length} hits, got ${actual.length}: expected ${
      show(top.map((h) => h.id))
    }, got ${show(actual.map((h) => h.id))}`;
  }
  const group = new Map<string, number>();
  const scoreOf = new Map<string, number>();
  const groupAt: number[] = [];
  let g = 0;
  full.forEach((h, i) => {
    if (i > 0 && full[i - 1]!.score - h.score > TIE_EPS) g++;
    group.set(h.id, g);
    scoreOf.set(h.id, h.score);
    groupAt.push(g);
  });
  const seen = new Set<string>();
  for (let i = 0; i < actual.length; i++) {
    const h = actual[i]!;
    if (seen.has(h.id)) return `hit ${i}: id ${show(h.id)} returned twice`;
    seen.add(h.id);
    const gi = group.get(h.id);
    if (gi === undefined) {
      return `hit ${i}: id ${show(h.id)} does not match (expected ${show(top.map((x) => x.id))})`;
    }
    if (gi !== groupAt[i]) {
      return `hit ${i}: expected ${show(top[i]!.id)} (score ${top[i]!.score}), got ${
        show(h.id)
      } (reference score ${scoreOf.get(h.id)}); expected order ${show(top.map((x) => x.id))}, got ${
        show(actual.map((x) => x.id))
      }`;
    }
    if (!(Math.abs(h.score - scoreOf.get(h.id)!) <= scoreTolerance)) {
      return `hit ${i} (${show(h.id)}): score ${h.score}, reference ${scoreOf.get(h.id)}`;
    }
    if (i > 0) {
      const p = actual[i - 1]!;
      if (p.score < h.score) {
        return `hits ${i - 1}, ${i}: not sorted by score (${p.score} < ${h.score})`;
      }
      if (p.score === h.score && !(p.id < h.id)) {
        return `hits ${i - 1}, ${i}: equal scores ${h.score} not ordered by id (${show(p.id)}, ${
          show(h.id)
        })`;
      }
    }
  }
  return undefined;
}

/**
 * Compare full-text hits as a set (see the module doc). `matches` is the reference's full
 * match set, `limit` the requested limit.
 */
export function compareTextHits(
  actual: readonly Ranked[],
  matches: ReadonlySet<string>,
  limit: number,
): string | undefined {
  const want = Math.min(limit, matches.size);
  if (actual.length !== want) {
    return `expected ${want} hits (of ${show([...matches])}), got ${actual.length}: ${
      show(actual.map((h) => h.id))
    }`;
  }
  const seen = new Set<string>();
  for (let i = 0; i < actual.length; i++) {
    const h = actual[i]!;
    if (seen.has(h.id)) return `hit ${i}: id ${show(h.id)} returned twice`;
    seen.add(h.id);
    if (!matches.has(h.id)) {
      return `hit ${i}: id ${show(h.id)} is not a match (matches: ${show([...matches])})`;
    }
    if (!Number.isFinite(h.score)) return `hit ${i}: score ${h.score} is not finite`;
    if (i > 0) {
      const p = actual[i - 1]!;
      if (p.score < h.score) {
        return `hits ${i - 1}, ${i}: not sorted by score (${p.score} < ${h.score})`;
      }
      if (p.score === h.score && !(p.id < h.id)) {
        return `hits ${i - 1}, ${i}: equal scores not ordered by id (${show(p.id)}, ${show(h.id)})`;
      }
    }
  }
  return undefined;
}
