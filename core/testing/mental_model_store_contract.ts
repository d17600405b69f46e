/**
 * The MentalModelStore contract suite (`spi.md` §2.1, §2.8, §2.11, §2.13): every method,
 * revision rules (store-assigned revisions and stamps, archived history kept after delete,
 * restart at 1), `refresh` merging, `updateViaOps` with the shared operation semantics
 * (`planMentalModelUpdate`), ordering, exact filters, bank isolation with hostile bank ids,
 * validation that writes nothing, and the cases of upstream's `test_mental_model.py`,
 * `test_mental_model_update_via_ops.py` and `TestRefreshFromSources`.
 *
 * @example
 * ```ts ignore
 * import { mentalModelStoreContract, registerDenoTests } from "@astrocyte/core/testing";
 * import { createInMemoryMentalModelStore } from "@astrocyte/core";
 *
 * registerDenoTests(mentalModelStoreContract({
 *   create: () => Promise.resolve(createInMemoryMentalModelStore()),
 * }));
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import type {
  MentalModel,
  MentalModelInput,
  MentalModelOperation,
  MentalModelStore,
  StructuredDoc,
  UpdateViaOpsResult,
} from "../spi/mental_model_store.ts";
import { assertRejectsWith } from "./fixtures.ts";
import {
  buildSuite,
  type CaseDefinition,
  type ContractOptions,
  type ContractSuite,
  HOSTILE_BANK_PREFIXES,
  hostileBankId,
} from "./harness.ts";
import {
  assertRecentDate,
  defined,
  HOSTILE_IDS,
  HOSTILE_TEXTS,
  stringRuleCases,
} from "./_contract_helpers.ts";

function model(modelId: string, over: Partial<MentalModelInput> = {}): MentalModelInput {
  return { modelId, title: "T", content: "v1", scope: "bank", sourceIds: [], ...over };
}

/** Upstream's legacy row: markdown content and no structured document. */
const LEGACY_CONTENT = "## Intro\n\nAlice likes async.\n\n## Tools\n\n- Slack\n- Linear";

async function mustGet(
  store: MentalModelStore,
  modelId: string,
  bankId: string,
): Promise<MentalModel> {
  const got = await store.get(modelId, bankId);
  assert.ok(got !== null, `expected model ${modelId} in bank ${bankId}`);
  return got;
}

async function mustUpdate(
  store: MentalModelStore,
  modelId: string,
  bankId: string,
  operations: unknown,
): Promise<UpdateViaOpsResult> {
  const r = await store.updateViaOps(modelId, bankId, operations as MentalModelOperation[]);
  assert.ok(r !== null, `expected updateViaOps on ${modelId} to find the model`);
  return r;
}

const ids = (models: readonly MentalModel[]): string[] => models.map((m) => m.modelId);

const para = (text: string) => ({ type: "paragraph" as const, text });

/** Core's portable string rule (core/README.md, "Input rules") on every method. */
const INPUT_RULE_CASES: CaseDefinition<MentalModelStore>[] = stringRuleCases<MentalModelStore>({
  async seed({ store }, b) {
    await store.upsert(model("keep", { sourceIds: ["m1"] }), b);
  },
  async snapshot({ store }, b) {
    return { models: await store.list(b), history: await store.history("keep", b) };
  },
  writes({ store }, b, bad) {
    const w = (over: Partial<MentalModelInput>) => () => store.upsert(model("keep", over), b);
    return {
      "upsert modelId": w({ modelId: `keep${bad}` }),
      "upsert title": w({ title: bad }),
      "upsert content": w({ content: bad }),
      "upsert scope": w({ scope: bad }),
      "upsert kind": w({ kind: bad }),
      "upsert sourceIds": w({ sourceIds: ["m1", bad] }),
      "upsert structuredDoc": w({
        structuredDoc: { sections: [{ id: "s1", heading: "H", blocks: [para(bad)] }] },
      }),
      "updateViaOps operation": () =>
        store.updateViaOps("keep", b, [{ op: "add_section", heading: bad }]),
      "updateViaOps modelId": () =>
        store.updateViaOps(`keep${bad}`, b, [{ op: "add_section", heading: "H" }]),
      "refresh newSourceIds": () => store.refresh("keep", b, ["m2", bad]),
      "refresh modelId": () => store.refresh(`keep${bad}`, b, ["m2"]),
      "delete modelId": () => store.delete(`keep${bad}`, b),
    };
  },
  reads({ store }, b, bad) {
    return {
      "get modelId": () => store.get(`keep${bad}`, b),
      "history modelId": () => store.history(`keep${bad}`, b),
      "list scope": () => store.list(b, { scope: bad }),
      "list kind": () => store.list(b, { kind: bad }),
    };
  },
  everyMethod({ store }, b) {
    return {
      upsert: () => store.upsert(model("m1"), b),
      get: () => store.get("m1", b),
      list: () => store.list(b),
      history: () => store.history("m1", b),
      delete: () => store.delete("m1", b),
      updateViaOps: () => store.updateViaOps("m1", b, [{ op: "add_section", heading: "H" }]),
      refresh: () => store.refresh("m1", b, ["s1"]),
      deleteBank: () => store.deleteBank(b),
    };
  },
  idCalls: ({ store }, b, id) => ({
    "get modelId": () => store.get(id, b),
    "history modelId": () => store.history(id, b),
    "delete modelId": () => store.delete(id, b),
    "updateViaOps modelId": () => store.updateViaOps(id, b, [{ op: "add_section", heading: "H" }]),
    "refresh modelId": () => store.refresh(id, b, ["s1"]),
  }),
});

const CASES: CaseDefinition<MentalModelStore>[] = [
  {
    name: "upsert creates revision 1 and get round-trips every field",
    async fn({ store, bank }) {
      const b = bank();
      const doc: StructuredDoc = {
        version: 1,
        sections: [
          { id: "prefs", heading: "Preferences", level: 2, blocks: [para("Concise updates.")] },
          {
            id: "tools",
            heading: "Tools",
            level: 3,
            blocks: [
              { type: "bullet_list", items: ["Slack", "Linear"] },
              { type: "ordered_list", items: ["first"] },
              { type: "code", language: "sh", text: "echo hi\n\nbye" },
            ],
          },
        ],
      };
      const input = model("model:alice", {
        title: "Alice",
        content: "Alice prefers concise updates.",
        scope: "person:alice",
        sourceIds: ["m1", "m2"],
        kind: "preference",
        structuredDoc: doc,
        sourceTimestamps: [new Date("2024-01-02T03:04:05.678Z"), new Date("2025-06-07T08:09:10Z")],
      });
      assert.equal(await store.upsert(input, b), 1);
      const got = await mustGet(store, "model:alice", b);
      const { refreshedAt, ...rest } = got;
      assert.deepEqual(defined(rest), { ...input, bankId: b, revision: 1 });
      assertRecentDate(refreshedAt, "refreshedAt");
    },
  },
  {
    name: "upsert defaults kind to general and leaves unset optional fields absent",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m"), b);
      const got = await mustGet(store, "m", b);
      assert.equal(got.kind, "general");
      assert.equal(got.structuredDoc, undefined);
      assert.equal(got.sourceTimestamps, undefined);
      assert.deepEqual(got.sourceIds, []);
    },
  },
  {
    name: "upsert assigns revision, refreshedAt and bankId whatever the caller sends",
    async fn({ store, bank }) {
      const b = bank();
      const other = bank("other");
      const rev = await store.upsert(
        {
          ...model("m"),
          revision: 41,
          refreshedAt: new Date("2001-01-01T00:00:00Z"),
          bankId: other,
        },
        b,
      );
      assert.equal(rev, 1);
      const got = await mustGet(store, "m", b);
      assert.deepEqual([got.revision, got.bankId], [1, b]);
      assertRecentDate(got.refreshedAt, "refreshedAt");
      assert.equal(await store.get("m", other), null);
      assert.deepEqual(await store.list(other), []);
    },
  },
  {
    name: "upsert bumps the revision and archives prior revisions (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      assert.equal(await store.upsert(model("m", { content: "v1" }), b), 1);
      assert.equal(await store.upsert(model("m", { content: "v2", revision: 1 }), b), 2);
      assert.equal(await store.upsert(model("m", { content: "v3" }), b), 3);
      const history = await store.history("m", b);
      assert.deepEqual(history.map((m) => [m.revision, m.content]), [[1, "v1"], [2, "v2"]]);
      assert.ok(history.every((m) => m.bankId === b));
      const current = await mustGet(store, "m", b);
      assert.deepEqual([current.revision, current.content], [3, "v3"]);
      const stamps = [...history, current].map((m) => m.refreshedAt.getTime());
      assert.ok(stamps.every((t, i) => i === 0 || t >= stamps[i - 1]!), `${stamps}`);
    },
  },
  {
    name: "upsert drops sourceTimestamps whose length differs from sourceIds",
    async fn({ store, bank }) {
      const b = bank();
      const t = new Date("2024-05-06T07:08:09.010Z");
      await store.upsert(model("bad", { sourceIds: ["a", "b"], sourceTimestamps: [t] }), b);
      assert.equal((await mustGet(store, "bad", b)).sourceTimestamps, undefined);
      await store.upsert(model("good", { sourceIds: ["a"], sourceTimestamps: [t] }), b);
      assert.deepEqual((await mustGet(store, "good", b)).sourceTimestamps, [t]);
    },
  },
  {
    name: "upsert stores structuredDoc normalised",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(
        model("m", {
          structuredDoc: {
            sections: [{
              id: "a",
              heading: "A",
              blocks: [{ type: "code", text: "x" }, { type: "bullet_list", items: [] }],
            }],
          },
        }),
        b,
      );
      assert.deepEqual((await mustGet(store, "m", b)).structuredDoc, {
        version: 1,
        sections: [{
          id: "a",
          heading: "A",
          level: 2,
          blocks: [{ type: "code", language: "", text: "x" }, { type: "bullet_list", items: [] }],
        }],
      });
    },
  },
  {
    name: "get returns null for a missing model or an unknown bank",
    async fn({ store, bank }) {
      const b = bank();
      assert.equal(await store.get("ghost", b), null);
      await store.upsert(model("m"), b);
      assert.equal(await store.get("ghost", b), null);
      assert.equal(await store.get("m", bank("unknown")), null);
    },
  },
  {
    name: "list returns current models ordered by model id with exact scope and kind (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("model:alice", { scope: "person:alice" }), b);
      await store.upsert(model("b", { scope: "bank", kind: "preference" }), b);
      await store.upsert(model("A", { scope: "person:alice", kind: "preference" }), b);
      await store.upsert(model("model:alice", { scope: "person:alice", content: "v2" }), b);
      await store.upsert(model("c", { scope: "person:alice2" }), b);
      await store.upsert(model("d", { scope: "person:%" }), b);
      assert.deepEqual(ids(await store.list(b)), ["A", "b", "c", "d", "model:alice"]);
      assert.deepEqual(ids(await store.list(b, { scope: "person:alice" })), ["A", "model:alice"]);
      assert.deepEqual(ids(await store.list(b, { kind: "preference" })), ["A", "b"]);
      assert.deepEqual(ids(await store.list(b, { kind: "general", scope: "person:alice" })), [
        "model:alice",
      ]);
      assert.deepEqual(ids(await store.list(b, { scope: "person:%" })), ["d"]);
      assert.deepEqual(await store.list(b, { scope: "person:_lice" }), []);
      assert.equal((await store.list(b)).find((m) => m.modelId === "model:alice")!.revision, 2);
      assert.deepEqual(await store.list(bank("unknown")), []);
    },
  },
  {
    name: "delete removes the current model and keeps its history (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("model:alice", { content: "v1" }), b);
      await store.upsert(model("model:alice", { content: "v2" }), b);
      await store.upsert(model("other"), b);
      assert.equal(await store.delete("model:alice", b), true);
      assert.equal(await store.get("model:alice", b), null);
      assert.deepEqual(ids(await store.list(b)), ["other"]);
      assert.deepEqual((await store.history("model:alice", b)).map((m) => m.content), ["v1"]);
      assert.equal(await store.delete("model:alice", b), false);
      assert.equal(await store.delete("ghost", b), false);
      assert.deepEqual(await store.history("ghost", b), []);
    },
  },
  {
    name: "upsert after delete starts again at revision 1",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m", { content: "old" }), b);
      await store.upsert(model("m", { content: "old2" }), b);
      await store.delete("m", b);
      assert.equal(await store.upsert(model("m", { content: "new" }), b), 1);
      assert.deepEqual([(await mustGet(store, "m", b)).content], ["new"]);
      assert.deepEqual((await store.history("m", b)).map((m) => [m.revision, m.content]), [
        [1, "old"],
      ]);
      assert.equal(await store.upsert(model("m", { content: "new2" }), b), 2);
      assert.deepEqual((await store.history("m", b)).map((m) => [m.revision, m.content]), [
        [1, "old"],
        [1, "new"],
      ]);
    },
  },
  {
    name: "refresh merges source ids, bumps the revision and returns the stored model (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(
        model("m1", {
          title: "Alice prefs",
          content: "## Intro\n\nAlice likes async.",
          sourceIds: ["mem-a", "mem-b"],
        }),
        b,
      );
      const r = await store.refresh("m1", b, ["mem-c", "mem-d"]);
      assert.ok(r !== null);
      assert.equal(r.revision, 2);
      assert.deepEqual(r.sourceIds, ["mem-a", "mem-b", "mem-c", "mem-d"]);
      assert.deepEqual([r.title, r.content, r.bankId], [
        "Alice prefs",
        "## Intro\n\nAlice likes async.",
        b,
      ]);
      assert.deepEqual(defined(r), defined(await mustGet(store, "m1", b)));
      assert.deepEqual((await store.history("m1", b)).map((m) => m.sourceIds), [[
        "mem-a",
        "mem-b",
      ]]);
    },
  },
  {
    name: "refresh deduplicates source ids in order (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m1", { sourceIds: ["mem-a", "mem-b"] }), b);
      const r = await store.refresh("m1", b, ["mem-a", "mem-c", "mem-c"]);
      assert.deepEqual([r?.revision, r?.sourceIds], [2, ["mem-a", "mem-b", "mem-c"]]);
      const again = await store.refresh("m1", b, []);
      assert.deepEqual([again?.revision, again?.sourceIds], [3, ["mem-a", "mem-b", "mem-c"]]);
    },
  },
  {
    name: "refresh keeps sourceTimestamps only while they stay aligned",
    async fn({ store, bank }) {
      const b = bank();
      const t = [new Date("2024-01-01T00:00:00Z"), new Date("2024-02-01T00:00:00Z")];
      await store.upsert(model("m", { sourceIds: ["a", "b"], sourceTimestamps: t }), b);
      assert.deepEqual((await store.refresh("m", b, ["b", "a"]))?.sourceTimestamps, t);
      assert.equal((await store.refresh("m", b, ["c"]))?.sourceTimestamps, undefined);
    },
  },
  {
    name: "refresh returns null for a missing, deleted or other-bank model (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      assert.equal(await store.refresh("ghost", b, ["mem-x"]), null);
      await store.upsert(model("m"), b);
      assert.equal(await store.refresh("m", bank("other"), ["mem-x"]), null);
      await store.delete("m", b);
      assert.equal(await store.refresh("m", b, ["mem-x"]), null);
      assert.equal(await store.get("m", b), null);
      assert.deepEqual(await store.list(bank("other")), []);
    },
  },
  {
    name: "updateViaOps returns null for a missing, deleted or other-bank model (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      assert.equal(await store.updateViaOps("ghost", b, []), null);
      await store.upsert(model("m", { content: LEGACY_CONTENT }), b);
      const op = { op: "append_block", section_id: "tools", block: para("x") };
      assert.equal(await store.updateViaOps("m", bank("other"), [op]), null);
      assert.equal((await mustGet(store, "m", b)).revision, 1);
      await store.delete("m", b);
      assert.equal(await store.updateViaOps("m", b, [op]), null);
      assert.equal(await store.get("m", b), null);
    },
  },
  {
    name: "updateViaOps migrates a legacy model from its markdown on first use (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m1", { title: "Alice prefs", content: LEGACY_CONTENT }), b);
      const r = await mustUpdate(store, "m1", b, [
        { op: "append_block", section_id: "tools", block: para("(updated)") },
      ]);
      assert.equal(r.revision, 2);
      assert.deepEqual(r.report, {
        applied: [{ op: "append_block", section_id: "tools" }],
        skipped: [],
        changed: true,
      });
      const got = await mustGet(store, "m1", b);
      assert.equal(got.revision, 2);
      assert.deepEqual(got.structuredDoc, {
        version: 1,
        sections: [
          { id: "intro", heading: "Intro", level: 2, blocks: [para("Alice likes async.")] },
          {
            id: "tools",
            heading: "Tools",
            level: 2,
            blocks: [{ type: "bullet_list", items: ["Slack", "Linear"] }, para("(updated)")],
          },
        ],
      });
      assert.equal(
        got.content,
        "## Intro\n\nAlice likes async.\n\n## Tools\n\n- Slack\n- Linear\n\n(updated)\n",
      );
      const [archived] = await store.history("m1", b);
      assert.deepEqual([archived?.content, archived?.structuredDoc], [LEGACY_CONTENT, undefined]);
    },
  },
  {
    name: "updateViaOps with no operations keeps the revision (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m1", { content: LEGACY_CONTENT }), b);
      const r = await mustUpdate(store, "m1", b, []);
      assert.deepEqual(r, { revision: 1, report: { applied: [], skipped: [], changed: false } });
      const got = await mustGet(store, "m1", b);
      assert.deepEqual([got.revision, got.content, got.structuredDoc], [
        1,
        LEGACY_CONTENT,
        undefined,
      ]);
      assert.deepEqual(await store.history("m1", b), []);
    },
  },
  {
    name: "updateViaOps skips an unknown op without bumping the revision (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m1", { content: LEGACY_CONTENT }), b);
      const r = await mustUpdate(store, "m1", b, [{ op: "warp_drive", section_id: "tools" }]);
      assert.equal(r.revision, 1);
      assert.equal(r.report.changed, false);
      assert.deepEqual(r.report.applied, []);
      assert.equal(r.report.skipped.length, 1);
      assert.equal(r.report.skipped[0]!.op, "warp_drive");
      assert.equal(typeof r.report.skipped[0]!.reason, "string");
      assert.equal((await mustGet(store, "m1", b)).revision, 1);
    },
  },
  {
    name: "updateViaOps skips invalid operations one by one (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m1", { content: LEGACY_CONTENT }), b);
      const r = await mustUpdate(store, "m1", b, [
        { op: "append_block", section_id: "ghost", block: para("x") },
        { op: "append_block", section_id: "tools", block: para("kept") },
        { op: "append_block", section_id: "tools" },
        { op: "append_block", section_id: "tools", block: { type: "table", rows: [] } },
        { op: "append_block", sectionId: "tools", block: para("camelCase is not the grammar") },
        { op: "remove_block", section_id: "tools", index: 7 },
        { op: "insert_block", section_id: "tools", index: -1, block: para("neg") },
        { op: "rename_section", section_id: "intro", new_heading: 5 },
      ]);
      assert.equal(r.revision, 2);
      assert.equal(r.report.changed, true);
      assert.deepEqual(r.report.applied, [{ op: "append_block", section_id: "tools" }]);
      assert.equal(r.report.skipped.length, 7);
      assert.match(String(r.report.skipped[0]!.reason), /unknown section_id/);
      assert.match(String(r.report.skipped[4]!.reason), /index out of range/);
      const got = await mustGet(store, "m1", b);
      assert.ok(got.content.includes("kept"));
      assert.ok(!got.content.includes("camelCase") && !got.content.includes("neg"));
      assert.equal(got.revision, 2);
    },
  },
  {
    name: "updateViaOps keeps content and structuredDoc in sync (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m1", { content: LEGACY_CONTENT }), b);
      await mustUpdate(store, "m1", b, [
        { op: "rename_section", section_id: "intro", new_heading: "Introduction" },
      ]);
      const got = await mustGet(store, "m1", b);
      assert.ok(got.content.includes("## Introduction"));
      assert.ok(!got.content.includes("## Intro\n"));
      const section = got.structuredDoc!.sections.find((s) => s.id === "intro");
      assert.equal(section?.heading, "Introduction");
    },
  },
  {
    name: "updateViaOps add_section creates a section with an assigned id (upstream)",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m1", { content: LEGACY_CONTENT }), b);
      const r = await mustUpdate(store, "m1", b, [
        { op: "add_section", heading: "Newsfeed", blocks: [para("Today's note.")] },
      ]);
      assert.deepEqual(r.report.applied, [
        { op: "add_section", heading: "Newsfeed", assigned_id: "newsfeed" },
      ]);
      const got = await mustGet(store, "m1", b);
      assert.ok(got.content.includes("## Newsfeed"));
      assert.ok(got.content.includes("Today's note."));
    },
  },
  {
    name: "updateViaOps rejects a list that is not an array of objects as a whole",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m1", { content: LEGACY_CONTENT }), b);
      const valid = { op: "append_block", section_id: "tools", block: para("x") };
      for (
        const bad of [[valid, "append"], [valid, null], [valid, [valid]], null, {
          operations: [valid],
        }, "ops"]
      ) {
        const r = await mustUpdate(store, "m1", b, bad);
        assert.deepEqual(r, { revision: 1, report: { applied: [], skipped: [], changed: false } });
      }
      const got = await mustGet(store, "m1", b);
      assert.deepEqual([got.revision, got.content], [1, LEGACY_CONTENT]);
      assert.deepEqual(await store.history("m1", b), []);
    },
  },
  {
    name: "updateViaOps without an effective change keeps the revision",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(model("m1", { content: LEGACY_CONTENT }), b);
      const same = await mustUpdate(store, "m1", b, [
        { op: "rename_section", section_id: "intro", new_heading: "Intro" },
        { op: "replace_block", section_id: "intro", index: 0, block: para("Alice likes async.") },
      ]);
      assert.equal(same.revision, 1);
      assert.equal(same.report.changed, false);
      assert.deepEqual(same.report.skipped.map((s) => s.reason), ["no effect", "no effect"]);
      const undo = await mustUpdate(store, "m1", b, [
        { op: "add_section", heading: "Temp" },
        { op: "remove_section", section_id: "temp" },
      ]);
      assert.equal(undo.revision, 1);
      assert.equal(undo.report.changed, false);
      assert.equal(undo.report.applied.length, 2);
      const got = await mustGet(store, "m1", b);
      assert.deepEqual([got.revision, got.content], [1, LEGACY_CONTENT]);
    },
  },
  {
    name: "updateViaOps applies every operation kind with the shared semantics",
    async fn({ store, bank }) {
      const b = bank();
      await store.upsert(
        model("m", {
          content: "stale markdown that must not be parsed",
          structuredDoc: {
            version: 1,
            sections: [
              { id: "s1", heading: "Goals", level: 1, blocks: [para("Ship it.")] },
              {
                id: "s2",
                heading: "Tools",
                level: 2,
                blocks: [{ type: "bullet_list", items: ["Slack"] }],
              },
              { id: "s3", heading: "Scratch", level: 2, blocks: [] },
            ],
          },
        }),
        b,
      );
      const r = await mustUpdate(store, "m", b, [
        {
          op: "append_block",
          section_id: "s2",
          block: { type: "ordered_list", items: ["Plan", "Do"] },
        },
        {
          op: "insert_block",
          section_id: "s1",
          index: 0,
          block: { type: "code", language: "ts", text: "let x = 1;" },
        },
        {
          op: "replace_block",
          section_id: "s2",
          index: 0,
          block: { type: "bullet_list", items: ["Slack", "Linear"] },
        },
        { op: "remove_block", section_id: "s1", index: 1 },
        {
          op: "add_section",
          heading: "Risks & Open Questions",
          after_section_id: "s1",
          blocks: [para("None yet.")],
        },
        { op: "rename_section", section_id: "s2", new_heading: "Toolbox" },
        {
          op: "replace_section_blocks",
          section_id: "risks-open-questions",
          blocks: [{ type: "bullet_list", items: ["Scope creep"] }],
        },
        { op: "add_section", heading: "Notes", level: 3, new_id: "s1" },
        { op: "remove_section", section_id: "s3" },
      ]);
      assert.equal(r.revision, 2);
      assert.deepEqual(r.report.skipped, []);
      assert.equal(r.report.applied.length, 9);
      assert.deepEqual(r.report.applied[4], {
        op: "add_section",
        heading: "Risks & Open Questions",
        after_section_id: "s1",
        assigned_id: "risks-open-questions",
      });
      assert.equal(r.report.applied[7]!.assigned_id, "s1-2");
      const got = await mustGet(store, "m", b);
      assert.equal(
        got.content,
        "# Goals\n\n```ts\nlet x = 1;\n```\n\n## Risks & Open Questions\n\n- Scope creep\n\n" +
          "## Toolbox\n\n- Slack\n- Linear\n\n1. Plan\n2. Do\n\n### Notes\n",
      );
      assert.deepEqual(got.structuredDoc!.sections.map((s) => [s.id, s.heading, s.level]), [
        ["s1", "Goals", 1],
        ["risks-open-questions", "Risks & Open Questions", 2],
        ["s2", "Toolbox", 2],
        ["s1-2", "Notes", 3],
      ]);
    },
  },
  {
    name: "the same model id in two banks is two records",
    async fn({ store, bank }) {
      const a = bank("a");
      const b = bank("b");
      await store.upsert(model("m", { content: "a1" }), a);
      await store.upsert(model("m", { content: "a2" }), a);
      await store.upsert(model("m", { content: "b1" }), b);
      const ga = await mustGet(store, "m", a);
      const gb = await mustGet(store, "m", b);
      assert.deepEqual([ga.content, ga.revision, ga.bankId], ["a2", 2, a]);
      assert.deepEqual([gb.content, gb.revision, gb.bankId], ["b1", 1, b]);
      assert.equal((await store.history("m", a)).length, 1);
      assert.deepEqual(await store.history("m", b), []);
    },
  },
  {
    name: "every method is scoped to its bank, including hostile bank ids",
    async fn({ store, bank }) {
      const plain = bank("plain");
      for (let i = 0; i < HOSTILE_BANK_PREFIXES.length; i++) {
        const h = hostileBankId(i);
        await store.upsert(model("shared", { content: LEGACY_CONTENT, sourceIds: ["h"] }), h);
        await store.upsert(model("shared", { content: LEGACY_CONTENT, sourceIds: ["h"] }), h);
        await store.upsert(model("only-hostile"), h);
        await store.upsert(model("shared", { content: "plain", sourceIds: ["p"] }), plain);

        assert.deepEqual(ids(await store.list(h)), ["only-hostile", "shared"]);
        assert.deepEqual(ids(await store.list(h, { scope: "bank", kind: "general" })), [
          "only-hostile",
          "shared",
        ]);
        assert.equal(await store.get("only-hostile", plain), null);
        assert.deepEqual(await store.history("only-hostile", plain), []);
        assert.equal(await store.delete("only-hostile", plain), false);
        assert.equal(await store.refresh("only-hostile", plain, ["x"]), null);
        assert.equal(await store.updateViaOps("only-hostile", plain, []), null);

        // Writes in one bank never touch the same id in the other.
        assert.equal((await store.refresh("shared", plain, ["p2"]))?.revision, 2);
        const u = await mustUpdate(store, "shared", h, [
          { op: "append_block", section_id: "tools", block: para(`hostile ${i}`) },
        ]);
        assert.equal(u.revision, 3);
        const gh = await mustGet(store, "shared", h);
        assert.deepEqual([gh.sourceIds, gh.bankId], [["h"], h]);
        const gp = await mustGet(store, "shared", plain);
        assert.deepEqual([gp.content, gp.sourceIds], ["plain", ["p", "p2"]]);
        assert.equal(await store.delete("shared", plain), true);
        assert.equal((await mustGet(store, "shared", h)).revision, 3);
        assert.equal((await store.history("shared", h)).length, 2);
        await store.upsert(model("plain-only"), plain);
        assert.equal(await store.deleteBank(h), 2);
        assert.deepEqual(await store.list(h), []);
        assert.deepEqual(await store.history("shared", h), []);
        assert.deepEqual(ids(await store.list(plain)), ["plain-only"]);
        await store.deleteBank(plain);
      }
    },
  },
  {
    name: "hostile model ids, titles and content round-trip exactly",
    async fn({ store, bank }) {
      const b = bank();
      for (const [i, id] of HOSTILE_IDS.entries()) {
        const text = HOSTILE_TEXTS[i % HOSTILE_TEXTS.length]!;
        await store.upsert(
          model(id, {
            title: text,
            content: text,
            scope: `${text}|${i}`,
            sourceIds: [id, text],
            kind: text,
          }),
          b,
        );
        const got = await mustGet(store, id, b);
        assert.deepEqual([got.modelId, got.title, got.content, got.kind], [id, text, text, text]);
        assert.deepEqual(got.sourceIds, [id, text]);
        assert.deepEqual(ids(await store.list(b, { scope: `${text}|${i}`, kind: text })), [id]);
        assert.equal((await store.refresh(id, b, [text, "new"]))?.revision, 2);
        assert.deepEqual((await store.history(id, b)).map((m) => m.title), [text]);
      }
      assert.deepEqual(ids(await store.list(b)), [...HOSTILE_IDS].sort(codeUnitOrder));
      for (const id of HOSTILE_IDS) assert.equal(await store.delete(id, b), true);
      assert.deepEqual(await store.list(b), []);
    },
  },
  {
    name: "upsert rejects invalid input and writes nothing",
    async fn({ store, bank }) {
      const b = bank();
      const bad: unknown[] = [
        model(""),
        { ...model("m"), sourceIds: "a" },
        { ...model("m"), content: null },
        {
          ...model("m"),
          structuredDoc: { sections: [{ id: "x", heading: "X", blocks: [{ type: "table" }] }] },
        },
        {
          ...model("m"),
          structuredDoc: { sections: [{ id: "x", heading: "X", level: 9, blocks: [] }] },
        },
        { ...model("m"), sourceIds: ["a"], sourceTimestamps: ["2024-01-01"] },
        undefined,
      ];
      for (const m of bad) {
        await assertRejectsWith(() => store.upsert(m as MentalModelInput, b), ValidationError);
      }
      await assertRejectsWith(() => store.upsert(model("m"), ""), ValidationError);
      assert.deepEqual(await store.list(b), []);
      assert.deepEqual(await store.history("m", b), []);
      await store.upsert(model("m", { content: "good" }), b);
      await assertRejectsWith(
        () => store.upsert({ ...model("m"), title: 1 } as unknown as MentalModelInput, b),
        ValidationError,
      );
      const got = await mustGet(store, "m", b);
      assert.deepEqual([got.content, got.revision], ["good", 1]);
      assert.deepEqual(await store.history("m", b), []);
    },
  },
  {
    name: "deleteBank removes every model and its history from that bank only",
    async fn({ store, bank }) {
      const a = bank("a");
      const b = bank("b");
      await store.upsert(model("m1"), a);
      await store.upsert(model("m1", { content: "v2" }), a);
      await store.upsert(model("m2"), a);
      await store.upsert(model("gone"), a);
      await store.upsert(model("gone", { content: "v2" }), a);
      await store.delete("gone", a);
      await store.upsert(model("m1"), b);
      await store.upsert(model("m1", { content: "b2" }), b);
      assert.equal(await store.deleteBank(a), 2);
      assert.deepEqual(await store.list(a), []);
      assert.equal(await store.get("m1", a), null);
      assert.deepEqual(await store.history("m1", a), []);
      assert.deepEqual(await store.history("gone", a), []);
      assert.equal((await mustGet(store, "m1", b)).revision, 2);
      assert.equal((await store.history("m1", b)).length, 1);
      assert.equal(await store.deleteBank(a), 0);
      assert.equal(await store.deleteBank(bank("never-used")), 0);
      assert.equal(await store.upsert(model("m1"), a), 1);
      assert.deepEqual(await store.history("m1", a), []);
    },
  },
  {
    name: "returned models are copies and inputs are not retained",
    async fn({ store, bank }) {
      const b = bank();
      const input = model("m", {
        sourceIds: ["a"],
        sourceTimestamps: [new Date("2024-01-01T00:00:00Z")],
        structuredDoc: {
          version: 1,
          sections: [{ id: "s", heading: "S", level: 2, blocks: [para("p")] }],
        },
      });
      await store.upsert(input, b);
      input.sourceIds.push("mutated");
      input.structuredDoc!.sections[0]!.heading = "mutated";
      input.sourceTimestamps![0]!.setTime(0);
      const got = await mustGet(store, "m", b);
      assert.deepEqual(got.sourceIds, ["a"]);
      assert.equal(got.structuredDoc!.sections[0]!.heading, "S");
      assert.equal(got.sourceTimestamps![0]!.toISOString(), "2024-01-01T00:00:00.000Z");
      got.sourceIds.push("x");
      got.structuredDoc!.sections.pop();
      got.refreshedAt.setTime(0);
      const again = await mustGet(store, "m", b);
      assert.deepEqual([again.sourceIds, again.structuredDoc!.sections.length], [["a"], 1]);
      assert.notEqual(again.refreshedAt.getTime(), 0);
      const [listed] = await store.list(b);
      listed!.content = "mutated";
      assert.equal((await mustGet(store, "m", b)).content, "v1");
    },
  },
  {
    name: "concurrent upserts of one model converge with distinct revisions",
    async fn({ store, bank }) {
      const b = bank();
      const n = 8;
      const revisions = await Promise.all(
        Array.from({ length: n }, (_, i) => store.upsert(model("hot", { content: `w${i}` }), b)),
      );
      assert.deepEqual(
        [...revisions].sort((x, y) => x - y),
        Array.from({ length: n }, (_, i) => i + 1),
      );
      const got = await mustGet(store, "hot", b);
      assert.equal(got.revision, n);
      const history = await store.history("hot", b);
      assert.deepEqual(
        history.map((m) => m.revision),
        Array.from({ length: n - 1 }, (_, i) => i + 1),
      );
      assert.equal(new Set([...history, got].map((m) => m.content)).size, n);
    },
  },
  {
    name: "health reports healthy and close is idempotent",
    async fn({ store, createStore }) {
      const h = await store.health();
      assert.equal(h.healthy, true, h.message ?? "unhealthy");
      const extra = await createStore();
      assert.equal((await extra.health()).healthy, true);
      await extra.close();
      await extra.close();
    },
  },
];

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The MentalModelStore contract suite. Every case works in fresh, unique banks, so instances
 * may share one database.
 */
export function mentalModelStoreContract(
  options: ContractOptions<MentalModelStore>,
): ContractSuite {
  return buildSuite("mentalModelStore", "MentalModelStore contract", options, [
    ...CASES,
    ...INPUT_RULE_CASES,
  ]);
}
