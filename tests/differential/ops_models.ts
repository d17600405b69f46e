/**
 * Differential operations of the MentalModelStore (`f: "m"`) and PageIndexStore (`f: "p"`)
 * families: their generators, their execution on a store bundle and their comparison rules.
 * `ops.ts` composes them with the other families.
 *
 * PageIndex documents are addressed in operations either by a caller id (`d0`, …) or by
 * `@<sourceId>`, which the executor resolves to the id that store last returned from
 * `saveDocument` for that source in that bank (store-generated UUIDs differ between stores;
 * they compare through the executor's canonical labels).
 *
 * @module
 */
import type {
  JsonValue,
  MemoryFact,
  MemoryFactHit,
  Metadata,
  PageIndexSection,
  SectionHit,
  WikiPageHit,
  WikiPageKind,
} from "@astrocyte/core";
import type { Rng } from "./ops.ts";
import type { AnyFamily, Stores } from "./targets.ts";
import { compareRanking, diff, type Ranked } from "./compare.ts";

// ---------------------------------------------------------------------------------------------
// Operation types

/** A generated mental model (dates as offsets from the epoch). */
export interface MModel {
  id: string;
  title: string;
  content: string;
  scope: string;
  src: string[];
  kind?: string;
  sd?: JsonValue;
  ts?: number[];
  rev?: number;
}

/** A mental model operation. `b` is a bank index. */
export type MmOp =
  | { f: "m"; op: "upsert"; b: number; m: MModel }
  | { f: "m"; op: "get"; b: number; id: string }
  | { f: "m"; op: "list"; b: number; scope?: string; kind?: string }
  | { f: "m"; op: "history"; b: number; id: string }
  | { f: "m"; op: "delete"; b: number; id: string }
  | { f: "m"; op: "refresh"; b: number; id: string; src: string[] }
  | { f: "m"; op: "updateViaOps"; b: number; id: string; ops: JsonValue[] }
  | { f: "m"; op: "deleteBank"; b: number };

/** A generated PageIndex document. */
export interface PDoc {
  b: number;
  id: string;
  src: string;
  md: string;
  ref?: number;
  built?: number;
}

/** A generated section (`emb` = summary embedding). */
export interface PSec {
  line: number;
  node: string;
  title: string;
  sum?: string;
  emb?: number[];
  spk?: string;
  sd?: number;
  parent?: string;
  depth?: number;
  os?: number;
  oe?: number;
  sid?: string;
}

/** A generated fact. */
export interface PFact {
  b: number;
  id: string;
  text: string;
  ft: string;
  doc?: string;
  line?: number;
  spk?: string;
  os?: number;
  oe?: number;
  ents?: string[];
  emb?: number[];
  conf?: number;
  men?: number;
  ev?: number;
}

/** A generated document-scoped wiki page. */
export interface PPage {
  id: string;
  kind: string;
  title: string;
  content: string;
  scope: string;
  src: string[];
  xl: string[];
  rev: number;
  at: number;
  tags?: string[];
  md?: Metadata;
}

/** Generated fact search options. */
export interface FOpt {
  topK?: number;
  doc?: string;
  ft?: string;
  sid?: string;
}

/** A section address `[document ref, line]`. */
export type PAddr = [string, number];

/** A PageIndex operation. `b` is a bank index; `doc` a document ref (see the module doc). */
export type PiOp =
  | { f: "p"; op: "saveDoc"; d: PDoc }
  | { f: "p"; op: "loadDoc"; b: number; src: string }
  | { f: "p"; op: "saveSections"; b: number; doc: string; ss: PSec[] }
  | { f: "p"; op: "skeleton"; b: number; doc: string }
  | { f: "p"; op: "withEmbeddings"; b: number; doc: string }
  | { f: "p"; op: "sectionEmbeddings"; b: number; doc: string; es: [number, number[]][] }
  | {
    f: "p";
    op: "entities";
    b: number;
    es: { doc: string; line: number; name: string }[];
  }
  | {
    f: "p";
    op: "links";
    b: number;
    ls: { fd: string; fl: number; td: string; tl: number; type: string; w: number }[];
  }
  | { f: "p"; op: "knn"; b: number; doc: string; topK?: number; min?: number }
  | { f: "p"; op: "eventDates"; b: number; doc: string; ds: [number, number, number | null][] }
  | { f: "p"; op: "secSemantic"; b: number; q: number[]; topK?: number; sid?: string }
  | {
    f: "p";
    op: "secKeyword";
    b: number;
    q: string;
    topK?: number;
    spk?: string;
    doc?: string;
    sid?: string;
  }
  | { f: "p"; op: "secEntities"; b: number; names: string[]; topK?: number; sid?: string }
  | { f: "p"; op: "secTemporal"; b: number; tr: [number, number]; topK?: number; sid?: string }
  | { f: "p"; op: "expandLinks"; b: number; seeds: PAddr[]; types?: string[]; topK?: number }
  | { f: "p"; op: "expandShared"; b: number; seeds: PAddr[]; topK?: number; ex?: boolean }
  | { f: "p"; op: "saveFacts"; fs: PFact[] }
  | { f: "p"; op: "factEmbeddings"; b: number; es: [string, number[]][] }
  | { f: "p"; op: "factSemantic"; b: number; q: number[]; o: FOpt }
  | { f: "p"; op: "factEntity"; b: number; name: string; o: FOpt }
  | { f: "p"; op: "factTemporal"; b: number; tr: [number, number]; o: FOpt }
  | { f: "p"; op: "factKeyword"; b: number; q: string; o: FOpt }
  | { f: "p"; op: "countFacts"; b: number; doc: string; pat?: string; ft?: string }
  | { f: "p"; op: "saveWiki"; b: number; p: PPage; emb?: number[]; prov: PAddr[] }
  | { f: "p"; op: "wikiSemantic"; b: number; q: number[]; topK?: number; doc?: string }
  | { f: "p"; op: "wikiCount"; b: number; doc: string }
  | { f: "p"; op: "wikiList"; b: number; doc: string }
  | { f: "p"; op: "wikiAffected"; b: number; ents: string[]; min?: number; limit?: number }
  | { f: "p"; op: "distinct"; b: number; doc: string; pat?: string; limit?: number }
  | { f: "p"; op: "deleteBank"; b: number };

/** Operations of the two families. */
export type ModelOp = MmOp | PiOp;

// ---------------------------------------------------------------------------------------------
// Pools

const MODEL_IDS: readonly string[] = ["mm0", "mm1", "MM0", "m'2", "ü%_"];
const HEADINGS: readonly string[] = ["Tools", "Notes", "Open Questions", "Tools", "Café 東京"];
/** Section ids: slugs of the headings, a deduplicated one and an unknown one. */
const SECTION_IDS: readonly string[] = [
  "tools",
  "notes",
  "open-questions",
  "tools-2",
  "missing",
  "caf",
];
const MODEL_SCOPES: readonly string[] = ["bank", "person:alice", "person:o'brien", ""];
const MODEL_KINDS: readonly string[] = ["general", "preference"];
const MEMORY_IDS: readonly string[] = ["m0", "m1", "m2", "m'3", "M0"];

/**
 * Caller document ids all sort before any UUID (their first character is below `0`), and
 * only source {@linkcode UUID_SOURCE} ever gets a store-generated id, so hits tied on score
 * and broken by document id come in the same order on every store.
 */
const DOC_IDS: readonly string[] = ["-d0", ".d1", "'d'2", "!D0"];
const SOURCES: readonly string[] = ["s0", "s1", "s%_2", "S0"];
const UUID_SOURCE = "S0";
const DOC_REFS: readonly string[] = [...DOC_IDS, ...DOC_IDS, ...SOURCES.map((s) => `@${s}`)];
const LINES: readonly number[] = [1, 2, 5, 10, 40];
const SPEAKERS: readonly string[] = ["user", "assistant", "User"];
const SESSION_IDS: readonly string[] = ["s1", "s2", "s'3"];
const ENTITY_NAMES: readonly string[] = ["Alice", "alice", "Bob", "Zoë", "O'Brien", "100%_x"];
const ENTITY_PATTERNS: readonly string[] = ["ali", "%o%", "ZO", "", "%", "_", "b"];
const LINK_TYPES: readonly string[] = ["semantic_knn", "causal", "elaborates"];
const WEIGHTS: readonly number[] = [0, 0.25, 0.5, 1, 2, 0.3];
const FACT_IDS: readonly string[] = ["f0", "f1", "f2", "F0", "f'3"];
const FACT_TYPES: readonly string[] = ["experience", "preference", "world", "plan", "opinion"];
const PAGE_IDS: readonly string[] = ["w0", "w1", "topic:a", "W0"];
const PAGE_KINDS: readonly WikiPageKind[] = ["entity", "topic", "concept"];
/** Components of generated embeddings (0.1 and 1/3 are not float32 values). */
const EMB_VALUES: readonly number[] = [0, 0, 0.5, 1, 1, 2, -1, 0.1, 1 / 3];
const TOP_K: readonly (number | undefined)[] = [undefined, 0, 1, 2, 3, 100];

/** What the generators need from `ops.ts`. */
export interface GenContext {
  /** The sequence's PRNG. */
  r: Rng;
  /** Number of banks. */
  nBanks: number;
  /** Vector dimension (also used for PageIndex embeddings). */
  dim: number;
  /** A random bank index. */
  bank(): number;
  /** A random date offset. */
  day(): number;
  /** Random words. */
  words(min: number, max: number): string;
  /** Random metadata (or undefined). */
  metadata(): Metadata | undefined;
}

/** A generator: family, weight, operation factory. */
export type ModelGen = [AnyFamily, number, () => ModelOp];

function block(c: GenContext): JsonValue {
  const r = c.r;
  switch (r.int(4)) {
    case 0:
      return { type: "paragraph", text: c.words(1, 6) + r.pick(["", "  ", "\n"]) };
    case 1:
      return { type: "bullet_list", items: Array.from({ length: r.int(3) }, () => c.words(1, 3)) };
    case 2:
      return { type: "ordered_list", items: Array.from({ length: r.int(3) }, () => c.words(1, 3)) };
    default: {
      const b: Record<string, JsonValue> = { type: "code", text: `x = '${c.words(1, 2)}'` };
      if (r.chance(0.5)) b.language = r.pick(["", "ts", "sql"]);
      return b;
    }
  }
}

/** A random markdown document with `##` sections. */
function markdown(c: GenContext): string {
  const r = c.r;
  const parts: string[] = [];
  if (r.chance(0.2)) parts.push(c.words(1, 4));
  for (let i = 0, n = r.int(4); i < n; i++) {
    parts.push(`${r.pick(["#", "##", "##", "###"])} ${r.pick(HEADINGS)}`);
    for (let j = 0, m = r.int(3); j < m; j++) {
      const k = r.int(4);
      if (k === 0) parts.push(c.words(1, 6));
      else if (k === 1) parts.push(`- ${c.words(1, 3)}\n- ${c.words(1, 2)}`);
      else if (k === 2) parts.push(`1. ${c.words(1, 3)}\n2. ${c.words(1, 2)}`);
      else parts.push("```ts\nconst x = 1;\n```");
    }
  }
  return parts.join("\n\n");
}

function structuredDoc(c: GenContext): JsonValue {
  const r = c.r;
  const used = new Set<string>();
  const sections: JsonValue[] = [];
  for (let i = 0, n = r.int(4); i < n; i++) {
    let id = r.pick(SECTION_IDS.slice(0, 4));
    if (used.has(id)) id = `${id}-${i}`;
    used.add(id);
    const s: Record<string, JsonValue> = {
      id,
      heading: r.pick(HEADINGS),
      blocks: Array.from({ length: r.int(3) }, () => block(c)),
    };
    if (r.chance(0.5)) s.level = 1 + r.int(4);
    sections.push(s);
  }
  const doc: Record<string, JsonValue> = { sections };
  if (r.chance(0.5)) doc.version = 1;
  return doc;
}

function docOp(c: GenContext): JsonValue {
  const r = c.r;
  const sid = () => r.pick(SECTION_IDS);
  const index = () => r.pick([0, 0, 1, 2, 5, -1]);
  switch (r.int(10)) {
    case 0:
      return { op: "append_block", section_id: sid(), block: block(c) };
    case 1:
      return { op: "insert_block", section_id: sid(), index: index(), block: block(c) };
    case 2:
      return { op: "replace_block", section_id: sid(), index: index(), block: block(c) };
    case 3:
      return { op: "remove_block", section_id: sid(), index: index() };
    case 4: {
      const o: Record<string, JsonValue> = { op: "add_section", heading: r.pick(HEADINGS) };
      if (r.chance(0.3)) o.level = r.pick([1, 2, 3, 7]);
      if (r.chance(0.5)) o.blocks = Array.from({ length: r.int(3) }, () => block(c));
      if (r.chance(0.4)) o.after_section_id = r.chance(0.2) ? null : sid();
      if (r.chance(0.3)) o.new_id = r.pick([null, "", "tools", "custom"]);
      return o;
    }
    case 5:
      return { op: "remove_section", section_id: sid() };
    case 6: {
      const o: Record<string, JsonValue> = { op: "replace_section_blocks", section_id: sid() };
      if (r.chance(0.8)) o.blocks = Array.from({ length: r.int(3) }, () => block(c));
      return o;
    }
    case 7:
      return { op: "rename_section", section_id: sid(), new_heading: r.pick(HEADINGS) };
    case 8:
      return r.pick<JsonValue>([
        { op: "bogus" },
        { op: "append_block", section_id: "tools", block: { type: "paragraph", text: "x" }, x: 1 },
        { op: "append_block", section_id: "tools", block: { type: "table" } },
        { op: "remove_block", section_id: "tools", index: 0.5 },
      ]);
    default:
      return { op: "append_block", section_id: sid(), block: block(c) };
  }
}

function embedding(c: GenContext): number[] {
  const v = Array.from({ length: c.dim }, () => c.r.pick(EMB_VALUES));
  if (!v.some((x) => x !== 0) && !c.r.chance(0.2)) v[c.r.int(c.dim)] = 1;
  return v;
}

function range(c: GenContext): [number, number] {
  const a = c.day(), b = c.day();
  return [Math.min(a, b), Math.max(a, b)];
}

function topK(c: GenContext): { topK?: number } {
  const k = c.r.pick(TOP_K);
  return k === undefined ? {} : { topK: k };
}

function fOpt(c: GenContext, docRef: () => string): FOpt {
  const r = c.r;
  const o: FOpt = { ...topK(c) };
  if (r.chance(0.2)) o.doc = docRef();
  if (r.chance(0.4)) o.ft = r.pick(FACT_TYPES);
  if (r.chance(0.15)) o.sid = r.pick(SESSION_IDS);
  return o;
}

/** The generators of both families (weights sum to about 20 per family). */
export function modelGenerators(c: GenContext): ModelGen[] {
  const r = c.r;
  const { bank, day } = c;
  const mid = () => r.pick(MODEL_IDS);
  const mm: ModelGen[] = [
    ["mental_model", 5, () => {
      const src = r.subset(MEMORY_IDS, 0.3);
      const m: MModel = {
        id: r.chance(0.03) ? "" : mid(),
        title: c.words(1, 3),
        content: markdown(c),
        scope: r.pick(MODEL_SCOPES),
        src,
      };
      if (r.chance(0.5)) m.kind = r.pick(MODEL_KINDS);
      if (r.chance(0.3)) m.sd = structuredDoc(c);
      if (r.chance(0.3)) {
        const n = r.chance(0.7) ? src.length : src.length + 1;
        m.ts = Array.from({ length: n }, day);
      }
      if (r.chance(0.2)) m.rev = r.pick([0, 5, 99]);
      return { f: "m", op: "upsert", b: bank(), m };
    }],
    ["mental_model", 2, () => ({ f: "m", op: "get", b: bank(), id: mid() })],
    ["mental_model", 2, () => {
      const op: MmOp = { f: "m", op: "list", b: bank() };
      if (r.chance(0.3)) op.scope = r.pick(MODEL_SCOPES);
      if (r.chance(0.3)) op.kind = r.pick(MODEL_KINDS);
      return op;
    }],
    ["mental_model", 2, () => ({ f: "m", op: "history", b: bank(), id: mid() })],
    ["mental_model", 1.5, () => ({ f: "m", op: "delete", b: bank(), id: mid() })],
    ["mental_model", 2, () => ({
      f: "m",
      op: "refresh",
      b: bank(),
      id: mid(),
      src: r.subset(MEMORY_IDS, 0.3),
    })],
    ["mental_model", 4, () => ({
      f: "m",
      op: "updateViaOps",
      b: bank(),
      id: mid(),
      ops: r.chance(0.05)
        ? r.pick<JsonValue[]>([["junk"], [1, { op: "bogus" }], []])
        : Array.from({ length: 1 + r.int(3) }, () => docOp(c)),
    })],
    ["mental_model", 0.4, () => ({ f: "m", op: "deleteBank", b: bank() })],
  ];
  const section = (line: number): PSec => {
    const s: PSec = { line, node: `000${line}`, title: c.words(1, 3) };
    if (r.chance(0.6)) s.sum = c.words(1, 6);
    if (r.chance(0.4)) s.emb = embedding(c);
    if (r.chance(0.3)) s.spk = r.pick(SPEAKERS);
    if (r.chance(0.4)) s.sd = day();
    if (r.chance(0.3)) s.parent = `000${r.pick(LINES)}`;
    if (r.chance(0.4)) s.depth = r.int(3);
    if (r.chance(0.2)) {
      const [a, b] = range(c);
      s.os = a;
      if (r.chance(0.7)) s.oe = b;
    }
    if (r.chance(0.4)) s.sid = r.pick(SESSION_IDS);
    return s;
  };
  // Sources saved per bank so far: most document refs name one of them (as `@source`, which
  // the executor resolves to the id that store returned), so writes mostly hit documents.
  const saved: string[][] = Array.from({ length: c.nBanks }, () => []);
  let b = 0;
  /**
   * Pick the operation's bank (kept in `b` for the refs of the same operation); mostly the
   * first one, so that sections, entities, links and facts meet.
   */
  const pb = (): number => (b = r.chance(0.6) ? 0 : bank());
  const docRef = (): string =>
    saved[b]!.length > 0 && r.chance(0.85) ? `@${r.pick(saved[b]!)}` : r.pick(DOC_REFS);
  // Section lines saved per `[bank, doc ref]` and title words, for the same reason.
  const secLines = new Map<string, number[]>();
  const titleWords: string[] = [];
  const linesOf = (ref: string): number[] => secLines.get(JSON.stringify([b, ref])) ?? [];
  const addr = (): PAddr => {
    const known = [...secLines].filter(([k, ls]) => JSON.parse(k)[0] === b && ls.length > 0);
    if (known.length > 0 && r.chance(0.85)) {
      const [k, ls] = r.pick(known);
      return [JSON.parse(k)[1], r.pick(ls)];
    }
    return [docRef(), r.pick(LINES)];
  };
  /** Endpoints of generated links, with their bank. */
  const linked: [number, PAddr][] = [];
  const someLines = (ref: string): number[] => {
    const ls = linesOf(ref);
    return ls.length > 0 && r.chance(0.85) ? r.subset(ls, 0.6, 1) : r.subset(LINES, 0.4);
  };
  const pi: ModelGen[] = [
    ["pageindex", 1.5, () => {
      const src = r.pick(SOURCES);
      const d: PDoc = {
        b: pb(),
        id: src === UUID_SOURCE && r.chance(0.7) ? "" : r.pick(DOC_IDS),
        src,
        md: c.words(2, 8),
      };
      if (!saved[b]!.includes(d.src)) saved[b]!.push(d.src);
      if (r.chance(0.4)) d.ref = day();
      if (r.chance(0.3)) d.built = day();
      return { f: "p", op: "saveDoc", d };
    }],
    ["pageindex", 0.5, () => ({ f: "p", op: "loadDoc", b: pb(), src: r.pick(SOURCES) })],
    ["pageindex", 1.3, () => {
      const lines = r.subset(LINES, 0.5);
      const ss = lines.map(section);
      // Now and then a repeated line: the call must fail and keep the previous tree.
      if (ss.length > 0 && r.chance(0.05)) ss.push(section(ss[0]!.line));
      if (r.chance(0.5)) ss.reverse();
      const op: PiOp = { f: "p", op: "saveSections", b: pb(), doc: docRef(), ss };
      secLines.set(JSON.stringify([b, op.doc]), ss.map((x) => x.line));
      for (const x of ss) titleWords.push(...x.title.split(" "));
      return op;
    }],
    ["pageindex", 0.5, () => ({ f: "p", op: "skeleton", b: pb(), doc: docRef() })],
    ["pageindex", 0.5, () => ({
      f: "p",
      op: "withEmbeddings",
      b: pb(),
      doc: docRef(),
    })],
    ["pageindex", 1.5, () => {
      const bb = pb();
      const doc = docRef();
      return {
        f: "p",
        op: "sectionEmbeddings",
        b: bb,
        doc,
        es: someLines(doc).map((l): [number, number[]] => [l, embedding(c)]),
      };
    }],
    ["pageindex", 2, () => ({
      f: "p",
      op: "entities",
      b: pb(),
      es: Array.from({ length: 1 + r.int(4) }, () => {
        const [doc, line] = addr();
        return { doc, line, name: r.pick(ENTITY_NAMES) };
      }),
    })],
    ["pageindex", 2, () => ({
      f: "p",
      op: "links",
      b: pb(),
      ls: Array.from({ length: 1 + r.int(3) }, () => {
        const [fd, fl] = addr();
        const [td, tl] = addr();
        linked.push([b, [fd, fl]], [b, [td, tl]]);
        return { fd, fl, td, tl, type: r.pick(LINK_TYPES), w: r.pick(WEIGHTS) };
      }),
    })],
    ["pageindex", 0.7, () => {
      const op: PiOp = { f: "p", op: "knn", b: pb(), doc: docRef() };
      // topK ≥ 4 (more than the other sections of a document) so float noise at the cut
      // cannot pick different neighbours; thresholds away from exact cosines of the pool.
      if (r.chance(0.5)) op.topK = r.pick([4, 5, 10]);
      if (r.chance(0.6)) op.min = r.pick([-0.5123, 0.1234, 0.4321, 0.8765]);
      return op;
    }],
    ["pageindex", 0.7, () => {
      const bb = pb();
      const doc = docRef();
      return {
        f: "p",
        op: "eventDates",
        b: bb,
        doc,
        ds: someLines(doc).map((l): [number, number, number | null] => {
          const [x, y] = range(c);
          return [l, x, r.chance(0.3) ? null : y];
        }),
      };
    }],
    ["pageindex", 1, () => {
      const op: PiOp = { f: "p", op: "secSemantic", b: pb(), q: embedding(c), ...topK(c) };
      if (r.chance(0.2)) op.sid = r.pick(SESSION_IDS);
      return op;
    }],
    ["pageindex", 1, () => {
      const op: PiOp = {
        f: "p",
        op: "secKeyword",
        b: pb(),
        q: r.chance(0.05)
          ? " "
          : titleWords.length > 0 && r.chance(0.8)
          ? `${r.pick(titleWords)} ${r.chance(0.5) ? r.pick(titleWords).toUpperCase() : ""}`
          : c.words(1, 2),
        ...topK(c),
      };
      if (r.chance(0.2)) op.spk = r.pick(SPEAKERS);
      if (r.chance(0.2)) op.doc = docRef();
      if (r.chance(0.2)) op.sid = r.pick(SESSION_IDS);
      return op;
    }],
    ["pageindex", 1, () => {
      const op: PiOp = {
        f: "p",
        op: "secEntities",
        b: pb(),
        names: r.subset([...ENTITY_NAMES, "ALICE", " "], 0.3),
        ...topK(c),
      };
      if (r.chance(0.2)) op.sid = r.pick(SESSION_IDS);
      return op;
    }],
    ["pageindex", 0.7, () => {
      const op: PiOp = { f: "p", op: "secTemporal", b: pb(), tr: range(c), ...topK(c) };
      if (r.chance(0.2)) op.sid = r.pick(SESSION_IDS);
      return op;
    }],
    ["pageindex", 1, () => {
      const op: PiOp = {
        f: "p",
        op: "expandLinks",
        b: pb(),
        seeds: Array.from({ length: 1 + r.int(2) }, () => {
          // Mostly an endpoint of a generated link of this bank.
          const ends = linked.filter(([lb]) => lb === b).slice(-4);
          return ends.length > 0 && r.chance(0.8) ? [...r.pick(ends)[1]] as PAddr : addr();
        }),
        ...(r.chance(0.8) ? {} : topK(c)),
      };
      if (r.chance(0.5)) op.types = r.subset(LINK_TYPES, 0.4);
      return op;
    }],
    ["pageindex", 1, () => {
      const op: PiOp = {
        f: "p",
        op: "expandShared",
        b: pb(),
        seeds: Array.from({ length: 1 + r.int(2) }, () => addr()),
        ...topK(c),
      };
      if (r.chance(0.4)) op.ex = r.chance(0.5);
      return op;
    }],
    ["pageindex", 2, () => {
      const fb = pb();
      return {
        f: "p",
        op: "saveFacts",
        fs: Array.from({ length: 1 + r.int(3) }, () => {
          const f: PFact = {
            b: r.chance(0.85) ? fb : bank(),
            id: r.chance(0.02) ? "" : r.pick(FACT_IDS),
            text: c.words(1, 5),
            ft: r.pick(FACT_TYPES),
          };
          if (r.chance(0.6)) f.doc = docRef();
          if (r.chance(0.5)) f.line = r.pick(LINES);
          if (r.chance(0.3)) f.spk = r.pick(SPEAKERS);
          if (r.chance(0.3)) f.os = day();
          if (r.chance(0.3)) f.oe = (f.os ?? 0) + day();
          if (r.chance(0.6)) f.ents = r.subset(ENTITY_NAMES, 0.3);
          if (r.chance(0.4)) f.emb = embedding(c);
          if (r.chance(0.4)) f.conf = r.pick([0, 0.25, 0.5, 1, 0.3]);
          if (r.chance(0.3)) f.men = day();
          if (r.chance(0.2)) f.ev = day();
          return f;
        }),
      };
    }],
    ["pageindex", 1, () => ({
      f: "p",
      op: "factEmbeddings",
      b: pb(),
      es: r.subset(FACT_IDS, 0.3).map((id): [string, number[]] => [id, embedding(c)]),
    })],
    ["pageindex", 1, () => ({
      f: "p",
      op: "factSemantic",
      b: pb(),
      q: embedding(c),
      o: fOpt(c, docRef),
    })],
    ["pageindex", 0.7, () => ({
      f: "p",
      op: "factEntity",
      b: pb(),
      name: r.pick([...ENTITY_NAMES, "ALICE", "", "ali"]),
      o: fOpt(c, docRef),
    })],
    [
      "pageindex",
      0.7,
      () => ({ f: "p", op: "factTemporal", b: pb(), tr: range(c), o: fOpt(c, docRef) }),
    ],
    ["pageindex", 1.2, () => ({
      f: "p",
      op: "factKeyword",
      b: pb(),
      q: r.chance(0.1) ? "a" : c.words(1, 3),
      o: fOpt(c, docRef),
    })],
    ["pageindex", 0.6, () => {
      const op: PiOp = { f: "p", op: "countFacts", b: pb(), doc: docRef() };
      if (r.chance(0.5)) op.pat = r.pick(ENTITY_PATTERNS);
      if (r.chance(0.3)) op.ft = r.pick(FACT_TYPES);
      return op;
    }],
    ["pageindex", 1.2, () => {
      const wb = pb();
      const p: PPage = {
        id: r.pick(PAGE_IDS),
        kind: r.pick(PAGE_KINDS),
        title: c.words(1, 3),
        content: c.words(2, 8),
        scope: r.chance(0.8) ? `document:${docRef()}` : r.pick(["bank", "document:"]),
        src: r.subset(MEMORY_IDS, 0.3),
        xl: r.subset(PAGE_IDS, 0.2),
        rev: 1 + r.int(3),
        at: day(),
      };
      if (r.chance(0.3)) p.tags = r.subset(["t1", "t'2", "%"], 0.5);
      const md = c.metadata();
      if (md) p.md = md;
      const op: PiOp = {
        f: "p",
        op: "saveWiki",
        b: wb,
        p,
        prov: Array.from({ length: r.int(4) }, () => addr()),
      };
      if (r.chance(0.6)) op.emb = embedding(c);
      return op;
    }],
    ["pageindex", 0.7, () => {
      const op: PiOp = { f: "p", op: "wikiSemantic", b: pb(), q: embedding(c), ...topK(c) };
      if (r.chance(0.3)) op.doc = docRef();
      return op;
    }],
    ["pageindex", 0.4, () => ({ f: "p", op: "wikiCount", b: pb(), doc: docRef() })],
    ["pageindex", 0.4, () => ({ f: "p", op: "wikiList", b: pb(), doc: docRef() })],
    ["pageindex", 0.7, () => {
      const op: PiOp = {
        f: "p",
        op: "wikiAffected",
        b: pb(),
        ents: r.subset(ENTITY_NAMES, 0.4),
      };
      if (r.chance(0.4)) op.min = r.pick([0, 1, 2, 3]);
      if (r.chance(0.4)) op.limit = r.pick([0, 1, 2, 8]);
      return op;
    }],
    ["pageindex", 0.7, () => {
      const op: PiOp = { f: "p", op: "distinct", b: pb(), doc: docRef() };
      if (r.chance(0.4)) op.pat = r.pick(ENTITY_PATTERNS);
      if (r.chance(0.3)) op.limit = r.pick([0, 1, 2, 50]);
      return op;
    }],
    ["pageindex", 0.3, () => ({ f: "p", op: "deleteBank", b: pb() })],
  ];
  return [...mm, ...pi];
}

const ALL_WORDS_QUERY = [
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
].join(" ");

/** Operations that read back the whole state of every bank of the two families. */
export function modelFinalChecks(nBanks: number, families: readonly AnyFamily[]): ModelOp[] {
  const out: ModelOp[] = [];
  for (let b = 0; b < nBanks; b++) {
    if (families.includes("mental_model")) {
      out.push({ f: "m", op: "list", b });
      for (const id of MODEL_IDS) out.push({ f: "m", op: "history", b, id });
    }
    if (families.includes("pageindex")) {
      for (const src of SOURCES) out.push({ f: "p", op: "loadDoc", b, src });
      for (const doc of [...DOC_IDS, ...SOURCES.map((s) => `@${s}`)]) {
        out.push({ f: "p", op: "withEmbeddings", b, doc });
        out.push({ f: "p", op: "distinct", b, doc, limit: 1000 });
        out.push({ f: "p", op: "wikiList", b, doc });
      }
      out.push({ f: "p", op: "factKeyword", b, q: ALL_WORDS_QUERY, o: { topK: 1000 } });
      out.push({ f: "p", op: "wikiAffected", b, ents: [...ENTITY_NAMES], limit: 1000 });
      out.push({
        f: "p",
        op: "expandShared",
        b,
        seeds: DOC_IDS.flatMap((d) => LINES.map((l): PAddr => [d, l])),
        topK: 1000,
        ex: false,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Execution

/** What the executor of `ops.ts` lends to {@linkcode runModelOp}. */
export interface ExecContext {
  /** Bank id of an index. */
  bank(b: number): string;
  /** Date of an offset. */
  date(offset: number): Date;
  /** Store-stamped dates replaced by `"stamped"`. */
  normalizeStamps(v: unknown): unknown;
  /** Canonical label of a generated id. */
  label(id: string): string;
  /** Whether this is the reference executor (also computes full rankings). */
  reference: boolean;
  /** `(bank index, sourceId)` → id returned by `saveDocument` (per executor). */
  docIds: Map<string, string>;
}

/** A successful outcome: the value and, for rankings, the reference's full ranking. */
export interface ModelValue {
  /** The compared value. */
  value: unknown;
  /** Full ranking (reference only). */
  full?: unknown;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Replace every store-generated UUID inside strings by its canonical label. */
function canon(v: unknown, label: (id: string) => string): unknown {
  if (typeof v === "string") return v.replace(UUID, (m) => `~${label(m)}`);
  if (Array.isArray(v)) return v.map((x) => canon(x, label));
  if (v !== null && typeof v === "object" && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, canon(x, label)]),
    );
  }
  return v;
}

const BIG = 100_000;

/** Run a mental model or PageIndex operation on `stores`. */
export async function runModelOp(
  stores: Stores,
  op: ModelOp,
  x: ExecContext,
): Promise<ModelValue> {
  if (op.f === "m") {
    const s = stores.mental_model!;
    const norm = (v: unknown): ModelValue => ({ value: x.normalizeStamps(v) });
    switch (op.op) {
      case "upsert": {
        const m = op.m;
        const input: Parameters<typeof s.upsert>[0] = {
          modelId: m.id,
          title: m.title,
          content: m.content,
          scope: m.scope,
          sourceIds: [...m.src],
        };
        if (m.kind !== undefined) input.kind = m.kind;
        if (m.sd !== undefined) input.structuredDoc = structuredClone(m.sd) as never;
        if (m.ts !== undefined) input.sourceTimestamps = m.ts.map(x.date);
        if (m.rev !== undefined) input.revision = m.rev;
        return { value: await s.upsert(input, x.bank(op.b)) };
      }
      case "get":
        return norm(await s.get(op.id, x.bank(op.b)));
      case "list": {
        const o: { scope?: string; kind?: string } = {};
        if (op.scope !== undefined) o.scope = op.scope;
        if (op.kind !== undefined) o.kind = op.kind;
        return norm(await s.list(x.bank(op.b), o));
      }
      case "history":
        return norm(await s.history(op.id, x.bank(op.b)));
      case "delete":
        return { value: await s.delete(op.id, x.bank(op.b)) };
      case "refresh":
        return norm(await s.refresh(op.id, x.bank(op.b), [...op.src]));
      case "updateViaOps":
        return {
          value: await s.updateViaOps(
            op.id,
            x.bank(op.b),
            structuredClone(op.ops) as { [k: string]: JsonValue }[],
          ),
        };
      case "deleteBank":
        return { value: await s.deleteBank(x.bank(op.b)) };
    }
  }
  const p = stores.pageindex!;
  const doc = (b: number, ref: string): string =>
    ref.startsWith("@") ? x.docIds.get(JSON.stringify([b, ref.slice(1)])) ?? ref : ref;
  const ref = (b: number, d: string) => ({ bankId: x.bank(b), documentId: doc(b, d) });
  const seeds = (b: number, ss: PAddr[]) => ss.map(([d, l]) => [doc(b, d), l] as const);
  const out = (value: unknown, full?: unknown): ModelValue => {
    const v: ModelValue = { value: canon(x.normalizeStamps(value), x.label) };
    if (full !== undefined) v.full = canon(full, x.label);
    return v;
  };
  // The reference also answers with an unbounded topK (the full ranking).
  const ranked = async <T>(run: (topK?: number) => Promise<T>, k?: number) => {
    const value = await run(k);
    return out(value, x.reference ? await run(BIG) : undefined);
  };
  const fo = (b: number, o: FOpt) => {
    const r: { topK?: number; documentId?: string; factType?: string; sessionFilter?: string } = {};
    if (o.topK !== undefined) r.topK = o.topK;
    if (o.doc !== undefined) r.documentId = doc(b, o.doc);
    if (o.ft !== undefined) r.factType = o.ft;
    if (o.sid !== undefined) r.sessionFilter = o.sid;
    return r;
  };
  const tr = (t: [number, number]) => ({ start: x.date(t[0]), end: x.date(t[1]) });
  const k = (topK: number | undefined) => (topK === undefined ? {} : { topK });
  switch (op.op) {
    case "saveDoc": {
      const d = op.d;
      const input: Parameters<typeof p.saveDocument>[0] = {
        id: d.id,
        bankId: x.bank(d.b),
        sourceId: d.src,
        mdText: d.md,
      };
      if (d.ref !== undefined) input.referenceDate = x.date(d.ref);
      if (d.built !== undefined) input.builtAt = x.date(d.built);
      const id = await p.saveDocument(input);
      x.docIds.set(JSON.stringify([d.b, d.src]), id);
      return out(id);
    }
    case "loadDoc":
      return out(await p.loadDocument(x.bank(op.b), op.src));
    case "saveSections": {
      const documentId = doc(op.b, op.doc);
      const ss = op.ss.map((s) => {
        const o: PageIndexSection = { documentId, lineNum: s.line, nodeId: s.node, title: s.title };
        if (s.sum !== undefined) o.summary = s.sum;
        if (s.emb !== undefined) o.summaryEmbedding = [...s.emb];
        if (s.spk !== undefined) o.speaker = s.spk;
        if (s.sd !== undefined) o.sessionDate = x.date(s.sd);
        if (s.parent !== undefined) o.parentNode = s.parent;
        if (s.depth !== undefined) o.depth = s.depth;
        if (s.os !== undefined) o.occurredStart = x.date(s.os);
        if (s.oe !== undefined) o.occurredEnd = x.date(s.oe);
        if (s.sid !== undefined) o.sessionId = s.sid;
        return o;
      });
      return out(await p.saveSections(ref(op.b, op.doc), ss));
    }
    case "skeleton":
      return out(await p.loadSkeleton(ref(op.b, op.doc)));
    case "withEmbeddings":
      return out(await p.loadSectionsWithEmbeddings(ref(op.b, op.doc)));
    case "sectionEmbeddings":
      return out(
        await p.saveSectionEmbeddings(
          ref(op.b, op.doc),
          op.es.map(([l, v]) => [l, [...v]] as const),
        ),
      );
    case "entities":
      return out(
        await p.saveSectionEntities(
          x.bank(op.b),
          op.es.map((e) => ({ documentId: doc(op.b, e.doc), lineNum: e.line, entityName: e.name })),
        ),
      );
    case "links":
      return out(
        await p.saveSectionLinks(
          x.bank(op.b),
          op.ls.map((l) => ({
            fromDoc: doc(op.b, l.fd),
            fromLine: l.fl,
            toDoc: doc(op.b, l.td),
            toLine: l.tl,
            linkType: l.type,
            weight: l.w,
          })),
        ),
      );
    case "knn": {
      const o: { topK?: number; minSimilarity?: number } = { ...k(op.topK) };
      if (op.min !== undefined) o.minSimilarity = op.min;
      return out(await p.populateSemanticKnnLinks(ref(op.b, op.doc), o));
    }
    case "eventDates":
      return out(
        await p.saveSectionEventDates(
          ref(op.b, op.doc),
          op.ds.map(([l, a, b]) => [l, x.date(a), b === null ? null : x.date(b)] as const),
        ),
      );
    case "secSemantic":
      return await ranked(
        (topK) =>
          p.searchSectionsSemantic(x.bank(op.b), [...op.q], {
            ...k(topK),
            ...(op.sid === undefined ? {} : { sessionFilter: op.sid }),
          }),
        op.topK,
      );
    case "secKeyword": {
      const o: Parameters<typeof p.searchSectionsKeyword>[2] = { ...k(op.topK) };
      if (op.spk !== undefined) o.speaker = op.spk;
      if (op.doc !== undefined) o.documentId = doc(op.b, op.doc);
      if (op.sid !== undefined) o.sessionFilter = op.sid;
      return out(await p.searchSectionsKeyword(x.bank(op.b), op.q, o));
    }
    case "secEntities":
      return out(
        await p.searchSectionsByEntities(x.bank(op.b), [...op.names], {
          ...k(op.topK),
          ...(op.sid === undefined ? {} : { sessionFilter: op.sid }),
        }),
      );
    case "secTemporal":
      return out(
        await p.searchSectionsTemporal(x.bank(op.b), tr(op.tr), {
          ...k(op.topK),
          ...(op.sid === undefined ? {} : { sessionFilter: op.sid }),
        }),
      );
    case "expandLinks":
      return await ranked(
        (topK) =>
          p.expandSectionLinks(x.bank(op.b), seeds(op.b, op.seeds) as never, {
            ...k(topK),
            ...(op.types === undefined ? {} : { linkTypes: [...op.types] }),
          }),
        op.topK,
      );
    case "expandShared":
      return out(
        await p.expandSectionsBySharedEntities(x.bank(op.b), seeds(op.b, op.seeds) as never, {
          ...k(op.topK),
          ...(op.ex === undefined ? {} : { excludeSeeds: op.ex }),
        }),
      );
    case "saveFacts":
      return out(
        await p.saveFacts(op.fs.map((f) => {
          const o: MemoryFact = { id: f.id, bankId: x.bank(f.b), text: f.text, factType: f.ft };
          if (f.doc !== undefined) o.documentId = doc(f.b, f.doc);
          if (f.line !== undefined) o.lineNum = f.line;
          if (f.spk !== undefined) o.speaker = f.spk;
          if (f.os !== undefined) o.occurredStart = x.date(f.os);
          if (f.oe !== undefined) o.occurredEnd = x.date(f.oe);
          if (f.ents !== undefined) o.entities = [...f.ents];
          if (f.emb !== undefined) o.embedding = [...f.emb];
          if (f.conf !== undefined) o.confidenceScore = f.conf;
          if (f.men !== undefined) o.mentionedAt = x.date(f.men);
          if (f.ev !== undefined) o.eventDate = x.date(f.ev);
          return o;
        })),
      );
    case "factEmbeddings":
      return out(
        await p.updateFactEmbeddings(x.bank(op.b), op.es.map(([id, v]) => [id, [...v]] as const)),
      );
    case "factSemantic":
      return await ranked(
        (topK) =>
          p.searchFactsSemantic(x.bank(op.b), [...op.q], {
            ...fo(op.b, op.o),
            ...(topK === undefined ? {} : { topK }),
          }),
        op.o.topK,
      );
    case "factEntity":
      return out(await p.searchFactsByEntity(x.bank(op.b), op.name, fo(op.b, op.o)));
    case "factTemporal":
      return out(await p.searchFactsTemporal(x.bank(op.b), tr(op.tr), fo(op.b, op.o)));
    case "factKeyword":
      return out(await p.searchFactsKeyword(x.bank(op.b), op.q, fo(op.b, op.o)));
    case "countFacts": {
      const o: { entityPattern?: string; factType?: string } = {};
      if (op.pat !== undefined) o.entityPattern = op.pat;
      if (op.ft !== undefined) o.factType = op.ft;
      return out(await p.countFactsMatching(ref(op.b, op.doc), o));
    }
    case "saveWiki": {
      const pg = op.p;
      const scope = pg.scope.startsWith("document:@")
        ? `document:${doc(op.b, pg.scope.slice("document:".length))}`
        : pg.scope;
      const page: Parameters<typeof p.saveWikiPage>[0]["page"] = {
        pageId: pg.id,
        bankId: x.bank(op.b),
        kind: pg.kind as WikiPageKind,
        title: pg.title,
        content: pg.content,
        scope,
        sourceIds: [...pg.src],
        crossLinks: [...pg.xl],
        revision: pg.rev,
        revisedAt: x.date(pg.at),
      };
      if (pg.tags !== undefined) page.tags = [...pg.tags];
      if (pg.md !== undefined) page.metadata = { ...pg.md };
      const args: Parameters<typeof p.saveWikiPage>[0] = {
        page,
        provenance: seeds(op.b, op.prov) as never,
      };
      if (op.emb !== undefined) args.embedding = [...op.emb];
      return out(await p.saveWikiPage(args));
    }
    case "wikiSemantic":
      return await ranked(
        (topK) =>
          p.searchWikiPagesSemantic(x.bank(op.b), [...op.q], {
            ...k(topK),
            ...(op.doc === undefined ? {} : { documentId: doc(op.b, op.doc) }),
          }),
        op.topK,
      );
    case "wikiCount":
      return out(await p.countWikiPagesForDoc(x.bank(op.b), doc(op.b, op.doc)));
    case "wikiList":
      return out(await p.listWikiPagesForDoc(x.bank(op.b), doc(op.b, op.doc)));
    case "wikiAffected": {
      const o: { minOverlap?: number; limit?: number } = {};
      if (op.min !== undefined) o.minOverlap = op.min;
      if (op.limit !== undefined) o.limit = op.limit;
      return out(await p.listWikisAffectedByEntities(x.bank(op.b), [...op.ents], o));
    }
    case "distinct": {
      const o: { pattern?: string; limit?: number } = {};
      if (op.pat !== undefined) o.pattern = op.pat;
      if (op.limit !== undefined) o.limit = op.limit;
      return out(await p.listDistinctEntities(ref(op.b, op.doc), o));
    }
    case "deleteBank":
      return out(await p.deleteBank(x.bank(op.b)));
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** A sortable key for `(documentId, lineNum)` whose string order is the SPI's tie-break. */
function sectionId(h: SectionHit): string {
  return `${h.documentId}\u0000${String(h.lineNum + 2 ** 31).padStart(10, "0")}`;
}

function compareHits<T extends { score: number }>(
  ref: ModelValue,
  act: unknown,
  id: (h: T) => string,
): string | undefined {
  const full = (ref.full ?? ref.value) as T[];
  const top = ref.value as T[];
  const hits = act as T[];
  const rank = (xs: T[]): Ranked[] => xs.map((h) => ({ id: id(h), score: h.score }));
  const d = compareRanking(rank(hits), rank(top), rank(full));
  if (d !== undefined) return d;
  const byId = new Map(full.map((h) => [id(h), h]));
  for (const h of hits) {
    const { score: _a, ...got } = h;
    const { score: _b, ...want } = byId.get(id(h))!;
    const e = diff(got, want, `hit(${id(h)})`);
    if (e !== undefined) return e;
  }
  return undefined;
}

/**
 * Compare a target's value for a mental model / PageIndex operation with the reference's:
 * similarity rankings (semantic searches, link expansion summing float weights) through
 * {@linkcode compareRanking}, everything else exactly. `undefined` when they agree.
 */
export function compareModelValue(op: ModelOp, ref: ModelValue, act: unknown): string | undefined {
  if (op.f === "p") {
    switch (op.op) {
      case "secSemantic":
      case "expandLinks":
        return compareHits<SectionHit>(ref, act, sectionId);
      case "factSemantic":
        return compareHits<MemoryFactHit>(ref, act, (h) => h.factId);
      case "wikiSemantic":
        return compareHits<WikiPageHit>(ref, act, (h) => h.pageId);
    }
  }
  return diff(act, ref.value);
}
