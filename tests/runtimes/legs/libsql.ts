/**
 * libSQL leg: every family `@astrocyte/libsql` provides, through its plugin, over HTTP
 * (`@libsql/client/web` → the local Hrana server, as on Workers and Turso) and, where the
 * runtime has a filesystem and native addons, on a `file:` database. Plus the facade with
 * libSQL as its stores.
 *
 * @module
 */
import { libsql } from "@astrocyte/libsql";
import type { Leg } from "../_types.ts";
import { adapterSetup } from "../_suites.ts";

/** The libSQL leg. */
export const leg: Leg = {
  id: "libsql",
  groups: [
    {
      id: "libsql-http",
      label: "libsql http (Hrana)",
      needs: ["libsqlUrl"],
      setup: ({ endpoints, tablePrefix }) =>
        adapterSetup(libsql, {
          label: "libsql http",
          config: { url: endpoints.libsqlUrl, table_prefix: tablePrefix },
          facade: true,
        }),
    },
    {
      id: "libsql-file",
      label: "libsql file:",
      unsupported: {
        workerd: "workerd has no filesystem and cannot load the native libSQL binding",
      },
      setup: ({ tmpDir, runtime, tablePrefix }) => {
        if (!tmpDir) throw new Error("no scratch directory given");
        return adapterSetup(libsql, {
          label: "libsql file:",
          config: { url: `file:${tmpDir}/libsql-${runtime}.db`, table_prefix: tablePrefix },
        });
      },
    },
  ],
};
