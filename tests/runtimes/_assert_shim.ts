/**
 * A small, strict stand-in for `node:assert/strict`, bundled into the workerd leg that runs
 * WITHOUT `nodejs_compat` (where no `node:` module exists). The contract suites import
 * `node:assert/strict`; esbuild aliases that import to this file for that leg only, so the
 * adapters and core are exercised with no Node API at all. Every other runtime (and the
 * `nodejs_compat` leg) uses the real module.
 *
 * Semantics follow Node's strict mode: `equal` is `Object.is`, `deepEqual` is
 * `deepStrictEqual` (prototypes, own enumerable string and symbol keys, `undefined`-valued
 * keys, Dates, RegExps, Maps, Sets, typed arrays, boxed primitives and errors compared).
 * `assert_shim_test.ts` checks it against `node:assert/strict` on a table of cases.
 *
 * @module
 */

/** The error every failed assertion throws (mirrors Node's `AssertionError` fields). */
export class AssertionError extends Error {
  /** The value under test. */
  actual: unknown;
  /** The expected value. */
  expected: unknown;
  /** The assertion that failed, e.g. `deepStrictEqual`. */
  operator: string;
  /** Always `ERR_ASSERTION`, as in Node. */
  code = "ERR_ASSERTION";
  /** Whether the message was generated (no message argument given). */
  generatedMessage: boolean;

  /** Build an assertion error. */
  constructor(
    options: { message?: string | Error; actual?: unknown; expected?: unknown; operator: string },
  ) {
    const generated = options.message === undefined;
    super(
      typeof options.message === "string"
        ? options.message
        : options.message instanceof Error
        ? options.message.message
        : `Expected values to satisfy ${options.operator}:\n  actual: ${
          show(options.actual)
        }\n  expected: ${show(options.expected)}`,
    );
    this.name = "AssertionError";
    this.actual = options.actual;
    this.expected = options.expected;
    this.operator = options.operator;
    this.generatedMessage = generated;
  }
}

function show(value: unknown): string {
  try {
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "bigint") return `${value}n`;
    if (value instanceof Date) return `Date(${value.toISOString()})`;
    if (typeof value === "object" && value !== null) {
      const text = JSON.stringify(value, (_k, v) => typeof v === "bigint" ? `${v}n` : v);
      return text.length > 400 ? `${text.slice(0, 400)}…` : text;
    }
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function fail(
  message: string | Error | undefined,
  actual: unknown,
  expected: unknown,
  operator: string,
): never {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message, actual, expected, operator });
}

function ownKeys(o: object): (string | symbol)[] {
  return Reflect.ownKeys(o).filter((k) => Object.prototype.propertyIsEnumerable.call(o, k));
}

const tag = (v: unknown): string => Object.prototype.toString.call(v);

/** Node's `isDeepStrictEqual`, for the value shapes the contract suites compare. */
export function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  return deep(a, b, new Map());
}

function deep(a: unknown, b: unknown, seen: Map<object, object>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false; // different primitives, or functions that are not identical
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (tag(a) !== tag(b)) return false;
  const known = seen.get(a);
  if (known !== undefined) return known === b;
  seen.set(a, b);
  if (a instanceof Date) {
    if (!Object.is((a as Date).getTime(), (b as Date).getTime())) return false;
  } else if (a instanceof RegExp) {
    const rb = b as RegExp;
    if (a.source !== rb.source || a.flags !== rb.flags || a.lastIndex !== rb.lastIndex) {
      return false;
    }
  } else if (a instanceof Error) {
    const eb = b as Error;
    if (a.message !== eb.message || a.name !== eb.name) return false;
  } else if (
    a instanceof Number || a instanceof String || a instanceof Boolean ||
    a instanceof (BigInt as unknown as new () => object) ||
    a instanceof (Symbol as unknown as new () => object)
  ) {
    if (!Object.is(a.valueOf(), (b as { valueOf(): unknown }).valueOf())) return false;
  } else if (ArrayBuffer.isView(a)) {
    const va = a as unknown as ArrayLike<unknown>;
    const vb = b as unknown as ArrayLike<unknown>;
    if (va.length !== vb.length) return false;
    for (let i = 0; i < va.length; i++) if (!Object.is(va[i], vb[i])) return false;
    // Typed arrays: indexes are own keys; compare only the non-index keys below.
    return sameKeys(a, b, seen, (k) => typeof k === "symbol" || !/^\d+$/.test(k));
  } else if (a instanceof Map) {
    const mb = b as Map<unknown, unknown>;
    if (a.size !== mb.size) return false;
    outer: for (const [k, v] of a) {
      if (mb.has(k)) {
        if (!deep(v, mb.get(k), seen)) return false;
        continue;
      }
      if (typeof k !== "object" || k === null) return false;
      for (const [k2, v2] of mb) {
        if (!a.has(k2) && deep(k, k2, seen) && deep(v, v2, seen)) continue outer;
      }
      return false;
    }
  } else if (a instanceof Set) {
    const sb = b as Set<unknown>;
    if (a.size !== sb.size) return false;
    outer: for (const v of a) {
      if (sb.has(v)) continue;
      if (typeof v !== "object" || v === null) return false;
      for (const v2 of sb) if (!a.has(v2) && deep(v, v2, seen)) continue outer;
      return false;
    }
  }
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return false;
  return sameKeys(a, b, seen, () => true);
}

function sameKeys(
  a: object,
  b: object,
  seen: Map<object, object>,
  include: (k: string | symbol) => boolean,
): boolean {
  const ka = ownKeys(a).filter(include);
  const kb = ownKeys(b).filter(include);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.propertyIsEnumerable.call(b, k)) return false;
    if (
      !deep(
        (a as Record<string | symbol, unknown>)[k],
        (b as Record<string | symbol, unknown>)[k],
        seen,
      )
    ) {
      return false;
    }
  }
  return true;
}

/** Matches a thrown error against Node's `rejects`/`throws` expectation forms. */
function matchesError(error: unknown, expected: unknown): boolean {
  if (expected === undefined) return true;
  if (expected instanceof RegExp) return expected.test(String(error));
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && error instanceof (expected as new () => unknown)) {
      return true;
    }
    if (Object.prototype.isPrototypeOf.call(Error, expected) || expected === Error) return false;
    return (expected as (e: unknown) => unknown)(error) === true;
  }
  if (typeof expected === "object" && expected !== null) {
    for (const k of ownKeys(expected)) {
      const want = (expected as Record<string | symbol, unknown>)[k];
      const got = (error as Record<string | symbol, unknown> | null)?.[k];
      if (want instanceof RegExp && typeof got === "string") {
        if (!want.test(got)) return false;
      } else if (!isDeepStrictEqual(got, want)) return false;
    }
    return true;
  }
  return false;
}

/** The callable default export: `assert(value, message)` is `assert.ok`. */
export interface StrictAssert {
  /** Throws unless `value` is truthy. */
  (value: unknown, message?: string | Error): asserts value;
  /** Throws unless `value` is truthy. */
  ok(value: unknown, message?: string | Error): asserts value;
  /** `Object.is` equality. */
  equal(actual: unknown, expected: unknown, message?: string | Error): void;
  /** `Object.is` equality. */
  strictEqual(actual: unknown, expected: unknown, message?: string | Error): void;
  /** Not `Object.is` equal. */
  notEqual(actual: unknown, expected: unknown, message?: string | Error): void;
  /** Not `Object.is` equal. */
  notStrictEqual(actual: unknown, expected: unknown, message?: string | Error): void;
  /** Deep strict equality. */
  deepEqual(actual: unknown, expected: unknown, message?: string | Error): void;
  /** Deep strict equality. */
  deepStrictEqual(actual: unknown, expected: unknown, message?: string | Error): void;
  /** Not deeply strict-equal. */
  notDeepEqual(actual: unknown, expected: unknown, message?: string | Error): void;
  /** Not deeply strict-equal. */
  notDeepStrictEqual(actual: unknown, expected: unknown, message?: string | Error): void;
  /** The string matches the regular expression. */
  match(value: string, regexp: RegExp, message?: string | Error): void;
  /** The string does not match the regular expression. */
  doesNotMatch(value: string, regexp: RegExp, message?: string | Error): void;
  /** Always throws. */
  fail(message?: string | Error): never;
  /** `fn` throws (optionally an error matching `expected`). */
  throws(fn: () => unknown, expected?: unknown, message?: string | Error): void;
  /** `fn` (or the promise) rejects (optionally with an error matching `expected`). */
  rejects(
    fn: Promise<unknown> | (() => Promise<unknown>),
    expected?: unknown,
    message?: string | Error,
  ): Promise<void>;
  /** `fn` (or the promise) resolves. */
  doesNotReject(
    fn: Promise<unknown> | (() => Promise<unknown>),
    message?: string | Error,
  ): Promise<void>;
  /** Throws `value` when it is neither `null` nor `undefined`. */
  ifError(value: unknown): void;
  /** The error class. */
  AssertionError: typeof AssertionError;
  /** This object (as in Node, `assert.strict === assert` in strict mode). */
  strict: StrictAssert;
}

function ok(value: unknown, message?: string | Error): asserts value {
  if (!value) {
    fail(message ?? "The expression evaluated to a falsy value", value, true, "==");
  }
}

const assert: StrictAssert = ok as StrictAssert;
assert.ok = ok;
assert.equal = assert.strictEqual = (actual, expected, message) => {
  if (!Object.is(actual, expected)) fail(message, actual, expected, "strictEqual");
};
assert.notEqual = assert.notStrictEqual = (actual, expected, message) => {
  if (Object.is(actual, expected)) fail(message, actual, expected, "notStrictEqual");
};
assert.deepEqual = assert.deepStrictEqual = (actual, expected, message) => {
  if (!isDeepStrictEqual(actual, expected)) fail(message, actual, expected, "deepStrictEqual");
};
assert.notDeepEqual = assert.notDeepStrictEqual = (actual, expected, message) => {
  if (isDeepStrictEqual(actual, expected)) fail(message, actual, expected, "notDeepStrictEqual");
};
assert.match = (value, regexp, message) => {
  if (typeof value !== "string" || !regexp.test(value)) fail(message, value, regexp, "match");
};
assert.doesNotMatch = (value, regexp, message) => {
  if (typeof value !== "string" || regexp.test(value)) {
    fail(message, value, regexp, "doesNotMatch");
  }
};
assert.fail = (message?: string | Error): never =>
  fail(message ?? "Failed", undefined, undefined, "fail");
assert.throws = (fn, expected, message) => {
  try {
    fn();
  } catch (e) {
    if (!matchesError(e, expected)) {
      fail(message ?? `The error did not match: ${show(String(e))}`, e, expected, "throws");
    }
    return;
  }
  fail(message ?? "Missing expected exception", undefined, expected, "throws");
};
assert.rejects = async (fn, expected, message) => {
  try {
    await (typeof fn === "function" ? fn() : fn);
  } catch (e) {
    if (!matchesError(e, expected)) {
      fail(message ?? `The rejection did not match: ${show(String(e))}`, e, expected, "rejects");
    }
    return;
  }
  fail(message ?? "Missing expected rejection", undefined, expected, "rejects");
};
assert.doesNotReject = async (fn, message) => {
  try {
    await (typeof fn === "function" ? fn() : fn);
  } catch (e) {
    fail(message ?? `Got unwanted rejection: ${show(String(e))}`, e, undefined, "doesNotReject");
  }
};
assert.ifError = (value) => {
  if (value !== null && value !== undefined) throw value;
};
assert.AssertionError = AssertionError;
assert.strict = assert;

/** The default export, shaped like `node:assert/strict`'s. */
export default assert;

/** `assert.ok`. */
export const strict: StrictAssert = assert;
