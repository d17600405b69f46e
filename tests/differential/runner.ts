/**
 * The differential runner: executes a sequence on a target and on fresh in-memory reference
 * stores side by side, compares every outcome, and on a mismatch shrinks the sequence to a
 * minimal failing one by delta debugging over the operation list.
 *
 * Every execution uses fresh banks (a unique prefix per run), so runs share one database and
 * a shrinking step never sees another step's data.
 *
 * @module
 */
import {
  compareOutcome,
  Executor,
  familyOf,
  formatOps,
  generate,
  kindOf,
  type Sequence,
} from "./ops.ts";
import type { AnyOp } from "./ops.ts";
import { type AnyFamily, familiesOf, referenceStores, type Stores } from "./targets.ts";

/** A mismatch: the operation index, its kind and what differed. */
export interface Mismatch {
  /** Index of the operation in the sequence. */
  index: number;
  /** `f.op` of the operation. */
  kind: string;
  /** What differed. */
  message: string;
}

/** The result of one execution. */
export interface RunResult {
  /** Operations executed on the target (skipped ones excluded). */
  ops: number;
  /** Operations skipped (capability not declared). */
  skipped: number;
  /** The first mismatch, if any. */
  mismatch?: Mismatch;
}

let runCounter = 0;

/** A unique bank prefix for one execution. */
export function bankPrefix(tag = "df"): string {
  return `${tag}${++runCounter}-${crypto.randomUUID().slice(0, 8)}:`;
}

/** Options of {@linkcode runSequence}. */
export interface RunOptions {
  /** Vector dimension. */
  dimensions: number;
  /** Delete the banks on the target afterwards. @default {true} */
  cleanup?: boolean;
}

/** Execute `seq` on `target` and on fresh reference stores; stop at the first mismatch. */
export async function runSequence(
  target: Stores,
  seq: Sequence,
  opts: RunOptions,
): Promise<RunResult> {
  const prefix = bankPrefix();
  const bankIds = seq.banks.map((l) => prefix + l);
  const ref = referenceStores(opts.dimensions);
  const refExec = new Executor(ref, bankIds, true);
  const actExec = new Executor(target, bankIds, false);
  let ops = 0;
  let skipped = 0;
  let mismatch: Mismatch | undefined;
  try {
    for (let i = 0; i < seq.ops.length; i++) {
      const op = seq.ops[i]!;
      if (target[familyOf(op)] === undefined) continue;
      const want = await refExec.run(op);
      const got = await actExec.run(op);
      if (got.kind === "skipped") {
        skipped++;
        continue;
      }
      ops++;
      const d = compareOutcome(op, want, got);
      if (d !== undefined) {
        mismatch = { index: i, kind: kindOf(op), message: d };
        break;
      }
    }
  } finally {
    await ref.close();
    if (opts.cleanup !== false) await cleanupBanks(target, bankIds);
  }
  return mismatch ? { ops, skipped, mismatch } : { ops, skipped };
}

/** Delete `bankIds` in every family of `target` (errors ignored). */
export async function cleanupBanks(target: Stores, bankIds: readonly string[]): Promise<void> {
  for (const b of bankIds) {
    for (const f of familiesOf(target)) {
      await target[f]!.deleteBank(b).catch(() => {});
    }
  }
}

/** Options of {@linkcode shrink}. */
export interface ShrinkOptions extends RunOptions {
  /** Stop after this many executions. @default {400} */
  maxRuns?: number;
  /** Stop after this many milliseconds. @default {120000} */
  maxMs?: number;
}

/** The result of shrinking. */
export interface Shrunk {
  /** The minimal failing sequence found. */
  seq: Sequence;
  /** Its mismatch. */
  mismatch: Mismatch;
  /** Executions spent. */
  runs: number;
}

/**
 * Delta debugging (ddmin, complements first, then single-operation removal) over the
 * operation list. A candidate "still fails" when it has a mismatch on an operation of the
 * same kind as the original one (so shrinking does not drift to a different bug).
 */
export async function shrink(
  target: Stores,
  seq: Sequence,
  original: Mismatch,
  opts: ShrinkOptions,
): Promise<Shrunk> {
  const maxRuns = opts.maxRuns ?? 400;
  const deadline = performance.now() + (opts.maxMs ?? 120_000);
  let runs = 0;
  // Everything after the failing operation is irrelevant.
  let ops = seq.ops.slice(0, original.index + 1);
  let best = original;
  const fails = async (candidate: AnyOp[]): Promise<Mismatch | undefined> => {
    runs++;
    const r = await runSequence(target, { banks: seq.banks, ops: candidate }, opts);
    return r.mismatch && r.mismatch.kind === original.kind ? r.mismatch : undefined;
  };
  const budget = () => runs < maxRuns && performance.now() < deadline;
  let n = 2;
  while (ops.length >= 2 && budget()) {
    const size = Math.ceil(ops.length / n);
    let reduced = false;
    for (let start = 0; start < ops.length && budget(); start += size) {
      const candidate = [...ops.slice(0, start), ...ops.slice(start + size)];
      if (candidate.length === 0) continue;
      const m = await fails(candidate);
      if (m) {
        ops = candidate.slice(0, m.index + 1);
        best = m;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= ops.length) break;
      n = Math.min(n * 2, ops.length);
    }
  }
  // One-by-one pass (ddmin can stop at a 1-minimal set only with enough budget).
  for (let i = ops.length - 2; i >= 0 && budget(); i--) {
    const candidate = [...ops.slice(0, i), ...ops.slice(i + 1)];
    const m = await fails(candidate);
    if (m) {
      ops = candidate.slice(0, m.index + 1);
      best = m;
    }
  }
  return { seq: { banks: seq.banks, ops }, mismatch: best, runs };
}

/** A failure found by {@linkcode fuzzTarget}, already shrunk. */
export interface Failure {
  /** Target name. */
  target: string;
  /** The seed of the generated sequence. */
  seed: number;
  /** Length of the generated sequence. */
  length: number;
  /** The original mismatch. */
  original: Mismatch;
  /** The shrunk sequence and its mismatch. */
  shrunk: Shrunk;
}

/** Render a failure for humans (seed, original mismatch, minimal sequence). */
export function formatFailure(f: Failure): string {
  return [
    `MISMATCH on ${f.target}: seed ${f.seed} (length ${f.length}), op ${f.original.index} ${f.original.kind}: ${f.original.message}`,
    `minimal sequence (${f.shrunk.seq.ops.length} ops, ${f.shrunk.runs} shrink runs); fails at op ${f.shrunk.mismatch.index} ${f.shrunk.mismatch.kind}: ${f.shrunk.mismatch.message}`,
    formatOps(f.shrunk.seq.banks, f.shrunk.seq.ops),
  ].join("\n");
}

/** Options of {@linkcode fuzzTarget}. */
export interface FuzzOptions {
  /** Vector dimension. */
  dimensions: number;
  /** Seeds to run, in order (ignored when `untilMs` is set: seeds continue from `seeds[0]`). */
  seeds: readonly number[];
  /** Operations per sequence. */
  length: number;
  /** Keep generating seeds until this `performance.now()` deadline. */
  untilMs?: number;
  /** Stop at the first failure. @default {true} */
  stopOnFailure?: boolean;
  /** Shrink options. */
  shrink?: Omit<ShrinkOptions, "dimensions">;
  /** Families to exercise. @default {every family the target implements} */
  families?: readonly AnyFamily[];
}

/** Totals of one target's fuzzing. */
export interface FuzzReport {
  /** Target name. */
  target: string;
  /** Sequences run. */
  sequences: number;
  /** Operations executed on the target and compared. */
  ops: number;
  /** Operations per family. */
  perFamily: Record<string, number>;
  /** Operations skipped (undeclared capabilities). */
  skipped: number;
  /** Failures (shrunk). */
  failures: Failure[];
}

/** Generate and run sequences on one target, shrinking any failure. */
export async function fuzzTarget(
  name: string,
  target: Stores,
  opts: FuzzOptions,
): Promise<FuzzReport> {
  const families = opts.families ?? familiesOf(target);
  const report: FuzzReport = {
    target: name,
    sequences: 0,
    ops: 0,
    perFamily: {},
    skipped: 0,
    failures: [],
  };
  const memoryLinks = target.graph?.capabilities.memoryLinks === true;
  const seeds = opts.untilMs === undefined ? opts.seeds : (function* () {
    for (let s = opts.seeds[0] ?? 1;; s++) yield s;
  })();
  for (const seed of seeds) {
    if (opts.untilMs !== undefined && performance.now() > opts.untilMs) break;
    const seq = generate(seed, {
      length: opts.length,
      dimensions: opts.dimensions,
      families,
      memoryLinks,
    });
    const r = await runSequence(target, seq, { dimensions: opts.dimensions });
    report.sequences++;
    report.ops += r.ops;
    report.skipped += r.skipped;
    const upto = r.mismatch ? r.mismatch.index + 1 : seq.ops.length;
    for (const op of seq.ops.slice(0, upto)) {
      const f = familyOf(op);
      if (target[f]) report.perFamily[f] = (report.perFamily[f] ?? 0) + 1;
    }
    if (r.mismatch) {
      const shrunk = await shrink(target, seq, r.mismatch, {
        dimensions: opts.dimensions,
        ...opts.shrink,
      });
      report.failures.push({
        target: name,
        seed,
        length: opts.length,
        original: r.mismatch,
        shrunk,
      });
      if (opts.stopOnFailure !== false) break;
    }
  }
  return report;
}
