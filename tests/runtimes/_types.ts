/**
 * Shared shapes of the runtime legs: what a leg is, the context a runtime gives it, and the
 * JSON report every runtime sends back to the orchestrator (`run.ts`).
 *
 * Nothing here may use a Deno, Node or Workers API: this file is bundled into every runtime.
 *
 * @module
 */
import type { ContractSuite } from "@astrocyte/core/testing";

/** The runtimes the legs run on. */
export type RuntimeName = "deno" | "node" | "bun" | "workerd";

/** Local servers started by the orchestrator (absent when their leg is not enabled). */
export interface Endpoints {
  /** Fake OpenAI-compatible API base URL (with `/v1`). */
  openaiUrl?: string;
  /** API key the fake OpenAI server requires. */
  openaiKey?: string;
  /** Hrana-over-HTTP libSQL server URL (`http://127.0.0.1:…`). */
  libsqlUrl?: string;
  /** A Neon-style `postgres://` URL (host and credentials are ignored by the fixtures). */
  neonUrl?: string;
  /** Neon SQL-over-HTTP shim endpoint (`http://127.0.0.1:…/sql`). */
  neonFetchEndpoint?: string;
  /** Neon `wsProxy` value of the WebSocket → TCP bridge (`127.0.0.1:…/`). */
  neonWsProxy?: string;
  /** Upstash Vector emulator URL. */
  upstashUrl?: string;
  /** Upstash Vector emulator URL with a SPARSE index (the document store). */
  upstashSparseUrl?: string;
  /** Upstash Vector emulator token (both emulators). */
  upstashToken?: string;
}

/** What a runtime entry passes to a leg. JSON-serialisable except `webSocket`. */
export interface RuntimeContext {
  /** The runtime. */
  runtime: RuntimeName;
  /** Column label in the summary, e.g. `workerd (nodejs_compat)`. */
  label: string;
  /** Local servers. */
  endpoints: Endpoints;
  /** Prefix of every table the SQL adapters create (one per runtime column). */
  tablePrefix: string;
  /** A scratch directory for file-backed legs (runtimes with a filesystem). */
  tmpDir?: string;
  /** A WebSocket constructor where the runtime has no global one (Node 20: `ws`). */
  webSocket?: unknown;
}

/** A leg's group set up for one runtime: its suites and how to release shared clients. */
export interface GroupSetup {
  /** The contract suites to run, in order. */
  suites: ContractSuite[];
  /** Release shared clients after every suite ran. */
  close?(): Promise<void>;
}

/** One backend configuration of a leg (e.g. `libsql http`, `postgres neon-ws`). */
export interface Group {
  /** Stable id. */
  id: string;
  /** Row label in the summary. */
  label: string;
  /** Runtimes the group cannot run on, with the reason (the group is reported skipped). */
  unsupported?: Partial<Record<RuntimeName, string>>;
  /** Endpoints the group needs; a missing one skips the group with a reason. */
  needs?: (keyof Endpoints)[];
  /** Build the suites (opens shared clients). */
  setup(ctx: RuntimeContext): Promise<GroupSetup>;
}

/** A leg: one bundle per runtime, several groups. */
export interface Leg {
  /** Leg id (`core`, `openai`, `libsql`, …); also the bundle name. */
  id: string;
  /** Groups, run in order. */
  groups: Group[];
}

/** One case outcome worth listing (failure or skip). */
export interface CaseNote {
  /** Case name. */
  case: string;
  /** Failure message or skip reason. */
  detail: string;
}

/** Outcome of one suite in one runtime. */
export interface SuiteResult {
  /** Suite name (row label). */
  suite: string;
  /** Cases passed. */
  passed: number;
  /** Cases failed. */
  failed: number;
  /** Cases skipped by a declared capability. */
  skipped: number;
  /** Failed cases. */
  failures: CaseNote[];
  /** Skipped cases with their reasons. */
  skips: CaseNote[];
}

/** Outcome of one group in one runtime. */
export interface GroupResult {
  /** Group id. */
  id: string;
  /** Group label. */
  label: string;
  /** Why the whole group did not run here. */
  skipped?: string;
  /** Set-up or teardown error (counts as a failure). */
  error?: string;
  /** Suites that ran. */
  suites: SuiteResult[];
  /** Wall time of the group in milliseconds (frozen clocks in workerd report 0). */
  ms?: number;
}

/** What a runtime sends back for one leg. */
export interface LegReport {
  /** Runtime column label. */
  runtime: string;
  /** Leg id. */
  leg: string;
  /** Groups in order. */
  groups: GroupResult[];
}

/** The reason a group does not run on this runtime, or `undefined`. */
export function groupSkipReason(group: Group, ctx: RuntimeContext): string | undefined {
  const unsupported = group.unsupported?.[ctx.runtime];
  if (unsupported !== undefined) return unsupported;
  const missing = (group.needs ?? []).filter((k) => !ctx.endpoints[k]);
  if (missing.length > 0) return `local server not started (${missing.join(", ")})`;
  return undefined;
}

/** A one-line message for an error. */
export function errorText(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}
