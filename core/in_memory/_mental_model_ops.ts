/**
 * Structured mental-model documents and their delta operations: the one implementation of
 * `MentalModelStore.updateViaOps` semantics, shared by the in-memory reference and every
 * adapter so that all stores render, parse and apply operations identically.
 *
 * The document and operation JSON follow upstream astrocyte-py (`structured_doc.py`,
 * `delta_ops.py`): a document is ordered sections (`id`, `heading`, `level`, `blocks`), blocks
 * are `paragraph`, `bullet_list`, `ordered_list` or `code`, and operations are
 * `append_block`, `insert_block`, `replace_block`, `remove_block`, `add_section`,
 * `remove_section`, `replace_section_blocks` and `rename_section`.
 *
 * Rules, decided here for every store:
 * - Operations are checked one by one: a malformed operation (unknown `op`, missing or
 *   mistyped field, unknown key), an unknown section, an index out of range, or an
 *   operation that leaves the document as it was is skipped with a `reason`; the others
 *   apply in order. (Upstream rejects the whole list when one operation is malformed.)
 * - A list that is not an array of objects is rejected as a whole: nothing changes.
 * - `changed` is true only when the resulting document differs from the starting one.
 * - Parsing legacy markdown is upstream's lenient parser, except that fenced code keeps
 *   `#` lines and `---` lines verbatim, and leading blank lines do not create an empty
 *   "Overview" section.
 *
 * @example
 * ```ts
 * import { applyMentalModelOperations, parseStructuredDoc, renderStructuredDoc } from "@astrocyte/core";
 *
 * const doc = parseStructuredDoc("## Tools\n\n- Slack");
 * const result = applyMentalModelOperations(doc, [
 *   { op: "append_block", section_id: "tools", block: { type: "paragraph", text: "Also Linear." } },
 * ]);
 * console.log(renderStructuredDoc(result.doc)); // "## Tools\n\n- Slack\n\nAlso Linear.\n"
 * ```
 *
 * @module
 */
import { ValidationError } from "../errors.ts";
import type {
  MentalModelOperation,
  MentalModelSection,
  StructuredDoc,
  StructuredDocBlock,
  UpdateViaOpsReport,
} from "../spi/mental_model_store.ts";
import type { JsonValue } from "../types.ts";

const PREFIX = "[astrocyte/core]";

/** A normalised section: every default filled in. */
type Section = Required<MentalModelSection>;

/** A normalised document. */
type Doc = { version: 1; sections: Section[] };

type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const bad = <T>(reason: string): Check<T> => ({ ok: false, reason });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    !(value instanceof Date);
}

function unexpectedKey(obj: Record<string, unknown>, allowed: readonly string[]): string | null {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) return k;
  return null;
}

function isInt(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

function checkItems(value: unknown, path: string): Check<string[]> {
  if (value === undefined) return ok([]);
  if (!Array.isArray(value)) return bad(`${path} must be an array of strings`);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") return bad(`${path}[${i}] must be a string`);
  }
  return ok([...value] as string[]);
}

function checkBlock(value: unknown, path: string): Check<StructuredDocBlock> {
  if (!isPlainObject(value)) return bad(`${path} must be an object`);
  const type = value.type;
  switch (type) {
    case "paragraph": {
      const extra = unexpectedKey(value, ["type", "text"]);
      if (extra !== null) return bad(`${path} has an unexpected field: ${extra}`);
      if (typeof value.text !== "string") return bad(`${path}.text must be a string`);
      return ok({ type, text: value.text });
    }
    case "bullet_list":
    case "ordered_list": {
      const extra = unexpectedKey(value, ["type", "items"]);
      if (extra !== null) return bad(`${path} has an unexpected field: ${extra}`);
      const items = checkItems(value.items, `${path}.items`);
      if (!items.ok) return bad(items.reason);
      return ok({ type, items: items.value });
    }
    case "code": {
      const extra = unexpectedKey(value, ["type", "language", "text"]);
      if (extra !== null) return bad(`${path} has an unexpected field: ${extra}`);
      if (value.language !== undefined && typeof value.language !== "string") {
        return bad(`${path}.language must be a string`);
      }
      if (typeof value.text !== "string") return bad(`${path}.text must be a string`);
      return ok({ type, language: (value.language as string | undefined) ?? "", text: value.text });
    }
    default:
      return bad(`${path}.type must be paragraph, bullet_list, ordered_list or code`);
  }
}

function checkBlocks(value: unknown, path: string): Check<StructuredDocBlock[]> {
  if (value === undefined) return ok([]);
  if (!Array.isArray(value)) return bad(`${path} must be an array`);
  const out: StructuredDocBlock[] = [];
  for (let i = 0; i < value.length; i++) {
    const b = checkBlock(value[i], `${path}[${i}]`);
    if (!b.ok) return bad(b.reason);
    out.push(b.value);
  }
  return ok(out);
}

function checkLevel(value: unknown, path: string): Check<number> {
  if (value === undefined) return ok(2);
  if (!isInt(value) || value < 1 || value > 6) return bad(`${path} must be an integer from 1 to 6`);
  return ok(value);
}

function checkSection(value: unknown, path: string): Check<Section> {
  if (!isPlainObject(value)) return bad(`${path} must be an object`);
  const extra = unexpectedKey(value, ["id", "heading", "level", "blocks"]);
  if (extra !== null) return bad(`${path} has an unexpected field: ${extra}`);
  if (typeof value.id !== "string") return bad(`${path}.id must be a string`);
  if (typeof value.heading !== "string") return bad(`${path}.heading must be a string`);
  const level = checkLevel(value.level, `${path}.level`);
  if (!level.ok) return bad(level.reason);
  const blocks = checkBlocks(value.blocks, `${path}.blocks`);
  if (!blocks.ok) return bad(blocks.reason);
  return ok({ id: value.id, heading: value.heading, level: level.value, blocks: blocks.value });
}

function checkDoc(value: unknown, path: string): Check<Doc> {
  if (!isPlainObject(value)) return bad(`${path} must be an object`);
  const extra = unexpectedKey(value, ["version", "sections"]);
  if (extra !== null) return bad(`${path} has an unexpected field: ${extra}`);
  if (value.version !== undefined && value.version !== 1) return bad(`${path}.version must be 1`);
  const raw = value.sections ?? [];
  if (!Array.isArray(raw)) return bad(`${path}.sections must be an array`);
  const sections: Section[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const s = checkSection(raw[i], `${path}.sections[${i}]`);
    if (!s.ok) return bad(s.reason);
    if (ids.has(s.value.id)) return bad(`${path}.sections[${i}].id is a duplicate: ${s.value.id}`);
    ids.add(s.value.id);
    sections.push(s.value);
  }
  return ok({ version: 1, sections });
}

/**
 * Check a structured document and return a normalised copy (`version: 1`, every `level`,
 * `blocks`, `items` and `language` filled in). Unknown keys, duplicate section ids, levels
 * outside 1–6 and unknown block types are rejected.
 *
 * @throws {ValidationError} naming the offending field.
 */
export function normalizeStructuredDoc(value: unknown, field = "structuredDoc"): StructuredDoc {
  const r = checkDoc(value, field);
  if (!r.ok) throw new ValidationError(`${PREFIX} ${r.reason}`, { field });
  return r.value;
}

function cloneDoc(doc: Doc): Doc {
  return {
    version: 1,
    sections: doc.sections.map((s) => ({ ...s, blocks: s.blocks.map(cloneBlock) })),
  };
}

function cloneBlock(b: StructuredDocBlock): StructuredDocBlock {
  return b.type === "bullet_list" || b.type === "ordered_list" ? { ...b, items: [...b.items] } : {
    ...b,
  };
}

// Slugs ----------------------------------------------------------------------------------

/**
 * The stable section id of a heading: lowercase, runs of characters other than `a-z0-9`
 * become `-`, leading and trailing `-` dropped; `section` when nothing is left.
 * `"Stop Conditions"` → `stop-conditions`.
 */
export function slugifyHeading(heading: string): string {
  const slug = heading.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug.length > 0 ? slug : "section";
}

function uniqueId(base: string, existing: ReadonlySet<string>): string {
  if (!existing.has(base)) return base;
  let i = 2;
  while (existing.has(`${base}-${i}`)) i++;
  return `${base}-${i}`;
}

// Rendering ------------------------------------------------------------------------------

function renderBlock(block: StructuredDocBlock): string {
  switch (block.type) {
    case "paragraph":
      return block.text.trimEnd();
    case "bullet_list":
      return block.items.map((item) => `- ${item.trimEnd()}`).join("\n");
    case "ordered_list":
      return block.items.map((item, i) => `${i + 1}. ${item.trimEnd()}`).join("\n");
    case "code":
      return "```" + (block.language ?? "") + "\n" + block.text + "\n```";
  }
}

function renderSection(section: Section): string {
  const parts = ["#".repeat(section.level) + " " + section.heading.trim()];
  for (const block of section.blocks) parts.push("", renderBlock(block));
  return parts.join("\n");
}

/**
 * Render a structured document to markdown, byte-stably: each section is its `#` heading
 * followed by its blocks, all separated by blank lines, with a final newline; an empty
 * document renders as `""`.
 *
 * @throws {ValidationError} when `doc` is not a valid structured document.
 */
export function renderStructuredDoc(doc: StructuredDoc): string {
  const d = normalizeStructuredDoc(doc, "doc") as Doc;
  if (d.sections.length === 0) return "";
  return d.sections.map(renderSection).join("\n\n") + "\n";
}

// Parsing --------------------------------------------------------------------------------

// The line boundaries of Python's `str.splitlines`, which upstream's parser uses.
// deno-lint-ignore no-control-regex
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
const HEADING_RX = /^(#{1,6})\s+(.+?)\s*$/u;
const BULLET_RX = /^\s*[-*+]\s+(.*)$/u;
const ORDERED_RX = /^\s*\p{Nd}+[.)]\s+(.*)$/u;
const FENCE_RX = /^```([A-Za-z0-9_+-]*)\s*$/u;
const SEPARATOR_RX = /^\s*([-*_])\1{2,}\s*$/u;

function splitBlocks(lines: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let inFence = false;
  for (const line of lines) {
    if (FENCE_RX.test(line)) {
      current.push(line);
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      current.push(line);
      continue;
    }
    if (line.trim() === "") {
      if (current.length > 0) {
        chunks.push(current);
        current = [];
      }
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function parseBlock(chunk: readonly string[]): StructuredDocBlock {
  const fence = FENCE_RX.exec(chunk[0]!);
  if (fence !== null) {
    let body = chunk.slice(1);
    if (body.length > 0 && FENCE_RX.test(body[body.length - 1]!)) body = body.slice(0, -1);
    return { type: "code", language: fence[1]!, text: body.join("\n") };
  }
  if (chunk.every((l) => BULLET_RX.test(l))) {
    return { type: "bullet_list", items: chunk.map((l) => BULLET_RX.exec(l)![1]!.trim()) };
  }
  if (chunk.every((l) => ORDERED_RX.test(l))) {
    return { type: "ordered_list", items: chunk.map((l) => ORDERED_RX.exec(l)![1]!.trim()) };
  }
  return { type: "paragraph", text: chunk.map((l) => l.trim()).join(" ").trim() };
}

/**
 * Parse markdown into a structured document, leniently (upstream's `parse_markdown`): ATX
 * headings start sections (ids are unique slugs of the headings), content before the first
 * heading goes into an implicit "Overview" section, blank lines separate blocks, `---`-style
 * rules are separators, and anything that is not a list or fenced code is a paragraph — so
 * no content is dropped. Used to migrate models that have only markdown `content`.
 */
export function parseStructuredDoc(markdown: string): StructuredDoc {
  const sections: Section[] = [];
  const used = new Set<string>();
  let pending: string[] = [];
  let current: Section | null = null;
  let inFence = false;

  const flushInto = (section: Section): void => {
    for (const chunk of splitBlocks(pending)) section.blocks.push(parseBlock(chunk));
    pending = [];
  };
  const implicitOverview = (): void => {
    if (!pending.some((l) => l.trim() !== "")) {
      pending = [];
      return;
    }
    const id = uniqueId("overview", used);
    used.add(id);
    const overview: Section = { id, heading: "Overview", level: 2, blocks: [] };
    flushInto(overview);
    sections.push(overview);
  };

  for (const line of (markdown ?? "").split(LINE_BREAK)) {
    if (!inFence) {
      const m = HEADING_RX.exec(line);
      if (m !== null) {
        if (current !== null) {
          flushInto(current);
          sections.push(current);
        } else {
          implicitOverview();
        }
        const heading = m[2]!.trim();
        const id = uniqueId(slugifyHeading(heading), used);
        used.add(id);
        current = { id, heading, level: m[1]!.length, blocks: [] };
        continue;
      }
    }
    if (FENCE_RX.test(line)) {
      inFence = !inFence;
      pending.push(line);
    } else {
      pending.push(!inFence && SEPARATOR_RX.test(line) ? "" : line);
    }
  }
  if (current !== null) {
    flushInto(current);
    sections.push(current);
  } else {
    implicitOverview();
  }
  return { version: 1, sections };
}

// Operations -----------------------------------------------------------------------------

const OP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  append_block: ["op", "section_id", "block"],
  insert_block: ["op", "section_id", "index", "block"],
  replace_block: ["op", "section_id", "index", "block"],
  remove_block: ["op", "section_id", "index"],
  add_section: ["op", "heading", "level", "blocks", "after_section_id", "new_id"],
  remove_section: ["op", "section_id"],
  replace_section_blocks: ["op", "section_id", "blocks"],
  rename_section: ["op", "section_id", "new_heading"],
};

type Op =
  | { op: "append_block"; sectionId: string; block: StructuredDocBlock }
  | {
    op: "insert_block" | "replace_block";
    sectionId: string;
    index: number;
    block: StructuredDocBlock;
  }
  | { op: "remove_block"; sectionId: string; index: number }
  | {
    op: "add_section";
    heading: string;
    level: number;
    blocks: StructuredDocBlock[];
    after: string | null;
    newId: string | null;
  }
  | { op: "remove_section"; sectionId: string }
  | { op: "replace_section_blocks"; sectionId: string; blocks: StructuredDocBlock[] }
  | { op: "rename_section"; sectionId: string; newHeading: string };

function checkOp(raw: Record<string, unknown>): Check<Op> {
  const name = raw.op;
  if (typeof name !== "string") return bad("invalid operation: op must be a string");
  const fields = OP_FIELDS[name];
  if (fields === undefined) return bad(`invalid operation: unknown op: ${name}`);
  const extra = unexpectedKey(raw, fields);
  if (extra !== null) return bad(`invalid operation: unexpected field: ${extra}`);
  const str = (k: string): Check<string> =>
    typeof raw[k] === "string"
      ? ok(raw[k] as string)
      : bad(`invalid operation: ${k} must be a string`);
  const nullableStr = (k: string): Check<string | null> =>
    raw[k] === undefined || raw[k] === null || typeof raw[k] === "string"
      ? ok((raw[k] as string | null | undefined) ?? null)
      : bad(`invalid operation: ${k} must be a string or null`);
  const index = (): Check<number> =>
    isInt(raw.index) && raw.index >= 0
      ? ok(raw.index)
      : bad("invalid operation: index must be an integer ≥ 0");
  const block = (): Check<StructuredDocBlock> => {
    if (raw.block === undefined) return bad("invalid operation: block is required");
    const b = checkBlock(raw.block, "block");
    return b.ok ? b : bad(`invalid operation: ${b.reason}`);
  };
  const blocks = (): Check<StructuredDocBlock[]> => {
    const b = checkBlocks(raw.blocks, "blocks");
    return b.ok ? b : bad(`invalid operation: ${b.reason}`);
  };
  const all = <T extends unknown[]>(...checks: { [K in keyof T]: Check<T[K]> }): Check<T> => {
    const out: unknown[] = [];
    for (const c of checks) {
      if (!c.ok) return bad(c.reason);
      out.push(c.value);
    }
    return ok(out as T);
  };

  switch (name) {
    case "append_block": {
      const r = all<[string, StructuredDocBlock]>(str("section_id"), block());
      return r.ok ? ok({ op: name, sectionId: r.value[0], block: r.value[1] }) : bad(r.reason);
    }
    case "insert_block":
    case "replace_block": {
      const r = all<[string, number, StructuredDocBlock]>(str("section_id"), index(), block());
      return r.ok
        ? ok({ op: name, sectionId: r.value[0], index: r.value[1], block: r.value[2] })
        : bad(r.reason);
    }
    case "remove_block": {
      const r = all<[string, number]>(str("section_id"), index());
      return r.ok ? ok({ op: name, sectionId: r.value[0], index: r.value[1] }) : bad(r.reason);
    }
    case "add_section": {
      const level = checkLevel(raw.level, "level");
      const r = all<[string, number, StructuredDocBlock[], string | null, string | null]>(
        str("heading"),
        level.ok ? level : bad(`invalid operation: ${level.reason}`),
        blocks(),
        nullableStr("after_section_id"),
        nullableStr("new_id"),
      );
      if (!r.ok) return bad(r.reason);
      const [heading, lvl, bl, after, newId] = r.value;
      return ok({ op: name, heading, level: lvl, blocks: bl, after, newId });
    }
    case "remove_section": {
      const r = str("section_id");
      return r.ok ? ok({ op: name, sectionId: r.value }) : bad(r.reason);
    }
    case "replace_section_blocks": {
      const r = all<[string, StructuredDocBlock[]]>(str("section_id"), blocks());
      return r.ok ? ok({ op: name, sectionId: r.value[0], blocks: r.value[1] }) : bad(r.reason);
    }
    default: {
      const r = all<[string, string]>(str("section_id"), str("new_heading"));
      return r.ok
        ? ok({ op: "rename_section", sectionId: r.value[0], newHeading: r.value[1] })
        : bad(r.reason);
    }
  }
}

/** Apply one checked op to `doc` in place; returns a skip reason or the assigned id. */
function applyOp(doc: Doc, op: Op): { skip: string } | { assignedId?: string } {
  if (op.op === "add_section") {
    const id = uniqueId(
      op.newId !== null && op.newId !== "" ? op.newId : slugifyHeading(op.heading),
      new Set(doc.sections.map((s) => s.id)),
    );
    const section: Section = {
      id,
      heading: op.heading,
      level: op.level,
      blocks: op.blocks.map(cloneBlock),
    };
    if (op.after === null) {
      doc.sections.push(section);
    } else {
      const at = doc.sections.findIndex((s) => s.id === op.after);
      if (at < 0) return { skip: `unknown after_section_id: ${op.after}` };
      doc.sections.splice(at + 1, 0, section);
    }
    return { assignedId: id };
  }
  const at = doc.sections.findIndex((s) => s.id === op.sectionId);
  if (at < 0) return { skip: `unknown section_id: ${op.sectionId}` };
  const section = doc.sections[at]!;
  const n = section.blocks.length;
  switch (op.op) {
    case "append_block":
      section.blocks.push(cloneBlock(op.block));
      return {};
    case "insert_block":
      if (op.index > n) return { skip: `index out of range: ${op.index} > ${n}` };
      section.blocks.splice(op.index, 0, cloneBlock(op.block));
      return {};
    case "replace_block":
      if (op.index >= n) return { skip: `index out of range: ${op.index} >= ${n}` };
      section.blocks[op.index] = cloneBlock(op.block);
      return {};
    case "remove_block":
      if (op.index >= n) return { skip: `index out of range: ${op.index} >= ${n}` };
      section.blocks.splice(op.index, 1);
      return {};
    case "remove_section":
      doc.sections.splice(at, 1);
      return {};
    case "replace_section_blocks":
      section.blocks = op.blocks.map(cloneBlock);
      return {};
    case "rename_section":
      section.heading = op.newHeading;
      return {};
  }
}

function toJson(value: unknown): JsonValue | undefined {
  if (value === undefined || typeof value === "function" || typeof value === "symbol") {
    return undefined;
  }
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch {
    return String(value);
  }
}

/** The audit entry of an operation: its keys without `block` / `blocks`, plus `extra`. */
function summarize(
  raw: Record<string, unknown>,
  extra: Record<string, JsonValue>,
): MentalModelOperation {
  const out: MentalModelOperation = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === "block" || k === "blocks") continue;
    const j = toJson(v);
    if (j !== undefined) out[k] = j;
  }
  return { ...out, ...extra };
}

/** `true` when `operations` is an array of plain objects (an acceptable operation list). */
export function isOperationList(operations: unknown): operations is MentalModelOperation[] {
  return Array.isArray(operations) && operations.every(isPlainObject);
}

/** Outcome of {@linkcode applyMentalModelOperations}. */
export interface ApplyOperationsResult {
  /** The resulting document (a new object; the input is never mutated). */
  doc: StructuredDoc;
  /** Summaries of the operations that changed the document, in order. */
  applied: MentalModelOperation[];
  /** Summaries of the skipped operations, each with a `reason`. */
  skipped: MentalModelOperation[];
  /** Whether `doc` differs from the input document. */
  changed: boolean;
}

/**
 * Apply delta operations to a structured document without mutating it. Each operation is
 * checked against {@linkcode StructuredDocOperation}; invalid ones, ones that target an
 * unknown section or index, and ones without effect are skipped with a `reason`. When
 * `operations` is not an array of objects, nothing is applied and both lists are empty.
 *
 * @throws {ValidationError} when `doc` itself is not a valid structured document.
 */
export function applyMentalModelOperations(
  doc: StructuredDoc,
  operations: readonly MentalModelOperation[],
): ApplyOperationsResult {
  const start = normalizeStructuredDoc(doc, "doc") as Doc;
  const startJson = JSON.stringify(start);
  if (!isOperationList(operations)) {
    return { doc: cloneDoc(start), applied: [], skipped: [], changed: false };
  }
  const work = cloneDoc(start);
  const applied: MentalModelOperation[] = [];
  const skipped: MentalModelOperation[] = [];
  for (const raw of operations) {
    const checked = checkOp(raw);
    if (!checked.ok) {
      skipped.push(summarize(raw, { reason: checked.reason }));
      continue;
    }
    const before = JSON.stringify(work);
    const outcome = applyOp(work, checked.value);
    if ("skip" in outcome) {
      skipped.push(summarize(raw, { reason: outcome.skip }));
    } else if (JSON.stringify(work) === before) {
      skipped.push(summarize(raw, { reason: "no effect" }));
    } else {
      applied.push(
        summarize(raw, outcome.assignedId === undefined ? {} : { assigned_id: outcome.assignedId }),
      );
    }
  }
  return { doc: work, applied, skipped, changed: JSON.stringify(work) !== startJson };
}

/** What {@linkcode planMentalModelUpdate} decided. */
export interface MentalModelUpdatePlan {
  /** Whether the store must write a new revision. */
  changed: boolean;
  /** The report `updateViaOps` returns. */
  report: UpdateViaOpsReport;
  /** The structured document to store (when `changed`). */
  structuredDoc: StructuredDoc;
  /** The markdown rendered from `structuredDoc` (when `changed`). */
  content: string;
}

/**
 * Plan `MentalModelStore.updateViaOps` for the current revision of a model. A model without
 * a (valid) `structuredDoc` is first parsed from its `content`. When `changed` is true, the
 * store upserts the model with the plan's `structuredDoc` and `content` (revision + 1);
 * otherwise it returns the current revision with `report` and writes nothing.
 */
export function planMentalModelUpdate(
  current: { content: string; structuredDoc?: StructuredDoc | null },
  operations: readonly MentalModelOperation[],
): MentalModelUpdatePlan {
  let base: StructuredDoc | undefined;
  if (current.structuredDoc !== undefined && current.structuredDoc !== null) {
    const r = checkDoc(current.structuredDoc, "structuredDoc");
    if (r.ok) base = r.value;
  }
  base ??= parseStructuredDoc(current.content ?? "");
  const result = applyMentalModelOperations(base, operations);
  const report: UpdateViaOpsReport = {
    applied: result.applied,
    skipped: result.skipped,
    changed: result.changed,
  };
  if (!result.changed) {
    return { changed: false, report, structuredDoc: base, content: current.content };
  }
  return {
    changed: true,
    report,
    structuredDoc: result.doc,
    content: renderStructuredDoc(result.doc),
  };
}

/**
 * Merge source ids as `MentalModelStore.refresh` does: the existing ids unchanged and in
 * their order, then the new ids not already present, in input order, each once.
 */
export function mergeSourceIds(
  existing: readonly string[],
  incoming: readonly string[],
): string[] {
  const seen = new Set<string>(existing);
  const out = [...existing];
  for (const id of incoming) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}
