/**
 * One Postgres fixture in its own process (`tests/fixtures/pg_server.ts`: PGlite + pgvector
 * on TCP, the Neon WebSocket bridge and the Neon HTTP shim), so two runtimes' Postgres legs
 * can run at once on separate PGlite instances (and cores). Prints one JSON line with the
 * endpoints, then serves until its stdin closes.
 *
 * @module
 */
import { startPgTestServer } from "../fixtures/pg_server.ts";

const server = await startPgTestServer();
console.log(JSON.stringify({
  neonUrl: server.neonUrl,
  neonFetchEndpoint: server.fetchEndpoint,
  neonWsProxy: server.wsProxy,
}));
for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
await server.close();
Deno.exit(0);
