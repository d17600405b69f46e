import { runInline } from "@astrocyte/core/testing";
import { leg } from "./legs/libsql.ts";
import { serveHrana } from "../fixtures/hrana_server.ts";
const server = await serveHrana();
const tmpDir = await Deno.makeTempDir();
for (const g of leg.groups) {
  const setup = await g.setup({ runtime: "deno", label: "deno", endpoints: { libsqlUrl: server.url }, tablePrefix: "p_", tmpDir });
  for (const s of setup.suites) {
    const t = performance.now();
    const r = await runInline([s]);
    const cases = r.suites[0].cases.sort((a, b) => b.ms - a.ms).slice(0, 4).map((c) => `${Math.round(c.ms)}ms ${c.name.slice(0, 60)}`);
    console.log(g.id, s.name, Math.round(performance.now() - t), "\n   ", cases.join("\n    "));
  }
  await setup.close?.();
}
await server.close();
