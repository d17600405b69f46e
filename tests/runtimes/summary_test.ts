/**
 * The runtime-legs summary must turn any failure, set-up error or missing report into a
 * red run, and show every skip with its reason.
 *
 * @module
 */
import assert from "node:assert/strict";
import { formatSummary, isGreen, type RunResults, totals } from "./_summary.ts";
import type { LegReport } from "./_types.ts";

function report(runtime: string, failed = 0, extra: Partial<LegReport> = {}): LegReport {
  return {
    runtime,
    leg: "libsql",
    groups: [{
      id: "libsql-http",
      label: "libsql http",
      suites: [{
        suite: "VectorStore (libsql http)",
        passed: 10 - failed,
        failed,
        skipped: 1,
        failures: failed
          ? [{ case: "sorting: ties by id", detail: "AssertionError: 1 !== 2" }]
          : [],
        skips: [{ case: "ann index", detail: "no ANN index on this backend" }],
      }],
    }, {
      id: "libsql-file",
      label: "libsql file:",
      skipped: "workerd has no filesystem",
      suites: [],
    }],
    ...extra,
  };
}

function run(reports: LegReport[], more: Partial<RunResults> = {}): RunResults {
  return {
    runtimes: ["node", "workerd"],
    legs: ["libsql"],
    reports,
    missing: [],
    disabled: [],
    ...more,
  };
}

Deno.test("summary: all passing is green and every skip carries its reason", () => {
  const results = run([report("node"), report("workerd")]);
  assert.equal(isGreen(results), true);
  const text = formatSummary(results);
  assert.match(text, /VectorStore \(libsql http\)\s+\| pass 10 \+1 skip \[1\]/);
  assert.match(text, /\[1\] VectorStore \(libsql http\): no ANN index on this backend/);
  assert.match(text, /libsql file: \(all suites\)\s+\| skip \[2\]/);
  assert.match(text, /\[2\] libsql file:: workerd has no filesystem/);
  assert.deepEqual(totals(results), { passed: 20, failed: 0, skipped: 4 });
});

Deno.test("summary: one failed case makes the run red and is listed", () => {
  const results = run([report("node"), report("workerd", 1)]);
  assert.equal(isGreen(results), false);
  const text = formatSummary(results);
  assert.match(text, /FAIL 1\/11/);
  assert.match(text, /workerd · VectorStore \(libsql http\) › sorting: ties by id/);
});

Deno.test("summary: set-up errors, missing reports and disabled legs", () => {
  const broken = report("workerd");
  broken.groups[0] = { ...broken.groups[0]!, error: "set-up failed: boom", suites: [] };
  const withError = run([report("node"), broken]);
  assert.equal(isGreen(withError), false);
  assert.match(formatSummary(withError), /ERROR \[\d\]/);

  const missing = run([report("node")], {
    missing: [{ runtime: "workerd", leg: "libsql", error: "no report (exit code 1)" }],
  });
  assert.equal(isGreen(missing), false);
  assert.match(
    formatSummary(missing),
    /VectorStore \(libsql http\)\s+\| pass 10 .*\| ERROR \[\d\]/,
  );
  assert.match(formatSummary(missing), /libsql on workerd: no report \(exit code 1\)/);
  const nothing = run([], {
    missing: [{ runtime: "node", leg: "libsql", error: "bundle failed" }],
  });
  assert.match(formatSummary(nothing), /libsql \(no report\)\s+\| ERROR/);

  const disabled = run([], { disabled: [{ leg: "libsql", reason: "adapter not built" }] });
  assert.equal(isGreen(disabled), true);
  assert.match(formatSummary(disabled), /libsql \(all suites\)\s+\| skip \[1\]/);
  assert.match(formatSummary(disabled), /\[1\] adapter not built/);

  const column = run([report("node")], {
    columnSkips: [{ runtime: "workerd", leg: "libsql", reason: "covered elsewhere" }],
  });
  assert.equal(isGreen(column), true);
  assert.match(formatSummary(column), /VectorStore \(libsql http\)\s+\| pass 10 .*\| skip \[\d\]/);
});
