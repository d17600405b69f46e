/**
 * The `astrocyte.yaml` schema without the YAML parser: the typed {@linkcode AstrocyteConfig},
 * `${NAME}` / `${NAME:-default}` substitution and validation of the keys core owns.
 *
 * {@linkcode configFromObject} takes an already-parsed object (JSON, a Workers binding, a
 * literal in code), so bundles that never read YAML do not carry a YAML parser.
 * `loadConfig` in `config.ts` adds YAML text on top of it.
 *
 * Keys stay **snake_case exactly as in upstream `astrocyte-py`** (`vector_store`,
 * `vector_store_config`, `provider_tier`, …): one file serves both implementations, and the
 * typed result reads like the file the user wrote. There is no camelCase copy.
 *
 * @example
 * ```ts
 * import { configFromObject } from "@astrocyte/core";
 *
 * const config = configFromObject(
 *   { provider_tier: "storage", vector_store: "in_memory", llm_provider: "mock" },
 *   { env: {} },
 * );
 * console.log(config.vector_store); // "in_memory"
 * ```
 *
 * @module
 */
import { ConfigError } from "./errors.ts";
import type { AdapterConfig, Logger } from "./spi/plugin.ts";

/** `storage`: the built-in pipeline over your stores (Tier 1); `engine`: a Tier-2 engine. */
export type ProviderTier = "storage" | "engine";

/** What happens when a Tier-2 engine lacks `reflect`. */
export type FallbackStrategy = "error" | "local_llm" | "degrade";

/** A config section core passes through without interpreting (snake_case keys as written). */
export type ConfigSection = { readonly [key: string]: unknown };

/** `homeostasis`: token budgets and rate limits. Other keys are kept as written. */
export interface HomeostasisConfig {
  /** Default token budget of `recall`. */
  readonly recall_max_tokens?: number;
  /** Default token budget of `reflect`. */
  readonly reflect_max_tokens?: number;
  /** Largest retained content, in bytes. */
  readonly retain_max_content_bytes?: number;
  /** Per-minute limits (`retain_per_minute`, `recall_per_minute`, …). */
  readonly rate_limits?: ConfigSection;
  /** Per-day quotas (`retain_per_day`, `reflect_per_day`). */
  readonly quotas?: ConfigSection;
  /** Any other key, kept as written. */
  readonly [key: string]: unknown;
}

/** `bm25_idf`: route keyword search through a BM25-with-IDF index. */
export interface Bm25IdfConfig {
  /** Whether BM25-with-IDF keyword search is used. @default {false} */
  readonly enabled?: boolean;
  /** Any other key, kept as written. */
  readonly [key: string]: unknown;
}

/** `source_aware_retrieval`: provenance on retain and chunk expansion on recall. */
export interface SourceAwareRetrievalConfig {
  /** Create source documents and chunks on retain (needs a `source_store`). @default {false} */
  readonly retain_provenance?: boolean;
  /** Expand hits with neighbouring chunks of the same source. @default {false} */
  readonly chunk_expansion?: boolean;
  /** Weight of expanded chunks relative to the seed hit. @default {0.5} */
  readonly expansion_score_multiplier?: number;
  /** Most chunks added per hit. @default {4} */
  readonly expansion_max_per_hit?: number;
  /** Any other key, kept as written. */
  readonly [key: string]: unknown;
}

/** `tiered_retrieval`: escalate through cheaper recall tiers first. */
export interface TieredRetrievalConfig {
  /** Whether tiered retrieval runs. @default {false} */
  readonly enabled?: boolean;
  /** Fewest results before escalating. @default {3} */
  readonly min_results?: number;
  /** Lowest acceptable score before escalating. @default {0.3} */
  readonly min_score?: number;
  /** Highest tier (0–4). @default {3} */
  readonly max_tier?: number;
  /** Which recall path runs at tier 3 and above. @default {"pipeline"} */
  readonly full_recall?: "pipeline" | "hybrid";
  /** Any other key, kept as written. */
  readonly [key: string]: unknown;
}

/** `entity_resolution`: retain-time entity resolution (needs a `graph_store`). */
export interface EntityResolutionConfig {
  /** Whether entity resolution runs. @default {false} */
  readonly enabled?: boolean;
  /** Run it in a background task. @default {false} */
  readonly defer_to_async?: boolean;
  /** Candidate similarity threshold. @default {0.8} */
  readonly similarity_threshold?: number;
  /** Confirmation threshold. @default {0.75} */
  readonly confirmation_threshold?: number;
  /** Candidates considered per entity. @default {3} */
  readonly max_candidates_per_entity?: number;
  /** Ask the LLM to disambiguate. @default {true} */
  readonly enable_llm_disambiguation?: boolean;
  /** Resolve to canonical entities. @default {false} */
  readonly canonical_resolution?: boolean;
  /** Any other key, kept as written. */
  readonly [key: string]: unknown;
}

/** `banks.<id>`: per-bank overrides (upstream honours these five keys). */
export interface BankConfig {
  /** Behaviour profile of the bank. */
  readonly profile?: string;
  /** Access entries (`principal`, `permissions`). */
  readonly access?: readonly ConfigSection[];
  /** Homeostasis overrides. */
  readonly homeostasis?: HomeostasisConfig;
  /** Barrier overrides (PII, validation, metadata). */
  readonly barriers?: ConfigSection;
  /** Signal-quality overrides (dedup, noisy bank). */
  readonly signal_quality?: ConfigSection;
  /** Any other key, kept as written. */
  readonly [key: string]: unknown;
}

/**
 * A loaded `astrocyte.yaml`: upstream's keys, snake_case, after `${NAME}` substitution.
 *
 * Only keys the user wrote are present (a key set to `null` counts as absent); defaults are
 * documented with `@default` and applied by the code that reads the key. Adapter `*_config`
 * mappings are passed through as written (after substitution): each adapter parses its own
 * options, so `dimensions: "384"` from `${DIMS}` is the adapter's to accept or reject.
 * Upstream sections core does not interpret are kept as opaque mappings.
 */
export interface AstrocyteConfig {
  /** Tier 1 (`storage`, the built-in pipeline) or Tier 2 (`engine`). @default {"engine"} */
  readonly provider_tier?: ProviderTier;
  /** Behaviour profile: `minimal`, `personal`, `research`, `coding`, `support`, or a path. */
  readonly profile?: string;
  /** Compliance profile: `gdpr`, `hipaa`, `pdpa`, or a path. */
  readonly compliance_profile?: string;
  /** Tier-2 engine key (EngineProvider family). */
  readonly provider?: string;
  /** Options of the Tier-2 engine. */
  readonly provider_config?: AdapterConfig;
  /** VectorStore key, e.g. `in_memory`, `libsql`, `postgres`. */
  readonly vector_store?: string;
  /** Options of the vector store. */
  readonly vector_store_config?: AdapterConfig;
  /** GraphStore key. (`age` is rejected, as upstream.) */
  readonly graph_store?: string;
  /** Options of the graph store. */
  readonly graph_store_config?: AdapterConfig;
  /** DocumentStore key (keyword search). */
  readonly document_store?: string;
  /** Options of the document store. */
  readonly document_store_config?: AdapterConfig;
  /** WikiStore key. */
  readonly wiki_store?: string;
  /** Options of the wiki store. */
  readonly wiki_store_config?: AdapterConfig;
  /** MentalModelStore key. */
  readonly mental_model_store?: string;
  /** Options of the mental-model store. */
  readonly mental_model_store_config?: AdapterConfig;
  /** SourceStore key (provenance). */
  readonly source_store?: string;
  /** Options of the source store. */
  readonly source_store_config?: AdapterConfig;
  /** PageIndexStore key (section recall). */
  readonly pageindex_store?: string;
  /** Options of the PageIndex store. */
  readonly pageindex_store_config?: AdapterConfig;
  /** LLMProvider key for completions (and embeddings unless `embedding_provider` is set). */
  readonly llm_provider?: string;
  /** Options of the LLM provider. */
  readonly llm_provider_config?: AdapterConfig;
  /** LLMProvider key used for embeddings only. */
  readonly embedding_provider?: string;
  /** Options of the embedding provider. */
  readonly embedding_provider_config?: AdapterConfig;
  /** What happens when a Tier-2 engine lacks `reflect`. @default {"error"} */
  readonly fallback_strategy?: FallbackStrategy;
  /** Path to a MIP file (the upstream alias `mip: <path>` is normalised to this key). */
  readonly mip_config_path?: string;
  /** Token budgets, rate limits and quotas. */
  readonly homeostasis?: HomeostasisConfig;
  /** BM25-with-IDF keyword search. */
  readonly bm25_idf?: Bm25IdfConfig;
  /** Provenance and chunk expansion. */
  readonly source_aware_retrieval?: SourceAwareRetrievalConfig;
  /** Tiered retrieval. */
  readonly tiered_retrieval?: TieredRetrievalConfig;
  /** Retain-time entity resolution. */
  readonly entity_resolution?: EntityResolutionConfig;
  /** Per-bank overrides, keyed by bank id. */
  readonly banks?: { readonly [bankId: string]: BankConfig };
  /** Declarative access grants (`bank_id`, `principal`, `permissions`). */
  readonly access_grants?: readonly ConfigSection[];
  /** Ingest sources, keyed by name. */
  readonly sources?: { readonly [name: string]: ConfigSection };
  /** Registered agents, keyed by id. */
  readonly agents?: { readonly [id: string]: ConfigSection };
  /** Extraction profiles, keyed by name. */
  readonly extraction_profiles?: { readonly [name: string]: ConfigSection };
  /** Standalone gateway settings. */
  readonly deployment?: ConfigSection;
  /** PII, validation and metadata barriers. */
  readonly barriers?: ConfigSection;
  /** Dedup and noisy-bank detection. */
  readonly signal_quality?: ConfigSection;
  /** Circuit breaker and degraded mode. */
  readonly escalation?: ConfigSection;
  /** OpenTelemetry, Prometheus, log level. */
  readonly observability?: ConfigSection;
  /** Access control. */
  readonly access_control?: ConfigSection;
  /** Identity-driven bank resolution. */
  readonly identity?: ConfigSection;
  /** Per-profile defaults. */
  readonly defaults?: ConfigSection;
  /** MCP server settings. */
  readonly mcp?: ConfigSection;
  /** Recall cache. */
  readonly recall_cache?: ConfigSection;
  /** Cross-encoder reranking. */
  readonly cross_encoder_rerank?: ConfigSection;
  /** Spreading activation. */
  readonly spreading_activation?: ConfigSection;
  /** Causal links. */
  readonly causal_links?: ConfigSection;
  /** Entity co-occurrence. */
  readonly entity_cooccurrence?: ConfigSection;
  /** Structured fact extraction. */
  readonly structured_fact_extraction?: ConfigSection;
  /** Query analyzer. */
  readonly query_analyzer?: ConfigSection;
  /** Semantic link graph. */
  readonly semantic_link_graph?: ConfigSection;
  /** Agentic reflect. */
  readonly agentic_reflect?: ConfigSection;
  /** Adversarial defense. */
  readonly adversarial_defense?: ConfigSection;
  /** Recall authority tiers. */
  readonly recall_authority?: ConfigSection;
  /** Curated retain. */
  readonly curated_retain?: ConfigSection;
  /** Curated recall. */
  readonly curated_recall?: ConfigSection;
  /** Output DLP scanning. */
  readonly dlp?: ConfigSection;
  /** Lifecycle (TTL, archiving). */
  readonly lifecycle?: ConfigSection;
  /** Wiki compilation. */
  readonly wiki_compile?: ConfigSection;
  /** Background tasks. */
  readonly async_tasks?: ConfigSection;
  /** Benchmark preset metadata. */
  readonly benchmark_preset?: ConfigSection;
  /** Directive compilation. */
  readonly directive_compile?: ConfigSection;
  /** Episodic extraction. */
  readonly episodic_extract?: ConfigSection;
  /** Preference compilation. */
  readonly preference_compile?: ConfigSection;
}

/** Options of {@linkcode configFromObject} and `loadConfig`. */
export interface LoadConfigOptions {
  /**
   * Variables for `${NAME}` substitution (e.g. `Deno.env.toObject()`, `process.env`, or the
   * Workers `env` binding). Core never reads the process environment itself.
   * @default {{}}
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives warnings such as unknown top-level keys. @default {a `console.warn` logger} */
  logger?: Logger;
}

// ---------------------------------------------------------------------------------------------
// Schema of the keys core owns
// ---------------------------------------------------------------------------------------------

type Spec =
  | { readonly t: "string" }
  | { readonly t: "adapter" }
  | { readonly t: "config" }
  | { readonly t: "boolean" }
  | { readonly t: "number"; readonly int?: boolean; readonly min?: number; readonly max?: number }
  | { readonly t: "enum"; readonly values: readonly string[] }
  | { readonly t: "section"; readonly fields?: Readonly<Record<string, Spec>> }
  | { readonly t: "mapOf"; readonly of: Spec }
  | { readonly t: "listOf"; readonly of: Spec };

const STRING: Spec = { t: "string" };
const ADAPTER: Spec = { t: "adapter" };
const ADAPTER_CONFIG: Spec = { t: "config" };
const BOOLEAN: Spec = { t: "boolean" };
const COUNT: Spec = { t: "number", int: true, min: 0 };
const NUMBER: Spec = { t: "number" };
const SECTION: Spec = { t: "section" };

const HOMEOSTASIS: Spec = {
  t: "section",
  fields: {
    recall_max_tokens: COUNT,
    reflect_max_tokens: COUNT,
    retain_max_content_bytes: COUNT,
    rate_limits: SECTION,
    quotas: SECTION,
  },
};

const ADAPTER_FAMILY_KEYS = [
  "provider",
  "vector_store",
  "graph_store",
  "document_store",
  "wiki_store",
  "mental_model_store",
  "source_store",
  "pageindex_store",
  "llm_provider",
  "embedding_provider",
] as const;

/** Opaque upstream sections: mappings core keeps as written. */
const OPAQUE_SECTIONS = [
  "barriers",
  "signal_quality",
  "escalation",
  "observability",
  "access_control",
  "identity",
  "defaults",
  "mcp",
  "recall_cache",
  "cross_encoder_rerank",
  "spreading_activation",
  "causal_links",
  "entity_cooccurrence",
  "structured_fact_extraction",
  "query_analyzer",
  "semantic_link_graph",
  "agentic_reflect",
  "adversarial_defense",
  "recall_authority",
  "curated_retain",
  "curated_recall",
  "dlp",
  "lifecycle",
  "wiki_compile",
  "async_tasks",
  "benchmark_preset",
  "directive_compile",
  "episodic_extract",
  "preference_compile",
  "deployment",
] as const;

const TOP_LEVEL: Readonly<Record<string, Spec>> = {
  provider_tier: { t: "enum", values: ["storage", "engine"] },
  profile: STRING,
  compliance_profile: STRING,
  fallback_strategy: { t: "enum", values: ["error", "local_llm", "degrade"] },
  mip_config_path: STRING,
  mip: STRING,
  ...Object.fromEntries(
    ADAPTER_FAMILY_KEYS.flatMap((k) => [[k, ADAPTER], [`${k}_config`, ADAPTER_CONFIG]]),
  ),
  homeostasis: HOMEOSTASIS,
  bm25_idf: { t: "section", fields: { enabled: BOOLEAN } },
  source_aware_retrieval: {
    t: "section",
    fields: {
      retain_provenance: BOOLEAN,
      chunk_expansion: BOOLEAN,
      expansion_score_multiplier: { t: "number", min: 0 },
      expansion_max_per_hit: COUNT,
    },
  },
  tiered_retrieval: {
    t: "section",
    fields: {
      enabled: BOOLEAN,
      min_results: COUNT,
      min_score: NUMBER,
      max_tier: { t: "number", int: true, min: 0, max: 4 },
      full_recall: { t: "enum", values: ["pipeline", "hybrid"] },
    },
  },
  entity_resolution: {
    t: "section",
    fields: {
      enabled: BOOLEAN,
      defer_to_async: BOOLEAN,
      similarity_threshold: NUMBER,
      confirmation_threshold: NUMBER,
      max_candidates_per_entity: COUNT,
      enable_llm_disambiguation: BOOLEAN,
      canonical_resolution: BOOLEAN,
    },
  },
  banks: {
    t: "mapOf",
    of: {
      t: "section",
      fields: {
        profile: STRING,
        access: { t: "listOf", of: SECTION },
        homeostasis: HOMEOSTASIS,
        barriers: SECTION,
        signal_quality: SECTION,
      },
    },
  },
  access_grants: { t: "listOf", of: SECTION },
  sources: { t: "mapOf", of: SECTION },
  agents: { t: "mapOf", of: SECTION },
  extraction_profiles: { t: "mapOf", of: SECTION },
  ...Object.fromEntries(OPAQUE_SECTIONS.map((k) => [k, SECTION])),
};

/** Every top-level key of upstream's `AstrocyteConfig` (plus the `mip` alias), sorted. */
export const CONFIG_KEYS: readonly string[] = Object.keys(TOP_LEVEL).sort();

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const PREFIX = "[astrocyte/core]";
/** Most nodes visited while copying a config (guards against alias bombs). */
const MAX_NODES = 1_000_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets an own property, so a key such as `__proto__` never touches the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function childPath(parent: string, key: string): string {
  return parent === "" ? key : `${parent}.${key}`;
}

/** Describes a value's type for error messages — never its content. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (isPlainObject(value)) return "a mapping";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    default:
      return `a value of type ${typeof value}`;
  }
}

function defaultLogger(): Logger {
  return { warn: (message) => console.warn(message) };
}

// ---------------------------------------------------------------------------------------------
// ${NAME} substitution
// ---------------------------------------------------------------------------------------------

/** `$${` (escape) | `${NAME}` | `${NAME:-default}` | a bare `${` (malformed). */
const REFERENCE = /\$\$\{|\$\{(?:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\})?/g;

interface SubstitutionState {
  env: Readonly<Record<string, string | undefined>>;
  unresolved: { path: string; name: string }[];
  malformed: string[];
  /** Paths whose string value came (in whole or part) from a variable. */
  substituted: Set<string>;
  nodes: number;
}

function lookup(env: Readonly<Record<string, string | undefined>>, name: string) {
  if (!Object.hasOwn(env, name)) return undefined;
  const value = env[name];
  return typeof value === "string" ? value : undefined;
}

function substituteString(value: string, path: string, state: SubstitutionState): string {
  if (!value.includes("${")) return value;
  let usedVariable = false;
  const out = value.replace(REFERENCE, (match, name?: string, fallback?: string) => {
    if (match === "$${") return "${";
    if (name === undefined) {
      if (!state.malformed.includes(path)) state.malformed.push(path);
      return match;
    }
    usedVariable = true;
    const found = lookup(state.env, name);
    if (fallback !== undefined) return found === undefined || found === "" ? fallback : found;
    if (found === undefined) {
      state.unresolved.push({ path, name });
      return match;
    }
    return found;
  });
  if (usedVariable) state.substituted.add(path);
  return out;
}

function substitute(value: unknown, path: string, state: SubstitutionState): unknown {
  if (++state.nodes > MAX_NODES) {
    throw new ConfigError(
      `${PREFIX} Config is too large: more than ${MAX_NODES} values (check for recursive YAML aliases)`,
    );
  }
  if (typeof value === "string") return substituteString(value, path, state);
  if (Array.isArray(value)) {
    return value.map((item, i) => substitute(item, `${path}[${i}]`, state));
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      setOwn(out, key, substitute(child, childPath(path, key), state));
    }
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const INVALID: unique symbol = Symbol("invalid");

interface ValidationState {
  issues: string[];
  substituted: ReadonlySet<string>;
}

function numberWord(spec: { int?: boolean; min?: number; max?: number }): string {
  const kind = spec.int ? "integer" : "number";
  if (spec.min !== undefined && spec.max !== undefined) {
    return `an ${kind} from ${spec.min} to ${spec.max}`;
  }
  if (spec.min === 0) return `a non-negative ${kind}`;
  return spec.int ? "an integer" : "a number";
}

function check(value: unknown, spec: Spec, path: string, state: ValidationState): unknown {
  const fail = (expected: string): typeof INVALID => {
    state.issues.push(`${path}: expected ${expected}, got ${describe(value)}`);
    return INVALID;
  };
  // A value produced by `${NAME}` is always a string: accept it for numeric and boolean keys.
  const fromVariable = typeof value === "string" && state.substituted.has(path);
  switch (spec.t) {
    case "string":
      return typeof value === "string" ? value : fail("a string");
    case "adapter":
      return typeof value === "string" && value.trim() !== ""
        ? value.trim()
        : fail("an adapter key (a non-empty string)");
    case "enum":
      return typeof value === "string" && spec.values.includes(value)
        ? value
        : fail(spec.values.map((v) => `"${v}"`).join(" or ").replace(/ or (?=.* or )/g, ", "));
    case "boolean": {
      if (typeof value === "boolean") return value;
      if (fromVariable && /^(true|false)$/i.test(value.trim())) {
        return value.trim().toLowerCase() === "true";
      }
      return fail("a boolean");
    }
    case "number": {
      let n: unknown = value;
      if (fromVariable && /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value.trim())) {
        n = Number(value.trim());
      }
      if (
        typeof n !== "number" || !Number.isFinite(n) || (spec.int && !Number.isInteger(n)) ||
        (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)
      ) {
        return fail(numberWord(spec));
      }
      return n;
    }
    case "config":
      return isPlainObject(value) ? value : fail("a mapping of adapter options");
    case "section": {
      if (!isPlainObject(value)) return fail("a mapping");
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        const fieldSpec = spec.fields && Object.hasOwn(spec.fields, key)
          ? spec.fields[key]
          : undefined;
        if (fieldSpec === undefined) {
          setOwn(out, key, child);
          continue;
        }
        if (child === null || child === undefined) continue;
        const checked = check(child, fieldSpec, childPath(path, key), state);
        if (checked !== INVALID) setOwn(out, key, checked);
      }
      return out;
    }
    case "mapOf": {
      if (!isPlainObject(value)) return fail("a mapping");
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        if (child === null || child === undefined) continue;
        const checked = check(child, spec.of, childPath(path, key), state);
        if (checked !== INVALID) setOwn(out, key, checked);
      }
      return out;
    }
    case "listOf": {
      if (!Array.isArray(value)) return fail("a list");
      return value.map((item, i) => check(item, spec.of, `${path}[${i}]`, state));
    }
  }
}

/** Levenshtein distance, for "did you mean" hints on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function suggestKey(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of CONFIG_KEYS) {
    const d = distance(key.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function printableKey(key: string): string {
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return JSON.stringify(shown);
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/**
 * Substitute `${NAME}` / `${NAME:-default}` in every string value of a parsed config, then
 * validate the keys core owns and return the typed config.
 *
 * - Substitution applies to every string value, recursively through mappings and lists
 *   (never to keys). `${NAME:-default}` uses the default when the variable is unset or
 *   empty; `$${...}` is a literal `${...}`. The result is always a string, so numeric and
 *   boolean keys core owns also accept the string a variable produced (`"8080"`, `"true"`).
 * - Every unresolved `${NAME}` (no default, not set) is reported in one {@linkcode ConfigError}
 *   naming its dotted path and the variable — never a value.
 * - Wrong types for core's own keys are a `ConfigError` naming each path
 *   (`homeostasis.recall_max_tokens: expected a non-negative integer, got a string`).
 *   Adapter `*_config` mappings are only checked to be mappings.
 * - `graph_store: age` is rejected, as upstream (AGE support was removed).
 * - Unknown top-level keys are dropped with a warning through `options.logger`.
 *
 * @example
 * ```ts
 * import { configFromObject } from "@astrocyte/core";
 *
 * const config = configFromObject(
 *   { vector_store: "libsql", vector_store_config: { url: "${DB_URL:-file:memory.db}" } },
 *   { env: {} },
 * );
 * console.log(config.vector_store_config?.url); // "file:memory.db"
 * ```
 *
 * @throws {ConfigError} on unresolved variables, malformed references or invalid values.
 */
export function configFromObject(
  input: Readonly<Record<string, unknown>>,
  options: LoadConfigOptions = {},
): AstrocyteConfig {
  if (!isPlainObject(input)) {
    throw new ConfigError(
      `${PREFIX} Config must be a mapping at the top level, got ${describe(input)}`,
    );
  }
  const logger = options.logger ?? defaultLogger();
  const state: SubstitutionState = {
    env: options.env ?? {},
    unresolved: [],
    malformed: [],
    substituted: new Set(),
    nodes: 0,
  };
  const root = substitute(input, "", state) as Record<string, unknown>;

  if (state.malformed.length > 0) {
    throw new ConfigError(
      `${PREFIX} Malformed variable reference at ${
        state.malformed.join(", ")
      }: expected \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`,
    );
  }
  if (state.unresolved.length > 0) {
    const list = state.unresolved.map(({ path, name }) => `${path} references \${${name}}`);
    const plural = state.unresolved.length > 1;
    throw new ConfigError(
      `${PREFIX} Unresolved environment variable${plural ? "s" : ""}: ${list.join("; ")} ` +
        `(set ${plural ? "them" : "it"} in env, or give a default with \${NAME:-default})`,
    );
  }

  const validation: ValidationState = { issues: [], substituted: state.substituted };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(root)) {
    const spec = Object.hasOwn(TOP_LEVEL, key) ? TOP_LEVEL[key] : undefined;
    if (spec === undefined) {
      const hint = suggestKey(key);
      logger.warn(
        `${PREFIX} Unknown config key ${printableKey(key)} is ignored${
          hint ? `; did you mean "${hint}"?` : ""
        }`,
        { key },
      );
      continue;
    }
    if (value === null || value === undefined) continue;
    const checked = check(value, spec, key, validation);
    if (checked !== INVALID) setOwn(out, key, checked);
  }

  if (out.graph_store === "age") {
    validation.issues.push(
      "graph_store: Apache AGE support was removed upstream (M9); remove the graph_store line " +
        "(or pick another graph store) and rebuild the banks",
    );
  }
  if (validation.issues.length === 1) {
    throw new ConfigError(`${PREFIX} ${validation.issues[0]}`);
  }
  if (validation.issues.length > 1) {
    throw new ConfigError(
      `${PREFIX} Invalid config (${validation.issues.length} problems): ${
        validation.issues.join("; ")
      }`,
    );
  }

  if (typeof out.mip === "string") {
    if (out.mip_config_path === undefined) out.mip_config_path = out.mip;
    delete out.mip;
  }
  return out as AstrocyteConfig;
}
