/**
 * Deno entry of a runtime leg, run from source (no bundle):
 * `deno run -A tests/runtimes/_entry_deno.ts <leg>`. Reads the {@linkcode RuntimeContext}
 * from `ASTROCYTE_RT_CONTEXT` and writes the {@linkcode LegReport} to `ASTROCYTE_RT_REPORT`.
 *
 * @module
 */
import type { Leg, RuntimeContext } from "./_types.ts";
import { runLegInline } from "./_inline.ts";

const legId = Deno.args[0];
if (!legId || !/^[a-z0-9_]+$/.test(legId)) throw new Error(`usage: _entry_deno.ts <leg>`);
const { leg } = await import(`./legs/${legId}.ts`) as { leg: Leg };
const ctx = JSON.parse(Deno.env.get("ASTROCYTE_RT_CONTEXT") ?? "{}") as RuntimeContext;
const report = await runLegInline(leg, ctx);
const out = Deno.env.get("ASTROCYTE_RT_REPORT");
if (out) await Deno.writeTextFile(out, JSON.stringify(report));
else console.log(JSON.stringify(report));
