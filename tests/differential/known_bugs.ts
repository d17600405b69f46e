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
}

/** The known bugs. */
export const KNOWN_BUGS: readonly KnownBug[] = [];
