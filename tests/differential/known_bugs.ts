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
export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: "LIBSQL-NUL",
    targets: ["libsql"],
    kinds: ["hostile"],
    pattern: /: nul: /,
    description:
      "Strings containing U+0000 are silently truncated at the NUL (document text, chunk ids, " +
      "memory ids, content hashes): storeDocument({ id: 'h2', text: 'charlie a\\0b' }) reads " +
      "back 'charlie a'. Expected: exact round trip (SQLite text with an explicit length) or a " +
      "typed ValidationError with nothing written (as Postgres does).",
  },
  {
    id: "LONE-SURROGATE",
    targets: ["libsql", "postgres"],
    kinds: ["hostile"],
    pattern: /: lone surrogate: /,
    description:
      "Strings with an unpaired UTF-16 surrogate ('a\\uD800b') are silently rewritten to " +
      "'a\\uFFFDb' by UTF-8 encoding (ids, memory ids, texts) and then no longer match their " +
      "own filters. Expected: a typed ValidationError (String.prototype.isWellFormed) with " +
      "nothing written, or exact round trip. The in-memory reference accepts them.",
  },
  {
    id: "FLOAT32-MAGNITUDE",
    targets: ["libsql", "postgres"],
    kinds: ["hostile"],
    pattern: /^(stored|query) vector: (largest float32|all tiny): .*score/,
    description:
      "Cosine computed in float32 overflows/underflows: components of 3.4e38 give score 0 and " +
      "an all-1e-30 vector gives score 1, where the reference (float64) gives 0.189 and 0.926. " +
      "Spec decision needed: reject vectors whose squared norm is not finite in float32, or " +
      "normalise before storing.",
  },
  {
    id: "PGLITE-BOM",
    targets: ["postgres-pglite"],
    kinds: ["hostile"],
    pattern: /: bom zero width: /,
    description:
      "Through the PGlite driver, a string starting with U+FEFF loses it when read back " +
      "(storeVectors id '\\uFEFFx' lists as 'x'; chunk hash lookups then miss and the insert " +
      "hits the unique index: ProviderUnavailableError 23505). The row decoder uses a " +
      "TextDecoder without ignoreBOM. neon-ws / neon-http are not affected.",
  },
  {
    id: "PG-NUL-BANK-READ",
    targets: ["postgres"],
    kinds: ["hostile"],
    pattern: /bank id: nul: rejected with ValidationError, then reading the bank failed/,
    description:
      "A bank id containing U+0000 is rightly rejected on writes (ValidationError), but reads " +
      "of that bank (listVectors, listDocuments, queryEntities, queryNeighbors, listPages, " +
      "source listDocuments/listChunks) throw ValidationError ('invalid byte sequence for " +
      "encoding UTF8: 0x00', SQLSTATE 22021) instead of returning [] (spec 2.11: missing means " +
      "empty). getDocument already short-circuits on NUL; the list methods do not.",
  },
  {
    id: "PG-SOURCE-CHUNKS",
    targets: ["postgres"],
    kinds: ["s.listChunks", "s.getChunk", "s.deleteBank", "s.storeChunks", "s.chunkByHash"],
    pattern: /./,
    description: "Postgres SourceStore chunk semantics diverge from the reference in two ways " +
      "(a third, deleteDocument of a missing document deleting chunks that name it, is fixed): " +
      "(2) a chunk id repeated in one storeChunks call: the second copy without createdAt gets " +
      "a fresh stamp instead of keeping the first copy's createdAt; " +
      "(3) a call that overwrites a chunk (releasing its hash) and gives that hash to another " +
      "chunk fails with ProviderUnavailableError 23505 on the hash index (reference: succeeds). " +
      "Minimal sequences in the report.",
  },
];
