import assert from "node:assert/strict";
import {
  type AdapterPlugin,
  createInMemoryDocumentStore,
  createInMemoryEngineProvider,
  createInMemoryGraphStore,
  createInMemoryMentalModelStore,
  createInMemoryPageIndexStore,
  createInMemorySourceStore,
  createInMemoryVectorStore,
  createInMemoryWikiStore,
  createMockLLMProvider,
  createRegistry,
  inMemory,
  loadConfig,
  mockLLM,
  type Registry,
  ValidationError,
} from "@astrocyte/core";
import { parseLibsqlOptions } from "@astrocyte/libsql";
import { parseOpenAIOptions } from "@astrocyte/openai";
import { parsePostgresOptions } from "@astrocyte/postgres";
import { parseUpstashOptions } from "@astrocyte/upstash";
import {
  type ConformanceReport,
  createCliRegistry,
  main,
  type MainOptions,
  VERSION,
} from "./mod.ts";

const ROOT = new URL("../", import.meta.url);
const EXAMPLES = new URL("examples/", ROOT);

const IN_MEMORY_YAML = `
provider_tier: storage
vector_store: in_memory
document_store: in_memory
graph_store: in_memory
llm_provider: mock
llm_provider_config:
  embedding_dimensions: 256
`;

const ALL_IN_MEMORY_YAML = `
provider_tier: storage
vector_store: in_memory
document_store: in_memory
graph_store: in_memory
wiki_store: in_memory
mental_model_store: in_memory
source_store: in_memory
pageindex_store: in_memory
provider: in_memory
llm_provider: mock
`;

/**
 * An `in_memory` plugin whose factories hand out views of ONE instance per family (close is a
 * no-op), so state outlives a CLI invocation like a real database; every string argument and
 * `bankId` field the stores see is recorded.
 */
function sharedInMemory(dimensions?: number) {
  const stores = {
    vectorStore: createInMemoryVectorStore(dimensions ? { dimensions } : {}),
    documentStore: createInMemoryDocumentStore(),
    graphStore: createInMemoryGraphStore(),
    wikiStore: createInMemoryWikiStore(),
    mentalModelStore: createInMemoryMentalModelStore(),
    sourceStore: createInMemorySourceStore(),
    pageIndexStore: createInMemoryPageIndexStore(),
    engineProvider: createInMemoryEngineProvider(),
  };
  const seen = new Set<string>();
  const note = (v: unknown, depth = 0): void => {
    if (typeof v === "string") seen.add(v);
    else if (Array.isArray(v) && depth === 0) v.forEach((x) => note(x, 1));
    else if (v && typeof v === "object" && typeof (v as { bankId?: unknown }).bankId === "string") {
      seen.add((v as { bankId: string }).bankId);
    }
  };
  const view = <S extends object>(store: S): S =>
    new Proxy(store, {
      get(target, prop) {
        if (prop === "close" || prop === Symbol.asyncDispose) return () => Promise.resolve();
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          args.forEach((a) => note(a));
          return value.apply(target, args);
        };
      },
    });
  const plugin: AdapterPlugin = {
    name: "in_memory",
    spiVersion: 1,
    vectorStore: () => view(stores.vectorStore),
    documentStore: () => view(stores.documentStore),
    graphStore: () => view(stores.graphStore),
    wikiStore: () => view(stores.wikiStore),
    mentalModelStore: () => view(stores.mentalModelStore),
    sourceStore: () => view(stores.sourceStore),
    pageIndexStore: () => view(stores.pageIndexStore),
    engineProvider: () => view(stores.engineProvider),
  };
  return { registry: createRegistry(plugin, mockLLM), stores, seen };
}

/** Rows left in the listable stores for every bank id (and any other string) the stores saw. */
async function leftovers(shared: ReturnType<typeof sharedInMemory>): Promise<string[]> {
  const s = shared.stores;
  const found: string[] = [];
  const count = async (what: string, bank: string, list: () => Promise<unknown[]>) => {
    try {
      const n = (await list()).length;
      if (n > 0) found.push(`${what} ${JSON.stringify(bank)}: ${n}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
    }
  };
  for (const b of shared.seen) {
    await count("vectors", b, () => s.vectorStore.listVectors(b));
    await count("documents", b, () => s.documentStore.listDocuments(b));
    await count("wiki pages", b, () => s.wikiStore.listPages(b));
    await count("sources", b, () => s.sourceStore.listDocuments(b));
    await count("mental models", b, () => s.mentalModelStore.list(b));
  }
  return found;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  // deno-lint-ignore no-explicit-any
  json: () => any;
}

async function tempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "astrocyte_cli_" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

async function run(args: string[], options: MainOptions = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    env: {},
    stdout: { write: (t) => out.push(t) },
    stderr: { write: (t) => err.push(t) },
    ...options,
  });
  const stdout = out.join("");
  return { code, stdout, stderr: err.join(""), json: () => JSON.parse(stdout) };
}

Deno.test("cli: retain → recall → reflect → forget → health round trip with --json", async () => {
  const cwd = await tempDir({ "astrocyte.yaml": IN_MEMORY_YAML });
  const shared = sharedInMemory();
  const opts = { cwd, registry: shared.registry };
  try {
    const r1 = await run([
      "retain",
      "Calvin prefers dark mode in every editor.",
      "--bank",
      "user-123",
      "--tags",
      "prefs,ui",
      "--metadata",
      "origin=test",
      "--json",
    ], opts);
    assert.equal(r1.code, 0, r1.stderr);
    const retained = r1.json();
    assert.equal(retained.stored, true);
    assert.equal(retained.bankId, "user-123");
    assert.equal(typeof retained.memoryId, "string");

    const stdin = new Blob(["Ada lives in London and likes tea."]).stream();
    const r2 = await run(["retain", "-", "-b", "user-123", "--tags", "draft", "--json"], {
      ...opts,
      stdin,
    });
    assert.equal(r2.code, 0, r2.stderr);
    await run(["retain", "Calvin prefers light roast coffee.", "--bank", "user-999"], opts);

    const r3 = await run(
      ["recall", "What does Calvin prefer?", "--bank", "user-123", "--json"],
      opts,
    );
    assert.equal(r3.code, 0, r3.stderr);
    const recalled = r3.json();
    assert.equal(recalled.hits[0].memoryId, retained.memoryId);
    assert.deepEqual(recalled.hits[0].tags, ["prefs", "ui"]);
    assert.deepEqual(recalled.hits[0].metadata.origin, "test");
    assert.ok(recalled.hits.every((h: { bankId: string }) => h.bankId === "user-123"));
    assert.deepEqual([...recalled.trace.strategiesUsed].sort(), ["graph", "keyword", "semantic"]);
    assert.equal(typeof recalled.trace.strategyTimingsMs.semantic, "number");

    const multi = await run(
      ["recall", "Calvin prefers", "--bank", "user-123,user-999", "--max-results", "5", "--json"],
      opts,
    );
    assert.equal(multi.code, 0, multi.stderr);
    const banks = new Set(multi.json().hits.map((h: { bankId: string }) => h.bankId));
    assert.deepEqual([...banks].sort(), ["user-123", "user-999"]);

    const human = await run(["recall", "dark mode", "--bank", "user-123"], opts);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /hits? in bank "user-123"/);
    assert.match(human.stdout, /dark mode/);
    assert.match(human.stdout, /trace: semantic \d+ in [\d.]+ ms/);

    const r4 = await run(
      ["reflect", "What does Calvin prefer?", "--bank", "user-123", "--json"],
      opts,
    );
    assert.equal(r4.code, 0, r4.stderr);
    assert.match(r4.json().answer, /dark mode/);
    assert.ok(r4.json().sources.length > 0);

    const r5 = await run(["forget", "--bank", "user-123", "--tags", "draft", "--json"], opts);
    assert.equal(r5.code, 0, r5.stderr);
    assert.equal(r5.json().deletedCount, 1);
    const r6 = await run(
      ["forget", "--bank", "user-123", "--ids", retained.memoryId, "--json"],
      opts,
    );
    assert.equal(r6.json().deletedCount, 1);
    const after = await run(["recall", "Calvin Ada", "--bank", "user-123", "--json"], opts);
    assert.deepEqual(after.json().hits, [], "both memories are gone from every strategy");

    const r7 = await run(["forget", "--bank", "user-999", "--all", "--yes", "--json"], opts);
    assert.equal(r7.json().deletedCount, 1);
    assert.deepEqual(await leftovers(shared), []);

    const r8 = await run(["health", "--json"], opts);
    assert.equal(r8.code, 0, r8.stderr);
    assert.equal(r8.json().healthy, true);
    assert.deepEqual(Object.keys(r8.json().components).sort(), [
      "documentStore",
      "graphStore",
      "llm",
      "vectorStore",
    ]);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("cli: usage and config errors exit 2 with a message on stderr", async () => {
  const cwd = await tempDir({
    "astrocyte.yaml": IN_MEMORY_YAML,
    "bad.yaml": "vector_store: nosuch\nllm_provider: mock\n",
  });
  try {
    const cases: [string[], RegExp][] = [
      [[], /Usage: astrocyte <command>/],
      [["frobnicate"], /unknown command "frobnicate"/],
      [["recall"], /recall needs a query/],
      [["recall", "x", "--max-results", "zero"], /--max-results: expected an integer/],
      [["recall", "x", "--strategies", "psychic"], /unknown strategy "psychic"/],
      [["recall", "x", "--no-such-flag"], /Unknown option '--no-such-flag'/],
      [["retain", "x", "--metadata", "novalue"], /expected key=value/],
      [["retain", "x", "--bank", "a", "--bank", "b"], /retain takes one --bank/],
      [["forget", "--bank", "b"], /forget needs --ids, --tags, --before or --all/],
      [["forget", "--bank", "b", "--all"], /add --yes to confirm/],
      [["forget", "--bank", "b", "--all", "--yes", "--tags", "t"], /cannot be combined/],
      [["forget", "--before", "yesterday-ish"], /expected an ISO 8601 date/],
      [["health", "--bank", "b"], /Unknown option '--bank'/],
      [["health", "--config", "missing.yaml"], /Config file not found/],
      [["health", "--config", "bad.yaml"], /nosuch/],
      [["retain", "x", "--bank", "bad bank id!"], /Invalid bank id/],
      [["conformance", "--only", "vector_stor"], /Unknown config key "vector_stor"/],
      [["conformance", "--only", "wiki_store"], /does not set wiki_store/],
    ];
    for (const [args, pattern] of cases) {
      const r = await run(args, { cwd, registry: createRegistry(inMemory) });
      assert.equal(r.code, 2, `${args.join(" ")} → ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(" "));
    }
    const noConfig = await run(["health"], { cwd: `${cwd}/..` });
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /No astrocyte\.yaml in .*--config/);

    const json = await run(["recall", "--json"], { cwd });
    assert.equal(json.code, 2);
    assert.equal(json.json().error.exitCode, 2);
    assert.match(json.json().error.message, /needs a query/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("cli: --help per command, help <command>, --version", async () => {
  for (const command of ["retain", "recall", "reflect", "forget", "health", "conformance"]) {
    const r = await run([command, "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^astrocyte ${command} — `));
    assert.match(r.stdout, new RegExp(`Usage: astrocyte ${command}`));
    assert.deepEqual(await run(["help", command]).then((h) => h.stdout), r.stdout);
  }
  const top = await run(["--help"]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /conformance\s+Run the SPI contract suites/);
  const version = await run(["--version"]);
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", import.meta.url)));
  assert.equal(version.stdout, `astrocyte ${denoJson.version}\n`);
  assert.equal(VERSION, denoJson.version);
});

Deno.test("cli: health exits 1 when a component is unhealthy", async () => {
  const cwd = await tempDir({ "astrocyte.yaml": IN_MEMORY_YAML });
  const sick: AdapterPlugin = {
    name: "mock",
    spiVersion: 1,
    llmProvider: () => ({
      ...createMockLLMProvider(),
      health: () => Promise.resolve({ healthy: false, message: "quota exhausted" }),
    }),
  };
  try {
    const r = await run(["health"], { cwd, registry: createRegistry(inMemory[0], sick) });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /UNHEALTHY/);
    assert.match(r.stdout, /FAIL\s+llm\s+quota exhausted/);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("cli: conformance on in_memory passes every suite and leaves no bank behind", async () => {
  const cwd = await tempDir({ "astrocyte.yaml": ALL_IN_MEMORY_YAML });
  try {
    // Every case shares one instance per family, like a real deployment's database.
    const shared = sharedInMemory(8);
    const r = await run(["conformance", "--json", "--large-batch-size", "200"], {
      cwd,
      registry: shared.registry,
    });
    assert.equal(r.code, 0, r.stdout.slice(0, 2000));
    const report: ConformanceReport = r.json();
    assert.equal(report.ok, true);
    assert.equal(report.failed, 0);
    assert.ok(report.passed > 250, `passed ${report.passed}`);
    assert.deepEqual(report.suites.map((s) => s.configKey), [
      "vector_store",
      "document_store",
      "graph_store",
      "wiki_store",
      "mental_model_store",
      "source_store",
      "pageindex_store",
      "provider",
      "llm_provider",
    ]);
    assert.ok(
      report.cleanup.banks > 100 && report.cleanup.deletedRows > 0,
      JSON.stringify(report.cleanup),
    );
    assert.deepEqual(report.cleanup.errors, []);
    // One progress line per case on stderr, none on stdout.
    const caseLines = r.stderr.split("\n").filter((l) => /^ {2}(ok |FAIL|skip)/.test(l));
    assert.equal(caseLines.length, report.passed + report.failed + report.skipped);
    // Listing every bank the stores ever saw finds nothing.
    assert.ok(shared.seen.size > report.cleanup.banks);
    assert.deepEqual(await leftovers(shared), []);

    // The same check finds the scratch data when cleanup is skipped (it can fail).
    const kept = sharedInMemory(8);
    const k = await run(["conformance", "--keep-banks", "--quiet", "--large-batch-size", "50"], {
      cwd,
      registry: kept.registry,
    });
    assert.equal(k.code, 0, k.stdout);
    assert.equal(k.stderr, "");
    assert.match(k.stdout, /scratch banks kept: \d+ \(--keep-banks\)/);
    assert.ok((await leftovers(kept)).length > 50);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("cli: conformance exits 1 and names the failing cases of a broken store", async () => {
  const cwd = await tempDir({ "astrocyte.yaml": IN_MEMORY_YAML });
  const broken: AdapterPlugin = {
    name: "in_memory",
    spiVersion: 1,
    vectorStore: (config) => {
      const store = createInMemoryVectorStore({ dimensions: Number(config["dimensions"]) });
      // Reports every delete as done but removes nothing.
      return new Proxy(store, {
        get: (target, prop) =>
          prop === "delete"
            ? (ids: string[]) => Promise.resolve(ids.length)
            : Reflect.get(target, prop, target),
      });
    },
  };
  try {
    const r = await run(["conformance", "--only", "vector_store", "--large-batch-size", "50"], {
      cwd,
      registry: createRegistry(broken, mockLLM),
    });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^FAIL {2}VectorStore contract \(vector_store: in_memory\): \d+ passed, [1-9]\d* failed/m,
    );
    assert.match(r.stdout, /failed: .*delete/);
    assert.match(r.stderr, /^ {2}FAIL .*delete/m);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("cli: a libSQL file config persists between invocations and passes conformance", async () => {
  const cwd = await tempDir();
  const yaml = `
vector_store: libsql
vector_store_config: { url: "file:${cwd}/memory.db", dimensions: 64 }
document_store: libsql
document_store_config: { url: "file:${cwd}/memory.db" }
llm_provider: mock
llm_provider_config: { embedding_dimensions: 64 }
`;
  await Deno.writeTextFile(`${cwd}/astrocyte.yaml`, yaml);
  try {
    const a = await run(["retain", "Grace Hopper wrote the first compiler", "-b", "hist"], { cwd });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /^Retained 1 chunk in bank "hist": [0-9a-f]+\n$/);
    const b = await run(["recall", "compiler", "-b", "hist", "--json"], { cwd });
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.json().hits[0].text, /Grace Hopper/);
    const c = await run([
      "conformance",
      "--only",
      "vector_store",
      "--quiet",
      "--large-batch-size",
      "100",
      "--json",
    ], { cwd });
    assert.equal(c.code, 0, c.stdout.slice(0, 2000));
    assert.equal(c.json().failed, 0);
    assert.equal(c.json().cleanup.errors.length, 0);
    // Only the memory retained above is left in the database.
    const d = await run(["recall", "compiler", "-b", "hist", "--json"], { cwd });
    assert.equal(d.json().hits.length, 1);
    const { createClient } = await import("npm:@libsql/client@^0.18.0");
    const client = createClient({ url: `file:${cwd}/memory.db` });
    try {
      const rows = await client.execute(
        "SELECT (SELECT count(*) FROM astrocyte_vectors) AS v, " +
          "(SELECT count(*) FROM astrocyte_documents) AS d",
      );
      assert.deepEqual([Number(rows.rows[0]!["v"]), Number(rows.rows[0]!["d"])], [1, 1]);
    } finally {
      client.close();
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("examples: every example config loads and its adapters accept their options", async () => {
  const env = {
    LIBSQL_URL: "libsql://example.turso.io",
    LIBSQL_AUTH_TOKEN: "token",
    OPENAI_API_KEY: "sk-test",
    DATABASE_URL: "postgres://u:p@localhost/db",
    UPSTASH_VECTOR_REST_URL: "https://example.upstash.io",
    UPSTASH_VECTOR_REST_TOKEN: "token",
  };
  const registry: Registry = createCliRegistry();
  const files = [...Deno.readDirSync(EXAMPLES)].filter((f) => f.name.endsWith(".yaml"));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) };
    const config = loadConfig(await Deno.readTextFile(new URL(f.name, EXAMPLES)), { env, logger });
    const c = config as Record<string, unknown>;
    for (const key of ["vector_store", "document_store", "llm_provider"]) {
      const adapter = c[key] as string;
      assert.ok(
        registry.has(key === "llm_provider" ? "llmProvider" : "vectorStore", adapter) ||
          registry.has("documentStore", adapter),
        `${f.name}: ${key}`,
      );
      const options = (c[`${key}_config`] ?? {}) as Record<string, unknown>;
      if (adapter === "libsql") {
        parseLibsqlOptions(options, { env, logger, field: `${key}_config` });
      }
      if (adapter === "postgres") {
        parsePostgresOptions(options, `${key}_config`, (k) => warnings.push(k));
      }
      if (adapter === "upstash") parseUpstashOptions(options, logger, key);
      if (adapter === "openai") parseOpenAIOptions(options, env);
    }
    assert.deepEqual(warnings, [], f.name);
  }
  const corpus = JSON.parse(await Deno.readTextFile(new URL("corpus/memories.json", EXAMPLES)));
  assert.ok(corpus.length >= 10 && corpus.length <= 20);
  assert.equal(new Set(corpus.map((e: { bank: string }) => e.bank)).size, 2);
});

Deno.test("examples: the embedded configs are healthy through the CLI", async () => {
  const cwd = await tempDir();
  try {
    // pglite.yaml is only parsed (above): a fresh PGlite takes ~15 s to initialise here, and
    // the postgres adapter's own suites cover PGlite.
    for (const name of ["astrocyte.yaml", "in_memory.yaml"]) {
      const r = await run(["health", "--config", new URL(name, EXAMPLES).pathname, "--json"], {
        cwd,
        env: { LIBSQL_URL: `file:${cwd}/memory.db` },
      });
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.equal(r.json().healthy, true, name);
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("demo: deno task demo runs the walkthrough and leaves its database", async () => {
  const cwd = await tempDir();
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("deno.json", ROOT).pathname,
        new URL("scripts/demo.ts", ROOT).pathname,
      ],
      cwd,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    for (
      const heading of [
        /^1\. Open examples\/astrocyte\.yaml/m,
        /^2\. Retain 18 memories/m,
        /^3\. Recall /m,
        /^4\. Hybrid vs semantic-only/m,
        /^5\. Recall .* across both banks/m,
        /^6\. Reflect /m,
        /^7\. Forget /m,
      ]
    ) assert.match(stdout, heading);
    assert.match(stdout, /health: healthy/);
    assert.match(stdout, /trace: semantic \d+ in [\d.]+ ms · keyword \d+ in [\d.]+ ms/);
    assert.match(stdout, /deleted 2 memories/);
    assert.match(stdout, /0 draft memories among/);
    const db = await Deno.stat(`${cwd}/.astrocyte/demo.db`);
    assert.ok(db.isFile && db.size > 0);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
