/**
 * The runner-agnostic core of the contract harness: suites are plain lists of named cases,
 * and binders register them with a test runner or run them inline.
 *
 * @module
 */
import type { SpiFamily } from "../spi/families.ts";

/** The context a contract case runs with. */
export interface CaseContext<S> {
  /** A fresh store instance made by the suite's factory for this case. */
  store: S;
  /**
   * A fresh, unique bank id for this case. Each call with a new label returns another
   * bank; calling twice with the same label returns the same bank.
   */
  bank(label?: string): string;
  /** The vector dimension the store was created with. */
  dimensions: number;
  /** Create a second independent instance (for cases that need two connections). */
  createStore(): Promise<S>;
}

/** One named contract case. */
export interface ContractCase {
  /** Case name, unique within the suite. */
  readonly name: string;
  /** When set, the case does not apply to this store; the reason is printed. */
  readonly skip?: string;
  /** Runs the case, throwing on failure. */
  run(): Promise<void>;
}

/** A suite of contract cases for one SPI family and one store factory. */
export interface ContractSuite {
  /** The SPI family the suite checks. */
  readonly family: SpiFamily;
  /** A label for reports, e.g. `VectorStore contract (libsql file:)`. */
  readonly name: string;
  /** The cases, before capability-based skips are resolved. */
  readonly cases: readonly ContractCase[];
  /**
   * The cases with capability-based skips filled in: creates one probe instance, reads its
   * `capabilities`, and releases it. Binders call this before running anything.
   */
  resolve(): Promise<readonly ContractCase[]>;
}

/** Factory options passed to a contract suite's store factory. */
export interface StoreFactoryOptions {
  /** Vector dimension the store must use. */
  dimensions: number;
}

/** Options every `*Contract` function takes. */
export interface ContractOptions<S> {
  /**
   * Creates a store instance. Called once per case (and by `createStore`); instances may
   * share one underlying database, since every case works in its own banks.
   */
  create(options: StoreFactoryOptions): Promise<S>;
  /** Releases an instance made by `create`. @default {calls `store.close()`} */
  teardown?(store: S): Promise<void>;
  /** Label shown in test names. @default {the interface name} */
  name?: string;
  /** Vector dimension used by the suite. @default {8} */
  dimensions?: number;
  /**
   * Scale for the large-batch and crowded-bank cases, in items. Lower it only for a backend
   * with a hard service limit, and say why. @default {2000}
   */
  largeBatchSize?: number;
  /**
   * Called with every bank id a case gets from the harness while it runs (`ctx.bank(...)`,
   * {@linkcode uniqueBankId} and {@linkcode hostileBankId}), so a runner against a persistent
   * deployment can delete those banks afterwards (the `astrocyte conformance` CLI does).
   * Ids a case derives from them (`${id}%`, upper-cased, padded) are not reported; ids made
   * by other cases running at the same time in the same process may be.
   */
  onBank?: (bankId: string) => void;
}

/** The body of a case definition, before it is bound to a factory. */
export interface CaseDefinition<S> {
  /** Case name. */
  name: string;
  /**
   * Returns a skip reason when the case cannot apply to this store (read from its declared
   * capabilities), otherwise `undefined`.
   */
  skipIf?: (store: S) => string | undefined;
  /** The case body. */
  fn: (ctx: CaseContext<S>) => Promise<void>;
}

let bankCounter = 0;

/** `onBank` callbacks of the cases running now (harness-made ids are reported to each). */
const bankListeners = new Set<(bankId: string) => void>();

function reportBank(bankId: string): string {
  for (const listener of bankListeners) listener(bankId);
  return bankId;
}

/**
 * A unique bank id: the label, a run-unique random part and a counter. Contains `:`, `.`
 * and `-`, which every adapter must accept.
 */
export function uniqueBankId(label = "bank"): string {
  bankCounter += 1;
  const random = crypto.randomUUID().slice(0, 8);
  return reportBank(`ct.${label}:${random}-${bankCounter}`);
}

/**
 * Bank ids that must be safe in any adapter: quotes, SQL and filter metacharacters, LIKE
 * wildcards, path separators and unicode. Each is made unique per call of
 * {@linkcode hostileBankId}.
 */
export const HOSTILE_BANK_PREFIXES: readonly string[] = [
  `o'brien"; DROP TABLE vectors; --`,
  "100%_match\\_%",
  "a:b::obs",
  "namespace/with/slashes?x=1&y=2",
  "ünïcødé-银行-🧠",
  "$.key[0] AND 1=1 OR tags CONTAINS 'x'",
  "glob*?[a-z]",
  "  leading and trailing  ",
];

/** A unique hostile bank id built from one of {@linkcode HOSTILE_BANK_PREFIXES}. */
export function hostileBankId(index: number): string {
  const prefix = HOSTILE_BANK_PREFIXES[index % HOSTILE_BANK_PREFIXES.length];
  return reportBank(`${prefix}#${crypto.randomUUID().slice(0, 8)}`);
}

/**
 * Build a suite from case definitions and contract options. Used by every `*Contract`
 * function; adapter authors normally call those instead.
 */
export function buildSuite<S extends { close(): Promise<void> }>(
  family: SpiFamily,
  defaultName: string,
  options: ContractOptions<S>,
  definitions: readonly CaseDefinition<S>[],
): ContractSuite {
  const dimensions = options.dimensions ?? 8;
  const teardown = options.teardown ?? ((store: S) => store.close());
  const names = new Set<string>();
  for (const def of definitions) {
    if (names.has(def.name)) throw new Error(`Duplicate contract case name: ${def.name}`);
    names.add(def.name);
  }
  const runCase = async (def: CaseDefinition<S>): Promise<void> => {
    const store = await options.create({ dimensions });
    const extra: S[] = [];
    const banks = new Map<string, string>();
    const ctx: CaseContext<S> = {
      store,
      dimensions,
      bank(label = "main") {
        let id = banks.get(label);
        if (id === undefined) {
          id = uniqueBankId(label);
          banks.set(label, id);
        }
        return id;
      },
      async createStore() {
        const s = await options.create({ dimensions });
        extra.push(s);
        return s;
      },
    };
    try {
      await def.fn(ctx);
    } finally {
      for (const s of extra) await teardown(s);
      await teardown(store);
    }
  };
  const makeCase = (def: CaseDefinition<S>, skip?: string): ContractCase => ({
    name: def.name,
    ...(skip === undefined ? {} : { skip }),
    async run() {
      const onBank = options.onBank;
      if (onBank === undefined) return await runCase(def);
      // A fresh wrapper per run, so one callback shared by two suites is two listeners.
      const listener = (bankId: string): void => onBank(bankId);
      bankListeners.add(listener);
      try {
        await runCase(def);
      } finally {
        bankListeners.delete(listener);
      }
    },
  });
  return {
    family,
    name: options.name ?? defaultName,
    cases: definitions.map((d) => makeCase(d)),
    async resolve() {
      if (!definitions.some((d) => d.skipIf)) return definitions.map((d) => makeCase(d));
      const probe = await options.create({ dimensions });
      try {
        return definitions.map((d) => makeCase(d, d.skipIf?.(probe)));
      } finally {
        await teardown(probe);
      }
    },
  };
}

/** Outcome of one case in an inline run. */
export interface CaseReport {
  /** Case name. */
  name: string;
  /** `passed`, `failed` or `skipped`. */
  status: "passed" | "failed" | "skipped";
  /** Skip reason or failure message. */
  detail?: string;
  /** Duration in milliseconds. */
  ms: number;
}

/** Outcome of an inline run of several suites (JSON-serialisable, e.g. for workerd). */
export interface ContractReport {
  /** Per-suite results. */
  suites: { name: string; family: SpiFamily; cases: CaseReport[] }[];
  /** Total passed. */
  passed: number;
  /** Total failed. */
  failed: number;
  /** Total skipped. */
  skipped: number;
}

/** Options of {@linkcode runInline}. */
export interface RunInlineOptions {
  /** Called after each case (passed, failed or skipped), e.g. to print progress. */
  onCase?: (suite: ContractSuite, report: CaseReport) => void;
}

/** Run suites sequentially without a test runner and return a JSON-serialisable report. */
export async function runInline(
  suites: readonly ContractSuite[],
  options: RunInlineOptions = {},
): Promise<ContractReport> {
  const report: ContractReport = { suites: [], passed: 0, failed: 0, skipped: 0 };
  for (const suite of suites) {
    const cases: CaseReport[] = [];
    for (const c of await suite.resolve()) {
      const t0 = performance.now();
      if (c.skip !== undefined) {
        cases.push({ name: c.name, status: "skipped", detail: c.skip, ms: 0 });
        report.skipped++;
        options.onCase?.(suite, cases.at(-1)!);
        continue;
      }
      try {
        await c.run();
        cases.push({ name: c.name, status: "passed", ms: performance.now() - t0 });
        report.passed++;
      } catch (e) {
        const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        cases.push({ name: c.name, status: "failed", detail, ms: performance.now() - t0 });
        report.failed++;
      }
      options.onCase?.(suite, cases.at(-1)!);
    }
    report.suites.push({ name: suite.name, family: suite.family, cases });
  }
  return report;
}

/** Options for {@linkcode registerDenoTests}. */
export interface RegisterDenoTestsOptions {
  /** Deno's resource/op sanitizers; network drivers may keep pooled sockets. @default {true} */
  sanitize?: boolean;
  /** Skip the whole suite with this reason (e.g. a backend that is not configured). */
  skip?: string;
}

/**
 * Register a suite with `Deno.test`: one test with one step per case. Skipped cases are
 * registered as ignored steps whose name carries the reason.
 *
 * @example
 * ```ts ignore
 * import { registerDenoTests, vectorStoreContract } from "@astrocyte/core/testing";
 * import { createInMemoryVectorStore } from "@astrocyte/core";
 * registerDenoTests(vectorStoreContract({ create: () => Promise.resolve(createInMemoryVectorStore()) }));
 * ```
 */
export function registerDenoTests(
  suite: ContractSuite,
  options: RegisterDenoTestsOptions = {},
): void {
  const sanitize = options.sanitize ?? true;
  Deno.test({
    name: suite.name,
    ignore: options.skip !== undefined,
    sanitizeOps: sanitize,
    sanitizeResources: sanitize,
    async fn(t) {
      for (const c of await suite.resolve()) {
        await t.step({
          name: c.skip === undefined ? c.name : `${c.name} [skipped: ${c.skip}]`,
          ignore: c.skip !== undefined,
          sanitizeOps: sanitize,
          sanitizeResources: sanitize,
          fn: () => c.run(),
        });
      }
    },
  });
  if (options.skip !== undefined) {
    console.warn(`[astrocyte/testing] ${suite.name} skipped: ${options.skip}`);
  }
}

/** The subset of `node:test`'s `test` function the binder needs. */
export type NodeTestFn = (
  name: string,
  options: { skip?: string | boolean },
  fn: () => Promise<void>,
) => unknown;

/**
 * Register a suite with `node:test` (also works with Bun and Deno's `node:test`): one test
 * per case, skipped cases carry their reason. Capability skips are resolved inside each test.
 */
export function registerNodeTests(suite: ContractSuite, test: NodeTestFn): void {
  let resolved: Promise<readonly ContractCase[]> | undefined;
  for (const c of suite.cases) {
    test(`${suite.name} › ${c.name}`, {}, async () => {
      resolved ??= suite.resolve();
      const r = (await resolved).find((x) => x.name === c.name);
      if (r?.skip !== undefined) {
        console.warn(`[astrocyte/testing] skipped ${c.name}: ${r.skip}`);
        return;
      }
      await c.run();
    });
  }
}
