/**
 * Shared data types used by every SPI family: metadata, health, capabilities and time ranges.
 *
 * Family-specific DTOs (vector items, entities, wiki pages, …) live beside their SPI in
 * `spi/<family>.ts` and are all re-exported from `mod.ts`.
 *
 * Conventions that hold for every DTO in this package:
 * - Fields are camelCase; the YAML config keeps upstream's snake_case.
 * - Timestamps are `Date` objects.
 * - An absent optional field is `undefined` (omitted) on every object a store returns — never
 *   `null` — except metadata *values*, where `null` is a legitimate scalar that round-trips.
 *
 * @module
 */

/**
 * A flat scalar metadata value. Nested objects and arrays are not allowed. A number −0 is
 * stored (and read back) as 0 on every store, as JSON carries it.
 */
export type MetadataValue = string | number | boolean | null;

/** Flat key → scalar metadata attached to records. */
export type Metadata = Record<string, MetadataValue>;

/** A JSON value, used for tool arguments, JSON schemas and structured documents. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** An inclusive time interval. */
export interface TimeRange {
  /** Start of the interval (inclusive). */
  start: Date;
  /** End of the interval (inclusive). */
  end: Date;
}

/** The result of a `health()` call. `health()` never throws; it reports problems here. */
export interface HealthStatus {
  /** `true` when the backend is reachable and usable. */
  healthy: boolean;
  /** A short human-readable diagnostic (never contains secrets). */
  message?: string;
  /** How long the check took, in milliseconds. */
  latencyMs?: number;
  /** When the check ran. */
  lastCheckAt?: Date;
}

/** A capability that a store does not offer, with the reason why. */
export interface Unsupported {
  /** Always `false`. */
  readonly supported: false;
  /** Why the capability is missing (printed when contract cases are skipped). */
  readonly reason: string;
}

/**
 * Whether a store offers a capability: `true`, or an {@linkcode Unsupported} value that
 * carries the reason. A capability that is not offered must always say why.
 */
export type Capability = true | Unsupported;

/**
 * Build an {@linkcode Unsupported} capability value.
 *
 * @example
 * ```ts
 * import { unsupported } from "@astrocyte/core";
 * const cap = unsupported("Upstash filters cannot express as-of on absent fields");
 * ```
 */
export function unsupported(reason: string): Unsupported {
  return { supported: false, reason };
}

/** `true` when the capability is offered. */
export function isSupported(capability: Capability | undefined): capability is true {
  return capability === true;
}

/** Capabilities every store instance declares. Families extend this with their own fields. */
export interface StoreCapabilities {
  /**
   * `"strong"` when a completed write is visible to the next read (read-your-writes);
   * `"eventual"` when the backend indexes asynchronously.
   */
  readonly consistency: "strong" | "eventual";
  /** Whether a multi-item write either fully applies or leaves nothing behind. */
  readonly atomicBatches: Capability;
  /** Whether data outlives the process (false for the in-memory references). */
  readonly persistent: boolean;
}

/** Members every store of every family has: capabilities, health and resource release. */
export interface Store<C extends StoreCapabilities = StoreCapabilities> extends AsyncDisposable {
  /** What this instance supports. The contract harness reads it to decide which cases apply. */
  readonly capabilities: C;
  /** Check the backend. Never throws: failures are reported as `{ healthy: false, message }`. */
  health(): Promise<HealthStatus>;
  /** Release connections and other resources. Idempotent. */
  close(): Promise<void>;
}
