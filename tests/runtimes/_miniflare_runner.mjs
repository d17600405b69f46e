// Runs bundled leg workers in workerd through Miniflare's Node API (Node script; called by
// run.ts and scripts/bench/cold_start.ts).
//
//   node tests/runtimes/_miniflare_runner.mjs <jobs.json> <results.json>
//
// jobs.json: { "compatibilityDate": "2025-09-01",
//              "jobs": [{ "name", "script", "flags": [], "bindings": {}, "path": "/run",
//                         "repeat": 1, "perGroup": false }] }
// For each job: start Miniflare with the script, GET `path` `repeat` times, dispose.
// With `perGroup`, GET /groups first, then `/run?group=<id>` once per group (each request
// stays short), and merge the leg reports' `groups` into one body.
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
    const get = async (path) => {
      const t1 = performance.now();
      const res = await mf.dispatchFetch(`http://localhost${path}`);
      const text = await res.text();
      result.requestMs.push(performance.now() - t1);
      result.status = res.status;
      try {
        result.body = JSON.parse(text);
      } catch {
        result.body = text.slice(0, 2000);
      }
      return res.status === 200;
    };
    if (job.perGroup) {
      if (await get("/groups")) {
        const ids = result.body;
        let merged;
        for (const id of ids) {
          if (!(await get(`/run?group=${encodeURIComponent(id)}`))) {
            merged = undefined;
            break;
          }
          if (merged) merged.groups.push(...result.body.groups);
          else merged = result.body;
        }
        if (merged) result.body = merged;
      }
    } else {
      for (let i = 0; i < (job.repeat ?? 1); i++) await get(job.path ?? "/run");
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
