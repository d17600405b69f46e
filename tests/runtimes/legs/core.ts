/**
 * Core leg: every SPI family against the in-memory reference (through the `in_memory` and
 * `mock` plugins), the facade configured from YAML text and from an object, and the harness
 * canary. Needs no server.
 *
 * @module
 */
import { createRegistry, inMemory } from "@astrocyte/core";
import type { Leg } from "../_types.ts";
import { canarySuite, facadeSuite, pluginSuites, testContext } from "../_suites.ts";

const YAML = `# astrocyte.yaml (upstream keys)
provider_tier: storage
vector_store: in_memory
vector_store_config:
  dimensions: \${DIMS:-64}
document_store: in_memory
graph_store: in_memory
llm_provider: mock
llm_provider_config:
  dimensions: 64
`;

/** The core leg. */
export const leg: Leg = {
  id: "core",
  groups: [
    {
      id: "in-memory",
      label: "core in_memory",
      setup: () =>
        Promise.resolve({
          suites: pluginSuites(inMemory, {
            label: "in_memory",
            context: testContext(),
            config: (family, dimensions) =>
              family === "vectorStore" || family === "llmProvider" ? { dimensions } : {},
          }),
        }),
    },
    {
      id: "facade",
      label: "core facade",
      setup: () =>
        Promise.resolve({
          suites: [
            facadeSuite({
              label: "YAML text, in_memory + mock",
              registry: createRegistry(...inMemory),
              config: YAML,
            }),
            facadeSuite({
              label: "object config, in_memory + mock",
              registry: createRegistry(...inMemory),
              config: {
                vector_store: "in_memory",
                document_store: "in_memory",
                llm_provider: "mock",
              },
            }),
          ],
        }),
    },
    {
      id: "canary",
      label: "harness canary",
      setup: () => Promise.resolve({ suites: [canarySuite()] }),
    },
  ],
};
