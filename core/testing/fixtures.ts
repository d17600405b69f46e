/**
 * Deterministic fixtures and small assertion helpers shared by the contract suites.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * A deterministic pseudo-random vector with non-negative components (so cosine ≥ 0), from a
 * seed. Equal seeds give equal vectors.
 */
export function seededVector(dimensions: number, seed: number): number[] {
  let x = (seed * 2654435761) >>> 0 || 1;
  const out = new Array<number>(dimensions);
  for (let i = 0; i < dimensions; i++) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x % 10_000) / 10_000 + 0.001;
  }
  return out;
}

/** A one-hot vector: 1 at `index` (mod dimensions), 0 elsewhere. */
export function oneHot(dimensions: number, index: number): number[] {
  const out = new Array<number>(dimensions).fill(0);
  out[index % dimensions] = 1;
  return out;
}

/** Cosine similarity of two equal-length vectors; 0 when either norm is 0. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Assert that `fn` rejects with an instance of `errorClass` (and, when given, a message
 * containing `includes`).
 */
export async function assertRejectsWith(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  errorClass: new (...args: any[]) => Error,
  includes?: string,
): Promise<Error> {
  let thrown: unknown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(
    thrown instanceof errorClass,
    `expected ${errorClass.name}, got ${
      thrown === undefined ? "no error" : thrown instanceof Error ? thrown.name : String(thrown)
    }${thrown instanceof Error ? `: ${thrown.message}` : ""}`,
  );
  if (includes !== undefined) {
    assert.ok(
      (thrown as Error).message.includes(includes),
      `expected message to include ${JSON.stringify(includes)}: ${(thrown as Error).message}`,
    );
  }
  return thrown as Error;
}

/** Assert two numbers are within `tolerance` of each other. */
export function assertClose(actual: number, expected: number, tolerance = 1e-4, what = ""): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what ? what + ": " : ""}expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}
