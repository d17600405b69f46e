/**
 * workerd entry of a runtime leg. The orchestrator bundles
 * `export default workerFor(leg)` with esbuild (`--platform=browser
 * --conditions=workerd,worker,browser`) and runs it in Miniflare; `GET /run` runs the whole
 * leg inline (one request, so every client lives in one request context) and answers the
 * {@linkcode LegReport} as JSON. The {@linkcode RuntimeContext} comes from the `RT_CONTEXT`
 * text binding.
 *
 * @module
 */
import type { Leg, RuntimeContext } from "./_types.ts";
import { errorText } from "./_types.ts";
import { runLegInline } from "./_inline.ts";

/** The worker's bindings. */
export interface WorkerEnv {
  /** JSON of the {@linkcode RuntimeContext}. */
  RT_CONTEXT: string;
}

/** A module worker running `leg` on `GET /run`. */
export function workerFor(
  leg: Leg,
): { fetch(request: Request, env: WorkerEnv): Promise<Response> } {
  return {
    async fetch(request: Request, env: WorkerEnv): Promise<Response> {
      const url = new URL(request.url);
      if (url.pathname === "/groups") return Response.json(leg.groups.map((g) => g.id));
      if (url.pathname !== "/run") return new Response("not found", { status: 404 });
      try {
        const ctx = JSON.parse(env.RT_CONTEXT) as RuntimeContext;
        const only = url.searchParams.get("group") ?? undefined;
        return Response.json(await runLegInline(leg, ctx, only));
      } catch (e) {
        return Response.json({ error: errorText(e) }, { status: 500 });
      }
    },
  };
}
