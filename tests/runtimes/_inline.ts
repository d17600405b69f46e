/**
 * Runs a leg with the harness's inline binder (`runInline`) and returns a {@linkcode LegReport}.
 * Used by the Deno and workerd entries. No runtime-specific API.
 *
 * @module
 */
import { runInline } from "@astrocyte/core/testing";
import {
  errorText,
  type GroupResult,
  groupSkipReason,
  type Leg,
  type LegReport,
  type RuntimeContext,
  type SuiteResult,
} from "./_types.ts";

/** Run the groups of `leg` (all, or only `only`) on this runtime, sequentially. */
export async function runLegInline(
  leg: Leg,
  ctx: RuntimeContext,
  only?: string,
): Promise<LegReport> {
  const groups: GroupResult[] = [];
  for (const group of leg.groups) {
    if (only !== undefined && group.id !== only) continue;
    const t0 = Date.now();
    const result: GroupResult = { id: group.id, label: group.label, suites: [] };
    groups.push(result);
    const skip = groupSkipReason(group, ctx);
    if (skip !== undefined) {
      result.skipped = skip;
      continue;
    }
    let setup;
    try {
      setup = await group.setup(ctx);
    } catch (e) {
      result.error = `set-up failed: ${errorText(e)}`;
      continue;
    }
    try {
      for (const suite of setup.suites) {
        let report;
        try {
          report = await runInline([suite]);
        } catch (e) {
          result.suites.push({
            suite: suite.name,
            passed: 0,
            failed: 1,
            skipped: 0,
            failures: [{ case: "(resolving the suite)", detail: errorText(e) }],
            skips: [],
          });
          continue;
        }
        const cases = report.suites[0]?.cases ?? [];
        const s: SuiteResult = {
          suite: suite.name,
          passed: report.passed,
          failed: report.failed,
          skipped: report.skipped,
          failures: cases.filter((c) => c.status === "failed").map((c) => ({
            case: c.name,
            detail: c.detail ?? "",
          })),
          skips: cases.filter((c) => c.status === "skipped").map((c) => ({
            case: c.name,
            detail: c.detail ?? "",
          })),
        };
        result.suites.push(s);
      }
    } finally {
      try {
        await setup.close?.();
      } catch (e) {
        result.error = `teardown failed: ${errorText(e)}`;
      }
      result.ms = Date.now() - t0;
    }
  }
  return { runtime: ctx.label, leg: leg.id, groups };
}
