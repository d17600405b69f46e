/**
 * The summary of a runtime run: a table runtime × suite → passed / failed / skipped, with the
 * reasons of every skip and the message of every failure listed under it. Pure functions,
 * tested in `summary_test.ts`.
 *
 * @module
 */
import type { LegReport } from "./_types.ts";

/** A leg that produced no report in one runtime (crash, timeout, bundle error). */
export interface MissingReport {
  /** Runtime column label. */
  runtime: string;
  /** Leg id. */
  leg: string;
  /** What went wrong. */
  error: string;
}

/** A leg one runtime column does not run on purpose. */
export interface ColumnSkip {
  /** Runtime column label. */
  runtime: string;
  /** Leg id. */
  leg: string;
  /** Why. */
  reason: string;
}

/** A leg that is switched off everywhere, with the reason (e.g. adapter not built). */
export interface DisabledLeg {
  /** Leg id. */
  leg: string;
  /** Why. */
  reason: string;
}

/** Everything the summary is made from. */
export interface RunResults {
  /** Column labels, in order. */
  runtimes: string[];
  /** Legs in order. */
  legs: string[];
  /** Every report received. */
  reports: LegReport[];
  /** Legs that did not report. */
  missing: MissingReport[];
  /** Legs not run at all. */
  disabled: DisabledLeg[];
  /** Legs one runtime column does not run, with the reason. */
  columnSkips?: ColumnSkip[];
}

/** Totals of a run. */
export interface Totals {
  /** Cases passed. */
  passed: number;
  /** Cases failed, plus set-up/teardown errors and missing reports. */
  failed: number;
  /** Cases and whole groups skipped. */
  skipped: number;
}

/** Count passed / failed / skipped over every report. */
export function totals(results: RunResults): Totals {
  const t: Totals = { passed: 0, failed: results.missing.length, skipped: 0 };
  t.skipped += results.columnSkips?.length ?? 0;
  for (const r of results.reports) {
    for (const g of r.groups) {
      if (g.error !== undefined) t.failed++;
      if (g.skipped !== undefined) t.skipped++;
      for (const s of g.suites) {
        t.passed += s.passed;
        t.failed += s.failed;
        t.skipped += s.skipped;
      }
    }
  }
  return t;
}

/** Whether the run is green: no failure, no error, no missing report. */
export function isGreen(results: RunResults): boolean {
  return totals(results).failed === 0;
}

function pad(s: string, n: number): string {
  const len = [...s].length;
  return len >= n ? s : s + " ".repeat(n - len);
}

/** The summary: table, then notes (skip reasons, failures, errors). */
export function formatSummary(results: RunResults): string {
  const notes: string[] = [];
  const noteIndex = new Map<string, number>();
  const note = (text: string): string => {
    let i = noteIndex.get(text);
    if (i === undefined) {
      notes.push(text);
      i = notes.length;
      noteIndex.set(text, i);
    }
    return `[${i}]`;
  };
  type Row = { label: string; cells: Map<string, string> };
  const rows: Row[] = [];
  const rowByKey = new Map<string, Row>();
  const row = (key: string, label: string): Row => {
    let r = rowByKey.get(key);
    if (!r) {
      r = { label, cells: new Map() };
      rowByKey.set(key, r);
      rows.push(r);
    }
    return r;
  };
  const failures: string[] = [];
  for (const leg of results.legs) {
    const disabled = results.disabled.find((d) => d.leg === leg);
    if (disabled) {
      const r = row(`${leg}`, `${leg} (all suites)`);
      for (const rt of results.runtimes) r.cells.set(rt, `skip ${note(disabled.reason)}`);
      continue;
    }
    const reports = results.reports.filter((r) => r.leg === leg);
    // Groups in first-seen order; a group's rows are the union of its suites.
    const groupOrder: { id: string; label: string }[] = [];
    for (const rep of reports) {
      for (const g of rep.groups) {
        if (!groupOrder.some((x) => x.id === g.id)) groupOrder.push({ id: g.id, label: g.label });
      }
    }
    for (const { id, label } of groupOrder) {
      const suiteNames: string[] = [];
      for (const rep of reports) {
        for (const g of rep.groups) {
          if (g.id !== id) continue;
          for (const s of g.suites) if (!suiteNames.includes(s.suite)) suiteNames.push(s.suite);
        }
      }
      const keys = suiteNames.length > 0
        ? suiteNames.map((s) => ({ key: `${leg}/${id}/${s}`, label: s }))
        : [{ key: `${leg}/${id}`, label: `${label} (all suites)` }];
      for (const k of keys) row(k.key, k.label);
      for (const rep of reports) {
        const g = rep.groups.find((x) => x.id === id);
        if (!g) continue;
        for (const k of keys) {
          const r = rowByKey.get(k.key)!;
          if (g.skipped !== undefined) {
            r.cells.set(rep.runtime, `skip ${note(`${label}: ${g.skipped}`)}`);
            continue;
          }
          if (g.error !== undefined && g.suites.length === 0) {
            r.cells.set(rep.runtime, `ERROR ${note(`${label} on ${rep.runtime}: ${g.error}`)}`);
            continue;
          }
          const s = g.suites.find((x) => x.suite === k.label);
          if (!s) {
            r.cells.set(rep.runtime, "—");
            continue;
          }
          const total = s.passed + s.failed + s.skipped;
          let cell = s.failed > 0 ? `FAIL ${s.failed}/${total}` : `pass ${s.passed}`;
          if (s.skipped > 0) {
            const reasons = [...new Set(s.skips.map((c) => c.detail))];
            cell += ` +${s.skipped} skip ${
              reasons.map((why) => note(`${s.suite}: ${why}`)).join("")
            }`;
          }
          if (g.error !== undefined) {
            cell += ` ERROR ${note(`${label} on ${rep.runtime}: ${g.error}`)}`;
          }
          r.cells.set(rep.runtime, cell);
          for (const f of s.failures) {
            failures.push(`${rep.runtime} · ${s.suite} › ${f.case}\n      ${f.detail}`);
          }
        }
      }
    }
    const legRows = [...rowByKey.entries()].filter(([k]) => k.startsWith(`${leg}/`));
    for (const skip of (results.columnSkips ?? []).filter((x) => x.leg === leg)) {
      if (legRows.length === 0) {
        row(`${leg}/__column`, `${leg} (all suites)`);
        legRows.push([`${leg}/__column`, rowByKey.get(`${leg}/__column`)!]);
      }
      for (const [, r] of legRows) r.cells.set(skip.runtime, `skip ${note(skip.reason)}`);
    }
    // A leg with no report in a runtime: every row of the leg shows the error there.
    for (const m of results.missing.filter((x) => x.leg === leg)) {
      const cell = `ERROR ${note(`${leg} on ${m.runtime}: ${m.error.split("\n")[0]}`)}`;
      const targets = legRows.filter(([, r]) => !r.cells.has(m.runtime));
      if (targets.length === 0) {
        row(`${leg}/__missing`, `${leg} (no report)`).cells.set(m.runtime, cell);
      }
      for (const [, r] of targets) r.cells.set(m.runtime, cell);
    }
  }
  const width0 = Math.max(5, ...rows.map((r) => [...r.label].length));
  const widths = results.runtimes.map((rt) =>
    Math.max([...rt].length, ...rows.map((r) => [...(r.cells.get(rt) ?? "")].length))
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => pad(c, i === 0 ? width0 : widths[i - 1]!)).join(" | ");
  const out: string[] = [];
  out.push(line(["suite", ...results.runtimes]));
  out.push([width0, ...widths].map((w) => "-".repeat(w)).join("-|-"));
  for (const r of rows) {
    out.push(line([r.label, ...results.runtimes.map((rt) => r.cells.get(rt) ?? "—")]));
  }
  const t = totals(results);
  out.push("");
  out.push(`total: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
  if (notes.length > 0) {
    out.push("");
    out.push("notes:");
    notes.forEach((n, i) => out.push(`  [${i + 1}] ${n}`));
  }
  if (failures.length > 0) {
    out.push("");
    out.push(`failures (${failures.length}):`);
    for (const f of failures.slice(0, 60)) out.push(`  ${f}`);
    if (failures.length > 60) out.push(`  … and ${failures.length - 60} more`);
  }
  return out.join("\n");
}
