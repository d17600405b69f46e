/**
 * `@astrocyte/openai`: an Astrocyte LLMProvider for any OpenAI-compatible API over `fetch`.
 * Runs unchanged on Deno, Cloudflare Workers, Bun and Node.
 *
 * @example
 * ```ts ignore
 * import { Astrocyte, createRegistry, inMemory } from "@astrocyte/core";
 * import { openai } from "@astrocyte/openai";
 *
 * const registry = createRegistry(inMemory, openai);
 * // astrocyte.yaml:  llm_provider: openai
 * //                  llm_provider_config: { api_key: ${OPENAI_API_KEY} }
 * ```
 *
 * @module
 */
import type { AdapterPlugin } from "@astrocyte/core";
import { createOpenAIProvider, parseOpenAIOptions } from "./provider.ts";

export {
  createOpenAIProvider,
  type OpenAIProviderOptions,
  parseOpenAIOptions,
} from "./provider.ts";

/**
 * The `openai` adapter plugin: registers the LLMProvider family under the config key
 * `openai`. The adapter context's `fetch` is used for every request.
 */
export const openai: AdapterPlugin = {
  name: "openai",
  spiVersion: 1,
  importHint: 'import { openai } from "@astrocyte/openai"',
  llmProvider: (config, context) =>
    createOpenAIProvider({ ...parseOpenAIOptions(config, context.env), fetch: context.fetch }),
};
