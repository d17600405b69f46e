import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import { createInMemoryGraphStore } from "../in_memory/graph_store.ts";
import { createInMemoryPageIndexStore } from "../in_memory/pageindex_store.ts";
import { createInMemorySourceStore } from "../in_memory/source_store.ts";
import { assertRejectsWith } from "../testing/fixtures.ts";
import { graphStoreContract } from "../testing/graph_store_contract.ts";
import { type ContractSuite, runInline } from "../testing/harness.ts";
import { pageIndexStoreContract } from "../testing/pageindex_store_contract.ts";
import { sourceStoreContract } from "../testing/source_store_contract.ts";
import {
  type StoreFamily,
  storeMethodIntegerFields,
  storeMethodParameters,
  validateStoredIntegers,
} from "./input_rules.ts";
import { INT32_MAX, INT32_MIN, validateInt32 } from "./validate.ts";

const P = "[astrocyte/test]";
const FAMILIES: readonly StoreFamily[] = [
  "vectorStore",
  "documentStore",
  "graphStore",
  "wikiStore",
  "mentalModelStore",
  "sourceStore",
  "pageIndexStore",
];

Deno.test("validateInt32: integers within [min, 2^31 − 1] pass, everything else names the field", () => {
  assert.equal(INT32_MAX, 2147483647);
  assert.equal(INT32_MIN, -2147483648);
  for (const ok of [0, 1, INT32_MAX]) assert.equal(validateInt32(ok, "n", P), ok);
  for (const ok of [INT32_MIN, -1, 0, INT32_MAX]) {
    assert.equal(validateInt32(ok, "n", P, INT32_MIN), ok);
  }
  const bad: unknown[] = [2 ** 31, 2 ** 53, 1e300, 1.5, -0.5, NaN, Infinity, -Infinity, "1", null];
  for (const value of [...bad, -1]) {
    assert.throws(
      () => validateInt32(value, "chunks[0].chunkIndex", P),
      (e: unknown) =>
        e instanceof ValidationError && e.field === "chunks[0].chunkIndex" &&
        e.message.startsWith(`${P} chunks[0].chunkIndex must be an integer from 0 to 2147483647`),
      String(value),
    );
  }
  for (const value of [...bad, INT32_MIN - 1]) {
    assert.throws(() => validateInt32(value, "lineNum", P, INT32_MIN), ValidationError);
  }
});

Deno.test("stored integers: the table names real methods and parameters", () => {
  let fields = 0;
  for (const family of FAMILIES) {
    const params = storeMethodParameters(family);
    for (const [method, byIndex] of Object.entries(storeMethodIntegerFields(family))) {
      assert.ok(Object.hasOwn(params, method), `${family}.${method}`);
      for (const [i, list] of Object.entries(byIndex)) {
        assert.ok(Number(i) < params[method]!.length, `${family}.${method} argument ${i}`);
        for (const f of list) {
          assert.ok(f.min === 0 || f.min === INT32_MIN, `${family}.${method} ${f.path}`);
          fields++;
        }
      }
    }
  }
  assert.equal(fields, 14);
});

Deno.test("validateStoredIntegers: walks arrays and tuples, skips absent fields and odd shapes", () => {
  const fields = storeMethodIntegerFields("pageIndexStore").saveWikiPage!;
  const names = ["args"];
  const page = { revision: 3 };
  validateStoredIntegers(
    [{ page, provenance: [["d", INT32_MIN], ["d", INT32_MAX]] }],
    names,
    fields,
    P,
  );
  validateStoredIntegers([{ page: {}, provenance: "not an array" }], names, fields, P);
  validateStoredIntegers([null], names, fields, P);
  for (
    const [arg, field] of [
      [{ page: { revision: 1.5 }, provenance: [] }, "args.page.revision"],
      [{ page, provenance: [["d", 1], ["d", 2 ** 31]] }, "args.provenance[1][1]"],
      [{ page, provenance: [["d", null]] }, "args.provenance[0][1]"],
    ] as const
  ) {
    assert.throws(
      () => validateStoredIntegers([arg], names, fields, P),
      (err: unknown) => err instanceof ValidationError && err.field === field,
      field,
    );
  }
});

Deno.test("stored integers: every reference rejects before any I/O, naming the argument path", async () => {
  const graph = createInMemoryGraphStore();
  await assertRejectsWith(
    () =>
      graph.storeEntities([
        { id: "a", name: "A", entityType: "X" },
        { id: "b", name: "B", entityType: "X", mentionCount: 2 ** 31 },
      ], "bank"),
    ValidationError,
    "entities[1].mentionCount",
  );
  assert.deepEqual(await graph.queryEntities("", "bank"), [], "nothing written");
  await graph.storeEntities(
    [{ id: "a", name: "A", entityType: "X", mentionCount: INT32_MAX }],
    "bank",
  );
  assert.equal((await graph.queryEntities("", "bank"))[0]?.mentionCount, INT32_MAX);

  const sources = createInMemorySourceStore();
  const chunk = { id: "c", bankId: "bank", documentId: "d", text: "t" };
  await assertRejectsWith(
    () =>
      sources.storeChunks([{ ...chunk, chunkIndex: 0 }, { ...chunk, id: "c2", chunkIndex: NaN }]),
    ValidationError,
    "chunks[1].chunkIndex",
  );
  assert.equal(await sources.getChunk("c", "bank"), null, "nothing written");

  const pi = createInMemoryPageIndexStore();
  const documentId = await pi.saveDocument({ id: "d", bankId: "bank", sourceId: "s", mdText: "#" });
  const ref = { bankId: "bank", documentId };
  await assertRejectsWith(
    () => pi.saveSections(ref, [{ documentId, lineNum: 1, nodeId: "1", title: "t", depth: 1.5 }]),
    ValidationError,
    "sections[0].depth",
  );
  assert.deepEqual(await pi.loadSkeleton(ref), [], "nothing written");
  await assertRejectsWith(
    () => pi.expandSectionLinks("bank", [[documentId, -(2 ** 31) - 1]]),
    ValidationError,
    "seeds[0][1]",
  );
});

type Rewrite = (n: number, min: number) => number;

/** A copy of `value` with `fn` applied to the integer field at `path` (`"*"` = every element). */
function rewriteAt(
  value: unknown,
  path: readonly (string | number)[],
  fn: (n: number) => number,
): unknown {
  if (path.length === 0) return typeof value === "number" ? fn(value) : value;
  const [key, ...rest] = path;
  if (key === "*") return Array.isArray(value) ? value.map((x) => rewriteAt(x, rest, fn)) : value;
  if (value === null || typeof value !== "object") return value;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<
    string | number,
    unknown
  >;
  if (copy[key!] !== undefined) copy[key!] = rewriteAt(copy[key!], rest, fn);
  return copy;
}

/**
 * A broken store: the integer fields of every call are rewritten by `fn` before the reference
 * sees them, like a backend that saturates out-of-range integers or keeps them as float32.
 */
function rewriteIntegers<S extends object>(family: StoreFamily, store: S, fn: Rewrite): S {
  const table = storeMethodIntegerFields(family);
  return new Proxy(store, {
    get(target, key) {
      const v = Reflect.get(target, key, target);
      if (typeof v !== "function" || typeof key !== "string" || !Object.hasOwn(table, key)) {
        return v;
      }
      return (...args: unknown[]) => {
        const copy = [...args];
        for (const [i, fields] of Object.entries(table[key]!)) {
          for (const f of fields) {
            copy[Number(i)] = rewriteAt(copy[Number(i)], f.path, (n) => fn(n, f.min));
          }
        }
        return v.apply(target, copy);
      };
    },
  });
}

const saturate: Rewrite = (n, min) =>
  Number.isNaN(n) ? 0 : Math.min(INT32_MAX, Math.max(min, Math.trunc(n)));
const float32: Rewrite = (n) => Math.fround(n);

async function statuses(suite: ContractSuite, part: string): Promise<string[]> {
  const report = await runInline([suite]);
  return report.suites[0]!.cases.filter((c) => c.name.includes(part)).map((c) => c.status);
}

function suites(fn: Rewrite): ContractSuite[] {
  return [
    graphStoreContract({
      create: () => Promise.resolve(rewriteIntegers("graphStore", createInMemoryGraphStore(), fn)),
    }),
    sourceStoreContract({
      create: () =>
        Promise.resolve(rewriteIntegers("sourceStore", createInMemorySourceStore(), fn)),
    }),
    pageIndexStoreContract({
      create: () =>
        Promise.resolve(rewriteIntegers("pageIndexStore", createInMemoryPageIndexStore(), fn)),
    }),
  ];
}

Deno.test("contract harness: a store that saturates out-of-range integers fails the rejection case", async () => {
  for (const suite of suites(saturate)) {
    assert.deepEqual(
      await statuses(suite, "a value beyond int32"),
      ["failed"],
      suite.name,
    );
    assert.deepEqual(await statuses(suite, "holds its int32 bounds"), ["passed"], suite.name);
  }
});

Deno.test("contract harness: a store that keeps integers as float32 fails the round-trip case", async () => {
  for (const suite of suites(float32)) {
    assert.deepEqual(await statuses(suite, "holds its int32 bounds"), ["failed"], suite.name);
  }
  // The reference passes both.
  const ok = graphStoreContract({ create: () => Promise.resolve(createInMemoryGraphStore()) });
  assert.deepEqual(await statuses(ok, "stored integers:"), ["passed", "passed"]);
});
