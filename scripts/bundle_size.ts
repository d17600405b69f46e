/**
 * `deno task bench:bundle`: the minified and gzipped size of a minimal Cloudflare Worker using
 * core alone, core + the YAML parser, and core + each adapter, bundled with esbuild (npm) for
 * workerd (`--platform=browser --conditions=workerd,worker,browser --minify`), next to the raw
 * SDK each adapter wraps. Fails (exit 1) when a budget in `scripts/bundle_budgets.json` is
 * overrun, when a bundle does not build, or when a bundle for the workerd target has any
 * unresolved import — `node:` built-ins included, since a worker without `nodejs_compat`
 * cannot load them (Miniflare and wrangler both refuse such a bundle).
 *
 * Sizes: minified bytes and gzip level 9 (`node:zlib`), 1 KB = 1024 bytes. An adapter's own
 * cost is `gzip(core + adapter) − gzip(core + its SDK used directly)`.
 *
 * Flags:
 * - `--peers`: also measure `@langchain/community`'s `LibSQLVectorStore` and Mastra's
 *   `@mastra/libsql` `LibSQLVector` for comparison ("not installed" when absent);
 *   `--peers-dir <dir>` is where their `node_modules` is (default: the repository root).
 * - `--why`: list the largest inputs of every bundle (always shown for an overrun).
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { bundle, ROOT, stopBundler } from "../tests/runtimes/_esbuild.ts";

interface Budgets {
  core: number;
  adapters: Record<string, number>;
}

interface Measured {
  label: string;
  min?: number;
  gz?: number;
  budget?: number;
  /** Gzip size compared with the budget (differs from `gz` for adapter deltas). */
  checked?: number;
  status: string;
  failed: boolean;
  inputs?: Record<string, number>;
  note?: string;
}

const budgets = JSON.parse(
  await Deno.readTextFile(join(ROOT, "scripts", "bundle_budgets.json")),
) as Budgets;
const args = Deno.args;
const why = args.includes("--why");
const peersIndex = args.indexOf("--peers-dir");
const peersDir = peersIndex >= 0 ? args[peersIndex + 1]! : ROOT;

const kb = (n: number | undefined): string => n === undefined ? "—" : `${(n / 1024).toFixed(1)} KB`;

/** A minimal worker: build the facade from `config` with `plugins`, retain and recall. */
function coreWorker(o: {
  imports?: string;
  plugins?: string;
  config: string;
  sdk?: string;
}): string {
  return `import { Astrocyte, createRegistry, inMemory } from "@astrocyte/core";
${o.imports ?? ""}
const registry = createRegistry(...inMemory${o.plugins ? `, ${o.plugins}` : ""});
export default {
  async fetch(request, env) {
    ${o.sdk ?? ""}
    const brain = await Astrocyte.fromConfig(${o.config}, { registry, env });
    await brain.retain("Calvin prefers dark mode", { bankId: "user-1" });
    const { hits } = await brain.recall("What does Calvin prefer?", { bankId: "user-1" });
    return Response.json(hits);
  },
};
`;
}

const OBJECT_CONFIG = `{ vector_store: "in_memory", llm_provider: "mock" }`;

interface AdapterSpec {
  id: string;
  sdkLabel: string;
  /** Import lines and a statement using the SDK directly (undefined: no SDK, plain fetch). */
  sdk?: { imports: string; use: string };
  imports: string;
  plugin: string;
  config: string;
}

const ADAPTERS: AdapterSpec[] = [
  {
    id: "libsql",
    sdkLabel: "@libsql/client/web",
    sdk: {
      imports: `import { createClient } from "@libsql/client/web";`,
      use: `await createClient({ url: env.LIBSQL_URL }).execute("select 1");`,
    },
    imports: `import { libsql } from "@astrocyte/libsql";`,
    plugin: "libsql",
    config:
      `{ vector_store: "libsql", vector_store_config: { url: "\${LIBSQL_URL}" }, document_store: "libsql", document_store_config: { url: "\${LIBSQL_URL}" }, llm_provider: "mock" }`,
  },
  {
    id: "postgres",
    sdkLabel: "@neondatabase/serverless",
    sdk: {
      imports: `import { neon, Pool } from "@neondatabase/serverless";`,
      use:
        'await neon(env.DATABASE_URL)`select 1`; await new Pool({ connectionString: env.DATABASE_URL }).query("select 1");',
    },
    imports: `import { postgres } from "@astrocyte/postgres";`,
    plugin: "postgres",
    config:
      `{ vector_store: "postgres", vector_store_config: { url: "\${DATABASE_URL}" }, document_store: "postgres", document_store_config: { url: "\${DATABASE_URL}" }, llm_provider: "mock" }`,
  },
  {
    id: "upstash",
    sdkLabel: "@upstash/vector/cloudflare",
    sdk: {
      imports: `import { Index } from "@upstash/vector/cloudflare";`,
      use:
        `await new Index({ url: env.UPSTASH_VECTOR_REST_URL, token: env.UPSTASH_VECTOR_REST_TOKEN }).info();`,
    },
    imports: `import { upstash } from "@astrocyte/upstash";`,
    plugin: "upstash",
    config: `{ vector_store: "upstash", llm_provider: "mock" }`,
  },
  {
    id: "openai",
    sdkLabel: "(no SDK: fetch)",
    imports: `import { openai } from "@astrocyte/openai";`,
    plugin: "openai",
    config: `{ vector_store: "in_memory", llm_provider: "openai" }`,
  },
];

interface Built {
  min: number;
  gz: number;
  inputs: Record<string, number>;
  unresolved: string[];
}

async function build(
  contents: string,
  resolveDir = ROOT,
  external: string[] = [],
): Promise<Built | { error: string }> {
  try {
    const r = await bundle({
      entry: { contents, resolveDir },
      target: "workerd",
      minify: true,
      external,
    });
    return {
      min: new TextEncoder().encode(r.code).length,
      gz: gzipSync(r.code, { level: 9 }).length,
      inputs: r.inputs,
      // Without nodejs_compat a node: built-in is as unresolved as a missing package.
      unresolved: [...r.unresolved, ...r.nodeBuiltins],
    };
  } catch (e) {
    return { error: String(e instanceof Error ? e.message : e).split("\n").slice(0, 3).join(" ") };
  }
}

const rows: Measured[] = [];

function record(
  label: string,
  b: Built | { error: string },
  opts: { budget?: number; strict?: boolean; note?: string } = {},
): Built | undefined {
  const strict = opts.strict ?? true;
  if ("error" in b) {
    rows.push({ label, status: `does not build: ${b.error}`, failed: strict });
    return undefined;
  }
  const problems: string[] = [];
  if (b.unresolved.length > 0) {
    problems.push(`${b.unresolved.length} unresolved import(s) for workerd`);
  }
  const over = opts.budget !== undefined && b.gz > opts.budget;
  if (over) problems.push(`over budget by ${kb(b.gz - opts.budget!)}`);
  rows.push({
    label,
    min: b.min,
    gz: b.gz,
    ...(opts.budget !== undefined ? { budget: opts.budget, checked: b.gz } : {}),
    status: problems.length ? problems.join(", ") : opts.budget !== undefined ? "ok" : "",
    failed: strict && problems.length > 0,
    inputs: b.inputs,
    ...(b.unresolved.length
      ? {
        note: `unresolved: ${b.unresolved.slice(0, 4).join("; ")}${
          b.unresolved.length > 4 ? `; … ${b.unresolved.length - 4} more` : ""
        }`,
      }
      : {}),
    ...(opts.note ? { note: opts.note } : {}),
  });
  return b;
}

// Core ------------------------------------------------------------------------------------------
const core = record(
  "core: fromConfig(object) + inMemory",
  await build(coreWorker({ config: OBJECT_CONFIG })),
  { budget: budgets.core },
);
record(
  "  core without js-yaml (if YAML were opt-in)",
  await build(coreWorker({ config: OBJECT_CONFIG }), ROOT, ["js-yaml"]),
  { strict: false, note: "js-yaml kept external: what core weighs when YAML is not reachable" },
);
record(
  "YAML parser alone (js-yaml)",
  await build(
    `import { load } from "js-yaml";\nexport default { fetch() { return Response.json(load("a: 1")); } };\n`,
  ),
);
record(
  "core: fromConfig(YAML text) + inMemory",
  await build(
    coreWorker({ config: JSON.stringify("vector_store: in_memory\nllm_provider: mock\n") }),
  ),
);

// Adapters --------------------------------------------------------------------------------------
for (const a of ADAPTERS) {
  if (a.sdk) {
    record(
      `${a.sdkLabel} alone`,
      await build(
        `${a.sdk.imports}\nexport default { async fetch(request, env) { ${a.sdk.use} return new Response("ok"); } };\n`,
      ),
    );
  }
  const base = a.sdk
    ? record(
      `core + ${a.sdkLabel} (used directly)`,
      await build(coreWorker({ config: OBJECT_CONFIG, imports: a.sdk.imports, sdk: a.sdk.use })),
    )
    : core;
  const withAdapter = record(
    `core + @astrocyte/${a.id}`,
    await build(coreWorker({ config: a.config, imports: a.imports, plugins: a.plugin })),
  );
  const budget = budgets.adapters[a.id];
  if (base && withAdapter) {
    const delta = withAdapter.gz - base.gz;
    const over = budget !== undefined && delta > budget;
    rows.push({
      label: `  @astrocyte/${a.id} on top of core + SDK`,
      min: withAdapter.min - base.min,
      gz: delta,
      ...(budget !== undefined ? { budget, checked: delta } : {}),
      status: over ? `over budget by ${kb(delta - budget!)}` : budget !== undefined ? "ok" : "",
      failed: over,
      inputs: Object.fromEntries(
        Object.entries(withAdapter.inputs).filter(([f]) => !(f in base.inputs)),
      ),
    });
  } else {
    rows.push({
      label: `  @astrocyte/${a.id} on top of core + SDK`,
      status: "not measured (a bundle failed)",
      failed: true,
    });
  }
}

// Peers -----------------------------------------------------------------------------------------
if (args.includes("--peers")) {
  const installed = (pkg: string) =>
    existsSync(join(peersDir, "node_modules", pkg, "package.json"));
  const version = (pkg: string) =>
    JSON.parse(Deno.readTextFileSync(join(peersDir, "node_modules", pkg, "package.json"))).version;
  const peers = [
    {
      pkg: "@langchain/community",
      label: "@langchain/community LibSQLVectorStore + @libsql/client",
      code: `import { LibSQLVectorStore } from "@langchain/community/vectorstores/libsql";
import { createClient } from "@libsql/client";
const embeddings = { embedQuery: async () => [0, 0, 1], embedDocuments: async (d) => d.map(() => [0, 0, 1]) };
export default {
  async fetch(request, env) {
    const store = new LibSQLVectorStore(embeddings, { db: createClient({ url: env.LIBSQL_URL }), table: "vectors", column: "embedding" });
    await store.addDocuments([{ pageContent: "Calvin prefers dark mode", metadata: {} }]);
    return Response.json(await store.similaritySearch("What does Calvin prefer?", 4));
  },
};
`,
    },
    {
      pkg: "@mastra/libsql",
      label: "@mastra/libsql LibSQLVector",
      code: `import { LibSQLVector } from "@mastra/libsql";
export default {
  async fetch(request, env) {
    const store = new LibSQLVector({ connectionUrl: env.LIBSQL_URL });
    await store.createIndex({ indexName: "memories", dimension: 3 });
    await store.upsert({ indexName: "memories", vectors: [[0, 0, 1]], metadata: [{ text: "Calvin prefers dark mode" }] });
    return Response.json(await store.query({ indexName: "memories", queryVector: [0, 0, 1], topK: 4 }));
  },
};
`,
    },
  ];
  for (const p of peers) {
    if (!installed(p.pkg)) {
      rows.push({ label: `${p.label} (peer)`, status: "not installed", failed: false });
      continue;
    }
    record(`${p.label} ${version(p.pkg)} (peer)`, await build(p.code, peersDir), { strict: false });
  }
}

await stopBundler();

// Report ----------------------------------------------------------------------------------------
const width = Math.max(...rows.map((r) => r.label.length));
const header = `${"bundle (workerd, minified)".padEnd(width)} | ${"minified".padStart(9)} | ${
  "gzip".padStart(9)
} | ${"budget".padStart(9)} | status`;
console.log(header);
console.log("-".repeat(header.length + 20));
for (const r of rows) {
  console.log(
    `${r.label.padEnd(width)} | ${kb(r.min).padStart(9)} | ${kb(r.gz).padStart(9)} | ${
      kb(r.budget).padStart(9)
    } | ${r.failed ? "FAIL: " : ""}${r.status}`,
  );
}
console.log("");
for (const r of rows) {
  if (r.note) console.log(`${r.label.trim()}: ${r.note}`);
  if (!r.inputs || !(why || (r.failed && r.budget !== undefined))) continue;
  const top = Object.entries(r.inputs).sort((x, y) => y[1] - x[1]).slice(0, 8);
  console.log(`${r.label.trim()}: largest inputs (minified bytes in output)`);
  for (const [file, bytes] of top) console.log(`    ${kb(bytes).padStart(9)}  ${file}`);
}
const failures = rows.filter((r) => r.failed);
console.log(
  failures.length === 0
    ? "bundle sizes: OK"
    : `bundle sizes: FAILED (${failures.map((r) => r.label.trim()).join("; ")})`,
);
Deno.exit(failures.length === 0 ? 0 : 1);
