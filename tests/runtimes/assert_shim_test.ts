/**
 * The workerd leg without `nodejs_compat` replaces `node:assert/strict` with
 * `_assert_shim.ts`. A shim more lenient than Node would let that leg pass cases Node fails,
 * so this file checks that the shim and the real module agree on a table of comparisons.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";
import shim, { AssertionError, isDeepStrictEqual } from "./_assert_shim.ts";

class Point {
  constructor(public x: number) {}
}

const sym = Symbol("k");
const loop: Record<string, unknown> = { a: 1 };
loop.self = loop;
const loop2: Record<string, unknown> = { a: 1 };
loop2.self = loop2;

/** Pairs whose deep-strict equality must be judged the same way as Node. */
const PAIRS: [string, unknown, unknown][] = [
  ["same number", 1, 1],
  ["number vs string", 1, "1"],
  ["NaN", NaN, NaN],
  ["+0 / -0", 0, -0],
  ["null vs undefined", null, undefined],
  ["arrays", [1, 2, 3], [1, 2, 3]],
  ["array order", [1, 2, 3], [3, 2, 1]],
  ["array length", [1, 2], [1, 2, undefined]],
  ["sparse vs undefined", [, 1], [undefined, 1]],
  ["nested objects", { a: { b: [1, { c: "x" }] } }, { a: { b: [1, { c: "x" }] } }],
  ["nested difference", { a: { b: [1, { c: "x" }] } }, { a: { b: [1, { c: "y" }] } }],
  ["key order irrelevant", { a: 1, b: 2 }, { b: 2, a: 1 }],
  ["undefined-valued key", { a: 1, b: undefined }, { a: 1 }],
  ["extra key", { a: 1 }, { a: 1, b: 2 }],
  ["dates equal", new Date(5), new Date(5)],
  ["dates differ", new Date(5), new Date(6)],
  ["date vs iso string", new Date(5), new Date(5).toISOString()],
  ["invalid dates", new Date(NaN), new Date(NaN)],
  ["class vs plain object", new Point(1), { x: 1 }],
  ["same class", new Point(1), new Point(1)],
  ["null prototype", Object.assign(Object.create(null), { a: 1 }), { a: 1 }],
  ["regexps", /a+/g, /a+/g],
  ["regexp flags", /a+/g, /a+/i],
  ["maps", new Map([["a", 1], ["b", 2]]), new Map([["b", 2], ["a", 1]])],
  ["map values", new Map([["a", 1]]), new Map([["a", 2]])],
  ["sets", new Set([1, 2]), new Set([2, 1])],
  ["set members", new Set([1, 2]), new Set([1, 3])],
  ["set of objects", new Set([{ a: 1 }]), new Set([{ a: 1 }])],
  ["typed arrays", new Float32Array([1, 2]), new Float32Array([1, 2])],
  ["typed array kind", new Float32Array([1, 2]), new Float64Array([1, 2])],
  ["typed array values", new Uint8Array([1, 2]), new Uint8Array([1, 3])],
  ["array vs typed array", [1, 2], new Float32Array([1, 2])],
  ["symbol keys", { [sym]: 1 }, { [sym]: 1 }],
  ["symbol key values", { [sym]: 1 }, { [sym]: 2 }],
  ["errors", new Error("x"), new Error("x")],
  ["error messages", new Error("x"), new Error("y")],
  ["boxed numbers", Object(1), Object(1)],
  ["boxed vs primitive", Object(1), 1],
  ["bigints", 10n, 10n],
  ["bigint vs number", 10n, 10],
  ["cycles", loop, loop2],
  ["functions", () => 1, () => 1],
];

Deno.test("assert shim: deepStrictEqual agrees with node:assert/strict", () => {
  for (const [name, a, b] of PAIRS) {
    let nodeSays = true;
    try {
      nodeAssert.deepStrictEqual(a, b);
    } catch {
      nodeSays = false;
    }
    nodeAssert.equal(isDeepStrictEqual(a, b), nodeSays, `isDeepStrictEqual disagrees: ${name}`);
    let shimSays = true;
    try {
      shim.deepEqual(a, b);
    } catch (e) {
      nodeAssert.ok(e instanceof AssertionError, `${name}: throws AssertionError`);
      shimSays = false;
    }
    nodeAssert.equal(shimSays, nodeSays, `shim.deepEqual disagrees: ${name}`);
  }
});

Deno.test("assert shim: equal, ok, match, fail and notEqual behave strictly", () => {
  nodeAssert.throws(() => shim.equal(1, "1" as unknown), AssertionError);
  nodeAssert.throws(() => shim.equal(0, -0), AssertionError);
  shim.equal(NaN, NaN);
  nodeAssert.throws(() => shim.notEqual("a", "a"), AssertionError);
  shim.notEqual(1, 2);
  nodeAssert.throws(() => shim.ok(0), AssertionError);
  nodeAssert.throws(() => shim(""), AssertionError);
  shim.ok(1);
  nodeAssert.throws(() => shim.match("abc", /x/), AssertionError);
  nodeAssert.throws(() => shim.match(5 as unknown as string, /5/), AssertionError);
  shim.match("abc", /b/);
  nodeAssert.throws(() => shim.fail("boom"), /boom/);
  nodeAssert.throws(() => shim.equal(1, 2, "custom message"), /custom message/);
});

Deno.test("assert shim: rejects and throws check the error", async () => {
  await shim.rejects(() => Promise.reject(new TypeError("t")));
  await shim.rejects(() => Promise.reject(new TypeError("t")), TypeError);
  await shim.rejects(Promise.reject(new Error("nope")), /nope/);
  await shim.rejects(() => Promise.reject(new Error("m")), { message: "m" });
  await nodeAssert.rejects(() => shim.rejects(() => Promise.resolve(1)), AssertionError);
  await nodeAssert.rejects(
    () => shim.rejects(() => Promise.reject(new Error("x")), TypeError),
    AssertionError,
  );
  shim.throws(() => {
    throw new RangeError("r");
  }, RangeError);
  nodeAssert.throws(() => shim.throws(() => {}), AssertionError);
});
