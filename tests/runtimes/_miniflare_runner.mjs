// Runs bundled leg workers in workerd through Miniflare's Node API (Node script; called by
// run.ts and scripts/bench/cold_start.ts).
//
//   node tests/runtimes/_miniflare_runner.mjs <jobs.json> <results.json>
//
// jobs.json: { "compatibilityDate": "2025-09-01",
//              "jobs": [{ "name", "script", "flags": [], "bindings": {}, "path": "/run",
//                         "repeat": 1 }] }
// For each job: start Miniflare with the script, GET `path` `repeat` times, dispose.
// results.json: [{ "name", "status", "body", "readyMs", "requestMs": [..], "error" }]
// Bodies are parsed as JSON when possible.
import { readFileSync, writeFileSync } from "node:fs";
import { Miniflare } from "miniflare";

const [jobsPath, resultsPath] = process.argv.slice(2);
if (!jobsPath || !resultsPath) {
  console.error("usage: _miniflare_runner.mjs <jobs.json> <results.json>");
  process.exit(2);
}
const spec = JSON.parse(readFileSync(jobsPath, "utf8"));
const results = [];
for (const job of spec.jobs) {
  const t0 = performance.now();
  let mf;
  const result = { name: job.name, requestMs: [] };
  try {
    mf = new Miniflare({
      modules: true,
      scriptPath: job.script,
      compatibilityDate: spec.compatibilityDate ?? "2025-09-01",
      compatibilityFlags: job.flags ?? [],
      bindings: job.bindings ?? {},
    });
    await mf.ready;
    result.readyMs = performance.now() - t0;
    for (let i = 0; i < (job.repeat ?? 1); i++) {
      const t1 = performance.now();
      const res = await mf.dispatchFetch(`http://localhost${job.path ?? "/run"}`);
      const text = await res.text();
      result.requestMs.push(performance.now() - t1);
      result.status = res.status;
      try {
        result.body = JSON.parse(text);
      } catch {
        result.body = text.slice(0, 2000);
      }
    }
  } catch (e) {
    result.error = String(e?.stack ?? e).slice(0, 2000);
  } finally {
    try {
      await mf?.dispose();
    } catch { /* already gone */ }
  }
  result.totalMs = performance.now() - t0;
  results.push(result);
}
writeFileSync(resultsPath, JSON.stringify(results));
