/**
 * The `astrocyte` command line: `retain`, `recall`, `reflect`, `forget`, `health` and
 * `conformance` against an `astrocyte.yaml`, as an in-process {@linkcode main} function.
 *
 * @module
 */
import { resolve } from "node:path";
import {
  Astrocyte,
  ConfigError,
  loadConfig,
  type Logger,
  type Metadata,
  type Registry,
  ValidationError,
} from "@astrocyte/core";
import {
  commandHelp,
  COMMANDS,
  type CommandSpec,
  dateOption,
  intOption,
  listOption,
  mainHelp,
  parseCommandArgs,
  type ParsedArgs,
  UsageError,
} from "./_args.ts";
import {
  formatConformance,
  formatForget,
  formatHealth,
  formatRecall,
  formatReflect,
  formatRetain,
  oneLine,
} from "./_format.ts";
import { runConformance } from "./conformance.ts";
import { createCliRegistry } from "./registry.ts";

/** The CLI's version (the package version). */
export const VERSION = "0.1.0";

/** Where the CLI writes text. */
export interface CliWriter {
  /** Write a chunk of text as is. */
  write(text: string): void;
}

/** Options of {@linkcode main}: everything the CLI touches, injectable for tests and embedding. */
export interface MainOptions {
  /** Results. @default {Deno.stdout} */
  stdout?: CliWriter;
  /** Progress, warnings and errors. @default {Deno.stderr} */
  stderr?: CliWriter;
  /** Environment for `${VAR}` substitution and adapters. @default {Deno.env.toObject()} */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory the config path is resolved against. @default {Deno.cwd()} */
  cwd?: string;
  /** Read by `retain -`. @default {Deno.stdin.readable} */
  stdin?: ReadableStream<Uint8Array>;
  /** The adapter registry. @default {createCliRegistry(), every first-party plugin} */
  registry?: Registry;
  /** The HTTP client adapters use. @default {globalThis.fetch} */
  fetch?: typeof fetch;
}

/** Exit codes of the CLI. */
export const EXIT: { readonly ok: 0; readonly failure: 1; readonly usage: 2 } = {
  ok: 0,
  failure: 1,
  usage: 2,
};

function denoWriter(file: { writeSync(p: Uint8Array): number }): CliWriter {
  const encoder = new TextEncoder();
  return {
    write(text) {
      let bytes = encoder.encode(text);
      while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
    },
  };
}

interface Io {
  stdout: CliWriter;
  stderr: CliWriter;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: () => ReadableStream<Uint8Array>;
  registry: Registry;
  fetch?: typeof fetch;
  logger: Logger;
}

function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

function textOf(parsed: ParsedArgs): string {
  return parsed.positionals.join(" ");
}

function banksOf(spec: CommandSpec, parsed: ParsedArgs, io: Io): string[] {
  const banks = listOption(parsed.values["bank"]) ??
    [io.env["ASTROCYTE_BANK"] || "default"];
  if (banks.length === 0) {
    throw new UsageError("--bank: expected a bank id", spec.name);
  }
  if (spec.banks === "one" && banks.length > 1) {
    throw new UsageError(
      `${spec.name} takes one --bank, got ${banks.length}`,
      spec.name,
    );
  }
  return banks;
}

async function readConfigText(
  parsed: ParsedArgs,
  io: Io,
  command: string,
): Promise<string> {
  const explicit = parsed.values["config"] as string | undefined;
  const chosen = explicit ?? (io.env["ASTROCYTE_CONFIG"] || undefined);
  const path = resolve(io.cwd, chosen ?? "astrocyte.yaml");
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(
        chosen === undefined
          ? `No astrocyte.yaml in ${io.cwd}: pass --config <path> or set ASTROCYTE_CONFIG`
          : `Config file not found: ${path}`,
        command,
      );
    }
    throw e;
  }
}

async function openBrain(
  parsed: ParsedArgs,
  io: Io,
  command: string,
): Promise<Astrocyte> {
  const text = await readConfigText(parsed, io, command);
  return await Astrocyte.fromConfig(text, {
    registry: io.registry,
    env: io.env,
    logger: io.logger,
    ...(io.fetch ? { fetch: io.fetch } : {}),
  });
}

async function withBrain(
  parsed: ParsedArgs,
  io: Io,
  command: string,
  fn: (brain: Astrocyte) => Promise<number>,
): Promise<number> {
  const brain = await openBrain(parsed, io, command);
  try {
    return await fn(brain);
  } finally {
    await brain.close();
  }
}

function metadataOf(values: unknown, command: string): Metadata | undefined {
  if (values === undefined) return undefined;
  const md: Metadata = {};
  for (const entry of values as string[]) {
    const eq = entry.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(
        `--metadata: expected key=value, got ${JSON.stringify(entry)}`,
        command,
      );
    }
    md[entry.slice(0, eq).trim()] = entry.slice(eq + 1);
  }
  return md;
}

const STRATEGIES = ["semantic", "keyword", "graph"] as const;

async function cmdRetain(
  spec: CommandSpec,
  parsed: ParsedArgs,
  io: Io,
): Promise<number> {
  let content = textOf(parsed);
  if (content === "-") content = await new Response(io.stdin()).text();
  if (content.trim() === "") {
    throw new UsageError(
      "retain needs the text to remember (or - to read stdin)",
      spec.name,
    );
  }
  const [bankId] = banksOf(spec, parsed, io);
  const v = parsed.values;
  const tags = listOption(v["tags"]);
  const metadata = metadataOf(v["metadata"], spec.name);
  const occurredAt = dateOption(v["occurred-at"], "occurred-at", spec.name);
  return await withBrain(parsed, io, spec.name, async (brain) => {
    const result = await brain.retain(content, {
      bankId: bankId!,
      ...(tags ? { tags } : {}),
      ...(metadata ? { metadata } : {}),
      ...(occurredAt ? { occurredAt } : {}),
      ...(typeof v["fact-type"] === "string" ? { factType: v["fact-type"] } : {}),
      ...(typeof v["source"] === "string" ? { source: v["source"] } : {}),
    });
    io.stdout.write(
      v["json"] ? toJson({ bankId, ...result }) : formatRetain(result, bankId!),
    );
    return result.stored ? EXIT.ok : EXIT.failure;
  });
}

async function cmdRecall(
  spec: CommandSpec,
  parsed: ParsedArgs,
  io: Io,
): Promise<number> {
  const query = textOf(parsed);
  if (query.trim() === "") {
    throw new UsageError("recall needs a query", spec.name);
  }
  const banks = banksOf(spec, parsed, io);
  const v = parsed.values;
  const maxResults = intOption(v["max-results"], "max-results", spec.name);
  const maxTokens = intOption(v["max-tokens"], "max-tokens", spec.name);
  const tags = listOption(v["tags"]);
  const factTypes = listOption(v["fact-types"]);
  const strategies = listOption(v["strategies"]);
  for (const s of strategies ?? []) {
    if (!(STRATEGIES as readonly string[]).includes(s)) {
      throw new UsageError(
        `--strategies: unknown strategy ${JSON.stringify(s)} (expected ${STRATEGIES.join(", ")})`,
        spec.name,
      );
    }
  }
  return await withBrain(parsed, io, spec.name, async (brain) => {
    const result = await brain.recall(query, {
      ...(banks.length === 1 ? { bankId: banks[0]! } : { banks }),
      ...(maxResults !== undefined ? { maxResults } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(tags ? { tags } : {}),
      ...(factTypes ? { factTypes } : {}),
      ...(strategies ? { strategies: strategies as (typeof STRATEGIES[number])[] } : {}),
    });
    io.stdout.write(
      v["json"] ? toJson({ query, banks, ...result }) : formatRecall(result, banks),
    );
    return EXIT.ok;
  });
}

async function cmdReflect(
  spec: CommandSpec,
  parsed: ParsedArgs,
  io: Io,
): Promise<number> {
  const query = textOf(parsed);
  if (query.trim() === "") {
    throw new UsageError("reflect needs a question", spec.name);
  }
  const [bankId] = banksOf(spec, parsed, io);
  const v = parsed.values;
  const maxResults = intOption(v["max-results"], "max-results", spec.name);
  const maxTokens = intOption(v["max-tokens"], "max-tokens", spec.name);
  const tags = listOption(v["tags"]);
  return await withBrain(parsed, io, spec.name, async (brain) => {
    const result = await brain.reflect(query, {
      bankId: bankId!,
      ...(maxResults !== undefined ? { maxResults } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(tags ? { tags } : {}),
    });
    io.stdout.write(
      v["json"] ? toJson({ query, bankId, ...result }) : formatReflect(result),
    );
    return EXIT.ok;
  });
}

async function cmdForget(
  spec: CommandSpec,
  parsed: ParsedArgs,
  io: Io,
): Promise<number> {
  const [bankId] = banksOf(spec, parsed, io);
  const v = parsed.values;
  const memoryIds = listOption(v["ids"]);
  const tags = listOption(v["tags"]);
  const beforeDate = dateOption(v["before"], "before", spec.name);
  const all = v["all"] === true;
  const selective = memoryIds !== undefined || tags !== undefined ||
    beforeDate !== undefined;
  if (all && selective) {
    throw new UsageError(
      "--all cannot be combined with --ids, --tags or --before",
      spec.name,
    );
  }
  if (!all && !selective) {
    throw new UsageError(
      "forget needs --ids, --tags, --before or --all",
      spec.name,
    );
  }
  if (all && v["yes"] !== true) {
    throw new UsageError(
      `--all removes everything in bank "${bankId}" from every store: add --yes to confirm`,
      spec.name,
    );
  }
  return await withBrain(parsed, io, spec.name, async (brain) => {
    const result = await brain.forget({
      bankId: bankId!,
      ...(all ? { scope: "all" as const } : {}),
      ...(memoryIds ? { memoryIds } : {}),
      ...(tags ? { tags } : {}),
      ...(beforeDate ? { beforeDate } : {}),
    });
    io.stdout.write(
      v["json"] ? toJson({ bankId, ...result }) : formatForget(result, bankId!),
    );
    return EXIT.ok;
  });
}

async function cmdHealth(
  spec: CommandSpec,
  parsed: ParsedArgs,
  io: Io,
): Promise<number> {
  return await withBrain(parsed, io, spec.name, async (brain) => {
    const health = await brain.health();
    io.stdout.write(
      parsed.values["json"] ? toJson(health) : formatHealth(health),
    );
    return health.healthy ? EXIT.ok : EXIT.failure;
  });
}

async function cmdConformance(
  spec: CommandSpec,
  parsed: ParsedArgs,
  io: Io,
): Promise<number> {
  const v = parsed.values;
  const dimensions = intOption(v["dimensions"], "dimensions", spec.name);
  const largeBatchSize = intOption(
    v["large-batch-size"],
    "large-batch-size",
    spec.name,
  );
  const only = listOption(v["only"]);
  const quiet = v["quiet"] === true;
  const config = loadConfig(await readConfigText(parsed, io, spec.name), {
    env: io.env,
    logger: io.logger,
  });
  const report = await runConformance({
    registry: io.registry,
    config,
    env: io.env,
    logger: io.logger,
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(only ? { only } : {}),
    ...(dimensions !== undefined ? { dimensions } : {}),
    ...(largeBatchSize !== undefined ? { largeBatchSize } : {}),
    keepBanks: v["keep-banks"] === true,
    onSuite: (target, name) => {
      if (quiet) return;
      const dims = target.family === "vectorStore" || target.family === "pageIndexStore"
        ? `, ${target.dimensions} dimensions`
        : "";
      io.stderr.write(`▶ ${name}${dims}\n`);
    },
    onCase: (_suiteName, c) => {
      if (quiet) return;
      const status = c.status === "passed" ? "ok  " : c.status === "failed" ? "FAIL" : "skip";
      const time = c.status === "skipped" ? "" : ` (${Math.round(c.ms)} ms)`;
      io.stderr.write(`  ${status} ${c.name}${time}\n`);
      if (c.status !== "passed" && c.detail) {
        io.stderr.write(`       ${oneLine(c.detail, 200)}\n`);
      }
    },
  });
  io.stdout.write(v["json"] ? toJson(report) : formatConformance(report));
  return report.ok ? EXIT.ok : EXIT.failure;
}

const HANDLERS: Record<
  string,
  (spec: CommandSpec, parsed: ParsedArgs, io: Io) => Promise<number>
> = {
  retain: cmdRetain,
  recall: cmdRecall,
  reflect: cmdReflect,
  forget: cmdForget,
  health: cmdHealth,
  conformance: cmdConformance,
};

function errorLines(e: unknown): string {
  const lines = [`error: ${e instanceof Error ? e.message : String(e)}`];
  let cause = e instanceof Error ? e.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 3; depth++) {
    lines.push(
      `  caused by: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
    );
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines.join("\n") + "\n";
}

/**
 * Run the CLI in-process and return its exit code: 0 success, 1 failure (failed conformance
 * cases, an unhealthy component, a backend error), 2 usage or config error. Nothing calls
 * `Deno.exit`; results go to `stdout`, progress, warnings and errors to `stderr`.
 *
 * @example
 * ```ts ignore
 * import { main } from "@astrocyte/cli";
 *
 * const out: string[] = [];
 * const code = await main(["recall", "dark mode", "--bank", "user-123", "--json"], {
 *   stdout: { write: (t) => out.push(t) },
 * });
 * console.log(code, JSON.parse(out.join("")).hits.length);
 * ```
 */
export async function main(
  args: readonly string[],
  options: MainOptions = {},
): Promise<number> {
  const stderr = options.stderr ?? denoWriter(Deno.stderr);
  const io: Io = {
    stdout: options.stdout ?? denoWriter(Deno.stdout),
    stderr,
    env: options.env ?? Deno.env.toObject(),
    cwd: options.cwd ?? Deno.cwd(),
    stdin: () => options.stdin ?? Deno.stdin.readable,
    registry: options.registry ?? createCliRegistry(),
    logger: { warn: (message) => stderr.write(`warning: ${message}\n`) },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const [first, ...rest] = args;
  if (first === undefined || first === "--help" || first === "-h") {
    (first === undefined ? io.stderr : io.stdout).write(mainHelp(VERSION));
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === "--version" || first === "-V") {
    io.stdout.write(`astrocyte ${VERSION}\n`);
    return EXIT.ok;
  }
  if (first === "help") {
    const topic = rest[0];
    if (topic === undefined) {
      io.stdout.write(mainHelp(VERSION));
      return EXIT.ok;
    }
    const spec = COMMANDS[topic];
    if (!spec) {
      io.stderr.write(
        `error: unknown command ${JSON.stringify(topic)}\n\n${mainHelp(VERSION)}`,
      );
      return EXIT.usage;
    }
    io.stdout.write(commandHelp(spec));
    return EXIT.ok;
  }
  const spec = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!spec) {
    io.stderr.write(
      `error: unknown command ${JSON.stringify(first)}\nRun 'astrocyte --help' for the commands.\n`,
    );
    return EXIT.usage;
  }
  const json = rest.includes("--json");
  try {
    const parsed = parseCommandArgs(spec, rest);
    if (parsed.values["help"]) {
      io.stdout.write(commandHelp(spec));
      return EXIT.ok;
    }
    return await HANDLERS[spec.name]!(spec, parsed, io);
  } catch (e) {
    const usage = e instanceof UsageError || e instanceof ConfigError ||
      e instanceof ValidationError;
    const code = usage ? EXIT.usage : EXIT.failure;
    io.stderr.write(errorLines(e));
    if (e instanceof UsageError) {
      io.stderr.write(
        `Run 'astrocyte ${e.command ?? spec.name} --help' for usage.\n`,
      );
    }
    if (json) {
      io.stdout.write(toJson({
        error: {
          name: e instanceof Error ? e.name : "Error",
          message: e instanceof Error ? e.message : String(e),
          exitCode: code,
        },
      }));
    }
    return code;
  }
}
