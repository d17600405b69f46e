/**
 * Human-readable rendering of facade results for the CLI and the demo.
 *
 * @module
 */
import type {
  ForgetResult,
  HealthStatus,
  MemoryHit,
  RecallResult,
  RecallTrace,
  ReflectResult,
  RetainResult,
} from "@astrocyte/core";
import type { ConformanceReport } from "./conformance.ts";

/** Shorten a text to one line of at most `width` characters. */
export function oneLine(text: string, width = 96): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function ms(value: number | undefined): string {
  if (value === undefined) return "?";
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

/** One line per hit: rank, score, id, tags and text. */
export function formatHits(
  hits: readonly MemoryHit[],
  options: { showBank?: boolean } = {},
): string[] {
  return hits.map((h, i) => {
    const tags = h.tags && h.tags.length > 0 ? ` [${h.tags.join(", ")}]` : "";
    const bank = options.showBank ? ` (${h.bankId})` : "";
    return `${String(i + 1).padStart(3)}. ${h.score.toFixed(4)}  ${
      h.memoryId ?? "-"
    }${bank}${tags}  ${oneLine(h.text, 80)}`;
  });
}

/** The trace: strategies with candidate counts and timings, fusion and latency. */
export function formatTrace(trace: RecallTrace | undefined): string[] {
  if (!trace) return ["trace: none"];
  const timings = trace.strategyTimingsMs ?? {};
  const counts = trace.strategyCandidateCounts ?? {};
  const errors = trace.strategyErrors ?? {};
  const parts = (trace.strategiesUsed ?? []).map((s) =>
    `${s} ${counts[s] ?? 0} in ${ms(timings[s])}${errors[s] ? ` (failed: ${errors[s]})` : ""}`
  );
  const lines = [`trace: ${parts.join(" · ") || "no strategy"}`];
  const summary = [
    trace.fusionMethod ? `fusion ${trace.fusionMethod}` : undefined,
    trace.totalCandidates !== undefined ? `${trace.totalCandidates} candidates` : undefined,
    trace.tierUsed !== undefined ? `tier ${trace.tierUsed}` : undefined,
    trace.latencyMs !== undefined ? `total ${ms(trace.latencyMs)}` : undefined,
  ].filter((x) => x !== undefined);
  if (summary.length > 0) lines.push(`       ${summary.join(" · ")}`);
  return lines;
}

/** A recall result. */
export function formatRecall(
  result: RecallResult,
  banks: readonly string[],
): string {
  const where = banks.length === 1 ? `bank "${banks[0]}"` : `banks ${banks.join(", ")}`;
  const lines = [
    `${result.hits.length} hit${
      result.hits.length === 1 ? "" : "s"
    } in ${where} (of ${result.totalAvailable} fused${result.truncated ? ", truncated" : ""})`,
    ...formatHits(result.hits, { showBank: banks.length > 1 }),
    ...formatTrace(result.trace),
  ];
  return lines.join("\n") + "\n";
}

/** A reflect result. */
export function formatReflect(result: ReflectResult): string {
  const lines = [result.answer.trim(), ""];
  const sources = result.sources ?? [];
  if (sources.length > 0) {
    lines.push(`sources (${sources.length}):`, ...formatHits(sources));
  } else {
    lines.push("sources: none");
  }
  if (result.confidence !== undefined) {
    lines.push(`confidence: ${result.confidence}`);
  }
  return lines.join("\n") + "\n";
}

/** A retain result. */
export function formatRetain(result: RetainResult, bankId: string): string {
  if (!result.stored) {
    return `Not stored in bank "${bankId}": ${result.error ?? "no reason given"}\n`;
  }
  const ids = result.memoryIds ?? (result.memoryId ? [result.memoryId] : []);
  return `Retained ${ids.length} chunk${ids.length === 1 ? "" : "s"} in bank "${bankId}": ${
    ids.join(", ")
  }\n`;
}

/** A forget result. */
export function formatForget(result: ForgetResult, bankId: string): string {
  return `Forgot ${result.deletedCount} memor${
    result.deletedCount === 1 ? "y" : "ies"
  } in bank "${bankId}"\n`;
}

/** A health result with components. */
export function formatHealth(
  health: HealthStatus & { components?: Record<string, HealthStatus> },
): string {
  const lines = [
    `${health.healthy ? "healthy" : "UNHEALTHY"}: ${health.message ?? ""}`
      .trim(),
  ];
  for (const [name, h] of Object.entries(health.components ?? {})) {
    lines.push(
      `  ${h.healthy ? "ok  " : "FAIL"}  ${name.padEnd(18)} ${h.message ?? ""}${
        h.latencyMs !== undefined ? ` (${ms(h.latencyMs)})` : ""
      }`.trimEnd(),
    );
  }
  return lines.join("\n") + "\n";
}

/** The summary of a conformance run. */
export function formatConformance(report: ConformanceReport): string {
  const lines: string[] = [];
  for (const s of report.suites) {
    const passed = s.cases.filter((c) => c.status === "passed").length;
    const failed = s.cases.filter((c) => c.status === "failed").length;
    const skipped = s.cases.filter((c) => c.status === "skipped").length;
    lines.push(
      `${
        s.error || failed > 0 ? "FAIL" : "ok  "
      }  ${s.name}: ${passed} passed, ${failed} failed, ${skipped} skipped, ${s.banks} scratch banks`,
    );
    if (s.error) lines.push(`      could not run: ${s.error}`);
    for (const c of s.cases.filter((c) => c.status === "failed")) {
      lines.push(
        `      failed: ${c.name}`,
        `        ${oneLine(c.detail ?? "", 200)}`,
      );
    }
  }
  const c = report.cleanup;
  lines.push(
    "",
    `${
      report.ok ? "PASS" : "FAIL"
    }: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped in ${
      (report.durationMs / 1000).toFixed(1)
    } s`,
    c.kept
      ? `scratch banks kept: ${c.banks} (--keep-banks)`
      : `scratch banks deleted: ${c.banks} (${c.deletedRows} rows)${
        c.errors.length > 0 ? `, ${c.errors.length} cleanup errors` : ""
      }`,
    ...c.errors.map((e) => `  cleanup error: ${e}`),
  );
  return lines.join("\n") + "\n";
}
