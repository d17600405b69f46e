/**
 * Command specs, argument parsing (`node:util` `parseArgs`) and help text of the CLI.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** A command-line mistake: printed with a hint and exit code 2. */
export class UsageError extends Error {
  /** The command the mistake was made in, for the `--help` hint. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** One option of a command. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Value placeholder in help, e.g. `<n>`. */
  value?: string;
  help: string;
}

/** One command. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  description: string;
  options: Record<string, OptionSpec>;
  /** Whether positionals are accepted (joined with spaces into one text). */
  positionals: boolean;
  /** How many banks the command takes (`none`: no `--bank` option). */
  banks: "one" | "many" | "none";
  examples: string[];
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  config: {
    type: "string",
    short: "c",
    value: "<path>",
    help: "astrocyte.yaml to use (default: $ASTROCYTE_CONFIG, then ./astrocyte.yaml)",
  },
  bank: {
    type: "string",
    short: "b",
    multiple: true,
    value: "<id>",
    help: 'Memory bank (default: $ASTROCYTE_BANK, then "default")',
  },
  json: { type: "boolean", help: "Machine-readable JSON on stdout" },
  help: { type: "boolean", short: "h", help: "Show help for the command" },
};

/** The common options that apply to a command. */
export function commonOptions(spec: CommandSpec): Record<string, OptionSpec> {
  if (spec.banks !== "none") return COMMON_OPTIONS;
  const { bank: _bank, ...rest } = COMMON_OPTIONS;
  return rest;
}

/** Every command, in help order. */
export const COMMANDS: Record<string, CommandSpec> = {
  retain: {
    name: "retain",
    banks: "one",
    summary: "Remember a text (or stdin with -)",
    usage: "astrocyte retain <text|-> [options]",
    description: "Chunks, embeds and stores the text in the bank (every configured store).",
    positionals: true,
    options: {
      tags: {
        type: "string",
        multiple: true,
        value: "<a,b>",
        help: "Tags (comma-separated)",
      },
      metadata: {
        type: "string",
        multiple: true,
        value: "<k=v>",
        help: "Metadata entry, repeatable (values are strings)",
      },
      "occurred-at": {
        type: "string",
        value: "<iso>",
        help: "When the remembered event happened (ISO 8601)",
      },
      "fact-type": {
        type: "string",
        value: "<type>",
        help: 'Fact type (default "world")',
      },
      source: {
        type: "string",
        value: "<uri>",
        help: "Where the content came from",
      },
    },
    examples: [
      'astrocyte retain "Calvin prefers dark mode" --bank user-123 --tags prefs',
      "cat notes.md | astrocyte retain - --bank team --metadata origin=notes.md",
    ],
  },
  recall: {
    name: "recall",
    banks: "many",
    summary: "Find the memories most relevant to a query",
    usage: "astrocyte recall <query> [options]",
    description: "Semantic, keyword and graph retrieval in parallel, fused with RRF. Several " +
      "--bank options (or --bank a,b) search several banks.",
    positionals: true,
    options: {
      "max-results": {
        type: "string",
        value: "<n>",
        help: "Maximum hits (default 10)",
      },
      "max-tokens": {
        type: "string",
        value: "<n>",
        help: "Token budget of the hits",
      },
      tags: {
        type: "string",
        multiple: true,
        value: "<a,b>",
        help: "Only memories with a tag",
      },
      "fact-types": {
        type: "string",
        multiple: true,
        value: "<a,b>",
        help: "Only these types",
      },
      strategies: {
        type: "string",
        multiple: true,
        value: "<s,…>",
        help: "semantic, keyword, graph (default: all configured)",
      },
    },
    examples: [
      'astrocyte recall "What does Calvin prefer?" --bank user-123',
      'astrocyte recall "dark mode" --bank user-123,user-456 --max-results 5 --json',
    ],
  },
  reflect: {
    name: "reflect",
    banks: "one",
    summary: "Answer a question from memory",
    usage: "astrocyte reflect <query> [options]",
    description: "Recalls, then asks the LLM to answer from the memories (extractive " +
      "without a completion model).",
    positionals: true,
    options: {
      "max-results": {
        type: "string",
        value: "<n>",
        help: "Memories to use (default 8)",
      },
      "max-tokens": {
        type: "string",
        value: "<n>",
        help: "Token budget of the memories",
      },
      tags: {
        type: "string",
        multiple: true,
        value: "<a,b>",
        help: "Only memories with a tag",
      },
    },
    examples: ['astrocyte reflect "What does Calvin prefer?" --bank user-123'],
  },
  forget: {
    name: "forget",
    banks: "one",
    summary: "Remove memories from every configured store",
    usage: "astrocyte forget (--ids <a,b> | --tags <t> | --before <iso> | --all --yes) [options]",
    description: "Selectors combine with OR. --all removes the whole bank from every store " +
      "and needs --yes.",
    positionals: false,
    options: {
      ids: {
        type: "string",
        multiple: true,
        value: "<a,b>",
        help: "Memory ids",
      },
      tags: {
        type: "string",
        multiple: true,
        value: "<a,b>",
        help: "Memories with any tag",
      },
      before: {
        type: "string",
        value: "<iso>",
        help: "Memories that occurred before",
      },
      all: { type: "boolean", help: "Everything in the bank" },
      yes: { type: "boolean", short: "y", help: "Confirm --all" },
    },
    examples: [
      "astrocyte forget --bank user-123 --tags draft",
      "astrocyte forget --bank user-123 --all --yes",
    ],
  },
  health: {
    name: "health",
    banks: "none",
    summary: "Check every configured store and provider",
    usage: "astrocyte health [options]",
    description: "Exits 1 when any component is unhealthy.",
    positionals: false,
    options: {},
    examples: ["astrocyte health --config prod.yaml --json"],
  },
  conformance: {
    name: "conformance",
    banks: "none",
    summary: "Run the SPI contract suites against the configured backends",
    usage: "astrocyte conformance [options]",
    description: "Runs the contract harness against every backend the config names, each " +
      "case in fresh scratch banks, then deletes every bank the run used. Progress goes to " +
      "stderr, one line per case. Exits 1 when a case fails or cleanup fails.",
    positionals: false,
    options: {
      only: {
        type: "string",
        multiple: true,
        value: "<keys>",
        help: "Config keys to check, e.g. vector_store,document_store",
      },
      dimensions: {
        type: "string",
        value: "<n>",
        help: "Vector dimension (default: the vector_store_config's, else 8)",
      },
      "large-batch-size": {
        type: "string",
        value: "<n>",
        help: "Items in the large-batch cases (default 2000)",
      },
      "keep-banks": {
        type: "boolean",
        help: "Do not delete the scratch banks afterwards",
      },
      quiet: {
        type: "boolean",
        short: "q",
        help: "No per-case progress on stderr",
      },
    },
    examples: [
      "astrocyte conformance --config astrocyte.yaml",
      "astrocyte conformance --only vector_store --json > report.json",
    ],
  },
};

/** Parsed command line of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parse the arguments after the command name; throws {@linkcode UsageError}. */
export function parseCommandArgs(
  spec: CommandSpec,
  args: readonly string[],
): ParsedArgs {
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {};
  for (
    const [name, o] of Object.entries({
      ...commonOptions(spec),
      ...spec.options,
    })
  ) {
    options[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(
      message.replace(/\. To specify a positional argument.*$/s, ""),
      spec.name,
    );
  }
  if (!spec.positionals && parsed.positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument ${JSON.stringify(parsed.positionals[0])}`,
      spec.name,
    );
  }
  return {
    values: parsed.values as ParsedArgs["values"],
    positionals: parsed.positionals,
  };
}

/** Comma-separated, repeatable list option → trimmed non-empty items. */
export function listOption(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const raw = Array.isArray(value) ? value : [value];
  const items = raw.flatMap((v) => String(v).split(",")).map((s) => s.trim())
    .filter((s) => s !== "");
  return items;
}

/** A positive integer option. */
export function intOption(
  value: unknown,
  name: string,
  command: string,
  min = 1,
): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(
      `--${name}: expected an integer ≥ ${min}, got ${JSON.stringify(value)}`,
      command,
    );
  }
  return n;
}

/** An ISO 8601 date option. */
export function dateOption(
  value: unknown,
  name: string,
  command: string,
): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) {
    throw new UsageError(
      `--${name}: expected an ISO 8601 date, got ${JSON.stringify(value)}`,
      command,
    );
  }
  return d;
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : "    "}--${name}${o.value ? ` ${o.value}` : ""}`,
    o.help,
  ]);
  const width = Math.max(0, ...rows.map(([l]) => l!.length)) + 2;
  return rows.map(([l, h]) => `  ${l!.padEnd(width)}${h}`);
}

/** The help of one command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [
    `astrocyte ${spec.name} — ${spec.summary}`,
    "",
    `Usage: ${spec.usage}`,
    "",
    spec.description,
  ];
  if (Object.keys(spec.options).length > 0) {
    lines.push("", "Options:", ...optionLines(spec.options));
  }
  lines.push("", "Common options:", ...optionLines(commonOptions(spec)));
  if (spec.examples.length > 0) {
    lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  }
  return lines.join("\n") + "\n";
}

/** The top-level help. */
export function mainHelp(version: string): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    `astrocyte ${version} — memory for AI agents, from the command line`,
    "",
    "Usage: astrocyte <command> [--config astrocyte.yaml] [--bank <id>] [--json] ...",
    "",
    "Commands:",
    ...Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    `  ${"help".padEnd(width)}Show help for a command`,
    "",
    "Common options:",
    ...optionLines({
      ...COMMON_OPTIONS,
      version: { type: "boolean", short: "V", help: "Print the version" },
    }),
    "",
    "Exit codes: 0 success, 1 failure (failed cases, unhealthy, backend errors), " +
    "2 usage or config error.",
    "Run 'astrocyte <command> --help' for a command's options.",
    "",
  ].join("\n");
}
