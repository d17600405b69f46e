/**
 * Upstash leg: the contracts of `@astrocyte/upstash` (VectorStore on a dense index,
 * DocumentStore on a sparse index), through its plugin, against two local Upstash Vector
 * emulators (tests/fixtures/upstash_emulator.ts), plus the facade with Upstash as its stores.
 *
 * @module
 */
import { upstash } from "@astrocyte/upstash";
import type { Leg } from "../_types.ts";
import { adapterSetup } from "../_suites.ts";

/** The Upstash leg. */
export const leg: Leg = {
  id: "upstash",
  groups: [
    {
      id: "upstash",
      label: "upstash (emulator, dense + sparse index)",
      needs: ["upstashUrl", "upstashSparseUrl"],
      setup: ({ endpoints, tablePrefix }) =>
        adapterSetup(upstash, {
          label: "upstash",
          config: {
            url: endpoints.upstashUrl,
            token: endpoints.upstashToken,
            namespace_prefix: tablePrefix,
            retry_base_ms: 1,
          },
          // The document store needs a SPARSE index: a second emulator.
          familyConfig: {
            documentStore: {
              url: endpoints.upstashSparseUrl,
              token: endpoints.upstashToken,
              namespace_prefix: tablePrefix,
              retry_base_ms: 1,
            },
          },
          facade: true,
        }),
    },
  ],
};
