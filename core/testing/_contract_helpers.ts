/**
 * Private helpers shared by the contract suites (hostile ids and texts for the WikiStore,
 * MentalModelStore and SourceStore suites; the input-rule cases for every store suite; the
 * stored-integer cases for the graph, source and PageIndex suites).
 *
 * @module
 */
import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import { INT32_MAX, isPortableString } from "../util/validate.ts";
import { assertRejectsWith } from "./fixtures.ts";
import type { CaseContext, CaseDefinition } from "./harness.ts";

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

// ---------------------------------------------------------------------------------------------
// The portable string rule (core/README.md, "Input rules"), shared by every store suite.

/**
 * Strings that break the portable string rule: every store must reject them, anywhere in any
 * argument, with a `ValidationError` before any I/O.
 */
export const NON_PORTABLE_STRINGS: readonly (readonly [name: string, value: string])[] = [
  ["NUL", "a\u0000b"],
  ["lone high surrogate", "a\uD800b"],
  ["lone low surrogate", "\uDC00a"],
];

/**
 * Portable strings a backend could silently turn `value` into (truncated at the NUL, NUL
 * dropped, surrogates replaced by U+FFFD or dropped): a rejected write must not appear under
 * any of them.
 */
export function lookalikes(value: string): string[] {
  const out = new Set([
    value.split("\u0000")[0]!,
    value.replaceAll("\u0000", ""),
    value.replace(/[\uD800-\uDFFF]/g, "\uFFFD"),
    value.replace(/[\uD800-\uDFFF]/g, ""),
  ]);
  return [...out].filter((s) => s.length > 0 && isPortableString(s));
}

/** Named calls, each expected to reject. */
export type Calls = Record<string, () => Promise<unknown>>;

/** How one store family is exercised by {@linkcode stringRuleCases}. */
export interface StringRuleSpec<S> {
  /** Write valid records into `bankId` (so that an overwrite or delete would show). */
  seed(ctx: CaseContext<S>, bankId: string): Promise<void>;
  /** Everything `bankId` holds, read back with valid arguments (compared with deepEqual). */
  snapshot(ctx: CaseContext<S>, bankId: string): Promise<unknown>;
  /** Write calls in `bankId`, each with `bad` in one non-bank string position. */
  writes(ctx: CaseContext<S>, bankId: string, bad: string): Calls;
  /** Read calls in `bankId`, each with `bad` in one non-bank string position. */
  reads(ctx: CaseContext<S>, bankId: string, bad: string): Calls;
  /** Every method of the family, with valid arguments, in `bankId`. */
  everyMethod(ctx: CaseContext<S>, bankId: string): Calls;
  /**
   * Every read and delete that names records by id, in `bankId`, each with `id` in one id
   * position (alone, or next to a seeded id in a list). Malformed ids must be rejected with
   * nothing changed; a well-formed unknown id must resolve (missing means empty).
   */
  idCalls?(ctx: CaseContext<S>, bankId: string, id: string): Calls;
  /**
   * Calls on the seeded `bankId` whose `limit`, `offset`, `topK`, overlap or depth is `n`.
   * Each must resolve, and give for every huge `n` ({@linkcode HUGE_COUNTS}) what it gives for
   * `n` = {@linkcode BASELINE_COUNT} (more than the seed holds).
   */
  countCalls?(ctx: CaseContext<S>, bankId: string, n: number): Calls;
}

/**
 * Record ids that break the id shape rule (non-empty, at most 512 characters): every read and
 * delete must reject them with a `ValidationError`, as writes do.
 */
export const MALFORMED_IDS: readonly (readonly [name: string, value: string])[] = [
  ["empty", ""],
  ["513 characters", `id'%_${"x".repeat(508)}`],
  ["10,000 characters", "long ".repeat(2_000)],
];

/** Well-formed ids no seed uses: reads and deletes must treat them as missing, not errors. */
export const UNKNOWN_IDS: readonly (readonly [name: string, value: string])[] = [
  ["unknown", "never-stored"],
  ["512 characters", `id'%_${"x".repeat(507)}`],
];

/**
 * Integer counts far beyond any data: valid everywhere (a limit larger than the data means
 * everything, an offset past the end nothing). 2^31 overflows a SQL `int`, 2^64 any SQL
 * integer; core clamps counts to `Number.MAX_SAFE_INTEGER`.
 */
export const HUGE_COUNTS: readonly number[] = [2 ** 31, Number.MAX_SAFE_INTEGER, 2 ** 64];

/** A count larger than any seed: what a huge count must behave like. */
export const BASELINE_COUNT = 1_000;

async function rejectAll(calls: Calls, what: string): Promise<void> {
  for (const [label, call] of Object.entries(calls)) {
    try {
      await assertRejectsWith(call, ValidationError);
    } catch (e) {
      assert.fail(`${label} with ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/**
 * The contract cases of the input rules for one family: NUL and lone surrogates in any written
 * field, in the bank id of every method, and in any read argument are a `ValidationError`, and
 * nothing is written (checked by reading the bank, and the banks a backend could have mangled
 * the bad bank id into, back). With `idCalls`, malformed record ids in reads and deletes are a
 * `ValidationError` too; with `countCalls`, huge integer counts work.
 */
export function stringRuleCases<S>(spec: StringRuleSpec<S>): CaseDefinition<S>[] {
  const cases: CaseDefinition<S>[] = [
    {
      name: "input rule: NUL or a lone surrogate in any written field is a ValidationError, " +
        "nothing written",
      async fn(ctx) {
        const b = ctx.bank("rule-write");
        await spec.seed(ctx, b);
        const before = await spec.snapshot(ctx, b);
        for (const [name, bad] of NON_PORTABLE_STRINGS) {
          await rejectAll(spec.writes(ctx, b, bad), name);
          assert.deepEqual(await spec.snapshot(ctx, b), before, `nothing written (${name})`);
        }
      },
    },
    {
      name: "input rule: a bank id with NUL or a lone surrogate is a ValidationError on every " +
        "method, nothing written",
      async fn(ctx) {
        const b = ctx.bank("rule-bank");
        const empty = await spec.snapshot(ctx, ctx.bank("rule-never"));
        for (const [name, bad] of NON_PORTABLE_STRINGS) {
          const badBank = `${b}${bad}`;
          await rejectAll(spec.everyMethod(ctx, badBank), `a bank id with a ${name}`);
          for (const look of lookalikes(badBank)) {
            assert.deepEqual(
              await spec.snapshot(ctx, look),
              empty,
              `nothing written under ${JSON.stringify(look)} (${name})`,
            );
          }
        }
      },
    },
    {
      name: "input rule: NUL or a lone surrogate in any read argument is a ValidationError",
      async fn(ctx) {
        const b = ctx.bank("rule-read");
        await spec.seed(ctx, b);
        const before = await spec.snapshot(ctx, b);
        for (const [name, bad] of NON_PORTABLE_STRINGS) {
          await rejectAll(spec.reads(ctx, b, bad), name);
        }
        assert.deepEqual(await spec.snapshot(ctx, b), before);
      },
    },
  ];
  if (spec.idCalls !== undefined) {
    const idCalls = spec.idCalls;
    cases.push({
      name: "input rule: a malformed record id (empty, > 512 characters) in a read or delete is " +
        "a ValidationError, nothing changed; a well-formed unknown one is missing",
      async fn(ctx) {
        const b = ctx.bank("rule-id");
        await spec.seed(ctx, b);
        const before = await spec.snapshot(ctx, b);
        for (const [name, bad] of MALFORMED_IDS) {
          await rejectAll(idCalls(ctx, b, bad), `a ${name} id`);
          assert.deepEqual(await spec.snapshot(ctx, b), before, `nothing changed (${name} id)`);
        }
        const other = ctx.bank("rule-id-ok");
        for (const [name, ok] of UNKNOWN_IDS) {
          for (const [label, call] of Object.entries(idCalls(ctx, other, ok))) {
            await call().catch((e) =>
              assert.fail(`${label} with a ${name} id: ${e instanceof Error ? e.message : e}`)
            );
          }
        }
        assert.deepEqual(await spec.snapshot(ctx, b), before, "other banks untouched");
      },
    });
  }
  if (spec.countCalls !== undefined) {
    const countCalls = spec.countCalls;
    cases.push({
      name: "counts: any integer limit, offset, topK or depth works (2^31, " +
        "Number.MAX_SAFE_INTEGER, 2^64) and behaves like one larger than the data",
      async fn(ctx) {
        const b = ctx.bank("counts");
        await spec.seed(ctx, b);
        const want: Record<string, unknown> = {};
        for (const [label, call] of Object.entries(countCalls(ctx, b, BASELINE_COUNT))) {
          want[label] = await call();
        }
        for (const n of HUGE_COUNTS) {
          for (const [label, call] of Object.entries(countCalls(ctx, b, n))) {
            let got: unknown;
            try {
              got = await call();
            } catch (e) {
              assert.fail(`${label} with ${n}: ${e instanceof Error ? e.message : String(e)}`);
            }
            assert.deepEqual(got, want[label], `${label} with ${n}`);
          }
        }
      },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// The stored-integer rule (core/README.md, "Input rules"), shared by the graph, source and
// PageIndex suites.

/**
 * Values no integer field a store persists may hold, whatever its minimum: beyond int32
 * (Postgres `integer` rejects 2^31 with SQLSTATE 22003), beyond the safe integers, fractional
 * or not finite. {@linkcode integerFieldCases} adds `min − 1`.
 */
export const OUT_OF_RANGE_INTEGERS: readonly (readonly [name: string, value: number])[] = [
  ["2^31", 2 ** 31],
  ["2^53", 2 ** 53],
  ["1.5", 1.5],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
];

/** One integer field exercised by {@linkcode integerFieldCases}. */
export interface IntegerField<S> {
  /** Smallest valid value: 0 for counts and indexes, `INT32_MIN` for line numbers. */
  min: number;
  /** What the `field` of the `ValidationError` must contain, e.g. `mentionCount`. */
  field: string;
  /**
   * Store `n` in the field in a fresh bank and assert (with `assert`) that every read gives it
   * back exactly.
   */
  roundTrip(ctx: CaseContext<S>, bankId: string, n: number): Promise<void>;
  /**
   * A call on the seeded bank with `n` in the field — for writes, in the second of two items,
   * so that a store that wrote the first before validating the second shows in the snapshot.
   */
  call(ctx: CaseContext<S>, bankId: string, n: number): Promise<unknown>;
}

/** How one store family is exercised by {@linkcode integerFieldCases}. */
export interface IntegerFieldSpec<S> {
  /** Write valid records into `bankId`. */
  seed(ctx: CaseContext<S>, bankId: string): Promise<void>;
  /** Everything `bankId` holds, read back (compared with deepEqual). */
  snapshot(ctx: CaseContext<S>, bankId: string): Promise<unknown>;
  /** The integer fields of the family, by label. */
  fields: Readonly<Record<string, IntegerField<S>>>;
}

/**
 * The contract cases of the stored-integer rule: every integer field a store persists holds
 * its int32 bounds (`min` and 2^31 − 1) exactly, and rejects 2^31, 2^53, 1.5, NaN, Infinity
 * and `min − 1` with a `ValidationError` naming the field, writing nothing.
 */
export function integerFieldCases<S>(spec: IntegerFieldSpec<S>): CaseDefinition<S>[] {
  return [
    {
      name: "stored integers: every integer field holds its int32 bounds (0 or −2^31, and " +
        "2^31 − 1) and reads them back exactly",
      async fn(ctx) {
        for (const [label, field] of Object.entries(spec.fields)) {
          for (const n of [field.min, INT32_MAX]) {
            try {
              await field.roundTrip(ctx, ctx.bank("int-ok"), n);
            } catch (e) {
              assert.fail(`${label} = ${n}: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
        }
      },
    },
    {
      name: "stored integers: a value beyond int32, fractional or not finite (2^31, 1.5, NaN) " +
        "is a ValidationError naming the field, nothing written",
      async fn(ctx) {
        const b = ctx.bank("int-bad");
        await spec.seed(ctx, b);
        const before = await spec.snapshot(ctx, b);
        for (const [label, field] of Object.entries(spec.fields)) {
          const bad: (readonly [string, number])[] = [
            ...OUT_OF_RANGE_INTEGERS,
            [`${field.min} − 1`, field.min - 1],
          ];
          for (const [name, n] of bad) {
            let error: Error;
            try {
              error = await assertRejectsWith(() => field.call(ctx, b, n), ValidationError);
            } catch (e) {
              assert.fail(`${label} = ${name}: ${e instanceof Error ? e.message : String(e)}`);
            }
            const named = (error as ValidationError).field;
            assert.ok(
              typeof named === "string" && named.includes(field.field),
              `${label} = ${name}: the error must name ${field.field}, got field ${
                String(named)
              } (${error.message})`,
            );
          }
          assert.deepEqual(await spec.snapshot(ctx, b), before, `nothing written (${label})`);
        }
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// The stored-value rules (core/README.md, "Input rules"): embeddings are stored as float32, and
// −0 is stored as 0. Shared by every store suite.

/**
 * Embedding components that float32 cannot hold exactly (0.1, 1/3, −2.5e-7, 123456.789, …)
 * plus −0: a store that keeps float64, or keeps −0, reads them back differently.
 */
export const FLOAT32_PROBE: readonly number[] = [
  0.1,
  1 / 3,
  -2.5e-7,
  -0,
  123456.789,
  -7.3,
  2 / 3,
  1e-3,
];

/** An embedding of `length` components cycling through {@linkcode FLOAT32_PROBE}. */
export function float32Probe(length: number): number[] {
  return Array.from({ length }, (_, i) => FLOAT32_PROBE[i % FLOAT32_PROBE.length]!);
}

/**
 * Assert that `actual` is exactly what a store keeps for `input`: `Math.fround` of each
 * component, with −0 read back as 0 (compared with `Object.is`).
 */
export function assertStoredFloat32(
  actual: readonly number[] | undefined,
  input: readonly number[],
  what: string,
): void {
  assert.ok(Array.isArray(actual), `${what}: expected an array of ${input.length} numbers`);
  assert.equal(actual.length, input.length, `${what}: length`);
  for (let i = 0; i < input.length; i++) {
    const want = Math.fround(input[i]!) + 0;
    assert.ok(
      Object.is(actual[i], want),
      `${what}[${i}]: ${input[i]} must be stored as float32 and read back as ${want}, got ${
        Object.is(actual[i], -0) ? "-0" : String(actual[i])
      }`,
    );
  }
}

/**
 * Flat metadata with a −0 value (and neighbours that must round-trip unchanged); reads must
 * give {@linkcode NEGATIVE_ZERO_METADATA_STORED}.
 */
export const NEGATIVE_ZERO_METADATA: Readonly<Record<string, number | string>> = {
  nz: -0,
  pz: 0,
  tenth: 0.1,
  s: "-0",
};

/** What {@linkcode NEGATIVE_ZERO_METADATA} reads back as: −0 stored as 0. */
export const NEGATIVE_ZERO_METADATA_STORED: Readonly<Record<string, number | string>> = {
  nz: 0,
  pz: 0,
  tenth: 0.1,
  s: "-0",
};

/** One embedding field exercised by {@linkcode storedValueCases}. */
export type EmbeddingRoundTrip<S> = (
  ctx: CaseContext<S>,
  bankId: string,
  embedding: number[],
) => Promise<number[] | undefined>;

/**
 * One −0 check of {@linkcode storedValueCases}: write −0 into persisted numbers in `bankId`,
 * read them back, and return `[actual, expected]` (expected holding 0 where −0 was written),
 * compared with `deepStrictEqual`, which tells −0 from 0.
 */
export type NegativeZeroRoundTrip<S> = (
  ctx: CaseContext<S>,
  bankId: string,
) => Promise<readonly [actual: unknown, expected: unknown]>;

/** How one store family is exercised by {@linkcode storedValueCases}. */
export interface StoredValueSpec<S> {
  /**
   * Every embedding field the family persists and returns, by label: store `embedding` in it
   * in a fresh bank and return what a read gives back.
   */
  embeddings?: Readonly<Record<string, EmbeddingRoundTrip<S>>>;
  /** Every persisted number a −0 can reach, by label. */
  negativeZero: Readonly<Record<string, NegativeZeroRoundTrip<S>>>;
}

/**
 * The contract cases of the stored-value rules: every embedding reads back as `Math.fround`
 * of each component given ({@linkcode assertStoredFloat32}), and −0 written into any
 * persisted number (metadata, confidences, weights, integer fields, embedding components)
 * reads back as 0.
 */
export function storedValueCases<S>(spec: StoredValueSpec<S>): CaseDefinition<S>[] {
  const cases: CaseDefinition<S>[] = [];
  const embeddings = spec.embeddings;
  if (embeddings !== undefined) {
    cases.push({
      name: "stored values: every embedding is stored as float32 (reads back as Math.fround " +
        "of each component, −0 as 0)",
      async fn(ctx) {
        const input = float32Probe(ctx.dimensions);
        for (const [label, roundTrip] of Object.entries(embeddings)) {
          let got: number[] | undefined;
          try {
            got = await roundTrip(ctx, ctx.bank("f32"), [...input]);
          } catch (e) {
            assert.fail(`${label}: ${e instanceof Error ? e.message : String(e)}`);
          }
          assertStoredFloat32(got, input, label);
        }
      },
    });
  }
  cases.push({
    name: "stored values: −0 is stored as 0 in every persisted number (metadata, " +
      "confidences, weights, integers, embedding components)",
    async fn(ctx) {
      for (const [label, roundTrip] of Object.entries(spec.negativeZero)) {
        let pair: readonly [unknown, unknown];
        try {
          pair = await roundTrip(ctx, ctx.bank("neg-zero"));
        } catch (e) {
          assert.fail(`${label}: ${e instanceof Error ? e.message : String(e)}`);
        }
        assert.deepStrictEqual(pair[0], pair[1], `${label}: −0 must read back as 0`);
      }
    },
  });
  return cases;
}
