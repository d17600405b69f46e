/**
 * The long differential run (nightly CI): `deno task fuzz --seconds N`.
 *
 * Starts every target's backend, then for each target generates sequences from consecutive
 * seeds for its share of N seconds, comparing every operation with the in-memory reference.
 * Mismatches are shrunk to a minimal sequence and printed with their seed. Exits 1 when any
 * target had a mismatch.
 *
 * Flags: `--seconds N` (total budget, default 60), `--seed S` (first seed, default: random,
 * printed), `--count K` (run exactly K seeds per target instead of a time budget), `--length L`
 * (operations per sequence, default 150), `--targets a,b` (default: all), `--families
 * vector,document` (default: all), `--all-failures` (keep going after a failure on a target).
 *
 * Reproduce one failure: `deno run -A tests/differential/fuzz.ts --targets <t> --seed <s>
 * --count 1` (prints the same shrunk sequence).
 *
 * @module
 */
import {
  ALL_FAMILIES,
  type AnyFamily,
  familiesOf,
  openBackends,
  TARGET_NAMES,
  type TargetName,
} from "./targets.ts";
import { formatFailure, type FuzzReport, fuzzTarget } from "./runner.ts";

/** Vector dimension used by the differential runs. */
export const FUZZ_DIMENSIONS = 6;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

async function main(args: string[]): Promise<number> {
  const seconds = Number(flag(args, "seconds") ?? 60);
  const seed = Number(flag(args, "seed") ?? Math.floor(Math.random() * 2 ** 31));
  const length = Number(flag(args, "length") ?? 150);
  const targets = (flag(args, "targets")?.split(",") ?? [...TARGET_NAMES]) as TargetName[];
  const families = (flag(args, "families")?.split(",") ?? [...ALL_FAMILIES]) as AnyFamily[];
  for (const f of families) {
    if (!ALL_FAMILIES.includes(f)) throw new Error(`unknown family ${f}: ${ALL_FAMILIES}`);
  }
  const allFailures = args.includes("--all-failures");
  const count = flag(args, "count") === undefined ? undefined : Number(flag(args, "count"));
  for (const t of targets) {
    if (!TARGET_NAMES.includes(t)) throw new Error(`unknown target ${t}: ${TARGET_NAMES}`);
  }
  console.log(
    `differential fuzz: ${seconds}s, first seed ${seed}, ${length} ops/sequence, targets ${targets}`,
  );
  const t0 = performance.now();
  const backends = await openBackends({ dimensions: FUZZ_DIMENSIONS, targets, families });
  console.log(`backends up in ${Math.round(performance.now() - t0)} ms`);
  const reports: FuzzReport[] = [];
  // Targets implementing none of the requested families get no share of the budget.
  const names: TargetName[] = [];
  for (const name of backends.names) {
    const t = backends.open(name);
    if (familiesOf(t).some((f) => families.includes(f))) names.push(name);
    else console.log(`${name}: none of the families ${families}, skipped`);
    await t.close();
  }
  const share = (seconds * 1000 - (performance.now() - t0)) / Math.max(names.length, 1);
  try {
    for (const name of names) {
      const target = backends.open(name);
      try {
        const report = await fuzzTarget(name, target, {
          dimensions: FUZZ_DIMENSIONS,
          seeds: count === undefined ? [seed] : Array.from({ length: count }, (_, i) => seed + i),
          length,
          ...(count === undefined ? { untilMs: performance.now() + Math.max(share, 500) } : {}),
          stopOnFailure: !allFailures,
          families,
        });
        reports.push(report);
        console.log(
          `${name}: ${report.ops} operations in ${report.sequences} sequences ` +
            `(${JSON.stringify(report.perFamily)}), ${report.skipped} skipped, ` +
            `${report.failures.length} failure(s)`,
        );
        for (const f of report.failures) console.log(formatFailure(f));
      } finally {
        await target.close();
      }
    }
  } finally {
    await backends.close();
  }
  const failed = reports.reduce((n, r) => n + r.failures.length, 0);
  console.log(
    `total: ${reports.reduce((n, r) => n + r.ops, 0)} operations, ${failed} failure(s), ${
      Math.round((performance.now() - t0) / 1000)
    }s`,
  );
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
