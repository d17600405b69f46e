/**
 * Book-keeping shared by the fault suites: faults injected, and records lost, duplicated or
 * leaked (present but not expected) found by comparing a bank's final listing with the
 * expected records.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { FaultProxy } from "../fixtures/fault_proxy.ts";

/** Totals of one fault suite. */
export interface Audit {
  /** Faults injected by the proxy (rules applied, refused/reset connections). */
  faults: number;
  /** State checks made. */
  checks: number;
  /** Expected records missing. */
  lost: number;
  /** Records listed more than once. */
  duplicated: number;
  /** Records present that should not be (partial batches, writes after a failure). */
  leaked: number;
}

/** A fresh audit. */
export function newAudit(): Audit {
  return { faults: 0, checks: 0, lost: 0, duplicated: 0, leaked: 0 };
}

/** Add the faults a proxy injected since its last collection. */
export function collectFaults(audit: Audit, proxy: FaultProxy): void {
  audit.faults += proxy.stats.faults;
  proxy.stats.faults = 0;
}

/**
 * Compare a listing (id → text) with the expected records, count the differences into
 * `audit`, and assert there are none.
 */
export function assertRecords(
  audit: Audit,
  listed: readonly { id: string; text?: string }[],
  expected: ReadonlyMap<string, string | undefined>,
  what: string,
): void {
  audit.checks++;
  const seen = new Map<string, number>();
  for (const r of listed) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const lost = [...expected.keys()].filter((id) => !seen.has(id));
  const leaked = [...seen.keys()].filter((id) => !expected.has(id));
  const wrongText = listed.filter((r) =>
    expected.has(r.id) && expected.get(r.id) !== undefined && expected.get(r.id) !== r.text
  ).map((r) => r.id);
  audit.duplicated += duplicated.length;
  audit.lost += lost.length + wrongText.length;
  audit.leaked += leaked.length;
  assert.deepEqual(
    { lost, duplicated, leaked, wrongText },
    { lost: [], duplicated: [], leaked: [], wrongText: [] },
    `${what}: the bank does not hold exactly the expected records`,
  );
}

/** Print an audit line. */
export function report(name: string, audit: Audit): void {
  console.log(
    `faults ${name}: ${audit.faults} faults injected, ${audit.checks} state checks, ` +
      `${audit.lost} lost, ${audit.duplicated} duplicated, ${audit.leaked} leaked`,
  );
}

/** Milliseconds `fn` takes, with its settled outcome. */
export async function timed<T>(
  fn: () => Promise<T>,
): Promise<{ ms: number; value?: T; error?: unknown }> {
  const t0 = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - t0, value };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}
