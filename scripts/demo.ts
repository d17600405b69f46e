/**
 * `deno task demo`: a walkthrough of Astrocyte on the embedded default — a libSQL file under
 * `.astrocyte/` and the deterministic mock LLM — over the bundled corpus in
 * `examples/corpus/memories.json`: retain into two banks, recall (with the trace), hybrid
 * against semantic-only recall, multi-bank recall, reflect, and forget. Runs offline in a few
 * seconds and leaves the database at `.astrocyte/demo.db` for the CLI to explore.
 *
 * @module
 */
import {
  Astrocyte,
  createRegistry,
  inMemory,
  loadConfig,
  type RecallResult,
} from "@astrocyte/core";
import { libsql } from "@astrocyte/libsql";
import { formatHits, formatTrace } from "../cli/_format.ts";

const CONFIG_PATH = new URL("../examples/astrocyte.yaml", import.meta.url);
const CORPUS_PATH = new URL("../examples/corpus/memories.json", import.meta.url);
const DB_URL = "file:.astrocyte/demo.db";

interface CorpusEntry {
  bank: string;
  text: string;
  tags?: string[];
  occurred_at?: string;
}

const t0 = performance.now();
const out = (line = ""): void => console.log(line);
const indent = (lines: string[], by = "   "): void => lines.forEach((l) => out(by + l));
const ms = (start: number): string => `${(performance.now() - start).toFixed(1)} ms`;
const warnings: string[] = [];

/** Word-wrap a text into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.trim().split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

function section(n: number, title: string): void {
  out();
  out(`${n}. ${title}`);
}

function showRecall(result: RecallResult, showBank = false): void {
  indent(formatHits(result.hits, { showBank }));
  if (result.hits.length === 0) out("   (no hits)");
  indent(formatTrace(result.trace));
}

out("Astrocyte demo: the embedded default (libSQL file + mock LLM), offline");
out("=".repeat(72));

// 1. Config and stores -----------------------------------------------------------------------
await Deno.mkdir(".astrocyte", { recursive: true });
const yaml = await Deno.readTextFile(CONFIG_PATH);
const brain = await Astrocyte.fromConfig(yaml, {
  registry: createRegistry(inMemory, libsql),
  // The demo writes its own file, whatever LIBSQL_URL says in your shell.
  env: { LIBSQL_URL: DB_URL },
  logger: { warn: (m) => warnings.push(m) },
});
try {
  section(1, "Open examples/astrocyte.yaml through the explicit registry");
  out(`   LIBSQL_URL=${DB_URL} (substituted into vector_store_config.url)`);
  const config = loadConfig(yaml, { env: { LIBSQL_URL: DB_URL } }) as Record<string, unknown>;
  const keys = ["vector_store", "document_store", "graph_store", "llm_provider"]
    .filter((k) => typeof config[k] === "string")
    .map((k) => `${k}=${config[k]}`);
  out(`   tier ${brain.tier}: ${keys.join(", ")}`);
  const health = await brain.health();
  out(
    `   health: ${health.healthy ? "healthy" : "UNHEALTHY"} (${
      Object.entries(health.components).map(([k, h]) => `${k} ${h.healthy ? "ok" : "FAIL"}`)
        .join(", ")
    })`,
  );

  // 2. Retain --------------------------------------------------------------------------------
  const corpus = JSON.parse(await Deno.readTextFile(CORPUS_PATH)) as CorpusEntry[];
  const banks = [...new Set(corpus.map((e) => e.bank))];
  let reset = 0;
  for (const bankId of banks) reset += (await brain.forget({ bankId, scope: "all" })).deletedCount;
  section(2, `Retain ${corpus.length} memories from examples/corpus/memories.json`);
  if (reset > 0) out(`   (cleared ${reset} memories left by a previous run of the demo)`);
  const tRetain = performance.now();
  const idsByText = new Map<string, string>();
  for (const entry of corpus) {
    const r = await brain.retain(entry.text, {
      bankId: entry.bank,
      ...(entry.tags ? { tags: entry.tags } : {}),
      ...(entry.occurred_at ? { occurredAt: new Date(entry.occurred_at) } : {}),
    });
    if (!r.stored) throw new Error(`retain failed: ${r.error}`);
    idsByText.set(entry.text, r.memoryId!);
  }
  for (const bankId of banks) {
    const entries = corpus.filter((e) => e.bank === bankId);
    const tags = [...new Set(entries.flatMap((e) => e.tags ?? []))].sort();
    out(`   ${bankId.padEnd(12)} ${entries.length} memories, tags: ${tags.join(", ")}`);
  }
  out(
    `   each chunked, embedded (mock LLM, 384 dims), stored as a vector, mirrored as an FTS5 ` +
      `document with the same id${brain.stores.graphStore ? " and linked to its entities" : ""}` +
      ` in ${ms(tRetain)}`,
  );

  // 3. Recall --------------------------------------------------------------------------------
  const q1 = "Who is on call for the payments service?";
  section(3, `Recall "${q1}" in team-atlas`);
  out("   rank, fused RRF score, memory id, tags, text; then the trace (candidates per strategy)");
  showRecall(await brain.recall(q1, { bankId: "team-atlas", maxResults: 3 }));

  // 4. Hybrid vs semantic-only -----------------------------------------------------------------
  const q2 = "status of the payments service after INC-2291";
  const target = corpus.find((e) => e.text.includes("INC-2291"))!;
  section(4, `Hybrid vs semantic-only on "${q2}"`);
  const rank = (r: RecallResult): string => {
    const i = r.hits.findIndex((h) => h.memoryId === idsByText.get(target.text));
    return i < 0 ? "not in the top 5" : `rank ${i + 1}`;
  };
  const only = (strategy: "semantic" | "keyword") =>
    brain.recall(q2, { bankId: "team-atlas", maxResults: 5, strategies: [strategy] });
  const semanticOnly = await only("semantic");
  const keywordOnly = await only("keyword");
  const hybrid = await brain.recall(q2, { bankId: "team-atlas", maxResults: 5 });
  out(
    `   the INC-2291 memory: semantic only ${rank(semanticOnly)}, keyword only ` +
      `${rank(keywordOnly)}, hybrid ${rank(hybrid)}`,
  );
  out("   (the common words favour other payments memories; only the keyword path sees the id)");
  out("   semantic only:");
  showRecall(semanticOnly);
  out("   hybrid (semantic + keyword fused with RRF, k = 60):");
  showRecall(hybrid);

  // 5. Filters and several banks ---------------------------------------------------------------
  const q3 = "editor preferences and who owns search ranking";
  section(5, `Recall "${q3}" across both banks`);
  showRecall(await brain.recall(q3, { banks, maxResults: 4 }), true);
  out(`   with tags=[preferences] in user-calvin:`);
  showRecall(
    await brain.recall("what does Calvin like", {
      bankId: "user-calvin",
      tags: ["preferences"],
      maxResults: 5,
    }),
  );

  // 6. Reflect ------------------------------------------------------------------------------
  const q4 = "Which editor and display mode are preferred?";
  section(6, `Reflect "${q4}" in user-calvin`);
  const reflected = await brain.reflect(q4, { bankId: "user-calvin", maxResults: 2 });
  out("   answer (mock LLM: extractive, cites the memories it used):");
  indent(wrap(reflected.answer, 90), "     ");
  out(`   from ${reflected.sources?.length ?? 0} recalled memories:`);
  indent(formatHits(reflected.sources ?? []));

  // 7. Forget -------------------------------------------------------------------------------
  section(7, "Forget the memories tagged draft in team-atlas (every configured store)");
  const forgotten = await brain.forget({ bankId: "team-atlas", tags: ["draft"] });
  out(`   deleted ${forgotten.deletedCount} memories`);
  const after = await brain.recall("draft proposal", { bankId: "team-atlas", maxResults: 3 });
  const left = after.hits.filter((h) => h.tags?.includes("draft")).length;
  out(
    `   recall "draft proposal" afterwards: ${left} draft memories among ${after.hits.length} hits`,
  );
  indent(formatHits(after.hits));
} finally {
  await brain.close();
}

out();
out("=".repeat(72));
out(`Done in ${ms(t0)}. The database stays at .astrocyte/demo.db; explore it with the CLI:`);
out(
  `  LIBSQL_URL=${DB_URL} deno task astrocyte recall "dark mode" --bank user-calvin ` +
    "--config examples/astrocyte.yaml",
);
if (warnings.length > 0) {
  out();
  out(`${warnings.length} warning(s):`);
  indent(warnings);
}
