/**
 * Adapter mismatches found by the reliability suites and reported to the lead, awaiting a fix
 * in the adapter. The default differential run prints these and tolerates them; anything not
 * listed fails. Remove an entry once the adapter is fixed (a stale entry costs nothing but
 * hides a regression of the same bug).
 *
 * @module
 */

/** One known, reported bug. */
export interface KnownBug {
  /** Short id used in reports. */
  id: string;
  /** Target name prefixes it applies to (e.g. `postgres` = every Postgres driver). */
  targets: string[];
  /** Operation kinds (`f.op`) whose mismatch it explains. */
  kinds: string[];
  /** Matches the mismatch message. */
  pattern: RegExp;
  /** What is wrong, expected vs actual, and a minimal reproduction. */
  description: string;
  /**
   * Hostile inputs (by name) not to run at all on these targets, because they crash or hang
   * the test process; the bug is reported instead.
   */
  skipInputs?: RegExp;
}

/** The known bug explaining a failure message of `target` for an operation kind, if any. */
export function knownBug(target: string, kind: string, message: string): KnownBug | undefined {
  return KNOWN_BUGS.find((k) =>
    k.targets.some((t) => target.startsWith(t)) && k.kinds.includes(kind) &&
    k.pattern.test(message)
  );
}

/** Whether a hostile input must be skipped on `target` (it crashes the process). */
export function skippedInput(target: string, input: string): KnownBug | undefined {
  return KNOWN_BUGS.find((k) =>
    k.targets.some((t) => target.startsWith(t)) && k.skipInputs?.test(input) === true
  );
}

/** The known bugs. */
export const KNOWN_BUGS: readonly KnownBug[] = [];
