/**
 * `deno task test:runtimes`: the contract harness, unchanged, on Deno, Node, Bun and workerd
 * (with and without `nodejs_compat`), for core and every adapter.
 *
 * 1. Starts the local servers the enabled legs need, in this process (the same fixtures the
 *    Deno suite uses: fake OpenAI, Hrana libSQL server, PGlite + Neon WebSocket bridge + Neon
 *    HTTP shim, Upstash emulator).
 * 2. Bundles one entry per leg and runtime with esbuild (npm): `--platform=browser
 *    --conditions=workerd,worker,browser` for workerd (without `nodejs_compat`,
 *    `node:assert/strict` is replaced by `_assert_shim.ts`, so no `node:` module is left),
 *    `--platform=node` for Node and Bun. Deno runs the legs from source.
 * 3. Runs them: `deno run` (inline binder), `node --test` and `bun test` (node:test binder,
 *    one test per case), workerd through Miniflare's Node API (inline binder, the JSON
 *    report fetched from the worker).
 * 4. Prints the table runtime × suite → passed / failed / skipped (with every reason) and
 *    exits non-zero on any failure, error or missing report.
 *
 * To keep CI in minutes, two columns skip the adapter legs unless `--full` is given, each
 * with its reason in the table: Deno (the same contract suites run against the same
 * fixtures in `deno task test`) and workerd with `nodejs_compat` (core and openai run there;
 * the adapters run on workerd without flags, the stricter case).
 *
 * Options: `--legs core,openai,…`, `--runtimes deno,node,bun,workerd,workerd-compat`,
 * `--full`, `--concurrency N` (runtime processes at once, default 2).
 *
 * @module
 */
import { join } from "node:path";
import { bundle, ROOT, stopBundler, type Target } from "./_esbuild.ts";
import type { Endpoints, LegReport, RuntimeContext, RuntimeName } from "./_types.ts";
import { formatSummary, isGreen, type RunResults } from "./_summary.ts";

/** Every leg, in table order. */
const LEGS = ["core", "openai", "libsql", "postgres", "upstash"] as const;
type LegId = typeof LEGS[number];

/**
 * Legs switched off everywhere, with the reason shown in the table. An adapter leg is listed
 * here only while its package does not export its plugin or its Deno contract tests fail.
 */
const DISABLED: Partial<Record<LegId, string>> = {};

/** Per-process time limit of one leg (a hung driver must not hang CI). */
const LEG_TIMEOUT_MS = 300_000;

interface RuntimeSpec {
  id: string;
  label: string;
  runtime: RuntimeName;
  prefix: string;
  target?: Target;
  flags?: string[];
  /** Legs this column runs only with `--full`, and why. */
  fullOnly?: { legs: readonly LegId[]; reason: string };
}

const ADAPTER_LEGS: readonly LegId[] = ["libsql", "postgres", "upstash"];

const RUNTIMES: RuntimeSpec[] = [
  {
    id: "deno",
    label: "deno",
    runtime: "deno",
    prefix: "rt_deno_",
    fullOnly: {
      legs: ADAPTER_LEGS,
      reason: "the same contract suites run on Deno in `deno task test` " +
        "(tests/libsql_*, tests/postgres_*, adapters/upstash/*_test.ts); `--full` runs them here",
    },
  },
  { id: "node", label: "node", runtime: "node", prefix: "rt_node_", target: "node" },
  { id: "bun", label: "bun", runtime: "bun", prefix: "rt_bun_", target: "bun" },
  {
    id: "workerd",
    label: "workerd",
    runtime: "workerd",
    prefix: "rt_wd_",
    target: "workerd",
    flags: [],
  },
  {
    id: "workerd-compat",
    label: "workerd+nodejs_compat",
    runtime: "workerd",
    prefix: "rt_wdc_",
    target: "workerd-nodejs-compat",
    flags: ["nodejs_compat"],
    fullOnly: {
      legs: ADAPTER_LEGS,
      reason: "adapters run on workerd without flags (the stricter case); `--full` runs them " +
        "with nodejs_compat too",
    },
  },
];

/** Native or WASM packages the Node/Bun bundles load from node_modules at run time. */
const NODE_EXTERNALS = ["ws", "libsql", "@libsql/linux-*", "@electric-sql/*"];

const NODE = "node";
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const DIST = join(ROOT, "dist", "runtimes");

function argList(name: string): string[] | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  const v = i >= 0 ? Deno.args[i + 1] : Deno.args.find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
  return v ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
}

const log = (msg: string): void => console.error(`[runtimes] ${msg}`);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

interface Proc {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

async function runProcess(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<Proc> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
    const dec = new TextDecoder();
    return {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      timedOut: signal.aborted,
    };
  } catch (e) {
    return { code: -1, stdout: "", stderr: String(e), timedOut: signal.aborted };
  }
}

const tail = (text: string, lines = 25): string =>
  text.trim().split("\n").slice(-lines).map((l) => `    ${l}`).join("\n");

async function readReport(path: string): Promise<LegReport | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as LegReport;
  } catch {
    return undefined;
  }
}

function reportFailed(r: LegReport): number {
  let n = 0;
  for (const g of r.groups) {
    if (g.error !== undefined) n++;
    for (const s of g.suites) n += s.failed;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------

const legs = (argList("legs") ?? [...LEGS]).filter((l): l is LegId => {
  if ((LEGS as readonly string[]).includes(l)) return true;
  throw new Error(`unknown leg ${l} (known: ${LEGS.join(", ")})`);
});
const runtimes = (() => {
  const wanted = argList("runtimes");
  if (!wanted) return RUNTIMES;
  for (const w of wanted) {
    if (!RUNTIMES.some((r) => r.id === w)) {
      throw new Error(`unknown runtime ${w} (known: ${RUNTIMES.map((r) => r.id).join(", ")})`);
    }
  }
  return RUNTIMES.filter((r) => wanted.includes(r.id));
})();
const enabled = legs.filter((l) => DISABLED[l] === undefined);
const full = Deno.args.includes("--full");
const concurrency = Number(argList("concurrency")?.[0] ?? 2);
/** Legs one column runs. */
const legsOf = (rt: RuntimeSpec): LegId[] =>
  enabled.filter((l) => full || !rt.fullOnly?.legs.includes(l));

const results: RunResults = {
  runtimes: runtimes.map((r) => r.label),
  legs: [...legs],
  reports: [],
  missing: [],
  disabled: legs.filter((l) => DISABLED[l] !== undefined).map((l) => ({
    leg: l,
    reason: DISABLED[l]!,
  })),
  columnSkips: runtimes.flatMap((rt) =>
    enabled.filter((l) => !legsOf(rt).includes(l)).map((leg) => ({
      runtime: rt.label,
      leg,
      reason: rt.fullOnly!.reason,
    }))
  ),
};
const timings: string[] = [];
const started = performance.now();

// 1. Local servers ------------------------------------------------------------------------------
const closers: (() => Promise<void>)[] = [];
const endpoints: Endpoints = {};
const t0 = performance.now();
if (enabled.includes("openai")) {
  const { startOpenAIFakeServer } = await import("../fixtures/openai_server.ts");
  const key = "sk-runtime-legs-0123456789";
  const server = startOpenAIFakeServer({ apiKey: key });
  endpoints.openaiUrl = server.baseUrl;
  endpoints.openaiKey = key;
  closers.push(() => server.close());
}
if (enabled.includes("libsql")) {
  const { serveHrana } = await import("../fixtures/hrana_server.ts");
  const server = await serveHrana();
  endpoints.libsqlUrl = server.url;
  closers.push(() => server.close());
}
// Postgres: one fixture process per concurrent Postgres leg (each PGlite is one session, so
// two runtimes must not share one; test-infra.md §1, pitfalls 3-4).
const pgFixtures: Endpoints[] = [];
const pgLegs = runtimes.filter((rt) => legsOf(rt).includes("postgres")).length;
if (enabled.includes("postgres") && pgLegs > 0) {
  const n = Math.max(1, Math.min(concurrency, pgLegs));
  const started = await Promise.all(Array.from({ length: n }, async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", "tests/runtimes/_pg_fixture.ts"],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    reader.releaseLock();
    child.stdout.cancel().catch(() => {});
    const writer = child.stdin.getWriter();
    closers.push(async () => {
      await writer.close().catch(() => {});
      const timer = setTimeout(() => child.kill(), 10_000);
      await child.status;
      clearTimeout(timer);
    });
    try {
      return JSON.parse(text.split("\n")[0]!) as Endpoints;
    } catch {
      throw new Error(`the Postgres fixture did not start: ${text.slice(0, 300)}`);
    }
  }));
  pgFixtures.push(...started);
  Object.assign(endpoints, started[0]);
}
if (enabled.includes("upstash")) {
  const { serveUpstashEmulator } = await import("../fixtures/upstash_emulator.ts");
  const dense = serveUpstashEmulator({ dimension: 8 });
  const sparse = serveUpstashEmulator({ indexType: "SPARSE" });
  endpoints.upstashUrl = dense.url;
  endpoints.upstashSparseUrl = sparse.url;
  endpoints.upstashToken = dense.token;
  closers.push(() => dense.close(), () => sparse.close());
}
log(`local servers up in ${secs(performance.now() - t0)}: ${Object.keys(endpoints).join(", ")}`);
const tmpDir = await Deno.makeTempDir({ prefix: "astrocyte-runtimes-" });

const contextFor = (rt: RuntimeSpec, pgSlot = 0): RuntimeContext => ({
  runtime: rt.runtime,
  label: rt.label,
  endpoints: { ...endpoints, ...pgFixtures[pgSlot] },
  tablePrefix: rt.prefix,
  ...(rt.runtime === "workerd" ? {} : { tmpDir }),
});

// 2. Bundles ------------------------------------------------------------------------------------
const bundles = new Map<string, string>(); // `${runtime}/${leg}` → file
const tb = performance.now();
for (const rt of runtimes) {
  if (!rt.target) continue;
  for (const leg of legsOf(rt)) {
    const worker = rt.runtime === "workerd";
    const file = join(DIST, rt.id, worker ? `${leg}.mjs` : `${leg}.test.mjs`);
    const contents = worker
      ? `import { leg } from "./legs/${leg}.ts";\nimport { workerFor } from "./_entry_worker.ts";\nexport default workerFor(leg);\n`
      : `import { leg } from "./legs/${leg}.ts";\nimport { runWithNodeTest } from "./_entry_node.ts";\nawait runWithNodeTest(leg);\n`;
    try {
      const b = await bundle({
        entry: { contents, resolveDir: join(ROOT, "tests", "runtimes") },
        target: rt.target,
        outfile: file,
        assertShim: rt.target === "workerd",
        ...(worker ? {} : { external: NODE_EXTERNALS }),
      });
      if (b.unresolved.length > 0) {
        log(`${rt.label}/${leg}: unresolved imports kept external: ${b.unresolved.join("; ")}`);
      }
      if (rt.target === "workerd" && b.nodeBuiltins.length > 0) {
        log(
          `${rt.label}/${leg}: node: imports without nodejs_compat: ${b.nodeBuiltins.join("; ")}`,
        );
      }
      bundles.set(`${rt.id}/${leg}`, file);
    } catch (e) {
      results.missing.push({
        runtime: rt.label,
        leg,
        error: `bundle failed: ${String(e instanceof Error ? e.message : e).slice(0, 800)}`,
      });
    }
  }
}
await stopBundler();
log(`bundled in ${secs(performance.now() - tb)}`);

// 3. Runs ---------------------------------------------------------------------------------------
async function runSubprocessLeg(rt: RuntimeSpec, leg: LegId, slot: number): Promise<void> {
  const reportPath = join(tmpDir, `${rt.id}-${leg}.json`);
  const env = {
    ...Deno.env.toObject(),
    ASTROCYTE_RT_CONTEXT: JSON.stringify(contextFor(rt, slot)),
    ASTROCYTE_RT_REPORT: reportPath,
    NO_COLOR: "1",
  };
  let cmd: string;
  let args: string[];
  if (rt.runtime === "deno") {
    cmd = Deno.execPath();
    args = ["run", "--allow-all", "--quiet", "tests/runtimes/_entry_deno.ts", leg];
  } else {
    const file = bundles.get(`${rt.id}/${leg}`);
    if (!file) return; // bundle failure already recorded
    if (rt.runtime === "node") {
      cmd = NODE;
      args = ["--test", "--test-reporter=dot", file];
    } else {
      cmd = BUN;
      args = ["test", file];
    }
  }
  const t = performance.now();
  const p = await runProcess(cmd, args, env, LEG_TIMEOUT_MS);
  const ms = performance.now() - t;
  const report = await readReport(reportPath);
  timings.push(`${rt.label}/${leg} ${secs(ms)}`);
  if (!report) {
    results.missing.push({
      runtime: rt.label,
      leg,
      error: p.timedOut
        ? `timed out after ${secs(LEG_TIMEOUT_MS)}`
        : `no report (exit code ${p.code})`,
    });
    log(`${rt.label}/${leg}: no report (exit ${p.code})\n${tail(p.stdout)}\n${tail(p.stderr)}`);
    return;
  }
  results.reports.push(report);
  const failed = reportFailed(report);
  if (p.code !== 0 && failed === 0) {
    results.missing.push({
      runtime: rt.label,
      leg,
      error: `runner exited with code ${p.code} although every case passed`,
    });
    log(`${rt.label}/${leg}: exit ${p.code}\n${tail(p.stdout)}\n${tail(p.stderr)}`);
  } else if (failed > 0 && p.code === 0 && rt.runtime !== "deno") {
    results.missing.push({
      runtime: rt.label,
      leg,
      error: `runner exited 0 although ${failed} case(s) failed`,
    });
  }
  log(`${rt.label}/${leg}: ${secs(ms)}${failed > 0 ? `, ${failed} failed` : ""}`);
}

async function runWorkerd(rt: RuntimeSpec, leg: LegId, slot: number): Promise<void> {
  const jobs = [leg].filter((leg) => bundles.has(`${rt.id}/${leg}`)).map((leg) => ({
    name: leg,
    script: bundles.get(`${rt.id}/${leg}`)!,
    flags: rt.flags ?? [],
    bindings: { RT_CONTEXT: JSON.stringify(contextFor(rt, slot)) },
    perGroup: true,
  }));
  if (jobs.length === 0) return;
  const jobsPath = join(tmpDir, `${rt.id}-${leg}-jobs.json`);
  const resultsPath = join(tmpDir, `${rt.id}-${leg}-results.json`);
  await Deno.writeTextFile(jobsPath, JSON.stringify({ compatibilityDate: "2025-09-01", jobs }));
  const t = performance.now();
  const p = await runProcess(
    NODE,
    ["tests/runtimes/_miniflare_runner.mjs", jobsPath, resultsPath],
    { ...Deno.env.toObject(), NO_COLOR: "1" },
    LEG_TIMEOUT_MS * jobs.length,
  );
  let out: {
    name: LegId;
    status?: number;
    body?: unknown;
    error?: string;
    readyMs?: number;
    totalMs?: number;
  }[] = [];
  try {
    out = JSON.parse(await Deno.readTextFile(resultsPath));
  } catch {
    log(`${rt.label}: miniflare runner failed (exit ${p.code})\n${tail(p.stderr)}`);
  }
  for (const job of jobs) {
    const r = out.find((x) => x.name === job.name);
    const body = r?.body as (LegReport & { error?: string }) | undefined;
    if (r && r.status === 200 && body && Array.isArray(body.groups)) {
      results.reports.push(body);
      timings.push(`${rt.label}/${job.name} ${secs(r.totalMs ?? 0)}`);
      log(
        `${rt.label}/${job.name}: ${secs(r.totalMs ?? 0)} (workerd ready ${secs(r.readyMs ?? 0)})`,
      );
      continue;
    }
    const why = r?.error ?? (body?.error ? `worker error: ${body.error}` : undefined) ??
      (r ? `HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 400)}` : undefined) ??
      (p.timedOut ? "timed out" : `runner exit ${p.code}: ${p.stderr.slice(-400)}`);
    results.missing.push({ runtime: rt.label, leg: job.name, error: why });
    log(`${rt.label}/${job.name}: ${why.split("\n")[0]} (${secs(performance.now() - t)})`);
  }
}

interface Task {
  name: string;
  run: (slot: number) => Promise<void>;
  cost: number;
  /** A resource with a fixed number of slots (one task per slot at a time). */
  resource?: string;
}

/**
 * Run tasks with at most `n` at once, heaviest first. A task naming a resource waits for a
 * free slot of it and learns its slot number (e.g. which Postgres fixture to use).
 */
async function schedule(tasks: Task[], n: number, slots: Record<string, number>): Promise<void> {
  const queue = [...tasks].sort((a, b) => b.cost - a.cost);
  const free = new Map(
    Object.entries(slots).map(([k, count]) => [k, Array.from({ length: count }, (_, i) => i)]),
  );
  const running = new Set<Promise<void>>();
  while (queue.length > 0 || running.size > 0) {
    const i = queue.findIndex((t) => !t.resource || (free.get(t.resource)?.length ?? 0) > 0);
    if (running.size < n && i >= 0) {
      const task = queue.splice(i, 1)[0]!;
      const slot = task.resource ? free.get(task.resource)!.shift()! : 0;
      const p: Promise<void> = task.run(slot).finally(() => {
        if (task.resource) free.get(task.resource)!.push(slot);
        running.delete(p);
      });
      running.add(p);
      continue;
    }
    await Promise.race(running);
  }
}

try {
  // Rough relative cost of each leg.
  const cost: Record<LegId, number> = { core: 1, openai: 0.5, libsql: 4, postgres: 6, upstash: 1 };
  const tasks: Task[] = [];
  for (const rt of runtimes) {
    for (const leg of legsOf(rt)) {
      tasks.push({
        name: `${rt.id}/${leg}`,
        run: (slot) =>
          rt.runtime === "workerd" ? runWorkerd(rt, leg, slot) : runSubprocessLeg(rt, leg, slot),
        cost: cost[leg],
        ...(leg === "postgres" ? { resource: "postgres" } : {}),
      });
    }
  }
  await schedule(tasks, concurrency, { postgres: Math.max(1, pgFixtures.length) });
} finally {
  for (const close of closers.reverse()) await close().catch(() => {});
  await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
}

// 4. Summary ------------------------------------------------------------------------------------
console.log("");
console.log("Runtime legs: runtime × suite → passed / FAILED / skipped");
console.log("");
console.log(formatSummary(results));
console.log("");
const groupTimes = results.reports.flatMap((r) =>
  r.groups.filter((g) => g.ms).map((g) => ({ name: `${r.runtime}/${g.id}`, ms: g.ms! }))
).sort((a, b) => b.ms - a.ms);
console.log(`wall time ${secs(performance.now() - started)} with ${concurrency} at once`);
console.log(`per process: ${timings.join(", ")}`);
if (groupTimes.length > 0) {
  console.log(
    `slowest groups: ${groupTimes.slice(0, 8).map((g) => `${g.name} ${secs(g.ms)}`).join(", ")}`,
  );
}
const green = isGreen(results);
console.log(green ? "runtime legs: OK" : "runtime legs: FAILED");
Deno.exit(green ? 0 : 1);
