/**
 * Postgres leg: every family `@astrocyte/postgres` provides, through its plugin, on the
 * three drivers: Neon SQL over HTTP (→ the local Neon HTTP shim), Neon WebSocket (→ the
 * local WebSocket → TCP bridge), both in front of one PGlite + pgvector served on TCP by the
 * orchestrator, and the embedded PGlite where the runtime can run it. Plus the facade.
 *
 * @module
 */
import { neonConfig } from "@neondatabase/serverless";
import { postgres } from "@astrocyte/postgres/pglite";
import type { Leg } from "../_types.ts";
import { adapterSetup } from "../_suites.ts";

/** The Postgres leg. */
export const leg: Leg = {
  id: "postgres",
  groups: [
    {
      id: "postgres-neon-http",
      label: "postgres neon-http",
      needs: ["neonUrl", "neonFetchEndpoint"],
      setup: ({ endpoints, tablePrefix }) =>
        adapterSetup(postgres, {
          label: "postgres neon-http",
          config: {
            url: endpoints.neonUrl,
            driver: "neon-http",
            fetch_endpoint: endpoints.neonFetchEndpoint,
            table_prefix: `${tablePrefix}h_`,
          },
          facade: true,
        }),
    },
    {
      id: "postgres-neon-ws",
      label: "postgres neon-ws",
      needs: ["neonUrl", "neonWsProxy"],
      setup: ({ endpoints, tablePrefix, webSocket }) => {
        // Node 20 has no global WebSocket: users set Neon's constructor once, as here.
        if (webSocket !== undefined) {
          neonConfig.webSocketConstructor = webSocket as typeof neonConfig.webSocketConstructor;
        }
        return adapterSetup(postgres, {
          label: "postgres neon-ws",
          config: {
            url: endpoints.neonUrl,
            driver: "neon-ws",
            ws_proxy: endpoints.neonWsProxy,
            use_secure_websocket: false,
            pipeline_connect: false,
            pipeline_tls: false,
            // Neon batches socket writes with setTimeout(0), ~3 ms a round trip; the suites
            // make thousands of small queries (test-infra.md §1 recommends this for tests).
            coalesce_writes: false,
            // One connection: pglite-socket multiplexes every connection onto one Postgres
            // session, where concurrent extended-protocol exchanges overwrite each other's
            // unnamed statement (a fixture limit; tests/postgres_neon_test.ts does the same).
            max_connections: 1,
            table_prefix: `${tablePrefix}w_`,
          },
        });
      },
    },
    {
      id: "postgres-pglite",
      label: "postgres pglite (embedded)",
      unsupported: {
        workerd: "PGlite loads its WASM and data files relative to its module URL and compiles " +
          "WebAssembly at run time, which workerd does not allow (PGlite.create() fails with " +
          "`TypeError: Invalid URL string`, also with nodejs_compat)",
      },
      setup: ({ tablePrefix }) =>
        adapterSetup(postgres, {
          label: "postgres pglite",
          config: { url: "memory://", table_prefix: tablePrefix },
        }),
    },
  ],
};
