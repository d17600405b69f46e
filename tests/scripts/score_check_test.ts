/**
 * Tests of `scripts/score_check.ts`: the dry-run parser, the forbidden-file rule and the
 * documentation factors as units, then the whole script on two tiny throwaway workspaces (one
 * that publishes a test and a fixture and lacks docs, one with slow types).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type DocJson,
  docScore,
  forbiddenFiles,
  formatTable,
  isSlowTypeCode,
  offlinePoints,
  parseDryRun,
  scoreWorkspace,
} from "../../scripts/score_check.ts";

const SCRIPT = new URL("../../scripts/score_check.ts", import.meta.url).pathname;

Deno.test("parseDryRun reads packages, files and located diagnostics", () => {
  const clean = [
    "Publishing a workspace...",
    "Check packages/core/mod.ts",
    "Checking for slow types in the public API...",
    "Simulating publish of @astrocyte/core@0.1.0 with files:",
    "   file:///ws/packages/core/deno.json (98B)",
    "   file:///ws/packages/core/mod.ts (1.5KB)",
    "   file:///ws/packages/core/my%20dir/a_test.ts (2KB)",
    "Simulating publish of @astrocyte/yaml@0.2.0-rc.1 with files:",
    "   file:///ws/packages/yaml/mod.ts (754B)",
    "Success Dry run complete",
  ].join("\n");
  const r = parseDryRun(clean);
  assert.equal(r.success, true);
  assert.deepEqual(r.packages, [
    {
      name: "@astrocyte/core",
      version: "0.1.0",
      files: [
        "/ws/packages/core/deno.json",
        "/ws/packages/core/mod.ts",
        "/ws/packages/core/my dir/a_test.ts",
      ],
    },
    { name: "@astrocyte/yaml", version: "0.2.0-rc.1", files: ["/ws/packages/yaml/mod.ts"] },
  ]);
  const slow = [
    "Checking for slow types in the public API...",
    "\x1b[31merror[missing-explicit-return-type]\x1b[0m: missing explicit return type in the public API",
    " --> /ws/packages/core/mod.ts:6:17",
    "  |",
    "6 | export function defineAdapter(a: Adapter) {",
    "error[missing-license]: missing license field or file",
    " --> /ws/packages/yaml/deno.json",
    "error: Found 2 problems",
  ].join("\n");
  const s = parseDryRun(slow);
  assert.equal(s.success, false);
  assert.deepEqual(s.packages, []);
  assert.deepEqual(s.diagnostics, [
    {
      code: "missing-explicit-return-type",
      message: "missing explicit return type in the public API",
      file: "/ws/packages/core/mod.ts",
    },
    {
      code: "missing-license",
      message: "missing license field or file",
      file: "/ws/packages/yaml/deno.json",
    },
  ]);
  assert.ok(isSlowTypeCode("missing-explicit-type"));
  assert.ok(isSlowTypeCode("unsupported-default-export-expr"));
  assert.ok(!isSlowTypeCode("missing-license"));
});

Deno.test("forbiddenFiles catches tests, benches, testdata, fixtures and tests/", () => {
  assert.deepEqual(
    forbiddenFiles([
      "mod.ts",
      "vector_store.ts",
      "vector_store_test.ts",
      "x.test.ts",
      "bench/a_bench.ts",
      "testdata/seed.json",
      "sub/fixtures/server.ts",
      "tests/a.ts",
      "contest.ts",
      "testing/mod.ts",
      "_fixtures.ts",
    ]),
    [
      "vector_store_test.ts",
      "x.test.ts",
      "bench/a_bench.ts",
      "testdata/seed.json",
      "sub/fixtures/server.ts",
      "tests/a.ts",
    ],
  );
});

Deno.test("docScore mirrors JSR: README or module doc, examples, module docs, 80% rule", () => {
  const main = "file:///p/mod.ts";
  const sub = "file:///p/sub.ts";
  const decl = (doc?: string, kind = "export") => ({
    declarationKind: kind,
    ...(doc === undefined ? {} : { jsDoc: { doc } }),
  });
  const doc: DocJson = {
    nodes: {
      [main]: {
        module_doc: { doc: "Main.\n", tags: [{ kind: "module" }] },
        symbols: [
          { name: "a", declarations: [decl("A.")] },
          { name: "b", declarations: [decl("B.")] },
          { name: "c", declarations: [decl("C.")] },
          { name: "hidden", declarations: [decl(undefined, "private")] },
        ],
      },
      [sub]: {
        symbols: [{ name: "d", declarations: [decl("D.")] }, { name: "e", declarations: [decl()] }],
      },
    },
  };
  const noReadme = docScore(doc, main, undefined);
  assert.equal(noReadme.hasReadme, true, "module doc on . counts");
  assert.equal(noReadme.hasExamples, false);
  assert.equal(noReadme.allEntrypointsDocs, false);
  assert.deepEqual(noReadme.missingModuleDocs, [sub]);
  assert.equal(noReadme.documented, 0.8);
  assert.equal(noReadme.documentedPoints, 5, "80 % earns all 5");
  assert.deepEqual(noReadme.undocumented, ["e"]);
  const withReadme = docScore(doc, main, "# p\n\n```ts\nx\n```\n");
  assert.equal(withReadme.hasExamples, true);
  doc.nodes[main]!.symbols!.push({ name: "f", declarations: [decl(" ")] });
  const lower = docScore(doc, main, undefined);
  assert.equal(lower.documentedPoints, Math.floor((4 / 6 / 0.8) * 5));
  const bare = docScore({ nodes: { [main]: {} } }, main, undefined);
  assert.equal(bare.hasReadme, false);
  assert.equal(bare.allEntrypointsDocs, false);
  const excused = docScore({ nodes: { [main]: {} } }, main, "readme without fence");
  assert.deepEqual([excused.hasReadme, excused.hasExamples, excused.allEntrypointsDocs], [
    true,
    false,
    true,
  ]);
  const example = docScore(
    { nodes: { [main]: { module_doc: { doc: "x", tags: [{ kind: "example" }] } } } },
    main,
    undefined,
  );
  assert.equal(example.hasExamples, true);

  const row = {
    pkg: "@t/x@0.1.0",
    doc: withReadme,
    fastCheck: true,
    files: 3,
    forbidden: [],
    blockers: [],
  };
  assert.equal(offlinePoints(row), 2 + 1 + 0 + 5 + 5);
  const table = formatTable([row]);
  assert.match(
    table,
    /^package\s+readme\s+examples\s+module docs\s+documented\s+no slow types\s+files\s+offline score$/m,
  );
  assert.match(table, /@t\/x@0\.1\.0\s+2\/2\s+1\/1\s+0\/1\s+80\.0% 5\/5\s+5\/5\s+3\s+13\/14/);
});

async function writeWorkspace(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${root}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, text);
  }
}

const GOOD = {
  "good/deno.json": JSON.stringify({
    name: "@t/good",
    version: "0.1.0",
    license: "MIT",
    exports: { ".": "./mod.ts", "./extra": "./extra.ts" },
    publish: { exclude: ["**/*_test.ts"] },
  }),
  "good/README.md": '# @t/good\n\n```ts\nimport { add } from "@t/good";\n```\n',
  "good/mod.ts":
    "/**\n * Good.\n *\n * @module\n */\n\n/** Add. */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n",
  "good/extra.ts":
    "/**\n * Extra.\n *\n * @module\n */\n\n/** One. */\nexport const one: number = 1;\n",
  "good/mod_test.ts":
    'import { add } from "./mod.ts";\nDeno.test("add", () => { if (add(1, 1) !== 2) throw new Error("x"); });\n',
};

Deno.test("the script on a workspace that publishes a test and a fixture and lacks docs", async () => {
  const root = await Deno.makeTempDir({ prefix: "astrocyte_score_" });
  try {
    await writeWorkspace(root, {
      "deno.json": JSON.stringify({ workspace: ["./good", "./bad"] }),
      ...GOOD,
      "bad/deno.json": JSON.stringify({
        name: "@t/bad",
        version: "0.1.0",
        license: "MIT",
        exports: "./mod.ts",
      }),
      "bad/mod.ts": "export function sub(a: number, b: number): number {\n  return a - b;\n}\n" +
        "export const two: number = 2;\n",
      "bad/mod_test.ts":
        'import { sub } from "./mod.ts";\nDeno.test("sub", () => { if (sub(1, 1) !== 0) throw new Error("x"); });\n',
      "bad/fixtures/server.ts": "export const port: number = 1;\n",
    });
    const report = await scoreWorkspace(root);
    assert.equal(report.dryRunOk, true, report.problems.join("\n"));
    const [good, bad] = report.rows;
    assert.equal(good!.pkg, "@t/good@0.1.0");
    assert.equal(offlinePoints(good!), 14);
    assert.deepEqual(good!.forbidden, []);
    assert.equal(good!.files, 4, "deno.json, README.md, mod.ts, extra.ts");
    assert.equal(bad!.pkg, "@t/bad@0.1.0");
    assert.deepEqual(
      [bad!.doc.hasReadme, bad!.doc.hasExamples, bad!.doc.allEntrypointsDocs, bad!.doc.documented],
      [false, false, false, 0],
    );
    assert.equal(offlinePoints(bad!), 5);
    assert.deepEqual(bad!.forbidden.sort(), ["fixtures/server.ts", "mod_test.ts"]);

    const cli = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-run", "--allow-env", SCRIPT, "--root", root],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(cli.stdout);
    assert.equal(cli.code, 1, out);
    assert.match(out, /@t\/good@0\.1\.0\s+2\/2\s+1\/1\s+1\/1\s+100\.0% 5\/5\s+5\/5\s+4\s+14\/14/);
    assert.match(out, /@t\/bad@0\.1\.0: 5\/14: /);
    assert.match(
      out,
      /@t\/bad@0\.1\.0: publishes files it must not: (mod_test\.ts, fixtures\/server\.ts|fixtures\/server\.ts, mod_test\.ts)/,
    );
    assert.match(out, /check:score: FAILED/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the script on a workspace with slow types", async () => {
  const root = await Deno.makeTempDir({ prefix: "astrocyte_score_" });
  try {
    await writeWorkspace(root, {
      "deno.json": JSON.stringify({ workspace: ["./good", "./slow"] }),
      ...GOOD,
      "slow/deno.json": JSON.stringify({
        name: "@t/slow",
        version: "0.1.0",
        license: "MIT",
        exports: "./mod.ts",
      }),
      "slow/README.md": "# slow\n\n```ts\nx\n```\n",
      "slow/mod.ts":
        "/**\n * Slow.\n *\n * @module\n */\n\n/** Inferred. */\nexport function inferred(a: number) {\n  return a * 2;\n}\n",
    });
    const report = await scoreWorkspace(root);
    assert.equal(report.dryRunOk, false);
    const slow = report.rows.find((r) => r.pkg.startsWith("@t/slow"))!;
    const good = report.rows.find((r) => r.pkg.startsWith("@t/good"))!;
    assert.equal(slow.fastCheck, false);
    assert.equal(offlinePoints(slow), 9);
    assert.equal(good.fastCheck, true, "slow types elsewhere do not cost this package");
    assert.ok(report.problems.some((p) => /did not complete/.test(p)));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
