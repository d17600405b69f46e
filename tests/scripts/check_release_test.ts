/**
 * Tests of `scripts/check_release.ts`: its pure checks as units, then the git-based bump rules
 * on a throwaway repository (no tag, a tag with unchanged packages, a change without a bump,
 * a core 0.x minor bump that forces the adapters to re-bump).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  checkBumps,
  checkCoreDependency,
  checkDuplicateKeys,
  checkManifest,
  checkPackageTable,
  checkPlugins,
  checkReadme,
  checkRelease,
  compareSemver,
  findPlugins,
  globToRegExp,
  importSpecifiers,
  isPublished,
  lastReleaseTag,
  leavesCaretRange,
  type PackageManifest,
  parsePackageTable,
  parseSemver,
  rangeAccepts,
  type WorkspacePackage,
} from "../../scripts/check_release.ts";

const EXCLUDE = { exclude: ["**/*_test.ts", "**/*_bench.ts", "**/testdata/"] };
const pkg = (dir: string, manifest: PackageManifest): WorkspacePackage => ({ dir, manifest });
const core = (version: string): WorkspacePackage =>
  pkg("core", {
    name: "@astrocyte/core",
    version,
    license: "Apache-2.0",
    exports: { ".": "./mod.ts", "./testing": "./testing/mod.ts" },
    publish: EXCLUDE,
  });
const adapter = (name: string, version: string): WorkspacePackage =>
  pkg(`adapters/${name}`, {
    name: `@astrocyte/${name}`,
    version,
    license: "Apache-2.0",
    exports: { ".": "./mod.ts" },
    publish: EXCLUDE,
  });

Deno.test("semver: validity, precedence and ranges", () => {
  for (const v of ["0.1.0", "1.0.0-rc.1", "1.2.3+build.5", "10.20.30", "1.0.0-alpha.beta"]) {
    assert.ok(parseSemver(v), v);
  }
  for (const v of ["0.1", "01.2.3", "1.2.3-", "v1.2.3", "1.2.3.4", "", "1.2.x"]) {
    assert.equal(parseSemver(v), undefined, v);
  }
  const order = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-rc.1",
    "1.0.0",
  ];
  for (let i = 1; i < order.length; i++) {
    assert.ok(compareSemver(parseSemver(order[i - 1]!)!, parseSemver(order[i]!)!) < 0, order[i]);
  }
  assert.equal(compareSemver(parseSemver("1.2.3")!, parseSemver("1.2.3+x")!), 0);
  assert.ok(rangeAccepts("^0.1.0", "0.1.9"));
  assert.ok(!rangeAccepts("^0.1.0", "0.2.0"));
  assert.ok(!rangeAccepts("^0.0.3", "0.0.4"));
  assert.ok(rangeAccepts("^1.2.0", "1.9.0"));
  assert.ok(!rangeAccepts("^1.2.0", "2.0.0"));
  assert.ok(!rangeAccepts("^1.2.0", "1.1.0"));
  assert.ok(rangeAccepts("~1.2.0", "1.2.5"));
  assert.ok(!rangeAccepts("~1.2.0", "1.3.0"));
  assert.ok(rangeAccepts("1.2.3", "1.2.3"));
  assert.ok(!rangeAccepts("^1.0.0", "1.1.0-rc.1"), "pre-releases need the same x.y.z");
  assert.ok(!rangeAccepts(">=1 <2", "1.5.0"), "unknown range syntax is not accepted");
  assert.ok(leavesCaretRange("0.1.3", "0.2.0"));
  assert.ok(leavesCaretRange("1.4.0", "2.0.0"));
  assert.ok(!leavesCaretRange("0.1.3", "0.1.4"));
  assert.ok(!leavesCaretRange("1.4.0", "1.5.0"));
});

Deno.test("globs and published files follow publish.exclude", () => {
  assert.ok(globToRegExp("**/*_test.ts").test("a_test.ts"));
  assert.ok(globToRegExp("**/*_test.ts").test("x/y/a_test.ts"));
  assert.ok(!globToRegExp("**/*_test.ts").test("a_test.tsx"));
  assert.ok(globToRegExp("**/testdata/").test("x/testdata/seed.json"));
  assert.ok(globToRegExp("tests/").test("tests/a.ts"));
  assert.ok(!globToRegExp("tests/").test("src/tests.ts"));
  assert.ok(globToRegExp("*.md").test("docs/a.md"));
  const m: PackageManifest = { publish: EXCLUDE };
  assert.ok(isPublished("mod.ts", m));
  assert.ok(isPublished("_private.ts", m));
  assert.ok(!isPublished("vector_store_test.ts", m));
  assert.ok(!isPublished("bench/x_bench.ts", m));
  assert.ok(!isPublished("testdata/a.json", m));
  assert.ok(!isPublished("mod.ts", { publish: false }));
  assert.ok(!isPublished("scripts/x.ts", { publish: { include: ["mod.ts", "src/"] } }));
  assert.ok(isPublished("src/x.ts", { publish: { include: ["mod.ts", "src/"] } }));
});

Deno.test("checkManifest flags missing fields, bad versions and published tests", () => {
  assert.deepEqual(checkManifest(adapter("libsql", "0.1.0")), []);
  const msgs = (p: WorkspacePackage) => checkManifest(p).map((x) => x.message).join("\n");
  assert.match(
    msgs(pkg("adapters/x", { name: "@astrocyte/x", version: "0.1" })),
    /not valid semver/,
  );
  assert.match(msgs(pkg("adapters/x", { name: "@astrocyte/x" })), /no version/);
  assert.match(msgs(pkg("adapters/x", { name: "@astrocyte/x", version: "0.1.0" })), /no license/);
  assert.match(
    msgs(pkg("adapters/x", { name: "@astrocyte/x", version: "0.1.0" })),
    /exclude tests/,
  );
  assert.match(
    msgs(pkg("adapters/x", { name: "@astrocyte/y", version: "0.1.0" })),
    /does not match/,
  );
  assert.match(msgs(pkg("adapters/x", { name: "@other/x", version: "0.1.0" })), /@astrocyte\//);
  assert.deepEqual(checkManifest(pkg("examples", { publish: false })), []);
});

Deno.test("checkBumps: changed files need a bump; core 0.x minor re-bumps adapters", () => {
  const st = (version: string | undefined, changed: string[] = []) => ({ version, changed });
  // unchanged and unbumped: fine; a package that did not exist at the tag: fine.
  assert.deepEqual(
    checkBumps(
      [core("0.1.0"), adapter("a", "0.1.0")],
      new Map([["core", st("0.1.0")], ["adapters/a", st(undefined, ["mod.ts"])]]),
      "v1",
    ),
    [],
  );
  // changed without a bump.
  const p1 = checkBumps(
    [core("0.1.0")],
    new Map([["core", st("0.1.0", ["mod.ts", "types.ts"])]]),
    "release-1",
  );
  assert.equal(p1.length, 1);
  assert.match(
    p1[0]!.message,
    /changed since release-1 \(mod\.ts, types\.ts\) but the version is still 0\.1\.0/,
  );
  // backwards.
  assert.match(
    checkBumps([core("0.1.0")], new Map([["core", st("0.2.0")]]), "v1")[0]!.message,
    /lower than 0\.2\.0/,
  );
  // core patch: adapters may stay.
  assert.deepEqual(
    checkBumps(
      [core("0.1.1"), adapter("a", "0.1.0")],
      new Map([["core", st("0.1.0", ["x.ts"])], ["adapters/a", st("0.1.0")]]),
      "v1",
    ),
    [],
  );
  // core 0.x minor: every unbumped adapter is flagged, bumped ones are not.
  const p2 = checkBumps(
    [core("0.2.0"), adapter("a", "0.1.0"), adapter("b", "0.1.1")],
    new Map([["core", st("0.1.4", ["x.ts"])], ["adapters/a", st("0.1.0")], [
      "adapters/b",
      st("0.1.0"),
    ]]),
    "v1",
  );
  assert.deepEqual(p2.map((p) => p.where), ["@astrocyte/a"]);
  assert.match(p2[0]!.message, /core moved 0\.1\.4 → 0\.2\.0, outside \^0\.1\.4/);
});

Deno.test("checkCoreDependency: workspace or a compatible jsr range, exported entry points only", () => {
  const c = core("0.2.0").manifest;
  const ok = new Map([[
    "mod.ts",
    'import type { AdapterPlugin } from "@astrocyte/core";\nexport { x } from "./x.ts";',
  ]]);
  assert.deepEqual(checkCoreDependency(adapter("a", "0.1.0"), ok, c), []);
  const pinned = adapter("a", "0.1.0");
  pinned.manifest.imports = { "@astrocyte/core": "jsr:@astrocyte/core@^0.1.0" };
  assert.match(checkCoreDependency(pinned, ok, c)[0]!.message, /does not accept core 0\.2\.0/);
  pinned.manifest.imports = { "@astrocyte/core": "../../core/mod.ts" };
  assert.match(checkCoreDependency(pinned, ok, c)[0]!.message, /use the workspace/);
  const bad = new Map([
    ["mod.ts", 'import { x } from "../../core/types.ts";'],
    ["sub/a.ts", 'import { y } from "../b.ts";\nimport { z } from "@astrocyte/core/internal";'],
  ]);
  const msgs = checkCoreDependency(adapter("a", "0.1.0"), bad, c).map((p) => p.message);
  assert.equal(msgs.length, 2, msgs.join("\n"));
  assert.match(msgs[0]!, /outside the package/);
  assert.match(msgs[1]!, /@astrocyte\/core\/internal, which core does not export/);
  assert.deepEqual(
    importSpecifiers(
      'import a from "x";\nexport * from \'./y.ts\';\nimport "side";\nawait import("dyn");\nimport type { T } from "t";',
    ),
    ["x", "./y.ts", "side", "dyn", "t"],
  );
});

Deno.test("findPlugins and checkPlugins: names, aliases and a supported spiVersion", () => {
  const families = {
    vectorStore: { supportedVersions: [1] },
    llmProvider: { supportedVersions: [1, 2] },
  };
  const f = () => ({});
  const exports = {
    libsql: { name: "libsql", spiVersion: 1, aliases: ["turso"], vectorStore: f },
    pair: [{ name: "a", spiVersion: { llmProvider: 2 }, llmProvider: f }, {
      name: "b",
      vectorStore: f,
    }],
    helper: { name: "not-a-plugin" },
    DEFAULT: "x",
  };
  const found = findPlugins(exports, families);
  assert.deepEqual(found.map((p) => [p.exportName, p.name, p.aliases, p.families]), [
    ["libsql", "libsql", ["turso"], ["vectorStore"]],
    ["pair[0]", "a", [], ["llmProvider"]],
    ["pair[1]", "b", [], ["vectorStore"]],
  ]);
  const problems = checkPlugins("@astrocyte/x", found, families, true).map((p) => p.message);
  assert.deepEqual(problems, ['plugin pair[1] ("b") does not declare spiVersion']);
  const wrong = findPlugins({ p: { name: "p", spiVersion: 3, vectorStore: f } }, families);
  assert.match(
    checkPlugins("x", wrong, families, true)[0]!.message,
    /vectorStore SPI version 3; core supports 1/,
  );
  const partial = findPlugins({
    p: { name: "p", spiVersion: { vectorStore: 1 }, vectorStore: f, llmProvider: f },
  }, families);
  assert.match(
    checkPlugins("x", partial, families, true)[0]!.message,
    /no spiVersion for llmProvider/,
  );
  assert.match(checkPlugins("x", [], families, true)[0]!.message, /exports no AdapterPlugin/);
  assert.deepEqual(checkPlugins("x", [], families, false), []);
});

Deno.test("checkReadme: install for Deno and Node, plus a yaml or ts config fence", () => {
  const good =
    "# x\n\n```sh\ndeno add jsr:@astrocyte/core jsr:@astrocyte/libsql\nnpx jsr add @astrocyte/libsql\n```\n\n```yaml\nvector_store: libsql\n```\n";
  assert.deepEqual(checkReadme("@astrocyte/libsql", good), []);
  assert.match(checkReadme("@astrocyte/libsql", undefined)[0]!.message, /missing/);
  const noNode = good.replace("npx jsr add @astrocyte/libsql\n", "");
  assert.match(checkReadme("@astrocyte/libsql", noNode)[0]!.message, /Node\/Bun install/);
  assert.deepEqual(
    checkReadme("@astrocyte/libsql", noNode + "\npnpm add jsr:@astrocyte/libsql\n"),
    [],
  );
  const otherPkg = good.replaceAll("@astrocyte/libsql", "@astrocyte/libsql-extra");
  assert.equal(
    checkReadme("@astrocyte/libsql", otherPkg).length,
    2,
    "a longer name does not count",
  );
  const noConfig = good.replace("```yaml", "```sh");
  assert.match(checkReadme("@astrocyte/libsql", noConfig)[0]!.message, /config snippet/);
  assert.deepEqual(
    checkReadme("@astrocyte/libsql", noConfig + "\n```ts\nimport {} from 'x';\n```\n"),
    [],
  );
});

Deno.test("package table: rows, registry keys and duplicates", () => {
  const readme = [
    "| package | directory | registry keys |",
    "| --- | --- | --- |",
    "| `@astrocyte/core` | `core/` | `in_memory` (every store family), `mock` (LLM) |",
    "| `@astrocyte/postgres` | `adapters/postgres/` | `postgres`, alias `pgvector` |",
  ].join("\n");
  assert.deepEqual([...parsePackageTable(readme).get("@astrocyte/core")!], [
    "core/",
    "in_memory",
    "mock",
  ]);
  const keys = new Map([
    ["@astrocyte/core", ["in_memory", "mock"]],
    ["@astrocyte/postgres", ["postgres", "pgvector", "neon"]],
    ["@astrocyte/libsql", ["libsql"]],
  ]);
  assert.deepEqual(checkPackageTable(readme, keys).map((p) => p.message), [
    "the `@astrocyte/postgres` row does not list the registry key `neon`",
    "the package table has no row for `@astrocyte/libsql`",
  ]);
  assert.match(checkPackageTable(undefined, keys)[0]!.message, /missing/);
  assert.deepEqual(
    checkDuplicateKeys(new Map([["@astrocyte/a", ["x", "y"]], ["@astrocyte/b", ["y"]]])).map((p) =>
      p.message
    ),
    ['registry key "y" is also declared by @astrocyte/a'],
  );
});

// --- git-based end-to-end ------------------------------------------------------------------

async function run(cwd: string, cmd: string, args: string[]): Promise<string> {
  const res = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
  if (!res.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${text}`);
  return text;
}
const gitIn = (cwd: string, ...args: string[]) =>
  run(cwd, "git", [
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "tag.gpgsign=false",
    ...args,
  ]);

async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2) + "\n");
}

Deno.test("checkRelease on a throwaway git repository", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "astrocyte_release_" });
  try {
    await Deno.mkdir(`${root}/core`);
    await Deno.mkdir(`${root}/adapters/demo`, { recursive: true });
    await writeJson(`${root}/deno.json`, { workspace: ["./core", "./adapters/demo"] });
    await writeJson(`${root}/core/deno.json`, core("0.1.0").manifest);
    await Deno.writeTextFile(
      `${root}/core/mod.ts`,
      "/** Core. @module */\nexport const SPI_FAMILIES = { vectorStore: { supportedVersions: [1] } };\n" +
        'export const mem = { name: "in_memory", spiVersion: 1, vectorStore: () => ({}) };\n',
    );
    await writeJson(`${root}/adapters/demo/deno.json`, adapter("demo", "0.1.0").manifest);
    await Deno.writeTextFile(
      `${root}/adapters/demo/mod.ts`,
      '/** Demo. @module */\nexport const demo = { name: "demo", spiVersion: 1, vectorStore: () => ({}) };\n',
    );
    const readme = (p: string) =>
      `# ${p}\n\n\`\`\`sh\ndeno add jsr:${p}\nnpx jsr add ${p}\n\`\`\`\n\n\`\`\`yaml\nvector_store: x\n\`\`\`\n`;
    await Deno.writeTextFile(`${root}/core/README.md`, readme("@astrocyte/core"));
    await Deno.writeTextFile(`${root}/adapters/demo/README.md`, readme("@astrocyte/demo"));
    await Deno.writeTextFile(
      `${root}/README.md`,
      "| package | dir | keys |\n| --- | --- | --- |\n| `@astrocyte/core` | `core/` | `in_memory` |\n" +
        "| `@astrocyte/demo` | `adapters/demo/` | `demo` |\n",
    );

    await t.step("outside git: no tag, first release, clean", async () => {
      const report = await checkRelease(root);
      assert.equal(report.tag, undefined);
      assert.deepEqual(report.problems, []);
      assert.deepEqual(report.packages.map((p) => [p.name, p.keys]), [
        ["@astrocyte/core", ["in_memory"]],
        ["@astrocyte/demo", ["demo"]],
      ]);
    });

    await gitIn(root, "init", "-q");
    await gitIn(root, "add", "-A");
    await gitIn(root, "commit", "-q", "-m", "init");

    await t.step("a repository without a release tag is a first release", async () => {
      assert.equal(await lastReleaseTag(root), undefined);
      assert.deepEqual((await checkRelease(root)).problems, []);
    });

    await gitIn(root, "tag", "release-2026.01.01");

    await t.step("HEAD carrying the only tag compares with nothing", async () => {
      assert.equal(await lastReleaseTag(root), undefined);
    });

    await t.step(
      "a changed adapter file without a bump is flagged; tests do not count",
      async () => {
        await Deno.writeTextFile(`${root}/adapters/demo/demo_test.ts`, "// a test\n");
        await gitIn(root, "add", "-A");
        await gitIn(root, "commit", "-q", "-m", "test only");
        assert.equal(await lastReleaseTag(root), "release-2026.01.01");
        assert.deepEqual((await checkRelease(root)).problems, []);
        await Deno.writeTextFile(`${root}/adapters/demo/extra.ts`, "export const x = 1;\n");
        const problems = (await checkRelease(root)).problems;
        assert.equal(problems.length, 1, JSON.stringify(problems));
        assert.equal(problems[0]!.where, "@astrocyte/demo");
        assert.match(problems[0]!.message, /\(extra\.ts\) but the version is still 0\.1\.0/);
        await writeJson(`${root}/adapters/demo/deno.json`, adapter("demo", "0.1.1").manifest);
        assert.deepEqual((await checkRelease(root)).problems, []);
      },
    );

    await t.step("a core 0.x minor bump requires the adapters to re-bump", async () => {
      await gitIn(root, "add", "-A");
      await gitIn(root, "commit", "-q", "-m", "demo 0.1.1");
      await gitIn(root, "tag", "release-2026.02.01");
      // HEAD carries a tag and the packages are clean: compare with the previous release,
      // whatever happens outside the packages (npm rewriting the lockfile, say).
      await Deno.writeTextFile(`${root}/package-lock.json`, "{}\n");
      const dirs = ["core", "adapters/demo"];
      assert.equal(await lastReleaseTag(root, dirs), "release-2026.01.01");
      assert.equal(await lastReleaseTag(root), "release-2026.02.01", "dirty anywhere counts");
      await Deno.remove(`${root}/package-lock.json`);
      await Deno.writeTextFile(`${root}/core/mod.ts`, "// changed\n", { append: true });
      await writeJson(`${root}/core/deno.json`, core("0.2.0").manifest);
      const problems = (await checkRelease(root)).problems;
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.match(problems[0]!.message, /core moved 0\.1\.0 → 0\.2\.0/);
      assert.equal((await checkRelease(root, "release-2026.01.01")).problems.length, 0, "--base");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
