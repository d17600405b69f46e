/**
 * Cold start in workerd (a benchmark, not a test): how long a fresh Cloudflare Worker takes
 * from loading its module to answering its first recall.
 *
 * For each variant a minimal worker is bundled with esbuild (minified, workerd conditions)
 * and started in a fresh workerd through Miniflare's Node API, `--runs` times (default 5):
 * - `ready`: `new Miniflare()` until ready — workerd boot plus parsing, compiling and
 *   evaluating the module;
 * - `first`: the first request: `Astrocyte.fromConfig` (registry, config, store set-up),
 *   `retain` and the first answered `recall`;
 * - `warm`: the same request again on the now-warm instance.
 * A hello-world worker measured the same way gives workerd's own boot, so
 * `module load → first recall ≈ (ready − hello ready) + first`. Medians are printed.
 * (Inside workerd the clocks only advance on I/O, so timing is taken from outside.)
 *
 * Variants: `core` (in_memory + mock LLM), `libsql` (libSQL over HTTP → local Hrana server)
 * and `upstash` (→ local emulator). Flags: `--runs N`, `--variants core,libsql`,
 * `--nodejs-compat`.
 *
 * ```sh
 * npx deno run -A scripts/bench/cold_start.ts --runs 5
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { bundle, ROOT, stopBundler } from "../../tests/runtimes/_esbuild.ts";

const args = Deno.args;
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(opt("runs") ?? 5);
const wanted = (opt("variants") ?? "core,libsql,upstash").split(",");
const flags = args.includes("--nodejs-compat") ? ["nodejs_compat"] : [];

const worker = (imports: string, plugins: string, config: string) =>
  `import { Astrocyte, createRegistry, inMemory } from "@astrocyte/core";
${imports}
const registry = createRegistry(...inMemory${plugins});
export default {
  async fetch(request, env) {
    const brain = await Astrocyte.fromConfig(${config}, { registry, env });
    try {
      await brain.retain("Calvin prefers dark mode", { bankId: "cold-start" });
      const { hits } = await brain.recall("What does Calvin prefer?", { bankId: "cold-start" });
      if (hits.length === 0) throw new Error("recall returned nothing");
      return Response.json({ hits: hits.length });
    } finally {
      await brain.close();
    }
  },
};
`;

const VARIANTS: Record<string, { code: string; needs?: "libsql" | "upstash" }> = {
  core: {
    code: worker("", "", `{ vector_store: "in_memory", llm_provider: "mock" }`),
  },
  libsql: {
    needs: "libsql",
    code: worker(
      `import { libsql } from "@astrocyte/libsql";`,
      ", libsql",
      `{ vector_store: "libsql", vector_store_config: { url: env.LIBSQL_URL, dimensions: 128 }, llm_provider: "mock" }`,
    ),
  },
  upstash: {
    needs: "upstash",
    code: worker(
      `import { upstash } from "@astrocyte/upstash";`,
      ", upstash",
      `{ vector_store: "upstash", vector_store_config: { url: env.UPSTASH_VECTOR_REST_URL, token: env.UPSTASH_VECTOR_REST_TOKEN, dimensions: 128 }, llm_provider: "mock" }`,
    ),
  },
};

// workerd only loads scripts below its working directory: build into dist/.
const tmp = join(ROOT, "dist", "cold_start");
await Deno.mkdir(tmp, { recursive: true });
const bindings: Record<string, string> = {};
const closers: (() => Promise<void>)[] = [];
if (wanted.includes("libsql")) {
  const { serveHrana } = await import("../../tests/fixtures/hrana_server.ts");
  const server = await serveHrana();
  bindings.LIBSQL_URL = server.url;
  closers.push(() => server.close());
}
if (wanted.includes("upstash")) {
  const { serveUpstashEmulator } = await import("../../tests/fixtures/upstash_emulator.ts");
  const server = serveUpstashEmulator({ dimension: 128 });
  bindings.UPSTASH_VECTOR_REST_URL = server.url;
  bindings.UPSTASH_VECTOR_REST_TOKEN = server.token;
  closers.push(() => server.close());
}

const scripts: { name: string; file: string; kb: number }[] = [];
const hello = join(tmp, "hello.mjs");
await Deno.writeTextFile(hello, `export default { fetch() { return new Response("ok"); } };\n`);
scripts.push({ name: "hello world (workerd boot)", file: hello, kb: 0 });
for (const name of wanted) {
  const v = VARIANTS[name];
  if (!v) throw new Error(`unknown variant ${name} (known: ${Object.keys(VARIANTS).join(", ")})`);
  const file = join(tmp, `${name}.mjs`);
  const b = await bundle({
    entry: { contents: v.code, resolveDir: ROOT },
    target: flags.length ? "workerd-nodejs-compat" : "workerd",
    minify: true,
    outfile: file,
  });
  scripts.push({ name, file, kb: new TextEncoder().encode(b.code).length / 1024 });
}
await stopBundler();

// Round-robin over the variants, so load changes on the machine hit every variant alike.
const jobs = Array.from({ length: runs }, () =>
  scripts.map((s) => ({
    name: s.name,
    script: s.file,
    flags,
    bindings,
    path: "/",
    repeat: 2,
  }))).flat();
await Deno.writeTextFile(join(tmp, "jobs.json"), JSON.stringify({ jobs }));
const out = await new Deno.Command("node", {
  args: ["tests/runtimes/_miniflare_runner.mjs", join(tmp, "jobs.json"), join(tmp, "res.json")],
  cwd: ROOT,
  stdout: "piped",
  stderr: "piped",
}).output();
for (const close of closers) await close();
if (out.code !== 0) {
  console.error(new TextDecoder().decode(out.stderr).slice(-3000));
  throw new Error(`miniflare runner exited with ${out.code}`);
}
const results = JSON.parse(await Deno.readTextFile(join(tmp, "res.json"))) as {
  name: string;
  status?: number;
  readyMs?: number;
  requestMs: number[];
  error?: string;
  body?: unknown;
}[];
await Deno.remove(tmp, { recursive: true });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
};
const ms = (n: number): string => Number.isNaN(n) ? "—" : `${n.toFixed(0)} ms`;
const helloReady = median(
  results.filter((r) => r.name === scripts[0]!.name && r.readyMs).map((r) => r.readyMs!),
);
console.log(
  `workerd cold start, median of ${runs} fresh instances${flags.length ? " (nodejs_compat)" : ""}`,
);
console.log(
  "variant                    | bundle   | ready    | first    | warm     | module load → first recall",
);
console.log("-".repeat(100));
for (const s of scripts) {
  const rs = results.filter((r) => r.name === s.name);
  const ok = rs.filter((r) => !r.error && r.status === 200 && r.requestMs.length === 2);
  if (ok.length === 0) {
    const why = rs[0]?.error ?? JSON.stringify(rs[0]?.body ?? "").slice(0, 200);
    console.log(`${s.name.padEnd(26)} | failed: ${why.split("\n")[0]}`);
    continue;
  }
  const ready = median(ok.map((r) => r.readyMs!));
  const first = median(ok.map((r) => r.requestMs[0]!));
  const warm = median(ok.map((r) => r.requestMs[1]!));
  const total = s === scripts[0] ? NaN : ready - helloReady + first;
  console.log(
    `${s.name.padEnd(26)} | ${(s.kb ? `${s.kb.toFixed(0)} KB` : "—").padEnd(8)} | ${
      ms(ready).padEnd(8)
    } | ${ms(first).padEnd(8)} | ${ms(warm).padEnd(8)} | ${ms(total)}`,
  );
}
