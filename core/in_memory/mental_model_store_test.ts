import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import type {
  MentalModelOperation,
  MentalModelStore,
  StructuredDoc,
} from "../spi/mental_model_store.ts";
import { registerDenoTests, runInline } from "../testing/harness.ts";
import { mentalModelStoreContract } from "../testing/mental_model_store_contract.ts";
import {
  applyMentalModelOperations,
  mergeSourceIds,
  normalizeStructuredDoc,
  parseStructuredDoc,
  planMentalModelUpdate,
  renderStructuredDoc,
  slugifyHeading,
} from "./_mental_model_ops.ts";
import { createInMemoryMentalModelStore } from "./mental_model_store.ts";

registerDenoTests(mentalModelStoreContract({
  name: "MentalModelStore contract (in-memory reference)",
  create: () => Promise.resolve(createInMemoryMentalModelStore()),
}));

// ---------------------------------------------------------------------------------------
// Structured documents (ported from upstream test_structured_doc.py)
// ---------------------------------------------------------------------------------------

const para = (text: string) => ({ type: "paragraph" as const, text });

function makeDoc(): StructuredDoc {
  return {
    version: 1,
    sections: [
      { id: "intro", heading: "Intro", level: 2, blocks: [para("Opening line.")] },
      {
        id: "bullets",
        heading: "Bullets",
        level: 2,
        blocks: [{ type: "bullet_list", items: ["a", "b"] }],
      },
    ],
  };
}

const section = (doc: StructuredDoc, id: string) => doc.sections.find((s) => s.id === id)!;
const one = (doc: StructuredDoc, op: MentalModelOperation) => applyMentalModelOperations(doc, [op]);

Deno.test("slugifyHeading gives stable slugs", () => {
  assert.equal(slugifyHeading("Stop Conditions"), "stop-conditions");
  assert.equal(slugifyHeading("Inputs & Context!"), "inputs-context");
  assert.equal(slugifyHeading("  Inputs and Context  "), "inputs-and-context");
  assert.equal(slugifyHeading("---"), "section");
  assert.equal(slugifyHeading(""), "section");
  assert.equal(slugifyHeading("Ünïcode Heading"), "n-code-heading");
});

Deno.test("renderStructuredDoc renders blocks, sections and documents byte-stably", () => {
  const render = (blocks: StructuredDoc["sections"][number]["blocks"], level = 2) =>
    renderStructuredDoc({ sections: [{ id: "x", heading: "H", level, blocks }] });
  assert.equal(render([para("Hello world.")]), "## H\n\nHello world.\n");
  assert.equal(render([para("Hi.   ")]), "## H\n\nHi.\n");
  assert.equal(
    render([{ type: "bullet_list", items: ["one", "two", "three "] }]),
    "## H\n\n- one\n- two\n- three\n",
  );
  assert.equal(
    render([{ type: "ordered_list", items: ["first", "second"] }]),
    "## H\n\n1. first\n2. second\n",
  );
  assert.equal(
    render([{ type: "code", language: "python", text: "x = 1" }]),
    "## H\n\n```python\nx = 1\n```\n",
  );
  assert.equal(render([{ type: "code", text: "plain" }]), "## H\n\n```\nplain\n```\n");
  assert.equal(render([], 1), "# H\n");
  assert.equal(
    render([para("P1"), { type: "bullet_list", items: ["a", "b"] }], 3),
    "### H\n\nP1\n\n- a\n- b\n",
  );
  assert.equal(renderStructuredDoc({ sections: [] }), "");
  assert.equal(
    renderStructuredDoc({
      sections: [{ id: "a", heading: "A", blocks: [] }, { id: "b", heading: " B ", blocks: [] }],
    }),
    "## A\n\n## B\n",
  );
});

Deno.test("parseStructuredDoc parses headings, blocks and separators (upstream)", () => {
  assert.deepEqual(parseStructuredDoc(""), { version: 1, sections: [] });
  assert.deepEqual(parseStructuredDoc("## Hello"), {
    version: 1,
    sections: [{ id: "hello", heading: "Hello", level: 2, blocks: [] }],
  });
  assert.deepEqual(parseStructuredDoc("## Hello\n\nBody text\nhere.").sections[0]!.blocks, [
    para("Body text here."),
  ]);
  const pre = parseStructuredDoc("Some intro text.\n\n## Real Section");
  assert.deepEqual(pre.sections.map((s) => [s.id, s.heading]), [["overview", "Overview"], [
    "real-section",
    "Real Section",
  ]]);
  assert.deepEqual(parseStructuredDoc("## Foo\n\n## Foo\n\n# Foo").sections.map((s) => s.id), [
    "foo",
    "foo-2",
    "foo-3",
  ]);
  assert.deepEqual(parseStructuredDoc("## H\n\n- one\n* two\n+ three").sections[0]!.blocks, [
    { type: "bullet_list", items: ["one", "two", "three"] },
  ]);
  assert.deepEqual(parseStructuredDoc("## H\n\n1. one\n2) two").sections[0]!.blocks, [
    { type: "ordered_list", items: ["one", "two"] },
  ]);
  assert.deepEqual(parseStructuredDoc("## H\n\n```python\nx = 1\n```").sections[0]!.blocks, [
    { type: "code", language: "python", text: "x = 1" },
  ]);
  const ruled = parseStructuredDoc("## A\n\nBody.\n\n---\n\n## B\n\nMore.");
  assert.deepEqual(ruled.sections.map((s) => [s.heading, s.blocks]), [["A", [para("Body.")]], [
    "B",
    [para("More.")],
  ]]);
  // Mixed lines fall back to a paragraph so nothing is dropped; CRLF is a line break.
  assert.deepEqual(parseStructuredDoc("### T\r\n\r\n- a\r\nplain").sections[0], {
    id: "t",
    heading: "T",
    level: 3,
    blocks: [para("- a plain")],
  });
});

Deno.test("parseStructuredDoc keeps fenced code verbatim and ignores leading blank lines", () => {
  const doc = parseStructuredDoc("\n\n## Code\n\n```sh\n# not a heading\n\n---\n```\n");
  assert.deepEqual(doc.sections, [{
    id: "code",
    heading: "Code",
    level: 2,
    blocks: [{ type: "code", language: "sh", text: "# not a heading\n\n---" }],
  }]);
});

Deno.test("render → parse → render is byte-identical (upstream round trip)", () => {
  const docs: StructuredDoc[] = [
    {
      sections: [
        { id: "intro", heading: "Intro", level: 2, blocks: [para("Hello.")] },
        {
          id: "bullets",
          heading: "Bullets",
          level: 2,
          blocks: [{ type: "bullet_list", items: ["a", "b", "c"] }],
        },
      ],
    },
    {
      sections: [{
        id: "x",
        heading: "X",
        level: 2,
        blocks: [{ type: "code", language: "python", text: "print('hi')" }],
      }],
    },
    {
      sections: [{
        id: "mixed",
        heading: "Mixed",
        level: 4,
        blocks: [{ type: "ordered_list", items: ["one", "two"] }, para("After."), {
          type: "code",
          text: "a\n\nb",
        }],
      }],
    },
  ];
  for (const doc of docs) {
    const md = renderStructuredDoc(doc);
    assert.equal(renderStructuredDoc(parseStructuredDoc(md)), md);
    assert.deepEqual(parseStructuredDoc(md), normalizeStructuredDoc(doc));
  }
});

Deno.test("normalizeStructuredDoc fills defaults and rejects malformed documents", () => {
  assert.deepEqual(
    normalizeStructuredDoc({
      sections: [{ id: "a", heading: "A", blocks: [{ type: "bullet_list" }] }],
    }),
    {
      version: 1,
      sections: [{ id: "a", heading: "A", level: 2, blocks: [{ type: "bullet_list", items: [] }] }],
    },
  );
  const bad: unknown[] = [
    null,
    [],
    { version: 2, sections: [] },
    { sections: "x" },
    { sections: [{ id: "a", heading: "A", blocks: [], extra: 1 }] },
    { sections: [{ id: "a", heading: "A", level: 0, blocks: [] }] },
    { sections: [{ id: "a", heading: "A", blocks: [{ type: "paragraph" }] }] },
    {
      sections: [{ id: "a", heading: "A", blocks: [{ type: "paragraph", text: "x", style: "b" }] }],
    },
    { sections: [{ id: "a", heading: "A", blocks: [] }, { id: "a", heading: "B", blocks: [] }] },
  ];
  for (const value of bad) {
    assert.throws(() => normalizeStructuredDoc(value), ValidationError, JSON.stringify(value));
  }
});

// ---------------------------------------------------------------------------------------
// Delta operations (ported from upstream test_delta_ops.py)
// ---------------------------------------------------------------------------------------

Deno.test("zero operations return an identical document", () => {
  const doc = makeDoc();
  const r = applyMentalModelOperations(doc, []);
  assert.deepEqual(r, {
    doc: normalizeStructuredDoc(doc),
    applied: [],
    skipped: [],
    changed: false,
  });
  assert.notEqual(r.doc, doc);
});

Deno.test("append_block appends to the named section and skips unknown sections", () => {
  const doc = makeDoc();
  const r = one(doc, { op: "append_block", section_id: "intro", block: para("Closing line.") });
  assert.deepEqual(section(r.doc, "intro").blocks, [para("Opening line."), para("Closing line.")]);
  assert.deepEqual([r.changed, r.applied, r.skipped], [true, [{
    op: "append_block",
    section_id: "intro",
  }], []]);
  const miss = one(doc, { op: "append_block", section_id: "missing", block: para("x") });
  assert.deepEqual([miss.doc, miss.applied, miss.changed], [
    normalizeStructuredDoc(doc),
    [],
    false,
  ]);
  assert.deepEqual(miss.skipped, [{
    op: "append_block",
    section_id: "missing",
    reason: "unknown section_id: missing",
  }]);
});

Deno.test("insert_block inserts at an index up to the block count", () => {
  const doc = makeDoc();
  assert.deepEqual(
    section(
      one(doc, { op: "insert_block", section_id: "intro", index: 0, block: para("Before.") }).doc,
      "intro",
    ).blocks,
    [para("Before."), para("Opening line.")],
  );
  assert.deepEqual(
    section(
      one(doc, { op: "insert_block", section_id: "intro", index: 1, block: para("Tail.") }).doc,
      "intro",
    ).blocks,
    [para("Opening line."), para("Tail.")],
  );
  const r = one(doc, { op: "insert_block", section_id: "intro", index: 10, block: para("x") });
  assert.deepEqual([r.applied, r.skipped[0]!.reason], [[], "index out of range: 10 > 1"]);
});

Deno.test("replace_block and remove_block act on existing indexes only", () => {
  const doc = makeDoc();
  assert.deepEqual(
    section(
      one(doc, { op: "replace_block", section_id: "intro", index: 0, block: para("Replaced.") })
        .doc,
      "intro",
    )
      .blocks,
    [para("Replaced.")],
  );
  const far = one(doc, { op: "replace_block", section_id: "intro", index: 5, block: para("x") });
  assert.deepEqual([far.applied, far.skipped[0]!.reason], [[], "index out of range: 5 >= 1"]);
  assert.deepEqual(
    section(one(doc, { op: "remove_block", section_id: "intro", index: 0 }).doc, "intro").blocks,
    [],
  );
  const gone = one(doc, { op: "remove_block", section_id: "intro", index: 99 });
  assert.deepEqual([gone.applied.length, gone.skipped.length, gone.changed], [0, 1, false]);
});

Deno.test("add_section appends, inserts after a section, and disambiguates ids", () => {
  const doc = makeDoc();
  const end = one(doc, { op: "add_section", heading: "New", level: 2, blocks: [para("body")] });
  assert.deepEqual(end.doc.sections.map((s) => s.heading), ["Intro", "Bullets", "New"]);
  assert.equal(end.applied[0]!.assigned_id, "new");
  assert.deepEqual(end.applied[0], {
    op: "add_section",
    heading: "New",
    level: 2,
    assigned_id: "new",
  });
  const mid = one(doc, { op: "add_section", heading: "Middle", after_section_id: "intro" });
  assert.deepEqual(mid.doc.sections.map((s) => s.heading), ["Intro", "Middle", "Bullets"]);
  const unknown = one(doc, { op: "add_section", heading: "New", after_section_id: "missing" });
  assert.deepEqual(unknown.doc, normalizeStructuredDoc(doc));
  assert.match(String(unknown.skipped[0]!.reason), /unknown after_section_id/);
  assert.equal(
    one(doc, { op: "add_section", heading: "Intro" }).applied[0]!.assigned_id,
    "intro-2",
  );
  assert.equal(
    one(doc, { op: "add_section", heading: "X", new_id: "bullets" }).applied[0]!.assigned_id,
    "bullets-2",
  );
  assert.equal(
    one(doc, { op: "add_section", heading: "Y Z", new_id: "" }).applied[0]!.assigned_id,
    "y-z",
  );
  const nulls = one(doc, { op: "add_section", heading: "N", after_section_id: null, new_id: null });
  assert.equal(nulls.doc.sections.at(-1)!.id, "n");
});

Deno.test("remove_section, replace_section_blocks and rename_section", () => {
  const doc = makeDoc();
  assert.deepEqual(
    one(doc, { op: "remove_section", section_id: "intro" }).doc.sections.map((s) => s.id),
    ["bullets"],
  );
  const missing = one(doc, { op: "remove_section", section_id: "missing" });
  assert.deepEqual([missing.applied.length, missing.skipped.length], [0, 1]);
  const replaced = section(
    one(doc, { op: "replace_section_blocks", section_id: "intro", blocks: [para("A"), para("B")] })
      .doc,
    "intro",
  );
  assert.deepEqual(replaced, {
    id: "intro",
    heading: "Intro",
    level: 2,
    blocks: [para("A"), para("B")],
  });
  assert.deepEqual(
    section(one(doc, { op: "replace_section_blocks", section_id: "intro" }).doc, "intro").blocks,
    [],
  );
  const renamed = section(
    one(doc, { op: "rename_section", section_id: "intro", new_heading: "Introduction" }).doc,
    "intro",
  );
  assert.deepEqual([renamed.id, renamed.heading], ["intro", "Introduction"]);
});

Deno.test("invalid operations never make the document worse", () => {
  const doc = makeDoc();
  const bad: MentalModelOperation[] = [
    { op: "append_block", section_id: "missing", block: para("x") },
    { op: "remove_block", section_id: "missing", index: 0 },
    { op: "remove_section", section_id: "missing" },
    { op: "replace_block", section_id: "intro", index: 99, block: para("x") },
    { op: "insert_block", section_id: "intro", index: 999, block: para("x") },
    { op: "warp_drive", section_id: "x" },
    { op: 3 },
    {},
    { op: "insert_block", section_id: "intro", index: 0.5, block: para("x") },
    { op: "append_block", section_id: "intro", block: { type: "paragraph", text: 1 } },
    { op: "append_block", section_id: "intro", block: para("x"), extra: true },
    { op: "add_section", heading: "L", level: 7 },
    { op: "add_section", heading: null },
    { op: "replace_section_blocks", section_id: "intro", blocks: [para("ok"), { type: "image" }] },
  ];
  const r = applyMentalModelOperations(doc, bad);
  assert.deepEqual([r.doc, r.applied, r.changed], [normalizeStructuredDoc(doc), [], false]);
  assert.equal(r.skipped.length, bad.length);
  assert.ok(r.skipped.every((s) => typeof s.reason === "string" && s.reason.length > 0));
  assert.ok(r.skipped.every((s) => !("block" in s) && !("blocks" in s)), "payloads are not echoed");
});

Deno.test("valid operations proceed when others fail, in order", () => {
  const r = applyMentalModelOperations(makeDoc(), [
    { op: "append_block", section_id: "missing", block: para("x") },
    { op: "append_block", section_id: "intro", block: para("Added.") },
    { op: "remove_section", section_id: "ghost" },
    { op: "rename_section", section_id: "intro", new_heading: "Intro" },
  ]);
  assert.deepEqual([r.applied.length, r.skipped.length, r.changed], [1, 3, true]);
  assert.equal(r.skipped[2]!.reason, "no effect");
  assert.deepEqual(section(r.doc, "intro").blocks.at(-1), para("Added."));
});

Deno.test("applyMentalModelOperations never mutates its inputs and rejects non-lists whole", () => {
  const doc = makeDoc();
  const frozen = JSON.stringify(doc);
  const block = para("x");
  const op = { op: "append_block", section_id: "intro", block };
  const r = applyMentalModelOperations(doc, [op]);
  section(r.doc, "intro").blocks.push(para("later"));
  assert.equal(JSON.stringify(doc), frozen);
  assert.deepEqual(block, para("x"));
  for (const notAList of [null, "ops", { operations: [op] }, [op, 1], [op, null], [op, [op]]]) {
    const x = applyMentalModelOperations(doc, notAList as MentalModelOperation[]);
    assert.deepEqual(x, {
      doc: normalizeStructuredDoc(doc),
      applied: [],
      skipped: [],
      changed: false,
    });
  }
});

Deno.test("planMentalModelUpdate parses content when structuredDoc is absent or invalid", () => {
  const content = "## Tools\n\n- Slack";
  const op = { op: "append_block", section_id: "tools", block: para("Linear too.") };
  for (
    const structuredDoc of [undefined, null, { sections: "broken" } as unknown as StructuredDoc]
  ) {
    const plan = planMentalModelUpdate({ content, structuredDoc }, [op]);
    assert.equal(plan.changed, true);
    assert.equal(plan.content, "## Tools\n\n- Slack\n\nLinear too.\n");
    assert.deepEqual(plan.report, {
      applied: [{ op: "append_block", section_id: "tools" }],
      skipped: [],
      changed: true,
    });
  }
  const same = planMentalModelUpdate({ content }, []);
  assert.deepEqual([same.changed, same.content], [false, content]);
  const structured = planMentalModelUpdate(
    { content: "whatever", structuredDoc: { sections: [{ id: "s", heading: "S", blocks: [] }] } },
    [{ op: "append_block", section_id: "s", block: para("p") }],
  );
  assert.equal(structured.content, "## S\n\np\n");
});

Deno.test("mergeSourceIds keeps existing ids and appends new ones once, in order", () => {
  assert.deepEqual(mergeSourceIds(["a", "b"], ["c", "d"]), ["a", "b", "c", "d"]);
  assert.deepEqual(mergeSourceIds(["a", "b"], ["a", "c", "c"]), ["a", "b", "c"]);
  assert.deepEqual(mergeSourceIds(["a", "a"], ["b", "a"]), ["a", "a", "b"]);
  assert.deepEqual(mergeSourceIds([], []), []);
});

// ---------------------------------------------------------------------------------------
// The harness can fail: deliberately broken stores
// ---------------------------------------------------------------------------------------

type Broken = (inner: MentalModelStore) => MentalModelStore;

async function failedCases(broken: Broken): Promise<Map<string, string>> {
  const report = await runInline([
    mentalModelStoreContract({
      name: "broken",
      create: () => Promise.resolve(broken(createInMemoryMentalModelStore())),
    }),
  ]);
  const failed = new Map<string, string>();
  for (const c of report.suites[0]!.cases) {
    if (c.status === "failed") failed.set(c.name, c.detail ?? "");
  }
  return failed;
}

function assertFails(failed: Map<string, string>, names: string[]): void {
  for (const name of names) {
    assert.ok(
      failed.has(name),
      `expected case to fail: ${name}; failed: ${[...failed.keys()].join(" | ")}`,
    );
  }
}

Deno.test("the contract catches a store whose delete also erases history", async () => {
  const failed = await failedCases((inner) => {
    const erased = new Set<string>();
    const key = (bankId: string, modelId: string) => JSON.stringify([bankId, modelId]);
    return {
      ...inner,
      async delete(modelId, bankId) {
        const existed = await inner.delete(modelId, bankId);
        if (existed) erased.add(key(bankId, modelId));
        return existed;
      },
      async upsert(model, bankId) {
        erased.delete(key(bankId, model.modelId));
        return await inner.upsert(model, bankId);
      },
      async history(modelId, bankId) {
        return erased.has(key(bankId, modelId)) ? [] : await inner.history(modelId, bankId);
      },
    };
  });
  assertFails(failed, ["delete removes the current model and keeps its history (upstream)"]);
});

Deno.test("the contract catches a store that bumps the revision when nothing changed", async () => {
  const failed = await failedCases((inner) => ({
    ...inner,
    async updateViaOps(modelId, bankId, operations) {
      const r = await inner.updateViaOps(modelId, bankId, operations);
      if (r === null || r.report.changed) return r;
      const current = (await inner.get(modelId, bankId))!;
      const { revision: _r, refreshedAt: _t, bankId: _b, ...rest } = current;
      return { ...r, revision: await inner.upsert(rest, bankId) };
    },
  }));
  assertFails(failed, [
    "updateViaOps with no operations keeps the revision (upstream)",
    "updateViaOps skips an unknown op without bumping the revision (upstream)",
    "updateViaOps rejects a list that is not an array of objects as a whole",
    "updateViaOps without an effective change keeps the revision",
  ]);
});

Deno.test("the contract catches a store that keeps the caller's revision and ignores the bank on delete", async () => {
  const failed = await failedCases((inner) => {
    const banksOf = new Map<string, Set<string>>();
    return {
      ...inner,
      async upsert(model, bankId) {
        let set = banksOf.get(model.modelId);
        if (set === undefined) banksOf.set(model.modelId, set = new Set());
        set.add(bankId);
        const rev = await inner.upsert(model, bankId);
        return rev === 1 && model.revision !== undefined ? model.revision : rev;
      },
      async delete(modelId, bankId) {
        let any = false;
        for (const b of banksOf.get(modelId) ?? [bankId]) {
          any = (await inner.delete(modelId, b)) || any;
        }
        return any;
      },
    };
  });
  assertFails(failed, [
    "upsert assigns revision, refreshedAt and bankId whatever the caller sends",
    "every method is scoped to its bank, including hostile bank ids",
  ]);
});

Deno.test("the contract catches a refresh that does not deduplicate source ids", async () => {
  const failed = await failedCases((inner) => ({
    ...inner,
    async refresh(modelId, bankId, newSourceIds) {
      const current = await inner.get(modelId, bankId);
      if (current === null) return null;
      const { revision: _r, refreshedAt: _t, bankId: _b, ...rest } = current;
      await inner.upsert({ ...rest, sourceIds: [...rest.sourceIds, ...newSourceIds] }, bankId);
      return await inner.get(modelId, bankId);
    },
  }));
  assertFails(failed, ["refresh deduplicates source ids in order (upstream)"]);
  assert.ok(
    !failed.has(
      "refresh merges source ids, bumps the revision and returns the stored model (upstream)",
    ),
  );
});
