import assert from "node:assert/strict";
import type { Entity, GraphStore } from "../spi/graph_store.ts";
import type { VectorItem, VectorStore } from "../spi/vector_store.ts";
import { createInMemoryGraphStore } from "../in_memory/graph_store.ts";
import { createInMemoryVectorStore } from "../in_memory/vector_store.ts";
import { graphStoreContract } from "../testing/graph_store_contract.ts";
import { type ContractReport, runInline } from "../testing/harness.ts";
import { vectorStoreContract } from "../testing/vector_store_contract.ts";
import { toFloat32, toStoredEmbedding, toStoredMetadata, toStoredNumber } from "./stored_values.ts";

const FLOAT32_CASE = "stored values: every embedding is stored as float32 (reads back as " +
  "Math.fround of each component, −0 as 0)";
const NEGATIVE_ZERO_CASE = "stored values: −0 is stored as 0 in every persisted number " +
  "(metadata, confidences, weights, integers, embedding components)";

Deno.test("toStoredNumber turns −0 into 0 and keeps every other number", () => {
  assert.ok(Object.is(toStoredNumber(-0), 0));
  for (const x of [0, 1, -1, 0.1, -2.5e-7, 5e-324, -Number.MAX_VALUE]) {
    assert.ok(Object.is(toStoredNumber(x), x), String(x));
  }
});

Deno.test("toFloat32 and toStoredEmbedding round to float32 and turn −0 into 0", () => {
  assert.equal(toFloat32(0.1), 0.10000000149011612);
  assert.ok(Object.is(toFloat32(-0), 0));
  assert.ok(Object.is(toFloat32(-1e-46), 0), "underflow to −0 is stored as 0");
  const input = [0.1, 1 / 3, -2.5e-7, -0, 123456.789, 1e-40];
  const stored = toStoredEmbedding(input);
  assert.notEqual(stored, input);
  assert.deepStrictEqual(stored, input.map((x) => Math.fround(x) + 0));
  assert.deepStrictEqual(toStoredEmbedding(new Float32Array([-0, 0.5])), [0, 0.5]);
  assert.deepStrictEqual(toStoredEmbedding(stored), stored, "idempotent");
});

Deno.test("toStoredMetadata copies metadata with −0 stored as 0", () => {
  const input = { a: -0, b: 0.1, c: "-0", d: null, e: true };
  const stored = toStoredMetadata(input);
  assert.notEqual(stored, input);
  assert.deepStrictEqual(stored, { a: 0, b: 0.1, c: "-0", d: null, e: true });
  assert.ok(Object.is(input.a, -0), "the input is not modified");
});

/** Status of every contract case by name. */
function statuses(report: ContractReport): Map<string, string> {
  return new Map(report.suites[0]!.cases.map((c) => [c.name, c.status]));
}

Deno.test("broken graph store: entity values kept as given (float64, −0) fail the stored-value cases", async () => {
  const make = (): GraphStore => {
    const inner = createInMemoryGraphStore();
    const raw = new Map<string, Entity>();
    const key = (bankId: string, id: string) => JSON.stringify([bankId, id]);
    const restore = (bankId: string, e: Entity): Entity => {
      const given = raw.get(key(bankId, e.id));
      if (given === undefined) return e;
      const out = { ...e, mentionCount: given.mentionCount ?? 1 };
      if (given.embedding !== undefined) out.embedding = [...given.embedding];
      if (given.metadata !== undefined) out.metadata = { ...given.metadata };
      return out;
    };
    return {
      ...inner,
      async storeEntities(entities, bankId) {
        const ids = await inner.storeEntities(entities, bankId);
        for (const e of entities) raw.set(key(bankId, e.id), structuredClone(e));
        return ids;
      },
      async queryEntities(query, bankId, options) {
        return (await inner.queryEntities(query, bankId, options)).map((e) => restore(bankId, e));
      },
      async findEntityCandidates(name, bankId, options) {
        return (await inner.findEntityCandidates(name, bankId, options)).map((e) =>
          restore(bankId, e)
        );
      },
      async findEntityCandidatesScored(name, bankId, options) {
        return (await inner.findEntityCandidatesScored(name, bankId, options)).map((m) => ({
          ...m,
          entity: restore(bankId, m.entity),
        }));
      },
    };
  };
  const result = statuses(
    await runInline([graphStoreContract({ create: () => Promise.resolve(make()) })]),
  );
  assert.equal(result.get(FLOAT32_CASE), "failed");
  assert.equal(result.get(NEGATIVE_ZERO_CASE), "failed");
  assert.equal(result.get("entity fields round-trip"), "passed");
});

Deno.test("broken vector store: vectors and metadata kept as given (−0) fail the −0 case", async () => {
  const make = (): VectorStore => {
    const inner = createInMemoryVectorStore();
    const raw = new Map<string, VectorItem>();
    const key = (bankId: string, id: string) => JSON.stringify([bankId, id]);
    return {
      ...inner,
      async storeVectors(items) {
        const ids = await inner.storeVectors(items);
        for (const it of items) raw.set(key(it.bankId, it.id), structuredClone(it));
        return ids;
      },
      async listVectors(bankId, options) {
        return (await inner.listVectors(bankId, options)).map((it) => {
          const given = raw.get(key(bankId, it.id));
          if (given === undefined) return it;
          // Keeps −0 components (as libSQL's F32_BLOB did), rounds the rest to float32.
          return {
            ...it,
            vector: it.vector.map((x, i) => (Object.is(given.vector[i], -0) ? -0 : x)),
          };
        });
      },
    };
  };
  const result = statuses(
    await runInline([
      vectorStoreContract({ create: () => Promise.resolve(make()), largeBatchSize: 50 }),
    ]),
  );
  assert.equal(result.get(NEGATIVE_ZERO_CASE), "failed");
  assert.equal(
    result.get(
      "round trip: vector values within float32 precision at the configured dimension " +
        "(upstream single-element / large vector cases)",
    ),
    "passed",
  );
});
