/**
 * Loading `astrocyte.yaml`: YAML parsing (with `npm:js-yaml`), `${NAME}` / `${NAME:-default}`
 * substitution from an `env` you pass in, and validation of the keys core owns.
 *
 * Keys stay snake_case exactly as in upstream `astrocyte-py`; see
 * {@linkcode AstrocyteConfig}. Core never reads the process environment: pass
 * `Deno.env.toObject()`, `process.env` or a Workers `env` binding.
 *
 * @example
 * ```ts
 * import { loadConfig } from "@astrocyte/core";
 *
 * const config = loadConfig(
 *   `
 * provider_tier: storage
 * vector_store: libsql
 * vector_store_config:
 *   url: \${LIBSQL_URL:-file:.astrocyte/memory.db}
 *   dimensions: 384
 * llm_provider: mock
 * `,
 *   { env: { LIBSQL_URL: "libsql://example.turso.io" } },
 * );
 * console.log(config.vector_store_config?.url); // "libsql://example.turso.io"
 * ```
 *
 * @module
 */
import { loadAll, YAMLException } from "js-yaml";
import { ConfigError } from "./errors.ts";
import { type AstrocyteConfig, configFromObject, type LoadConfigOptions } from "./config_schema.ts";

/**
 * Parse YAML text into a plain object. An empty document is `{}`.
 *
 * The error message gives the parser's reason with line and column only: the parser's own
 * message quotes source lines, which may hold secrets, so it is neither shown nor attached.
 *
 * @throws {ConfigError} on YAML syntax errors, several documents, or a top level that is not a
 * mapping.
 */
export function parseConfigYaml(text: string): Record<string, unknown> {
  let documents: unknown[];
  try {
    // Config files are small: a modest alias limit stops "billion laughs" expansion early.
    documents = loadAll(text, { maxAliases: 1000 });
  } catch (error) {
    if (error instanceof YAMLException) {
      const where = error.mark === undefined
        ? ""
        : ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}`;
      throw new ConfigError(`[astrocyte/core] Invalid YAML${where}: ${error.reason}`);
    }
    throw new ConfigError("[astrocyte/core] Invalid YAML: the parser failed", { cause: error });
  }
  if (documents.length > 1) {
    throw new ConfigError(
      `[astrocyte/core] Invalid YAML: expected one document, found ${documents.length}`,
    );
  }
  const root = documents[0] ?? {};
  if (root === null || typeof root !== "object" || Array.isArray(root)) {
    throw new ConfigError(
      `[astrocyte/core] Config must be a mapping at the top level, got ${
        Array.isArray(root) ? "a list" : `a ${typeof root}`
      }`,
    );
  }
  return root as Record<string, unknown>;
}

/**
 * Load an Astrocyte config from YAML text or an already-parsed object.
 *
 * YAML syntax errors become a {@linkcode ConfigError} with line and column; then
 * {@linkcode configFromObject} substitutes `${NAME}` / `${NAME:-default}` in every string value
 * (`$${...}` is a literal), fails on unresolved variables naming path and variable (never a
 * value), validates core's own keys, rejects `graph_store: age`, and warns through
 * `options.logger` about unknown top-level keys.
 *
 * @example
 * ```ts
 * import { loadConfig } from "@astrocyte/core";
 *
 * const config = loadConfig("vector_store: in_memory\nllm_provider: mock\n");
 * console.log(config.llm_provider); // "mock"
 * ```
 *
 * @throws {ConfigError} for invalid YAML, unresolved variables or invalid values.
 */
export function loadConfig(
  yamlTextOrObject: string | Readonly<Record<string, unknown>>,
  options?: LoadConfigOptions,
): AstrocyteConfig {
  const root = typeof yamlTextOrObject === "string"
    ? parseConfigYaml(yamlTextOrObject)
    : yamlTextOrObject;
  return configFromObject(root, options);
}
