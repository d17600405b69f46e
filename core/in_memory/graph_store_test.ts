import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import type { GraphStore } from "../spi/graph_store.ts";
import { graphStoreContract } from "../testing/graph_store_contract.ts";
import { type ContractReport, registerDenoTests, runInline } from "../testing/harness.ts";
import { unsupported } from "../types.ts";
import { createInMemoryGraphStore } from "./graph_store.ts";

registerDenoTests(graphStoreContract({
  name: "GraphStore contract (in-memory)",
  create: () => Promise.resolve(createInMemoryGraphStore()),
}));

/** Runs the contract against `make()` and returns the status of every case by name. */
async function statuses(make: () => GraphStore): Promise<Map<string, string>> {
  const report: ContractReport = await runInline([
    graphStoreContract({ create: () => Promise.resolve(make()), largeBatchSize: 50 }),
  ]);
  return new Map(report.suites[0]!.cases.map((c) => [c.name, c.status]));
}

function assertFailed(result: Map<string, string>, names: string[]): void {
  for (const name of names) {
    assert.ok(result.has(name), `no contract case named ${name}`);
    assert.equal(result.get(name), "failed", `expected "${name}" to fail`);
  }
}

Deno.test("broken graph store: ignoring maxDepth fails the depth cases", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryGraphStore();
    return {
      ...inner,
      queryNeighbors: (ids, bank, options) =>
        inner.queryNeighbors(ids, bank, { ...options, maxDepth: 50 }),
    };
  });
  assertFailed(result, ["queryNeighbors honours maxDepth along a chain of links"]);
  assert.equal(
    result.get("queryNeighbors returns directly associated memories at depth 1 with score 1"),
    "passed",
  );
});

Deno.test("broken graph store: one hop only (upstream behaviour) fails traversal cases", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryGraphStore();
    return {
      ...inner,
      queryNeighbors: (ids, bank, options) =>
        inner.queryNeighbors(ids, bank, { ...options, maxDepth: 1 }),
    };
  });
  assertFailed(result, [
    "queryNeighbors honours maxDepth along a chain of links",
    "queryNeighbors connectedEntities are the requested ids reaching the memory at its minimal depth",
    "storeEntityLink returns an id, persists the link and is idempotent",
    "every method is isolated by bank",
  ]);
});

Deno.test("broken graph store: sharing one bank fails every isolation case", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryGraphStore();
    const b = (_bank: string) => "shared";
    return {
      ...inner,
      storeEntities: (x, bank) => inner.storeEntities(x, b(bank)),
      storeLinks: (x, bank) => inner.storeLinks(x, b(bank)),
      storeEntityLink: (x, bank) => inner.storeEntityLink(x, b(bank)),
      linkMemoriesToEntities: (x, bank) => inner.linkMemoriesToEntities(x, b(bank)),
      storeMemoryLinks: (x, bank) => inner.storeMemoryLinks!(x, b(bank)),
      findMemoryLinks: (x, bank, o) => inner.findMemoryLinks!(x, b(bank), o),
      queryNeighbors: (x, bank, o) => inner.queryNeighbors(x, b(bank), o),
      queryEntities: (x, bank, o) => inner.queryEntities(x, b(bank), o),
      findEntityCandidates: (x, bank, o) => inner.findEntityCandidates(x, b(bank), o),
      findEntityCandidatesScored: (x, bank, o) => inner.findEntityCandidatesScored(x, b(bank), o),
      forgetMemories: (x, bank) => inner.forgetMemories(x, b(bank)),
      deleteBank: (bank) => inner.deleteBank(b(bank)),
    };
  });
  assertFailed(result, [
    "the same entity id in two banks is two records",
    "every method is isolated by bank",
    "hostile bank ids are safe on every method",
    "deleteBank removes only that bank and returns the number removed",
    "forgetMemories removes the memories' associations and links and keeps entities",
    "invalid bank ids and options are rejected with ValidationError",
  ]);
});

Deno.test("broken graph store: ignoring the threshold fails the threshold case", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryGraphStore();
    return {
      ...inner,
      findEntityCandidates: (name, bank, o) =>
        inner.findEntityCandidates(name, bank, { ...o, threshold: 0 }),
      findEntityCandidatesScored: (name, bank, o) =>
        inner.findEntityCandidatesScored(name, bank, { ...o, trigramThreshold: 0 }),
    };
  });
  assertFailed(result, [
    "findEntityCandidates honours threshold using trigram similarity",
    "findEntityCandidatesScored drops candidates strictly below trigramThreshold",
  ]);
});

Deno.test("broken graph store: non-idempotent links and unsorted hits fail", async () => {
  const result = await statuses(() => {
    const inner = createInMemoryGraphStore();
    return {
      ...inner,
      storeLinks: async (links, bank) => {
        await inner.storeLinks(links, bank);
        return links.map(() => crypto.randomUUID());
      },
      storeMemoryLinks: async (links, bank) => {
        await inner.storeMemoryLinks!(links, bank);
        return links.map(() => crypto.randomUUID());
      },
      queryNeighbors: async (ids, bank, o) => (await inner.queryNeighbors(ids, bank, o)).reverse(),
    };
  });
  assertFailed(result, [
    "storeLinks returns one id per input and is idempotent in either direction",
    "storeMemoryLinks returns one id per input and is idempotent on (source, target, linkType)",
    "queryNeighbors orders by score then memory id and honours limit",
  ]);
});

Deno.test("graph store without memory links: those cases skip with the reason", async () => {
  const report = await runInline([graphStoreContract({
    largeBatchSize: 50,
    create: () => {
      const inner = createInMemoryGraphStore();
      const { storeMemoryLinks: _s, findMemoryLinks: _f, ...rest } = inner;
      return Promise.resolve({
        ...rest,
        capabilities: { ...inner.capabilities, memoryLinks: unsupported("no memory links here") },
      });
    },
  })]);
  const skipped = report.suites[0]!.cases.filter((c) => c.status === "skipped");
  assert.equal(skipped.length, 3);
  for (const c of skipped) assert.match(c.detail ?? "", /no memory links here/);
  assert.equal(report.failed, 0);
});

Deno.test("in-memory graph store: returned entities are copies", async () => {
  const store = createInMemoryGraphStore();
  const input = { id: "e1", name: "Alice", entityType: "PERSON", aliases: ["Ali"] };
  await store.storeEntities([input], "b");
  input.aliases.push("mutated");
  const [got] = await store.queryEntities("alice", "b");
  assert.deepEqual(got!.aliases, ["Ali"]);
  got!.aliases!.push("again");
  got!.name = "Changed";
  const [again] = await store.queryEntities("alice", "b");
  assert.deepEqual([again!.name, again!.aliases], ["Alice", ["Ali"]]);
});

Deno.test("in-memory graph store: errors are typed, prefixed and reject", async () => {
  const store = createInMemoryGraphStore();
  const pending = store.storeEntities([{ id: "", name: "x", entityType: "T" }], "b");
  assert.ok(pending instanceof Promise);
  await assert.rejects(pending, (e: unknown) => {
    assert.ok(e instanceof ValidationError);
    assert.match(e.message, /^\[astrocyte\/core\] entities\[0\]\.id must be a non-empty string$/);
    return true;
  });
  await assert.rejects(
    store.storeEntities([{ id: "e", name: "x", entityType: "T", embedding: [NaN] }], "b"),
    ValidationError,
  );
  await assert.rejects(
    store.storeLinks([{ entityA: "a", entityB: "b", linkType: "x", confidence: 2 }], "b"),
    ValidationError,
  );
  await assert.rejects(
    store.storeEntities(
      [{ id: "e", name: "x", entityType: "T", metadata: { o: {} as never } }],
      "b",
    ),
    ValidationError,
  );
});

Deno.test("in-memory graph store: capabilities, health and dispose", async () => {
  await using store = createInMemoryGraphStore();
  assert.equal(store.capabilities.memoryLinks, true);
  assert.equal(store.capabilities.persistent, false);
  const health = await store.health();
  assert.deepEqual([health.healthy, health.message], [true, "in-memory graph store"]);
});
