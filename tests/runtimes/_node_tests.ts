/**
 * Registers a leg with `node:test` — the runner of the Node (`node --test`) and Bun
 * (`bun test`) legs. One test per contract case; skipped cases are registered as skipped
 * tests carrying their reason, so the runner's own output shows them. The outcome of every
 * case is also written as a {@linkcode LegReport} to `ASTROCYTE_RT_REPORT` when the file
 * ends, for the orchestrator's summary table; the runner's exit code is checked too.
 *
 * @module
 */
import { after, test } from "node:test";
import { writeFileSync } from "node:fs";
import process from "node:process";
import {
  errorText,
  type GroupResult,
  type GroupSetup,
  groupSkipReason,
  type Leg,
  type LegReport,
  type RuntimeContext,
  type SuiteResult,
} from "./_types.ts";

/** Set up every group of `leg` (top-level await) and register its cases with `node:test`. */
export async function registerLegWithNodeTest(leg: Leg, ctx: RuntimeContext): Promise<void> {
  const report: LegReport = { runtime: ctx.label, leg: leg.id, groups: [] };
  const setups: { group: GroupResult; setup: GroupSetup }[] = [];
  for (const group of leg.groups) {
    const result: GroupResult = { id: group.id, label: group.label, suites: [] };
    report.groups.push(result);
    const skip = groupSkipReason(group, ctx);
    if (skip !== undefined) {
      result.skipped = skip;
      test(`${group.label}`, { skip }, () => {});
      continue;
    }
    let setup: GroupSetup;
    const t0 = Date.now();
    try {
      setup = await group.setup(ctx);
    } catch (e) {
      const detail = errorText(e);
      result.error = `set-up failed: ${detail}`;
      test(`${group.label} › set-up`, {}, () => {
        throw new Error(detail);
      });
      continue;
    }
    setups.push({ group: result, setup });
    result.ms = Date.now() - t0; // set-up time; each case adds its own
    for (const suite of setup.suites) {
      const s: SuiteResult = {
        suite: suite.name,
        passed: 0,
        failed: 0,
        skipped: 0,
        failures: [],
        skips: [],
      };
      result.suites.push(s);
      let cases;
      try {
        cases = await suite.resolve();
      } catch (e) {
        const detail = errorText(e);
        s.failed++;
        s.failures.push({ case: "(resolving the suite)", detail });
        test(`${suite.name} › resolve`, {}, () => {
          throw new Error(detail);
        });
        continue;
      }
      for (const c of cases) {
        if (c.skip !== undefined) {
          s.skipped++;
          s.skips.push({ case: c.name, detail: c.skip });
          test(`${suite.name} › ${c.name}`, { skip: c.skip }, () => {});
          continue;
        }
        test(`${suite.name} › ${c.name}`, {}, async () => {
          const started = Date.now();
          try {
            await c.run();
            s.passed++;
          } catch (e) {
            s.failed++;
            s.failures.push({ case: c.name, detail: errorText(e) });
            throw e;
          } finally {
            result.ms = (result.ms ?? 0) + Date.now() - started;
          }
        });
      }
    }
  }
  after(async () => {
    for (const { group, setup } of setups) {
      try {
        await setup.close?.();
      } catch (e) {
        group.error = `teardown failed: ${errorText(e)}`;
      }
    }
    const path = process.env.ASTROCYTE_RT_REPORT;
    if (path) writeFileSync(path, JSON.stringify(report));
  });
}
