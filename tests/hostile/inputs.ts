/**
 * Hostile inputs as small operation scripts for the differential executor: each puts one
 * hostile value in one position (bank id, record id, text, tag, metadata key or value, query,
 * vector, limit, batch shape), reads it back every way the family allows, deletes it, and
 * reads again. The in-memory reference defines the expected outcome of every step.
 *
 * Scripts use two banks: index 0 is the input's own bank, index 1 the shared canary bank
 * (written only by batches that must fail).
 *
 * @module
 */
import type { Op } from "../differential/ops.ts";
import type { Family } from "../differential/targets.ts";
import {
  HOSTILE_STRINGS,
  type HostileString,
  hostileVectors,
  LIMITS,
  LONG_STRINGS,
  ofLength,
} from "./corpus.ts";

/** One hostile input: a script over banks `[own bank label, canary]`. */
export interface HostileInput {
  /** e.g. `vector tag: percent`. */
  name: string;
  /** The family it exercises. */
  family: Family;
  /** Label of the input's own bank (the bank id is a unique run prefix plus this). */
  bank: string;
  /** When set, the own bank id is exactly this (no prefix): for bank-id limit inputs. */
  rawBank?: string;
  /** The script. */
  ops: Op[];
  /** The hostile string, when the input is one. */
  value?: string;
  /** Whether a successful write must show `value` verbatim in some read-back. */
  echoes?: boolean;
}

/** Vectors of the scripts (dimension `dim`). */
export function baseVectors(dim: number): { v1: number[]; v2: number[] } {
  return {
    v1: Array.from({ length: dim }, (_, i) => (i % 3) + 1),
    v2: Array.from({ length: dim }, (_, i) => 3 - (i % 3)),
  };
}

type Placement = {
  family: Family;
  name: string;
  script: (v: string, dim: number) => Op[];
  /** The hostile value is the bank label. */
  bank?: boolean;
};

const vList = (b = 0): Op => ({ f: "v", op: "list", b, offset: 0, limit: 100 });
const dList = (b = 0): Op => ({ f: "d", op: "list", b, offset: 0, limit: 100 });

/** Every place a hostile string goes, per family. */
export const PLACEMENTS: readonly Placement[] = [
  // ---------------------------------------------------------------- vector store
  {
    family: "vector",
    name: "vector id",
    script: (v, dim) => {
      const { v1 } = baseVectors(dim);
      return [
        { f: "v", op: "store", items: [{ b: 0, id: v, v: v1, text: "t" }] },
        vList(),
        { f: "v", op: "search", b: 0, q: v1, limit: 5 },
        { f: "v", op: "delete", b: 0, ids: [v] },
        vList(),
      ];
    },
  },
  {
    family: "vector",
    name: "vector text",
    script: (v, dim) => {
      const { v1 } = baseVectors(dim);
      return [
        { f: "v", op: "store", items: [{ b: 0, id: "h1", v: v1, text: v }] },
        { f: "v", op: "search", b: 0, q: v1, limit: 5 },
        vList(),
      ];
    },
  },
  {
    family: "vector",
    name: "vector tag",
    script: (v, dim) => {
      const { v1, v2 } = baseVectors(dim);
      return [
        {
          f: "v",
          op: "store",
          items: [
            { b: 0, id: "h1", v: v1, text: "t", tags: [v, "t1"] },
            { b: 0, id: "h2", v: v2, text: "u", tags: [`${v}x`] },
          ],
        },
        { f: "v", op: "search", b: 0, q: v1, limit: 5, filt: { tags: [v] } },
        { f: "v", op: "search", b: 0, q: v1, limit: 5, filt: { tags: [`x${v}`] } },
        vList(),
      ];
    },
  },
  {
    family: "vector",
    name: "vector metadata key",
    script: (v, dim) => {
      const { v1, v2 } = baseVectors(dim);
      return [
        {
          f: "v",
          op: "store",
          items: [
            { b: 0, id: "h1", v: v1, text: "t", md: { [v]: "val", k: "x" } },
            { b: 0, id: "h2", v: v2, text: "u", md: { [`${v}.x`]: "val" } },
          ],
        },
        { f: "v", op: "search", b: 0, q: v1, limit: 5, filt: { md: { [v]: "val" } } },
        { f: "v", op: "search", b: 0, q: v1, limit: 5, filt: { md: { [v]: "other" } } },
        vList(),
      ];
    },
  },
  {
    family: "vector",
    name: "vector metadata value",
    script: (v, dim) => {
      const { v1, v2 } = baseVectors(dim);
      return [
        {
          f: "v",
          op: "store",
          items: [
            { b: 0, id: "h1", v: v1, text: "t", md: { k: v, session_id: v } },
            { b: 0, id: "h2", v: v2, text: "u", md: { k: `${v}%`, session_id: "s" } },
          ],
        },
        { f: "v", op: "search", b: 0, q: v1, limit: 5, filt: { md: { k: v } } },
        { f: "v", op: "search", b: 0, q: v1, limit: 5, filt: { sid: v } },
        vList(),
      ];
    },
  },
  {
    family: "vector",
    name: "vector fact type, layer, chunk id",
    script: (v, dim) => {
      const { v1 } = baseVectors(dim);
      return [
        {
          f: "v",
          op: "store",
          items: [{ b: 0, id: "h1", v: v1, text: "t", ft: v, ml: v, chunk: v }],
        },
        { f: "v", op: "search", b: 0, q: v1, limit: 5, filt: { factTypes: [v] } },
        vList(),
      ];
    },
  },
  {
    family: "vector",
    name: "vector bank id",
    bank: true,
    script: (_v, dim) => {
      const { v1 } = baseVectors(dim);
      return [
        { f: "v", op: "store", items: [{ b: 0, id: "h1", v: v1, text: "t" }] },
        vList(),
        { f: "v", op: "search", b: 0, q: v1, limit: 5 },
        { f: "v", op: "deleteBank", b: 0 },
        vList(),
      ];
    },
  },
  // ---------------------------------------------------------------- document store
  {
    family: "document",
    name: "document id",
    script: (v) => [
      { f: "d", op: "store", b: 0, id: v, text: "alpha bravo" },
      { f: "d", op: "get", b: 0, id: v },
      { f: "d", op: "search", b: 0, q: "alpha", limit: 5 },
      { f: "d", op: "delete", b: 0, ids: [v] },
      { f: "d", op: "get", b: 0, id: v },
      dList(),
    ],
  },
  {
    family: "document",
    name: "document text",
    script: (v) => [
      { f: "d", op: "store", b: 0, id: "h1", text: `${v} alpha` },
      { f: "d", op: "get", b: 0, id: "h1" },
      { f: "d", op: "search", b: 0, q: "alpha", limit: 5 },
      dList(),
    ],
  },
  {
    family: "document",
    name: "document query",
    script: (v) => [
      { f: "d", op: "store", b: 0, id: "h1", text: "alpha bravo" },
      { f: "d", op: "store", b: 0, id: "h2", text: `charlie ${v}` },
      { f: "d", op: "search", b: 0, q: v, limit: 5 },
      { f: "d", op: "search", b: 0, q: `alpha ${v}`, limit: 5 },
    ],
  },
  {
    family: "document",
    name: "document tag and metadata",
    script: (v) => [
      { f: "d", op: "store", b: 0, id: "h1", text: "alpha", tags: [v], md: { [v]: v } },
      { f: "d", op: "store", b: 0, id: "h2", text: "alpha", tags: [`${v}x`], md: { [v]: `${v}x` } },
      { f: "d", op: "search", b: 0, q: "alpha", limit: 5, tags: [v] },
      { f: "d", op: "search", b: 0, q: "alpha", limit: 5, md: { [v]: v } },
      dList(),
    ],
  },
  {
    family: "document",
    name: "document bank id",
    bank: true,
    script: () => [
      { f: "d", op: "store", b: 0, id: "h1", text: "alpha" },
      { f: "d", op: "search", b: 0, q: "alpha", limit: 5 },
      dList(),
      { f: "d", op: "deleteBank", b: 0 },
      dList(),
    ],
  },
  // ---------------------------------------------------------------- graph store
  {
    family: "graph",
    name: "entity id",
    script: (v) => [
      {
        f: "g",
        op: "entities",
        b: 0,
        es: [{ id: v, name: "Alice Smith", type: "PERSON" }, {
          id: "e1",
          name: "Bob",
          type: "PERSON",
        }],
      },
      { f: "g", op: "links", b: 0, ls: [{ a: v, b: "e1", type: "co_occurs" }] },
      { f: "g", op: "assoc", b: 0, as: [{ m: "m1", e: "e1", t: "memo" }] },
      { f: "g", op: "neighbors", b: 0, ids: [v], depth: 2, limit: 10 },
      { f: "g", op: "queryEntities", b: 0, q: "", limit: 10 },
      { f: "g", op: "scored", b: 0, name: "Alice Smith", th: 0.3, limit: 5 },
    ],
  },
  {
    family: "graph",
    name: "entity name and query",
    script: (v) => [
      {
        f: "g",
        op: "entities",
        b: 0,
        es: [
          { id: "e1", name: v, aliases: [v], type: "PERSON" },
          { id: "e2", name: "100% Pure_Co", type: "ORG" },
          { id: "e3", name: "O'Brien", type: "PERSON" },
        ],
      },
      { f: "g", op: "queryEntities", b: 0, q: v, limit: 10 },
      { f: "g", op: "candidates", b: 0, name: v, th: 0.3, limit: 5 },
      { f: "g", op: "scored", b: 0, name: v, th: 0.1, limit: 5 },
    ],
  },
  {
    family: "graph",
    name: "memory id and link type",
    script: (v) => [
      { f: "g", op: "entities", b: 0, es: [{ id: "e1", name: "Bob", type: "PERSON" }] },
      { f: "g", op: "assoc", b: 0, as: [{ m: v, e: "e1", t: v }] },
      { f: "g", op: "links", b: 0, ls: [{ a: "e1", b: "e2", type: v, ev: v }] },
      { f: "g", op: "entityLink", b: 0, l: { a: "e2", b: "e1", type: v } },
      { f: "g", op: "neighbors", b: 0, ids: ["e1"], depth: 1, limit: 10 },
      { f: "g", op: "memLinks", b: 0, ls: [{ s: v, t: "m1", type: v, ev: v }] },
      { f: "g", op: "findMemLinks", b: 0, ids: [v], limit: 10 },
      { f: "g", op: "forget", b: 0, ids: [v] },
      { f: "g", op: "neighbors", b: 0, ids: ["e1"], depth: 1, limit: 10 },
    ],
  },
  {
    family: "graph",
    name: "graph bank id",
    bank: true,
    script: () => [
      { f: "g", op: "entities", b: 0, es: [{ id: "e1", name: "Bob", type: "PERSON" }] },
      { f: "g", op: "assoc", b: 0, as: [{ m: "m1", e: "e1", t: "memo" }] },
      { f: "g", op: "neighbors", b: 0, ids: ["e1"], depth: 1, limit: 10 },
      { f: "g", op: "deleteBank", b: 0 },
      { f: "g", op: "queryEntities", b: 0, q: "", limit: 10 },
    ],
  },
  // ---------------------------------------------------------------- wiki store
  {
    family: "wiki",
    name: "page id",
    script: (v) => {
      const p = { id: v, kind: "topic", title: "T", content: "C", scope: "s", src: [], xl: [] };
      return [
        { f: "w", op: "upsert", b: 0, p },
        { f: "w", op: "upsert", b: 0, p: { ...p, content: "C2" } },
        { f: "w", op: "get", b: 0, id: v },
        { f: "w", op: "history", b: 0, id: v },
        { f: "w", op: "list", b: 0 },
        { f: "w", op: "delete", b: 0, id: v },
        { f: "w", op: "get", b: 0, id: v },
      ];
    },
  },
  {
    family: "wiki",
    name: "page fields and scope",
    script: (v) => [
      {
        f: "w",
        op: "upsert",
        b: 0,
        p: {
          id: "topic:x",
          kind: "concept",
          title: v,
          content: v,
          scope: v,
          src: [v],
          xl: [v],
          tags: [v],
          md: { [v]: v },
        },
      },
      {
        f: "w",
        op: "upsert",
        b: 0,
        p: {
          id: "topic:y",
          kind: "topic",
          title: "y",
          content: "y",
          scope: `${v}%`,
          src: [],
          xl: [],
        },
      },
      { f: "w", op: "get", b: 0, id: "topic:x" },
      { f: "w", op: "list", b: 0, scope: v },
      { f: "w", op: "list", b: 0, scope: `${v}%` },
    ],
  },
  {
    family: "wiki",
    name: "wiki bank id",
    bank: true,
    script: () => [
      {
        f: "w",
        op: "upsert",
        b: 0,
        p: { id: "topic:x", kind: "topic", title: "T", content: "C", scope: "s", src: [], xl: [] },
      },
      { f: "w", op: "list", b: 0 },
      { f: "w", op: "deleteBank", b: 0 },
      { f: "w", op: "list", b: 0 },
    ],
  },
  // ---------------------------------------------------------------- source store
  {
    family: "source",
    name: "source document fields",
    script: (v) => [
      {
        f: "s",
        op: "storeDoc",
        d: { b: 0, id: v, title: v, uri: v, h: v, ct: v, md: { [v]: v }, at: 1000 },
      },
      { f: "s", op: "getDoc", b: 0, id: v },
      { f: "s", op: "docByHash", b: 0, h: v },
      { f: "s", op: "storeDoc", d: { b: 0, id: "d2", h: v } },
      { f: "s", op: "listDocs", b: 0, limit: 10 },
      { f: "s", op: "deleteDoc", b: 0, id: v },
      { f: "s", op: "getDoc", b: 0, id: v },
      { f: "s", op: "listDocs", b: 0, limit: 10 },
    ],
  },
  {
    family: "source",
    name: "source chunk fields",
    script: (v) => [
      {
        f: "s",
        op: "storeChunks",
        cs: [{ b: 0, id: v, doc: v, idx: 0, text: v, h: v, md: { [v]: v } }],
      },
      { f: "s", op: "storeChunks", cs: [{ b: 0, id: "c2", doc: v, idx: 1, text: "x", h: v }] },
      { f: "s", op: "getChunk", b: 0, id: v },
      { f: "s", op: "listChunks", b: 0, doc: v },
      { f: "s", op: "chunkByHash", b: 0, h: v },
    ],
  },
  {
    family: "source",
    name: "source bank id",
    bank: true,
    script: () => [
      { f: "s", op: "storeDoc", d: { b: 0, id: "d1", h: "h1", at: 1000 } },
      {
        f: "s",
        op: "storeChunks",
        cs: [{ b: 0, id: "c1", doc: "d1", idx: 0, text: "x", h: "h1" }],
      },
      { f: "s", op: "listDocs", b: 0, limit: 10 },
      { f: "s", op: "deleteBank", b: 0 },
      { f: "s", op: "listDocs", b: 0, limit: 10 },
      { f: "s", op: "listChunks", b: 0, doc: "d1" },
    ],
  },
];

/** Read-back of the input's own bank in one family (everything must match the reference). */
export function readBack(family: Family, b = 0): Op[] {
  switch (family) {
    case "vector":
      return [vList(b)];
    case "document":
      return [dList(b)];
    case "graph":
      return [
        { f: "g", op: "queryEntities", b, q: "", limit: 100 },
        { f: "g", op: "neighbors", b, ids: ["e1", "e2", "e3"], depth: 3, limit: 100 },
      ];
    case "wiki":
      return [{ f: "w", op: "list", b }];
    case "source":
      return [
        { f: "s", op: "listDocs", b, limit: 100 },
        { f: "s", op: "listChunks", b, doc: "d1" },
      ];
  }
}

/** Vector-specific inputs: bad and extreme vectors, duplicate ids, mixed batches, limits. */
function vectorInputs(dim: number): HostileInput[] {
  const { v1, v2 } = baseVectors(dim);
  const out: HostileInput[] = [];
  for (const { name, vector } of hostileVectors(dim)) {
    out.push({
      name: `stored vector: ${name}`,
      family: "vector",
      bank: "vec",
      ops: [
        { f: "v", op: "store", items: [{ b: 0, id: "h1", v: vector, text: "t" }] },
        vList(),
        { f: "v", op: "search", b: 0, q: v1, limit: 5 },
      ],
    });
    out.push({
      name: `query vector: ${name}`,
      family: "vector",
      bank: "vec",
      ops: [
        { f: "v", op: "store", items: [{ b: 0, id: "h1", v: v1, text: "t" }] },
        { f: "v", op: "search", b: 0, q: vector, limit: 5 },
      ],
    });
    // A bad item next to a good one, in another bank (the canary): nothing may be written.
    out.push({
      name: `batch with a canary item and vector: ${name}`,
      family: "vector",
      bank: "vec",
      ops: [
        {
          f: "v",
          op: "store",
          items: [
            { b: 1, id: "h-canary-new", v: v1, text: "must not stay unless the batch is valid" },
            { b: 0, id: "h2", v: vector, text: "t" },
          ],
        },
        vList(),
        { f: "v", op: "delete", b: 1, ids: ["h-canary-new"] },
      ],
    });
  }
  out.push({
    name: "duplicate ids in one batch",
    family: "vector",
    bank: "dup",
    ops: [
      {
        f: "v",
        op: "store",
        items: [
          { b: 0, id: "dup", v: v1, text: "first", tags: ["a"] },
          { b: 0, id: "other", v: v2, text: "other" },
          { b: 0, id: "dup", v: v2, text: "second", md: { k: "x" } },
        ],
      },
      vList(),
      { f: "v", op: "search", b: 0, q: v2, limit: 5 },
    ],
  });
  out.push({
    name: "same id in two banks in one batch",
    family: "vector",
    bank: "dup2",
    ops: [
      {
        f: "v",
        op: "store",
        items: [
          { b: 0, id: "dup'2", v: v1, text: "own" },
          { b: 1, id: "dup'2", v: v2, text: "canary copy" },
        ],
      },
      vList(),
      vList(1),
      { f: "v", op: "delete", b: 1, ids: ["dup'2"] },
      { f: "v", op: "delete", b: 0, ids: ["dup'2", "dup'2", "%", "_", "x'y"] },
    ],
  });
  out.push({
    name: "empty batch and empty delete",
    family: "vector",
    bank: "empty",
    ops: [
      { f: "v", op: "store", items: [] },
      { f: "v", op: "delete", b: 0, ids: [] },
      vList(),
    ],
  });
  for (
    const [name, limit, offset] of [
      ["negative limit", -1, 0],
      ["fractional limit", 1.5, 0],
      ["NaN limit", NaN, 0],
      ["negative offset", 10, -1],
      ["huge limit", 2 ** 31, 0],
    ] as const
  ) {
    out.push({
      name: `search/list ${name}`,
      family: "vector",
      bank: "lim",
      ops: [
        { f: "v", op: "store", items: [{ b: 0, id: "h1", v: v1, text: "t" }] },
        { f: "v", op: "search", b: 0, q: v1, limit },
        { f: "v", op: "list", b: 0, offset, limit },
      ],
    });
  }
  return out;
}

/** Limit inputs: bank ids and ids at the documented limits and one past them. */
function limitInputs(dim: number, unique: () => string): HostileInput[] {
  const { v1 } = baseVectors(dim);
  const out: HostileInput[] = [];
  for (const len of [LIMITS.bankId, LIMITS.bankId + 1]) {
    out.push({
      name: `bank id of ${len} characters`,
      family: "vector",
      bank: "",
      rawBank: ofLength(unique(), len),
      ops: [
        { f: "v", op: "store", items: [{ b: 0, id: "h1", v: v1, text: "t" }] },
        vList(),
        { f: "v", op: "deleteBank", b: 0 },
      ],
    });
    out.push({
      name: `document bank id of ${len} characters`,
      family: "document",
      bank: "",
      rawBank: ofLength(unique(), len),
      ops: [
        { f: "d", op: "store", b: 0, id: "h1", text: "alpha" },
        dList(),
        { f: "d", op: "deleteBank", b: 0 },
      ],
    });
  }
  out.push({
    name: "empty bank id",
    family: "vector",
    bank: "",
    rawBank: "",
    ops: [
      { f: "v", op: "store", items: [{ b: 0, id: "h1", v: v1, text: "t" }] },
      vList(),
      { f: "v", op: "search", b: 0, q: v1, limit: 5 },
      { f: "v", op: "deleteBank", b: 0 },
    ],
  });
  for (const len of [LIMITS.id, LIMITS.id + 1]) {
    const id = ofLength("id'%_", len);
    out.push({
      name: `vector id of ${len} characters`,
      family: "vector",
      bank: "idlen",
      ops: [
        { f: "v", op: "store", items: [{ b: 0, id, v: v1, text: "t" }] },
        vList(),
        { f: "v", op: "delete", b: 0, ids: [id] },
      ],
    });
    out.push({
      name: `document id of ${len} characters`,
      family: "document",
      bank: "idlen",
      ops: [
        { f: "d", op: "store", b: 0, id, text: "alpha" },
        { f: "d", op: "get", b: 0, id },
        dList(),
      ],
    });
    out.push({
      name: `page id of ${len} characters`,
      family: "wiki",
      bank: "idlen",
      ops: [
        {
          f: "w",
          op: "upsert",
          b: 0,
          p: { id, kind: "topic", title: "T", content: "C", scope: "s", src: [], xl: [] },
        },
        { f: "w", op: "get", b: 0, id },
      ],
    });
    out.push({
      name: `entity id of ${len} characters`,
      family: "graph",
      bank: "idlen",
      ops: [
        { f: "g", op: "entities", b: 0, es: [{ id, name: "Bob", type: "PERSON" }] },
        { f: "g", op: "queryEntities", b: 0, q: "bob", limit: 5 },
      ],
    });
    out.push({
      name: `source document id of ${len} characters`,
      family: "source",
      bank: "idlen",
      ops: [
        { f: "s", op: "storeDoc", d: { b: 0, id, at: 5 } },
        { f: "s", op: "getDoc", b: 0, id },
      ],
    });
  }
  return out;
}

/** Options of {@linkcode hostileInputs}. */
export interface HostileInputOptions {
  /** Vector dimension. */
  dimensions: number;
  /**
   * Every string in every placement (`true`), or each string in a rotating subset of the
   * placements so that every placement and every string is still covered (`false`).
   */
  full: boolean;
  /** Makes a unique bank-id head (for the raw bank-id limit inputs). */
  unique: () => string;
}

/** The whole corpus as scripts. */
export function hostileInputs(opts: HostileInputOptions): HostileInput[] {
  const out: HostileInput[] = [];
  const strings: HostileString[] = [...HOSTILE_STRINGS, ...LONG_STRINGS];
  const n = PLACEMENTS.length;
  strings.forEach((hs, i) => {
    PLACEMENTS.forEach((p, j) => {
      // Rotating subset: about 2 placements per string, so every placement still sees every
      // 11th string or so (the full cross product is `full`).
      if (!opts.full && (i + j) % Math.ceil(n / 2) !== 0) return;
      const ops = p.script(hs.value, opts.dimensions);
      out.push({
        name: `${p.name}: ${hs.name}`,
        family: p.family,
        bank: p.bank ? hs.value : "h",
        ops,
        value: hs.value,
        echoes: !p.bank && p.name !== "document query",
      });
    });
  });
  out.push(...vectorInputs(opts.dimensions), ...limitInputs(opts.dimensions, opts.unique));
  return out;
}
