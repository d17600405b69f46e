/**
 * Typed errors. Every error thrown by core or an adapter extends {@linkcode AstrocyteError},
 * carries the underlying `cause` when there is one, and never includes a secret in its message.
 *
 * Messages are prefixed with the package that raised them, in sentence case without a
 * trailing period: `[astrocyte/libsql] Dimension mismatch: expected 384, got 3`.
 *
 * @module
 */

/** Options accepted by every Astrocyte error. */
export interface AstrocyteErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error raised by Astrocyte and its adapters. */
export class AstrocyteError extends Error {
  /** Creates an error with a message and an optional cause. */
  constructor(message: string, options?: AstrocyteErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Invalid or incomplete configuration: bad YAML, wrong types, unknown adapter keys. */
export class ConfigError extends AstrocyteError {}

/** Options for {@linkcode ValidationError}. */
export interface ValidationErrorOptions extends AstrocyteErrorOptions {
  /** The dotted path or parameter name of the offending value, e.g. `items[3].vector`. */
  field?: string;
}

/** Input that breaks the contract: bad ids, bank ids, oversized payloads, invalid filters. */
export class ValidationError extends AstrocyteError {
  /** The dotted path or parameter name of the offending value, when known. */
  readonly field?: string;
  /** Creates a validation error. */
  constructor(message: string, options?: ValidationErrorOptions) {
    super(message, options);
    if (options?.field !== undefined) this.field = options.field;
  }
}

/** A vector that contains NaN or ±Infinity, is empty, or is not an array of numbers. */
export class InvalidVectorError extends ValidationError {}

/** Options for {@linkcode DimensionMismatchError}. */
export interface DimensionMismatchErrorOptions extends ValidationErrorOptions {
  /** The store's dimension. */
  expected: number;
  /** The length that was supplied. */
  actual: number;
}

/** A vector whose length differs from the store's dimension. */
export class DimensionMismatchError extends ValidationError {
  /** The store's dimension. */
  readonly expected: number;
  /** The length that was supplied. */
  readonly actual: number;
  /** Creates a dimension-mismatch error. */
  constructor(message: string, options: DimensionMismatchErrorOptions) {
    super(message, options);
    this.expected = options.expected;
    this.actual = options.actual;
  }
}

/** Options for {@linkcode CapabilityNotSupportedError}. */
export interface CapabilityNotSupportedErrorOptions extends AstrocyteErrorOptions {
  /** The adapter or provider name. */
  provider: string;
  /** The capability that is missing, e.g. `reflect`. */
  capability: string;
}

/** An operation the configured provider or store does not support. */
export class CapabilityNotSupportedError extends AstrocyteError {
  /** The adapter or provider name. */
  readonly provider: string;
  /** The capability that is missing. */
  readonly capability: string;
  /** Creates a capability error. */
  constructor(message: string, options: CapabilityNotSupportedErrorOptions) {
    super(message, options);
    this.provider = options.provider;
    this.capability = options.capability;
  }
}

/** Options for {@linkcode ProviderUnavailableError}. */
export interface ProviderUnavailableErrorOptions extends AstrocyteErrorOptions {
  /** The adapter or provider name. */
  provider: string;
  /** Whether retrying the same call later may succeed (timeouts, 429, 5xx, resets). */
  retryable: boolean;
  /**
   * For non-atomic batch writes: the ids that were written before the failure, so the caller
   * can retry idempotently or clean up.
   */
  writtenIds?: string[];
}

/** The backend could not be reached or answered with a server-side failure. */
export class ProviderUnavailableError extends AstrocyteError {
  /** The adapter or provider name. */
  readonly provider: string;
  /** Whether retrying later may succeed. */
  readonly retryable: boolean;
  /** For non-atomic batches: ids written before the failure. */
  readonly writtenIds?: string[];
  /** Creates a provider-unavailable error. */
  constructor(message: string, options: ProviderUnavailableErrorOptions) {
    super(message, options);
    this.provider = options.provider;
    this.retryable = options.retryable;
    if (options.writtenIds !== undefined) this.writtenIds = options.writtenIds;
  }
}

/** Options for {@linkcode SpiVersionError}. */
export interface SpiVersionErrorOptions extends AstrocyteErrorOptions {
  /** The SPI family, e.g. `vector_store`. */
  family: string;
  /** The version the adapter declared. */
  version: number;
  /** The versions this core supports for that family. */
  supported: readonly number[];
}

/**
 * An adapter declares an SPI version this core does not support. It is also a configuration
 * problem, so it extends {@linkcode ConfigError}.
 */
export class SpiVersionError extends ConfigError {
  /** The SPI family. */
  readonly family: string;
  /** The version the adapter declared. */
  readonly version: number;
  /** The versions this core supports. */
  readonly supported: readonly number[];
  /** Creates an SPI version error. */
  constructor(message: string, options: SpiVersionErrorOptions) {
    super(message, options);
    this.family = options.family;
    this.version = options.version;
    this.supported = options.supported;
  }
}
