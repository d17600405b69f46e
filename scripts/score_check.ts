/**
 * The offline JSR score of every workspace package, mirroring jsr-io/jsr's `generate_score`
 * (see shared/reference/jsr-and-style.md §2), plus a check that `deno publish --dry-run` ships
 * exactly the intended files.
 *
 * Per package (14 offline points):
 * - `hasReadme` (2): a README among the *published* files, or a module doc on `"."`;
 * - `hasReadmeExamples` (1): a fence in that README, or a fence / `@example` in the `"."`
 *   module doc;
 * - `allEntrypointsDocs` (1): every entry point has a module doc (`"."` is excused by a README);
 * - `percentageDocumentedSymbols` (5): `floor(min(pct / 0.8, 1) × 5)` over the exported
 *   declarations of every entry point (`deno doc --json`);
 * - `allFastCheck` (5): no slow-type diagnostics in `deno publish --dry-run`.
 *
 * The other 4 points (provenance, description, two runtime-compatibility flags) exist only on
 * jsr.io. Published files must not include tests (`*_test.ts`), benches (`*_bench.ts`),
 * `testdata/`, `fixtures/` or `tests/`.
 *
 * ```sh
 * npx deno task check:score [--root <dir>] [--dry-run-output <file>]
 * ```
 *
 * Prints a table and exits 1 unless every package has all 14 offline points, the dry run
 * succeeded and no forbidden file is published.
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------
// The dry run
// ---------------------------------------------------------------------------------------------

/** One package as listed by `deno publish --dry-run`. */
export interface DryRunPackage {
  /** Package name. */
  name: string;
  /** Version. */
  version: string;
  /** Absolute paths of the files it would publish. */
  files: string[];
}

/** One diagnostic printed by the dry run. */
export interface DryRunDiagnostic {
  /** The code, e.g. `missing-explicit-return-type`. */
  code: string;
  /** The message. */
  message: string;
  /** The absolute path it points at, when given. */
  file?: string;
}

/** The parsed output of `deno publish --dry-run`. */
export interface DryRunResult {
  /** Whether it printed `Success Dry run complete`. */
  success: boolean;
  /** Packages with their file lists. */
  packages: DryRunPackage[];
  /** `error[...]` diagnostics. */
  diagnostics: DryRunDiagnostic[];
}

function toPath(fileOrUrl: string): string {
  return fileOrUrl.startsWith("file://")
    ? decodeURIComponent(new URL(fileOrUrl).pathname)
    : fileOrUrl;
}

/**
 * Parse the (colourless) output of `deno publish --dry-run`.
 *
 * @param output Combined stdout and stderr.
 * @returns The packages, their files and the diagnostics.
 */
export function parseDryRun(output: string): DryRunResult {
  const packages: DryRunPackage[] = [];
  const diagnostics: DryRunDiagnostic[] = [];
  let current: DryRunPackage | undefined;
  let pending: DryRunDiagnostic | undefined;
  // deno-lint-ignore no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  for (const line of lines) {
    const sim = /^Simulating publish of (@[^@\s]+\/[^@\s]+)@(\S+) with files:/.exec(line);
    if (sim) {
      current = { name: sim[1]!, version: sim[2]!, files: [] };
      packages.push(current);
      continue;
    }
    const file = /^\s+(file:\/\/\S+|\/\S+)\s+\([\d.]+\s*[KMG]?B\)\s*$/.exec(line);
    if (current && file) {
      current.files.push(toPath(file[1]!));
      continue;
    }
    current = undefined;
    const diag = /^(?:error|warning)\[([\w-]+)\]:\s*(.*)$/.exec(line);
    if (diag) {
      pending = { code: diag[1]!, message: diag[2]! };
      diagnostics.push(pending);
      continue;
    }
    const at = /^\s*-->\s*(\S+?)(?::\d+:\d+)?\s*$/.exec(line);
    if (pending && at && pending.file === undefined) pending.file = toPath(at[1]!);
  }
  return { success: /Success Dry run complete/.test(output), packages, diagnostics };
}

/**
 * Whether a diagnostic code is a slow-type (fast check) error.
 *
 * @param code The diagnostic code.
 * @returns Whether it costs the `allFastCheck` points.
 */
export function isSlowTypeCode(code: string): boolean {
  return /^(missing-explicit-|unsupported-)/.test(code) || code === "no-slow-types";
}

/** Patterns of files that must never be published. */
export const FORBIDDEN_PUBLISHED: readonly RegExp[] = [
  /_test\.[cm]?[jt]sx?$/,
  /\.test\.[cm]?[jt]sx?$/,
  /_bench\.[cm]?[jt]sx?$/,
  /(^|\/)testdata\//,
  /(^|\/)fixtures\//,
  /(^|\/)tests\//,
];

/**
 * The files among `files` (paths relative to the package) that must not be published.
 *
 * @param files Published file paths relative to the package directory.
 * @returns The offending paths.
 */
export function forbiddenFiles(files: readonly string[]): string[] {
  return files.filter((f) => FORBIDDEN_PUBLISHED.some((re) => re.test(f)));
}

// ---------------------------------------------------------------------------------------------
// Documentation points
// ---------------------------------------------------------------------------------------------

/** The part of `deno doc --json` (format version 2) this script reads. */
export interface DocJson {
  /** Module URL → module. */
  nodes: Record<string, {
    module_doc?: { doc?: string; tags?: { kind: string }[] };
    symbols?: {
      name?: string;
      declarations?: {
        declarationKind?: string;
        jsDoc?: { doc?: string; tags?: unknown[] };
      }[];
    }[];
  }>;
}

/** The documentation factors of one package. */
export interface DocScore {
  /** `hasReadme`. */
  hasReadme: boolean;
  /** `hasReadmeExamples`. */
  hasExamples: boolean;
  /** `allEntrypointsDocs`. */
  allEntrypointsDocs: boolean;
  /** Share of documented exported declarations, 0..1. */
  documented: number;
  /** Points for the share (0..5). */
  documentedPoints: number;
  /** Undocumented exported symbols (names), for the report. */
  undocumented: string[];
  /** Entry points without a module doc. */
  missingModuleDocs: string[];
}

const FENCE = "`".repeat(3);

/**
 * Compute the documentation factors from `deno doc --json` output.
 *
 * @param doc The parsed `deno doc --json` of every entry point.
 * @param mainUrl The URL of the `"."` entry point.
 * @param readme The published README's text, or `undefined`.
 * @returns The factors.
 */
export function docScore(doc: DocJson, mainUrl: string, readme: string | undefined): DocScore {
  const mainDoc = doc.nodes[mainUrl]?.module_doc;
  const mainText = mainDoc?.doc?.trim() ?? "";
  const hasReadme = readme !== undefined || mainText !== "";
  const hasExamples = (readme?.includes(FENCE) ?? false) || mainText.includes(FENCE) ||
    (mainDoc?.tags?.some((t) => t.kind === "example") ?? false);
  let total = 0;
  let documented = 0;
  const undocumented: string[] = [];
  const missingModuleDocs: string[] = [];
  for (const [url, mod] of Object.entries(doc.nodes)) {
    const hasModuleDoc = !!mod.module_doc &&
      ((mod.module_doc.doc?.trim() ?? "") !== "" || (mod.module_doc.tags?.length ?? 0) > 0);
    if (!hasModuleDoc && !(url === mainUrl && readme !== undefined)) missingModuleDocs.push(url);
    for (const s of mod.symbols ?? []) {
      for (const d of s.declarations ?? []) {
        if (d.declarationKind === "private") continue;
        total++;
        if ((d.jsDoc?.doc?.trim() ?? "") !== "" || (d.jsDoc?.tags?.length ?? 0) > 0) documented++;
        else undocumented.push(s.name ?? "?");
      }
    }
  }
  const pct = total === 0 ? 1 : documented / total;
  return {
    hasReadme,
    hasExamples,
    allEntrypointsDocs: missingModuleDocs.length === 0,
    documented: pct,
    documentedPoints: Math.floor(Math.min(pct / 0.8, 1) * 5),
    undocumented,
    missingModuleDocs,
  };
}

// ---------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------

/** One row of the report. */
export interface ScoreRow {
  /** `name@version`. */
  pkg: string;
  /** Documentation factors. */
  doc: DocScore;
  /** Whether the dry run showed no slow types for it. */
  fastCheck: boolean;
  /** Number of published files. */
  files: number;
  /** Forbidden published files (relative paths). */
  forbidden: string[];
  /** Other publish-blocking diagnostics (`code: message`). */
  blockers: string[];
}

/** The maximum offline score. */
export const MAX_OFFLINE = 14;

/**
 * The offline points of a row.
 *
 * @param row The row.
 * @returns Points out of {@linkcode MAX_OFFLINE}.
 */
export function offlinePoints(row: ScoreRow): number {
  return (row.doc.hasReadme ? 2 : 0) + (row.doc.hasExamples ? 1 : 0) +
    (row.doc.allEntrypointsDocs ? 1 : 0) + row.doc.documentedPoints + (row.fastCheck ? 5 : 0);
}

/**
 * Render the rows as an aligned text table.
 *
 * @param rows The rows.
 * @returns The table.
 */
export function formatTable(rows: readonly ScoreRow[]): string {
  const head = [
    "package",
    "readme",
    "examples",
    "module docs",
    "documented",
    "no slow types",
    "files",
    "offline score",
  ];
  const body = rows.map((r) => [
    r.pkg,
    `${r.doc.hasReadme ? 2 : 0}/2`,
    `${r.doc.hasExamples ? 1 : 0}/1`,
    `${r.doc.allEntrypointsDocs ? 1 : 0}/1`,
    `${(r.doc.documented * 100).toFixed(1)}% ${r.doc.documentedPoints}/5`,
    `${r.fastCheck ? 5 : 0}/5`,
    r.forbidden.length ? `${r.files} (${r.forbidden.length} forbidden)` : `${r.files}`,
    `${offlinePoints(r)}/${MAX_OFFLINE}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [fmt(head), fmt(widths.map((w) => "-".repeat(w))), ...body.map(fmt)].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

interface Manifest {
  name?: string;
  version?: string;
  exports?: string | Record<string, string>;
  publish?: unknown;
}

async function denoOutput(
  args: string[],
  cwd: string,
): Promise<{ ok: boolean; out: string; err: string }> {
  const res = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { ok: res.success, out: dec.decode(res.stdout), err: dec.decode(res.stderr) };
}

/** The result of {@linkcode scoreWorkspace}. */
export interface ScoreReport {
  /** One row per published package. */
  rows: ScoreRow[];
  /** Whether the dry run succeeded. */
  dryRunOk: boolean;
  /** Problems that are not per-package points (dry-run failure, unattributed errors). */
  problems: string[];
}

/**
 * Score every published member of the workspace at `root`.
 *
 * @param root The workspace root.
 * @param dryRunOutput Output of an earlier `deno publish --dry-run` to reuse, if any.
 * @returns The report.
 */
export async function scoreWorkspace(root: string, dryRunOutput?: string): Promise<ScoreReport> {
  const absRoot = Deno.realPathSync(root);
  const cfg = JSON.parse(await Deno.readTextFile(`${absRoot}/deno.json`));
  const members: string[] = cfg.workspace ?? ["."];
  let output = dryRunOutput;
  if (output === undefined) {
    const dry = await denoOutput(["publish", "--dry-run", "--allow-dirty"], absRoot);
    output = dry.out + dry.err;
  }
  const dry = parseDryRun(output);
  const problems: string[] = [];
  if (!dry.success) problems.push("deno publish --dry-run did not complete");
  const rows: ScoreRow[] = [];
  const attributed = new Set<DryRunDiagnostic>();
  for (const member of members) {
    const dir = `${absRoot}/${member.replace(/^\.\//, "").replace(/\/$/, "")}`.replace(/\/\.$/, "");
    const manifest: Manifest = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
    if (!manifest.name || manifest.publish === false) continue;
    const exportsMap: Record<string, string> = typeof manifest.exports === "string"
      ? { ".": manifest.exports }
      : manifest.exports ?? {};
    const listed = dry.packages.find((p) => p.name === manifest.name);
    const files = (listed?.files ?? []).filter((f) => f.startsWith(`${dir}/`)).map((f) =>
      f.slice(dir.length + 1)
    );
    const isReadme = (f: string) => /^readme(\.md|\.markdown)?$/i.test(f);
    // Not listed (the dry run stopped early): fall back to the README on disk.
    let readmeFile = files.find(isReadme);
    if (!listed) {
      for await (const e of Deno.readDir(dir)) {
        if (e.isFile && isReadme(e.name)) readmeFile = e.name;
      }
    }
    const readme = readmeFile === undefined
      ? undefined
      : await Deno.readTextFile(`${dir}/${readmeFile}`);
    const docRun = await denoOutput(["doc", "--json", ...Object.values(exportsMap)], dir);
    let doc: DocJson = { nodes: {} };
    if (docRun.ok) doc = JSON.parse(docRun.out);
    else {problems.push(
        `${manifest.name}: deno doc --json failed: ${docRun.err.trim().split("\n")[0]}`,
      );}
    const mainUrl = new URL(exportsMap["."] ?? "./mod.ts", `file://${dir}/`).href;
    const diags = dry.diagnostics.filter((d) => d.file?.startsWith(`${dir}/`));
    for (const d of diags) attributed.add(d);
    rows.push({
      pkg: `${manifest.name}@${manifest.version ?? "?"}`,
      doc: docScore(doc, mainUrl, readme),
      // Without a completed run or any diagnostic (e.g. a type error) nothing is proven.
      fastCheck: (dry.success || dry.diagnostics.length > 0) &&
        !diags.some((d) => isSlowTypeCode(d.code)),
      files: files.length,
      forbidden: forbiddenFiles(files),
      blockers: diags.filter((d) => !isSlowTypeCode(d.code)).map((d) => `${d.code}: ${d.message}`),
    });
    if (!listed && dry.success) problems.push(`${manifest.name}: not listed by the dry run`);
  }
  for (const d of dry.diagnostics) {
    if (!attributed.has(d)) {
      problems.push(`dry run: ${d.code}: ${d.message}${d.file ? ` (${d.file})` : ""}`);
    }
  }
  if (!dry.success && dry.diagnostics.length === 0) {
    const tail = output.trim().split("\n").slice(-8).join("\n    ");
    problems.push(`dry run output ends with:\n    ${tail}`);
  }
  return { rows, dryRunOk: dry.success, problems };
}

async function main(): Promise<number> {
  let root = ".";
  let dryRunOutput: string | undefined;
  for (let i = 0; i < Deno.args.length; i++) {
    const a = Deno.args[i];
    if (a === "--root") root = Deno.args[++i] ?? ".";
    else if (a === "--dry-run-output") dryRunOutput = await Deno.readTextFile(Deno.args[++i]!);
    else {
      console.error(
        `Usage: score_check.ts [--root <dir>] [--dry-run-output <file>] (unknown: ${a})`,
      );
      return 2;
    }
  }
  const report = await scoreWorkspace(root, dryRunOutput);
  console.log("Offline JSR score (jsr-and-style.md §2); provenance, description and runtime");
  console.log("compatibility (4 more points) are set on jsr.io and are not counted here.\n");
  console.log(formatTable(report.rows));
  let failed = report.problems.length > 0;
  console.log("");
  for (const r of report.rows) {
    const pts = offlinePoints(r);
    if (pts < MAX_OFFLINE) {
      failed = true;
      const why: string[] = [];
      if (!r.doc.hasReadme) why.push('no published README and no module doc on "."');
      if (!r.doc.hasExamples) why.push('no example fence in the README or "." module doc');
      if (!r.doc.allEntrypointsDocs) {
        why.push(`no module doc: ${r.doc.missingModuleDocs.join(", ")}`);
      }
      if (r.doc.documentedPoints < 5) {
        why.push(`undocumented: ${r.doc.undocumented.slice(0, 10).join(", ")}`);
      }
      if (!r.fastCheck) why.push("slow types in the dry run");
      console.log(`${r.pkg}: ${pts}/${MAX_OFFLINE}: ${why.join("; ")}`);
    }
    if (r.forbidden.length) {
      failed = true;
      console.log(`${r.pkg}: publishes files it must not: ${r.forbidden.join(", ")}`);
    }
    if (r.blockers.length) {
      failed = true;
      console.log(`${r.pkg}: publish errors: ${r.blockers.join("; ")}`);
    }
  }
  for (const p of report.problems) console.log(`problem: ${p}`);
  const totalFiles = report.rows.reduce((n, r) => n + r.files, 0);
  const forbidden = report.rows.reduce((n, r) => n + r.forbidden.length, 0);
  console.log(
    `published files: ${totalFiles} in ${report.rows.length} packages, ${forbidden} forbidden ` +
      `(tests, benches, testdata/, fixtures/, tests/)`,
  );
  console.log(
    failed ? "check:score: FAILED" : "check:score: ok, full offline marks for every package",
  );
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
