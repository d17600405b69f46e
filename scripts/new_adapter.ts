/**
 * The adapter scaffold: generates `adapters/<name>/` for one SPI family and adds it to the
 * workspace.
 *
 * ```sh
 * npx deno task new-adapter --family vector_store --name pinecone [--label "Pinecone"] [--dir <root>]
 * ```
 *
 * The generated package has a `deno.json` (name, version, license, exports, `publish.exclude`
 * for tests), a `README.md` with install and config snippets, a `mod.ts` with the plugin export
 * and the `create<Label><Family>` factory, an `options.ts`, a store skeleton whose data methods
 * throw `CapabilityNotSupportedError` until they are written (it type-checks and is lint-clean
 * from the start), and a `<name>_test.ts` that runs the family's FULL contract suite, skipped
 * with its reason until `ASTROCYTE_<NAME>_URL` points at a reachable backend.
 *
 * The method signatures of the skeleton are read from the SPI interfaces in `core/spi/`, so the
 * scaffold follows the SPI as it evolves.
 *
 * @module
 */

/** One SPI family as the scaffold knows it. */
export interface ScaffoldFamily {
  /** The CLI name, e.g. `vector_store`. */
  readonly cliName: string;
  /** The plugin field, e.g. `vectorStore`. */
  readonly pluginField: string;
  /** The YAML key that selects the adapter, e.g. `vector_store` (`provider` for engines). */
  readonly configKey: string;
  /** The SPI interface name, e.g. `VectorStore`. */
  readonly interfaceName: string;
  /** The contract suite exported by `@astrocyte/core/testing`. */
  readonly contract: string;
  /** The skeleton's file name, e.g. `vector_store.ts`. */
  readonly file: string;
  /** The SPI source file in `core/spi/`. */
  readonly spiFile: string;
}

/** The nine SPI families, keyed by their CLI name. */
export const SCAFFOLD_FAMILIES: Readonly<Record<string, ScaffoldFamily>> = {
  vector_store: family("vector_store", "vectorStore", "vector_store", "VectorStore"),
  graph_store: family("graph_store", "graphStore", "graph_store", "GraphStore"),
  document_store: family("document_store", "documentStore", "document_store", "DocumentStore"),
  wiki_store: family("wiki_store", "wikiStore", "wiki_store", "WikiStore"),
  mental_model_store: family(
    "mental_model_store",
    "mentalModelStore",
    "mental_model_store",
    "MentalModelStore",
  ),
  source_store: family("source_store", "sourceStore", "source_store", "SourceStore"),
  pageindex_store: family("pageindex_store", "pageIndexStore", "pageindex_store", "PageIndexStore"),
  engine_provider: family("engine_provider", "engineProvider", "provider", "EngineProvider"),
  llm_provider: family("llm_provider", "llmProvider", "llm_provider", "LLMProvider"),
};

function family(
  cliName: string,
  pluginField: string,
  configKey: string,
  interfaceName: string,
): ScaffoldFamily {
  return {
    cliName,
    pluginField,
    configKey,
    interfaceName,
    contract: `${pluginField}Contract`,
    file: `${cliName}.ts`,
    spiFile: `${cliName}.ts`,
  };
}

/** Other spellings accepted by `--family`. */
const FAMILY_ALIASES: Readonly<Record<string, string>> = {
  provider: "engine_provider",
  page_index_store: "pageindex_store",
  embedding_provider: "llm_provider",
};

/** Options of one scaffold run. */
export interface NewAdapterOptions {
  /** The SPI family (a key of {@linkcode SCAFFOLD_FAMILIES}). */
  family: string;
  /** Adapter name and config key, `[a-z][a-z0-9_-]*`. */
  name: string;
  /** Human-readable label, e.g. `Pinecone`. @default {the name in PascalCase} */
  label?: string;
  /** Repository root to generate into. @default {"."} */
  dir: string;
}

/** A usage error: bad or missing arguments. */
export class UsageError extends Error {
  /** Creates a usage error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static implements interface package private " +
    "protected public await arguments eval undefined NaN Infinity").split(" "),
);

/** The usage text printed by `--help` and on usage errors. */
export const USAGE: string =
  `Usage: deno task new-adapter --family <family> --name <name> [--label <label>] [--dir <root>]

  --family   one of: ${Object.keys(SCAFFOLD_FAMILIES).join(", ")}
  --name     adapter name and config key: [a-z][a-z0-9_-]* (e.g. pinecone)
  --label    human-readable name used in identifiers and docs (default: the name in PascalCase)
  --dir      repository root to generate into (default: the current directory)`;

/**
 * Why a name is not a valid adapter name, or `undefined` when it is.
 *
 * @param name The candidate name.
 * @returns A reason, or `undefined`.
 */
export function nameProblem(name: string): string | undefined {
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) {
    return `Invalid --name "${name}": expected [a-z][a-z0-9_-]* (lowercase letters, digits, _ and -)`;
  }
  if (/[-_]$/.test(name) || /[-_]{2}/.test(name)) {
    return `Invalid --name "${name}": separators must sit between letters or digits`;
  }
  if (RESERVED.has(camelCase(name))) {
    return `Invalid --name "${name}": "${camelCase(name)}" is a reserved word in JavaScript`;
  }
  return undefined;
}

/**
 * Normalise a `--family` value (snake_case, camelCase plugin field or alias) to a key of
 * {@linkcode SCAFFOLD_FAMILIES}, or `undefined` when it names no family.
 *
 * @param value The CLI value.
 * @returns The family key, or `undefined`.
 */
export function resolveFamily(value: string): string | undefined {
  const snake = value.trim().replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/-/g, "_")
    .toLowerCase();
  const fixed = snake === "page_index_store" ? "pageindex_store" : snake;
  if (fixed in SCAFFOLD_FAMILIES) return fixed;
  return FAMILY_ALIASES[fixed];
}

/**
 * `my-store` → `myStore`.
 *
 * @param name An adapter name.
 * @returns The camelCase identifier.
 */
export function camelCase(name: string): string {
  return name.replace(/[-_]+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * `my-store` or `"my store"` → `MyStore`; keeps inner capitals (`Pinecone DB` → `PineconeDB`).
 *
 * @param text A name or label.
 * @returns The PascalCase identifier part.
 */
export function pascalCase(text: string): string {
  return text.split(/[^A-Za-z0-9]+/).filter((w) => w !== "").map((w) =>
    w[0]!.toUpperCase() + w.slice(1)
  ).join("");
}

/**
 * Parse the command line.
 *
 * @param args `Deno.args`.
 * @returns The options, or `"help"` for `--help`.
 * @throws {UsageError} On unknown flags, missing values or invalid names/families.
 */
export function parseArgs(args: readonly string[]): NewAdapterOptions | "help" {
  const values: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    const m = /^--(family|name|label|dir)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`Unknown argument: ${arg}`);
    const value = m[2] ?? args[++i];
    if (value === undefined || value === "") throw new UsageError(`Missing value for --${m[1]}`);
    values[m[1]!] = value;
  }
  if (values.family === undefined) throw new UsageError("Missing --family");
  if (values.name === undefined) throw new UsageError("Missing --name");
  const fam = resolveFamily(values.family);
  if (fam === undefined) {
    throw new UsageError(
      `Unknown --family "${values.family}": expected one of ${
        Object.keys(SCAFFOLD_FAMILIES).join(", ")
      }`,
    );
  }
  const problem = nameProblem(values.name);
  if (problem) throw new UsageError(problem);
  if (values.label !== undefined && !/^[A-Za-z]/.test(pascalCase(values.label))) {
    throw new UsageError(`Invalid --label "${values.label}": it must start with a letter`);
  }
  return {
    family: fam,
    name: values.name,
    ...(values.label === undefined ? {} : { label: values.label }),
    dir: values.dir ?? ".",
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the SPI interfaces
// ---------------------------------------------------------------------------------------------

/** One parameter of an interface method. */
export interface ParamSignature {
  /** Parameter name. */
  name: string;
  /** Whether it is optional (`name?:`). */
  optional: boolean;
  /** Whether it is a rest parameter. */
  rest: boolean;
  /** The type as written in the source. */
  type: string;
}

/** One method of an SPI interface, as written in `core/spi/`. */
export interface MethodSignature {
  /** Method name. */
  name: string;
  /** Whether the method is optional (`name?(...)`). */
  optional: boolean;
  /** Type parameters as written (`<T>`), or `""`. */
  typeParams: string;
  /** Parameters. */
  params: ParamSignature[];
  /** The return type as written. */
  returnType: string;
}

/**
 * Remove comments from TypeScript source, keeping string literals intact.
 *
 * @param source TypeScript source.
 * @returns The source without comments.
 */
export function stripComments(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
      out += " ";
    } else if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Split at a separator that is outside (), [], {} and <> (`=>` is not a closing bracket). */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "(" || c === "[" || c === "{" || c === "<") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === ">" && text[i - 1] !== "=") depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** Index of the bracket that closes the one at `open`. */
function matching(text: string, open: number): number {
  const pairs: Record<string, string> = { "(": ")", "{": "}", "[": "]", "<": ">" };
  const opener = text[open]!;
  const closer = pairs[opener]!;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === opener) depth++;
    else if (c === closer && !(c === ">" && text[i - 1] === "=")) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Parse one member (`name?<T>(params): Ret`) or return `undefined` for properties. */
function parseMember(member: string): MethodSignature | undefined {
  const head = /^(?:readonly\s+)?([A-Za-z_$][\w$]*)(\?)?\s*/.exec(member);
  if (!head) return undefined;
  let rest = member.slice(head[0].length);
  let typeParams = "";
  if (rest.startsWith("<")) {
    const end = matching(rest, 0);
    typeParams = rest.slice(0, end + 1);
    rest = rest.slice(end + 1).trimStart();
  }
  if (!rest.startsWith("(")) return undefined;
  const close = matching(rest, 0);
  const paramText = rest.slice(1, close);
  const after = rest.slice(close + 1).trim();
  if (!after.startsWith(":")) return undefined;
  const params = splitTopLevel(paramText, ",").map((p): ParamSignature => {
    const m = /^(\.\.\.)?([A-Za-z_$][\w$]*)(\?)?\s*:\s*([\s\S]+)$/.exec(p);
    if (!m) throw new Error(`Cannot parse parameter "${p}" of "${head[1]}"`);
    return { name: m[2]!, optional: m[3] === "?", rest: m[1] === "...", type: squash(m[4]!) };
  });
  return {
    name: head[1]!,
    optional: head[2] === "?",
    typeParams,
    params,
    returnType: squash(after.slice(1)),
  };
}

function squash(type: string): string {
  return type.replace(/\s+/g, " ").replace(/\(\s+/g, "(").replace(/\s+\)/g, ")")
    .replace(/,\s*\)/g, ")").trim();
}

/** Interfaces the skeleton handles itself (capabilities, health, close, dispose). */
const BASE_INTERFACES = new Set(["Store", "AsyncDisposable", "Disposable"]);

/**
 * The methods of an interface declared in the given sources, including those of the interfaces
 * it extends (except `Store`/`AsyncDisposable`, whose members every skeleton writes itself).
 *
 * @param sources TypeScript sources (comments may be present).
 * @param interfaceName The interface to read, e.g. `VectorStore`.
 * @returns The methods, in declaration order (extended interfaces first).
 * @throws {Error} When the interface is not found or a member cannot be parsed.
 */
export function interfaceMethods(
  sources: readonly string[],
  interfaceName: string,
): MethodSignature[] {
  const clean = sources.map(stripComments);
  const seen = new Map<string, MethodSignature>();
  const visit = (name: string): void => {
    if (BASE_INTERFACES.has(name)) return;
    let found = false;
    for (const src of clean) {
      const decl = new RegExp(`export\\s+interface\\s+${name}\\b`).exec(src);
      if (!decl) continue;
      found = true;
      let i = decl.index + decl[0].length;
      while (i < src.length && src[i] !== "{") {
        if (src[i] === "<") i = matching(src, i);
        i++;
      }
      const header = src.slice(decl.index + decl[0].length, i);
      const ext = /\bextends\b([\s\S]*)$/.exec(header);
      if (ext) {
        for (const base of splitTopLevel(ext[1]!, ",")) visit(base.replace(/<[\s\S]*$/, "").trim());
      }
      const body = src.slice(i + 1, matching(src, i));
      for (const member of splitTopLevel(body, ";")) {
        const method = parseMember(member);
        if (method && !seen.has(method.name)) seen.set(method.name, method);
      }
      break;
    }
    if (!found) throw new Error(`Interface ${name} not found in core/spi`);
  };
  visit(interfaceName);
  return [...seen.values()];
}

/**
 * Names exported as types or classes by the given sources.
 *
 * @param sources TypeScript sources.
 * @returns The exported type names.
 */
export function exportedTypeNames(sources: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const src of sources) {
    for (const m of src.matchAll(/export\s+(?:interface|type|class|enum)\s+([A-Za-z_$][\w$]*)/g)) {
      names.add(m[1]!);
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/** Everything the templates need. */
export interface ScaffoldNames {
  /** Adapter name and config key (`pinecone`). */
  name: string;
  /** The package name (`@astrocyte/pinecone`). */
  packageName: string;
  /** The plugin export (`pinecone`). */
  plugin: string;
  /** Identifier part (`Pinecone`). */
  ident: string;
  /** Prose label (`Pinecone`). */
  label: string;
  /** File-name stem (`pinecone`, `my_store`). */
  stem: string;
  /** The environment variable of the contract test (`ASTROCYTE_PINECONE_URL`). */
  urlEnv: string;
  /** The environment variable for a token (`ASTROCYTE_PINECONE_TOKEN`). */
  tokenEnv: string;
  /** The factory (`createPineconeVectorStore`). */
  factory: string;
  /** The options interface (`PineconeOptions`). */
  options: string;
  /** The options parser (`parsePineconeOptions`). */
  parser: string;
  /** The family. */
  family: ScaffoldFamily;
}

/**
 * Derive every generated identifier from the options.
 *
 * @param opts Parsed CLI options.
 * @returns The names.
 */
export function scaffoldNames(opts: NewAdapterOptions): ScaffoldNames {
  const fam = SCAFFOLD_FAMILIES[opts.family];
  if (!fam) throw new UsageError(`Unknown family: ${opts.family}`);
  const ident = pascalCase(opts.label ?? opts.name);
  const upper = opts.name.toUpperCase().replace(/-/g, "_");
  return {
    name: opts.name,
    packageName: `@astrocyte/${opts.name}`,
    plugin: camelCase(opts.name),
    ident,
    label: opts.label ?? ident,
    stem: opts.name.replace(/-/g, "_"),
    urlEnv: `ASTROCYTE_${upper}_URL`,
    tokenEnv: `ASTROCYTE_${upper}_TOKEN`,
    factory: `create${ident}${fam.interfaceName}`,
    options: `${ident}Options`,
    parser: `parse${ident}Options`,
    family: fam,
  };
}

/** Capability literals per family (the part the SPI sources cannot provide). */
function capabilitiesLiteral(n: ScaffoldNames): { code: string; usesUnsupported: boolean } {
  const base = `consistency: "strong",
      atomicBatches: unsupported(TODO),
      persistent: true,`;
  switch (n.family.pluginField) {
    case "vectorStore":
      return {
        usesUnsupported: true,
        code: `{
      ${base}
      dimensions: options.dimensions ?? null,
      metric: "cosine",
      maxBatchSize: null,
      filters: {
        tags: unsupported(TODO),
        factTypes: unsupported(TODO),
        timeRange: unsupported(TODO),
        asOf: unsupported(TODO),
        sessionId: unsupported(TODO),
        metadataFilters: unsupported(TODO),
      },
    }`,
      };
    case "documentStore":
      return {
        usesUnsupported: true,
        code: `{
      ${base}
      filters: { tags: unsupported(TODO), metadataFilters: unsupported(TODO) },
      scoring: "todo",
    }`,
      };
    case "graphStore":
      return {
        usesUnsupported: true,
        code: `{\n      ${base}\n      memoryLinks: unsupported(TODO),\n    }`,
      };
    case "llmProvider":
      return {
        usesUnsupported: false,
        code: `{
      supportsMultimodalCompletion: false,
      supportsMultimodalEmbedding: false,
      supportsBatchEmbed: false,
      supportsEmbedding: false,
      supportsCompletion: false,
      embeddingDimensions: options.dimensions ?? null,
    }`,
      };
    case "engineProvider":
      return {
        usesUnsupported: false,
        code: `{
      supportsReflect: false,
      supportsForget: false,
      supportsSemanticSearch: false,
      supportsKeywordSearch: false,
      supportsGraphSearch: false,
      supportsTemporalSearch: false,
      supportsTags: false,
      supportsMetadata: false,
    }`,
      };
    default:
      return { usesUnsupported: true, code: `{\n      ${base}\n    }` };
  }
}

const GLOBAL_TYPES = new Set([
  "Promise",
  "Date",
  "Record",
  "Readonly",
  "ReadonlyArray",
  "Partial",
  "Required",
  "Pick",
  "Omit",
  "Array",
  "Map",
  "Set",
  "Uint8Array",
  "Float32Array",
  "AbortSignal",
]);

function renderMethod(m: MethodSignature): string {
  const params = m.params.map((p) =>
    `${p.rest ? "..." : ""}_${p.name}${p.optional ? "?" : ""}: ${p.type}`
  ).join(", ");
  const body = /^Promise</.test(m.returnType)
    ? `return Promise.reject(notImplemented("${m.name}"));`
    : `throw notImplemented("${m.name}");`;
  return `    ${m.name}${m.typeParams}(${params}): ${m.returnType} {\n      ${body}\n    },`;
}

/** The skeleton store module. */
export function renderStore(
  n: ScaffoldNames,
  methods: readonly MethodSignature[],
  coreTypes: ReadonlySet<string>,
): string {
  const required = methods.filter((m) => !m.optional && m.name !== "health" && m.name !== "close");
  const optional = methods.filter((m) => m.optional);
  const caps = capabilitiesLiteral(n);
  const used = new Set<string>([n.family.interfaceName, "HealthStatus"]);
  for (const m of required) {
    const text = [...m.params.map((p) => p.type), m.returnType].join(" ");
    for (const t of text.matchAll(/\b[A-Z][A-Za-z0-9_]*\b/g)) {
      if (!GLOBAL_TYPES.has(t[0]) && coreTypes.has(t[0])) used.add(t[0]);
    }
  }
  const values = ["CapabilityNotSupportedError", "ConfigError"];
  if (caps.usesUnsupported) values.push("unsupported");
  const specifiers = [
    ...values.map((v) => ({ key: v, text: v })),
    ...[...used].map((t) => ({ key: t, text: `type ${t}` })),
  ].sort((a, b) => a.key.localeCompare(b.key)).map((s) => s.text);
  const optionalNote = optional.length === 0 ? "" : `
    // Optional SPI methods not implemented yet: ${optional.map((m) => m.name).join(", ")}. Add them
    // and declare them in \`capabilities\` when the backend supports them.`;
  const kind = n.family.interfaceName;
  return `/**
 * The ${n.label} ${kind}. Generated by \`deno task new-adapter\`: every data method
 * throws \`CapabilityNotSupportedError\` until it is implemented. Implement them one by one
 * and run the contract suite (\`${n.stem}_test.ts\`) against a real backend; spi.md §2
 * decides the semantics.
 *
 * @module
 */
import { ${specifiers.join(", ")} } from "@astrocyte/core";
import type { ${n.options} } from "./options.ts";

const PROVIDER = "${n.name}";
${
    caps.usesUnsupported
      ? `
/** The reason attached to capabilities that are not implemented yet. */
const TODO = "[astrocyte/${n.name}] Not implemented yet";
`
      : ""
  }
function notImplemented(method: string): CapabilityNotSupportedError {
  return new CapabilityNotSupportedError(\`[astrocyte/${n.name}] \${method} is not implemented yet\`, {
    provider: PROVIDER,
    capability: method,
  });
}

/**
 * Create a ${n.label} ${kind}.
 *
 * @param options Connection options (see {@linkcode ${n.options}}).
 * @returns A ${kind}; call \`close()\` when done.
 * @throws {ConfigError} When \`options.url\` is empty.
 *
 * @example Usage
 * \`\`\`ts ignore
 * import { ${n.factory} } from "${n.packageName}";
 *
 * const store = ${n.factory}({ url: "https://example.invalid" });
 * console.log(await store.health());
 * await store.close();
 * \`\`\`
 */
export function ${n.factory}(options: ${n.options}): ${kind} {
  if (options.url === "") {
    throw new ConfigError("[astrocyte/${n.name}] Missing url: set ${n.family.configKey}_config.url");
  }
  let closed = false;
  const close = (): Promise<void> => {
    closed = true;
    return Promise.resolve();
  };
  return {
    capabilities: ${caps.code},
    health(): Promise<HealthStatus> {
      // TODO: ping the backend; never throw, report { healthy: false, message } instead.
      return Promise.resolve({
        healthy: false,
        message: closed ? "[astrocyte/${n.name}] Closed" : "[astrocyte/${n.name}] Not implemented yet",
        lastCheckAt: new Date(),
      });
    },
    close,
    [Symbol.asyncDispose]: close,${optionalNote}
${required.map(renderMethod).join("\n")}
  };
}
`;
}

/** The options module. */
export function renderOptions(n: ScaffoldNames): string {
  return `/**
 * Options of the ${n.label} adapter and their parser from \`astrocyte.yaml\` (snake_case keys).
 *
 * @module
 */
import { type AdapterConfig, type AdapterContext, ConfigError } from "@astrocyte/core";

/** Options for {@linkcode ${n.factory}}. */
export interface ${n.options} {
  /** Where the backend lives (\`${n.family.configKey}_config.url\`). */
  url: string;
  /** API key or auth token, when the backend needs one. Never logged. */
  authToken?: string;
  /** Vector dimension, when the backend needs it up front. */
  dimensions?: number;
  /** The HTTP client for every request. @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/**
 * Parse a \`${n.family.configKey}_config\` mapping into {@linkcode ${n.options}}.
 *
 * @param config The raw \`*_config\` mapping (\`url\`, \`auth_token\`, \`dimensions\`).
 * @param context The adapter context; its \`configKey\` names fields in error messages.
 * @returns The parsed options.
 * @throws {ConfigError} On a missing url or a field of the wrong type.
 *
 * @example Usage
 * \`\`\`ts ignore
 * import { ${n.parser} } from "${n.packageName}";
 *
 * const options = ${n.parser}({ url: "https://example.invalid", dimensions: 384 });
 * \`\`\`
 */
export function ${n.parser}(
  config: AdapterConfig,
  context?: Pick<AdapterContext, "configKey">,
): ${n.options} {
  const prefix = \`[astrocyte/${n.name}] \${context?.configKey ?? "${n.family.configKey}"}_config\`;
  const { url, auth_token: authToken, dimensions } = config;
  if (typeof url !== "string" || url === "") {
    throw new ConfigError(\`\${prefix}.url: expected a non-empty string\`);
  }
  if (authToken !== undefined && authToken !== null && typeof authToken !== "string") {
    throw new ConfigError(\`\${prefix}.auth_token: expected a string\`);
  }
  if (
    dimensions !== undefined &&
    (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1)
  ) {
    throw new ConfigError(\`\${prefix}.dimensions: expected a positive integer\`);
  }
  return {
    url,
    ...(typeof authToken === "string" && authToken !== "" ? { authToken } : {}),
    ...(typeof dimensions === "number" ? { dimensions } : {}),
  };
}
`;
}

/** The package entrypoint. */
export function renderMod(n: ScaffoldNames): string {
  const fam = n.family;
  return `/**
 * \`${n.packageName}\`: an Astrocyte ${fam.interfaceName} for ${n.label}.
 *
 * Register the plugin and select it with \`${fam.configKey}: ${n.name}\` in \`astrocyte.yaml\`, or
 * build the ${fam.interfaceName} directly with {@linkcode ${n.factory}}.
 *
 * @example
 * \`\`\`ts ignore
 * import { createRegistry, inMemory } from "@astrocyte/core";
 * import { ${n.plugin} } from "${n.packageName}";
 *
 * const registry = createRegistry(inMemory, ${n.plugin});
 * // astrocyte.yaml:  ${fam.configKey}: ${n.name}
 * //                  ${fam.configKey}_config: { url: \${${n.urlEnv}} }
 * \`\`\`
 *
 * @module
 */
import type { AdapterPlugin } from "@astrocyte/core";
import { ${n.factory} } from "./${fam.file}";
import { ${n.parser} } from "./options.ts";

export { ${n.factory} } from "./${fam.file}";
export { ${n.parser}, type ${n.options} } from "./options.ts";

/**
 * The \`${n.name}\` adapter plugin: registers the ${fam.interfaceName} family under the config key
 * \`${n.name}\`. The adapter context's \`fetch\` is passed on for every request.
 */
export const ${n.plugin}: AdapterPlugin = {
  name: "${n.name}",
  spiVersion: 1,
  importHint: 'import { ${n.plugin} } from "${n.packageName}"',
  ${fam.pluginField}: (config, context) =>
    ${n.factory}({ ...${n.parser}(config, context), fetch: context.fetch }),
};
`;
}

/** The contract test. */
export function renderTest(n: ScaffoldNames): string {
  const fam = n.family;
  return `/**
 * The full ${fam.interfaceName} contract suite against ${n.label}.
 *
 * It runs when \`${n.urlEnv}\` points at a reachable backend
 * (\`${n.tokenEnv}\`, when set, is the auth token). Otherwise the whole suite is
 * skipped and the reason is printed.
 *
 * @module
 */
import { ${fam.contract}, registerDenoTests } from "@astrocyte/core/testing";
import { ${n.factory} } from "./mod.ts";

const URL_ENV = "${n.urlEnv}";
const url = Deno.env.get(URL_ENV);
const authToken = Deno.env.get("${n.tokenEnv}");
const skip = await unreachable(url);

registerDenoTests(
  ${fam.contract}({
    name: "${fam.interfaceName} contract (${n.name})",
    create: ({ dimensions }) =>
      Promise.resolve(
        ${n.factory}({ url: url ?? "", dimensions, ...(authToken ? { authToken } : {}) }),
      ),
  }),
  { sanitize: false, ...(skip === undefined ? {} : { skip }) },
);

/** Why the backend cannot be used, or \`undefined\` when a TCP connection to it opens. */
async function unreachable(raw: string | undefined): Promise<string | undefined> {
  if (!raw) return \`\${URL_ENV} is not set\`;
  let target: URL;
  try {
    target = new URL(raw);
  } catch {
    return \`\${URL_ENV} is not a valid URL\`;
  }
  const defaults: Record<string, number> = { "http:": 80, "https:": 443, "ws:": 80, "wss:": 443 };
  const port = Number(target.port) || defaults[target.protocol];
  if (!port) return \`\${URL_ENV} has no port\`;
  const hostname = target.hostname.replace(/^\\[|\\]$/g, "");
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const conn = await Promise.race([
      Deno.connect({ hostname, port }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out after 3 s")), 3000);
      }),
    ]);
    conn.close();
    return undefined;
  } catch (e) {
    // target.host carries no credentials, so the reason is safe to print.
    return \`\${target.protocol}//\${target.host} is unreachable: \${e instanceof Error ? e.message : e}\`;
  } finally {
    clearTimeout(timer);
  }
}
`;
}

/** The package README. */
export function renderReadme(n: ScaffoldNames): string {
  const fam = n.family;
  const tier = fam.pluginField === "engineProvider" ? "engine" : "storage";
  const fence = "```";
  return `# ${n.packageName}

An Astrocyte ${fam.interfaceName} for ${n.label}: select it with \`${fam.configKey}: ${n.name}\` in
\`astrocyte.yaml\` after registering the \`${n.plugin}\` plugin.

> Status: scaffold. Every data method throws \`CapabilityNotSupportedError\` until it is
> implemented; the contract suite in \`${n.stem}_test.ts\` says what is left.

## Install

${fence}sh
deno add jsr:@astrocyte/core jsr:${n.packageName}   # Deno
npx jsr add @astrocyte/core ${n.packageName}         # Node, Bun, Cloudflare Workers
${fence}

## Configure

${fence}yaml
# astrocyte.yaml
provider_tier: ${tier}
${fam.configKey}: ${n.name}
${fam.configKey}_config:
  url: \${${n.urlEnv}}
  auth_token: \${${n.tokenEnv}:-}
  dimensions: 384
${fence}

${fence}ts
import { Astrocyte, createRegistry, inMemory } from "@astrocyte/core";
import { ${n.plugin} } from "${n.packageName}";

const brain = await Astrocyte.fromConfig(await Deno.readTextFile("astrocyte.yaml"), {
  registry: createRegistry(inMemory, ${n.plugin}),
  env: Deno.env.toObject(),
});
${fence}

Or build it directly:

${fence}ts
import { ${n.factory} } from "${n.packageName}";

const store = ${n.factory}({ url: "https://…", dimensions: 384 });
${fence}

## Test

The full ${fam.interfaceName} contract suite runs against a real backend and is skipped, with
the reason printed, when none is reachable:

${fence}sh
${n.urlEnv}=https://… ${n.tokenEnv}=… npx deno test -A adapters/${n.name}/
${fence}
`;
}

/** The package's deno.json. */
export function renderDenoJson(n: ScaffoldNames, license: string): string {
  return JSON.stringify(
    {
      name: n.packageName,
      version: "0.1.0",
      license,
      exports: { ".": "./mod.ts" },
      publish: { exclude: ["**/*_test.ts", "**/*_bench.ts", "**/testdata/"] },
    },
    null,
    2,
  ) + "\n";
}

// ---------------------------------------------------------------------------------------------
// Editing the root files
// ---------------------------------------------------------------------------------------------

/**
 * Add a member to the `workspace` array of a root deno.json, keeping the file's layout.
 *
 * @param text The deno.json text.
 * @param member The member path, e.g. `./adapters/pinecone`.
 * @returns The new text (unchanged when the member is already listed).
 * @throws {Error} When there is no `workspace` array.
 */
export function addWorkspaceMember(text: string, member: string): string {
  const m = /("workspace"\s*:\s*\[)([\s\S]*?)(\n?[ \t]*\])/.exec(text);
  if (!m) throw new Error('Root deno.json has no "workspace" array');
  const items = JSON.parse(`[${m[2]}]`) as string[];
  const norm = (p: string) => p.replace(/^\.\//, "").replace(/\/$/, "");
  if (items.some((i) => norm(i) === norm(member))) return text;
  items.push(member);
  const indent = /\n([ \t]+)"/.exec(m[2]!)?.[1];
  const closeIndent = /\n([ \t]*)\]$/.exec(m[3]!)?.[1] ?? "";
  const body = indent === undefined
    ? items.map((i) => JSON.stringify(i)).join(", ")
    : items.map((i) => `\n${indent}${JSON.stringify(i)}`).join(",") + `\n${closeIndent}`;
  return text.slice(0, m.index) + m[1] + body + "]" + text.slice(m.index + m[0].length);
}

/**
 * Append an entrypoint to every `deno doc --lint …` command in the root deno.json tasks, so the
 * new adapter is doc-linted together with core.
 *
 * @param text The deno.json text.
 * @param entry The entrypoint, e.g. `adapters/pinecone/mod.ts`.
 * @returns The new text.
 */
export function addDocLintEntry(text: string, entry: string): string {
  return text.replace(
    /(doc --lint)((?: [\w./-]+\.ts)+)/g,
    (all, cmd: string, list: string) =>
      list.split(" ").includes(entry) ? all : `${cmd}${list} ${entry}`,
  );
}

/**
 * Add a row for the package to the package table of the root README (after the last row).
 *
 * @param text The README text.
 * @param n The scaffold names.
 * @returns The new text (unchanged when there is no table or the package is listed).
 */
export function addReadmeRow(text: string, n: ScaffoldNames): string {
  if (text.includes(`\`${n.packageName}\``)) return text;
  const lines = text.split("\n");
  const header = lines.findIndex((l) => /^\|\s*package\s*\|/i.test(l));
  if (header < 0) return text;
  let last = header;
  while (last + 1 < lines.length && lines[last + 1]!.startsWith("|")) last++;
  const row =
    `| \`${n.packageName}\` | \`adapters/${n.name}/\` | \`${n.name}\` (${n.family.configKey}) |`;
  lines.splice(last + 1, 0, row);
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/** What {@linkcode generateAdapter} wrote. */
export interface GenerateResult {
  /** The package directory. */
  dir: string;
  /** Files written, relative to the repository root. */
  files: string[];
  /** Root files that were edited. */
  edited: string[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Generate `adapters/<name>/` under `opts.dir`, add it to the workspace, the doc-lint tasks and
 * the README package table, then format the new package with `deno fmt`.
 *
 * @param opts Parsed options.
 * @returns What was written.
 * @throws {UsageError} When the package directory already exists.
 */
export async function generateAdapter(opts: NewAdapterOptions): Promise<GenerateResult> {
  const n = scaffoldNames(opts);
  const root = opts.dir.replace(/\/+$/, "") || ".";
  const pkgRel = `adapters/${n.name}`;
  const pkgDir = `${root}/${pkgRel}`;
  if (await exists(pkgDir)) throw new UsageError(`${pkgRel} already exists`);
  const rootConfig = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  for (const member of (rootConfig.workspace ?? []) as string[]) {
    try {
      const other = JSON.parse(await Deno.readTextFile(`${root}/${member}/deno.json`));
      if (other.name === n.packageName) {
        throw new UsageError(`${n.packageName} is already the name of workspace member ${member}`);
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
    }
  }

  const spiDir = new URL("../core/spi/", import.meta.url);
  const spiSources: string[] = [];
  for await (const entry of Deno.readDir(spiDir)) {
    if (entry.isFile && entry.name.endsWith(".ts")) {
      spiSources.push(await Deno.readTextFile(new URL(entry.name, spiDir)));
    }
  }
  spiSources.push(await Deno.readTextFile(new URL("../core/types.ts", import.meta.url)));
  const methods = interfaceMethods(spiSources, n.family.interfaceName);
  const coreTypes = exportedTypeNames(spiSources);

  let license = "Apache-2.0";
  try {
    const core = JSON.parse(await Deno.readTextFile(`${root}/core/deno.json`));
    if (typeof core.license === "string") license = core.license;
  } catch { /* keep the default */ }

  const files: Record<string, string> = {
    "deno.json": renderDenoJson(n, license),
    "README.md": renderReadme(n),
    "mod.ts": renderMod(n),
    "options.ts": renderOptions(n),
    [n.family.file]: renderStore(n, methods, coreTypes),
    [`${n.stem}_test.ts`]: renderTest(n),
  };
  await Deno.mkdir(pkgDir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    await Deno.writeTextFile(`${pkgDir}/${file}`, content);
  }

  const edited: string[] = [];
  const denoJsonPath = `${root}/deno.json`;
  const before = await Deno.readTextFile(denoJsonPath);
  const after = addDocLintEntry(addWorkspaceMember(before, `./${pkgRel}`), `${pkgRel}/mod.ts`);
  if (after !== before) {
    await Deno.writeTextFile(denoJsonPath, after);
    edited.push("deno.json");
  }
  const readmePath = `${root}/README.md`;
  if (await exists(readmePath)) {
    const readme = await Deno.readTextFile(readmePath);
    const updated = addReadmeRow(readme, n);
    if (updated !== readme) {
      await Deno.writeTextFile(readmePath, updated);
      edited.push("README.md");
    }
  }

  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", pkgDir, ...(edited.includes("README.md") ? [readmePath] : [])],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!fmt.success) throw new Error("deno fmt failed on the generated files");

  return { dir: pkgRel, files: Object.keys(files).map((f) => `${pkgRel}/${f}`), edited };
}

async function main(): Promise<number> {
  let opts: NewAdapterOptions | "help";
  try {
    opts = parseArgs(Deno.args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (opts === "help") {
    console.log(USAGE);
    return 0;
  }
  try {
    const result = await generateAdapter(opts);
    const n = scaffoldNames(opts);
    console.log(`Created ${result.dir}/ (${n.packageName}, ${n.family.interfaceName}):`);
    for (const f of result.files) console.log(`  ${f}`);
    if (result.edited.length) console.log(`Updated ${result.edited.join(", ")}`);
    console.log(`
Next:
  npx deno check ${result.dir}/mod.ts && npx deno lint ${result.dir}
  npx deno test -A ${result.dir}/   # skipped until ${n.urlEnv} is set
  then implement ${result.dir}/${n.family.file} until the contract suite passes.`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main());
