/**
 * Book-keeping shared by the fault suites: faults injected, and records lost, duplicated or
 * leaked (present but not expected) found by comparing a bank's final listing with the
 * expected records.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ProviderUnavailableError } from "@astrocyte/core";
import type { FaultProxy, ProxiedRequest } from "../fixtures/fault_proxy.ts";

/** Retries in the SQL fault suites (the adapters' default is 2 as well). */
export const MAX_RETRIES = 2;
/** The short timeout of the stall tests. */
export const STALL_TIMEOUT_MS = 500;
/** Slack for a loaded 2-core machine: a correctness bound, not a performance assertion. */
export const SLACK_MS = 5_000;

/**
 * Count the requests through `proxy` matching `pred` from now on (a rule that never applies;
 * added first, so it sees every request).
 */
export function counter(
  proxy: FaultProxy,
  pred: (r: ProxiedRequest) => boolean,
): { n: number } {
  const c = { n: 0 };
  proxy.add({
    match: (r) => {
      if (pred(r)) c.n++;
      return false;
    },
    action: { kind: "drop" },
  });
  return c;
}

/** `error` is a retryable `ProviderUnavailableError` matching `pattern`, never a raw AbortError. */
export function assertUnavailable(error: unknown, pattern: RegExp, what: string): void {
  assert.ok(error instanceof ProviderUnavailableError, `${what}: ${error}`);
  assert.equal(error.retryable, true, `${what}: ${error.message}`);
  assert.match(error.message, pattern, what);
  assert.doesNotMatch(error.message, /AbortError/, what);
}

/** What {@linkcode stallReadAndDelete} needs: a store with `timeoutMs: STALL_TIMEOUT_MS`. */
export interface StallCase {
  /** The proxy the store talks through. */
  proxy: FaultProxy;
  /** Which requests are reads / deletes. */
  reads: (r: ProxiedRequest) => boolean;
  /** Which requests are deletes. */
  deletes: (r: ProxiedRequest) => boolean;
  /** Lists the bank. */
  read: () => Promise<unknown>;
  /** Deletes one record of the bank. */
  del: () => Promise<unknown>;
}

/**
 * Stall every read, then every delete: a read is retried (`MAX_RETRIES + 1` attempts) and gives
 * up within the timeout times the attempts plus slack; a delete, whose outcome is unknown after
 * a timeout, is made once. Returns a one-line summary of the attempts.
 */
export async function stallReadAndDelete(c: StallCase): Promise<string> {
  const readCount = counter(c.proxy, c.reads);
  c.proxy.add({ match: c.reads, times: Infinity, action: { kind: "stall" } });
  const read = await timed(c.read);
  assertUnavailable(read.error, new RegExp(`timed out after ${STALL_TIMEOUT_MS} ms`), "read");
  assert.equal(readCount.n, MAX_RETRIES + 1, "read attempts");
  const bound = STALL_TIMEOUT_MS * (MAX_RETRIES + 1) + SLACK_MS;
  assert.ok(read.ms < bound, `read gave up after ${read.ms} ms (bound ${bound})`);
  c.proxy.clear();
  const delCount = counter(c.proxy, c.deletes);
  c.proxy.add({ match: c.deletes, times: Infinity, action: { kind: "stall" } });
  const del = await timed(c.del);
  assertUnavailable(del.error, /timed out after \d+ ms; not retried/, "delete");
  assert.equal(delCount.n, 1, "delete attempts");
  assert.ok(del.ms < STALL_TIMEOUT_MS + SLACK_MS, `delete gave up after ${del.ms} ms`);
  c.proxy.clear();
  return `read ${readCount.n} attempts in ${Math.round(read.ms)} ms, ` +
    `delete ${delCount.n} in ${Math.round(del.ms)} ms`;
}

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
