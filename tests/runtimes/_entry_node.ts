/**
 * Node and Bun entry of a runtime leg. The orchestrator bundles
 * `await runWithNodeTest(leg)` with esbuild (`--platform=node`) and runs the bundle with
 * `node --test` or `bun test`. The {@linkcode RuntimeContext} comes from
 * `ASTROCYTE_RT_CONTEXT`; Node releases without a global WebSocket get `ws`.
 *
 * @module
 */
import process from "node:process";
import type { Leg, RuntimeContext } from "./_types.ts";
import { registerLegWithNodeTest } from "./_node_tests.ts";

/** Register `leg` with `node:test` for this process. */
export async function runWithNodeTest(leg: Leg): Promise<void> {
  const ctx = JSON.parse(process.env.ASTROCYTE_RT_CONTEXT ?? "{}") as RuntimeContext;
  if (!("WebSocket" in globalThis)) ctx.webSocket = (await import("ws")).default;
  await registerLegWithNodeTest(leg, ctx);
}
