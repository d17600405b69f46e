import assert from "node:assert/strict";
import { InvalidVectorError, ValidationError } from "../errors.ts";
import { createInMemoryDocumentStore } from "../in_memory/document_store.ts";
import { createInMemoryGraphStore } from "../in_memory/graph_store.ts";
import { createInMemoryMentalModelStore } from "../in_memory/mental_model_store.ts";
import { createInMemoryPageIndexStore } from "../in_memory/pageindex_store.ts";
import { createInMemorySourceStore } from "../in_memory/source_store.ts";
import { createInMemoryVectorStore } from "../in_memory/vector_store.ts";
import { createInMemoryWikiStore } from "../in_memory/wiki_store.ts";
import type { VectorStore } from "../spi/vector_store.ts";
import { documentStoreContract } from "../testing/document_store_contract.ts";
import { assertRejectsWith } from "../testing/fixtures.ts";
import { graphStoreContract } from "../testing/graph_store_contract.ts";
import { type ContractSuite, runInline } from "../testing/harness.ts";
import { mentalModelStoreContract } from "../testing/mental_model_store_contract.ts";
import { pageIndexStoreContract } from "../testing/pageindex_store_contract.ts";
import { sourceStoreContract } from "../testing/source_store_contract.ts";
import { vectorStoreContract } from "../testing/vector_store_contract.ts";
import { wikiStoreContract } from "../testing/wiki_store_contract.ts";
import {
  enforceInputRules,
  type StoreFamily,
  storeMethodIdParameters,
  storeMethodParameters,
  validateArguments,
  validateRecordIds,
} from "./input_rules.ts";
import {
  isPortableString,
  loneSurrogateIndex,
  MAX_INPUT_DEPTH,
  MAX_VECTOR_NORM,
  MIN_VECTOR_NORM,
  validateBankId,
  validateCount,
  validateId,
  validateStrings,
  validateText,
  validateVector,
} from "./validate.ts";

const P = "[astrocyte/test]";

/** The error `fn` throws (synchronously). */
function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ValidationError, `expected ValidationError, got ${e}`);
    return e;
  }
  assert.fail("expected a ValidationError");
}

Deno.test("portable strings: NUL and lone surrogates are out, everything else is in", () => {
  for (const ok of ["", "plain", "😀 astral pair", "\uFEFF\u200B", "a\u0001\u001f\u007fb", "é"]) {
    assert.ok(isPortableString(ok), JSON.stringify(ok));
    assert.equal(validateText(ok, "text", P), ok);
  }
  for (const bad of ["\u0000", "a\u0000b", "a\uD800b", "\uDC00", "x\uD83D", "\uDE00😀"]) {
    assert.ok(!isPortableString(bad), JSON.stringify(bad));
  }
  assert.match(
    thrown(() => validateText("a\u0000b", "items[0].text", P)).message,
    /^\[astrocyte\/test\] items\[0\]\.text must not contain U\+0000 \(NUL\), found at index 1$/,
  );
  const e = thrown(() => validateText("ab\uD800", "query", P));
  assert.equal(e.field, "query");
  assert.match(e.message, /well-formed UTF-16, found a lone surrogate U\+D800 at index 2/);
  assert.match(thrown(() => validateText(42, "text", P)).message, /text must be a string/);
});

Deno.test("portable strings: the fallback scan agrees with String.prototype.isWellFormed", () => {
  const units = [0x61, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00, 0x0, 0xfffd];
  let x = 7;
  for (let n = 0; n < 3000; n++) {
    let s = "";
    const len = (x = (x * 1103515245 + 12345) >>> 0) % 6;
    for (let i = 0; i < len; i++) {
      s += String.fromCharCode(units[(x = (x * 1103515245 + 12345) >>> 0) % units.length]!);
    }
    const native = (s as string & { isWellFormed(): boolean }).isWellFormed();
    assert.equal(loneSurrogateIndex(s) < 0, native, JSON.stringify(s));
  }
});

Deno.test("bank ids and ids follow the string rule", () => {
  assert.equal(validateBankId("o'brien%_:🧠", P), "o'brien%_:🧠");
  const e = thrown(() => validateBankId("bank\u0000", P));
  assert.equal(e.field, "bankId");
  assert.match(e.message, /Bank id must not contain U\+0000/);
  assert.equal(thrown(() => validateBankId("b\uDFFF", P)).field, "bankId");
  assert.equal(thrown(() => validateId("x\uD800", "ids[3]", P)).field, "ids[3]");
});

Deno.test("validateStrings walks arrays and plain objects, names the path, skips other objects", () => {
  validateStrings(
    { a: [1, "x", { b: null, c: true }], d: new Date(0), e: new Float32Array(2) },
    "v",
  );
  const at = (value: unknown) => thrown(() => validateStrings(value, "items", P)).field;
  assert.equal(at([{ id: "a" }, { tags: ["t", "a\u0000"] }]), "items[1].tags[1]");
  assert.equal(at([{ metadata: { "k.dot": "\uD800" } }]), 'items[0].metadata["k.dot"]');
  assert.equal(at({ md: { ["k\u0000"]: "v" } }), 'items.md["k\\u0000"]');
  assert.match(
    thrown(() => validateStrings({ md: { ["k\u0000"]: 1 } }, "x", P)).message,
    /The key x\.md/,
  );
  class Opaque {
    s = "a\u0000";
  }
  validateStrings([new Opaque()], "x");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.match(thrown(() => validateStrings(cyclic, "x", P)).message, /nested more than 64/);
  let deep: unknown = "ok";
  for (let i = 0; i < MAX_INPUT_DEPTH; i++) deep = [deep];
  validateStrings(deep, "x"); // 64 levels of arrays
  assert.throws(() => validateStrings([deep], "x"), ValidationError);
});

Deno.test("vector norms: 0 or within [2^-30, 2^30], float32-rounded, stored and query alike", () => {
  assert.equal(MIN_VECTOR_NORM, 2 ** -30);
  assert.equal(MAX_VECTOR_NORM, 2 ** 30);
  for (
    const ok of [[0, 0], [-0, 0], [2 ** 30, 0], [0, 2 ** -30], [3, 4], [1e-46, 0], [
      2 ** 29,
      2 ** 29,
    ]]
  ) {
    validateVector(ok, 2, "v", P);
  }
  for (
    const bad of [[2 ** 30 * 1.0001, 0], [1e9, 1e9], [3.4e38, 1], [2 ** -31, 0], [1e-30, 1e-30]]
  ) {
    let err: unknown;
    try {
      validateVector(bad, 2, "queryVector", P);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof InvalidVectorError, `${bad}: ${err}`);
    assert.equal(err.field, "queryVector");
    assert.match(
      err.message,
      /queryVector has norm .*: the norm must be 0 or within \[2\^-30, 2\^30\]/,
    );
  }
});

Deno.test("enforceInputRules: rejects before the store runs, as a rejected promise", async () => {
  let calls = 0;
  let dims = 3;
  const inner = {
    get capabilities() {
      return { dims };
    },
    storeVectors(items: unknown[]) {
      calls++;
      return Promise.resolve(items.length);
    },
    listVectors(this: unknown, bankId: string) {
      calls++;
      return Promise.resolve(this === inner ? [bankId] : ["wrong this"]);
    },
    health: () => Promise.resolve({ healthy: true }),
    extra: (s: string) => s,
  };
  const store = enforceInputRules("vectorStore", inner, P);
  const e = await assertRejectsWith(
    () => store.storeVectors([{ id: "a" }, { id: "b", metadata: { k: "\uD800" } }]),
    ValidationError,
    "items[1].metadata.k must be well-formed UTF-16",
  );
  assert.equal((e as ValidationError).field, "items[1].metadata.k");
  await assertRejectsWith(() => store.listVectors("b\u0000"), ValidationError, "bankId");
  assert.equal(calls, 0, "the store never ran");
  assert.deepEqual(await store.listVectors("b"), ["b"], "methods run with the store as this");
  assert.equal(calls, 1);
  dims = 5;
  assert.deepEqual(store.capabilities, { dims: 5 }, "getters stay live");
  assert.equal(store.extra("a\u0000"), "a\u0000", "non-SPI members are not checked");
  assert.equal(store.listVectors, store.listVectors, "wrapped methods are stable");
  assert.deepEqual(storeMethodParameters("vectorStore").searchSimilar, [
    "queryVector",
    "bankId",
    "options",
  ]);
  assert.throws(() => validateArguments(["ok", 1, ["\u0000"]], ["a"], P), /arguments\[2\]\[0\]/);
});

/** Deep-map every string argument the way a UTF-8 backend would (truncate at NUL, U+FFFD). */
function mangle(value: unknown): unknown {
  if (typeof value === "string") {
    return value.split("\u0000")[0]!.replace(/[\uD800-\uDFFF]/g, "\uFFFD");
  }
  if (Array.isArray(value)) return value.map(mangle);
  if (
    value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [mangle(k), mangle(v)]));
  }
  return value;
}

/** A store that silently mangles strings instead of rejecting them (libSQL's old behaviour). */
function mangling<S extends object>(store: S): S {
  return new Proxy(store, {
    get(target, key) {
      const v = Reflect.get(target, key, target);
      if (typeof v !== "function" || key === "close" || key === "health") return v;
      return (...args: unknown[]) => v.apply(target, args.map(mangle));
    },
  });
}

async function inputRuleStatuses(suite: ContractSuite): Promise<Map<string, string>> {
  const report = await runInline([suite]);
  return new Map(
    report.suites[0]!.cases.filter((c) => c.name.startsWith("input rule:")).map((
      c,
    ) => [c.name, c.status]),
  );
}

Deno.test("contract harness: a store that mangles NUL and lone surrogates fails the input-rule cases", async () => {
  const suites: ContractSuite[] = [
    vectorStoreContract({
      create: ({ dimensions }) =>
        Promise.resolve(mangling(createInMemoryVectorStore({ dimensions }))),
    }),
    documentStoreContract({
      create: () => Promise.resolve(mangling(createInMemoryDocumentStore())),
    }),
    graphStoreContract({ create: () => Promise.resolve(mangling(createInMemoryGraphStore())) }),
    wikiStoreContract({ create: () => Promise.resolve(mangling(createInMemoryWikiStore())) }),
    mentalModelStoreContract({
      create: () => Promise.resolve(mangling(createInMemoryMentalModelStore())),
    }),
    sourceStoreContract({ create: () => Promise.resolve(mangling(createInMemorySourceStore())) }),
    pageIndexStoreContract({
      create: () => Promise.resolve(mangling(createInMemoryPageIndexStore())),
    }),
  ];
  for (const suite of suites) {
    const statuses = await inputRuleStatuses(suite);
    const strings = [...statuses].filter(([name]) =>
      !name.includes("vector norm") && !name.includes("record id")
    );
    assert.equal(strings.length, 3, suite.name);
    for (const [name, status] of strings) assert.equal(status, "failed", `${suite.name}: ${name}`);
  }
});

Deno.test("contract harness: a store that rescales out-of-range vectors fails the norm case", async () => {
  const rescale = (v: number[]) => {
    const n = Math.hypot(...v.map((x) => Math.min(Math.abs(x), 1e30) * Math.sign(x)));
    return n === 0 ? v : v.map((x) => Math.sign(x) * Math.min(Math.abs(x), 1e30) / n);
  };
  const make = (dimensions: number): VectorStore => {
    const inner = createInMemoryVectorStore({ dimensions });
    return new Proxy(inner, {
      get(target, key) {
        if (key === "storeVectors") {
          return (items: { vector: number[] }[]) =>
            target.storeVectors(
              items.map((it) => ({ ...it, vector: rescale(it.vector) })) as never,
            );
        }
        if (key === "searchSimilar") {
          return (q: number[], ...rest: [string]) => target.searchSimilar(rescale(q), ...rest);
        }
        return Reflect.get(target, key, target);
      },
    });
  };
  const statuses = await inputRuleStatuses(
    vectorStoreContract({ create: ({ dimensions }) => Promise.resolve(make(dimensions)) }),
  );
  const norm = [...statuses].filter(([name]) => name.includes("vector norm"));
  assert.equal(norm.length, 1);
  assert.equal(norm[0]![1], "failed");
});

Deno.test("record ids of reads and deletes: the write-side shape, checked before the store runs", async () => {
  const names = ["ids", "bankId"];
  validateRecordIds([["a", "x".repeat(512)], "b"], names, { 0: "ids" }, P);
  assert.match(
    thrown(() => validateRecordIds([["a", ""], "b"], names, { 0: "ids" }, P)).message,
    /^\[astrocyte\/test\] ids\[1\] must be a non-empty string$/,
  );
  assert.equal(
    thrown(() => validateRecordIds([["x".repeat(513)], "b"], names, { 0: "ids" }, P)).field,
    "ids[0]",
  );
  assert.match(
    thrown(() => validateRecordIds(["a", "b"], names, { 0: "ids" }, P)).message,
    /ids must be an array of ids/,
  );
  assert.match(
    thrown(() => validateRecordIds(["b", ""], ["bankId", "sourceId"], { 1: "id" }, P)).message,
    /sourceId must be a non-empty string/,
  );
  // Every listed parameter exists, with the listed name, in the string-rule table.
  const families: StoreFamily[] = [
    "vectorStore",
    "documentStore",
    "graphStore",
    "wikiStore",
    "mentalModelStore",
    "sourceStore",
    "pageIndexStore",
  ];
  for (const family of families) {
    const params = storeMethodParameters(family);
    for (const [method, shapes] of Object.entries(storeMethodIdParameters(family))) {
      for (const i of Object.keys(shapes)) {
        assert.ok(params[method]?.[Number(i)] !== undefined, `${family}.${method}[${i}]`);
      }
    }
  }
  assert.deepEqual(storeMethodIdParameters("vectorStore"), { delete: { 0: "ids" } });
  // The reference store rejects before it runs: nothing deleted, the error names the argument.
  const store = createInMemoryVectorStore({ dimensions: 2 });
  await store.storeVectors([{ id: "a", bankId: "b", vector: [1, 0], text: "a" }]);
  await assertRejectsWith(() => store.delete(["a", ""], "b"), ValidationError, "ids[1]");
  await assertRejectsWith(() => store.delete(["a", "x".repeat(513)], "b"), ValidationError);
  assert.equal((await store.listVectors("b")).length, 1, "nothing deleted");
  assert.equal(await store.delete(["x".repeat(512)], "b"), 0, "well-formed unknown id");
  const wiki = createInMemoryWikiStore();
  await assertRejectsWith(() => wiki.getPage("", "b"), ValidationError, "pageId");
  assert.equal(await wiki.getPage("nope", "b"), null);
});

Deno.test("counts: any integer is valid, clamped to MAX_SAFE_INTEGER; others are rejected", () => {
  assert.equal(validateCount(undefined, 10, "limit", P), 10);
  assert.equal(validateCount(2 ** 31, 10, "limit", P), 2 ** 31);
  assert.equal(validateCount(Number.MAX_SAFE_INTEGER, 10, "limit", P), Number.MAX_SAFE_INTEGER);
  assert.equal(validateCount(2 ** 64, 10, "limit", P), Number.MAX_SAFE_INTEGER);
  assert.equal(validateCount(1e300, 10, "limit", P), Number.MAX_SAFE_INTEGER);
  for (const bad of [-1, 1.5, NaN, Infinity, -Infinity, "5", null]) {
    assert.throws(() => validateCount(bad, 10, "limit", P), ValidationError, String(bad));
  }
  assert.throws(() => validateCount(0, 2, "maxDepth", P, 1), /maxDepth must be an integer ≥ 1/);
});

/**
 * A store that answers "missing" for a malformed record id instead of rejecting it (the
 * lenient behaviour the id rule replaced): the id arguments are swapped for a well-formed
 * unknown id before the reference runs.
 */
function lenientIds<S extends object>(family: StoreFamily, store: S): S {
  const table = storeMethodIdParameters(family);
  const fix = (id: unknown) =>
    typeof id === "string" && id.length > 0 && id.length <= 512 ? id : "never-stored-id";
  return new Proxy(store, {
    get(target, key) {
      const v = Reflect.get(target, key, target);
      const shapes = typeof key === "string" ? table[key] : undefined;
      if (typeof v !== "function" || shapes === undefined) return v;
      return (...args: unknown[]) => {
        const copy = [...args];
        for (const [i, shape] of Object.entries(shapes)) {
          const a = copy[Number(i)];
          copy[Number(i)] = shape === "id" ? fix(a) : Array.isArray(a) ? a.map(fix) : a;
        }
        return v.apply(target, copy);
      };
    },
  });
}

/** A store that fails on counts above 2^31 − 1, like a SQL `int` parameter. */
function int32Counts<S extends object>(store: S): S {
  const tooBig = (x: unknown): boolean =>
    (typeof x === "number" && x > 2 ** 31 - 1) ||
    (x !== null && typeof x === "object" && !Array.isArray(x) && !(x instanceof Date) &&
      Object.values(x).some(tooBig));
  return new Proxy(store, {
    get(target, key) {
      const v = Reflect.get(target, key, target);
      if (typeof v !== "function" || key === "close" || key === "health") return v;
      return (...args: unknown[]) =>
        args.some(tooBig)
          ? Promise.reject(new ValidationError(`${P} value is out of range for type integer`))
          : v.apply(target, args);
    },
  });
}

async function caseStatuses(suite: ContractSuite, part: string): Promise<string[]> {
  const report = await runInline([suite]);
  return report.suites[0]!.cases.filter((c) => c.name.includes(part)).map((c) => c.status);
}

Deno.test("contract harness: a store that treats malformed ids as unknown fails the id case", async () => {
  const suites: ContractSuite[] = [
    vectorStoreContract({
      create: ({ dimensions }) =>
        Promise.resolve(lenientIds("vectorStore", createInMemoryVectorStore({ dimensions }))),
    }),
    wikiStoreContract({
      create: () => Promise.resolve(lenientIds("wikiStore", createInMemoryWikiStore())),
    }),
    mentalModelStoreContract({
      create: () =>
        Promise.resolve(lenientIds("mentalModelStore", createInMemoryMentalModelStore())),
    }),
    sourceStoreContract({
      create: () => Promise.resolve(lenientIds("sourceStore", createInMemorySourceStore())),
    }),
  ];
  for (const suite of suites) {
    assert.deepEqual(await caseStatuses(suite, "malformed record id"), ["failed"], suite.name);
  }
  // The unwrapped reference passes it.
  const ok = vectorStoreContract({
    create: ({ dimensions }) => Promise.resolve(createInMemoryVectorStore({ dimensions })),
  });
  assert.deepEqual(await caseStatuses(ok, "malformed record id"), ["passed"]);
});

Deno.test("contract harness: a store whose counts overflow at 2^31 fails the counts case", async () => {
  const suites: ContractSuite[] = [
    vectorStoreContract({
      create: ({ dimensions }) =>
        Promise.resolve(int32Counts(createInMemoryVectorStore({ dimensions }))),
    }),
    documentStoreContract({
      create: () => Promise.resolve(int32Counts(createInMemoryDocumentStore())),
    }),
    graphStoreContract({ create: () => Promise.resolve(int32Counts(createInMemoryGraphStore())) }),
    sourceStoreContract({
      create: () => Promise.resolve(int32Counts(createInMemorySourceStore())),
    }),
    pageIndexStoreContract({
      create: () => Promise.resolve(int32Counts(createInMemoryPageIndexStore())),
    }),
  ];
  for (const suite of suites) {
    assert.deepEqual(await caseStatuses(suite, "any integer limit"), ["failed"], suite.name);
  }
});
