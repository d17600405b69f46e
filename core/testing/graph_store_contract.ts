/**
 * The GraphStore contract suite: every method, every `spi.md` §2 decision that applies to graph
 * stores (per-bank keys, idempotent edge inserts, breadth-first `queryNeighbors` honouring
 * `maxDepth`, trigram candidate matching honouring thresholds, missing means empty), bank
 * isolation on every method including hostile bank ids, and validation that writes nothing.
 *
 * @example
 * ```ts ignore
 * import { graphStoreContract, registerDenoTests } from "@astrocyte/core/testing";
 * import { createInMemoryGraphStore } from "@astrocyte/core";
 *
 * registerDenoTests(graphStoreContract({
 *   create: () => Promise.resolve(createInMemoryGraphStore()),
 * }));
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import type {
  Entity,
  EntityLink,
  GraphHit,
  GraphStore,
  MemoryEntityAssociation,
  MemoryLink,
} from "../spi/graph_store.ts";
import type { Capability } from "../types.ts";
import { trigramSimilarity } from "../util/text.ts";
import {
  type Calls,
  integerFieldCases,
  NEGATIVE_ZERO_METADATA,
  NEGATIVE_ZERO_METADATA_STORED,
  storedValueCases,
  stringRuleCases,
} from "./_contract_helpers.ts";
import { assertClose, assertRejectsWith, oneHot, seededVector } from "./fixtures.ts";
import {
  buildSuite,
  type CaseDefinition,
  type ContractOptions,
  type ContractSuite,
  HOSTILE_BANK_PREFIXES,
  hostileBankId,
} from "./harness.ts";

type Ctx = Parameters<CaseDefinition<GraphStore>["fn"]>[0];

const ent = (id: string, name: string, extra: Partial<Entity> = {}): Entity => ({
  id,
  name,
  entityType: "PERSON",
  ...extra,
});

const link = (entityA: string, entityB: string, linkType = "co_occurs"): EntityLink => ({
  entityA,
  entityB,
  linkType,
});

const assoc = (memoryId: string, entityId: string, memoryText?: string) => ({
  memoryId,
  entityId,
  ...(memoryText === undefined ? {} : { memoryText }),
} as MemoryEntityAssociation);

const mlink = (source: string, target: string, linkType = "semantic"): MemoryLink => ({
  sourceMemoryId: source,
  targetMemoryId: target,
  linkType,
});

const ids = (items: readonly { id: string }[]): string[] => items.map((e) => e.id);
const memoryIds = (hits: readonly GraphHit[]): string[] => hits.map((h) => h.memoryId);
const linkKeys = (links: readonly MemoryLink[]): string[] =>
  links.map((l) => `${l.sourceMemoryId}>${l.targetMemoryId}:${l.linkType}`);

/** Every entity of a bank (an empty query matches every entity), ordered by id. */
const allEntities = (store: GraphStore, bank: string): Promise<Entity[]> =>
  store.queryEntities("", bank, { limit: 100_000 });

function assertCapability(value: Capability | undefined, name: string): void {
  if (value === true) return;
  assert.ok(
    value !== undefined && value.supported === false && typeof value.reason === "string" &&
      value.reason.length > 0,
    `capability ${name} must be true or carry a reason`,
  );
}

function memoryLinksSkip(store: GraphStore): string | undefined {
  const cap = store.capabilities.memoryLinks;
  return cap === true ? undefined : `memoryLinks unsupported: ${cap.reason}`;
}

const hasMemoryLinks = (store: GraphStore): boolean => store.capabilities.memoryLinks === true;

function assertSortedHits(hits: readonly GraphHit[]): void {
  for (let i = 1; i < hits.length; i++) {
    const a = hits[i - 1]!;
    const b = hits[i]!;
    assert.ok(
      a.score > b.score || (a.score === b.score && a.memoryId < b.memoryId),
      `hits must be sorted by score desc then memoryId asc: ${a.memoryId}(${a.score}) before ${b.memoryId}(${b.score})`,
    );
  }
}

/** A small graph whose names, texts and link types carry `variant`, for isolation checks. */
async function populate(store: GraphStore, bank: string, variant: string): Promise<void> {
  await store.storeEntities([
    ent("e1", `Person ${variant}`, { aliases: [`Alias ${variant}`] }),
    ent("e2", `Org ${variant}`, { entityType: "ORG" }),
  ], bank);
  await store.storeLinks([link("e1", "e2", `rel_${variant}`)], bank);
  await store.linkMemoriesToEntities([
    assoc("m1", "e1", `memory one ${variant}`),
    assoc("m2", "e2", `memory two ${variant}`),
  ], bank);
  if (hasMemoryLinks(store)) {
    await store.storeMemoryLinks!([mlink("m1", "m2", `type_${variant}`)], bank);
  }
}

/** Asserts that `bank` holds exactly what {@linkcode populate} wrote with `variant`. */
async function assertPopulated(store: GraphStore, bank: string, variant: string): Promise<void> {
  const entities = await allEntities(store, bank);
  assert.deepEqual(entities.map((e) => e.name), [`Person ${variant}`, `Org ${variant}`]);
  assert.deepEqual(ids(await store.queryEntities(`alias ${variant}`, bank)), ["e1"]);
  const hits = await store.queryNeighbors(["e1"], bank, { maxDepth: 2 });
  assert.deepEqual(hits.map((h) => [h.memoryId, h.depth, h.text]), [
    ["m1", 1, `memory one ${variant}`],
    ["m2", 2, `memory two ${variant}`],
  ]);
  assert.deepEqual(
    ids(await store.findEntityCandidates(`Person ${variant}`, bank, { threshold: 0.99 })),
    ["e1"],
  );
  const scored = await store.findEntityCandidatesScored(`Org ${variant}`, bank, {
    trigramThreshold: 0.99,
  });
  assert.deepEqual(scored.map((m) => m.entity.id), ["e2"]);
  if (hasMemoryLinks(store)) {
    assert.deepEqual(linkKeys(await store.findMemoryLinks!(["m1"], bank)), [
      `m1>m2:type_${variant}`,
    ]);
  }
}

/** The number of rows {@linkcode populate} writes (what `deleteBank` must report). */
const populatedRows = (store: GraphStore): number => 2 + 1 + 2 + (hasMemoryLinks(store) ? 1 : 0);

async function assertEmpty(store: GraphStore, bank: string): Promise<void> {
  assert.deepEqual(await allEntities(store, bank), []);
  assert.deepEqual(await store.queryEntities("person", bank), []);
  assert.deepEqual(await store.queryNeighbors(["e1", "e2"], bank, { maxDepth: 3 }), []);
  assert.deepEqual(await store.findEntityCandidates("Person", bank, { threshold: 0 }), []);
  assert.deepEqual(
    await store.findEntityCandidatesScored("Person", bank, { trigramThreshold: 0 }),
    [],
  );
  if (hasMemoryLinks(store)) {
    assert.deepEqual(await store.findMemoryLinks!(["m1", "m2"], bank), []);
  }
}

/** Core's portable string rule (core/README.md, "Input rules") on every method. */
function inputRuleCases(): CaseDefinition<GraphStore>[] {
  return stringRuleCases<GraphStore>({
    seed: ({ store }, b) => populate(store, b, "x"),
    async snapshot({ store }, b) {
      return {
        entities: await allEntities(store, b),
        neighbors: await store.queryNeighbors(["e1", "e2"], b, { maxDepth: 3, limit: 100 }),
        memoryLinks: hasMemoryLinks(store) ? await store.findMemoryLinks!(["m1", "m2"], b) : [],
      };
    },
    writes({ store }, b, bad) {
      const calls: Calls = {
        "storeEntities id": () => store.storeEntities([ent(`e1${bad}`, "Person x")], b),
        "storeEntities name": () => store.storeEntities([ent("e1", bad)], b),
        "storeEntities entityType": () =>
          store.storeEntities([ent("e1", "Person x", { entityType: bad })], b),
        "storeEntities alias": () =>
          store.storeEntities([ent("e1", "Person x", { aliases: ["a", bad] })], b),
        "storeEntities metadata value": () =>
          store.storeEntities([ent("e1", "Person x", { metadata: { k: bad } })], b),
        "storeEntities metadata key": () =>
          store.storeEntities([ent("e1", "Person x", { metadata: { [`k${bad}`]: 1 } })], b),
        "storeLinks entity id": () => store.storeLinks([link("e1", `e2${bad}`)], b),
        "storeLinks linkType": () => store.storeLinks([link("e1", "e2", bad)], b),
        "storeLinks evidence": () => store.storeLinks([{ ...link("e1", "e2"), evidence: bad }], b),
        "storeLinks metadata": () =>
          store.storeLinks([{ ...link("e1", "e2"), metadata: { k: bad } }], b),
        "storeEntityLink linkType": () => store.storeEntityLink(link("e2", "e1", bad), b),
        "storeEntityLink entity id": () => store.storeEntityLink(link(`e2${bad}`, "e1"), b),
        "linkMemoriesToEntities memoryId": () =>
          store.linkMemoriesToEntities([assoc(`m1${bad}`, "e1", "memo")], b),
        "linkMemoriesToEntities entityId": () =>
          store.linkMemoriesToEntities([assoc("m3", `e1${bad}`, "memo")], b),
        "linkMemoriesToEntities memoryText": () =>
          store.linkMemoriesToEntities([assoc("m3", "e1", bad)], b),
        "forgetMemories ids": () => store.forgetMemories(["m1", `m1${bad}`], b),
      };
      if (store.storeMemoryLinks !== undefined) {
        calls["storeMemoryLinks memory id"] = () =>
          store.storeMemoryLinks!([mlink("m1", `m2${bad}`)], b);
        calls["storeMemoryLinks linkType"] = () =>
          store.storeMemoryLinks!([mlink("m2", "m1", bad)], b);
        calls["storeMemoryLinks evidence"] = () =>
          store.storeMemoryLinks!([{ ...mlink("m2", "m1"), evidence: bad }], b);
      }
      return calls;
    },
    reads({ store }, b, bad) {
      const calls: Calls = {
        "queryNeighbors entity ids": () => store.queryNeighbors(["e1", `e1${bad}`], b),
        "queryEntities query": () => store.queryEntities(`person ${bad}`, b),
        "findEntityCandidates name": () => store.findEntityCandidates(`Person ${bad}`, b),
        "findEntityCandidatesScored name": () =>
          store.findEntityCandidatesScored(`Person ${bad}`, b),
      };
      if (store.findMemoryLinks !== undefined) {
        calls["findMemoryLinks ids"] = () => store.findMemoryLinks!([`m1${bad}`], b);
        calls["findMemoryLinks linkTypes"] = () =>
          store.findMemoryLinks!(["m1"], b, { linkTypes: [bad] });
      }
      return calls;
    },
    everyMethod({ store }, b) {
      const calls: Calls = {
        storeEntities: () => store.storeEntities([ent("e1", "Person")], b),
        storeLinks: () => store.storeLinks([link("e1", "e2")], b),
        linkMemoriesToEntities: () => store.linkMemoriesToEntities([assoc("m1", "e1", "memo")], b),
        queryNeighbors: () => store.queryNeighbors(["e1"], b),
        queryEntities: () => store.queryEntities("person", b),
        findEntityCandidates: () => store.findEntityCandidates("Person", b),
        findEntityCandidatesScored: () => store.findEntityCandidatesScored("Person", b),
        storeEntityLink: () => store.storeEntityLink(link("e2", "e1"), b),
        forgetMemories: () => store.forgetMemories(["m1"], b),
        deleteBank: () => store.deleteBank(b),
      };
      if (store.storeMemoryLinks !== undefined) {
        calls.storeMemoryLinks = () => store.storeMemoryLinks!([mlink("m1", "m2")], b);
      }
      if (store.findMemoryLinks !== undefined) {
        calls.findMemoryLinks = () => store.findMemoryLinks!(["m1"], b);
      }
      return calls;
    },
    idCalls({ store }, b, id) {
      const calls: Calls = {
        "queryNeighbors [id]": () => store.queryNeighbors([id], b),
        "queryNeighbors [seeded id, id]": () => store.queryNeighbors(["e1", id], b),
        "forgetMemories [id]": () => store.forgetMemories([id], b),
        "forgetMemories [seeded id, id]": () => store.forgetMemories(["m1", id], b),
      };
      if (hasMemoryLinks(store)) {
        calls["findMemoryLinks [id]"] = () => store.findMemoryLinks!([id], b);
        calls["findMemoryLinks [seeded id, id]"] = () => store.findMemoryLinks!(["m1", id], b);
      }
      return calls;
    },
    countCalls({ store }, b, n) {
      const calls: Calls = {
        "queryNeighbors limit": () => store.queryNeighbors(["e1", "e2"], b, { limit: n }),
        "queryNeighbors maxDepth (the graph has a cycle)": () =>
          store.queryNeighbors(["e1"], b, { maxDepth: n }),
        "queryNeighbors maxDepth and limit": () =>
          store.queryNeighbors(["e1", "e2"], b, { maxDepth: n, limit: n }),
        "queryEntities limit": () => store.queryEntities("", b, { limit: n }),
        "findEntityCandidates limit": () =>
          store.findEntityCandidates("Person x", b, { threshold: 0.1, limit: n }),
        "findEntityCandidatesScored limit": () =>
          store.findEntityCandidatesScored("Person x", b, { trigramThreshold: 0.1, limit: n }),
      };
      if (hasMemoryLinks(store)) {
        calls["findMemoryLinks limit"] = () =>
          store.findMemoryLinks!(["m1", "m2"], b, { limit: n });
      }
      return calls;
    },
  });
}

/** Core's stored-integer rule (core/README.md, "Input rules"): `mentionCount` is int32, ≥ 0. */
function integerCases(): CaseDefinition<GraphStore>[] {
  return integerFieldCases<GraphStore>({
    seed: ({ store }, b) => populate(store, b, "x"),
    snapshot: async ({ store }, b) => ({
      entities: await allEntities(store, b),
      scored: await store.findEntityCandidatesScored("Person x", b, { trigramThreshold: 0 }),
    }),
    fields: {
      "storeEntities mentionCount": {
        min: 0,
        field: "mentionCount",
        async roundTrip({ store }, b, n) {
          await store.storeEntities([ent("e-int", "Counted Person", { mentionCount: n })], b);
          assert.deepEqual((await allEntities(store, b)).map((e) => e.mentionCount), [n]);
          const scored = await store.findEntityCandidatesScored("Counted Person", b);
          assert.deepEqual(scored.map((m) => [m.mentionCount, m.entity.mentionCount]), [[n, n]]);
        },
        call: ({ store }, b, n) =>
          store.storeEntities([
            ent("e-new", "New Person"),
            ent("e1", "Person x", { aliases: ["Alias x"], mentionCount: n }),
          ], b),
      },
    },
  });
}

/** Core's stored-value rules: entity embeddings are float32, −0 is stored as 0. */
function storedValueRuleCases(): CaseDefinition<GraphStore>[] {
  const withEmbedding = (store: GraphStore, b: string, embedding: number[]) =>
    store.storeEntities([ent("e-f32", "Embedded Person", { embedding })], b);
  return storedValueCases<GraphStore>({
    embeddings: {
      "entity embedding (queryEntities)": async ({ store }, b, embedding) => {
        await withEmbedding(store, b, embedding);
        return (await allEntities(store, b))[0]?.embedding;
      },
      "entity embedding (findEntityCandidates)": async ({ store }, b, embedding) => {
        await withEmbedding(store, b, embedding);
        return (await store.findEntityCandidates("Embedded Person", b))[0]?.embedding;
      },
      "entity embedding (findEntityCandidatesScored)": async ({ store }, b, embedding) => {
        await withEmbedding(store, b, embedding);
        return (await store.findEntityCandidatesScored("Embedded Person", b))[0]?.entity
          .embedding;
      },
    },
    negativeZero: {
      "entity metadata, mentionCount and embedding components": async ({ store }, b) => {
        await store.storeEntities([
          ent("e-nz", "Zero Person", {
            metadata: { ...NEGATIVE_ZERO_METADATA },
            mentionCount: -0,
            embedding: [1, -0, 0.5, -0],
          }),
        ], b);
        const view = (e: Entity | undefined) => [e?.metadata, e?.mentionCount, e?.embedding];
        const [listed] = await allEntities(store, b);
        const [scored] = await store.findEntityCandidatesScored("Zero Person", b);
        const want = [NEGATIVE_ZERO_METADATA_STORED, 0, [1, 0, 0.5, 0]];
        return [
          [view(listed), view(scored?.entity), scored?.mentionCount],
          [want, want, 0],
        ];
      },
      "memory link confidence, weight and metadata (findMemoryLinks)": async ({ store }, b) => {
        if (!hasMemoryLinks(store)) return [[], []];
        await store.storeMemoryLinks!([{
          ...mlink("m-nz", "m-other"),
          confidence: -0,
          weight: -0,
          metadata: { ...NEGATIVE_ZERO_METADATA },
        }], b);
        const [got] = await store.findMemoryLinks!(["m-nz"], b);
        return [
          [got?.confidence, got?.weight, got?.metadata],
          [0, 0, NEGATIVE_ZERO_METADATA_STORED],
        ];
      },
    },
  });
}

function cases(largeBatchSize: number): CaseDefinition<GraphStore>[] {
  return [
    {
      name: "capabilities are declared and health reports healthy",
      async fn({ store }: Ctx) {
        const caps = store.capabilities;
        assert.ok(caps.consistency === "strong" || caps.consistency === "eventual");
        assert.equal(typeof caps.persistent, "boolean");
        assertCapability(caps.atomicBatches, "atomicBatches");
        assertCapability(caps.memoryLinks, "memoryLinks");
        if (caps.memoryLinks === true) {
          assert.equal(typeof store.storeMemoryLinks, "function");
          assert.equal(typeof store.findMemoryLinks, "function");
        }
        const health = await store.health();
        assert.equal(health.healthy, true, health.message ?? "unhealthy");
      },
    },
    {
      name: "close is idempotent and asyncDispose is available",
      async fn(ctx: Ctx) {
        const extra = await ctx.createStore();
        assert.equal(typeof extra[Symbol.asyncDispose], "function");
        await extra.close();
        await extra.close();
      },
    },
    {
      name: "storeEntities returns ids in input order; empty input is a no-op",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        assert.deepEqual(await store.storeEntities([], b), []);
        assert.deepEqual(await allEntities(store, b), []);
        const out = await store.storeEntities(
          [ent("e2", "Bob"), ent("e1", "Alice"), ent("e3", "Carol")],
          b,
        );
        assert.deepEqual(out, ["e2", "e1", "e3"]);
        assert.deepEqual(ids(await allEntities(store, b)), ["e1", "e2", "e3"]);
      },
    },
    {
      name: "storeEntities upserts by id within the bank",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeEntities([ent("e1", "Alice")], b);
        await store.storeEntities([ent("e1", "Alicia", { aliases: ["Ally"] })], b);
        const all = await allEntities(store, b);
        assert.equal(all.length, 1);
        assert.equal(all[0]!.name, "Alicia");
        assert.deepEqual(await store.queryEntities("alice", b), []);
        assert.deepEqual(ids(await store.queryEntities("ally", b)), ["e1"]);
        // Duplicates within one batch: the last one wins.
        assert.deepEqual(
          await store.storeEntities([ent("e2", "First"), ent("e2", "Second")], b),
          ["e2", "e2"],
        );
        assert.deepEqual((await allEntities(store, b)).map((e) => e.name), ["Alicia", "Second"]);
      },
    },
    {
      name: "entity fields round-trip",
      async fn({ store, bank, dimensions }: Ctx) {
        const b = bank();
        const embedding = seededVector(dimensions, 7);
        const metadata = { s: "x'y\"z", n: 1.5, i: -3, t: true, f: false, z: null };
        await store.storeEntities([
          ent("e1", "Alice Smith", {
            entityType: "PERSON",
            aliases: ["Ali", "A. Smith"],
            metadata,
            embedding,
            mentionCount: 3,
          }),
          ent("e2", "Acme", { entityType: "ORG" }),
        ], b);
        const [e1, e2] = await allEntities(store, b);
        assert.equal(e1!.id, "e1");
        assert.equal(e1!.name, "Alice Smith");
        assert.equal(e1!.entityType, "PERSON");
        assert.deepEqual(e1!.aliases, ["Ali", "A. Smith"]);
        assert.deepEqual(e1!.metadata, metadata);
        assert.equal(e1!.mentionCount, 3);
        assert.equal(e1!.embedding?.length, dimensions);
        e1!.embedding!.forEach((x, i) => assertClose(x, embedding[i]!, 1e-4, `embedding[${i}]`));
        assert.equal(e2!.entityType, "ORG");
        assert.ok(e2!.mentionCount === undefined || e2!.mentionCount === 1);
        assert.ok(e2!.aliases === undefined || e2!.aliases.length === 0);
      },
    },
    {
      name: "the same entity id in two banks is two records",
      async fn({ store, bank }: Ctx) {
        const a = bank("a");
        const b = bank("b");
        await store.storeEntities([ent("e1", "Alice")], a);
        await store.storeEntities([ent("e1", "Bob")], b);
        assert.deepEqual((await allEntities(store, a)).map((e) => e.name), ["Alice"]);
        assert.deepEqual((await allEntities(store, b)).map((e) => e.name), ["Bob"]);
        await store.storeEntities([ent("e1", "Robert")], b);
        assert.deepEqual((await allEntities(store, a)).map((e) => e.name), ["Alice"]);
        assert.deepEqual((await allEntities(store, b)).map((e) => e.name), ["Robert"]);
      },
    },
    {
      name: "queryEntities matches name or alias case-insensitively, ordered by id, with limit",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeEntities([
          ent("z1", "Alice Cooper"),
          ent("a9", "ALICE"),
          ent("m5", "Bob", { aliases: ["Malice"] }),
          ent("c3", "Carol"),
        ], b);
        assert.deepEqual(ids(await store.queryEntities("alice", b)), ["a9", "m5", "z1"]);
        assert.deepEqual(ids(await store.queryEntities("ALIce", b)), ["a9", "m5", "z1"]);
        assert.deepEqual(ids(await store.queryEntities("alice", b, { limit: 2 })), ["a9", "m5"]);
        assert.deepEqual(ids(await store.queryEntities("alice", b, { limit: 0 })), []);
        assert.deepEqual(ids(await store.queryEntities("", b)), ["a9", "c3", "m5", "z1"]);
        assert.deepEqual(await store.queryEntities("nobody", b), []);
        const many = Array.from({ length: 12 }, (_, i) => ent(`p${i + 10}`, `Person ${i}`));
        await store.storeEntities(many, b);
        const page = await store.queryEntities("person", b);
        assert.equal(page.length, 10, "default limit is 10");
        assert.deepEqual(ids(page), ids(many).sort().slice(0, 10));
      },
    },
    {
      name: "queryEntities treats wildcard, quote and regex characters literally",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeEntities([
          ent("p1", "100% pure"),
          ent("p2", "a_b"),
          ent("p3", "axb"),
          ent("p4", "o'brien"),
          ent("p5", "[x]*"),
          ent("p6", "back\\slash"),
          ent("p7", 'say "hi"'),
        ], b);
        const q = async (query: string) => ids(await store.queryEntities(query, b));
        assert.deepEqual(await q("%"), ["p1"]);
        assert.deepEqual(await q("_"), ["p2"]);
        assert.deepEqual(await q("a_b"), ["p2"]);
        assert.deepEqual(await q("'"), ["p4"]);
        assert.deepEqual(await q("*"), ["p5"]);
        assert.deepEqual(await q("[x]"), ["p5"]);
        assert.deepEqual(await q(".*"), []);
        assert.deepEqual(await q("\\"), ["p6"]);
        assert.deepEqual(await q('"'), ["p7"]);
      },
    },
    {
      name: "storeLinks returns one id per input and is idempotent in either direction",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        assert.deepEqual(await store.storeLinks([], b), []);
        await store.storeEntities([ent("e1", "A"), ent("e2", "B"), ent("e3", "C")], b);
        const first = await store.storeLinks([
          link("e1", "e2", "knows"),
          link("e2", "e3", "knows"),
          link("e1", "e2", "works_with"),
        ], b);
        assert.equal(first.length, 3);
        for (const id of first) assert.ok(typeof id === "string" && id.length > 0);
        assert.equal(new Set(first).size, 3, "distinct links get distinct ids");
        const again = await store.storeLinks([
          link("e2", "e1", "knows"),
          link("e1", "e2", "knows"),
        ], b);
        assert.deepEqual(again, [first[0], first[0]], "a repeat returns the stored link's id");
        assert.equal(await store.deleteBank(b), 3 + 3, "3 entities and 3 distinct links");
      },
    },
    {
      name: "storeEntityLink returns an id, persists the link and is idempotent",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeEntities(
          [ent("calvin_cto", "Calvin CTO"), ent("calvin_new", "Calvin")],
          b,
        );
        const alias: EntityLink = {
          entityA: "calvin_new",
          entityB: "calvin_cto",
          linkType: "alias_of",
          evidence: "He is the CTO.",
          confidence: 0.9,
          createdAt: new Date("2024-01-02T03:04:05.678Z"),
          metadata: { source: "retain" },
        };
        const id = await store.storeEntityLink(alias, b);
        assert.ok(typeof id === "string" && id.length > 0);
        assert.equal(
          await store.storeEntityLink(
            { ...alias, entityA: alias.entityB, entityB: alias.entityA },
            b,
          ),
          id,
        );
        assert.deepEqual(await store.storeLinks([alias], b), [id]);
        await store.linkMemoriesToEntities([assoc("m1", "calvin_cto")], b);
        const hits = await store.queryNeighbors(["calvin_new"], b, { maxDepth: 2 });
        assert.deepEqual(hits.map((h) => [h.memoryId, h.depth]), [["m1", 2]]);
        assert.equal(await store.deleteBank(b), 2 + 1 + 1);
      },
    },
    {
      name: "linkMemoriesToEntities is idempotent on (memoryId, entityId)",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.linkMemoriesToEntities([], b);
        await store.linkMemoriesToEntities([
          assoc("m1", "e1"),
          assoc("m1", "e1"),
          assoc("m2", "e1"),
        ], b);
        await store.linkMemoriesToEntities([assoc("m1", "e1")], b);
        const hits = await store.queryNeighbors(["e1"], b);
        assert.deepEqual(memoryIds(hits), ["m1", "m2"]);
        assert.equal(await store.forgetMemories(["m1"], b), 1);
        assert.deepEqual(memoryIds(await store.queryNeighbors(["e1"], b)), ["m2"]);
      },
    },
    {
      name: "queryNeighbors returns directly associated memories at depth 1 with score 1",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeEntities([ent("e1", "Alice"), ent("e2", "Bob")], b);
        await store.linkMemoriesToEntities([
          assoc("m3", "e1", "both of them"),
          assoc("m1", "e1", "Alice likes tea"),
          assoc("m2", "e2"),
          assoc("m3", "e2", "both of them"),
        ], b);
        const hits = await store.queryNeighbors(["e2", "e1"], b, { maxDepth: 1 });
        assert.deepEqual(memoryIds(hits), ["m1", "m2", "m3"]);
        assert.deepEqual(hits.map((h) => h.connectedEntities), [["e1"], ["e2"], ["e1", "e2"]]);
        assert.deepEqual(hits.map((h) => h.text), ["Alice likes tea", "", "both of them"]);
        for (const h of hits) {
          assert.equal(h.depth, 1);
          assertClose(h.score, 1, 1e-9, `score of ${h.memoryId}`);
        }
        assert.deepEqual(memoryIds(await store.queryNeighbors(["e1"], b)), ["m1", "m3"]);
      },
    },
    {
      name: "queryNeighbors honours maxDepth along a chain of links",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeEntities(
          [ent("e1", "A"), ent("e2", "B"), ent("e3", "C"), ent("e4", "D")],
          b,
        );
        // e1 - e2 - e3 - e4, one link stored in the reverse direction.
        await store.storeLinks([link("e1", "e2", "knows"), link("e2", "e3"), link("e4", "e3")], b);
        await store.linkMemoriesToEntities(
          [assoc("m4", "e4"), assoc("m3", "e3"), assoc("m2", "e2"), assoc("m1", "e1")],
          b,
        );
        const at = async (maxDepth?: number) =>
          (await store.queryNeighbors(
            ["e1"],
            b,
            maxDepth === undefined ? {} : { maxDepth },
          )).map((h) => [h.memoryId, h.depth]);
        assert.deepEqual(await at(1), [["m1", 1]]);
        assert.deepEqual(await at(), [["m1", 1], ["m2", 2]], "default maxDepth is 2");
        assert.deepEqual(await at(2), [["m1", 1], ["m2", 2]]);
        assert.deepEqual(await at(3), [["m1", 1], ["m2", 2], ["m3", 3]]);
        assert.deepEqual(await at(10), [["m1", 1], ["m2", 2], ["m3", 3], ["m4", 4]]);
        const hits = await store.queryNeighbors(["e1"], b, { maxDepth: 3 });
        hits.forEach((h) => assertClose(h.score, 1 / h.depth, 1e-9, `score of ${h.memoryId}`));
        for (const h of hits) assert.deepEqual(h.connectedEntities, ["e1"]);
        assertSortedHits(hits);
        // From the other end, the walk runs through links stored in either direction.
        const back = await store.queryNeighbors(["e4"], b, { maxDepth: 3 });
        assert.deepEqual(back.map((h) => [h.memoryId, h.depth]), [["m4", 1], ["m3", 2], ["m2", 3]]);
      },
    },
    {
      name:
        "queryNeighbors connectedEntities are the requested ids reaching the memory at its minimal depth",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeLinks([link("e1", "e2"), link("e2", "e3")], b);
        await store.linkMemoriesToEntities([
          assoc("m1", "e1"),
          assoc("m2", "e2"),
          assoc("m3", "e3"),
          assoc("m13", "e1"),
          assoc("m13", "e3"),
        ], b);
        const hits = await store.queryNeighbors(["e3", "e1", "e3"], b, { maxDepth: 2 });
        assert.deepEqual(
          hits.map((h) => [h.memoryId, h.depth, h.connectedEntities]),
          [
            ["m1", 1, ["e1"]],
            ["m13", 1, ["e1", "e3"]],
            ["m3", 1, ["e3"]],
            ["m2", 2, ["e1", "e3"]],
          ],
        );
        // m1 is 1 hop from e1 and 2 from e2: only e1 reaches it at its minimal depth.
        const near = await store.queryNeighbors(["e1", "e2"], b, { maxDepth: 2 });
        const byId = new Map(near.map((h) => [h.memoryId, h]));
        assert.deepEqual(byId.get("m1")?.connectedEntities, ["e1"]);
        assert.deepEqual(byId.get("m2")?.connectedEntities, ["e2"]);
        assert.deepEqual(byId.get("m13")?.connectedEntities, ["e1"]);
        assert.deepEqual([byId.get("m3")?.depth, byId.get("m3")?.connectedEntities], [2, ["e2"]]);
      },
    },
    {
      name: "queryNeighbors orders by score then memory id and honours limit",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const near = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, "0")}`);
        const shuffled = [...near].sort((x, y) => (x.charCodeAt(2) % 3) - (y.charCodeAt(2) % 3));
        await store.storeLinks([link("e1", "e2")], b);
        await store.linkMemoriesToEntities([
          assoc("a-far", "e2"),
          ...shuffled.map((m) => assoc(m, "e1")),
        ], b);
        const def = await store.queryNeighbors(["e1"], b);
        assert.deepEqual(memoryIds(def), near.slice(0, 20), "default limit is 20");
        assert.deepEqual(
          memoryIds(await store.queryNeighbors(["e1"], b, { limit: 3 })),
          ["m00", "m01", "m02"],
        );
        const all = await store.queryNeighbors(["e1"], b, { limit: 100 });
        assert.deepEqual(memoryIds(all), [...near, "a-far"]);
        assertSortedHits(all);
        assert.deepEqual(await store.queryNeighbors(["e1"], b, { limit: 0 }), []);
      },
    },
    {
      name: "queryNeighbors with no or unknown entity ids returns []",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeLinks([link("e1", "e2")], b);
        await store.linkMemoriesToEntities([assoc("m1", "e1")], b);
        assert.deepEqual(await store.queryNeighbors([], b), []);
        assert.deepEqual(await store.queryNeighbors(["nobody"], b, { maxDepth: 5 }), []);
        assert.deepEqual(await store.queryNeighbors(["m1"], b), [], "memory ids are not entities");
      },
    },
    {
      name: "findEntityCandidates honours threshold using trigram similarity",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const entities = [
          ent("alice", "Alice"),
          ent("alice_smith", "Alice Smith"),
          ent("alicia", "Alicia"),
          ent("bob", "Bob Jones"),
        ];
        await store.storeEntities(entities, b);
        const expected = (threshold: number) =>
          entities
            .map((e) => ({ id: e.id, sim: trigramSimilarity("Alice", e.name) }))
            .filter((c) => c.sim >= threshold)
            .sort((x, y) => y.sim - x.sim || (x.id < y.id ? -1 : 1))
            .map((c) => c.id);
        assert.deepEqual(ids(await store.findEntityCandidates("Alice", b)), ["alice"]);
        assert.deepEqual(expected(0.8), ["alice"]);
        for (const threshold of [0, 0.3, 0.45, 0.6, 1]) {
          assert.deepEqual(
            ids(await store.findEntityCandidates("Alice", b, { threshold })),
            expected(threshold),
            `threshold ${threshold}`,
          );
        }
        assert.deepEqual(expected(0.45), ["alice", "alice_smith"]);
        assert.deepEqual(expected(0.4), ["alice", "alice_smith", "alicia"]);
      },
    },
    {
      name: "findEntityCandidates is case-insensitive, excludes non-matches and honours limit",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        assert.deepEqual(await store.findEntityCandidates("Alice", b), [], "empty bank");
        await store.storeEntities([ent("alice_smith", "Alice Smith"), ent("bob", "Bob Jones")], b);
        assert.deepEqual(
          ids(await store.findEntityCandidates("Alice", b, { threshold: 0.4 })),
          ["alice_smith"],
        );
        assert.deepEqual(
          ids(await store.findEntityCandidates("alice", b, { threshold: 0.4 })),
          ["alice_smith"],
        );
        assert.deepEqual(
          ids(await store.findEntityCandidates("ALICE SMITH", b)),
          ["alice_smith"],
        );
        assert.deepEqual(await store.findEntityCandidates("", b, { threshold: 0 }), []);
        assert.deepEqual(await store.findEntityCandidates("   ", b, { threshold: 0 }), []);
        await store.storeEntities(
          Array.from({ length: 10 }, (_, i) => ent(`alice_${i}`, `Alice ${i}`)),
          b,
        );
        assert.equal((await store.findEntityCandidates("Alice", b, { threshold: 0.3 })).length, 5);
        assert.equal(
          (await store.findEntityCandidates("Alice", b, { threshold: 0.3, limit: 3 })).length,
          3,
        );
        await store.storeEntities([ent("d2", "Dana"), ent("d1", "Dana")], b);
        assert.deepEqual(ids(await store.findEntityCandidates("dana", b)), ["d1", "d2"]);
      },
    },
    {
      name: "findEntityCandidatesScored reports name and embedding similarity",
      async fn({ store, bank, dimensions }: Ctx) {
        const b = bank();
        await store.storeEntities([ent("e1", "Alice")], b);
        const [alice] = await store.findEntityCandidatesScored("Alice", b);
        assert.equal(alice?.entity.name, "Alice");
        assertClose(alice!.nameSimilarity, 1, 1e-6, "nameSimilarity");
        assert.equal(alice!.embeddingSimilarity, undefined, "no embedding stored");
        assert.equal(alice!.mentionCount, 1);
        assert.deepEqual(alice!.coOccurringNames, []);

        const c = bank("embeddings");
        await store.storeEntities([ent("r", "Robert", { embedding: oneHot(dimensions, 0) })], c);
        const found = await store.findEntityCandidatesScored("Bob", c, {
          nameEmbedding: oneHot(dimensions, 0),
          trigramThreshold: 0,
        });
        assert.equal(found.length, 1);
        assertClose(found[0]!.embeddingSimilarity ?? NaN, 1, 1e-4, "embeddingSimilarity");
        assertClose(found[0]!.nameSimilarity, trigramSimilarity("Bob", "Robert"), 1e-4);
      },
    },
    {
      name: "findEntityCandidatesScored drops candidates strictly below trigramThreshold",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeEntities([
          ent("e1", "Zzzzz"),
          ent("e2", "Alice"),
          ent("e3", "Alice Smith"),
          ent("e4", "Bob Jones"),
        ], b);
        const names = async (threshold?: number) =>
          (await store.findEntityCandidatesScored(
            "Alice",
            b,
            threshold === undefined ? {} : { trigramThreshold: threshold },
          )).map((m) => m.entity.name);
        assert.deepEqual(await names(0.6), ["Alice"]);
        assert.deepEqual(await names(), ["Alice", "Alice Smith"], "default threshold is 0.3");
        assert.deepEqual(await names(1), ["Alice"], "equal to the threshold is kept");
        assert.deepEqual((await names(0)).length, 4);
      },
    },
    {
      name:
        "findEntityCandidatesScored orders by max(name, embedding similarity), then id, with limit",
      async fn({ store, bank, dimensions }: Ctx) {
        const b = bank();
        const query = oneHot(dimensions, 1);
        await store.storeEntities([
          ent("e1", "Alice Smith", { embedding: oneHot(dimensions, 2) }),
          ent("e2", "Alice"),
          ent("e3", "Alyce", { embedding: query }),
          ent("e4", "Alice Jones"),
        ], b);
        const all = await store.findEntityCandidatesScored("Alice", b, {
          nameEmbedding: query,
          trigramThreshold: 0,
        });
        assert.deepEqual(all.map((m) => m.entity.id), ["e2", "e3", "e1", "e4"]);
        assertClose(all[1]!.embeddingSimilarity ?? NaN, 1, 1e-4);
        assertClose(all[2]!.embeddingSimilarity ?? NaN, 0, 1e-4);
        assert.equal(all[0]!.embeddingSimilarity, undefined);
        const top = await store.findEntityCandidatesScored("Alice", b, {
          nameEmbedding: query,
          trigramThreshold: 0,
          limit: 2,
        });
        assert.deepEqual(top.map((m) => m.entity.id), ["e2", "e3"]);
        // Upstream: without embeddings the better name match comes first.
        const plain = await store.findEntityCandidatesScored("Alice", b, { trigramThreshold: 0 });
        assert.equal(plain[0]!.entity.name, "Alice");
      },
    },
    {
      name: "findEntityCandidatesScored reports co-occurring names, lastSeen and mentionCount",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeEntities([
          ent("alice", "Alice", {
            mentionCount: 4,
            metadata: { last_seen: "2024-05-01T12:00:00.000Z" },
          }),
          ent("acme", "Acme Corp", { entityType: "ORG" }),
          ent("bob", "BOB"),
        ], b);
        await store.storeLinks([
          link("alice", "acme", "co_occurs"),
          link("bob", "alice", "co_occurs"),
          link("alice", "bob", "works_with"),
          link("alice", "ghost", "co_occurs"),
        ], b);
        const [alice] = await store.findEntityCandidatesScored("Alice", b);
        assert.equal(alice?.entity.id, "alice");
        assert.deepEqual([...alice!.coOccurringNames].sort(), ["acme corp", "bob"]);
        assert.equal(alice!.mentionCount, 4);
        assert.equal(alice!.lastSeen?.toISOString(), "2024-05-01T12:00:00.000Z");
        const [acme] = await store.findEntityCandidatesScored("Acme Corp", b);
        assert.deepEqual(acme?.coOccurringNames, ["alice"]);
        assert.equal(acme!.lastSeen, undefined);
        assert.equal(acme!.mentionCount, 1);
      },
    },
    {
      name: "findEntityCandidatesScored returns [] for a blank name or an empty bank",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        assert.deepEqual(await store.findEntityCandidatesScored("Alice", b), []);
        await store.storeEntities([ent("e1", "Alice")], b);
        assert.deepEqual(
          await store.findEntityCandidatesScored("", b, { trigramThreshold: 0 }),
          [],
        );
        assert.deepEqual(
          await store.findEntityCandidatesScored("  ", b, { trigramThreshold: 0 }),
          [],
        );
        assert.deepEqual(await store.findEntityCandidatesScored("Alice", b, { limit: 0 }), []);
      },
    },
    {
      name: "forgetMemories removes the memories' associations and links and keeps entities",
      async fn({ store, bank }: Ctx) {
        const b = bank("main");
        const other = bank("other");
        for (const x of [b, other]) {
          await store.storeEntities([ent("e1", "A"), ent("e2", "B")], x);
          await store.linkMemoriesToEntities(
            [assoc("m1", "e1", "one"), assoc("m1", "e2", "one"), assoc("m2", "e1", "two")],
            x,
          );
          if (hasMemoryLinks(store)) {
            await store.storeMemoryLinks!([
              mlink("m1", "m3", "caused_by"),
              mlink("m3", "m1"),
              mlink("m2", "m3"),
            ], x);
          }
        }
        const links = hasMemoryLinks(store) ? 2 : 0;
        assert.equal(await store.forgetMemories([], b), 0);
        assert.equal(await store.forgetMemories(["m1", "unknown"], b), 2 + links);
        assert.deepEqual(memoryIds(await store.queryNeighbors(["e1", "e2"], b)), ["m2"]);
        assert.equal((await allEntities(store, b)).length, 2, "entities are kept");
        if (hasMemoryLinks(store)) {
          assert.deepEqual(linkKeys(await store.findMemoryLinks!(["m1", "m2", "m3"], b)), [
            "m2>m3:semantic",
          ]);
        }
        assert.equal(await store.forgetMemories(["m1"], b), 0);
        // The same memory ids in another bank are untouched.
        assert.deepEqual(memoryIds(await store.queryNeighbors(["e1", "e2"], other)), ["m1", "m2"]);
        if (hasMemoryLinks(store)) {
          assert.equal((await store.findMemoryLinks!(["m1"], other)).length, 2);
        }
        // A forgotten memory can be associated again.
        await store.linkMemoriesToEntities([assoc("m1", "e2", "again")], b);
        const hits = await store.queryNeighbors(["e2"], b);
        assert.deepEqual(hits.map((h) => [h.memoryId, h.text]), [["m1", "again"]]);
      },
    },
    {
      name: "deleteBank removes only that bank and returns the number removed",
      async fn({ store, bank }: Ctx) {
        const a = bank("a");
        const b = bank("b");
        await populate(store, a, "alpha");
        await populate(store, b, "beta");
        assert.equal(await store.deleteBank(a), populatedRows(store));
        await assertEmpty(store, a);
        await assertPopulated(store, b, "beta");
        assert.equal(await store.deleteBank(a), 0);
        assert.equal(await store.deleteBank(bank("never-used")), 0);
        await populate(store, a, "again");
        await assertPopulated(store, a, "again");
      },
    },
    {
      name: "every method is isolated by bank",
      async fn({ store, bank }: Ctx) {
        const a = bank("a");
        const b = bank("b");
        await populate(store, a, "alpha");
        await populate(store, b, "beta");
        await assertPopulated(store, a, "alpha");
        await assertPopulated(store, b, "beta");
        await assertEmpty(store, bank("empty"));
        // Reads in one bank never see the other's names.
        assert.deepEqual(await store.queryEntities("beta", a), []);
        assert.deepEqual(
          await store.findEntityCandidates("Person beta", a, { threshold: 0.9 }),
          [],
        );
        assert.deepEqual(
          await store.findEntityCandidatesScored("Person beta", a, { trigramThreshold: 0.9 }),
          [],
        );
        // Writes in one bank never change the other.
        await store.storeEntities([ent("e1", "Changed")], b);
        await store.storeLinks([link("e2", "e3")], b);
        await store.linkMemoriesToEntities([assoc("m9", "e1")], b);
        assert.equal(await store.forgetMemories(["m1", "m2"], b), populatedRows(store) - 3);
        await assertPopulated(store, a, "alpha");
        assert.equal(await store.deleteBank(b), 2 + 2 + 1, "2 entities, 2 links, 1 association");
        await assertPopulated(store, a, "alpha");
      },
    },
    {
      name: "hostile bank ids are safe on every method",
      async fn({ store, bank }: Ctx) {
        const plain = bank("plain");
        await populate(store, plain, "plain");
        const hostile = HOSTILE_BANK_PREFIXES.map((_, i) => hostileBankId(i));
        for (const [i, h] of hostile.entries()) await populate(store, h, `h${i}`);
        for (const [i, h] of hostile.entries()) await assertPopulated(store, h, `h${i}`);
        await assertPopulated(store, plain, "plain");
        for (const [i, h] of hostile.entries()) {
          assert.equal(await store.forgetMemories(["m1"], h), hasMemoryLinks(store) ? 2 : 1);
          assert.equal(await store.deleteBank(h), 2 + 1 + 1, `bank #${i}`);
          await assertEmpty(store, h);
        }
        await assertPopulated(store, plain, "plain");
      },
    },
    {
      name: "invalid batches are rejected with ValidationError and write nothing",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await assertRejectsWith(
          () => store.storeEntities([ent("ok", "Fine"), ent("", "Empty id")], b),
          ValidationError,
        );
        assert.deepEqual(await allEntities(store, b), []);
        await store.storeEntities([ent("e1", "A"), ent("e2", "B")], b);
        await store.linkMemoriesToEntities([assoc("m2", "e2")], b);
        await assertRejectsWith(
          () => store.storeLinks([link("e1", "e2"), link("e1", "")], b),
          ValidationError,
        );
        await assertRejectsWith(() => store.storeEntityLink(link("", "e2"), b), ValidationError);
        assert.deepEqual(memoryIds(await store.queryNeighbors(["e1"], b, { maxDepth: 2 })), []);
        await assertRejectsWith(
          () => store.linkMemoriesToEntities([assoc("m1", "e1"), assoc("", "e1")], b),
          ValidationError,
        );
        assert.deepEqual(await store.queryNeighbors(["e1"], b), []);
        if (hasMemoryLinks(store)) {
          await assertRejectsWith(
            () => store.storeMemoryLinks!([mlink("m1", "m2"), mlink("m1", "")], b),
            ValidationError,
          );
          assert.deepEqual(await store.findMemoryLinks!(["m1", "m2"], b), []);
        }
        assert.equal(await store.deleteBank(b), 2 + 1);
      },
    },
    {
      name: "invalid bank ids and options are rejected with ValidationError",
      async fn({ store, bank }: Ctx) {
        for (const bad of ["", "x".repeat(256)]) {
          const calls: (() => Promise<unknown>)[] = [
            () => store.storeEntities([ent("e1", "A")], bad),
            () => store.storeLinks([link("e1", "e2")], bad),
            () => store.storeEntityLink(link("e1", "e2"), bad),
            () => store.linkMemoriesToEntities([assoc("m1", "e1")], bad),
            () => store.queryNeighbors(["e1"], bad),
            () => store.queryEntities("a", bad),
            () => store.findEntityCandidates("a", bad),
            () => store.findEntityCandidatesScored("a", bad),
            () => store.forgetMemories(["m1"], bad),
            () => store.deleteBank(bad),
          ];
          if (hasMemoryLinks(store)) {
            calls.push(() => store.storeMemoryLinks!([mlink("m1", "m2")], bad));
            calls.push(() => store.findMemoryLinks!(["m1"], bad));
          }
          for (const call of calls) await assertRejectsWith(call, ValidationError);
        }
        const b = bank();
        await assertRejectsWith(
          () => store.queryNeighbors(["e1"], b, { maxDepth: 0 }),
          ValidationError,
        );
        await assertRejectsWith(
          () => store.queryNeighbors(["e1"], b, { limit: -1 }),
          ValidationError,
        );
        await assertRejectsWith(() => store.queryEntities("a", b, { limit: 1.5 }), ValidationError);
        await assertRejectsWith(
          () => store.findEntityCandidates("a", b, { threshold: 1.5 }),
          ValidationError,
        );
        await assertRejectsWith(
          () => store.findEntityCandidatesScored("a", b, { trigramThreshold: -0.1 }),
          ValidationError,
        );
      },
    },
    {
      name: "unknown banks read as empty (missing means empty)",
      async fn({ store, bank }: Ctx) {
        const b = bank("never-written");
        await assertEmpty(store, b);
        assert.equal(await store.forgetMemories(["m1"], b), 0);
        assert.equal(await store.deleteBank(b), 0);
        // Reads do not create the bank.
        assert.equal(await store.deleteBank(b), 0);
      },
    },
    {
      name: "parallel upserts of the same ids converge",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const entities = (v: number) => Array.from({ length: 20 }, (_, i) => ent(`e${i}`, `N${v}`));
        await Promise.all([0, 1, 2, 3, 4].map((v) => store.storeEntities(entities(v), b)));
        const all = await allEntities(store, b);
        assert.equal(all.length, 20);
        const linkIds = await Promise.all(
          [0, 1, 2, 3].map((i) =>
            store.storeLinks([i % 2 ? link("e0", "e1") : link("e1", "e0")], b)
          ),
        );
        await Promise.all(
          [0, 1, 2].map(() => store.linkMemoriesToEntities([assoc("m1", "e0")], b)),
        );
        assert.equal(new Set(linkIds.flat()).size, 1, "one link id");
        assert.equal(await store.deleteBank(b), 20 + 1 + 1);
      },
    },
    {
      name: "large batches are stored completely",
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const n = largeBatchSize;
        const entities = Array.from({ length: n }, (_, i) => ent(`bulk-${i}`, `Bulk entity ${i}`));
        assert.equal((await store.storeEntities(entities, b)).length, n);
        assert.equal((await store.queryEntities("bulk", b, { limit: n + 10 })).length, n);
        await store.linkMemoriesToEntities(
          Array.from({ length: n }, (_, i) => assoc(`mem-${i}`, "bulk-0")),
          b,
        );
        const hits = await store.queryNeighbors(["bulk-0"], b, { limit: n + 10 });
        assert.equal(hits.length, n);
        assertSortedHits(hits);
      },
    },
    {
      name:
        "storeMemoryLinks returns one id per input and is idempotent on (source, target, linkType)",
      skipIf: memoryLinksSkip,
      async fn({ store, bank }: Ctx) {
        const b = bank();
        assert.deepEqual(await store.storeMemoryLinks!([], b), []);
        const first = await store.storeMemoryLinks!([
          { ...mlink("m1", "m2", "caused_by"), evidence: "first" },
          mlink("m2", "m1", "caused_by"),
          mlink("m1", "m2", "semantic"),
        ], b);
        assert.equal(first.length, 3);
        assert.equal(new Set(first).size, 3, "direction and type make distinct links");
        for (const id of first) assert.ok(typeof id === "string" && id.length > 0);
        const again = await store.storeMemoryLinks!([
          { ...mlink("m1", "m2", "caused_by"), evidence: "second" },
          mlink("m1", "m2", "caused_by"),
        ], b);
        assert.deepEqual(again, [first[0], first[0]]);
        const found = await store.findMemoryLinks!(["m1"], b);
        assert.deepEqual(linkKeys(found), [
          "m1>m2:caused_by",
          "m1>m2:semantic",
          "m2>m1:caused_by",
        ]);
        assert.equal(found[0]!.evidence, "first", "a repeat keeps the stored link");
        assert.equal(await store.deleteBank(b), 3);
      },
    },
    {
      name: "findMemoryLinks returns links touching the seeds, ordered, filtered and limited",
      skipIf: memoryLinksSkip,
      async fn({ store, bank }: Ctx) {
        const b = bank();
        await store.storeMemoryLinks!([
          mlink("m5", "m6", "caused_by"),
          mlink("m3", "m4"),
          mlink("m2", "m1", "caused_by"),
          mlink("m1", "m3"),
          mlink("m1", "m2"),
        ], b);
        const find = async (seeds: string[], options?: { linkTypes?: string[]; limit?: number }) =>
          linkKeys(await store.findMemoryLinks!(seeds, b, options));
        assert.deepEqual(await find(["m1"]), [
          "m1>m2:semantic",
          "m1>m3:semantic",
          "m2>m1:caused_by",
        ]);
        assert.deepEqual(await find(["m4", "m6"]), ["m3>m4:semantic", "m5>m6:caused_by"]);
        assert.deepEqual(await find(["m1"], { linkTypes: ["caused_by"] }), ["m2>m1:caused_by"]);
        assert.deepEqual(await find(["m1"], { linkTypes: ["caused_by", "semantic"], limit: 2 }), [
          "m1>m2:semantic",
          "m1>m3:semantic",
        ]);
        assert.deepEqual(
          await find(["m1"], { linkTypes: [] }),
          [],
          "an empty type list matches none",
        );
        assert.deepEqual(await find(["m1"], { limit: 0 }), []);
        assert.deepEqual(await find([]), []);
        assert.deepEqual(await find(["unknown"]), []);
        await store.storeMemoryLinks!(
          Array.from({ length: 210 }, (_, i) => mlink("hub", `t${String(i).padStart(3, "0")}`)),
          b,
        );
        const page = await store.findMemoryLinks!(["hub"], b);
        assert.equal(page.length, 200, "default limit is 200");
        assert.equal(page[199]!.targetMemoryId, "t199");
      },
    },
    {
      name: "memory link fields round-trip with defaults",
      skipIf: memoryLinksSkip,
      async fn({ store, bank }: Ctx) {
        const b = bank();
        const createdAt = new Date("2024-03-04T05:06:07.890Z");
        await store.storeMemoryLinks!([
          {
            ...mlink("effect", "cause", "caused_by"),
            evidence: "because \"x\" 'y'",
            confidence: 0.75,
            weight: 2.5,
            createdAt,
            metadata: { k: "v", n: 2, ok: true, none: null },
          },
          mlink("effect", "plain"),
        ], b);
        const [full, plain] = await store.findMemoryLinks!(["effect"], b);
        assert.equal(full!.sourceMemoryId, "effect");
        assert.equal(full!.targetMemoryId, "cause");
        assert.equal(full!.linkType, "caused_by");
        assert.equal(full!.evidence, "because \"x\" 'y'");
        assertClose(full!.confidence ?? NaN, 0.75, 1e-6);
        assertClose(full!.weight ?? NaN, 2.5, 1e-6);
        assert.equal(full!.createdAt?.getTime(), createdAt.getTime());
        assert.deepEqual(full!.metadata, { k: "v", n: 2, ok: true, none: null });
        assert.equal(plain!.targetMemoryId, "plain");
        assert.equal(plain!.evidence ?? "", "");
        assert.equal(plain!.confidence ?? 1, 1);
        assert.equal(plain!.weight ?? 1, 1);
      },
    },
  ];
}

/**
 * The GraphStore contract suite. Run it against any {@linkcode GraphStore} factory; cases for
 * the optional memory-link methods skip when `capabilities.memoryLinks` is unsupported.
 *
 * @example
 * ```ts ignore
 * import { graphStoreContract, runInline } from "@astrocyte/core/testing";
 * import { createInMemoryGraphStore } from "@astrocyte/core";
 *
 * const report = await runInline([graphStoreContract({
 *   create: () => Promise.resolve(createInMemoryGraphStore()),
 * })]);
 * console.log(report.failed); // 0
 * ```
 */
export function graphStoreContract(options: ContractOptions<GraphStore>): ContractSuite {
  return buildSuite(
    "graphStore",
    "GraphStore contract",
    options,
    [
      ...cases(options.largeBatchSize ?? 2000),
      ...inputRuleCases(),
      ...integerCases(),
      ...storedValueRuleCases(),
    ],
  );
}
