/**
 * The short, deterministic differential run of `deno task test`: a few fixed seeds per target
 * (seconds per adapter), every operation compared with the in-memory reference. The long run
 * is `deno task fuzz --seconds N` (tests/differential/fuzz.ts).
 *
 * Also proves the tester can fail: deliberately broken stores (wrappers around the in-memory
 * reference) must be caught, and their failing sequences shrunk to a handful of operations.
 *
 * Mismatches listed in `KNOWN_BUGS` (reported to the lead, awaiting a fix in the adapter) are
 * printed and tolerated; any other mismatch fails the test with its seed and minimal sequence.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  createInMemoryDocumentStore,
  createInMemoryGraphStore,
  createInMemoryMentalModelStore,
  createInMemoryPageIndexStore,
  createInMemorySourceStore,
  createInMemoryVectorStore,
  createInMemoryWikiStore,
} from "@astrocyte/core";
import type { Entity, Metadata } from "@astrocyte/core";
import type { AnyFamily, Stores } from "./targets.ts";
import {
  ALL_FAMILIES,
  EXTRA_FAMILIES,
  FAMILIES,
  openBackends,
  selectedTargets,
} from "./targets.ts";
import { type Failure, formatFailure, fuzzTarget } from "./runner.ts";
import { FUZZ_DIMENSIONS } from "./fuzz.ts";
import { KNOWN_BUGS } from "./known_bugs.ts";

const DIM = FUZZ_DIMENSIONS;

// ---------------------------------------------------------------------------------------------
// The tester must catch broken stores.

function broken(patch: (s: Required<Stores>) => Partial<Stores>): Stores {
  const base: Required<Stores> = {
    vector: createInMemoryVectorStore({ dimensions: DIM }),
    document: createInMemoryDocumentStore(),
    graph: createInMemoryGraphStore(),
    wiki: createInMemoryWikiStore(),
    source: createInMemorySourceStore(),
    mental_model: createInMemoryMentalModelStore(),
    pageindex: createInMemoryPageIndexStore(),
  };
  return { ...base, ...patch(base) };
}

const BROKEN: { name: string; kinds: string[]; stores: () => Stores }[] = [
  {
    name: "listVectors skips an item on pages after the first",
    kinds: ["v.list"],
    stores: () =>
      broken(({ vector }) => ({
        vector: {
          ...vector,
          capabilities: vector.capabilities,
          listVectors: async (b, o) => {
            const page = await vector.listVectors(b, o);
            return (o?.offset ?? 0) > 0 ? page.slice(1) : page;
          },
        },
      })),
  },
  {
    name: "searchSimilar breaks score ties by id descending",
    kinds: ["v.search"],
    stores: () =>
      broken(({ vector }) => ({
        vector: {
          ...vector,
          capabilities: vector.capabilities,
          searchSimilar: async (q, b, o) =>
            (await vector.searchSimilar(q, b, o)).sort((x, y) =>
              y.score - x.score || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0)
            ),
        },
      })),
  },
  {
    name: "delete counts ids that were not there",
    kinds: ["v.delete"],
    stores: () =>
      broken(({ vector }) => ({
        vector: {
          ...vector,
          capabilities: vector.capabilities,
          delete: async (ids, b) => (await vector.delete(ids, b), ids.length),
        },
      })),
  },
  {
    name: "searchFulltext ignores the tags filter",
    kinds: ["d.search"],
    stores: () =>
      broken(({ document }) => ({
        document: {
          ...document,
          capabilities: document.capabilities,
          searchFulltext: (q, b, o) =>
            document.searchFulltext(q, b, {
              ...o,
              filters: { ...o?.filters, tags: undefined },
            }),
        },
      })),
  },
  {
    name: "getPage / listPages report revision 1 forever",
    kinds: ["w.get", "w.list"],
    stores: () =>
      broken(({ wiki }) => ({
        wiki: {
          ...wiki,
          capabilities: wiki.capabilities,
          getPage: async (id, b) => {
            const p = await wiki.getPage(id, b);
            return p && { ...p, revision: 1 };
          },
          listPages: async (b, o) =>
            (await wiki.listPages(b, o)).map((p) => ({ ...p, revision: 1 })),
        },
      })),
  },
  {
    name: "source listDocuments is oldest first",
    kinds: ["s.listDocs"],
    stores: () =>
      broken(({ source }) => ({
        source: {
          ...source,
          capabilities: source.capabilities,
          listDocuments: async (b, o) => (await source.listDocuments(b, o)).reverse(),
        },
      })),
  },
  {
    name: "entity embeddings kept as given (float64, −0) instead of float32",
    kinds: ["g.queryEntities", "g.candidates", "g.scored"],
    stores: () =>
      broken(({ graph }) => {
        const raw = new Map<string, number[]>();
        const key = (b: string, id: string) => JSON.stringify([b, id]);
        const restore = (b: string, e: Entity): Entity => {
          const given = raw.get(key(b, e.id));
          return given === undefined ? e : { ...e, embedding: [...given] };
        };
        return {
          graph: {
            ...graph,
            capabilities: graph.capabilities,
            storeEntities: async (es, b) => {
              const ids = await graph.storeEntities(es, b);
              for (const e of es) {
                if (e.embedding === undefined) raw.delete(key(b, e.id));
                else raw.set(key(b, e.id), [...e.embedding]);
              }
              return ids;
            },
            queryEntities: async (q, b, o) =>
              (await graph.queryEntities(q, b, o)).map((e) => restore(b, e)),
            findEntityCandidates: async (n, b, o) =>
              (await graph.findEntityCandidates(n, b, o)).map((e) => restore(b, e)),
            findEntityCandidatesScored: async (n, b, o) =>
              (await graph.findEntityCandidatesScored(n, b, o)).map((m) => ({
                ...m,
                entity: restore(b, m.entity),
              })),
            deleteBank: async (b) => {
              for (const k of raw.keys()) if (JSON.parse(k)[0] === b) raw.delete(k);
              return await graph.deleteBank(b);
            },
          },
        };
      }),
  },
  {
    name: "document metadata keeps −0 (a zero given as −0 reads back as −0)",
    kinds: ["d.get", "d.list", "d.search"],
    stores: () =>
      broken(({ document }) => {
        const negative = new Map<string, Set<string>>();
        const key = (b: string, id: string) => JSON.stringify([b, id]);
        const restore = <T extends { metadata?: Metadata }>(k: string, d: T): T => {
          const keys = negative.get(k);
          if (keys === undefined || d.metadata === undefined) return d;
          const md = { ...d.metadata };
          for (const m of keys) if (md[m] === 0) md[m] = -0;
          return { ...d, metadata: md };
        };
        return {
          document: {
            ...document,
            capabilities: document.capabilities,
            storeDocument: async (d, b) => {
              const id = await document.storeDocument(d, b);
              const keys = Object.keys(d.metadata ?? {}).filter((m) =>
                Object.is(d.metadata![m], -0)
              );
              negative.set(key(b, d.id), new Set(keys));
              return id;
            },
            getDocument: async (id, b) => {
              const d = await document.getDocument(id, b);
              return d && restore(key(b, id), d);
            },
            listDocuments: async (b, o) =>
              (await document.listDocuments(b, o)).map((d) => restore(key(b, d.id), d)),
            searchFulltext: async (q, b, o) =>
              (await document.searchFulltext(q, b, o)).map((h) => restore(key(b, h.documentId), h)),
          },
        };
      }),
  },
  {
    name: "queryNeighbors ignores maxDepth",
    kinds: ["g.neighbors"],
    stores: () =>
      broken(({ graph }) => ({
        graph: {
          ...graph,
          capabilities: graph.capabilities,
          queryNeighbors: (ids, b, o) => graph.queryNeighbors(ids, b, { ...o, maxDepth: 3 }),
        },
      })),
  },
  {
    name: "mental model history is newest first",
    kinds: ["m.history"],
    stores: () =>
      broken(({ mental_model: mm }) => ({
        mental_model: {
          ...mm,
          capabilities: mm.capabilities,
          history: async (id, b) => (await mm.history(id, b)).reverse(),
        },
      })),
  },
  {
    name: "mental model refresh forgets to merge the existing source ids",
    kinds: ["m.refresh", "m.get", "m.list", "m.history"],
    stores: () =>
      broken(({ mental_model: mm }) => ({
        mental_model: {
          ...mm,
          capabilities: mm.capabilities,
          refresh: async (id, b, src) => {
            const m = await mm.get(id, b);
            if (m === null) return null;
            await mm.upsert({ ...m, sourceIds: [...new Set(src)] }, b);
            return await mm.get(id, b);
          },
        },
      })),
  },
  {
    name: "PageIndex searchFactsKeyword ignores the factType filter",
    kinds: ["p.factKeyword"],
    stores: () =>
      broken(({ pageindex: pi }) => ({
        pageindex: {
          ...pi,
          capabilities: pi.capabilities,
          searchFactsKeyword: (b, q, o) =>
            pi.searchFactsKeyword(b, q, { ...o, factType: undefined }),
        },
      })),
  },
  {
    name: "PageIndex saveSections keeps the old section entities",
    kinds: ["p.distinct", "p.secEntities", "p.expandShared", "p.wikiAffected", "p.entities"],
    stores: () =>
      broken(({ pageindex: pi }) => {
        // Re-adds the document's entities that still name a section after the replacement.
        const saveSections: typeof pi.saveSections = async (ref, sections) => {
          const before = await pi.listDistinctEntities(ref, { limit: 1000 });
          const lines = (await pi.loadSkeleton(ref)).map((s) => s.lineNum);
          const n = await pi.saveSections(ref, sections);
          const kept = sections.map((s) => s.lineNum).filter((l) => lines.includes(l));
          await pi.saveSectionEntities(
            ref.bankId,
            before.flatMap((e) =>
              kept.map((lineNum) => ({ documentId: ref.documentId, lineNum, entityName: e.name }))
            ),
          );
          return n;
        };
        return { pageindex: { ...pi, capabilities: pi.capabilities, saveSections } };
      }),
  },
];

for (const bug of BROKEN) {
  Deno.test(`differential tester catches a broken store: ${bug.name}`, async () => {
    const report = await fuzzTarget(bug.name, bug.stores(), {
      dimensions: DIM,
      seeds: Array.from({ length: 30 }, (_, i) => i + 1),
      length: 120,
      shrink: { maxMs: 20_000 },
      families: bug.kinds.some((k) => k.startsWith("m.") || k.startsWith("p."))
        ? EXTRA_FAMILIES
        : FAMILIES,
    });
    assert.equal(report.failures.length, 1, `no mismatch found in ${report.ops} operations`);
    const f = report.failures[0]!;
    assert.ok(bug.kinds.includes(f.shrunk.mismatch.kind), formatFailure(f));
    assert.ok(
      f.shrunk.seq.ops.length <= 6,
      `not shrunk enough (${f.shrunk.seq.ops.length} ops):\n${formatFailure(f)}`,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Every adapter against the reference: a short deterministic run.

/**
 * Runs of the default test (the long run is `deno task fuzz`): seeds and sequence length per
 * group of families. The mental model and PageIndex families run in their own sequences, so
 * adding them did not thin out the operations of the other families.
 */
const RUNS: { families: readonly AnyFamily[]; seeds: number[]; length: number }[] = [
  { families: FAMILIES, seeds: [11, 12, 13, 14, 15, 16], length: 150 },
  { families: EXTRA_FAMILIES, seeds: [31, 32, 33], length: 120 },
];

const backends = await openBackends({
  dimensions: DIM,
  tablePrefix: "rel_diff_",
  targets: selectedTargets(),
  families: ALL_FAMILIES,
});

/** Whether a failure is a known, reported adapter bug. */
function known(f: Failure): string | undefined {
  const m = f.shrunk.mismatch;
  return KNOWN_BUGS.find((k) =>
    k.targets.some((t) => f.target.startsWith(t)) && k.kinds.includes(m.kind) &&
    k.pattern.test(m.message)
  )?.id;
}

const totals: Record<string, Record<string, number>> = {};

for (const name of backends.names) {
  Deno.test({
    name: `differential: ${name} behaves like the in-memory reference (seeds ${
      RUNS.map((r) => r.seeds).flat()
    })`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const target = backends.open(name);
      const unknown: Failure[] = [];
      const perFamily: Record<string, number> = {};
      let ops = 0;
      try {
        for (const run of RUNS) {
          for (const seed of run.seeds) {
            const report = await fuzzTarget(name, target, {
              dimensions: DIM,
              seeds: [seed],
              length: run.length,
              families: run.families,
              shrink: { maxMs: 30_000, maxRuns: 150 },
            });
            ops += report.ops;
            for (const [f, n] of Object.entries(report.perFamily)) {
              perFamily[f] = (perFamily[f] ?? 0) + n;
            }
            for (const f of report.failures) {
              const id = known(f);
              if (id === undefined) unknown.push(f);
              else {
                console.warn(
                  `known adapter bug ${id} on ${name} (seed ${seed}): ${f.shrunk.mismatch.message}`,
                );
              }
            }
          }
        }
      } finally {
        await target.close();
      }
      totals[name] = perFamily;
      console.log(
        `differential ${name}: ${ops} operations compared (${JSON.stringify(perFamily)})`,
      );
      assert.ok(ops > 0, "no operation ran");
      assert.equal(unknown.length, 0, unknown.map(formatFailure).join("\n\n"));
    },
  });
}

Deno.test({
  name: "differential: stop the backends",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await backends.close();
    console.log(`differential operations per target: ${JSON.stringify(totals)}`);
    assert.ok(true);
  },
});
