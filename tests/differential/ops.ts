/**
 * Operations of the differential tester: a seeded generator of random operation sequences
 * over several banks and every store family, and an executor that runs one operation on a
 * bundle of stores and returns a comparable outcome.
 *
 * Operations are plain JSON (banks by index, dates as millisecond offsets), so a failing
 * sequence prints as something a human can read and replay.
 *
 * @module
 */
import type {
  DocumentHit,
  Entity,
  EntityLink,
  MemoryLink,
  Metadata,
  SourceChunk,
  SourceDocument,
  VectorFilters,
  VectorHit,
  VectorItem,
  WikiPageInput,
  WikiPageKind,
} from "@astrocyte/core";
import type { AnyFamily, Stores } from "./targets.ts";
import { compareRanking, compareTextHits, diff, type Ranked, show } from "./compare.ts";
import {
  compareModelValue,
  modelFinalChecks,
  modelGenerators,
  type ModelOp,
  type ModelValue,
  runModelOp,
} from "./ops_models.ts";

// ---------------------------------------------------------------------------------------------
// PRNG

/** A small seeded PRNG (mulberry32). */
export class Rng {
  #s: number;
  /** Seed with any 32-bit integer. */
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** One element. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  /** A random subset (each element with probability p), at least `min` elements. */
  subset<T>(xs: readonly T[], p = 0.3, min = 0): T[] {
    const out = xs.filter(() => this.chance(p));
    while (out.length < min) out.push(this.pick(xs));
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Operation types

/** Epoch of every generated date (dates are offsets in ms from it). */
export const EPOCH = Date.UTC(2020, 0, 1);

/** A generated vector item (bank by index, dates as offsets). */
export interface VItem {
  b: number;
  id: string;
  v: number[];
  text: string;
  tags?: string[];
  md?: Metadata;
  ft?: string;
  occ?: number;
  ml?: string;
  ret?: number;
  chunk?: string;
}

/** Generated vector filters. */
export interface VFilt {
  tags?: string[];
  factTypes?: string[];
  tr?: [number, number];
  md?: Metadata;
  asOf?: number;
  sid?: string;
}

/** A generated entity. */
export interface GEnt {
  id: string;
  name: string;
  type: string;
  aliases?: string[];
  md?: Metadata;
  emb?: number[];
  mc?: number;
}

/** A generated entity link. */
export interface GLink {
  a: string;
  b: string;
  type: string;
  ev?: string;
  conf?: number;
  at?: number;
}

/** A generated memory link. */
export interface GMemLink {
  s: string;
  t: string;
  type: string;
  ev?: string;
  conf?: number;
  w?: number;
  at?: number;
}

/** A generated wiki page. */
export interface WPage {
  id: string;
  kind: string;
  title: string;
  content: string;
  scope: string;
  src: string[];
  xl: string[];
  tags?: string[];
  md?: Metadata;
  rev?: number;
}

/** A generated source document. */
export interface SDoc {
  b: number;
  id: string;
  title?: string;
  uri?: string;
  h?: string;
  ct?: string;
  md?: Metadata;
  at?: number;
}

/** A generated source chunk. */
export interface SChunk {
  b: number;
  id: string;
  doc: string;
  idx: number;
  text: string;
  h?: string;
  md?: Metadata;
  at?: number;
}

/** One operation of a sequence. `b` is a bank index. */
export type Op =
  | { f: "v"; op: "store"; items: VItem[] }
  | { f: "v"; op: "search"; b: number; q: number[]; limit: number; filt?: VFilt }
  | { f: "v"; op: "delete"; b: number; ids: string[] }
  | { f: "v"; op: "list"; b: number; offset: number; limit: number }
  | { f: "v"; op: "deleteBank"; b: number }
  | { f: "d"; op: "store"; b: number; id: string; text: string; md?: Metadata; tags?: string[] }
  | { f: "d"; op: "search"; b: number; q: string; limit: number; tags?: string[]; md?: Metadata }
  | { f: "d"; op: "get"; b: number; id: string }
  | { f: "d"; op: "list"; b: number; offset: number; limit: number }
  | { f: "d"; op: "delete"; b: number; ids: string[] }
  | { f: "d"; op: "deleteBank"; b: number }
  | { f: "g"; op: "entities"; b: number; es: GEnt[] }
  | { f: "g"; op: "links"; b: number; ls: GLink[] }
  | { f: "g"; op: "assoc"; b: number; as: { m: string; e: string; t?: string }[] }
  | { f: "g"; op: "neighbors"; b: number; ids: string[]; depth: number; limit: number }
  | { f: "g"; op: "queryEntities"; b: number; q: string; limit: number }
  | { f: "g"; op: "candidates"; b: number; name: string; th: number; limit: number }
  | { f: "g"; op: "scored"; b: number; name: string; emb?: number[]; th: number; limit: number }
  | { f: "g"; op: "entityLink"; b: number; l: GLink }
  | { f: "g"; op: "forget"; b: number; ids: string[] }
  | { f: "g"; op: "memLinks"; b: number; ls: GMemLink[] }
  | { f: "g"; op: "findMemLinks"; b: number; ids: string[]; types?: string[]; limit: number }
  | { f: "g"; op: "deleteBank"; b: number }
  | { f: "w"; op: "upsert"; b: number; p: WPage }
  | { f: "w"; op: "get"; b: number; id: string }
  | { f: "w"; op: "history"; b: number; id: string }
  | { f: "w"; op: "delete"; b: number; id: string }
  | { f: "w"; op: "list"; b: number; scope?: string; kind?: string }
  | { f: "w"; op: "deleteBank"; b: number }
  | { f: "s"; op: "storeDoc"; d: SDoc }
  | { f: "s"; op: "getDoc"; b: number; id: string }
  | { f: "s"; op: "deleteDoc"; b: number; id: string }
  | { f: "s"; op: "docByHash"; b: number; h: string }
  | { f: "s"; op: "listDocs"; b: number; limit: number }
  | { f: "s"; op: "storeChunks"; cs: SChunk[] }
  | { f: "s"; op: "getChunk"; b: number; id: string }
  | { f: "s"; op: "listChunks"; b: number; doc: string }
  | { f: "s"; op: "chunkByHash"; b: number; h: string }
  | { f: "s"; op: "deleteBank"; b: number };

/**
 * An operation of any family: {@linkcode Op} (the families every reliability suite uses) or a
 * mental model (`m`) / PageIndex (`p`) operation of `ops_models.ts`.
 */
export type AnyOp = Op | ModelOp;

const FAMILY_OF: Record<AnyOp["f"], AnyFamily> = {
  v: "vector",
  d: "document",
  g: "graph",
  w: "wiki",
  s: "source",
  m: "mental_model",
  p: "pageindex",
};

/** The family an operation belongs to. */
export function familyOf(op: AnyOp): AnyFamily {
  return FAMILY_OF[op.f];
}

/** `f.op`, e.g. `v.search`. */
export function kindOf(op: AnyOp): string {
  return `${op.f}.${op.op}`;
}

// ---------------------------------------------------------------------------------------------
// Pools (hostile characters on purpose: quotes, %, _, unicode, code-unit vs code-point order)

/**
 * Bank labels; a run's bank ids are `prefix + label`. Several carry SQL, LIKE, filter and
 * path metacharacters.
 */
export const BANK_LABELS: readonly string[] = [
  "a",
  "b",
  `o'brien"; DROP TABLE x; --`,
  "100%_m\\_%",
  "ünï-银行-🧠",
  "$.k[0] OR 1=1 tags CONTAINS 'x'",
  "glob*?[a-z]",
  " sp ace ",
];

/**
 * Record ids: collisions across banks, case, `m10` < `m9`, and characters whose UTF-16
 * code-unit order differs from code-point (UTF-8 byte) order (`\uff01` vs astral `😀`).
 */
const IDS: readonly string[] = [
  "m0",
  "m1",
  "m2",
  "m3",
  "m9",
  "m10",
  "M1",
  "x'y",
  "%_",
  "a b",
  "ü1",
  "\uff01x",
  "😀x",
  "e\u0301",
];
const WORDS: readonly string[] = [
  "alpha",
  "bravo",
  "charlie",
  "delta",
  "echo",
  "foxtrot",
  "golf",
  "hotel",
  "india",
  "juliet",
  "kilo",
  "lima",
  "oscar",
  "quebec",
  "romeo",
  "sierra",
  "tango",
  "victor",
  "zulu",
  "café",
  "東京",
  "42",
];
const PUNCT: readonly string[] = ["", "", "", ",", ".", "!", "'", '"', "?", ";", ":"];
const TAGS: readonly string[] = ["t1", "t2", "T1", "t'3", "%", "ü"];
const FACT_TYPES: readonly string[] = ["world", "experience", "observation", "wiki", "Wörld"];
const LAYERS: readonly string[] = ["fact", "observation", "model", "compiled"];
const SESSIONS: readonly string[] = ["s1", "s2", "s'3"];
const MD_KEYS: readonly string[] = ["k", "session_id", "n", "flag", "k.dot", "ü", "a'b"];
const MD_VALUES: readonly (string | number | boolean | null)[] = [
  "x",
  "y",
  "",
  "x'y",
  "1",
  0,
  1,
  2.5,
  -1,
  // −0 (stored as 0 by every store) and a number float32 cannot hold.
  -0,
  0.1,
  true,
  false,
  null,
];
/** Vector components: −0 and 0.1 check that every store keeps float32 and stores −0 as 0. */
const VEC_VALUES: readonly number[] = [0, 0, 0.5, 1, 1, 2, 3, -1, -0.5, -0, 0.1];
/** Entity embedding components (−0, 0.1 and 1/3: stored as float32, −0 as 0). */
const EMB_VALUES: readonly number[] = [0, 0.5, 1, 2, -0, 0.1, 1 / 3];
const DAY = 86_400_000;

const ENTITY_IDS: readonly string[] = ["e0", "e1", "e2", "e3", "e4", "É1", "e'x", "E0"];
const NAMES: readonly string[] = [
  "Alice Smith",
  "alice smyth",
  "Alice",
  "Bob Jones",
  "Acme Corp",
  "ACME Corporation",
  "Zürich AG",
  "O'Brien",
  "100% Pure_Co",
];
const NAME_QUERIES: readonly string[] = [
  "",
  "ali",
  "ACME",
  "%",
  "_",
  "o'b",
  "zü",
  "corp",
  "smith",
  "*",
];
const LINK_TYPES: readonly string[] = ["co_occurs", "works_at", "alias_of"];
const MEMORY_IDS: readonly string[] = ["m0", "m1", "m2", "m3", "m4", "M1", "m'5"];
const MEMORY_LINK_TYPES: readonly string[] = ["caused_by", "semantic"];
const UNIT: readonly number[] = [0, 0.25, 0.5, 0.75, 1, -0, 0.1];

const PAGE_IDS: readonly string[] = ["topic:a", "entity:b", "concept:ü", "topic:%_", "Topic:a"];
const KINDS: readonly WikiPageKind[] = ["entity", "topic", "concept"];
const SCOPES: readonly string[] = ["s1", "s'2", "", "S1"];

const DOC_IDS: readonly string[] = ["d0", "d1", "d2", "d3", "D0", "d'4"];
const CHUNK_IDS: readonly string[] = ["c0", "c1", "c2", "c3", "c4", "c'5"];
const HASHES: readonly string[] = ["h0", "h1", "h2", "H0"];

// ---------------------------------------------------------------------------------------------
// Generation

/** Options of {@linkcode generate}. */
export interface GenerateOptions {
  /** Number of random operations (final state checks are appended). */
  length: number;
  /** Vector dimension. */
  dimensions: number;
  /** Families the target implements (operations of other families are not generated). */
  families: readonly AnyFamily[];
  /** Number of banks. @default {3} */
  banks?: number;
  /** Whether the vector store's optional memory links are generated. @default {true} */
  memoryLinks?: boolean;
}

/** A generated sequence: the bank labels it uses and its operations. */
export interface Sequence {
  /** Bank labels (indexes into them are the ops' `b`). */
  banks: string[];
  /** Operations. */
  ops: AnyOp[];
}

function words(r: Rng, min: number, max: number): string {
  const n = min + r.int(max - min + 1);
  return Array.from({ length: n }, () => r.pick(WORDS) + r.pick(PUNCT)).join(" ");
}

function metadata(r: Rng): Metadata | undefined {
  if (!r.chance(0.5)) return undefined;
  const md: Metadata = {};
  for (const k of r.subset(MD_KEYS, 0.3, 1)) {
    md[k] = k === "session_id" ? r.pick(SESSIONS) : r.pick(MD_VALUES);
  }
  return md;
}

/**
 * Generate a random sequence from `seed`. Ids, tags, metadata and vectors come from small
 * pools so that upserts of existing ids, cross-bank collisions, exact score ties and filter
 * hits are common. A final state check (every list operation over every bank) is appended.
 */
export function generate(seed: number, opts: GenerateOptions): Sequence {
  const r = new Rng(seed);
  const nBanks = opts.banks ?? 3;
  // Always at least one hostile bank label.
  const hostile = BANK_LABELS.slice(2);
  const banks = ["a", r.pick(hostile)];
  while (banks.length < nBanks) {
    const l = r.pick(BANK_LABELS);
    if (!banks.includes(l)) banks.push(l);
  }
  const dim = opts.dimensions;
  const vectors: number[][] = [];
  const vector = (): number[] => {
    if (vectors.length > 0 && r.chance(0.3)) return [...r.pick(vectors)];
    const v = Array.from({ length: dim }, () => r.pick(VEC_VALUES));
    // Mostly non-zero vectors; an all-zero vector now and then (score 0 by the spec).
    if (!v.some((x) => x !== 0) && !r.chance(0.2)) v[r.int(dim)] = 1;
    vectors.push(v);
    return v;
  };
  const bank = (): number => r.int(nBanks);
  const limit = (): number => r.pick([0, 1, 2, 3, 5, 10, 100]);
  const day = (): number => r.int(10) * DAY + r.pick([0, 0, 1, 999]);
  const fams = opts.families;
  const ops: AnyOp[] = [];

  const vItem = (b: number): VItem => {
    const it: VItem = { b, id: r.pick(IDS), v: vector(), text: words(r, 1, 5) };
    if (r.chance(0.5)) it.tags = r.subset(TAGS, 0.3);
    const md = metadata(r);
    if (md) it.md = md;
    if (r.chance(0.5)) it.ft = r.pick(FACT_TYPES);
    if (r.chance(0.5)) it.occ = day();
    if (r.chance(0.3)) it.ml = r.pick(LAYERS);
    if (r.chance(0.5)) it.ret = day();
    if (r.chance(0.2)) it.chunk = r.pick(CHUNK_IDS);
    return it;
  };
  const vFilt = (): VFilt | undefined => {
    if (!r.chance(0.6)) return undefined;
    const f: VFilt = {};
    if (r.chance(0.3)) f.tags = r.subset(TAGS, 0.3);
    if (r.chance(0.25)) f.factTypes = r.subset(FACT_TYPES, 0.3);
    if (r.chance(0.25)) {
      const a = day(), c = day();
      f.tr = [Math.min(a, c), Math.max(a, c)];
    }
    if (r.chance(0.25)) {
      const md: Metadata = {};
      for (const k of r.subset(MD_KEYS, 0.2, 1)) {
        md[k] = k === "session_id" ? r.pick(SESSIONS) : r.pick(MD_VALUES);
      }
      f.md = md;
    }
    if (r.chance(0.25)) f.asOf = day();
    if (r.chance(0.2)) f.sid = r.pick(SESSIONS);
    return f;
  };
  const gLink = (): GLink => {
    const l: GLink = { a: r.pick(ENTITY_IDS), b: r.pick(ENTITY_IDS), type: r.pick(LINK_TYPES) };
    if (r.chance(0.4)) l.ev = words(r, 1, 3);
    if (r.chance(0.4)) l.conf = r.pick(UNIT);
    if (r.chance(0.3)) l.at = day();
    return l;
  };

  type Gen = [AnyFamily, number, () => AnyOp];
  const gens: Gen[] = [
    // vector store
    ["vector", 6, () => {
      const n = 1 + r.int(4);
      const b = bank();
      const items = Array.from({ length: n }, () => vItem(r.chance(0.8) ? b : bank()));
      // Now and then one bad item: the whole call must fail and write nothing.
      if (r.chance(0.08)) {
        const bad = items[r.int(items.length)]!;
        const kind = r.int(4);
        if (kind === 0) bad.v = [...bad.v.slice(0, -1), NaN];
        else if (kind === 1) bad.v = [...bad.v.slice(0, -1), Infinity];
        else if (kind === 2) bad.v = [...bad.v, 1];
        else bad.id = "";
      }
      return { f: "v", op: "store", items };
    }],
    ["vector", 5, () => {
      const op: Op = { f: "v", op: "search", b: bank(), q: vector(), limit: limit() };
      const filt = vFilt();
      if (filt) op.filt = filt;
      if (r.chance(0.03)) op.q = [...op.q, 1];
      return op;
    }],
    ["vector", 2, () => ({ f: "v", op: "delete", b: bank(), ids: r.subset(IDS, 0.15) })],
    ["vector", 2, () => ({
      f: "v",
      op: "list",
      b: bank(),
      offset: r.pick([0, 0, 1, 2, 5, 50]),
      limit: r.pick([1, 2, 3, 100]),
    })],
    ["vector", 0.3, () => ({ f: "v", op: "deleteBank", b: bank() })],
    // document store
    ["document", 4, () => {
      const op: Op = { f: "d", op: "store", b: bank(), id: r.pick(IDS), text: words(r, 2, 8) };
      const md = metadata(r);
      if (md) op.md = md;
      if (r.chance(0.5)) op.tags = r.subset(TAGS, 0.3);
      return op;
    }],
    ["document", 4, () => {
      const op: Op = { f: "d", op: "search", b: bank(), q: words(r, 1, 3), limit: limit() };
      if (r.chance(0.2)) op.tags = r.subset(TAGS, 0.3);
      if (r.chance(0.2)) {
        const md: Metadata = {};
        for (const k of r.subset(MD_KEYS, 0.2, 1)) md[k] = r.pick(MD_VALUES);
        op.md = md;
      }
      return op;
    }],
    ["document", 1, () => ({ f: "d", op: "get", b: bank(), id: r.pick(IDS) })],
    ["document", 1, () => ({
      f: "d",
      op: "list",
      b: bank(),
      offset: r.pick([0, 0, 1, 3]),
      limit: r.pick([1, 2, 100]),
    })],
    ["document", 1.5, () => ({ f: "d", op: "delete", b: bank(), ids: r.subset(IDS, 0.15) })],
    ["document", 0.3, () => ({ f: "d", op: "deleteBank", b: bank() })],
    // graph store
    ["graph", 3, () => ({
      f: "g",
      op: "entities",
      b: bank(),
      es: Array.from({ length: 1 + r.int(3) }, () => {
        const e: GEnt = {
          id: r.pick(ENTITY_IDS),
          name: r.pick(NAMES),
          type: r.pick(["PERSON", "ORG"]),
        };
        if (r.chance(0.4)) e.aliases = r.subset(NAMES, 0.2);
        const md = metadata(r);
        if (md) e.md = md;
        if (r.chance(0.3)) e.md = { ...e.md, last_seen: new Date(EPOCH + day()).toISOString() };
        if (r.chance(0.4)) e.emb = Array.from({ length: 4 }, () => r.pick(EMB_VALUES));
        if (e.emb && !e.emb.some((x) => x !== 0)) e.emb[0] = 1;
        if (r.chance(0.4)) e.mc = r.chance(0.1) ? -0 : 1 + r.int(5);
        return e;
      }),
    })],
    ["graph", 2, () => ({
      f: "g",
      op: "links",
      b: bank(),
      ls: Array.from({ length: 1 + r.int(3) }, gLink),
    })],
    ["graph", 2, () => ({
      f: "g",
      op: "assoc",
      b: bank(),
      as: Array.from({ length: 1 + r.int(3) }, () => {
        const a: { m: string; e: string; t?: string } = {
          m: r.pick(MEMORY_IDS),
          e: r.pick(ENTITY_IDS),
        };
        if (r.chance(0.6)) a.t = words(r, 1, 4);
        return a;
      }),
    })],
    ["graph", 2, () => ({
      f: "g",
      op: "neighbors",
      b: bank(),
      ids: r.subset(ENTITY_IDS, 0.3, 1),
      depth: 1 + r.int(3),
      limit: r.pick([1, 3, 20]),
    })],
    ["graph", 1.5, () => ({
      f: "g",
      op: "queryEntities",
      b: bank(),
      q: r.pick(NAME_QUERIES),
      limit: r.pick([1, 3, 10]),
    })],
    ["graph", 1.5, () => ({
      f: "g",
      op: "candidates",
      b: bank(),
      name: r.pick([...NAMES, "alice", "acme corp", " "]),
      th: r.pick([0.1, 0.3, 0.5, 0.8, 1]),
      limit: r.pick([1, 5]),
    })],
    ["graph", 1, () => {
      const op: Op = {
        f: "g",
        op: "scored",
        b: bank(),
        name: r.pick([...NAMES, "alice", "acme corp"]),
        th: r.pick([0.1, 0.3, 0.5]),
        limit: r.pick([1, 5, 10]),
      };
      if (r.chance(0.5)) op.emb = Array.from({ length: 4 }, () => r.pick(EMB_VALUES));
      if (op.emb && !op.emb.some((x) => x !== 0)) op.emb[1] = 1;
      return op;
    }],
    ["graph", 1, () => ({ f: "g", op: "entityLink", b: bank(), l: gLink() })],
    ["graph", 1, () => ({ f: "g", op: "forget", b: bank(), ids: r.subset(MEMORY_IDS, 0.2) })],
    ...(opts.memoryLinks === false ? [] : [
      ["graph", 1.5, () => ({
        f: "g",
        op: "memLinks",
        b: bank(),
        ls: Array.from({ length: 1 + r.int(3) }, () => {
          const l: GMemLink = {
            s: r.pick(MEMORY_IDS),
            t: r.pick(MEMORY_IDS),
            type: r.pick(MEMORY_LINK_TYPES),
          };
          if (r.chance(0.4)) l.ev = words(r, 1, 2);
          if (r.chance(0.4)) l.conf = r.pick(UNIT);
          if (r.chance(0.4)) l.w = r.pick([0.5, 1, 2, -1, -0, 0.1]);
          if (r.chance(0.3)) l.at = day();
          return l;
        }),
      })] as Gen,
      ["graph", 1, () => {
        const op: Op = {
          f: "g",
          op: "findMemLinks",
          b: bank(),
          ids: r.subset(MEMORY_IDS, 0.3, 1),
          limit: r.pick([1, 3, 200]),
        };
        if (r.chance(0.3)) op.types = r.subset(MEMORY_LINK_TYPES, 0.5);
        return op;
      }] as Gen,
    ]),
    ["graph", 0.3, () => ({ f: "g", op: "deleteBank", b: bank() })],
    // wiki store
    ["wiki", 3, () => {
      const p: WPage = {
        id: r.pick(PAGE_IDS),
        kind: r.pick(KINDS),
        title: words(r, 1, 3),
        content: words(r, 2, 10),
        scope: r.pick(SCOPES),
        src: r.subset(MEMORY_IDS, 0.2),
        xl: r.subset(PAGE_IDS, 0.2),
      };
      if (r.chance(0.4)) p.tags = r.subset(TAGS, 0.3);
      const md = metadata(r);
      if (md) p.md = md;
      if (r.chance(0.2)) p.rev = r.pick([0, 7, 99]);
      return { f: "w", op: "upsert", b: bank(), p };
    }],
    ["wiki", 1, () => ({ f: "w", op: "get", b: bank(), id: r.pick(PAGE_IDS) })],
    ["wiki", 1, () => ({ f: "w", op: "history", b: bank(), id: r.pick(PAGE_IDS) })],
    ["wiki", 1, () => ({ f: "w", op: "delete", b: bank(), id: r.pick(PAGE_IDS) })],
    ["wiki", 1.5, () => {
      const op: Op = { f: "w", op: "list", b: bank() };
      if (r.chance(0.4)) op.scope = r.pick(SCOPES);
      if (r.chance(0.3)) op.kind = r.pick(KINDS);
      return op;
    }],
    ["wiki", 0.3, () => ({ f: "w", op: "deleteBank", b: bank() })],
    // source store
    ["source", 3, () => {
      const d: SDoc = { b: bank(), id: r.pick(DOC_IDS) };
      if (r.chance(0.5)) d.title = words(r, 1, 3);
      if (r.chance(0.3)) d.uri = `https://example.com/${r.pick(IDS)}?q=%27`;
      if (r.chance(0.6)) d.h = r.pick(HASHES);
      if (r.chance(0.3)) d.ct = r.pick(["text/plain", "text/markdown"]);
      const md = metadata(r);
      if (md) d.md = md;
      if (r.chance(0.5)) d.at = day();
      return { f: "s", op: "storeDoc", d };
    }],
    ["source", 1, () => ({ f: "s", op: "getDoc", b: bank(), id: r.pick(DOC_IDS) })],
    ["source", 1, () => ({ f: "s", op: "deleteDoc", b: bank(), id: r.pick(DOC_IDS) })],
    ["source", 1, () => ({ f: "s", op: "docByHash", b: bank(), h: r.pick(HASHES) })],
    ["source", 1, () => ({ f: "s", op: "listDocs", b: bank(), limit: r.pick([1, 2, 100]) })],
    ["source", 2, () => {
      const b = bank();
      return {
        f: "s",
        op: "storeChunks",
        cs: Array.from({ length: 1 + r.int(3) }, () => {
          const c: SChunk = {
            b: r.chance(0.85) ? b : bank(),
            id: r.pick(CHUNK_IDS),
            doc: r.pick(DOC_IDS),
            idx: r.int(4),
            text: words(r, 1, 5),
          };
          if (r.chance(0.6)) c.h = r.pick(HASHES);
          const md = metadata(r);
          if (md) c.md = md;
          if (r.chance(0.4)) c.at = day();
          return c;
        }),
      };
    }],
    ["source", 1, () => ({ f: "s", op: "getChunk", b: bank(), id: r.pick(CHUNK_IDS) })],
    ["source", 1, () => ({ f: "s", op: "listChunks", b: bank(), doc: r.pick(DOC_IDS) })],
    ["source", 1, () => ({ f: "s", op: "chunkByHash", b: bank(), h: r.pick(HASHES) })],
    ["source", 0.3, () => ({ f: "s", op: "deleteBank", b: bank() })],
    // mental model and PageIndex stores (ops_models.ts)
    ...modelGenerators({
      r,
      nBanks,
      dim,
      bank,
      day,
      words: (min, max) => words(r, min, max),
      metadata: () => metadata(r),
    }),
  ];
  const active = gens.filter(([f]) => fams.includes(f));
  const total = active.reduce((s, [, w]) => s + w, 0);
  for (let i = 0; i < opts.length && active.length > 0; i++) {
    let x = r.next() * total;
    for (const [, w, g] of active) {
      x -= w;
      if (x < 0) {
        ops.push(g());
        break;
      }
    }
  }
  ops.push(...finalChecks(nBanks, fams));
  return { banks, ops };
}

/** Operations that read back the whole state of every bank in every family. */
export function finalChecks(nBanks: number, families: readonly AnyFamily[]): AnyOp[] {
  const out: AnyOp[] = [];
  for (let b = 0; b < nBanks; b++) {
    if (families.includes("vector")) out.push({ f: "v", op: "list", b, offset: 0, limit: 1000 });
    if (families.includes("document")) {
      out.push({ f: "d", op: "list", b, offset: 0, limit: 1000 });
    }
    if (families.includes("graph")) {
      out.push({ f: "g", op: "queryEntities", b, q: "", limit: 1000 });
      out.push({ f: "g", op: "neighbors", b, ids: [...ENTITY_IDS], depth: 3, limit: 1000 });
    }
    if (families.includes("wiki")) out.push({ f: "w", op: "list", b });
    if (families.includes("source")) {
      out.push({ f: "s", op: "listDocs", b, limit: 1000 });
      for (const doc of DOC_IDS) out.push({ f: "s", op: "listChunks", b, doc });
    }
  }
  out.push(...modelFinalChecks(nBanks, families));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Execution

/** The result of running one operation on one store bundle. */
export type Outcome =
  | { kind: "ok"; value: unknown; full?: unknown }
  | { kind: "error"; name: string; message: string }
  | { kind: "skipped"; reason: string };

const date = (offset: number | undefined): Date | undefined =>
  offset === undefined ? undefined : new Date(EPOCH + offset);

/** Dates stamped by a store (not supplied by the caller) compare as `"stamped"`. */
const STAMP_KEYS = new Set(["revisedAt", "createdAt", "refreshedAt"]);
const STAMP_CUTOFF = Date.UTC(2023, 0, 1);

/** Replace store-stamped dates by `"stamped"` (caller-supplied ones are all before 2023). */
export function normalizeStamps(v: unknown, key = ""): unknown {
  if (v instanceof Date) {
    return STAMP_KEYS.has(key) && !(v.getTime() < STAMP_CUTOFF) ? "stamped" : v;
  }
  if (Array.isArray(v)) return v.map((x) => normalizeStamps(x, key));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, normalizeStamps(x, k)]),
    );
  }
  return v;
}

function toItem(it: VItem, bankIds: readonly string[]): VectorItem {
  const out: VectorItem = { id: it.id, bankId: bankIds[it.b]!, vector: [...it.v], text: it.text };
  if (it.tags) out.tags = [...it.tags];
  if (it.md) out.metadata = { ...it.md };
  if (it.ft !== undefined) out.factType = it.ft;
  if (it.occ !== undefined) out.occurredAt = date(it.occ);
  if (it.ml !== undefined) out.memoryLayer = it.ml;
  if (it.ret !== undefined) out.retainedAt = date(it.ret);
  if (it.chunk !== undefined) out.chunkId = it.chunk;
  return out;
}

function toFilters(f: VFilt | undefined): VectorFilters | undefined {
  if (!f) return undefined;
  const out: VectorFilters = {};
  if (f.tags) out.tags = [...f.tags];
  if (f.factTypes) out.factTypes = [...f.factTypes];
  if (f.tr) out.timeRange = { start: date(f.tr[0])!, end: date(f.tr[1])! };
  if (f.md) out.metadataFilters = { ...f.md };
  if (f.asOf !== undefined) out.asOf = date(f.asOf);
  if (f.sid !== undefined) out.sessionId = f.sid;
  return out;
}

const FILTER_FIELDS: Record<keyof VFilt, string> = {
  tags: "tags",
  factTypes: "factTypes",
  tr: "timeRange",
  md: "metadataFilters",
  asOf: "asOf",
  sid: "sessionId",
};

function toLink(l: GLink): EntityLink {
  const out: EntityLink = { entityA: l.a, entityB: l.b, linkType: l.type };
  if (l.ev !== undefined) out.evidence = l.ev;
  if (l.conf !== undefined) out.confidence = l.conf;
  if (l.at !== undefined) out.createdAt = date(l.at);
  return out;
}

function toMemLink(l: GMemLink): MemoryLink {
  const out: MemoryLink = { sourceMemoryId: l.s, targetMemoryId: l.t, linkType: l.type };
  if (l.ev !== undefined) out.evidence = l.ev;
  if (l.conf !== undefined) out.confidence = l.conf;
  if (l.w !== undefined) out.weight = l.w;
  if (l.at !== undefined) out.createdAt = date(l.at);
  return out;
}

function toEntity(e: GEnt): Entity {
  const out: Entity = { id: e.id, name: e.name, entityType: e.type };
  if (e.aliases) out.aliases = [...e.aliases];
  if (e.md) out.metadata = { ...e.md };
  if (e.emb) out.embedding = [...e.emb];
  if (e.mc !== undefined) out.mentionCount = e.mc;
  return out;
}

function toPage(p: WPage): WikiPageInput {
  const out: WikiPageInput = {
    pageId: p.id,
    kind: p.kind as WikiPageKind,
    title: p.title,
    content: p.content,
    scope: p.scope,
    sourceIds: [...p.src],
    crossLinks: [...p.xl],
  };
  if (p.tags) out.tags = [...p.tags];
  if (p.md) out.metadata = { ...p.md };
  if (p.rev !== undefined) out.revision = p.rev;
  return out;
}

function toSourceDoc(d: SDoc, bankIds: readonly string[]): SourceDocument {
  const out: SourceDocument = { id: d.id, bankId: bankIds[d.b]! };
  if (d.title !== undefined) out.title = d.title;
  if (d.uri !== undefined) out.sourceUri = d.uri;
  if (d.h !== undefined) out.contentHash = d.h;
  if (d.ct !== undefined) out.contentType = d.ct;
  if (d.md) out.metadata = { ...d.md };
  if (d.at !== undefined) out.createdAt = date(d.at);
  return out;
}

function toChunk(c: SChunk, bankIds: readonly string[]): SourceChunk {
  const out: SourceChunk = {
    id: c.id,
    bankId: bankIds[c.b]!,
    documentId: c.doc,
    chunkIndex: c.idx,
    text: c.text,
  };
  if (c.h !== undefined) out.contentHash = c.h;
  if (c.md) out.metadata = { ...c.md };
  if (c.at !== undefined) out.createdAt = date(c.at);
  return out;
}

const BIG = 100_000;

/**
 * Runs operations on one store bundle over fixed bank ids. Generated link ids (UUIDs) are
 * mapped to canonical labels in order of first appearance, so two stores that return the
 * same id for the same link compare equal.
 */
export class Executor {
  readonly #stores: Stores;
  readonly #banks: readonly string[];
  readonly #reference: boolean;
  readonly #canon = new Map<string, string>();
  readonly #docIds = new Map<string, string>();

  readonly #timeoutMs: number;

  /**
   * `reference` = also compute the full rankings/match sets comparisons need. An operation
   * still pending after `timeoutMs` gives an error outcome named `Hang`.
   */
  constructor(stores: Stores, bankIds: readonly string[], reference: boolean, timeoutMs = 30_000) {
    this.#stores = stores;
    this.#banks = bankIds;
    this.#reference = reference;
    this.#timeoutMs = timeoutMs;
  }

  #label(id: string): string {
    let l = this.#canon.get(id);
    if (l === undefined) this.#canon.set(id, l = `#${this.#canon.size + 1}`);
    return l;
  }

  /** Run one operation; errors become `{ kind: "error" }` outcomes. */
  async run(op: AnyOp): Promise<Outcome> {
    const store = this.#stores[familyOf(op)];
    if (store === undefined) return { kind: "skipped", reason: `no ${familyOf(op)} store` };
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new HangError(`no answer after ${this.#timeoutMs} ms`)),
          this.#timeoutMs,
        );
      });
      return await Promise.race([this.#run(op), hang]);
    } catch (e) {
      if (e instanceof SkipError) return { kind: "skipped", reason: e.message };
      const err = e as Error;
      return { kind: "error", name: err?.name ?? "unknown", message: String(err?.message ?? e) };
    } finally {
      clearTimeout(timer);
    }
  }

  async #run(op: AnyOp): Promise<Outcome> {
    const s = this.#stores;
    const bank = (b: number): string => this.#banks[b]!;
    const ok = (value: unknown, full?: unknown): Outcome => ({ kind: "ok", value, full });
    switch (op.f) {
      case "m":
      case "p": {
        const r: ModelValue = await runModelOp(s, op, {
          bank,
          date: (offset) => new Date(EPOCH + offset),
          normalizeStamps: (v) => normalizeStamps(v),
          label: (id) => this.#label(id),
          reference: this.#reference,
          docIds: this.#docIds,
        });
        return ok(r.value, r.full);
      }
      case "v": {
        const v = s.vector!;
        switch (op.op) {
          case "store":
            return ok(await v.storeVectors(op.items.map((it) => toItem(it, this.#banks))));
          case "search": {
            if (!this.#reference && op.filt) {
              for (const k of Object.keys(op.filt) as (keyof VFilt)[]) {
                const field = FILTER_FIELDS[k] as keyof typeof v.capabilities.filters;
                if (v.capabilities.filters[field] !== true) {
                  throw new SkipError(`filter ${field} not supported natively`);
                }
              }
            }
            const filters = toFilters(op.filt);
            const hits = await v.searchSimilar(op.q, bank(op.b), {
              limit: op.limit,
              ...(filters ? { filters } : {}),
            });
            const full = this.#reference && op.limit >= 0
              ? await v.searchSimilar(op.q, bank(op.b), {
                limit: BIG,
                ...(filters ? { filters } : {}),
              })
              : undefined;
            return ok(hits, full);
          }
          case "delete":
            return ok(await v.delete(op.ids, bank(op.b)));
          case "list":
            return ok(await v.listVectors(bank(op.b), { offset: op.offset, limit: op.limit }));
          case "deleteBank":
            return ok(await v.deleteBank(bank(op.b)));
        }
        break;
      }
      case "d": {
        const d = s.document!;
        switch (op.op) {
          case "store": {
            const doc = { id: op.id, text: op.text } as {
              id: string;
              text: string;
              metadata?: Metadata;
              tags?: string[];
            };
            if (op.md) doc.metadata = { ...op.md };
            if (op.tags) doc.tags = [...op.tags];
            return ok(await d.storeDocument(doc, bank(op.b)));
          }
          case "search": {
            const filters: { tags?: string[]; metadataFilters?: Metadata } = {};
            if (op.tags) filters.tags = [...op.tags];
            if (op.md) filters.metadataFilters = { ...op.md };
            const has = op.tags !== undefined || op.md !== undefined;
            if (!this.#reference && has) {
              if (op.tags && d.capabilities.filters.tags !== true) {
                throw new SkipError("document tags filter not supported natively");
              }
              if (op.md && d.capabilities.filters.metadataFilters !== true) {
                throw new SkipError("document metadata filter not supported natively");
              }
            }
            const o = has ? { limit: op.limit, filters } : { limit: op.limit };
            const hits = await d.searchFulltext(op.q, bank(op.b), o);
            const full = this.#reference && op.limit >= 0
              ? await d.searchFulltext(op.q, bank(op.b), { ...o, limit: BIG })
              : undefined;
            return ok(hits, full);
          }
          case "get":
            return ok(await d.getDocument(op.id, bank(op.b)));
          case "list":
            return ok(await d.listDocuments(bank(op.b), { offset: op.offset, limit: op.limit }));
          case "delete":
            return ok(await d.deleteDocuments(op.ids, bank(op.b)));
          case "deleteBank":
            return ok(await d.deleteBank(bank(op.b)));
        }
        break;
      }
      case "g": {
        const g = s.graph!;
        switch (op.op) {
          case "entities":
            return ok(await g.storeEntities(op.es.map(toEntity), bank(op.b)));
          case "links":
            return ok(
              (await g.storeLinks(op.ls.map(toLink), bank(op.b))).map((id) => this.#label(id)),
            );
          case "assoc":
            await g.linkMemoriesToEntities(
              op.as.map((a) => ({
                memoryId: a.m,
                entityId: a.e,
                ...(a.t === undefined ? {} : { memoryText: a.t }),
              })),
              bank(op.b),
            );
            return ok(null);
          case "neighbors":
            return ok(
              await g.queryNeighbors(op.ids, bank(op.b), { maxDepth: op.depth, limit: op.limit }),
            );
          case "queryEntities":
            return ok(await g.queryEntities(op.q, bank(op.b), { limit: op.limit }));
          case "candidates":
            return ok(
              await g.findEntityCandidates(op.name, bank(op.b), {
                threshold: op.th,
                limit: op.limit,
              }),
            );
          case "scored": {
            const o = {
              trigramThreshold: op.th,
              limit: op.limit,
              ...(op.emb ? { nameEmbedding: [...op.emb] } : {}),
            };
            const hits = await g.findEntityCandidatesScored(op.name, bank(op.b), o);
            const full = this.#reference
              ? await g.findEntityCandidatesScored(op.name, bank(op.b), { ...o, limit: BIG })
              : undefined;
            return ok(hits, full);
          }
          case "entityLink":
            return ok(this.#label(await g.storeEntityLink(toLink(op.l), bank(op.b))));
          case "forget":
            return ok(await g.forgetMemories(op.ids, bank(op.b)));
          case "memLinks":
            if (g.capabilities.memoryLinks !== true || !g.storeMemoryLinks) {
              throw new SkipError("memory links not supported");
            }
            return ok(
              (await g.storeMemoryLinks(op.ls.map(toMemLink), bank(op.b))).map((id) =>
                this.#label(id)
              ),
            );
          case "findMemLinks":
            if (g.capabilities.memoryLinks !== true || !g.findMemoryLinks) {
              throw new SkipError("memory links not supported");
            }
            return ok(
              normalizeStamps(
                await g.findMemoryLinks(op.ids, bank(op.b), {
                  limit: op.limit,
                  ...(op.types ? { linkTypes: [...op.types] } : {}),
                }),
              ),
            );
          case "deleteBank":
            return ok(await g.deleteBank(bank(op.b)));
        }
        break;
      }
      case "w": {
        const w = s.wiki!;
        switch (op.op) {
          case "upsert":
            return ok(await w.upsertPage(toPage(op.p), bank(op.b)));
          case "get":
            return ok(normalizeStamps(await w.getPage(op.id, bank(op.b))));
          case "history":
            return ok(normalizeStamps(await w.pageHistory(op.id, bank(op.b))));
          case "delete":
            return ok(await w.deletePage(op.id, bank(op.b)));
          case "list": {
            const o: { scope?: string; kind?: WikiPageKind } = {};
            if (op.scope !== undefined) o.scope = op.scope;
            if (op.kind !== undefined) o.kind = op.kind as WikiPageKind;
            return ok(normalizeStamps(await w.listPages(bank(op.b), o)));
          }
          case "deleteBank":
            return ok(await w.deleteBank(bank(op.b)));
        }
        break;
      }
      case "s": {
        const so = s.source!;
        switch (op.op) {
          case "storeDoc":
            return ok(await so.storeDocument(toSourceDoc(op.d, this.#banks)));
          case "getDoc":
            return ok(normalizeStamps(await so.getDocument(op.id, bank(op.b))));
          case "deleteDoc":
            return ok(await so.deleteDocument(op.id, bank(op.b)));
          case "docByHash":
            return ok(normalizeStamps(await so.findDocumentByHash(op.h, bank(op.b))));
          case "listDocs":
            return ok(normalizeStamps(await so.listDocuments(bank(op.b), { limit: op.limit })));
          case "storeChunks":
            return ok(await so.storeChunks(op.cs.map((c) => toChunk(c, this.#banks))));
          case "getChunk":
            return ok(normalizeStamps(await so.getChunk(op.id, bank(op.b))));
          case "listChunks":
            return ok(normalizeStamps(await so.listChunks(op.doc, bank(op.b))));
          case "chunkByHash":
            return ok(normalizeStamps(await so.findChunkByHash(op.h, bank(op.b))));
          case "deleteBank":
            return ok(await so.deleteBank(bank(op.b)));
        }
        break;
      }
    }
    throw new Error(`unknown operation ${show(op)}`);
  }
}

class SkipError extends Error {}

/** An operation that never settled (the executor's timeout). */
export class HangError extends Error {
  override name = "Hang";
}

// ---------------------------------------------------------------------------------------------
// Comparison per operation

function hitPayload(h: VectorHit): Record<string, unknown> {
  const { score: _score, ...rest } = h;
  return rest;
}

/**
 * Compare a target's outcome of `op` with the reference's; `undefined` when they agree.
 * Errors must agree on the error class. See `compare.ts` for what each result kind compares.
 */
export function compareOutcome(op: AnyOp, ref: Outcome, act: Outcome): string | undefined {
  if (act.kind === "skipped" || ref.kind === "skipped") return undefined;
  if (ref.kind === "error" || act.kind === "error") {
    if (ref.kind === "error" && act.kind === "error") {
      return ref.name === act.name
        ? undefined
        : `expected ${ref.name} (${ref.message}), got ${act.name}: ${act.message}`;
    }
    if (ref.kind === "error") {
      return `expected ${ref.name} (${ref.message}), got success: ${
        show(act.kind === "ok" ? act.value : act)
      }`;
    }
    const e = act as { name: string; message: string };
    return `expected success ${show(ref.value)}, got ${e.name}: ${e.message}`;
  }
  if (op.f === "m" || op.f === "p") {
    return compareModelValue(op, { value: ref.value, full: ref.full }, act.value);
  }
  const kind = kindOf(op);
  if (kind === "v.search") {
    const full = (ref.full ?? ref.value) as VectorHit[];
    const top = ref.value as VectorHit[];
    const hits = act.value as VectorHit[];
    const rank = (xs: VectorHit[]): Ranked[] => xs.map((h) => ({ id: h.id, score: h.score }));
    const d = compareRanking(rank(hits), rank(top), rank(full));
    if (d !== undefined) return d;
    const byId = new Map(full.map((h) => [h.id, h]));
    for (const h of hits) {
      const e = diff(hitPayload(h), hitPayload(byId.get(h.id)!), `hit(${show(h.id)})`);
      if (e !== undefined) return e;
    }
    return undefined;
  }
  if (kind === "d.search") {
    const full = (ref.full ?? ref.value) as DocumentHit[];
    const hits = act.value as DocumentHit[];
    const matches = new Set(full.map((h) => h.documentId));
    const limit = (op as { limit: number }).limit;
    const d = compareTextHits(
      hits.map((h) => ({ id: h.documentId, score: h.score })),
      matches,
      limit,
    );
    if (d !== undefined) return d;
    const byId = new Map(full.map((h) => [h.documentId, h]));
    for (const h of hits) {
      const { score: _a, ...got } = h;
      const { score: _b, ...want } = byId.get(h.documentId)!;
      const e = diff(got, want, `hit(${show(h.documentId)})`);
      if (e !== undefined) return e;
    }
    return undefined;
  }
  if (kind === "g.scored") {
    type C = { entity: Entity; nameSimilarity: number; embeddingSimilarity?: number };
    const full = (ref.full ?? ref.value) as C[];
    const top = ref.value as C[];
    const hits = act.value as C[];
    const rank = (xs: C[]): Ranked[] =>
      xs.map((c) => ({
        id: c.entity.id,
        score: Math.max(c.nameSimilarity, c.embeddingSimilarity ?? 0),
      }));
    const d = compareRanking(rank(hits), rank(top), rank(full));
    if (d !== undefined) return d;
    const byId = new Map(full.map((c) => [c.entity.id, c]));
    for (const c of hits) {
      const want = byId.get(c.entity.id)! as unknown as Record<string, unknown>;
      const got = c as unknown as Record<string, unknown>;
      const norm = (x: Record<string, unknown>) => ({
        ...x,
        coOccurringNames: [...(x["coOccurringNames"] as string[] ?? [])].sort(),
      });
      const e = diff(norm(got), norm(want), `candidate(${show(c.entity.id)})`);
      if (e !== undefined) return e;
    }
    return undefined;
  }
  return diff(act.value, ref.value);
}

/** Render operations one per line (JSON, NaN/Infinity spelled out). */
export function formatOps(banks: readonly string[], ops: readonly AnyOp[]): string {
  const enc = (v: unknown) =>
    JSON.stringify(v, (_k, x) => typeof x === "number" && !Number.isFinite(x) ? String(x) : x);
  return [`banks: ${enc(banks)}`, ...ops.map((op, i) => `  ${i}: ${enc(op)}`)].join("\n");
}
