/**
 * Tests of the adapter scaffold (`scripts/new_adapter.ts`): argument validation and the root-file
 * edits as units, then an end-to-end run that generates one adapter per SPI family into a
 * temporary copy of the workspace (core + root config, `node_modules` symlinked) and shows that
 * `deno check`, `deno lint` (with `no-slow-types`), `deno fmt --check` and `deno doc --lint` pass
 * on them, that `check:release` and the offline doc score accept them, that their
 * contract tests are skipped with the reason, and that pointing the URL variable at a reachable
 * port runs the family's full contract suite.
 *
 * @module
 */
import assert from "node:assert/strict";
import { vectorStoreContract } from "@astrocyte/core/testing";
import { createInMemoryVectorStore } from "@astrocyte/core";
import {
  addDocLintEntry,
  addReadmeRow,
  addWorkspaceMember,
  camelCase,
  generateAdapter,
  interfaceMethods,
  nameProblem,
  parseArgs,
  pascalCase,
  resolveFamily,
  SCAFFOLD_FAMILIES,
  scaffoldNames,
  UsageError,
} from "../../scripts/new_adapter.ts";
import { checkRelease, isPublished } from "../../scripts/check_release.ts";
import { docScore } from "../../scripts/score_check.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const DENO = Deno.execPath();

Deno.test("parseArgs accepts every family and normalises its spellings", () => {
  for (const fam of Object.keys(SCAFFOLD_FAMILIES)) {
    const opts = parseArgs(["--family", fam, "--name", "x1"]);
    assert.notEqual(opts, "help");
    assert.equal((opts as { family: string }).family, fam);
  }
  assert.equal(Object.keys(SCAFFOLD_FAMILIES).length, 9);
  assert.equal(resolveFamily("vectorStore"), "vector_store");
  assert.equal(resolveFamily("provider"), "engine_provider");
  assert.equal(resolveFamily("page_index_store"), "pageindex_store");
  assert.equal(resolveFamily("llmProvider"), "llm_provider");
  assert.equal(resolveFamily("blob_store"), undefined);
  assert.deepEqual(
    parseArgs([
      "--family=vector_store",
      "--name=pinecone",
      "--label",
      "Pinecone DB",
      "--dir",
      "/x",
    ]),
    { family: "vector_store", name: "pinecone", label: "Pinecone DB", dir: "/x" },
  );
  assert.equal(parseArgs(["--help"]), "help");
});

Deno.test("parseArgs rejects bad names, families and flags with a usage error", () => {
  const bad: string[][] = [
    ["--family", "vector_store"],
    ["--name", "x"],
    ["--family", "blob_store", "--name", "x"],
    ["--family", "vector_store", "--name", "Pinecone"],
    ["--family", "vector_store", "--name", "1abc"],
    ["--family", "vector_store", "--name", "a b"],
    ["--family", "vector_store", "--name", "abc-"],
    ["--family", "vector_store", "--name", "delete"],
    ["--family", "vector_store", "--name", "x", "--label", "99"],
    ["--family", "vector_store", "--name", "x", "--bogus", "1"],
    ["--family", "vector_store", "--name"],
  ];
  for (const args of bad) assert.throws(() => parseArgs(args), UsageError, args.join(" "));
  assert.equal(nameProblem("my-store_2"), undefined);
  assert.match(nameProblem("My")!, /\[a-z\]\[a-z0-9_-\]\*/);
});

Deno.test("names: camelCase plugin, PascalCase label, env variable and factory", () => {
  assert.equal(camelCase("my-store_x"), "myStoreX");
  assert.equal(pascalCase("Pinecone DB"), "PineconeDB");
  const n = scaffoldNames({ family: "llm_provider", name: "my-llm", dir: "." });
  assert.equal(n.plugin, "myLlm");
  assert.equal(n.factory, "createMyLlmLLMProvider");
  assert.equal(n.urlEnv, "ASTROCYTE_MY_LLM_URL");
  assert.equal(n.stem, "my_llm");
  assert.equal(n.packageName, "@astrocyte/my-llm");
});

Deno.test("interfaceMethods reads methods, optional members and extended interfaces", () => {
  const src = `
    /** Doc with a // comment and a ; inside. */
    export interface A extends Store<{ x: 1 }> {
      readonly capabilities: Caps;
      /** m */
      m(a: string, b?: { k: (x: number) => void; j: Array<string> }): Promise<number>;
      opt?(ids: string[], bankId: string): Promise<string[]>;
    }
    export interface B
      extends
        A,
        C {}
    export interface C { n<T>(...rest: T[]): Promise<T | null> }`;
  const methods = interfaceMethods([src], "B");
  assert.deepEqual(methods.map((m) => [m.name, m.optional]), [
    ["m", false],
    ["opt", true],
    ["n", false],
  ]);
  assert.deepEqual(methods[0]!.params.map((p) => [p.name, p.optional, p.type]), [
    ["a", false, "string"],
    ["b", true, "{ k: (x: number) => void; j: Array<string> }"],
  ]);
  assert.equal(methods[0]!.returnType, "Promise<number>");
  assert.equal(methods[2]!.typeParams, "<T>");
  assert.equal(methods[2]!.params[0]!.rest, true);
  assert.throws(() => interfaceMethods([src], "Missing"), /Interface Missing not found/);
});

Deno.test("root file edits: workspace member, doc-lint entry, README row", () => {
  const denoJson = `{\n  "workspace": [\n    "./core",\n    "./adapters/a"\n  ],\n  "tasks": {\n` +
    `    "doc:lint": "deno doc --lint core/mod.ts adapters/a/mod.ts",\n` +
    `    "verify": "deno fmt && deno doc --lint core/mod.ts adapters/a/mod.ts && deno publish"\n  }\n}\n`;
  const added = addWorkspaceMember(denoJson, "./adapters/pinecone");
  assert.deepEqual(JSON.parse(added).workspace, ["./core", "./adapters/a", "./adapters/pinecone"]);
  assert.match(added, /"\.\/adapters\/a",\n {4}"\.\/adapters\/pinecone"\n {2}\]/);
  assert.equal(addWorkspaceMember(added, "adapters/pinecone"), added, "idempotent");
  const linted = addDocLintEntry(added, "adapters/pinecone/mod.ts");
  const tasks = JSON.parse(linted).tasks;
  assert.equal(
    tasks["doc:lint"],
    "deno doc --lint core/mod.ts adapters/a/mod.ts adapters/pinecone/mod.ts",
  );
  assert.match(tasks.verify, /adapters\/a\/mod\.ts adapters\/pinecone\/mod\.ts && deno publish/);
  assert.equal(addDocLintEntry(linted, "adapters/pinecone/mod.ts"), linted, "idempotent");
  assert.throws(() => addWorkspaceMember("{}", "./x"), /no "workspace" array/);

  const readme = "# X\n\n| package | directory | registry keys |\n| --- | --- | --- |\n" +
    "| `@astrocyte/core` | `core/` | `in_memory` |\n\nAfter.\n";
  const n = scaffoldNames({ family: "vector_store", name: "pinecone", dir: "." });
  const withRow = addReadmeRow(readme, n);
  assert.match(withRow, /`in_memory` \|\n\| `@astrocyte\/pinecone` \| .*`pinecone`.*\|\n\nAfter/);
  assert.equal(addReadmeRow(withRow, n), withRow, "idempotent");
});

/** Copy a directory tree (no symlinks expected). */
async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** Run deno with the given arguments in `cwd`; returns the exit code and combined output. */
async function deno(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const base = Deno.env.toObject();
  for (const k of Object.keys(base)) if (k.startsWith("ASTROCYTE_")) delete base[k];
  const res = await new Deno.Command(DENO, {
    args,
    cwd,
    env: { ...base, NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: res.code, out: dec.decode(res.stdout) + dec.decode(res.stderr) };
}

Deno.test({
  name: "generated adapters (all 9 families) check, lint, doc-lint and report their skips",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const tmp = await Deno.makeTempDir({ prefix: "astrocyte_scaffold_" });
    try {
      await copyDir(`${ROOT}/core`, `${tmp}/core`);
      for (const f of ["package.json", "README.md"]) {
        await Deno.copyFile(`${ROOT}/${f}`, `${tmp}/${f}`);
      }
      const rootCfg = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
      rootCfg.workspace = ["./core"]; // the other adapters are not copied
      await Deno.writeTextFile(`${tmp}/deno.json`, JSON.stringify(rootCfg, null, 2) + "\n");
      await Deno.symlink(`${ROOT}/node_modules`, `${tmp}/node_modules`);

      const names: Record<string, string> = {};
      await t.step("generate one adapter per family", async () => {
        for (const fam of Object.keys(SCAFFOLD_FAMILIES)) {
          const name = `gen-${fam.replace(/_/g, "-")}`;
          names[fam] = name;
          const res = await generateAdapter({ family: fam, name, dir: tmp });
          assert.equal(res.dir, `adapters/${name}`);
          assert.ok(res.edited.includes("deno.json"));
        }
        const cfg = JSON.parse(await Deno.readTextFile(`${tmp}/deno.json`));
        assert.equal(cfg.workspace.length, 10);
        const pkg = JSON.parse(
          await Deno.readTextFile(`${tmp}/adapters/gen-vector-store/deno.json`),
        );
        assert.equal(pkg.name, "@astrocyte/gen-vector-store");
        assert.equal(pkg.version, "0.1.0");
        assert.equal(pkg.license, rootCfg.license ?? "Apache-2.0");
        assert.deepEqual(pkg.publish.exclude, ["**/*_test.ts", "**/*_bench.ts", "**/testdata/"]);
        const readme = await Deno.readTextFile(`${tmp}/adapters/gen-vector-store/README.md`);
        assert.match(readme, /deno add jsr:@astrocyte\/core jsr:@astrocyte\/gen-vector-store/);
        assert.match(readme, /npx jsr add @astrocyte\/core @astrocyte\/gen-vector-store/);
        assert.match(
          readme,
          /```yaml\n# astrocyte.yaml\nprovider_tier: storage\nvector_store: gen-vector-store/,
        );
        const mod = await Deno.readTextFile(`${tmp}/adapters/gen-vector-store/mod.ts`);
        assert.match(mod, /export const genVectorStore: AdapterPlugin = \{/);
        assert.match(mod, /spiVersion: 1,/);
        assert.match(mod, /createGenVectorStoreVectorStore/);
        assert.match(mod, /@module/);
        // The core package name is taken.
        await assert.rejects(
          generateAdapter({ family: "vector_store", name: "core", dir: tmp }),
          /@astrocyte\/core is already the name of workspace member \.\/core/,
        );
        // A second run must not overwrite the package.
        await assert.rejects(
          generateAdapter({ family: "vector_store", name: "gen-vector-store", dir: tmp }),
          UsageError,
        );
      });

      await t.step("deno check, lint, fmt --check and doc --lint pass", async () => {
        const check = await deno(tmp, ["check", "adapters/"]);
        assert.equal(check.code, 0, check.out);
        const lint = await deno(tmp, ["lint", "adapters/"]);
        assert.equal(lint.code, 0, lint.out);
        const fmt = await deno(tmp, ["fmt", "--check", "adapters/", "README.md"]);
        assert.equal(fmt.code, 0, fmt.out);
        const mods = Object.values(names).map((n) => `adapters/${n}/mod.ts`);
        const doc = await deno(tmp, ["doc", "--lint", "core/mod.ts", ...mods]);
        assert.equal(doc.code, 0, doc.out);
      });

      await t.step(
        "check:release and the offline doc score accept the generated packages",
        async () => {
          const report = await checkRelease(tmp);
          const ours = report.problems.filter((p) => p.where.startsWith("@astrocyte/gen-"));
          assert.deepEqual(ours, [], JSON.stringify(ours));
          for (const [fam, name] of Object.entries(names)) {
            const summary = report.packages.find((p) => p.name === `@astrocyte/${name}`);
            assert.deepEqual(summary?.keys, [name], `${fam}: plugin found with its key`);
            const dir = `${tmp}/adapters/${name}`;
            const manifest = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
            const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
            const published = files.filter((f) => isPublished(f, manifest));
            assert.deepEqual(published, files.filter((f) => !f.endsWith("_test.ts")));
            assert.ok(published.includes("README.md"));
            const doc = await deno(dir, ["doc", "--json", "mod.ts"]);
            assert.equal(doc.code, 0, doc.out);
            const json = JSON.parse(doc.out.slice(0, doc.out.lastIndexOf("}") + 1));
            const score = docScore(
              json,
              new URL("mod.ts", `file://${Deno.realPathSync(dir)}/`).href,
              await Deno.readTextFile(`${dir}/README.md`),
            );
            assert.deepEqual(
              [
                score.hasReadme,
                score.hasExamples,
                score.allEntrypointsDocs,
                score.documentedPoints,
              ],
              [true, true, true, 5],
              `${name}: ${score.undocumented.join(", ")}`,
            );
          }
        },
      );

      await t.step("without a backend every suite is skipped with its reason", async () => {
        const run = await deno(tmp, ["test", "-A", "--no-check", "adapters/"]);
        assert.equal(run.code, 0, run.out);
        const summary = /ok \| (\d+) passed \| (\d+) failed \| (\d+) ignored/.exec(run.out);
        assert.ok(summary, run.out);
        assert.deepEqual(summary.slice(1).map(Number), [0, 0, 9]);
        for (const [fam, name] of Object.entries(names)) {
          const iface = SCAFFOLD_FAMILIES[fam]!.interfaceName;
          const env = `ASTROCYTE_${name.toUpperCase().replace(/-/g, "_")}_URL`;
          assert.match(run.out, new RegExp(`${iface} contract \\(${name}\\) \\.\\.\\. ignored`));
          assert.ok(
            run.out.includes(`${iface} contract (${name}) skipped: ${env} is not set`),
            `skip reason for ${name}`,
          );
        }
        const down = await deno(tmp, ["test", "-A", "--no-check", "adapters/gen-wiki-store/"], {
          ASTROCYTE_GEN_WIKI_STORE_URL: "http://127.0.0.1:9",
        });
        assert.equal(down.code, 0, down.out);
        assert.match(down.out, /skipped: http:\/\/127\.0\.0\.1:9 is unreachable/);
      });

      await t.step("with a reachable port the full contract suite runs", async () => {
        const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const accepting = (async () => {
          for await (const conn of listener) conn.close();
        })();
        try {
          const port = (listener.addr as Deno.NetAddr).port;
          const run = await deno(tmp, ["test", "-A", "--no-check", "adapters/gen-vector-store/"], {
            ASTROCYTE_GEN_VECTOR_STORE_URL: `http://127.0.0.1:${port}`,
          });
          // The skeleton implements nothing, so the suite runs and fails.
          assert.notEqual(run.code, 0, run.out);
          assert.doesNotMatch(run.out, /contract \(gen-vector-store\) skipped:/);
          const expected = vectorStoreContract({
            create: () => Promise.resolve(createInMemoryVectorStore()),
          }).cases.length;
          const steps = run.out.split("\n").filter((l) =>
            /^ {2}\S.* \.\.\. (ok|FAILED|ignored) \(/.test(l)
          );
          assert.equal(steps.length, expected, "one step per contract case");
          assert.ok(steps.some((l) => l.includes("FAILED")));
          assert.match(run.out, /storeVectors is not implemented yet/);
        } finally {
          listener.close();
          await accepting.catch(() => {});
        }
      });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("the CLI prints usage and exits 2 on a bad name", async () => {
  const res = await deno(ROOT, [
    "run",
    "-A",
    "scripts/new_adapter.ts",
    "--family",
    "vector_store",
    "--name",
    "Bad Name",
  ]);
  assert.equal(res.code, 2, res.out);
  assert.match(res.out, /Invalid --name "Bad Name"/);
  assert.match(res.out, /Usage: deno task new-adapter/);
});
