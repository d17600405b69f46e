/**
 * The hostile-input corpus (tests/hostile/corpus.ts) against every adapter and the in-memory
 * reference. For each input and target:
 *
 * - every step is compared with a fresh in-memory reference: an input either round-trips
 *   exactly (every read-back equals the reference's) or raises the same typed error;
 * - after an error, the bank's state must equal the reference's state without the failed
 *   call (nothing written, checked by listing);
 * - an adapter may reject, with a typed `ValidationError`, a value the reference accepts
 *   (a documented backend limit): that is reported as a divergence, and nothing may have been
 *   written; any other error class (a driver error leaking as `ProviderUnavailableError`, …)
 *   fails;
 * - a canary bank, holding records with the same ids, is read back after every input and must
 *   never change (no cross-bank effect, ever).
 *
 * The default run puts each hostile string in a rotating subset of the placements (every
 * string and every placement is covered); `ASTROCYTE_HOSTILE_FULL=1` runs the full cross
 * product.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { DocumentHit } from "@astrocyte/core";
import type { Op, Outcome } from "../differential/ops.ts";
import { compareOutcome, Executor } from "../differential/ops.ts";
import { diff, show } from "../differential/compare.ts";
import {
  FAMILIES,
  type Family,
  openBackends,
  referenceStores,
  selectedTargets,
  type Stores,
} from "../differential/targets.ts";
import { knownBug, skippedInput } from "../differential/known_bugs.ts";
import { baseVectors, hostileInputs, readBack } from "./inputs.ts";

const DIM = 6;
const VALIDATION = new Set(["ValidationError", "InvalidVectorError", "DimensionMismatchError"]);
const FULL = (() => {
  try {
    return Deno.env.get("ASTROCYTE_HOSTILE_FULL") === "1";
  } catch {
    return false;
  }
})();

const DEBUG = (() => {
  try {
    return Deno.env.get("ASTROCYTE_RELIABILITY_DEBUG") === "1";
  } catch {
    return false;
  }
})();

let uniq = 0;
const unique = (): string => `hb${++uniq}-${crypto.randomUUID().slice(0, 8)}:`;

/** Canary records: the same ids the inputs use, in another bank. */
function canarySeed(): Op[] {
  const { v1, v2 } = baseVectors(DIM);
  return [
    {
      f: "v",
      op: "store",
      items: [
        { b: 1, id: "%", v: v1, text: "canary %", tags: ["t1"], md: { k: "x" } },
        { b: 1, id: "_", v: v2, text: "canary _" },
        { b: 1, id: "h1", v: v1, text: "canary h1", md: { session_id: "s" } },
        { b: 1, id: "x'y", v: v2, text: "canary x'y" },
      ],
    },
    { f: "d", op: "store", b: 1, id: "%", text: "alpha canary" },
    { f: "d", op: "store", b: 1, id: "h1", text: "alpha bravo canary", tags: ["t1"] },
    {
      f: "g",
      op: "entities",
      b: 1,
      es: [{ id: "e1", name: "Bob", type: "PERSON" }, {
        id: "e2",
        name: "Alice Smith",
        type: "PERSON",
      }],
    },
    { f: "g", op: "links", b: 1, ls: [{ a: "e1", b: "e2", type: "co_occurs" }] },
    { f: "g", op: "assoc", b: 1, as: [{ m: "m1", e: "e1", t: "canary memo" }] },
    { f: "g", op: "memLinks", b: 1, ls: [{ s: "m1", t: "h1", type: "semantic" }] },
    {
      f: "w",
      op: "upsert",
      b: 1,
      p: { id: "topic:x", kind: "topic", title: "T", content: "C", scope: "s", src: [], xl: [] },
    },
    {
      f: "w",
      op: "upsert",
      b: 1,
      p: { id: "topic:x", kind: "topic", title: "T", content: "C2", scope: "s", src: [], xl: [] },
    },
    { f: "s", op: "storeDoc", d: { b: 1, id: "d1", h: "h1", at: 1000 } },
    { f: "s", op: "storeDoc", d: { b: 1, id: "%", h: "%", at: 2000 } },
    { f: "s", op: "storeChunks", cs: [{ b: 1, id: "c1", doc: "d1", idx: 0, text: "x", h: "h1" }] },
  ];
}

/** Reads of the canary bank, per family. */
function canaryChecks(family: Family): Op[] {
  const extra: Partial<Record<Family, Op[]>> = {
    graph: [{ f: "g", op: "findMemLinks", b: 1, ids: ["m1"], limit: 10 }],
    wiki: [{ f: "w", op: "history", b: 1, id: "topic:x" }],
    source: [
      { f: "s", op: "docByHash", b: 1, h: "h1" },
      { f: "s", op: "chunkByHash", b: 1, h: "h1" },
    ],
  };
  return [...readBack(family, 1), ...(extra[family] ?? [])];
}

/**
 * A full-text search that returned a subset of the reference's matches (each hit a real
 * match of this bank, with the reference's payload), only fewer of them.
 */
function fewerTextHits(op: Op, want: Outcome, got: Outcome): boolean {
  if (op.f !== "d" || op.op !== "search" || want.kind !== "ok" || got.kind !== "ok") return false;
  const full = new Map(((want.full ?? want.value) as DocumentHit[]).map((h) => [h.documentId, h]));
  const hits = got.value as DocumentHit[];
  const ids = new Set(hits.map((h) => h.documentId));
  return ids.size === hits.length && hits.length < Math.min(op.limit, full.size) &&
    hits.every((h) => {
      const ref = full.get(h.documentId);
      return ref !== undefined && diff({ ...h, score: 0 }, { ...ref, score: 0 }) === undefined;
    });
}

/** Totals for one target. */
interface Tally {
  inputs: number;
  ops: number;
  roundTrips: number;
  typedErrors: number;
  divergences: string[];
  tokenizer: string[];
  skipped: string[];
  known: string[];
  failures: string[];
  canaryChecks: number;
  leaked: number;
}

async function seedReference(banks: string[], families: readonly Family[]) {
  const ref = referenceStores(DIM);
  // Seed through another executor, so generated link ids seen while seeding do not shift the
  // canonical labels of the input's own operations.
  const seeder = new Executor(ref, banks, true);
  for (const op of canarySeed()) {
    if (families.includes(opFamily(op))) await seeder.run(op);
  }
  return { ref, exec: new Executor(ref, banks, true) };
}

function opFamily(op: Op): Family {
  return ({ v: "vector", d: "document", g: "graph", w: "wiki", s: "source" } as const)[op.f];
}

/** Whether some successful outcome shows `value` verbatim (JSON-escaped) in a string field. */
function echoes(outcomes: Outcome[], value: string): boolean {
  const needle = JSON.stringify(value).slice(1, -1);
  return outcomes.some((o) => o.kind === "ok" && (JSON.stringify(o.value) ?? "").includes(needle));
}

/** Run the whole corpus on one target (a persistent store bundle). */
async function runCorpus(name: string, target: Stores): Promise<Tally> {
  const families = FAMILIES.filter((f) => target[f] !== undefined);
  const tally: Tally = {
    inputs: 0,
    ops: 0,
    roundTrips: 0,
    typedErrors: 0,
    divergences: [],
    tokenizer: [],
    skipped: [],
    known: [],
    failures: [],
    canaryChecks: 0,
    leaked: 0,
  };
  const canary = `${unique()}canary'%_`;
  // Seed the canary on the target and snapshot it (it must also equal the reference's).
  const seedExec = new Executor(target, ["unused", canary], false);
  for (const op of canarySeed()) {
    if (families.includes(opFamily(op))) await seedExec.run(op);
  }
  const snapshot = new Map<Family, Outcome[]>();
  {
    const { ref, exec } = await seedReference(["unused", canary], families);
    for (const f of families) {
      const got: Outcome[] = [];
      for (const op of canaryChecks(f)) {
        const want = await exec.run(op);
        const out = await seedExec.run(op);
        const d = compareOutcome(op, want, out);
        if (d !== undefined) tally.failures.push(`canary seed ${f}: ${d}`);
        got.push(out);
      }
      snapshot.set(f, got);
    }
    await ref.close();
  }
  const inputs = hostileInputs({ dimensions: DIM, full: FULL, unique });
  let hung = false;
  for (const input of inputs) {
    if (hung) break;
    if (!families.includes(input.family)) continue;
    if (DEBUG) console.error(`[hostile ${name}] ${input.name}`);
    const skip = skippedInput(name, input.name);
    if (skip) {
      tally.skipped.push(`${input.name} (known bug ${skip.id})`);
      continue;
    }
    tally.inputs++;
    const own = input.rawBank ?? `${unique()}${input.bank}`;
    const banks = [own, canary];
    const { ref, exec: refExec } = await seedReference(banks, families);
    const actExec = new Executor(target, banks, false, 15_000);
    const fail = (msg: string) => {
      const text = `${input.name}: ${msg}`;
      const bug = knownBug(name, "hostile", text);
      if (bug) tally.known.push(`${bug.id}: ${text}`);
      else tally.failures.push(text);
    };
    const outcomes: Outcome[] = [];
    let erroredAt = -1;
    let diverged = false;
    const failuresBefore = tally.failures.length;
    try {
      for (let i = 0; i < input.ops.length; i++) {
        const op = input.ops[i]!;
        const want = await refExec.run(op);
        const got = await actExec.run(op);
        if (got.kind === "skipped") continue;
        if (got.kind === "error" && got.name === "Hang") {
          fail(`op ${i} ${op.f}.${op.op} hangs (${got.message}); stopping this target`);
          hung = true;
          break;
        }
        tally.ops++;
        outcomes.push(got);
        if (want.kind === "ok" && got.kind === "error" && VALIDATION.has(got.name)) {
          // The adapter refuses a value the reference accepts: allowed when typed and nothing
          // was written. The expected state is the reference without this call.
          tally.divergences.push(`${input.name} (op ${i} ${op.f}.${op.op}): ${got.message}`);
          diverged = true;
          const { ref: ref2, exec: exec2 } = await seedReference(banks, families);
          for (const prev of input.ops.slice(0, i)) await exec2.run(prev);
          for (const check of readBack(input.family, 0)) {
            const after = await actExec.run(check);
            const d = compareOutcome(check, await exec2.run(check), after);
            if (d !== undefined && after.kind === "error") {
              fail(`rejected with ${got.name}, then reading the bank failed: ${d}`);
            } else if (d !== undefined) {
              tally.leaked++;
              fail(`rejected with ${got.name} but the bank changed: ${d}`);
            }
          }
          await ref2.close();
          break;
        }
        const d = compareOutcome(op, want, got);
        if (d !== undefined && fewerTextHits(op, want, got)) {
          // Tokenizers legitimately differ on unusual scripts (FTS5 unicode61, ts parsers):
          // fewer full-text hits is reported, wrong or foreign hits still fail.
          tally.tokenizer.push(`${input.name}: ${d}`);
          continue;
        }
        if (d !== undefined) {
          fail(`op ${i} ${op.f}.${op.op}: ${d}`);
          break;
        }
        if (want.kind === "error") {
          tally.typedErrors++;
          if (erroredAt < 0) erroredAt = i;
        }
      }
      if (!diverged) {
        // Final read-back: equals the reference (so after an error nothing was written).
        for (const check of readBack(input.family, 0)) {
          const want = await refExec.run(check);
          const got = await actExec.run(check);
          const d = compareOutcome(check, want, got);
          if (d !== undefined) {
            // After an error the reference wrote nothing: a difference is a leak.
            if (erroredAt >= 0) tally.leaked++;
            fail(`final state: ${d}`);
          }
        }
      }
    } finally {
      await ref.close();
    }
    if (!diverged && erroredAt !== 0) {
      tally.roundTrips++;
      if (
        tally.failures.length === failuresBefore && erroredAt < 0 && input.echoes && input.value &&
        !echoes(outcomes, input.value)
      ) {
        fail(`accepted but never read back verbatim: ${show(input.value)}`);
      }
    }
    // A valid batch of the "batch with a canary item" inputs wrote one canary record: remove it
    // whatever happened in the script, so one failure cannot cascade.
    await target.vector?.delete(["h-canary-new"], canary).catch(() => {});
    // The canary bank never changes.
    for (
      const f of new Set<Family>(
        [input.family, "vector"].filter((x) => families.includes(x as Family)) as Family[],
      )
    ) {
      const checks = canaryChecks(f);
      const want = snapshot.get(f)!;
      for (let k = 0; k < checks.length; k++) {
        tally.canaryChecks++;
        const got = await actExec.run(checks[k]!);
        const d = diff(
          got.kind === "ok" ? got.value : got,
          want[k]!.kind === "ok" ? (want[k] as { value: unknown }).value : want[k],
        );
        if (d !== undefined) {
          tally.leaked++;
          fail(`canary bank changed (${checks[k]!.f}.${checks[k]!.op}): ${d}`);
        }
      }
    }
    // Clean up the input's bank.
    if (own !== "" && own.length <= 255) {
      await target[input.family]!.deleteBank(own).catch(() => {});
    }
  }
  return tally;
}

const backends = await openBackends({
  dimensions: DIM,
  tablePrefix: "rel_host_",
  targets: selectedTargets(),
});
const summary: Record<string, Record<string, number>> = {};

function report(name: string, t: Tally): void {
  summary[name] = {
    inputs: t.inputs,
    ops: t.ops,
    roundTrips: t.roundTrips,
    typedErrors: t.typedErrors,
    canaryChecks: t.canaryChecks,
    leaked: t.leaked,
    divergences: t.divergences.length,
    tokenizer: t.tokenizer.length,
    known: t.known.length,
    failures: t.failures.length,
  };
  console.log(
    `hostile ${name}: ${t.inputs} inputs, ${t.ops} operations, ${t.roundTrips} round-tripped, ` +
      `${t.typedErrors} typed errors, ${t.divergences.length} adapter-only typed rejections, ` +
      `${t.canaryChecks} canary checks, ${t.leaked} leaked, ${t.failures.length} failures, ` +
      `${t.known.length} known-bug failures, ${t.skipped.length} skipped`,
  );
  for (const k of t.known) console.log(`  known bug: ${k}`);
  for (const k of t.skipped) console.log(`  skipped: ${k}`);
  for (const d of t.divergences) console.log(`  divergence: ${d}`);
  for (const d of t.tokenizer) console.log(`  fewer full-text hits: ${d}`);
}

Deno.test("hostile inputs: the in-memory reference (persistent instance vs fresh reference)", async () => {
  const mem = referenceStores(DIM);
  try {
    const t = await runCorpus("in_memory", mem);
    report("in_memory", t);
    assert.equal(t.failures.length, 0, t.failures.join("\n"));
    assert.equal(t.divergences.length, 0);
    assert.ok(t.inputs > 100);
  } finally {
    await mem.close();
  }
});

for (const name of backends.names) {
  Deno.test({
    name: `hostile inputs: ${name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const target = backends.open(name);
      try {
        const t = await runCorpus(name, target);
        report(name, t);
        assert.ok(t.inputs > 0);
        assert.equal(t.leaked, 0, t.failures.join("\n"));
        assert.equal(t.failures.length, 0, t.failures.slice(0, 40).join("\n"));
      } finally {
        await target.close();
      }
    },
  });
}

Deno.test({
  name: "hostile inputs: stop the backends",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await backends.close();
    console.log(`hostile summary: ${JSON.stringify(summary)}`);
    assert.ok(true);
  },
});
