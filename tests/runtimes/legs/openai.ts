/**
 * OpenAI leg: the LLMProvider contract for `@astrocyte/openai` against the local fake
 * OpenAI server (tests/fixtures/openai_server.ts), built through the plugin, and the facade
 * with in-memory stores and the OpenAI provider.
 *
 * @module
 */
import { createRegistry, inMemory } from "@astrocyte/core";
import { openai } from "@astrocyte/openai";
import type { Leg } from "../_types.ts";
import { facadeSuite, pluginSuites, testContext } from "../_suites.ts";

/** The OpenAI leg. */
export const leg: Leg = {
  id: "openai",
  groups: [
    {
      id: "openai",
      label: "openai (fake server)",
      needs: ["openaiUrl"],
      setup: ({ endpoints }) =>
        Promise.resolve({
          suites: pluginSuites([openai], {
            label: "openai",
            context: testContext(),
            config: (_family, dimensions) => ({
              base_url: endpoints.openaiUrl,
              api_key: endpoints.openaiKey,
              dimensions,
            }),
          }),
        }),
    },
    {
      id: "openai-facade",
      label: "openai facade",
      needs: ["openaiUrl"],
      setup: ({ endpoints }) =>
        Promise.resolve({
          suites: [facadeSuite({
            label: "in_memory + openai",
            registry: createRegistry(...inMemory, openai),
            env: { OPENAI_API_KEY: endpoints.openaiKey },
            config: {
              vector_store: "in_memory",
              document_store: "in_memory",
              llm_provider: "openai",
              llm_provider_config: {
                base_url: endpoints.openaiUrl,
                api_key: "${OPENAI_API_KEY}",
                dimensions: 32,
              },
            },
          })],
        }),
    },
  ],
};
